/*
 * server: the process model every service shares.
 *
 * A supervisor opens the FastCGI socket, forks WORKERS workers and
 * replaces any that dies. Each worker accepts one FastCGI connection at a
 * time (libfcgi does not multiplex), holds its own database connection
 * and runs the service's handlers.
 *
 * SIGTERM or SIGINT: the supervisor passes SIGTERM to the workers; each
 * stops accepting, finishes the request in hand, and exits. Workers still
 * busy after SHUTDOWN_TIMEOUT seconds are killed.
 *
 * The supervisor also answers HTTP on METRICS_LISTEN: GET /metrics
 * (Prometheus text) and GET /healthz (200 while workers are alive and
 * not stuck). `astro-SERVICE --healthcheck` asks it and exits 0 on 200:
 * the container health check, with no HTTP client in the image.
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
