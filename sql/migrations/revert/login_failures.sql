-- Revert astronaut-hours:login_failures

BEGIN;

DROP TABLE astro.login_failures;
DROP FUNCTION astro.login_delay(integer);

COMMIT;
