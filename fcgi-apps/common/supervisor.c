/*
 * supervisor: forks the workers of each group, replaces any that dies,
 * answers the admin endpoint, and drains the pool on SIGTERM.
 *
 * Its loop never blocks on anything but poll(): signals arrive on a
 * signalfd and the admin endpoint is non-blocking (admin.c), so reaping,
 * respawning and draining always go on.
 *
 * Draining, on SIGTERM (SIGINT, or a second signal while draining,
 * skips step 2: for a stop from whoever already took the task out of
 * the load balancer, as scripts/stack does before stopping a task):
 * 1. /healthz answers 503 "draining" at once, so the load balancer
 *    (HAProxy locally, the ALB on AWS) stops sending new requests;
 * 2. for DRAIN_GRACE seconds the pool serves what still arrives (the
 *    load balancer needs its failed checks, inter x fall, to notice);
 * 3. then every listening socket is shut down, which stops accepting in
 *    every process at once (the workers' inherited copies are the same
 *    socket: connecting now fails at once instead of queueing), and the
 *    workers are told to finish what they have and exit;
 * 4. workers still busy SHUTDOWN_TIMEOUT seconds after the signal are
 *    killed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"

/* A worker that dies sooner than this after starting is respawned only
 * after this delay, so a crash at start-up cannot become a fork storm. */
#define RESPAWN_DELAY_MS 1000

enum sup_state { SUP_SERVING, SUP_DRAINING, SUP_STOPPING };

struct slot {
	pid_t pid;
	const struct pool_group *group;
	double started;
	double respawn_at; /* 0: not waiting to respawn */
};

struct sup {
	struct pool *pool;
	struct slot *slots;
	struct admin admin;
	int sfd;
	enum sup_state state;
	double stop_accepting_at; /* SUP_DRAINING: end of the grace */
	double kill_at;           /* SUP_DRAINING, SUP_STOPPING */
	int said_unhealthy;       /* the log has the reason already */
};

static void
sup_spawn(struct sup *s, int i)
{
	struct slot *slot = &s->slots[i];
	struct pool *pool = s->pool;
	pid_t pid = fork();
	int g;

	if (pid == 0) {
		close(s->sfd);
		admin_close_inherited(&s->admin);
		for (g = 0; g < pool->ngroups; g++)
			if (&pool->groups[g] != slot->group)
				close(pool->groups[g].fd);
		_exit(worker_run(pool, slot->group, i));
	}
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		slot->respawn_at = clock_ms() + RESPAWN_DELAY_MS;
		return;
	}
	slot->pid = pid;
	slot->started = clock_ms();
	slot->respawn_at = 0;
}

static int
sup_live(const struct sup *s, int hashing)
{
	int i, live = 0;

	for (i = 0; i < s->pool->nslots; i++)
		live += s->slots[i].pid > 0 &&
		        (hashing < 0 || s->slots[i].group->hashing == hashing);
	return live;
}

/* Reaps exited workers and clears their metrics slots; while serving,
 * schedules their replacement. */
static void
sup_reap(struct sup *s)
{
	struct slot *slot;
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < s->pool->nslots && s->slots[i].pid != pid; i++)
			;
		if (i == s->pool->nslots)
			continue;
		slot = &s->slots[i];
		slot->pid = 0;
		/* A worker killed mid-request left its slot busy. */
		metrics_slot_idle(i);
		if (s->state == SUP_STOPPING)
			continue;
		metrics_worker_replaced();
		if (WIFSIGNALED(status))
			log_error("worker %d killed by signal %d; replacing it",
			          (int)pid, WTERMSIG(status));
		else
			log_error("worker %d exited with %d; replacing it",
			          (int)pid, WEXITSTATUS(status));
		slot->respawn_at = clock_ms() - slot->started < RESPAWN_DELAY_MS
		                       ? clock_ms() + RESPAWN_DELAY_MS
		                       : clock_ms();
	}
}

/* Lowers *timeout to reach `at`. */
static void
sup_until(double at, int *timeout)
{
	double left = at - clock_ms() + 1;

	if (left < 0)
		left = 0;
	if (*timeout < 0 || left < *timeout)
		*timeout = (int)left;
}

/* Replaces workers whose respawn time has come. */
static void
sup_respawn(struct sup *s, int *timeout)
{
	int i;

	for (i = 0; i < s->pool->nslots; i++) {
		if (s->slots[i].pid != 0 || s->slots[i].respawn_at == 0)
			continue;
		if (s->slots[i].respawn_at <= clock_ms())
			sup_spawn(s, i);
		else
			sup_until(s->slots[i].respawn_at, timeout);
	}
}

static void
sup_signal_all(struct sup *s, int sig)
{
	int i;

	for (i = 0; i < s->pool->nslots; i++)
		if (s->slots[i].pid > 0)
			kill(s->slots[i].pid, sig);
}

