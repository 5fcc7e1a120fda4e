/*
 * mcpctl audit verify|show: check and display the audit log (doc/audit.md,
 * section 7).
 *
 * verify walks the hash chain with the MAC key (evolving it at each
 * checkpoint, auditkey.h) and names the first record that was altered,
 * removed, inserted or reordered, or where the log misses a checkpoint
 * given with --expect or --checkpoint; show prints one
 * escaped line per record for people.  Both read the file as untrusted
 * input: lines are capped at AUDIT_LINE_MAX and anything that is not a
 * record is reported as malformed, never interpreted.
 *
 * Exit status, as cmp(1): 0 all good, 1 the log failed the check (or show
 * met malformed lines), 2 usage error or trouble (unreadable file or key).
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auditchain.h"
#include "auditkey.h"
#include "ctl.h"
#include "xmalloc.h"

#define AUDIT_EXIT_OK		0
#define AUDIT_EXIT_FAILED	1
#define AUDIT_EXIT_TROUBLE	2

/* show escapes a byte to at most 4 ("\xHH"); plus quotes and field names. */
#define SHOW_OUT_MAX		(4 * (size_t)AUDIT_LINE_MAX + 1024)

/* "YYYY-MM-DDTHH:MM:SS", the part of ts that show prints. */
#define SHOW_TS_SECS		19

/* Not isdigit(3): the locale must not change what a timestamp is. */
#define IS_DIGIT(c)		((c) >= '0' && (c) <= '9')

/* --expect and --checkpoint together: a few are plenty. */
#define EXPECT_MAX		8
/* A file of syslog lines read for --checkpoint. */
#define CHECKPOINT_FILE_MAX	(64 * 1024 * 1024)

#define LR_PARTIAL		0x1	/* no newline before end of file */
#define LR_TOOLONG		0x2	/* longer than AUDIT_LINE_MAX */

/* A capped line reader: no line, however long, makes us allocate more. */
struct lreader {
	int	 fd;
	char	*buf;
	size_t	 cap;
	size_t	 off;		/* start of unread data */
	size_t	 len;		/* end of data */
	int	 eof;
};

/* A point the log must reach, and match: --expect SEQ:HASH. */
struct expect {
	long long	 seq;
	char		 hash[AUDIT_HEX_LEN + 1];
	int		 seen;
};

/* Output line of show, capped. */
struct obuf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

static int
lr_init(struct lreader *lr, int fd)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	/* Room for the longest line after compaction, plus its newline. */
	lr->cap = AUDIT_LINE_MAX + 1;
	if ((lr->buf = malloc(lr->cap)) == NULL)
		return -1;
	return 0;
}

