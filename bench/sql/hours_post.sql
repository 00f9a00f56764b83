-- POST /hours: the session lookup every request makes, then the
-- hours_insert statement (the trigger adds to the total). The bench
-- made sessions whose token hashes are sha256('bench-session-K').
\set k random(1, 64)
SELECT a.id AS aid, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = sha256(convert_to('bench-session-' || :k, 'UTF8'))
   AND s.expires_at > now() \gset
INSERT INTO astro.hours_entries
       (astronaut_id, hours, trained_on, note, idempotency_key)
VALUES (:aid, 1.5, CURRENT_DATE, NULLIF('', ''), gen_random_uuid())
    ON CONFLICT (astronaut_id, idempotency_key) DO NOTHING RETURNING id;
