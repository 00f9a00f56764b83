-- The shape of schema astro, as the services are written against it, and
-- the plans of the queries that must stay fast with many astronauts.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(86);

-- The database: names are unique by lower(), so lower() must fold
-- beyond ASCII.
SELECT is(getdatabaseencoding(), 'UTF8', 'the database is UTF8');
SELECT is(lower('ÅSA ÉMILE ЮРИЙ'), 'åsa émile юрий', 'lower() folds non-ASCII letters');

SELECT has_schema('astro');
SELECT tables_are('astro', ARRAY['astronauts', 'sessions', 'hours_entries', 'login_failures']);
SELECT views_are('astro', ARRAY['total_drift', 'name_exceptions']);
SELECT functions_are('astro',
	ARRAY['is_printable', 'hours_entries_sync_total', 'hours_entries_lock_astronaut',
	      'purge_expired_sessions',
	      'name_chars_ok', 'name_has_visible', 'name_marks_ok', 'login_delay',
	      'name_chars_check', 'name_visible_check', 'name_marks_check', 'name_printable_check']);

-- Every column: its type, whether it may be NULL, and its default.
SELECT columns_are('astro', 'astronauts',
	ARRAY['id', 'name', 'password_hash', 'total_hours', 'created_at', 'name_skeleton',
	      'name_skeleton_typed', 'name_skeleton_upper', 'entry_count']);
SELECT columns_are('astro', 'sessions',
	ARRAY['token_hash', 'astronaut_id', 'created_at', 'expires_at']);
SELECT columns_are('astro', 'hours_entries',
	ARRAY['id', 'astronaut_id', 'hours', 'trained_on', 'note', 'idempotency_key', 'created_at']);

SELECT is(
	(SELECT format_type(a.atttypid, a.atttypmod)
	        || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
	        || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' ELSE '' END
	        || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
	   FROM pg_attribute AS a
	   LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	  WHERE a.attrelid = ('astro.' || tab)::regclass AND a.attname = col),
	definition,
	format('astro.%s.%s is %s', tab, col, definition))
  FROM (VALUES
	('astronauts', 'id', 'bigint NOT NULL GENERATED ALWAYS AS IDENTITY'),
	('astronauts', 'name', 'text NOT NULL'),
	('astronauts', 'password_hash', 'text NOT NULL'),
	('astronauts', 'total_hours', 'numeric(8,1) NOT NULL DEFAULT 0'),
	('astronauts', 'created_at', 'timestamp with time zone NOT NULL DEFAULT now()'),
	('astronauts', 'name_skeleton', 'text'),
	('astronauts', 'name_skeleton_typed', 'text'),
	('astronauts', 'name_skeleton_upper', 'text'),
	('astronauts', 'entry_count', 'integer NOT NULL DEFAULT 0'),
	('sessions', 'token_hash', 'bytea NOT NULL'),
	('sessions', 'astronaut_id', 'bigint NOT NULL'),
	('sessions', 'created_at', 'timestamp with time zone NOT NULL DEFAULT now()'),
	('sessions', 'expires_at', 'timestamp with time zone NOT NULL'),
	('hours_entries', 'id', 'bigint NOT NULL GENERATED ALWAYS AS IDENTITY'),
	('hours_entries', 'astronaut_id', 'bigint NOT NULL'),
	('hours_entries', 'hours', 'numeric(3,1) NOT NULL'),
	('hours_entries', 'trained_on', 'date NOT NULL'),
	('hours_entries', 'note', 'text'),
	('hours_entries', 'idempotency_key', 'uuid NOT NULL'),
	('hours_entries', 'created_at', 'timestamp with time zone NOT NULL DEFAULT now()')
  ) AS cases (tab, col, definition);

