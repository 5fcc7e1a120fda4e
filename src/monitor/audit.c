/*
 * The audit log writer (DESIGN 7), in the monitor.
 *
 * Each record is one line of compact, pure-ASCII JSON, hash-chained to the
 * previous line and MACed (auditchain.h), appended with a single write(2)
 * so that a record is either in the file whole or flagged as broken.  The
 * chain state (seq, prev) lives in memory and carries over log rotation
 * (audit_reopen) and restarts (audit_open reads the last line back).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "auditchain.h"
#include "audit.h"
#include "config.h"
#include "log.h"
#include "secretfile.h"
#include "xmalloc.h"

/* Bytes kept of each long field when a record would pass AUDIT_LINE_MAX. */
#define AUDIT_FIELD_TRUNC	4096
/* AuditSync batch: fdatasync at least every this many records. */
#define AUDIT_BATCH_RECORDS	64
/* More roles than any policy could hold; only a cap against abuse. */
#define AUDIT_ROLES_MAX		1024

#define AUDIT_DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
				 JSON_ENSURE_ASCII)

struct audit {
	char		*path;
	int		 fd;		/* -1 while closed */
	int		 broken;	/* write failed: refuse until reopen */
	int		 sync;		/* AUDIT_SYNC_* */
	uint8_t		*key;
	size_t		 keylen;
	long long	 seq;		/* seq of the last record written */
	char		 prev[AUDIT_HEX_LEN + 1];	/* its line's hash */
	unsigned int	 unsynced;	/* records written since fdatasync */
};

int
audit_format_ts(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int r;

	if (len < AUDIT_TS_LEN + 1 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= 1000000000L)
		return -1;
	t = ts->tv_sec;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	/* RFC 3339 has four-digit years only. */
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	r = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts->tv_nsec / 1000000L));
	if (r != AUDIT_TS_LEN)
		return -1;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence that starts at s (n bytes
 * available), or 0 if none does.  The rules are RFC 3629's, which are also
 * jansson's: no overlong forms, no surrogates, nothing above U+10FFFF.  NUL
 * is refused too, since jansson will not put it in a string either.
 */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t len, i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string holding s (len bytes) as valid UTF-8, each invalid byte
 * (and NUL) replaced by U+FFFD, and cut at a character boundary to at most
 * keep bytes.  NULL on allocation failure.
 */
