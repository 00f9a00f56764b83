/*
 * pool: the pieces of the process model (server.h tells the story):
 * the supervisor (supervisor.c), its workers (worker.c) and its HTTP
 * endpoint for health and metrics (admin.c).
 */
#ifndef POOL_H
#define POOL_H

#include <poll.h>

#include "app.h"

/*
 * A group of workers sharing one listening socket. The pages group
 * serves every route; the hashing group serves the routes that hash a
 * password (route.hashes), so a burst of log-ins can never hold the
 * workers that pages need.
 */
struct pool_group {
	const char *name;   /* "pages" or "hashing" */
	const char *listen; /* its address */
	int fd;             /* its listening socket, or -1 */
	int first;          /* its first slot */
	int n;              /* its workers */
	int hashing;
};

struct pool {
	const struct app *app;
	const struct config *cfg;
	struct pool_group groups[2];
	int ngroups;
	int nslots; /* workers in all groups */
	int admin_fd;
};

/* Runs a worker of group g in slot `slot` until it is told to stop.
 * Called in the child after fork; returns its exit status. */
int worker_run(const struct pool *pool, const struct pool_group *g, int slot);

/* Runs the supervisor until the pool has stopped. Returns the exit
 * status. */
int supervise(struct pool *pool);

/* ---- admin endpoint ---- */

#define ADMIN_CONNS 16

struct admin_conn;

/* What /healthz says: the status (200 or 503) and one word, "ok",
 * "unhealthy" or "draining". */
typedef int (*admin_health_fn)(void *arg, const char **word);

struct admin {
	int fd; /* listening, non-blocking */
	admin_health_fn health;
	void *arg;
	struct admin_conn *conns; /* ADMIN_CONNS of them */
};

/* Returns 0, or -1 when out of memory. */
int admin_init(struct admin *a, int fd, admin_health_fn health, void *arg);
/* Adds the descriptors to poll to pfd (room for ADMIN_CONNS + 1);
 * returns how many, and lowers *timeout_ms to the nearest deadline. */
int admin_pollfds(struct admin *a, struct pollfd *pfd, int *timeout_ms);
/* Does whatever the n descriptors filled by admin_pollfds allow,
 * without ever blocking, and drops connections past their deadline. */
void admin_step(struct admin *a, const struct pollfd *pfd, int n);
/* In a new worker: closes the admin descriptors it inherited. */
void admin_close_inherited(struct admin *a);
void admin_free(struct admin *a);

#endif
