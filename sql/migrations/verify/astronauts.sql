-- Verify astronaut-hours:astronauts

BEGIN;

SELECT id, name, password_hash, total_hours, created_at
  FROM astro.astronauts
 WHERE false;

DO $$
DECLARE
	missing text;
BEGIN
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'astronauts_pkey', 'astronauts_name_trimmed', 'astronauts_name_length',
		'astronauts_name_printable', 'astronauts_password_hash_format',
		'astronauts_password_hash_length', 'astronauts_total_hours_nonnegative']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.astronauts'::regclass AND conname = want);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.astronauts lacks constraints %', missing;
	END IF;

	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index
	                WHERE indexrelid = pg_catalog.to_regclass('astro.astronauts_name_lower_key')
	                  AND indisunique AND indisvalid) THEN
		RAISE EXCEPTION 'unique index astro.astronauts_name_lower_key is missing or invalid';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index
	                WHERE indexrelid = pg_catalog.to_regclass('astro.astronauts_board_idx')
	                  AND indisvalid) THEN
		RAISE EXCEPTION 'index astro.astronauts_board_idx is missing or invalid';
	END IF;
END
$$;

ROLLBACK;
