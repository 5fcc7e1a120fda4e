/*
 * The audit log writer (doc/audit.md), in the monitor.
 *
 * Each record is one line of compact, pure-ASCII JSON, hash-chained to the
 * previous line and MACed (auditchain.h), appended with a single write(2)
 * so that a record is either in the file whole or flagged as broken.  The
 * chain state (seq, prev) lives in memory and carries over log rotation
 * (audit_reopen) and restarts (audit_open reads the last line back).
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auditchain.h"
#include "auditkey.h"
#include "audit.h"
#include "audit_int.h"
#include "fileio.h"
#include "config.h"
#include "log.h"
#include "secretfile.h"
#include "xmalloc.h"

/* AuditSync batch: fdatasync at least every this many records. */
#define AUDIT_BATCH_RECORDS	64
/* Room for a host name in checkpoints (HOST_NAME_MAX is 64 on Linux). */
#define AUDIT_INSTANCE_MAX	256

struct audit {
	char		*path;
	char		*statepath;	/* path + AUDITKEY_STATE_SUFFIX */
	int		 fd;		/* -1 while closed */
	int		 broken;	/* write failed: refuse until reopen */
	int		 sync;		/* AUDIT_SYNC_* */
	struct auditkey_state ks;	/* current key, epoch, checkpoint */
	long long	 seq;		/* seq of the last record written */
	char		 prev[AUDIT_HEX_LEN + 1];	/* its line's hash */
	unsigned int	 unsynced;	/* records written since fdatasync */
	long		 cp_records;	/* AuditCheckpoint N, 0: none */
	long		 cp_seconds;	/* AuditCheckpoint DURATION, 0: none */
	long long	 since_cp;	/* records since the last checkpoint */
	struct timespec	 last_cp;	/* CLOCK_MONOTONIC */
	char		 instance[AUDIT_INSTANCE_MAX];
};

/* fdatasync, retried on EINTR.  0 or -1 with errno. */
static int
sync_fd(int fd)
{
	int r;

	while ((r = fdatasync(fd)) == -1 && errno == EINTR)
		;
	return r;
}

/*
 * The directory of the log: whoever may write it can rename the log away
 * and put another file in its place, so it is held to the log's rules.
 */
static int
dir_check(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int fd, r;

	if ((fd = open_parent_dir(path, dir, sizeof(dir))) == -1) {
		if (errno == ENAMETOOLONG)
			snprintf(err, errlen, "audit log path too long: %s",
			    path);
		else
			snprintf(err, errlen, "cannot open audit log "
			    "directory %s: %s", dir, strerror(errno));
		return -1;
	}
	r = secret_owner_check(fd, dir, "audit log directory", err, errlen);
	(void)close(fd);
	return r;
}

/*
 * Open path for appending, refusing symlinks and anything but a regular
 * file, and open it again for reading so the caller can look at the tail.
 * The two opens are checked to have reached the same file.
 */
