#include <string.h>

#include "html.h"

/* The entity for each byte that needs one; 0 for the rest. */
static const unsigned char html_special[256] = {
    ['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5,
};

static const struct {
	const char *s;
	size_t len;
} html_entity[] = {
    {"", 0},     {"&amp;", 5},  {"&lt;", 4},
    {"&gt;", 4}, {"&quot;", 6}, {"&#39;", 5},
};

/* The way by buf_append(), piece by piece: near the buffer's bound,
 * where the worst case (every byte an entity) may not fit but the text
 * may. */
static int
html_escape_pieces(struct buf *out, const char *s, size_t n)
{
	size_t i, start = 0;
	unsigned char e;

	for (i = 0; i < n; i++) {
		if ((e = html_special[(unsigned char)s[i]]) == 0)
			continue;
		buf_append(out, s + start, i - start);
		buf_append(out, html_entity[e].s, html_entity[e].len);
		start = i + 1;
	}
	buf_append(out, s + start, n - start);
	return buf_failed(out) ? -1 : 0;
}

int
html_escape(struct buf *out, const char *s, size_t n)
{
	char *p;
	size_t i;
	unsigned char e;

	/* Most text has nothing to escape: looking for the first special
	 * byte without writing, then copying the text in one piece, costs
	 * half of writing it byte by byte. */
	for (i = 0; i < n && html_special[(unsigned char)s[i]] == 0; i++)
		;
	if (i == n)
		return buf_append(out, s, n);
	/* Room for the worst case: then the rest is written straight into
	 * the buffer, one byte at a time. */
	if (n > (out->max - out->len) / 6 || buf_reserve(out, n * 6) == -1)
		return html_escape_pieces(out, s, n);
	p = out->data + out->len;
	memcpy(p, s, i);
	p += i;
	for (; i < n; i++) {
		if ((e = html_special[(unsigned char)s[i]]) == 0)
			*p++ = s[i];
		else {
			memcpy(p, html_entity[e].s, html_entity[e].len);
			p += html_entity[e].len;
		}
	}
	*p = '\0';
	out->len = (size_t)(p - out->data);
	return 0;
}

/* json_string()'s way by buf_append(), piece by piece, near the
 * buffer's bound. */
static int
json_string_pieces(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = "\\u00";
	size_t i, start = 0;
	unsigned char c;

	buf_putc(out, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		buf_append(out, s + start, i - start);
		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_append(out, esc, 6);
		}
		start = i + 1;
	}
	buf_append(out, s + start, n - start);
	buf_putc(out, '"');
	return buf_failed(out) ? -1 : 0;
}

int
json_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i;
	char *p;

	/* Room for the worst case (every byte \u00XX, and the quotes):
	 * then the bytes are written straight into the buffer. */
	if (n > (out->max - out->len - 2) / 6 ||
	    buf_reserve(out, n * 6 + 2) == -1)
		return json_string_pieces(out, s, n);
	p = out->data + out->len;
	*p++ = '"';
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20)
			*p++ = (char)c;
		else if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			p += 6;
		}
	}
	*p++ = '"';
	*p = '\0';
	out->len = (size_t)(p - out->data);
	return 0;
}
