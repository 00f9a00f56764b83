#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"

#define LOG_MSG_MAX 1024

static const char *log_service = "-";
static int log_pid;
static int log_sample = LOG_SAMPLE_ALL;
static int log_slow_ms;

void
log_sampling(int sample, int slow_ms)
{
	log_sample = sample;
	log_slow_ms = slow_ms;
}

int
log_status_always(int status)
{
	if (status >= 500)
		return 1;
	return status >= 400 && status != 404 && status != 409 && status != 422;
}

uint32_t
log_hash(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t h = (uint32_t)len, k;

	for (; len >= 4; p += 4, len -= 4) {
		k = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= 0x5bd1e995;
		k ^= k >> 24;
		k *= 0x5bd1e995;
		h *= 0x5bd1e995;
		h ^= k;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= 0x5bd1e995;
	}
	h ^= h >> 13;
	h *= 0x5bd1e995;
	h ^= h >> 15;
	return h;
}

/*
 * The fraction of its kind a request line stands for, in ten-thousandths,
 * or 0 when it is not written. split_clients keeps a value whose hash is
 * below sample / 10000 of 0xffffffff, computed the same way.
 */
static int
log_weight(const char *request_id, int status, double duration_ms)
{
	uint32_t below;

	if (log_status_always(status) || duration_ms >= log_slow_ms ||
	    log_sample >= LOG_SAMPLE_ALL)
		return LOG_SAMPLE_ALL;
	if (log_sample <= 0)
		return 0;
	below = (uint32_t)((uint64_t)log_sample * 0xffffffffu / LOG_SAMPLE_ALL);
	return log_hash(request_id, strlen(request_id)) < below ? log_sample
	                                                        : 0;
}

void
log_init(const char *service)
{
	log_service = service;
	log_pid = (int)getpid();
}

void
log_after_fork(void)
{
	log_pid = (int)getpid();
}

static void
log_time(char out[32])
{
	struct timeval tv;
	struct tm tm;
	char sec[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", sec, (int)(tv.tv_usec / 1000));
}

/* Writes line and a newline with one system call. */
static void
log_write(int fd, const char *line, size_t len)
{
	struct iovec iov[2];
	ssize_t w;

	iov[0].iov_base = (void *)line;
	iov[0].iov_len = len;
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	do
		w = writev(fd, iov, 2);
	while (w < 0 && errno == EINTR);
}

/*
 * The request line, formatted by hand: it is written for every request,
 * and its fields are a sanitized request id, a method from nginx, a route
 * from the route table and numbers, none of which needs JSON escaping
 * beyond what http_request_id() and the route table guarantee; the
 * method alone is checked here.
 */
void
log_request(const char *request_id, const char *method, const char *route,
            int status, double duration_ms, double db_ms)
{
	char t[32], line[544];
	const char *m = method;
	int n, weight;

	if ((weight = log_weight(request_id, status, duration_ms)) == 0)
		return;
	if (strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
	    strlen(method) > 16)
		m = "-";
	log_time(t);
	n = snprintf(line, sizeof(line),
	             "{\"time\":\"%s\",\"level\":\"info\",\"service\":\"%s\","
	             "\"pid\":%d,\"request_id\":\"%s\",\"method\":\"%s\","
	             "\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,"
	             "\"db_ms\":%.3f,\"sample\":%d.%04d}",
	             t, log_service, log_pid, request_id, m, route, status,
	             duration_ms, db_ms, weight / LOG_SAMPLE_ALL,
	             weight % LOG_SAMPLE_ALL);
	if (n > 0 && (size_t)n < sizeof(line))
		log_write(STDOUT_FILENO, line, (size_t)n);
}

/* Messages may carry anything (a database's error text): json-c
 * escapes them. */
__attribute__((format(printf, 3, 0))) static void
log_message(const char *level, int fd, const char *fmt, va_list ap)
{
	struct json_object *o = json_object_new_object();
	char msg[LOG_MSG_MAX], t[32];
	const char *s;

	log_time(t);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "level", json_object_new_string(level));
	json_object_object_add(o, "service",
	                       json_object_new_string(log_service));
	json_object_object_add(o, "pid", json_object_new_int(log_pid));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	s = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	log_write(fd, s, strlen(s));
	json_object_put(o);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_message("error", STDERR_FILENO, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_message("info", STDERR_FILENO, fmt, ap);
	va_end(ap);
}