static int
log_open(const char *path, int *wfdp, int *rfdp, off_t *sizep, char *err,
    size_t errlen)
{
	struct stat st, rst;
	int wfd, rfd = -1, fl;

	*wfdp = *rfdp = -1;
	/* O_NONBLOCK: a FIFO at the path must not hang the monitor. */
	if ((wfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600)) == -1) {
		snprintf(err, errlen, "cannot open audit log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(wfd, &st) == -1) {
		snprintf(err, errlen, "cannot stat audit log %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "audit log %s is not a regular file",
		    path);
		goto fail;
	}
	if (secret_owner_check(wfd, path, "audit log", err, errlen) != 0 ||
	    dir_check(path, err, errlen) != 0)
		goto fail;
	/*
	 * One writer per log: a second mcpd on the same file would fork
	 * the chain, and mcpctl audit new-chain must not move a log that
	 * is in use.  The lock goes with the descriptor.
	 */
	if (flock(wfd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errlen, "audit log %s is in use by another "
		    "process (another mcpd?): %s", path, strerror(errno));
		goto fail;
	}
	if ((fl = fcntl(wfd, F_GETFL)) == -1 ||
	    fcntl(wfd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "cannot set flags on audit log %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	if ((rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open audit log %s for reading: "
		    "%s", path, strerror(errno));
		goto fail;
	}
	if (fstat(rfd, &rst) == -1) {
		snprintf(err, errlen, "cannot stat audit log %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (rst.st_dev != st.st_dev || rst.st_ino != st.st_ino) {
		snprintf(err, errlen, "audit log %s was replaced while being "
		    "opened", path);
		goto fail;
	}
	*wfdp = wfd;
	*rfdp = rfd;
	*sizep = rst.st_size;
	return 0;
 fail:
	if (rfd != -1)
		(void)close(rfd);
	(void)close(wfd);
	return -1;
}

/* pread exactly n bytes at off; 0, or -1 (errno 0 if the file was short). */
static int
pread_full(int fd, char *buf, size_t n, off_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = pread(fd, buf + done, n - done, off + (off_t)done);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0) {
			errno = 0;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* The number of the line that ends at the end of the file. */
static unsigned long long
count_lines(int rfd, off_t size)
{
	char buf[65536];
	unsigned long long n = 0;
	off_t off = 0;
	ssize_t r, i;
	char last = '\n';

	while (off < size) {
		r = pread(rfd, buf, sizeof(buf), off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (i = 0; i < r; i++)
			n += buf[i] == '\n';
		last = buf[r - 1];
		off += r;
	}
	/* A last line without its newline is a line too. */
	return n + (last != '\n');
}

/*
 * The refusal to continue a chain: it names the file, the line and the
 * way out, so that an operator knows what to keep and what to run.
 */
static void
tail_refusal(const struct audit *a, int rfd, off_t size, const char *why,
    char *err, size_t errlen)
{
	snprintf(err, errlen, "%s, line %llu: %s; mcpd will not continue a "
	    "chain it cannot verify.  Keep the file as evidence and check it "
	    "with \"mcpctl audit verify %s --key-file KEY\"; to start a new "
	    "chain whose first record names this one's end, stop mcpd and run "
	    "\"mcpctl audit new-chain %s\" (see mcpd(8), AUDIT LOG "
	    "ANCHORING)", a->path, count_lines(rfd, size), why, a->path,
	    a->path);
}

/*
 * A plain last record made with the key one epoch ahead of the state's:
 * a checkpoint was written and the state could not be stored (mcpd said
 * so, loudly), and records followed.  Evolve the state to that key if it
 * is the one.  calc gets the MAC under the next key; 0, or -1 on trouble.
 */
static int
try_next_epoch(struct audit *a, char *line, size_t bodylen, const char *mac,
    char calc[AUDIT_HEX_LEN + 1], int *dirty)
{
	uint8_t next[AUDITKEY_EVOLVED_LEN];
	int r;

	if (auditkey_evolve(a->ks.key, a->ks.keylen, a->ks.epoch, next) != 0)
		return -1;
	line[bodylen - 1] = '}';
	r = auditchain_mac(next, sizeof(next), line, bodylen, calc);
	line[bodylen - 1] = ',';
	OPENSSL_cleanse(next, sizeof(next));
	if (r != 0)
		return -1;
	if (CRYPTO_memcmp(calc, mac, AUDIT_HEX_LEN) != 0)
		return 0;
	*dirty = 1;
	return auditkey_advance(&a->ks, a->ks.epoch + 1);
}

/*
 * Continue the chain from the file's last line, after checking that it
 * is a record this key made (its MAC), that it belongs to the key's
 * epoch, and that the file does not end before the last checkpoint the
 * key state remembers.  Anything else is refused, never papered over:
 * a log cut back or rewritten must not be silently extended.
 * have_state: the key state came from its file (else it starts at K_0
 * and the epoch of the last record is searched for).  *dirty is set
 * when the state changed and must be stored.
 */
static int
read_tail(struct audit *a, int rfd, off_t size, int have_state, int *dirty,
    char *err, size_t errlen)
{
	char mac[AUDIT_HEX_LEN + 1], calc[AUDIT_HEX_LEN + 1], why[256];
	char *buf, *line, *nl;
	size_t want, len, bodylen;
	long long seq;
	uint64_t epoch;
	int kind, ret = -1, r;

	/* The longest line, its newline, and the newline before it. */
	want = size > AUDIT_LINE_MAX + 2 ? AUDIT_LINE_MAX + 2 : (size_t)size;
	if ((buf = malloc(want)) == NULL) {
		snprintf(err, errlen, "out of memory reading audit log %s",
		    a->path);
		return -1;
	}
	if (pread_full(rfd, buf, want, size - (off_t)want) == -1) {
		snprintf(err, errlen, "cannot read audit log %s: %s", a->path,
		    errno == 0 ? "file shrank" : strerror(errno));
		goto out;
	}
	if (buf[want - 1] != '\n') {
		tail_refusal(a, rfd, size, "previous log tail unreadable: the "
		    "last line is incomplete (no newline at the end)", err,
		    errlen);
		goto out;
	}
	if ((nl = memrchr(buf, '\n', want - 1)) != NULL)
		line = nl + 1;
	else if ((off_t)want < size) {
		tail_refusal(a, rfd, size, "previous log tail unreadable: the "
		    "last line is too long", err, errlen);
		goto out;
	} else
		line = buf;
	len = (size_t)(buf + want - 1 - line);
	if (auditchain_classify(line, len, &seq, &kind, &epoch, NULL) == -1) {
		tail_refusal(a, rfd, size, "previous log tail unreadable: the "
		    "last line is not an audit record", err, errlen);
		goto out;
	}
	if (auditchain_split(line, len, &bodylen, mac) == -1) {
		tail_refusal(a, rfd, size, "previous log tail unreadable: the "
		    "last record has no MAC", err, errlen);
		goto out;
	}
	/*
	 * Checked first: a log cut back behind the last checkpoint ends in
	 * an older epoch, whose MAC the current key cannot check anyway.
	 */
	if (have_state && seq < a->ks.cp_seq) {
		snprintf(why, sizeof(why), "the log ends at seq %lld, before "
		    "the last checkpoint (seq %lld) that %s remembers: records "
		    "were removed from its end", seq, a->ks.cp_seq,
		    a->statepath);
		tail_refusal(a, rfd, size, why, err, errlen);
		goto out;
	}
	/* Which key made it: the state's, or the next (see below). */
	if (!have_state) {
		/*
		 * No state (a log written before anchoring, or the state
		 * lost): only the initial key is at hand, and the epoch of
		 * a plain record is unknown, so find the key that made it.
		 */
		if (kind != AUDIT_KIND_RECORD)
			r = auditkey_advance(&a->ks, epoch);
		else
			r = 0;
		for (;;) {
			if (r != 0)
				break;
			line[bodylen - 1] = '}';
			r = auditchain_mac(a->ks.key, a->ks.keylen, line,
			    bodylen, calc);
			line[bodylen - 1] = ',';
			if (r != 0 || CRYPTO_memcmp(calc, mac,
			    AUDIT_HEX_LEN) == 0 || kind != AUDIT_KIND_RECORD ||
			    a->ks.epoch >= AUDIT_EPOCH_SEARCH_MAX)
				break;
			r = auditkey_advance(&a->ks, a->ks.epoch + 1);
		}
		*dirty = 1;
	} else if (kind != AUDIT_KIND_RECORD && epoch == a->ks.epoch + 1) {
		/*
		 * A checkpoint made it to the log but mcpd stopped before
		 * it stored the evolved key: evolve now.
		 */
		r = auditkey_advance(&a->ks, epoch);
		a->ks.cp_seq = seq;
		*dirty = 1;
	} else if (kind != AUDIT_KIND_RECORD && epoch != a->ks.epoch) {
		snprintf(why, sizeof(why), "the last record (seq %lld) opens "
		    "key epoch %llu, but the key state %s is at epoch %llu "
		    "(records were removed from the end, or the state is not "
		    "this log's)", seq, (unsigned long long)epoch,
		    a->statepath, (unsigned long long)a->ks.epoch);
		tail_refusal(a, rfd, size, why, err, errlen);
		goto out;
	} else
		r = 0;
	if (r != 0) {
		snprintf(err, errlen, "cannot derive the audit key for %s",
		    a->path);
		goto out;
	}
	line[bodylen - 1] = '}';
	r = auditchain_mac(a->ks.key, a->ks.keylen, line, bodylen, calc);
	line[bodylen - 1] = ',';
	if (r == 0 && have_state && kind == AUDIT_KIND_RECORD &&
	    CRYPTO_memcmp(calc, mac, AUDIT_HEX_LEN) != 0)
		r = try_next_epoch(a, line, bodylen, mac, calc, dirty);
	if (r != 0) {
		snprintf(err, errlen, "cannot compute audit record MAC");
		goto out;
	}
	if (CRYPTO_memcmp(calc, mac, AUDIT_HEX_LEN) != 0) {
		snprintf(why, sizeof(why), "the last record (seq %lld) does "
		    "not verify (MAC mismatch: altered, forged, or made with "
		    "another key)", seq);
		tail_refusal(a, rfd, size, why, err, errlen);
		goto out;
	}
	if (auditchain_hash(line, len, a->prev) == -1) {
		snprintf(err, errlen, "cannot hash the last line of audit log "
		    "%s", a->path);
		goto out;
	}
	if (have_state && seq == a->ks.cp_seq && !*dirty &&
	    strcmp(a->prev, a->ks.cp_hash) != 0) {
		snprintf(why, sizeof(why), "the last record (seq %lld) is not "
		    "the checkpoint that %s remembers: the log was replaced",
		    seq, a->statepath);
		tail_refusal(a, rfd, size, why, err, errlen);
		goto out;
	}
	if (*dirty && kind != AUDIT_KIND_RECORD) {
		a->ks.cp_seq = seq;
		memcpy(a->ks.cp_hash, a->prev, sizeof(a->ks.cp_hash));
	}
	a->seq = seq;
	ret = 0;
 out:
	free(buf);
	return ret;
}

/*
 * Append one complete line (linelen bytes and its newline at line[linelen])
 * with a single write(2), and advance the chain to it.  With force_sync
 * the line reaches the disk whatever AuditSync says (checkpoints: the key
 * state is stored only after the record that opens the new epoch is
 * safe).  0, or -1 with err; a failed write makes the log unusable until
 * a reopen.
 */
static int
append_line(struct audit *a, const char *line, size_t linelen,
    long long seq, const char hash[AUDIT_HEX_LEN + 1], int force_sync,
    char *err, size_t errlen)
{
	ssize_t n;

	/* One write(2): O_APPEND puts the whole line at the end at once. */
	while ((n = write(a->fd, line, linelen + 1)) == -1 && errno == EINTR)
		;
	if (n == -1 || (size_t)n != linelen + 1) {
		/*
		 * A short write leaves part of a line behind, and errors
		 * such as ENOSPC or EIO say the file cannot be trusted to
		 * take the next record: refuse everything until reopen.
		 */
		if (n == -1)
			snprintf(err, errlen, "write to audit log %s failed: "
			    "%s", a->path, strerror(errno));
		else
			snprintf(err, errlen, "short write to audit log %s "
			    "(%zd of %zu bytes)", a->path, n, linelen + 1);
		a->broken = 1;
		return -1;
	}
	/*
	 * The line is in the file: the chain advances even if the sync
	 * below fails, so that the file stays verifiable if the data did
	 * reach the disk.
	 */
	a->seq = seq;
	memcpy(a->prev, hash, sizeof(a->prev));
	if (a->sync == AUDIT_SYNC_BATCH)
		a->unsynced++;
	if (force_sync || a->sync == AUDIT_SYNC_ALWAYS ||
	    (a->sync == AUDIT_SYNC_BATCH &&
	    a->unsynced >= AUDIT_BATCH_RECORDS)) {
		if (sync_fd(a->fd) == -1) {
			snprintf(err, errlen, "fdatasync of audit log %s "
			    "failed: %s", a->path, strerror(errno));
			a->broken = 1;
			return -1;
		}
		a->unsynced = 0;
	}
	return 0;
}

static int
now_ts(char ts[AUDIT_TS_LEN + 1], char *err, size_t errlen)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1 ||
	    audit_format_ts(&now, ts, AUDIT_TS_LEN + 1) == -1) {
		snprintf(err, errlen, "cannot read the clock for the audit "
		    "log");
		return -1;
	}
	return 0;
}

/*
 * Write a checkpoint: the record that opens the next key epoch, MACed
 * with the next key.  Only once it is on disk does the key evolve, the
 * old one get wiped and the state file get the new one: a crash in
 * between leaves a log whose last record is one epoch ahead of the state,
 * which audit_open() recognises and completes.  Then the checkpoint goes
 * to syslog (LOG_AUTHPRIV), off the file.
 */
static int
write_checkpoint(struct audit *a, char *err, size_t errlen)
{
	uint8_t next[AUDITKEY_EVOLVED_LEN];
	char ts[AUDIT_TS_LEN + 1], hash[AUDIT_HEX_LEN + 1], serr[256];
	struct audit_marker m;
	char *line = NULL;
	size_t linelen;
	int ret = -1;

	if (a->fd == -1 || a->broken) {
		snprintf(err, errlen, "audit log %s is not writable; no "
		    "checkpoint", a->path);
		return -1;
	}
	if (a->seq == LLONG_MAX || a->ks.epoch >= AUDITKEY_EPOCH_MAX) {
		snprintf(err, errlen, "audit log %s: seq or key epoch "
		    "exhausted", a->path);
		return -1;
	}
	if (now_ts(ts, err, errlen) == -1)
		return -1;
	if (auditkey_evolve(a->ks.key, a->ks.keylen, a->ks.epoch,
	    next) != 0) {
		snprintf(err, errlen, "cannot evolve the audit key");
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.event = AUDIT_EVENT_CHECKPOINT;
	m.ts = ts;
	m.seq = a->seq + 1;
	m.instance = a->instance;
	m.epoch = a->ks.epoch + 1;
	m.records = a->since_cp;
	m.prev = a->prev;
	if (auditchain_marker_line(&m, next, sizeof(next), &line, &linelen,
	    hash, err, errlen) != 0 ||
	    append_line(a, line, linelen, m.seq, hash, 1, err, errlen) != 0)
		goto out;
	if (auditkey_advance(&a->ks, m.epoch) != 0) {
		/* Cannot happen: the same computation succeeded above. */
		snprintf(err, errlen, "cannot evolve the audit key");
		a->broken = 1;
		goto out;
	}
	a->ks.cp_seq = m.seq;
	memcpy(a->ks.cp_hash, hash, sizeof(a->ks.cp_hash));
	a->since_cp = 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &a->last_cp);
	line[linelen] = '\0';
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "audit checkpoint %lld:%s "
	    "instance=%s file=%s %s", m.seq, hash, a->instance, a->path, line);
	logit("audit checkpoint %lld:%s epoch %llu", m.seq, hash,
	    (unsigned long long)m.epoch);
	if (auditkey_state_store(a->statepath, &a->ks, serr,
	    sizeof(serr)) != 0) {
		/*
		 * The log is fine and the next start completes the state
		 * from it; until then the old key stays on disk.
		 */
		snprintf(err, errlen, "checkpoint %lld written, but the key "
		    "state was not updated: %s", m.seq, serr);
		goto out;
	}
	ret = 0;
 out:
	OPENSSL_cleanse(next, sizeof(next));
	free(line);
	return ret;
}

