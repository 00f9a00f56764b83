-- Revert astronaut-hours:astronauts

BEGIN;

DROP TABLE astro.astronauts;

COMMIT;
