/*
 * deadline: one deadline for a whole FastCGI exchange.
 *
 * A timeout on each read and write bounds each of them, not their sum:
 * a peer that sends its request a byte at a time, or reads the response
 * just fast enough that every write finds room in time, would hold its
 * worker for as long as it liked. So an exchange, from the first record
 * of a request to the last of its response, gets one deadline in all.
 * When it passes, a timer's signal shuts the connection down whatever
 * the worker is doing: a read or write blocked on it returns at once,
 * every later one fails, libfcgi's streams go into their error state,
 * and the worker closes the connection instead of keeping it. Work not
 * on the connection (a hash, a statement) runs on to its own bound
 * (DB_TIMEOUT_MS) and its answer is dropped.
 */
#ifndef DEADLINE_H
#define DEADLINE_H

/* Sets up the timer and its SIGALRM handler; once per process, before
 * any deadline_arm. Returns 0, or -1 with errno set. */
int deadline_init(void);

/* Starts the exchange on connection fd: it is shut down `seconds` from
 * now unless deadline_disarm comes first. */
void deadline_arm(int fd, int seconds);

/* Ends the exchange. Returns 1 when its deadline passed (the connection
 * was shut down: close it), 0 otherwise. */
int deadline_disarm(void);

#endif
