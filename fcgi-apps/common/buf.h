/*
 * buf: a growable byte buffer with a hard upper bound.
 *
 * Every buffer is created with a maximum size. An append that would pass
 * it appends nothing, sets the sticky error flag and returns -1, so a
 * caller can append many pieces and check once with buf_failed().
 * The contents are always NUL-terminated (the NUL is not counted in len).
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int failed;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* buf_append()'s way when the bytes do not fit in what is allocated:
 * grows the buffer up to its bound, or fails. */
int buf_append_grow(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_failed(const struct buf *b);
/* buf_reserve()'s way when the room is not allocated yet. */
int buf_reserve_grow(struct buf *b, size_t n);

/* Appends n bytes. Returns 0, or -1 (appending nothing) past the bound.
 * Inline: pages are written a few bytes at a time, and the bytes nearly
 * always fit (a worker's buffers keep their size between requests). */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->failed || n >= b->cap - b->len)
		return buf_append_grow(b, p, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static inline int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

/* Makes room for n more bytes (and the NUL) without writing them, for a
 * writer that fills data + len itself and then sets len (and the NUL).
 * Returns 0, or -1 past the bound (the buffer is then failed) or out of
 * memory. */
static inline int
buf_reserve(struct buf *b, size_t n)
{
	if (!b->failed && n < b->cap - b->len)
		return 0;
	return buf_reserve_grow(b, n);
}

#endif
