/*
 * astro-monolith: every route of the three services in one pool behind
 * one sidecar, the other shape of the same product (docs/architecture.md
 * compares the two). The services' tables are merged when the pool
 * starts:
 *
 * - routes: each service's routes as they are, except that the handler
 *   (and the expired-form page) first points the worker's database
 *   connection at its own service's statement table (db_use), so that a
 *   handler's statement numbers mean what they mean in its own service;
 *   two services serving the same path is refused;
 * - statements: the union of the three tables, all prepared on each
 *   worker's one connection. Statement names are unique across the
 *   services (the session lookup that all three share appears once); two
 *   different statements under one name are refused.
 *
 * One connection per worker means one database role with the union of
 * the services' privileges: the pool logs in as astro_monolith_login,
 * a member of the three group roles (sql/monolith-login.sql).
 */
#include <string.h>

#include "log.h"
#include "monolith.h"

#define MONO_ROUTES 16
#define MONO_STMTS  48

/* Where a merged route came from. */
struct mono_origin {
	const struct app *part;
	const struct route *route;
};

static struct route mono_routes[MONO_ROUTES];
static struct mono_origin mono_origins[MONO_ROUTES];
static struct db_stmt mono_stmts[MONO_STMTS];

static int mono_init(const struct config *cfg);

static struct app mono_app = {
    "monolith", mono_routes, 0, mono_stmts, 0, mono_init,
};

/* The services, in the order their routes and statements are merged.
 * Every service's table starts with the shared statements (COMMON_STMTS),
 * so the merged one does too: the session lookup that dispatch runs
 * before any handler keeps its number, STMT_SESSION_LOOKUP. */
static const struct app *const *const mono_parts[] = {
    &monolith_signup,
    &monolith_hours,
    &monolith_board,
};

#define MONO_NPARTS (sizeof(mono_parts) / sizeof(mono_parts[0]))

/* Runs fn with the worker's statement numbers those of part. */
static enum result
mono_run(struct ctx *ctx, const struct app *part, handler_fn fn)
{
	enum result rc;

	db_use(&ctx->db, part->stmts, part->nstmts);
	rc = fn(ctx);
	db_use(&ctx->db, NULL, 0);
	return rc;
}

static const struct mono_origin *
mono_origin_of(const struct ctx *ctx)
{
	return &mono_origins[ctx->route - mono_routes];
}

static enum result
mono_handler(struct ctx *ctx)
{
	const struct mono_origin *o = mono_origin_of(ctx);

	return mono_run(ctx, o->part, o->route->fn);
}

static enum result
mono_expired(struct ctx *ctx)
{
	const struct mono_origin *o = mono_origin_of(ctx);

	return mono_run(ctx, o->part, o->route->expired);
}

static int
mono_init(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < MONO_NPARTS; i++)
		if ((*mono_parts[i])->init(cfg) == -1)
			return -1;
	return 0;
}

/* Appends part's routes. Returns 0, or -1 after logging. */
static int
mono_add_routes(const struct app *part)
{
	const struct route *r;
	int i, j, n;

	for (i = 0; i < part->nroutes; i++) {
		r = &part->routes[i];
		n = mono_app.nroutes;
		for (j = 0; j < n; j++)
			if (strcmp(mono_routes[j].path, r->path) == 0) {
				log_error("%s: %s is served by %s already",
				          part->name, r->path,
				          mono_origins[j].part->name);
				return -1;
			}
		if (n == MONO_ROUTES) {
			log_error("more than %d routes", MONO_ROUTES);
			return -1;
		}
		mono_routes[n] = *r;
		mono_routes[n].fn = mono_handler;
		mono_routes[n].expired = r->expired ? mono_expired : NULL;
		mono_origins[n].part = part;
		mono_origins[n].route = r;
		mono_app.nroutes++;
	}
	return 0;
}

/* 1 if a statement of that name is in the table already, 0 if not, -1
 * (logged) if one is, with other SQL. */
static int
mono_has_stmt(const struct app *part, const struct db_stmt *s)
{
	int j;

	for (j = 0; j < mono_app.nstmts; j++) {
		if (strcmp(mono_stmts[j].name, s->name) != 0)
			continue;
		if (strcmp(mono_stmts[j].sql, s->sql) == 0)
			return 1;
		log_error("%s: another statement named %s already", part->name,
		          s->name);
		return -1;
	}
	return 0;
}

/* Appends part's statements that are not in the table yet. Returns 0,
 * or -1 after logging. */
static int
mono_add_stmts(const struct app *part)
{
	int i, have;

	for (i = 0; i < part->nstmts; i++) {
		if ((have = mono_has_stmt(part, &part->stmts[i])) == -1)
			return -1;
		if (have)
			continue;
		if (mono_app.nstmts == MONO_STMTS) {
			log_error("more than %d statements", MONO_STMTS);
			return -1;
		}
		mono_stmts[mono_app.nstmts++] = part->stmts[i];
	}
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init(mono_app.name);
	for (i = 0; i < MONO_NPARTS; i++)
		if (mono_add_routes(*mono_parts[i]) == -1 ||
		    mono_add_stmts(*mono_parts[i]) == -1)
			return 1;
	return server_main(&mono_app, argc, argv);
}
