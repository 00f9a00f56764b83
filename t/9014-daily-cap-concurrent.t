#!/bin/sh
# Sixteen clients log 2 hours at once for the same pilot and date, 6 400
# times in all, each attempt inside a PL/pgSQL exception block (a
# subtransaction). The astronaut's row is locked before anything else
# (lock_astronaut_first), so exactly twelve entries (24 hours) get in and
# every other one is refused, whatever the interleaving. Without that
# lock PostgreSQL 15.18 failed four runs in six at this size with "new
# multixact has more than one updating member": the foreign key check's
# key-share lock was upgraded by the totals trigger while other
# transactions held the same lock.
. "$(dirname "$0")/lib/pg.sh"

CLIENTS=16
TRANSACTIONS=400 # per client

pg_server || exit 1
pg_database || exit 1

# try_log(): one entry, or false when the cap refuses it (pgbench would
# otherwise stop a client at its first error).
psql -Xq -v ON_ERROR_STOP=1 <<'SQL' || exit 1
INSERT INTO astro.astronauts (name, password_hash)
VALUES ('Pilot', '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44YlkdllIqxOa7pq0fMaUtb3NvK4WtqmJiM16xEuVvAU9BejfXS+De92abLFHCng==');
CREATE TABLE public.refusals (constraint_name text NOT NULL);
CREATE FUNCTION public.try_log() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	c text;
BEGIN
	INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	SELECT id, 2.0, current_date, gen_random_uuid() FROM astro.astronauts WHERE name = 'Pilot';
	RETURN true;
EXCEPTION WHEN check_violation THEN
	GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME;
	INSERT INTO public.refusals VALUES (c);
	RETURN false;
END
$$;
SQL

echo 'SELECT public.try_log();' >"$PG_SCRATCH/log.sql"
pgbench -n -c "$CLIENTS" -j 2 -t "$TRANSACTIONS" -f "$PG_SCRATCH/log.sql" \
	>"$PG_SCRATCH/pgbench.log" 2>&1 || {
	sed 's/^/# /' "$PG_SCRATCH/pgbench.log" >&2
	exit 1
}

query_is() {
	_have=$(psql -XAt -v ON_ERROR_STOP=1 -c "$2") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}

pg_plan 4
pg_ok 'exactly twelve entries of 2 hours were stored' \
	query_is 12 "SELECT count(*) FROM astro.hours_entries"
pg_ok "the other $((CLIENTS * TRANSACTIONS - 12)) were refused by the daily cap" \
	query_is "$((CLIENTS * TRANSACTIONS - 12))|hours_entries_daily_cap" \
	"SELECT count(*), string_agg(DISTINCT constraint_name, ',') FROM public.refusals"
pg_ok "the pilot's total is 24.0" \
	query_is 24.0 "SELECT total_hours FROM astro.astronauts WHERE name = 'Pilot'"
pg_ok 'no total drifts' query_is 0 "SELECT count(*) FROM astro.total_drift"
