#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "log.h"
#include "page.h"
#include "session.h"
#include "hours.h"

/* Entries shown on the page; the total always covers all of them. */
#define HOURS_LIST_MAX 50

static struct tmpl *hours_tmpl;

const struct form_field hours_fields[HOURS__MAX] = {
    [HOURS_HOURS] = {"hours", 64, valid_hours},
    [HOURS_DATE] = {"date", 64, valid_day},
    [HOURS_NOTE] = {"note", 1024, valid_note},
    [HOURS_CSRF] = {"csrf", 64, valid_token},
    [HOURS_KEY] = {"key", 64, valid_key},
};

static const struct field_words hours_words = {{
    [VALID_MISSING] = "Enter the hours you trained.",
    [VALID_OUT_OF_RANGE] = "Enter more than 0 and at most 24 hours.",
}};

static const struct field_words date_words = {{
    [VALID_MISSING] = "Enter the date you trained.",
    [VALID_TOO_OLD] = "Enter a date from 1900 on.",
}};

static const struct field_words note_words = {{
    [VALID_TOO_LONG] = "Keep the note to 200 characters.",
}};

const struct form_field hours_query_fields[QUERY__MAX] = {
    [QUERY_LOGGED] = {"logged", 8, NULL},
};

int
hours_init(const struct config *cfg)
{
	if (crypto_secret_load() == -1) {
		log_error("%s must be set, to at least %d characters",
		          SECRET_ENV, SECRET_MIN_CHARS);
		return -1;
	}
	hours_tmpl = page_load(cfg->html_dir, "hours.html");
	return hours_tmpl != NULL ? 0 : -1;
}

