-- Each service role may run its own statements and nothing else. First
-- the grants themselves, exactly; then the services' statements and the
-- attempts they must not make, as each role (SET ROLE).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(45);

-- Every privilege held on schema astro and its objects by anyone but the
-- owner, PUBLIC included; a NULL ACL counts as the defaults it stands
-- for (PUBLIC may EXECUTE a function).
SELECT set_eq(
	$$SELECT object, coalesce(r.rolname, 'PUBLIC')::text, a.privilege_type::text
	    FROM (SELECT 'schema astro', n.nspacl, n.nspowner
	            FROM pg_namespace AS n WHERE n.nspname = 'astro'
	          UNION ALL
	          SELECT 'table ' || c.relname, coalesce(c.relacl, acldefault('r', c.relowner)), c.relowner
	            FROM pg_class AS c
	           WHERE c.relnamespace = 'astro'::regnamespace AND c.relkind IN ('r', 'v', 'S')
	          UNION ALL
	          SELECT 'column ' || c.relname || '.' || at.attname, at.attacl, c.relowner
	            FROM pg_class AS c JOIN pg_attribute AS at ON at.attrelid = c.oid
	           WHERE c.relnamespace = 'astro'::regnamespace AND at.attnum > 0
	          UNION ALL
	          SELECT 'function ' || p.proname, coalesce(p.proacl, acldefault('f', p.proowner)), p.proowner
	            FROM pg_proc AS p WHERE p.pronamespace = 'astro'::regnamespace
	         ) AS o (object, acl, owner),
	         aclexplode(o.acl) AS a
	    LEFT JOIN pg_roles AS r ON r.oid = a.grantee
	   WHERE a.grantee <> o.owner$$,
	$$VALUES
		('schema astro', 'astro_signup', 'USAGE'),
		('schema astro', 'astro_hours', 'USAGE'),
		('schema astro', 'astro_board', 'USAGE'),
		('function is_printable', 'astro_signup', 'EXECUTE'),
		('function is_printable', 'astro_hours', 'EXECUTE'),
		('column astronauts.id', 'astro_signup', 'SELECT'),
		('column astronauts.name', 'astro_signup', 'SELECT'),
		('column astronauts.password_hash', 'astro_signup', 'SELECT'),
		('column astronauts.name', 'astro_signup', 'INSERT'),
		('column astronauts.password_hash', 'astro_signup', 'INSERT'),
		('column astronauts.name_skeleton', 'astro_signup', 'SELECT'),
		('column astronauts.name_skeleton', 'astro_signup', 'INSERT'),
		('column astronauts.name_skeleton_typed', 'astro_signup', 'SELECT'),
		('column astronauts.name_skeleton_typed', 'astro_signup', 'INSERT'),
		('column astronauts.name_skeleton_upper', 'astro_signup', 'SELECT'),
		('column astronauts.name_skeleton_upper', 'astro_signup', 'INSERT'),
		('function name_chars_ok', 'astro_signup', 'EXECUTE'),
		('function name_has_visible', 'astro_signup', 'EXECUTE'),
		('function name_marks_ok', 'astro_signup', 'EXECUTE'),
		('function name_chars_check', 'astro_signup', 'EXECUTE'),
		('function name_visible_check', 'astro_signup', 'EXECUTE'),
		('function name_marks_check', 'astro_signup', 'EXECUTE'),
		('function name_printable_check', 'astro_signup', 'EXECUTE'),
		('function login_delay', 'astro_signup', 'EXECUTE'),
		('table login_failures', 'astro_signup', 'SELECT'),
		('table login_failures', 'astro_signup', 'INSERT'),
		('table login_failures', 'astro_signup', 'UPDATE'),
		('table login_failures', 'astro_signup', 'DELETE'),
		('table sessions', 'astro_signup', 'SELECT'),
		('table sessions', 'astro_signup', 'INSERT'),
		('table sessions', 'astro_signup', 'DELETE'),
		('column astronauts.id', 'astro_hours', 'SELECT'),
		('column astronauts.name', 'astro_hours', 'SELECT'),
		('column astronauts.total_hours', 'astro_hours', 'SELECT'),
		('column astronauts.entry_count', 'astro_hours', 'SELECT'),
		('table sessions', 'astro_hours', 'SELECT'),
		('table hours_entries', 'astro_hours', 'SELECT'),
		('table hours_entries', 'astro_hours', 'INSERT'),
		('column astronauts.id', 'astro_board', 'SELECT'),
		('column astronauts.name', 'astro_board', 'SELECT'),
		('column astronauts.total_hours', 'astro_board', 'SELECT'),
		('table sessions', 'astro_board', 'SELECT')$$,
	'the service roles hold exactly their grants, and PUBLIC holds nothing');