static void
lr_free(struct lreader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

/*
 * Next line, without its newline, in *linep (mutable, valid until the
 * next call).  A line longer than AUDIT_LINE_MAX is skipped to its end and
 * returned (its tail) with LR_TOOLONG; a last line without a newline comes
 * with LR_PARTIAL.  Returns 1, 0 at end of file, -1 on a read error.
 */
static int
lr_next(struct lreader *lr, char **linep, size_t *lenp, int *flagsp)
{
	size_t avail;
	ssize_t r;
	char *nl;
	int flags = 0;

	for (;;) {
		avail = lr->len - lr->off;
		if (avail > 0 &&
		    (nl = memchr(lr->buf + lr->off, '\n', avail)) != NULL) {
			*linep = lr->buf + lr->off;
			*lenp = (size_t)(nl - *linep);
			lr->off += *lenp + 1;
			*flagsp = flags;
			return 1;
		}
		if (lr->eof) {
			if (avail == 0 && flags == 0)
				return 0;
			*linep = lr->buf + lr->off;
			*lenp = avail;
			lr->off = lr->len;
			*flagsp = flags | LR_PARTIAL;
			return 1;
		}
		if (avail > AUDIT_LINE_MAX) {
			/* Drop it, and keep reading up to its newline. */
			flags |= LR_TOOLONG;
			lr->off = lr->len = 0;
		} else if (lr->off > 0) {
			memmove(lr->buf, lr->buf + lr->off, avail);
			lr->off = 0;
			lr->len = avail;
		}
		r = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			lr->eof = 1;
		lr->len += (size_t)r;
	}
}

static int
ob_add(struct obuf *ob, const char *s, size_t len)
{
	size_t ncap;
	char *n;

	if (len > SHOW_OUT_MAX - ob->len)
		return -1;
	if (ob->len + len > ob->cap) {
		ncap = ob->cap == 0 ? 256 : ob->cap;
		while (ncap < ob->len + len)
			ncap *= 2;
		if (ncap > SHOW_OUT_MAX)
			ncap = SHOW_OUT_MAX;
		if ((n = realloc(ob->buf, ncap)) == NULL)
			return -1;
		ob->buf = n;
		ob->cap = ncap;
	}
	memcpy(ob->buf + ob->len, s, len);
	ob->len += len;
	return 0;
}

static int
ob_str(struct obuf *ob, const char *s)
{
	return ob_add(ob, s, strlen(s));
}

/*
 * A value for show: every byte outside printable ASCII, and '"' and '\',
 * becomes \xHH, so nothing in the log can forge or split a line of the
 * output (or drive the terminal).  A value with a space is quoted, the
 * space kept, so that it still reads as one value.
 */
static int
ob_value(struct obuf *ob, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	char esc[4];
	int quote;
	size_t i;

	quote = memchr(s, ' ', len) != NULL;
	if (quote && ob_add(ob, "\"", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' || (c >= 0x21 && c <= 0x7e && c != '"' &&
		    c != '\\')) {
			if (ob_add(ob, s + i, 1) == -1)
				return -1;
			continue;
		}
		esc[0] = '\\';
		esc[1] = 'x';
		esc[2] = hex[c >> 4];
		esc[3] = hex[c & 0x0f];
		if (ob_add(ob, esc, sizeof(esc)) == -1)
			return -1;
	}
	if (quote && ob_add(ob, "\"", 1) == -1)
		return -1;
	return 0;
}

/*
 * A string member: 1 and its bytes if present and non-empty, 0 if
 * missing, null or empty, -1 if of another type (not a record of ours).
 */
static int
get_str(json_t *o, const char *name, const char **sp, size_t *lenp)
{
	json_t *j = json_object_get(o, name);

	*sp = NULL;
	*lenp = 0;
	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return -1;
	if (json_string_length(j) == 0)
		return 0;
	*sp = json_string_value(j);
	*lenp = json_string_length(j);
	return 1;
}

/* ts must be RFC 3339 UTC as the writer makes it; 0 or -1. */
static int
check_ts(const char *ts, size_t len)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	if (ts == NULL || len < SHOW_TS_SECS + 1)
		return -1;
	for (i = 0; i < SHOW_TS_SECS; i++) {
		if (pat[i] == 'd' ? !IS_DIGIT(ts[i]) : ts[i] != pat[i])
			return -1;
	}
	i = SHOW_TS_SECS;
	if (ts[i] == '.') {
		for (i++; i < len && IS_DIGIT(ts[i]); i++)
			;
		if (i == SHOW_TS_SECS + 1)
			return -1;
	}
	return (i == len - 1 && ts[i] == 'Z') ? 0 : -1;
}

static int
ob_field(struct obuf *ob, const char *name, const char *s, size_t len)
{
	if (s == NULL || len == 0)
		return 0;
	if (ob_add(ob, " ", 1) == -1 || ob_str(ob, name) == -1 ||
	    ob_add(ob, "=", 1) == -1 || ob_value(ob, s, len) == -1)
		return -1;
	return 0;
}

