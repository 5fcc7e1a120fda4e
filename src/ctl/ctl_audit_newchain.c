/*
 * mcpctl audit new-chain: the documented way out when mcpd refuses to
 * continue an audit log whose last record does not verify (mcpd(8), AUDIT
 * LOG ANCHORING).  The old log is kept, renamed, as evidence; a new log
 * is started whose first record (chain-start, auditchain.h) names the old
 * file and the seq and hash of its last line, and is MACed with the
 * current key, so that the break is itself on record, in the new chain
 * and in syslog.  It runs while mcpd is stopped: mcpd holds a lock on its
 * log, and the command refuses a log that is locked.
 *
 * Exit status: 0 done, 1 refused (nothing changed), 2 usage or trouble.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "auditchain.h"
#include "auditkey.h"
#include "ctl.h"
#include "xmalloc.h"

#define NC_EXIT_OK		0
#define NC_EXIT_REFUSED		1
#define NC_EXIT_TROUBLE		2

static int
nc_usage(void)
{
	fprintf(stderr, "usage: mcpctl audit new-chain [-k key_file] file\n");
	return NC_EXIT_TROUBLE;
}

/* The last line of the file (complete or not): its seq, hash, number. */
struct old_tail {
	long long		 seq;		/* 0 if unreadable */
	char			 hash[AUDIT_HEX_LEN + 1];
	unsigned long long	 lineno;
};

static int
read_old_tail(int fd, const char *path, struct old_tail *t)
{
	char buf[65536], *tail = NULL, *line;
	unsigned long long nl = 0;
	size_t tlen = 0, want, len;
	struct stat st;
	uint64_t epoch;
	off_t off = 0;
	ssize_t r, i;
	char last = '\n';
	int kind, ret = -1;

	memset(t, 0, sizeof(*t));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "mcpctl: %s is not a regular file\n", path);
		return -1;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "mcpctl: %s is empty: nothing to replace "
		    "(mcpd starts a new chain by itself)\n", path);
		return -1;
	}
	while ((r = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			fprintf(stderr, "mcpctl: read %s: %s\n", path,
			    strerror(errno));
			return -1;
		}
		for (i = 0; i < r; i++)
			nl += buf[i] == '\n';
		last = buf[r - 1];
		off += r;
	}
	if (off == 0) {
		fprintf(stderr, "mcpctl: %s is empty: nothing to replace\n",
		    path);
		return -1;
	}
	t->lineno = nl + (last != '\n');
	/* The longest line, its newline, and the newline before it. */
	want = off > AUDIT_LINE_MAX + 2 ? AUDIT_LINE_MAX + 2 : (size_t)off;
	if ((tail = malloc(want)) == NULL) {
		fprintf(stderr, "mcpctl: out of memory\n");
		return -1;
	}
	for (tlen = 0; tlen < want; tlen += (size_t)r) {
		r = pread(fd, tail + tlen, want - tlen,
		    off - (off_t)want + (off_t)tlen);
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0) {
			fprintf(stderr, "mcpctl: read %s: %s\n", path,
			    r == 0 ? "file shrank" : strerror(errno));
			goto out;
		}
	}
	len = want;
	if (tail[len - 1] == '\n')
		len--;
	line = memrchr(tail, '\n', len);
	line = line == NULL ? tail : line + 1;
	len -= (size_t)(line - tail);
	/* What is there, whatever it is: the hash is of those bytes. */
	if (auditchain_hash(line, len, t->hash) != 0 ||
	    auditchain_classify(line, len, &t->seq, &kind, &epoch,
	    NULL) != 0)
		t->seq = 0;
	ret = 0;
 out:
	free(tail);
	return ret;
}

