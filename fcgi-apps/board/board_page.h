/*
 * board_page: one page of the board, written as HTML (html/board.html in
 * the layout) or as JSON. The rows come from the database or from the
 * shared snapshot (board_snap.h); what this file adds is the viewer's
 * own part: their row marked "you", and the layout's tabs and log-out
 * form.
 */
#ifndef BOARD_PAGE_H
#define BOARD_PAGE_H

#include "app.h"

struct board_row {
	long long id;
	const char *name; /* NUL-terminated, name_len bytes */
	size_t name_len;
	const char *hours; /* the database's text of numeric(8,1): digits,
	                    * '.' and '-' only (board_rows.c checks), so
	                    * pages write it unescaped */
	long rank;
};

struct board_page {
	const struct board_row *rows;
	int n;
	int paged;        /* it starts after a cursor, not at the top */
	const char *next; /* "after=..." of the next page, or NULL */
};

/* Loads html/board.html. Returns 0, or -1 after logging. */
int board_page_init(const char *html_dir);
/* Writes p into ctx->resp. Returns RESULT_OK or RESULT_ERROR (logged,
 * or the response's bound). */
enum result board_page_html(struct ctx *ctx, const struct board_page *p);
enum result board_page_json(struct ctx *ctx, const struct board_page *p);

#endif
