/*
 * html: the one escaping path. Every piece of text that reaches a page
 * goes through html_escape(), called by the template renderer; nothing
 * else writes text into HTML. JSON output gets the same treatment from
 * json_string().
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) with & < > " ' replaced by entities. Returns -1 when
 * the buffer's bound is reached. */
int html_escape(struct buf *out, const char *s, size_t n);
/* Appends s[0..n) as a JSON string, quotes included: " and \ escaped,
 * control characters as \u00XX, everything else (UTF-8) as it is.
 * Returns -1 when the buffer's bound is reached. */
int json_string(struct buf *out, const char *s, size_t n);

#endif
