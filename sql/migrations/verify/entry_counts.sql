-- Verify astronaut-hours:entry_counts

BEGIN;

SELECT entry_count FROM astro.astronauts WHERE false;
SELECT entry_count, entries, count_drift FROM astro.total_drift WHERE false;

DO $$
BEGIN
	IF pg_catalog.strpos(pg_catalog.pg_get_functiondef('astro.hours_entries_sync_total()'::regprocedure),
	                     'entry_count = entry_count + 1') = 0 THEN
		RAISE EXCEPTION 'astro.hours_entries_sync_total() does not count entries';
	END IF;
	IF NOT pg_catalog.has_column_privilege('astro_hours', 'astro.astronauts', 'entry_count', 'SELECT') THEN
		RAISE EXCEPTION 'astro_hours may not read astronauts.entry_count';
	END IF;
END
$$;

ROLLBACK;
