#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t off;
	max_align_t data[];
};

void
arena_init(struct arena *a, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t align = _Alignof(max_align_t), size;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (n == 0 || n > a->limit || a->used > a->limit - n)
		return NULL;
	if (c == NULL || c->size - c->off < n) {
		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->off;
	c->off += n;
	a->used += n;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *c, *next;

	if (a->head == NULL)
		return;
	/* The oldest chunk is the last in the list; keep only it. */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	if (c->size != ARENA_CHUNK) {
		free(c);
		a->head = NULL;
	} else
		c->off = 0;
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
}
