#!/bin/sh
# Every constraint refuses the values just outside its rule, accepts the
# values just inside, and names itself in the error the services see.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/constraints.sql"
