#include <stdio.h>
#include <string.h>

#include "form.h"
#include "name.h"
#include "pwlist.h"
#include "text.h"
#include "valid.h"

#define DATE_MIN_YEAR 1900

const char *
valid_message(enum valid_err err)
{
	static const char *const msg[VALID__MAX] = {
	    [VALID_OK] = "",
	    [VALID_MISSING] = "This field is required.",
	    [VALID_TOO_SHORT] = "This is too short.",
	    [VALID_TOO_LONG] = "This is too long.",
	    [VALID_BAD_UTF8] = "This contains bytes that are not valid "
	                       "UTF-8 text.",
	    [VALID_FORBIDDEN_CHAR] = "Control characters and invisible "
	                             "formatting characters are not allowed.",
	    [VALID_NOT_A_NUMBER] = "Enter a number, like 1.5.",
	    [VALID_OUT_OF_RANGE] = "This number is out of range.",
	    [VALID_TOO_PRECISE] = "Use at most one decimal place.",
	    [VALID_BAD_DATE] = "Enter a real date as YYYY-MM-DD.",
	    [VALID_FUTURE_DATE] = "The date cannot be in the future.",
	    [VALID_TOO_OLD] = "The date is too far in the past.",
	    [VALID_BAD_TOKEN] = "This form is out of date. Please submit it "
	                        "again.",
	    [VALID_ODD_SPACE] = "Use ordinary spaces only.",
	    [VALID_BLANK] = "Use at least one visible letter, digit or "
	                    "symbol.",
	    [VALID_MARKS] = "Use at most 4 accents or other marks on one "
	                    "letter.",
	    [VALID_NOMEM] = "This could not be checked. Please try again.",
	    [VALID_COMMON] = "This password is too easy to guess. A few "
	                     "unrelated words make a good one.",
	};

	return err >= 0 && err < VALID__MAX && msg[err] ? msg[err] : "Invalid.";
}

static void
valid_date_from(struct valid_date *d, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	d->y = tm.tm_year + 1900;
	d->m = tm.tm_mon + 1;
	d->d = tm.tm_mday;
}

void
valid_env_at(struct valid_env *env, time_t t)
{
	valid_date_from(&env->today, t);
	valid_date_from(&env->latest, t + 14 * 3600);
	env->arena = NULL;
}

void
valid_date_format(const struct valid_date *d, char *out, size_t size)
{
	snprintf(out, size, "%04d-%02d-%02d", d->y, d->m, d->d);
}

