/*
 * astro-hours: an astronaut's own log. GET /hours shows the form, the
 * latest entries and the total; POST /hours logs an entry.
 */
#include "hours.h"

static const struct route routes[] = {
    {.path = "/hours",
     .methods = HTTP_GET | HTTP_POST,
     .fn = hours_page,
     .access = ROUTE_SIGNED_IN,
     .post_form = hours_fields,
     .npost = HOURS__MAX,
     .csrf = CSRF_ALWAYS,
     .csrf_field = HOURS_CSRF,
     .expired = hours_expired,
     .query_form = hours_query_fields,
     .nquery = QUERY__MAX},
};

static const struct db_stmt stmts[STMT__MAX] = {
    COMMON_STMTS,
    /* The trigger on hours_entries adds the hours to the astronaut's
     * total in the same transaction. The form's idempotency key makes a
     * second submission of the same form a no-op, which also makes this
     * statement safe to resend on a fresh connection. */
    [STMT_HOURS_INSERT] = {"hours_insert",
                           "INSERT INTO astro.hours_entries"
                           " (astronaut_id, hours, trained_on, note,"
                           " idempotency_key)"
                           " VALUES ($1, $2, $3, NULLIF($4, ''), $5)"
                           " ON CONFLICT (astronaut_id, idempotency_key)"
                           " DO NOTHING RETURNING id",
                           1, 1},
    [STMT_HOURS_LIST] = {"hours_list",
                         "SELECT hours, trained_on, note"
                         " FROM astro.hours_entries WHERE astronaut_id = $1"
                         " ORDER BY trained_on DESC, id DESC LIMIT $2",
                         1, 0},
    /* The trigger on hours_entries keeps both the total and the count
     * (change entry_counts): one row, whatever the astronaut's history. */
    [STMT_HOURS_SUMMARY] = {"hours_summary",
                            "SELECT total_hours, entry_count AS entries"
                            " FROM astro.astronauts WHERE id = $1",
                            1, 0},
    /* What a date can still take (never below 0 for dates from before
     * the cap); the totals trigger enforces the same 24. */
    [STMT_HOURS_DAY] =
        {"hours_day",
         "SELECT greatest(0, 24 - coalesce(sum(hours), 0))::numeric(3, 1)"
         " AS day_left FROM astro.hours_entries"
         " WHERE astronaut_id = $1 AND trained_on = $2",
         1, 0},
    /* A form sent again is answered from the entry its key stored, and
     * that entry may be on the primary alone: its first commit's wait
     * for the standby cut short (DB_UNKNOWN then). For a row found, a
     * transactional message of a few bytes in the WAL makes this
     * statement's own commit wait for the standby like any write (a
     * transaction id alone would not: PostgreSQL waits only for
     * transactions that wrote WAL), and the standby confirms WAL in
     * order, so "logged" is never said of an entry a failover could
     * lose. No row found (every first sending): nothing written, no
     * wait. Its answer may thus be unknown, hence "writes". */
    [STMT_HOURS_BY_KEY] =
        {"hours_by_key",
         "SELECT hours, trained_on, coalesce(note, '') AS note,"
         " pg_logical_emit_message(true, 'astro', 'sent again')"
         " AS synced"
         " FROM astro.hours_entries"
         " WHERE astronaut_id = $1 AND idempotency_key = $2",
         1, 1},
    /* Entries the astronaut made in the last $2 seconds, and how long
     * until the oldest of them leaves that window. */
    [STMT_HOURS_RECENT] =
        {"hours_recent",
         "SELECT count(*) AS n, coalesce(ceil(extract(epoch"
         " FROM min(created_at) + make_interval(secs => $2)"
         " - now())), 1) AS wait FROM astro.hours_entries"
         " WHERE astronaut_id = $1"
         " AND created_at > now() - make_interval(secs => $2)",
         1, 0},
};

static const struct app hours_app = {
    "hours", routes,    sizeof(routes) / sizeof(routes[0]),
    stmts,   STMT__MAX, hours_init,
};

int
main(int argc, char **argv)
{
	return server_main(&hours_app, argc, argv);
}
