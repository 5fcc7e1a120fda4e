/*
 * API key format (mcpctl(1), API KEYS): "mcpk_" + 8-character key id + "_" +
 * 43 characters of base64url (256 random bits, no padding).  Shared by
 * mcpctl, which makes keys, and the monitor, which checks them.
 */
#ifndef MCPD_APIKEY_H
#define MCPD_APIKEY_H

#include <stddef.h>
#include <stdint.h>

#define APIKEY_PREFIX		"mcpk_"
#define APIKEY_ID_LEN		8
#define APIKEY_SECRET_LEN	43
#define APIKEY_LEN		(5 + APIKEY_ID_LEN + 1 + APIKEY_SECRET_LEN)

/*
 * Generate a new key into key (APIKEY_LEN + 1 bytes) from the OpenSSL
 * CSPRNG; the id (APIKEY_ID_LEN + 1 bytes) is also copied out.
 * Returns 0 or -1.
 */
int	apikey_generate(char *key, size_t keylen, char *id, size_t idlen);
/*
 * Check that s[0..len) has the exact key syntax and copy the key id out.
 * Returns 0 or -1.  Runs in time independent of the secret part's value.
 */
int	apikey_parse(const char *s, size_t len, char *id, size_t idlen);
/* Whether s is a syntactically valid key id. */
int	apikey_valid_id(const char *s);
/* SHA-256 of the whole key string. */
int	apikey_hash(const char *s, size_t len, uint8_t out[32]);

/*
 * Credential fingerprint for logs and audit (doc/audit.md, section 2): the
 * first 12 hex digits of SHA-256(data).  out must hold 13 bytes.
 */
void	credential_fingerprint(const void *data, size_t len, char out[13]);

#endif /* MCPD_APIKEY_H */
