-- Verify astronaut-hours:name_skeleton_cases

BEGIN;

SELECT name_skeleton_typed, name_skeleton_upper FROM astro.astronauts WHERE false;

DO $$
DECLARE
	missing text;
BEGIN
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'astronauts_name_skeleton_typed_length', 'astronauts_name_skeleton_typed_nfd',
		'astronauts_name_skeleton_upper_length', 'astronauts_name_skeleton_upper_nfd']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.astronauts'::regclass AND conname = want);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.astronauts lacks constraints %', missing;
	END IF;
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'astro.astronauts_name_skeleton_typed_key', 'astro.astronauts_name_skeleton_upper_key']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_index
	                    WHERE indexrelid = pg_catalog.to_regclass(want)
	                      AND indisunique AND indisvalid);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'unique indexes missing or invalid: %', missing;
	END IF;
END
$$;

ROLLBACK;
