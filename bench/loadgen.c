/*
 * loadgen: HTTP/1.1 load at a constant request rate, with latency
 * measured from when each request was due, not from when it was sent.
 *
 * A closed-loop tool such as wrk sends the next request only after the
 * previous answer, so a server that stalls also stalls the clock: the
 * requests that would have queued behind the stall are never timed
 * ("coordinated omission"). Here request i is due at start + i / RATE
 * whatever happens; if no connection is free it waits, and that wait is
 * part of its latency, as it would be for a real visitor.
 *
 *   loadgen -R RATE [-c CONNS] [-d SECONDS] [-w WARMUP] [-m METHOD]
 *           [-b BODY] [-H 'Name: value']... [-S SESSIONS] [-P N] URL
 *
 * Templates in BODY and headers: {key} 32 hex digits, new for every
 * request (an idempotency key); {cookie} and {csrf} from SESSIONS, a file
 * of "cookie<TAB>csrf" lines used in turn; {pick} a random number from 1
 * to N (-P), seven digits; {day} a date, YYYY-MM-DD, a different one for
 * each request (back from 2025-03-01, repeating after 20 000 days), so
 * entries logged under load stay below the 24 hours a date can take: the
 * bench seeds its astronauts' entries on the 300 days before 2026-01-01,
 * after that date, as bench/sql/hours_post.sql does.
 * Prints one JSON object: the rate asked and
 * achieved, counts by status, and latency percentiles in milliseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS  16
#define MAX_SESSIONS 4096
#define INBUF        (1 << 20)
#define OUTBUF       8192
#define MAX_STATUS   600

enum conn_state { CONN_CLOSED, CONN_IDLE, CONN_BUSY };

struct conn {
	int fd;
	enum conn_state state;
	char out[OUTBUF];
	size_t outlen, outoff;
	char *in;
	size_t inlen;
	double due;      /* when the request in flight was due */
	int record;      /* counted (not warm-up) */
};

static struct {
	const char *method, *body;
	const char *headers[MAX_HEADERS];
	int nheaders;
	char host[96], path[2048];
	struct sockaddr_in addr;
	char *cookies[MAX_SESSIONS], *csrfs[MAX_SESSIONS];
	int nsessions, session;
	long pick;
	uint64_t keyprefix;
} cfg;

static double *lat;
static size_t nlat, caplat;
static long status_count[MAX_STATUS], conn_errors, sent, done;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

/* Appends template t to out with its placeholders filled in. */
static size_t
fill(char *out, size_t cap, const char *t, uint64_t seq, int s)
{
	size_t o = 0, n;
	char tmp[64];
	const char *v;

	while (*t != '\0' && o < cap - 1) {
		v = NULL;
		if (strncmp(t, "{key}", 5) == 0) {
			snprintf(tmp, sizeof(tmp), "%016llx%016llx",
				 (unsigned long long)cfg.keyprefix,
				 (unsigned long long)seq);
			v = tmp, t += 5;
		} else if (strncmp(t, "{pick}", 6) == 0) {
			snprintf(tmp, sizeof(tmp), "%07ld",
				 1 + random() % (cfg.pick > 0 ? cfg.pick : 1));
			v = tmp, t += 6;
		} else if (strncmp(t, "{day}", 5) == 0) {
			/* 2025-03-01T00:00:00Z */
			time_t day = 1740787200 - 86400 * (time_t)(seq % 20000);
			struct tm tm;

			strftime(tmp, sizeof(tmp), "%Y-%m-%d",
				 gmtime_r(&day, &tm));
			v = tmp, t += 5;
		} else if (strncmp(t, "{cookie}", 8) == 0 && cfg.nsessions) {
			v = cfg.cookies[s], t += 8;
		} else if (strncmp(t, "{csrf}", 6) == 0 && cfg.nsessions) {
			v = cfg.csrfs[s], t += 6;
		}
		if (v == NULL) {
			out[o++] = *t++;
			continue;
		}
		n = strlen(v);
		if (n > cap - 1 - o)
			n = cap - 1 - o;
		memcpy(out + o, v, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

static void
build_request(struct conn *c, uint64_t seq)
{
	char body[2048], line[1024];
	size_t blen = 0;
	int i, s = 0, n;

	if (cfg.nsessions) {
		s = cfg.session;
		cfg.session = (cfg.session + 1) % cfg.nsessions;
	}
	if (cfg.body)
		blen = fill(body, sizeof(body), cfg.body, seq, s);
	n = snprintf(c->out, OUTBUF, "%s %s HTTP/1.1\r\nHost: %s\r\n",
		     cfg.method, cfg.path, cfg.host);
	for (i = 0; i < cfg.nheaders; i++) {
		fill(line, sizeof(line), cfg.headers[i], seq, s);
		n += snprintf(c->out + n, OUTBUF - (size_t)n, "%s\r\n", line);
	}
	if (cfg.body)
		n += snprintf(c->out + n, OUTBUF - (size_t)n,
			      "Content-Type: application/x-www-form-urlencoded"
			      "\r\nContent-Length: %zu\r\n",
			      blen);
	n += snprintf(c->out + n, OUTBUF - (size_t)n, "\r\n");
	if (cfg.body && (size_t)n + blen < OUTBUF) {
		memcpy(c->out + n, body, blen);
		n += (int)blen;
	}
	c->outlen = (size_t)n;
	c->outoff = 0;
}

static int
conn_open(int ep, struct conn *c)
{
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&cfg.addr, sizeof(cfg.addr)) <
		0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		return -1;
	}
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	c->state = CONN_IDLE;
	c->inlen = 0;
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_CLOSED;
}

static void
record(struct conn *c, int status)
{
	double *p;

	done++;
	if (!c->record)
		return;
	if (status < 0 || status >= MAX_STATUS)
		conn_errors++;
	else
		status_count[status]++;
	if (status < 200 || status >= 400)
		return;
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		if ((p = realloc(lat, caplat * sizeof(*lat))) == NULL)
			die("out of memory");
		lat = p;
	}
	lat[nlat++] = (now_s() - c->due) * 1000;
}