static json_t *
json_sanitized(const char *s, size_t len, size_t keep)
{
	static const char repl[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t cap, i = 0, o = 0, l;
	const void *src;
	json_t *j;
	char *buf;

	/* Output grows by at most 3 bytes per input byte (U+FFFD). */
	cap = len > keep / 3 ? keep : len * 3;
	if ((buf = malloc(cap + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((l = utf8_seqlen(u + i, len - i)) == 0) {
			src = repl;
			l = 3;
		} else
			src = u + i;
		if (o + l > cap)
			break;
		memcpy(buf + o, src, l);
		o += l;
		i += src == repl ? 1 : l;
	}
	buf[o] = '\0';
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* Attach name: string or null.  0, or -1 with err. */
static int
set_str(json_t *o, const char *name, const char *val, size_t keep,
    char *err, size_t errlen)
{
	json_t *j;

	if (val == NULL)
		j = json_null();
	else
		j = json_sanitized(val, strnlen(val, AUDIT_LINE_MAX + 1),
		    keep);
	/* json_object_set_new takes j and releases it even on failure. */
	if (j == NULL || json_object_set_new(o, name, j) != 0) {
		snprintf(err, errlen, "cannot encode audit field %s", name);
		return -1;
	}
	return 0;
}

static int
set_json(json_t *o, const char *name, json_t *j, char *err, size_t errlen)
{
	if (j == NULL || json_object_set_new(o, name, j) != 0) {
		snprintf(err, errlen, "cannot encode audit field %s", name);
		return -1;
	}
	return 0;
}

/*
 * jansson escapes C0 controls but leaves DEL (0x7f) raw.  In its output a
 * 0x7f byte can only be inside a string, where \u007f means the same, so
 * replace each one: the log is then free of every control character.
 * Takes body, returns the new one (or body itself), NULL on failure.
 */
static char *
escape_del(char *body)
{
	size_t n = 0, len, i, o;
	char *nb;

	len = strlen(body);
	for (i = 0; i < len; i++)
		n += body[i] == 0x7f;
	if (n == 0)
		return body;
	if ((nb = malloc(len + 5 * n + 1)) == NULL) {
		free(body);
		return NULL;
	}
	for (i = o = 0; i < len; i++) {
		if (body[i] != 0x7f) {
			nb[o++] = body[i];
			continue;
		}
		memcpy(nb + o, "\\u007f", 6);
		o += 6;
	}
	nb[o] = '\0';
	free(body);
	return nb;
}

/*
 * Serialise the record without its mac, fields in the fixed order of
 * DESIGN 7.  With truncate, the fields that carry client text of
 * unbounded size are cut to AUDIT_FIELD_TRUNC bytes.  Returns the body
 * (malloc'd, ends in '}') or NULL with err.
 */
static char *
build_body(const struct audit *a, const struct audit_rec *rec,
    const char *ts, long long seq, int truncate, char *err, size_t errlen)
{
	size_t full = SIZE_MAX, trunc = truncate ? AUDIT_FIELD_TRUNC : SIZE_MAX;
	json_t *o, *roles;
	char *body = NULL;
	size_t i;

	if ((o = json_object()) == NULL) {
		snprintf(err, errlen, "cannot allocate audit record");
		return NULL;
	}
	if (set_str(o, "ts", ts, full, err, errlen) == -1 ||
	    set_json(o, "seq", json_integer(seq), err, errlen) == -1 ||
	    set_str(o, "event", rec->event, full, err, errlen) == -1 ||
	    set_str(o, "decision", rec->decision, full, err, errlen) == -1 ||
	    set_str(o, "user", rec->user, full, err, errlen) == -1)
		goto out;
	if ((roles = json_array()) == NULL ||
	    json_object_set_new(o, "roles", roles) != 0) {
		snprintf(err, errlen, "cannot encode audit field roles");
		goto out;
	}
	for (i = 0; rec->roles != NULL && i < rec->nroles; i++) {
		if (rec->roles[i] == NULL)
			continue;
		if (json_array_append_new(roles, json_sanitized(rec->roles[i],
		    strnlen(rec->roles[i], AUDIT_LINE_MAX + 1), full)) != 0) {
			snprintf(err, errlen, "cannot encode audit field "
			    "roles");
			goto out;
		}
	}
	if (set_str(o, "method", rec->method, full, err, errlen) == -1 ||
	    set_str(o, "credential", rec->credential, full, err,
	    errlen) == -1 ||
	    set_str(o, "tool", rec->tool, trunc, err, errlen) == -1 ||
	    set_str(o, "required", rec->required, full, err, errlen) == -1 ||
	    set_str(o, "reason", rec->reason, trunc, err, errlen) == -1 ||
	    set_str(o, "source", rec->source, full, err, errlen) == -1 ||
	    set_str(o, "client", rec->client, trunc, err, errlen) == -1 ||
	    set_str(o, "request_id", rec->request_id, trunc, err,
	    errlen) == -1 ||
	    set_str(o, "args_sha256", rec->args_sha256, full, err,
	    errlen) == -1)
		goto out;
	if (rec->args != NULL &&
	    set_str(o, "args", rec->args, trunc, err, errlen) == -1)
		goto out;
	if (rec->count > 0 &&
	    (set_json(o, "count", json_integer(rec->count), err,
	    errlen) == -1 ||
	    set_str(o, "since", rec->since, full, err, errlen) == -1))
		goto out;
	if (set_json(o, "duration_ms", rec->duration_ms < 0 ? json_null() :
	    json_integer(rec->duration_ms), err, errlen) == -1 ||
	    set_str(o, "prev", a->prev, full, err, errlen) == -1)
		goto out;
	if ((body = json_dumps(o, AUDIT_DUMP_FLAGS)) == NULL)
		snprintf(err, errlen, "cannot serialise audit record");
	else if ((body = escape_del(body)) == NULL)
		snprintf(err, errlen, "out of memory serialising audit record");
 out:
	json_decref(o);
	return body;
}

/*
 * Decide whether the record can be written whole, and whether the long
 * fields must be cut.  The escaped JSON of a field is never shorter than
 * its raw bytes, so raw lengths that already pass AUDIT_LINE_MAX mean
 * truncation (or, for a field we do not cut, failure).
 */
static int
check_sizes(const struct audit_rec *rec, int *truncate, char *err,
    size_t errlen)
{
	const struct {
		const char	*name;
		const char	*val;
		int		 cut;
	} f[] = {
		{ "event", rec->event, 0 },
		{ "decision", rec->decision, 0 },
		{ "user", rec->user, 0 },
		{ "method", rec->method, 0 },
		{ "credential", rec->credential, 0 },
		{ "tool", rec->tool, 1 },
		{ "required", rec->required, 0 },
		{ "reason", rec->reason, 1 },
		{ "source", rec->source, 0 },
		{ "client", rec->client, 1 },
		{ "request_id", rec->request_id, 1 },
		{ "args_sha256", rec->args_sha256, 0 },
		{ "args", rec->args, 1 },
		{ "since", rec->count > 0 ? rec->since : NULL, 0 },
	};
	size_t i, l, total = 0, keep = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].val == NULL)
			continue;
		l = strnlen(f[i].val, AUDIT_LINE_MAX + 1);
		if (l > AUDIT_LINE_MAX && !f[i].cut) {
			snprintf(err, errlen, "audit field %s too long",
			    f[i].name);
			return -1;
		}
		total += l;
		keep += f[i].cut ? (l < AUDIT_FIELD_TRUNC ? l :
		    AUDIT_FIELD_TRUNC) : l;
	}
	if (rec->nroles > AUDIT_ROLES_MAX) {
		snprintf(err, errlen, "audit record has too many roles (%zu)",
		    rec->nroles);
		return -1;
	}
	for (i = 0; rec->roles != NULL && i < rec->nroles; i++) {
		if (rec->roles[i] == NULL)
			continue;
		l = strnlen(rec->roles[i], AUDIT_LINE_MAX + 1);
		total += l;
		keep += l;
	}
	if (keep > AUDIT_LINE_MAX) {
		snprintf(err, errlen, "audit record too long");
		return -1;
	}
	*truncate = total > AUDIT_LINE_MAX;
	return 0;
}

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

/*
 * Continue the chain from the file's last line: its seq, and the hash of
 * the line as prev.  A tail we cannot read is reported, not papered over:
 * the caller decides whether to start anyway.
 */
static int
read_tail(struct audit *a, int rfd, off_t size, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o = NULL, *jseq;
	char *buf, *line, *nl;
	size_t want, len;
	int ret = -1;

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
		snprintf(err, errlen, "previous log tail unreadable: the last "
		    "line of %s is incomplete (no newline at the end)",
		    a->path);
		goto out;
	}
	if ((nl = memrchr(buf, '\n', want - 1)) != NULL)
		line = nl + 1;
	else if ((off_t)want < size) {
		snprintf(err, errlen, "previous log tail unreadable: the last "
		    "line of %s is too long", a->path);
		goto out;
	} else
		line = buf;
	len = (size_t)(buf + want - 1 - line);
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(o)) {
		snprintf(err, errlen, "previous log tail unreadable: the last "
		    "line of %s is not a JSON object", a->path);
		goto out;
	}
	jseq = json_object_get(o, "seq");
	if (!json_is_integer(jseq) || json_integer_value(jseq) < 1 ||
	    json_integer_value(jseq) == LLONG_MAX) {
		snprintf(err, errlen, "previous log tail unreadable: the last "
		    "line of %s has no valid seq", a->path);
		goto out;
	}
	if (auditchain_hash(line, len, a->prev) == -1) {
		snprintf(err, errlen, "cannot hash the last line of audit log "
		    "%s", a->path);
		goto out;
	}
	a->seq = json_integer_value(jseq);
	ret = 0;
 out:
	json_decref(o);
	free(buf);
	return ret;
}

