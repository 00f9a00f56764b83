#!/bin/sh
# Eight clients log hours for the same five pilots at once, and now and
# then delete a pilot's latest entry. Each change moves its pilot's total
# and entry count under the pilot's row lock, so no update is lost: every
# total and every count ends equal to what was committed for that pilot.
# (At most 8 hours an entry, over 40 000 dates: no date of a pilot ever
# gets near the 24-hour cap, which t/9014 puts under the same load.)
. "$(dirname "$0")/lib/pg.sh"

CLIENTS=8
TRANSACTIONS=250 # per client

pg_server || exit 1
pg_database || exit 1

# The pilots, and a ledger beside the schema where each client writes the
# hours it logs, in the same transaction: an account of what was
# committed that owes nothing to the trigger under test.
psql -Xq -v ON_ERROR_STOP=1 <<'SQL' || exit 1
INSERT INTO astro.astronauts (name, password_hash)
SELECT 'Pilot ' || i,
       '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44YlkdllIqxOa7pq0fMaUtb3NvK4WtqmJiM16xEuVvAU9BejfXS+De92abLFHCng=='
  FROM generate_series(1, 5) AS i;
CREATE TABLE public.ledger (astronaut_name text NOT NULL, hours numeric(3,1) NOT NULL,
	entries int NOT NULL);
SQL

cat >"$PG_SCRATCH/log-hours.sql" <<'SQL'
\set pilot random(1, 5)
\set tenths random(1, 80)
\set daysago random(0, 40000)
BEGIN;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT id, :tenths / 10.0, current_date - :daysago, gen_random_uuid()
  FROM astro.astronauts WHERE name = 'Pilot ' || :pilot;
INSERT INTO public.ledger (astronaut_name, hours, entries) VALUES ('Pilot ' || :pilot, :tenths / 10.0, 1);
END;
SQL

# One transaction in five deletes the pilot's latest entry, if another
# client is not deleting it already, and writes it off in the ledger (a
# line of nothing when there was nothing to delete).
cat >"$PG_SCRATCH/drop-hours.sql" <<'SQL'
\set pilot random(1, 5)
BEGIN;
WITH gone AS (
	DELETE FROM astro.hours_entries
	 WHERE id = (SELECT e.id FROM astro.hours_entries AS e
	               JOIN astro.astronauts AS a ON a.id = e.astronaut_id
	              WHERE a.name = 'Pilot ' || :pilot
	              ORDER BY e.id DESC LIMIT 1
	                FOR UPDATE OF e SKIP LOCKED)
	RETURNING hours)
INSERT INTO public.ledger (astronaut_name, hours, entries)
SELECT 'Pilot ' || :pilot, coalesce(-sum(hours), 0), -count(*) FROM gone;
END;
SQL

pgbench -n -c "$CLIENTS" -j 2 -t "$TRANSACTIONS" -f "$PG_SCRATCH/log-hours.sql@4" \
	-f "$PG_SCRATCH/drop-hours.sql@1" \
	>"$PG_SCRATCH/pgbench.log" 2>&1 || {
	sed 's/^/# /' "$PG_SCRATCH/pgbench.log" >&2
	exit 1
}
committed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
	"$PG_SCRATCH/pgbench.log")
[ -n "$committed" ] || {
	echo "# no transaction count in pgbench's report:" >&2
	sed 's/^/# /' "$PG_SCRATCH/pgbench.log" >&2
	exit 1
}

pg_tap "$PG_ROOT/t/sql/totals-concurrent.sql" \
	-v committed="$committed" -v ran=$((CLIENTS * TRANSACTIONS))
