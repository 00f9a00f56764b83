-- Verify astronaut-hours:name_chars

BEGIN;

DO $$
DECLARE
	missing text;
BEGIN
	-- CHECK constraints may only rely on immutable functions.
	SELECT pg_catalog.string_agg(want, ', ') INTO missing
	  FROM pg_catalog.unnest(ARRAY['astro.name_chars_ok(text)',
		'astro.name_has_visible(text)', 'astro.name_marks_ok(text)']) AS want
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_proc
	                    WHERE oid = pg_catalog.to_regprocedure(want)
	                      AND provolatile = 'i' AND proisstrict AND proparallel = 's');
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'missing, or not IMMUTABLE STRICT PARALLEL SAFE: %', missing;
	END IF;
	IF NOT astro.name_chars_ok('Buzz') OR astro.name_chars_ok(U&'Bu\2060zz')
	   OR NOT astro.name_has_visible('Buzz') OR astro.name_has_visible(U&'\2800\00A0')
	   OR NOT astro.name_marks_ok(U&'x\0301\0302\0303\0304')
	   OR astro.name_marks_ok(U&'x\0301\0302\0303\0304\0305') THEN
		RAISE EXCEPTION 'the name functions do not apply their rule';
	END IF;
END
$$;

ROLLBACK;
