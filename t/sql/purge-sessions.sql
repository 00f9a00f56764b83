-- astro.purge_expired_sessions(batch) deletes expired sessions, oldest
-- expiry first, at most batch per call, and returns how many. It runs
-- after t/9008-purge-sessions.t committed Neil's sessions (labelled in
-- public.session_labels) and another session began logging out of
-- 'expired 1h' and holds its row lock: the purge must skip that one, not
-- wait for it.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;
-- Waiting for the locked session would end the test here.
SET LOCAL lock_timeout = '5s';

SELECT plan(8);

-- now() stands still in a transaction, so these two sit exactly on the
-- boundary: a session is valid while expires_at > now().
INSERT INTO public.session_labels (label, token_hash)
VALUES ('expires now', sha256('expires now')), ('expires in 1us', sha256('expires in 1us'));
INSERT INTO astro.sessions (token_hash, astronaut_id, created_at, expires_at)
SELECT sha256(convert_to(label, 'UTF8')), (SELECT id FROM astro.astronauts WHERE name = 'Neil'),
       now() - interval '1 day', now() + offset_
  FROM (VALUES ('expires now', interval '0'), ('expires in 1us', interval '1 microsecond'))
    AS boundary (label, offset_);

-- after(batch): purges one batch and tells what it deleted and what is
-- left, oldest expiry first.
CREATE FUNCTION pg_temp.after(batch integer) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	deleted bigint := CASE WHEN batch IS NULL THEN astro.purge_expired_sessions()
	                       ELSE astro.purge_expired_sessions(batch) END;
BEGIN
	RETURN deleted || ' deleted; left: '
	       || (SELECT string_agg(l.label, ', ' ORDER BY s.expires_at)
	             FROM astro.sessions AS s JOIN public.session_labels AS l USING (token_hash));
END
$$;

SELECT is(pg_temp.after(batch), expected,
	format('purge(%s): %s', coalesce(batch::text, 'default'), expected))
  FROM (SELECT * FROM (VALUES
	(1, 2, '2 deleted; left: expired 3h, expired 2h, expired 1h, expires now, expires in 1us, expires in 1h, expires in 1d'),
	(2, 2, '2 deleted; left: expired 1h, expires now, expires in 1us, expires in 1h, expires in 1d'),
	(3, 10, '1 deleted; left: expired 1h, expires in 1us, expires in 1h, expires in 1d'),
	(4, NULL, '0 deleted; left: expired 1h, expires in 1us, expires in 1h, expires in 1d')
  ) AS steps (n, batch, expected) ORDER BY n) AS story;

SELECT is(
	(SELECT count(*) FROM astro.sessions AS s JOIN public.session_labels AS l USING (token_hash)
	  WHERE l.label = 'expired 1h' AND s.expires_at <= now()),
	1::bigint,
	'the expired session another transaction is deleting was skipped, not waited for');

SELECT is(pg_temp.outcome(format('SELECT astro.purge_expired_sessions(%s)', batch)),
	'22023', format('purge(%s) is refused: 22023', batch))
  FROM (VALUES ('0'), ('-1'), ('NULL')) AS cases (batch);

SELECT * FROM finish();
ROLLBACK;