-- Constraint names are part of the contract: the services map them to
-- form messages.
SELECT set_eq(
	format($$SELECT conname::text FROM pg_constraint WHERE conrelid = 'astro.%s'::regclass$$, tab),
	names,
	format('astro.%s has exactly the named constraints', tab))
  FROM (VALUES
	('astronauts', ARRAY['astronauts_pkey', 'astronauts_name_trimmed', 'astronauts_name_length',
		'astronauts_name_printable', 'astronauts_name_nfc', 'astronauts_name_chars',
		'astronauts_name_visible', 'astronauts_name_marks', 'astronauts_name_skeleton_length',
		'astronauts_name_skeleton_nfd', 'astronauts_name_skeleton_typed_length',
		'astronauts_name_skeleton_typed_nfd', 'astronauts_name_skeleton_upper_length',
		'astronauts_name_skeleton_upper_nfd', 'astronauts_password_hash_format',
		'astronauts_password_hash_length', 'astronauts_total_hours_nonnegative',
		'astronauts_entry_count_nonnegative']),
	('sessions', ARRAY['sessions_pkey', 'sessions_token_hash_length',
		'sessions_astronaut_id_fkey', 'sessions_expiry_after_creation']),
	('hours_entries', ARRAY['hours_entries_pkey', 'hours_entries_astronaut_id_fkey',
		'hours_entries_hours_range', 'hours_entries_trained_on_since_1900',
		'hours_entries_trained_on_not_future', 'hours_entries_note_trimmed',
		'hours_entries_note_length', 'hours_entries_note_printable',
		'hours_entries_idempotency_key'])
  ) AS cases (tab, names);

SELECT col_is_pk('astro', 'astronauts', 'id', 'astro.astronauts.id is the primary key');
SELECT col_is_pk('astro', 'sessions', 'token_hash', 'astro.sessions.token_hash is the primary key');
SELECT col_is_pk('astro', 'hours_entries', 'id', 'astro.hours_entries.id is the primary key');
SELECT col_is_unique('astro', 'hours_entries', ARRAY['astronaut_id', 'idempotency_key']);

-- Deleting an astronaut deletes their sessions and entries.
SELECT fk_ok('astro', tab, 'astronaut_id', 'astro', 'astronauts', 'id')
  FROM (VALUES ('sessions'), ('hours_entries')) AS cases (tab);
SELECT is(
	(SELECT confdeltype FROM pg_constraint WHERE conname = fk),
	'c', fk || ' cascades on delete')
  FROM (VALUES ('sessions_astronaut_id_fkey'), ('hours_entries_astronaut_id_fkey')) AS cases (fk);

-- Every index, exactly as defined.
SELECT indexes_are('astro', 'astronauts',
	ARRAY['astronauts_pkey', 'astronauts_name_lower_key', 'astronauts_name_skeleton_key',
	      'astronauts_name_skeleton_typed_key', 'astronauts_name_skeleton_upper_key',
	      'astronauts_board_idx']);
SELECT indexes_are('astro', 'sessions',
	ARRAY['sessions_pkey', 'sessions_astronaut_idx', 'sessions_expires_idx']);
SELECT indexes_are('astro', 'hours_entries',
	ARRAY['hours_entries_pkey', 'hours_entries_idempotency_key', 'hours_entries_astronaut_idx',
	      'hours_entries_recent_idx']);