/*
 * /healthz: "draining" from the stop signal on; otherwise "ok" while
 * some page worker is alive and not every live worker has been on one
 * request for over HEALTH_STUCK_SECONDS. Busy is not dead: a pool whose
 * workers are all busy (a burst of log-ins) is healthy, and a load
 * balancer that took busy tasks out would turn a burst into an outage.
 * The body is one word: counts are for /metrics and the log (once, when
 * the pool turns unhealthy), not for anyone who can reach the check.
 */
static int
sup_health(void *arg, const char **word)
{
	struct sup *s = arg;
	int live = sup_live(s, -1);

	if (s->state != SUP_SERVING) {
		*word = "draining";
		return 503;
	}
	if (sup_live(s, 0) > 0 &&
	    metrics_stuck(s->pool->cfg->health_stuck * 1000LL) < live) {
		s->said_unhealthy = 0;
		*word = "ok";
		return 200;
	}
	*word = "unhealthy";
	if (!s->said_unhealthy)
		log_error("unhealthy: %d of %d workers alive, %d stuck", live,
		          s->pool->nslots,
		          metrics_stuck(s->pool->cfg->health_stuck * 1000LL));
	s->said_unhealthy = 1;
	return 503;
}

static void
sup_drain(struct sup *s)
{
	const struct config *cfg = s->pool->cfg;

	s->state = SUP_DRAINING;
	s->stop_accepting_at = clock_ms() + cfg->drain_grace * 1e3;
	s->kill_at = clock_ms() + cfg->shutdown_timeout * 1e3;
	log_info("%s: stopping; draining: serving for %d s more",
	         s->pool->app->name, cfg->drain_grace);
}

static void
sup_stop_accepting(struct sup *s)
{
	struct pool *pool = s->pool;
	int g;

	s->state = SUP_STOPPING;
	for (g = 0; g < pool->ngroups; g++) {
		shutdown(pool->groups[g].fd, SHUT_RDWR);
		close(pool->groups[g].fd);
		pool->groups[g].fd = -1;
	}
	log_info("%s: stopped accepting; %d workers finishing", pool->app->name,
	         sup_live(s, -1));
	sup_signal_all(s, SIGTERM);
}

/* The timeout of the next poll, after what the state asks for now. */
static int
sup_tick(struct sup *s)
{
	int timeout = -1;

	if (s->state == SUP_SERVING || s->state == SUP_DRAINING)
		sup_respawn(s, &timeout);
	if (s->state == SUP_DRAINING) {
		if (clock_ms() >= s->stop_accepting_at)
			sup_stop_accepting(s);
		else
			sup_until(s->stop_accepting_at, &timeout);
	}
	if (s->state == SUP_STOPPING) {
		if (clock_ms() >= s->kill_at) {
			sup_signal_all(s, SIGKILL);
			log_error("workers still busy after %d s: killed",
			          s->pool->cfg->shutdown_timeout);
			s->kill_at = clock_ms() + 1e9;
		}
		sup_until(s->kill_at, &timeout);
	}
	return timeout;
}

static int
sup_setup(struct sup *s, struct pool *pool)
{
	sigset_t mask;
	int i, g, k;

	memset(s, 0, sizeof(*s));
	s->pool = pool;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((s->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		log_error("signalfd: %s", strerror(errno));
		return -1;
	}
	if ((s->slots = calloc((size_t)pool->nslots, sizeof(*s->slots))) ==
	        NULL ||
	    admin_init(&s->admin, pool->admin_fd, sup_health, s) == -1)
		return -1;
	for (g = 0, i = 0; g < pool->ngroups; g++)
		for (k = 0; k < pool->groups[g].n; k++)
			s->slots[i++].group = &pool->groups[g];
	return 0;
}

int
supervise(struct pool *pool)
{
	struct pollfd pfd[ADMIN_CONNS + 2];
	struct signalfd_siginfo si;
	struct sup s;
	int i, n, timeout;

	if (sup_setup(&s, pool) == -1)
		return 1;
	for (i = 0; i < pool->nslots; i++)
		sup_spawn(&s, i);
	for (i = 0; i < pool->ngroups; i++)
		log_info("%s: %d %s workers on %s", pool->app->name,
		         pool->groups[i].n, pool->groups[i].name,
		         pool->groups[i].listen);
	while (s.state != SUP_STOPPING || sup_live(&s, -1) > 0) {
		timeout = sup_tick(&s);
		pfd[0].fd = s.sfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = 1 + admin_pollfds(&s.admin, pfd + 1, &timeout);
		if (poll(pfd, (nfds_t)n, timeout) <= 0)
			continue;
		admin_step(&s.admin, pfd + 1, n - 1);
		while ((pfd[0].revents & POLLIN) &&
		       read(s.sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				sup_reap(&s);
			else if (s.state == SUP_SERVING) {
				sup_drain(&s);
				if (si.ssi_signo == SIGINT)
					s.stop_accepting_at = clock_ms();
			} else if (s.state == SUP_DRAINING)
				s.stop_accepting_at = clock_ms();
			break;
		}
	}
	admin_free(&s.admin);
	free(s.slots);
	close(s.sfd);
	log_info("%s: stopped", pool->app->name);
	return 0;
}
