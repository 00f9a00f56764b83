-- Revert astronaut-hours:name_skeleton_cases
-- name_skeleton, the key of the folded name, stays as it is.

BEGIN;

REVOKE SELECT (name_skeleton_typed, name_skeleton_upper),
	INSERT (name_skeleton_typed, name_skeleton_upper) ON astro.astronauts FROM astro_signup;

CREATE OR REPLACE VIEW astro.name_exceptions AS
SELECT id, name,
       array_remove(ARRAY[
         CASE WHEN name IS NOT NFC NORMALIZED THEN 'not NFC' END,
         CASE WHEN NOT astro.name_chars_ok(name) THEN 'forbidden character' END,
         CASE WHEN NOT astro.name_has_visible(name) THEN 'nothing visible' END,
         CASE WHEN NOT astro.name_marks_ok(name) THEN 'too many marks' END,
         CASE WHEN name_skeleton IS NULL THEN 'no skeleton' END], NULL) AS problems
  FROM astro.astronauts
 WHERE name IS NOT NFC NORMALIZED OR NOT astro.name_chars_ok(name)
    OR NOT astro.name_has_visible(name) OR NOT astro.name_marks_ok(name)
    OR name_skeleton IS NULL;

ALTER TABLE astro.astronauts
	DROP COLUMN name_skeleton_typed,
	DROP COLUMN name_skeleton_upper;

COMMIT;
