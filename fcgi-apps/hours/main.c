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
    [STMT_HOURS_SUMMARY] = {"hours_summary",
                            "SELECT total_hours, (SELECT count(*)"
                            " FROM astro.hours_entries"
                            " WHERE astronaut_id = $1) AS entries"
                            " FROM astro.astronauts WHERE id = $1",
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
