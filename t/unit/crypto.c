/* crypto.c and password.c: tokens, hashes and scrypt. */
#include <stdlib.h>

#include <libscrypt.h>

#include "crypto.h"
#include "password.h"
#include "tap.h"

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

int
main(void)
{
	uint8_t a[TOKEN_BYTES], b[TOKEN_BYTES], h[32], bytes[64];
	char enc[TOKEN_B64_LEN + 1], hx[65], mcf[PASSWORD_MCF_MAX], copy[128];
	long n;

	ok(crypto_random(a, sizeof(a)) == 0 && crypto_random(b, sizeof(b)) == 0,
	   "random bytes from the kernel");
	ok(memcmp(a, b, sizeof(a)) != 0, "two draws differ");

	crypto_token_encode(a, enc);
	is_int(strlen(enc), TOKEN_B64_LEN,
	       "a token is 43 base64url characters");
	ok(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012"
	               "3456789-_") == TOKEN_B64_LEN,
	   "  from the URL-safe alphabet");
	ok(crypto_token_decode(enc, strlen(enc), b) == 0 &&
	       memcmp(a, b, sizeof(a)) == 0,
	   "  and decodes back");
	memset(a, 0, sizeof(a));
	crypto_token_encode(a, enc);
	is_str(enc, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	       "all-zero token");
	ok(crypto_token_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
	                       43, b) == -1,
	   "non-zero leftover bits are refused (one encoding per token)");
	ok(crypto_token_decode("AAAA", 4, b) == -1, "wrong length is refused");
	ok(crypto_token_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
	                       43, b) == -1,
	   "the standard alphabet's '+' is refused");

	crypto_sha256("abc", 3, h);
	hex(h, 32, hx);
	is_str(
	    hx,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of 'abc' (FIPS 180-2 vector)");
	crypto_hmac_sha256((const uint8_t *)"Jefe", 4,
	                   "what do ya want for nothing?", 28, h);
	hex(h, 32, hx);
	is_str(
	    hx,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "HMAC-SHA-256 (RFC 4231 test case 2)");
	{
		uint8_t key[20];

		memset(key, 0x0b, sizeof(key));
		crypto_hmac_sha256(key, sizeof(key), "Hi There", 8, h);
		hex(h, 32, hx);
		is_str(hx,
		       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9"
		       "376c2e32cff7",
		       "HMAC-SHA-256 (RFC 4231 test case 1): another key "
		       "after the first");
	}
	crypto_sha256("", 0, h);
	hex(h, 32, hx);
	is_str(
	    hx,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "SHA-256 of nothing, after an HMAC");

	ok(crypto_equal("same", "same", 4), "equal buffers compare equal");
	ok(!crypto_equal("same", "sane", 4), "different buffers do not");

	crypto_b64_encode((const uint8_t *)"any carnal pleas", 16, copy);
	is_str(copy,
	       "YW55IGNhcm5hbCBwbGVhcw==", "standard base64 with padding");
	n = crypto_b64_decode(copy, strlen(copy), bytes, sizeof(bytes));
	ok(n == 16 && memcmp(bytes, "any carnal pleas", 16) == 0,
	   "  decodes back");
	is_int(crypto_b64_decode("YW55", 3, bytes, sizeof(bytes)), -1,
	       "unpadded length refused");
	is_int(crypto_b64_decode("YW55IGNhcm5hbCBwbGVhcw==", 24, bytes, 8), -1,
	       "decoding past the output bound is refused");

	ok(password_hash("correct horse battery", 21, mcf) == 0,
	   "hashing a password");
	ok(strncmp(mcf, "$s1$0d080a$", 11) == 0,
	   "  MCF carries N=2^13, r=8, p=10: %s", mcf);
	ok(strlen(mcf) < PASSWORD_MCF_MAX, "  and fits the MCF bound");
	is_int(password_verify("correct horse battery", 21, mcf), 1,
	       "the right password matches");
	is_int(password_verify("correct horse batterY", 21, mcf), 0,
	       "a wrong one does not");
	is_int(password_verify("correct horse battery", 20, mcf), 0,
	       "a prefix does not (lengths are explicit)");
	snprintf(copy, sizeof(copy), "%s", mcf);
	is_int(libscrypt_check(copy, "correct horse battery"), 1,
	       "libscrypt's own check accepts the hash");
	is_int(password_verify("x", 1, "$s1$0e0801$garbage"), -1,
	       "a malformed MCF is refused");
	is_int(password_verify("x", 1, "$s1$1f0801$c2FsdA==$aGFzaA=="), -1,
	       "N = 2^31 is refused before any work is done");
	is_int(password_verify("x", 1, "$2b$10$abcdefghijklmnopqrstuv"), -1,
	       "a bcrypt string is not an scrypt MCF");
	{
		uint8_t m1[32], m2[32], m3[32], big[SECRET_MSG_MAX];

		unsetenv(SECRET_ENV);
		is_int(crypto_secret_mac("l", "m", 1, m1), -1,
		       "no MAC before the secret is loaded");
		is_int(crypto_secret_load(), -1, "no CSRF_SECRET: refused");
		setenv(SECRET_ENV, "0123456789abcdef0123456789abcde", 1);
		is_int(crypto_secret_load(), -1,
		       "a 31-character secret: refused");
		setenv(SECRET_ENV, "0123456789abcdef0123456789abcdef", 1);
		is_int(crypto_secret_load(), 0, "a 32-character secret");
		ok(crypto_secret_mac("board", "1,2", 3, m1) == 0 &&
		       crypto_secret_mac("board", "1,2", 3, m2) == 0 &&
		       memcmp(m1, m2, 32) == 0,
		   "  the same message, the same MAC");
		{
			static const char secret[] =
			    "0123456789abcdef0123456789abcdef";
			uint8_t key[32], want[32];

			crypto_sha256(secret, strlen(secret), key);
			crypto_hmac_sha256(key, 32,
			                   "board\0"
			                   "1,2",
			                   9, want);
			ok(memcmp(m1, want, 32) == 0,
			   "  HMAC-SHA-256 under SHA-256(secret) of label, "
			   "NUL, message");
		}
		crypto_secret_mac("csrf", "1,2", 3, m2);
		ok(memcmp(m1, m2, 32) != 0, "  another label, another MAC");
		crypto_secret_mac("board1", ",2", 2, m2);
		ok(memcmp(m1, m2, 32) != 0,
		   "  the label cannot borrow from the message");
		setenv(SECRET_ENV, "0123456789abcdef0123456789abcdeF", 1);
		crypto_secret_load();
		crypto_secret_mac("board", "1,2", 3, m3);
		ok(memcmp(m1, m3, 32) != 0, "  another secret, another MAC");
		memset(big, 'x', sizeof(big));
		is_int(crypto_secret_mac("board", big, sizeof(big), m1), -1,
		       "  a message too long is refused");
	}
	return done_testing();
}