int
audit_open(struct audit **ap, const char *path, const uint8_t *key,
    size_t keylen, int sync, char *err, size_t errlen)
{
	struct audit *a;
	off_t size;
	int wfd, rfd;

	*ap = NULL;
	if (sync != AUDIT_SYNC_ALWAYS && sync != AUDIT_SYNC_BATCH &&
	    sync != AUDIT_SYNC_NONE) {
		snprintf(err, errlen, "invalid AuditSync value %d", sync);
		return -1;
	}
	if (key == NULL || keylen < AUDIT_KEY_MIN || keylen > AUDIT_KEY_MAX) {
		snprintf(err, errlen, "audit key must have between %d and %d "
		    "bytes", AUDIT_KEY_MIN, AUDIT_KEY_MAX);
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = strdup(path)) == NULL ||
	    (a->key = malloc(keylen)) == NULL) {
		snprintf(err, errlen, "out of memory opening audit log");
		if (a != NULL)
			free(a->path);
		free(a);
		return -1;
	}
	/*
	 * The MAC key stays in locked memory, where RLIMIT_MEMLOCK allows,
	 * so that it never reaches swap; without the lock it still works.
	 */
	if (secret_lock(a->key, keylen) != 0)
		debug_f("audit key not locked in memory: mlock: %s",
		    strerror(errno));
	memcpy(a->key, key, keylen);
	a->keylen = keylen;
	a->sync = sync;
	a->fd = -1;
	memset(a->prev, '0', AUDIT_HEX_LEN);
	a->prev[AUDIT_HEX_LEN] = '\0';
	if (log_open(path, &wfd, &rfd, &size, err, errlen) == -1) {
		audit_close(a);
		return -1;
	}
	if (size > 0 && read_tail(a, rfd, size, err, errlen) == -1) {
		(void)close(rfd);
		(void)close(wfd);
		audit_close(a);
		return -1;
	}
	(void)close(rfd);
	a->fd = wfd;
	*ap = a;
	return 0;
}