int
ctl_audit_new_chain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key-file",	required_argument,	NULL, 'k' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	char statepath[PATH_MAX], moved[PATH_MAX], err[512], stamp[32];
	char ts[AUDIT_TS_LEN + 1], hash[AUDIT_HEX_LEN + 1];
	char zeros[AUDIT_HEX_LEN + 1];
	struct auditkey_state ks;
	struct audit_marker m;
	struct old_tail old;
	struct timespec now;
	struct tm tm;
	const char *keyfile = NULL, *path;
	char *line = NULL, host[256];
	uint8_t *key = NULL;
	size_t keylen = 0, linelen;
	int ch, r, ofd = -1, nfd = -1, ret = NC_EXIT_TROUBLE;

	memset(&ks, 0, sizeof(ks));
	ctl_getopt_reset();
	while ((ch = getopt_long(argc, argv, ":k:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k':
			keyfile = optarg;
			break;
		case 'h':
			return nc_usage();
		default:
			ctl_bad_option(ch, argv);
			return nc_usage();
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "mcpctl: audit new-chain: exactly one file "
		    "expected\n");
		return nc_usage();
	}
	path = argv[optind];
	if (auditkey_state_path(path, statepath, sizeof(statepath)) != 0) {
		fprintf(stderr, "mcpctl: path too long: %s\n", path);
		return NC_EXIT_TROUBLE;
	}
	/*
	 * The key: the initial key when given (a new chain under a new or
	 * the first key, from epoch 0), else the current one from the key
	 * state, so that the initial key can stay off the host.
	 */
	if (keyfile != NULL) {
		if (auditchain_load_key(keyfile, &key, &keylen, err,
		    sizeof(err)) != 0 || auditkey_init(&ks, key, keylen) != 0) {
			fprintf(stderr, "mcpctl: %s\n", key == NULL ? err :
			    "out of memory");
			goto out;
		}
	} else if ((r = auditkey_state_load(statepath, &ks, err,
	    sizeof(err))) != 0) {
		if (r == 1)
			fprintf(stderr, "mcpctl: no audit key state %s: give "
			    "the initial key with --key-file\n", statepath);
		else
			fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	if ((ofd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		fprintf(stderr, "mcpctl: cannot open %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	/* mcpd holds this lock while the log is its own. */
	if (flock(ofd, LOCK_EX | LOCK_NB) == -1) {
		fprintf(stderr, "mcpctl: %s is in use (is mcpd running?): "
		    "stop mcpd first\n", path);
		ret = NC_EXIT_REFUSED;
		goto out;
	}
	if (read_old_tail(ofd, path, &old) != 0) {
		ret = NC_EXIT_REFUSED;
		goto out;
	}
	if (clock_gettime(CLOCK_REALTIME, &now) != 0 ||
	    audit_format_ts(&now, ts, sizeof(ts)) != 0 || gmtime_r(&now.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0) {
		fprintf(stderr, "mcpctl: cannot read the clock\n");
		goto out;
	}
	r = snprintf(moved, sizeof(moved), "%s.broken-%s", path, stamp);
	if (r < 0 || (size_t)r >= sizeof(moved)) {
		fprintf(stderr, "mcpctl: path too long: %s\n", path);
		goto out;
	}
	/* link, not rename: an existing file of that name is never lost. */
	if (link(path, moved) != 0 || unlink(path) != 0) {
		fprintf(stderr, "mcpctl: cannot move %s to %s: %s\n", path,
		    moved, strerror(errno));
		goto out;
	}
	if ((nfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    flock(nfd, LOCK_EX | LOCK_NB) == -1) {
		fprintf(stderr, "mcpctl: cannot create %s: %s (the old log "
		    "is %s)\n", path, strerror(errno), moved);
		goto out;
	}
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "mcpd");
	host[sizeof(host) - 1] = '\0';
	memset(zeros, '0', AUDIT_HEX_LEN);
	zeros[AUDIT_HEX_LEN] = '\0';
	memset(&m, 0, sizeof(m));
	m.event = AUDIT_EVENT_CHAIN_START;
	m.ts = ts;
	m.seq = 1;
	m.instance = host;
	m.epoch = ks.epoch;
	m.reason = "mcpctl audit new-chain: the old log was moved aside; "
	    "old_seq and old_hash are its last line";
	m.old_file = moved;
	m.old_seq = old.seq;
	m.old_hash = old.hash;
	m.prev = zeros;
	if (auditchain_marker_line(&m, ks.key, ks.keylen, &line, &linelen,
	    hash, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	if (write(nfd, line, linelen + 1) != (ssize_t)(linelen + 1) ||
	    fsync(nfd) != 0) {
		fprintf(stderr, "mcpctl: cannot write %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	ks.cp_seq = 1;
	memcpy(ks.cp_hash, hash, sizeof(ks.cp_hash));
	if (auditkey_state_store(statepath, &ks, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	openlog("mcpctl", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "audit chain-start 1:%s file=%s old_file=%s "
	    "old_line=%llu old_seq=%lld old_hash=%s", hash, path, moved,
	    old.lineno, old.seq, old.hash);
	closelog();
	printf("moved %s to %s (its last line %llu: seq %lld, sha256 %s)\n"
	    "new chain in %s: chain-start 1:%s, key epoch %llu\n", path,
	    moved, old.lineno, old.seq, old.hash, path, hash,
	    (unsigned long long)ks.epoch);
	ret = fflush(stdout) == 0 ? NC_EXIT_OK : NC_EXIT_TROUBLE;
 out:
	if (nfd != -1)
		(void)close(nfd);
	if (ofd != -1)
		(void)close(ofd);
	free(line);
	if (key != NULL)
		freezero(key, keylen);
	auditkey_clear(&ks);
	return ret;
}
