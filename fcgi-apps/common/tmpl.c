#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "tmpl.h"

#define TMPL_MAX_FILE  (256 * 1024)
#define TMPL_MAX_DEPTH 8
#define TMPL_MAX_NAME  48

enum node_type {
	NODE_TEXT,
	NODE_VAR,
	NODE_RAW,
	NODE_SECTION,
	NODE_INVERTED,
};

struct node {
	enum node_type type;
	const char *s; /* text, or the name */
	size_t len;
	size_t end;    /* sections: index of the first node after the section */
	unsigned hash; /* of the name, computed once here (tmpl_hash) */
};

struct tmpl {
	char *owned; /* the file's contents, when loaded from a file */
	struct node *nodes;
	size_t n;
};

enum tval_type {
	TVAL_STRING,
	TVAL_FLAG,
	TVAL_LIST,
	TVAL_ROWS,
	TVAL_FRAGMENT,
	TVAL_TEMPLATE,
};

struct tval {
	const char *key;
	size_t klen;
	unsigned hash;
	enum tval_type type;
	const char *s;
	size_t len;
	int plain; /* strings: needs no escaping (tval_set_plain) */
	int flag;
	struct tdict *first, *last; /* list items; rows: the one item */
	size_t nrows;               /* rows */
	tdict_fill_fn fill;
	void *arg;
	const struct tmpl *tmpl; /* template: rendered with first */
	struct tval *next;
};

struct tdict {
	struct arena *arena;
	const struct tdict *parent;
	struct tval *vals;
	struct tdict *next; /* the next item of the list holding this one */
};

/* ---- compiling ---------------------------------------------------- */

/* FNV-1a. A name is compared only with values of the same hash and
 * length, so most lookups make no string comparison at all. */
static unsigned
tmpl_hash(const char *s, size_t len)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int
tmpl_error(char *err, size_t errlen, const char *src, const char *at,
           const char *what)
{
	size_t line = 1;
	const char *p;

	for (p = src; p < at; p++)
		if (*p == '\n')
			line++;
	snprintf(err, errlen, "line %zu: %s", line, what);
	return -1;
}

static int
tmpl_push(struct tmpl *t, size_t *cap, enum node_type type, const char *s,
          size_t len)
{
	struct node *nn;

	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((nn = realloc(t->nodes, *cap * sizeof(*nn))) == NULL)
			return -1;
		t->nodes = nn;
	}
	t->nodes[t->n].type = type;
	t->nodes[t->n].s = s;
	t->nodes[t->n].len = len;
	t->nodes[t->n].end = 0;
	t->nodes[t->n].hash = type == NODE_TEXT ? 0 : tmpl_hash(s, len);
	t->n++;
	return 0;
}

static int
tmpl_valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TMPL_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
tmpl_parse(struct tmpl *t, const char *src, size_t len, char *err,
           size_t errlen)
{
	const char *p = src, *end = src + len, *open, *close, *name;
	size_t cap = 0, stack[TMPL_MAX_DEPTH], depth = 0, nlen;
	enum node_type type;
	int triple;
	char sigil;

	while (p < end) {
		open = strstr(p, "{{");
		if (open == NULL || open >= end)
			open = end;
		if (open > p &&
		    tmpl_push(t, &cap, NODE_TEXT, p, (size_t)(open - p)) == -1)
			return tmpl_error(err, errlen, src, p, "out of memory");
		if (open == end)
			break;
		triple = open[2] == '{';
		name = open + (triple ? 3 : 2);
		if ((close = strstr(name, triple ? "}}}" : "}}")) == NULL ||
		    close >= end)
			return tmpl_error(err, errlen, src, open,
			                  "unterminated tag");
		p = close + (triple ? 3 : 2);
		sigil = triple ? '{' : *name;
		if (sigil == '!')
			continue;
		if (sigil == '#' || sigil == '^' || sigil == '/')
			name++;
		type = sigil == '{'   ? NODE_RAW
		       : sigil == '#' ? NODE_SECTION
		       : sigil == '^' ? NODE_INVERTED
		                      : NODE_VAR;
		while (*name == ' ')
			name++;
		nlen = (size_t)(close - name);
		while (nlen > 0 && name[nlen - 1] == ' ')
			nlen--;
		if (!tmpl_valid_name(name, nlen))
			return tmpl_error(err, errlen, src, open,
			                  "bad name in tag");
		if (sigil == '/') {
			if (depth == 0)
				return tmpl_error(err, errlen, src, open,
				                  "close without open");
			depth--;
			if (t->nodes[stack[depth]].len != nlen ||
			    memcmp(t->nodes[stack[depth]].s, name, nlen) != 0)
				return tmpl_error(err, errlen, src, open,
				                  "close does not match open");
			t->nodes[stack[depth]].end = t->n;
			continue;
		}
		if (tmpl_push(t, &cap, type, name, nlen) == -1)
			return tmpl_error(err, errlen, src, open,
			                  "out of memory");
		if (type == NODE_SECTION || type == NODE_INVERTED) {
			if (depth == TMPL_MAX_DEPTH)
				return tmpl_error(err, errlen, src, open,
				                  "sections nested too deep");
			stack[depth++] = t->n - 1;
		}
	}
	if (depth > 0)
		return tmpl_error(err, errlen, src, t->nodes[stack[0]].s,
		                  "section not closed");
	return 0;
}

