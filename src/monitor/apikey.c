/*
 * API keys (mcpctl(1), API KEYS): "mcpk_" + 8-character key id + "_" + 43
 * characters of unpadded base64url carrying 256 bits from the OpenSSL CSPRNG.
 *
 * The key id is public (it is written in AuthorizedKeysFile and in the
 * audit log); the secret part is not, so everything that looks at the
 * secret part does so without branches or table look-ups that depend on
 * its value.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "apikey.h"
#include "hex.h"

#define APIKEY_PREFIX_LEN	(sizeof(APIKEY_PREFIX) - 1)
#define APIKEY_SEP_OFF		(APIKEY_PREFIX_LEN + APIKEY_ID_LEN)
#define APIKEY_SECRET_OFF	(APIKEY_SEP_OFF + 1)
#define APIKEY_SECRET_BYTES	32

/* Key ids use lower-case letters and digits only: easy to read aloud. */
static const char id_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
#define ID_ALPHABET_LEN		(sizeof(id_alphabet) - 1)
/* The largest multiple of the alphabet size that fits in a byte. */
#define ID_REJECT_LIMIT		(256 - (256 % ID_ALPHABET_LEN))

/* 0xff if c is a base64url character, else 0. */
static unsigned int
ct_is_b64url(unsigned int c)
{
	return ct_range(c, 'A', 'Z') | ct_range(c, 'a', 'z') |
	    ct_range(c, '0', '9') | ct_range(c, '-', '-') |
	    ct_range(c, '_', '_');
}

static int
is_id_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
apikey_valid_id(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < APIKEY_ID_LEN; i++) {
		if (!is_id_char((unsigned char)s[i]))
			return 0;
	}
	return s[APIKEY_ID_LEN] == '\0';
}

int
apikey_generate(char *key, size_t keylen, char *id, size_t idlen)
{
	uint8_t secret[APIKEY_SECRET_BYTES];
	/* EVP_EncodeBlock writes 4 * ceil(32 / 3) = 44 characters and a NUL. */
	unsigned char b64[4 * ((APIKEY_SECRET_BYTES + 2) / 3) + 1];
	uint8_t rnd[32];
	char kid[APIKEY_ID_LEN + 1];
	size_t i, n, r;
	int len, ret = -1;

	if (key == NULL || keylen < APIKEY_LEN + 1 ||
	    (id != NULL && idlen < APIKEY_ID_LEN + 1))
		return -1;

	/*
	 * Rejection sampling keeps every id character uniform: bytes at or
	 * above the largest multiple of 36 are thrown away, not folded.
	 */
	for (n = 0; n < APIKEY_ID_LEN;) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			goto out;
		for (r = 0; r < sizeof(rnd) && n < APIKEY_ID_LEN; r++) {
			if (rnd[r] >= ID_REJECT_LIMIT)
				continue;
			kid[n++] = id_alphabet[rnd[r] % ID_ALPHABET_LEN];
		}
	}
	kid[APIKEY_ID_LEN] = '\0';

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		goto out;
	len = EVP_EncodeBlock(b64, secret, sizeof(secret));
	/* 32 bytes encode to 43 characters plus one '=' of padding. */
	if (len != APIKEY_SECRET_LEN + 1 || b64[APIKEY_SECRET_LEN] != '=')
		goto out;
	for (i = 0; i < APIKEY_SECRET_LEN; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	}

	memcpy(key, APIKEY_PREFIX, APIKEY_PREFIX_LEN);
	memcpy(key + APIKEY_PREFIX_LEN, kid, APIKEY_ID_LEN);
	key[APIKEY_SEP_OFF] = '_';
	memcpy(key + APIKEY_SECRET_OFF, b64, APIKEY_SECRET_LEN);
	key[APIKEY_LEN] = '\0';
	if (id != NULL)
		memcpy(id, kid, APIKEY_ID_LEN + 1);
	ret = 0;
 out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(b64, sizeof(b64));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return ret;
}

int
apikey_parse(const char *s, size_t len, char *id, size_t idlen)
{
	unsigned int bad = 0;
	size_t i;

	if (s == NULL || len != APIKEY_LEN)
		return -1;
	if (id != NULL && idlen < APIKEY_ID_LEN + 1)
		return -1;
	/* The prefix and the id are public: plain comparisons are fine. */
	if (memcmp(s, APIKEY_PREFIX, APIKEY_PREFIX_LEN) != 0)
		return -1;
	for (i = 0; i < APIKEY_ID_LEN; i++) {
		if (!is_id_char((unsigned char)s[APIKEY_PREFIX_LEN + i]))
			return -1;
	}
	if (s[APIKEY_SEP_OFF] != '_')
		return -1;
	/*
	 * The secret part is checked in full, whatever it holds, and the
	 * verdict is taken once at the end.  A NUL byte is not a base64url
	 * character, so an embedded NUL fails here too.
	 */
	for (i = 0; i < APIKEY_SECRET_LEN; i++)
		bad |= ct_is_b64url((unsigned char)s[APIKEY_SECRET_OFF + i]) ^
		    0xff;
	if (bad != 0)
		return -1;
	if (id != NULL) {
		memcpy(id, s + APIKEY_PREFIX_LEN, APIKEY_ID_LEN);
		id[APIKEY_ID_LEN] = '\0';
	}
	return 0;
}

int
apikey_hash(const char *s, size_t len, uint8_t out[32])
{
	unsigned int olen = 0;

	if (s == NULL && len != 0)
		return -1;
	if (EVP_Digest(s, len, out, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != 32) {
		OPENSSL_cleanse(out, 32);
		return -1;
	}
	return 0;
}

void
credential_fingerprint(const void *data, size_t len, char out[13])
{
	uint8_t md[32];
	unsigned int olen = 0;

	if ((data == NULL && len != 0) ||
	    EVP_Digest(data, len, md, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != sizeof(md)) {
		/*
		 * A placeholder that no digest can produce, so a failure
		 * never passes for some other credential's fingerprint.
		 */
		memcpy(out, "------------", 13);
		return;
	}
	hex_encode(md, 6, out);
	OPENSSL_cleanse(md, sizeof(md));
}
