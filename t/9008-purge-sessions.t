#!/bin/sh
# The purge deletes expired sessions in bounded batches, oldest first,
# keeps valid ones, and skips a session that a logout is deleting at the
# same moment instead of waiting for it.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1

psql -Xq -v ON_ERROR_STOP=1 <<'SQL' || exit 1
INSERT INTO astro.astronauts (name, password_hash)
VALUES ('Neil', '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44YlkdllIqxOa7pq0fMaUtb3NvK4WtqmJiM16xEuVvAU9BejfXS+De92abLFHCng==');
CREATE TABLE public.session_labels (label text PRIMARY KEY, token_hash bytea NOT NULL UNIQUE);
INSERT INTO public.session_labels (label, token_hash)
SELECT label, sha256(convert_to(label, 'UTF8'))
  FROM (VALUES ('expired 5h'), ('expired 4h'), ('expired 3h'), ('expired 2h'), ('expired 1h'),
               ('expires in 1h'), ('expires in 1d')) AS l (label);
INSERT INTO astro.sessions (token_hash, astronaut_id, created_at, expires_at)
SELECT l.token_hash, a.id, now() - interval '1 day', now() + e.offset_
  FROM public.session_labels AS l
  JOIN (VALUES ('expired 5h', interval '-5 hours'), ('expired 4h', interval '-4 hours'),
               ('expired 3h', interval '-3 hours'), ('expired 2h', interval '-2 hours'),
               ('expired 1h', interval '-1 hour'), ('expires in 1h', interval '1 hour'),
               ('expires in 1d', interval '1 day')) AS e (label, offset_) USING (label),
       astro.astronauts AS a;
SQL

# A logout of 'expired 1h', caught between its DELETE and its COMMIT.
PGAPPNAME=logout-in-progress psql -Xq -c \
	"DELETE FROM astro.sessions WHERE token_hash = sha256('expired 1h'); SELECT pg_sleep(60)" \
	>/dev/null 2>&1 &
logout=$!
holding() {
	[ "$(psql -XAtc "SELECT count(*) FROM pg_stat_activity
	                  WHERE application_name = 'logout-in-progress'
	                    AND datname = current_database() AND wait_event = 'PgSleep'")" = 1 ]
}
n=0
until holding; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || { echo "# the logout never took its lock" >&2; exit 1; }
	sleep 0.1
done

pg_tap "$PG_ROOT/t/sql/purge-sessions.sql"
status=$?

psql -XAtq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = 'logout-in-progress'
                  AND datname = current_database()" >/dev/null
wait "$logout"
exit "$status"