/*
 * The first record of a chain that follows one whose file is gone: it
 * names the last checkpoint the key state remembers.
 */
static int
write_chain_start(struct audit *a, char *err, size_t errlen)
{
	char ts[AUDIT_TS_LEN + 1], hash[AUDIT_HEX_LEN + 1];
	char oldhash[AUDIT_HEX_LEN + 1];
	struct audit_marker m;
	char *line = NULL;
	size_t linelen;
	int ret = -1;

	if (now_ts(ts, err, errlen) == -1)
		return -1;
	/* A copy: the state's checkpoint becomes this record below. */
	memcpy(oldhash, a->ks.cp_hash, sizeof(oldhash));
	memset(&m, 0, sizeof(m));
	m.event = AUDIT_EVENT_CHAIN_START;
	m.ts = ts;
	m.seq = 1;
	m.instance = a->instance;
	m.epoch = a->ks.epoch;
	m.reason = "the log was empty at start (rotated or removed while "
	    "mcpd was stopped); old_seq and old_hash are the last checkpoint";
	m.old_file = NULL;
	m.old_seq = a->ks.cp_seq;
	m.old_hash = oldhash;
	m.prev = a->prev;
	if (auditchain_marker_line(&m, a->ks.key, a->ks.keylen, &line,
	    &linelen, hash, err, errlen) != 0 ||
	    append_line(a, line, linelen, m.seq, hash, 1, err, errlen) != 0)
		goto out;
	a->ks.cp_seq = m.seq;
	memcpy(a->ks.cp_hash, hash, sizeof(a->ks.cp_hash));
	line[linelen] = '\0';
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "audit chain-start 1:%s "
	    "instance=%s file=%s %s", hash, a->instance, a->path, line);
	logit("audit log %s was empty: new chain 1:%s after checkpoint "
	    "%lld:%s", a->path, hash, m.old_seq, m.old_hash);
	ret = 0;
 out:
	free(line);
	return ret;
}

