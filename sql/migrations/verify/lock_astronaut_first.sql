-- Verify astronaut-hours:lock_astronaut_first

BEGIN;

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger
	                WHERE tgname = 'hours_entries_lock_astronaut'
	                  AND tgrelid = 'astro.hours_entries'::regclass
	                  AND NOT tgisinternal
	                  AND pg_catalog.pg_get_triggerdef(oid)
	                      LIKE '%BEFORE INSERT OR DELETE OR UPDATE OF astronaut_id, hours, trained_on%') THEN
		RAISE EXCEPTION 'hours_entries does not lock its astronaut before the foreign key check';
	END IF;
END
$$;

ROLLBACK;
