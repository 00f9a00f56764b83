#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "app.h"
#include "metrics.h"

#define ROUTES_MAX   15 /* a service's routes, plus one for "no route" */
#define STATUS_MAX   16
#define BUCKETS      14 /* request latency; the last is +Inf */
#define HASH_BUCKETS 9

static const int statuses[STATUS_MAX - 1] = {
    200, 302, 303, 400, 403, 404, 405, 409, 413, 415, 422, 429, 499, 500, 503};
static const double bounds[BUCKETS - 1] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
static const double hash_bounds[HASH_BUCKETS - 1] = {0.05, 0.1, 0.15, 0.2,
                                                     0.3,  0.5, 1,    2};

typedef _Atomic uint64_t counter;

struct slot {
	counter requests[ROUTES_MAX][STATUS_MAX];
	counter latency[ROUTES_MAX][BUCKETS]; /* per bucket, not cumulative */
	counter latency_us[ROUTES_MAX];
	counter db_connects, db_failures, db_errors, db_unavailable;
	counter hash[HASH_BUCKETS];
	counter hash_us;
	_Atomic int busy;
	_Atomic long long busy_since_ms; /* monotonic; 0 while idle */
};

/* What a worker already added to its slot from its own db_stats. */
struct db_seen {
	unsigned long connects, failures, errors, unavailable;
};

struct shared {
	counter replaced;
	int nslots;
	struct slot slots[];
};

static struct shared *shm;
static struct slot *mine;
static struct db_seen seen;
static const struct app *metrics_app;

int
metrics_init(const struct app *app, int workers)
{
	size_t size = sizeof(*shm) + (size_t)workers * sizeof(struct slot);
	void *p;

	if (app->nroutes >= ROUTES_MAX)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	         -1, 0);
	if (p == MAP_FAILED)
		return -1;
	shm = p;
	shm->nslots = workers;
	metrics_app = app;
	return 0;
}

