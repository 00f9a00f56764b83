#!/bin/sh
# sql/service-logins.sql gives each service a LOGIN role in its group
# role, creates or updates them on every run, sets or removes their
# passwords, and keeps the passwords out of the server log; with each
# its twin NAME_clone in the same group, whose password it sets only when
# the secret names the twin (alternating-users rotation). Login roles
# belong to the whole cluster, so this test always uses a private one.
. "$(dirname "$0")/lib/pg.sh"

pg_server --private || exit 1

logins() {
	psql -X -d postgres -v ON_ERROR_STOP=1 -f "$PG_ROOT/sql/service-logins.sql" "$@"
}

# state_is EXPECTED: the login roles, their attributes, groups and
# password kind, are EXPECTED.
state_is() {
	_have=$(psql -XAt -d postgres -c "
		SELECT string_agg(format('%s %s%s in %s, password %s', r.rolname,
		           CASE WHEN r.rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END,
		           CASE WHEN r.rolinherit THEN ' INHERIT' ELSE '' END,
		           (SELECT string_agg(g.rolname, ' and ' ORDER BY g.rolname)
		              FROM pg_auth_members AS m JOIN pg_roles AS g ON g.oid = m.roleid
		             WHERE m.member = r.oid),
		           CASE WHEN a.rolpassword IS NULL THEN 'none'
		                WHEN a.rolpassword LIKE 'SCRAM-SHA-256\$%' THEN 'SCRAM'
		                ELSE 'other' END), '; ' ORDER BY r.rolname)
		  FROM pg_roles AS r JOIN pg_authid AS a ON a.oid = r.oid
		 WHERE r.rolname LIKE 'astro\_%\_login'") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}

# never_logged SECRET: the server log shows the script's run, but not
# SECRET.
never_logged() {
	grep -q have_passwords "$PG_PRIVATE/postgresql.log" ||
		{ echo "the script's statements were not logged at all"; return 1; }
	! grep -n "$1" "$PG_PRIVATE/postgresql.log"
}

as_login() {
	_role=$1
	shift
	psql -X -U "$_role" -v ON_ERROR_STOP=1 "$@"
}

none="astro_board_login LOGIN INHERIT in astro_board, password none; \
astro_hours_login LOGIN INHERIT in astro_hours, password none; \
astro_signup_login LOGIN INHERIT in astro_signup, password none"
scram="astro_board_login LOGIN INHERIT in astro_board, password SCRAM; \
astro_hours_login LOGIN INHERIT in astro_hours, password SCRAM; \
astro_signup_login LOGIN INHERIT in astro_signup, password SCRAM"

# clones_are EXPECTED: the twins, as state_is shows the login roles.
clones_are() {
	_have=$(psql -XAt -d postgres -c "
		SELECT string_agg(format('%s in %s, password %s', r.rolname,
		           (SELECT string_agg(g.rolname, ' and ' ORDER BY g.rolname)
		              FROM pg_auth_members AS m JOIN pg_roles AS g ON g.oid = m.roleid
		             WHERE m.member = r.oid),
		           CASE WHEN a.rolpassword IS NULL THEN 'none' ELSE 'set' END), '; ' ORDER BY r.rolname)
		  FROM pg_roles AS r JOIN pg_authid AS a ON a.oid = r.oid
		 WHERE r.rolname LIKE 'astro\_%\_login\_clone' AND r.rolcanlogin AND r.rolinherit") || return 1
	[ "$_have" = "$1" ] || { echo "have: $_have"; echo "want: $1"; return 1; }
}

# verifier ROLE: the stored password verifier of ROLE.
verifier() {
	psql -XAt -d postgres -c "SELECT coalesce(rolpassword, 'none') FROM pg_authid WHERE rolname = '$1'"
}

clones_none="astro_board_login_clone in astro_board, password none; \
astro_hours_login_clone in astro_hours, password none; \
astro_signup_login_clone in astro_signup, password none"

pg_plan 21

pg_fails 'before sqitch deploy, the script refuses to run' \
	logins -v signup_password= -v hours_password= -v board_password=
pg_ok '... and creates nothing' state_is ''

pg_database || exit 1

pg_ok 'after deploy, it creates the three login roles without passwords' \
	logins -v signup_password= -v hours_password= -v board_password=
pg_ok '... each a LOGIN role that inherits its group role' state_is "$none"
pg_ok '... and each twin for the rotation, in the same group' clones_are "$clones_none"

# From here on the server logs every statement, except those the script
# keeps out because they carry a password.
psql -Xq -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' \
	>/dev/null || exit 1
n=0
until [ "$(psql -XAt -c 'SHOW log_statement')" = all ]; do
	n=$((n + 1))
	[ "$n" -lt 50 ] || { echo "# log_statement never became 'all'" >&2; exit 1; }
	sleep 0.1
done

pg_ok 'run again, it sets the passwords given, quotes and all' \
	logins -v signup_password='never-logged-signup' -v hours_password="it's-never-logged" \
		-v board_password='never-logged-board'
pg_ok '... stored as SCRAM verifiers, with one membership each' state_is "$scram"
pg_ok '... and no password reached the server log' never_logged 'never-logged'

pg_fails 'with a password variable missing, it refuses to run' \
	logins -v signup_password= -v hours_password=
pg_ok '... and changes nothing' state_is "$scram"

pg_ok 'astro_hours_login reads totals' \
	as_login astro_hours_login -c 'SELECT id, name, total_hours FROM astro.astronauts'
pg_fails 'astro_hours_login cannot read password hashes' \
	as_login astro_hours_login -c 'SELECT password_hash FROM astro.astronauts'

pg_ok 'run with empty passwords, it removes them' \
	logins -v signup_password= -v hours_password= -v board_password=
pg_ok '... leaving the roles otherwise as they were' state_is "$none"

pg_ok 'with the secret naming the twin, the twin gets the password' \
	logins -v signup_password=sign-one -v hours_password=hours-one -v board_password=board-one
before=$(verifier astro_signup_login)
pg_ok '... after a rotation to the twin' \
	logins -v signup_user=astro_signup_login_clone -v signup_password=sign-two \
		-v hours_password=hours-one -v board_password=board-one
pg_ok '... and the login running tasks hold keeps its password' \
	sh -c "[ '$before' != none ] && [ \"\$(psql -XAt -d postgres -c \"SELECT rolpassword FROM pg_authid WHERE rolname = 'astro_signup_login'\")\" = '$before' ]"
pg_ok '... the twin has one, the other twins none' clones_are "astro_board_login_clone in astro_board, password none; \
astro_hours_login_clone in astro_hours, password none; \
astro_signup_login_clone in astro_signup, password set"
pg_ok '... and reads what signup may' \
	as_login astro_signup_login_clone -c 'SELECT id, name, name_skeleton, password_hash FROM astro.astronauts'
twins=$(psql -XAt -d postgres -c "SELECT string_agg(rolname || coalesce(rolpassword, ''), ',' ORDER BY rolname) FROM pg_authid WHERE rolname LIKE 'astro%login%'")
pg_fails "a user that is not one of the service's two roles is refused" \
	logins -v signup_user=astro_admin -v signup_password=x -v hours_password=hours-one -v board_password=board-one
pg_ok '... and changes nothing' \
	sh -c "[ \"\$(psql -XAt -d postgres -c \"SELECT string_agg(rolname || coalesce(rolpassword, ''), ',' ORDER BY rolname) FROM pg_authid WHERE rolname LIKE 'astro%login%'\")\" = '$twins' ]"
