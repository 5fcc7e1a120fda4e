/*
 * Unpadded base64url (RFC 7515 appendix C), the encoding of JWS tokens,
 * JWK members and certificate thumbprints: the monitor decodes tokens and
 * keys with it and mcpctl encodes the tokens and JWKS it makes, so both
 * use this one copy.
 */
#ifndef MCPD_B64URL_H
#define MCPD_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Characters of the encoding of n bytes (without the NUL). */
#define B64URL_LEN(n)	(((n) / 3) * 4 + (((n) % 3) * 4 + 2) / 3)

/*
 * Write the NUL-terminated encoding of in[0..len) to out and return its
 * length, or 0 with out[0] = '\0' when outlen is too small (it needs
 * B64URL_LEN(len) + 1).
 */
size_t	b64url_encode(const uint8_t *in, size_t len, char *out,
	    size_t outlen);
/*
 * Strict decoding: only the alphabet, no padding, no stray bits.  0 with
 * *outlenp set, or -1 (outmax too small counts as an error).
 */
int	b64url_decode(const char *in, size_t len, uint8_t *out,
	    size_t outmax, size_t *outlenp);

#endif /* MCPD_B64URL_H */
