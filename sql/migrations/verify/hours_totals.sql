-- Verify astronaut-hours:hours_totals

BEGIN;

SELECT astronaut_id, name, total_hours, entries_hours, drift
  FROM astro.total_drift
 WHERE false;

DO $$
DECLARE
	f regprocedure := pg_catalog.to_regprocedure('astro.hours_entries_sync_total()');
BEGIN
	IF f IS NULL THEN
		RAISE EXCEPTION 'function astro.hours_entries_sync_total() is missing';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc
	                WHERE oid = f AND prosecdef
	                  AND 'search_path=pg_catalog, pg_temp' = ANY (proconfig)) THEN
		RAISE EXCEPTION 'astro.hours_entries_sync_total() must be SECURITY DEFINER with a fixed search_path';
	END IF;
	IF pg_catalog.has_function_privilege('public', f, 'EXECUTE') THEN
		RAISE EXCEPTION 'PUBLIC may execute astro.hours_entries_sync_total()';
	END IF;
	IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger
	     WHERE tgrelid = 'astro.hours_entries'::regclass AND tgfoid = f
	       AND tgname IN ('hours_entries_sync_total', 'hours_entries_sync_total_truncate')
	       AND tgenabled = 'O') <> 2 THEN
		RAISE EXCEPTION 'the totals triggers on astro.hours_entries are missing or disabled';
	END IF;
END
$$;

ROLLBACK;
