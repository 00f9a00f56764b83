-- The LOGIN roles the three services connect as, each a member of its
-- group role from the sqitch project (change "roles"): created when
-- missing, brought to the given password when present. Safe to run on
-- every deploy, after sqitch deploy:
--
--   psql -X -v ON_ERROR_STOP=1 \
--        -v signup_password="$SIGNUP_DB_PASSWORD" \
--        -v hours_password="$HOURS_DB_PASSWORD" \
--        -v board_password="$BOARD_DB_PASSWORD" \
--        -f sql/service-logins.sql
--
-- An empty password removes the password (local trust authentication).
-- All three variables are required, so that a forgotten one cannot
-- silently remove a password. Connection limits and other attributes
-- are left as they are.

\set ON_ERROR_STOP 1

SELECT :{?signup_password} AND :{?hours_password} AND :{?board_password} AS have_passwords \gset
\if :have_passwords
\else
	DO $$
	BEGIN
		RAISE EXCEPTION 'service-logins.sql needs -v signup_password=... -v hours_password=... -v board_password=...'
			USING HINT = 'An empty value means no password.';
	END
	$$;
\endif

BEGIN;

-- The statements below carry the passwords in clear text (the server
-- hashes them with SCRAM). Keep them out of the server log and out of
-- pg_stat_statements where this role may decide; where it may not, the
-- setting stays as the DBA configured it.
SET LOCAL password_encryption = 'scram-sha-256';
DO $$
DECLARE
	setting text[];
BEGIN
	FOREACH setting SLICE 1 IN ARRAY ARRAY[
		['log_statement', 'none'],
		['log_min_duration_statement', '-1'],
		['log_min_error_statement', 'panic'],
		['pg_stat_statements.track_utility', 'off']]
	LOOP
		BEGIN
			PERFORM pg_catalog.set_config(setting[1], setting[2], true);
		EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
			NULL;
		END;
	END LOOP;
END
$$;

DO $$
BEGIN
	IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_roles
	     WHERE rolname IN ('astro_signup', 'astro_hours', 'astro_board')) <> 3 THEN
		RAISE EXCEPTION 'the group roles astro_signup, astro_hours and astro_board are missing'
			USING HINT = 'Run sqitch deploy (sql/migrations) first.';
	END IF;
END
$$;

SELECT pg_catalog.format('CREATE ROLE %I LOGIN', login)
  FROM (VALUES ('astro_signup_login'), ('astro_hours_login'), ('astro_board_login')) AS l (login)
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = login)
\gexec

SELECT pg_catalog.format('ALTER ROLE %I WITH LOGIN INHERIT PASSWORD %s', login,
           CASE WHEN password = '' THEN 'NULL' ELSE pg_catalog.quote_literal(password) END)
  FROM (VALUES ('astro_signup_login', :'signup_password'),
               ('astro_hours_login', :'hours_password'),
               ('astro_board_login', :'board_password')) AS l (login, password)
\gexec

SELECT pg_catalog.format('GRANT %I TO %I', grp, login)
  FROM (VALUES ('astro_signup', 'astro_signup_login'),
               ('astro_hours', 'astro_hours_login'),
               ('astro_board', 'astro_board_login')) AS m (grp, login)
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members AS am
                    JOIN pg_catalog.pg_roles AS g ON g.oid = am.roleid
                    JOIN pg_catalog.pg_roles AS r ON r.oid = am.member
                   WHERE g.rolname = grp AND r.rolname = login)
\gexec

COMMIT;
