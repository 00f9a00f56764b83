#!/bin/sh
# Logging, changing, moving, deleting and truncating entries keeps every
# astronaut's total equal to the sum of their entries.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/totals.sql"
