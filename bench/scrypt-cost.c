/*
 * scrypt-cost: what one password hash costs at the parameters the
 * services use (fcgi-apps/common/password.h), and at OWASP's other
 * recommended settings for comparison. Prints the median of RUNS hashes
 * on one core and the memory each needs (128 * r * N bytes).
 *
 *   make bench-scrypt            (RUNS=15 by default)
 *   scrypt-cost --rate SECONDS   hashes a second at the services'
 *                                parameters, one process per core
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libscrypt.h>

#include "password.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median_ms(int logn, int r, int p, int runs)
{
	const uint8_t pw[] = "correct horse battery staple";
	uint8_t salt[16] = {0}, out[64];
	struct timespec a, b;
	double *ms = calloc((size_t)runs, sizeof(*ms)), m;
	int i;

	for (i = 0; i < runs; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		libscrypt_scrypt(pw, sizeof(pw) - 1, salt, sizeof(salt),
				 (uint64_t)1 << logn, (uint32_t)r, (uint32_t)p,
				 out, sizeof(out));
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(ms, (size_t)runs, sizeof(*ms), cmp);
	m = ms[runs / 2];
	free(ms);
	return m;
}

/*
 * The raw rate: one process per online core hashing for secs seconds at
 * the parameters the services use; prints the total hashes a second.
 */
static int
rate(double secs)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN), i, total = 0;
	int fds[2], status;
	long n;

	if (pipe(fds) < 0)
		return 1;
	for (i = 0; i < cores; i++) {
		if (fork() == 0) {
			const uint8_t pw[] = "correct horse battery staple";
			uint8_t salt[16] = {0}, out[64];
			struct timespec a, b;

			n = 0;
			clock_gettime(CLOCK_MONOTONIC, &a);
			do {
				libscrypt_scrypt(pw, sizeof(pw) - 1, salt,
						 sizeof(salt),
						 (uint64_t)1 << PASSWORD_LOG2_N,
						 PASSWORD_R, PASSWORD_P, out,
						 sizeof(out));
				n++;
				clock_gettime(CLOCK_MONOTONIC, &b);
			} while ((b.tv_sec - a.tv_sec) +
				     (b.tv_nsec - a.tv_nsec) / 1e9 <
				 secs);
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	while (wait(&status) > 0)
		;
	printf("{\"cores\":%ld,\"seconds\":%.1f,\"hashes\":%ld,"
	       "\"per_second\":%.2f}\n",
	       cores, secs, total, total / secs);
	return 0;
}

int
main(int argc, char **argv)
{
	static const int owasp[][3] = {
	    {17, 8, 1}, {16, 8, 2}, {15, 8, 3}, {14, 8, 5}, {13, 8, 10}};
	int runs = argc > 1 ? atoi(argv[1]) : 15, i;

	if (argc == 3 && strcmp(argv[1], "--rate") == 0)
		return rate(atof(argv[2]));

	if (runs < 1)
		runs = 1;
	printf("%-22s %10s %10s %12s\n", "scrypt parameters", "memory", "median",
	       "hashes/s/core");
	for (i = 0; i < 5; i++) {
		double ms = median_ms(owasp[i][0], owasp[i][1], owasp[i][2],
				      runs);
		int used = owasp[i][0] == PASSWORD_LOG2_N &&
			   owasp[i][1] == PASSWORD_R &&
			   owasp[i][2] == PASSWORD_P;

		printf("N=2^%-2d r=%d p=%-2d %s %7d MiB %7.1f ms %12.1f\n",
		       owasp[i][0], owasp[i][1], owasp[i][2],
		       used ? "(used)" : "      ",
		       (int)((128ull * owasp[i][1] << owasp[i][0]) >> 20), ms,
		       1000.0 / ms);
	}
	printf("median of %d hashes each, one core\n", runs);
	return 0;
}
