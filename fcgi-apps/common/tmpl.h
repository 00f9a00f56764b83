/*
 * tmpl: page templates in html/, compiled once at start-up.
 *
 * A small subset of Mustache, so designers edit pages without C:
 *
 *	{{name}}             the value of name, HTML-escaped
 *	{{#name}}..{{/name}} rendered once per item if name is a list, once
 *	                     if it is a set flag or a non-empty string
 *	{{^name}}..{{/name}} rendered if name is absent, unset or empty
 *	{{{name}}}           a fragment that tmpl_render() produced itself,
 *	                     or a template rendered in place with its own
 *	                     values (the layout's page content); a plain
 *	                     string here is an error, so raw text cannot
 *	                     slip in
 *	{{! comment }}
 *
 * Names are looked up in the current dictionary, then its parents (a
 * list item sees the page's values). A {{name}} that is not defined is
 * an error, not an empty string: a typo fails the tests instead of
 * silently dropping text.
 */
#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"

struct tmpl;
struct tdict;
struct tval;

/* Reads and compiles a template file. On failure returns NULL and puts
 * the reason, with the line number, in err. */
struct tmpl *tmpl_load(const char *path, char *err, size_t errlen);
/* Compiles a template held in memory: len bytes at src followed by a NUL.
 * src must outlive the template. */
struct tmpl *tmpl_compile(const char *src, size_t len, char *err,
                          size_t errlen);
void tmpl_free(struct tmpl *t);

/* Dictionaries live in the request's arena. Values are not copied: they
 * must live as long as the arena (static strings or arena strings).
 * Every setter returns -1 when the arena is full or val is NULL (so a
 * failed arena_printf() can be passed straight in), 0 otherwise. */
struct tdict *tdict_new(struct arena *a);
int tdict_set(struct tdict *d, const char *key, const char *val);
int tdict_setn(struct tdict *d, const char *key, const char *val, size_t n);
int tdict_setf(struct tdict *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An integer, formatted without printf (rows of numbers are common). */
int tdict_setint(struct tdict *d, const char *key, long long n);
int tdict_flag(struct tdict *d, const char *key, int on);
/* Stores a fragment rendered by tmpl_render, for a {{{key}}} tag. */
int tdict_fragment(struct tdict *d, const char *key, const struct buf *b);
/* The arena d allocates from. */
struct arena *tdict_arena(struct tdict *d);
/* Appends a new item to the list key and returns it, or NULL. */
struct tdict *tdict_push(struct tdict *d, const char *key);

/*
 * Long lists without a dictionary per item: key becomes a list of n
 * items that all use the one dictionary returned here (NULL: no
 * memory). Before item i is rendered, fill(arg, i) updates that
 * dictionary's values, usually through tdict_val() handles taken once;
 * it changes values but adds none (the section's names are looked up
 * once, before the first item). It returns 0, or -1 to stop the
 * rendering (tmpl_render then fails at key).
 */
typedef int (*tdict_fill_fn)(void *arg, size_t i);
struct tdict *tdict_rows(struct tdict *d, const char *key, size_t n,
                         tdict_fill_fn fill, void *arg);
/* A value of d that its owner sets in place, with no lookup: it starts
 * as the empty string. NULL when the arena is full. */
struct tval *tdict_val(struct tdict *d, const char *key);
/* Sets v to a string (not copied: it must outlive the rendering) or a
 * flag. */
void tval_set(struct tval *v, const char *s, size_t len);
/* As tval_set, for text that HTML escaping leaves as it is (no & < > "
 * or '), such as a number's digits: {{key}} then copies it without
 * looking at each byte. The caller vouches for the text. */
void tval_set_plain(struct tval *v, const char *s, size_t len);
void tval_flag(struct tval *v, int on);
/* For a {{{key}}} tag: t rendered in place with the values of with (d
 * itself, or a dictionary that has d among its parents). */
int tdict_template(struct tdict *d, const char *key, const struct tmpl *t,
                   struct tdict *with);

/* Renders t with d into out. Returns 0, or -1 if a name was undefined or
 * had the wrong kind (*what names it) or out reached its bound. */
int tmpl_render(const struct tmpl *t, const struct tdict *d, struct buf *out,
                const char **what);

#endif
