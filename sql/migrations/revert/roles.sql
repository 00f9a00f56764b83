-- Revert astronaut-hours:roles

BEGIN;

-- Revoke what this database still grants the roles, then drop each role
-- unless something outside this database needs it: privileges in another
-- database of the cluster (DROP ROLE fails with 2BP01), or login roles
-- that are its members (dropping it would silently strip their access).
-- A role that stays is reported with a NOTICE.
DO $$
DECLARE
	r text;
	members text;
	detail text;
BEGIN
	FOREACH r IN ARRAY ARRAY['astro_board', 'astro_hours', 'astro_signup'] LOOP
		CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r);

		EXECUTE pg_catalog.format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), r);
		IF pg_catalog.to_regnamespace('astro') IS NOT NULL THEN
			EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA astro FROM %I', r);
		END IF;

		SELECT pg_catalog.string_agg(m.rolname, ', ' ORDER BY m.rolname)
		  INTO members
		  FROM pg_catalog.pg_auth_members AS am
		  JOIN pg_catalog.pg_roles AS m ON m.oid = am.member
		 WHERE am.roleid = pg_catalog.to_regrole(r);
		IF members IS NOT NULL THEN
			RAISE NOTICE 'keeping role %: it is granted to %', r, members;
			CONTINUE;
		END IF;

		BEGIN
			EXECUTE pg_catalog.format('DROP ROLE %I', r);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
			RAISE NOTICE 'keeping role %: still referenced (%)', r,
				pg_catalog.replace(detail, E'\n', '; ');
		END;
	END LOOP;
END
$$;

COMMIT;