int
audit_write(struct audit *a, const struct audit_rec *rec, char *err,
    size_t errlen)
{
	char ts[AUDIT_TS_LEN + 1], mac[AUDIT_HEX_LEN + 1];
	char hash[AUDIT_HEX_LEN + 1];
	struct timespec now;
	char *body = NULL, *line = NULL;
	size_t bodylen, linelen;
	long long seq;
	int truncate, ret = -1;
	ssize_t n;

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
	if (check_sizes(rec, &truncate, err, errlen) == -1)
		return -1;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1 ||
	    audit_format_ts(&now, ts, sizeof(ts)) == -1) {
		snprintf(err, errlen, "cannot read the clock for the audit "
		    "log");
		return -1;
	}
	if ((body = build_body(a, rec, ts, seq, truncate, err,
	    errlen)) == NULL)
		return -1;
	bodylen = strlen(body);
	if (!truncate && bodylen - 1 + AUDIT_MAC_SUFFIX_LEN > AUDIT_LINE_MAX) {
		free(body);
		if ((body = build_body(a, rec, ts, seq, 1, err,
		    errlen)) == NULL)
			return -1;
		bodylen = strlen(body);
	}
	linelen = bodylen - 1 + AUDIT_MAC_SUFFIX_LEN;
	if (bodylen < 2 || linelen > AUDIT_LINE_MAX) {
		snprintf(err, errlen, "audit record too long");
		goto out;
	}
	if (auditchain_mac(a->key, a->keylen, body, bodylen, mac) == -1) {
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
		goto out;
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
	if (a->sync == AUDIT_SYNC_ALWAYS ||
	    (a->sync == AUDIT_SYNC_BATCH &&
	    a->unsynced >= AUDIT_BATCH_RECORDS)) {
		if (sync_fd(a->fd) == -1) {
			snprintf(err, errlen, "fdatasync of audit log %s "
			    "failed: %s", a->path, strerror(errno));
			a->broken = 1;
			goto out;
		}
		a->unsynced = 0;
	}
	ret = 0;
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
	if (a->key != NULL) {
		secret_unlock_wipe(a->key, a->keylen);
		free(a->key);
	}
	free(a->path);
	freezero(a, sizeof(*a));
}

const char *
audit_path(const struct audit *a)
{
	return a->path;
}
