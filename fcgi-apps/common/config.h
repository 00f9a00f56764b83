/*
 * config: everything a service reads from its environment, read once at
 * start-up. libpq reads its own PG* variables (PGHOST, PGPORT,
 * PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, ...); the README lists the
 * rest. A value that does not parse stops the service with a message
 * naming the variable, rather than running with a surprise.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

struct config {
	const char *service;     /* "signup", "hours" or "board" */
	const char *fcgi_listen; /* FCGI_LISTEN: host:port or /path */
	/* FCGI_HASH_LISTEN: the hashing workers' socket; by default
	 * FCGI_LISTEN's path with "-hash" before ".sock" (or appended),
	 * or the next port. */
	const char *fcgi_hash_listen;
	const char *metrics_listen; /* METRICS_LISTEN: metrics and health */
	const char *html_dir;       /* HTML_DIR: templates */
	int workers;                /* WORKERS */
	int shutdown_timeout;       /* SHUTDOWN_TIMEOUT, seconds */
	int session_ttl;            /* SESSION_TTL, seconds */
	int db_timeout_ms;          /* DB_TIMEOUT_MS: connect and query */
	int board_page_size;        /* BOARD_PAGE_SIZE: rows a board page */
	int board_snapshot_ms;      /* BOARD_SNAPSHOT_MS: board rows kept, ms */
	size_t max_body;            /* MAX_BODY: bytes of a request body */
	int health_stuck;           /* HEALTH_STUCK_SECONDS */
	int hash_concurrency;       /* HASH_CONCURRENCY: scrypt at once */
	int hash_waiters;      /* HASH_WAITERS: hashing workers beyond that */
	int hash_budget_ms;    /* HASH_BUDGET_MS: a log-in's wait and hash */
	int hash_nice;         /* HASH_NICE: the hashing workers' nice */
	int drain_grace;       /* DRAIN_GRACE: seconds served after SIGTERM */
	int fcgi_timeout;      /* FCGI_TIMEOUT: seconds an exchange may take */
	int hours_rate_max;    /* HOURS_RATE_MAX: entries an astronaut */
	int hours_rate_window; /* may log in HOURS_RATE_WINDOW seconds */
	int log_sample;        /* LOG_SAMPLE, in ten-thousandths */
	int log_slow_ms;       /* LOG_SLOW_MS: slower requests always logged */
	char hash_listen_buf[256];
};

/* Fills cfg from the environment. Returns 0, or -1 after printing which
 * variable is wrong to stderr. */
int config_load(struct config *cfg, const char *service);

#endif
