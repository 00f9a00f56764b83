#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "metrics.h"
#include "page.h"
#include "password.h"
#include "server.h"

#define LISTEN_BACKLOG 128
#define ARENA_LIMIT    (1024 * 1024)
#define RESP_MAX_BODY  (1024 * 1024)
/* A FastCGI peer that stops reading or writing for this long is dropped
 * (accepted sockets inherit these timeouts from the listening socket). */
#define PEER_TIMEOUT_SEC 10
/* A worker that dies sooner than this after starting is respawned only
 * after this delay, so a crash at start-up cannot become a fork storm. */
#define RESPAWN_DELAY_MS 1000

static volatile sig_atomic_t worker_stop;
/* The supervisor's own descriptors, which a new worker closes. */
static int supervisor_fds[2] = {-1, -1};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- one request ------------------------------------------------- */

static const char *
param(FCGX_Request *fr, const char *name)
{
	return FCGX_GetParam(name, fr->envp);
}

static void
ctx_from_params(struct ctx *ctx, FCGX_Request *fr, char request_id[65])
{
	struct req *r = &ctx->req;
	const char *s;
	char *end;

	memset(r, 0, sizeof(*r));
	r->method_name = (s = param(fr, "REQUEST_METHOD")) ? s : "";
	if (strcmp(r->method_name, "GET") == 0)
		r->method = HTTP_GET;
	else if (strcmp(r->method_name, "HEAD") == 0)
		r->method = HTTP_HEAD;
	else if (strcmp(r->method_name, "POST") == 0)
		r->method = HTTP_POST;
	r->path = (s = param(fr, "DOCUMENT_URI")) ? s : "";
	r->query = (s = param(fr, "QUERY_STRING")) ? s : "";
	r->cookie = param(fr, "HTTP_COOKIE");
	r->accept = param(fr, "HTTP_ACCEPT");
	r->host = param(fr, "HTTP_HOST");
	r->origin = param(fr, "HTTP_ORIGIN");
	r->fetch_site = param(fr, "HTTP_SEC_FETCH_SITE");
	r->content_type = param(fr, "CONTENT_TYPE");
	s = param(fr, "HTTP_X_FORWARDED_PROTO");
	r->https = s != NULL && strcasecmp(s, "https") == 0;
	http_request_id(param(fr, "REQUEST_ID"), request_id);
	r->request_id = request_id;
	r->content_length = -1;
	if ((s = param(fr, "CONTENT_LENGTH")) != NULL && *s != '\0') {
		errno = 0;
		r->content_length = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || r->content_length < 0)
			r->content_length = -2; /* present but not a number */
	}
	r->body = "";
}

/* Form POSTs only: a body of the declared length, within MAX_BODY. */
static enum result
read_body(struct ctx *ctx, FCGX_Stream *in)
{
	struct req *r = &ctx->req;
	const char *ct = r->content_type ? r->content_type : "";
	size_t want, got = 0;
	char *body;
	int n;

	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';')) {
		ctx->resp.status = 415;
		return RESULT_BAD_REQUEST;
	}
	if (r->content_length == -2)
		return RESULT_BAD_REQUEST;
	if (r->content_length > (long)ctx->cfg->max_body)
		return RESULT_TOO_LARGE;
	want = r->content_length < 0 ? 0 : (size_t)r->content_length;
	if ((body = arena_alloc(&ctx->arena, want + 1)) == NULL)
		return RESULT_TOO_LARGE;
	while (got < want) {
		n = FCGX_GetStr(body + got, (int)(want - got), in);
		if (n <= 0)
			return RESULT_BAD_REQUEST; /* the body was cut short */
		got += (size_t)n;
	}
	body[got] = '\0';
	r->body = body;
	r->body_len = got;
	return RESULT_OK;
}

static const struct route *
find_route(const struct app *app, const char *path)
{
	int i;

	for (i = 0; i < app->nroutes; i++)
		if (strcmp(app->routes[i].path, path) == 0)
			return &app->routes[i];
	return NULL;
}

static void
allow_header(struct ctx *ctx, unsigned methods)
{
	char allow[32] = "";

	if (methods & HTTP_GET)
		strcat(allow, "GET, HEAD");
	if (methods & HTTP_POST)
		strcat(allow, allow[0] ? ", POST" : "POST");
	resp_header(&ctx->resp, "Allow", allow);
}

