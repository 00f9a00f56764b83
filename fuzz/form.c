/* fuzz/form.c: form_parse() over every field check a form can have,
 * bodies and query strings alike. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

enum {
	F_NAME,
	F_LOGIN,
	F_HOURS,
	F_DATE,
	F_NOTE,
	F_CSRF,
	F_KEY,
	F_TEXT,
	F__MAX
};

static const struct form_field fields[F__MAX] = {
    [F_NAME] = {"name", 512, valid_name},
    [F_LOGIN] = {"login", 512, valid_login_name},
    [F_HOURS] = {"hours", 64, valid_hours},
    [F_DATE] = {"date", 64, valid_day},
    [F_NOTE] = {"note", 1024, valid_note},
    [F_CSRF] = {"csrf", 64, valid_token},
    [F_KEY] = {"key", 64, valid_key},
    [F_TEXT] = {"text", 1024, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	struct form_value v[F__MAX];
	struct valid_env env;
	size_t i;

	if (!ready) {
		arena_init(&a, 1 << 20);
		ready = 1;
	}
	valid_env_at(&env, 1781524800);
	if (form_parse(&a, (const char *)data, size, fields, F__MAX, v, &env) ==
	    FORM_OK)
		for (i = 0; i < F__MAX; i++)
			if (v[i].s[v[i].len] != '\0' ||
			    strlen(v[i].s) > v[i].len)
				abort(); /* every value stays a bounded C string
				          */
	arena_reset(&a);
	return 0;
}
