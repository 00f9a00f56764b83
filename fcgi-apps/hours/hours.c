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

/*
 * The page: the form (empty, or v as submitted with its errors), the
 * entries and the total. A re-shown form keeps its key, so fixing a
 * mistake and submitting again still logs once.
 */
static enum result
hours_render(struct ctx *ctx, int status, const struct form_value *v,
             const char *message, int logged)
{
	char today[11];
	struct form_value dflt[HOURS__MAX];
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
	key = v[HOURS_KEY].err == VALID_OK && v[HOURS_KEY].len > 0
	          ? v[HOURS_KEY].s
	          : hours_new_key(ctx);
	if ((d = tdict_new(&ctx->arena)) == NULL ||
	    (csrf = csrf_token(ctx)) == NULL || key == NULL)
		return RESULT_ERROR;
	if (page_field(d, "hours", &v[HOURS_HOURS], 1, &hours_words) == -1 ||
	    page_field(d, "date", &v[HOURS_DATE], 1, &date_words) == -1 ||
	    page_field(d, "note", &v[HOURS_NOTE], 1, &note_words) == -1 ||
	    tdict_set(d, "csrf", csrf) == -1 ||
	    tdict_set(d, "key", key) == -1 ||
	    tdict_set(d, "message", message ? message : "") == -1 ||
	    tdict_flag(d, "logged", logged) == -1 ||
	    tdict_set(d, "max_date",
	              arena_printf(&ctx->arena, "%04d-%02d-%02d",
	                           ctx->env.latest.y, ctx->env.latest.m,
	                           ctx->env.latest.d)) == -1)
		return RESULT_ERROR;
	if ((rc = hours_entries(ctx, d)) != RESULT_OK)
		return rc;
	return page_render(ctx, status, TAB_HOURS, "Log hours", hours_tmpl, d);
}

static enum result
hours_post(struct ctx *ctx)
{
	struct form_value *v = ctx->form;
	char id[24], hours[16], date[11];
	const char *params[5] = {id, hours, date, NULL, NULL};
	PGresult *res;
	enum db_rc rc;

	if (v[HOURS_KEY].err != VALID_OK)
		return hours_render(
		    ctx, 422, v,
		    "This form was damaged, so nothing was logged. Please "
		    "submit it again.",
		    0);
	if (!form_valid(v, HOURS__MAX))
		return hours_render(ctx, 422, v, NULL, 0);
	snprintf(id, sizeof(id), "%lld", ctx->viewer.id);
	snprintf(hours, sizeof(hours), "%d.%d", v[HOURS_HOURS].v.tenths / 10,
	         v[HOURS_HOURS].v.tenths % 10);
	valid_date_format(&v[HOURS_DATE].v.date, date, sizeof(date));
	params[3] = v[HOURS_NOTE].s;
	params[4] = v[HOURS_KEY].s;
	if ((rc = db_exec(&ctx->db, STMT_HOURS_INSERT, 5, params, NULL, NULL,
	                  &res)) != DB_OK)
		return result_from_db(rc, &ctx->db, "hours insert");
	/* No row back: this form was logged before. Either way it is
	 * logged now, once. */
	PQclear(res);
	resp_redirect(&ctx->resp, 303, "/hours?logged=1");
	return RESULT_OK;
}

enum result
hours_page(struct ctx *ctx)
{
	if (ctx->req.method == HTTP_POST)
		return hours_post(ctx);
	return hours_render(ctx, 200, NULL, NULL,
	                    strcmp(ctx->form[QUERY_LOGGED].s, "1") == 0);
}

enum result
hours_expired(struct ctx *ctx)
{
	return hours_render(ctx, 403, ctx->form,
	                    "This form had expired, so nothing was logged. "
	                    "Please submit it again.",
	                    0);
}
