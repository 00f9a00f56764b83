-- The session lookup alone: what every signed-in request asks the
-- database (COMMON_STMTS' session_lookup, fcgi-apps/common/app.h), the
-- same statement with the token's hash as its parameter (pgbench -D
-- token='\x...': the hash of one of the sessions the bench made). A
-- signed-in board takes its rows from the worker's shared snapshot
-- (BOARD_SNAPSHOT_MS), so this is its whole database cost: make bench
-- compares PostgreSQL's CPU per signed-in board with its CPU per
-- transaction of this script.
--
-- Not sha256(...) of a pgbench number in the WHERE clause: on the bench's
-- small sessions table the plan is a sequential scan, and that
-- expression would be hashed again for every row, several times the
-- cost of the lookup itself.
SELECT a.id, a.name FROM astro.sessions s
  JOIN astro.astronauts a ON a.id = s.astronaut_id
 WHERE s.token_hash = :token
   AND s.expires_at > now();
