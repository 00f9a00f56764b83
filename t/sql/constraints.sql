-- Every constraint of schema astro, with values just inside and just
-- outside each rule. Each case is one statement and how it must end:
-- 'ok', or the SQLSTATE and the constraint the services will see
-- (pg_temp.outcome, lib/helpers.sql). Cases are rolled back one by one.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;
SET LOCAL TIME ZONE 'UTC';

SELECT plan(132);

SELECT pg_temp.astronaut('Neil') AS neil, pg_temp.astronaut('Buzz') AS buzz \gset

-- is_printable(), over every code point there is: it refuses exactly the
-- controls, zero-width, bidi-control characters and the byte-order mark.
SELECT is(
	(SELECT array_agg(cp ORDER BY cp)
	   FROM generate_series(1, 1114111) AS cp
	  WHERE cp NOT BETWEEN 55296 AND 57343 -- surrogates are not characters
	    AND NOT astro.is_printable(chr(cp))),
	(SELECT array_agg(cp ORDER BY cp)
	   FROM (SELECT generate_series(lo, hi) FROM (VALUES
		(1, 31),         -- C0 controls
		(127, 159),      -- DEL and C1 controls
		(8203, 8207),    -- U+200B-U+200F zero-width and direction marks
		(8232, 8238),    -- U+2028-U+202E separators, embeddings, overrides
		(8294, 8297),    -- U+2066-U+2069 bidi isolates
		(65279, 65279)   -- U+FEFF byte-order mark
	   ) AS forbidden (lo, hi)) AS c (cp)),
	'is_printable() refuses exactly the listed code points, of all Unicode');
SELECT is(astro.is_printable(NULL), NULL, 'is_printable(NULL) is NULL (STRICT)');

-- Names.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, password_hash) VALUES (%L, pg_temp.password_hash())',
		name)),
	expected,
	'name ' || description || ': ' || expected)
  FROM (VALUES
	('of one letter', 'N', 'ok'),
	('with inner spaces', 'Buzz  Aldrin', 'ok'),
	('in Cyrillic', 'Валентина Терешкова', 'ok'),
	('with an emoji', '🚀 Rocket', 'ok'),
	('empty', '', '23514 astronauts_name_length'),
	('of spaces only', '   ', '23514 astronauts_name_trimmed'),
	('with a leading space', ' Buzz', '23514 astronauts_name_trimmed'),
	('with a trailing space', 'Buzz ', '23514 astronauts_name_trimmed'),
	('of 64 ASCII characters', repeat('a', 64), 'ok'),
	('of 65 ASCII characters', repeat('a', 65), '23514 astronauts_name_length'),
	('of 64 two-byte characters', repeat('é', 64), 'ok'),
	('of 65 two-byte characters', repeat('é', 65), '23514 astronauts_name_length'),
	('of 64 four-byte characters', repeat('🚀', 64), 'ok'),
	('of 65 four-byte characters', repeat('🚀', 65), '23514 astronauts_name_length'),
	('with a tab', E'Buzz\tAldrin', '23514 astronauts_name_chars'),
	('with a newline', E'Buzz\nAldrin', '23514 astronauts_name_chars'),
	('with a leading tab (not a space to trim)', E'\tBuzz', '23514 astronauts_name_chars'),
	('that is NULL', NULL, '23502')
  ) AS cases (description, name, expected);

-- Each range is_printable() refuses, in a name: its first and last code
-- points are refused, and so are the neighbours outside that the name
-- policy refuses (other spaces, unassigned and format characters; the
-- policy's astronauts_name_chars is checked before is_printable's
-- constraint, CHECKs running in name order); the other neighbours are not.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, password_hash) VALUES (%L, pg_temp.password_hash())',
		'Buzz' || chr(cp) || 'Aldrin')),
	expected,
	format('name with U+%s (%s %s): %s', lpad(upper(to_hex(cp)), 4, '0'), place, what, expected))
  FROM (SELECT DISTINCT cp, place, what,
	       CASE WHEN place = 'in' OR cp IN (x'A0'::int, x'200A'::int, x'202F'::int,
	                                        x'2065'::int, x'206A'::int, x'FEFE'::int,
	                                        x'FF00'::int)
	            THEN '23514 astronauts_name_chars' ELSE 'ok' END AS expected
	  FROM (VALUES
		(1, 31, 'C0 controls'),
		(127, 159, 'DEL and C1 controls'),
		(8203, 8207, 'zero-width and direction marks'),
		(8232, 8238, 'line and paragraph separators, bidi embeddings and overrides'),
		(8294, 8297, 'bidi isolates'),
		(65279, 65279, 'the byte-order mark')
	  ) AS ranges (lo, hi, what),
	  LATERAL (VALUES (lo - 1, 'just before'), (lo, 'in'), (hi, 'in'), (hi + 1, 'just after'))
		AS edges (cp, place)
	 WHERE cp > 0) AS cases
 ORDER BY cp;

