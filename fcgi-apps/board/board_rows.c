#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_rows.h"
#include "clock.h"

/* One page of the snapshot. Its rows point into res, which it owns. */
struct board_snap {
	char key[CURSOR_MAX + 1];
	size_t klen;
	double read_at; /* clock_ms() when it was read; 0: empty */
	PGresult *res;
	struct board_row *rows;
	int n;
	int paged;
	int more;
	char next[CURSOR_MAX + 8]; /* "after=" and the link */
};

static struct board_snap board_snaps[BOARD_ROWS_PAGES];
static int board_rows_size;
static int board_rows_max_age;

void
board_rows_init(int page_size, int max_age_ms)
{
	board_rows_size = page_size;
	board_rows_max_age = max_age_ms;
}

/* An id as PostgreSQL writes a bigint: digits (strtoll, with its locale
 * and its checks, would cost more than the rest of the row). */
static long long
board_rows_id(const char *s)
{
	long long id = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		id = id * 10 + (*s - '0');
	return id;
}

/*
 * Runs the page's statement: at most page size + 1 rows (one more says
 * a next page exists) after c, or from the top.
 */
static enum result
board_rows_query(struct ctx *ctx, const struct cursor *c, PGresult **res)
{
	char limit[16];
	const char *params[3];
	enum db_rc rc;

	snprintf(limit, sizeof(limit), "%d", board_rows_size + 1);
	if (c->set) {
		params[0] = c->total;
		params[1] = c->id;
		params[2] = limit;
		rc = db_exec(&ctx->db, STMT_BOARD_AFTER, 3, params, NULL, NULL,
		             res);
	} else {
		params[0] = limit;
		rc = db_exec(&ctx->db, STMT_BOARD_FIRST, 1, params, NULL, NULL,
		             res);
	}
	return rc == DB_OK ? RESULT_OK : result_from_db(rc, &ctx->db, "board");
}

/*
 * Points s's rows into s->res, with ranks that continue from the cursor
 * (competition ranking: equal totals share a rank, and the next rank
 * skips), and writes the link to the page after them.
 */
static int
board_rows_fill(struct board_snap *s, const struct cursor *c)
{
	const char *prev_total = c->set ? c->total : NULL;
	long pos = c->set ? c->pos : 0, rank = c->set ? c->rank : 0;
	int i, n = PQntuples(s->res), fid, fname, fhours, len;
	struct board_row *r;
	char mac[TOKEN_B64_LEN + 1];

	s->more = n > board_rows_size;
	s->n = s->more ? board_rows_size : n;
	s->paged = c->set;
	fid = PQfnumber(s->res, "id");
	fname = PQfnumber(s->res, "name");
	fhours = PQfnumber(s->res, "total_hours");
	for (i = 0; i < s->n; i++) {
		r = &s->rows[i];
		r->id = board_rows_id(PQgetvalue(s->res, i, fid));
		r->name = PQgetvalue(s->res, i, fname);
		r->name_len = (size_t)PQgetlength(s->res, i, fname);
		r->hours = PQgetvalue(s->res, i, fhours);
		pos++;
		if (prev_total == NULL || strcmp(prev_total, r->hours) != 0)
			rank = pos;
		r->rank = rank;
		prev_total = r->hours;
	}
	if (!s->more)
		return 0;
	/* "after=TOTAL,ID,POS,RANK,MAC" of the last row (cursor.h). */
	r = &s->rows[s->n - 1];
	len = snprintf(s->next, sizeof(s->next), "after=%s,%lld,%ld,%ld",
	               r->hours, r->id, pos, r->rank);
	if (len < 0 || (size_t)len + 1 + TOKEN_B64_LEN >= sizeof(s->next) ||
	    cursor_mac(s->next + 6, (size_t)len - 6, mac) == -1)
		return -1;
	s->next[len] = ',';
	memcpy(s->next + len + 1, mac, TOKEN_B64_LEN + 1);
	return 0;
}

/* The snapshot's page for key, or the slot to read it into: the one
 * read longest ago. */
static struct board_snap *
board_rows_slot(const char *key, size_t len)
{
	struct board_snap *s, *oldest = &board_snaps[0];

	for (s = board_snaps; s < board_snaps + BOARD_ROWS_PAGES; s++) {
		if (s->read_at > 0 && s->klen == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
		if (s->read_at < oldest->read_at)
			oldest = s;
	}
	return oldest;
}

/* Reads the page after the link key (the top when len is 0) into s.
 * The link is parsed only here: a page the snapshot holds needs
 * nothing of it. */
static enum result
board_rows_read(struct ctx *ctx, struct board_snap *s, const char *key,
                size_t len)
{
	struct cursor cursor, *c = &cursor;
	PGresult *res;
	enum result rc;

	memset(c, 0, sizeof(*c));
	if (len > 0 && cursor_parse(key, len, c) == -1)
		return RESULT_BAD_REQUEST;
	s->read_at = 0;
	PQclear(s->res);
	s->res = NULL;
	if (s->rows == NULL && (s->rows = calloc((size_t)board_rows_size,
	                                         sizeof(*s->rows))) == NULL)
		return RESULT_ERROR;
	if ((rc = board_rows_query(ctx, c, &res)) != RESULT_OK)
		return rc;
	s->res = res;
	if (board_rows_fill(s, c) == -1)
		return RESULT_ERROR;
	memcpy(s->key, key, len);
	s->klen = len;
	s->read_at = clock_ms();
	return RESULT_OK;
}

enum result
board_rows_page(struct ctx *ctx, const char *key, size_t len,
                struct board_page *page)
{
	struct board_snap *s;
	enum result rc;

	if (len > CURSOR_MAX)
		return RESULT_BAD_REQUEST;
	s = board_rows_slot(key, len);
	if (s->read_at == 0 || s->klen != len ||
	    memcmp(s->key, key, len) != 0 ||
	    clock_ms() - s->read_at >= board_rows_max_age)
		if ((rc = board_rows_read(ctx, s, key, len)) != RESULT_OK)
			return rc;
	page->rows = s->rows;
	page->n = s->n;
	page->paged = s->paged;
	page->next = s->more ? s->next : NULL;
	return RESULT_OK;
}
