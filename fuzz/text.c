/* fuzz/text.c: UTF-8 checking and the name policy (NFC, the ICU sets,
 * the TS #39 skeletons) on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int ready;
	const char *s = (const char *)data, *nfc, *again;
	const char *skel[NAME_SKEL__MAX];
	size_t chars, nlen, alen;

	if (!ready) {
		arena_init(&a, 1 << 22);
		ready = 1;
	}
	text_trim(&s, &size);
	if (text_check(s, size, &chars) == TEXT_BAD_UTF8 || size > 4096)
		return 0;
	if (name_nfc(&a, s, size, &nfc, &nlen) == 0) {
		/* NFC is idempotent, and what it makes is valid UTF-8. */
		if (text_check(nfc, nlen, NULL) == TEXT_BAD_UTF8 ||
		    name_nfc(&a, nfc, nlen, &again, &alen) == -1 ||
		    alen != nlen || memcmp(again, nfc, nlen) != 0)
			abort();
		(void)name_check(nfc, nlen);
		(void)name_skeletons(&a, nfc, nlen, skel);
	}
	arena_reset(&a);
	return 0;
}
