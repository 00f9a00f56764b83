/*
 * metrics: what the pool counts, in Prometheus text format.
 *
 * Each worker owns one slot in memory shared with the supervisor
 * (mapped before the first fork) and is its only writer; the supervisor
 * sums the slots when METRICS_LISTEN is scraped. A replacement worker
 * takes over its predecessor's slot, so counters never go backwards.
 *
 * The metrics port is for the inside of the task and the VPC only:
 * neither the load balancer nor the sidecar ever route to it.
 */
#ifndef METRICS_H
#define METRICS_H

#include "buf.h"
#include "db.h"

struct app;

/* Maps the slots for workers and the service's routes. Returns 0 or -1. */
int metrics_init(const struct app *app, int workers);
/* In a worker, after fork: the slot it writes. */
void metrics_attach(int slot);
void metrics_busy(int busy);
/* In the supervisor, when a worker is reaped: its slot is idle (a
 * worker killed mid-request never said so itself). */
void metrics_slot_idle(int slot);
/* In the supervisor: workers busy on one request for over limit_ms. */
int metrics_stuck(long long limit_ms);
/* A finished request: route is an index into app->routes, or -1. */
void metrics_request(int route, int status, double ms);
/* The worker's database counters so far (since the worker started). */
void metrics_db(const struct db_stats *stats);
void metrics_password_hash(double ms);
/* In the supervisor: a worker had to be replaced. */
void metrics_worker_replaced(void);
/* Appends every metric to out. Returns 0, or -1 when out is full. */
int metrics_render(struct buf *out);

#endif
