-- Revert astronaut-hours:schema

BEGIN;

-- No CASCADE: anything still in the schema was not made by this plan,
-- and the revert stops rather than destroy it.
DROP SCHEMA astro;

COMMIT;
