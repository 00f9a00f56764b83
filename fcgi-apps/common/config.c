#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

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

/* CPUs this process may run on: scrypt cannot use more at once. */
static int
config_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
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
	    config_int("MAX_BODY", 16384, 1024, 1024 * 1024, &body) == -1 ||
	    config_int("HEALTH_STUCK_SECONDS", 30, 1, 3600,
	               &cfg->health_stuck) == -1 ||
	    config_int("HASH_CONCURRENCY", config_cpus(), 1, 256,
	               &cfg->hash_concurrency) == -1)
		return -1;
	cfg->max_body = (size_t)body;
	return 0;
}
