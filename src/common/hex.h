/*
 * Lower-case hexadecimal (hex.c), constant-time, shared by every process.
 */
#ifndef MCPD_HEX_H
#define MCPD_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void	hex_encode(const uint8_t *in, size_t len, char *out);
/*
 * Exactly 2 * outlen hex digits (either case) and a NUL into out;
 * returns 0 or -1 (out wiped).
 */
int	hex_decode(const char *in, uint8_t *out, size_t outlen);
/*
 * Whether s[0..len) are all lower-case hex digits, what hex_encode
 * writes; in time independent of their values.
 */
int	hex_is_lower(const char *s, size_t len);
/*
 * 0xff if lo <= c <= hi, else 0, without a branch on c: for character
 * classes of secrets (hex_decode, the secret part of an API key).
 */
unsigned int ct_range(unsigned int c, unsigned int lo, unsigned int hi);

#endif /* MCPD_HEX_H */
