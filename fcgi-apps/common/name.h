/*
 * name: the policy for astronaut names, on top of text_check().
 *
 * A name is stored in NFC. It may not hold a control, format (Cf),
 * private-use, unassigned, surrogate or noncharacter code point, a
 * default-ignorable one (U+00AD, U+034F, U+2060, U+3164, U+FE0F, tag
 * characters...), a line or paragraph separator, or a space other than
 * U+0020. It needs at least one visible character (a letter, digit,
 * punctuation or symbol other than U+2800 BRAILLE PATTERN BLANK), and no
 * character may carry more than NAME_MAX_MARKS combining marks.
 *
 * Look-alikes: a name is one name whatever its case, so two names
 * collide when any rendering a reader may see of one looks like the same
 * rendering of the other. A name carries three Unicode TS #39 skeletons
 * (ICU's uspoof_getSkeleton, see name.c), each stored beside it with a
 * unique index: of its NFKC_Casefold (in lower case: "Admin", Cyrillic
 * "Аdmin", full-width "Ａｄｍｉｎ" and "𝐀dmin" are one name), of its NFKC as
 * typed ("AIex" with a capital I and "Alex"), and of its NFKC in capitals
 * (Cyrillic "ВОВ", "Вов" and "bob"; Greek "ΑΒΕ" and "abe"; Cherokee
 * "ᎪᏴᎬ"). Each is compared only with the same skeleton of other names.
 *
 * The sets below are ICU UnicodeSet patterns; sql/tools/name-chars.c turns
 * the same patterns into the schema's CHECK functions, so the C and the
 * database apply one rule from one source.
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

#include "arena.h"

#define NAME_MAX_MARKS 4

/* Code points a name may not contain. */
#define NAME_FORBIDDEN_SET                                                     \
	"[[:Cc:][:Cf:][:Co:][:Cn:][:Cs:][:Zl:][:Zp:]"                          \
	"[:Default_Ignorable_Code_Point:][:Noncharacter_Code_Point:]"          \
	"[[:Zs:]-[\\u0020]]]"
/* Code points that draw nothing by themselves. */
#define NAME_BLANK_SET                                                         \
	"[[:M:][:Z:][:C:][:Default_Ignorable_Code_Point:]\\u2800]"
/* Combining marks, counted per base character. */
#define NAME_MARK_SET "[:M:]"

enum name_err {
	NAME_OK = 0,
	NAME_FORBIDDEN, /* a code point of NAME_FORBIDDEN_SET */
	NAME_SPACE,     /* a space other than U+0020 */
	NAME_BLANK,     /* no visible character */
	NAME_MARKS,     /* more than NAME_MAX_MARKS marks on one character */
	NAME_NOMEM,     /* the arena is full, or ICU failed */
};

/*
 * Normalizes the valid UTF-8 text s[0..len) to NFC into the arena
 * (*out, NUL-terminated, *outlen bytes). Returns 0, or -1 when the arena
 * is full or ICU fails.
 */
int name_nfc(struct arena *a, const char *s, size_t len, const char **out,
             size_t *outlen);
/* Checks an NFC name (valid UTF-8) against the policy. */
enum name_err name_check(const char *s, size_t len);
/* The look-alike keys of a name, each compared with the same key only. */
enum name_skel {
	NAME_SKEL_FOLDED, /* skeleton(NFKC_Casefold(name)) */
	NAME_SKEL_TYPED,  /* skeleton(NFKC(name)), the case as typed */
	NAME_SKEL_UPPER,  /* skeleton(toUpper(NFKC(name))) */
	NAME_SKEL__MAX
};

/*
 * Puts the NAME_SKEL__MAX look-alike keys of the name s[0..len), each
 * NUL-terminated UTF-8 in NFD, into the arena and sets out[] to them.
 * Returns 0, or -1 (out[] then unspecified) when the arena is full or
 * ICU fails.
 */
int name_skeletons(struct arena *a, const char *s, size_t len,
                   const char *out[NAME_SKEL__MAX]);

#endif
