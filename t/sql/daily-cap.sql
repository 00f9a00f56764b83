-- At most 24 hours per astronaut per date (change daily_cap): each step
-- is one statement (INSERTs as the hours service's role, the rest as the
-- owner, as only the owner may change entries) and how it must end
-- (pg_temp.outcome); steps that succeed are kept for the next ones.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(19);

SELECT pg_temp.astronaut('Neil') AS neil, pg_temp.astronaut('Buzz') AS buzz \gset

-- Runs stmt for real when it succeeds (outcome() always rolls back).
CREATE FUNCTION pg_temp.step(stmt text) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	result text := pg_temp.outcome(stmt,
		CASE WHEN stmt LIKE 'INSERT%' THEN 'astro_hours' END);
BEGIN
	IF result = 'ok' THEN
		EXECUTE stmt;
	END IF;
	RETURN result;
END
$$;

CREATE FUNCTION pg_temp.log(who bigint, hours numeric, day date) RETURNS text
	LANGUAGE sql
	RETURN format('INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	               VALUES (%s, %s, %L, gen_random_uuid())', who, hours, day);

CREATE TEMP TABLE steps (n int PRIMARY KEY, story text, stmt text, expected text);
INSERT INTO steps VALUES
	(1, 'Neil logs 20 hours today', pg_temp.log(:neil, 20, current_date), 'ok'),
	(2, 'and 4 more: 24', pg_temp.log(:neil, 4, current_date), 'ok'),
	(3, 'and 0.1 more: 24.1', pg_temp.log(:neil, 0.1, current_date),
	 '23514 hours_entries_daily_cap'),
	(4, 'Buzz logs 24 the same day', pg_temp.log(:buzz, 24, current_date), 'ok'),
	(5, 'Neil logs 24 yesterday', pg_temp.log(:neil, 24, current_date - 1), 'ok'),
	(6, 'two entries of 12.5 in one statement',
	 pg_temp.log(:neil, 12.5, current_date - 2) || ', (' || :neil || ', 12.5, current_date - 2, gen_random_uuid())',
	 '23514 hours_entries_daily_cap'),
	(7, 'Neil''s 4 hours become 4.5',
	 format('UPDATE astro.hours_entries SET hours = 4.5 WHERE astronaut_id = %s AND hours = 4', :neil),
	 '23514 hours_entries_daily_cap'),
	(8, 'Neil''s 4 hours become 3',
	 format('UPDATE astro.hours_entries SET hours = 3 WHERE astronaut_id = %s AND hours = 4', :neil),
	 'ok'),
	(9, 'Neil''s 3 hours move to yesterday, already full',
	 format('UPDATE astro.hours_entries SET trained_on = current_date - 1 WHERE astronaut_id = %s AND hours = 3', :neil),
	 '23514 hours_entries_daily_cap'),
	(10, 'Neil''s 3 hours move to Buzz, whose day is full',
	 format('UPDATE astro.hours_entries SET astronaut_id = %s WHERE astronaut_id = %s AND hours = 3', :buzz, :neil),
	 '23514 hours_entries_daily_cap'),
	(11, 'Neil''s 3 hours move to three days ago',
	 format('UPDATE astro.hours_entries SET trained_on = current_date - 3 WHERE astronaut_id = %s AND hours = 3', :neil),
	 'ok'),
	(12, 'Neil logs 4 today again', pg_temp.log(:neil, 4, current_date), 'ok');

SELECT is(pg_temp.step(stmt), expected, n || '. ' || story || ': ' || expected)
  FROM (SELECT * FROM steps ORDER BY n) AS s;

SELECT results_eq(
	format($$SELECT trained_on, sum(hours) FROM astro.hours_entries WHERE astronaut_id = %s
	          GROUP BY trained_on ORDER BY trained_on$$, :neil),
	$$VALUES (current_date - 3, 3.0), (current_date - 1, 24.0), (current_date, 24.0)$$,
	'what is stored for Neil: no date over 24 hours');
SELECT is((SELECT total_hours FROM astro.astronauts WHERE id = :neil), 51.0, 'Neil''s total is 51.0');
SELECT is_empty('SELECT * FROM astro.total_drift', 'no total drifts');

-- The error says what the date held before, for the service's message.
DO $$
BEGIN
	INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	SELECT id, 1, current_date, gen_random_uuid() FROM astro.astronauts WHERE name = 'Neil';
EXCEPTION WHEN check_violation THEN
	DECLARE
		detail text;
	BEGIN
		GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
		CREATE TEMP TABLE refused AS SELECT detail;
	END;
END
$$;
SELECT is((SELECT detail FROM refused), '24.0', 'the refusal''s DETAIL is the hours the date had');

-- A date over 24 from before the cap: hours can be taken away, not added.
ALTER TABLE astro.hours_entries DISABLE TRIGGER hours_entries_sync_total;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT :buzz, 20, current_date - 9, gen_random_uuid() FROM generate_series(1, 2);
UPDATE astro.astronauts SET total_hours = total_hours + 40, entry_count = entry_count + 2 WHERE id = :buzz;
ALTER TABLE astro.hours_entries ENABLE TRIGGER hours_entries_sync_total;
SELECT is(pg_temp.outcome(pg_temp.log(:buzz, 1, current_date - 9), 'astro_hours'),
	'23514 hours_entries_daily_cap', 'an old day over 24 takes no more hours');
SELECT is(pg_temp.outcome(format(
	'UPDATE astro.hours_entries SET hours = 10 WHERE astronaut_id = %s AND trained_on = current_date - 9', :buzz)),
	'ok', 'but its entries can be lowered');
SELECT is(pg_temp.outcome(format(
	'DELETE FROM astro.hours_entries WHERE astronaut_id = %s AND trained_on = current_date - 9', :buzz)),
	'ok', 'or deleted');

SELECT * FROM finish();
ROLLBACK;
