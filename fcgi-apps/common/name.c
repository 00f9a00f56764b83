#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "name.h"

enum name_set { SET_FORBIDDEN, SET_BLANK, SET_MARK, SET__MAX };

static const char *const name_patterns[SET__MAX] = {
    [SET_FORBIDDEN] = NAME_FORBIDDEN_SET,
    [SET_BLANK] = NAME_BLANK_SET,
    [SET_MARK] = NAME_MARK_SET,
};

/* Opened once per process, frozen (read-only) afterwards. */
static USet *name_sets[SET__MAX];
static USpoofChecker *name_spoof;

/* Opens the sets on first use. Returns 0, or -1 if ICU refuses. */
static int
name_init(void)
{
	UChar pat[256];
	UErrorCode err = U_ZERO_ERROR;
	int i;

	if (name_sets[SET__MAX - 1] != NULL)
		return 0;
	for (i = 0; i < SET__MAX; i++) {
		if (name_sets[i] != NULL)
			continue;
		u_strFromUTF8(pat, (int32_t)(sizeof(pat) / sizeof(pat[0])),
		              NULL, name_patterns[i], -1, &err);
		name_sets[i] = uset_openPattern(pat, -1, &err);
		if (U_FAILURE(err)) {
			uset_close(name_sets[i]);
			name_sets[i] = NULL;
			return -1;
		}
		uset_freeze(name_sets[i]);
	}
	return 0;
}

/* UTF-8 to UTF-16 in the arena. Returns NULL on failure. */
static UChar *
name_to16(struct arena *a, const char *s, size_t len, int32_t *n)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar *u;

	/* UTF-16 never needs more units than UTF-8 has bytes. */
	if (len > 65536 || (u = arena_alloc(a, (len + 1) * sizeof(*u))) == NULL)
		return NULL;
	u_strFromUTF8(u, (int32_t)len + 1, n, s, (int32_t)len, &err);
	return U_FAILURE(err) ? NULL : u;
}

/* UTF-16 to NUL-terminated UTF-8 in the arena. Returns NULL on failure. */
static char *
name_to8(struct arena *a, const UChar *u, int32_t n, size_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t need;
	char *s;

	/* At most three bytes for each UTF-16 unit. */
	if ((s = arena_alloc(a, (size_t)n * 3 + 1)) == NULL)
		return NULL;
	u_strToUTF8(s, n * 3 + 1, &need, u, n, &err);
	if (U_FAILURE(err))
		return NULL;
	if (outlen != NULL)
		*outlen = (size_t)need;
	return s;
}

int
name_nfc(struct arena *a, const char *s, size_t len, const char **out,
         size_t *outlen)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
	UChar *u, *d;
	int32_t n, cap, m;
	char *r;

	if (U_FAILURE(err) || (u = name_to16(a, s, len, &n)) == NULL)
		return -1;
	/* NFC expands one unit to at most three (Unicode's stability
	 * policy bounds it by a factor of 3). */
	cap = n * 3 + 1;
	if ((d = arena_alloc(a, (size_t)cap * sizeof(*d))) == NULL)
		return -1;
	m = unorm2_normalize(nfc, u, n, d, cap, &err);
	if (U_FAILURE(err) || (r = name_to8(a, d, m, outlen)) == NULL)
		return -1;
	*out = r;
	return 0;
}

enum name_err
name_check(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	int32_t i = 0, n = (int32_t)len;
	int marks = 0, visible = 0;
	UChar32 c;

	if (name_init() == -1)
		return NAME_NOMEM;
	while (i < n) {
		U8_NEXT(p, i, n, c);
		if (c < 0)
			return NAME_FORBIDDEN; /* text_check() ran first */
		if (u_charType(c) == U_SPACE_SEPARATOR && c != 0x20)
			return NAME_SPACE;
		if (uset_contains(name_sets[SET_FORBIDDEN], c))
			return NAME_FORBIDDEN;
		if (uset_contains(name_sets[SET_MARK], c)) {
			if (++marks > NAME_MAX_MARKS)
				return NAME_MARKS;
		} else
			marks = 0;
		if (!uset_contains(name_sets[SET_BLANK], c))
			visible = 1;
	}
	return visible ? NAME_OK : NAME_BLANK;
}

/* The TS #39 skeleton of u[0..n) into the arena; *kn is its length. */
static UChar *
name_skel16(struct arena *a, const UChar *u, int32_t n, int32_t *kn)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar *k;
	int32_t need;

	need = uspoof_getSkeleton(name_spoof, 0, u, n, NULL, 0, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return NULL;
	err = U_ZERO_ERROR;
	if ((k = arena_alloc(a, ((size_t)need + 1) * sizeof(*k))) == NULL)
		return NULL;
	*kn = uspoof_getSkeleton(name_spoof, 0, u, n, k, need + 1, &err);
	return U_FAILURE(err) ? NULL : k;
}

