/*
 * The hooks a sanitizer build gives the sanitizer runtime (make sanitize;
 * only a sanitizer build compiles this file, and links it into every
 * program: see the Makefile's "sanitize" section).
 *
 * With AddressSanitizer and UBSan (MCPD_SANITIZE 1):
 *  - LeakSanitizer's check at exit stops the world with ptrace from a
 *    clone and lists /proc/self/task: a confined child may do neither
 *    (seccomp, chroot), so the check is off from sanitize_confine() on.
 *    The monitor, mcpctl and the unit tests keep it; leaks in the
 *    children are valgrind's part of "make sanitize".
 *  - The runtime's defaults: a child runs with an empty environment, so
 *    ASAN_OPTIONS and UBSAN_OPTIONS never reach it.  Reports are never
 *    coloured (isatty() is an ioctl the filter refuses) and, in a child,
 *    not symbolized (the symbolizer opens the binaries, and the filter
 *    kills an openat); tests/sanitize/run.sh symbolizes them afterwards.
 *  - mlock(2) and munlock(2) lock for real: AddressSanitizer turns them
 *    into no-ops (for the sake of mlockall(), which mcpd never calls),
 *    and the code and tests that lock secrets would then see nothing
 *    locked.
 *
 * Under valgrind (MCPD_SANITIZE 2):
 *  - setrlimit(RLIMIT_NOFILE) keeps the hard limit: valgrind refuses any
 *    other (it keeps descriptors of its own above it) and only pretends
 *    to apply the soft one.  Every other limit is set as asked.
 *  - exit(3) writes the exit status to valgrind's log, where
 *    tests/sanitize/run.sh reads it: leaks count in a process that exits
 *    with 0.  One that fails (fatal()) leaves what it held in its stack
 *    frames behind, which valgrind reports as lost, and that is no leak.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <stddef.h>
#include <unistd.h>

#if MCPD_SANITIZE == 1
#include <sanitizer/common_interface_defs.h>
#elif MCPD_SANITIZE == 2
#include <stdlib.h>

#include <valgrind/valgrind.h>
#endif

#include "sanitize.h"

#if MCPD_SANITIZE

/* Set once the process is about to be confined; read at exit. */
static volatile int sanitize_confined;

void
sanitize_confine(void)
{
	sanitize_confined = 1;
#if MCPD_SANITIZE == 1
	/* The memory map, cached: /proc is out of reach from now on. */
	__sanitizer_sandbox_on_notify(NULL);
#endif
}

#if MCPD_SANITIZE == 1
int	__lsan_is_turned_off(void);
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
int	mlock(const void *, size_t);
int	munlock(const void *, size_t);

/* LeakSanitizer asks at exit, when the process may have been confined. */
int
__lsan_is_turned_off(void)
{
	return sanitize_confined;
}

/*
 * Whether this process is a confined child: the monitor starts them with
 * the title "mcpd: KIND" as argv[0] (src/monitor/spawn.c), which no other
 * program of mcpd has.  AddressSanitizer asks before main()
 * runs, while it initializes itself: the shadow memory is not mapped yet,
 * so this code must not be instrumented, and only raw system calls are
 * used (the libc functions it intercepts are not ready either).
 */
#define SANITIZE_UNINSTRUMENTED \
	__attribute__((no_sanitize_address, no_sanitize_undefined))

static SANITIZE_UNINSTRUMENTED int
sanitize_is_child(void)
{
	static const char title[] = "mcpd: ";
	char buf[256];
	long n;
	int fd;
	size_t i, len;

	/* UBSan asks only at its first report, maybe in the sandbox. */
	if (sanitize_confined)
		return 1;
	if ((fd = (int)syscall(SYS_openat, -100 /* AT_FDCWD */,
	    "/proc/self/cmdline", 0 /* O_RDONLY */)) < 0)
		return 0;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	(void)syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	len = (size_t)n;
	buf[len] = '\0';
	/* argv[0] begins with the title (no memcmp() yet). */
	for (i = 0; i < sizeof(title) - 1; i++)
		if (i >= len || buf[i] != title[i])
			return 0;
	return 1;
}

SANITIZE_UNINSTRUMENTED const char *
__asan_default_options(void)
{
	return sanitize_is_child() ? "color=never:symbolize=0" :
	    "color=never";
}

SANITIZE_UNINSTRUMENTED const char *
__ubsan_default_options(void)
{
	return sanitize_is_child() ? "color=never:symbolize=0" :
	    "color=never";
}

int
mlock(const void *addr, size_t len)
{
	return (int)syscall(SYS_mlock, addr, len);
}

int
munlock(const void *addr, size_t len)
{
	return (int)syscall(SYS_munlock, addr, len);
}
#endif /* MCPD_SANITIZE == 1 */

int
sanitize_rlimit_as(void)
{
	return 0;
}

#if MCPD_SANITIZE == 2
int	setrlimit(__rlimit_resource_t, const struct rlimit *);

static void
sanitize_exit_status(int status, void *arg)
{
	(void)arg;
	(void)VALGRIND_PRINTF("mcpd-sanitize: exit status %d\n", status);
}

static void __attribute__((constructor))
sanitize_init(void)
{
	if (on_exit(sanitize_exit_status, NULL) != 0)
		abort();
}

int
setrlimit(__rlimit_resource_t resource, const struct rlimit *rl)
{
	struct rlimit cur, want = *rl;

	if (resource == RLIMIT_NOFILE) {
		if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &cur) != 0)
			return -1;
		want.rlim_max = cur.rlim_max;
		if (want.rlim_cur > want.rlim_max)
			want.rlim_cur = want.rlim_max;
	}
	return (int)syscall(SYS_prlimit64, 0, resource, &want, NULL);
}
#endif /* MCPD_SANITIZE == 2 */

#endif /* MCPD_SANITIZE */
