/*
 * cursor: the board's page links. A page starts after the last row of
 * the previous one; the link carries that row's total and id, and the
 * position and rank it had, so ranks continue across pages:
 *
 *	"TOTAL,ID,POS,RANK,MAC", e.g. "111.5,42,50,49,<43 characters>"
 *
 * The server writes them and signs them with its secret (CURSOR_LABEL,
 * crypto_secret_mac): a rank is never taken from a client.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>

#include "crypto.h"

/* At most 9 + 18 + 9 + 9 digits, 4 commas and
 * a 43-character MAC. */
#define CURSOR_MAX   96
#define CURSOR_LABEL "astronaut-hours board cursor v1"

struct cursor {
	int set;
	char total[16];
	char id[24];
	long pos;
	long rank;
};

/* The MAC of a cursor's first four parts, base64url, into mac. Returns 0
 * or -1 (no secret loaded). */
int cursor_mac(const char *s, size_t len, char mac[TOKEN_B64_LEN + 1]);
/* Parses a cursor as board_next() writes it into *c. Returns 0, or -1 if
 * it is malformed or its MAC is not the server's (c->set is then 0). */
int cursor_parse(const char *s, size_t len, struct cursor *c);

#endif
