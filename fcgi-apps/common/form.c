#include <string.h>

#include "form.h"
#include "text.h"

static int
form_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..n) in place of a fresh arena string. Returns the decoded
 * length, or -1 on a broken %-escape, or -2 when the arena is full.
 */
static long
form_decode(struct arena *a, const char *s, size_t n, char **out)
{
	char *d;
	size_t i, j;
	int hi, lo;

	if ((d = arena_alloc(a, n + 1)) == NULL)
		return -2;
	for (i = j = 0; i < n; i++) {
		if (s[i] == '+')
			d[j++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = form_hex((unsigned char)s[i + 1])) < 0 ||
			    (lo = form_hex((unsigned char)s[i + 2])) < 0)
				return -1;
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			d[j++] = s[i];
	}
	d[j] = '\0';
	*out = d;
	return (long)j;
}

static void
form_check(const struct form_field *f, struct form_value *v,
           const struct valid_env *env)
{
	if (v->len > f->max)
		v->err = VALID_TOO_LONG;
	else if (memchr(v->s, '\0', v->len) != NULL)
		v->err = VALID_FORBIDDEN_CHAR;
	else if (f->check != NULL)
		v->err = f->check(v, env);
	else
		v->err = valid_text(v, env);
}

enum form_err
form_parse(struct arena *a, const char *data, size_t len,
           const struct form_field *fields, size_t n, struct form_value *vals,
           const struct valid_env *env)
{
	const char *p = data, *end = data + len, *amp, *eq;
	size_t pairs = 0, i, klen;
	long dlen;
	char *key, *val;
	struct valid_env e = *env;

	e.arena = a;
	env = &e;

	for (i = 0; i < n; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		vals[i].s = "";
	}
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) { /* tolerate "a=1&&b=2" and a trailing '&' */
			p++;
			continue;
		}
		if (++pairs > FORM_MAX_PAIRS)
			return FORM_TOO_MANY;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			return FORM_MALFORMED;
		dlen = form_decode(a, p, (size_t)(eq - p), &key);
		if (dlen < 0)
			return dlen == -1 ? FORM_MALFORMED : FORM_NOMEM;
		klen = (size_t)dlen;
		for (i = 0; i < n; i++)
			if (strlen(fields[i].name) == klen &&
			    memcmp(fields[i].name, key, klen) == 0)
				break;
		if (i < n) {
			if (vals[i].present)
				return FORM_DUPLICATE;
			dlen = form_decode(a, eq + 1, (size_t)(amp - eq - 1),
			                   &val);
			if (dlen < 0)
				return dlen == -1 ? FORM_MALFORMED : FORM_NOMEM;
			vals[i].present = 1;
			vals[i].s = val;
			vals[i].len = (size_t)dlen;
			form_check(&fields[i], &vals[i], env);
		}
		p = amp;
	}
	/* An absent key is checked as an empty value: the check decides
	 * whether the field is required. */
	for (i = 0; i < n; i++)
		if (!vals[i].present)
			form_check(&fields[i], &vals[i], env);
	return FORM_OK;
}

int
form_valid(const struct form_value *vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vals[i].err != VALID_OK)
			return 0;
	return 1;
}
