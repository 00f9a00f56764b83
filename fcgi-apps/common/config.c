#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *
config_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

static int
config_int(const char *name, int def, int min, int max, int *out)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0') {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "%s=%s: expected an integer from %d to %d\n",
		        name, v, min, max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/*
 * A fraction from 0 to 1 with at most four decimals ("0.01", "1"), in
 * ten-thousandths: the precision of nginx's split_clients, which samples
 * the sidecar's log at the same rate.
 */
static int
config_fraction(const char *name, int def, int *out)
{
	const char *v = getenv(name), *p;
	int units = 0, scale = 10000, digits = 0;

	if (v == NULL || *v == '\0') {
		*out = def;
		return 0;
	}
	if ((v[0] != '0' && v[0] != '1') ||
	    (v[1] != '\0' && (v[1] != '.' || v[2] == '\0')))
		goto bad;
	units = (v[0] - '0') * scale;
	for (p = v[1] == '.' ? v + 2 : v + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || ++digits > 4)
			goto bad;
		scale /= 10;
		units += (*p - '0') * scale;
	}
	if (units > 10000)
		goto bad;
	*out = units;
	return 0;
bad:
	fprintf(stderr,
	        "%s=%s: expected a fraction from 0 to 1, at most "
	        "four decimals\n",
	        name, v);
	return -1;
}

/* CPUs this process may run on: scrypt cannot use more at once. */
static int
config_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

/* FCGI_HASH_LISTEN's default, from FCGI_LISTEN. Returns 0 or -1. */
static int
config_hash_listen(struct config *cfg)
{
	const char *l = cfg->fcgi_listen, *colon = strrchr(l, ':');
	size_t len = strlen(l);
	char *end;
	long port;
	int n;

	if ((cfg->fcgi_hash_listen = getenv("FCGI_HASH_LISTEN")) != NULL &&
	    *cfg->fcgi_hash_listen != '\0')
		return 0;
	cfg->fcgi_hash_listen = cfg->hash_listen_buf;
	if (l[0] == '/' && len > 5 && strcmp(l + len - 5, ".sock") == 0)
		n = snprintf(cfg->hash_listen_buf, sizeof(cfg->hash_listen_buf),
		             "%.*s-hash.sock", (int)(len - 5), l);
	else if (l[0] == '/' || colon == NULL)
		n = snprintf(cfg->hash_listen_buf, sizeof(cfg->hash_listen_buf),
		             "%s-hash", l);
	else {
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port >= 65535)
			n = -1;
		else
			n = snprintf(cfg->hash_listen_buf,
			             sizeof(cfg->hash_listen_buf), "%.*s:%ld",
			             (int)(colon - l), l, port + 1);
	}
	if (n < 0 || (size_t)n >= sizeof(cfg->hash_listen_buf)) {
		fprintf(stderr,
		        "FCGI_LISTEN=%s: cannot derive "
		        "FCGI_HASH_LISTEN; set it\n",
		        l);
		return -1;
	}
	return 0;
}

/*
 * HASH_BUDGET_MS by default: 2 s, or half of FCGI_TIMEOUT when that is
 * shorter, so that a log-in refused after waiting its budget is still
 * answered by the pool, well before the sidecar would give up on it. Set
 * explicitly, it must be below FCGI_TIMEOUT (config_load checks).
 */
static int
hash_budget_default(int fcgi_timeout)
{
	return fcgi_timeout * 500 < 2000 ? fcgi_timeout * 500 : 2000;
}

int
config_load(struct config *cfg, const char *service)
{
	int body;

	cfg->service = service;
	cfg->fcgi_listen = config_str("FCGI_LISTEN", "127.0.0.1:9000");
	cfg->metrics_listen = config_str("METRICS_LISTEN", "127.0.0.1:9100");
	cfg->html_dir = config_str("HTML_DIR", "html");
	if (config_int("WORKERS", 4, 1, 256, &cfg->workers) == -1 ||
	    config_int("SHUTDOWN_TIMEOUT", 20, 1, 600,
	               &cfg->shutdown_timeout) == -1 ||
	    config_int("SESSION_TTL", 7 * 86400, 60, 366 * 86400,
	               &cfg->session_ttl) == -1 ||
	    config_int("DB_TIMEOUT_MS", 2000, 50, 60000, &cfg->db_timeout_ms) ==
	        -1 ||
	    config_int("BOARD_PAGE_SIZE", 50, 1, 500, &cfg->board_page_size) ==
	        -1 ||
	    config_int("BOARD_SNAPSHOT_MS", 1000, 0, 1000,
	               &cfg->board_snapshot_ms) == -1 ||
	    config_int("MAX_BODY", 16384, 1024, 1024 * 1024, &body) == -1 ||
	    config_int("HEALTH_STUCK_SECONDS", 30, 1, 3600,
	               &cfg->health_stuck) == -1 ||
	    config_int("HASH_CONCURRENCY", config_cpus(), 1, 256,
	               &cfg->hash_concurrency) == -1 ||
	    config_int("HASH_WAITERS", 1, 0, 256, &cfg->hash_waiters) == -1 ||
	    config_int("FCGI_TIMEOUT", 10, 1, 600, &cfg->fcgi_timeout) == -1 ||
	    /* After FCGI_TIMEOUT, which bounds it (|| evaluates in order). */
	    config_int("HASH_BUDGET_MS", hash_budget_default(cfg->fcgi_timeout),
	               1, 600000, &cfg->hash_budget_ms) == -1 ||
	    config_int("HASH_NICE", 10, 0, 19, &cfg->hash_nice) == -1 ||
	    config_int("DRAIN_GRACE", 4, 0, 600, &cfg->drain_grace) == -1 ||
	    config_int("HOURS_RATE_MAX", 20, 1, 1000000,
	               &cfg->hours_rate_max) == -1 ||
	    config_int("HOURS_RATE_WINDOW", 600, 60, 86400,
	               &cfg->hours_rate_window) == -1 ||
	    config_fraction("LOG_SAMPLE", 10000, &cfg->log_sample) == -1 ||
	    config_int("LOG_SLOW_MS", 500, 1, 600000, &cfg->log_slow_ms) ==
	        -1 ||
	    config_hash_listen(cfg) == -1)
		return -1;
	if (cfg->drain_grace >= cfg->shutdown_timeout) {
		fprintf(stderr,
		        "DRAIN_GRACE=%d must be below SHUTDOWN_TIMEOUT=%d\n",
		        cfg->drain_grace, cfg->shutdown_timeout);
		return -1;
	}
	if (cfg->hash_budget_ms >= cfg->fcgi_timeout * 1000) {
		fprintf(stderr,
		        "HASH_BUDGET_MS=%d must be below FCGI_TIMEOUT=%d s\n",
		        cfg->hash_budget_ms, cfg->fcgi_timeout);
		return -1;
	}
	cfg->max_body = (size_t)body;
	return 0;
}
