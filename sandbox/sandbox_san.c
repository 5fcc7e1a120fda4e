/*
 * A sanitizer build's side of the seccomp filters (sandbox_san.h; only a
 * sanitizer build compiles this file: see the Makefile's "sanitize"
 * section).  The sanitizer's runtime, or valgrind, runs inside every
 * confined process and makes calls of its own, which the filters must
 * let through or refuse gently; and a TEST_HOOKS build can make the
 * errors the sanitizer must report, from a confined process.
 */
#if MCPD_SANITIZE
#include <sys/mman.h>
#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox_int.h"
#include "sandbox_san.h"
#include "sanitize.h"

#if MCPD_SANITIZE == 1
/*
 * What the AddressSanitizer and UBSan runtimes call in a confined
 * process, as a SANDBOX_DEBUG build of it named them over the regress
 * suite.
 */
static const char *const sandbox_sanitize_calls[] = {
	"sigaltstack",		/* ASan's signal stack, reset at exit */
	"write",		/* a report, on stderr */
	"futex",		/* a report: the runtime's and libc's locks */
	NULL
};

/*
 * AddressSanitizer's allocator: on each large block it maps, and when it
 * gives a large block's pages back (measured).
 */
static const struct sandbox_rule sandbox_sanitize_rules[] = {
	{ SCMP_SYS(madvise), 1,
	    { SB_ARG(2, SCMP_CMP_EQ, MADV_NOHUGEPAGE, 0) } },
	{ SCMP_SYS(madvise), 1, { SB_ARG(2, SCMP_CMP_EQ, MADV_DONTDUMP, 0) } },
	{ SCMP_SYS(madvise), 1, { SB_ARG(2, SCMP_CMP_EQ, MADV_DONTNEED, 0) } },
	{ 0, 0, { { 0 } } }
};

/*
 * A report reads /proc/self/maps and /proc/self/exe, and falls back on
 * what sanitize_confine() had it cache when that fails; a kill would end
 * the report in its first lines.  The runtime makes these calls as
 * open(2) and readlink(2), which glibc never uses on x86_64 (openat,
 * readlinkat): so they fail here, with EACCES, and openat still kills.
 */
static int
sandbox_sanitize_refuse(scmp_filter_ctx ctx)
{
	static const char *const names[] = { "open", "readlink", NULL };
	const char *const *n;
	int nr, r;

	for (n = names; *n != NULL; n++) {
		if ((nr = seccomp_syscall_resolve_name(*n)) == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr,
		    0)) != 0) {
			error_f("seccomp_rule_add %s: %s", *n, strerror(-r));
			return -1;
		}
	}
	return 0;
}
#endif /* MCPD_SANITIZE == 1 */

#if MCPD_SANITIZE == 2
/*
 * What valgrind itself calls in a confined process, and what the client
 * calls through it rather than the vDSO, as strace saw them over the
 * regress suite (a SANDBOX_DEBUG build cannot name them: the SIGSYS goes
 * to valgrind).
 */
static const char *const sandbox_valgrind_calls[] = {
	"gettid",		/* its scheduler lock checks its owner */
	"write",		/* its scheduler lock (a pipe); its log */
	"read",			/* its scheduler lock */
	"mmap",			/* its translations, executable */
	"rt_sigtimedwait",	/* polls for signals between blocks */
	"rt_sigaction",		/* a fatal signal: the default action */
	"futex",		/* its thread wake-ups */
	"getrlimit",		/* RLIMIT_CORE, on a fatal signal */
	"time",			/* the client's time(3): no vDSO here */
	"rt_sigreturn",		/* it grows the stack on SIGSEGV */
	NULL
};

/* valgrind, on a fatal signal: RLIMIT_CORE read (measured). */
static const struct sandbox_rule sandbox_valgrind_rules[] = {
	{ SCMP_SYS(prlimit64), 2, { SB_ARG(0, SCMP_CMP_EQ, 0, 0),
	    SB_ARG(2, SCMP_CMP_EQ, 0, 0) } },
	{ 0, 0, { { 0 } } }
};
#endif /* MCPD_SANITIZE == 2 */

int
sandbox_san_init(void)
{
#if MCPD_SANITIZE == 2
	int r;

	/* Tell libseccomp, or it probes with seccomp(2) and valgrind warns. */
	if ((r = seccomp_api_set(1)) != 0) {
		error_f("seccomp_api_set: %s", strerror(-r));
		return -1;
	}
#endif
	return 0;
}

uint32_t
sandbox_san_kill(void)
{
#if MCPD_SANITIZE == 2
	/*
	 * valgrind does not know seccomp(2), so libseccomp loads the filter
	 * with prctl(2), which has no process-wide kill: the thread's is the
	 * same in mcpd's single-threaded processes.
	 */
	return SCMP_ACT_KILL;
#else
	return SCMP_ACT_KILL_PROCESS;
#endif
}

int
sandbox_san_rules(scmp_filter_ctx ctx, pid_t pid)
{
#if MCPD_SANITIZE == 1
	if (sandbox_allow(ctx, sandbox_sanitize_calls) != 0 ||
	    sandbox_add_rules(ctx, sandbox_sanitize_rules) != 0 ||
	    sandbox_sanitize_refuse(ctx) != 0)
		return -1;
#elif MCPD_SANITIZE == 2
	int r;

	/* abort(3), under valgrind, sends a fatal signal again with kill(2). */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid))) != 0) {
		error_f("seccomp_rule_add kill: %s", strerror(-r));
		return -1;
	}
	if (sandbox_allow(ctx, sandbox_valgrind_calls) != 0 ||
	    sandbox_add_rules(ctx, sandbox_valgrind_rules) != 0)
		return -1;
#endif
	return 0;
}

#if MCPD_TEST_HOOKS
/* Where "leak" loses its block: volatile, so that the stores are made. */
static void *volatile sandbox_leaked;

/*
 * The errors tests/sanitize/run.sh must see reported from a confined
 * process.  Each is made so that the compiler
 * cannot see it coming (volatile).  Returns 0 with *rp 0 if what was one
 * of them and the process survived it, -1 if what is none of them.
 */
int
sandbox_san_violate(const char *what, long *rp)
{
	char *volatile p;
	volatile int big = 0x7fffffff;
	int v;

	*rp = 0;
	if (strcmp(what, "heap-overflow") == 0) {
		if ((p = malloc(8)) == NULL)
			return 0;
		p[8] = 'x';		/* one past the end */
		free(p);
	} else if (strcmp(what, "int-overflow") == 0) {
		v = big + 1;		/* signed overflow: undefined */
		*rp = v == 0;
	} else if (strcmp(what, "uninit") == 0) {
		if ((p = malloc(8)) == NULL)
			return 0;
		/* A jump on a byte never written: a store on one side only. */
		if (p[3] == 'x')	/* NOLINT: uninitialised on purpose */
			sandbox_leaked = p;
		sandbox_leaked = NULL;
		free(p);
	} else if (strcmp(what, "leak") == 0) {
		if ((sandbox_leaked = malloc(64)) != NULL)
			memset(sandbox_leaked, 'x', 64);
		sandbox_leaked = NULL;	/* the block is lost */
	} else
		return -1;
	return 0;
}
#endif /* MCPD_TEST_HOOKS */

#endif /* MCPD_SANITIZE */
