/*
 * board_rows: the board's rows, shared by every view in this process.
 *
 * Each worker keeps a snapshot of the board pages it served lately,
 * keyed by where they start (the top, or a signed page link): up to
 * BOARD_ROWS_PAGES pages, each at most BOARD_SNAPSHOT_MS (1 s by default)
 * old by the monotonic clock. A page older than that, or not held, is
 * read from the database again, whoever asks: an anonymous visitor, a
 * signed-in one, the page or its JSON. So a worker reads each page at
 * most once a second however many views it serves, and every view is at
 * most a second stale, as the sidecar's micro-cached anonymous board is.
 *
 * Pages are held, not the whole board: the top page is what nearly
 * every view asks for, and a deep page is read again only when it is
 * asked for again. A page link holds the total, id, position and rank of
 * the row before it, so a page read from a newer snapshot continues the
 * ranks where the link's page left off, exactly as it did without one.
 *
 * The rows hold nothing of any viewer: what is the viewer's own
 * (their row marked, the tabs, the log-out form) is added per request by
 * board_page.c.
 */
#ifndef BOARD_ROWS_H
#define BOARD_ROWS_H

#include "app.h"
#include "board_page.h"
#include "cursor.h"

#define BOARD_ROWS_PAGES 16

/* page_size rows a page; pages kept at most max_age_ms (0: every view
 * reads the database). */
void board_rows_init(int page_size, int max_age_ms);

/*
 * The page after the page link key[0..len) (its after= value, checked
 * already; "" for the top) into *page. Its rows and links belong to the
 * snapshot and stay valid until the next call. Returns RESULT_OK,
 * RESULT_BAD_REQUEST for a link that is not the server's, or the
 * database's result (result_from_db).
 */
enum result board_rows_page(struct ctx *ctx, const char *key, size_t len,
                            struct board_page *page);

#endif
