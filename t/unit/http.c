/* http.c: cookies, content negotiation and request ids. */
#include "http.h"
#include "tap.h"

static const struct {
	const char *header, *name, *want;
} cookies[] = {
    {"ah_session=abc", "ah_session", "abc"},
    {"a=1; ah_session=abc; b=2", "ah_session", "abc"},
    {"a=1;ah_session=abc", "ah_session", "abc"},
    {"xah_session=abc", "ah_session", NULL},
    {"ah_session_old=abc", "ah_session", NULL},
    {"ah_session=", "ah_session", ""},
    {"", "ah_session", NULL},
};

static const struct {
	const char *accept;
	int json;
} accepts[] = {
    {"application/json", 1},
    {"text/html", 0},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0},
    {"application/json, text/html;q=0.5", 1},
    {"text/html;q=0.5, application/json", 1},
    {"application/*", 1},
    {"*/*", 0},
    {"application/json;q=0", 0},
    {"", 0},
};

int
main(void)
{
	struct req r;
	const char *val;
	size_t len, i;
	char id[65];
	int found;

	for (i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.cookie = cookies[i].header;
		found = http_cookie(&r, cookies[i].name, &val, &len);
		if (cookies[i].want == NULL)
			ok(!found, "no %s in '%s'", cookies[i].name,
			   cookies[i].header);
		else
			ok(found && len == strlen(cookies[i].want) &&
			       strncmp(val, cookies[i].want, len) == 0,
			   "%s in '%s'", cookies[i].name, cookies[i].header);
	}
	memset(&r, 0, sizeof(r));
	ok(!http_cookie(&r, "ah_session", &val, &len),
	   "no Cookie header at all");

	for (i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++)
		is_int(http_wants_json(accepts[i].accept), accepts[i].json,
		       "Accept: %s", accepts[i].accept);
	is_int(http_wants_json(NULL), 0, "no Accept header means HTML");

	http_request_id("4f1c2a9be0d34c6f8a1b2c3d4e5f6a7b", id);
	is_str(id, "4f1c2a9be0d34c6f8a1b2c3d4e5f6a7b",
	       "an nginx request id is kept");
	http_request_id("abc\"},{\"x", id);
	is_str(id, "-", "an id with JSON metacharacters is replaced");
	http_request_id(NULL, id);
	is_str(id, "-", "no id");
	http_request_id("012345678901234567890123456789012345678901234567890123"
	                "4567890123456789",
	                id);
	is_str(id, "-", "an overlong id is replaced");

	is_str(http_reason(422), "Unprocessable Content", "reason phrases");
	return done_testing();
}
