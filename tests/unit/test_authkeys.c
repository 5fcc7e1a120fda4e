/*
 * Unit tests for src/monitor/authkeys.c (AuthorizedKeysFile parsing, CIDR
 * matching, key verification) and src/ctl/ctl_key.c (mcpctl key new, list
 * and revoke, and the round trip from mcpctl to the daemon's verifier).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
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

#include "apikey.h"
#include "authkeys.h"
#include "ctl.h"
#include "hex.h"
#include "secretfile.h"

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define GOODLINE "abcd1234 sha256:" H64
#define CAPMAX	(64 * 1024)

static char tmpdir[PATH_MAX];

/* Helpers. */

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_authkeys.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
tpath(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *
read_all(const char *path, size_t *lenp)
{
	char *buf;
	ssize_t r;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd != -1);
	buf = calloc(1, CAPMAX + 1);
	assert_non_null(buf);
	while ((r = read(fd, buf + len, CAPMAX - len)) > 0)
		len += (size_t)r;
	assert_true(r == 0);
	assert_int_equal(close(fd), 0);
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Parse one line that must fail, with err containing want. */
static void
expect_line_error(const char *line, const char *want)
{
	struct authkey k;
	char err[256];

	memset(err, 0, sizeof(err));
	if (authkeys_parse_line(line, &k, err, sizeof(err)) != -1)
		fail_msg("line accepted: %s", line);
	if (strstr(err, want) == NULL)
		fail_msg("line \"%s\": error \"%s\" lacks \"%s\"", line, err,
		    want);
	/* A failed parse leaves nothing behind. */
	assert_null(k.user);
	assert_null(k.roles);
	assert_null(k.from);
}

static struct sockaddr_storage ss_tmp[4];

static const struct sockaddr *
sa4(int slot, const char *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss_tmp[slot];

	memset(&ss_tmp[slot], 0, sizeof(ss_tmp[slot]));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(4242);
	assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	return (const struct sockaddr *)sin;
}

static const struct sockaddr *
sa6(int slot, const char *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss_tmp[slot];

	memset(&ss_tmp[slot], 0, sizeof(ss_tmp[slot]));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(4242);
	assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	return (const struct sockaddr *)sin6;
}

static int
match(const char *cidr, const struct sockaddr *sa)
{
	struct authkey_cidr c;

	if (cidr_parse(cidr, &c) != 0)
		fail_msg("cidr_parse(%s) failed", cidr);
	return cidr_match(&c, sa);
}

/* A fresh key and the AuthorizedKeysFile line for it, with options. */
static void
make_key(const char *opts, char *key, char *id, char *line, size_t linelen)
{
	uint8_t h[32];
	char hex[65];
	int n;

	assert_int_equal(apikey_generate(key, APIKEY_LEN + 1, id,
	    APIKEY_ID_LEN + 1), 0);
	assert_int_equal(apikey_hash(key, APIKEY_LEN, h), 0);
	hex_encode(h, sizeof(h), hex);
	n = snprintf(line, linelen, "%s%s%s sha256:%s\n", opts,
	    *opts != '\0' ? " " : "", id, hex);
	assert_true(n > 0 && (size_t)n < linelen);
}

/* Run ctl_key_main(argv...) with stdout and stderr captured. */
static int run_ctl(char *, char *, size_t, ...)
    __attribute__((sentinel));

static int
run_ctl(char *out, char *errout, size_t cap, ...)
{
	char *argv[16], opath[PATH_MAX], epath[PATH_MAX];
	int ofd, efd, saveo, savee, rc, argc;
	ssize_t r;
	va_list ap;

	va_start(ap, cap);
	for (argc = 0; (argv[argc] = va_arg(ap, char *)) != NULL; argc++)
		assert_true(argc < 15);
	va_end(ap);

	tpath(opath, sizeof(opath), "stdout.cap");
	tpath(epath, sizeof(epath), "stderr.cap");
	ofd = open(opath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	efd = open(epath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(ofd != -1 && efd != -1);
	assert_int_equal(fflush(stdout), 0);
	assert_int_equal(fflush(stderr), 0);
	saveo = dup(1);
	savee = dup(2);
	assert_true(saveo != -1 && savee != -1);
	assert_int_equal(dup2(ofd, 1), 1);
	assert_int_equal(dup2(efd, 2), 2);
	rc = ctl_key_main(argc, argv);
	assert_int_equal(fflush(stdout), 0);
	assert_int_equal(fflush(stderr), 0);
	assert_int_equal(dup2(saveo, 1), 1);
	assert_int_equal(dup2(savee, 2), 2);
	assert_int_equal(close(saveo), 0);
	assert_int_equal(close(savee), 0);

	memset(out, 0, cap);
	memset(errout, 0, cap);
	r = pread(ofd, out, cap - 1, 0);
	assert_true(r >= 0);
	r = pread(efd, errout, cap - 1, 0);
	assert_true(r >= 0);
	assert_int_equal(close(ofd), 0);
	assert_int_equal(close(efd), 0);
	return rc;
}

/* Line parsing. */

static void
test_parse_plain(void **state)
{
	struct authkey k;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(authkeys_parse_line(GOODLINE, &k, err, sizeof(err)),
	    0);
	assert_string_equal(k.keyid, "abcd1234");
	for (i = 0; i < 16; i++)
		assert_int_equal(k.hash[i], (i << 4) | i);
	assert_null(k.user);
	assert_null(k.roles);
	assert_int_equal(k.nroles, 0);
	assert_null(k.from);
	assert_int_equal(k.nfrom, 0);
	assert_int_equal(k.expiry, 0);
	authkey_clear(&k);

	/* Surrounding blanks, CRLF and upper-case hex are fine. */
	assert_int_equal(authkeys_parse_line("  \tabcd1234 \t sha256:"
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
	    "  \r\n", &k, err, sizeof(err)), 0);
	assert_string_equal(k.keyid, "abcd1234");
	assert_int_equal(k.hash[31], 0xff);
	authkey_clear(&k);
}

static void
test_parse_blank_and_comments(void **state)
{
	struct authkey k;
	char err[256];

	(void)state;
	assert_int_equal(authkeys_parse_line("", &k, err, sizeof(err)), 1);
	assert_int_equal(authkeys_parse_line("   \t ", &k, err, sizeof(err)),
	    1);
	assert_int_equal(authkeys_parse_line("\n", &k, err, sizeof(err)), 1);
	assert_int_equal(authkeys_parse_line("# a comment", &k, err,
	    sizeof(err)), 1);
	assert_int_equal(authkeys_parse_line("   # " GOODLINE, &k, err,
	    sizeof(err)), 1);
}

static void
test_parse_all_options(void **state)
{
	struct authkey k;
	char err[256], buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(authkeys_parse_line(
	    "user=\"alice@example.com\",roles=\"admin,developer,viewer\","
	    "from=\"10.0.0.0/8,2001:db8::/32,192.0.2.7\","
	    "expiry-time=\"202601020304\" " GOODLINE, &k, err, sizeof(err)),
	    0);
	assert_string_equal(k.keyid, "abcd1234");
	assert_string_equal(k.user, "alice@example.com");
	/* The commas inside the quoted roles split roles, not options. */
	assert_int_equal(k.nroles, 3);
	assert_string_equal(k.roles[0], "admin");
	assert_string_equal(k.roles[1], "developer");
	assert_string_equal(k.roles[2], "viewer");
	assert_int_equal(k.nfrom, 3);
	assert_int_equal(k.from[0].family, AF_INET);
	assert_int_equal(k.from[0].bits, 8);
	assert_non_null(inet_ntop(AF_INET, k.from[0].addr, buf, sizeof(buf)));
	assert_string_equal(buf, "10.0.0.0");
	assert_int_equal(k.from[1].family, AF_INET6);
	assert_int_equal(k.from[1].bits, 32);
	assert_non_null(inet_ntop(AF_INET6, k.from[1].addr, buf,
	    sizeof(buf)));
	assert_string_equal(buf, "2001:db8::");
	assert_int_equal(k.from[2].family, AF_INET);
	assert_int_equal(k.from[2].bits, 32);
	/* 2026-01-02 03:04 UTC. */
	assert_int_equal(k.expiry, 1767323040);
	authkey_clear(&k);

	/* Date only means midnight UTC; option order and case are free. */
	assert_int_equal(authkeys_parse_line(
	    "Expiry-Time=\"20200101\",ROLES=\"viewer\" " GOODLINE, &k, err,
	    sizeof(err)), 0);
	assert_int_equal(k.expiry, 1577836800);
	assert_null(k.user);
	assert_int_equal(k.nroles, 1);
	assert_string_equal(k.roles[0], "viewer");
	authkey_clear(&k);

	/* A leap day. */
	assert_int_equal(authkeys_parse_line("expiry-time=\"20240229\" "
	    GOODLINE, &k, err, sizeof(err)), 0);
	assert_int_equal(k.expiry, 1709164800);
	authkey_clear(&k);
}

static void
test_parse_escapes(void **state)
{
	struct authkey k;
	char err[256];

	(void)state;
	/* \" is a quote inside the value, as in sshd's authorized_keys. */
	assert_int_equal(authkeys_parse_line(
	    "user=\"we\\\"ird\",roles=\"a\" " GOODLINE, &k, err, sizeof(err)),
	    0);
	assert_string_equal(k.user, "we\"ird");
	authkey_clear(&k);
	/* Any other backslash is literal. */
	assert_int_equal(authkeys_parse_line("user=\"dom\\user\" " GOODLINE,
	    &k, err, sizeof(err)), 0);
	assert_string_equal(k.user, "dom\\user");
	authkey_clear(&k);
	/* An escaped quote does not end the value: a comma inside stays. */
	assert_int_equal(authkeys_parse_line(
	    "user=\"x\\\",roles=y\" " GOODLINE, &k, err, sizeof(err)), 0);
	assert_string_equal(k.user, "x\",roles=y");
	assert_null(k.roles);
	authkey_clear(&k);
}

static void
test_parse_bad_lines(void **state)
{
	char line[10000], many[2048];
	size_t off;
	int i;

	(void)state;
	expect_line_error("foo=\"bar\" " GOODLINE, "unknown option foo");
	expect_line_error("user=\"a\",user=\"b\" " GOODLINE,
	    "duplicate option user");
	expect_line_error("roles=\"a\",ROLES=\"b\" " GOODLINE,
	    "duplicate option ROLES");
	expect_line_error("user=bob " GOODLINE, "double quotes");
	expect_line_error("user=\"bob " GOODLINE, "missing closing quote");
	expect_line_error("user=\"bob\"" GOODLINE, "garbage after option");
	expect_line_error("user=\"bob\";roles=\"x\" " GOODLINE,
	    "garbage after option");
	expect_line_error("user=\"bob\"", "missing key id");
	expect_line_error("user=\"bob\"   ", "missing key id");
	expect_line_error("user=\"\" " GOODLINE, "user: empty");
	expect_line_error("user=\"bo b\" " GOODLINE, "white space");
	expect_line_error("user=\"bo\tb\" " GOODLINE, "control character");
	expect_line_error("roles=\"\" " GOODLINE, "roles: empty");
	expect_line_error("roles=\"a,,b\" " GOODLINE, "roles: empty");
	expect_line_error("roles=\"a,\" " GOODLINE, "roles: empty");
	expect_line_error("roles=\"a b\" " GOODLINE, "roles: empty");
	/* user= and each role capped (authn.h): at the cap, and one over. */
	{
		char cl[1024], name[AUTHKEYS_USER_MAX + 2];
		struct authkey k;
		char err[256];

		memset(name, 'u', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		(void)snprintf(cl, sizeof(cl), "user=\"%s\" %s", name,
		    GOODLINE);
		expect_line_error(cl, "user: longer than 256 bytes");
		name[AUTHKEYS_USER_MAX] = '\0';
		(void)snprintf(cl, sizeof(cl), "user=\"%s\" %s", name,
		    GOODLINE);
		assert_int_equal(authkeys_parse_line(cl, &k, err,
		    sizeof(err)), 0);
		authkey_clear(&k);
		name[AUTHKEYS_ROLE_MAX + 1] = '\0';
		(void)snprintf(cl, sizeof(cl), "roles=\"a,%s\" %s", name,
		    GOODLINE);
		expect_line_error(cl,
		    "roles: role number 2 longer than 128 bytes");
		name[AUTHKEYS_ROLE_MAX] = '\0';
		(void)snprintf(cl, sizeof(cl), "roles=\"a,%s\" %s", name,
		    GOODLINE);
		assert_int_equal(authkeys_parse_line(cl, &k, err,
		    sizeof(err)), 0);
		authkey_clear(&k);
	}

	/* Key ids. */
	expect_line_error("ABCD1234 sha256:" H64, "bad key id");
	expect_line_error("abcd123 sha256:" H64, "bad key id");
	expect_line_error("abcd12345 sha256:" H64, "bad key id");
	expect_line_error("abcd-234 sha256:" H64, "bad key id");
	expect_line_error("abcd1234", "missing key hash");

	/* Hashes. */
	expect_line_error("abcd1234 sha1:" H64, "bad key hash");
	expect_line_error("abcd1234 SHA256:" H64, "bad key hash");
	expect_line_error("abcd1234 " H64, "bad key hash");
	expect_line_error("abcd1234 sha256:" H64 "0", "bad key hash");
	expect_line_error("abcd1234 sha256:0011223344556677", "bad key hash");
	expect_line_error("abcd1234 sha256:"
	    "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    "bad key hash");

	/* Trailing garbage, including what sshd would take as a comment. */
	expect_line_error(GOODLINE " x", "trailing garbage");
	expect_line_error(GOODLINE " # comment", "trailing garbage");

	/* Expiry times. */
	expect_line_error("expiry-time=\"2026010\" " GOODLINE, "YYYYMMDD");
	expect_line_error("expiry-time=\"2026010100\" " GOODLINE, "YYYYMMDD");
	expect_line_error("expiry-time=\"2026-01-01\" " GOODLINE, "YYYYMMDD");
	expect_line_error("expiry-time=\"20261301\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"20260001\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"20260230\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"20250229\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"21000229\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"20260100\" " GOODLINE, "out of range");
	expect_line_error("expiry-time=\"202601012400\" " GOODLINE,
	    "out of range");
	expect_line_error("expiry-time=\"202601012360\" " GOODLINE,
	    "out of range");
	expect_line_error("expiry-time=\"19691231\" " GOODLINE, "out of range");

	/* from= lists. */
	expect_line_error("from=\"10.0.0.1/8\" " GOODLINE, "bad address");
	expect_line_error("from=\"300.0.0.0/8\" " GOODLINE, "bad address");
	expect_line_error("from=\"10.0.0.0/33\" " GOODLINE, "bad address");
	expect_line_error("from=\"::1/129\" " GOODLINE, "bad address");
	expect_line_error("from=\"10.0.0.0/\" " GOODLINE, "bad address");
	expect_line_error("from=\"10.0.0.0/-8\" " GOODLINE, "bad address");
	expect_line_error("from=\"host.example.com\" " GOODLINE,
	    "bad address");
	expect_line_error("from=\"10.0.0.0/8,,::1\" " GOODLINE, "empty");
	expect_line_error("from=\"10.0.0.0/8, ::1\" " GOODLINE, "bad address");
	off = 0;
	for (i = 0; i < AUTHKEYS_MAX_CIDRS + 1; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "%s10.0.%d.0/24", i > 0 ? "," : "", i);
	snprintf(line, sizeof(line), "from=\"%s\" %s", many, GOODLINE);
	expect_line_error(line, "more than 64");

	/* A line over the length limit. */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	expect_line_error(line, "longer than 8192");
}

/* CIDR matching. */

static void
test_cidr(void **state)
{
	struct authkey_cidr c;

	(void)state;
	/* /0 matches every address of its family, and only its family. */
	assert_true(match("0.0.0.0/0", sa4(0, "1.2.3.4")));
	assert_true(match("0.0.0.0/0", sa4(0, "255.255.255.255")));
	assert_false(match("0.0.0.0/0", sa6(0, "2001:db8::1")));
	assert_true(match("::/0", sa6(0, "2001:db8::1")));
	assert_true(match("::/0", sa6(0, "::")));
	assert_false(match("::/0", sa4(0, "1.2.3.4")));

	/* /32 and a bare address are one host. */
	assert_true(match("192.0.2.7/32", sa4(0, "192.0.2.7")));
	assert_false(match("192.0.2.7/32", sa4(0, "192.0.2.6")));
	assert_false(match("192.0.2.7/32", sa4(0, "192.0.2.8")));
	assert_true(match("192.0.2.7", sa4(0, "192.0.2.7")));
	assert_false(match("192.0.2.7", sa4(0, "192.0.3.7")));

	/* /128 and a bare IPv6 address. */
	assert_true(match("2001:db8::1/128", sa6(0, "2001:db8::1")));
	assert_false(match("2001:db8::1/128", sa6(0, "2001:db8::2")));
	assert_true(match("::1", sa6(0, "::1")));
	assert_false(match("::1", sa6(0, "::2")));

	/* A prefix that ends inside an octet. */
	assert_true(match("10.0.2.0/23", sa4(0, "10.0.2.0")));
	assert_true(match("10.0.2.0/23", sa4(0, "10.0.3.255")));
	assert_false(match("10.0.2.0/23", sa4(0, "10.0.4.0")));
	assert_false(match("10.0.2.0/23", sa4(0, "10.0.1.255")));
	assert_true(match("172.16.0.0/12", sa4(0, "172.31.255.255")));
	assert_false(match("172.16.0.0/12", sa4(0, "172.32.0.0")));
	assert_true(match("2001:db8:0:0:8000::/65",
	    sa6(0, "2001:db8::8000:0:0:1")));
	assert_false(match("2001:db8:0:0:8000::/65",
	    sa6(0, "2001:db8::7fff:ffff:ffff:ffff")));
	assert_true(match("fe80::/10", sa6(0, "febf::1")));
	assert_false(match("fe80::/10", sa6(0, "fec0::1")));

	/* IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d. */
	assert_true(match("192.0.2.0/24", sa6(0, "::ffff:192.0.2.9")));
	assert_false(match("192.0.2.0/24", sa6(0, "::ffff:192.0.3.9")));
	assert_false(match("192.0.2.0/24", sa6(0, "::192.0.2.9")));

	/* Host bits set, out-of-range prefixes and junk are refused. */
	assert_int_equal(cidr_parse("10.0.3.0/23", &c), -1);
	assert_int_equal(cidr_parse("10.0.0.0/33", &c), -1);
	assert_int_equal(cidr_parse("::/129", &c), -1);
	assert_int_equal(cidr_parse("10.0.0.0/1234", &c), -1);
	assert_int_equal(cidr_parse("10.0.0.0/ 8", &c), -1);
	assert_int_equal(cidr_parse("10.0.0.0/+8", &c), -1);
	assert_int_equal(cidr_parse("10.0.0", &c), -1);
	assert_int_equal(cidr_parse("fe80::1%eth0", &c), -1);
	assert_int_equal(cidr_parse("", &c), -1);
	assert_int_equal(cidr_parse(NULL, &c), -1);
	assert_int_equal(cidr_parse("2001:db8::/32", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.bits, 32);

	/* Other address families never match. */
	assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
	memset(&ss_tmp[0], 0, sizeof(ss_tmp[0]));
	ss_tmp[0].ss_family = AF_UNIX;
	assert_false(cidr_match(&c, (struct sockaddr *)&ss_tmp[0]));
	assert_false(cidr_match(&c, NULL));
}

/* Files. */

static void
expect_load_error(const char *name, const char *data, size_t len,
    mode_t mode, const char *want)
{
	struct authkeys *ak = (struct authkeys *)0x1;
	char path[PATH_MAX], err[512], full[PATH_MAX + 64];

	tpath(path, sizeof(path), name);
	write_file(path, data, len, mode);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	assert_null(ak);
	snprintf(full, sizeof(full), "%s%s", path, want);
	if (strstr(err, full) == NULL)
		fail_msg("load error \"%s\" lacks \"%s\"", err, full);
}

/* A file with this mode is refused with the exact message. */
static void
expect_mode_refused(const char *name, mode_t mode)
{
	struct authkeys *ak = (struct authkeys *)0x1;
	char path[PATH_MAX], err[512], want[PATH_MAX + 128];

	tpath(path, sizeof(path), name);
	write_file(path, GOODLINE "\n", strlen(GOODLINE) + 1, mode);
	snprintf(want, sizeof(want), "UNPROTECTED SECRET FILE: %s is "
	    "accessible by group or others (mode %04o); it must be 0600 or "
	    "stricter", path, (unsigned int)mode);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	assert_null(ak);
	assert_string_equal(err, want);
}

static void
test_load_errors_name_line(void **state)
{
	static const char *bad[] = {
		"foo=\"bar\" " GOODLINE,
		"user=\"a\",user=\"b\" " GOODLINE,
		"ABCD1234 sha256:" H64,
		"abcd1234 sha256:" H64 "00",
		GOODLINE " trailing",
		"expiry-time=\"20260230\" " GOODLINE,
		"from=\"10.0.0.0/33\" " GOODLINE,
	};
	char data[1024];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Line 4: a comment, a blank line and a good key first. */
		n = snprintf(data, sizeof(data), "# keys\n\n"
		    "efgh5678 sha256:%s\n%s\n", H64, bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof(data));
		expect_load_error("bad", data, (size_t)n, 0600, " line 4: ");
	}
}

static void
test_load_limits(void **state)
{
	char path[PATH_MAX], err[512], *big;
	struct authkeys *ak;
	size_t n;
	int fd;

	(void)state;
	/* Duplicate key ids: named with both lines. */
	expect_load_error("dup", GOODLINE "\n# x\n" GOODLINE "\n",
	    strlen(GOODLINE "\n# x\n" GOODLINE "\n"), 0600,
	    " line 3: duplicate key id abcd1234 (first on line 1)");

	/* A NUL byte, and an overlong line. */
	expect_load_error("nul", "# ok\n" GOODLINE "\0\n", strlen(GOODLINE) + 7,
	    0600, " line 2: NUL character");
	n = 9000;
	big = malloc(n + 20);
	assert_non_null(big);
	memcpy(big, "# ok\n#", 6);
	memset(big + 6, 'x', n);
	big[n + 6] = '\n';
	expect_load_error("long", big, n + 7, 0600, " line 2: line longer");
	free(big);

	/*
	 * Any group or other bit: refused by name, as sshd refuses an
	 * unprotected private key.  Readable matters too: the hashes allow
	 * an offline search.
	 */
	expect_mode_refused("gw", 0620);
	expect_mode_refused("gr", 0640);
	expect_mode_refused("wr", 0604);
	expect_mode_refused("all", 0644);
	expect_mode_refused("gx", 0610);

	/* Over 16 MiB (a sparse file is enough). */
	tpath(path, sizeof(path), "huge");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
	assert_int_equal(close(fd), 0);
	ak = NULL;
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	assert_null(ak);
	/* Exactly 16 MiB of comments is fine. */
	big = malloc(16 * 1024 * 1024);
	assert_non_null(big);
	memset(big, '#', 16 * 1024 * 1024);
	for (n = 100; n < 16 * 1024 * 1024; n += 100)
		big[n] = '\n';
	write_file(path, big, 16 * 1024 * 1024, 0600);
	free(big);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 0);
	authkeys_free(ak);
}

static void
test_load_file_types(void **state)
{
	char path[PATH_MAX], link[PATH_MAX], err[512], want[PATH_MAX + 64];
	struct authkeys *ak;

	(void)state;
	/* Missing. */
	tpath(path, sizeof(path), "missing");
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));

	/* A symbolic link, even to a good file. */
	tpath(path, sizeof(path), "target");
	write_file(path, GOODLINE "\n", strlen(GOODLINE) + 1, 0600);
	tpath(link, sizeof(link), "link");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(authkeys_load(link, &ak, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: is a symbolic link", link);
	assert_string_equal(err, want);

	/* A directory and a FIFO (which must not block the open). */
	tpath(path, sizeof(path), "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s is not a regular file", path);
	assert_string_equal(err, want);
	tpath(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s is not a regular file", path);
	assert_string_equal(err, want);

	/*
	 * Owned by someone else (only root can make such a file): refused
	 * even at mode 0600, since its owner could rewrite it.
	 */
	if (geteuid() == 0) {
		tpath(path, sizeof(path), "foreign");
		write_file(path, GOODLINE "\n", strlen(GOODLINE) + 1, 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)),
		    -1);
		snprintf(want, sizeof(want), "%s is owned by uid 65534, not "
		    "root or the running user", path);
		assert_string_equal(err, want);
	}

	/* Empty, and no final newline. */
	tpath(path, sizeof(path), "empty");
	write_file(path, "", 0, 0600);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 0);
	authkeys_free(ak);
	tpath(path, sizeof(path), "nonl");
	write_file(path, "# c\r\n" GOODLINE, strlen(GOODLINE) + 5, 0400);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 1);
	assert_string_equal(ak->keys[0].keyid, "abcd1234");
	assert_int_equal(ak->keys[0].linenum, 2);
	authkeys_free(ak);
}

/*
 * A loaded table is in locked memory, and freeing it unlocks it again
 * (after wiping it).
 */
static void
test_load_locks_table(void **state)
{
	char path[PATH_MAX], err[512];
	struct authkeys *ak = NULL;
	long before;

	(void)state;
	before = vmlck_kb();
	tpath(path, sizeof(path), "locked");
	write_file(path, GOODLINE "\n", strlen(GOODLINE) + 1, 0600);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 1);
	if (secret_lock_failures(NULL) != 0) {
		authkeys_free(ak);
		skip();
	}
	assert_true(vmlck_kb() > before);
	authkeys_free(ak);
	assert_int_equal(vmlck_kb(), before);
}

