/*
 * page: every HTML response is a page template rendered inside
 * html/layout.html, which draws the tabs (Board | Log hours | Sign up /
 * Log in, or Log out) and who is signed in.
 */
#ifndef PAGE_H
#define PAGE_H

#include "app.h"
#include "form.h"
#include "tmpl.h"

enum tab {
	TAB_NONE,
	TAB_BOARD,
	TAB_HOURS,
	TAB_SIGNUP,
	TAB_LOGIN,
};

/* Loads the layout and error templates from html_dir. Returns 0, or -1
 * after logging why. */
int page_init(const char *html_dir);
/* Loads html_dir/name; logs and returns NULL on failure. */
struct tmpl *page_load(const char *html_dir, const char *name);

/*
 * Renders t with d as the content of the layout into ctx->resp with the
 * given status. d gains the layout's values (title, tabs, who is signed
 * in, the CSRF token for the log-out form). Returns RESULT_OK or
 * RESULT_ERROR (a template asked for an undefined value; logged).
 */
enum result page_render(struct ctx *ctx, int status, enum tab tab,
                        const char *title, const struct tmpl *t,
                        struct tdict *d);
/* An error page in the layout: the title and a sentence for the person
 * reading it. A client that asked for JSON (a .json address, or an
 * Accept that prefers it) gets {"error":message,"status":status}
 * instead. */
enum result page_error(struct ctx *ctx, int status, const char *title,
                       const char *message);

/* Words for each way a field can be refused; NULL entries fall back to
 * valid_message(). */
struct field_words {
	const char *msg[VALID__MAX];
};

/*
 * Puts one form field into d for re-display: KEY_value (the submitted
 * text, or "" when keep is 0, as for passwords) and, if the field was
 * refused, KEY_error with the words for why. Returns 0 or -1.
 */
int page_field(struct tdict *d, const char *key, const struct form_value *v,
               int keep, const struct field_words *words);

#endif
