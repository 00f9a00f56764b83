-- astronauts.total_hours and entry_count follow every change to
-- hours_entries, in the same transaction: each step below changes entries
-- and states the totals that must follow; every count must equal the
-- astronaut's entries, and astro.total_drift must stay empty throughout.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(50);

INSERT INTO astro.astronauts (name, password_hash)
SELECT name, pg_temp.password_hash()
  FROM (VALUES ('Neil'), ('Buzz'), ('Mike')) AS crew (name);

-- after(stmt): runs stmt and returns every total, as 'Buzz 3.5, Mike 0.0,
-- Neil 1.5'.
CREATE FUNCTION pg_temp.after(stmt text) RETURNS text
	LANGUAGE plpgsql
AS $$
BEGIN
	EXECUTE stmt;
	RETURN (SELECT string_agg(name || ' ' || total_hours, ', ' ORDER BY name)
	          FROM astro.astronauts);
END
$$;

-- log(name, hours, key): an INSERT of one entry, as the hours service
-- sends it.
CREATE FUNCTION pg_temp.log(name text, hours numeric, key int) RETURNS text
	LANGUAGE sql
	RETURN format(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
		 SELECT id, %s, current_date, %L FROM astro.astronauts WHERE name = %L
		 ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING',
		hours, md5(key::text)::uuid, name);

CREATE TEMP TABLE steps (n int PRIMARY KEY, story text, stmt text, totals text);
INSERT INTO steps VALUES
	(1, 'nobody has logged anything yet', 'SELECT',
	 'Buzz 0.0, Mike 0.0, Neil 0.0'),
	(2, 'Neil logs 1.5 hours', pg_temp.log('Neil', 1.5, 1),
	 'Buzz 0.0, Mike 0.0, Neil 1.5'),
	(3, 'Neil''s form arrives twice', pg_temp.log('Neil', 1.5, 1),
	 'Buzz 0.0, Mike 0.0, Neil 1.5'),
	(4, 'Neil and Buzz log in one statement',
	 pg_temp.log('Neil', 2.0, 2) || '; ' || pg_temp.log('Buzz', 3.5, 3),
	 'Buzz 3.5, Mike 0.0, Neil 3.5'),
	(5, 'one statement logs three entries',
	 $$INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	   SELECT id, 0.5, current_date, gen_random_uuid()
	     FROM astro.astronauts, generate_series(1, 3)
	    WHERE name = 'Mike'$$,
	 'Buzz 3.5, Mike 1.5, Neil 3.5'),
	(6, 'Neil''s 2.0 hours become 4.0',
	 $$UPDATE astro.hours_entries SET hours = 4.0 WHERE hours = 2.0$$,
	 'Buzz 3.5, Mike 1.5, Neil 5.5'),
	(7, 'a note changes, and no total',
	 $$UPDATE astro.hours_entries SET note = 'Centrifuge'$$,
	 'Buzz 3.5, Mike 1.5, Neil 5.5'),
	(8, 'an update sets the hours an entry already has',
	 $$UPDATE astro.hours_entries SET hours = hours, astronaut_id = astronaut_id$$,
	 'Buzz 3.5, Mike 1.5, Neil 5.5'),
	(9, 'Neil''s 1.5 hours move to Buzz',
	 $$UPDATE astro.hours_entries
	      SET astronaut_id = (SELECT id FROM astro.astronauts WHERE name = 'Buzz')
	    WHERE hours = 1.5$$,
	 'Buzz 5.0, Mike 1.5, Neil 4.0'),
	(10, 'Buzz''s 3.5 hours move to Neil and become 3.0',
	 $$UPDATE astro.hours_entries
	      SET astronaut_id = (SELECT id FROM astro.astronauts WHERE name = 'Neil'), hours = 3.0
	    WHERE hours = 3.5$$,
	 'Buzz 1.5, Mike 1.5, Neil 7.0'),
	(11, 'Mike''s three entries move to Buzz in one statement',
	 $$UPDATE astro.hours_entries
	      SET astronaut_id = (SELECT id FROM astro.astronauts WHERE name = 'Buzz')
	    WHERE astronaut_id = (SELECT id FROM astro.astronauts WHERE name = 'Mike')$$,
	 'Buzz 3.0, Mike 0.0, Neil 7.0'),
	(12, 'two entries swap astronauts in one statement',
	 $$UPDATE astro.hours_entries AS e
	      SET astronaut_id = CASE a.name WHEN 'Neil' THEN (SELECT id FROM astro.astronauts WHERE name = 'Buzz')
	                                     ELSE (SELECT id FROM astro.astronauts WHERE name = 'Neil') END
	     FROM astro.astronauts AS a
	    WHERE a.id = e.astronaut_id AND e.hours IN (3.0, 1.5)$$,
	 'Buzz 4.5, Mike 0.0, Neil 5.5'),
	(13, 'Neil deletes his 4.0 hours',
	 $$DELETE FROM astro.hours_entries WHERE hours = 4.0$$,
	 'Buzz 4.5, Mike 0.0, Neil 1.5'),
	(14, 'Mike logs again, then leaves, his entries with him',
	 pg_temp.log('Mike', 24, 14) || $$; DELETE FROM astro.astronauts WHERE name = 'Mike'$$,
	 'Buzz 4.5, Neil 1.5'),
	(15, 'all entries are truncated',
	 'TRUNCATE astro.hours_entries',
	 'Buzz 0.0, Neil 0.0'),
	(16, 'Neil logs after the truncation', pg_temp.log('Neil', 0.1, 16),
	 'Buzz 0.0, Neil 0.1');

-- Each step in order: the totals after it, whether every count is the
-- number of the astronaut's entries, then whether any drifted.
SELECT concat_ws(E'\n',
	is(pg_temp.after(stmt), totals, n || '. ' || story || ': ' || totals),
	results_eq(
		'SELECT name, entry_count::bigint FROM astro.astronauts ORDER BY name',
		'SELECT a.name, count(e.id) FROM astro.astronauts AS a
		   LEFT JOIN astro.hours_entries AS e ON e.astronaut_id = a.id
		  GROUP BY a.id, a.name ORDER BY a.name',
		n || '. ' || story || ': each count is the number of entries'),
	is_empty('SELECT * FROM astro.total_drift', n || '. ' || story || ': no total drifts'))
  FROM (SELECT * FROM steps ORDER BY n) AS story;

-- The audit view reports a total that does not match its entries.
UPDATE astro.astronauts SET total_hours = total_hours + 1 WHERE name = 'Buzz';
SELECT results_eq(
	'SELECT name, total_hours, entries_hours, drift FROM astro.total_drift',
	$$VALUES ('Buzz', 1.0, 0::numeric, 1.0)$$,
	'total_drift shows a total that was changed behind the trigger''s back');

-- And a count changed behind its back.
UPDATE astro.astronauts SET total_hours = total_hours - 1, entry_count = entry_count + 2
 WHERE name = 'Buzz';
SELECT results_eq(
	'SELECT name, entry_count, entries, count_drift FROM astro.total_drift',
	$$VALUES ('Buzz', 2, 0::bigint, 2::bigint)$$,
	'total_drift shows a count that was changed behind the trigger''s back');

SELECT * FROM finish();
ROLLBACK;
