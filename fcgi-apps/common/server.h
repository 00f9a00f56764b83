/*
 * server: the process model every service shares.
 *
 * A supervisor (supervisor.c) opens the FastCGI sockets, forks the
 * workers (worker.c) and replaces any that dies. Each worker accepts
 * one FastCGI connection at a time (libfcgi does not multiplex), holds
 * its own database connection and runs the service's routes
 * (dispatch.c).
 *
 * Workers come in groups, one listening socket each: WORKERS page
 * workers on FCGI_LISTEN serve every route; a service with routes that
 * hash a password (sign-up's POST /signup and POST /login) also has
 * HASH_CONCURRENCY + HASH_WAITERS hashing workers on FCGI_HASH_LISTEN,
 * where its sidecar sends those requests and nothing else. A log-in can
 * then only ever wait behind other log-ins, never hold a worker a page
 * needs, and the sidecar sheds the log-ins beyond what the hashing
 * workers can take with 503 and Retry-After (nginx/sites/signup.conf).
 *
 * SIGTERM or SIGINT: /healthz says "draining" at once; the pool serves
 * for DRAIN_GRACE seconds more, then stops accepting everywhere and the
 * workers finish what they have; any still busy SHUTDOWN_TIMEOUT seconds
 * after the signal are killed.
 *
 * The supervisor also answers HTTP on METRICS_LISTEN (admin.c): GET
 * /metrics (Prometheus text) and GET /healthz (200 "ok" while a page
 * worker is alive and not every worker is stuck; 503 "unhealthy" or
 * "draining"). `astro-SERVICE --healthcheck` asks it and exits 0 on
 * 200: the container health check, with no HTTP client in the image.
 */
#ifndef SERVER_H
#define SERVER_H

#include "app.h"

/* Sends GET /healthz over HTTP to addr (the supervisor's port).
 * Returns 0 on a 200 within timeout_ms, 1 otherwise (with the reason on
 * stderr). */
int healthcheck_run(const char *addr, int timeout_ms);
/* Opens a listening socket on "host:port", "[v6]:port" or "/path".
 * Returns the descriptor (non-blocking), or -1 after logging. */
int server_listen(const char *addr, int backlog);
/* Connects to the same forms of address. Returns a blocking socket or -1. */
int server_connect(const char *addr);

#endif
