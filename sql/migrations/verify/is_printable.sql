-- Verify astronaut-hours:is_printable

BEGIN;

DO $$
DECLARE
	f regprocedure := pg_catalog.to_regprocedure('astro.is_printable(text)');
BEGIN
	IF f IS NULL THEN
		RAISE EXCEPTION 'function astro.is_printable(text) is missing';
	END IF;
	-- CHECK constraints may only rely on an immutable function.
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc
	                WHERE oid = f AND provolatile = 'i' AND proisstrict AND proparallel = 's') THEN
		RAISE EXCEPTION 'astro.is_printable(text) must be IMMUTABLE STRICT PARALLEL SAFE';
	END IF;
	IF NOT astro.is_printable(U&'Buzz \00C5sa')
	   OR astro.is_printable(U&'Buzz\202E') OR astro.is_printable(U&'\0001') THEN
		RAISE EXCEPTION 'astro.is_printable(text) does not apply its rule';
	END IF;
END
$$;

ROLLBACK;