-- Password hashes: libscrypt's MCF string, at most 128 characters. The
-- 128-character cases keep the format and grow the hash part.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, password_hash) VALUES (''Sally'', %L)', hash)),
	expected,
	'password hash ' || description || ': ' || expected)
  FROM (VALUES
	('from libscrypt', pg_temp.password_hash(), 'ok'),
	('with one or no padding characters', '$s1$0e0801$c2FsdHk=$aGFzaA', 'ok'),
	('of 128 characters', '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$' || repeat('A', 92), 'ok'),
	('of 129 characters', '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$' || repeat('A', 93),
	 '23514 astronauts_password_hash_length'),
	('in plain text', 'hunter2', '23514 astronauts_password_hash_format'),
	('that is empty', '', '23514 astronauts_password_hash_format'),
	('from bcrypt', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
	 '23514 astronauts_password_hash_format'),
	('with upper-case hex parameters', '$s1$0E0801$c2FsdHk=$aGFzaA==',
	 '23514 astronauts_password_hash_format'),
	('with five parameter digits', '$s1$e0801$c2FsdHk=$aGFzaA==',
	 '23514 astronauts_password_hash_format'),
	('without its hash part', '$s1$0e0801$c2FsdHk=',
	 '23514 astronauts_password_hash_format'),
	('in URL-safe base64', '$s1$0e0801$c2Fs_Hk-$aGFzaA==',
	 '23514 astronauts_password_hash_format'),
	('with three padding characters', '$s1$0e0801$c2FsdHk=$aGFzaA===',
	 '23514 astronauts_password_hash_format'),
	('with a trailing newline', pg_temp.password_hash() || E'\n',
	 '23514 astronauts_password_hash_format'),
	('that is NULL', NULL, '23502')
  ) AS cases (description, hash, expected);

