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
};

typedef enum result (*handler_fn)(struct ctx *ctx);

struct route {
	const char *path; /* matched exactly */
	unsigned methods; /* HTTP_* bits; HEAD is allowed wherever GET is */
	handler_fn fn;
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
	    1}

#endif