SELECT is(
	(SELECT array_agg(r.rolname ORDER BY r.rolname) FROM pg_roles AS r
	  WHERE r.rolname IN ('astro_signup', 'astro_hours', 'astro_board')
	    AND has_column_privilege(r.oid, 'astro.astronauts', 'total_hours', 'UPDATE')),
	NULL,
	'no service role may UPDATE astronauts.total_hours');

-- The services' own statements (fcgi-apps/*/main.c, with values for the
-- parameters), and what they must not do, as each role. Neil has a
-- session; the key 'a0ee...' is a form he already logged.
SELECT pg_temp.astronaut('Neil') AS neil \gset
INSERT INTO astro.sessions (token_hash, astronaut_id, expires_at)
VALUES (sha256('neil'), :neil, now() + interval '1 day');
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
VALUES (:neil, 2, current_date, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');

CREATE TEMP TABLE cases (n serial, role name, story text, stmt text, expected text);
INSERT INTO cases (role, story, stmt, expected) VALUES
	('astro_signup', 'checks whether a name is taken',
	 $$SELECT 1 FROM astro.astronauts WHERE lower(name) = lower('NEIL')$$, 'ok'),
	('astro_signup', 'signs up and starts the first session in one statement',
	 $$WITH a AS (INSERT INTO astro.astronauts (name, password_hash)
	              VALUES ('Sally', pg_temp.password_hash()) ON CONFLICT DO NOTHING RETURNING id)
	   INSERT INTO astro.sessions (token_hash, astronaut_id, expires_at)
	   SELECT sha256('sally'), id, now() + make_interval(secs => 86400) FROM a RETURNING astronaut_id$$, 'ok'),
	('astro_signup', 'looks a name up to log in',
	 $$SELECT id, password_hash FROM astro.astronauts WHERE lower(name) = lower('NEIL')$$, 'ok'),
	('astro_signup', 'starts a session, sweeping away the expired ones',
	 format($$WITH gone AS (DELETE FROM astro.sessions WHERE astronaut_id = %1$s AND expires_at <= now())
	          INSERT INTO astro.sessions (token_hash, astronaut_id, expires_at)
	          VALUES (sha256('neil2'), %1$s, now() + make_interval(secs => 86400))$$, :neil), 'ok'),
	('astro_signup', 'ends a session',
	 $$DELETE FROM astro.sessions WHERE token_hash = sha256('neil')$$, 'ok'),
	('astro_signup', 'cannot read totals',
	 'SELECT total_hours FROM astro.astronauts', '42501'),
	('astro_signup', 'cannot give a new astronaut hours',
	 $$INSERT INTO astro.astronauts (name, password_hash, total_hours) VALUES ('Sally', pg_temp.password_hash(), 100)$$, '42501'),
	('astro_signup', 'cannot rename an astronaut',
	 $$UPDATE astro.astronauts SET name = 'Armstrong'$$, '42501'),
	('astro_signup', 'cannot delete an astronaut',
	 'DELETE FROM astro.astronauts', '42501'),
	('astro_signup', 'cannot extend a session',
	 $$UPDATE astro.sessions SET expires_at = 'infinity'$$, '42501'),
	('astro_signup', 'cannot log hours',
	 format($$INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	          VALUES (%s, 1, current_date, gen_random_uuid())$$, :neil), '42501'),
	('astro_signup', 'cannot read entries',
	 'SELECT hours FROM astro.hours_entries', '42501'),
	('astro_signup', 'cannot create objects in astro',
	 'CREATE TABLE astro.shadow (id int)', '42501'),

	('astro_hours', 'finds the session of a request',
	 $$SELECT a.id, a.name FROM astro.sessions s JOIN astro.astronauts a ON a.id = s.astronaut_id
	    WHERE s.token_hash = sha256('neil') AND s.expires_at > now()$$, 'ok'),
	('astro_hours', 'logs hours once per form',
	 format($$INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, note, idempotency_key)
	          VALUES (%s, 1.5, current_date, NULLIF('EVA drill', ''), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
	          ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING RETURNING id$$, :neil), 'ok'),
	('astro_hours', 'lists an astronaut''s entries, newest first',
	 format($$SELECT hours, trained_on, note FROM astro.hours_entries WHERE astronaut_id = %s
	           ORDER BY trained_on DESC, id DESC LIMIT 20$$, :neil), 'ok'),
	('astro_hours', 'reads a total and the number of entries',
	 format($$SELECT total_hours, entry_count AS entries FROM astro.astronauts WHERE id = %s$$, :neil), 'ok'),
	('astro_hours', 'cannot read password hashes',
	 'SELECT password_hash FROM astro.astronauts', '42501'),
	('astro_hours', 'cannot read whole astronaut rows',
	 'SELECT * FROM astro.astronauts', '42501'),
	('astro_hours', 'cannot set a total',
	 'UPDATE astro.astronauts SET total_hours = 1000', '42501'),
	('astro_hours', 'cannot change an entry',
	 'UPDATE astro.hours_entries SET hours = 24', '42501'),
	('astro_hours', 'cannot delete an entry',
	 'DELETE FROM astro.hours_entries', '42501'),
	('astro_hours', 'cannot truncate entries',
	 'TRUNCATE astro.hours_entries', '42501'),
	('astro_hours', 'cannot call the totals trigger function',
	 'SELECT astro.hours_entries_sync_total()', '42501'),
	('astro_hours', 'cannot call the locking trigger function',
	 'SELECT astro.hours_entries_lock_astronaut()', '42501'),
	('astro_hours', 'cannot sign anybody up',
	 $$INSERT INTO astro.astronauts (name, password_hash) VALUES ('Sally', pg_temp.password_hash())$$, '42501'),
	('astro_hours', 'cannot start a session',
	 format($$INSERT INTO astro.sessions (token_hash, astronaut_id, expires_at)
	          VALUES (sha256('x'), %s, now() + interval '1 day')$$, :neil), '42501'),
	('astro_hours', 'cannot purge sessions',
	 'SELECT astro.purge_expired_sessions()', '42501'),
	('astro_hours', 'cannot read the audit view',
	 'SELECT * FROM astro.total_drift', '42501'),

	('astro_board', 'reads the board''s first page',
	 'SELECT id, name, total_hours FROM astro.astronauts ORDER BY total_hours DESC, id LIMIT 50', 'ok'),
	('astro_board', 'reads a later page of the board',
	 $$(SELECT id, name, total_hours FROM astro.astronauts WHERE total_hours = 2.0 AND id > 0 ORDER BY id LIMIT 50)
	   UNION ALL
	   (SELECT id, name, total_hours FROM astro.astronauts WHERE total_hours < 2.0 ORDER BY total_hours DESC, id LIMIT 50)
	   ORDER BY total_hours DESC, id LIMIT 50$$, 'ok'),
	('astro_board', 'finds the session of a request',
	 $$SELECT a.id, a.name FROM astro.sessions s JOIN astro.astronauts a ON a.id = s.astronaut_id
	    WHERE s.token_hash = sha256('neil') AND s.expires_at > now()$$, 'ok'),
	('astro_board', 'cannot read password hashes',
	 'SELECT password_hash FROM astro.astronauts', '42501'),
	('astro_board', 'cannot sign anybody up',
	 $$INSERT INTO astro.astronauts (name, password_hash) VALUES ('Sally', pg_temp.password_hash())$$, '42501'),
	('astro_board', 'cannot log hours',
	 format($$INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	          VALUES (%s, 1, current_date, gen_random_uuid())$$, :neil), '42501'),
	('astro_board', 'cannot read entries',
	 'SELECT hours FROM astro.hours_entries', '42501'),
	('astro_board', 'cannot end a session',
	 'DELETE FROM astro.sessions', '42501'),
	('astro_board', 'cannot set a total',
	 'UPDATE astro.astronauts SET total_hours = 1000', '42501'),
	('astro_board', 'cannot purge sessions',
	 'SELECT astro.purge_expired_sessions()', '42501'),
	('astro_board', 'cannot execute is_printable(), having nothing to insert',
	 $$SELECT astro.is_printable('x')$$, '42501');

SELECT is(pg_temp.outcome(stmt, role), expected, format('%s %s: %s', role, story, expected))
  FROM cases
 ORDER BY n;
SELECT is(current_user, session_user, 'every case ran as its role and gave the role back');

-- Logging hours raises the total, although astro_hours cannot UPDATE
-- astronauts: the trigger runs as its owner.
SET LOCAL ROLE astro_hours;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
VALUES (:neil, 2.5, current_date, gen_random_uuid());
RESET ROLE;
SELECT is((SELECT total_hours FROM astro.astronauts WHERE id = :neil), 4.5,
	'astro_hours logs 2.5 hours and Neil''s total goes from 2.0 to 4.5');

-- A caller's search_path cannot redirect the trigger: a look-alike table
-- first in the path is not the one the trigger updates.
CREATE TEMP TABLE astronauts (id bigint, total_hours numeric);
INSERT INTO astronauts VALUES (:neil, 0);
SET LOCAL search_path = pg_temp, public;
SET LOCAL ROLE astro_hours;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
VALUES (:neil, 1.0, current_date, gen_random_uuid());
RESET ROLE;
RESET search_path;
SELECT results_eq(
	format('SELECT (SELECT total_hours FROM astro.astronauts WHERE id = %s), (SELECT total_hours FROM pg_temp.astronauts)', :neil),
	'VALUES (5.5, 0::numeric)',
	'with pg_temp first in its search_path, the caller still raises the real total');

SELECT * FROM finish();
ROLLBACK;
