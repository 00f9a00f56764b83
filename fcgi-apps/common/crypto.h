/*
 * crypto: randomness from the kernel, SHA-256, HMAC-SHA-256, base64, and
 * comparison in constant time. Thin wrappers so the rest of the code
 * never touches OpenSSL or getrandom(2) directly.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_BYTES   32 /* 256-bit session and CSRF keys */
#define TOKEN_B64_LEN 43 /* unpadded base64url of TOKEN_BYTES */

/* Fills p with n bytes from getrandom(2). Returns 0, or -1 if the kernel
 * could not supply them (the caller must not fall back to anything). */
int crypto_random(void *p, size_t n);
void crypto_sha256(const void *p, size_t n, uint8_t out[32]);
void crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
                        size_t n, uint8_t out[32]);
/* 1 if a and b are equal, 0 otherwise; time depends only on n. */
int crypto_equal(const void *a, const void *b, size_t n);

/* Unpadded base64url of TOKEN_BYTES bytes into out[TOKEN_B64_LEN + 1]. */
void crypto_token_encode(const uint8_t in[TOKEN_BYTES],
                         char out[TOKEN_B64_LEN + 1]);
/* Decodes exactly TOKEN_B64_LEN characters. Returns 0, or -1 if s is not
 * the canonical encoding of TOKEN_BYTES bytes. */
int crypto_token_decode(const char *s, size_t len, uint8_t out[TOKEN_BYTES]);

/*
 * The server's secret, shared by every task of every service (a form one
 * serves is posted to another): the environment variable CSRF_SECRET, at
 * least SECRET_MIN_CHARS characters, read once before the workers start.
 * It signs the anonymous CSRF value and the board's page links. Returns
 * 0, or -1 when it is missing or too short.
 */
#define SECRET_ENV       "CSRF_SECRET"
#define SECRET_MIN_CHARS 32
#define SECRET_MSG_MAX   256 /* label, NUL and message together */
int crypto_secret_load(void);
/* HMAC-SHA-256 under the server's secret of label, a NUL and msg: one
 * label per use, so no MAC made for one use is valid for another.
 * Returns 0, or -1 if crypto_secret_load() has not succeeded or the
 * three exceed SECRET_MSG_MAX bytes. */
int crypto_secret_mac(const char *label, const void *msg, size_t n,
                      uint8_t out[32]);

/* Standard base64 with padding (the alphabet libscrypt's MCF uses).
 * out needs 4 * ((n + 2) / 3) + 1 bytes. */
void crypto_b64_encode(const uint8_t *in, size_t n, char *out);
/* Decodes padded standard base64. Returns the decoded length, or -1 if s
 * is malformed or would not fit in max bytes. */
long crypto_b64_decode(const char *s, size_t len, uint8_t *out, size_t max);

#endif
