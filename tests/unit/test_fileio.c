/*
 * Unit tests: read_fd_capped(), the whole-file read through a size cap,
 * and read_fd_capped_err(), which words its errors.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"

#define PIPE_CHUNK	3000
#define PIPE_CHUNKS	5
/* The size of read_fd_capped()'s first buffer for a pipe. */
#define FIRST_ALLOC	4096

static volatile sig_atomic_t alarms;

/* Fill buf with bytes that differ from one offset to the next, NUL too. */
static void
pattern(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + i / 251);
}

/* An unlinked temporary file holding len bytes of data, at offset 0. */
static int
temp_file(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/test_fileio.XXXXXX";
	size_t off = 0;
	ssize_t r;
	int fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(unlink(path), 0);
	while (off < len) {
		r = write(fd, data + off, len - off);
		assert_true(r > 0);
		off += (size_t)r;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/*
 * A pipe whose write end a child feeds with nchunks chunks of data,
 * pausing between them so that the reader sees them arrive apart.
 */
static int
pipe_from_child(const uint8_t *data, size_t chunk, size_t nchunks,
    pid_t *pidp)
{
	size_t i, off;
	ssize_t r;
	int p[2];

	assert_int_equal(pipe(p), 0);
	*pidp = fork();
	assert_true(*pidp != -1);
	if (*pidp == 0) {
		(void)close(p[0]);
		/* The reader may stop at the cap and close its end. */
		(void)signal(SIGPIPE, SIG_IGN);
		for (i = 0; i < nchunks; i++) {
			for (off = 0; off < chunk; off += (size_t)r) {
				r = write(p[1], data + i * chunk + off,
				    chunk - off);
				if (r <= 0)
					_exit(0);
			}
			(void)usleep(20000);
		}
		_exit(0);
	}
	assert_int_equal(close(p[1]), 0);
	return p[0];
}

static void
reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* read_fd_capped() on fd gives exactly data; closes fd. */
static void
expect_read(int fd, size_t max, const uint8_t *data, size_t datalen)
{
	uint8_t *buf = NULL;
	size_t len = datalen + 1;

	assert_int_equal(read_fd_capped(fd, max, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, datalen);
	if (datalen > 0)
		assert_memory_equal(buf, data, datalen);
	free(buf);
	assert_int_equal(close(fd), 0);
}

/* read_fd_capped() on fd fails with EFBIG and leaves no buffer. */
static void
expect_efbig(int fd, size_t max)
{
	uint8_t *buf = (uint8_t *)0x1;
	size_t len = 1;

	errno = 0;
	assert_int_equal(read_fd_capped(fd, max, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(close(fd), 0);
}

static void
test_file(void **state)
{
	uint8_t data[10001];

	(void)state;
	pattern(data, sizeof(data));
	expect_read(temp_file(data, 10000), 1 << 20, data, 10000);
	/* Exactly max bytes are fine, one more is too many. */
	expect_read(temp_file(data, 10000), 10000, data, 10000);
	expect_efbig(temp_file(data, 10001), 10000);
	/* An empty file passes any cap; a cap of 0 admits no more. */
	expect_read(temp_file(NULL, 0), 0, NULL, 0);
	expect_read(temp_file(NULL, 0), 100, NULL, 0);
	expect_efbig(temp_file(data, 1), 0);
}

static void
test_pipe(void **state)
{
	uint8_t data[PIPE_CHUNK * PIPE_CHUNKS];
	pid_t pid;

	(void)state;
	pattern(data, sizeof(data));
	/* Several reads, and the buffer grows past its first size. */
	expect_read(pipe_from_child(data, PIPE_CHUNK, PIPE_CHUNKS, &pid),
	    sizeof(data), data, sizeof(data));
	reap(pid);
	/* A pipe has no size to go by: the cap still holds. */
	expect_efbig(pipe_from_child(data, PIPE_CHUNK, PIPE_CHUNKS, &pid),
	    sizeof(data) - 1);
	reap(pid);
	/*
	 * With max twice the first allocation, the buffer is full at
	 * exactly max bytes, and only the next read can tell the end of
	 * the data from a pipe over the cap.
	 */
	expect_read(pipe_from_child(data, FIRST_ALLOC, 2, &pid),
	    2 * FIRST_ALLOC, data, 2 * FIRST_ALLOC);
	reap(pid);
}

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static struct sigaction old_alarm;

static int
timer_off(void **state)
{
	struct itimerval off;

	(void)state;
	memset(&off, 0, sizeof(off));
	if (setitimer(ITIMER_REAL, &off, NULL) != 0 ||
	    sigaction(SIGALRM, &old_alarm, NULL) != 0)
		return -1;
	return 0;
}

/* Signals that interrupt the reads (no SA_RESTART) lose no data. */
static void
test_pipe_eintr(void **state)
{
	uint8_t data[PIPE_CHUNK * PIPE_CHUNKS];
	struct itimerval it;
	struct sigaction sa;
	pid_t pid;
	int fd;

	(void)state;
	pattern(data, sizeof(data));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	assert_int_equal(sigemptyset(&sa.sa_mask), 0);
	assert_int_equal(sigaction(SIGALRM, &sa, &old_alarm), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 2000;
	it.it_interval.tv_usec = 2000;
	alarms = 0;
	fd = pipe_from_child(data, PIPE_CHUNK, PIPE_CHUNKS, &pid);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	expect_read(fd, sizeof(data), data, sizeof(data));
	assert_int_equal(timer_off(NULL), 0);
	/* The child pauses 20 ms a chunk: the timer went off meanwhile. */
	assert_true(alarms > 0);
	reap(pid);
}

static void
test_errors(void **state)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	errno = 0;
	assert_int_equal(read_fd_capped(-1, 100, &buf, &len), -1);
	assert_int_equal(errno, EBADF);
	assert_null(buf);
	errno = 0;
	assert_int_equal(read_fd_capped(0, 100, NULL, &len), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(read_fd_capped(0, SIZE_MAX, &buf, &len), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_error_messages(void **state)
{
	uint8_t data[16], *buf = NULL;
	size_t len = 0;
	char err[128];
	int fd;

	(void)state;
	pattern(data, sizeof(data));
	fd = temp_file(data, sizeof(data));
	assert_int_equal(read_fd_capped_err(fd, 8, "/x/f", &buf, &len, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/x/f: larger than 8 bytes");
	assert_null(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_fd_capped_err(fd, 16, "/x/f", &buf, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	free(buf);
	assert_int_equal(close(fd), 0);
	assert_int_equal(read_fd_capped_err(-1, 8, "/x/g", &buf, &len, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/x/g: read: Bad file descriptor");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test_teardown(test_pipe_eintr, timer_off),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
