/* form.c: decoding application/x-www-form-urlencoded bodies. */
#include "form.h"
#include "tap.h"

enum key { K_NAME, K_NOTE, K__MAX };

static const struct form_field fields[K__MAX] = {
    [K_NAME] = {"name", 16, NULL},
    [K_NOTE] = {"note", 8, valid_note},
};

static struct arena arena;
static struct valid_env env;

static enum form_err
parse(const char *body, struct form_value *v)
{
	arena_reset(&arena);
	return form_parse(&arena, body, strlen(body), fields, K__MAX, v, &env);
}

int
main(void)
{
	struct form_value v[K__MAX];
	char many[1024] = "";
	int i;

	arena_init(&arena, 64 * 1024);

	is_int(parse("name=Buzz&note=hi", v), FORM_OK, "two fields");
	is_str(v[K_NAME].s, "Buzz", "  name decoded");
	is_str(v[K_NOTE].s, "hi", "  note decoded");
	ok(v[K_NAME].present && v[K_NAME].err == VALID_OK,
	   "  name present and valid");

	is_int(parse("name=Buzz+Aldrin%21%3c%3E", v), FORM_OK,
	       "plus and escapes");
	is_str(v[K_NAME].s, "Buzz Aldrin!<>",
	       "  '+' is a space, %%XX a byte, either case");

	is_int(parse("name=x", v), FORM_OK,
	       "an absent field with a trimming check");
	ok(!v[K_NOTE].present && v[K_NOTE].err == VALID_OK &&
	       *v[K_NOTE].s == '\0',
	   "  is checked as empty (and the check writes nothing)");
	is_int(parse("note=+hi+", v), FORM_OK, "a field with spaces around it");
	is_str(v[K_NOTE].s, "hi", "  is trimmed by its check");
	is_int(parse("note=x", v), FORM_OK,
	       "a missing field is not a parse error");
	ok(!v[K_NAME].present && v[K_NAME].len == 0 && *v[K_NAME].s == '\0',
	   "  and reads as empty");

	is_int(parse("name=a%2", v), FORM_MALFORMED, "truncated escape");
	is_int(parse("name=a%zz", v), FORM_MALFORMED, "escape that is not hex");
	is_int(parse("name", v), FORM_MALFORMED, "pair without '='");
	is_int(parse("name=a&name=b", v), FORM_DUPLICATE,
	       "the same field twice");
	is_int(parse("name=a&&note=b&", v), FORM_OK, "empty pairs are skipped");
	is_int(parse("submit=Go&name=a", v), FORM_OK,
	       "unknown fields are skipped");
	is_str(v[K_NAME].s, "a", "  and known ones still read");

	for (i = 0; i < FORM_MAX_PAIRS + 1; i++)
		strcat(many, "x=1&");
	is_int(parse(many, v), FORM_TOO_MANY, "more than FORM_MAX_PAIRS pairs");

	is_int(parse("name=0123456789abcdef", v), FORM_OK,
	       "value at the bound");
	is_int(v[K_NAME].err, VALID_OK, "  is accepted");
	is_int(parse("name=0123456789abcdefg", v), FORM_OK,
	       "value past the bound");
	is_int(v[K_NAME].err, VALID_TOO_LONG, "  is refused as too long");
	is_int(
	    parse("name=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41", v),
	    FORM_OK, "the bound counts decoded bytes");
	is_int(v[K_NAME].err, VALID_OK, "  so 16 escaped bytes fit");

	is_int(parse("name=a%00b", v), FORM_OK, "an escaped NUL decodes");
	is_int(v[K_NAME].len, 3, "  keeping its length");
	is_int(v[K_NAME].err, VALID_FORBIDDEN_CHAR,
	       "  and is refused by the text check");
	is_int(parse("name=%C3%28", v), FORM_OK, "invalid UTF-8 decodes");
	is_int(v[K_NAME].err, VALID_BAD_UTF8, "  and is refused");

	arena_free(&arena);
	return done_testing();
}
