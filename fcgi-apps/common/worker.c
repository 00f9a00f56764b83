/*
 * worker: one process serving one FastCGI connection at a time.
 *
 * libfcgi never multiplexes: while a worker holds a connection, nothing
 * else reaches it. A worker that finished a request and then waited on
 * the connection its peer kept open would be pinned there while new
 * connections queued unanswered (measured: four log-ins in flight made
 * GET /login wait 10 s). So:
 * - the sidecar never keeps connections to the hashing workers, and its
 *   limits keep the connections it opens within the workers that can
 *   take them, so one finds a worker at once or is refused by the
 *   sidecar with 503 and Retry-After (nginx/render);
 * - a connection a peer keeps open (the sidecar may keep a few to the
 *   page workers, FCGI_KEEPALIVE) is waited on for at most FCGI_TIMEOUT
 *   seconds, and given up at once when a new connection is waiting, so
 *   a kept connection never holds a worker a new one needs;
 * - every exchange, from the first record of a request to the last of
 *   its response, has FCGI_TIMEOUT seconds in all (deadline.c), however
 *   the peer paces its reads and writes: a peer that stalls, trickles
 *   its request or reads the response a little at a time frees its
 *   worker at the deadline;
 * - whatever a handler did not read of a request's stdin is read and
 *   discarded before the connection is used again, and a connection
 *   whose stdin does not end within MAX_BODY bytes and the timeout is
 *   closed, so an unread body can never be taken for the next request.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "clock.h"
#include "deadline.h"
#include "dispatch.h"
#include "log.h"
#include "metrics.h"
#include "page.h"
#include "password.h"
#include "pool.h"
#include "request.h"
#include "response.h"

#define ARENA_LIMIT   (1024 * 1024)
#define RESP_MAX_BODY (1024 * 1024)

static volatile sig_atomic_t worker_stop;

static void
worker_on_stop(int sig)
{
	(void)sig;
	worker_stop = 1;
}

int
ctx_client_gone(const struct ctx *ctx)
{
	struct pollfd pfd = {.fd = ctx->conn_fd, .events = POLLRDHUP};

	if (ctx->conn_fd < 0 || poll(&pfd, 1, 0) != 1)
		return 0;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Never inlined: the one function a profiler can scope to a request
 * (bench/profile collects from here). */
static __attribute__((noinline)) void
worker_handle(struct ctx *ctx, FCGX_Request *fr)
{
	char request_id[65];
	double start = clock_ms(), elapsed;

	arena_reset(&ctx->arena);
	resp_reset(&ctx->resp);
	memset(&ctx->viewer, 0, sizeof(ctx->viewer));
	db_begin_request(&ctx->db);
	ctx->route = NULL;
	ctx->form = NULL;
	ctx->cache_control = "no-store";
	ctx->conn_fd = fr->ipcFd;
	valid_env_at(&ctx->env, time(NULL));
	request_parse(ctx, fr, request_id);
	dispatch(ctx, fr->in);
	response_write(ctx, fr->out);
	elapsed = clock_ms() - start;
	log_request(ctx->req.request_id, ctx->req.method_name,
	            ctx->route ? ctx->route->path : "-", ctx->resp.status,
	            elapsed, ctx->db.busy_ms);
	metrics_request(ctx->route ? (int)(ctx->route - ctx->app->routes) : -1,
	                ctx->resp.status, elapsed);
	metrics_db(&ctx->db.stats);
}

static void
worker_signals(sigset_t *during_wait)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_stop; /* no SA_RESTART: waits return */
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
 * Takes a connection from the listening socket into fr. libfcgi then reads the
 * request from fr->ipcFd instead of accepting one itself (keepConnection keeps
 * FCGX_Accept_r's opening FCGX_Finish_r from closing it; the begin-request
 * record then sets it from the peer's FCGI_KEEP_CONN flag). Returns 0, or -1
 * when there was nothing to take (another worker was quicker).
 */
static int
worker_take(FCGX_Request *fr, int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		/* EINVAL: the supervisor shut a TCP socket down (draining). */
		if (errno == EINVAL)
			worker_stop = 1;
		else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		         errno != EINTR && errno != ECONNABORTED)
			log_error("accept: %s", strerror(errno));
		return -1;
	}
	fr->ipcFd = fd;
	fr->keepConnection = 1;
	return 0;
}

