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

/*
 * {"astronauts":[{"rank":1,"name":"...","hours":111.0},...],"next":...}
 * hours is the database's own text (numeric(8,1), so 111.0 stays 111.0),
 * which is a valid JSON number.
 */
enum result
board_page_json(struct ctx *ctx, const struct board_page *p)
{
	struct buf *out = &ctx->resp.body;
	int i;

	buf_puts(out, "{\"astronauts\":[");
	for (i = 0; i < p->n; i++) {
		buf_printf(out, "%s{\"rank\":%ld,\"name\":", i ? "," : "",
		           p->rows[i].rank);
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

enum result
board_page_html(struct ctx *ctx, const struct board_page *p)
{
	const struct board_row *r;
	struct tdict *d, *item;
	int i;
	enum result rc;

	if ((d = tdict_new(&ctx->arena)) == NULL)
		return RESULT_ERROR;
	for (i = 0; i < p->n; i++) {
		r = &p->rows[i];
		if ((item = tdict_push(d, "rows")) == NULL ||
		    tdict_setint(item, "rank", r->rank) == -1 ||
		    tdict_setn(item, "name", r->name, r->name_len) == -1 ||
		    tdict_set(item, "hours", r->hours) == -1 ||
		    tdict_flag(item, "podium", r->rank <= 3) == -1 ||
		    tdict_flag(item, "me",
		               ctx->viewer.signed_in &&
		                   ctx->viewer.id == r->id) == -1)
			return RESULT_ERROR;
	}
	if (tdict_flag(d, "empty", p->n == 0 && !p->paged) == -1 ||
	    tdict_flag(d, "has_rows", p->n > 0) == -1 ||
	    tdict_flag(d, "paged", p->paged) == -1 ||
	    tdict_set(d, "next", p->next ? p->next : "") == -1)
		return RESULT_ERROR;
	rc = page_render(ctx, 200, TAB_BOARD, "Board", board_tmpl, d);
	board_page_cache(ctx);
	return rc;
}
