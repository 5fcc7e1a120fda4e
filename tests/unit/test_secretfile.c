/*
 * Secret files (the checks sshd makes of a private key) and locked
 * memory for key material: src/monitor/secretfile.c.
 */

#include <sys/types.h>
#include <sys/stat.h>

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
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "secretfile.h"

static char tmpdir[PATH_MAX];

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mcpd-test-secretfile.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
tpath(char *buf, size_t len, const char *name)
{
	int r;

	r = snprintf(buf, len, "%s/%s", tmpdir, name);
	assert_true(r > 0 && (size_t)r < len);
}

static void
write_file(const char *path, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Open path as a secret file is opened and check it; err gets the result. */
static int
check_path(const char *path, char *err, size_t errlen)
{
	int fd, r;

	fd = open(path, SECRET_FILE_OPEN_FLAGS);
	assert_true(fd != -1);
	r = secret_file_check(fd, path, err, errlen);
	assert_int_equal(close(fd), 0);
	return r;
}

static void
test_check_modes(void **state)
{
	static const mode_t bad[] = { 0640, 0604, 0644, 0660, 0606, 0666,
	    0620, 0602, 0610, 0601, 0670, 0607, 0700 | 0070, 0777 };
	static const mode_t good[] = { 0600, 0400, 0200, 0700, 0000 };
	char path[PATH_MAX], err[512], want[PATH_MAX + 128];
	size_t i;

	(void)state;
	tpath(path, sizeof(path), "key");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i]);
		snprintf(want, sizeof(want), "UNPROTECTED SECRET FILE: %s is "
		    "accessible by group or others (mode %04o); it must be "
		    "0600 or stricter", path, (unsigned int)bad[i]);
		assert_int_equal(check_path(path, err, sizeof(err)), -1);
		assert_string_equal(err, want);
	}
	/* The setuid bit is shown too: it is part of what is wrong. */
	write_file(path, 04644);
	assert_int_equal(check_path(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "(mode 4644)"));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		/* Only root can open an unreadable file to check it. */
		if ((good[i] & 0400) == 0 && geteuid() != 0)
			continue;
		write_file(path, 0600);
		assert_int_equal(chmod(path, good[i]), 0);
		err[0] = 'x';
		assert_int_equal(check_path(path, err, sizeof(err)), 0);
		assert_string_equal(err, "");
	}
}

