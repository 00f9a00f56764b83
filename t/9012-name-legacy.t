#!/bin/sh
# Deploying the name policy over astronauts from before it: names not in
# NFC are put in NFC unless that makes them another astronaut's name;
# what still breaks the policy stays (nobody is locked out) and is listed
# by astro.name_exceptions; new rows must keep the policy; the backfill
# gives the rows that keep it their skeleton, the oldest of look-alikes
# first.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1

query_is() {
	_have=$(psql -XAt -v ON_ERROR_STOP=1 -c "$2") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}
hash='$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44Ylkd'

pg_plan 10
pg_ok 'the name policy reverts' pg_sqitch revert -y --to 'name_chars^'
pg_ok 'astronauts from before the policy are stored' psql -Xq -v ON_ERROR_STOP=1 -c "
	INSERT INTO astro.astronauts (id, name, password_hash) OVERRIDING SYSTEM VALUE VALUES
		(1, U&'Rene\\0301e', '$hash'),
		(2, U&'Jos\\00E9', '$hash'),
		(3, U&'jose\\0301', '$hash'),
		(4, U&'\\2800\\2800', '$hash'),
		(5, U&'Bu\\E000zz', '$hash'),
		(6, 'Plain', '$hash'),
		(7, U&'\0410dmin', '$hash'),
		(8, 'Admin', '$hash')"
pg_ok 'the name policy deploys over them' pg_sqitch deploy --to name_policy
pg_ok 'an NFD name with no twin is now in NFC' \
	query_is "$(printf 'Ren\303\251e')" "SELECT name FROM astro.astronauts WHERE id = 1"
pg_ok 'an NFD twin of another name is kept as it was' \
	query_is 1 "SELECT count(*) FROM astro.astronauts WHERE id = 3 AND name = U&'jose\\0301'"
pg_ok 'name_exceptions lists each row that breaks the policy, and why' \
	query_is "$(printf '1|{"no skeleton"}\n2|{"no skeleton"}\n3|{"not NFC","no skeleton"}\n4|{"nothing visible","no skeleton"}\n5|{"forbidden character","no skeleton"}\n6|{"no skeleton"}\n7|{"no skeleton"}\n8|{"no skeleton"}')" \
	"SELECT id, problems FROM astro.name_exceptions ORDER BY id"
pg_fails 'a new row breaking the policy is refused' psql -Xq -v ON_ERROR_STOP=1 -c "
	INSERT INTO astro.astronauts (name, password_hash) VALUES (U&'\\2800', '$hash')"
pg_ok 'the backfill runs' "$PG_ROOT/sql/backfill-name-skeletons" \
	"$PG_ROOT/${ASTRO_BUILD:-build/release}/sql/name-skeletons"
pg_ok 'rows within the policy have their skeleton; the older look-alike keeps it' \
	query_is "$(printf '1|rene\314\201e\n2|jose\314\201\n6|plain\n7|adrnin')" \
	"SELECT id, name_skeleton FROM astro.astronauts WHERE name_skeleton IS NOT NULL ORDER BY id"
pg_ok 'the rest are still exceptions' \
	query_is "$(printf '3\n4\n5\n8')" "SELECT id FROM astro.name_exceptions ORDER BY id"
