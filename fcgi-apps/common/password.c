#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libscrypt.h>

#include "clock.h"
#include "crypto.h"
#include "metrics.h"
#include "password.h"

#define SALT_BYTES 16
#define HASH_BYTES 64

/* Verification refuses parameters that would let a stored string make a
 * worker allocate or compute without bound. */
#define VERIFY_MAX_LOG2_N 20
#define VERIFY_MAX_R      32
#define VERIFY_MAX_P      64

static int limit_fd = -1;
static int limit_permits;
static int limit_waiters;
static double limit_budget_ms;
static int busy_seconds = 1;
static int (*client_gone)(void *);
static void *client_gone_arg;

/*
 * What the hashing workers share, in the permits' memory file (the
 * byte-range locks on the same file are the permits and the waiting
 * places; locks and contents do not interact): how long recent hashes
 * took, and when each permit's hash began (0: none), so that a log-in
 * that finds every permit taken can tell at once whether it would be
 * hashed within its budget.
 */
#define LIMIT_MAX 512 /* permits + waiting places (config: 256 each) */
struct limit_shared {
	_Atomic uint32_t hash_ms; /* recent hashes, smoothed; 0: none yet */
	_Atomic uint64_t started_us[LIMIT_MAX / 2];
};
static struct limit_shared *limit_shared;

void
password_on_gone(int (*gone)(void *), void *arg)
{
	client_gone = gone;
	client_gone_arg = arg;
}

static int
password_gone(void)
{
	return client_gone != NULL && client_gone(client_gone_arg);
}