int
audit_open(struct audit **ap, const char *path, const uint8_t *key,
    size_t keylen, int sync, char *err, size_t errlen)
{
	char statepath[PATH_MAX];
	struct auditkey_state k0;
	struct audit *a;
	off_t size;
	int wfd, rfd, have_state, dirty = 0, r;

	*ap = NULL;
	if (sync != AUDIT_SYNC_ALWAYS && sync != AUDIT_SYNC_BATCH &&
	    sync != AUDIT_SYNC_NONE) {
		snprintf(err, errlen, "invalid AuditSync value %d", sync);
		return -1;
	}
	if (key != NULL &&
	    (keylen < AUDIT_KEY_MIN || keylen > AUDIT_KEY_MAX)) {
		snprintf(err, errlen, "audit key must have between %d and %d "
		    "bytes", AUDIT_KEY_MIN, AUDIT_KEY_MAX);
		return -1;
	}
	if (auditkey_state_path(path, statepath, sizeof(statepath)) != 0) {
		snprintf(err, errlen, "audit log path too long: %s", path);
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = strdup(path)) == NULL ||
	    (a->statepath = strdup(statepath)) == NULL) {
		snprintf(err, errlen, "out of memory opening audit log");
		if (a != NULL) {
			free(a->path);
			free(a);
		}
		return -1;
	}
	a->sync = sync;
	a->fd = -1;
	memset(a->prev, '0', AUDIT_HEX_LEN);
	a->prev[AUDIT_HEX_LEN] = '\0';
	(void)clock_gettime(CLOCK_MONOTONIC, &a->last_cp);
	if (gethostname(a->instance, sizeof(a->instance) - 1) != 0 ||
	    a->instance[0] == '\0')
		snprintf(a->instance, sizeof(a->instance), "mcpd");

	/*
	 * The key state, if there is one, holds the current (evolved) key;
	 * AuditKeyFile's initial key is then needed only to check that the
	 * two belong together.  Without a state, the initial key starts
	 * one.  The key stays in locked memory where RLIMIT_MEMLOCK allows.
	 */
	if ((r = auditkey_state_load(statepath, &a->ks, err, errlen)) == -1)
		goto fail;
	have_state = r == 0;
	if (!have_state) {
		if (key == NULL) {
			snprintf(err, errlen, "no audit key: AuditKeyFile is "
			    "needed to start %s", statepath);
			goto fail;
		}
		if (auditkey_init(&a->ks, key, keylen) != 0) {
			snprintf(err, errlen, "out of memory opening audit "
			    "log");
			goto fail;
		}
	} else if (key != NULL && a->ks.epoch <= AUDIT_EPOCH_SEARCH_MAX) {
		if (auditkey_init(&k0, key, keylen) != 0 ||
		    auditkey_advance(&k0, a->ks.epoch) != 0) {
			auditkey_clear(&k0);
			snprintf(err, errlen, "cannot derive the audit key");
			goto fail;
		}
		r = k0.keylen != a->ks.keylen ||
		    CRYPTO_memcmp(k0.key, a->ks.key, k0.keylen) != 0;
		auditkey_clear(&k0);
		if (r) {
			snprintf(err, errlen, "AuditKeyFile does not match the "
			    "audit key state %s (epoch %llu): the key was "
			    "changed, or the state is another log's.  To start "
			    "a new chain under the new key, stop mcpd and run "
			    "\"mcpctl audit new-chain %s --key-file KEY\"",
			    statepath, (unsigned long long)a->ks.epoch, path);
			goto fail;
		}
	}
	if (log_open(path, &wfd, &rfd, &size, err, errlen) == -1)
		goto fail;
	if (size > 0 && read_tail(a, rfd, size, have_state, &dirty, err,
	    errlen) == -1) {
		(void)close(rfd);
		(void)close(wfd);
		goto fail;
	}
	(void)close(rfd);
	a->fd = wfd;
	if (size == 0 && have_state && a->ks.cp_seq > 0) {
		if (write_chain_start(a, err, errlen) != 0)
			goto fail;
		dirty = 1;
	}
	if ((!have_state || dirty) &&
	    auditkey_state_store(statepath, &a->ks, err, errlen) != 0)
		goto fail;
	*ap = a;
	return 0;
 fail:
	audit_close(a);
	return -1;
}

