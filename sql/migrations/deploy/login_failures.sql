-- Deploy astronaut-hours:login_failures

BEGIN;

-- Wrong passwords per astronaut, for the log-in limit per name: after
-- five wrong passwords in a row, each further one makes the name wait
-- 2, 4, 8 ... seconds, never more than a minute, before the next log-in
-- is tried (the password is still hashed, so timing says nothing). The
-- most anyone can do to an astronaut is make them wait a minute; a
-- guesser gets one try a minute per name. A right password clears the
-- row. astro.login_delay() is the one place the schedule is written.
CREATE TABLE astro.login_failures (
	astronaut_id bigint PRIMARY KEY
		CONSTRAINT login_failures_astronaut_id_fkey
			REFERENCES astro.astronauts (id) ON DELETE CASCADE,
	failures integer NOT NULL
		CONSTRAINT login_failures_failures_positive CHECK (failures > 0),
	last_failure timestamptz NOT NULL DEFAULT now(),
	retry_at timestamptz NOT NULL
);

COMMENT ON TABLE astro.login_failures IS
	'Wrong passwords in a row per astronaut, and when the next log-in may be tried';

-- The wait after the n-th wrong password in a row.
CREATE FUNCTION astro.login_delay(failures integer) RETURNS interval
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN make_interval(secs => CASE WHEN failures <= 5 THEN 0
	                                  ELSE least(60, power(2, least(failures - 5, 6))) END);

REVOKE EXECUTE ON FUNCTION astro.login_delay(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION astro.login_delay(integer) TO astro_signup;
GRANT SELECT, INSERT, UPDATE, DELETE ON astro.login_failures TO astro_signup;

COMMIT;