/* Render one record for show into ob; -1 if it is not a record. */
static int
show_record(char *line, size_t len, struct obuf *ob)
{
	const char *ts, *dec, *ev, *user, *tool, *role = NULL, *req, *reason;
	const char *src;
	size_t tslen, declen, evlen, ulen, tlen, rlen = 0, qlen, rslen, i;
	size_t srclen;
	json_error_t jerr;
	json_t *o, *roles, *r0, *cnt;
	char *up = NULL, num[24];
	int n;
	int ret = -1;

	ob->len = 0;
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &jerr)) == NULL)
		return -1;
	if (!json_is_object(o))
		goto out;
	if (get_str(o, "ts", &ts, &tslen) != 1 || check_ts(ts, tslen) == -1 ||
	    get_str(o, "decision", &dec, &declen) == -1 ||
	    get_str(o, "event", &ev, &evlen) == -1 ||
	    get_str(o, "user", &user, &ulen) == -1 ||
	    get_str(o, "tool", &tool, &tlen) == -1 ||
	    get_str(o, "required", &req, &qlen) == -1 ||
	    get_str(o, "reason", &reason, &rslen) == -1)
		goto out;
	roles = json_object_get(o, "roles");
	if (roles != NULL && !json_is_null(roles)) {
		if (!json_is_array(roles))
			goto out;
		if ((r0 = json_array_get(roles, 0)) != NULL) {
			if (!json_is_string(r0))
				goto out;
			role = json_string_value(r0);
			rlen = json_string_length(r0);
		}
	}
	if (dec == NULL) {
		/* No decision (e.g. a lifecycle event): name the event. */
		if (ev == NULL)
			goto out;
		if ((up = malloc(evlen)) == NULL)
			goto out;
		for (i = 0; i < evlen; i++)
			up[i] = (ev[i] >= 'a' && ev[i] <= 'z') ?
			    (char)(ev[i] - 'a' + 'A') : ev[i];
	}
	if (ob_add(ob, "[", 1) == -1 || ob_add(ob, ts, SHOW_TS_SECS) == -1 ||
	    ob_add(ob, "Z] ", 3) == -1 ||
	    (dec != NULL ? ob_value(ob, dec, declen) :
	    ob_value(ob, up, evlen)) == -1 ||
	    ob_field(ob, "user", user, ulen) == -1 ||
	    ob_field(ob, "tool", tool, tlen) == -1 ||
	    ob_field(ob, "role", role, rlen) == -1 ||
	    ob_field(ob, "required", req, qlen) == -1)
		goto out;
	/* ALLOWED and DENIED say it all; other outcomes need their why. */
	if ((dec == NULL || (strcmp(dec, "ALLOWED") != 0 &&
	    strcmp(dec, "DENIED") != 0)) &&
	    ob_field(ob, "reason", reason, rslen) == -1)
		goto out;
	if (ev != NULL && (evlen != strlen("tools/call") ||
	    memcmp(ev, "tools/call", evlen) != 0) &&
	    ob_field(ob, "event", ev, evlen) == -1)
		goto out;
	/* A summary of refusals before authentication: how many, whence. */
	if ((cnt = json_object_get(o, "count")) != NULL && !json_is_null(cnt)) {
		if (!json_is_integer(cnt) || json_integer_value(cnt) < 1 ||
		    get_str(o, "source", &src, &srclen) != 1 ||
		    (n = snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(cnt))) < 0 ||
		    (size_t)n >= sizeof(num) ||
		    ob_field(ob, "count", num, (size_t)n) == -1 ||
		    ob_field(ob, "source", src, srclen) == -1)
			goto out;
	}
	if (ob_add(ob, "\n", 1) == -1)
		goto out;
	ret = 0;
 out:
	free(up);
	json_decref(o);
	return ret;
}



/*
 * The key for a record: the current epoch's, except where a marker names
 * its epoch (a chain-start, from the initial key; a checkpoint, the next
 * one) or where nothing says which epoch the first record of a continued
 * file is in (then the MAC is tried under each).  *why on a record that
 * breaks the epoch rules; -1 only on trouble.
 */