void
audit_set_checkpoint(struct audit *a, long records, long seconds)
{
	a->cp_records = records > 0 ? records : 0;
	a->cp_seconds = seconds > 0 ? seconds : 0;
}

int
audit_checkpoint(struct audit *a, char *err, size_t errlen)
{
	return write_checkpoint(a, err, errlen);
}

int
audit_tick(struct audit *a, char *err, size_t errlen)
{
	struct timespec now;

	if (a == NULL || a->cp_seconds == 0 || a->since_cp == 0 ||
	    a->fd == -1 || a->broken)
		return 0;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1 ||
	    now.tv_sec - a->last_cp.tv_sec < a->cp_seconds)
		return 0;
	return write_checkpoint(a, err, errlen);
}

const char *
audit_state_path(const struct audit *a)
{
	return a->statepath;
}

int
audit_write(struct audit *a, const struct audit_rec *rec, char *err,
    size_t errlen)
{
	char ts[AUDIT_TS_LEN + 1], mac[AUDIT_HEX_LEN + 1];
	char hash[AUDIT_HEX_LEN + 1], cperr[256];
	struct timespec now;
	char *body = NULL, *line = NULL;
	size_t bodylen, linelen;
	long long seq;
	int truncate, ret = -1;

	if (a->fd == -1) {
		snprintf(err, errlen, "audit log %s is not open (a reopen "
		    "failed; fix the cause and send SIGUSR1)", a->path);
		return -1;
	}
	if (a->broken) {
		snprintf(err, errlen, "audit log %s is unusable after a failed "
		    "write; fix the cause and send SIGUSR1", a->path);
		return -1;
	}
	if (a->seq == LLONG_MAX) {
		snprintf(err, errlen, "audit log %s: seq exhausted", a->path);
		return -1;
	}
	seq = a->seq + 1;
	if (audit_record_fits(rec, &truncate, err, errlen) == -1)
		return -1;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1 ||
	    audit_format_ts(&now, ts, sizeof(ts)) == -1) {
		snprintf(err, errlen, "cannot read the clock for the audit "
		    "log");
		return -1;
	}
	if ((body = audit_record_body(rec, ts, seq, a->prev, truncate, err,
	    errlen)) == NULL)
		return -1;
	bodylen = strlen(body);
	if (!truncate && bodylen - 1 + AUDIT_MAC_SUFFIX_LEN > AUDIT_LINE_MAX) {
		free(body);
		if ((body = audit_record_body(rec, ts, seq, a->prev, 1, err,
		    errlen)) == NULL)
			return -1;
		bodylen = strlen(body);
	}
	linelen = bodylen - 1 + AUDIT_MAC_SUFFIX_LEN;
	if (bodylen < 2 || linelen > AUDIT_LINE_MAX) {
		snprintf(err, errlen, "audit record too long");
		goto out;
	}
	if (auditchain_mac(a->ks.key, a->ks.keylen, body, bodylen,
	    mac) == -1) {
		snprintf(err, errlen, "cannot compute audit record MAC");
		goto out;
	}
	if ((line = malloc(linelen + 2)) == NULL) {
		snprintf(err, errlen, "out of memory writing audit record");
		goto out;
	}
	memcpy(line, body, bodylen - 1);
	if (snprintf(line + bodylen - 1, AUDIT_MAC_SUFFIX_LEN + 2,
	    ",\"mac\":\"%s\"}\n", mac) != AUDIT_MAC_SUFFIX_LEN + 1) {
		snprintf(err, errlen, "cannot format audit record");
		goto out;
	}
	/* Hash before writing, so nothing can fail after the write. */
	if (auditchain_hash(line, linelen, hash) == -1) {
		snprintf(err, errlen, "cannot hash audit record");
		goto out;
	}
	if (append_line(a, line, linelen, seq, hash, 0, err, errlen) != 0)
		goto out;
	ret = 0;
	/*
	 * Every AuditCheckpoint records, a checkpoint.  The record above is
	 * written whatever becomes of it; a failure to write it leaves the
	 * log broken, so that the next record fails closed.
	 */
	a->since_cp++;
	if (a->cp_records > 0 && a->since_cp >= a->cp_records &&
	    write_checkpoint(a, cperr, sizeof(cperr)) != 0)
		error_f("AUDIT CHECKPOINT FAILED: %s", cperr);
 out:
	free(body);
	free(line);
	return ret;
}

