#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#include "log.h"
#include "metrics.h"
#include "page.h"
#include "pool.h"
#include "server.h"

/*
 * Connections queued on a listening socket beyond those being served.
 * The sidecar never opens more connections to a group than its limits
 * allow (nginx/render: at most twice the page workers, exactly the
 * hashing workers), far below this, so the queue cannot overflow into
 * nginx's 502.
 */
#define LISTEN_BACKLOG 128

/* 1 if any of the app's routes hashes a password. */
static int
server_hashes(const struct app *app)
{
	int i;

	for (i = 0; i < app->nroutes; i++)
		if (app->routes[i].hashes)
			return 1;
	return 0;
}

static int
server_group(struct pool *pool, const char *name, const char *listen, int n,
             int hashing)
{
	struct pool_group *g = &pool->groups[pool->ngroups];

	g->name = name;
	g->listen = listen;
	g->n = n;
	g->hashing = hashing;
	g->first = pool->nslots;
	if ((g->fd = server_listen(listen, LISTEN_BACKLOG)) < 0)
		return -1;
	pool->ngroups++;
	pool->nslots += n;
	return 0;
}

int
server_main(const struct app *app, int argc, char **argv)
{
	static struct config cfg;
	static struct pool pool;

	log_init(app->name);
	if (config_load(&cfg, app->name) == -1)
		return 2;
	log_sampling(cfg.log_sample, cfg.log_slow_ms);
	if (argc == 2 && strcmp(argv[1], "--healthcheck") == 0)
		return healthcheck_run(cfg.metrics_listen, 2000);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--healthcheck]\n", argv[0]);
		return 2;
	}
	if (page_init(cfg.html_dir) == -1 || app->init(&cfg) == -1)
		return 1;
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if (db_share() == -1)
		return 2;
	pool.app = app;
	pool.cfg = &cfg;
	if (server_group(&pool, "pages", cfg.fcgi_listen, cfg.workers, 0) ==
	        -1 ||
	    (server_hashes(app) &&
	     server_group(&pool, "hashing", cfg.fcgi_hash_listen,
	                  cfg.hash_concurrency + cfg.hash_waiters, 1) == -1))
		return 1;
	if (metrics_init(app, pool.nslots) == -1) {
		log_error("cannot map shared memory for metrics");
		return 1;
	}
	if ((pool.admin_fd = server_listen(cfg.metrics_listen, 16)) < 0)
		return 1;
	return supervise(&pool);
}
