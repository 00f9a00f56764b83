#include <stdio.h>
#include <string.h>

#include "html.h"
#include "log.h"
#include "page.h"
#include "session.h"

static struct tmpl *page_layout;
static struct tmpl *page_error_tmpl;

struct tmpl *
page_load(const char *html_dir, const char *name)
{
	char path[1024], err[256];
	struct tmpl *t;

	snprintf(path, sizeof(path), "%s/%s", html_dir, name);
	if ((t = tmpl_load(path, err, sizeof(err))) == NULL)
		log_error("template %s: %s", path, err);
	return t;
}

int
page_init(const char *html_dir)
{
	page_layout = page_load(html_dir, "layout.html");
	page_error_tmpl = page_load(html_dir, "error.html");
	return page_layout != NULL && page_error_tmpl != NULL ? 0 : -1;
}

static int
page_layout_values(struct ctx *ctx, enum tab tab, const char *title,
                   struct tdict *d)
{
	const char *csrf;

	if (tdict_set(d, "title", title) == -1 ||
	    tdict_flag(d, "tab_board", tab == TAB_BOARD) == -1 ||
	    tdict_flag(d, "tab_hours", tab == TAB_HOURS) == -1 ||
	    tdict_flag(d, "tab_signup", tab == TAB_SIGNUP) == -1 ||
	    tdict_flag(d, "tab_login", tab == TAB_LOGIN) == -1 ||
	    tdict_flag(d, "signed_in", ctx->viewer.signed_in) == -1)
		return -1;
	if (!ctx->viewer.signed_in)
		return 0;
	if ((csrf = csrf_token(ctx)) == NULL)
		return -1;
	if (tdict_set(d, "viewer_name", ctx->viewer.name) == -1 ||
	    tdict_set(d, "logout_csrf", csrf) == -1)
		return -1;
	return 0;
}

enum result
page_render(struct ctx *ctx, int status, enum tab tab, const char *title,
            const struct tmpl *t, struct tdict *d)
{
	const char *what = "";
	int rc;

	if (page_layout_values(ctx, tab, title, d) == -1 ||
	    tdict_template(d, "content", t, d) == -1) {
		log_error("page %s: no memory for layout values", title);
		return RESULT_ERROR;
	}
	/* The page's content is written in place, straight into the
	 * response: no copy of it is made. */
	buf_reset(&ctx->resp.body);
	rc = tmpl_render(page_layout, d, &ctx->resp.body, &what);
	if (rc == -1) {
		log_error("page %s: template failed at %s", title, what);
		return RESULT_ERROR;
	}
	ctx->resp.status = status;
	ctx->resp.content_type = "text/html; charset=utf-8";
	return RESULT_OK;
}

/* A client that asked for JSON (a .json address, or an Accept that
 * prefers it to HTML) reads errors as JSON too. */
static int
page_wants_json(const struct ctx *ctx)
{
	const char *path = ctx->req.path ? ctx->req.path : "";
	size_t n = strlen(path);

	return (n >= 5 && strcmp(path + n - 5, ".json") == 0) ||
	       http_wants_json(ctx->req.accept);
}

/* {"error":"message","status":N}; RESULT_OK, or RESULT_ERROR when the
 * body exceeded its bound. */
static enum result
page_error_json(struct ctx *ctx, int status, const char *message)
{
	struct buf *out = &ctx->resp.body;

	buf_reset(out);
	buf_puts(out, "{\"error\":");
	json_string(out, message, strlen(message));
	buf_printf(out, ",\"status\":%d}\n", status);
	ctx->resp.status = status;
	ctx->resp.content_type = "application/json";
	return buf_failed(out) ? RESULT_ERROR : RESULT_OK;
}

enum result
page_error(struct ctx *ctx, int status, const char *title, const char *message)
{
	struct tdict *d;

	if (page_wants_json(ctx))
		return page_error_json(ctx, status, message);
	if ((d = tdict_new(&ctx->arena)) == NULL ||
	    tdict_set(d, "message", message) == -1)
		return RESULT_ERROR;
	return page_render(ctx, status, TAB_NONE, title, page_error_tmpl, d);
}

int
page_field(struct tdict *d, const char *key, const struct form_value *v,
           int keep, const struct field_words *words)
{
	const char *vk, *ek, *msg = NULL;
	struct arena *a = tdict_arena(d);

	if ((vk = arena_printf(a, "%s_value", key)) == NULL ||
	    (ek = arena_printf(a, "%s_error", key)) == NULL)
		return -1;
	if (tdict_setn(d, vk, keep ? v->s : "", keep ? v->len : 0) == -1)
		return -1;
	if (v->err == VALID_OK)
		return 0;
	if (words != NULL)
		msg = words->msg[v->err];
	if (msg == NULL)
		msg = valid_message(v->err);
	return tdict_set(d, ek, msg);
}
