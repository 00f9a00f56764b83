/*
 * log: one JSON object per line. Requests go to stdout (the access log of
 * the pool, next to nginx's own); errors go to stderr. Each line is
 * written with a single write(2) so lines from concurrent workers never
 * interleave.
 */
#ifndef LOG_H
#define LOG_H

/* Sets the service name every line carries, and this process's pid. */
void log_init(const char *service);
/* In a new worker: the pid its lines carry. */
void log_after_fork(void);
/* duration_ms is the whole request in the worker, db_ms the part spent
 * waiting for the database. */
void log_request(const char *request_id, const char *method, const char *route,
                 int status, double duration_ms, double db_ms);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
