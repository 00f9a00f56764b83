-- Verify astronaut-hours:name_policy

BEGIN;

SELECT name_skeleton FROM astro.astronauts WHERE false;
SELECT id, name, problems FROM astro.name_exceptions WHERE false;

DO $$
DECLARE
	missing text;
BEGIN
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'astronauts_name_nfc', 'astronauts_name_chars', 'astronauts_name_visible',
		'astronauts_name_marks', 'astronauts_name_skeleton_length', 'astronauts_name_skeleton_nfd']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.astronauts'::regclass AND conname = want);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.astronauts lacks constraints %', missing;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index
	                WHERE indexrelid = pg_catalog.to_regclass('astro.astronauts_name_skeleton_key')
	                  AND indisunique AND indisvalid) THEN
		RAISE EXCEPTION 'unique index astro.astronauts_name_skeleton_key is missing or invalid';
	END IF;
END
$$;

ROLLBACK;
