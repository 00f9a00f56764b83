/*
 * valid: the checks every submitted value goes through, and what each
 * one accepts. They mirror the schema's CHECK constraints
 * (sql/migrations), so a value the application accepts is one the
 * database stores, and a bug here still cannot store bad data.
 */
#ifndef VALID_H
#define VALID_H

#include <stddef.h>
#include <time.h>

#define NAME_MAX_CHARS     64
#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 256
#define NOTE_MAX_CHARS     200
#define HOURS_MAX_TENTHS   240 /* 24.0 hours in one entry */

enum valid_err {
	VALID_OK = 0,
	VALID_MISSING, /* empty, or empty after trimming */
	VALID_TOO_SHORT,
	VALID_TOO_LONG,
	VALID_BAD_UTF8,
	VALID_FORBIDDEN_CHAR, /* a control or invisible character */
	VALID_NOT_A_NUMBER,
	VALID_OUT_OF_RANGE,
	VALID_TOO_PRECISE, /* more than one decimal place */
	VALID_BAD_DATE,
	VALID_FUTURE_DATE,
	VALID_TOO_OLD,
	VALID_BAD_TOKEN, /* a hidden field that was tampered with */
	VALID_ODD_SPACE, /* a space other than U+0020 in a name */
	VALID_BLANK,     /* a name with no visible character */
	VALID_MARKS,     /* too many combining marks on one character */
	VALID_NOMEM,     /* the request's arena is full */
	VALID_COMMON,    /* a password too easy to guess */
	VALID__MAX
};

struct valid_date {
	int y, m, d;
};

/* What the checks need to know about the moment of the request. */
struct valid_env {
	struct valid_date today;  /* in UTC: the form's default date */
	struct valid_date latest; /* today in UTC+14, the earliest zone */
	/* Where checks put values they rewrite (a name in NFC, its
	 * skeletons); form_parse() sets it to the request's arena. */
	struct arena *arena;
};

struct form_value;
struct arena;

/* A sentence for a person about why a value was refused. */
const char *valid_message(enum valid_err err);
/* Fills env from the clock at t. */
void valid_env_at(struct valid_env *env, time_t t);
/* Formats a date as YYYY-MM-DD into out (at least 11 bytes). */
void valid_date_format(const struct valid_date *d, char *out, size_t size);

enum valid_err valid_text(struct form_value *v, const struct valid_env *env);
/* A new name: trimmed, NFC, the whole policy of name.h; on VALID_OK,
 * v->s is the NFC name and v->v.skeletons its TS #39 skeletons. */
enum valid_err valid_name(struct form_value *v, const struct valid_env *env);
/* A name typed to log in: trimmed, valid UTF-8 and printable, NFC; not
 * held to the policy, so that names from before it still log in. */
enum valid_err valid_login_name(struct form_value *v,
                                const struct valid_env *env);
/* A new password: 8-256 characters, put in NFC (what is hashed), not
 * too easy to guess (pwlist.h). */
enum valid_err valid_password(struct form_value *v,
                              const struct valid_env *env);
enum valid_err valid_hours(struct form_value *v, const struct valid_env *env);
enum valid_err valid_day(struct form_value *v, const struct valid_env *env);
enum valid_err valid_note(struct form_value *v, const struct valid_env *env);
enum valid_err valid_token(struct form_value *v, const struct valid_env *env);
enum valid_err valid_key(struct form_value *v, const struct valid_env *env);

#endif