/* Closes fr's connection without libfcgi's lingering close. */
static void
worker_drop(FCGX_Request *fr)
{
	if (fr->ipcFd >= 0)
		close(fr->ipcFd);
	fr->ipcFd = -1;
	fr->keepConnection = 0;
}

/*
 * Waits for the next request: on the connection the peer kept open (at
 * most timeout_s, then it is closed), or for a new connection. Stop
 * signals are let through only here. Returns 0 when fr has a connection
 * to read, -1 otherwise.
 */
static int
worker_wait(int efd, FCGX_Request *fr, int listen_fd, int timeout_s,
            const sigset_t *during_wait)
{
	struct epoll_event ev;
	struct timespec idle = {timeout_s, 0};
	struct pollfd pfd[2];
	int rc;

	if (fr->ipcFd >= 0) {
		pfd[0].fd = fr->ipcFd;
		pfd[0].events = POLLIN;
		pfd[1].fd = listen_fd;
		pfd[1].events = POLLIN;
		rc = ppoll(pfd, 2, &idle, during_wait);
		if (rc > 0 && (pfd[1].revents & POLLHUP))
			worker_stop = 1;
		if (rc > 0 && pfd[0].revents != 0)
			return 0;
		if (rc < 0 && errno == EINTR)
			return -1;
		/* Idle past its deadline, or a new connection is waiting:
		 * a kept connection never holds a worker that a new one
		 * needs. nginx resends a request that meets a cached
		 * connection closed under it on a fresh one. */
		worker_drop(fr);
		return rc > 0 ? worker_take(fr, listen_fd) : -1;
	}
	rc = epoll_pwait(efd, &ev, 1, -1, during_wait);
	if (rc < 0 && errno != EINTR)
		log_error("waiting for a connection: %s", strerror(errno));
	if (rc <= 0)
		return -1;
	/* The supervisor shut the socket down (draining): it stays ready
	 * for good, and a wait that returns ready never delivers the stop
	 * signal, so stop here; what is still queued is served on the way
	 * out. */
	if (ev.events & EPOLLHUP) {
		worker_stop = 1;
		return -1;
	}
	return worker_take(fr, listen_fd);
}

static int
worker_client_gone(void *ctx)
{
	return ctx_client_gone(ctx);
}

/* Serves the request on fr's connection within its deadline, then
 * leaves the connection clean for the next one or closes it. */
static void
worker_serve(struct ctx *ctx, FCGX_Request *fr, int timeout_s)
{
	deadline_arm(fr->ipcFd, timeout_s);
	if (FCGX_Accept_r(fr) < 0) {
		/* The peer left, or sent no whole request in time. */
		deadline_disarm();
		worker_drop(fr);
		return;
	}
	metrics_busy(1);
	worker_handle(ctx, fr);
	if (!request_drain(fr->in, ctx->cfg->max_body))
		fr->keepConnection = 0;
	/* Closing without libfcgi's linger: its stdin is either read to
	 * the end or given up on. */
	fr->detached = !fr->keepConnection;
	FCGX_Finish_r(fr);
	/* Past the deadline the connection is shut down (libfcgi closed it
	 * already if it noticed): never kept. */
	if (deadline_disarm())
		worker_drop(fr);
	metrics_busy(0);
}

