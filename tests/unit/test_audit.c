/*
 * Unit tests for the audit log: the chain primitives (auditchain.c), the
 * monitor's writer (audit.c) and mcpctl audit verify|show (ctl_audit.c).
 * Every test works in its own directory under /tmp.
 */

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auditchain.h"
#include "auditkey.h"
#include "audit.h"
#include "config.h"
#include "ctl.h"
#include "secretfile.h"

#define KEYLEN		32
#define OUT_MAX		(64 * 1024)

struct fx {
	char	dir[64];
	char	keyfile[PATH_MAX];
	char	log[PATH_MAX];
	uint8_t	key[KEYLEN];
	char	out[OUT_MAX];	/* stdout of the last run_ctl */
	char	err[OUT_MAX];	/* stderr of the last run_ctl */
};

static char *roles_dev[] = { "developer", "viewer" };
static char *roles_view[] = { "viewer" };

static const char *ZEROS =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* --- helpers ---------------------------------------------------------- */

static void
path_in(struct fx *fx, char *buf, const char *name)
{
	int r;

	r = snprintf(buf, PATH_MAX, "%s/%s", fx->dir, name);
	assert_true(r > 0 && r < PATH_MAX);
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *
read_file(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size),
	    (ssize_t)st.st_size);
	buf[st.st_size] = '\0';
	assert_int_equal(close(fd), 0);
	*lenp = (size_t)st.st_size;
	return buf;
}

/* Lines of a file, each with its newline. */
struct lines {
	char	*buf;
	size_t	 n;
	char	*p[64];
	size_t	 len[64];
};

static void
split_lines(const char *path, struct lines *l)
{
	size_t len, i, start = 0;

	memset(l, 0, sizeof(*l));
	l->buf = read_file(path, &len);
	for (i = 0; i < len; i++) {
		if (l->buf[i] != '\n')
			continue;
		assert_true(l->n < 64);
		l->p[l->n] = l->buf + start;
		l->len[l->n] = i + 1 - start;
		l->n++;
		start = i + 1;
	}
	assert_int_equal(start, len);	/* ends in a newline */
}

/* Write the lines of l selected by idx (0-based, -1 ends) to path. */
static void
write_lines(const char *path, const struct lines *l, const int *idx)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	for (; *idx != -1; idx++)
		assert_int_equal(write(fd, l->p[*idx], l->len[*idx]),
		    (ssize_t)l->len[*idx]);
	assert_int_equal(close(fd), 0);
}

