/*
 * Unit tests for the environment of a command upstream
 * (src/monitor/upstream_env.c): the names env= may copy, and the
 * NAME=VALUE lines of an envfile=, read as a secret file; and the check
 * of a url upstream's credential= (src/monitor/upstream_secrets.c).
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "upstream_env.h"
#include "upstream_secrets.h"

#define ERRLEN	256

static void
test_names(void **state __attribute__((__unused__)))
{
	char longname[UPSTREAM_ENV_NAME_MAX + 2];

	assert_true(upstream_env_name_valid("HOME"));
	assert_true(upstream_env_name_valid("_x1"));
	assert_true(upstream_env_name_valid("GITHUB_PERSONAL_ACCESS_TOKEN"));
	assert_false(upstream_env_name_valid(""));
	assert_false(upstream_env_name_valid("1X"));
	assert_false(upstream_env_name_valid("A-B"));
	assert_false(upstream_env_name_valid("A B"));
	assert_false(upstream_env_name_valid("A=B"));
	assert_false(upstream_env_name_valid(NULL));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[UPSTREAM_ENV_NAME_MAX] = '\0';
	assert_true(upstream_env_name_valid(longname));
	longname[UPSTREAM_ENV_NAME_MAX] = 'A';
	longname[UPSTREAM_ENV_NAME_MAX + 1] = '\0';
	assert_false(upstream_env_name_valid(longname));
	assert_true(upstream_env_name_reserved("MCPD_API_KEY"));
	assert_true(upstream_env_name_reserved("MCPD_"));
	assert_false(upstream_env_name_reserved("MCPD"));
	assert_false(upstream_env_name_reserved("XMCPD_A"));
}

/* Parse text as the file "e.env"; err gets the message. */
static int
parse(const char *text, char ***envp, size_t *np, char *err)
{
	return upstream_envfile_parse(text, strlen(text), "e.env", envp, np,
	    err, ERRLEN);
}

static void
test_parse(void **state __attribute__((__unused__)))
{
	static const char text[] =
	    "# the upstream's own secrets\n"
	    "\n"
	    "GITHUB_TOKEN=ghp_abc=def\n"
	    "QUOTED=\"kept as is\" with 'quotes' #and no comment\r\n"
	    "EMPTY=\n"
	    "  \n"
	    "LAST=no newline";
	char **env, err[ERRLEN];
	size_t n;

	/* A line of blanks is not a blank line: it says nothing valid. */
	assert_int_equal(parse(text, &env, &n, err), -1);
	assert_string_equal(err, "e.env line 6: expected NAME=VALUE");

	assert_int_equal(parse(
	    "# the upstream's own secrets\n"
	    "\n"
	    "GITHUB_TOKEN=ghp_abc=def\n"
	    "QUOTED=\"kept as is\" with 'quotes' #and no comment\r\n"
	    "EMPTY=\n"
	    "\r\n"
	    "LAST=no newline", &env, &n, err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(env[0], "GITHUB_TOKEN=ghp_abc=def");
	assert_string_equal(env[1],
	    "QUOTED=\"kept as is\" with 'quotes' #and no comment");
	assert_string_equal(env[2], "EMPTY=");
	assert_string_equal(env[3], "LAST=no newline");
	upstream_env_free(env, n);

	assert_int_equal(parse("", &env, &n, err), 0);
	assert_int_equal(n, 0);
	assert_null(env);
	upstream_env_free(env, n);
}

static void
test_parse_errors(void **state __attribute__((__unused__)))
{
	static const char *const cases[][2] = {
		{ "A=1\nnovalue\n", "e.env line 2: expected NAME=VALUE" },
		{ "=x\n", "e.env line 1: invalid variable name ''" },
		{ "1A=x\n", "e.env line 1: invalid variable name '1A'" },
		{ " A=x\n", "e.env line 1: invalid variable name ' A'" },
		{ "A =x\n", "e.env line 1: invalid variable name 'A '" },
		{ "export A=x\n",
		    "e.env line 1: invalid variable name 'export A'" },
		{ "MCPD_API_KEY=mcpk_x\n",
		    "e.env line 1: 'MCPD_API_KEY' is reserved for mcpd "
		    "(MCPD_*)" },
		{ "A=1\nB=2\nA=3\n", "e.env line 3: duplicate variable 'A'" },
	};
	char **env = NULL, err[ERRLEN], buf[UPSTREAM_ENV_MAX * 8 + 16];
	size_t i, n = 0, off = 0;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i][0], &env, &n, err) != -1)
			fail_msg("accepted: %s", cases[i][0]);
		assert_null(env);
		assert_int_equal(n, 0);
		if (strcmp(err, cases[i][1]) != 0)
			fail_msg("%s: got \"%s\"", cases[i][0], err);
	}
	/* A NUL byte, which a string cannot carry to execve(2). */
	assert_int_equal(upstream_envfile_parse("A=1\nB=x\0y\n", 10, "e.env",
	    &env, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "e.env line 2: NUL byte");
	/* A name too long to be a name is refused, not cut. */
	memset(buf, 'A', UPSTREAM_ENV_NAME_MAX + 1);
	memcpy(buf + UPSTREAM_ENV_NAME_MAX + 1, "=x", 3);
	assert_int_equal(parse(buf, &env, &n, err), -1);
	assert_non_null(strstr(err, "e.env line 1: invalid variable name"));
	/* The count is capped. */
	for (i = 0; i <= UPSTREAM_ENV_MAX; i++) {
		r = snprintf(buf + off, sizeof(buf) - off, "V%zu=1\n", i);
		assert_true(r > 0 && (size_t)r < sizeof(buf) - off);
		off += (size_t)r;
	}
	assert_int_equal(parse(buf, &env, &n, err), -1);
	assert_string_equal(err, "e.env: more than 256 variables");
	/* Messages never quote a value. */
	assert_int_equal(parse("A=1\nsecret-token-value\n", &env, &n, err),
	    -1);
	assert_null(strstr(err, "secret"));
}

