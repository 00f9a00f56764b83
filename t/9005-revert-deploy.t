#!/bin/sh
# The sqitch project deploys, verifies, reverts to nothing and deploys
# again to the same schema. Reverted one change at a time, each change's
# verify script notices it is gone while the changes before it still
# verify.
. "$(dirname "$0")/lib/pg.sh"

MIGRATIONS=$PG_ROOT/sql/migrations

pg_server || exit 1
pg_database || exit 1

# query_is EXPECTED SQL: SQL prints EXPECTED.
query_is() {
	_have=$(psql -XAt -v ON_ERROR_STOP=1 -c "$2") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}

# The schema, privileges included; less the random key of psql's
# \restrict lines, which differs from dump to dump.
schema_dump() {
	pg_dump --schema-only --schema=astro >"$PG_SCRATCH/dump.sql" &&
		grep -v '^\\\(un\)\{0,1\}restrict ' "$PG_SCRATCH/dump.sql" >"$1"
}

run_verify_script() {
	psql -X -v ON_ERROR_STOP=1 -f "$MIGRATIONS/verify/$1.sql"
}

# verify_scripts_pass CHANGE...: each change's verify script passes.
verify_scripts_pass() {
	for _change in "$@"; do
		run_verify_script "$_change" || return 1
	done
}

# The service roles still defined, each left behind without a reason:
# no privilege in another database, no member.
roles_without_reason="
	SELECT string_agg(r.rolname, ', ')
	  FROM pg_roles AS r
	 WHERE r.rolname IN ('astro_signup', 'astro_hours', 'astro_board')
	   AND NOT EXISTS (SELECT FROM pg_shdepend AS d
	                    WHERE d.refobjid = r.oid
	                      AND d.dbid NOT IN (0, (SELECT oid FROM pg_database
	                                              WHERE datname = current_database())))
	   AND NOT EXISTS (SELECT FROM pg_auth_members AS m WHERE m.roleid = r.oid)"
astro_left="
	SELECT count(*) FROM pg_namespace WHERE nspname = 'astro'"
here_refers_to_roles="
	SELECT count(*) FROM pg_shdepend AS d JOIN pg_roles AS r ON r.oid = d.refobjid
	 WHERE r.rolname IN ('astro_signup', 'astro_hours', 'astro_board')
	   AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"

changes=$(sed -n 's/^\([a-z_][a-z_]*\) .*/\1/p' "$MIGRATIONS/sqitch.plan")
count=$(echo "$changes" | wc -l)

pg_plan $((11 + 3 * count))

pg_ok 'the deployed project verifies' pg_sqitch verify
schema_dump "$PG_SCRATCH/first.sql" || exit 1

pg_ok 'it reverts to nothing in one go' pg_sqitch revert -y
pg_ok '... leaving no schema astro' query_is 0 "$astro_left"
pg_ok '... and no privilege here for the service roles' query_is 0 "$here_refers_to_roles"
pg_ok '... and no service role that nothing else needs' query_is '' "$roles_without_reason"
pg_ok 'it deploys again, verifying each change as it goes' pg_sqitch deploy --verify
pg_ok 'the project verifies again' pg_sqitch verify
schema_dump "$PG_SCRATCH/again.sql" || exit 1
pg_ok 'the schema deployed again is the schema deployed first' \
	diff -u "$PG_SCRATCH/first.sql" "$PG_SCRATCH/again.sql"

# Last change first; the first change reverts to nothing. A revert
# leaves the roles in place while another database or a login role uses
# them, so verify/roles.sql may rightly still pass.
first=$(echo "$changes" | head -n 1)
for change in $(echo "$changes" | sed -n '1!G;h;$p'); do
	if [ "$change" = "$first" ]; then
		pg_ok "revert $change" pg_sqitch revert -y
	else
		pg_ok "revert $change" pg_sqitch revert -y --to "$change^"
	fi
	if [ "$change" = roles ] && [ -z "$(psql -XAt -c "$roles_without_reason")" ] &&
		[ -n "$(psql -XAt -c "SELECT 1 FROM pg_roles WHERE rolname = 'astro_hours'")" ]; then
		pg_skip "verify/$change.sql fails once $change is reverted" \
			'the roles stay for another database or login role in this cluster'
	else
		pg_fails "verify/$change.sql fails once $change is reverted" run_verify_script "$change"
	fi
	# shellcheck disable=SC2046 # one word per change
	pg_ok "the changes before $change still verify" \
		verify_scripts_pass $(echo "$changes" | sed "/^$change\$/,\$d")
done

pg_ok 'nothing is left deployed' query_is 0 "$astro_left"
pg_ok 'it deploys once more' pg_sqitch deploy
pg_ok 'and verifies' pg_sqitch verify
