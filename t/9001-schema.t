#!/bin/sh
# Schema astro has the tables, columns, constraints, indexes, functions
# and triggers the services are written against, and the board, log-in,
# session and purge queries are planned on their indexes.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/schema.sql"
