/* fuzz/cursor.c: the board's page links. Whatever the bytes, a cursor
 * parses only if the server signed it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct cursor c;
	char mac[TOKEN_B64_LEN + 1], *signed_;
	size_t n;

	if (!ready) {
		setenv(SECRET_ENV, "fuzzing-secret-fuzzing-secret-fuzzing", 1);
		if (crypto_secret_load() == -1)
			abort();
		ready = 1;
	}
	if (cursor_parse((const char *)data, size, &c) == 0 &&
	    (c.pos < 1 || c.rank < 1 || c.rank > c.pos))
		abort();
	/* The same bytes, signed: whatever parses keeps the rules. */
	if (size > CURSOR_MAX ||
	    cursor_mac((const char *)data, size, mac) == -1)
		return 0;
	n = size + 1 + TOKEN_B64_LEN;
	if ((signed_ = malloc(n)) == NULL)
		return 0;
	memcpy(signed_, data, size);
	signed_[size] = ',';
	memcpy(signed_ + size + 1, mac, TOKEN_B64_LEN);
	if (cursor_parse(signed_, n, &c) == 0 &&
	    (c.pos < 1 || c.rank < 1 || c.rank > c.pos || !c.set))
		abort();
	free(signed_);
	return 0;
}
