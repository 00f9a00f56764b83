-- Revert astronaut-hours:name_policy
-- Names put in NFC by the deployment stay in NFC.

BEGIN;

REVOKE EXECUTE ON FUNCTION astro.name_chars_ok(text), astro.name_has_visible(text),
	astro.name_marks_ok(text) FROM astro_signup;
DROP VIEW astro.name_exceptions;
ALTER TABLE astro.astronauts
	DROP CONSTRAINT astronauts_name_nfc,
	DROP CONSTRAINT astronauts_name_chars,
	DROP CONSTRAINT astronauts_name_visible,
	DROP CONSTRAINT astronauts_name_marks,
	DROP COLUMN name_skeleton;

COMMIT;
