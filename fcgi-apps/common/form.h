/*
 * form: application/x-www-form-urlencoded bodies and query strings,
 * decoded and validated before any handler sees them.
 *
 * A form is an enum of keys and a parallel table of struct form_field
 * ending at a KEY__MAX sentinel, as kcgi does:
 *
 *	enum login_key { LOGIN_NAME, LOGIN_PASSWORD, LOGIN__MAX };
 *	static const struct form_field login_fields[LOGIN__MAX] = {
 *		[LOGIN_NAME] = { "name", 256, valid_name },
 *		...
 *	};
 *
 * form_parse() fills one struct form_value per key. Unknown keys are
 * skipped (browsers send submit buttons), but count against the limit on
 * parameters.
 */
#ifndef FORM_H
#define FORM_H

#include <stddef.h>

#include "arena.h"
#include "valid.h"

/* More pairs than any of the product's forms has, with room to spare. */
#define FORM_MAX_PAIRS 32

struct form_value;

/* Normalizes and checks a present value; returns VALID_OK or an error. */
typedef enum valid_err (*form_check_fn)(struct form_value *v,
                                        const struct valid_env *env);

struct form_field {
	const char *name;
	size_t max;          /* maximum decoded length, in bytes */
	form_check_fn check; /* NULL: any UTF-8 text that text_check allows */
};

struct form_value {
	int present;   /* the key appeared (even with an empty value) */
	const char *s; /* decoded, NUL-terminated; "" when absent */
	size_t len;
	enum valid_err err; /* VALID_OK, or why the value was refused */
	union {
		long long i; /* integers, e.g. a row id */
		int tenths;  /* hours, in tenths of an hour */
		struct valid_date date;
		/* a name's look-alike keys, NAME_SKEL__MAX of them (name.h) */
		const char *const *skeletons;
	} v;
};

enum form_err {
	FORM_OK = 0,
	FORM_MALFORMED, /* a broken %-escape or a pair without '=' */
	FORM_TOO_MANY,  /* more than FORM_MAX_PAIRS pairs */
	FORM_DUPLICATE, /* a known key twice */
	FORM_NOMEM,     /* the request's arena is full */
};

/*
 * Parses len bytes at data into vals[0..n). Each present value is
 * checked: first its decoded length against field->max (VALID_TOO_LONG),
 * then for an embedded NUL (VALID_FORBIDDEN_CHAR: no field holds one, and
 * the checks read values as C strings), then by field->check. An absent key is
 * checked as an empty value, so the check decides whether the field is
 * required. Returns FORM_OK even if values were refused: per-field errors are
 * in vals[i].err. Decoded strings live in the arena.
 */
enum form_err form_parse(struct arena *a, const char *data, size_t len,
                         const struct form_field *fields, size_t n,
                         struct form_value *vals, const struct valid_env *env);

/* Returns 1 if every value has err == VALID_OK. */
int form_valid(const struct form_value *vals, size_t n);

#endif