/* Verification. */

static void
test_result_str(void **state)
{
	(void)state;
	assert_string_equal(authkeys_result_str(AUTHKEY_OK), "ok");
	assert_string_equal(authkeys_result_str(AUTHKEY_MALFORMED),
	    "malformed key");
	assert_string_equal(authkeys_result_str(AUTHKEY_UNKNOWN),
	    "unknown key id");
	assert_string_equal(authkeys_result_str(AUTHKEY_MISMATCH),
	    "wrong secret");
	assert_string_equal(authkeys_result_str(AUTHKEY_EXPIRED),
	    "key expired");
	assert_string_equal(authkeys_result_str(AUTHKEY_FROM),
	    "source not permitted by from=");
}

struct vkeys {
	char	 k[6][APIKEY_LEN + 1];
	char	 id[6][APIKEY_ID_LEN + 1];
	struct authkeys *ak;
};

static void
load_vkeys(struct vkeys *v)
{
	static const char *opts[6] = {
		"user=\"alice\",roles=\"admin\"",
		"user=\"bob\",expiry-time=\"20200101\"",
		"user=\"carol\",from=\"192.168.1.0/24,2001:db8::/32\"",
		"user=\"dave\",from=\"127.0.0.1\"",
		"user=\"erin\",from=\"::1/128\"",
		"user=\"frank\",from=\"10.0.0.0/8\",expiry-time=\"20200101\"",
	};
	char data[4096], line[1024], path[PATH_MAX], err[512];
	size_t off = 0, i;

	off = strlen("# verify test\n");
	memcpy(data, "# verify test\n", off + 1);
	for (i = 0; i < 6; i++) {
		make_key(opts[i], v->k[i], v->id[i], line, sizeof(line));
		assert_true(off + strlen(line) < sizeof(data));
		memcpy(data + off, line, strlen(line) + 1);
		off += strlen(line);
	}
	tpath(path, sizeof(path), "verify");
	write_file(path, data, off, 0600);
	v->ak = NULL;
	if (authkeys_load(path, &v->ak, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	assert_int_equal(v->ak->nkeys, 6);
}

static void
test_verify_basic(void **state)
{
	struct vkeys v;
	const struct authkey *m;
	char k[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1];
	time_t now = 1767323040;

	(void)state;
	load_vkeys(&v);

	m = NULL;
	assert_int_equal(authkeys_verify(v.ak, v.k[0], APIKEY_LEN,
	    sa4(0, "203.0.113.5"), now, &m), AUTHKEY_OK);
	assert_non_null(m);
	assert_ptr_equal(m, &v.ak->keys[0]);
	assert_string_equal(m->user, "alice");
	assert_string_equal(m->roles[0], "admin");
	assert_int_equal(m->linenum, 2);

	/* The match pointer is optional. */
	assert_int_equal(authkeys_verify(v.ak, v.k[0], APIKEY_LEN, NULL, now,
	    NULL), AUTHKEY_OK);

	/* Wrong secret: flip one character of the secret part. */
	memcpy(k, v.k[0], sizeof(k));
	k[30] = k[30] == 'A' ? 'B' : 'A';
	m = (const struct authkey *)0x1;
	assert_int_equal(authkeys_verify(v.ak, k, APIKEY_LEN, NULL, now, &m),
	    AUTHKEY_MISMATCH);
	assert_null(m);
	k[30] = v.k[0][30];
	k[APIKEY_LEN - 1] = k[APIKEY_LEN - 1] == 'A' ? 'Q' : 'A';
	assert_int_equal(authkeys_verify(v.ak, k, APIKEY_LEN, NULL, now, &m),
	    AUTHKEY_MISMATCH);

	/* Unknown id: a fresh key that is not in the file. */
	assert_int_equal(apikey_generate(k, sizeof(k), id, sizeof(id)), 0);
	assert_int_equal(authkeys_verify(v.ak, k, APIKEY_LEN, NULL, now, &m),
	    AUTHKEY_UNKNOWN);
	assert_null(m);
	/* Another key's secret under this key's id is a wrong secret. */
	memcpy(k, v.k[0], 14);
	memcpy(k + 14, v.k[3] + 14, APIKEY_SECRET_LEN);
	assert_int_equal(authkeys_verify(v.ak, k, APIKEY_LEN, NULL, now, &m),
	    AUTHKEY_MISMATCH);

	/* Malformed. */
	assert_int_equal(authkeys_verify(v.ak, "garbage", 7, NULL, now, &m),
	    AUTHKEY_MALFORMED);
	assert_int_equal(authkeys_verify(v.ak, v.k[0], APIKEY_LEN - 1, NULL,
	    now, &m), AUTHKEY_MALFORMED);
	assert_int_equal(authkeys_verify(v.ak, NULL, 0, NULL, now, &m),
	    AUTHKEY_MALFORMED);
	assert_null(m);

	/* An empty key set knows no key. */
	{
		struct authkeys none = { NULL, 0 };

		assert_int_equal(authkeys_verify(&none, v.k[0], APIKEY_LEN,
		    NULL, now, &m), AUTHKEY_UNKNOWN);
	}
	authkeys_free(v.ak);
}

static void
test_verify_expiry(void **state)
{
	struct vkeys v;
	const struct authkey *m;
	const time_t exp = 1577836800;	/* 2020-01-01 00:00 UTC */
	char k[APIKEY_LEN + 1];

	(void)state;
	load_vkeys(&v);
	assert_int_equal(v.ak->keys[1].expiry, exp);
	/* Before the expiry time it works; at and after it, it does not. */
	assert_int_equal(authkeys_verify(v.ak, v.k[1], APIKEY_LEN, NULL,
	    exp - 1, &m), AUTHKEY_OK);
	assert_string_equal(m->user, "bob");
	assert_int_equal(authkeys_verify(v.ak, v.k[1], APIKEY_LEN, NULL,
	    exp, &m), AUTHKEY_EXPIRED);
	assert_null(m);
	assert_int_equal(authkeys_verify(v.ak, v.k[1], APIKEY_LEN, NULL,
	    exp + 86400 * 365, &m), AUTHKEY_EXPIRED);
	/* A wrong secret stays a wrong secret for an expired key. */
	memcpy(k, v.k[1], sizeof(k));
	k[20] = k[20] == 'z' ? 'y' : 'z';
	assert_int_equal(authkeys_verify(v.ak, k, APIKEY_LEN, NULL, exp + 1,
	    &m), AUTHKEY_MISMATCH);
	/* Expired beats from=: the source is not looked at. */
	assert_int_equal(authkeys_verify(v.ak, v.k[5], APIKEY_LEN,
	    sa4(0, "192.0.2.1"), exp, &m), AUTHKEY_EXPIRED);
	assert_int_equal(authkeys_verify(v.ak, v.k[5], APIKEY_LEN,
	    sa4(0, "192.0.2.1"), exp - 1, &m), AUTHKEY_FROM);
	assert_int_equal(authkeys_verify(v.ak, v.k[5], APIKEY_LEN,
	    sa4(0, "10.9.8.7"), exp - 1, &m), AUTHKEY_OK);
	authkeys_free(v.ak);
}

static void
test_verify_from(void **state)
{
	struct vkeys v;
	const struct authkey *m;
	time_t now = 1767323040;

	(void)state;
	load_vkeys(&v);
	/* carol: 192.168.1.0/24 and 2001:db8::/32, no loopback. */
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa4(0, "192.168.1.77"), now, &m), AUTHKEY_OK);
	assert_string_equal(m->user, "carol");
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa4(0, "192.168.2.1"), now, &m), AUTHKEY_FROM);
	assert_null(m);
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa6(0, "2001:db8:ffff::5"), now, &m), AUTHKEY_OK);
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa6(0, "2001:db9::5"), now, &m), AUTHKEY_FROM);
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa6(0, "::ffff:192.168.1.5"), now, &m), AUTHKEY_OK);
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN,
	    sa4(0, "127.0.0.1"), now, &m), AUTHKEY_FROM);
	/* stdio is loopback, which carol's list does not include. */
	assert_int_equal(authkeys_verify(v.ak, v.k[2], APIKEY_LEN, NULL, now,
	    &m), AUTHKEY_FROM);

	/* dave: 127.0.0.1 only.  stdio passes, as 127.0.0.1. */
	assert_int_equal(authkeys_verify(v.ak, v.k[3], APIKEY_LEN, NULL, now,
	    &m), AUTHKEY_OK);
	assert_string_equal(m->user, "dave");
	assert_int_equal(authkeys_verify(v.ak, v.k[3], APIKEY_LEN,
	    sa4(0, "127.0.0.2"), now, &m), AUTHKEY_FROM);
	assert_int_equal(authkeys_verify(v.ak, v.k[3], APIKEY_LEN,
	    sa6(0, "::1"), now, &m), AUTHKEY_FROM);

	/* erin: ::1 only.  stdio passes, as ::1. */
	assert_int_equal(authkeys_verify(v.ak, v.k[4], APIKEY_LEN, NULL, now,
	    &m), AUTHKEY_OK);
	assert_string_equal(m->user, "erin");
	assert_int_equal(authkeys_verify(v.ak, v.k[4], APIKEY_LEN,
	    sa6(0, "::1"), now, &m), AUTHKEY_OK);
	assert_int_equal(authkeys_verify(v.ak, v.k[4], APIKEY_LEN,
	    sa4(0, "127.0.0.1"), now, &m), AUTHKEY_FROM);

	/* alice has no from=: any source, and stdio. */
	assert_int_equal(authkeys_verify(v.ak, v.k[0], APIKEY_LEN,
	    sa6(0, "2001:db8::1"), now, &m), AUTHKEY_OK);
	assert_int_equal(authkeys_verify(v.ak, v.k[0], APIKEY_LEN, NULL, now,
	    &m), AUTHKEY_OK);
	authkeys_free(v.ak);
}