static int
select_key(struct auditkey_state *ks, int kind, uint64_t epoch,
    unsigned long long nrec, int continued, char *line, size_t bodylen,
    const char *mac, const char **why)
{
	char calc[AUDIT_HEX_LEN + 1];
	int r;

	if (kind == AUDIT_KIND_CHAIN_START) {
		if (nrec != 0) {
			*why = "chain-start record inside a chain";
			return 0;
		}
		return auditkey_advance(ks, epoch);
	}
	if (kind == AUDIT_KIND_CHECKPOINT) {
		if (nrec == 0 && continued)
			return epoch < ks->epoch ? 0 :
			    auditkey_advance(ks, epoch);
		if (epoch != ks->epoch + 1) {
			*why = "checkpoint out of order: its key epoch does "
			    "not follow the previous one (checkpoints removed "
			    "or reordered)";
			return 0;
		}
		return auditkey_advance(ks, epoch);
	}
	if (nrec != 0 || !continued)
		return 0;
	for (;;) {
		line[bodylen - 1] = '}';
		r = auditchain_mac(ks->key, ks->keylen, line, bodylen, calc);
		line[bodylen - 1] = ',';
		if (r != 0)
			return -1;
		if (CRYPTO_memcmp(calc, mac, AUDIT_HEX_LEN) == 0 ||
		    ks->epoch >= AUDIT_EPOCH_SEARCH_MAX)
			return 0;
		if (auditkey_advance(ks, ks->epoch + 1) != 0)
			return -1;
	}
}

/*
 * Walk the chain.  Record numbers in messages are positions in the chain
 * (the seq the record should have), so that they stay meaningful in a
 * rotated file checked with --continued; L is the line in this file.
 * The key starts as the initial one and evolves at each checkpoint, as
 * the writer's did.  Each expected point must be reached and matched.
 */
