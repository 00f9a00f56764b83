/*
 * astro-board: everyone's total hours, highest first, as a page and as
 * JSON. GET /board, GET /board.json.
 */
#include "board.h"

static const struct route routes[] = {
    {.path = "/board",
     .methods = HTTP_GET,
     .fn = board_html,
     .access = ROUTE_ANYONE,
     .query_form = board_fields,
     .nquery = BOARD__MAX},
    {.path = "/board.json",
     .methods = HTTP_GET,
     .fn = board_json,
     .access = ROUTE_ANYONE,
     .query_form = board_fields,
     .nquery = BOARD__MAX},
};

/*
 * Keyset pagination: a page starts after the (total_hours, id) of the
 * last row of the previous one, so page 20 000 costs what page 1 costs.
 * The order is total_hours DESC, id ASC (ties: who signed up first).
 * Mixed directions cannot use one row comparison, so the next page is
 * the rest of the tie, then lower totals: two ranges of
 * astronauts_board_idx, each read in index order.
 *
 * A page comes back as one value, not one row per astronaut: libpq's
 * cost is per row and per field (about 640 instructions a row, most of
 * an uncached board's database path), and the worker reads a page at a
 * time anyway. Each astronaut is "ID HOURS NAMELEN NAME\n" in the
 * page's order, the name's length in bytes so that no character of a
 * name can break the format (board_rows.c reads it). The text of id and
 * total_hours is their output function's, as in a column of their own.
 */
static const struct db_stmt stmts[STMT__MAX] = {
    COMMON_STMTS,
    [STMT_BOARD_FIRST] = {"board_first",
                          "SELECT string_agg(id || ' ' || total_hours || ' '"
                          " || octet_length(name) || ' ' || name || chr(10), ''"
                          " ORDER BY total_hours DESC, id)"
                          " FROM (SELECT id, name, total_hours"
                          "  FROM astro.astronauts"
                          "  ORDER BY total_hours DESC, id LIMIT $1) AS page",
                          1, 0},
    [STMT_BOARD_AFTER] = {"board_after",
                          "SELECT string_agg(id || ' ' || total_hours || ' '"
                          " || octet_length(name) || ' ' || name || chr(10), ''"
                          " ORDER BY total_hours DESC, id)"
                          " FROM ((SELECT id, name, total_hours"
                          "   FROM astro.astronauts"
                          "   WHERE total_hours = $1 AND id > $2"
                          "   ORDER BY id LIMIT $3)"
                          "  UNION ALL"
                          "  (SELECT id, name, total_hours"
                          "   FROM astro.astronauts"
                          "   WHERE total_hours < $1"
                          "   ORDER BY total_hours DESC, id LIMIT $3)"
                          "  ORDER BY total_hours DESC, id LIMIT $3) AS page",
                          1, 0},
};

static const struct app board_app = {
    "board", routes,    sizeof(routes) / sizeof(routes[0]),
    stmts,   STMT__MAX, board_init,
};

int
main(int argc, char **argv)
{
	return server_main(&board_app, argc, argv);
}
