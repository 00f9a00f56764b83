/* fuzz/hours.c: the hours and date parsers, on values as form_parse()
 * hands them over (NUL-terminated, any bytes before). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(form_check_fn fn, const uint8_t *data, size_t size,
      const struct valid_env *env)
{
	struct form_value v;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&v, 0, sizeof(v));
	v.present = 1;
	v.s = s;
	v.len = strlen(s); /* form_parse() refuses values holding a NUL */
	if (fn(&v, env) == VALID_OK) {
		if (fn == valid_hours &&
		    (v.v.tenths <= 0 || v.v.tenths > HOURS_MAX_TENTHS))
			abort();
		if (fn == valid_day &&
		    (v.v.date.m < 1 || v.v.date.m > 12 || v.v.date.d < 1 ||
		     v.v.date.d > 31 || v.v.date.y < 1900))
			abort();
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct valid_env env;

	valid_env_at(&env, 1781524800);
	check(valid_hours, data, size, &env);
	check(valid_day, data, size, &env);
	return 0;
}
