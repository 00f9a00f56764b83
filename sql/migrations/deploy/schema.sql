-- Deploy astronaut-hours:schema

BEGIN;

-- Names are unique by lower(name). That is case-insensitive beyond ASCII
-- only in a UTF8 database whose ctype folds non-ASCII letters; anywhere
-- else 'Åsa' and 'åsa' would both sign up, so refuse to deploy at all.
DO $$
BEGIN
	IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
		RAISE EXCEPTION 'database % has encoding %, astro needs UTF8',
			current_database(), pg_catalog.getdatabaseencoding()
			USING HINT = 'CREATE DATABASE ... TEMPLATE template0 ENCODING ''UTF8'' LOCALE ''C.UTF-8''';
	END IF;
	IF pg_catalog.lower(U&'\00C5SA') <> U&'\00E5sa' THEN
		RAISE EXCEPTION 'lower() in database % does not fold non-ASCII letters', current_database()
			USING HINT = 'Create the database with a UTF-8 locale, such as LOCALE ''C.UTF-8''.';
	END IF;
END
$$;

CREATE SCHEMA astro;
COMMENT ON SCHEMA astro IS 'Astronaut Hours: astronauts, their sessions and logged training hours';

-- A new schema grants nothing to PUBLIC; say so, so that nobody may
-- create objects here but its owner.
REVOKE ALL ON SCHEMA astro FROM PUBLIC;

COMMIT;