/* Normalizes u[0..n) with norm into the arena (at most 18 units for one:
 * NFKC's and NFKC_Casefold's bound); *mn is the result's length. */
static UChar *
name_norm16(struct arena *a, const UNormalizer2 *norm, const UChar *u,
            int32_t n, int32_t *mn)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar *m;

	if (n > 65536 ||
	    (m = arena_alloc(a, ((size_t)n * 18 + 1) * sizeof(*m))) == NULL)
		return NULL;
	*mn = unorm2_normalize(norm, u, n, m, n * 18 + 1, &err);
	return U_FAILURE(err) ? NULL : m;
}

/* Upper-cases u[0..n) with the root locale's full mapping (ß to SS)
 * into the arena; *un is the result's length. */
static UChar *
name_upper16(struct arena *a, const UChar *u, int32_t n, int32_t *un)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar *m;
	int32_t need;

	need = u_strToUpper(NULL, 0, u, n, "", &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return NULL;
	err = U_ZERO_ERROR;
	if ((m = arena_alloc(a, ((size_t)need + 1) * sizeof(*m))) == NULL)
		return NULL;
	*un = u_strToUpper(m, need + 1, u, n, "", &err);
	return U_FAILURE(err) ? NULL : m;
}

/* The skeleton of u[0..n) as NUL-terminated UTF-8, or NULL. */
static const char *
name_skel8(struct arena *a, const UChar *u, int32_t n)
{
	UChar *k;
	int32_t kn;

	if ((k = name_skel16(a, u, n, &kn)) == NULL)
		return NULL;
	return name_to8(a, k, kn, NULL);
}

/*
 * Why three keys. TS #39 calls X and Y confusable when skeleton(X) =
 * skeleton(Y), the skeleton mapping each character of the NFD string
 * to the prototype of its look-alike class; ICU (58 and later) has one
 * table, confusables.txt's, covering capitals and small letters alike
 * (uspoof_getSkeleton's type argument is ignored). A skeleton is not
 * stable under case: Cyrillic В maps to B but в to ʙ, I maps to l but i
 * to itself. So:
 * - the skeleton of the NFKC_Casefold (the key used since names became
 *   case-insensitive; NFKC because confusables.txt leaves width and
 *   font variants such as U+FF21 and U+1D400 to it) catches look-alikes
 *   in small letters, and cannot see capital-only ones (ВОВ, ΑΒΕ, ᎪᏴᎬ);
 * - the skeleton as typed is TS #39's test on the name as the board
 *   shows it ("AIex" and "Alex", mixed case);
 * - the skeleton in capitals is the same test on the name as anyone may
 *   type it, since case does not matter ("Вов" in capitals is ВОВ, which
 *   looks like BOB, which is "bob").
 * Folding a skeleton and taking it again would be one key, but it folds
 * the prototypes too: I and L both end as l, and "Ian" and "Lan" would
 * be one name. Skeletons are compared as ICU makes them, never
 * transformed further.
 */
int
name_skeletons(struct arena *a, const char *s, size_t len,
               const char *out[NAME_SKEL__MAX])
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *fold, *nfkc;
	UChar *u, *f, *k, *up;
	int32_t n, fn, kn, upn;

	if (name_spoof == NULL) {
		name_spoof = uspoof_open(&err);
		if (U_FAILURE(err)) {
			name_spoof = NULL;
			return -1;
		}
	}
	fold = unorm2_getNFKCCasefoldInstance(&err);
	nfkc = unorm2_getNFKCInstance(&err);
	if (U_FAILURE(err) || (u = name_to16(a, s, len, &n)) == NULL ||
	    (f = name_norm16(a, fold, u, n, &fn)) == NULL ||
	    (k = name_norm16(a, nfkc, u, n, &kn)) == NULL ||
	    (up = name_upper16(a, k, kn, &upn)) == NULL)
		return -1;
	out[NAME_SKEL_FOLDED] = name_skel8(a, f, fn);
	out[NAME_SKEL_TYPED] = name_skel8(a, k, kn);
	out[NAME_SKEL_UPPER] = name_skel8(a, up, upn);
	return out[NAME_SKEL_FOLDED] && out[NAME_SKEL_TYPED] &&
	               out[NAME_SKEL_UPPER]
	           ? 0
	           : -1;
}
