-- Revert astronaut-hours:name_chars

BEGIN;

DROP FUNCTION astro.name_chars_ok(text);
DROP FUNCTION astro.name_has_visible(text);
DROP FUNCTION astro.name_marks_ok(text);

COMMIT;
