/* valid.c: the checks behind every form field. */
#include "form.h"
#include "tap.h"

static struct valid_env env;

static enum valid_err
check(form_check_fn fn, const char *in, struct form_value *v)
{
	static char copy[512];

	snprintf(copy, sizeof(copy), "%s", in);
	memset(v, 0, sizeof(*v));
	v->s = copy;
	v->len = strlen(copy);
	v->present = 1;
	return fn(v, &env);
}

static const struct {
	const char *in;
	enum valid_err want;
	int tenths;
} hours[] = {
    {"1", VALID_OK, 10},
    {"2.5", VALID_OK, 25},
    {" 7.5 ", VALID_OK, 75},
    {"0.1", VALID_OK, 1},
    {"24", VALID_OK, 240},
    {"24.0", VALID_OK, 240},
    {"2.50", VALID_OK, 25},
    {"007", VALID_OK, 70},
    {"", VALID_MISSING, 0},
    {"   ", VALID_MISSING, 0},
    {"0", VALID_OUT_OF_RANGE, 0},
    {"0.0", VALID_OUT_OF_RANGE, 0},
    {"-1", VALID_OUT_OF_RANGE, 0},
    {"-0.5", VALID_OUT_OF_RANGE, 0},
    {"24.1", VALID_OUT_OF_RANGE, 0},
    {"25", VALID_OUT_OF_RANGE, 0},
    {"100", VALID_OUT_OF_RANGE, 0},
    {"99999999999999999999999999", VALID_OUT_OF_RANGE, 0},
    {"1.25", VALID_TOO_PRECISE, 0},
    {"1.05", VALID_TOO_PRECISE, 0},
    {"abc", VALID_NOT_A_NUMBER, 0},
    {"NaN", VALID_NOT_A_NUMBER, 0},
    {"nan", VALID_NOT_A_NUMBER, 0},
    {"inf", VALID_NOT_A_NUMBER, 0},
    {"Infinity", VALID_NOT_A_NUMBER, 0},
    {"1e1", VALID_NOT_A_NUMBER, 0},
    {"+1", VALID_NOT_A_NUMBER, 0},
    {"0x10", VALID_NOT_A_NUMBER, 0},
    {"1,5", VALID_NOT_A_NUMBER, 0},
    {"1.", VALID_NOT_A_NUMBER, 0},
    {".5", VALID_NOT_A_NUMBER, 0},
    {"1.5.1", VALID_NOT_A_NUMBER, 0},
    {"1.5x", VALID_NOT_A_NUMBER, 0},
    {"--1", VALID_NOT_A_NUMBER, 0},
};

static const struct {
	const char *in;
	enum valid_err want;
} days[] = {
    {"2026-06-15", VALID_OK},
    {"2026-06-16", VALID_OK}, /* today in UTC+14 */
    {"2026-06-17", VALID_FUTURE_DATE},
    {"2030-01-01", VALID_FUTURE_DATE},
    {"1900-01-01", VALID_OK},
    {"1899-12-31", VALID_TOO_OLD},
    {"2024-02-29", VALID_OK}, /* leap year */
    {"2023-02-29", VALID_BAD_DATE},
    {"1900-02-29", VALID_BAD_DATE}, /* not a leap year */
    {"2000-02-29", VALID_OK},       /* a leap year */
    {"2026-04-31", VALID_BAD_DATE},
    {"2026-13-01", VALID_BAD_DATE},
    {"2026-00-10", VALID_BAD_DATE},
    {"2026-01-00", VALID_BAD_DATE},
    {"2026-1-5", VALID_BAD_DATE},
    {"26-01-05", VALID_BAD_DATE},
    {"2026/01/05", VALID_BAD_DATE},
    {"yesterday", VALID_BAD_DATE},
    {"", VALID_MISSING},
};

