/*
 * result: turns a handler's enum result into the response: its status,
 * headers (Allow, Retry-After) and an error page in words.
 */
#ifndef RESULT_H
#define RESULT_H

#include "app.h"

/* Replaces ctx->resp with the page for rc; nothing for RESULT_OK. A 405
 * (RESULT_BAD_REQUEST with resp.status 405) lists ctx->route's methods;
 * RESULT_BAD_REQUEST with resp.status 415 is an unsupported form. */
void result_page(struct ctx *ctx, enum result rc);
/* Adds "Allow:" for methods (HEAD wherever GET). */
void result_allow_header(struct ctx *ctx, unsigned methods);

#endif