/*
 * A hash is 0.2 s of CPU that nobody watches tick; a page is a few
 * milliseconds someone waits for. Hashing workers therefore run at a
 * high nice value (HASH_NICE, 10 by default), not under SCHED_IDLE:
 *
 * - SCHED_IDLE gave pages the core at every wake-up, but it gives a
 *   hash a weight of 3 against a page worker's 1024: while pages (or
 *   anything else on the machine) keep the CPU full, a hash all but
 *   stops, and the log-ins holding the permits waited until the gate
 *   gave up on them after FCGI_TIMEOUT (make bench BENCH_ARGS=--burst
 *   on a busy machine: 503 after 10 s).
 * - Nice 10 is a weight of 110: against every busy page worker a hash
 *   still gets about a tenth of that worker's time, so it always
 *   progresses (guaranteed), and the hashes together can never take
 *   more than HASH_CONCURRENCY such shares from busy pages (bounded).
 *   With the sign-up task's 4 page workers all busy on 2 cores, each of
 *   2 hashes gets 2 x 110 / (2 x 110 + 4 x 1024) = 5% of a core: 0.2 s
 *   of hashing in about 4 s, inside FCGI_TIMEOUT; with pages idle, the
 *   hashes have the cores to themselves.
 * - What pages lose: EEVDF lets a waking page worker, whose deadline is
 *   far earlier than a heavily weighted-down hash's, preempt it at once
 *   or after at most one base slice (0.75 ms times 1 + log2 of the CPUs:
 *   1.5 ms on 2), not a whole time slice of a normal-weight hash.
 * - Log-ins that would wait behind hashes slowed that far are refused
 *   at once, not queued (HASH_BUDGET_MS, password.c).
 *
 * Raising one's nice value needs no privilege, so the policy holds as
 * user nobody and on ECS alike.
 */
static void
worker_share_cpu(int nice)
{
	if (setpriority(PRIO_PROCESS, 0, nice) == -1)
		log_error("setpriority(%d): %s", nice, strerror(errno));
}

static void
worker_init(struct ctx *ctx, const struct pool *pool, int hashing)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->app = pool->app;
	ctx->cfg = pool->cfg;
	ctx->hashing = hashing;
	arena_init(&ctx->arena, ARENA_LIMIT);
	resp_init(&ctx->resp, RESP_MAX_BODY);
	db_init(&ctx->db, pool->app->stmts, pool->app->nstmts, pool->app->name,
	        pool->cfg->db_timeout_ms);
	db_connect(&ctx->db);
	password_on_gone(worker_client_gone, ctx);
}

int
worker_run(const struct pool *pool, const struct pool_group *g, int slot)
{
	static struct ctx ctx;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
	int timeout_s = pool->cfg->fcgi_timeout;
	FCGX_Request fr;
	sigset_t during_wait;
	int efd;

	/* libfcgi is given no listening socket: every connection is taken
	 * by worker_take, and served within its deadline. */

	worker_signals(&during_wait);
	log_after_fork();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	metrics_attach(slot);
	if (g->hashing)
		worker_share_cpu(pool->cfg->hash_nice);
	worker_init(&ctx, pool, g->hashing);
	ev.data.fd = g->fd;
	if (deadline_init() == -1 || (efd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(efd, EPOLL_CTL_ADD, g->fd, &ev) < 0 ||
	    FCGX_InitRequest(&fr, -1, 0) != 0) {
		log_error("worker set-up failed: %s", strerror(errno));
		return 1;
	}
	while (!worker_stop)
		if (worker_wait(efd, &fr, g->fd, timeout_s, &during_wait) == 0)
			worker_serve(&ctx, &fr, timeout_s);
	/* Stopping: the supervisor has shut the listening socket, so no new
	 * connection can arrive; serve those already queued and the
	 * request on a kept connection, if one came, then go. */
	if (fr.ipcFd >= 0) {
		fr.keepConnection = 0;
		worker_drop(&fr);
	}
	while (worker_take(&fr, g->fd) == 0) {
		worker_serve(&ctx, &fr, timeout_s);
		worker_drop(&fr);
	}
	close(g->fd);
	FCGX_Free(&fr, 1);
	close(efd);
	db_close(&ctx.db);
	arena_free(&ctx.arena);
	resp_free(&ctx.resp);
	return 0;
}
