-- Deploy astronaut-hours:roles

BEGIN;

-- Roles belong to the cluster, not to this database: the application's
-- database and any test database beside it share them. Create only the
-- missing ones, and never change one that exists. The services log in as
-- members of these roles (sql/service-logins.sql).
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['astro_signup', 'astro_hours', 'astro_board'] LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r);
		BEGIN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			-- A deploy into another database of this cluster created it
			-- between the check and the CREATE.
			NULL;
		END;
	END LOOP;
END
$$;

COMMIT;
