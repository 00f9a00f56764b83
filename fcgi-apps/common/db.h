/*
 * db: one PostgreSQL connection per worker, with every statement of the
 * service prepared once when the connection is made.
 *
 * Nothing here can hang a worker: connecting and every query run on a
 * non-blocking socket against a deadline, and all of a request's database
 * time together is bounded by DB_TIMEOUT_MS (retries included). When the
 * database is gone, db_exec() returns DB_UNAVAILABLE at once, and
 * reconnection is attempted on later requests with a back-off of 100 ms
 * doubling to 1 s (with jitter), cut short as soon as any worker of the
 * pool connects again, so a worker never spins on a dead server and a
 * recovered one is found within a second.
 *
 * A statement marked retry is sent again once on a fresh connection when
 * the first answer says the connection is gone (a restart, a failover);
 * never after any other error.
 *
 * A commit the server acknowledged without the synchronous standby's
 * confirmation (its wait was cancelled by a cancel request) is not taken
 * as done: db_exec() says DB_UNKNOWN for it, as for a lost answer, since
 * a failover now would lose it.
 *
 * Connection parameters come from libpq's own environment (PGHOST,
 * PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE,
 * PGTARGETSESSIONATTRS, ...); a PGHOST/PGPORT list is tried host by host
 * (dbhost.h).
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>

struct db_stmt {
	const char *name;
	const char *sql;
	int retry;  /* safe to send again if the connection was lost */
	int writes; /* changes data: a lost answer leaves it unknown */
};

struct db_stats {
	unsigned long connects;         /* connections made */
	unsigned long connect_failures; /* attempts that failed */
	unsigned long query_errors;     /* statements the server refused */
	unsigned long unavailable;      /* requests answered "unavailable" */
};

struct db {
	PGconn *conn;
	const struct db_stmt *stmts;   /* what statement numbers index */
	const struct db_stmt *prepare; /* prepared on every new connection */
	int n, nprepare;
	const char *app_name;
	int timeout_ms;
	long long retry_at_ms;  /* no connection attempt before this */
	long long failed_at_ms; /* when the last attempt failed */
	int in_request;         /* db_begin_request() has been called */
	int backoff_ms;
	double busy_ms;      /* time in db_exec during the current request */
	int unconfirmed;     /* the last statement's commit was not
	                        confirmed by a standby (db_notice) */
	char sqlstate[6];    /* of the last DB_FAILED */
	char constraint[64]; /* of the last DB_FAILED, or "" */
	struct db_stats stats;
};

enum db_rc {
	DB_OK = 0,
	DB_UNAVAILABLE, /* no connection, lost, timed out, or read-only */
	DB_FAILED,      /* the server refused the statement: see sqlstate */
	DB_UNKNOWN,     /* sent, then no answer: it may have been carried out */
};

/* Before the workers are forked: maps what they share (when one last
 * connected) and reads the PGHOST/PGPORT lists (dbhost.h). Returns 0,
 * or -1 after logging. */
int db_share(void);
void db_init(struct db *db, const struct db_stmt *stmts, int n,
             const char *app_name, int timeout_ms);
/*
 * From now on statement numbers index stmts, one service's own table in
 * a pool that serves several services' routes (fcgi-apps/monolith/).
 * Every statement in it must also be in the table db_init was given:
 * only those are prepared on a connection. NULL goes back to that
 * table.
 */
void db_use(struct db *db, const struct db_stmt *stmts, int n);
/* Connects now if no connection is open and backoff allows. Returns 0 if
 * a connection is ready. */
int db_connect(struct db *db);
/*
 * Runs prepared statement stmt with text parameters (formats may be NULL;
 * lengths is needed only for binary ones). On DB_OK, *res holds the
 * result (PGRES_TUPLES_OK or PGRES_COMMAND_OK) and the caller must
 * PQclear() it; otherwise *res is NULL.
 */
enum db_rc db_exec(struct db *db, int stmt, int nparams,
                   const char *const *values, const int *lengths,
                   const int *formats, PGresult **res);
/* Starts a request: from now on, all of its database time together
 * (connecting, every statement, a retry) is bounded by DB_TIMEOUT_MS,
 * and busy_ms counts it. Time spent elsewhere (a password hash) does
 * not count against it. */
void db_begin_request(struct db *db);
/* Seconds a client should wait before retrying, at least 1. */
int db_retry_after(const struct db *db);
void db_close(struct db *db);

#endif