static void
append_file(const char *dst, const char *src)
{
	size_t len;
	char *buf;
	int fd;

	buf = read_file(src, &len);
	fd = open(dst, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(buf);
}

static void
slurp_fd(int fd, char *out)
{
	ssize_t r;
	size_t n = 0;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((r = read(fd, out + n, OUT_MAX - 1 - n)) > 0)
		n += (size_t)r;
	assert_true(r == 0);
	out[n] = '\0';
}

/*
 * Run "mcpctl audit ARGS..." in this process, as mcpctl would, with
 * stdout and stderr captured into fx->out and fx->err.
 */
static int
run_ctl(struct fx *fx, ...)
{
	char *argv[16], opath[PATH_MAX], epath[PATH_MAX];
	int argc = 0, ofd, efd, so, se, rc;
	va_list ap;

	argv[argc++] = "audit";
	va_start(ap, fx);
	while ((argv[argc] = va_arg(ap, char *)) != NULL) {
		argc++;
		assert_true(argc < 15);
	}
	va_end(ap);
	path_in(fx, opath, "ctl.out");
	path_in(fx, epath, "ctl.err");
	ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	efd = open(epath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(ofd != -1 && efd != -1);
	assert_int_equal(fflush(stdout), 0);
	assert_int_equal(fflush(stderr), 0);
	so = dup(STDOUT_FILENO);
	se = dup(STDERR_FILENO);
	assert_true(so != -1 && se != -1);
	assert_int_equal(dup2(ofd, STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(dup2(efd, STDERR_FILENO), STDERR_FILENO);
	rc = ctl_audit_main(argc, argv);
	(void)fflush(stdout);
	(void)fflush(stderr);
	assert_int_equal(dup2(so, STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(dup2(se, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(close(so), 0);
	assert_int_equal(close(se), 0);
	slurp_fd(ofd, fx->out);
	slurp_fd(efd, fx->err);
	assert_int_equal(close(ofd), 0);
	assert_int_equal(close(efd), 0);
	return rc;
}

static void
base_rec(struct audit_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->event = "tools/call";
	r->decision = AUDIT_ALLOWED;
	r->user = "dev@example.com";
	r->roles = roles_dev;
	r->nroles = 2;
	r->method = "apikey";
	r->credential = "0123456789ab";
	r->tool = "query";
	r->required = "developer";
	r->source = "stdio";
	r->client = "{\"name\":\"test-client\",\"version\":\"1.0\"}";
	r->request_id = "7";
	r->args_sha256 = ZEROS;
	r->duration_ms = 12;
}

static struct audit *
open_log(struct fx *fx, const char *path)
{
	struct audit *a = NULL;
	char err[512];

	if (audit_open(&a, path, fx->key, KEYLEN, AUDIT_SYNC_ALWAYS, err,
	    sizeof(err)) == -1)
		fail_msg("audit_open: %s", err);
	return a;
}

static void
write_n(struct audit *a, int n)
{
	struct audit_rec r;
	char err[512], user[64];
	int i;

	base_rec(&r);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "user%d@example.com", i);
		r.user = user;
		if (audit_write(a, &r, err, sizeof(err)) == -1)
			fail_msg("audit_write: %s", err);
	}
}

static void
write_log(struct fx *fx, const char *path, int n)
{
	struct audit *a = open_log(fx, path);

	write_n(a, n);
	audit_close(a);
}

static long long
line_seq(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *o;
	long long seq;

	o = json_loadb(line, len, 0, &jerr);
	assert_non_null(o);
	assert_true(json_is_integer(json_object_get(o, "seq")));
	seq = json_integer_value(json_object_get(o, "seq"));
	json_decref(o);
	return seq;
}

/* --- fixtures --------------------------------------------------------- */

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx;
	size_t i;

	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/mcpd-test-audit.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	for (i = 0; i < KEYLEN; i++)
		fx->key[i] = (uint8_t)(i * 7 + 1);
	snprintf(fx->keyfile, sizeof(fx->keyfile), "%s/audit.key", fx->dir);
	snprintf(fx->log, sizeof(fx->log), "%s/audit.log", fx->dir);
	write_file(fx->keyfile, fx->key, KEYLEN, 0600);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int r;

	r = nftw(fx->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return r;
}

/* --- auditchain ------------------------------------------------------- */

static void
test_chain_primitives(void **state)
{
	char out[AUDIT_HEX_LEN + 1], mac[AUDIT_HEX_LEN + 1], line[256];
	const char *body = "{\"seq\":1}";
	size_t bodylen;

	(void)state;
	/* SHA-256("abc"), FIPS 180-2. */
	assert_int_equal(auditchain_hash("abc", 3, out), 0);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2: key "Jefe". */
	assert_int_equal(auditchain_mac((const uint8_t *)"Jefe", 4,
	    "what do ya want for nothing?", 28, out), 0);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");

	assert_int_equal(auditchain_mac((const uint8_t *)"k", 1, body,
	    strlen(body), mac), 0);
	snprintf(line, sizeof(line), "{\"seq\":1,\"mac\":\"%s\"}", mac);
	assert_int_equal(auditchain_split(line, strlen(line), &bodylen, out),
	    0);
	assert_string_equal(out, mac);
	assert_int_equal(bodylen, strlen(body));
	/* Upper-case hex, a missing brace, a short line: not records. */
	line[strlen(line) - 3] = 'A';
	assert_int_equal(auditchain_split(line, strlen(line), &bodylen, out),
	    -1);
	snprintf(line, sizeof(line), "{\"seq\":1,\"mac\":\"%s\"", mac);
	assert_int_equal(auditchain_split(line, strlen(line), &bodylen, out),
	    -1);
	assert_int_equal(auditchain_split("{}", 2, &bodylen, out), -1);
}

static void
test_load_key(void **state)
{
	struct fx *fx = *state;
	static const mode_t modes[] = { 0640, 0604, 0660, 0606, 0620, 0602,
	    0610, 0601, 0644 };
	char path[PATH_MAX], err[512], want[PATH_MAX + 128];
	uint8_t big[AUDIT_KEY_MAX + 1], *key;
	size_t keylen, i;

	assert_int_equal(auditchain_load_key(fx->keyfile, &key, &keylen, err,
	    sizeof(err)), 0);
	assert_int_equal(keylen, KEYLEN);
	assert_memory_equal(key, fx->key, KEYLEN);
	explicit_bzero(key, keylen);
	free(key);

	/* Too short: 31 bytes. */
	path_in(fx, path, "short.key");
	write_file(path, fx->key, 31, 0600);
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), -1);
	assert_null(key);
	assert_non_null(strstr(err, path));

	/* Too long. */
	memset(big, 'k', sizeof(big));
	path_in(fx, path, "long.key");
	write_file(path, big, sizeof(big), 0600);
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, path));

	/* Exactly the maximum is fine. */
	write_file(path, big, AUDIT_KEY_MAX, 0600);
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), 0);
	assert_int_equal(keylen, AUDIT_KEY_MAX);
	free(key);

	/* Any group or other bit: group-readable, world-readable, ... */
	path_in(fx, path, "open.key");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(want, sizeof(want), "UNPROTECTED SECRET FILE: %s is "
		    "accessible by group or others (mode %04o); it must be "
		    "0600 or stricter", path, (unsigned int)modes[i]);
		write_file(path, fx->key, KEYLEN, modes[i]);
		assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
		    sizeof(err)), -1);
		assert_null(key);
		assert_string_equal(err, want);
	}
	/* ... while 0400 is as good as 0600. */
	write_file(path, fx->key, KEYLEN, 0400);
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), 0);
	assert_memory_equal(key, fx->key, KEYLEN);
	explicit_bzero(key, keylen);
	free(key);

	/* Owned by another user (only root can make one). */
	if (geteuid() == 0) {
		path_in(fx, path, "foreign.key");
		write_file(path, fx->key, KEYLEN, 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		snprintf(want, sizeof(want), "%s is owned by uid 65534, not "
		    "root or the running user", path);
		assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
		    sizeof(err)), -1);
		assert_string_equal(err, want);
	}

	/* A symlink to a good key, a directory, a missing file. */
	path_in(fx, path, "link.key");
	assert_int_equal(symlink(fx->keyfile, path), 0);
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: is a symbolic link", path);
	assert_string_equal(err, want);
	assert_int_equal(auditchain_load_key(fx->dir, &key, &keylen, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s is not a regular file", fx->dir);
	assert_string_equal(err, want);
	path_in(fx, path, "missing.key");
	assert_int_equal(auditchain_load_key(path, &key, &keylen, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

/* --- writer ----------------------------------------------------------- */

static void
test_format_ts(void **state)
{
	struct timespec ts;
	char buf[AUDIT_TS_LEN + 1];

	(void)state;
	ts.tv_sec = 1795688132;
	ts.tv_nsec = 123456789;
	assert_int_equal(audit_format_ts(&ts, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-11-26T10:15:32.123Z");
	ts.tv_sec = 0;
	ts.tv_nsec = 5000000;
	assert_int_equal(audit_format_ts(&ts, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.005Z");
	/* Milliseconds are truncated, never rounded up into the next second. */
	ts.tv_sec = 1766398532;
	ts.tv_nsec = 999999999;
	assert_int_equal(audit_format_ts(&ts, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2025-12-22T10:15:32.999Z");
	assert_int_equal(audit_format_ts(&ts, buf, AUDIT_TS_LEN), -1);
	ts.tv_nsec = 1000000000L;
	assert_int_equal(audit_format_ts(&ts, buf, sizeof(buf)), -1);
}

/* Fields, their order, the chain and the MAC, checked independently. */
static void
test_record_format(void **state)
{
	static const char *order[] = { "ts", "seq", "event", "decision",
	    "user", "roles", "method", "credential", "tool", "required",
	    "reason", "source", "client", "request_id", "args_sha256",
	    "args", "duration_ms", "prev", "mac" };
	struct fx *fx = *state;
	struct timespec t0, t1;
	struct audit_rec r;
	struct audit *a;
	struct lines l;
	char err[512], hex[AUDIT_HEX_LEN + 1], before[AUDIT_TS_LEN + 1];
	char after[AUDIT_TS_LEN + 1], body[4096];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	json_error_t jerr;
	json_t *o;
	void *it;
	size_t k, blen;

	a = open_log(fx, fx->log);
	assert_string_equal(audit_path(a), fx->log);
	base_rec(&r);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t0), 0);
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t1), 0);
	r.decision = NULL;
	r.roles = NULL;
	r.nroles = 0;
	r.reason = "no such tool";
	r.args = "{\"sql\":\"select 1\"}";
	r.duration_ms = -1;
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);

	split_lines(fx->log, &l);
	assert_int_equal(l.n, 2);
	/* Record 1: no args member. */
	o = json_loadb(l.p[0], l.len[0] - 1, 0, &jerr);
	assert_non_null(o);
	for (k = 0, it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it), k++) {
		if (k == 15)	/* skip "args" in the expected order */
			k++;
		assert_true(k < 19);
		assert_string_equal(json_object_iter_key(it), order[k]);
	}
	assert_int_equal(k, 19);
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "prev")),
	    ZEROS);
	assert_string_equal(json_string_value(json_object_get(o, "user")),
	    "dev@example.com");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(o, "roles"), 1)), "viewer");
	assert_true(json_is_null(json_object_get(o, "reason")));
	assert_int_equal(json_integer_value(json_object_get(o,
	    "duration_ms")), 12);
	/* ts from the clock, between two readings around the write. */
	assert_int_equal(audit_format_ts(&t0, before, sizeof(before)), 0);
	assert_int_equal(audit_format_ts(&t1, after, sizeof(after)), 0);
	assert_true(strcmp(json_string_value(json_object_get(o, "ts")),
	    before) >= 0);
	assert_true(strcmp(json_string_value(json_object_get(o, "ts")),
	    after) <= 0);
	json_decref(o);
	assert_memory_equal(l.p[0], "{\"ts\":\"", 7);

	/* The MAC: HMAC-SHA256 over the line minus its mac member. */
	blen = l.len[0] - 1 - AUDIT_MAC_SUFFIX_LEN;
	memcpy(body, l.p[0], blen);
	body[blen++] = '}';
	assert_non_null(HMAC(EVP_sha256(), fx->key, KEYLEN,
	    (uint8_t *)body, blen, md, &mdlen));
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_memory_equal(l.p[0] + blen + 7, hex, AUDIT_HEX_LEN);

	/* Record 2: prev is SHA-256 of line 1, args present, nulls. */
	assert_int_equal(EVP_Digest(l.p[0], l.len[0] - 1, md, &mdlen,
	    EVP_sha256(), NULL), 1);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	o = json_loadb(l.p[1], l.len[1] - 1, 0, &jerr);
	assert_non_null(o);
	for (k = 0, it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it), k++)
		assert_string_equal(json_object_iter_key(it), order[k]);
	assert_int_equal(k, 19);
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "prev")),
	    hex);
	assert_true(json_is_null(json_object_get(o, "decision")));
	assert_true(json_is_null(json_object_get(o, "duration_ms")));
	assert_int_equal(json_array_size(json_object_get(o, "roles")), 0);
	assert_string_equal(json_string_value(json_object_get(o, "args")),
	    "{\"sql\":\"select 1\"}");
	json_decref(o);
	free(l.buf);
}

