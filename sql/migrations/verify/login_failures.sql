-- Verify astronaut-hours:login_failures

BEGIN;

SELECT astronaut_id, failures, last_failure, retry_at FROM astro.login_failures WHERE false;

DO $$
BEGIN
	IF astro.login_delay(5) <> interval '0' OR astro.login_delay(6) <> interval '2 seconds'
	   OR astro.login_delay(1000) <> interval '60 seconds' THEN
		RAISE EXCEPTION 'astro.login_delay() does not follow its schedule';
	END IF;
END
$$;

ROLLBACK;