/*
 * The one place where a failure becomes an HTTP status: each result has
 * its status and a page that says what happened in words.
 */
static void
map_result(struct ctx *ctx, enum result rc)
{
	char retry[16];
	int status = ctx->resp.status;

	if (rc == RESULT_OK)
		return;
	buf_reset(&ctx->resp.head);
	ctx->cache_control = "no-store";
	switch (rc) {
	case RESULT_OK:
		return;
	case RESULT_BAD_REQUEST:
		if (status == 405) {
			allow_header(ctx, ctx->route->methods);
			rc = page_error(ctx, 405, "Method not allowed",
			                "This address does not take that kind "
			                "of request.");
		} else if (status == 415)
			rc = page_error(ctx, 415, "Unsupported form",
			                "The form arrived in an encoding this "
			                "site does not read. Please submit it "
			                "from the page again.");
		else
			rc = page_error(ctx, 400, "Bad request",
			                "The request could not be understood. "
			                "Please go back and try again.");
		break;
	case RESULT_NOT_FOUND:
		rc = page_error(ctx, 404, "Page not found",
		                "There is no page at this address.");
		break;
	case RESULT_TOO_LARGE:
		rc = page_error(ctx, 413, "Too large",
		                "What you sent is larger than any form here "
		                "accepts.");
		break;
	case RESULT_DB_UNAVAILABLE:
		snprintf(retry, sizeof(retry), "%d", db_retry_after(&ctx->db));
		rc = page_error(ctx, 503, "Temporarily unavailable",
		                "The database cannot be reached just now. "
		                "Nothing was saved; please try again in a "
		                "moment.");
		resp_header(&ctx->resp, "Retry-After", retry);
		break;
	case RESULT_ERROR:
		rc = page_error(ctx, 500, "Something went wrong",
		                "The server hit an error. Nothing was saved.");
		break;
	case RESULT_GONE:
		/* nginx's code for a client that closed first; nobody reads
		 * the (empty) answer. */
		ctx->resp.status = 499;
		buf_reset(&ctx->resp.body);
		rc = RESULT_OK;
		break;
	}
	if (rc != RESULT_OK) {
		/* The error page itself failed: say so in plain text. */
		ctx->resp.status = 500;
		ctx->resp.content_type = "text/plain; charset=utf-8";
		buf_reset(&ctx->resp.body);
		buf_puts(&ctx->resp.body, "Internal server error\n");
	}
}

