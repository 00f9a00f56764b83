-- Deploy astronaut-hours:name_policy

BEGIN;

-- The name policy of fcgi-apps/common/name.h: names in NFC, none of the
-- characters name_chars_ok() refuses, at least one visible character, at
-- most four combining marks in a row; and beside each name its Unicode
-- TS #39 skeleton (computed by the signup service with ICU), unique, so
-- that names that look alike ("Admin", Cyrillic "Аdmin", full-width or
-- mathematical letters) cannot both exist.
--
-- Rows from before this change: a name not in NFC is put in NFC unless
-- that makes it equal (ignoring case) to another name, and the
-- constraints are NOT VALID, so they hold for every new or changed row
-- without refusing the deployment or locking anybody out. What remains
-- outside the policy is listed by astro.name_exceptions. Only ICU
-- computes skeletons: the services store one with every name, and rows
-- that came another way (older rows, bulk loads) get theirs from
-- sql/backfill-name-skeletons; until then they are exceptions too.

WITH ranked AS (
	SELECT id, normalize(name, NFC) AS nfc,
	       row_number() OVER (PARTITION BY lower(normalize(name, NFC))
	                          ORDER BY name IS NFC NORMALIZED DESC, id) AS rn
	  FROM astro.astronauts)
UPDATE astro.astronauts AS a
   SET name = r.nfc
  FROM ranked AS r
 WHERE r.id = a.id AND r.rn = 1 AND a.name IS NOT NFC NORMALIZED;

ALTER TABLE astro.astronauts
	ADD COLUMN name_skeleton text
		CONSTRAINT astronauts_name_skeleton_length
			CHECK (char_length(name_skeleton) BETWEEN 1 AND 1200)
		CONSTRAINT astronauts_name_skeleton_nfd
			CHECK (name_skeleton IS NFD NORMALIZED),
	ADD CONSTRAINT astronauts_name_nfc CHECK (name IS NFC NORMALIZED) NOT VALID,
	ADD CONSTRAINT astronauts_name_chars CHECK (astro.name_chars_ok(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_visible CHECK (astro.name_has_visible(name)) NOT VALID,
	ADD CONSTRAINT astronauts_name_marks CHECK (astro.name_marks_ok(name)) NOT VALID;

COMMENT ON COLUMN astro.astronauts.name_skeleton IS
	'Unicode TS #39 skeleton of the NFKC_Casefold of name; unique; NULL until sql/backfill-name-skeletons fills it';

CREATE UNIQUE INDEX astronauts_name_skeleton_key ON astro.astronauts (name_skeleton);

-- Rows outside the policy, and why: only rows from before it can be.
CREATE VIEW astro.name_exceptions AS
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

COMMENT ON VIEW astro.name_exceptions IS
	'Astronauts whose name predates the name policy and breaks it, with the reasons';

-- CHECK constraints run with the privileges of the inserting role.
GRANT EXECUTE ON FUNCTION astro.name_chars_ok(text), astro.name_has_visible(text),
	astro.name_marks_ok(text) TO astro_signup;
GRANT SELECT (name_skeleton), INSERT (name_skeleton) ON astro.astronauts TO astro_signup;

COMMIT;