SELECT is(pg_get_indexdef(('astro.' || idx)::regclass), definition, idx || ' is ' || definition)
  FROM (VALUES
	('astronauts_name_lower_key',
	 'CREATE UNIQUE INDEX astronauts_name_lower_key ON astro.astronauts USING btree (lower(name))'),
	('astronauts_name_skeleton_key',
	 'CREATE UNIQUE INDEX astronauts_name_skeleton_key ON astro.astronauts USING btree (name_skeleton)'),
	('astronauts_name_skeleton_typed_key',
	 'CREATE UNIQUE INDEX astronauts_name_skeleton_typed_key ON astro.astronauts USING btree (name_skeleton_typed)'),
	('astronauts_name_skeleton_upper_key',
	 'CREATE UNIQUE INDEX astronauts_name_skeleton_upper_key ON astro.astronauts USING btree (name_skeleton_upper)'),
	('astronauts_board_idx',
	 'CREATE INDEX astronauts_board_idx ON astro.astronauts USING btree (total_hours DESC, id)'),
	('sessions_astronaut_idx',
	 'CREATE INDEX sessions_astronaut_idx ON astro.sessions USING btree (astronaut_id)'),
	('sessions_expires_idx',
	 'CREATE INDEX sessions_expires_idx ON astro.sessions USING btree (expires_at)'),
	('hours_entries_idempotency_key',
	 'CREATE UNIQUE INDEX hours_entries_idempotency_key ON astro.hours_entries USING btree (astronaut_id, idempotency_key)'),
	('hours_entries_astronaut_idx',
	 'CREATE INDEX hours_entries_astronaut_idx ON astro.hours_entries USING btree (astronaut_id, trained_on DESC, id DESC)')
  ) AS cases (idx, definition);

-- Functions.
SELECT function_returns('astro', 'is_printable', ARRAY['text'], 'boolean');
SELECT volatility_is('astro', 'is_printable', ARRAY['text'], 'immutable');
SELECT is_strict('astro', 'is_printable', ARRAY['text']);
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'astro.is_printable(text)'::regprocedure),
	's', 'astro.is_printable(text) is PARALLEL SAFE');

SELECT function_returns('astro', 'hours_entries_sync_total', ARRAY[]::text[], 'trigger');
SELECT is_definer('astro', 'hours_entries_sync_total', ARRAY[]::text[]);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'astro.hours_entries_sync_total()'::regprocedure),
	ARRAY['search_path=pg_catalog, pg_temp'],
	'astro.hours_entries_sync_total() runs with a fixed search_path');
SELECT function_returns('astro', 'hours_entries_lock_astronaut', ARRAY[]::text[], 'trigger');
SELECT is_definer('astro', 'hours_entries_lock_astronaut', ARRAY[]::text[]);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'astro.hours_entries_lock_astronaut()'::regprocedure),
	ARRAY['search_path=pg_catalog, pg_temp'],
	'astro.hours_entries_lock_astronaut() runs with a fixed search_path');

SELECT function_returns('astro', 'purge_expired_sessions', ARRAY['integer'], 'bigint');
SELECT isnt_definer('astro', 'purge_expired_sessions', ARRAY['integer']);
SELECT is((SELECT pg_get_function_arguments(oid) FROM pg_proc
            WHERE oid = 'astro.purge_expired_sessions(integer)'::regprocedure),
	'batch integer DEFAULT 10000', 'the purge deletes 10000 sessions per call by default');

-- The name constraints call PL/pgSQL checks (change name_checks_cached):
-- an UPDATE of any column re-checks them, and an inlined SQL policy
-- function would be planned again, character classes and all, by every
-- statement that logs an hour.
SELECT is(pg_get_constraintdef(c.oid), 'CHECK (astro.' || fn || '(name))' || valid,
	c.conname || ' calls astro.' || fn || '()')
  FROM (VALUES ('astronauts_name_chars', 'name_chars_check', ' NOT VALID'),
               ('astronauts_name_visible', 'name_visible_check', ' NOT VALID'),
               ('astronauts_name_marks', 'name_marks_check', ' NOT VALID'),
               ('astronauts_name_printable', 'name_printable_check', '')) AS want (name, fn, valid)
  JOIN pg_constraint AS c ON c.conname = want.name AND c.conrelid = 'astro.astronauts'::regclass
 ORDER BY 1;
SELECT is(count(*), 4::bigint, 'the name checks are PL/pgSQL, IMMUTABLE and STRICT')
  FROM pg_proc
 WHERE pronamespace = 'astro'::regnamespace
   AND proname IN ('name_chars_check', 'name_visible_check', 'name_marks_check', 'name_printable_check')
   AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
   AND provolatile = 'i' AND proisstrict;