static void
test_verify_ok(void **state)
{
	struct fx *fx = *state;

	write_log(fx, fx->log, 5);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "--key-file",
	    fx->keyfile, NULL), 0);
	assert_string_equal(fx->out, "OK: 5 records verified, last seq 5\n");
	assert_int_equal(run_ctl(fx, "verify", "-k", fx->keyfile, fx->log,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 5 records verified, last seq 5\n");
}

static void
test_verify_wrong_key(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX];
	uint8_t other[KEYLEN];

	write_log(fx, fx->log, 3);
	memset(other, 0x5a, sizeof(other));
	path_in(fx, path, "other.key");
	write_file(path, other, sizeof(other), 0600);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", path, NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 1 (line 1): MAC mismatch: record altered\n");
}

static void
test_tamper_alter(void **state)
{
	struct fx *fx = *state;
	struct lines l;
	char *p;
	const int all[] = { 0, 1, 2, 3, 4, -1 };

	write_log(fx, fx->log, 5);
	split_lines(fx->log, &l);
	/* user2@example.com -> user2@examplf.com in record 3. */
	p = memmem(l.p[2], l.len[2], "user2@example.com", 17);
	assert_non_null(p);
	p[12] = 'f';
	write_lines(fx->log, &l, all);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 3 (line 3): MAC mismatch: record altered\n");
	free(l.buf);
}

static void
test_tamper_delete(void **state)
{
	struct fx *fx = *state;
	struct lines l;
	const int sel[] = { 0, 1, 3, 4, -1 };

	write_log(fx, fx->log, 5);
	split_lines(fx->log, &l);
	write_lines(fx->log, &l, sel);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 3 (line 3): sequence "
	    "gap: expected seq 3, found 4 (records removed or reordered)\n");
	free(l.buf);
}

static void
test_tamper_swap(void **state)
{
	struct fx *fx = *state;
	struct lines l;
	const int sel[] = { 0, 2, 1, 3, 4, -1 };

	write_log(fx, fx->log, 5);
	split_lines(fx->log, &l);
	write_lines(fx->log, &l, sel);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 2 (line 2): sequence "
	    "gap: expected seq 2, found 3 (records removed or reordered)\n");
	free(l.buf);
}

static void
test_tamper_duplicate(void **state)
{
	struct fx *fx = *state;
	struct lines l;
	const int sel[] = { 0, 1, 2, 2, 3, 4, -1 };

	write_log(fx, fx->log, 5);
	split_lines(fx->log, &l);
	write_lines(fx->log, &l, sel);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 4 (line 4): sequence "
	    "gap: expected seq 4, found 3 (records removed or reordered)\n");
	free(l.buf);
}

/*
 * Records 4 and 5 taken from another log under the same key: seq and MAC
 * are right, only the chain shows the splice.
 */
static void
test_tamper_splice(void **state)
{
	struct fx *fx = *state;
	char other[PATH_MAX], tail[PATH_MAX], err[512];
	struct audit_rec r;
	struct audit *a;
	struct lines l;
	const int sel[] = { 3, 4, -1 };
	int i;

	path_in(fx, other, "other.log");
	path_in(fx, tail, "tail.log");
	write_log(fx, fx->log, 3);
	a = open_log(fx, other);
	base_rec(&r);
	r.tool = "list_tables";
	for (i = 0; i < 5; i++)
		assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);
	split_lines(other, &l);
	write_lines(tail, &l, sel);
	append_file(fx->log, tail);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 4 (line 4): chain "
	    "broken: prev does not match the previous record (record "
	    "removed, inserted or reordered)\n");
	free(l.buf);
}

static void
test_tamper_malformed(void **state)
{
	struct fx *fx = *state;
	struct lines l;
	const int sel[] = { 0, 1, 2, -1 };
	int fd;

	write_log(fx, fx->log, 4);
	split_lines(fx->log, &l);
	/* The last line cut short, without its newline. */
	write_lines(fx->log, &l, sel);
	fd = open(fx->log, O_WRONLY | O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, l.p[3], l.len[3] - 1),
	    (ssize_t)l.len[3] - 1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 4 (line 4): malformed record\n");

	/* A line of garbage in the middle. */
	write_lines(fx->log, &l, sel);
	fd = open(fx->log, O_WRONLY | O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	assert_int_equal(write(fd, l.p[3], l.len[3]), (ssize_t)l.len[3]);
	assert_int_equal(close(fd), 0);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 4 (line 4): malformed record\n");
	free(l.buf);
}

/* Hostile bytes in client-supplied fields: still one line, still valid. */
static void
test_hostile_fields(void **state)
{
	static const char tool[] = "evil\ntool\r\x01\x1b[2J\x7f\"\\";
	static const char client[] =
	    "{\"name\":\"x\xff\xfe\xc0\xaf\xed\xa0\x80\"}"
	    "\xe2\x80\xa8\xe2\x80\xa9";
	static const char client_fixed[] = "{\"name\":\"x"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\xe2\x80\xa8\xe2\x80\xa9";
	struct fx *fx = *state;
	struct audit_rec r;
	struct audit *a;
	struct lines l;
	json_error_t jerr;
	json_t *o;
	char err[512];
	size_t i, j;

	a = open_log(fx, fx->log);
	write_n(a, 1);
	base_rec(&r);
	r.tool = tool;
	r.client = client;
	r.request_id = "\xf4\x90\x80\x80";	/* above U+10FFFF */
	r.reason = "to\0ol";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	r.tool = "\n";
	r.client = "\r\n\r\n";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	write_n(a, 1);
	audit_close(a);

	split_lines(fx->log, &l);
	assert_int_equal(l.n, 4);
	for (i = 0; i < l.n; i++) {
		/* Pure printable ASCII up to the newline. */
		for (j = 0; j + 1 < l.len[i]; j++)
			assert_true(l.p[i][j] >= 0x20 && l.p[i][j] < 0x7f);
	}
	assert_non_null(memmem(l.p[1], l.len[1], "\\u2028\\u2029", 12));
	o = json_loadb(l.p[1], l.len[1] - 1, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "tool")),
	    tool);
	assert_string_equal(json_string_value(json_object_get(o, "client")),
	    client_fixed);
	assert_string_equal(json_string_value(json_object_get(o,
	    "request_id")), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "to");
	json_decref(o);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 4 records verified, last seq 4\n");
	free(l.buf);
}

