-- Revert astronaut-hours:lock_astronaut_first

BEGIN;

DROP TRIGGER hours_entries_lock_astronaut ON astro.hours_entries;
DROP FUNCTION astro.hours_entries_lock_astronaut();

COMMIT;