int
password_limit(int permits, int waiters, int budget_ms)
{
	if (permits < 1 || waiters < 0 || permits > LIMIT_MAX / 2 ||
	    waiters > LIMIT_MAX / 2 || budget_ms < 1 ||
	    (limit_fd = memfd_create("scrypt-permits", MFD_CLOEXEC)) < 0 ||
	    ftruncate(limit_fd, sizeof(struct limit_shared)) < 0)
		return -1;
	limit_shared = mmap(NULL, sizeof(struct limit_shared),
	                    PROT_READ | PROT_WRITE, MAP_SHARED, limit_fd, 0);
	if (limit_shared == MAP_FAILED) {
		limit_shared = NULL;
		return -1;
	}
	limit_permits = permits;
	limit_waiters = waiters;
	limit_budget_ms = budget_ms;
	/* scrypt's 8 MiB buffer comes from mmap and goes back on free:
	 * glibc would otherwise raise its mmap threshold after the first
	 * hash and keep the buffer in every worker for good. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	return 0;
}

int
password_busy_seconds(void)
{
	return busy_seconds;
}

static int
limit_lock(int byte)
{
	struct flock fl = {.l_type = F_WRLCK,
	                   .l_whence = SEEK_SET,
	                   .l_start = byte,
	                   .l_len = 1};

	if (fcntl(limit_fd, F_SETLK, &fl) == 0)
		return 1;
	return errno == EAGAIN || errno == EACCES ? 0 : -1;
}

static void
limit_unlock(int byte)
{
	struct flock fl = {.l_type = F_UNLCK,
	                   .l_whence = SEEK_SET,
	                   .l_start = byte,
	                   .l_len = 1};

	fcntl(limit_fd, F_SETLK, &fl);
}

/* Takes the first free permit: its number, -1 when none is free,
 * LIMIT_ERROR when the locks fail. */
#define LIMIT_ERROR (-4)
static int
limit_try(void)
{
	int i, rc;

	for (i = 0; i < limit_permits; i++)
		if ((rc = limit_lock(i)) != 0)
			return rc == 1 ? i : LIMIT_ERROR;
	return -1;
}

/* How long one hash takes just now, in ms: the recent hashes' time, or
 * longer if a hash in hand has already run longer (the CPU is short,
 * and the smoothed figure has not caught up yet). 0 when unknown. */
static double
limit_hash_ms(void)
{
	double now_us = clock_ms() * 1000.0, ms;
	int i;

	ms = atomic_load(&limit_shared->hash_ms);
	for (i = 0; i < limit_permits; i++) {
		uint64_t t = atomic_load(&limit_shared->started_us[i]);

		if (t != 0 && now_us > (double)t &&
		    (now_us - (double)t) / 1000.0 > ms)
			ms = (now_us - (double)t) / 1000.0;
	}
	return ms;
}

/* Refuses a log-in that cannot be hashed within its budget: it would
 * finish in about `ms`. Sets the Retry-After to give. */
static int
limit_refuse(double ms)
{
	busy_seconds = (int)(ms / 1000.0) + 1;
	if (busy_seconds > 60)
		busy_seconds = 60;
	return PASSWORD_BUSY;
}

/*
 * Takes a permit: a free one if any, else waits for the first to come
 * free, in one of the pool's HASH_WAITERS waiting places, but only as
 * long as it can still be hashed within its budget (HASH_BUDGET_MS).
 * Returns the permit, -1 without a limit, PASSWORD_GONE if the client
 * leaves meanwhile, PASSWORD_BUSY when it must be refused.
 *
 * Why a budget, and a waiting place: a log-in that waits for a hash it
 * cannot get in time would hold its worker and its visitor for seconds
 * and then be refused anyway (the gate gives up after FCGI_TIMEOUT).
 * So a log-in that finds every permit taken waits only if a place is
 * free and the hashes ahead of it and its own, at the pace hashes go
 * just now, end within the budget; otherwise it is refused at once,
 * with Retry-After, and the form explains. While it waits, it gives up
 * as soon as that stops being true (hashes got slower). A log-in that
 * finds a permit free is always hashed: the hashing workers' CPU share
 * (worker.c) is what bounds how long that takes, and it keeps the
 * estimate honest.
 *
 * A blocking lock waits for one byte, and another may come free first:
 * with two permits, two waiters queued on the same byte would hash one
 * after the other while the second core stood idle. So a waiter looks
 * at every byte again each LIMIT_POLL_NS: at most 2 ms on top of a
 * hash that takes a hundred times as long, and a few lock calls a
 * millisecond while all permits are taken.
 */
#define LIMIT_POLL_NS 2000000L

static int
limit_acquire(void)
{
	const struct timespec poll = {0, LIMIT_POLL_NS};
	double start, ms, ahead;
	int i, place = -1, rc;

	if (limit_fd < 0)
		return -1;
	if ((i = limit_try()) != -1)
		return i < 0 ? -1 : i;
	for (i = 0; i < limit_waiters && place < 0; i++)
		if ((rc = limit_lock(limit_permits + i)) != 0)
			place = rc == 1 ? limit_permits + i : -2;
	if (place == -2)
		return -1;
	ms = limit_hash_ms();
	if (place < 0)
		return limit_refuse(ms);
	/* The places before ours are rounds of the permits before us. */
	ahead = (double)(place - limit_permits) / limit_permits + 2.0;
	if (ms * ahead > limit_budget_ms) {
		limit_unlock(place);
		return limit_refuse(ms * ahead);
	}
	start = clock_ms();
	for (;;) {
		if ((i = limit_try()) != -1)
			break;
		if (password_gone()) {
			i = PASSWORD_GONE;
			break;
		}
		ms = limit_hash_ms();
		if (clock_ms() - start + ms > limit_budget_ms) {
			i = limit_refuse(ms);
			break;
		}
		nanosleep(&poll, NULL);
	}
	limit_unlock(place);
	return i == LIMIT_ERROR ? -1 : i;
}

static void
limit_release(int permit, double hash_ms)
{
	uint32_t old, ms;

	if (permit < 0)
		return;
	atomic_store(&limit_shared->started_us[permit], 0);
	/* Smoothed over about four hashes: quick to follow a CPU that got
	 * short, without one odd hash swinging it. */
	old = atomic_load(&limit_shared->hash_ms);
	ms = old == 0 ? (uint32_t)hash_ms
	              : (uint32_t)((3.0 * old + hash_ms) / 4.0);
	atomic_store(&limit_shared->hash_ms, ms < 1 ? 1 : ms);
	limit_unlock(permit);
}

/* scrypt under a permit, with its time recorded for the metrics (the
 * wait for a permit included: it is part of what a log-in costs).
 * Returns 0, -1, PASSWORD_GONE or PASSWORD_BUSY. */
static int
password_scrypt(const char *pw, size_t len, const uint8_t *salt, size_t saltlen,
                int logn, int r, int p, uint8_t *out, size_t outlen)
{
	double start = clock_ms(), began;
	int rc, permit = limit_acquire();

	if (permit == PASSWORD_GONE || permit == PASSWORD_BUSY)
		return permit;
	if (password_gone()) {
		if (permit >= 0)
			limit_unlock(permit);
		return PASSWORD_GONE;
	}
	began = clock_ms();
	if (permit >= 0)
		atomic_store(&limit_shared->started_us[permit],
		             (uint64_t)(began * 1000.0));
	rc = libscrypt_scrypt((const uint8_t *)pw, len, salt, saltlen,
	                      (uint64_t)1 << logn, (uint32_t)r, (uint32_t)p,
	                      out, outlen);
	limit_release(permit, clock_ms() - began);
	metrics_password_hash(clock_ms() - start);
	return rc;
}

int
password_hash(const char *pw, size_t len, char mcf[PASSWORD_MCF_MAX])
{
	uint8_t salt[SALT_BYTES], hash[HASH_BYTES];
	char salt64[4 * ((SALT_BYTES + 2) / 3) + 1];
	char hash64[4 * ((HASH_BYTES + 2) / 3) + 1];
	int n;

	mcf[0] = '\0';
	if (crypto_random(salt, sizeof(salt)) == -1)
		return -1;
	if ((n = password_scrypt(pw, len, salt, sizeof(salt), PASSWORD_LOG2_N,
	                         PASSWORD_R, PASSWORD_P, hash, sizeof(hash))) !=
	    0)
		return n == PASSWORD_GONE || n == PASSWORD_BUSY ? n : -1;
	crypto_b64_encode(salt, sizeof(salt), salt64);
	crypto_b64_encode(hash, sizeof(hash), hash64);
	n = snprintf(mcf, PASSWORD_MCF_MAX, "$s1$%02x%02x%02x$%s$%s",
	             PASSWORD_LOG2_N, PASSWORD_R, PASSWORD_P, salt64, hash64);
	if (n < 0 || n >= PASSWORD_MCF_MAX) {
		mcf[0] = '\0';
		return -1;
	}
	return 0;
}

static int
password_hex2(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 2; i++) {
		v <<= 4;
		if (s[i] >= '0' && s[i] <= '9')
			v |= s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v |= s[i] - 'a' + 10;
		else
			return -1;
	}
	return v;
}

