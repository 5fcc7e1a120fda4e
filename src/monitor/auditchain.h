/*
 * The audit log's tamper evidence (doc/audit.md, section 3), shared by the
 * monitor, which writes records, and mcpctl, which verifies them.
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

/*
 * Anchoring (mcpd(8), AUDIT LOG ANCHORING).  Two kinds of record are
 * written by mcpd itself rather than for a request:
 *
 *	{"ts":...,"seq":N,"event":"checkpoint","instance":"host",
 *	 "epoch":E,"records":R,"prev":...,"mac":...}
 *
 * opens key epoch E (auditkey.h): it and the records after it, up to the
 * next checkpoint, are MACed with K_E; R records were written since the
 * previous checkpoint (or since mcpd started, if later).  Its seq and the SHA-256 of its line are the
 * "SEQ:HASH" that mcpd sends to syslog and that mcpctl audit verify
 * --expect checks.
 *
 *	{"ts":...,"seq":1,"event":"chain-start","instance":"host",
 *	 "epoch":E,"reason":"...","old_file":"..."|null,"old_seq":N,
 *	 "old_hash":"<64 hex>","prev":"<64 zeros>","mac":...}
 *
 * is the first record of a new chain that replaces a broken or lost one
 * (mcpctl audit new-chain, or mcpd finding its log empty while the key
 * state names a checkpoint); it names where the old chain ended.  The
 * records of a log without either are of epoch 0, as logs written before
 * anchoring are.
 */
#define AUDIT_EVENT_CHECKPOINT	"checkpoint"
#define AUDIT_EVENT_CHAIN_START	"chain-start"

#define AUDIT_KIND_RECORD	0
#define AUDIT_KIND_CHECKPOINT	1
#define AUDIT_KIND_CHAIN_START	2

struct audit_marker {
	const char	*event;		/* AUDIT_EVENT_* */
	const char	*ts;
	long long	 seq;
	const char	*instance;
	uint64_t	 epoch;
	long long	 records;	/* checkpoint */
	const char	*reason;	/* chain-start */
	const char	*old_file;	/* chain-start, NULL if unknown */
	long long	 old_seq;	/* chain-start */
	const char	*old_hash;	/* chain-start */
	const char	*prev;
};

/*
 * The line of a checkpoint or chain-start record, MACed with key, with
 * its newline (*linelen counts it not) and the SHA-256 of the line.  The
 * caller frees *line.  0 or -1 with err.
 */
int	auditchain_marker_line(const struct audit_marker *m,
	    const uint8_t *key, size_t keylen, char **line, size_t *linelen,
	    char hash[AUDIT_HEX_LEN + 1], char *err, size_t errlen);
/*
 * The kind of a record line (AUDIT_KIND_*), its seq, for a checkpoint or
 * chain-start its epoch, and, when prev is not NULL, its "prev" (which
 * must then be 64 lowercase hex digits).  -1 if the line is not a record.
 * One parse of the line gives all of them.
 */
int	auditchain_classify(const char *line, size_t len, long long *seq,
	    int *kind, uint64_t *epoch, char prev[AUDIT_HEX_LEN + 1]);
/* Whether s is len == 64 lowercase hex digits (a SHA-256 or a MAC). */
int	auditchain_is_hex64(const char *s, size_t len);

#endif /* MCPD_AUDITCHAIN_H */
