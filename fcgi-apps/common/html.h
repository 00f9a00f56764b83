/*
 * html: the one escaping path. Every piece of text that reaches a page
 * goes through html_escape(), called by the template renderer; nothing
 * else writes text into HTML.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..n) with & < > " ' replaced by entities. Returns -1 when
 * the buffer's bound is reached. */
int html_escape(struct buf *out, const char *s, size_t n);

#endif