int
audit_reopen(struct audit *a, char *err, size_t errlen)
{
	off_t size;
	int wfd, rfd;
	char c;

	if (a->fd != -1) {
		if (a->unsynced > 0 && sync_fd(a->fd) == -1)
			error_f("fdatasync of audit log %s failed: %s",
			    a->path, strerror(errno));
		if (close(a->fd) == -1)
			error_f("close of audit log %s failed: %s", a->path,
			    strerror(errno));
		a->fd = -1;
	}
	a->unsynced = 0;
	if (log_open(a->path, &wfd, &rfd, &size, err, errlen) == -1)
		return -1;
	/*
	 * A failed write may have left a partial line (and the file may
	 * not have been rotated).  End it, so that the next record starts
	 * on a line of its own; verify then names the partial line as
	 * malformed, which is the truth.
	 */
	if (size > 0) {
		if (pread_full(rfd, &c, 1, size - 1) == -1) {
			snprintf(err, errlen, "cannot read audit log %s: %s",
			    a->path, errno == 0 ? "file shrank" :
			    strerror(errno));
			goto fail;
		}
		if (c != '\n') {
			if (write(wfd, "\n", 1) != 1) {
				snprintf(err, errlen, "cannot terminate the "
				    "partial last line of audit log %s",
				    a->path);
				goto fail;
			}
			if (a->sync == AUDIT_SYNC_ALWAYS &&
			    sync_fd(wfd) == -1) {
				snprintf(err, errlen, "fdatasync of audit log "
				    "%s failed: %s", a->path,
				    strerror(errno));
				goto fail;
			}
		}
	}
	(void)close(rfd);
	a->fd = wfd;
	a->broken = 0;
	return 0;
 fail:
	(void)close(rfd);
	(void)close(wfd);
	return -1;
}

int
audit_flush(struct audit *a)
{
	if (a == NULL || a->fd == -1 || a->unsynced == 0)
		return 0;
	if (sync_fd(a->fd) == -1) {
		/* Records may be lost: refuse new ones until a reopen. */
		error_f("fdatasync of audit log %s failed: %s", a->path,
		    strerror(errno));
		a->broken = 1;
		return -1;
	}
	a->unsynced = 0;
	return 0;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd != -1) {
		if (audit_flush(a) == -1)
			error_f("audit log %s closed with unsynced records",
			    a->path);
		if (close(a->fd) == -1)
			error_f("close of audit log %s failed: %s", a->path,
			    strerror(errno));
	}
	auditkey_clear(&a->ks);
	free(a->statepath);
	free(a->path);
	freezero(a, sizeof(*a));
}

const char *
audit_path(const struct audit *a)
{
	return a->path;
}
