#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>

#include "server.h"

#define HC_MAX_OUTPUT 4096

static long long
hc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
hc_record(unsigned char *p, int type, const void *body, size_t len)
{
	FCGI_Header *h = (FCGI_Header *)p;

	h->version = FCGI_VERSION_1;
	h->type = (unsigned char)type;
	h->requestIdB1 = 0;
	h->requestIdB0 = 1;
	h->contentLengthB1 = (unsigned char)(len >> 8);
	h->contentLengthB0 = (unsigned char)(len & 0xff);
	h->paddingLength = 0;
	h->reserved = 0;
	if (len > 0)
		memcpy(p + FCGI_HEADER_LEN, body, len);
	return FCGI_HEADER_LEN + len;
}

/* Appends one name-value pair (both shorter than 128 bytes). */
static size_t
hc_pair(unsigned char *p, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	p[0] = (unsigned char)n;
	p[1] = (unsigned char)v;
	memcpy(p + 2, name, n);
	memcpy(p + 2 + n, value, v);
	return 2 + n + v;
}

static int
hc_io(int fd, int write_, void *p, size_t n, long long deadline)
{
	struct pollfd pfd = {fd, write_ ? POLLOUT : POLLIN, 0};
	size_t done = 0;
	ssize_t r;
	long long left;

	while (done < n) {
		if ((left = deadline - hc_now()) <= 0 ||
		    poll(&pfd, 1, (int)left) <= 0)
			return -1;
		r = write_ ? write(fd, (char *)p + done, n - done)
		           : read(fd, (char *)p + done, n - done);
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int
healthcheck_run(const char *addr, int timeout_ms)
{
	static const FCGI_BeginRequestBody begin = {0, FCGI_RESPONDER, 0, {0}};
	unsigned char req[1024], params[512], body[65536];
	char out[HC_MAX_OUTPUT + 1];
	size_t n = 0, pn = 0, outlen = 0, len;
	long long deadline = hc_now() + timeout_ms;
	FCGI_Header h;
	int fd;

	pn += hc_pair(params + pn, "REQUEST_METHOD", "GET");
	pn += hc_pair(params + pn, "DOCUMENT_URI", "/healthz");
	pn += hc_pair(params + pn, "SCRIPT_NAME", "/healthz");
	pn += hc_pair(params + pn, "REQUEST_URI", "/healthz");
	pn += hc_pair(params + pn, "QUERY_STRING", "");
	pn += hc_pair(params + pn, "SERVER_PROTOCOL", "HTTP/1.1");
	pn += hc_pair(params + pn, "REQUEST_ID", "healthcheck");
	n += hc_record(req + n, FCGI_BEGIN_REQUEST, &begin, sizeof(begin));
	n += hc_record(req + n, FCGI_PARAMS, params, pn);
	n += hc_record(req + n, FCGI_PARAMS, NULL, 0);
	n += hc_record(req + n, FCGI_STDIN, NULL, 0);
	if ((fd = server_connect(addr)) < 0) {
		fprintf(stderr, "healthcheck: cannot connect to %s: %s\n", addr,
		        strerror(errno));
		return 1;
	}
	if (hc_io(fd, 1, req, n, deadline) == -1)
		goto fail;
	for (;;) {
		if (hc_io(fd, 0, &h, sizeof(h), deadline) == -1)
			goto fail;
		len = (size_t)h.contentLengthB1 << 8 | h.contentLengthB0;
		len += h.paddingLength;
		if (len > 0 && hc_io(fd, 0, body, len, deadline) == -1)
			goto fail;
		if (h.type == FCGI_END_REQUEST)
			break;
		len -= h.paddingLength;
		if (h.type == FCGI_STDOUT && outlen < HC_MAX_OUTPUT) {
			if (len > HC_MAX_OUTPUT - outlen)
				len = HC_MAX_OUTPUT - outlen;
			memcpy(out + outlen, body, len);
			outlen += len;
		}
	}
	close(fd);
	out[outlen] = '\0';
	if (strncmp(out, "Status: 200", 11) == 0)
		return 0;
	fprintf(stderr, "healthcheck: %.*s\n", (int)strcspn(out, "\r\n"), out);
	return 1;
fail:
	close(fd);
	fprintf(stderr, "healthcheck: no answer from %s within %d ms\n", addr,
	        timeout_ms);
	return 1;
}
