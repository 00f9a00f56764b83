-- Revert astronaut-hours:purge_sessions

BEGIN;

DROP FUNCTION astro.purge_expired_sessions(integer);

COMMIT;