-- Identities are the database's to give.
SELECT is(pg_temp.outcome(stmt), '428C9', description || ': 428C9')
  FROM (VALUES
	('an astronaut''s id chosen by the caller',
	 'INSERT INTO astro.astronauts (id, name, password_hash) VALUES (4242, ''Gus'', pg_temp.password_hash())'),
	('an entry''s id chosen by the caller',
	 format('INSERT INTO astro.hours_entries (id, astronaut_id, hours, trained_on, idempotency_key)
	         VALUES (4242, %s, 1, current_date, gen_random_uuid())', :neil))
  ) AS cases (description, stmt);

-- total_hours is the trigger's to keep, but even the owner cannot store a
-- negative or not-a-number total, or one beyond numeric(8,1).
SELECT is(
	pg_temp.outcome(format('UPDATE astro.astronauts SET total_hours = %L WHERE id = %s', total, :neil)),
	expected,
	'a total of ' || total || ': ' || expected)
  FROM (VALUES
	('0', 'ok'),
	('9999999.9', 'ok'),
	('-0.1', '23514 astronauts_total_hours_nonnegative'),
	('NaN', '23514 astronauts_total_hours_nonnegative'),
	('10000000', '22003')
  ) AS cases (total, expected);

-- Hours of one entry: more than 0, at most 24, one decimal place. numeric
-- accepts 'NaN', which compares greater than any number; the range
-- refuses it. Values round to one decimal place before the check.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
		 VALUES (%s, %L, current_date, gen_random_uuid())', :neil, hours)),
	expected,
	'hours of ' || coalesce(hours, 'NULL') || ': ' || expected)
  FROM (VALUES
	('0.1', 'ok'),
	('1', 'ok'),
	('24', 'ok'),
	('24.0', 'ok'),
	('0', '23514 hours_entries_hours_range'),
	('-1', '23514 hours_entries_hours_range'),
	('24.1', '23514 hours_entries_hours_range'),
	('25', '23514 hours_entries_hours_range'),
	('NaN', '23514 hours_entries_hours_range'),
	('0.04', '23514 hours_entries_hours_range'),
	('0.05', 'ok'),
	('24.04', 'ok'),
	('24.05', '23514 hours_entries_hours_range'),
	('100', '22003'),
	('Infinity', '22003'),
	('-Infinity', '22003'),
	('ten', '22P02'),
	(NULL, '23502')
  ) AS cases (hours, expected);

-- How numeric(3,1) rounds what it stores: half away from zero, exactly
-- (numeric is decimal, so 2.55 is 2.55, not 2.5499999).
CREATE TEMP TABLE rounding (input text, stored numeric) ON COMMIT DROP;
INSERT INTO rounding VALUES
	('1.24', 1.2), ('1.25', 1.3), ('1.35', 1.4), ('2.55', 2.6), ('0.05', 0.1), ('23.95', 24.0);
-- (One date each: together they are more than a day can hold.)
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT :buzz, input::numeric, current_date - (stored * 10)::int, md5(input)::uuid FROM rounding;
SELECT is(e.hours, r.stored, format('hours of %s are stored as %s', r.input, r.stored))
  FROM rounding AS r
  JOIN astro.hours_entries AS e ON e.astronaut_id = :buzz AND e.idempotency_key = md5(r.input)::uuid
 ORDER BY r.input::numeric;

-- Dates: from 1900 on, and never after today in UTC+14, the first time
-- zone to reach each date. now() is the transaction's start time.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
		 VALUES (%s, 1, %s, gen_random_uuid())', :neil, day)),
	expected,
	'a date ' || description || ': ' || expected)
  FROM (VALUES
	('of yesterday in UTC', $$(now() AT TIME ZONE 'UTC')::date - 1$$, 'ok'),
	('of today in UTC', $$(now() AT TIME ZONE 'UTC')::date$$, 'ok'),
	('of today in UTC+14', $$(now() AT TIME ZONE 'Etc/GMT-14')::date$$, 'ok'),
	('of tomorrow in UTC+14', $$(now() AT TIME ZONE 'Etc/GMT-14')::date + 1$$,
	 '23514 hours_entries_trained_on_not_future'),
	('far in the future', $$DATE '9999-12-31'$$, '23514 hours_entries_trained_on_not_future'),
	('of infinity', $$DATE 'infinity'$$, '23514 hours_entries_trained_on_not_future'),
	('of 1900-01-01', $$DATE '1900-01-01'$$, 'ok'),
	('of 1899-12-31', $$DATE '1899-12-31'$$, '23514 hours_entries_trained_on_since_1900'),
	('of -infinity', $$DATE '-infinity'$$, '23514 hours_entries_trained_on_since_1900'),
	('that is NULL', 'NULL', '23502')
  ) AS cases (description, day, expected);

-- Notes: optional (NULL, never ''), trimmed, 1 to 200 characters,
-- printable.
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, note, idempotency_key)
		 VALUES (%s, 1, current_date, %L, gen_random_uuid())', :neil, note)),
	expected,
	'note ' || description || ': ' || expected)
  FROM (VALUES
	('that is NULL', NULL, 'ok'),
	('in English', 'Centrifuge, 7 g', 'ok'),
	('in Russian', 'Центрифуга, 7 g', 'ok'),
	('that is empty', '', '23514 hours_entries_note_length'),
	('of one space', ' ', '23514 hours_entries_note_trimmed'),
	('with a leading space', ' EVA drill', '23514 hours_entries_note_trimmed'),
	('with a trailing space', 'EVA drill ', '23514 hours_entries_note_trimmed'),
	('of 200 characters', repeat('n', 200), 'ok'),
	('of 201 characters', repeat('n', 201), '23514 hours_entries_note_length'),
	('of 200 four-byte characters', repeat('🚀', 200), 'ok'),
	('of 201 two-byte characters', repeat('é', 201), '23514 hours_entries_note_length'),
	('with a newline', E'EVA\ndrill', '23514 hours_entries_note_printable'),
	('with a bell', 'EVA' || chr(7), '23514 hours_entries_note_printable'),
	('with a right-to-left override', 'EVA' || chr(8238) || 'llird', '23514 hours_entries_note_printable'),
	('with a zero-width space', 'EVA' || chr(8203) || 'drill', '23514 hours_entries_note_printable')
  ) AS cases (description, note, expected);

