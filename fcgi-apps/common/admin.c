/*
 * admin: GET /metrics and GET /healthz on METRICS_LISTEN, answered by
 * the supervisor inside its own loop.
 *
 * The supervisor is the process that reaps, respawns and drains, so
 * nothing here may ever wait: every socket is non-blocking, each
 * connection is served a little at a time as poll() says it can be,
 * and each has a deadline for the whole exchange (ADMIN_DEADLINE_MS),
 * after which it is dropped. A thread or a separate process would also
 * keep the loop free, but a thread in a process that forks workers
 * risks a child inheriting a lock held mid-operation, and a process
 * would need the supervisor's state shared; a poll loop needs neither.
 * A client that trickles bytes holds one of ADMIN_CONNS slots until its
 * deadline; when all are taken the oldest is dropped, so a crowd of
 * them delays the health check by at most one accept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"

#define ADMIN_DEADLINE_MS 2000
#define ADMIN_REQ_MAX     1024
#define ADMIN_OUT_MAX     (1 << 20)

struct admin_conn {
	int fd; /* -1: free */
	double deadline;
	char req[ADMIN_REQ_MAX];
	size_t got;
	struct buf out; /* the whole response, once the request is in */
	size_t sent;
	int writing;
	int pfd; /* its index in the last admin_pollfds, or -1 */
};

int
admin_init(struct admin *a, int fd, admin_health_fn health, void *arg)
{
	int i;

	a->fd = fd;
	a->health = health;
	a->arg = arg;
	if ((a->conns = calloc(ADMIN_CONNS, sizeof(*a->conns))) == NULL)
		return -1;
	for (i = 0; i < ADMIN_CONNS; i++)
		a->conns[i].fd = -1;
	return 0;
}

static void
admin_drop(struct admin_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->writing)
		buf_free(&c->out);
	c->fd = -1;
	c->writing = 0;
	c->got = c->sent = 0;
}

void
admin_close_inherited(struct admin *a)
{
	int i;

	if (a->fd >= 0)
		close(a->fd);
	for (i = 0; a->conns != NULL && i < ADMIN_CONNS; i++)
		if (a->conns[i].fd >= 0)
			close(a->conns[i].fd);
}

void
admin_free(struct admin *a)
{
	int i;

	for (i = 0; a->conns != NULL && i < ADMIN_CONNS; i++)
		admin_drop(&a->conns[i]);
	free(a->conns);
	a->conns = NULL;
}

int
admin_pollfds(struct admin *a, struct pollfd *pfd, int *timeout_ms)
{
	struct admin_conn *c;
	double now = clock_ms(), left;
	int i, n = 0;

	if (a->fd < 0)
		return 0;
	pfd[n].fd = a->fd;
	pfd[n].events = POLLIN;
	pfd[n++].revents = 0;
	for (i = 0; i < ADMIN_CONNS; i++) {
		c = &a->conns[i];
		c->pfd = -1;
		if (c->fd < 0)
			continue;
		c->pfd = n;
		pfd[n].fd = c->fd;
		pfd[n].events = c->writing ? POLLOUT : POLLIN;
		pfd[n++].revents = 0;
		left = c->deadline - now;
		if (left < 0)
			left = 0;
		if (*timeout_ms < 0 || left + 1 < *timeout_ms)
			*timeout_ms = (int)left + 1;
	}
	return n;
}

/* Builds the whole response for the request in c->req. */
static void
admin_respond(struct admin *a, struct admin_conn *c)
{
	struct buf body;
	const char *word = "not found";
	char head[160];
	int status = 404, n;

	buf_init(&body, ADMIN_OUT_MAX);
	buf_init(&c->out, ADMIN_OUT_MAX + sizeof(head));
	c->writing = 1;
	c->sent = 0;
	if (strncmp(c->req, "GET /metrics ", 13) == 0) {
		metrics_render(&body);
		status = 200;
	} else {
		if (strncmp(c->req, "GET /healthz ", 13) == 0)
			status = a->health(a->arg, &word);
		buf_printf(&body, "%s\n", word);
	}
	n = snprintf(head, sizeof(head),
	             "HTTP/1.0 %d %s\r\nContent-Type: text/plain; "
	             "version=0.0.4\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n",
	             status, http_reason(status), body.len);
	buf_append(&c->out, head, (size_t)n);
	buf_append(&c->out, body.data, body.len);
	buf_free(&body);
}

/* Reads what is there; answers once the head is complete (or the
 * buffer is full: the paths answered fit in its first line). */
static void
admin_read(struct admin *a, struct admin_conn *c)
{
	ssize_t n;

	n = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		admin_drop(c);
		return;
	}
	if (n < 0)
		return;
	c->got += (size_t)n;
	c->req[c->got] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL ||
	    strstr(c->req, "\n\n") != NULL || c->got == sizeof(c->req) - 1)
		admin_respond(a, c);
}

static void
admin_write(struct admin_conn *c)
{
	ssize_t n;

	n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
	         MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		admin_drop(c);
		return;
	}
	c->sent += (size_t)n;
	if (c->sent == c->out.len)
		admin_drop(c);
}

/* A free slot for a new connection: the oldest one is dropped when
 * there is none. */
static struct admin_conn *
admin_slot(struct admin *a)
{
	struct admin_conn *oldest = &a->conns[0];
	int i;

	for (i = 0; i < ADMIN_CONNS; i++) {
		if (a->conns[i].fd < 0)
			return &a->conns[i];
		if (a->conns[i].deadline < oldest->deadline)
			oldest = &a->conns[i];
	}
	admin_drop(oldest);
	return oldest;
}

static void
admin_accept(struct admin *a)
{
	struct admin_conn *c;
	int fd, i;

	for (i = 0; i < ADMIN_CONNS; i++) {
		fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		c = admin_slot(a);
		c->fd = fd;
		c->got = c->sent = 0;
		c->writing = 0;
		c->pfd = -1;
		c->deadline = clock_ms() + ADMIN_DEADLINE_MS;
	}
}

void
admin_step(struct admin *a, const struct pollfd *pfd, int n)
{
	struct admin_conn *c;
	double now = clock_ms();
	int i;

	for (i = 0; i < ADMIN_CONNS; i++) {
		c = &a->conns[i];
		if (c->fd < 0)
			continue;
		if (c->pfd >= 0 && c->pfd < n && pfd[c->pfd].revents != 0) {
			if (c->writing)
				admin_write(c);
			else
				admin_read(a, c);
			if (c->fd >= 0 && c->writing)
				admin_write(c);
		}
		if (c->fd >= 0 && now >= c->deadline)
			admin_drop(c);
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		admin_accept(a);
}
