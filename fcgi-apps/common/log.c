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

void
log_init(const char *service)
{
	log_service = service;
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

/* Writes obj as one line to fd and releases it. */
static void
log_emit(int fd, struct json_object *obj)
{
	struct iovec iov[2];
	const char *s;
	ssize_t w;

	s = json_object_to_json_string_ext(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	iov[0].iov_base = (void *)s;
	iov[0].iov_len = strlen(s);
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	do
		w = writev(fd, iov, 2);
	while (w < 0 && errno == EINTR);
	json_object_put(obj);
}

static struct json_object *
log_start(const char *level)
{
	struct json_object *o = json_object_new_object();
	char t[32];

	log_time(t);
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "level", json_object_new_string(level));
	json_object_object_add(o, "service",
	                       json_object_new_string(log_service));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	return o;
}

void
log_request(const char *request_id, const char *method, const char *route,
            int status, double duration_ms)
{
	struct json_object *o = log_start("info");
	char ms[32];

	json_object_object_add(o, "request_id",
	                       json_object_new_string(request_id));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "route", json_object_new_string(route));
	json_object_object_add(o, "status", json_object_new_int(status));
	snprintf(ms, sizeof(ms), "%.3f", duration_ms);
	json_object_object_add(o, "duration_ms",
	                       json_object_new_double_s(duration_ms, ms));
	log_emit(STDOUT_FILENO, o);
}

__attribute__((format(printf, 3, 0))) static void
log_message(const char *level, int fd, const char *fmt, va_list ap)
{
	struct json_object *o = log_start(level);
	char msg[LOG_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_object_object_add(o, "msg", json_object_new_string(msg));
	log_emit(fd, o);
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
