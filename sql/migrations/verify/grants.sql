-- Verify astronaut-hours:grants

BEGIN;

-- Each row is one privilege and whether the role must hold it; the
-- negative rows guard the rules that matter most.
DO $$
DECLARE
	wrong text;
BEGIN
	SELECT pg_catalog.string_agg(pg_catalog.format('%s %s %s on %s', role,
	           CASE WHEN want THEN 'lacks' ELSE 'has' END, priv, obj), '; ')
	  INTO wrong
	  FROM (VALUES
		('astro_signup', 'schema astro',          'USAGE',  true),
		('astro_hours',  'schema astro',          'USAGE',  true),
		('astro_board',  'schema astro',          'USAGE',  true),
		('astro_signup', 'astronauts.password_hash', 'SELECT', true),
		('astro_signup', 'astronauts.name',       'INSERT', true),
		('astro_signup', 'astronauts.total_hours', 'INSERT', false),
		('astro_signup', 'sessions',              'DELETE', true),
		('astro_signup', 'hours_entries',         'INSERT', false),
		('astro_hours',  'astronauts.total_hours', 'SELECT', true),
		('astro_hours',  'astronauts.total_hours', 'UPDATE', false),
		('astro_hours',  'astronauts.password_hash', 'SELECT', false),
		('astro_hours',  'hours_entries',         'INSERT', true),
		('astro_hours',  'sessions',              'SELECT', true),
		('astro_board',  'astronauts.total_hours', 'SELECT', true),
		('astro_board',  'astronauts.password_hash', 'SELECT', false),
		('astro_board',  'astronauts',            'INSERT', false),
		('astro_board',  'sessions',              'SELECT', true)
	  ) AS rule (role, obj, priv, want)
	 WHERE want IS DISTINCT FROM CASE
		WHEN obj = 'schema astro' THEN pg_catalog.has_schema_privilege(role, 'astro', priv)
		WHEN obj LIKE '%.%' THEN pg_catalog.has_column_privilege(role,
			'astro.' || pg_catalog.split_part(obj, '.', 1), pg_catalog.split_part(obj, '.', 2), priv)
		ELSE pg_catalog.has_table_privilege(role, 'astro.' || obj, priv)
	 END;
	IF wrong IS NOT NULL THEN
		RAISE EXCEPTION 'astro grants are not as deployed: %', wrong;
	END IF;
END
$$;

ROLLBACK;