/* Returns the full response length in c->in, 0 if incomplete, -1 if
 * malformed. Sets *status and *close. */
static long
response_length(struct conn *c, int *status, int *close_after)
{
	char *end, *h, *p;
	long hlen, clen = -1, pos, size;

	c->in[c->inlen] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return 0;
	hlen = end + 4 - c->in;
	if (strncmp(c->in, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(c->in + 9);
	*close_after = 0;
	for (h = c->in; h < end; h = p + 2) {
		if ((p = strstr(h, "\r\n")) == NULL)
			break;
		if (strncasecmp(h, "content-length:", 15) == 0)
			clen = atol(h + 15);
		else if (strncasecmp(h, "connection:", 11) == 0 &&
			 strcasestr(h, "close") != NULL && strcasestr(h, "close") < p)
			*close_after = 1;
		else if (strncasecmp(h, "transfer-encoding:", 18) == 0 &&
			 strcasestr(h, "chunked") != NULL && strcasestr(h, "chunked") < p)
			clen = -2;
	}
	if (clen >= 0)
		return (long)c->inlen >= hlen + clen ? hlen + clen : 0;
	if (clen == -1)
		return hlen; /* no body (303, 204, HEAD) */
	for (pos = hlen;;) {
		if ((p = strstr(c->in + pos, "\r\n")) == NULL)
			return 0;
		size = strtol(c->in + pos, NULL, 16);
		pos = p + 2 - c->in;
		if (size == 0)
			return strstr(c->in + pos, "\r\n") ? pos + 2 : 0;
		pos += size + 2;
		if (pos > (long)c->inlen)
			return 0;
	}
}

static void
conn_read(struct conn *c)
{
	ssize_t n;
	long len;
	int status = 0, close_after = 0, eof = 0;

	while (c->inlen < INBUF - 1) {
		n = read(c->fd, c->in + c->inlen, INBUF - 1 - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		eof = 1; /* a server may close right after its last answer */
		break;
	}
	if (c->state == CONN_BUSY) {
		len = response_length(c, &status, &close_after);
		if (len > 0) {
			record(c, status);
			memmove(c->in, c->in + len, c->inlen - (size_t)len);
			c->inlen -= (size_t)len;
			c->state = CONN_IDLE;
		} else if (len < 0 || eof || c->inlen >= INBUF - 1) {
			record(c, -1);
			conn_close(c);
			return;
		}
	}
	if (eof || close_after)
		conn_close(c);
}

static void
conn_write(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				record(c, -1);
				conn_close(c);
			}
			return;
		}
		c->outoff += (size_t)n;
	}
}

static void
load_sessions(const char *path)
{
	char line[1024], *tab;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("cannot read the sessions file");
	while (cfg.nsessions < MAX_SESSIONS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		cfg.cookies[cfg.nsessions] = strdup(line);
		cfg.csrfs[cfg.nsessions] = strdup(tab + 1);
		cfg.nsessions++;
	}
	fclose(f);
	if (cfg.nsessions == 0)
		die("no sessions in the sessions file");
}

static void
parse_url(const char *url)
{
	char host[64];
	int port = 80;
	const char *p;

	if (strncmp(url, "http://", 7) != 0)
		die("only http:// URLs");
	url += 7;
	p = url + strcspn(url, ":/");
	if ((size_t)(p - url) >= sizeof(host))
		die("host too long");
	memcpy(host, url, (size_t)(p - url));
	host[p - url] = '\0';
	if (*p == ':')
		port = atoi(p + 1);
	p = strchr(p, '/');
	snprintf(cfg.path, sizeof(cfg.path), "%s", p ? p : "/");
	snprintf(cfg.host, sizeof(cfg.host), "%s:%d", host, port);
	memset(&cfg.addr, 0, sizeof(cfg.addr));
	cfg.addr.sin_family = AF_INET;
	cfg.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &cfg.addr.sin_addr) != 1)
		die("the host must be an IPv4 address");
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	size_t i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p / 100 * (double)nlat);
	return lat[i >= nlat ? nlat - 1 : i];
}

