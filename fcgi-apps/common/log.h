/*
 * log: one JSON object per line. Requests go to stdout (the access log of
 * the pool, next to nginx's own); errors go to stderr. Each line is
 * written with a single write(2) so lines from concurrent workers never
 * interleave.
 *
 * Request lines are sampled the way the sidecar samples its access log
 * (nginx/snippets/json-log.conf): every error (5xx, and 4xx other than
 * 404, 409 and 422, the answers to a visitor's typo) and every request of
 * at least the slow threshold is written; of the others, a fraction
 * chosen by the request id with nginx's split_clients hash, so that both
 * layers keep the same requests. Each line says, as "sample", the
 * fraction of its kind that is written: a count is the sum of 1/sample.
 */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>

/* LOG_SAMPLE is kept in ten-thousandths, split_clients' precision. */
#define LOG_SAMPLE_ALL 10000

/* Sets the service name every line carries, and this process's pid. */
void log_init(const char *service);
/* In a new worker: the pid its lines carry. */
void log_after_fork(void);
/* Which request lines are written: sample of LOG_SAMPLE_ALL of the fast
 * successful ones (0 to LOG_SAMPLE_ALL), and every one of at least
 * slow_ms. Until called, every line is written. */
void log_sampling(int sample, int slow_ms);
/* 1 if a request line with this status is written whatever its
 * duration and the sampling rate. */
int log_status_always(int status);
/* nginx's ngx_murmur_hash2(), which split_clients applies to the request
 * id: the same requests are sampled in the sidecar and in the pool. */
uint32_t log_hash(const char *s, size_t len);
/* duration_ms is the whole request in the worker, db_ms the part spent
 * waiting for the database. Writes the line only if sampling keeps it. */
void log_request(const char *request_id, const char *method, const char *route,
                 int status, double duration_ms, double db_ms);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
