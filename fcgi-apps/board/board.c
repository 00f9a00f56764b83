#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_page.h"
#include "board_rows.h"
#include "cursor.h"
#include "form.h"
#include "html.h"
#include "log.h"

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
	board_rows_init(cfg->board_page_size, cfg->board_snapshot_ms);
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

/* Writes the page the query asks for (its link was checked by
 * valid_cursor) from the shared rows. */
static enum result
board_serve(struct ctx *ctx, int json)
{
	const struct form_value *after = &ctx->form[BOARD_AFTER];
	struct board_page page;
	enum result rc;

	if (!form_valid(ctx->form, BOARD__MAX))
		rc = RESULT_BAD_REQUEST;
	else
		rc = board_rows_page(ctx, after->len > 0 ? after->s : "",
		                     after->len, &page);
	if (rc == RESULT_OK)
		rc = json ? board_page_json(ctx, &page)
		          : board_page_html(ctx, &page);
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
