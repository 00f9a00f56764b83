-- Names are unique whatever their case, in every script lower() folds:
-- a second 'buzz' cannot sign up beside 'Buzz', nor 'åsa' beside 'Åsa'.
-- Names are stored as typed, and found by lower(name) = lower($1).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(25);

INSERT INTO astro.astronauts (name, password_hash)
SELECT name, pg_temp.password_hash()
  FROM (VALUES ('Buzz'), ('Åsa'), ('Émile'), ('Юрий'), ('Ελένη')) AS signed_up (name);

SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, password_hash) VALUES (%L, pg_temp.password_hash())',
		name)),
	expected,
	format('%s signs up beside %s: %s', name, beside, expected))
  FROM (VALUES
	('Buzz', 'Buzz', '23505 astronauts_name_lower_key'),
	('buzz', 'Buzz', '23505 astronauts_name_lower_key'),
	('BUZZ', 'Buzz', '23505 astronauts_name_lower_key'),
	('bUzZ', 'Buzz', '23505 astronauts_name_lower_key'),
	('åsa', 'Åsa', '23505 astronauts_name_lower_key'),
	('ÅSA', 'Åsa', '23505 astronauts_name_lower_key'),
	('émile', 'Émile', '23505 astronauts_name_lower_key'),
	('ЮРИЙ', 'Юрий', '23505 astronauts_name_lower_key'),
	('ΕΛΈΝΗ', 'Ελένη', '23505 astronauts_name_lower_key'),
	('Buzz Aldrin', 'Buzz', 'ok'),
	('Buz', 'Buzz', 'ok'),
	('Asa', 'Åsa', 'ok'),
	('Emile', 'Émile', 'ok'),
	('Юра', 'Юрий', 'ok'),
	('Neil', 'Buzz', 'ok')
  ) AS cases (name, beside, expected);

-- Logging in: whatever the case typed, the one astronaut is found, with
-- the name as it was signed up.
SELECT is(
	(SELECT array_agg(name) FROM astro.astronauts WHERE lower(name) = lower(typed)),
	ARRAY[found],
	format('logging in as %s finds %s', typed, found))
  FROM (VALUES
	('Buzz', 'Buzz'),
	('BUZZ', 'Buzz'),
	('buzz', 'Buzz'),
	('åsa', 'Åsa'),
	('ÅSA', 'Åsa'),
	('ÉMILE', 'Émile'),
	('юрий', 'Юрий'),
	('ελένη', 'Ελένη')
  ) AS cases (typed, found);
SELECT is(
	(SELECT count(*) FROM astro.astronauts WHERE lower(name) = lower('Neil')),
	0::bigint,
	'logging in as a name nobody signed up with finds nobody');
SELECT is(
	(SELECT count(*) FROM astro.astronauts),
	5::bigint,
	'only the five first sign-ups exist (every case ran in its own subtransaction)');

SELECT * FROM finish();
ROLLBACK;
