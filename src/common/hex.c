/*
 * Lower-case hexadecimal of bytes and its strict decoding, in one copy
 * for every process: API key hashes and credential fingerprints, audit
 * MACs, hashes and keys, certificate fingerprints, redaction digests.
 * Some of what is encoded is secret (the audit key, key hashes), so both
 * directions run without a table look-up or a branch that depends on the
 * bytes' values.
 */

#include <stddef.h>
#include <stdint.h>

#include <openssl/crypto.h>

#include "hex.h"

unsigned int
ct_range(unsigned int c, unsigned int lo, unsigned int hi)
{
	/* Both differences are negative (high bits set) only inside. */
	return ((((lo - 1) - c) & (c - (hi + 1))) >> 8) & 0xff;
}

void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i;
	unsigned int hi, lo;

	/*
	 * Arithmetic instead of a table look-up, so encoding a secret does
	 * not touch memory at secret-dependent addresses.
	 */
	for (i = 0; i < len; i++) {
		hi = in[i] >> 4;
		lo = in[i] & 0x0f;
		out[2 * i] = (char)(hi + '0' +
		    (ct_range(hi, 10, 15) & ('a' - '0' - 10)));
		out[2 * i + 1] = (char)(lo + '0' +
		    (ct_range(lo, 10, 15) & ('a' - '0' - 10)));
	}
	out[2 * len] = '\0';
}

/* Value of a hex digit, or a value above 0xff when c is not one. */
static unsigned int
ct_hexval(unsigned int c)
{
	unsigned int d, l, u;

	d = ct_range(c, '0', '9');
	l = ct_range(c, 'a', 'f');
	u = ct_range(c, 'A', 'F');
	return (d & (c - '0')) | (l & (c - 'a' + 10)) | (u & (c - 'A' + 10)) |
	    ((((d | l | u) ^ 0xff) << 1) & 0x100);
}

int
hex_decode(const char *in, uint8_t *out, size_t outlen)
{
	unsigned int bad = 0, hi, lo;
	size_t i;

	if (in == NULL || (out == NULL && outlen != 0))
		return -1;
	/*
	 * The string must hold exactly 2 * outlen digits and end there;
	 * its length is public, so stopping early at a NUL is fine.
	 */
	for (i = 0; i < 2 * outlen; i++) {
		if (in[i] == '\0')
			return -1;
	}
	if (in[2 * outlen] != '\0')
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = ct_hexval((unsigned char)in[2 * i]);
		lo = ct_hexval((unsigned char)in[2 * i + 1]);
		bad |= (hi | lo) & 0x100;
		out[i] = (uint8_t)((hi << 4) | (lo & 0x0f));
	}
	if (bad != 0) {
		OPENSSL_cleanse(out, outlen);
		return -1;
	}
	return 0;
}

int
hex_is_lower(const char *s, size_t len)
{
	unsigned int bad = 0, c;
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		bad |= (ct_range(c, '0', '9') | ct_range(c, 'a', 'f')) ^ 0xff;
	}
	return bad == 0;
}