struct tmpl *
tmpl_compile(const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (memchr(src, '\0', len) != NULL || src[len] != '\0') {
		snprintf(err, errlen,
		         "NUL byte in template, or no NUL after it");
		tmpl_free(t);
		return NULL;
	}
	if (tmpl_parse(t, src, len, err, errlen) == -1) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

struct tmpl *
tmpl_load(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *src;
	size_t len;
	struct tmpl *t;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((src = malloc(TMPL_MAX_FILE + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	len = fread(src, 1, TMPL_MAX_FILE + 1, f);
	fclose(f);
	if (len > TMPL_MAX_FILE) {
		free(src);
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		         TMPL_MAX_FILE);
		return NULL;
	}
	src[len] = '\0';
	if ((t = tmpl_compile(src, len, err, errlen)) == NULL) {
		free(src);
		return NULL;
	}
	t->owned = src;
	return t;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->owned);
	free(t);
}

/* ---- dictionaries ------------------------------------------------- */

struct tdict *
tdict_new(struct arena *a)
{
	struct tdict *d;

	if ((d = arena_alloc(a, sizeof(*d))) == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->arena = a;
	return d;
}

static struct tval *
tdict_own(const struct tdict *d, const char *key, size_t klen, unsigned hash)
{
	struct tval *v;

	for (v = d->vals; v != NULL; v = v->next)
		if (v->hash == hash && v->klen == klen &&
		    memcmp(v->key, key, klen) == 0)
			return v;
	return NULL;
}

/* Returns the value for key in d, creating (or resetting) it. */
static struct tval *
tdict_slot(struct tdict *d, const char *key, enum tval_type type)
{
	size_t klen = strlen(key);
	unsigned hash = tmpl_hash(key, klen);
	struct tval *v;

	if ((v = tdict_own(d, key, klen, hash)) == NULL) {
		if ((v = arena_alloc(d->arena, sizeof(*v))) == NULL)
			return NULL;
		memset(v, 0, sizeof(*v));
		v->key = key;
		v->klen = klen;
		v->hash = hash;
		v->next = d->vals;
		d->vals = v;
	} else if (v->type != type) {
		v->first = v->last = NULL;
	}
	v->type = type;
	v->plain = 0;
	return v;
}

int
tdict_setn(struct tdict *d, const char *key, const char *val, size_t n)
{
	struct tval *v;

	if (val == NULL || (v = tdict_slot(d, key, TVAL_STRING)) == NULL)
		return -1;
	v->s = val;
	v->len = n;
	return 0;
}

int
tdict_set(struct tdict *d, const char *key, const char *val)
{
	return val == NULL ? -1 : tdict_setn(d, key, val, strlen(val));
}

int
tdict_setf(struct tdict *d, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = arena_alloc(d->arena, (size_t)n + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return tdict_setn(d, key, s, (size_t)n);
}

int
tdict_setint(struct tdict *d, const char *key, long long n)
{
	char tmp[24], *s;
	unsigned long long u =
	    n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	size_t len = 0, i;

	do
		tmp[len++] = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (n < 0)
		tmp[len++] = '-';
	if ((s = arena_alloc(d->arena, len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		s[i] = tmp[len - 1 - i];
	s[len] = '\0';
	return tdict_setn(d, key, s, len);
}

int
tdict_flag(struct tdict *d, const char *key, int on)
{
	struct tval *v;

	if ((v = tdict_slot(d, key, TVAL_FLAG)) == NULL)
		return -1;
	v->flag = on != 0;
	return 0;
}

int
tdict_fragment(struct tdict *d, const char *key, const struct buf *b)
{
	struct tval *v;
	char *copy;

	if ((copy = arena_strndup(d->arena, b->data ? b->data : "", b->len)) ==
	    NULL)
		return -1;
	if ((v = tdict_slot(d, key, TVAL_FRAGMENT)) == NULL)
		return -1;
	v->s = copy;
	v->len = b->len;
	return 0;
}

struct arena *
tdict_arena(struct tdict *d)
{
	return d->arena;
}

struct tdict *
tdict_push(struct tdict *d, const char *key)
{
	struct tval *v;
	struct tdict *item;

	v = tdict_own(d, key, strlen(key), tmpl_hash(key, strlen(key)));
	if (v == NULL || v->type != TVAL_LIST)
		if ((v = tdict_slot(d, key, TVAL_LIST)) == NULL)
			return NULL;
	if ((item = tdict_new(d->arena)) == NULL)
		return NULL;
	item->parent = d;
	if (v->last != NULL)
		v->last->next = item;
	else
		v->first = item;
	v->last = item;
	return item;
}

struct tdict *
tdict_rows(struct tdict *d, const char *key, size_t n, tdict_fill_fn fill,
           void *arg)
{
	struct tval *v;
	struct tdict *item;

	if ((item = tdict_new(d->arena)) == NULL ||
	    (v = tdict_slot(d, key, TVAL_ROWS)) == NULL)
		return NULL;
	item->parent = d;
	v->first = v->last = item;
	v->nrows = n;
	v->fill = fill;
	v->arg = arg;
	return item;
}

struct tval *
tdict_val(struct tdict *d, const char *key)
{
	struct tval *v;

	if ((v = tdict_slot(d, key, TVAL_STRING)) == NULL)
		return NULL;
	v->s = "";
	v->len = 0;
	return v;
}

void
tval_set(struct tval *v, const char *s, size_t len)
{
	v->type = TVAL_STRING;
	v->s = s;
	v->len = len;
	v->plain = 0;
}

void
tval_set_plain(struct tval *v, const char *s, size_t len)
{
	tval_set(v, s, len);
	v->plain = 1;
}

void
tval_flag(struct tval *v, int on)
{
	v->type = TVAL_FLAG;
	v->flag = on != 0;
}

int
tdict_template(struct tdict *d, const char *key, const struct tmpl *t,
               struct tdict *with)
{
	struct tval *v;

	if (t == NULL || with == NULL ||
	    (v = tdict_slot(d, key, TVAL_TEMPLATE)) == NULL)
		return -1;
	v->tmpl = t;
	v->first = v->last = with;
	return 0;
}

/* ---- rendering ---------------------------------------------------- */

static const struct tval *
tdict_lookup(const struct tdict *d, const struct node *n)
{
	const struct tval *v;

	for (; d != NULL; d = d->parent)
		if ((v = tdict_own(d, n->s, n->len, n->hash)) != NULL)
			return v;
	return NULL;
}

static int
tval_truthy(const struct tval *v)
{
	if (v == NULL)
		return 0;
	switch (v->type) {
	case TVAL_FLAG:
		return v->flag;
	case TVAL_LIST:
		return v->first != NULL;
	case TVAL_ROWS:
		return v->nrows > 0;
	case TVAL_TEMPLATE:
		return 1;
	default:
		return v->len > 0;
	}
}

/* The name a failed render stopped at, for the caller's log line. */
static char tmpl_what[TMPL_MAX_NAME + 1];

static int
tmpl_fail(const struct node *n, const char **what)
{
	snprintf(tmpl_what, sizeof(tmpl_what), "%.*s", (int)n->len, n->s);
	*what = tmpl_what;
	return -1;
}

/*
 * Where a rendering is: the template, the dictionary names are looked up
 * in, and, inside a list of rows, each node's value found once for all
 * the rows (their one dictionary keeps its values; fill only changes
 * them), indexed by node.
 */
struct tmpl_at {
	const struct tmpl *t;
	const struct tdict *d;
	const struct tval **bound;
	struct buf *out;
	const char **what;
	int depth; /* templates rendered inside templates */
};

static int tmpl_range(const struct tmpl_at *at, size_t from, size_t to);

static const struct tval *
tmpl_find(const struct tmpl_at *at, size_t i)
{
	return at->bound ? at->bound[i] : tdict_lookup(at->d, &at->t->nodes[i]);
}

/* {{name}} escaped, or {{{name}}}: a fragment, or a template rendered in
 * place with its own values. */
static int
tmpl_value(const struct tmpl_at *at, size_t i)
{
	const struct node *n = &at->t->nodes[i];
	const struct tval *v = tmpl_find(at, i);
	struct tmpl_at sub;

	if (v == NULL)
		return tmpl_fail(n, at->what);
	if (n->type == NODE_VAR) {
		if (v->type != TVAL_STRING)
			return tmpl_fail(n, at->what);
		if (v->plain)
			buf_append(at->out, v->s, v->len);
		else
			html_escape(at->out, v->s, v->len);
		return 0;
	}
	if (v->type == TVAL_FRAGMENT) {
		buf_append(at->out, v->s, v->len); /* the bound: tmpl_range */
		return 0;
	}
	/* A template that contains itself, however indirectly, stops. */
	if (v->type != TVAL_TEMPLATE || at->depth == TMPL_MAX_DEPTH)
		return tmpl_fail(n, at->what);
	sub = (struct tmpl_at){v->tmpl, v->first, NULL,
	                       at->out, at->what, at->depth + 1};
	return tmpl_range(&sub, 0, v->tmpl->n);
}

/* A section's body once per row of v, each node's value found once. */
static int
tmpl_rows(const struct tmpl_at *at, size_t i, const struct tval *v)
{
	const struct node *n = &at->t->nodes[i];
	struct tmpl_at sub = {at->t,   v->first, NULL,
	                      at->out, at->what, at->depth};
	size_t k;

	if (v->nrows == 0)
		return 0;
	sub.bound = arena_alloc(v->first->arena, at->t->n * sizeof(*sub.bound));
	if (sub.bound == NULL)
		return tmpl_fail(n, at->what);
	for (k = i + 1; k < n->end; k++)
		sub.bound[k] = at->t->nodes[k].type == NODE_TEXT
		                   ? NULL
		                   : tdict_lookup(v->first, &at->t->nodes[k]);
	for (k = 0; k < v->nrows; k++) {
		if (v->fill(v->arg, k) == -1)
			return tmpl_fail(n, at->what);
		if (tmpl_range(&sub, i + 1, n->end) == -1)
			return -1;
	}
	return 0;
}

/*
 * The section at nodes[i]. A list or rows section renders its body for
 * each item and returns the node after it. Any other section returns
 * the first node of its body when it is to be rendered (the body is then
 * rendered as part of the enclosing range, with no call of its own: it
 * ends where the section ends), or the node after it when not. -1 when
 * the rendering failed.
 */
static long
tmpl_section(const struct tmpl_at *at, size_t i)
{
	const struct node *n = &at->t->nodes[i];
	const struct tval *v = tmpl_find(at, i);
	struct tmpl_at sub;

	/* Flags first: a row's sections are nearly all flags. */
	if (v != NULL && v->type == TVAL_FLAG)
		return v->flag == (n->type == NODE_SECTION) ? (long)i + 1
		                                            : (long)n->end;
	if (n->type == NODE_INVERTED)
		return tval_truthy(v) ? (long)n->end : (long)i + 1;
	if (v != NULL && v->type == TVAL_LIST) {
		sub = *at;
		sub.bound = NULL;
		for (sub.d = v->first; sub.d; sub.d = sub.d->next)
			if (tmpl_range(&sub, i + 1, n->end) == -1)
				return -1;
		return (long)n->end;
	}
	if (v != NULL && v->type == TVAL_ROWS)
		return tmpl_rows(at, i, v) == -1 ? -1 : (long)n->end;
	return tval_truthy(v) ? (long)i + 1 : (long)n->end;
}

/* Renders nodes[from..to). The output's bound is checked once at the
 * end (appends past it append nothing, and the failure sticks). */
static int
tmpl_range(const struct tmpl_at *at, size_t from, size_t to)
{
	const struct node *n;
	size_t i = from;
	long next;

	while (i < to) {
		n = &at->t->nodes[i];
		switch (n->type) {
		case NODE_TEXT:
			buf_append(at->out, n->s, n->len);
			i++;
			break;
		case NODE_VAR:
		case NODE_RAW:
			if (tmpl_value(at, i) == -1)
				return -1;
			i++;
			break;
		case NODE_SECTION:
		case NODE_INVERTED:
			if ((next = tmpl_section(at, i)) == -1)
				return -1;
			i = (size_t)next;
			break;
		}
	}
	if (buf_failed(at->out)) {
		*at->what = "output bound";
		return -1;
	}
	return 0;
}

int
tmpl_render(const struct tmpl *t, const struct tdict *d, struct buf *out,
            const char **what)
{
	const char *dummy;
	struct tmpl_at at = {t, d, NULL, out, what ? what : &dummy, 0};

	return tmpl_range(&at, 0, t->n);
}
