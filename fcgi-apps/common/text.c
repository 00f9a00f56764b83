#include <stdint.h>

#include "text.h"

static int
text_forbidden(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

/*
 * Decodes one code point at s (n bytes available). Returns its length in
 * bytes, or 0 if the sequence is not valid UTF-8.
 */
static size_t
text_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

enum text_err
text_check(const char *s, size_t len, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0, step;
	uint32_t cp;
	enum text_err err = TEXT_OK;

	while (i < len) {
		if ((step = text_decode(p + i, len - i, &cp)) == 0)
			return TEXT_BAD_UTF8;
		/* Keep scanning: bad UTF-8 later on outranks a forbidden
		 * character, so the message names the real problem. */
		if (text_forbidden(cp))
			err = TEXT_FORBIDDEN;
		i += step;
		n++;
	}
	if (chars != NULL)
		*chars = n;
	return err;
}

void
text_trim(const char **s, size_t *len)
{
	while (*len > 0 && **s == ' ')
		(*s)++, (*len)--;
	while (*len > 0 && (*s)[*len - 1] == ' ')
		(*len)--;
}
