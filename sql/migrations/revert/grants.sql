-- Revert astronaut-hours:grants

BEGIN;

-- Revoking a table privilege revokes the same privilege on its columns.
REVOKE ALL ON astro.hours_entries FROM astro_signup, astro_hours, astro_board;
REVOKE ALL ON astro.sessions FROM astro_signup, astro_hours, astro_board;
REVOKE ALL ON astro.astronauts FROM astro_signup, astro_hours, astro_board;
REVOKE ALL ON FUNCTION astro.is_printable(text) FROM astro_signup, astro_hours, astro_board;
REVOKE ALL ON SCHEMA astro FROM astro_signup, astro_hours, astro_board;

COMMIT;