static void
report(double rate, double secs, long unsent)
{
	long ok = 0, failed = conn_errors;
	int i, first = 1;

	qsort(lat, nlat, sizeof(*lat), cmp);
	for (i = 0; i < MAX_STATUS; i++)
		if (i >= 200 && i < 400)
			ok += status_count[i];
		else
			failed += status_count[i];
	printf("{\"rate\":%.1f,\"seconds\":%.1f,\"achieved\":%.1f,"
	       "\"ok\":%ld,\"errors\":%ld,\"unsent\":%ld,\"status\":{",
	       rate, secs, (double)nlat / secs, ok, failed, unsent);
	for (i = 0; i < MAX_STATUS; i++)
		if (status_count[i]) {
			printf("%s\"%d\":%ld", first ? "" : ",", i,
			       status_count[i]);
			first = 0;
		}
	printf("},\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
	       "\"p99.9\":%.3f,\"max\":%.3f}}\n",
	       pct(50), pct(90), pct(99), pct(99.9), nlat ? lat[nlat - 1] : 0);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct conn *conns;
	double rate = 0, secs = 10, warm = 1, start, end, t, due_next;
	int nconns = 16, ep, opt, i, n, busy;
	long due, unsent;
	struct timespec ts;

	cfg.method = "GET";
	while ((opt = getopt(argc, argv, "R:c:d:w:m:b:H:S:P:")) != -1) {
		switch (opt) {
		case 'R': rate = atof(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'm': cfg.method = optarg; break;
		case 'b': cfg.body = optarg; break;
		case 'H':
			if (cfg.nheaders == MAX_HEADERS)
				die("too many headers");
			cfg.headers[cfg.nheaders++] = optarg;
			break;
		case 'S': load_sessions(optarg); break;
		case 'P': cfg.pick = atol(optarg); break;
		default: die("usage: loadgen -R RATE [-c CONNS] [-d SECONDS] "
			     "[-w WARMUP] [-m METHOD] [-b BODY] [-H HEADER]... "
			     "[-S SESSIONS] [-P N] URL");
		}
	}
	if (optind != argc - 1 || rate <= 0 || nconns < 1 || secs <= 0)
		die("need -R RATE > 0, CONNS >= 1 and one URL");
	parse_url(argv[optind]);
	clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned)(ts.tv_nsec ^ getpid()));
	cfg.keyprefix = ((uint64_t)random() << 32) ^ (uint64_t)random();
	if ((conns = calloc((size_t)nconns, sizeof(*conns))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("set-up failed");
	for (i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		if ((conns[i].in = malloc(INBUF)) == NULL ||
		    conn_open(ep, &conns[i]) < 0)
			die("cannot connect");
	}
	start = now_s() + 0.05;
	end = start + warm + secs;
	for (;;) {
		t = now_s();
		due = t < start ? 0 : (long)((t - start) * rate) + 1;
		if (t >= end && due > (long)((end - start) * rate))
			due = (long)((end - start) * rate);
		for (i = 0; i < nconns && sent < due; i++) {
			struct conn *c = &conns[i];

			if (c->state == CONN_CLOSED && conn_open(ep, c) < 0)
				continue;
			if (c->state != CONN_IDLE)
				continue;
			c->due = start + (double)sent / rate;
			c->record = c->due >= start + warm;
			build_request(c, (uint64_t)sent);
			c->state = CONN_BUSY;
			sent++;
			conn_write(c);
		}
		busy = 0;
		for (i = 0; i < nconns; i++)
			busy += conns[i].state == CONN_BUSY;
		if (t >= end && busy == 0)
			break;
		if (t >= end + 10) /* answers still missing: give up */
			break;
		/* Sleep until the next request is due (to the microsecond:
		 * a millisecond timer would send in bursts), or until a
		 * connection frees up when every one is busy. */
		due_next = start + (double)due / rate - now_s();
		if (t >= end)
			due_next = 0.1;
		if (due_next < 0)
			due_next = 0;
		ts.tv_sec = (time_t)due_next;
		ts.tv_nsec = (long)((due_next - (double)ts.tv_sec) * 1e9);
		n = epoll_pwait2(ep, evs, 256, sent < due ? NULL : &ts, NULL);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				conn_read(c);
			if (c->fd >= 0 && (evs[i].events & EPOLLOUT) &&
			    c->state == CONN_BUSY)
				conn_write(c);
		}
	}
	unsent = (long)((end - start) * rate) - sent;
	report(rate, secs, unsent < 0 ? 0 : unsent);
	return 0;
}
