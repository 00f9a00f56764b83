#include <string.h>

#include "board_page.h"
#include "html.h"
#include "page.h"

static struct tmpl *board_tmpl;

int
board_page_init(const char *html_dir)
{
	board_tmpl = page_load(html_dir, "board.html");
	return board_tmpl != NULL ? 0 : -1;
}

/* Anonymous pages are the same for everyone for a second: nginx's
 * micro-cache and browsers may keep them that long. */
static void
board_page_cache(struct ctx *ctx)
{
	ctx->cache_control =
	    ctx->viewer.has_token ? "private, no-store" : "public, max-age=1";
	resp_header(&ctx->resp, "Vary", "Accept, Cookie");
}

/* A rank's digits, written backwards from the end of buf (ranks are
 * positive; printf would cost more than the rest of the row). Returns
 * where they start; *len is their number. */
static const char *
board_rank_text(char buf[24], long rank, size_t *len)
{
	char *end = buf + 24, *p = end;
	unsigned long u = rank > 0 ? (unsigned long)rank : 0;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	*len = (size_t)(end - p);
	return p;
}

/*
 * {"astronauts":[{"rank":1,"name":"...","hours":111.0},...],"next":...}
 * hours is the database's own text (numeric(8,1), so 111.0 stays 111.0),
 * which is a valid JSON number.
 */
enum result
board_page_json(struct ctx *ctx, const struct board_page *p)
{
	struct buf *out = &ctx->resp.body;
	char digits[24];
	const char *rank;
	size_t len;
	int i;

	buf_puts(out, "{\"astronauts\":[");
	for (i = 0; i < p->n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		rank = board_rank_text(digits, p->rows[i].rank, &len);
		buf_puts(out, "{\"rank\":");
		buf_append(out, rank, len);
		buf_puts(out, ",\"name\":");
		json_string(out, p->rows[i].name, p->rows[i].name_len);
		buf_puts(out, ",\"hours\":");
		buf_puts(out, p->rows[i].hours);
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"next\":");
	if (p->next != NULL) {
		buf_puts(out, "\"/board.json?");
		buf_puts(out, p->next);
		buf_putc(out, '"');
	} else
		buf_puts(out, "null");
	buf_puts(out, "}\n");
	if (buf_failed(out))
		return RESULT_ERROR;
	ctx->resp.content_type = "application/json";
	board_page_cache(ctx);
	return RESULT_OK;
}

/* The values of html/board.html's {{#rows}} item, set in place for each
 * row in turn. */
struct board_html_rows {
	const struct board_page *page;
	long long me; /* the viewer's id, or 0 */
	struct tval *rank, *name, *hours, *podium, *mine;
	char rank_text[24];
};

static int
board_html_row(void *arg, size_t i)
{
	struct board_html_rows *h = arg;
	const struct board_row *r = &h->page->rows[i];
	const char *rank;
	size_t len;

	/* Digits need no escaping: only the name is looked at byte by
	 * byte. */
	rank = board_rank_text(h->rank_text, r->rank, &len);
	tval_set_plain(h->rank, rank, len);
	tval_set(h->name, r->name, r->name_len);
	tval_set_plain(h->hours, r->hours, strlen(r->hours));
	tval_flag(h->podium, r->rank <= 3);
	tval_flag(h->mine, h->me != 0 && r->id == h->me);
	return 0;
}

enum result
board_page_html(struct ctx *ctx, const struct board_page *p)
{
	struct board_html_rows *h;
	struct tdict *d, *item;
	enum result rc;

	if ((d = tdict_new(&ctx->arena)) == NULL ||
	    (h = arena_alloc(&ctx->arena, sizeof(*h))) == NULL ||
	    (item = tdict_rows(d, "rows", (size_t)p->n, board_html_row, h)) ==
	        NULL)
		return RESULT_ERROR;
	h->page = p;
	h->me = ctx->viewer.signed_in ? ctx->viewer.id : 0;
	if ((h->rank = tdict_val(item, "rank")) == NULL ||
	    (h->name = tdict_val(item, "name")) == NULL ||
	    (h->hours = tdict_val(item, "hours")) == NULL ||
	    (h->podium = tdict_val(item, "podium")) == NULL ||
	    (h->mine = tdict_val(item, "me")) == NULL)
		return RESULT_ERROR;
	if (tdict_flag(d, "empty", p->n == 0 && !p->paged) == -1 ||
	    tdict_flag(d, "has_rows", p->n > 0) == -1 ||
	    tdict_flag(d, "paged", p->paged) == -1 ||
	    tdict_set(d, "next", p->next ? p->next : "") == -1)
		return RESULT_ERROR;
	rc = page_render(ctx, 200, TAB_BOARD, "Board", board_tmpl, d);
	board_page_cache(ctx);
	return rc;
}
