-- Revert astronaut-hours:sessions

BEGIN;

DROP TABLE astro.sessions;

COMMIT;