/* logrotate: rename, SIGUSR1 (audit_reopen), the chain goes on. */
static void
test_reopen_continues(void **state)
{
	struct fx *fx = *state;
	char old[PATH_MAX], all[PATH_MAX], err[512];
	struct audit *a;

	path_in(fx, old, "audit.log.1");
	path_in(fx, all, "all.log");
	a = open_log(fx, fx->log);
	write_n(a, 3);
	assert_int_equal(rename(fx->log, old), 0);
	assert_int_equal(audit_reopen(a, err, sizeof(err)), 0);
	write_n(a, 2);
	audit_close(a);

	assert_int_equal(run_ctl(fx, "verify", old, "-k", fx->keyfile, NULL),
	    0);
	assert_string_equal(fx->out, "OK: 3 records verified, last seq 3\n");
	/* Alone, the new file does not start a chain... */
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 1 (line 1): sequence "
	    "gap: expected seq 1, found 4 (records removed or reordered)\n");
	/* ...but it continues one. */
	assert_int_equal(run_ctl(fx, "verify", "--continued", fx->log, "-k",
	    fx->keyfile, NULL), 0);
	assert_string_equal(fx->out, "OK: 2 records verified, last seq 5\n");
	assert_int_equal(run_ctl(fx, "verify", "-c", fx->log, "-k",
	    fx->keyfile, NULL), 0);
	append_file(all, old);
	append_file(all, fx->log);
	assert_int_equal(run_ctl(fx, "verify", all, "-k", fx->keyfile, NULL),
	    0);
	assert_string_equal(fx->out, "OK: 5 records verified, last seq 5\n");
}

/* A restart reads the chain back from the file. */
static void
test_restart_continues(void **state)
{
	struct fx *fx = *state;
	struct lines l;

	write_log(fx, fx->log, 3);
	write_log(fx, fx->log, 2);
	split_lines(fx->log, &l);
	assert_int_equal(l.n, 5);
	assert_int_equal(line_seq(l.p[3], l.len[3] - 1), 4);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 5 records verified, last seq 5\n");
	free(l.buf);
}

static void
test_open_refuses(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX], err[512], line[256];
	struct audit *a;

	/* An unparseable last line. */
	write_file(fx->log, "not json\n", 9, 0600);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_null(a);
	assert_non_null(strstr(err, "previous log tail unreadable"));
	assert_non_null(strstr(err, fx->log));
	/* A last line without a newline. */
	snprintf(line, sizeof(line), "{\"seq\":3,\"prev\":\"%s\"}", ZEROS);
	write_file(fx->log, line, strlen(line), 0600);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "previous log tail unreadable"));
	/* A JSON object without seq. */
	write_file(fx->log, "{\"a\":1}\n", 8, 0600);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "previous log tail unreadable"));
	/*
	 * With the newline, but no MAC: once the chain was continued from
	 * any last line (issue 11); now a tail that does not verify is
	 * refused, naming the file, the line and the way out.
	 */
	snprintf(line, sizeof(line), "{\"seq\":3,\"prev\":\"%s\"}\n", ZEROS);
	write_file(fx->log, line, strlen(line), 0600);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_null(a);
	assert_non_null(strstr(err, ", line 1: previous log tail "
	    "unreadable: the last record has no MAC"));
	assert_non_null(strstr(err, "mcpctl audit new-chain"));

	/* Not regular files; a symlink. */
	assert_int_equal(audit_open(&a, fx->dir, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_int_equal(audit_open(&a, "/dev/null", fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_string_equal(err, "audit log /dev/null is not a regular file");
	path_in(fx, path, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(audit_open(&a, path, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	path_in(fx, path, "link.log");
	assert_int_equal(symlink(fx->log, path), 0);
	assert_int_equal(audit_open(&a, path, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	/* Bad arguments. */
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN, 7, err,
	    sizeof(err)), -1);
	assert_int_equal(audit_open(&a, fx->log, fx->key, 16,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
}

static void
test_new_file_mode(void **state)
{
	struct fx *fx = *state;
	struct audit *a;
	struct stat st;
	char err[512];

	/* Batch and none sync modes write the same records. */
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_BATCH, err, sizeof(err)), 0);
	write_n(a, 70);
	assert_int_equal(audit_flush(a), 0);
	assert_int_equal(audit_flush(a), 0);
	audit_close(a);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_NONE, err, sizeof(err)), 0);
	write_n(a, 2);
	assert_int_equal(audit_flush(a), 0);
	audit_close(a);
	assert_int_equal(stat(fx->log, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out,
	    "OK: 72 records verified, last seq 72\n");
}

/* The writer's copy of the MAC key is locked, and unlocked at close. */
static void
test_key_locked(void **state)
{
	struct fx *fx = *state;
	struct audit *a;
	char err[512];
	long before;

	before = vmlck_kb();
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), 0);
	if (secret_lock_failures(NULL) != 0) {
		audit_close(a);
		skip();
	}
	assert_true(vmlck_kb() > before);
	write_n(a, 3);
	audit_close(a);
	assert_int_equal(vmlck_kb(), before);
}

/* The path replaced by a directory: reopen fails, writes fail closed. */
static void
test_write_fails_after_bad_reopen(void **state)
{
	struct fx *fx = *state;
	char old[PATH_MAX], err[512];
	struct audit_rec r;
	struct audit *a;

	path_in(fx, old, "audit.log.1");
	base_rec(&r);
	a = open_log(fx, fx->log);
	write_n(a, 1);
	assert_int_equal(rename(fx->log, old), 0);
	assert_int_equal(mkdir(fx->log, 0700), 0);
	assert_int_equal(audit_reopen(a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, fx->log));
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not open"));
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), -1);
	/* Fixed: the chain resumes at seq 2, nothing was consumed. */
	assert_int_equal(rmdir(fx->log), 0);
	assert_int_equal(audit_reopen(a, err, sizeof(err)), 0);
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);
	assert_int_equal(run_ctl(fx, "verify", "-c", fx->log, "-k",
	    fx->keyfile, NULL), 0);
	assert_string_equal(fx->out, "OK: 1 records verified, last seq 2\n");
	append_file(old, fx->log);
	assert_int_equal(run_ctl(fx, "verify", old, "-k", fx->keyfile, NULL),
	    0);
	assert_string_equal(fx->out, "OK: 2 records verified, last seq 2\n");
}

/*
 * A short write (RLIMIT_FSIZE) leaves a partial line: the write fails, the
 * log refuses further records until reopen, and the reopen ends the
 * partial line so that the next record is whole.
 */
