/*
 * request: what arrives from the sidecar over FastCGI, read into struct
 * req before any handler runs.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <fcgiapp.h>

#include "app.h"

/* Fills ctx->req from the FastCGI parameters; request_id receives a
 * sanitized copy of nginx's $request_id. Never fails: a missing or
 * malformed parameter leaves its field empty (content_length -2 when it
 * is present but not a number). */
void request_parse(struct ctx *ctx, FCGX_Request *fr, char request_id[65]);

/*
 * Reads a form POST's body of the declared length, within MAX_BODY, into
 * the request's arena. Returns RESULT_OK; RESULT_BAD_REQUEST when the
 * content type is not a form (resp.status 415), the length is malformed,
 * or the body ends before its declared length (a truncated body, known
 * at once from the end of FastCGI's stdin); RESULT_TOO_LARGE.
 */
enum result request_body(struct ctx *ctx, FCGX_Stream *in);

/*
 * Reads and discards what is left of the request's stdin, at most max
 * bytes. Returns 1 when its end was reached (a kept connection is then
 * clean for the next request), 0 when not (too much, an error, or the
 * peer stalled past its deadline): the caller must close the
 * connection rather than read the rest as the next request.
 */
int request_drain(FCGX_Stream *in, size_t max);

#endif