-- The triggers that keep totals, and the one that locks the astronaut
-- before the foreign key check does (lock_astronaut_first).
SELECT triggers_are('astro', 'hours_entries',
	ARRAY['hours_entries_lock_astronaut', 'hours_entries_sync_total',
	      'hours_entries_sync_total_truncate']);
SELECT is(pg_get_triggerdef(t.oid), definition, t.tgname || ' fires ' || fires)
  FROM (VALUES
	('hours_entries_lock_astronaut', 'before each inserted, deleted or re-assigned row',
	 'CREATE TRIGGER hours_entries_lock_astronaut BEFORE INSERT OR DELETE OR UPDATE OF astronaut_id, hours, trained_on ON astro.hours_entries FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_lock_astronaut()'),
	('hours_entries_sync_total', 'after each inserted, deleted or re-assigned row',
	 'CREATE TRIGGER hours_entries_sync_total AFTER INSERT OR DELETE OR UPDATE OF astronaut_id, hours, trained_on ON astro.hours_entries FOR EACH ROW EXECUTE FUNCTION astro.hours_entries_sync_total()'),
	('hours_entries_sync_total_truncate', 'after TRUNCATE',
	 'CREATE TRIGGER hours_entries_sync_total_truncate AFTER TRUNCATE ON astro.hours_entries FOR EACH STATEMENT EXECUTE FUNCTION astro.hours_entries_sync_total()')
  ) AS cases (name, fires, definition)
  JOIN pg_trigger AS t ON t.tgname = cases.name AND t.tgrelid = 'astro.hours_entries'::regclass;

SELECT columns_are('astro', 'total_drift',
	ARRAY['astronaut_id', 'name', 'total_hours', 'entries_hours', 'drift', 'entry_count',
	      'entries', 'count_drift']);

-- Query plans, on enough rows that the planner prefers a sequential scan
-- to an index it cannot use well. Like the real board, half of the
-- astronauts have logged nothing yet and the others' totals spread over
-- 1,250 values; one astronaut has logged a thousand entries. The rows go
-- in shuffled, as in a table that has lived: every logged hour writes a
-- new version of the astronaut's row, so the physical order of the rows
-- soon says nothing about their ids.
INSERT INTO astro.astronauts (id, name, password_hash, total_hours) OVERRIDING SYSTEM VALUE
SELECT i, 'Astronaut ' || i, pg_temp.password_hash(),
       CASE WHEN i % 2 = 0 THEN 0 ELSE (i % 2500) / 10.0 END
  FROM generate_series(1, 20000) AS i
 ORDER BY random();
SELECT id AS busy_id FROM astro.astronauts WHERE name = 'Astronaut 4240' \gset
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT a.id, 1.5, current_date - d, gen_random_uuid()
  FROM astro.astronauts AS a, generate_series(1, 3) AS d
 WHERE a.id % 10 = 0;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT :busy_id, 0.5, current_date - d % 365, gen_random_uuid()
  FROM generate_series(1, 1000) AS d;
INSERT INTO astro.sessions (token_hash, astronaut_id, created_at, expires_at)
SELECT sha256(int8send(a.id)), a.id, now() - interval '1 day',
       now() + CASE WHEN a.id % 100 = 0 THEN interval '-1 hour' ELSE interval '1 day' END
  FROM astro.astronauts AS a;
ANALYZE astro.astronauts;
ANALYZE astro.hours_entries;
ANALYZE astro.sessions;

-- The board's first page reads the index in order and stops after 50
-- rows: no sort of all astronauts.
SELECT matches(
	pg_temp.plan_of('SELECT id, name, total_hours FROM astro.astronauts ORDER BY total_hours DESC, id LIMIT 50'),
	'^Limit\n  ->  Index Scan using astronauts_board_idx on astronauts\n$',
	'the board''s first page is a limited scan of astronauts_board_idx');

