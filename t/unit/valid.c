/* valid.c: the checks behind every form field. */
#include "form.h"
#include "name.h"
#include "tap.h"

static struct valid_env env;
static struct arena arena;

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

/* The name policy (name.h): in, verdict, and for VALID_OK the NFC name
 * stored and a name it must share its folded skeleton with (NULL: none).
 */
static const struct {
	const char *why, *in;
	enum valid_err want;
	const char *nfc, *twin;
} names[] = {
    {"ASCII", "Buzz Aldrin", VALID_OK, "Buzz Aldrin", "BUZZ ALDRIN"},
    {"NFD is stored in NFC", "Jose\xcc\x81", VALID_OK, "Jos\xc3\xa9",
     "JOS\xc3\x89"},
    {"NFC stays", "Jos\xc3\xa9", VALID_OK, "Jos\xc3\xa9", NULL},
    {"Cyrillic A looks like A",
     "\xd0\x90"
     "dmin",
     VALID_OK,
     "\xd0\x90"
     "dmin",
     "Admin"},
    {"full-width looks like ASCII",
     "\xef\xbc\xa1\xef\xbd\x84\xef\xbd\x8d\xef\xbd\x89\xef\xbd\x8e", VALID_OK,
     NULL, "admin"},
    {"mathematical bold looks like ASCII",
     "\xf0\x9d\x90\x80"
     "dmin",
     VALID_OK, NULL, "Admin"},
    {"Cyrillic name", "\xd0\x92\xd0\xb0\xd0\xbb\xd1\x8f", VALID_OK, NULL, NULL},
    {"emoji", "\xf0\x9f\x9a\x80 Rocket", VALID_OK, NULL, NULL},
    {"4 marks on one letter", "x\xcc\x81\xcc\x82\xcc\x83\xcc\x84", VALID_OK,
     NULL, NULL},
    {"5 marks on one letter (NFC composes none of them)",
     "x\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85", VALID_MARKS, NULL, NULL},
    {"U+00A0 only", "\xc2\xa0\xc2\xa0", VALID_ODD_SPACE, NULL, NULL},
    {"U+3000 inside", "Bu\xe3\x80\x80zz", VALID_ODD_SPACE, NULL, NULL},
    {"U+3164 Hangul filler", "\xe3\x85\xa4", VALID_FORBIDDEN_CHAR, NULL, NULL},
    {"U+2800 braille blank only", "\xe2\xa0\x80\xe2\xa0\x80", VALID_BLANK, NULL,
     NULL},
    {"braille blank and a mark", "\xe2\xa0\x80\xcc\x81", VALID_BLANK, NULL,
     NULL},
    {"braille letter", "\xe2\xa0\x81", VALID_OK, NULL, NULL},
    {"U+00AD soft hyphen", "Bu\xc2\xadzz", VALID_FORBIDDEN_CHAR, NULL, NULL},
    {"U+2060 word joiner", "Bu\xe2\x81\xa0zz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+061C Arabic letter mark", "Bu\xd8\x9czz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+034F grapheme joiner", "Bu\xcd\x8fzz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+FE0F variation selector", "Bu\xef\xb8\x8fzz", VALID_FORBIDDEN_CHAR,
     NULL, NULL},
    {"U+E0041 tag letter", "Bu\xf3\xa0\x81\x81zz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+FFFF noncharacter", "Bu\xef\xbf\xbfzz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+FDD0 noncharacter", "Bu\xef\xb7\x90zz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+E000 private use", "Bu\xee\x80\x80zz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+F0000 private use", "Bu\xf3\xb0\x80\x80zz", VALID_FORBIDDEN_CHAR, NULL,
     NULL},
    {"U+0378 unassigned", "Bu\xcd\xb8zz", VALID_FORBIDDEN_CHAR, NULL, NULL},
    {"U+2029 paragraph separator", "Bu\xe2\x80\xa9zz", VALID_FORBIDDEN_CHAR,
     NULL, NULL},
    {"surrogate U+D800", "Bu\xed\xa0\x80zz", VALID_BAD_UTF8, NULL, NULL},
};

/* Pairs of valid names and the key that makes them one name
 * (NAME_SKEL__MAX: none may). Each key is compared with the same key. */