static int
verify_fd(int fd, const char *name, const uint8_t *key, size_t keylen,
    int continued, struct expect *exp, size_t nexp)
{
	char mac[AUDIT_HEX_LEN + 1], calc[AUDIT_HEX_LEN + 1];
	char prev[AUDIT_HEX_LEN + 1], lasthash[AUDIT_HEX_LEN + 1];
	char zeros[AUDIT_HEX_LEN + 1];
	unsigned long long lineno = 0, nrec = 0;
	long long seq = 0, lastseq = 0, expect = 0, firstseq = 0;
	const char *why = NULL;
	struct auditkey_state ks;
	struct lreader lr;
	size_t len, bodylen, i;
	uint64_t epoch;
	char *line, recno[32];
	int flags, r, kind, ret = AUDIT_EXIT_TROUBLE;

	memset(zeros, '0', AUDIT_HEX_LEN);
	zeros[AUDIT_HEX_LEN] = '\0';
	lasthash[0] = '\0';
	if (auditkey_init(&ks, key, keylen) != 0) {
		fprintf(stderr, "mcpctl: out of memory\n");
		return AUDIT_EXIT_TROUBLE;
	}
	if (lr_init(&lr, fd) == -1) {
		auditkey_clear(&ks);
		fprintf(stderr, "mcpctl: out of memory\n");
		return AUDIT_EXIT_TROUBLE;
	}
	while ((r = lr_next(&lr, &line, &len, &flags)) == 1) {
		lineno++;
		/* 0: the first record of a continuation, any seq goes. */
		expect = nrec == 0 ? (continued ? 0 : 1) : lastseq + 1;
		if (flags != 0 ||
		    auditchain_split(line, len, &bodylen, mac) == -1 ||
		    auditchain_classify(line, len, &seq, &kind, &epoch,
		    prev) == -1) {
			why = "malformed record";
			break;
		}
		/* A new chain starts at 1 from nothing, continued or not. */
		if (kind == AUDIT_KIND_CHAIN_START && nrec == 0)
			expect = 1;
		if (expect == 0)
			expect = seq;
		if (select_key(&ks, kind, epoch, nrec, continued, line,
		    bodylen, mac, &why) != 0) {
			fprintf(stderr, "mcpctl: cannot derive the key of "
			    "epoch %llu\n", (unsigned long long)epoch);
			goto out;
		}
		if (why != NULL)
			break;
		/* The body is the line with '}' where the mac member began. */
		line[bodylen - 1] = '}';
		r = auditchain_mac(ks.key, ks.keylen, line, bodylen, calc);
		line[bodylen - 1] = ',';
		if (r == -1) {
			fprintf(stderr, "mcpctl: cannot compute MAC\n");
			goto out;
		}
		if (CRYPTO_memcmp(calc, mac, AUDIT_HEX_LEN) != 0) {
			why = "MAC mismatch: record altered";
			break;
		}
		if (seq != expect) {
			why = "sequence gap";
			break;
		}
		if ((nrec > 0 && strcmp(prev, lasthash) != 0) ||
		    ((nrec == 0 && (!continued ||
		    kind == AUDIT_KIND_CHAIN_START)) &&
		    strcmp(prev, zeros) != 0)) {
			why = "chain broken: prev does not match the previous "
			    "record (record removed, inserted or reordered)";
			break;
		}
		if (auditchain_hash(line, len, lasthash) == -1) {
			fprintf(stderr, "mcpctl: cannot compute hash\n");
			goto out;
		}
		for (i = 0; i < nexp; i++) {
			if (exp[i].seq != seq)
				continue;
			if (strcmp(exp[i].hash, lasthash) != 0) {
				why = "differs from the expected checkpoint "
				    "(log rewritten or replaced)";
				break;
			}
			exp[i].seen = 1;
		}
		if (why != NULL)
			break;
		if (nrec == 0)
			firstseq = seq;
		lastseq = seq;
		nrec++;
	}
	if (why == NULL && r == -1) {
		fprintf(stderr, "mcpctl: read %s: %s\n", name, strerror(errno));
		goto out;
	}
	/* Every expected point must be in the file. */
	for (i = 0; why == NULL && i < nexp; i++) {
		if (exp[i].seen)
			continue;
		if (nrec > 0 && exp[i].seq < firstseq)
			printf("FAILED: log starts at seq %lld, after the "
			    "expected checkpoint %lld\n", firstseq,
			    exp[i].seq);
		else
			printf("FAILED: log ends at seq %lld (line %llu), "
			    "before the expected checkpoint %lld (records "
			    "removed from the end)\n", lastseq, lineno,
			    exp[i].seq);
		ret = AUDIT_EXIT_FAILED;
		goto done;
	}
	if (why != NULL) {
		/* Only a malformed first record of a continuation has none. */
		if (expect == 0)
			snprintf(recno, sizeof(recno), "?");
		else
			snprintf(recno, sizeof(recno), "%lld", expect);
		if (strcmp(why, "sequence gap") == 0)
			printf("FAILED: record %s (line %llu): sequence gap: "
			    "expected seq %lld, found %lld (records removed "
			    "or reordered)\n", recno, lineno, expect, seq);
		else
			printf("FAILED: record %s (line %llu): %s\n", recno,
			    lineno, why);
		ret = AUDIT_EXIT_FAILED;
	} else {
		printf("OK: %llu records verified, last seq %lld", nrec,
		    lastseq);
		for (i = 0; i < nexp; i++)
			printf(", checkpoint %lld matches", exp[i].seq);
		printf("\n");
		ret = AUDIT_EXIT_OK;
	}
 done:
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "mcpctl: write error on stdout\n");
		ret = AUDIT_EXIT_TROUBLE;
	}
 out:
	auditkey_clear(&ks);
	lr_free(&lr);
	return ret;
}

