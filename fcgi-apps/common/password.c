#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
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
static int (*client_gone)(void *);
static void *client_gone_arg;

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
password_limit(int permits)
{
	if (permits < 1 ||
	    (limit_fd = memfd_create("scrypt-permits", MFD_CLOEXEC)) < 0 ||
	    ftruncate(limit_fd, permits) < 0)
		return -1;
	limit_permits = permits;
	/* scrypt's 8 MiB buffer comes from mmap and goes back on free:
	 * glibc would otherwise raise its mmap threshold after the first
	 * hash and keep the buffer in every worker for good. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	return 0;
}

/* Takes a permit: a free one if any, else waits for the first to come
 * free. Returns the locked byte, -1 without a limit, or PASSWORD_GONE
 * if the client leaves meanwhile.
 *
 * A blocking lock waits for one byte, and another may come free first:
 * with two permits, two waiters queued on the same byte would hash one
 * after the other while the second core stood idle. So a waiter looks
 * at every byte again each LIMIT_POLL_NS: at most 2 ms on top of a
 * hash that takes a hundred times as long, and a few lock calls a
 * millisecond while all permits are taken. */
#define LIMIT_POLL_NS 2000000L

static int
limit_acquire(void)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
	const struct timespec poll = {0, LIMIT_POLL_NS};
	int i;

	if (limit_fd < 0)
		return -1;
	for (;;) {
		for (i = 0; i < limit_permits; i++) {
			fl.l_start = i;
			if (fcntl(limit_fd, F_SETLK, &fl) == 0)
				return i;
			if (errno != EAGAIN && errno != EACCES)
				return -1;
		}
		if (password_gone())
			return PASSWORD_GONE;
		nanosleep(&poll, NULL);
	}
}

static void
limit_release(int permit)
{
	struct flock fl = {.l_type = F_UNLCK,
	                   .l_whence = SEEK_SET,
	                   .l_start = permit,
	                   .l_len = 1};

	if (permit >= 0)
		fcntl(limit_fd, F_SETLK, &fl);
}

/* scrypt under a permit, with its time recorded for the metrics (the
 * wait for a permit included: it is part of what a log-in costs).
 * Returns 0, -1 or PASSWORD_GONE. */
static int
password_scrypt(const char *pw, size_t len, const uint8_t *salt, size_t saltlen,
                int logn, int r, int p, uint8_t *out, size_t outlen)
{
	double start = clock_ms();
	int rc, permit = limit_acquire();

	if (permit == PASSWORD_GONE)
		return PASSWORD_GONE;
	if (password_gone()) {
		limit_release(permit);
		return PASSWORD_GONE;
	}
	rc = libscrypt_scrypt((const uint8_t *)pw, len, salt, saltlen,
	                      (uint64_t)1 << logn, (uint32_t)r, (uint32_t)p,
	                      out, outlen);
	limit_release(permit);
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
		return n == PASSWORD_GONE ? PASSWORD_GONE : -1;
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
		return rc == PASSWORD_GONE ? PASSWORD_GONE : -1;
	return crypto_equal(got, want, sizeof(got));
}

int
password_verify_dummy(const char *pw, size_t len)
{
	static const uint8_t salt[SALT_BYTES];
	uint8_t got[HASH_BYTES];

	return password_scrypt(pw, len, salt, sizeof(salt), PASSWORD_LOG2_N,
	                       PASSWORD_R, PASSWORD_P, got,
	                       sizeof(got)) == PASSWORD_GONE
	           ? PASSWORD_GONE
	           : 0;
}
