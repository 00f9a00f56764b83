-- Deploy astronaut-hours:grants

BEGIN;

-- Each service gets what its statements need and nothing more. Nobody
-- but the owner may UPDATE astronauts (total_hours moves only through the
-- SECURITY DEFINER trigger) or read the audit view and the purge.

GRANT USAGE ON SCHEMA astro TO astro_signup, astro_hours, astro_board;

-- CHECK constraints run with the privileges of the inserting role, so the
-- roles that insert names or notes must be able to execute the rule.
GRANT EXECUTE ON FUNCTION astro.is_printable(text) TO astro_signup, astro_hours;

-- Sign up, log in, log out.
GRANT SELECT (id, name, password_hash), INSERT (name, password_hash)
	ON astro.astronauts TO astro_signup;
GRANT SELECT, INSERT, DELETE ON astro.sessions TO astro_signup;

-- Log hours, list one's own entries and total.
GRANT SELECT (id, name, total_hours) ON astro.astronauts TO astro_hours;
GRANT SELECT ON astro.sessions TO astro_hours;
GRANT SELECT, INSERT ON astro.hours_entries TO astro_hours;

-- The board, and who is signed in.
GRANT SELECT (id, name, total_hours) ON astro.astronauts TO astro_board;
GRANT SELECT ON astro.sessions TO astro_board;

COMMIT;
