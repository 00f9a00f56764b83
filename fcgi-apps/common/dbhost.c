#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dbhost.h"
#include "log.h"

#define DBHOST_MAX 8

struct dbhost {
	char name[256]; /* "" for libpq's default */
	char port[16];  /* "" for libpq's default */
	/* A lookup may outlive the budget that started it: the next
	 * connection waits for that one instead of starting another. */
	struct gaicb req;
	struct addrinfo hints;
	int pending;
};

static struct dbhost hosts[DBHOST_MAX];
static int nhosts;
static char last_error[512];

const char *
dbhost_error(void)
{
	return last_error;
}

/* Splits a comma-separated list into out[]; returns the count or -1. */
static int
dbhost_split(const char *list, char out[][256], size_t size, int max)
{
	const char *p = list, *comma;
	int n = 0;
	size_t len;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == max || len >= size)
			return -1;
		memcpy(out[n], p, len);
		out[n++][len] = '\0';
		if (comma == NULL)
			return n;
		p = comma + 1;
	}
}

int
dbhost_init(void)
{
	static char names[DBHOST_MAX][256], ports[DBHOST_MAX][256];
	const char *h = getenv("PGHOST"), *p = getenv("PGPORT");
	int nports = 0, i;

	memset(hosts, 0, sizeof(hosts));
	nhosts = 1;
	if (h != NULL && *h != '\0' &&
	    (nhosts = dbhost_split(h, names, sizeof(names[0]), DBHOST_MAX)) <
	        0) {
		log_error("PGHOST: more than %d hosts, or a name too long",
		          DBHOST_MAX);
		return -1;
	}
	if (p != NULL && *p != '\0' &&
	    (nports = dbhost_split(p, ports, sizeof(ports[0]), DBHOST_MAX)) < 0)
		nports = -1;
	if (nports < 0 || (nports > 1 && nports != nhosts)) {
		log_error("PGPORT: give one port, or one for each PGHOST host");
		return -1;
	}
	for (i = 0; i < nhosts; i++) {
		if (h != NULL && *h != '\0')
			memcpy(hosts[i].name, names[i], sizeof(hosts[i].name));
		if (nports > 0 &&
		    strlen(ports[nports == 1 ? 0 : i]) < sizeof(hosts[i].port))
			strcpy(hosts[i].port, ports[nports == 1 ? 0 : i]);
	}
	return 0;
}

/* Whether name needs a lookup: not a socket folder, not numeric. */
static int
dbhost_is_name(const char *name)
{
	unsigned char addr[16];

	return name[0] != '\0' && name[0] != '/' && name[0] != '@' &&
	       inet_pton(AF_INET, name, addr) != 1 &&
	       inet_pton(AF_INET6, name, addr) != 1;
}

/*
 * Resolves h's name into addr before deadline_ms without blocking past
 * it. Returns 0, or -1 (not found, or not in time).
 */
static int
dbhost_resolve(struct dbhost *h, double deadline_ms, char *addr, size_t len)
{
	struct gaicb *list[1] = {&h->req};
	struct addrinfo *ai;
	struct timespec ts;
	double left;
	int rc;

	if (!h->pending) {
		memset(&h->req, 0, sizeof(h->req));
		memset(&h->hints, 0, sizeof(h->hints));
		h->hints.ai_socktype = SOCK_STREAM;
		h->req.ar_name = h->name;
		h->req.ar_request = &h->hints;
		if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0)
			return -1;
		h->pending = 1;
	}
	while ((rc = gai_error(&h->req)) == EAI_INPROGRESS) {
		if ((left = deadline_ms - clock_ms()) <= 0) {
			snprintf(last_error, sizeof(last_error),
			         "host %.200s: no address in time", h->name);
			return -1; /* still pending: the next attempt waits */
		}
		ts.tv_sec = (time_t)(left / 1e3);
		ts.tv_nsec = (long)((left - ts.tv_sec * 1e3) * 1e6);
		gai_suspend((const struct gaicb *const *)list, 1, &ts);
	}
	h->pending = 0;
	if (rc != 0 || (ai = h->req.ar_result) == NULL) {
		snprintf(last_error, sizeof(last_error), "host %.200s: %.200s",
		         h->name, gai_strerror(rc));
		return -1;
	}
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)len,
	                 NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(h->req.ar_result);
	h->req.ar_result = NULL;
	return rc == 0 ? 0 : -1;
}

/* Waits for the socket; 1 when ready, 0 otherwise. */
static int
dbhost_wait(PGconn *conn, int for_write, double deadline_ms)
{
	struct pollfd pfd = {PQsocket(conn), for_write ? POLLOUT : POLLIN, 0};
	double left;
	int rc;

	if (pfd.fd < 0)
		return 0;
	for (;;) {
		if ((left = deadline_ms - clock_ms()) <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left + 1);
		if (rc > 0)
			return 1;
		if (rc == 0 || errno != EINTR)
			return 0;
	}
}

/* One host, before deadline_ms. */
static PGconn *
dbhost_try(struct dbhost *h, const char *app_name, double deadline_ms)
{
	const char *keys[5], *vals[5];
	char addr[64];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	PGconn *conn;
	int n = 0;

	keys[n] = "fallback_application_name";
	vals[n++] = app_name;
	if (h->name[0] != '\0') {
		keys[n] = "host";
		vals[n++] = h->name;
	}
	if (dbhost_is_name(h->name)) {
		if (dbhost_resolve(h, deadline_ms, addr, sizeof(addr)) == -1)
			return NULL;
		keys[n] = "hostaddr";
		vals[n++] = addr;
	}
	if (h->port[0] != '\0') {
		keys[n] = "port";
		vals[n++] = h->port;
	}
	keys[n] = vals[n] = NULL;
	conn = PQconnectStartParams(keys, vals, 0);
	if (conn == NULL)
		return NULL;
	while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
	       st != PGRES_POLLING_FAILED &&
	       dbhost_wait(conn, st == PGRES_POLLING_WRITING, deadline_ms))
		st = PQconnectPoll(conn);
	if (st == PGRES_POLLING_OK && PQstatus(conn) == CONNECTION_OK)
		return conn;
	snprintf(last_error, sizeof(last_error), "host %.200s: %.200s",
	         h->name[0] ? h->name : "(default)",
	         st == PGRES_POLLING_FAILED || PQstatus(conn) == CONNECTION_BAD
	             ? PQerrorMessage(conn)
	             : "no answer within its budget");
	PQfinish(conn);
	return NULL;
}

PGconn *
dbhost_connect(const char *app_name, double deadline_ms)
{
	PGconn *conn;
	double left;
	int i;

	for (i = 0; i < nhosts; i++) {
		if ((left = deadline_ms - clock_ms()) <= 0)
			return NULL;
		conn = dbhost_try(&hosts[i], app_name,
		                  clock_ms() + left / (nhosts - i));
		if (conn != NULL)
			return conn;
	}
	return NULL;
}
