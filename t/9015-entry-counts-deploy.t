#!/bin/sh
# Deploying entry_counts onto a database that already holds entries
# counts them: each astronaut's entry_count starts at the number of its
# entries, and the trigger keeps it from there. Reverting it gives back
# the schema it found.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1

# query_is EXPECTED SQL: SQL prints EXPECTED.
query_is() {
	_have=$(psql -XAt -v ON_ERROR_STOP=1 -c "$2") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}

# Entries logged with the trigger of before: Neil 3, Buzz 1, Mike none.
log_entries() {
	psql -Xq -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO astro.astronauts (name, password_hash)
SELECT name, '$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44YlkdllIqxOa7pq0fMaUtb3NvK4WtqmJiM16xEuVvAU9BejfXS+De92abLFHCng=='
  FROM (VALUES ('Neil'), ('Buzz'), ('Mike')) AS crew (name);
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT a.id, 1.5, current_date - d, gen_random_uuid()
  FROM astro.astronauts AS a, generate_series(1, 3) AS d
 WHERE a.name = 'Neil' OR (a.name = 'Buzz' AND d = 1);
SQL
}

counts="SELECT string_agg(name || ' ' || entry_count, ', ' ORDER BY name) FROM astro.astronauts"
has_column="SELECT count(*) FROM pg_attribute
	WHERE attrelid = 'astro.astronauts'::regclass AND attname = 'entry_count' AND NOT attisdropped"

pg_plan 8
pg_ok 'entry_counts reverts' pg_sqitch revert -y --to 'entry_counts^'
pg_ok '... and astronauts have no entry_count' query_is 0 "$has_column"
pg_ok 'entries are logged without counts' log_entries
pg_ok 'entry_counts deploys over them' pg_sqitch deploy --verify
pg_ok '... counting the entries each astronaut has' query_is 'Buzz 1, Mike 0, Neil 3' "$counts"
pg_ok '... so nothing drifts' query_is 0 'SELECT count(*) FROM astro.total_drift'
pg_ok 'the next entry is counted by the trigger' psql -Xq -v ON_ERROR_STOP=1 -c "
	INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
	SELECT id, 2.0, current_date, gen_random_uuid() FROM astro.astronauts WHERE name = 'Mike'"
pg_ok '... Mike has one' query_is 'Buzz 1, Mike 1, Neil 3' "$counts"
