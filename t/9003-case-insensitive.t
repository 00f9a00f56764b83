#!/bin/sh
# Names are unique case-insensitively, beyond ASCII too: 'Buzz', 'buzz'
# and 'BUZZ' are one name, and so are 'Åsa' and 'åsa'.
. "$(dirname "$0")/lib/pg.sh"

pg_server || exit 1
pg_database || exit 1
pg_tap "$PG_ROOT/t/sql/case-insensitive.sql"
