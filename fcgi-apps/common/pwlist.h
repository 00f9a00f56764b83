/*
 * pwlist: new passwords that are too easy to guess. A password is refused
 * when cracklib (the dictionary of Debian's cracklib-runtime) finds it
 * is, or is based on, a dictionary word, or is a simple sequence; or when
 * it is one short run of at most PWLIST_MAX_PERIOD characters repeated
 * ("aaaaaaaa", eight spaces, "abababab"). No composition rules: any long
 * passphrase passes.
 */
#ifndef PWLIST_H
#define PWLIST_H

#include <stddef.h>

#define PWLIST_MAX_PERIOD 3
#define PWLIST_MAX_WORD   1024 /* longer passwords are in no dictionary */

/* Returns 0 if the dictionary can be read, or -1. */
int pwlist_open(void);
/* Where the dictionary is, for messages. */
const char *pwlist_path(void);
/* 1 if pw[0..len) is too easy to guess, 0 if not, -1 if the dictionary
 * cannot be read. */
int pwlist_common(const char *pw, size_t len);

#endif
