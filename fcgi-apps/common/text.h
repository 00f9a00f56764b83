/*
 * text: what the product accepts as user text.
 *
 * Valid UTF-8 only (shortest form, no surrogates, nothing above U+10FFFF),
 * and none of the characters that can hide or disguise text on a shared
 * page: C0 and C1 controls, DEL, zero-width and bidi-override characters,
 * line and paragraph separators, the byte-order mark. The database's
 * astro.is_printable() applies the same rule, so what passes here is
 * what the schema accepts.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

enum text_err {
	TEXT_OK = 0,
	TEXT_BAD_UTF8,
	TEXT_FORBIDDEN,
};

/* On TEXT_OK, *chars (if not NULL) is the number of code points. */
enum text_err text_check(const char *s, size_t len, size_t *chars);
/* Narrows [*s, *s + *len) to exclude leading and trailing spaces (U+0020),
 * as PostgreSQL's btrim() does. */
void text_trim(const char **s, size_t *len);

#endif
