#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000

static long long
db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
db_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
db_init(struct db *db, const struct db_stmt *stmts, int n, const char *app_name,
        int timeout_ms)
{
	memset(db, 0, sizeof(*db));
	db->stmts = stmts;
	db->n = n;
	db->app_name = app_name;
	db->timeout_ms = timeout_ms;
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
	return db_now_ms() + (left > 0 ? left : 0);
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
	const char *msg = db->conn ? PQerrorMessage(db->conn) : "no memory";
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
	db->retry_at_ms = db_now_ms() + db->backoff_ms - jitter;
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
		if ((left = deadline - db_now_ms()) <= 0)
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
	for (i = 0; i < db->n; i++) {
		if (!PQsendPrepare(db->conn, db->stmts[i].name,
		                   db->stmts[i].sql, 0, NULL) ||
		    db_result(db, deadline, &res) != WAIT_RESULT)
			return -1;
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			log_error("preparing %s: %s", db->stmts[i].name,
			          PQresultErrorMessage(res));
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

static int
db_connect_by(struct db *db, long long deadline)
{
	const char *keys[] = {"fallback_application_name", NULL};
	const char *vals[] = {db->app_name, NULL};
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	long long now = db_now_ms();
	int rc;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	db_close(db);
	if (now < db->retry_at_ms)
		return -1;
	db->conn = PQconnectStartParams(keys, vals, 0);
	if (db->conn == NULL || PQstatus(db->conn) == CONNECTION_BAD)
		goto fail;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto fail;
		rc = db_wait(db->conn, st == PGRES_POLLING_WRITING, deadline);
		if (rc != 1)
			goto fail;
		st = PQconnectPoll(db->conn);
	}
	if (PQsetnonblocking(db->conn, 1) != 0 ||
	    db_prepare_all(db, deadline) == -1)
		goto fail;
	db->backoff_ms = 0;
	db->retry_at_ms = 0;
	db->stats.connects++;
	return 0;
fail:
	db->stats.connect_failures++;
	db_fail(db, "connection failed");
	return -1;
}

/*
 * Errors that say "not now" rather than "not this": the server is going
 * away, is a read-only standby (a failover in progress, or a stale DNS
 * answer after one), is out of resources, or cancelled the statement at
 * statement_timeout. Returns 2 when the connection should be dropped.
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
db_classify(struct db *db, PGresult *r)
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
		db_fail(db, "statement failed");
		return DB_UNAVAILABLE;
	}
	if (transient)
		return DB_UNAVAILABLE;
	db->stats.query_errors++;
	return DB_FAILED;
}

enum db_rc
db_exec(struct db *db, int stmt, int nparams, const char *const *values,
        const int *lengths, const int *formats, PGresult **res)
{
	enum wait_rc wrc = WAIT_LOST;
	enum db_rc rc;
	long long start = db_now_us(), deadline = db_deadline(db);
	int attempt;

	*res = NULL;
	db->sqlstate[0] = db->constraint[0] = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_connect_by(db, deadline) == -1)
			break;
		if (!PQsendQueryPrepared(db->conn, db->stmts[stmt].name,
		                         nparams, values, lengths, formats, 0))
			wrc = WAIT_LOST;
		else
			wrc = db_result(db, deadline, res);
		if (wrc == WAIT_RESULT) {
			if ((rc = db_classify(db, *res)) != DB_OK) {
				PQclear(*res);
				*res = NULL;
			}
			if (rc == DB_UNAVAILABLE)
				db->stats.unavailable++;
			db->busy_ms += (db_now_us() - start) / 1000.0;
			return rc;
		}
		PQclear(*res);
		*res = NULL;
		db_fail(db, wrc == WAIT_TIMEOUT ? "statement timed out"
		                                : "connection lost");
		/* A connection that died while idle (a restarted or failed
		 * over server) is found on the next use; one immediate retry
		 * on a fresh connection hides that from the user. */
		if (wrc != WAIT_LOST || !db->stmts[stmt].retry ||
		    deadline <= db_now_ms())
			break;
		db->retry_at_ms = 0;
	}
	db->stats.unavailable++;
	db->busy_ms += (db_now_us() - start) / 1000.0;
	return DB_UNAVAILABLE;
}

int
db_connect(struct db *db)
{
	return db_connect_by(db, db_deadline(db));
}

int
db_retry_after(const struct db *db)
{
	long long left = db->retry_at_ms - db_now_ms();

	return left <= 1000 ? 1 : (int)((left + 999) / 1000);
}
