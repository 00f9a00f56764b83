/*
 * app: what a service is to the shared server: a name, a table of routes
 * and a table of SQL statements. Each service's main.c fills one
 * struct app and calls server_main().
 *
 * Handlers receive a struct ctx and either fill ctx->resp and return
 * RESULT_OK, or return another result that server.c turns into a status
 * and an error page: the one place where failures become HTTP statuses.
 * A form that comes back with messages beside its fields is not a
 * failure: the handler renders it with its 4xx status and RESULT_OK.
 */
#ifndef APP_H
#define APP_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "form.h"
#include "http.h"
#include "valid.h"

enum result {
	RESULT_OK = 0,
	RESULT_BAD_REQUEST,    /* 400: malformed beyond what a form shows */
	RESULT_NOT_FOUND,      /* 404 */
	RESULT_TOO_LARGE,      /* 413 */
	RESULT_DB_UNAVAILABLE, /* 503 with Retry-After */
	RESULT_ERROR,          /* 500: a bug or an impossible state; logged */
	RESULT_GONE, /* 499: the client left before the costly part began */
	RESULT_FORBIDDEN,  /* 403: the form's CSRF token is wrong */
	RESULT_BUSY,       /* 503 with Retry-After: no capacity just now */
	RESULT_DB_UNKNOWN, /* 503: a write's outcome is unknown; the form's
	                      key makes sending it again safe */
};

/* Who is signed in, from the session cookie. */
struct viewer {
	int loaded;
	int signed_in;
	long long id;
	const char *name;
	int has_token; /* a well-formed session cookie was presented */
	uint8_t token[TOKEN_BYTES];
};

struct app;

struct ctx {
	const struct app *app;
	const struct config *cfg;
	const struct route *route;
	struct req req;
	struct resp resp;
	struct arena arena;
	struct db db;
	struct viewer viewer;
	struct valid_env env; /* "today" for this request */
	const char *cache_control;
	int conn_fd; /* the connection from the sidecar, or -1 */
	/* The route's form (the body of a POST, the query of a GET),
	 * parsed and checked by dispatch before the handler runs. */
	struct form_value *form;
	int hashing; /* this worker serves the hashing socket */
};

typedef enum result (*handler_fn)(struct ctx *ctx);

/* Who may use a route. */
enum route_access {
	ROUTE_ANYONE,    /* the viewer is loaded; signed in or not */
	ROUTE_SIGNED_IN, /* anyone else is sent to /login (303) */
};

/* When a POST must carry the CSRF token of the route's form. */
enum route_csrf {
	CSRF_NONE,         /* no POST, or nothing a forged one could do */
	CSRF_ALWAYS,       /* every POST */
	CSRF_IF_SIGNED_IN, /* only when there is a session to protect */
};

/*
 * A route is data: dispatch (dispatch.c) checks its method, loads the
 * viewer, enforces access, parses its form into ctx->form and checks
 * the CSRF token, all before fn runs, so no handler can forget one.
 */
struct route {
	const char *path; /* matched exactly */
	unsigned methods; /* HTTP_* bits; HEAD is allowed wherever GET is */
	handler_fn fn;
	enum route_access access;
	/* The POST body's fields, and the index of the CSRF token among
	 * them (when csrf is not CSRF_NONE). */
	const struct form_field *post_form;
	int npost;
	enum route_csrf csrf;
	int csrf_field;
	/* Renders the form again, from ctx->form, with status 403 and a
	 * message that it had expired (a wrong CSRF token). NULL: a plain
	 * 403 page. */
	handler_fn expired;
	/* The GET query's fields (NULL: none read). */
	const struct form_field *query_form;
	int nquery;
	/* Methods whose requests hash a password: they are served only by
	 * the pool's hashing workers (server.h). */
	unsigned hashes;
};

struct app {
	const char *name;
	const struct route *routes;
	int nroutes;
	const struct db_stmt *stmts;
	int nstmts;
	/* Loads templates; runs once before the workers start. */
	int (*init)(const struct config *cfg);
};

int server_main(const struct app *app, int argc, char **argv);

/*
 * The one mapping from a database outcome to a page result: DB_OK is
 * RESULT_OK; DB_UNAVAILABLE is RESULT_DB_UNAVAILABLE; DB_UNKNOWN (a
 * write whose commit was not confirmed) is RESULT_DB_UNKNOWN; a refused
 * statement is logged with `what` and becomes RESULT_ERROR.
 */
enum result result_from_db(enum db_rc rc, const struct db *db,
                           const char *what);

/* 1 if the sidecar has closed the request's connection (its client went
 * away or it gave up waiting), so no answer can arrive anywhere. */
int ctx_client_gone(const struct ctx *ctx);

/*
 * Statements every service prepares: the session lookup behind "who is
 * signed in". A service's statement enum starts at STMT__COMMON and its
 * table starts with COMMON_STMTS.
 */
enum common_stmt { STMT_SESSION_LOOKUP, STMT__COMMON };

#define COMMON_STMTS                                                           \
	[STMT_SESSION_LOOKUP] = {                                              \
	    "session_lookup",                                                  \
	    "SELECT a.id, a.name FROM astro.sessions s"                        \
	    " JOIN astro.astronauts a ON a.id = s.astronaut_id"                \
	    " WHERE s.token_hash = $1 AND s.expires_at > now()",               \
	    1, 0}

#endif