int
ctx_client_gone(const struct ctx *ctx)
{
	struct pollfd pfd = {.fd = ctx->conn_fd, .events = POLLRDHUP};

	if (ctx->conn_fd < 0 || poll(&pfd, 1, 0) != 1)
		return 0;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void
dispatch(struct ctx *ctx, FCGX_Request *fr)
{
	const struct route *route;
	enum result rc;
	unsigned allowed;

	route = find_route(ctx->app, ctx->req.path);
	ctx->route = route;
	if (route == NULL) {
		map_result(ctx, RESULT_NOT_FOUND);
		return;
	}
	allowed = route->methods;
	if (allowed & HTTP_GET)
		allowed |= HTTP_HEAD;
	if ((ctx->req.method & allowed) == 0) {
		ctx->resp.status = 405;
		map_result(ctx, RESULT_BAD_REQUEST);
		return;
	}
	rc = RESULT_OK;
	if (ctx->req.method == HTTP_POST)
		rc = read_body(ctx, fr->in);
	if (rc == RESULT_OK)
		rc = route->fn(ctx);
	map_result(ctx, rc);
}

static void
respond(struct ctx *ctx, FCGX_Stream *out)
{
	struct resp *resp = &ctx->resp;
	char head[512];
	int n;

	if (buf_failed(&resp->body) || buf_failed(&resp->head)) {
		log_error("response for %s exceeded its bound", ctx->req.path);
		resp->status = 500;
		resp->content_type = "text/plain; charset=utf-8";
		buf_reset(&resp->head);
		buf_reset(&resp->body);
		buf_puts(&resp->body, "Internal server error\n");
	}
	/* libfcgi's own printf knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
	             "Status: %d %s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\nCache-Control: %s\r\n",
	             resp->status, http_reason(resp->status),
	             resp->content_type, resp->body.len,
	             ctx->cache_control ? ctx->cache_control : "no-store");
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, out);
	if (resp->head.len > 0)
		FCGX_PutStr(resp->head.data, (int)resp->head.len, out);
	FCGX_PutStr("\r\n", 2, out);
	if (ctx->req.method != HTTP_HEAD && resp->body.len > 0)
		FCGX_PutStr(resp->body.data, (int)resp->body.len, out);
}

/* Never inlined: the one function a profiler can scope to a request
 * (bench/profile collects from here). */
static __attribute__((noinline)) void
handle(struct ctx *ctx, FCGX_Request *fr)
{
	char request_id[65];
	double start = now_ms(), elapsed;

	arena_reset(&ctx->arena);
	resp_reset(&ctx->resp);
	memset(&ctx->viewer, 0, sizeof(ctx->viewer));
	db_begin_request(&ctx->db);
	ctx->route = NULL;
	ctx->cache_control = "no-store";
	ctx->conn_fd = fr->ipcFd;
	valid_env_at(&ctx->env, time(NULL));
	ctx_from_params(ctx, fr, request_id);
	dispatch(ctx, fr);
	respond(ctx, fr->out);
	elapsed = now_ms() - start;
	log_request(ctx->req.request_id, ctx->req.method_name,
	            ctx->route ? ctx->route->path : "-", ctx->resp.status,
	            elapsed, ctx->db.busy_ms);
	metrics_request(ctx->route ? (int)(ctx->route - ctx->app->routes) : -1,
	                ctx->resp.status, elapsed);
	metrics_db(&ctx->db.stats);
}

/* ---- workers ----------------------------------------------------- */

static void
on_stop(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static void
worker_signals(sigset_t *during_wait)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: ppoll must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* Stop signals are held while a request runs and delivered only
	 * while waiting for the next one, so a request in hand always
	 * finishes. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(during_wait);
}

/*
 * Waits until there is something to accept: on the listening socket, or
 * on the connection libfcgi kept open (nginx's fastcgi_keep_conn), whose
 * next request arrives on it. EPOLLEXCLUSIVE wakes one idle worker per
 * new connection instead of all of them. Stop signals are let through
 * only here. Returns 0 when ready, -1 when interrupted or on error.
 */
static int
worker_wait(int efd, const FCGX_Request *fr, const sigset_t *during_wait)
{
	struct epoll_event ev;
	struct pollfd pfd;
	int rc;

	if (fr->ipcFd >= 0) {
		pfd.fd = fr->ipcFd;
		pfd.events = POLLIN;
		rc = ppoll(&pfd, 1, NULL, during_wait);
	} else
		rc = epoll_pwait(efd, &ev, 1, -1, during_wait);
	if (rc < 0 && errno != EINTR)
		log_error("waiting for a request: %s", strerror(errno));
	return rc > 0 ? 0 : -1;
}

static int
worker_client_gone(void *ctx)
{
	return ctx_client_gone(ctx);
}

static void
worker_init(struct ctx *ctx, const struct app *app, const struct config *cfg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->app = app;
	ctx->cfg = cfg;
	arena_init(&ctx->arena, ARENA_LIMIT);
	resp_init(&ctx->resp, RESP_MAX_BODY);
	db_init(&ctx->db, app->stmts, app->nstmts, app->name,
	        cfg->db_timeout_ms);
	db_connect(&ctx->db);
	password_on_gone(worker_client_gone, ctx);
}

static int
worker_run(const struct app *app, const struct config *cfg, int listen_fd,
           int slot)
{
	static struct ctx ctx;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	FCGX_Request fr;
	sigset_t during_wait;
	int rc, efd;

	worker_signals(&during_wait);
	log_after_fork();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	metrics_attach(slot);
	worker_init(&ctx, app, cfg);
	ev.data.fd = listen_fd;
	if ((efd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(efd, EPOLL_CTL_ADD, listen_fd, &ev) < 0 ||
	    FCGX_InitRequest(&fr, listen_fd, 0) != 0) {
		log_error("worker set-up failed: %s", strerror(errno));
		return 1;
	}
	while (!worker_stop) {
		if (worker_wait(efd, &fr, &during_wait) == -1)
			continue;
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			/* Another worker took the connection, or the peer
			 * went away before it was read. */
			if (rc != -EAGAIN && rc != -EWOULDBLOCK &&
			    rc != -EINTR && rc != -ECONNABORTED)
				log_error("FCGX_Accept_r: %d", rc);
			continue;
		}
		metrics_busy(1);
		handle(&ctx, &fr);
		FCGX_Finish_r(&fr);
		metrics_busy(0);
	}
	FCGX_Free(&fr, 1);
	close(efd);
	db_close(&ctx.db);
	arena_free(&ctx.arena);
	resp_free(&ctx.resp);
	return 0;
}

/* ---- supervisor -------------------------------------------------- */

struct slot {
	pid_t pid;
	double started;
	double respawn_at; /* 0: not waiting to respawn */
};

static pid_t
spawn(const struct app *app, const struct config *cfg, int listen_fd,
      struct slot *slots, int i)
{
	struct slot *s = &slots[i];
	pid_t pid = fork();

	if (pid == 0) {
		for (i = 0; i < 2; i++)
			if (supervisor_fds[i] >= 0)
				close(supervisor_fds[i]);
		_exit(worker_run(app, cfg, listen_fd, (int)(s - slots)));
	}
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		s->respawn_at = now_ms() + RESPAWN_DELAY_MS;
		return -1;
	}
	s->pid = pid;
	s->started = now_ms();
	s->respawn_at = 0;
	return pid;
}

static int
live_workers(const struct slot *slots, int n)
{
	int i, live = 0;

	for (i = 0; i < n; i++)
		live += slots[i].pid > 0;
	return live;
}

/* Reaps exited workers; outside shutdown, schedules their replacement. */
static void
reap(struct slot *slots, int n, int stopping)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n && slots[i].pid != pid; i++)
			;
		if (i == n)
			continue;
		slots[i].pid = 0;
		if (stopping)
			continue;
		metrics_worker_replaced();
		if (WIFSIGNALED(status))
			log_error("worker %d killed by signal %d; replacing it",
			          (int)pid, WTERMSIG(status));
		else
			log_error("worker %d exited with %d; replacing it",
			          (int)pid, WEXITSTATUS(status));
		slots[i].respawn_at =
		    now_ms() - slots[i].started < RESPAWN_DELAY_MS
		        ? now_ms() + RESPAWN_DELAY_MS
		        : now_ms();
	}
}

