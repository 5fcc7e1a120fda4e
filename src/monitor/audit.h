/*
 * The audit log writer (doc/audit.md), in the monitor.  One JSON line per
 * decision, hash-chained and MACed (see auditchain.h), appended to a file
 * opened O_APPEND|O_NOFOLLOW, mode 0600.  A record that cannot be written in
 * full is an error the caller must act on (fail closed).
 */
#ifndef MCPD_AUDIT_H
#define MCPD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct audit;

/* Values of the "decision" field. */
#define AUDIT_ALLOWED		"ALLOWED"
#define AUDIT_DENIED		"DENIED"
#define AUDIT_AUTH_FAILED	"AUTH_FAILED"
#define AUDIT_RATE_LIMITED	"RATE_LIMITED"
#define AUDIT_ERROR		"ERROR"

/*
 * A record; NULL strings and negative numbers are written as JSON null.
 * Strings are escaped by the JSON encoder, so client text (ids, names,
 * clientInfo) cannot split a line.  Strings that are not valid UTF-8 are
 * written with each invalid byte replaced by U+FFFD.
 */
struct audit_rec {
	const char	 *event;	/* "tools/call", "tools/list", ... */
	const char	 *decision;	/* AUDIT_* or NULL */
	const char	 *user;
	char *const	 *roles;
	size_t		  nroles;
	const char	 *method;	/* "apikey", "none", ... */
	const char	 *credential;	/* fingerprint (12 hex) */
	const char	 *tool;
	const char	 *required;
	const char	 *reason;
	const char	 *source;	/* "stdio" or ip:port */
	const char	 *client;	/* clientInfo JSON text */
	const char	 *request_id;	/* JSON-RPC id as JSON text */
	const char	 *args_sha256;
	const char	 *args;		/* AuditArguments full only */
	long long	  duration_ms;	/* -1: none */
	/*
	 * Cancellations (written only when set): the subject that cancelled
	 * a call, and on a refused attempt, the subject whose call it named.
	 */
	const char	 *cancelled_by;
	const char	 *owner;
	/*
	 * > 0: the record stands for this many refusals like it, made since
	 * the time in `since' (RFC 3339) and not written one by one
	 * (auditagg.h).  Otherwise neither field is written.
	 */
	long long	  count;
	const char	 *since;
};

/*
 * Open (create) the log and continue the chain from its last record,
 * after checking the log and its directory (owned by root or the running
 * user, not writable by group or others), the key state beside it
 * (auditkey.h), and that the last record verifies under the current key
 * and does not end before the last checkpoint: otherwise -1, with a
 * message naming the file, the line and the way to recover.  key is the
 * initial key (AuditKeyFile), copied; it may be NULL once the key state
 * exists.  sync is AUDIT_SYNC_*.  Returns 0 or -1 with err.
 */
int	audit_open(struct audit **, const char *path, const uint8_t *key,
	    size_t keylen, int sync, char *err, size_t errlen);
/*
 * AuditCheckpoint: a checkpoint after every `records` records and, through
 * audit_tick(), every `seconds` seconds in which records were written;
 * 0 turns either off.  Off until called.
 */
void	audit_set_checkpoint(struct audit *, long records, long seconds);
/* Write a checkpoint now (key evolution, syslog).  0 or -1 with err. */
int	audit_checkpoint(struct audit *, char *err, size_t errlen);
/* Called about once a second: a checkpoint if one is due.  0 or -1. */
int	audit_tick(struct audit *, char *err, size_t errlen);
/* The key state file beside the log. */
const char *audit_state_path(const struct audit *);
/* Write one record.  0, or -1 with err: the caller must fail closed. */
int	audit_write(struct audit *, const struct audit_rec *,
	    char *err, size_t errlen);
/*
 * Reopen the path (SIGUSR1, after logrotate).  The chain continues across
 * files.  On failure the log stays closed and every audit_write fails until
 * a reopen succeeds.  0 or -1 with err.
 */
int	audit_reopen(struct audit *, char *err, size_t errlen);
/* fdatasync if AuditSync batch left records unsynced. */
int	audit_flush(struct audit *);
void	audit_close(struct audit *);
const char *audit_path(const struct audit *);
/*
 * The "ts" field: RFC 3339 UTC with milliseconds (truncated, not rounded),
 * e.g. 2026-11-26T10:15:32.123Z.  0, or -1 if len is too small.
 */
#define AUDIT_TS_LEN	24	/* without the NUL */
int	audit_format_ts(const struct timespec *, char *buf, size_t len);

#endif /* MCPD_AUDIT_H */
