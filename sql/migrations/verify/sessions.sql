-- Verify astronaut-hours:sessions

BEGIN;

SELECT token_hash, astronaut_id, created_at, expires_at
  FROM astro.sessions
 WHERE false;

DO $$
DECLARE
	missing text;
BEGIN
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY[
		'sessions_pkey', 'sessions_token_hash_length', 'sessions_astronaut_id_fkey',
		'sessions_expiry_after_creation']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.sessions'::regclass AND conname = want);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.sessions lacks constraints %', missing;
	END IF;

	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY['astro.sessions_astronaut_idx', 'astro.sessions_expires_idx']) AS want
	 WHERE pg_catalog.to_regclass(want) IS NULL;
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'astro.sessions lacks indexes %', missing;
	END IF;
END
$$;

ROLLBACK;