/* Adds the astronaut's total and latest entries to d. */
static enum result
hours_entries(struct ctx *ctx, struct tdict *d)
{
	char id[24], limit[8];
	const char *params[2] = {id, limit};
	PGresult *res;
	enum db_rc rc;
	struct tdict *item;
	int i, n, fh, fd, fn;
	long entries;

	snprintf(id, sizeof(id), "%lld", ctx->viewer.id);
	snprintf(limit, sizeof(limit), "%d", HOURS_LIST_MAX);
	if ((rc = db_exec(&ctx->db, STMT_HOURS_SUMMARY, 1, params, NULL, NULL,
	                  &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "hours summary");
	if (PQntuples(res) != 1) { /* the astronaut was deleted meanwhile */
		PQclear(res);
		return RESULT_NOT_FOUND;
	}
	entries =
	    strtol(PQgetvalue(res, 0, PQfnumber(res, "entries")), NULL, 10);
	if (tdict_set(d, "total",
	              arena_strdup(
	                  &ctx->arena,
	                  PQgetvalue(res, 0, PQfnumber(res, "total_hours")))) ==
	        -1 ||
	    tdict_setint(d, "entries", entries) == -1 ||
	    tdict_flag(d, "one_entry", entries == 1) == -1 ||
	    tdict_flag(d, "more", entries > HOURS_LIST_MAX) == -1 ||
	    tdict_setint(d, "shown", HOURS_LIST_MAX) == -1) {
		PQclear(res);
		return RESULT_ERROR;
	}
	PQclear(res);
	if ((rc = db_exec(&ctx->db, STMT_HOURS_LIST, 2, params, NULL, NULL,
	                  &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "hours list");
	n = PQntuples(res);
	fh = PQfnumber(res, "hours");
	fd = PQfnumber(res, "trained_on");
	fn = PQfnumber(res, "note");
	for (i = 0; i < n; i++) {
		if ((item = tdict_push(d, "rows")) == NULL ||
		    tdict_set(item, "hours",
		              arena_strdup(&ctx->arena,
		                           PQgetvalue(res, i, fh))) == -1 ||
		    tdict_set(item, "date",
		              arena_strdup(&ctx->arena,
		                           PQgetvalue(res, i, fd))) == -1 ||
		    tdict_set(item, "note",
		              arena_strdup(&ctx->arena,
		                           PQgetvalue(res, i, fn))) == -1) {
			PQclear(res);
			return RESULT_ERROR;
		}
	}
	PQclear(res);
	return RESULT_OK;
}

/* A fresh idempotency key for a form about to be shown. */
static const char *
hours_new_key(struct ctx *ctx)
{
	unsigned char raw[16];
	char *hex;
	int i;

	if (crypto_random(raw, sizeof(raw)) == -1 ||
	    (hex = arena_alloc(&ctx->arena, 33)) == NULL)
		return NULL;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return hex;
}

/* How many hours the date can still take, as the database's text, into
 * *left (an arena string). */
static enum result
hours_left_on(struct ctx *ctx, const struct valid_date *day, const char **left)
{
	char id[24], date[11];
	const char *params[2] = {id, date};
	PGresult *res;
	enum db_rc rc;

	snprintf(id, sizeof(id), "%lld", ctx->viewer.id);
	valid_date_format(day, date, sizeof(date));
	if ((rc = db_exec(&ctx->db, STMT_HOURS_DAY, 2, params, NULL, NULL,
	                  &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "hours of a day");
	*left = arena_strdup(&ctx->arena, PQgetvalue(res, 0, 0));
	PQclear(res);
	return *left != NULL ? RESULT_OK : RESULT_ERROR;
}

/* Sets day and day_left, for the hint beside the hours. */
static enum result
hours_day_left(struct ctx *ctx, const struct valid_date *day, struct tdict *d)
{
	const char *left;
	char date[11];
	enum result rc;

	if ((rc = hours_left_on(ctx, day, &left)) != RESULT_OK)
		return rc;
	valid_date_format(day, date, sizeof(date));
	if (tdict_set(d, "day", arena_strdup(&ctx->arena, date)) == -1 ||
	    tdict_set(d, "day_left", left) == -1)
		return RESULT_ERROR;
	return RESULT_OK;
}

/* How the page is to be shown, beyond the form's values. */
struct hours_view {
	int status;
	const char *message;     /* an alert above the form, or NULL */
	const char *hours_error; /* words beside the hours, or NULL */
	int logged;              /* "Logged." */
	int new_key;             /* a fresh form, even if v had a key */
};

/*
 * The page: the form (empty, or v as submitted with its errors), the
 * hours the form's date can still take, the entries and the total. A
 * re-shown form keeps its key, so fixing a mistake and submitting again
 * still logs once.
 */
static enum result
hours_render(struct ctx *ctx, const struct form_value *v,
             const struct hours_view *view)
{
	char today[11];
	struct form_value dflt[HOURS__MAX], hv;
	struct field_words hw = hours_words;
	const struct valid_date *day = &ctx->env.today;
	const char *csrf, *key;
	struct tdict *d;
	enum result rc;
	int i;

	if (v == NULL) {
		memset(dflt, 0, sizeof(dflt));
		for (i = 0; i < HOURS__MAX; i++)
			dflt[i].s = "";
		valid_date_format(&ctx->env.today, today, sizeof(today));
		dflt[HOURS_DATE].s = today;
		dflt[HOURS_DATE].len = strlen(today);
		v = dflt;
	}
	if (v[HOURS_DATE].present && v[HOURS_DATE].err == VALID_OK)
		day = &v[HOURS_DATE].v.date;
	hv = v[HOURS_HOURS];
	if (view->hours_error != NULL) {
		hv.err = VALID_OUT_OF_RANGE;
		hw.msg[VALID_OUT_OF_RANGE] = view->hours_error;
	}
	key = !view->new_key && v[HOURS_KEY].err == VALID_OK &&
	              v[HOURS_KEY].len > 0
	          ? v[HOURS_KEY].s
	          : hours_new_key(ctx);
	if ((d = tdict_new(&ctx->arena)) == NULL ||
	    (csrf = csrf_token(ctx)) == NULL || key == NULL)
		return RESULT_ERROR;
	if (page_field(d, "hours", &hv, 1, &hw) == -1 ||
	    page_field(d, "date", &v[HOURS_DATE], 1, &date_words) == -1 ||
	    page_field(d, "note", &v[HOURS_NOTE], 1, &note_words) == -1 ||
	    tdict_set(d, "csrf", csrf) == -1 ||
	    tdict_set(d, "key", key) == -1 ||
	    tdict_set(d, "message", view->message ? view->message : "") == -1 ||
	    tdict_flag(d, "logged", view->logged) == -1 ||
	    tdict_set(d, "max_date",
	              arena_printf(&ctx->arena, "%04d-%02d-%02d",
	                           ctx->env.latest.y, ctx->env.latest.m,
	                           ctx->env.latest.d)) == -1)
		return RESULT_ERROR;
	if ((rc = hours_day_left(ctx, day, d)) != RESULT_OK ||
	    (rc = hours_entries(ctx, d)) != RESULT_OK)
		return rc;
	return page_render(ctx, view->status, TAB_HOURS, "Log hours",
	                   hours_tmpl, d);
}

static enum result
hours_show(struct ctx *ctx, int status, const struct form_value *v,
           const char *message)
{
	struct hours_view view = {status, message, NULL, 0, 0};

	return hours_render(ctx, v, &view);
}

/* The entry as the form asks for it, in the database's own text. */
struct hours_entry {
	char id[24], hours[16], date[11];
	const char *note, *key;
};

/*
 * What was logged with this form's key: 0 nothing, 1 this same entry, 2
 * another one (*said tells what), -1 a database failure (*rc).
 */
static int
hours_by_key(struct ctx *ctx, const struct hours_entry *e, const char **said,
             enum result *rc)
{
	const char *params[2] = {e->id, e->key};
	const char *h, *dt, *note;
	PGresult *res;
	enum db_rc drc;
	int found;

	if ((drc = db_exec(&ctx->db, STMT_HOURS_BY_KEY, 2, params, NULL, NULL,
	                   &res)) != DB_OK) {
		*rc = result_from_db(drc, &ctx->db, "hours by key");
		return -1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	h = PQgetvalue(res, 0, PQfnumber(res, "hours"));
	dt = PQgetvalue(res, 0, PQfnumber(res, "trained_on"));
	note = PQgetvalue(res, 0, PQfnumber(res, "note"));
	found = strcmp(h, e->hours) == 0 && strcmp(dt, e->date) == 0 &&
	                strcmp(note, e->note) == 0
	            ? 1
	            : 2;
	if (found == 2)
		*said = arena_printf(
		    &ctx->arena,
		    "This form was already used: it logged %s hours on "
		    "%s%s%s%s, "
		    "and nothing else was logged. To log other hours, send "
		    "the form below, which is a new one.",
		    h, dt, *note ? " (note: \xe2\x80\x9c" : "", note,
		    *note ? "\xe2\x80\x9d)" : "");
	PQclear(res);
	if (found == 2 && *said == NULL) {
		*rc = RESULT_ERROR;
		return -1;
	}
	return found;
}

/* Seconds until the astronaut may log again (0: now), or -1 on a
 * database failure (*rc). At most HOURS_RATE_MAX new entries per
 * astronaut in HOURS_RATE_WINDOW seconds (20 in 10 minutes by default):
 * more than anyone logs by hand, too few to fill the board from a
 * script. */
static int
hours_rate_wait(struct ctx *ctx, const char *id, enum result *rc)
{
	char window[16];
	const char *params[2] = {id, window};
	PGresult *res;
	enum db_rc drc;
	long n, wait;

	snprintf(window, sizeof(window), "%d", ctx->cfg->hours_rate_window);
	if ((drc = db_exec(&ctx->db, STMT_HOURS_RECENT, 2, params, NULL, NULL,
	                   &res)) != DB_OK) {
		*rc = result_from_db(drc, &ctx->db, "recent hours");
		return -1;
	}
	n = strtol(PQgetvalue(res, 0, PQfnumber(res, "n")), NULL, 10);
	wait = strtol(PQgetvalue(res, 0, PQfnumber(res, "wait")), NULL, 10);
	PQclear(res);
	if (n < ctx->cfg->hours_rate_max)
		return 0;
	return wait < 1 ? 1
	       : wait > ctx->cfg->hours_rate_window
	           ? ctx->cfg->hours_rate_window
	           : (int)wait;
}

/* The answer to a form whose key was used before. */
static enum result
hours_again(struct ctx *ctx, const struct form_value *v, int found,
            const char *said)
{
	struct hours_view view = {409, said, NULL, 0, 1};

	if (found == 2)
		return hours_render(ctx, v, &view);
	/* The same form again: it is logged, once. */
	resp_redirect(&ctx->resp, 303, "/hours?logged=1");
	return RESULT_OK;
}

static enum result
hours_limited(struct ctx *ctx, const struct form_value *v, int wait)
{
	struct hours_view view = {429, NULL, NULL, 0, 0};
	char secs[16];

	view.message = arena_printf(
	    &ctx->arena,
	    "You have logged %d entries in the last %d minutes, which is as "
	    "many as can be logged in that time, so this one was not logged. "
	    "Please send it again in %d seconds.",
	    ctx->cfg->hours_rate_max, ctx->cfg->hours_rate_window / 60, wait);
	if (view.message == NULL)
		return RESULT_ERROR;
	snprintf(secs, sizeof(secs), "%d", wait);
	resp_header(&ctx->resp, "Retry-After", secs);
	return hours_render(ctx, v, &view);
}

/* The date would pass 24 hours: the form says how many it can take. */
static enum result
hours_full_day(struct ctx *ctx, const struct form_value *v)
{
	struct hours_view view = {422, NULL, NULL, 0, 0};
	const char *left;
	char date[11];
	enum result rc;

	if ((rc = hours_left_on(ctx, &v[HOURS_DATE].v.date, &left)) !=
	    RESULT_OK)
		return rc;
	valid_date_format(&v[HOURS_DATE].v.date, date, sizeof(date));
	view.hours_error = arena_printf(
	    &ctx->arena,
	    "A day has 24 hours: %s can take at most %s more hours.", date,
	    left);
	if (view.hours_error == NULL)
		return RESULT_ERROR;
	return hours_render(ctx, v, &view);
}

static enum result
hours_post(struct ctx *ctx)
{
	struct form_value *v = ctx->form;
	struct hours_entry e;
	const char *params[5] = {e.id, e.hours, e.date, NULL, NULL};
	const char *said = NULL;
	enum result rc = RESULT_ERROR;
	PGresult *res;
	enum db_rc drc;
	int found, wait, inserted;

	if (v[HOURS_KEY].err != VALID_OK)
		return hours_show(
		    ctx, 422, v,
		    "This form was damaged, so nothing was logged. "
		    "Please submit it again.");
	if (!form_valid(v, HOURS__MAX))
		return hours_show(ctx, 422, v, NULL);
	snprintf(e.id, sizeof(e.id), "%lld", ctx->viewer.id);
	snprintf(e.hours, sizeof(e.hours), "%d.%d",
	         v[HOURS_HOURS].v.tenths / 10, v[HOURS_HOURS].v.tenths % 10);
	valid_date_format(&v[HOURS_DATE].v.date, e.date, sizeof(e.date));
	e.note = v[HOURS_NOTE].s;
	e.key = v[HOURS_KEY].s;
	/* A form is logged once: sent again, it changes nothing. */
	if ((found = hours_by_key(ctx, &e, &said, &rc)) != 0)
		return found == -1 ? rc : hours_again(ctx, v, found, said);
	if ((wait = hours_rate_wait(ctx, e.id, &rc)) != 0)
		return wait == -1 ? rc : hours_limited(ctx, v, wait);
	params[3] = e.note;
	params[4] = e.key;
	drc = db_exec(&ctx->db, STMT_HOURS_INSERT, 5, params, NULL, NULL, &res);
	if (drc == DB_FAILED &&
	    strcmp(ctx->db.constraint, "hours_entries_daily_cap") == 0)
		return hours_full_day(ctx, v);
	if (drc != DB_OK)
		return result_from_db(drc, &ctx->db, "hours insert");
	inserted = PQntuples(res) == 1;
	PQclear(res);
	/* No row back: the same key was logged meanwhile. */
	if (!inserted && (found = hours_by_key(ctx, &e, &said, &rc)) != 0)
		return found == -1 ? rc : hours_again(ctx, v, found, said);
	resp_redirect(&ctx->resp, 303, "/hours?logged=1");
	return RESULT_OK;
}

enum result
hours_page(struct ctx *ctx)
{
	struct hours_view view = {200, NULL, NULL, 0, 0};

	if (ctx->req.method == HTTP_POST)
		return hours_post(ctx);
	view.logged = strcmp(ctx->form[QUERY_LOGGED].s, "1") == 0;
	return hours_render(ctx, NULL, &view);
}

enum result
hours_expired(struct ctx *ctx)
{
	return hours_show(ctx, 403, ctx->form,
	                  "This form had expired, so nothing was logged. "
	                  "Please submit it again.");
}
