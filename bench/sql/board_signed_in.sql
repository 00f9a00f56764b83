-- GET /board signed in: the session lookup every signed-in request makes,
-- then the board_first statement (bench sessions: sha256('bench-session-K')).
\set k random(1, 64)
\set lim 51
SELECT a.id, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = sha256(convert_to('bench-session-' || :k, 'UTF8'))
   AND s.expires_at > now();
SELECT id, name, total_hours FROM astro.astronauts
 ORDER BY total_hours DESC, id LIMIT :lim;
