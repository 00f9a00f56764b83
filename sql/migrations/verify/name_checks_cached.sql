-- Verify astronaut-hours:name_checks_cached

BEGIN;

DO $$
DECLARE
	wrong text;
BEGIN
	SELECT pg_catalog.string_agg(c.name, ', ') INTO wrong
	  FROM (VALUES ('astronauts_name_chars', 'name_chars_check'),
	               ('astronauts_name_visible', 'name_visible_check'),
	               ('astronauts_name_marks', 'name_marks_check'),
	               ('astronauts_name_printable', 'name_printable_check')) AS c (name, fn)
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint
	                    WHERE conrelid = 'astro.astronauts'::regclass AND conname = c.name
	                      AND pg_catalog.pg_get_constraintdef(oid) LIKE '%astro.' || c.fn || '(name)%');
	IF wrong IS NOT NULL THEN
		RAISE EXCEPTION 'constraints not calling their PL/pgSQL check: %', wrong;
	END IF;
END
$$;

ROLLBACK;
