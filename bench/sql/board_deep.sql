-- GET /board?after=...: the board_after statement, from a cursor deep in
-- the board (pgbench -D total=... -D id=...).
\set lim 51
(SELECT id, name, total_hours FROM astro.astronauts
  WHERE total_hours = :total AND id > :id ORDER BY id LIMIT :lim)
UNION ALL
(SELECT id, name, total_hours FROM astro.astronauts
  WHERE total_hours < :total ORDER BY total_hours DESC, id LIMIT :lim)
ORDER BY total_hours DESC, id LIMIT :lim;