/* mcpctl key. */

static void
test_ctl_roundtrip(void **state)
{
	char path[PATH_MAX], out[8192], errout[8192], key[APIKEY_LEN + 1];
	char key2[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1], *before, *after;
	char id2[APIKEY_ID_LEN + 1], err[512], *line1, *eol;
	struct authkeys *ak;
	const struct authkey *m;
	struct stat st;
	size_t blen, alen;

	(void)state;
	tpath(path, sizeof(path), "ctl_keys");
	(void)unlink(path);

	/* A new file is created 0600; stdout holds the key and nothing else. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "alice@example.com", "--roles", "admin,viewer",
	    "--from", "127.0.0.1,10.0.0.0/8", "--expires", "209912312359",
	    "-f", path, NULL), 0);
	assert_int_equal(strlen(out), APIKEY_LEN + 1);
	assert_int_equal(out[APIKEY_LEN], '\n');
	memcpy(key, out, APIKEY_LEN);
	key[APIKEY_LEN] = '\0';
	assert_int_equal(apikey_parse(key, APIKEY_LEN, id, sizeof(id)), 0);
	assert_string_equal(errout, "");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* The file never holds the key itself. */
	before = read_all(path, &blen);
	assert_null(strstr(before, key + 14));
	assert_non_null(strstr(before, id));
	free(before);

	/* The daemon's loader and verifier accept it. */
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 1);
	assert_int_equal(authkeys_verify(ak, key, strlen(key), NULL,
	    time(NULL), &m), AUTHKEY_OK);
	assert_string_equal(m->user, "alice@example.com");
	assert_int_equal(m->nroles, 2);
	assert_string_equal(m->roles[1], "viewer");
	assert_int_equal(m->nfrom, 2);
	assert_int_equal(authkeys_verify(ak, key, strlen(key),
	    sa4(0, "10.1.1.1"), time(NULL), &m), AUTHKEY_OK);
	assert_int_equal(authkeys_verify(ak, key, strlen(key),
	    sa4(0, "11.1.1.1"), time(NULL), &m), AUTHKEY_FROM);
	authkeys_free(ak);

	/* A second key, no from= or expiry, appended after a comment. */
	{
		int fd = open(path, O_WRONLY | O_APPEND);

		assert_true(fd != -1);
		assert_int_equal(write(fd, "# second\n", 9), 9);
		assert_int_equal(close(fd), 0);
	}
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "-f", path, "--roles", "viewer", "--user", "bob", NULL), 0);
	assert_int_equal(strlen(out), APIKEY_LEN + 1);
	memcpy(key2, out, APIKEY_LEN);
	key2[APIKEY_LEN] = '\0';
	assert_int_equal(apikey_parse(key2, APIKEY_LEN, id2, sizeof(id2)), 0);
	assert_string_not_equal(id, id2);

	/* list: a header, one row per key, no hashes. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "list",
	    "-f", path, NULL), 0);
	assert_non_null(strstr(out, "KEYID     USER               ROLES"));
	assert_true(strncmp(out, "KEYID", 5) == 0);
	assert_null(strstr(out, "sha256"));
	assert_non_null(strstr(out, id));
	assert_non_null(strstr(out, "alice@example.com  admin,viewer  "
	    "127.0.0.1,10.0.0.0/8  2099-12-31T23:59Z\n"));
	assert_non_null(strstr(out, "bob                viewer        "
	    "any                   never\n"));
	/* Columns line up: every row starts the USER column at 10. */
	eol = out;
	while ((line1 = strchr(eol, '\n')) != NULL && line1[1] != '\0') {
		eol = line1 + 1;
		assert_int_equal(eol[8], ' ');
		assert_int_equal(eol[9], ' ');
		assert_true(eol[10] != ' ');
	}

	/* revoke the first: everything else stays byte for byte. */
	before = read_all(path, &blen);
	line1 = strstr(before, "user=\"alice");
	assert_non_null(line1);
	eol = strchr(line1, '\n');
	assert_non_null(eol);
	memmove(line1, eol + 1, strlen(eol + 1) + 1);
	blen -= (size_t)(eol + 1 - line1);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    id, "-f", path, NULL), 0);
	assert_string_equal(out, "");
	after = read_all(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_true(strncmp(after, "# second\n", 9) == 0);
	free(before);
	free(after);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(authkeys_verify(ak, key, strlen(key), NULL,
	    time(NULL), &m), AUTHKEY_UNKNOWN);
	assert_int_equal(authkeys_verify(ak, key2, strlen(key2), NULL,
	    time(NULL), &m), AUTHKEY_OK);
	assert_string_equal(m->user, "bob");
	assert_null(m->from);
	assert_int_equal(m->expiry, 0);
	authkeys_free(ak);

	/* Revoking it again: not there, exit 1, file untouched. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    id, "-f", path, NULL), 1);
	assert_non_null(strstr(errout, "mcpctl: key id "));
	assert_non_null(strstr(errout, "not found"));
}

static void
test_ctl_no_trailing_newline(void **state)
{
	char path[PATH_MAX], out[4096], errout[4096], err[512], *data;
	const struct authkey *m;
	struct authkeys *ak;
	size_t len;

	(void)state;
	tpath(path, sizeof(path), "ctl_nonl");
	write_file(path, "# no newline at end", 19, 0600);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", path, NULL), 0);
	data = read_all(path, &len);
	assert_true(strncmp(data, "# no newline at end\nuser=\"u\","
	    "roles=\"r\" ", 38) == 0);
	assert_int_equal(data[len - 1], '\n');
	free(data);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(ak->nkeys, 1);
	authkeys_free(ak);

	/* A double quote in the user id is escaped and comes back intact. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "q\"u", "--roles", "r", "-f", path, NULL), 0);
	out[APIKEY_LEN] = '\0';
	data = read_all(path, &len);
	assert_non_null(strstr(data, "\nuser=\"q\\\"u\",roles=\"r\" "));
	free(data);
	assert_int_equal(authkeys_load(path, &ak, err, sizeof(err)), 0);
	assert_int_equal(authkeys_verify(ak, out, APIKEY_LEN, NULL, time(NULL),
	    &m), AUTHKEY_OK);
	assert_string_equal(m->user, "q\"u");
	authkeys_free(ak);
}

static void
test_ctl_errors(void **state)
{
	char path[PATH_MAX], path2[PATH_MAX], out[4096], errout[4096], *data;
	struct stat st;
	size_t len;

	(void)state;
	tpath(path, sizeof(path), "ctl_err");
	write_file(path, "# keep\n", 7, 0600);

	/* Usage errors: exit 2, a usage line on stderr, nothing on stdout. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--roles", "r", "-f", path, NULL), 2);
	assert_non_null(strstr(errout, "usage: mcpctl key new"));
	assert_string_equal(out, "");
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", path, "--bogus", NULL), 2);
	assert_non_null(strstr(errout, "unknown option --bogus"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", path, "extra", NULL), 2);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", NULL), 2);
	assert_non_null(strstr(errout, "requires an argument"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--user", "v", "--roles", "r", "-f", path, NULL), 2);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "bogus",
	    NULL), 2);
	assert_non_null(strstr(errout, "unknown key command"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", NULL), 2);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "list",
	    path, NULL), 2);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    "-f", path, NULL), 2);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    "abcd1234", "efgh5678", "-f", path, NULL), 2);

	/* Bad values: exit 1, the daemon parser's message, file untouched. */
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "a,,b", "-f", path, NULL), 1);
	assert_non_null(strstr(errout, "mcpctl: roles: empty"));
	assert_string_equal(out, "");
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "--from", "10.0.0.1/8", "-f",
	    path, NULL), 1);
	assert_non_null(strstr(errout, "mcpctl: from: bad address"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "--expires", "20260230", "-f",
	    path, NULL), 1);
	assert_non_null(strstr(errout, "expiry-time"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "--expires", "20200101", "-f",
	    path, NULL), 1);
	assert_non_null(strstr(errout, "in the past"));
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "a b", "--roles", "r", "-f", path, NULL), 1);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "x\\", "--roles", "r", "-f", path, NULL), 1);
	assert_string_equal(out, "");
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    "NOTANID", "-f", path, NULL), 1);
	/* A bad value does not even create the file. */
	tpath(path2, sizeof(path2), "ctl_notcreated");
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "a,,b", "-f", path2, NULL), 1);
	assert_int_equal(stat(path2, &st), -1);
	assert_int_equal(errno, ENOENT);
	data = read_all(path, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "# keep\n", 7);
	free(data);

	/* A file others can read is refused, by name, and not written. */
	write_file(path, "# keep\n", 7, 0644);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", path, NULL), 1);
	assert_non_null(strstr(errout, path));
	assert_non_null(strstr(errout, "group or others"));
	assert_string_equal(out, "");
	data = read_all(path, &len);
	assert_int_equal(len, 7);
	free(data);

	/* A file the daemon would refuse is not appended to. */
	write_file(path, "junk line\n", 10, 0600);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "new",
	    "--user", "u", "--roles", "r", "-f", path, NULL), 1);
	assert_non_null(strstr(errout, " line 1: "));
	assert_string_equal(out, "");

	/* A missing file for list and revoke. */
	tpath(path, sizeof(path), "ctl_missing");
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "list",
	    "-f", path, NULL), 1);
	assert_true(strncmp(errout, "mcpctl: ", 8) == 0);
	assert_int_equal(run_ctl(out, errout, sizeof(out), "key", "revoke",
	    "abcd1234", "-f", path, NULL), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_blank_and_comments),
		cmocka_unit_test(test_parse_all_options),
		cmocka_unit_test(test_parse_escapes),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_load_errors_name_line),
		cmocka_unit_test(test_load_limits),
		cmocka_unit_test(test_load_file_types),
		cmocka_unit_test(test_load_locks_table),
		cmocka_unit_test(test_result_str),
		cmocka_unit_test(test_verify_basic),
		cmocka_unit_test(test_verify_expiry),
		cmocka_unit_test(test_verify_from),
		cmocka_unit_test(test_ctl_roundtrip),
		cmocka_unit_test(test_ctl_no_trailing_newline),
		cmocka_unit_test(test_ctl_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
