-- Revert astronaut-hours:hours_totals

BEGIN;

DROP VIEW astro.total_drift;
DROP TRIGGER hours_entries_sync_total_truncate ON astro.hours_entries;
DROP TRIGGER hours_entries_sync_total ON astro.hours_entries;
DROP FUNCTION astro.hours_entries_sync_total();

COMMIT;
