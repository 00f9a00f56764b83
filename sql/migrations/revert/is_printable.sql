-- Revert astronaut-hours:is_printable

BEGIN;

DROP FUNCTION astro.is_printable(text);

COMMIT;
