/* fuzz/tmpl.c: the template parser, and rendering what it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	struct tmpl *t;
	struct tdict *d, *item;
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
		    tdict_setint(item, "rank", 1) == 0) {
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
