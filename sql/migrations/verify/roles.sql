-- Verify astronaut-hours:roles

BEGIN;

-- The service roles exist and cannot log in or bypass privileges
-- themselves; their privileges reach the services only through
-- membership.
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['astro_signup', 'astro_hours', 'astro_board'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles
		                WHERE rolname = r AND NOT rolcanlogin AND NOT rolsuper
		                  AND NOT rolbypassrls AND NOT rolcreaterole AND NOT rolcreatedb) THEN
			RAISE EXCEPTION 'role % is missing, can log in, or has elevated attributes', r;
		END IF;
	END LOOP;
END
$$;

ROLLBACK;
