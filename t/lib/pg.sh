# Shared helpers for the SQL tests (t/9xxx). Source it: it defines
# functions, makes a scratch folder and sets an EXIT trap; it starts no
# server by itself.
#
#   pg_server [--private]  reach a PostgreSQL server as a superuser: the
#                          one at $PGHOST if it answers, otherwise a
#                          private cluster in a temporary folder; with
#                          --private, always a private cluster (for tests
#                          that change cluster-wide roles)
#   pg_database            create a uniquely named UTF-8 database, deploy
#                          the sqitch project into it, export PGDATABASE
#   pg_sqitch CMD ARGS...  run sqitch CMD on the project against
#                          $PGDATABASE; output goes to a log, shown on
#                          failure
#   pg_tap FILE [ARGS...]  run a pgTAP file in $PGDATABASE; its output is
#                          the test's TAP, its status psql's
#   pg_plan N / pg_ok DESC CMD... / pg_fails DESC CMD... / pg_skip DESC WHY
#                          TAP for tests written in shell: CMD must
#                          succeed (pg_ok) or fail (pg_fails); its output
#                          becomes diagnostics when it does not
#
# On exit, whatever the outcome, every database created here is dropped,
# a private cluster is stopped and its folder deleted. $PG_SCRATCH is a
# private temporary folder for the test's own files, deleted too.

PG_ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PATH=$PGBIN:$PATH
# Test files hold UTF-8 literals; name the connections after the test,
# so that a leftover session says where it came from.
PGCLIENTENCODING=UTF8
PGAPPNAME=$(basename "$0")
export PATH PGCLIENTENCODING PGAPPNAME

PG_SCRATCH=$(mktemp -d) || exit 1
# The server of a private cluster runs as the stack user (scripts/pg),
# which must be able to reach the cluster folder inside.
chmod 0711 "$PG_SCRATCH"
PG_PRIVATE=
PG_DATABASES=
PG_TAP_COUNT=0

pg_cleanup() {
	_status=$?
	trap - EXIT
	for _db in $PG_DATABASES; do
		psql -Xq -d postgres -c "DROP DATABASE IF EXISTS \"$_db\" WITH (FORCE)" \
			>/dev/null 2>"$PG_SCRATCH/cleanup.log" ||
			{ echo "# could not drop database $_db:" >&2; cat "$PG_SCRATCH/cleanup.log" >&2; }
	done
	if [ -n "$PG_PRIVATE" ]; then
		"$PG_ROOT/scripts/pg" stop "$PG_PRIVATE" >&2 ||
			echo "# could not stop the private cluster in $PG_PRIVATE" >&2
	fi
	rm -rf "$PG_SCRATCH"
	exit "$_status"
}
trap pg_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

pg_server() {
	if [ "${1:-}" != --private ] && [ -n "${PGHOST:-}" ]; then
		if pg_isready -q -t 5; then
			PGUSER=${PGUSER:-postgres}
			export PGHOST PGUSER
			return 0
		fi
		echo "# PGHOST=$PGHOST does not answer; starting a private cluster" >&2
	fi
	PG_PRIVATE=$PG_SCRATCH/cluster
	"$PG_ROOT/scripts/pg" start "$PG_PRIVATE" >&2 || {
		echo "# could not start a private cluster" >&2
		return 1
	}
	unset PGPORT PGHOSTADDR PGSERVICE PGPASSWORD
	eval "$("$PG_ROOT/scripts/pg" env "$PG_PRIVATE")"
	export PGHOST PGUSER PGDATABASE
}

# The name carries the test and the process, for whoever finds it in a
# shared cluster, and random bits, so that concurrent runs never meet.
pg_database() {
	_name=$(basename "$0" .t | tr -c 'a-zA-Z0-9\n' _ | tr 'A-Z' 'a-z')
	_db=t${_name}_$$_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
	psql -Xq -v ON_ERROR_STOP=1 -d postgres -c \
		"CREATE DATABASE \"$_db\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'" ||
		return 1
	PG_DATABASES="$PG_DATABASES $_db"
	PGDATABASE=$_db
	export PGDATABASE
	pg_sqitch deploy
}

pg_sqitch() {
	_cmd=$1
	shift
	sqitch --chdir "$PG_ROOT/sql/migrations" "$_cmd" --target "db:pg:$PGDATABASE" "$@" \
		>"$PG_SCRATCH/sqitch.log" 2>&1 || {
		sed 's/^/# /' "$PG_SCRATCH/sqitch.log" >&2
		echo "# sqitch $_cmd failed on $PGDATABASE" >&2
		return 1
	}
}

pg_tap() {
	_file=$1
	shift
	psql -XAtq -v ON_ERROR_STOP=1 -f "$_file" "$@"
}

pg_plan() {
	echo "1..$1"
}

pg_ok() {
	_desc=$1
	shift
	PG_TAP_COUNT=$((PG_TAP_COUNT + 1))
	if "$@" >"$PG_SCRATCH/step.log" 2>&1; then
		echo "ok $PG_TAP_COUNT - $_desc"
	else
		echo "not ok $PG_TAP_COUNT - $_desc"
		sed 's/^/# /' "$PG_SCRATCH/step.log"
	fi
}

pg_fails() {
	_desc=$1
	shift
	PG_TAP_COUNT=$((PG_TAP_COUNT + 1))
	if "$@" >"$PG_SCRATCH/step.log" 2>&1; then
		echo "not ok $PG_TAP_COUNT - $_desc"
		echo "# succeeded, but should have failed:"
		sed 's/^/# /' "$PG_SCRATCH/step.log"
	else
		echo "ok $PG_TAP_COUNT - $_desc"
	fi
}

pg_skip() {
	PG_TAP_COUNT=$((PG_TAP_COUNT + 1))
	echo "ok $PG_TAP_COUNT - $1 # skip $2"
}
