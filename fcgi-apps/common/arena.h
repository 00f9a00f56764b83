/*
 * arena: per-request bump allocation.
 *
 * Everything a request allocates (decoded form values, template values,
 * strings copied out of query results) comes from one arena that is
 * reset when the request ends, so a handler cannot leak and has no
 * free() to forget. The arena has a hard bound; past it, allocation
 * returns NULL.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;  /* bytes handed out across all chunks */
	size_t limit; /* upper bound on used */
};

void arena_init(struct arena *a, size_t limit);
/* Returns NULL when the arena's limit would be passed or memory is out. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies n bytes and adds a NUL. Returns NULL as arena_alloc does. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees all but the first chunk, so steady-state requests do not malloc. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
