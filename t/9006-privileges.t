#!/bin/sh
# The service roles hold exactly their grants: each can run its own
# statements and nothing else, and only the owner changes totals (the
# hours service raises them through the SECURITY DEFINER trigger).
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/privileges.sql"