/* A file of text with mode; path gets its name. */
static void
write_file(char *path, size_t len, const char *text, mode_t mode)
{
	int fd;

	assert_true(snprintf(path, len, "/tmp/test_upstream_env.XXXXXX") > 0);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_load(void **state __attribute__((__unused__)))
{
	char path[64], link[80], want[ERRLEN], **env, err[ERRLEN], *big;
	size_t n;

	write_file(path, sizeof(path), "TOKEN=t0ps3cret\n", 0600);
	assert_int_equal(upstream_envfile_load(path, &env, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(env[0], "TOKEN=t0ps3cret");
	upstream_env_free(env, n);

	/* The secret-file checks: mode, symbolic link, missing file. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(upstream_envfile_load(path, &env, &n, err,
	    sizeof(err)), -1);
	assert_null(env);
	assert_true(snprintf(want, sizeof(want), "UNPROTECTED SECRET FILE: %s "
	    "is accessible by group or others (mode 0640); it must be 0600 "
	    "or stricter", path) > 0);
	assert_string_equal(err, want);
	assert_int_equal(chmod(path, 0600), 0);
	assert_true(snprintf(link, sizeof(link), "%s.link", path) > 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(upstream_envfile_load(link, &env, &n, err,
	    sizeof(err)), -1);
	assert_true(snprintf(want, sizeof(want), "%s: is a symbolic link",
	    link) > 0);
	assert_string_equal(err, want);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(upstream_envfile_load(path, &env, &n, err,
	    sizeof(err)), -1);
	assert_true(snprintf(want, sizeof(want), "%s: No such file or "
	    "directory", path) > 0);
	assert_string_equal(err, want);

	/* A line error names the file. */
	write_file(path, sizeof(path), "A=1\nMCPD_TOKEN=x\n", 0600);
	assert_int_equal(upstream_envfile_load(path, &env, &n, err,
	    sizeof(err)), -1);
	assert_true(snprintf(want, sizeof(want), "%s line 2: 'MCPD_TOKEN' is "
	    "reserved for mcpd (MCPD_*)", path) > 0);
	assert_string_equal(err, want);
	assert_int_equal(unlink(path), 0);

	/* The size is capped. */
	assert_non_null(big = malloc(UPSTREAM_ENVFILE_MAX + 2));
	memset(big, '#', UPSTREAM_ENVFILE_MAX + 1);
	big[UPSTREAM_ENVFILE_MAX + 1] = '\0';
	write_file(path, sizeof(path), big, 0600);
	free(big);
	assert_int_equal(upstream_envfile_load(path, &env, &n, err,
	    sizeof(err)), -1);
	assert_true(snprintf(want, sizeof(want), "%s: larger than %d bytes",
	    path, UPSTREAM_ENVFILE_MAX) > 0);
	assert_string_equal(err, want);
	assert_int_equal(unlink(path), 0);
}

/* credential=: one RFC 6750 bearer token in a secret file. */
static void
test_credential(void **state __attribute__((__unused__)))
{
	static const char *const good[] = {
		"abc", "abc\n", "abc\r\n", "a-b.c_d~e+f/g==\n", "x=",
	};
	static const char *const badtok[] = {
		"", "\n", "two words\n", "abc\n\n", "=abc", "ab=c", "a\"b",
		"tok\nsecond\n",
	};
	char path[64], want[ERRLEN], err[ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		write_file(path, sizeof(path), good[i], 0600);
		if (upstream_credential_check(path, err, sizeof(err)) != 0)
			fail_msg("refused '%s': %s", good[i], err);
		assert_int_equal(unlink(path), 0);
	}
	for (i = 0; i < sizeof(badtok) / sizeof(badtok[0]); i++) {
		write_file(path, sizeof(path), badtok[i], 0600);
		assert_int_equal(upstream_credential_check(path, err,
		    sizeof(err)), -1);
		assert_true(snprintf(want, sizeof(want), "%s: not one bearer "
		    "token (letters, digits and -._~+/, then any =)",
		    path) > 0);
		assert_string_equal(err, want);
		assert_int_equal(unlink(path), 0);
	}
	write_file(path, sizeof(path), "tok\n", 0644);
	assert_int_equal(upstream_credential_check(path, err, sizeof(err)),
	    -1);
	assert_true(snprintf(want, sizeof(want), "UNPROTECTED SECRET FILE: %s "
	    "is accessible by group or others (mode 0644); it must be 0600 "
	    "or stricter", path) > 0);
	assert_string_equal(err, want);
	assert_int_equal(unlink(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_credential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