static void
test_check_owner(void **state)
{
	char path[PATH_MAX], err[512], want[PATH_MAX + 128];

	(void)state;
	if (geteuid() != 0)
		skip();	/* only root can give a file to another user */
	tpath(path, sizeof(path), "foreign");
	write_file(path, 0600);
	assert_int_equal(chown(path, 65534, 65534), 0);
	snprintf(want, sizeof(want), "%s is owned by uid 65534, not root or "
	    "the running user", path);
	assert_int_equal(check_path(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* The owner check comes first: a foreign 0644 file names the owner. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(check_path(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* Root's own file is fine; so is one of the running euid. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(check_path(path, err, sizeof(err)), 0);
	/* Group ownership does not matter once the group has no access. */
	assert_int_equal(chown(path, 0, 65534), 0);
	assert_int_equal(check_path(path, err, sizeof(err)), 0);
}

static void
test_check_types(void **state)
{
	char path[PATH_MAX], link[PATH_MAX], err[512], want[PATH_MAX + 64];
	int fd;

	(void)state;
	/* A directory and a FIFO (O_NONBLOCK: the open does not block). */
	tpath(path, sizeof(path), "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(want, sizeof(want), "%s is not a regular file", path);
	assert_int_equal(check_path(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	tpath(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(want, sizeof(want), "%s is not a regular file", path);
	assert_int_equal(check_path(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* A symbolic link, even to a good file, is not opened at all. */
	tpath(path, sizeof(path), "target");
	write_file(path, 0600);
	tpath(link, sizeof(link), "link");
	assert_int_equal(symlink(path, link), 0);
	fd = open(link, SECRET_FILE_OPEN_FLAGS);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ELOOP);
	secret_file_open_error(link, errno, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: is a symbolic link", link);
	assert_string_equal(err, want);
	tpath(path, sizeof(path), "missing");
	secret_file_open_error(path, ENOENT, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);

	/* A closed descriptor. */
	assert_int_equal(secret_file_check(-1, "nofd", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "nofd: fstat: %s", strerror(EBADF));
	assert_string_equal(err, want);
}

static int
all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

static void
test_lock_wipe(void **state)
{
	long before, pagekb;
	uint8_t *buf;
	size_t ps;

	(void)state;
	ps = (size_t)sysconf(_SC_PAGESIZE);
	pagekb = (long)(ps / 1024);
	before = vmlck_kb();
	/* Three whole pages, page-aligned: exactly three pages locked. */
	assert_int_equal(posix_memalign((void **)&buf, ps, 3 * ps), 0);
	memset(buf, 0xa5, 3 * ps);
	if (secret_lock(buf, 3 * ps) != 0) {
		free(buf);
		skip();	/* RLIMIT_MEMLOCK too small here */
	}
	assert_int_equal(vmlck_kb(), before + 3 * pagekb);
	secret_unlock_wipe(buf, 3 * ps);
	assert_true(all_zero(buf, 3 * ps));
	assert_int_equal(vmlck_kb(), before);

	/*
	 * Two secrets sharing the first page: unlocking one must keep the
	 * shared page locked for the other.
	 */
	memset(buf, 0x5a, 3 * ps);
	assert_int_equal(secret_lock(buf, 32), 0);
	assert_int_equal(secret_lock(buf + 64, ps), 0);	/* pages 0-1 */
	assert_int_equal(vmlck_kb(), before + 2 * pagekb);
	secret_unlock_wipe(buf + 64, ps);
	assert_true(all_zero(buf + 64, ps));
	assert_int_equal(buf[63], 0x5a);	/* only its own bytes */
	assert_int_equal(buf[64 + ps], 0x5a);
	assert_int_equal(vmlck_kb(), before + pagekb);	/* page 0 stays */
	secret_unlock_wipe(buf, 32);
	assert_true(all_zero(buf, 32));
	assert_int_equal(vmlck_kb(), before);

	/* Memory never locked is only wiped; nothing else is unlocked. */
	assert_int_equal(secret_lock(buf, 16), 0);
	memset(buf + 2 * ps, 0x77, 16);
	secret_unlock_wipe(buf + 2 * ps, 16);
	assert_true(all_zero(buf + 2 * ps, 16));
	assert_int_equal(vmlck_kb(), before + pagekb);
	/* The same region locked twice stays locked until both unlock. */
	assert_int_equal(secret_lock(buf, 16), 0);
	secret_unlock_wipe(buf, 16);
	assert_int_equal(vmlck_kb(), before + pagekb);
	secret_unlock_wipe(buf, 16);
	assert_int_equal(vmlck_kb(), before);

	/* NULL and empty are no-ops. */
	assert_int_equal(secret_lock(NULL, 10), 0);
	assert_int_equal(secret_lock(buf, 0), 0);
	secret_unlock_wipe(NULL, 10);
	assert_int_equal(vmlck_kb(), before);
	free(buf);
}

static void
test_lock_failure_recorded(void **state)
{
	uint8_t *bufs[SECRET_LOCK_MAX_REGIONS + 1];
	unsigned int n0;
	long before;
	size_t i;
	int e = 0;

	(void)state;
	before = vmlck_kb();
	n0 = secret_lock_failures(NULL);
	for (i = 0; i < SECRET_LOCK_MAX_REGIONS; i++) {
		bufs[i] = malloc(64);
		assert_non_null(bufs[i]);
		if (secret_lock(bufs[i], 64) != 0) {
			while (i-- > 0) {
				secret_unlock_wipe(bufs[i], 64);
				free(bufs[i]);
			}
			skip();	/* RLIMIT_MEMLOCK too small here */
		}
	}
	/* One region too many: refused, counted, not fatal. */
	bufs[i] = malloc(64);
	assert_non_null(bufs[i]);
	errno = 0;
	assert_int_equal(secret_lock(bufs[i], 64), -1);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(secret_lock_failures(&e), n0 + 1);
	if (n0 == 0)
		assert_int_equal(e, ENOMEM);
	secret_unlock_wipe(bufs[i], 64);	/* wipes only */
	free(bufs[i]);
	for (i = 0; i < SECRET_LOCK_MAX_REGIONS; i++) {
		secret_unlock_wipe(bufs[i], 64);
		free(bufs[i]);
	}
	assert_int_equal(vmlck_kb(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_modes),
		cmocka_unit_test(test_check_owner),
		cmocka_unit_test(test_check_types),
		cmocka_unit_test(test_lock_wipe),
		cmocka_unit_test(test_lock_failure_recorded),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
