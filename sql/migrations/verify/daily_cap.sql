-- Verify astronaut-hours:daily_cap

BEGIN;

DO $$
BEGIN
	IF pg_catalog.strpos(pg_catalog.pg_get_functiondef('astro.hours_entries_sync_total()'::regprocedure),
	                     'hours_entries_daily_cap') = 0 THEN
		RAISE EXCEPTION 'astro.hours_entries_sync_total() does not cap the hours of a day';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger
	                WHERE tgname = 'hours_entries_sync_total'
	                  AND tgrelid = 'astro.hours_entries'::regclass
	                  AND pg_catalog.pg_get_triggerdef(oid) LIKE '%UPDATE OF astronaut_id, hours, trained_on%') THEN
		RAISE EXCEPTION 'the totals trigger does not follow changes of date';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index
	                WHERE indexrelid = pg_catalog.to_regclass('astro.hours_entries_recent_idx')
	                  AND indisvalid) THEN
		RAISE EXCEPTION 'index astro.hours_entries_recent_idx is missing or invalid';
	END IF;
END
$$;

ROLLBACK;
