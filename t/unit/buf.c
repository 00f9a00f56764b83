/* buf.c and arena.c: bounded buffers and per-request memory. */
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf b;
	struct arena a;
	char *p, *q;
	int i;

	buf_init(&b, 10);
	ok(buf_puts(&b, "0123456789") == 0 && b.len == 10, "fill to the bound");
	ok(buf_putc(&b, 'x') == -1 && buf_failed(&b), "one more byte fails");
	is_int(b.len, 10, "  and appends nothing");
	ok(buf_puts(&b, "") == -1, "the failure is sticky");
	buf_reset(&b);
	ok(!buf_failed(&b) && b.len == 0 && b.data[0] == '\0',
	   "reset clears it");
	ok(buf_printf(&b, "%d-%s", 42, "ok") == 0, "printf");
	is_str(b.data, "42-ok", "  formats");
	ok(buf_printf(&b, "%s", "much too long") == -1,
	   "printf past the bound fails");
	buf_free(&b);

	buf_init(&b, 100000);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "line %04d\n", i);
	ok(!buf_failed(&b) && b.len == 10000, "growing by doubling");
	buf_free(&b);

	arena_init(&a, 40000);
	p = arena_strdup(&a, "hello");
	is_str(p, "hello", "arena strdup");
	ok(((uintptr_t)arena_alloc(&a, 3) % _Alignof(max_align_t)) == 0,
	   "allocations are aligned");
	ok(arena_alloc(&a, 30000) != NULL,
	   "a large allocation gets its own chunk");
	ok(arena_alloc(&a, 20000) == NULL, "past the arena's limit: NULL");
	ok(arena_alloc(&a, 0) == NULL, "zero bytes: NULL");
	q = arena_printf(&a, "%s-%d", "n", 7);
	is_str(q, "n-7", "arena printf");
	arena_reset(&a);
	is_int(a.used, 0, "reset makes the whole limit available again");
	ok(arena_alloc(&a, 30000) != NULL, "  as an allocation shows");
	arena_free(&a);
	return done_testing();
}
