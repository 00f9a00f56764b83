/*
 * response: writes ctx->resp to the sidecar as a CGI-style response on
 * FastCGI's stdout.
 */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <fcgiapp.h>

#include "app.h"

/* A response whose head or body outgrew its bound becomes a plain 500.
 * HEAD gets the head only. Write errors (a peer that left or stalled
 * past the connection's deadline) are left in the stream's error
 * state, which closes the connection. */
void response_write(struct ctx *ctx, FCGX_Stream *out);

#endif
