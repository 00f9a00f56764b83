/*
 * password: scrypt hashes stored as libscrypt's MCF strings,
 * "$s1$NNrrpp$salt$hash" (log2 N, r and p in hex; base64 salt and hash),
 * so the parameters travel with each hash and can be raised later
 * without invalidating stored ones.
 *
 * New hashes use N = 2^13, r = 8, p = 10: one of OWASP's recommended
 * scrypt settings, and the one with the least memory (8 MiB a hash), so
 * a 0.5 GB task can run many workers hashing at once. The README gives
 * the measured cost (`make bench-scrypt`).
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>

#define PASSWORD_LOG2_N  13
#define PASSWORD_R       8
#define PASSWORD_P       10
#define PASSWORD_MCF_MAX 128 /* bytes, with the NUL; libscrypt's bound */

/*
 * Lets at most `permits` processes hash at once (the pool's
 * HASH_CONCURRENCY, by default one per core): more could not finish any
 * sooner on those cores, would each hold another 8 MiB, and would leave
 * no worker free for pages that need no hash. At most `waiters` more
 * (HASH_WAITERS) wait for a permit, and only while the hashes ahead and
 * their own can end within budget_ms (HASH_BUDGET_MS) at the pace hashes
 * go just now; any other hash is refused at once with PASSWORD_BUSY.
 * Call once before the workers are forked. Permits and waiting places
 * are byte-range locks on a memory file, so the kernel releases a dead
 * worker's. Returns 0 or -1.
 */
int password_limit(int permits, int waiters, int budget_ms);

/*
 * A hash that could not be done in time was refused: nothing was
 * hashed, and the visitor should be answered 503 with Retry-After of
 * password_busy_seconds() (the time hashes take just now, at least 1).
 */
#define PASSWORD_BUSY (-3)
int password_busy_seconds(void);

/*
 * A hash nobody will read is skipped: while waiting for a permit, and
 * again just before it starts, each hash asks gone(arg) whether the
 * client is still there, and if not returns PASSWORD_GONE without
 * hashing. Under a burst of log-ins, those the sidecar already gave up
 * on then cost nothing, instead of delaying everyone behind them.
 */
#define PASSWORD_GONE (-2)
void password_on_gone(int (*gone)(void *), void *arg);

/* Hashes len bytes of pw with a fresh 16-byte salt into mcf. Returns 0,
 * PASSWORD_GONE, PASSWORD_BUSY, or -1 if randomness or memory was unavailable
 * (mcf is then empty). */
int password_hash(const char *pw, size_t len, char mcf[PASSWORD_MCF_MAX]);
/* Returns 1 if pw matches mcf, 0 if not, -1 if mcf is malformed or its
 * parameters are outside sane bounds, PASSWORD_GONE, PASSWORD_BUSY. The final
 * comparison is constant time. */
int password_verify(const char *pw, size_t len, const char *mcf);
/* Spends the time of one verification at the current parameters, so a
 * login for a name that does not exist takes as long as a wrong
 * password. Returns 0, PASSWORD_GONE or PASSWORD_BUSY. */
int password_verify_dummy(const char *pw, size_t len);

#endif