-- Idempotency: one entry per astronaut and submitted form.
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
VALUES (:neil, 2, current_date, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
		 VALUES (%s, 2, current_date, %L) %s', who, key, conflict)),
	expected,
	description || ': ' || expected)
  FROM (VALUES
	('the same form twice', :neil, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '',
	 '23505 hours_entries_idempotency_key'),
	('the same form twice, with ON CONFLICT DO NOTHING', :neil,
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING', 'ok'),
	('another form of the same astronaut', :neil,
	 'b1ffcd88-8d1a-4ef8-bb6d-6bb9bd380a22', '', 'ok'),
	('the same key for another astronaut', :buzz,
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '', 'ok')
  ) AS cases (description, who, key, conflict, expected);
WITH logged AS (
	INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	VALUES (:neil, 2, current_date, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
	ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING
	RETURNING id)
SELECT is(count(*), 0::bigint, 'a form posted twice logs nothing the second time')
  FROM logged;
SELECT is(
	(SELECT count(*) FROM astro.hours_entries
	  WHERE astronaut_id = :neil AND idempotency_key = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
	1::bigint,
	'the form posted twice is one entry');

-- Sessions: the SHA-256 of the token, and an expiry after creation.
INSERT INTO astro.sessions (token_hash, astronaut_id, expires_at)
VALUES (sha256('neil'), :neil, now() + interval '1 day');
SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.sessions (token_hash, astronaut_id, created_at, expires_at)
		 VALUES (%s, %s, now(), %s)', token_hash, who, expires_at)),
	expected,
	'a session ' || description || ': ' || expected)
  FROM (VALUES
	('of a 32-byte hash', $$sha256('buzz')$$, :buzz, $$now() + interval '1 day'$$, 'ok'),
	('of a 31-byte hash', $$substr(sha256('buzz'), 1, 31)$$, :buzz, $$now() + interval '1 day'$$,
	 '23514 sessions_token_hash_length'),
	('of a 33-byte hash', $$sha256('buzz') || '\x00'::bytea$$, :buzz, $$now() + interval '1 day'$$,
	 '23514 sessions_token_hash_length'),
	('of an empty hash', $$'\x'::bytea$$, :buzz, $$now() + interval '1 day'$$,
	 '23514 sessions_token_hash_length'),
	('of a NULL hash', 'NULL', :buzz, $$now() + interval '1 day'$$, '23502'),
	('with a token already in use', $$sha256('neil')$$, :buzz, $$now() + interval '1 day'$$,
	 '23505 sessions_pkey'),
	('expiring a second after creation', $$sha256('buzz')$$, :buzz, $$now() + interval '1 second'$$, 'ok'),
	('expiring as it is created', $$sha256('buzz')$$, :buzz, 'now()',
	 '23514 sessions_expiry_after_creation'),
	('expiring before it is created', $$sha256('buzz')$$, :buzz, $$now() - interval '1 second'$$,
	 '23514 sessions_expiry_after_creation'),
	('without an expiry', $$sha256('buzz')$$, :buzz, 'NULL', '23502'),
	('of nobody', $$sha256('buzz')$$, -1, $$now() + interval '1 day'$$,
	 '23503 sessions_astronaut_id_fkey')
  ) AS cases (description, token_hash, who, expires_at, expected);

SELECT is(
	pg_temp.outcome(
		'INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
		 VALUES (-1, 1, current_date, gen_random_uuid())'),
	'23503 hours_entries_astronaut_id_fkey',
	'hours of nobody: 23503 hours_entries_astronaut_id_fkey');

-- Deleting an astronaut takes their sessions and entries along, and
-- nobody else's.
DELETE FROM astro.astronauts WHERE id = :neil;
SELECT results_eq(
	$$SELECT (SELECT count(*) FROM astro.sessions WHERE astronaut_id = $$ || :neil || $$),
	         (SELECT count(*) FROM astro.hours_entries WHERE astronaut_id = $$ || :neil || $$)$$,
	$$VALUES (0::bigint, 0::bigint)$$,
	'a deleted astronaut''s sessions and entries are gone');
SELECT results_eq(
	$$SELECT (SELECT count(*) FROM astro.hours_entries WHERE astronaut_id = $$ || :buzz || $$)$$,
	$$VALUES (6::bigint)$$,
	'another astronaut''s entries stay');

SELECT * FROM finish();
ROLLBACK;
