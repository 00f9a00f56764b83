-- Deploy astronaut-hours:purge_sessions

BEGIN;

-- Deletes at most `batch` expired sessions, oldest expiry first, and
-- returns how many it deleted. One call is one short transaction for a
-- periodic job (pg_cron, a cron'd psql); a caller that finds a full batch
-- deleted calls again. Sessions locked by a concurrent logout are skipped,
-- not waited for: the next run takes them.
-- Raises 22023 (invalid_parameter_value) for a batch below 1 or NULL.
CREATE FUNCTION astro.purge_expired_sessions(batch integer DEFAULT 10000) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	deleted bigint;
BEGIN
	IF batch IS NULL OR batch < 1 THEN
		RAISE EXCEPTION 'batch must be a positive number of sessions, not %', batch
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	DELETE FROM astro.sessions
	 WHERE token_hash IN (SELECT token_hash
	                        FROM astro.sessions
	                       WHERE expires_at <= now()
	                       ORDER BY expires_at
	                       LIMIT batch
	                         FOR UPDATE SKIP LOCKED);
	GET DIAGNOSTICS deleted = ROW_COUNT;
	RETURN deleted;
END
$$;

COMMENT ON FUNCTION astro.purge_expired_sessions(integer) IS
	'Deletes up to batch expired sessions; returns the number deleted (call again while it equals batch)';

-- Maintenance only: run by the owner, not by the services.
REVOKE EXECUTE ON FUNCTION astro.purge_expired_sessions(integer) FROM PUBLIC;

COMMIT;