static const struct {
	const char *why, *a, *b;
	enum name_skel key;
} lookalikes[] = {
    {"Cyrillic capitals", "\xd0\x92\xd0\x9e\xd0\x92", "BOB", NAME_SKEL_UPPER},
    {"Cyrillic capitals, typed", "\xd0\x92\xd0\x9e\xd0\x92", "BOB",
     NAME_SKEL_TYPED},
    {"Cyrillic capitals beside small letters", "\xd0\x92\xd0\x9e\xd0\x92",
     "bob", NAME_SKEL_UPPER},
    {"Cyrillic, mixed case", "\xd0\x92\xd0\xbe\xd0\xb2", "Bob",
     NAME_SKEL_UPPER},
    {"a Cyrillic capital among Latin letters", "\xd0\x92ob", "Bob",
     NAME_SKEL_TYPED},
    {"Greek capitals", "\xce\x91\xce\x92\xce\x95", "ABE", NAME_SKEL_UPPER},
    {"Greek capitals beside small letters", "\xce\x91\xce\x92\xce\x95", "abe",
     NAME_SKEL_UPPER},
    {"Greek, mixed case", "\xce\x9a\xce\xb9\xce\xbc", "KIM", NAME_SKEL_UPPER},
    {"Cherokee capitals", "\xe1\x8e\xaa\xe1\x8f\xb4\xe1\x8e\xac", "Abe",
     NAME_SKEL_UPPER},
    {"full-width capitals", "\xef\xbc\xa2\xef\xbc\xaf\xef\xbc\xa2", "bob",
     NAME_SKEL_FOLDED},
    {"capital I for small l", "AIex", "Alex", NAME_SKEL_TYPED},
    {"Cyrillic small a",
     "\xd0\xb0"
     "dmin",
     "Admin", NAME_SKEL_FOLDED},
    {"I and L stay apart", "Ian", "Lan", NAME_SKEL__MAX},
    {"i and l stay apart", "ai", "al", NAME_SKEL__MAX},
    {"Kim and Klm stay apart", "Kim", "Klm", NAME_SKEL__MAX},
    {"Cyrillic small letters are the capitals' look-alikes",
     "\xd0\xb2\xd0\xbe\xd0\xb2", "bob", NAME_SKEL_UPPER},
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
	arena_init(&arena, 1 << 20);
	env.arena = &arena;
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
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct form_value twin;
		const char *skel;

		is_int(check(valid_name, names[i].in, &v), names[i].want,
		       "name: %s", names[i].why);
		if (names[i].want != VALID_OK)
			continue;
		skel = v.v.skeletons[NAME_SKEL_FOLDED];
		ok(skel != NULL && *skel && *v.v.skeletons[NAME_SKEL_TYPED] &&
		       *v.v.skeletons[NAME_SKEL_UPPER],
		   "  has its skeletons");
		if (names[i].nfc)
			is_str(v.s, names[i].nfc, "  stored in NFC");
		if (names[i].twin) {
			is_int(check(valid_name, names[i].twin, &twin),
			       VALID_OK, "  '%s' is a valid name too",
			       names[i].twin);
			is_str(twin.v.skeletons[NAME_SKEL_FOLDED], skel,
			       "  with the same folded skeleton");
		}
	}
	check(valid_name, "Buzz", &v);
	{
		const char *const *skel = v.v.skeletons;
		int k;

		check(valid_name, "Neil", &v);
		for (k = 0; k < NAME_SKEL__MAX; k++)
			ok(strcmp(skel[k], v.v.skeletons[k]) != 0,
			   "different names, different skeletons (%d)", k);
	}
	for (i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++) {
		struct form_value a, b;
		int k, same = 0;

		is_int(check(valid_name, lookalikes[i].a, &a), VALID_OK,
		       "look-alikes: %s", lookalikes[i].why);
		is_int(check(valid_name, lookalikes[i].b, &b), VALID_OK,
		       "  '%s' is a valid name too", lookalikes[i].b);
		for (k = 0; k < NAME_SKEL__MAX; k++)
			if (strcmp(a.v.skeletons[k], b.v.skeletons[k]) == 0)
				same |= 1 << k;
		if (lookalikes[i].key == NAME_SKEL__MAX)
			is_int(same, 0, "  share no key");
		else
			ok(same & 1 << lookalikes[i].key, "  share key %d",
			   (int)lookalikes[i].key);
	}
	is_int(check(valid_login_name, " \xee\x80\x80Legacy ", &v), VALID_OK,
	       "logging in does not apply the policy to old names");
	is_str(v.s, "\xee\x80\x80Legacy", "  but trims");
	is_int(check(valid_login_name, "Jose\xcc\x81", &v), VALID_OK,
	       "a log-in name in NFD");
	is_str(v.s, "Jos\xc3\xa9", "  is looked up in NFC");
	is_int(check(valid_login_name, "Bu\x01zz", &v), VALID_FORBIDDEN_CHAR,
	       "a log-in name with a control character");

	is_int(check(valid_password, "", &v), VALID_MISSING, "empty password");
	is_int(check(valid_password, "1234567", &v), VALID_TOO_SHORT,
	       "7-character password");
	is_int(check(valid_password, "4sq-9Zk!", &v), VALID_OK,
	       "8-character password");
	{
		static const struct {
			const char *pw;
			enum valid_err want;
		} common[] = {
		    {"password", VALID_COMMON},
		    {"Password1", VALID_COMMON},
		    {"12345678", VALID_COMMON},
		    {"abcdefgh", VALID_COMMON},
		    {"qwertyuiop", VALID_COMMON},
		    {"iloveyou", VALID_COMMON},
		    {"aaaaaaaa", VALID_COMMON},
		    {"        ", VALID_COMMON},
		    {"abababab", VALID_COMMON},
		    {"abcabcabc", VALID_COMMON},
		    {"correct horse battery staple", VALID_OK},
		    {"first flight 1963", VALID_OK},
		    {"aabbaabbaabb9", VALID_OK},
		};

		for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
			is_int(check(valid_password, common[i].pw, &v),
			       common[i].want, "password '%s'", common[i].pw);
	}
	is_int(check(valid_password, "Jose\xcc\x81-in-orbit", &v), VALID_OK,
	       "a password in NFD");
	is_str(v.s, "Jos\xc3\xa9-in-orbit", "  is put in NFC, as it is hashed");
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

	arena_free(&arena);
	for (i = 0; i < VALID__MAX; i++)
		ok(valid_message(i) != NULL &&
		       (i == VALID_OK ||
		        (*valid_message(i) &&
		         strcmp(valid_message(i), "Invalid.") != 0)),
		   "every refusal has words (%zu)", i);
	return done_testing();
}