/* Replaces workers whose respawn time has come. Returns the poll
 * timeout until the next one is due, or -1. */
static int
respawn_due(const struct app *app, const struct config *cfg, int listen_fd,
            struct slot *slots)
{
	double next;
	int i, timeout = -1;

	for (i = 0; i < cfg->workers; i++) {
		if (slots[i].pid != 0 || slots[i].respawn_at == 0)
			continue;
		if (slots[i].respawn_at <= now_ms())
			spawn(app, cfg, listen_fd, slots, i);
		else {
			next = slots[i].respawn_at - now_ms() + 1;
			if (timeout < 0 || next < timeout)
				timeout = (int)next;
		}
	}
	return timeout;
}

static void
signal_workers(struct slot *slots, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

/*
 * Whether the pool can serve: some worker is alive, and not every live
 * worker has been on one request for over HEALTH_STUCK_SECONDS. The
 * supervisor answers this itself, so a pool whose workers are all busy
 * (a burst of log-ins, each a scrypt hash) is still healthy: busy is
 * not dead, and a load balancer that took busy tasks out of service
 * would turn a burst into an outage. Returns the status; says why in
 * body.
 */
static int
pool_health(const struct config *cfg, const struct slot *slots,
            struct buf *body)
{
	int live = live_workers(slots, cfg->workers);
	int stuck = metrics_stuck(cfg->health_stuck * 1000LL);

	if (live > 0 && stuck < live) {
		buf_puts(body, "ok\n");
		return 200;
	}
	buf_printf(body, "unhealthy: %d of %d workers alive, %d stuck\n", live,
	           cfg->workers, stuck);
	return 503;
}

/*
 * Answers one request on the supervisor's port: GET /metrics (Prometheus
 * text), GET /healthz, 404 for anything else. Reads and writes are
 * bounded by short timeouts, so a stalled client cannot hold the
 * supervisor.
 */
static void
supervisor_serve(int lfd, const struct config *cfg, const struct slot *slots)
{
	struct timeval tv = {1, 0};
	struct buf body;
	char req[1024], head[160];
	size_t got = 0;
	ssize_t n;
	int fd, status = 404;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1 &&
	       (n = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[got] = '\0';
	buf_init(&body, 1 << 20);
	if (strncmp(req, "GET /metrics ", 13) == 0) {
		metrics_render(&body);
		status = 200;
	} else if (strncmp(req, "GET /healthz ", 13) == 0)
		status = pool_health(cfg, slots, &body);
	else
		buf_puts(&body, "not found\n");
	n = snprintf(head, sizeof(head),
	             "HTTP/1.0 %d %s\r\nContent-Type: text/plain; "
	             "version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
	             status, http_reason(status), body.len);
	if (write(fd, head, (size_t)n) == n && body.len > 0 &&
	    write(fd, body.data, body.len) < 0)
		log_error("supervisor port: write: %s", strerror(errno));
	buf_free(&body);
	close(fd);
}

static int
supervise(const struct app *app, const struct config *cfg, int listen_fd,
          int metrics_fd)
{
	struct slot *slots;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	sigset_t mask;
	double deadline = 0;
	int i, sfd, stopping = 0, timeout;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}
	supervisor_fds[0] = sfd;
	supervisor_fds[1] = metrics_fd;
	if ((slots = calloc((size_t)cfg->workers, sizeof(*slots))) == NULL)
		return 1;
	for (i = 0; i < cfg->workers; i++)
		spawn(app, cfg, listen_fd, slots, i);
	log_info("%s: %d workers on %s", app->name, cfg->workers,
	         cfg->fcgi_listen);
	while (!stopping || live_workers(slots, cfg->workers) > 0) {
		timeout =
		    stopping ? -1 : respawn_due(app, cfg, listen_fd, slots);
		if (stopping) {
			if (now_ms() >= deadline) {
				signal_workers(slots, cfg->workers, SIGKILL);
				log_error(
				    "workers still busy after %d s: killed",
				    cfg->shutdown_timeout);
				deadline = now_ms() + 1e9;
			}
			timeout = (int)(deadline - now_ms()) + 1;
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = metrics_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, metrics_fd >= 0 ? 2 : 1, timeout) <= 0)
			continue;
		if (metrics_fd >= 0 && (pfd[1].revents & POLLIN))
			supervisor_serve(metrics_fd, cfg, slots);
		if (!(pfd[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD)
			reap(slots, cfg->workers, stopping);
		else if (!stopping) {
			stopping = 1;
			deadline = now_ms() + cfg->shutdown_timeout * 1e3;
			close(listen_fd);
			log_info("%s: stopping; draining %d workers", app->name,
			         live_workers(slots, cfg->workers));
			signal_workers(slots, cfg->workers, SIGTERM);
		}
	}
	free(slots);
	close(sfd);
	log_info("%s: stopped", app->name);
	return 0;
}

/* Accepted FastCGI sockets inherit these from the listening socket. */
static void
set_peer_timeouts(int fd)
{
	struct timeval tv = {PEER_TIMEOUT_SEC, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
server_main(const struct app *app, int argc, char **argv)
{
	static struct config cfg;
	int fd, mfd = -1;

	log_init(app->name);
	if (config_load(&cfg, app->name) == -1)
		return 2;
	if (argc == 2 && strcmp(argv[1], "--healthcheck") == 0)
		return healthcheck_run(cfg.metrics_listen, 2000);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--healthcheck]\n", argv[0]);
		return 2;
	}
	if (page_init(cfg.html_dir) == -1 || app->init(&cfg) == -1)
		return 1;
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if ((fd = server_listen(cfg.fcgi_listen, LISTEN_BACKLOG)) < 0)
		return 1;
	set_peer_timeouts(fd);
	if (metrics_init(app, cfg.workers) == -1) {
		log_error("cannot map shared memory for metrics");
		return 1;
	}
	if ((mfd = server_listen(cfg.metrics_listen, 16)) < 0)
		return 1;
	return supervise(app, &cfg, fd, mfd);
}
