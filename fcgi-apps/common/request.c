#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"

static const char *
param(FCGX_Request *fr, const char *name)
{
	return FCGX_GetParam(name, fr->envp);
}

void
request_parse(struct ctx *ctx, FCGX_Request *fr, char request_id[65])
{
	struct req *r = &ctx->req;
	const char *s;
	char *end;

	memset(r, 0, sizeof(*r));
	r->method_name = (s = param(fr, "REQUEST_METHOD")) ? s : "";
	if (strcmp(r->method_name, "GET") == 0)
		r->method = HTTP_GET;
	else if (strcmp(r->method_name, "HEAD") == 0)
		r->method = HTTP_HEAD;
	else if (strcmp(r->method_name, "POST") == 0)
		r->method = HTTP_POST;
	r->path = (s = param(fr, "DOCUMENT_URI")) ? s : "";
	r->query = (s = param(fr, "QUERY_STRING")) ? s : "";
	r->cookie = param(fr, "HTTP_COOKIE");
	r->accept = param(fr, "HTTP_ACCEPT");
	r->host = param(fr, "HTTP_HOST");
	r->origin = param(fr, "HTTP_ORIGIN");
	r->fetch_site = param(fr, "HTTP_SEC_FETCH_SITE");
	r->content_type = param(fr, "CONTENT_TYPE");
	s = param(fr, "HTTP_X_FORWARDED_PROTO");
	r->https = s != NULL && strcasecmp(s, "https") == 0;
	http_request_id(param(fr, "REQUEST_ID"), request_id);
	r->request_id = request_id;
	r->content_length = -1;
	if ((s = param(fr, "CONTENT_LENGTH")) != NULL && *s != '\0') {
		errno = 0;
		r->content_length = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || r->content_length < 0)
			r->content_length = -2; /* present but not a number */
	}
	r->body = "";
}

enum result
request_body(struct ctx *ctx, FCGX_Stream *in)
{
	struct req *r = &ctx->req;
	const char *ct = r->content_type ? r->content_type : "";
	size_t want, got = 0;
	char *body;
	int n;

	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';')) {
		ctx->resp.status = 415;
		return RESULT_BAD_REQUEST;
	}
	if (r->content_length == -2)
		return RESULT_BAD_REQUEST;
	if (r->content_length > (long)ctx->cfg->max_body)
		return RESULT_TOO_LARGE;
	want = r->content_length < 0 ? 0 : (size_t)r->content_length;
	if ((body = arena_alloc(&ctx->arena, want + 1)) == NULL)
		return RESULT_TOO_LARGE;
	while (got < want) {
		/* Returns short only at the end of stdin, or when the
		 * exchange's deadline passed (deadline.c). */
		n = FCGX_GetStr(body + got, (int)(want - got), in);
		if (n <= 0)
			return RESULT_BAD_REQUEST; /* the body was cut short */
		got += (size_t)n;
	}
	body[got] = '\0';
	r->body = body;
	r->body_len = got;
	return RESULT_OK;
}

int
request_drain(FCGX_Stream *in, size_t max)
{
	char scrap[4096];
	size_t seen = 0;
	int n;

	while (seen <= max) {
		n = FCGX_GetStr(scrap, (int)sizeof(scrap), in);
		if (n <= 0)
			return FCGX_HasSeenEOF(in) == EOF &&
			       FCGX_GetError(in) == 0;
		seen += (size_t)n;
	}
	return 0;
}
