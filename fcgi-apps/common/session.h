/*
 * session: the session cookie, "who is signed in", and CSRF tokens.
 *
 * A session token is 256 bits from the kernel, sent to the browser as
 * unpadded base64url in the ah_session cookie (HttpOnly, SameSite=Lax,
 * Path=/; over HTTPS Secure and named __Host-ah_session). The database
 * stores only its SHA-256, so a leaked table holds no usable tokens.
 *
 * A CSRF token is HMAC-SHA-256(session token, label) when someone is
 * signed in, and otherwise HMAC-SHA-256(the server's secret, label and a
 * random value in the ah_csrf cookie) for the sign-up and log-in forms:
 * a cross-site page can neither read the key nor compute the token, and
 * planting the cookie does not help it make one. csrf_check() also
 * refuses a POST whose Origin or Sec-Fetch-Site names another site.
 */
#ifndef SESSION_H
#define SESSION_H

#include "app.h"

#define SESSION_COOKIE "ah_session"
#define CSRF_COOKIE    "ah_csrf"

/* Fills ctx->viewer from the session cookie (once per request). Returns
 * RESULT_OK (signed in or not) or RESULT_DB_UNAVAILABLE. An unknown or
 * expired session clears the cookie. */
enum result viewer_load(struct ctx *ctx);

/* Makes a new token and its hash for a new session. Returns 0 or -1. */
int session_new(uint8_t token[TOKEN_BYTES], uint8_t hash[32]);
/* Sets the session cookie to token for SESSION_TTL seconds. */
void session_cookie_set(struct ctx *ctx, const uint8_t token[TOKEN_BYTES]);
void session_cookie_clear(struct ctx *ctx);

/* The CSRF token for forms on this response, as an arena string; sets
 * the ah_csrf cookie when an anonymous visitor has none. NULL when out
 * of memory or randomness. */
const char *csrf_token(struct ctx *ctx);
/* 1 if submitted is the CSRF token for this request's key and the
 * browser, if it says, sent the request from this site. */
int csrf_check(struct ctx *ctx, const char *submitted, size_t len);

#endif
