#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
crypto_random(void *p, size_t n)
{
	unsigned char *d = p;
	ssize_t got;

	while (n > 0) {
		got = getrandom(d, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		d += got;
		n -= (size_t)got;
	}
	return 0;
}

/*
 * SHA-256 and HMAC-SHA-256 looked up once per process: OpenSSL 3 looks
 * an algorithm up in its providers on every one-shot call, which costs
 * more than hashing a short message (23 000 instructions for the CSRF
 * token of every signed-in page). Should a lookup fail, the one-shot
 * calls are used.
 */
static EVP_MD *crypto_md;
static EVP_MAC_CTX *crypto_hmac;

static void
crypto_algorithms(void)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256",
	                                     0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	if (crypto_md == NULL)
		crypto_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (crypto_hmac != NULL ||
	    (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return;
	crypto_hmac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (crypto_hmac != NULL &&
	    !EVP_MAC_CTX_set_params(crypto_hmac, params)) {
		EVP_MAC_CTX_free(crypto_hmac);
		crypto_hmac = NULL;
	}
}

void
crypto_sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	crypto_algorithms();
	EVP_Digest(p, n, out, &len, crypto_md ? crypto_md : EVP_sha256(), NULL);
}

void
crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t n,
                   uint8_t out[32])
{
	unsigned int len = 32;
	size_t got = 32;

	crypto_algorithms();
	if (crypto_hmac != NULL &&
	    EVP_MAC_init(crypto_hmac, key, keylen, NULL) &&
	    EVP_MAC_update(crypto_hmac, msg, n) &&
	    EVP_MAC_final(crypto_hmac, out, &got, 32) && got == 32)
		return;
	HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &len);
}

/* SHA-256 of CSRF_SECRET: the HMAC key for crypto_secret_mac(), set in
 * an HMAC context once. Each MAC then reuses the keyed context: the
 * one-shot HMAC() looks the algorithms up and keys them again every
 * time, which cost a board page more than all its rows. */
static EVP_MAC_CTX *secret_mac;

int
crypto_secret_load(void)
{
	const char *s = getenv(SECRET_ENV);
	uint8_t key[32];
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256",
	                                     0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac;

	if (s == NULL || strlen(s) < SECRET_MIN_CHARS)
		return -1;
	crypto_sha256(s, strlen(s), key);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	EVP_MAC_CTX_free(secret_mac);
	secret_mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (secret_mac == NULL ||
	    !EVP_MAC_init(secret_mac, key, sizeof(key), params)) {
		EVP_MAC_CTX_free(secret_mac);
		secret_mac = NULL;
		return -1;
	}
	return 0;
}

int
crypto_secret_mac(const char *label, const void *msg, size_t n, uint8_t out[32])
{
	unsigned char in[SECRET_MSG_MAX];
	size_t llen = strlen(label) + 1;

	size_t len = 32;

	if (secret_mac == NULL || llen + n > sizeof(in))
		return -1;
	memcpy(in, label, llen);
	memcpy(in + llen, msg, n);
	/* A NULL key starts a new MAC under the key already set. */
	if (!EVP_MAC_init(secret_mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(secret_mac, in, llen + n) ||
	    !EVP_MAC_final(secret_mac, out, &len, 32) || len != 32)
		return -1;
	return 0;
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static void
crypto_encode(const char *alpha, int pad, const uint8_t *in, size_t n,
              char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = alpha[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
}

static int
crypto_index(const char *alpha, char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(alpha, c)) == NULL)
		return -1;
	return (int)(p - alpha);
}

/*
 * Decodes len characters of s (no padding characters) from alpha.
 * Rejects leftover bits that are not zero, so each value has exactly one
 * accepted encoding. Returns the decoded length or -1.
 */
static long
crypto_decode(const char *alpha, const char *s, size_t len, uint8_t *out,
              size_t max)
{
	uint32_t acc = 0;
	int bits = 0, c;
	size_t i, o = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((c = crypto_index(alpha, s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= max)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;
	return (long)o;
}

void
crypto_token_encode(const uint8_t in[TOKEN_BYTES], char out[TOKEN_B64_LEN + 1])
{
	crypto_encode(b64url, 0, in, TOKEN_BYTES, out);
}

int
crypto_token_decode(const char *s, size_t len, uint8_t out[TOKEN_BYTES])
{
	if (len != TOKEN_B64_LEN)
		return -1;
	return crypto_decode(b64url, s, len, out, TOKEN_BYTES) == TOKEN_BYTES
	           ? 0
	           : -1;
}

void
crypto_b64_encode(const uint8_t *in, size_t n, char *out)
{
	crypto_encode(b64std, 1, in, n, out);
}

long
crypto_b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t pad = 0;

	if (len % 4 != 0)
		return -1;
	while (pad < 2 && len > 0 && s[len - 1] == '=')
		len--, pad++;
	return crypto_decode(b64std, s, len, out, max);
}
