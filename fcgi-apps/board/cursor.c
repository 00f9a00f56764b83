#include <stdlib.h>
#include <string.h>

#include "cursor.h"

/* Digits only, 1..max of them, no leading zero unless alone. */
static int
cursor_uint(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The MAC of a cursor's first four parts, base64url, into mac[44].
 * Returns 0 or -1. */
int
cursor_mac(const char *s, size_t len, char mac[TOKEN_B64_LEN + 1])
{
	uint8_t raw[32];

	if (crypto_secret_mac(CURSOR_LABEL, s, len, raw) == -1)
		return -1;
	crypto_token_encode(raw, mac);
	return 0;
}

/*
 * "TOTAL,ID,POS,RANK,MAC", e.g. "111.5,42,50,49,<43 characters>", as
 * board_next() writes it. Returns 0, or -1 if it is malformed or its MAC
 * is not the server's.
 */
int
cursor_parse(const char *s, size_t len, struct cursor *c)
{
	const char *part[4], *end, *comma;
	char want[TOKEN_B64_LEN + 1];
	size_t plen[4], dot;
	int i;

	memset(c, 0, sizeof(*c));
	if (len < TOKEN_B64_LEN + 1 || s[len - TOKEN_B64_LEN - 1] != ',')
		return -1;
	end = s + len - TOKEN_B64_LEN - 1;
	if (cursor_mac(s, (size_t)(end - s), want) == -1 ||
	    !crypto_equal(want, end + 1, TOKEN_B64_LEN))
		return -1;
	for (i = 0; i < 4; i++) {
		comma = memchr(s, ',', (size_t)(end - s));
		if ((comma == NULL) != (i == 3))
			return -1;
		if (comma == NULL)
			comma = end;
		part[i] = s;
		plen[i] = (size_t)(comma - s);
		s = comma + 1;
	}
	/* total_hours is numeric(8,1): up to 7 digits, then ".d". */
	dot = strcspn(part[0], ".,");
	if (dot > plen[0] || !cursor_uint(part[0], dot, 7) ||
	    plen[0] != dot + 2 || part[0][dot] != '.' ||
	    part[0][dot + 1] < '0' || part[0][dot + 1] > '9')
		return -1;
	if (!cursor_uint(part[1], plen[1], 18) ||
	    !cursor_uint(part[2], plen[2], 9) ||
	    !cursor_uint(part[3], plen[3], 9))
		return -1;
	memcpy(c->total, part[0], plen[0]);
	memcpy(c->id, part[1], plen[1]);
	c->pos = strtol(part[2], NULL, 10);
	c->rank = strtol(part[3], NULL, 10);
	if (c->pos < 1 || c->rank < 1 || c->rank > c->pos)
		return -1;
	c->set = 1;
	return 0;
}
