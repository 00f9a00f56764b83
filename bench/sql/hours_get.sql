-- GET /hours: the session lookup, then the hours service's
-- hours_summary and hours_list statements for that astronaut.
\set k random(1, 64)
\set lim 50
SELECT a.id AS aid, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = sha256(convert_to('bench-session-' || :k, 'UTF8'))
   AND s.expires_at > now() \gset
SELECT total_hours, entry_count AS entries
  FROM astro.astronauts WHERE id = :aid;
SELECT hours, trained_on, note FROM astro.hours_entries
 WHERE astronaut_id = :aid ORDER BY trained_on DESC, id DESC LIMIT :lim;
