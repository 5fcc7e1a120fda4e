/*
 * Unpadded base64url (RFC 7515 appendix C), one copy for the monitor
 * (tokens, JWKS keys, certificate thumbprints) and mcpctl (the tokens and
 * JWKS it makes).  Decoding is strict, so that a byte string has one
 * encoding only.
 */

#include <stddef.h>
#include <stdint.h>

#include "b64url.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t
b64url_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	uint32_t v;

	if (out == NULL || outlen == 0)
		return 0;
	out[0] = '\0';
	if ((in == NULL && len > 0) || len > SIZE_MAX / 2 ||
	    B64URL_LEN(len) >= outlen)
		return 0;
	for (i = 0; i + 3 <= len; i += 3) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return o;
}

int
b64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax,
    size_t *outlenp)
{
	size_t i, o = 0, need;
	uint32_t acc = 0;
	unsigned int nbits = 0;
	int v;

	if (outlenp != NULL)
		*outlenp = 0;
	/* No output buffer decodes nothing but the empty string. */
	if (outlenp == NULL || (in == NULL && len > 0) ||
	    (out == NULL && (outmax > 0 || len > 0)))
		return -1;
	/* One character carries 6 bits: less than a byte. */
	if (len % 4 == 1)
		return -1;
	need = (len / 4) * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > outmax)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(acc >> nbits);
		}
	}
	/* Bits left over must be zero: one encoding per byte string. */
	if (nbits > 0 && (acc & ((1U << nbits) - 1)) != 0)
		return -1;
	*outlenp = o;
	return 0;
}
