#include <stddef.h>
#include <string.h>

#include <crack.h>
#include <packer.h>

#include "pwlist.h"

const char *
pwlist_path(void)
{
	return GetDefaultCracklibDict();
}

int
pwlist_open(void)
{
	char mode[] = "r";
	PWDICT *d = PWOpen(GetDefaultCracklibDict(), mode);

	if (d == NULL)
		return -1;
	PWClose(d);
	return 0;
}

/* 1 if s is one run of at most PWLIST_MAX_PERIOD characters repeated. */
static int
pwlist_repeated(const char *s, size_t len)
{
	size_t p, i;

	for (p = 1; p <= PWLIST_MAX_PERIOD && p < len; p++) {
		for (i = p; i < len && s[i] == s[i - p]; i++)
			;
		if (i == len)
			return 1;
	}
	return 0;
}

/*
 * cracklib's FascistCheck() gives the first of several verdicts. Only two
 * are about guessing: the password is (or is based on) a dictionary word,
 * or it is a simple sequence ("abcdefgh", "12345678"). The others are
 * composition rules (length, how many different characters), which this
 * product does not have, so they are ignored.
 */
int
pwlist_common(const char *pw, size_t len)
{
	char word[PWLIST_MAX_WORD + 1];
	const char *why;

	if (pwlist_repeated(pw, len))
		return 1;
	if (len > PWLIST_MAX_WORD || memchr(pw, '\0', len) != NULL)
		return 0;
	memcpy(word, pw, len);
	word[len] = '\0';
	if ((why = FascistCheck(word, GetDefaultCracklibDict())) == NULL)
		return 0;
	if (strstr(why, "error loading dictionary") != NULL)
		return -1;
	return strstr(why, "dictionary word") != NULL ||
	       strstr(why, "simplistic") != NULL;
}
