#include <stdio.h>

#include "log.h"
#include "response.h"

void
response_write(struct ctx *ctx, FCGX_Stream *out)
{
	struct resp *resp = &ctx->resp;
	char head[512];
	int n;

	if (buf_failed(&resp->body) || buf_failed(&resp->head)) {
		log_error("response for %s exceeded its bound", ctx->req.path);
		resp->status = 500;
		resp->content_type = "text/plain; charset=utf-8";
		buf_reset(&resp->head);
		buf_reset(&resp->body);
		buf_puts(&resp->body, "Internal server error\n");
	}
	/* libfcgi's own printf knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
	             "Status: %d %s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\nCache-Control: %s\r\n",
	             resp->status, http_reason(resp->status),
	             resp->content_type, resp->body.len,
	             ctx->cache_control ? ctx->cache_control : "no-store");
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, out);
	if (resp->head.len > 0)
		FCGX_PutStr(resp->head.data, (int)resp->head.len, out);
	FCGX_PutStr("\r\n", 2, out);
	if (ctx->req.method != HTTP_HEAD && resp->body.len > 0)
		FCGX_PutStr(resp->body.data, (int)resp->body.len, out);
}
