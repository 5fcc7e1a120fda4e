/*
 * The audit log's forward-secure MAC key (mcpd(8), AUDIT LOG ANCHORING),
 * shared by the monitor, which evolves it, and mcpctl, which derives it
 * again from the initial key to verify.
 *
 * K_0 is the content of AuditKeyFile.  At each checkpoint the key moves
 * one epoch on:
 *
 *	K_{e+1} = HMAC-SHA256(K_e, "mcpd audit key v1" || 0x00 || uint64be(e+1))
 *
 * and K_e is wiped, so that whoever reads the host's memory and disk later
 * holds only the current key, which cannot MAC a record of an earlier
 * epoch (Bellare and Yee's forward-secure MAC by key evolution).  The
 * current key lives in the key state file, AuditLog + ".keystate", which
 * the monitor replaces atomically (write, fsync, rename, fsync of the
 * directory) at every checkpoint.  The state also holds the seq and the
 * line hash of the last checkpoint, so that a log cut back behind it is
 * noticed at start.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_AUDITKEY_H
#define MCPD_AUDITKEY_H

#include <stddef.h>
#include <stdint.h>

#include "auditchain.h"

#define AUDITKEY_LABEL		"mcpd audit key v1"
#define AUDITKEY_EVOLVED_LEN	32	/* SHA-256 */
#define AUDITKEY_STATE_SUFFIX	".keystate"
/*
 * AUDITKEY_EPOCH_MAX caps the work an epoch number read from a file can
 * make us do (2^28 HMACs, a few minutes); a checkpoint every second would
 * take eight years to get there, the default five minutes 2500 years.
 * Where the epoch of a record is not written down (a plain record read
 * without the key state, or first in a file checked with --continued),
 * the keys of epochs 0 to AUDIT_EPOCH_SEARCH_MAX are tried: about a second
 * of work.
 *
 * The fuzzers run the same code with far lower bounds: nearly every input
 * they make is a log whose first record fails, and a second for each (or
 * minutes for a forged epoch near the maximum) would leave them no time
 * for anything else.
 */
#ifdef MCPD_FUZZ
#define AUDITKEY_EPOCH_MAX	(1ULL << 14)
#define AUDIT_EPOCH_SEARCH_MAX	(1ULL << 8)
#else
#define AUDITKEY_EPOCH_MAX	(1ULL << 28)
#define AUDIT_EPOCH_SEARCH_MAX	(1ULL << 20)
#endif

struct auditkey_state {
	uint64_t	 epoch;
	long long	 cp_seq;			/* 0: none yet */
	char		 cp_hash[AUDIT_HEX_LEN + 1];	/* zeros if none */
	uint8_t		*key;				/* locked; keylen */
	size_t		 keylen;
};

/* K_{epoch+1} from K_epoch into out[32]; 0 or -1. */
int	auditkey_evolve(const uint8_t *key, size_t keylen, uint64_t epoch,
	    uint8_t out[AUDITKEY_EVOLVED_LEN]);
/*
 * Replace st's key (of epoch st->epoch) by the key of epoch `to` (>= the
 * current one), wiping every intermediate key.  0 or -1.
 */
int	auditkey_advance(struct auditkey_state *st, uint64_t to);
/* A state at epoch 0 holding a copy of key (locked memory).  0 or -1. */
int	auditkey_init(struct auditkey_state *st, const uint8_t *key,
	    size_t keylen);
/* Wipe and free the key; st can be reused. */
void	auditkey_clear(struct auditkey_state *st);
/* logpath + AUDITKEY_STATE_SUFFIX into out; 0, or -1 if too long. */
int	auditkey_state_path(const char *logpath, char *out, size_t outlen);
/*
 * Load the state file at path: a secret file (secret_file_check).
 * Returns 0, 1 if there is no file at path, or -1 with err.
 */
int	auditkey_state_load(const char *path, struct auditkey_state *st,
	    char *err, size_t errlen);
/* Replace the state file atomically, mode 0600.  0 or -1 with err. */
int	auditkey_state_store(const char *path, const struct auditkey_state *st,
	    char *err, size_t errlen);

#endif /* MCPD_AUDITKEY_H */