static void
test_short_write(void **state)
{
	struct fx *fx = *state;
	struct audit_rec r, big;
	struct rlimit rl, old;
	struct audit *a;
	struct stat st;
	struct lines l;
	char err[512], reason[2000];
	int status;
	pid_t pid;

	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	base_rec(&r);
	big = r;
	big.decision = AUDIT_ERROR;
	big.reason = reason;
	assert_int_equal(fflush(stdout), 0);
	if ((pid = fork()) == 0) {
		if (audit_open(&a, fx->log, fx->key, KEYLEN,
		    AUDIT_SYNC_ALWAYS, err, sizeof(err)) == -1)
			_exit(10);
		if (audit_write(a, &r, err, sizeof(err)) == -1)
			_exit(11);
		if (stat(fx->log, &st) == -1 ||
		    signal(SIGXFSZ, SIG_IGN) == SIG_ERR ||
		    getrlimit(RLIMIT_FSIZE, &old) == -1)
			_exit(12);
		rl = old;
		rl.rlim_cur = (rlim_t)st.st_size + 100;
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
			_exit(13);
		if (audit_write(a, &big, err, sizeof(err)) != -1)
			_exit(14);
		if (strstr(err, "short write") == NULL)
			_exit(15);
		if (setrlimit(RLIMIT_FSIZE, &old) == -1)
			_exit(16);
		/* Broken: even a small record is refused now. */
		if (audit_write(a, &r, err, sizeof(err)) != -1 ||
		    strstr(err, "SIGUSR1") == NULL)
			_exit(17);
		if (audit_reopen(a, err, sizeof(err)) == -1)
			_exit(18);
		if (audit_write(a, &r, err, sizeof(err)) == -1)
			_exit(19);
		audit_close(a);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	split_lines(fx->log, &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.len[1], 101);	/* 100 bytes, then our "\n" */
	assert_int_equal(line_seq(l.p[2], l.len[2] - 1), 2);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 2 (line 2): malformed record\n");
	free(l.buf);
}

/* Oversized fields: the long ones are cut, others fail the record. */
static void
test_record_caps(void **state)
{
	struct fx *fx = *state;
	struct audit_rec r;
	struct audit *a;
	struct lines l;
	json_error_t jerr;
	json_t *o;
	char err[512], *huge, *tool;
	size_t i;

	huge = malloc(2 * 1024 * 1024 + 1);
	tool = malloc(5001);
	assert_non_null(huge);
	assert_non_null(tool);
	memset(huge, 'a', 2 * 1024 * 1024);
	huge[2 * 1024 * 1024] = '\0';
	/* 2500 two-byte characters: the cut must not split one. */
	for (i = 0; i < 5000; i += 2)
		memcpy(tool + i, "\xc3\xa9", 2);
	tool[5000] = '\0';

	a = open_log(fx, fx->log);
	base_rec(&r);
	/* 900 KiB of arguments fit a record: kept whole. */
	huge[900 * 1024] = '\0';
	r.args = huge;
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	/* 2 MiB do not: args and tool are cut to 4 KiB. */
	huge[900 * 1024] = 'a';
	r.tool = tool;
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	/* A user field that size cannot be cut: the record fails. */
	r.user = huge;
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "user"));
	base_rec(&r);
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);

	split_lines(fx->log, &l);
	assert_int_equal(l.n, 3);
	o = json_loadb(l.p[0], l.len[0] - 1, 0, &jerr);
	assert_non_null(o);
	assert_int_equal(json_string_length(json_object_get(o, "args")),
	    900 * 1024);
	json_decref(o);
	o = json_loadb(l.p[1], l.len[1] - 1, 0, &jerr);
	assert_non_null(o);
	assert_int_equal(json_string_length(json_object_get(o, "args")),
	    4096);
	assert_int_equal(json_string_length(json_object_get(o, "tool")),
	    4096);
	json_decref(o);
	/* The failed record consumed no seq. */
	assert_int_equal(line_seq(l.p[2], l.len[2] - 1), 3);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 3 records verified, last seq 3\n");
	free(l.buf);
	free(huge);
	free(tool);
}

/* --- show ------------------------------------------------------------- */

/* Put a fixed ts into every line (the MAC is not show's business). */
static void
fix_ts(const char *path, const char *ts)
{
	struct lines l;
	int idx[65];
	size_t i;

	split_lines(path, &l);
	for (i = 0; i < l.n; i++) {
		assert_memory_equal(l.p[i], "{\"ts\":\"", 7);
		memcpy(l.p[i] + 7, ts, AUDIT_TS_LEN);
		idx[i] = (int)i;
	}
	idx[l.n] = -1;
	write_lines(path, &l, idx);
	free(l.buf);
}

static void
test_show_denied(void **state)
{
	struct fx *fx = *state;
	struct audit_rec r;
	struct audit *a;
	char err[512], *p;
	size_t i;

	a = open_log(fx, fx->log);
	base_rec(&r);
	r.decision = AUDIT_DENIED;
	r.tool = "delete_all_users";
	r.required = "admin";
	r.reason = "role not permitted";
	r.duration_ms = -1;
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);

	assert_int_equal(run_ctl(fx, "show", fx->log, NULL), 0);
	/* [YYYY-MM-DDTHH:MM:SSZ] from the writer's clock... */
	assert_int_equal(fx->out[0], '[');
	for (i = 1; i <= 19; i++) {
		if (i == 5 || i == 8)
			assert_int_equal(fx->out[i], '-');
		else if (i == 11)
			assert_int_equal(fx->out[i], 'T');
		else if (i == 14 || i == 17)
			assert_int_equal(fx->out[i], ':');
		else
			assert_true(fx->out[i] >= '0' && fx->out[i] <= '9');
	}
	assert_memory_equal(fx->out + 20, "Z]", 2);
	p = strchr(fx->out, ']');
	assert_non_null(p);
	assert_string_equal(p + 1, " DENIED user=dev@example.com "
	    "tool=delete_all_users role=developer required=admin\n");

	/* ...and the whole line, with the ts of the example. */
	fix_ts(fx->log, "2025-12-22T10:15:32.123Z");
	assert_int_equal(run_ctl(fx, "show", fx->log, NULL), 0);
	assert_string_equal(fx->out, "[2025-12-22T10:15:32Z] DENIED "
	    "user=dev@example.com tool=delete_all_users role=developer "
	    "required=admin\n");
}

static void
test_show_fields_and_escapes(void **state)
{
	struct fx *fx = *state;
	struct audit_rec r;
	struct audit *a;
	char err[512];
	int fd;

	a = open_log(fx, fx->log);
	/* AUTH_FAILED: no user, a reason with a space. */
	base_rec(&r);
	r.decision = AUDIT_AUTH_FAILED;
	r.user = NULL;
	r.roles = NULL;
	r.nroles = 0;
	r.required = "";
	r.reason = "key expired";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	/* No decision: the event names the line. */
	base_rec(&r);
	r.event = "tools/list";
	r.decision = NULL;
	r.user = "viewer@example.com";
	r.roles = roles_view;
	r.nroles = 1;
	r.tool = NULL;
	r.required = NULL;
	r.reason = "listed 3 tools";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	/* Hostile user and tool names. */
	base_rec(&r);
	r.user = "a\"b\\c\nd\xc3\xa9 e";
	r.tool = "\x1b[2Jx=y";
	r.reason = "not shown for ALLOWED";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	/* ERROR with a reason. */
	base_rec(&r);
	r.decision = AUDIT_ERROR;
	r.reason = "worker killed (SIGSYS)";
	assert_int_equal(audit_write(a, &r, err, sizeof(err)), 0);
	audit_close(a);
	fix_ts(fx->log, "2026-11-26T10:15:32.123Z");

	/* Garbage, then a partial last line. */
	fd = open(fx->log, O_WRONLY | O_APPEND);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "]garbage\n{\"ts\":", 15), 15);
	assert_int_equal(close(fd), 0);

	assert_int_equal(run_ctl(fx, "show", fx->log, NULL), 1);
	assert_string_equal(fx->out,
	    "[2026-11-26T10:15:32Z] AUTH_FAILED tool=query "
	    "reason=\"key expired\"\n"
	    "[2026-11-26T10:15:32Z] TOOLS/LIST user=viewer@example.com "
	    "role=viewer reason=\"listed 3 tools\" event=tools/list\n"
	    "[2026-11-26T10:15:32Z] ALLOWED "
	    "user=\"a\\x22b\\x5cc\\x0ad\\xc3\\xa9 e\" tool=\\x1b[2Jx=y "
	    "role=developer required=developer\n"
	    "[2026-11-26T10:15:32Z] ERROR user=dev@example.com tool=query "
	    "role=developer required=developer "
	    "reason=\"worker killed (SIGSYS)\"\n"
	    "[?] MALFORMED line 5\n"
	    "[?] MALFORMED line 6\n");
}

