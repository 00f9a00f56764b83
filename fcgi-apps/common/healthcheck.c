#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "server.h"

/* Waits for fd to be ready before the deadline. Returns 1 or 0. */
static int
hc_ready(int fd, short events, long long deadline)
{
	struct pollfd pfd = {fd, events, 0};
	long long left = deadline - (long long)clock_ms();

	return left > 0 && poll(&pfd, 1, (int)left) > 0;
}

int
healthcheck_run(const char *addr, int timeout_ms)
{
	static const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
	long long deadline = (long long)clock_ms() + timeout_ms;
	char resp[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = server_connect(addr)) < 0) {
		fprintf(stderr, "healthcheck: cannot connect to %s: %s\n", addr,
		        strerror(errno));
		return 1;
	}
	if (!hc_ready(fd, POLLOUT, deadline) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		goto fail;
	while (got < sizeof(resp) - 1 && hc_ready(fd, POLLIN, deadline) &&
	       (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	resp[got] = '\0';
	if (strncmp(resp, "HTTP/1.0 200 ", 13) == 0)
		return 0;
	fprintf(stderr, "healthcheck: %s\n",
	        got ? strstr(resp, "\r\n\r\n") ? strstr(resp, "\r\n\r\n") + 4
	                                       : resp
	            : "no answer");
	return 1;
fail:
	close(fd);
	fprintf(stderr, "healthcheck: no answer from %s within %d ms\n", addr,
	        timeout_ms);
	return 1;
}
