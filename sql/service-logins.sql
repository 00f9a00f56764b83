-- The LOGIN roles the three services connect as, two per service:
-- astro_SERVICE_login and its twin astro_SERVICE_login_clone, each a
-- member of the group role from the sqitch project (change "roles"), so
-- both have the same grants. Secrets Manager's alternating-users rotation
-- (ecs/database.yaml) sets a new password on the twin that is not current
-- and makes it current, so the login running tasks hold stays valid until
-- the rotation after. Created when missing; the role each secret names
-- now (SERVICE_user, default astro_SERVICE_login) is brought to the given
-- password, and its twin's password is left alone, since tasks may still
-- use it. Safe to run on every deploy, after sqitch deploy:
--
--   psql -X -v ON_ERROR_STOP=1 \
--        -v signup_user="$SIGNUP_DB_USER" -v signup_password="$SIGNUP_DB_PASSWORD" \
--        -v hours_user="$HOURS_DB_USER" -v hours_password="$HOURS_DB_PASSWORD" \
--        -v board_user="$BOARD_DB_USER" -v board_password="$BOARD_DB_PASSWORD" \
--        -f sql/service-logins.sql
--
-- An empty password removes the password (local trust authentication).
-- All three password variables are required, so that a forgotten one
-- cannot silently remove a password; a user variable must name one of
-- its service's two roles. Connection limits and other attributes are
-- left as they are. Run it as the role that will rotate the passwords
-- (on RDS the master user, as the migration task does): from PostgreSQL
-- 16 only a role with ADMIN OPTION on a role may change its password, and
-- the creator of a role gets it.

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

\if :{?signup_user}
\else
	\set signup_user astro_signup_login
\endif
\if :{?hours_user}
\else
	\set hours_user astro_hours_login
\endif
\if :{?board_user}
\else
	\set board_user astro_board_login
\endif
SELECT :'signup_user' IN ('astro_signup_login', 'astro_signup_login_clone')
   AND :'hours_user' IN ('astro_hours_login', 'astro_hours_login_clone')
   AND :'board_user' IN ('astro_board_login', 'astro_board_login_clone') AS users_ok \gset
\if :users_ok
\else
	DO $$
	BEGIN
		RAISE EXCEPTION 'service-logins.sql: each SERVICE_user must be astro_SERVICE_login or astro_SERVICE_login_clone';
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

-- Each group, its two logins, and which of them is current.
CREATE TEMP TABLE service_logins (grp text, login text, current text) ON COMMIT DROP;
INSERT INTO service_logins
SELECT grp, login, current
  FROM (VALUES ('astro_signup', :'signup_user'), ('astro_hours', :'hours_user'),
               ('astro_board', :'board_user')) AS s (grp, current),
       LATERAL (VALUES (grp || '_login'), (grp || '_login_clone')) AS l (login);

SELECT pg_catalog.format('CREATE ROLE %I LOGIN', login)
  FROM service_logins
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = login)
\gexec

-- The current login gets the password; its twin keeps its own.
SELECT pg_catalog.format('ALTER ROLE %I WITH LOGIN INHERIT%s', l.login,
           CASE WHEN l.login <> l.current THEN ''
                WHEN p.password = '' THEN ' PASSWORD NULL'
                ELSE ' PASSWORD ' || pg_catalog.quote_literal(p.password) END)
  FROM service_logins AS l
  JOIN (VALUES ('astro_signup', :'signup_password'), ('astro_hours', :'hours_password'),
               ('astro_board', :'board_password')) AS p (grp, password) USING (grp)
\gexec

SELECT pg_catalog.format('GRANT %I TO %I', grp, login)
  FROM service_logins
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members AS am
                    JOIN pg_catalog.pg_roles AS g ON g.oid = am.roleid
                    JOIN pg_catalog.pg_roles AS r ON r.oid = am.member
                   WHERE g.rolname = grp AND r.rolname = login)
\gexec

COMMIT;
