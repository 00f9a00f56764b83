/*
 * session: the session cookie, "who is signed in", and CSRF tokens.
 *
 * A session token is 256 bits from the kernel, sent to the browser as
 * unpadded base64url in the ah_session cookie (HttpOnly, SameSite=Lax,
 * Path=/, Secure when the client came over HTTPS). The database stores
 * only its SHA-256, so a leaked table holds no usable tokens.
 *
 * A CSRF token is HMAC-SHA-256(key, "csrf") where the key is the session
 * token when someone is signed in, and otherwise a random value in the
 * ah_csrf cookie (for the sign-up and log-in forms). A cross-site page
 * can neither read the key nor compute the token.
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
/* 1 if submitted is the CSRF token for this request's key. */
int csrf_check(struct ctx *ctx, const char *submitted, size_t len);

#endif