/* --- command line ----------------------------------------------------- */

static void
test_usage(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX];

	write_log(fx, fx->log, 1);
	assert_int_equal(run_ctl(fx, NULL), 2);
	assert_int_equal(run_ctl(fx, "frobnicate", NULL), 2);
	assert_non_null(strstr(fx->err, "usage:"));
	assert_int_equal(run_ctl(fx, "verify", fx->log, NULL), 2);
	assert_int_equal(run_ctl(fx, "verify", "-k", fx->keyfile, NULL), 2);
	assert_int_equal(run_ctl(fx, "verify", "-k", NULL), 2);
	assert_int_equal(run_ctl(fx, "verify", "--bogus", "-k", fx->keyfile,
	    fx->log, NULL), 2);
	assert_int_equal(run_ctl(fx, "verify", "-k", fx->keyfile, fx->log,
	    fx->log, NULL), 2);
	assert_int_equal(run_ctl(fx, "show", NULL), 2);
	assert_int_equal(run_ctl(fx, "show", "-x", fx->log, NULL), 2);
	assert_string_equal(fx->out, "");
	/* Trouble, not a verdict. */
	path_in(fx, path, "missing.log");
	assert_int_equal(run_ctl(fx, "verify", "-k", fx->keyfile, path,
	    NULL), 2);
	assert_string_equal(fx->out, "");
	assert_non_null(strstr(fx->err, "mcpctl: cannot open"));
	assert_int_equal(run_ctl(fx, "verify", "-k", path, fx->log, NULL), 2);
	assert_non_null(strstr(fx->err, "mcpctl: cannot open audit key file"));
	/* An empty log verifies, trivially. */
	write_file(path, "", 0, 0600);
	assert_int_equal(run_ctl(fx, "verify", "-k", fx->keyfile, path,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 0 records verified, last seq 0\n");
}

/* --- anchoring (issue 11, item 3) ------------------------------------- */

/* The state file beside fx->log. */
static void
state_path(struct fx *fx, char *buf)
{
	assert_int_equal(auditkey_state_path(fx->log, buf, PATH_MAX), 0);
}

static struct audit *
open_log_cp(struct fx *fx, long records)
{
	struct audit *a = open_log(fx, fx->log);

	audit_set_checkpoint(a, records, 0);
	return a;
}

/* SHA-256 of line i of l (without its newline), as hex. */
static void
line_hash(const struct lines *l, size_t i, char out[AUDIT_HEX_LEN + 1])
{
	assert_int_equal(auditchain_hash(l->p[i], l->len[i] - 1, out), 0);
}

/* K_{e+1} = HMAC-SHA256(K_e, "mcpd audit key v1" NUL uint64be(e+1)). */
static void
test_key_evolution(void **state)
{
	static const uint8_t label[] = "mcpd audit key v1";
	uint8_t key[KEYLEN], k1[32], k2[32], msg[sizeof(label) + 8];
	uint8_t md[EVP_MAX_MD_SIZE];
	struct auditkey_state ks;
	unsigned int mdlen;
	size_t i;

	for (i = 0; i < KEYLEN; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	memcpy(msg, label, sizeof(label));
	memset(msg + sizeof(label), 0, 8);
	msg[sizeof(label) + 7] = 1;
	assert_non_null(HMAC(EVP_sha256(), key, KEYLEN, msg, sizeof(msg),
	    md, &mdlen));
	assert_int_equal(auditkey_evolve(key, KEYLEN, 0, k1), 0);
	assert_memory_equal(k1, md, 32);
	msg[sizeof(label) + 7] = 2;
	assert_non_null(HMAC(EVP_sha256(), k1, 32, msg, sizeof(msg), md,
	    &mdlen));
	assert_int_equal(auditkey_evolve(k1, 32, 1, k2), 0);
	assert_memory_equal(k2, md, 32);
	/* advance: the same keys, the old one gone, never backwards. */
	assert_int_equal(auditkey_init(&ks, key, KEYLEN), 0);
	assert_int_equal(auditkey_advance(&ks, 2), 0);
	assert_int_equal(ks.epoch, 2);
	assert_int_equal(ks.keylen, 32);
	assert_memory_equal(ks.key, k2, 32);
	assert_int_equal(auditkey_advance(&ks, 1), -1);
	assert_int_equal(auditkey_advance(&ks, AUDITKEY_EPOCH_MAX + 1), -1);
	auditkey_clear(&ks);
}

/* The key state: stored 0600, read back, refused when unprotected. */
static void
test_key_state_file(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX], err[512], *text;
	struct auditkey_state ks, back;
	struct stat st;
	size_t len;

	state_path(fx, path);
	assert_int_equal(auditkey_state_load(path, &back, err, sizeof(err)),
	    1);
	assert_int_equal(auditkey_init(&ks, fx->key, KEYLEN), 0);
	assert_int_equal(auditkey_advance(&ks, 3), 0);
	ks.cp_seq = 42;
	memset(ks.cp_hash, 'a', AUDIT_HEX_LEN);
	assert_int_equal(auditkey_state_store(path, &ks, err, sizeof(err)),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(auditkey_state_load(path, &back, err, sizeof(err)),
	    0);
	assert_int_equal(back.epoch, 3);
	assert_int_equal(back.cp_seq, 42);
	assert_string_equal(back.cp_hash, ks.cp_hash);
	assert_int_equal(back.keylen, 32);
	assert_memory_equal(back.key, ks.key, 32);
	auditkey_clear(&back);
	/* The initial key is not in it once the key has evolved. */
	text = read_file(path, &len);
	assert_null(memmem(text, len, fx->key, KEYLEN));
	free(text);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(auditkey_state_load(path, &back, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "UNPROTECTED SECRET FILE"));
	write_file(path, "mcpd-audit-keystate 1\nepoch 1\n", 30, 0600);
	assert_int_equal(auditkey_state_load(path, &back, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "is malformed"));
	auditkey_clear(&ks);
}

/*
 * AuditCheckpoint N: a checkpoint record after every N records, which
 * opens the next key epoch; the verifier follows the epochs from the
 * initial key; the key state holds the evolved key.
 */
static void
test_checkpoint_records(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX], err[512], hash[AUDIT_HEX_LEN + 1], exp[128];
	struct auditkey_state ks;
	struct audit *a;
	struct lines l;
	json_error_t jerr;
	json_t *o;

	a = open_log_cp(fx, 3);
	write_n(a, 7);
	audit_close(a);
	split_lines(fx->log, &l);
	assert_int_equal(l.n, 9);	/* 7 records, checkpoints 4 and 8 */
	o = json_loadb(l.p[3], l.len[3] - 1, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    "checkpoint");
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "epoch")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "records")),
	    3);
	json_decref(o);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 9 records verified, last seq 9\n");
	state_path(fx, path);
	assert_int_equal(auditkey_state_load(path, &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.epoch, 2);
	assert_int_equal(ks.cp_seq, 8);
	line_hash(&l, 7, hash);
	assert_string_equal(ks.cp_hash, hash);
	auditkey_clear(&ks);
	/* --expect at the checkpoint; and the same from a syslog line. */
	snprintf(exp, sizeof(exp), "8:%s", hash);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    "--expect", exp, NULL), 0);
	assert_string_equal(fx->out, "OK: 9 records verified, last seq 9, "
	    "checkpoint 8 matches\n");
	snprintf(exp, sizeof(exp), "Dec  7 10:00:00 vm mcpd[1]: audit "
	    "checkpoint 8:%s instance=vm", hash);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    "-e", exp, NULL), 0);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    "-e", "8:123", NULL), 2);
	free(l.buf);
}

