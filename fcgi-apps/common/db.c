#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "dbhost.h"
#include "log.h"

/* Attempts after a failure are spaced 100 ms doubling to 1 s: short
 * enough that a database that answers again is found within a second,
 * long enough that a dead one is not hammered. And the first worker to
 * connect again tells the others (db_up), who then retry at once. */
#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 1000

/* Shared by the pool's processes: when a worker last connected. */
struct db_shared {
	_Atomic long long up_at_ms; /* clock_ms() time; 0: never */
};

static struct db_shared *db_up;

int
db_share(void)
{
	void *p = mmap(NULL, sizeof(*db_up), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	db_up = p;
	return dbhost_init();
}

void
db_init(struct db *db, const struct db_stmt *stmts, int n, const char *app_name,
        int timeout_ms)
{
	memset(db, 0, sizeof(*db));
	db->stmts = db->prepare = stmts;
	db->n = db->nprepare = n;
	db->app_name = app_name;
	db->timeout_ms = timeout_ms;
}

void
db_use(struct db *db, const struct db_stmt *stmts, int n)
{
	db->stmts = stmts != NULL ? stmts : db->prepare;
	db->n = stmts != NULL ? n : db->nprepare;
}

void
db_begin_request(struct db *db)
{
	db->in_request = 1;
	db->busy_ms = 0;
}

/* The deadline for a call starting now: what is left of the request's
 * database time, or a whole timeout outside a request (the worker's
 * first connection). */
static long long
db_deadline(const struct db *db)
{
	long long left = db->timeout_ms;

	if (db->in_request)
		left -= (long long)db->busy_ms;
	return (long long)clock_ms() + (left > 0 ? left : 0);
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
}

/* Closes the connection and pushes the next attempt back. */
static void
db_fail(struct db *db, const char *what)
{
	const char *msg = db->conn ? PQerrorMessage(db->conn) : dbhost_error();
	size_t len = strlen(msg);
	int jitter;

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	log_error("database %s: %.*s", what, (int)len, msg);
	db_close(db);
	db->backoff_ms =
	    db->backoff_ms == 0 ? DB_BACKOFF_MIN_MS : db->backoff_ms * 2;
	if (db->backoff_ms > DB_BACKOFF_MAX_MS)
		db->backoff_ms = DB_BACKOFF_MAX_MS;
	/* Up to 25% less, so workers that lost the server together do not
	 * come back in lockstep. */
	jitter = rand() % (db->backoff_ms / 4 + 1);
	db->failed_at_ms = (long long)clock_ms();
	db->retry_at_ms = db->failed_at_ms + db->backoff_ms - jitter;
}

/* Waits for the socket; 1 when ready, 0 on deadline, -1 on error. */
static int
db_wait(PGconn *conn, int for_write, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int rc;

	pfd.fd = PQsocket(conn);
	pfd.events = for_write ? POLLOUT : POLLIN;
	if (pfd.fd < 0)
		return -1;
	for (;;) {
		if ((left = deadline - (long long)clock_ms()) <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

enum wait_rc {
	WAIT_RESULT, /* *res is set (possibly an error result) */
	WAIT_LOST,   /* the connection broke before a result arrived */
	WAIT_TIMEOUT,
};

/* Flushes what was sent and waits for the first result, then drains. */
static enum wait_rc
db_result(struct db *db, long long deadline, PGresult **res)
{
	PGresult *extra;
	int rc;

	*res = NULL;
	while ((rc = PQflush(db->conn)) == 1)
		if (db_wait(db->conn, 1, deadline) != 1)
			return WAIT_TIMEOUT;
	if (rc == -1)
		return WAIT_LOST;
	for (;;) {
		while (PQisBusy(db->conn)) {
			rc = db_wait(db->conn, 0, deadline);
			if (rc == 0)
				return WAIT_TIMEOUT;
			if (rc < 0 || !PQconsumeInput(db->conn))
				return WAIT_LOST;
		}
		if ((extra = PQgetResult(db->conn)) == NULL)
			break;
		if (*res == NULL)
			*res = extra;
		else
			PQclear(extra);
	}
	return *res != NULL ? WAIT_RESULT : WAIT_LOST;
}

static int
db_prepare_all(struct db *db, long long deadline)
{
	/*
	 * The server gives up on a statement when this worker would. And
	 * every statement here is a short index lookup whose best plan does
	 * not depend on its parameters, but a parameterised LIMIT would
	 * otherwise make the server plan each execution afresh: generic
	 * plans, made once per connection, cost a quarter less per query.
	 */
	static const char *const session_sql =
	    "SELECT set_config('statement_timeout', $1, false),"
	    " set_config('plan_cache_mode', 'force_generic_plan', false)";
	char ms[16];
	const char *param = ms;
	PGresult *res;
	int i, ok;

	snprintf(ms, sizeof(ms), "%d", db->timeout_ms);
	if (!PQsendQueryParams(db->conn, session_sql, 1, NULL, &param, NULL,
	                       NULL, 0) ||
	    db_result(db, deadline, &res) != WAIT_RESULT)
		return -1;
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	if (!ok)
		return -1;
	for (i = 0; i < db->nprepare; i++) {
		if (!PQsendPrepare(db->conn, db->prepare[i].name,
		                   db->prepare[i].sql, 0, NULL) ||
		    db_result(db, deadline, &res) != WAIT_RESULT)
			return -1;
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			log_error("preparing %s: %s", db->prepare[i].name,
			          PQresultErrorMessage(res));
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

/* 1 while this worker should not try to connect yet: in its back-off,
 * and no other worker has connected since its last failure. */
static int
db_backing_off(const struct db *db)
{
	long long up = db_up ? atomic_load(&db_up->up_at_ms) : 0;

	return (long long)clock_ms() < db->retry_at_ms &&
	       up <= db->failed_at_ms;
}

/*
 * The server's notices on this connection. One matters: when a commit's
 * wait for the synchronous standby is cancelled (a cancel request:
 * pg_cancel_backend(), or a client's own; statement_timeout is already
 * off by then), PostgreSQL ends the wait with a WARNING and then reports
 * the commit as a success, although only the primary has it. The
 * warning has no SQLSTATE of its own (01000), so its text is what
 * identifies it; the servers' lc_messages is English. Every notice is
 * logged, as libpq's default receiver would print it.
 */
static void
db_notice(void *arg, const PGresult *r)
{
	struct db *db = arg;
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	if (msg == NULL)
		msg = "";
	if (sev != NULL && strcmp(sev, "WARNING") == 0 &&
	    strstr(msg, "wait for synchronous replication") != NULL)
		db->unconfirmed = 1;
	log_error("database %s: %s", sev ? sev : "NOTICE", msg);
}

static int
db_connect_by(struct db *db, long long deadline)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	db_close(db);
	if (db_backing_off(db))
		return -1;
	if ((db->conn = dbhost_connect(db->app_name, (double)deadline)) == NULL)
		goto fail;
	PQsetNoticeReceiver(db->conn, db_notice, db);
	if (PQsetnonblocking(db->conn, 1) != 0 ||
	    db_prepare_all(db, deadline) == -1)
		goto fail;
	db->backoff_ms = 0;
	db->retry_at_ms = 0;
	db->stats.connects++;
	if (db_up)
		atomic_store(&db_up->up_at_ms, (long long)clock_ms());
	return 0;
fail:
	db->stats.connect_failures++;
	db_fail(db, "connection failed");
	return -1;
}

/*
 * Errors that say "not now" rather than "not this". Returns 2 when they
 * mean "this connection is gone": the connection failed (08), the
 * server is shutting down or restarting (57P01 admin shutdown, 57P02
 * crash shutdown, 57P03 cannot connect now), or it is a read-only
 * server (25006: a demoted primary, or a stale DNS answer after a
 * failover); the statement is then sent again once on a fresh
 * connection if it is safe to. Returns 1 for the rest (out of
 * resources, statement_timeout, serialization): never resent.
 */
static int
db_transient(const char *state)
{
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strcmp(state, "25006") == 0)
		return 2;
	if (strncmp(state, "53", 2) == 0 || strcmp(state, "57014") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return 1;
	return 0;
}

static enum db_rc
db_classify(struct db *db, PGresult *r, int *gone)
{
	const char *state, *cons;
	int transient;

	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		return DB_OK;
	default:
		break;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	cons = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
	         state ? state : "XX000");
	snprintf(db->constraint, sizeof(db->constraint), "%s",
	         cons ? cons : "");
	transient = db_transient(db->sqlstate);
	if (transient == 2 || PQstatus(db->conn) != CONNECTION_OK) {
		*gone = strcmp(db->sqlstate, "25006") == 0 ? 1 : 2;
		db_fail(db, "statement failed");
		return DB_UNAVAILABLE;
	}
	if (transient)
		return DB_UNAVAILABLE;
	db->stats.query_errors++;
	return DB_FAILED;
}

/*
 * One attempt: sends the statement and classifies its answer. *sent is
 * set when the server may have carried it out without saying so (sent,
 * then the connection was lost, timed out, or died with it); *gone when
 * the connection is gone and the statement may be resent.
 */
static enum db_rc
db_attempt(struct db *db, int stmt, int nparams, const char *const *values,
           const int *lengths, const int *formats, PGresult **res,
           long long deadline, int *sent, int *gone)
{
	enum wait_rc wrc;
	enum db_rc rc;
	int how = 0;

	*gone = 0;
	db->unconfirmed = 0;
	if (!PQsendQueryPrepared(db->conn, db->stmts[stmt].name, nparams,
	                         values, lengths, formats, 0)) {
		db_fail(db, "connection lost");
		*gone = 1;
		return DB_UNAVAILABLE;
	}
	wrc = db_result(db, deadline, res);
	if (wrc == WAIT_RESULT) {
		if ((rc = db_classify(db, *res, &how)) != DB_OK) {
			PQclear(*res);
			*res = NULL;
		}
		/* 25006 refused the statement; 57P0x and 08 may have come
		 * after it ran. */
		*sent |= how == 2;
		*gone = how != 0;
		/* Committed on the primary alone: as good as an answer
		 * lost after the statement ran (never resent). */
		if (rc == DB_OK && db->unconfirmed) {
			PQclear(*res);
			*res = NULL;
			*sent = 1;
			return DB_UNAVAILABLE;
		}
		return rc;
	}
	PQclear(*res);
	*res = NULL;
	db_fail(db, wrc == WAIT_TIMEOUT ? "statement timed out"
	                                : "connection lost");
	*sent = 1;
	*gone = wrc == WAIT_LOST;
	return DB_UNAVAILABLE;
}

enum db_rc
db_exec(struct db *db, int stmt, int nparams, const char *const *values,
        const int *lengths, const int *formats, PGresult **res)
{
	enum db_rc rc = DB_UNAVAILABLE;
	double start = clock_ms();
	long long deadline = db_deadline(db);
	int attempt, sent = 0, gone = 0;

	*res = NULL;
	db->sqlstate[0] = db->constraint[0] = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_connect_by(db, deadline) == -1) {
			rc = DB_UNAVAILABLE;
			break;
		}
		rc = db_attempt(db, stmt, nparams, values, lengths, formats,
		                res, deadline, &sent, &gone);
		/* A connection the server closed while it was idle (a
		 * restart, a failover) is found on the next use: one
		 * immediate resend on a fresh connection hides that, for a
		 * statement that is safe to send twice. */
		if (rc != DB_UNAVAILABLE || !gone || !db->stmts[stmt].retry ||
		    deadline <= (long long)clock_ms())
			break;
		db->retry_at_ms = 0;
	}
	if (rc == DB_UNAVAILABLE) {
		db->stats.unavailable++;
		if (sent && db->stmts[stmt].writes)
			rc = DB_UNKNOWN;
	}
	db->busy_ms += (clock_ms() - start);
	return rc;
}

int
db_connect(struct db *db)
{
	return db_connect_by(db, db_deadline(db));
}

int
db_retry_after(const struct db *db)
{
	long long left = db->retry_at_ms - (long long)clock_ms();

	return left <= 1000 ? 1 : (int)((left + 999) / 1000);
}