/* Single writer: a relaxed load and store, no locked instruction. */
static void
bump(counter *c, uint64_t n)
{
	atomic_store_explicit(c,
	                      atomic_load_explicit(c, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

static uint64_t
get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void
metrics_attach(int slot)
{
	if (shm != NULL && slot >= 0 && slot < shm->nslots)
		mine = &shm->slots[slot];
	memset(&seen, 0, sizeof(seen));
}

void
metrics_busy(int busy)
{
	if (mine == NULL)
		return;
	atomic_store_explicit(&mine->busy_since_ms,
	                      busy ? (long long)clock_ms() : 0,
	                      memory_order_relaxed);
	atomic_store_explicit(&mine->busy, busy, memory_order_relaxed);
}

void
metrics_slot_idle(int slot)
{
	if (shm == NULL || slot < 0 || slot >= shm->nslots)
		return;
	atomic_store_explicit(&shm->slots[slot].busy_since_ms, 0,
	                      memory_order_relaxed);
	atomic_store_explicit(&shm->slots[slot].busy, 0, memory_order_relaxed);
}

int
metrics_stuck(long long limit_ms)
{
	long long now = (long long)clock_ms(), since;
	int i, stuck = 0;

	for (i = 0; shm != NULL && i < shm->nslots; i++) {
		since = atomic_load_explicit(&shm->slots[i].busy_since_ms,
		                             memory_order_relaxed);
		stuck += since != 0 && now - since > limit_ms;
	}
	return stuck;
}

static int
status_index(int status)
{
	int i;

	for (i = 0; i < STATUS_MAX - 1; i++)
		if (statuses[i] == status)
			return i;
	return STATUS_MAX - 1;
}

void
metrics_request(int route, int status, double ms)
{
	double s = ms / 1000;
	int r = route < 0 ? metrics_app->nroutes : route, b;

	if (mine == NULL)
		return;
	for (b = 0; b < BUCKETS - 1 && s > bounds[b]; b++)
		;
	bump(&mine->requests[r][status_index(status)], 1);
	bump(&mine->latency[r][b], 1);
	bump(&mine->latency_us[r], (uint64_t)(ms * 1000));
}

void
metrics_db(const struct db_stats *st)
{
	if (mine == NULL)
		return;
	bump(&mine->db_connects, st->connects - seen.connects);
	bump(&mine->db_failures, st->connect_failures - seen.failures);
	bump(&mine->db_errors, st->query_errors - seen.errors);
	bump(&mine->db_unavailable, st->unavailable - seen.unavailable);
	seen.connects = st->connects;
	seen.failures = st->connect_failures;
	seen.errors = st->query_errors;
	seen.unavailable = st->unavailable;
}

void
metrics_password_hash(double ms)
{
	double s = ms / 1000;
	int b;

	if (mine == NULL)
		return;
	for (b = 0; b < HASH_BUCKETS - 1 && s > hash_bounds[b]; b++)
		;
	bump(&mine->hash[b], 1);
	bump(&mine->hash_us, (uint64_t)(ms * 1000));
}

void
metrics_worker_replaced(void)
{
	if (shm != NULL)
		atomic_fetch_add_explicit(&shm->replaced, 1,
		                          memory_order_relaxed);
}

/* Sums one counter over every slot, given its address in slot 0. */
static uint64_t
sum_at(counter *first)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < shm->nslots; i++)
		n += get((counter *)((char *)first + i * sizeof(struct slot)));
	return n;
}

#define SUM(field) sum_at(&shm->slots[0].field)

static const char *
route_name(int r)
{
	return r < metrics_app->nroutes ? metrics_app->routes[r].path : "none";
}

static void
render_requests(struct buf *out, const char *svc)
{
	char le[16];
	uint64_t n, cum;
	int r, st, b;

	buf_puts(out, "# HELP astro_requests_total Requests answered, by "
	              "route and status.\n"
	              "# TYPE astro_requests_total counter\n");
	for (r = 0; r <= metrics_app->nroutes; r++)
		for (st = 0; st < STATUS_MAX; st++) {
			if ((n = SUM(requests[r][st])) == 0)
				continue;
			if (st < STATUS_MAX - 1)
				snprintf(le, sizeof(le), "%d", statuses[st]);
			else
				snprintf(le, sizeof(le), "other");
			buf_printf(out,
			           "astro_requests_total{service=\"%s\","
			           "route=\"%s\",status=\"%s\"} %llu\n",
			           svc, route_name(r), le,
			           (unsigned long long)n);
		}
	buf_puts(out, "# HELP astro_request_duration_seconds Time in the "
	              "worker, from accepting a request to its last byte.\n"
	              "# TYPE astro_request_duration_seconds histogram\n");
	for (r = 0; r <= metrics_app->nroutes; r++) {
		for (b = 0, cum = 0; b < BUCKETS; b++)
			cum += SUM(latency[r][b]);
		if (cum == 0)
			continue;
		for (b = 0, cum = 0; b < BUCKETS; b++) {
			cum += SUM(latency[r][b]);
			if (b < BUCKETS - 1)
				snprintf(le, sizeof(le), "%g", bounds[b]);
			else
				snprintf(le, sizeof(le), "+Inf");
			buf_printf(out,
			           "astro_request_duration_seconds_bucket{"
			           "service=\"%s\",route=\"%s\",le=\"%s\"} "
			           "%llu\n",
			           svc, route_name(r), le,
			           (unsigned long long)cum);
		}
		buf_printf(
		    out,
		    "astro_request_duration_seconds_sum{service=\"%s\","
		    "route=\"%s\"} %.6f\n"
		    "astro_request_duration_seconds_count{service=\"%s\","
		    "route=\"%s\"} %llu\n",
		    svc, route_name(r), SUM(latency_us[r]) / 1e6, svc,
		    route_name(r), (unsigned long long)cum);
	}
}

static void
render_hash(struct buf *out, const char *svc)
{
	char le[16];
	uint64_t cum = 0;
	int b;

	buf_puts(out, "# HELP astro_password_hash_seconds Time of each scrypt "
	              "hash or verification.\n"
	              "# TYPE astro_password_hash_seconds histogram\n");
	for (b = 0; b < HASH_BUCKETS; b++) {
		cum += SUM(hash[b]);
		if (b < HASH_BUCKETS - 1)
			snprintf(le, sizeof(le), "%g", hash_bounds[b]);
		else
			snprintf(le, sizeof(le), "+Inf");
		buf_printf(out,
		           "astro_password_hash_seconds_bucket{service=\"%s\","
		           "le=\"%s\"} %llu\n",
		           svc, le, (unsigned long long)cum);
	}
	buf_printf(out,
	           "astro_password_hash_seconds_sum{service=\"%s\"} %.6f\n"
	           "astro_password_hash_seconds_count{service=\"%s\"} %llu\n",
	           svc, SUM(hash_us) / 1e6, svc, (unsigned long long)cum);
}

int
metrics_render(struct buf *out)
{
	const char *svc = metrics_app->name;
	int i, busy = 0;

	render_requests(out, svc);
	for (i = 0; i < shm->nslots; i++)
		busy += atomic_load_explicit(&shm->slots[i].busy,
		                             memory_order_relaxed) != 0;
	buf_printf(out,
	           "# HELP astro_workers Workers serving a request (busy) or "
	           "waiting for one (idle).\n"
	           "# TYPE astro_workers gauge\n"
	           "astro_workers{service=\"%s\",state=\"busy\"} %d\n"
	           "astro_workers{service=\"%s\",state=\"idle\"} %d\n",
	           svc, busy, svc, shm->nslots - busy);
	buf_printf(out,
	           "# HELP astro_worker_replacements_total Workers that died "
	           "and were replaced.\n"
	           "# TYPE astro_worker_replacements_total counter\n"
	           "astro_worker_replacements_total{service=\"%s\"} %llu\n",
	           svc, (unsigned long long)get(&shm->replaced));
	buf_printf(out,
	           "# HELP astro_db_connections_total Database connections "
	           "made (the first, and every reconnection).\n"
	           "# TYPE astro_db_connections_total counter\n"
	           "astro_db_connections_total{service=\"%s\"} %llu\n"
	           "# HELP astro_db_connect_failures_total Connection attempts "
	           "that failed.\n"
	           "# TYPE astro_db_connect_failures_total counter\n"
	           "astro_db_connect_failures_total{service=\"%s\"} %llu\n"
	           "# HELP astro_db_errors_total Statements the database "
	           "refused.\n"
	           "# TYPE astro_db_errors_total counter\n"
	           "astro_db_errors_total{service=\"%s\"} %llu\n"
	           "# HELP astro_db_unavailable_total Requests answered 503 "
	           "because the database was unavailable.\n"
	           "# TYPE astro_db_unavailable_total counter\n"
	           "astro_db_unavailable_total{service=\"%s\"} %llu\n",
	           svc, (unsigned long long)SUM(db_connects), svc,
	           (unsigned long long)SUM(db_failures), svc,
	           (unsigned long long)SUM(db_errors), svc,
	           (unsigned long long)SUM(db_unavailable));
	render_hash(out, svc);
	return buf_failed(out) ? -1 : 0;
}