/*
 * What --expect detects: a log cut back (truncation), records deleted
 * in the middle, a log replaced by a fresh chain under the same key.
 */
static void
test_expect_detects(void **state)
{
	static const int cut[] = { 0, 1, 2, 3, 4, 5, 6, -1 };
	static const int mid[] = { 0, 1, 2, 3, 7, 8, -1 };
	struct fx *fx = *state;
	char path[PATH_MAX], hash[AUDIT_HEX_LEN + 1], exp[128];
	struct audit *a;
	struct lines l;

	a = open_log_cp(fx, 3);
	write_n(a, 7);
	audit_close(a);
	split_lines(fx->log, &l);
	line_hash(&l, 7, hash);
	snprintf(exp, sizeof(exp), "8:%s", hash);

	/* The tail cut before the checkpoint: verifies alone, not here. */
	path_in(fx, path, "cut.log");
	write_lines(path, &l, cut);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    NULL), 0);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    "--expect", exp, NULL), 1);
	assert_string_equal(fx->out, "FAILED: log ends at seq 7 (line 7), "
	    "before the expected checkpoint 8 (records removed from the "
	    "end)\n");

	/* Records 5 to 7 deleted: the chain breaks at the checkpoint. */
	path_in(fx, path, "mid.log");
	write_lines(path, &l, mid);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    "--expect", exp, NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 5 (line 5): sequence "
	    "gap: expected seq 5, found 8 (records removed or reordered)\n");

	/* A fresh chain of the same length, same key: it differs. */
	path_in(fx, path, "fresh");
	assert_int_equal(mkdir(path, 0700), 0);
	path_in(fx, path, "fresh/audit.log");
	a = NULL;
	{
		char err[512];

		assert_int_equal(audit_open(&a, path, fx->key, KEYLEN,
		    AUDIT_SYNC_NONE, err, sizeof(err)), 0);
	}
	audit_set_checkpoint(a, 3, 0);
	write_n(a, 7);
	audit_close(a);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    NULL), 0);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    "--expect", exp, NULL), 1);
	assert_string_equal(fx->out, "FAILED: record 8 (line 8): differs "
	    "from the expected checkpoint (log rewritten or replaced)\n");
	free(l.buf);
}

/*
 * Forward security: the key on the host after a checkpoint (the state's)
 * cannot re-MAC a record of an earlier epoch; it can still re-MAC the
 * records of its own epoch, which is the scheme's stated limit.
 */
static void
remac_line(const uint8_t *key, size_t keylen, char *line, size_t len)
{
	char mac[AUDIT_HEX_LEN + 1];
	size_t bodylen;

	assert_int_equal(auditchain_split(line, len, &bodylen, mac), 0);
	line[bodylen - 1] = '}';
	assert_int_equal(auditchain_mac(key, keylen, line, bodylen, mac), 0);
	line[bodylen - 1] = ',';
	memcpy(line + bodylen - 1 + 8, mac, AUDIT_HEX_LEN);
}

static void
test_forward_secure(void **state)
{
	static const int all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, -1 };
	struct fx *fx = *state;
	char path[PATH_MAX], orig[PATH_MAX], err[512], *u;
	struct auditkey_state ks;
	struct audit *a;
	struct lines l;

	a = open_log_cp(fx, 3);
	write_n(a, 7);
	audit_close(a);
	state_path(fx, path);
	assert_int_equal(auditkey_state_load(path, &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.epoch, 2);
	path_in(fx, orig, "orig.log");
	append_file(orig, fx->log);
	split_lines(fx->log, &l);
	/* The limit: record 9, after the last checkpoint, can be forged. */
	assert_non_null(u = memmem(l.p[8], l.len[8], "user6@", 6));
	u[4] = '9';
	remac_line(ks.key, ks.keylen, l.p[8], l.len[8] - 1);
	write_lines(fx->log, &l, all);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	/* Record 2 (epoch 0) altered and re-MACed with the host's key. */
	assert_non_null(u = memmem(l.p[1], l.len[1], "user1@", 6));
	u[4] = '9';
	remac_line(ks.key, ks.keylen, l.p[1], l.len[1] - 1);
	write_lines(fx->log, &l, all);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 2 (line 2): MAC mismatch: record altered\n");
	/* Nor a checkpoint of an earlier epoch. */
	free(l.buf);
	split_lines(orig, &l);
	assert_non_null(u = memmem(l.p[3], l.len[3], "\"records\":3", 11));
	u[10] = '2';
	remac_line(ks.key, ks.keylen, l.p[3], l.len[3] - 1);
	path_in(fx, path, "cp.log");
	write_lines(path, &l, all);
	assert_int_equal(run_ctl(fx, "verify", path, "-k", fx->keyfile,
	    NULL), 1);
	assert_string_equal(fx->out,
	    "FAILED: record 4 (line 4): MAC mismatch: record altered\n");
	auditkey_clear(&ks);
	free(l.buf);
}

/* Put the saved epoch-0 state back in place (and keep a copy). */
static const char *
saved_copy(struct fx *fx, const char *path, const char *saved)
{
	size_t len;
	char *buf;

	buf = read_file(saved, &len);
	write_file(path, buf, len, 0600);
	free(buf);
	return path;
}

/* Crash between the checkpoint record and the state: completed at start. */
static void
test_checkpoint_crash_window(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX], saved[PATH_MAX], err[512];
	struct auditkey_state ks;
	struct audit *a;
	size_t len;
	char *buf;

	a = open_log_cp(fx, 3);
	audit_close(a);
	state_path(fx, path);
	path_in(fx, saved, "state.saved");
	buf = read_file(path, &len);
	write_file(saved, buf, len, 0600);
	free(buf);
	a = open_log_cp(fx, 3);
	write_n(a, 3);		/* checkpoint 4, epoch 1 */
	audit_close(a);
	/* The state as it was before the checkpoint: epoch 0. */
	(void)saved_copy(fx, path, saved);
	a = open_log_cp(fx, 3);
	write_n(a, 1);
	audit_close(a);
	assert_int_equal(auditkey_state_load(path, &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.epoch, 1);
	assert_int_equal(ks.cp_seq, 4);
	auditkey_clear(&ks);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 5 records verified, last seq 5\n");
	/*
	 * The state store failed and records followed the checkpoint: the
	 * last record is a plain one of the next epoch.
	 */
	buf = read_file(saved_copy(fx, path, saved), &len);
	free(buf);
	a = open_log_cp(fx, 3);
	write_n(a, 1);
	audit_close(a);
	assert_int_equal(auditkey_state_load(path, &ks, err, sizeof(err)), 0);
	assert_int_equal(ks.epoch, 1);
	auditkey_clear(&ks);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 6 records verified, last seq 6\n");
}

