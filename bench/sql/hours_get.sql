-- GET /hours: the session lookup, then the hours service's statements
-- for that astronaut in the order hours_render sends them: hours_day
-- (what today can still take, beside the form), hours_summary and
-- hours_list. The
-- bench made sessions whose token hashes are sha256('bench-session-K'),
-- hashed once per lookup in a subquery: compared directly, the expression
-- would be hashed again for every row of the sequential scan the bench's
-- small sessions table gets.
\set k random(1, 64)
\set lim 50
SELECT a.id AS aid, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = (SELECT sha256(convert_to('bench-session-' || :k, 'UTF8')))
   AND s.expires_at > now() \gset
SELECT greatest(0, 24 - coalesce(sum(hours), 0))::numeric(3, 1) AS day_left
  FROM astro.hours_entries WHERE astronaut_id = :aid AND trained_on = CURRENT_DATE;
SELECT total_hours, entry_count AS entries
  FROM astro.astronauts WHERE id = :aid;
SELECT hours, trained_on, note FROM astro.hours_entries
 WHERE astronaut_id = :aid ORDER BY trained_on DESC, id DESC LIMIT :lim;
