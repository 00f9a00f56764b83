#!/bin/sh
# Deploying the name policy over astronauts from before it: names not in
# NFC are put in NFC unless that makes them another astronaut's name;
# what still breaks the policy stays (nobody is locked out) and is listed
# by astro.name_exceptions; new rows must keep the policy. Then rows
# written by the services before name_skeleton_cases (one skeleton each,
# some stale, capital look-alikes among them), and the backfill, which
# recomputes every key of the rows lacking one, the oldest of
# look-alikes first, and with --all every key of every row.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1

query_is() {
	_have=$(psql -XAt -v ON_ERROR_STOP=1 -c "$2") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}
# Runs SQL that must fail with an error matching the extended regex $1.
fails_with() {
	_out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "$2" 2>&1) && { echo "succeeded"; return 1; }
	echo "$_out" | grep -Eq "$1" || { echo "$_out"; return 1; }
}
hash='$s1$0e0801$AAECAwQFBgcICQoLDA0ODw==$11kKyiyYAc8G7rp3KmncMc44Ylkd'

pg_plan 16
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
pg_ok 'rows signed up before the skeletons of other cases are stored' psql -Xq -v ON_ERROR_STOP=1 -c "
	INSERT INTO astro.astronauts (id, name, name_skeleton, password_hash) OVERRIDING SYSTEM VALUE VALUES
		(9, U&'\\0412\\041E\\0412', U&'\\0299o\\0299', '$hash'),
		(10, 'BOB', 'bob', '$hash'),
		(11, 'Stale', 'not its skeleton', '$hash'),
		(12, U&'\\13AA\\13F4\\13AC', 'ABE', '$hash')"
pg_ok 'the skeletons of other cases deploy' pg_sqitch deploy --to name_skeleton_cases
pg_ok 'rows without them are exceptions' \
	query_is "$(printf '9\n10\n11\n12')" \
	"SELECT id FROM astro.name_exceptions WHERE id > 8 AND problems = '{\"no skeleton\"}' ORDER BY id"
pg_ok 'the backfill runs' "$PG_ROOT/sql/backfill-name-skeletons" \
	"$PG_ROOT/${ASTRO_BUILD:-build/release}/sql/name-skeletons"
pg_ok 'rows within the policy have their skeletons; the older look-alike keeps each' \
	query_is "$(printf '1|rene\314\201e|Rene\314\201e|RENE\314\201E\n2|jose\314\201|Jose\314\201|JOSE\314\201\n6|plain|Plain|PLAlN\n7|adrnin|Adrnin|ADMlN\n9|\312\231o\312\231|BOB|BOB\n10|bob||\n11|stale|Stale|STALE\n12|ABE|ABE|ABE')" \
	"SELECT id, name_skeleton, name_skeleton_typed, name_skeleton_upper FROM astro.astronauts
	  WHERE name_skeleton IS NOT NULL ORDER BY id"
pg_ok 'the rest are still exceptions, BOB (a look-alike of the older Cyrillic name) among them' \
	query_is "$(printf '3\n4\n5\n8\n10')" "SELECT id FROM astro.name_exceptions ORDER BY id"
pg_ok 'a new capital look-alike is refused by a skeleton of another case' \
	fails_with 'astronauts_name_skeleton_(typed|upper)_key' "
	INSERT INTO astro.astronauts (id, name, name_skeleton, name_skeleton_typed, name_skeleton_upper,
	                              password_hash)
	OVERRIDING SYSTEM VALUE VALUES (13, 'ABE', 'abe', 'ABE', 'ABE', '$hash')"
pg_ok 'with --all the backfill recomputes the keys of complete rows' sh -c "
	psql -Xq -v ON_ERROR_STOP=1 -c \"UPDATE astro.astronauts SET name_skeleton_upper = 'X' WHERE id = 6\" &&
	'$PG_ROOT/sql/backfill-name-skeletons' --all '$PG_ROOT/${ASTRO_BUILD:-build/release}/sql/name-skeletons'"
pg_ok '  and puts back what ICU computes' \
	query_is 'PLAlN' "SELECT name_skeleton_upper FROM astro.astronauts WHERE id = 6"
