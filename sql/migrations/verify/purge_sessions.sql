-- Verify astronaut-hours:purge_sessions

BEGIN;

DO $$
DECLARE
	f regprocedure := pg_catalog.to_regprocedure('astro.purge_expired_sessions(integer)');
BEGIN
	IF f IS NULL THEN
		RAISE EXCEPTION 'function astro.purge_expired_sessions(integer) is missing';
	END IF;
	IF pg_catalog.has_function_privilege('public', f, 'EXECUTE') THEN
		RAISE EXCEPTION 'PUBLIC may execute astro.purge_expired_sessions(integer)';
	END IF;
	IF (SELECT prorettype FROM pg_catalog.pg_proc WHERE oid = f) <> 'bigint'::regtype THEN
		RAISE EXCEPTION 'astro.purge_expired_sessions(integer) must return bigint';
	END IF;
END
$$;

ROLLBACK;
