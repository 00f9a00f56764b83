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
	size_t end; /* sections: index of the first node after the section */
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
	TVAL_FRAGMENT,
};

struct tval {
	const char *key;
	size_t klen;
	enum tval_type type;
	const char *s;
	size_t len;
	int flag;
	struct tdict *first, *last; /* list items */
	struct tval *next;
};

struct tdict {
	struct arena *arena;
	const struct tdict *parent;
	struct tval *vals;
	struct tdict *next; /* the next item of the list holding this one */
};

/* ---- compiling ---------------------------------------------------- */

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
tdict_own(const struct tdict *d, const char *key, size_t klen)
{
	struct tval *v;

	for (v = d->vals; v != NULL; v = v->next)
		if (v->klen == klen && memcmp(v->key, key, klen) == 0)
			return v;
	return NULL;
}

/* Returns the value for key in d, creating (or resetting) it. */
static struct tval *
tdict_slot(struct tdict *d, const char *key, enum tval_type type)
{
	struct tval *v;

	if ((v = tdict_own(d, key, strlen(key))) == NULL) {
		if ((v = arena_alloc(d->arena, sizeof(*v))) == NULL)
			return NULL;
		memset(v, 0, sizeof(*v));
		v->key = key;
		v->klen = strlen(key);
		v->next = d->vals;
		d->vals = v;
	} else if (v->type != type) {
		v->first = v->last = NULL;
	}
	v->type = type;
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

	v = tdict_own(d, key, strlen(key));
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

/* ---- rendering ---------------------------------------------------- */

static const struct tval *
tdict_lookup(const struct tdict *d, const char *key, size_t klen)
{
	const struct tval *v;

	for (; d != NULL; d = d->parent)
		if ((v = tdict_own(d, key, klen)) != NULL)
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

static int
tmpl_range(const struct tmpl *t, size_t from, size_t to, const struct tdict *d,
           struct buf *out, const char **what)
{
	const struct node *n;
	const struct tval *v;
	const struct tdict *item;
	size_t i;

	for (i = from; i < to; i++) {
		n = &t->nodes[i];
		switch (n->type) {
		case NODE_TEXT:
			buf_append(out, n->s, n->len);
			break;
		case NODE_VAR:
		case NODE_RAW:
			v = tdict_lookup(d, n->s, n->len);
			if (v == NULL ||
			    v->type != (n->type == NODE_VAR ? TVAL_STRING
			                                    : TVAL_FRAGMENT))
				return tmpl_fail(n, what);
			if (n->type == NODE_VAR)
				html_escape(out, v->s, v->len);
			else
				buf_append(out, v->s, v->len);
			break;
		case NODE_SECTION:
		case NODE_INVERTED:
			v = tdict_lookup(d, n->s, n->len);
			if (n->type == NODE_INVERTED) {
				if (!tval_truthy(v) &&
				    tmpl_range(t, i + 1, n->end, d, out,
				               what) == -1)
					return -1;
			} else if (v != NULL && v->type == TVAL_LIST) {
				for (item = v->first; item; item = item->next)
					if (tmpl_range(t, i + 1, n->end, item,
					               out, what) == -1)
						return -1;
			} else if (tval_truthy(v) &&
			           tmpl_range(t, i + 1, n->end, d, out, what) ==
			               -1)
				return -1;
			i = n->end - 1;
			break;
		}
		if (buf_failed(out)) {
			*what = "output bound";
			return -1;
		}
	}
	return 0;
}

int
tmpl_render(const struct tmpl *t, const struct tdict *d, struct buf *out,
            const char **what)
{
	const char *dummy;

	return tmpl_range(t, 0, t->n, d, out, what ? what : &dummy);
}
