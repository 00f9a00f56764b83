/* fuzz/tmpl.c: the template parser, and rendering what it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A list of three rows filled in place, as the board writes its rows:
 * a name that needs escaping, and a flag set on the second. */
struct fuzz_rows {
	struct tval *name, *second;
};

static int
fuzz_fill(void *arg, size_t i)
{
	struct fuzz_rows *r = arg;

	static const char text[] = "<i>&\"row\"</i>";

	tval_set(r->name, text, sizeof(text) - 1);
	tval_flag(r->second, i == 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	struct tmpl *t;
	struct tdict *d, *item;
	struct fuzz_rows rows;
	struct buf out;
	const char *what;
	char err[256], *src;

	if (!ready) {
		arena_init(&a, 1 << 20);
		ready = 1;
	}
	if ((src = malloc(size + 1)) == NULL)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	if ((t = tmpl_compile(src, size, err, sizeof(err))) != NULL) {
		/* The values the product's templates use, of each kind. */
		if ((d = tdict_new(&a)) != NULL &&
		    tdict_set(d, "name", "<b>\"x\"&'") == 0 &&
		    tdict_flag(d, "flag", 1) == 0 &&
		    (item = tdict_push(d, "rows")) != NULL &&
		    tdict_setint(item, "rank", 1) == 0 &&
		    (item = tdict_rows(d, "lines", 3, fuzz_fill, &rows)) !=
		        NULL &&
		    (rows.name = tdict_val(item, "text")) != NULL &&
		    (rows.second = tdict_val(item, "second")) != NULL &&
		    /* the template itself: {{{inner}}} must fail, not
		     * recurse without end */
		    tdict_template(d, "inner", t, d) == 0) {
			buf_init(&out, 1 << 16);
			(void)tmpl_render(t, d, &out, &what);
			buf_free(&out);
		}
		tmpl_free(t);
	}
	free(src);
	arena_reset(&a);
	return 0;
}