static int
show_fd(int fd, const char *name)
{
	struct obuf ob = { NULL, 0, 0 };
	unsigned long long lineno = 0;
	struct lreader lr;
	size_t len;
	char *line;
	int flags, r, bad = 0, ret = AUDIT_EXIT_TROUBLE;

	if (lr_init(&lr, fd) == -1) {
		fprintf(stderr, "mcpctl: out of memory\n");
		return AUDIT_EXIT_TROUBLE;
	}
	while ((r = lr_next(&lr, &line, &len, &flags)) == 1) {
		lineno++;
		if (flags != 0 || show_record(line, len, &ob) == -1) {
			bad = 1;
			if (printf("[?] MALFORMED line %llu\n", lineno) < 0)
				break;
			continue;
		}
		if (fwrite(ob.buf, 1, ob.len, stdout) != ob.len)
			break;
	}
	if (r == -1) {
		fprintf(stderr, "mcpctl: read %s: %s\n", name, strerror(errno));
		goto out;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "mcpctl: write error on stdout\n");
		goto out;
	}
	ret = bad ? AUDIT_EXIT_FAILED : AUDIT_EXIT_OK;
 out:
	free(ob.buf);
	lr_free(&lr);
	return ret;
}

/* "-" is standard input, so that rotated, compressed logs can be piped. */
static int
open_input(const char *path)
{
	int fd, fl;

	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		fprintf(stderr, "mcpctl: cannot open %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	/* O_NONBLOCK only so that opening a FIFO does not hang. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

static void
close_input(int fd)
{
	if (fd != STDIN_FILENO)
		(void)close(fd);
}

static int
audit_usage(void)
{
	fprintf(stderr,
	    "usage: mcpctl audit verify [-c] -k key_file [-e seq:hash] "
	    "[-C checkpoint_file] file\n"
	    "       mcpctl audit show file\n"
	    "       mcpctl audit new-chain [-k key_file] file\n");
	return AUDIT_EXIT_TROUBLE;
}

/* Complain about the option getopt_long rejected. */
static int
bad_option(const char *cmd, char **argv, int ch)
{
	if (ch == ':')
		fprintf(stderr, "mcpctl: audit %s: option %s needs an "
		    "argument\n", cmd, argv[optind - 1]);
	else if (optopt != 0)
		fprintf(stderr, "mcpctl: audit %s: unknown option -%c\n", cmd,
		    optopt);
	else
		fprintf(stderr, "mcpctl: audit %s: unknown option %s\n", cmd,
		    argv[optind - 1]);
	return audit_usage();
}

/*
 * "SEQ:HASH", alone or after the word "checkpoint " anywhere in s (a line
 * of syslog as mcpd writes it).  0, or -1 if there is none.
 */
static int
parse_expect(const char *s, size_t len, struct expect *e)
{
	static const char word[] = "checkpoint ";
	const char *p = s, *end = s + len, *q;
	unsigned long long v = 0;

	for (q = s; (size_t)(end - q) >= sizeof(word) - 1; q++) {
		if (memcmp(q, word, sizeof(word) - 1) == 0) {
			p = q + sizeof(word) - 1;
			break;
		}
	}
	if (p == end || !IS_DIGIT(*p) || (*p == '0'))
		return -1;
	for (; p < end && IS_DIGIT(*p); p++) {
		if (v > (unsigned long long)(LLONG_MAX - 1 - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (p == end || *p != ':' || (size_t)(end - p - 1) < AUDIT_HEX_LEN ||
	    !auditchain_is_hex64(p + 1, AUDIT_HEX_LEN))
		return -1;
	p += 1 + AUDIT_HEX_LEN;
	/* SEQ:HASH ends there: at the end, or before a space. */
	if (p != end && *p != ' ')
		return -1;
	e->seq = (long long)v;
	memcpy(e->hash, p - AUDIT_HEX_LEN, AUDIT_HEX_LEN);
	e->hash[AUDIT_HEX_LEN] = '\0';
	e->seen = 0;
	return 0;
}

/* The last checkpoint line of a file (syslog, journalctl output). */
static int
read_checkpoint_file(const char *path, struct expect *e)
{
	struct lreader lr;
	size_t len, total = 0;
	char *line;
	int fd, flags, r, found = 0;

	if ((fd = open_input(path)) == -1)
		return -1;
	if (lr_init(&lr, fd) == -1) {
		fprintf(stderr, "mcpctl: out of memory\n");
		close_input(fd);
		return -1;
	}
	while ((r = lr_next(&lr, &line, &len, &flags)) == 1) {
		total += len + 1;
		if (total > CHECKPOINT_FILE_MAX) {
			fprintf(stderr, "mcpctl: %s: larger than %d bytes\n",
			    path, CHECKPOINT_FILE_MAX);
			r = -2;
			break;
		}
		if (memmem(line, len, "audit checkpoint ", 17) != NULL &&
		    parse_expect(line, len, e) == 0)
			found = 1;
	}
	if (r == -1)
		fprintf(stderr, "mcpctl: read %s: %s\n", path,
		    strerror(errno));
	else if (r == 0 && !found)
		fprintf(stderr, "mcpctl: no \"audit checkpoint SEQ:HASH\" line "
		    "in %s\n", path);
	lr_free(&lr);
	close_input(fd);
	return r == 0 && found ? 0 : -1;
}

static int
audit_verify_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "continued",	no_argument,		NULL, 'c' },
		{ "key-file",	required_argument,	NULL, 'k' },
		{ "expect",	required_argument,	NULL, 'e' },
		{ "checkpoint",	required_argument,	NULL, 'C' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct expect exp[EXPECT_MAX];
	const char *keyfile = NULL;
	char err[512];
	uint8_t *key;
	size_t keylen, nexp = 0;
	int ch, continued = 0, fd, ret;

	optind = 0;	/* glibc: start over, mcpctl may parse again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ck:e:C:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			continued = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'e':
		case 'C':
			if (nexp >= EXPECT_MAX) {
				fprintf(stderr, "mcpctl: audit verify: at most "
				    "%d checkpoints\n", EXPECT_MAX);
				return AUDIT_EXIT_TROUBLE;
			}
			if (ch == 'C') {
				if (read_checkpoint_file(optarg,
				    &exp[nexp]) != 0)
					return AUDIT_EXIT_TROUBLE;
			} else if (parse_expect(optarg, strlen(optarg),
			    &exp[nexp]) != 0) {
				fprintf(stderr, "mcpctl: audit verify: "
				    "--expect wants SEQ:HASH (a seq and 64 "
				    "lower-case hex digits) or a checkpoint "
				    "line\n");
				return AUDIT_EXIT_TROUBLE;
			}
			nexp++;
			break;
		case 'h':
			return audit_usage();
		default:
			return bad_option("verify", argv, ch);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "mcpctl: audit verify: exactly one file "
		    "expected\n");
		return audit_usage();
	}
	if (keyfile == NULL) {
		fprintf(stderr, "mcpctl: audit verify: --key-file is "
		    "required\n");
		return audit_usage();
	}
	if (auditchain_load_key(keyfile, &key, &keylen, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "mcpctl: %s\n", err);
		return AUDIT_EXIT_TROUBLE;
	}
	if ((fd = open_input(argv[optind])) == -1) {
		freezero(key, keylen);
		return AUDIT_EXIT_TROUBLE;
	}
	ret = verify_fd(fd, argv[optind], key, keylen, continued, exp, nexp);
	close_input(fd);
	freezero(key, keylen);
	return ret;
}

static int
audit_show_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	int ch, fd, ret;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return audit_usage();
		default:
			return bad_option("show", argv, ch);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "mcpctl: audit show: exactly one file "
		    "expected\n");
		return audit_usage();
	}
	if ((fd = open_input(argv[optind])) == -1)
		return AUDIT_EXIT_TROUBLE;
	ret = show_fd(fd, argv[optind]);
	close_input(fd);
	return ret;
}

int
ctl_audit_main(int argc, char **argv)
{
	if (argc < 2)
		return audit_usage();
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return audit_show_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "new-chain") == 0)
		return ctl_audit_new_chain(argc - 1, argv + 1);
	fprintf(stderr, "mcpctl: audit: unknown command %s\n", argv[1]);
	return audit_usage();
}
