/*
 * result: the one place where a failure becomes an HTTP status. Each
 * result has its status and a page that says what happened in words.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "page.h"
#include "result.h"

enum result
result_from_db(enum db_rc rc, const struct db *db, const char *what)
{
	switch (rc) {
	case DB_OK:
		return RESULT_OK;
	case DB_UNAVAILABLE:
		return RESULT_DB_UNAVAILABLE;
	case DB_UNKNOWN:
		return RESULT_DB_UNKNOWN;
	case DB_FAILED:
		break;
	}
	log_error("%s failed: SQLSTATE %s %s", what, db->sqlstate,
	          db->constraint);
	return RESULT_ERROR;
}

void
result_allow_header(struct ctx *ctx, unsigned methods)
{
	char allow[32] = "";

	if (methods & HTTP_GET)
		strcat(allow, "GET, HEAD");
	if (methods & HTTP_POST)
		strcat(allow, allow[0] ? ", POST" : "POST");
	resp_header(&ctx->resp, "Allow", allow);
}

/* 503 with Retry-After: seconds. */
static enum result
result_unavailable(struct ctx *ctx, int seconds, const char *title,
                   const char *message)
{
	char retry[16];
	enum result rc = page_error(ctx, 503, title, message);

	snprintf(retry, sizeof(retry), "%d", seconds < 1 ? 1 : seconds);
	resp_header(&ctx->resp, "Retry-After", retry);
	return rc;
}

static enum result
result_bad_request(struct ctx *ctx, int status)
{
	if (status == 405) {
		if (ctx->route != NULL)
			result_allow_header(ctx, ctx->route->methods);
		return page_error(ctx, 405, "Method not allowed",
		                  "This address does not take that kind of "
		                  "request.");
	}
	if (status == 415)
		return page_error(ctx, 415, "Unsupported form",
		                  "The form arrived in an encoding this site "
		                  "does not read. Please submit it from the "
		                  "page again.");
	return page_error(ctx, 400, "Bad request",
	                  "The request could not be understood. Please go "
	                  "back and try again.");
}

void
result_page(struct ctx *ctx, enum result rc)
{
	int status = ctx->resp.status;

	if (rc == RESULT_OK)
		return;
	buf_reset(&ctx->resp.head);
	ctx->cache_control = "no-store";
	/* Only a POST writes: anything else that lost its answer simply
	 * found the database unavailable. */
	if (rc == RESULT_DB_UNKNOWN && ctx->req.method != HTTP_POST)
		rc = RESULT_DB_UNAVAILABLE;
	switch (rc) {
	case RESULT_OK:
		return;
	case RESULT_BAD_REQUEST:
		rc = result_bad_request(ctx, status);
		break;
	case RESULT_FORBIDDEN:
		rc = page_error(ctx, 403, "Form expired",
		                "This form had expired, so nothing was done. "
		                "Please go back, reload the page and submit "
		                "it again.");
		break;
	case RESULT_NOT_FOUND:
		rc = page_error(ctx, 404, "Page not found",
		                "There is no page at this address.");
		break;
	case RESULT_TOO_LARGE:
		rc = page_error(ctx, 413, "Too large",
		                "What you sent is larger than any form here "
		                "accepts.");
		break;
	case RESULT_DB_UNAVAILABLE:
		rc = result_unavailable(
		    ctx, db_retry_after(&ctx->db), "Temporarily unavailable",
		    "The database cannot be reached just now. Nothing was "
		    "saved; please try again in a moment.");
		break;
	case RESULT_DB_UNKNOWN:
		rc = result_unavailable(
		    ctx, db_retry_after(&ctx->db), "Temporarily unavailable",
		    "The database could not confirm that your form was "
		    "saved (it stopped answering, or its standby copy did "
		    "not confirm in time), so it may have been saved. Sending "
		    "the same form again is safe: it is never saved twice.");
		break;
	case RESULT_BUSY:
		rc = result_unavailable(
		    ctx, 1, "Busy just now",
		    "Too many people are doing this at once. Nothing was "
		    "done; please try again in a few seconds.");
		break;
	case RESULT_ERROR:
		rc = page_error(ctx, 500, "Something went wrong",
		                "The server hit an error. Nothing was saved.");
		break;
	case RESULT_GONE:
		/* nginx's code for a client that closed first; nobody reads
		 * the (empty) answer. */
		ctx->resp.status = 499;
		buf_reset(&ctx->resp.body);
		rc = RESULT_OK;
		break;
	}
	if (rc != RESULT_OK) {
		/* The error page itself failed: say so in plain text. */
		ctx->resp.status = 500;
		ctx->resp.content_type = "text/plain; charset=utf-8";
		buf_reset(&ctx->resp.body);
		buf_puts(&ctx->resp.body, "Internal server error\n");
	}
}
