/*
 * name-skeletons: the look-alike keys of names, for rows that lack them
 * or whose keys are to be recomputed (sql/backfill-name-skeletons).
 * Reads lines "ID<TAB>HEX", HEX being a name's UTF-8 in hexadecimal, and
 * writes "ID<TAB>FOLDED<TAB>TYPED<TAB>UPPER", the hex of its three
 * skeletons (name.h) in that order. Hex keeps any name safe from psql's
 * and COPY's quoting. A line it cannot read is reported and skipped;
 * exits 1 then.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "name.h"

#define LINE_MAX_BYTES 4096

static int
unhex(const char *s, size_t n, char *out)
{
	size_t i;
	unsigned v;

	if (n % 2)
		return -1;
	for (i = 0; i < n; i += 2) {
		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[i / 2] = (char)v;
	}
	out[n / 2] = '\0';
	return 0;
}

int
main(void)
{
	char line[LINE_MAX_BYTES], name[LINE_MAX_BYTES / 2 + 1];
	const char *skel[NAME_SKEL__MAX], *p;
	struct arena a;
	char *tab;
	int i;

	int rc = 0;

	arena_init(&a, 1 << 20);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL ||
		    unhex(tab + 1, strlen(tab + 1), name) == -1 ||
		    name_skeletons(&a, name, strlen(name), skel) == -1) {
			fprintf(stderr, "name-skeletons: skipped: %s\n", line);
			rc = 1;
			continue;
		}
		*tab = '\0';
		fputs(line, stdout);
		for (i = 0; i < NAME_SKEL__MAX; i++) {
			putchar('\t');
			for (p = skel[i]; *p; p++)
				printf("%02x", (unsigned char)*p);
		}
		putchar('\n');
		arena_reset(&a);
	}
	arena_free(&a);
	return rc;
}
