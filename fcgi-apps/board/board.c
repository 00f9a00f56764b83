#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_page.h"
#include "cursor.h"
#include "form.h"
#include "html.h"
#include "log.h"

static int board_page_size;

static enum valid_err valid_cursor(struct form_value *v,
                                   const struct valid_env *env);

const struct form_field board_fields[BOARD__MAX] = {
    [BOARD_AFTER] = {"after", CURSOR_MAX, valid_cursor},
};

int
board_init(const struct config *cfg)
{
	if (crypto_secret_load() == -1) {
		log_error("%s must be set, to at least %d characters",
		          SECRET_ENV, SECRET_MIN_CHARS);
		return -1;
	}
	board_page_size = cfg->board_page_size;
	return board_page_init(cfg->html_dir);
}

static enum valid_err
valid_cursor(struct form_value *v, const struct valid_env *env)
{
	struct cursor c;

	(void)env;
	if (v->len == 0)
		return VALID_OK;
	return cursor_parse(v->s, v->len, &c) == 0 ? VALID_OK : VALID_BAD_TOKEN;
}

/* An id as PostgreSQL writes a bigint: digits (strtoll, with its locale
 * and its checks, would cost more than the rest of the row). */
static long long
board_id(const char *s)
{
	long long id = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		id = id * 10 + (*s - '0');
	return id;
}

/*
 * Reads one page: at most board_page_size rows into rows[], with ranks
 * that continue from the cursor (competition ranking: equal totals
 * share a rank, and the next rank skips). Sets *more if a row follows.
 * The rows point into *res, which the caller clears once the page is
 * written.
 */
static enum result
board_fetch(struct ctx *ctx, const struct cursor *c, struct board_row *rows,
            int *nrows, int *more, PGresult **resp)
{
	char limit[16];
	const char *params[3];
	PGresult *res;
	enum db_rc rc;
	const char *prev_total = c->set ? c->total : NULL;
	long pos = c->set ? c->pos : 0, rank = c->set ? c->rank : 0;
	int i, n, fid, fname, fhours;

	snprintf(limit, sizeof(limit), "%d", board_page_size + 1);
	if (c->set) {
		params[0] = c->total;
		params[1] = c->id;
		params[2] = limit;
		rc = db_exec(&ctx->db, STMT_BOARD_AFTER, 3, params, NULL, NULL,
		             &res);
	} else {
		params[0] = limit;
		rc = db_exec(&ctx->db, STMT_BOARD_FIRST, 1, params, NULL, NULL,
		             &res);
	}
	if (rc != DB_OK)
		return result_from_db(rc, &ctx->db, "board");
	n = PQntuples(res);
	*more = n > board_page_size;
	if (*more)
		n = board_page_size;
	fid = PQfnumber(res, "id");
	fname = PQfnumber(res, "name");
	fhours = PQfnumber(res, "total_hours");
	for (i = 0; i < n; i++) {
		rows[i].id = board_id(PQgetvalue(res, i, fid));
		rows[i].name = PQgetvalue(res, i, fname);
		rows[i].name_len = (size_t)PQgetlength(res, i, fname);
		rows[i].hours = PQgetvalue(res, i, fhours);
		pos++;
		if (prev_total == NULL ||
		    strcmp(prev_total, rows[i].hours) != 0)
			rank = pos;
		rows[i].rank = rank;
		prev_total = rows[i].hours;
	}
	*nrows = n;
	*resp = res;
	return RESULT_OK;
}

/* The query string of the page after rows (which must not be empty), or
 * NULL when out of memory. */
static const char *
board_next(struct ctx *ctx, const struct cursor *c,
           const struct board_row *rows, int n)
{
	long pos = (c->set ? c->pos : 0) + n;
	char mac[TOKEN_B64_LEN + 1];
	const char *cur;

	cur = arena_printf(&ctx->arena, "%s,%lld,%ld,%ld", rows[n - 1].hours,
	                   rows[n - 1].id, pos, rows[n - 1].rank);
	if (cur == NULL || cursor_mac(cur, strlen(cur), mac) == -1)
		return NULL;
	return arena_printf(&ctx->arena, "after=%s,%s", cur, mac);
}

/* Parses the query and loads the viewer and the page. */
static enum result
board_load(struct ctx *ctx, struct cursor *c, struct board_row **rows, int *n,
           int *more, PGresult **res)
{
	struct form_value *vals = ctx->form;

	if (!form_valid(vals, BOARD__MAX))
		return RESULT_BAD_REQUEST;
	if (vals[BOARD_AFTER].len > 0)
		cursor_parse(vals[BOARD_AFTER].s, vals[BOARD_AFTER].len, c);
	else
		memset(c, 0, sizeof(*c));
	*rows =
	    arena_alloc(&ctx->arena, sizeof(**rows) * (size_t)board_page_size);
	if (*rows == NULL)
		return RESULT_ERROR;
	return board_fetch(ctx, c, *rows, n, more, res);
}

/*
 * A JSON route answers its errors in JSON too:
 * {"error":"...","status":400}. Returns RESULT_OK with the response
 * filled, or rc itself when there is no JSON for it.
 */
static enum result
board_json_error(struct ctx *ctx, enum result rc)
{
	static const struct {
		int status;
		const char *error;
	} errs[] = {
	    [RESULT_BAD_REQUEST] = {400, "This page link is not one the board "
	                                 "made. Start again from /board.json."},
	    [RESULT_NOT_FOUND] = {404, "Not found."},
	    [RESULT_DB_UNAVAILABLE] = {503, "The board is unavailable for a "
	                                    "moment. Please try again."},
	    [RESULT_ERROR] = {500, "Something went wrong on our side."},
	};
	struct buf *out = &ctx->resp.body;
	char retry[16];

	if ((size_t)rc >= sizeof(errs) / sizeof(errs[0]) ||
	    errs[rc].error == NULL)
		return rc;
	buf_reset(out);
	buf_puts(out, "{\"error\":");
	json_string(out, errs[rc].error, strlen(errs[rc].error));
	buf_printf(out, ",\"status\":%d}\n", errs[rc].status);
	if (buf_failed(out))
		return rc;
	if (rc == RESULT_DB_UNAVAILABLE) {
		snprintf(retry, sizeof(retry), "%d", db_retry_after(&ctx->db));
		resp_header(&ctx->resp, "Retry-After", retry);
	}
	ctx->resp.status = errs[rc].status;
	ctx->resp.content_type = "application/json";
	ctx->cache_control = "no-store";
	return RESULT_OK;
}

static enum result
board_serve(struct ctx *ctx, int json)
{
	struct cursor c;
	struct board_row *rows = NULL;
	struct board_page page;
	PGresult *res = NULL;
	int n = 0, more = 0;
	enum result rc;

	rc = board_load(ctx, &c, &rows, &n, &more, &res);
	if (rc == RESULT_OK) {
		page.rows = rows;
		page.n = n;
		page.paged = c.set;
		page.next = more ? board_next(ctx, &c, rows, n) : NULL;
		if (more && page.next == NULL)
			rc = RESULT_ERROR;
		else
			rc = json ? board_page_json(ctx, &page)
			          : board_page_html(ctx, &page);
	}
	PQclear(res);
	return json && rc != RESULT_OK ? board_json_error(ctx, rc) : rc;
}

enum result
board_html(struct ctx *ctx)
{
	return board_serve(ctx, http_wants_json(ctx->req.accept));
}

enum result
board_json(struct ctx *ctx)
{
	return board_serve(ctx, 1);
}
