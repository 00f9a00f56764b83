#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "session.h"

#define CSRF_LABEL      "astronaut-hours csrf v1"
#define CSRF_ANON_LABEL "astronaut-hours anonymous csrf v1"
#define CSRF_COOKIE_AGE 86400
#define HOST_PREFIX     "__Host-"

/* A cookie's name on this request: over HTTPS with the __Host- prefix,
 * which a browser accepts only from this host, Secure, for Path=/, so
 * that no other site or subdomain can plant it. */
static const char *
session_cookie_name(const struct ctx *ctx, const char *name, char *buf,
                    size_t size)
{
	if (!ctx->req.https)
		return name;
	snprintf(buf, size, "%s%s", HOST_PREFIX, name);
	return buf;
}

static void
session_cookie(struct ctx *ctx, const char *name, const char *value,
               int max_age)
{
	char line[256], nbuf[64];

	snprintf(line, sizeof(line),
	         "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
	         session_cookie_name(ctx, name, nbuf, sizeof(nbuf)), value,
	         max_age, ctx->req.https ? "; Secure" : "");
	resp_header(&ctx->resp, "Set-Cookie", line);
}

/* Decodes a cookie that should hold a token. Returns 0 or -1. */
static int
session_cookie_token(struct ctx *ctx, const char *name,
                     uint8_t token[TOKEN_BYTES])
{
	const char *val;
	char nbuf[64];
	size_t len;

	if (!http_cookie(&ctx->req,
	                 session_cookie_name(ctx, name, nbuf, sizeof(nbuf)),
	                 &val, &len))
		return -1;
	return crypto_token_decode(val, len, token);
}

enum result
viewer_load(struct ctx *ctx)
{
	struct viewer *v = &ctx->viewer;
	uint8_t hash[32];
	const char *params[1] = {(const char *)hash};
	int lengths[1] = {sizeof(hash)}, formats[1] = {1};
	PGresult *res;

	if (v->loaded)
		return RESULT_OK;
	if (session_cookie_token(ctx, SESSION_COOKIE, v->token) == -1) {
		v->loaded = 1;
		return RESULT_OK;
	}
	v->has_token = 1;
	crypto_sha256(v->token, TOKEN_BYTES, hash);
	if (db_exec(&ctx->db, STMT_SESSION_LOOKUP, 1, params, lengths, formats,
	            &res) != DB_OK)
		return RESULT_DB_UNAVAILABLE;
	if (PQntuples(res) == 1) {
		v->signed_in = 1;
		v->id =
		    strtoll(PQgetvalue(res, 0, PQfnumber(res, "id")), NULL, 10);
		v->name = arena_strdup(
		    &ctx->arena, PQgetvalue(res, 0, PQfnumber(res, "name")));
	} else
		session_cookie_clear(ctx);
	PQclear(res);
	v->loaded = 1;
	if (v->signed_in && v->name == NULL)
		return RESULT_ERROR;
	return RESULT_OK;
}

int
session_new(uint8_t token[TOKEN_BYTES], uint8_t hash[32])
{
	if (crypto_random(token, TOKEN_BYTES) == -1) {
		log_error("getrandom failed: no session token");
		return -1;
	}
	crypto_sha256(token, TOKEN_BYTES, hash);
	return 0;
}

void
session_cookie_set(struct ctx *ctx, const uint8_t token[TOKEN_BYTES])
{
	char enc[TOKEN_B64_LEN + 1];

	crypto_token_encode(token, enc);
	session_cookie(ctx, SESSION_COOKIE, enc, ctx->cfg->session_ttl);
}

void
session_cookie_clear(struct ctx *ctx)
{
	session_cookie(ctx, SESSION_COOKIE, "", 0);
}

/* The key CSRF tokens are made from; creates the anonymous one if asked
 * to. Returns 0, or -1 when there is no key. */
static int
csrf_key(struct ctx *ctx, uint8_t key[TOKEN_BYTES], int create)
{
	char enc[TOKEN_B64_LEN + 1];

	if (ctx->viewer.signed_in) {
		memcpy(key, ctx->viewer.token, TOKEN_BYTES);
		return 0;
	}
	if (session_cookie_token(ctx, CSRF_COOKIE, key) == 0)
		return 0;
	if (!create || crypto_random(key, TOKEN_BYTES) == -1)
		return -1;
	crypto_token_encode(key, enc);
	session_cookie(ctx, CSRF_COOKIE, enc, CSRF_COOKIE_AGE);
	return 0;
}

/* The token for key: bound to the session when signed in, and otherwise
 * signed with the server's secret, so that knowing (or planting) the
 * anonymous cookie is not enough to make a token. Returns 0 or -1. */
static int
csrf_compute(const struct ctx *ctx, const uint8_t key[TOKEN_BYTES],
             uint8_t mac[32])
{
	if (ctx->viewer.signed_in) {
		crypto_hmac_sha256(key, TOKEN_BYTES, CSRF_LABEL,
		                   strlen(CSRF_LABEL), mac);
		return 0;
	}
	return crypto_secret_mac(CSRF_ANON_LABEL, key, TOKEN_BYTES, mac);
}

const char *
csrf_token(struct ctx *ctx)
{
	uint8_t key[TOKEN_BYTES], mac[32];
	char *enc;

	if (csrf_key(ctx, key, 1) == -1 || csrf_compute(ctx, key, mac) == -1)
		return NULL;
	if ((enc = arena_alloc(&ctx->arena, TOKEN_B64_LEN + 1)) == NULL)
		return NULL;
	crypto_token_encode(mac, enc);
	return enc;
}

/*
 * The second layer: where a browser says a POST comes from. When sent,
 * Sec-Fetch-Site must be "same-origin" and Origin must be this site: the
 * scheme the load balancer reports and the Host the browser addressed.
 * Clients that send neither (not browsers) rely on the token alone.
 */
static int
csrf_origin_ok(const struct ctx *ctx)
{
	const struct req *r = &ctx->req;
	const char *scheme = r->https ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (r->fetch_site != NULL && strcmp(r->fetch_site, "same-origin") != 0)
		return 0;
	if (r->origin == NULL)
		return 1;
	return r->host != NULL && *r->host != '\0' &&
	       strncmp(r->origin, scheme, n) == 0 &&
	       strcasecmp(r->origin + n, r->host) == 0;
}

int
csrf_check(struct ctx *ctx, const char *submitted, size_t len)
{
	uint8_t key[TOKEN_BYTES], mac[32], got[TOKEN_BYTES];

	if (!csrf_origin_ok(ctx) || csrf_key(ctx, key, 0) == -1 ||
	    crypto_token_decode(submitted, len, got) == -1 ||
	    csrf_compute(ctx, key, mac) == -1)
		return 0;
	return crypto_equal(mac, got, sizeof(mac));
}
