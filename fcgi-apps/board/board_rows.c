#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "board_rows.h"
#include "clock.h"
#include "log.h"

/* One page of the snapshot. Its rows point into text, which it owns. */
struct board_snap {
	char key[CURSOR_MAX + 1];
	size_t klen;
	double read_at;  /* clock_ms() when it was read; 0: empty */
	struct buf text; /* the page's text (main.c), NULs between fields */
	struct board_row *rows;
	int n;
	int paged;
	int more;
	char next[CURSOR_MAX + 8]; /* "after=" and the link */
};

/* A row's text is at most a bigint's 19 digits, numeric(8,1)'s 10
 * characters (with its sign), a name's 64 characters of at most 4 bytes
 * and its length, and 4 separators: 320 bounds it with room to spare. */
#define BOARD_ROW_TEXT_MAX 320

static struct board_snap board_snaps[BOARD_ROWS_PAGES];
static int board_rows_size;
static int board_rows_max_age;
static char board_rows_limit[16]; /* the statements' LIMIT, as text */

void
board_rows_init(int page_size, int max_age_ms)
{
	board_rows_size = page_size;
	board_rows_max_age = max_age_ms;
	snprintf(board_rows_limit, sizeof(board_rows_limit), "%d",
	         page_size + 1);
}

/*
 * Reads the decimal digits at *p, before end, into *n and steps over
 * them and the space after them, which becomes a NUL (so the digits are
 * a string of their own). Returns 0, or -1 when there are no digits, more
 * than a bigint has, or no space after them. (strtoll, with its locale
 * and its checks, would cost more than the rest of the row.) The text
 * ends in a NUL (buf.h), which stops the digits.
 */
static int
board_rows_number(char **p, const char *end, long long *n)
{
	char *s = *p;
	unsigned long long u = 0;

	for (; (unsigned)(*s - '0') < 10; s++)
		u = u * 10 + (unsigned)(*s - '0');
	if (s == *p || s - *p > 19 || s >= end || *s != ' ' || u > LLONG_MAX)
		return -1;
	*n = (long long)u;
	*s = '\0';
	*p = s + 1;
	return 0;
}

/*
 * One row of a page's text, "ID HOURS NAMELEN NAME\n" (main.c), at *p
 * into r, its separators overwritten with NULs so that hours and name
 * are strings of their own. Steps *p over it. Returns 0, or -1 when the
 * text is not that.
 */
static int
board_rows_parse(char **p, const char *end, struct board_row *r)
{
	char *s;
	long long len;

	if (board_rows_number(p, end, &r->id) == -1)
		return -1;
	/* The text of a numeric: the page writes it unescaped. */
	r->hours = s = *p;
	while ((unsigned)(*s - '0') < 10 || *s == '.' || *s == '-')
		s++;
	if (s == r->hours || s >= end || *s != ' ')
		return -1;
	*s = '\0';
	*p = s + 1;
	if (board_rows_number(p, end, &len) == -1 || len > end - *p - 1 ||
	    (*p)[len] != '\n')
		return -1;
	r->name = *p;
	r->name_len = (size_t)len;
	(*p)[len] = '\0';
	*p += len + 1;
	return 0;
}

/*
 * Runs the page's statement: at most page size + 1 rows (one more says
 * a next page exists) after c, or from the top.
 */
static enum result
board_rows_query(struct ctx *ctx, const struct cursor *c, PGresult **res)
{
	const char *params[3];
	enum db_rc rc;

	if (c->set) {
		params[0] = c->total;
		params[1] = c->id;
		params[2] = board_rows_limit;
		rc = db_exec(&ctx->db, STMT_BOARD_AFTER, 3, params, NULL, NULL,
		             res);
	} else {
		params[0] = board_rows_limit;
		rc = db_exec(&ctx->db, STMT_BOARD_FIRST, 1, params, NULL, NULL,
		             res);
	}
	return rc == DB_OK ? RESULT_OK : result_from_db(rc, &ctx->db, "board");
}

/* Writes u's decimal digits at p and returns the end of them. */
static char *
board_rows_digits(char *p, unsigned long long u)
{
	char tmp[20], *t = tmp + sizeof(tmp);

	do
		*--t = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	memcpy(p, t, (size_t)(tmp + sizeof(tmp) - t));
	return p + (tmp + sizeof(tmp) - t);
}

