/*
 * dispatch: from a parsed request to a filled response, through the
 * service's route table.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <fcgiapp.h>

#include "app.h"

/*
 * Finds the route (404), checks the method (405), refuses a route that
 * hashes passwords on a worker that is not in the hashing group (500,
 * logged: the sidecar is misconfigured), reads a POST's body, loads the
 * viewer, sends anyone not signed in from a ROUTE_SIGNED_IN route to
 * /login, parses the route's form into ctx->form (400 when malformed)
 * and checks its CSRF token (the route's expired page, or 403), and
 * only then runs the handler. Every failure becomes its page through
 * result_page(). ctx->route is set when a route matched.
 */
void dispatch(struct ctx *ctx, FCGX_Stream *in);

#endif
