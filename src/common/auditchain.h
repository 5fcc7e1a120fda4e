/*
 * The audit log's tamper evidence (DESIGN 7), shared by the monitor, which
 * writes records, and mcpctl, which verifies them.
 *
 * A record is one line of compact JSON whose last member is "mac":
 *
 *	{"ts":...,...,"seq":N,"prev":"<64 hex>","mac":"<64 hex>"}
 *
 * body = the line with its trailing ,"mac":"<64 hex>" removed, i.e. the
 * record as serialised before the mac was added (ending in "}").
 * mac  = HMAC-SHA256(key, body), lower-case hex.
 * prev = SHA-256 of the previous record's complete line (without the
 *        newline), lower-case hex; 64 zeros for the first record (seq 1).
 */
#ifndef MCPD_AUDITCHAIN_H
#define MCPD_AUDITCHAIN_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_KEY_MIN		32
#define AUDIT_KEY_MAX		4096
#define AUDIT_HEX_LEN		64
#define AUDIT_MAC_SUFFIX_LEN	(8 + AUDIT_HEX_LEN + 2) /* ,"mac":"..."} */
#define AUDIT_LINE_MAX		(1024 * 1024)

/* HMAC-SHA256(key, body) as hex into out[65]; 0 or -1. */
int	auditchain_mac(const uint8_t *key, size_t keylen, const char *body,
	    size_t bodylen, char out[AUDIT_HEX_LEN + 1]);
/* SHA-256(line) as hex into out[65]; 0 or -1. */
int	auditchain_hash(const char *line, size_t len,
	    char out[AUDIT_HEX_LEN + 1]);
/*
 * Split a complete line (no newline) into its body length and mac.
 * Returns 0 if the line ends in ,"mac":"<64 hex>"}, else -1.
 */
int	auditchain_split(const char *line, size_t len, size_t *bodylen,
	    char mac[AUDIT_HEX_LEN + 1]);
/*
 * Read a key file: a regular file, not a symbolic link, owned by root or
 * the running user, with no group or other permission bits (see
 * secret_file_check), at least AUDIT_KEY_MIN bytes, at most AUDIT_KEY_MAX.
 * The caller wipes and frees *key.  0 or -1 with err.
 */
int	auditchain_load_key(const char *path, uint8_t **key, size_t *keylen,
	    char *err, size_t errlen);

#endif /* MCPD_AUDITCHAIN_H */
