#!/bin/sh
# The name policy as the schema enforces it, as the signup service's role.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/name-policy.sql"
