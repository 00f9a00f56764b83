-- POST /hours as the hours service runs it (hours_post in
-- fcgi-apps/hours/hours.c), statement for statement, each in a
-- transaction of its own as the pool sends them:
--   1. the session lookup every signed-in request makes;
--   2. hours_by_key: was this form's idempotency key logged before?
--   3. hours_recent: the rate limit's count of the astronaut's entries
--      in the last HOURS_RATE_WINDOW seconds (pgbench -D window=...);
--   4. hours_insert, whose trigger adds the hours to the astronaut's
--      total and entry count and checks the date's 24 hours.
-- Each entry has a new key (two random 63-bit halves as 32 hex digits,
-- the form the service sends) and a date of its own, before the dates
-- make bench seeds (2025-03-07 onwards), so no date reaches 24 hours.
-- The bench made sessions whose token hashes are sha256('bench-session-K'),
-- hashed once per lookup in a subquery: compared directly, the expression
-- would be hashed again for every row of the sequential scan the bench's
-- small sessions table gets.
\set k random(1, 64)
\set hi random(0, 9223372036854775806)
\set lo random(0, 9223372036854775806)
\set day random(0, 19999)
SELECT a.id AS aid, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = (SELECT sha256(convert_to('bench-session-' || :k, 'UTF8')))
   AND s.expires_at > now() \gset
SELECT hours, trained_on, coalesce(note, '') AS note,
       pg_logical_emit_message(true, 'astro', 'sent again') AS synced
  FROM astro.hours_entries
 WHERE astronaut_id = :aid
   AND idempotency_key = (lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo::bigint), 16, '0'))::uuid;
SELECT count(*) AS n, coalesce(ceil(extract(epoch
         FROM min(created_at) + make_interval(secs => :window) - now())), 1) AS wait
  FROM astro.hours_entries
 WHERE astronaut_id = :aid
   AND created_at > now() - make_interval(secs => :window);
INSERT INTO astro.hours_entries
       (astronaut_id, hours, trained_on, note, idempotency_key)
VALUES (:aid, 1.5, DATE '2025-03-01' - :day::int, NULLIF('', ''),
        (lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo::bigint), 16, '0'))::uuid)
    ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING RETURNING id;
