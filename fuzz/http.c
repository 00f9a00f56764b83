/* fuzz/http.c: what the pools read from request headers: cookies, the
 * Accept header, the request id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"ah_session", "ah_csrf",
	                                    "__Host-ah_session", "a", ""};
	struct req r;
	char *s, id[65];
	const char *val;
	size_t len, i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&r, 0, sizeof(r));
	r.cookie = s;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (http_cookie(&r, names[i], &val, &len) &&
		    (val < s || val + len > s + strlen(s)))
			abort(); /* a value lies inside the header */
	(void)http_wants_json(s);
	http_request_id(s, id);
	if (strlen(id) > 64)
		abort();
	free(s);
	return 0;
}