int
password_verify(const char *pw, size_t len, const char *mcf)
{
	uint8_t salt[64], want[HASH_BYTES], got[HASH_BYTES];
	const char *salt64, *hash64;
	long saltlen, hashlen;
	int logn, r, p, rc;

	/* "$s1$" + 6 hex digits + "$" */
	if (strncmp(mcf, "$s1$", 4) != 0 || strlen(mcf) < 11 || mcf[10] != '$')
		return -1;
	logn = password_hex2(mcf + 4);
	r = password_hex2(mcf + 6);
	p = password_hex2(mcf + 8);
	if (logn < 1 || logn > VERIFY_MAX_LOG2_N || r < 1 || r > VERIFY_MAX_R ||
	    p < 1 || p > VERIFY_MAX_P)
		return -1;
	salt64 = mcf + 11;
	if ((hash64 = strchr(salt64, '$')) == NULL)
		return -1;
	saltlen = crypto_b64_decode(salt64, (size_t)(hash64 - salt64), salt,
	                            sizeof(salt));
	hash64++;
	hashlen = crypto_b64_decode(hash64, strlen(hash64), want, sizeof(want));
	if (saltlen <= 0 || hashlen != HASH_BYTES)
		return -1;
	if ((rc = password_scrypt(pw, len, salt, (size_t)saltlen, logn, r, p,
	                          got, sizeof(got))) != 0)
		return rc == PASSWORD_GONE || rc == PASSWORD_BUSY ? rc : -1;
	return crypto_equal(got, want, sizeof(got));
}

int
password_verify_dummy(const char *pw, size_t len)
{
	static const uint8_t salt[SALT_BYTES];
	uint8_t got[HASH_BYTES];

	int rc = password_scrypt(pw, len, salt, sizeof(salt), PASSWORD_LOG2_N,
	                         PASSWORD_R, PASSWORD_P, got, sizeof(got));

	return rc == PASSWORD_GONE || rc == PASSWORD_BUSY ? rc : 0;
}
