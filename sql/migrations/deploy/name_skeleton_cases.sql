-- Deploy astronaut-hours:name_skeleton_cases

BEGIN;

-- Look-alikes in capitals. name_skeleton is the TS #39 skeleton of the
-- name's NFKC_Casefold; a skeleton is not stable under case (Cyrillic В
-- maps to B, в to ʙ), so look-alikes that exist only in capitals
-- (Cyrillic "ВОВ" and "BOB", Greek "ΑΒΕ" and "ABE", Cherokee "ᎪᏴᎬ")
-- slipped past it. Two more skeletons stand beside it, each unique: of
-- the name as typed and of the name in capitals (fcgi-apps/common/name.c
-- says why these three). Each is compared only with its own kind.
--
-- Only ICU computes skeletons: rows from before this change have NULL in
-- the new columns, are listed by astro.name_exceptions ("no skeleton"),
-- and get all three keys recomputed by sql/backfill-name-skeletons, the
-- oldest of look-alikes first.

ALTER TABLE astro.astronauts
	ADD COLUMN name_skeleton_typed text
		CONSTRAINT astronauts_name_skeleton_typed_length
			CHECK (char_length(name_skeleton_typed) BETWEEN 1 AND 1200)
		CONSTRAINT astronauts_name_skeleton_typed_nfd
			CHECK (name_skeleton_typed IS NFD NORMALIZED),
	ADD COLUMN name_skeleton_upper text
		CONSTRAINT astronauts_name_skeleton_upper_length
			CHECK (char_length(name_skeleton_upper) BETWEEN 1 AND 1200)
		CONSTRAINT astronauts_name_skeleton_upper_nfd
			CHECK (name_skeleton_upper IS NFD NORMALIZED);

COMMENT ON COLUMN astro.astronauts.name_skeleton_typed IS
	'Unicode TS #39 skeleton of the NFKC of name, in the case typed; unique; NULL until sql/backfill-name-skeletons fills it';
COMMENT ON COLUMN astro.astronauts.name_skeleton_upper IS
	'Unicode TS #39 skeleton of the NFKC of name in capitals; unique; NULL until sql/backfill-name-skeletons fills it';

CREATE UNIQUE INDEX astronauts_name_skeleton_typed_key
	ON astro.astronauts (name_skeleton_typed);
CREATE UNIQUE INDEX astronauts_name_skeleton_upper_key
	ON astro.astronauts (name_skeleton_upper);

CREATE OR REPLACE VIEW astro.name_exceptions AS
SELECT id, name,
       array_remove(ARRAY[
         CASE WHEN name IS NOT NFC NORMALIZED THEN 'not NFC' END,
         CASE WHEN NOT astro.name_chars_ok(name) THEN 'forbidden character' END,
         CASE WHEN NOT astro.name_has_visible(name) THEN 'nothing visible' END,
         CASE WHEN NOT astro.name_marks_ok(name) THEN 'too many marks' END,
         CASE WHEN name_skeleton IS NULL OR name_skeleton_typed IS NULL
                   OR name_skeleton_upper IS NULL THEN 'no skeleton' END], NULL) AS problems
  FROM astro.astronauts
 WHERE name IS NOT NFC NORMALIZED OR NOT astro.name_chars_ok(name)
    OR NOT astro.name_has_visible(name) OR NOT astro.name_marks_ok(name)
    OR name_skeleton IS NULL OR name_skeleton_typed IS NULL
    OR name_skeleton_upper IS NULL;

GRANT SELECT (name_skeleton_typed, name_skeleton_upper),
	INSERT (name_skeleton_typed, name_skeleton_upper) ON astro.astronauts TO astro_signup;

COMMIT;