/* A tail that does not verify is refused, naming the file and line. */
static void
test_tail_refused(void **state)
{
	static const int cut[] = { 0, 1, 2, 3, 4, 5, 6, -1 };
	static const int all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, -1 };
	struct fx *fx = *state;
	char err[1024], want[PATH_MAX + 256], *u;
	struct audit *a;
	struct lines l;
	uint8_t other[KEYLEN];

	a = open_log_cp(fx, 3);
	write_n(a, 7);
	audit_close(a);
	split_lines(fx->log, &l);

	/* The last record altered. */
	assert_non_null(u = memmem(l.p[8], l.len[8], "user6@", 6));
	u[4] = '5';
	write_lines(fx->log, &l, all);
	u[4] = '6';
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_null(a);
	snprintf(want, sizeof(want), "%s, line 9: the last record (seq 9) "
	    "does not verify", fx->log);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "mcpctl audit new-chain %s", fx->log);
	assert_non_null(strstr(err, want));

	/* The tail cut back behind the last checkpoint (seq 8). */
	write_lines(fx->log, &l, cut);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s, line 7: the log ends at seq 7, "
	    "before the last checkpoint (seq 8)", fx->log);
	assert_non_null(strstr(err, want));

	/* Intact again: it continues. */
	write_lines(fx->log, &l, all);
	a = open_log_cp(fx, 3);
	audit_close(a);

	/* Another initial key than the state's. */
	memset(other, 0x55, sizeof(other));
	assert_int_equal(audit_open(&a, fx->log, other, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "AuditKeyFile does not match the audit "
	    "key state"));
	/* No initial key at all: the state suffices. */
	assert_int_equal(audit_open(&a, fx->log, NULL, 0, AUDIT_SYNC_ALWAYS,
	    err, sizeof(err)), 0);
	write_n(a, 1);
	audit_close(a);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	free(l.buf);
}

/* The log and its directory: root's or ours, not group/other-writable. */
static void
test_log_ownership(void **state)
{
	struct fx *fx = *state;
	char err[512], want[PATH_MAX + 256];
	struct audit *a;

	write_log(fx, fx->log, 1);
	assert_int_equal(chmod(fx->log, 0666), 0);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "audit log %s is writable by group or "
	    "others (mode 0666); it must not be", fx->log);
	assert_string_equal(err, want);
	assert_int_equal(chmod(fx->log, 0620), 0);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	/* Readable by a group is fine: the log holds no secret. */
	assert_int_equal(chmod(fx->log, 0640), 0);
	write_log(fx, fx->log, 1);
	assert_int_equal(chmod(fx->dir, 0770), 0);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	/*
	 * Compared in parts: gcc's format check, under the sanitizer
	 * build's flags, takes fx->dir for NULL in an snprintf() here.
	 */
	assert_true(strncmp(err, "audit log directory ", 20) == 0);
	assert_true(strncmp(err + 20, fx->dir, strlen(fx->dir)) == 0);
	assert_string_equal(err + 20 + strlen(fx->dir), " is writable by "
	    "group or others (mode 0770); it must not be");
	assert_int_equal(chmod(fx->dir, 0755), 0);
	write_log(fx, fx->log, 1);
	if (geteuid() == 0) {
		assert_int_equal(chown(fx->log, 65534, 65534), 0);
		assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
		    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "audit log %s is owned by uid "
		    "65534, not root or the running user", fx->log);
		assert_string_equal(err, want);
	}
}

/*
 * A log emptied while mcpd was stopped starts a new chain whose first
 * record names the last checkpoint; mcpctl audit new-chain moves a
 * broken log aside and starts one naming its last line.
 */
static void
test_new_chain(void **state)
{
	struct fx *fx = *state;
	char err[512], hash[AUDIT_HEX_LEN + 1], cphash[AUDIT_HEX_LEN + 1];
	char *u;
	struct audit *a;
	struct lines l;
	json_error_t jerr;
	json_t *o;
	static const int all[] = { 0, 1, 2, 3, -1 };

	a = open_log_cp(fx, 3);
	write_n(a, 4);
	audit_close(a);
	split_lines(fx->log, &l);
	line_hash(&l, 3, cphash);
	free(l.buf);
	assert_int_equal(unlink(fx->log), 0);
	a = open_log_cp(fx, 3);
	write_n(a, 1);
	audit_close(a);
	split_lines(fx->log, &l);
	assert_int_equal(l.n, 2);
	o = json_loadb(l.p[0], l.len[0] - 1, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    "chain-start");
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "epoch")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "old_seq")),
	    4);
	assert_string_equal(json_string_value(json_object_get(o,
	    "old_hash")), cphash);
	json_decref(o);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	assert_string_equal(fx->out, "OK: 2 records verified, last seq 2\n");

	/* Break the tail; mcpd refuses; new-chain is the way out. */
	write_n(a = open_log_cp(fx, 3), 2);
	audit_close(a);
	free(l.buf);
	split_lines(fx->log, &l);
	assert_int_equal(l.n, 4);
	assert_non_null(u = memmem(l.p[3], l.len[3], "user1@", 6));
	u[4] = '7';
	write_lines(fx->log, &l, all);
	line_hash(&l, 3, hash);
	assert_int_equal(audit_open(&a, fx->log, fx->key, KEYLEN,
	    AUDIT_SYNC_ALWAYS, err, sizeof(err)), -1);
	assert_int_equal(run_ctl(fx, "new-chain", fx->log, NULL), 0);
	assert_non_null(strstr(fx->out, "(its last line 4: seq 4, sha256 "));
	assert_non_null(strstr(fx->out, hash));
	free(l.buf);
	a = open_log_cp(fx, 3);
	write_n(a, 1);
	audit_close(a);
	split_lines(fx->log, &l);
	assert_int_equal(l.n, 2);
	o = json_loadb(l.p[0], l.len[0] - 1, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	    "chain-start");
	assert_int_equal(json_integer_value(json_object_get(o, "old_seq")),
	    4);
	assert_string_equal(json_string_value(json_object_get(o,
	    "old_hash")), hash);
	assert_non_null(strstr(json_string_value(json_object_get(o,
	    "old_file")), "audit.log.broken-"));
	json_decref(o);
	assert_int_equal(run_ctl(fx, "verify", fx->log, "-k", fx->keyfile,
	    NULL), 0);
	/* In use (locked by a writer): refused, nothing moved. */
	a = open_log_cp(fx, 3);
	assert_int_equal(run_ctl(fx, "new-chain", fx->log, NULL), 1);
	assert_non_null(strstr(fx->err, "is in use"));
	audit_close(a);
	free(l.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_primitives),
		cmocka_unit_test_setup_teardown(test_load_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_locked, setup,
		    teardown),
		cmocka_unit_test(test_format_ts),
		cmocka_unit_test_setup_teardown(test_record_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_wrong_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_alter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_delete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_swap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_splice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen_continues, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_continues, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_new_file_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_fails_after_bad_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_show_denied, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_show_fields_and_escapes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
		cmocka_unit_test(test_key_evolution),
		cmocka_unit_test_setup_teardown(test_key_state_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expect_detects, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forward_secure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_crash_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log_ownership, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_new_chain, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
