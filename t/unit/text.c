/* text.c: what counts as valid, printable user text. */
#include "tap.h"
#include "text.h"

static const struct {
	const char *in;
	size_t len;
	enum text_err want;
	size_t chars;
	const char *why;
} cases[] = {
    {"", 0, TEXT_OK, 0, "empty"},
    {"Buzz Aldrin", 11, TEXT_OK, 11, "ASCII"},
    {"\xc3\x85sa", 4, TEXT_OK, 3, "two-byte sequence"},
    {"\xe2\x82\xac", 3, TEXT_OK, 1, "three-byte sequence (euro sign)"},
    {"\xf0\x9f\x9a\x80", 4, TEXT_OK, 1, "four-byte sequence (rocket)"},
    {"\xef\xbf\xbf", 3, TEXT_OK, 1, "U+FFFF is allowed"},
    {"\xf4\x8f\xbf\xbf", 4, TEXT_OK, 1, "U+10FFFF, the last code point"},
    {"\xc0\xaf", 2, TEXT_BAD_UTF8, 0, "overlong '/'"},
    {"\xe0\x80\xaf", 3, TEXT_BAD_UTF8, 0, "overlong three-byte '/'"},
    {"\xed\xa0\x80", 3, TEXT_BAD_UTF8, 0, "UTF-16 surrogate"},
    {"\xf4\x90\x80\x80", 4, TEXT_BAD_UTF8, 0, "above U+10FFFF"},
    {"\xc3", 1, TEXT_BAD_UTF8, 0, "truncated sequence"},
    {"\x80", 1, TEXT_BAD_UTF8, 0, "lone continuation byte"},
    {"\xff", 1, TEXT_BAD_UTF8, 0, "byte never valid in UTF-8"},
    {"a\xe2\x82", 3, TEXT_BAD_UTF8, 0, "truncated at the end"},
    {"a\0b", 3, TEXT_FORBIDDEN, 0, "NUL"},
    {"a\tb", 3, TEXT_FORBIDDEN, 0, "tab"},
    {"a\nb", 3, TEXT_FORBIDDEN, 0, "newline"},
    {"a\x7f", 2, TEXT_FORBIDDEN, 0, "DEL"},
    {"a\xc2\x85", 3, TEXT_FORBIDDEN, 0, "C1 control U+0085"},
    {"a\xc2\x9f", 3, TEXT_FORBIDDEN, 0, "C1 control U+009F"},
    {"a\xc2\xa0", 3, TEXT_OK, 2, "U+00A0 no-break space is printable"},
    {"a\xe2\x80\x8b", 4, TEXT_FORBIDDEN, 0, "zero-width space U+200B"},
    {"a\xe2\x80\x8f", 4, TEXT_FORBIDDEN, 0, "right-to-left mark U+200F"},
    {"a\xe2\x80\xa8", 4, TEXT_FORBIDDEN, 0, "line separator U+2028"},
    {"a\xe2\x80\xae", 4, TEXT_FORBIDDEN, 0, "right-to-left override U+202E"},
    {"a\xe2\x80\xaf", 4, TEXT_OK, 2, "U+202F narrow no-break space"},
    {"a\xe2\x81\xa6", 4, TEXT_FORBIDDEN, 0, "left-to-right isolate U+2066"},
    {"a\xe2\x81\xa9", 4, TEXT_FORBIDDEN, 0, "pop directional isolate U+2069"},
    {"\xef\xbb\xbf"
     "a",
     4, TEXT_FORBIDDEN, 0, "byte-order mark U+FEFF"},
    {"\x01\xff", 2, TEXT_BAD_UTF8, 0, "bad UTF-8 outranks a control"},
};

int
main(void)
{
	size_t i, chars, len;
	const char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chars = 99;
		is_int(text_check(cases[i].in, cases[i].len, &chars),
		       cases[i].want, "text_check: %s", cases[i].why);
		if (cases[i].want == TEXT_OK)
			is_int(chars, cases[i].chars,
			       "  counts %zu code points", cases[i].chars);
	}

	s = "  Neil  ";
	len = 8;
	text_trim(&s, &len);
	ok(len == 4 && strncmp(s, "Neil", 4) == 0,
	   "trim removes spaces at both ends");
	s = "\tNeil";
	len = 5;
	text_trim(&s, &len);
	is_int(len, 5, "trim leaves tabs (they are refused, not trimmed)");
	s = "   ";
	len = 3;
	text_trim(&s, &len);
	is_int(len, 0, "trim of only spaces leaves nothing");
	return done_testing();
}