/*
 * The link to the page after s's rows, "after=TOTAL,ID,POS,RANK,MAC" of
 * the last of them (cursor.h), into s->next, written without printf (it
 * cost as much as the rest of the link). A link the same as the one
 * s->next already holds keeps its MAC: on the database path the top
 * page is read again for every view and its last row seldom changes,
 * and the MAC (an HMAC) is the dearest part of the link. Returns 0, or
 * -1 when no secret is loaded.
 */
static int
board_rows_link(struct board_snap *s, long pos)
{
	const struct board_row *r = &s->rows[s->n - 1];
	char text[CURSOR_MAX + 8], mac[TOKEN_B64_LEN + 1], *p = text;
	size_t hlen = strlen(r->hours), len;

	/* "after=" and at most 16 + 3 * 20 + 3 characters fit in text. */
	if (hlen > 16 || r->id < 0 || pos < 0 || r->rank < 0)
		return -1;
	memcpy(p, "after=", 6);
	memcpy(p += 6, r->hours, hlen);
	*(p += hlen) = ',';
	p = board_rows_digits(p + 1, (unsigned long long)r->id);
	*p = ',';
	p = board_rows_digits(p + 1, (unsigned long long)pos);
	*p = ',';
	p = board_rows_digits(p + 1, (unsigned long long)r->rank);
	len = (size_t)(p - text);
	if (len + 1 + TOKEN_B64_LEN >= sizeof(s->next))
		return -1;
	if (memcmp(s->next, text, len) == 0 && s->next[len] == ',')
		return 0;
	if (cursor_mac(text + 6, len - 6, mac) == -1)
		return -1;
	memcpy(s->next, text, len);
	s->next[len] = ',';
	memcpy(s->next + len + 1, mac, TOKEN_B64_LEN + 1);
	return 0;
}

/*
 * Reads s's rows from the page's text (NULL: an empty page), with ranks
 * that continue from the cursor (competition ranking: equal totals share
 * a rank, and the next rank skips), and writes the link to the page
 * after them. Returns 0, or -1 when the text is not the statement's,
 * passes its bound, or the link cannot be signed.
 */
static int
board_rows_fill(struct board_snap *s, const struct cursor *c, const char *text,
                size_t len)
{
	const char *prev_total = c->set ? c->total : NULL;
	long pos = c->set ? c->pos : 0, rank = c->set ? c->rank : 0;
	char *p, *end;
	struct board_row *r;

	s->paged = c->set;
	s->n = 0;
	s->more = 0;
	buf_reset(&s->text);
	if (text == NULL)
		return 0;
	if (buf_append(&s->text, text, len) == -1)
		return -1;
	p = s->text.data;
	end = p + s->text.len;
	for (; s->n < board_rows_size && p < end; s->n++) {
		r = &s->rows[s->n];
		if (board_rows_parse(&p, end, r) == -1)
			return -1;
		pos++;
		if (prev_total == NULL || strcmp(prev_total, r->hours) != 0)
			rank = pos;
		r->rank = rank;
		prev_total = r->hours;
	}
	/* What is left is the one row more than a page: a next page. */
	s->more = p < end;
	return s->more ? board_rows_link(s, pos) : 0;
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
	int bad;

	memset(c, 0, sizeof(*c));
	if (len > 0 && cursor_parse(key, len, c) == -1)
		return RESULT_BAD_REQUEST;
	s->read_at = 0;
	if (s->rows == NULL) {
		if ((s->rows = calloc((size_t)board_rows_size,
		                      sizeof(*s->rows))) == NULL)
			return RESULT_ERROR;
		buf_init(&s->text,
		         ((size_t)board_rows_size + 1) * BOARD_ROW_TEXT_MAX);
	}
	if ((rc = board_rows_query(ctx, c, &res)) != RESULT_OK)
		return rc;
	/* One row, one column: the page's text, NULL when it has no rows. */
	bad = PQntuples(res) != 1 || PQnfields(res) != 1 ||
	      board_rows_fill(
	          s, c, PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0),
	          (size_t)PQgetlength(res, 0, 0)) == -1;
	PQclear(res);
	if (bad) {
		log_error("board: a page's text is not as its statement "
		          "writes it, or its link could not be signed");
		return RESULT_ERROR;
	}
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
