-- Revert astronaut-hours:name_checks_cached
-- The constraints as name_policy and astronauts made them.

BEGIN;

ALTER TABLE astro.astronauts
	DROP CONSTRAINT astronauts_name_chars,
	DROP CONSTRAINT astronauts_name_visible,
	DROP CONSTRAINT astronauts_name_marks,
	DROP CONSTRAINT astronauts_name_printable,
	ADD CONSTRAINT astronauts_name_chars CHECK (astro.name_chars_ok(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_visible CHECK (astro.name_has_visible(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_marks CHECK (astro.name_marks_ok(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_printable CHECK (astro.is_printable(name)) NOT VALID;
ALTER TABLE astro.astronauts VALIDATE CONSTRAINT astronauts_name_printable;

DROP FUNCTION astro.name_chars_check(text), astro.name_visible_check(text),
	astro.name_marks_check(text), astro.name_printable_check(text);

COMMIT;
