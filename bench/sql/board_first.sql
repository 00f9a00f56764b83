-- GET /board, first page: the board service's board_first statement
-- (fcgi-apps/board/main.c), with the page size + 1 as its parameter.
\set lim 51
SELECT string_agg(id || ' ' || total_hours || ' '
 || octet_length(name) || ' ' || name || chr(10), ''
 ORDER BY total_hours DESC, id)
  FROM (SELECT id, name, total_hours
  FROM astro.astronauts
  ORDER BY total_hours DESC, id LIMIT :lim) AS page;