-- Later pages start after the last row shown (total, id): the rest of
-- that total by id, then the lower totals. Both branches must read
-- astronauts_board_idx, whether the page is in the long tail of zero
-- totals or among spread ones, with the parameters as values (custom
-- plans) and as parameters (the generic plan a prepared statement may
-- switch to after five runs).
PREPARE board_page (numeric, bigint, integer) AS
	(SELECT id, name, total_hours FROM astro.astronauts
	  WHERE total_hours = $1 AND id > $2 ORDER BY id LIMIT $3)
	UNION ALL
	(SELECT id, name, total_hours FROM astro.astronauts
	  WHERE total_hours < $1 ORDER BY total_hours DESC, id LIMIT $3)
	ORDER BY total_hours DESC, id LIMIT $3;
CREATE FUNCTION pg_temp.scans_of(query text) RETURNS text
	LANGUAGE sql
	RETURN regexp_count(pg_temp.plan_of(query), 'Index Scan (using|on) astronauts_board_idx')
	       || ' scans of astronauts_board_idx, '
	       || regexp_count(pg_temp.plan_of(query), 'Seq Scan') || ' sequential scans';
SELECT is(pg_temp.scans_of(format('EXECUTE board_page(%s)', args)),
	'2 scans of astronauts_board_idx, 0 sequential scans',
	'a later board page ' || page || ' reads astronauts_board_idx in both branches (custom plan)')
  FROM (VALUES
	('among the zero totals', '0.0, 10000, 50'),
	('among spread totals', '123.5, 15000, 50')
  ) AS cases (page, args);
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT is(pg_temp.scans_of('EXECUTE board_page(0.0, 1, 50)'),
	'2 scans of astronauts_board_idx, 0 sequential scans',
	'a later board page reads astronauts_board_idx in both branches (generic plan)');
RESET plan_cache_mode;
SELECT results_eq(
	format('EXECUTE board_page(%s)', args),
	format($$SELECT id, name, total_hours FROM astro.astronauts
	          WHERE (total_hours, -id) < (%s, -%s)
	          ORDER BY total_hours DESC, id LIMIT 3$$, total, after),
	'a later board page ' || page || ' continues exactly after the last row shown')
  FROM (VALUES
	('among the zero totals', '0.0', 10000),
	('among spread totals', '123.5', 15000),
	('at the end of a total', '123.5', 18735)
  ) AS cases (page, total, after),
  LATERAL (SELECT format('%s, %s, 3', total, after)) AS a (args);
DEALLOCATE board_page;

SELECT matches(
	pg_temp.plan_of($$SELECT id, password_hash FROM astro.astronauts WHERE lower(name) = lower('astronaut 4242')$$),
	'Index Scan using astronauts_name_lower_key on astronauts',
	'logging in finds the name through astronauts_name_lower_key');
SELECT matches(
	pg_temp.plan_of(format($$SELECT id, hours, trained_on, note FROM astro.hours_entries
	                          WHERE astronaut_id = %s ORDER BY trained_on DESC, id DESC LIMIT 20$$,
	                       :busy_id)),
	'^Limit\n  ->  Index Scan using hours_entries_astronaut_idx on hours_entries\n',
	'an astronaut''s entries, newest first, come in order from hours_entries_astronaut_idx');
SELECT matches(
	pg_temp.plan_of(format($$SELECT a.id, a.name FROM astro.sessions AS s
	                          JOIN astro.astronauts AS a ON a.id = s.astronaut_id
	                         WHERE s.token_hash = sha256(int8send(%s)) AND s.expires_at > now()$$,
	                       :busy_id)),
	'Index Scan using sessions_pkey on sessions',
	'a request finds its session through sessions_pkey');
SELECT matches(
	pg_temp.plan_of($$SELECT token_hash FROM astro.sessions WHERE expires_at <= now()
	                   ORDER BY expires_at LIMIT 10000 FOR UPDATE SKIP LOCKED$$),
	'Index Scan using sessions_expires_idx on sessions',
	'the purge finds expired sessions through sessions_expires_idx');

SELECT * FROM finish();
ROLLBACK;
