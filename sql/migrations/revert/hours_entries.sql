-- Revert astronaut-hours:hours_entries

BEGIN;

DROP TABLE astro.hours_entries;

COMMIT;
