-- The LOGIN role of the monolith build (fcgi-apps/monolith/): a member of
-- all three services' group roles, so that each worker's one connection
-- holds the union of their privileges. Created when missing, brought to
-- the given password when present; run after sql/service-logins.sql:
--
--   psql -X -v ON_ERROR_STOP=1 \
--        -v monolith_password="$MONOLITH_DB_PASSWORD" \
--        -f sql/monolith-login.sql
--
-- An empty password removes the password (local trust authentication).
-- The split services never use this role; docs/architecture.md says what
-- the union costs (any route's bug reaches every service's tables).

\set ON_ERROR_STOP 1

SELECT :{?monolith_password} AS have_password \gset
\if :have_password
\else
	DO $$
	BEGIN
		RAISE EXCEPTION 'monolith-login.sql needs -v monolith_password=...'
			USING HINT = 'An empty value means no password.';
	END
	$$;
\endif

BEGIN;

-- The statement below carries the password in clear text: keep it out
-- of the server log where this role may decide.
SET LOCAL password_encryption = 'scram-sha-256';
DO $$
BEGIN
	PERFORM pg_catalog.set_config('log_statement', 'none', true);
	PERFORM pg_catalog.set_config('log_min_duration_statement', '-1', true);
	PERFORM pg_catalog.set_config('log_min_error_statement', 'panic', true);
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
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

SELECT 'CREATE ROLE astro_monolith_login LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'astro_monolith_login')
\gexec

SELECT pg_catalog.format('ALTER ROLE astro_monolith_login WITH LOGIN INHERIT PASSWORD %s',
           CASE WHEN :'monolith_password' = '' THEN 'NULL'
                ELSE pg_catalog.quote_literal(:'monolith_password') END)
\gexec

SELECT pg_catalog.format('GRANT %I TO astro_monolith_login', grp)
  FROM (VALUES ('astro_signup'), ('astro_hours'), ('astro_board')) AS g (grp)
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members AS am
                    JOIN pg_catalog.pg_roles AS g2 ON g2.oid = am.roleid
                    JOIN pg_catalog.pg_roles AS r ON r.oid = am.member
                   WHERE g2.rolname = grp AND r.rolname = 'astro_monolith_login')
\gexec

COMMIT;
