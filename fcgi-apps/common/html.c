#include "html.h"

int
html_escape(struct buf *out, const char *s, size_t n)
{
	size_t i, start = 0;
	const char *ent;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		buf_append(out, s + start, i - start);
		buf_puts(out, ent);
		start = i + 1;
	}
	buf_append(out, s + start, n - start);
	return buf_failed(out) ? -1 : 0;
}