int
main(void)
{
	struct form_value v;
	char name[300];
	size_t i;

	/* Noon UTC on 2026-06-15: in UTC+14 it is already the 16th. */
	valid_env_at(&env, 1781524800);
	is_int(env.today.d, 15, "today is the UTC date");
	is_int(env.latest.d, 16, "latest is the date in UTC+14");

	for (i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		is_int(check(valid_hours, hours[i].in, &v), hours[i].want,
		       "hours '%s'", hours[i].in);
		if (hours[i].want == VALID_OK)
			is_int(v.v.tenths, hours[i].tenths, "  is %d tenths",
			       hours[i].tenths);
	}
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		is_int(check(valid_day, days[i].in, &v), days[i].want,
		       "date '%s'", days[i].in);
	check(valid_day, "2024-02-29", &v);
	ok(v.v.date.y == 2024 && v.v.date.m == 2 && v.v.date.d == 29,
	   "a valid date is parsed");

	is_int(check(valid_name, "  Buzz  ", &v), VALID_OK,
	       "name with spaces around");
	is_str(v.s, "Buzz", "  is trimmed");
	is_int(check(valid_name, "", &v), VALID_MISSING, "empty name");
	is_int(check(valid_name, "    ", &v), VALID_MISSING,
	       "name of only spaces");
	memset(name, 'a', 64);
	name[64] = '\0';
	is_int(check(valid_name, name, &v), VALID_OK, "64-character name");
	strcat(name, "a");
	is_int(check(valid_name, name, &v), VALID_TOO_LONG,
	       "65-character name");
	name[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(name, "\xc3\xa5"); /* 128 bytes, 64 characters */
	is_int(check(valid_name, name, &v), VALID_OK,
	       "64 two-byte characters: characters count, not bytes");
	is_int(check(valid_name, "Bu\x01zz", &v), VALID_FORBIDDEN_CHAR,
	       "control character in a name");
	is_int(check(valid_name, "Buzz\xe2\x80\xae", &v), VALID_FORBIDDEN_CHAR,
	       "bidi override in a name");
	is_int(check(valid_name, "Bu\xffzz", &v), VALID_BAD_UTF8,
	       "invalid UTF-8 in a name");
	is_int(check(valid_name, "Robert'); DROP TABLE astronauts;--", &v),
	       VALID_OK, "SQL metacharacters are just characters");

	is_int(check(valid_password, "", &v), VALID_MISSING, "empty password");
	is_int(check(valid_password, "1234567", &v), VALID_TOO_SHORT,
	       "7-character password");
	is_int(check(valid_password, "12345678", &v), VALID_OK,
	       "8-character password");
	is_int(check(valid_password, " spaces count ", &v), VALID_OK,
	       "passwords are not trimmed");
	is_int(v.len, 14, "  and keep their spaces");
	is_int(check(valid_password, "\xc3\xa5\xc3\xa5\xc3\xa5\xc3\xa5", &v),
	       VALID_TOO_SHORT, "4 characters in 8 bytes is too short");
	is_int(check(valid_password, "pass\nword123", &v), VALID_FORBIDDEN_CHAR,
	       "control character in a password");

	is_int(check(valid_note, "", &v), VALID_OK, "empty note is fine");
	is_int(check(valid_note, "  EVA drill ", &v), VALID_OK, "note");
	is_str(v.s, "EVA drill", "  is trimmed");
	memset(name, 'n', 200);
	name[200] = '\0';
	is_int(check(valid_note, name, &v), VALID_OK, "200-character note");
	strcat(name, "n");
	is_int(check(valid_note, name, &v), VALID_TOO_LONG,
	       "201-character note");
	is_int(check(valid_note, "a\x1b[31mred", &v), VALID_FORBIDDEN_CHAR,
	       "terminal escape in a note");

	is_int(check(valid_token, "", &v), VALID_MISSING, "missing CSRF token");
	is_int(check(valid_token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
	             &v),
	       VALID_OK, "43 base64url characters");
	is_int(check(valid_token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP+",
	             &v),
	       VALID_BAD_TOKEN, "'+' is not base64url");
	is_int(check(valid_token, "abc", &v), VALID_BAD_TOKEN, "short token");

	is_int(check(valid_key, "0123456789abcdef0123456789abcdef", &v),
	       VALID_OK, "32 lowercase hex digits");
	is_int(check(valid_key, "0123456789ABCDEF0123456789abcdef", &v),
	       VALID_BAD_TOKEN, "uppercase hex is not what the form sends");
	is_int(check(valid_key, "0123456789abcdef", &v), VALID_BAD_TOKEN,
	       "short key");

	for (i = 0; i < VALID__MAX; i++)
		ok(valid_message(i) != NULL &&
		       (i == VALID_OK || *valid_message(i)),
		   "every refusal has words (%zu)", i);
	return done_testing();
}