static int
valid_date_cmp(const struct valid_date *a, const struct valid_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

/*
 * Trims spaces, keeping the value NUL-terminated. Only a value that had
 * trailing spaces is written to, and that value is form_parse()'s arena
 * copy; an absent value ("") is never touched.
 */
static void
valid_trim(struct form_value *v)
{
	const char *s = v->s;
	size_t len = v->len;

	text_trim(&s, &len);
	if (s + len != v->s + v->len)
		((char *)s)[len] = '\0';
	v->s = s;
	v->len = len;
}

static enum valid_err
valid_chars(const struct form_value *v, size_t *chars)
{
	switch (text_check(v->s, v->len, chars)) {
	case TEXT_OK:
		return VALID_OK;
	case TEXT_BAD_UTF8:
		return VALID_BAD_UTF8;
	default:
		return VALID_FORBIDDEN_CHAR;
	}
}

enum valid_err
valid_text(struct form_value *v, const struct valid_env *env)
{
	(void)env;
	return valid_chars(v, NULL);
}

/* Trims, checks the characters and puts the value in NFC; *chars is its
 * length in code points, in NFC. */
static enum valid_err
valid_name_nfc(struct form_value *v, const struct valid_env *env, size_t *chars)
{
	enum valid_err e;

	valid_trim(v);
	if ((e = valid_chars(v, chars)) != VALID_OK)
		return e;
	if (*chars == 0)
		return VALID_MISSING;
	if (env->arena == NULL ||
	    name_nfc(env->arena, v->s, v->len, &v->s, &v->len) == -1)
		return VALID_NOMEM;
	return valid_chars(v, chars);
}

enum valid_err
valid_name(struct form_value *v, const struct valid_env *env)
{
	static const enum valid_err policy[] = {
	    [NAME_OK] = VALID_OK,
	    [NAME_FORBIDDEN] = VALID_FORBIDDEN_CHAR,
	    [NAME_SPACE] = VALID_ODD_SPACE,
	    [NAME_BLANK] = VALID_BLANK,
	    [NAME_MARKS] = VALID_MARKS,
	    [NAME_NOMEM] = VALID_NOMEM,
	};
	enum valid_err e;
	const char **skel;
	size_t chars;

	if ((e = valid_name_nfc(v, env, &chars)) != VALID_OK)
		return e;
	if ((e = policy[name_check(v->s, v->len)]) != VALID_OK)
		return e;
	if (chars > NAME_MAX_CHARS)
		return VALID_TOO_LONG;
	if ((skel = arena_alloc(env->arena, NAME_SKEL__MAX * sizeof(*skel))) ==
	        NULL ||
	    name_skeletons(env->arena, v->s, v->len, skel) == -1)
		return VALID_NOMEM;
	v->v.skeletons = skel;
	return VALID_OK;
}

enum valid_err
valid_login_name(struct form_value *v, const struct valid_env *env)
{
	enum valid_err e;
	size_t chars;

	if ((e = valid_name_nfc(v, env, &chars)) != VALID_OK)
		return e;
	return chars > NAME_MAX_CHARS ? VALID_TOO_LONG : VALID_OK;
}

/* Passwords keep their spaces (they are characters like any other) and
 * are put in NFC, so the same password typed on another keyboard or
 * system matches. */
enum valid_err
valid_password(struct form_value *v, const struct valid_env *env)
{
	enum valid_err e;
	size_t chars;

	if (v->len == 0)
		return VALID_MISSING;
	if ((e = valid_chars(v, &chars)) != VALID_OK)
		return e;
	if (env->arena == NULL ||
	    name_nfc(env->arena, v->s, v->len, &v->s, &v->len) == -1)
		return VALID_NOMEM;
	if ((e = valid_chars(v, &chars)) != VALID_OK)
		return e;
	if (chars < PASSWORD_MIN_CHARS)
		return VALID_TOO_SHORT;
	if (chars > PASSWORD_MAX_CHARS)
		return VALID_TOO_LONG;
	switch (pwlist_common(v->s, v->len)) {
	case 0:
		return VALID_OK;
	case 1:
		return VALID_COMMON;
	default:
		return VALID_NOMEM;
	}
}

/*
 * Hours as the form sends them: digits, optionally a point and digits.
 * Anything else (signs, exponents, "NaN", "inf", commas) is not a number;
 * a minus sign in front of a number is reported as out of range, which
 * is the message a person who typed it needs.
 */
enum valid_err
valid_hours(struct form_value *v, const struct valid_env *env)
{
	const char *p;
	int whole = 0, frac = 0, digits = 0, negative = 0;

	(void)env;
	valid_trim(v);
	if (v->len == 0)
		return VALID_MISSING;
	p = v->s;
	if (*p == '-')
		negative = 1, p++;
	if (*p < '0' || *p > '9')
		return VALID_NOT_A_NUMBER;
	while (*p == '0')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		if (++digits <= 3)
			whole = whole * 10 + (*p - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return VALID_NOT_A_NUMBER;
		frac = *p++ - '0';
		for (; *p >= '0' && *p <= '9'; p++)
			if (*p != '0')
				return *(p + strspn(p, "0123456789")) == '\0'
				           ? VALID_TOO_PRECISE
				           : VALID_NOT_A_NUMBER;
	}
	if (*p != '\0')
		return VALID_NOT_A_NUMBER;
	if (negative || digits > 2)
		return VALID_OUT_OF_RANGE;
	v->v.tenths = whole * 10 + frac;
	if (v->v.tenths <= 0 || v->v.tenths > HOURS_MAX_TENTHS)
		return VALID_OUT_OF_RANGE;
	return VALID_OK;
}

static int
valid_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A calendar date as an <input type=date> sends it: YYYY-MM-DD. */
enum valid_err
valid_day(struct form_value *v, const struct valid_env *env)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
	                           31, 31, 30, 31, 30, 31};
	struct valid_date d;
	const char *s;
	int i, max;

	valid_trim(v);
	if (v->len == 0)
		return VALID_MISSING;
	s = v->s;
	if (v->len != 10 || s[4] != '-' || s[7] != '-')
		return VALID_BAD_DATE;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return VALID_BAD_DATE;
	d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	      (s[3] - '0');
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = (s[8] - '0') * 10 + (s[9] - '0');
	if (d.m < 1 || d.m > 12 || d.d < 1)
		return VALID_BAD_DATE;
	max = days[d.m - 1] + (d.m == 2 && valid_leap(d.y));
	if (d.d > max)
		return VALID_BAD_DATE;
	if (d.y < DATE_MIN_YEAR)
		return VALID_TOO_OLD;
	if (valid_date_cmp(&d, &env->latest) > 0)
		return VALID_FUTURE_DATE;
	v->v.date = d;
	return VALID_OK;
}

/* Optional: an empty note is fine and is stored as no note. */
enum valid_err
valid_note(struct form_value *v, const struct valid_env *env)
{
	enum valid_err e;
	size_t chars;

	(void)env;
	valid_trim(v);
	if ((e = valid_chars(v, &chars)) != VALID_OK)
		return e;
	return chars > NOTE_MAX_CHARS ? VALID_TOO_LONG : VALID_OK;
}

static int
valid_b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A 256-bit value in unpadded base64url: what crypto_token_encode makes. */
enum valid_err
valid_token(struct form_value *v, const struct valid_env *env)
{
	size_t i;

	(void)env;
	if (v->len == 0)
		return VALID_MISSING;
	if (v->len != 43)
		return VALID_BAD_TOKEN;
	for (i = 0; i < v->len; i++)
		if (!valid_b64url_char(v->s[i]))
			return VALID_BAD_TOKEN;
	return VALID_OK;
}

/* A form's idempotency key: 128 bits as 32 lowercase hex digits. */
enum valid_err
valid_key(struct form_value *v, const struct valid_env *env)
{
	size_t i;

	(void)env;
	if (v->len == 0)
		return VALID_MISSING;
	if (v->len != 32)
		return VALID_BAD_TOKEN;
	for (i = 0; i < v->len; i++)
		if (!((v->s[i] >= '0' && v->s[i] <= '9') ||
		      (v->s[i] >= 'a' && v->s[i] <= 'f')))
			return VALID_BAD_TOKEN;
	return VALID_OK;
}
