#include <string.h>

#include "dispatch.h"
#include "log.h"
#include "request.h"
#include "result.h"
#include "session.h"

static const struct route *
dispatch_find(const struct app *app, const char *path)
{
	int i;

	for (i = 0; i < app->nroutes; i++)
		if (strcmp(app->routes[i].path, path) == 0)
			return &app->routes[i];
	return NULL;
}

/* Parses the POST body or the GET query into ctx->form, if the route
 * has a table for it. */
static enum result
dispatch_form(struct ctx *ctx)
{
	const struct route *route = ctx->route;
	const struct form_field *fields = route->query_form;
	const char *data = ctx->req.query;
	size_t n = (size_t)route->nquery, len = strlen(data);

	if (ctx->req.method == HTTP_POST) {
		fields = route->post_form;
		n = (size_t)route->npost;
		data = ctx->req.body;
		len = ctx->req.body_len;
	}
	ctx->form = NULL;
	if (fields == NULL || n == 0)
		return RESULT_OK;
	ctx->form = arena_alloc(&ctx->arena, n * sizeof(*ctx->form));
	if (ctx->form == NULL)
		return RESULT_TOO_LARGE;
	if (form_parse(&ctx->arena, data, len, fields, n, ctx->form,
	               &ctx->env) != FORM_OK)
		return RESULT_BAD_REQUEST;
	return RESULT_OK;
}

/* 1 when the request may go on as far as CSRF is concerned. */
static int
dispatch_csrf_ok(struct ctx *ctx)
{
	const struct route *route = ctx->route;
	const struct form_value *v;

	if (ctx->req.method != HTTP_POST || route->csrf == CSRF_NONE)
		return 1;
	if (route->csrf == CSRF_IF_SIGNED_IN && !ctx->viewer.signed_in)
		return 1;
	if (ctx->form == NULL || route->csrf_field < 0 ||
	    route->csrf_field >= route->npost)
		return 0;
	v = &ctx->form[route->csrf_field];
	return v->err == VALID_OK && csrf_check(ctx, v->s, v->len);
}

static enum result
dispatch_route(struct ctx *ctx, FCGX_Stream *in)
{
	const struct route *route = ctx->route;
	unsigned allowed = route->methods;
	enum result rc;

	if (allowed & HTTP_GET)
		allowed |= HTTP_HEAD;
	if ((ctx->req.method & allowed) == 0) {
		ctx->resp.status = 405;
		return RESULT_BAD_REQUEST;
	}
	if ((route->hashes & ctx->req.method) && !ctx->hashing) {
		log_error("%s %s reached a page worker: the sidecar must send "
		          "it to FCGI_HASH_LISTEN",
		          ctx->req.method_name, route->path);
		return RESULT_ERROR;
	}
	if (ctx->req.method == HTTP_POST &&
	    (rc = request_body(ctx, in)) != RESULT_OK)
		return rc;
	if ((rc = viewer_load(ctx)) != RESULT_OK)
		return rc;
	if (route->access == ROUTE_SIGNED_IN && !ctx->viewer.signed_in) {
		resp_redirect(&ctx->resp, 303, "/login");
		return RESULT_OK;
	}
	if ((rc = dispatch_form(ctx)) != RESULT_OK)
		return rc;
	if (!dispatch_csrf_ok(ctx))
		return route->expired ? route->expired(ctx) : RESULT_FORBIDDEN;
	return route->fn(ctx);
}

void
dispatch(struct ctx *ctx, FCGX_Stream *in)
{
	ctx->route = dispatch_find(ctx->app, ctx->req.path);
	result_page(ctx,
	            ctx->route ? dispatch_route(ctx, in) : RESULT_NOT_FOUND);
}
