#!/bin/sh
# At most 24 hours per astronaut per date, whatever the statement.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/daily-cap.sql"
