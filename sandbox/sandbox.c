/*
 * The seccomp-bpf machinery every confinement shares (cf. OpenSSH's
 * sandbox-seccomp-filter.c), built with libseccomp: what every confined
 * process may call, the rules that look at arguments, the filter's
 * construction and loading, and the SANDBOX_DEBUG trap.  The profiles of
 * the process kinds are in files of their own (profile_net.c,
 * profile_worker.c), so that each image carries only its own.
 *
 * The default action kills the whole process, and so does a
 * system call made through a foreign architecture's entry point (a 32-bit
 * int 0x80 or an x32 call from an x86_64 process): its numbers are not
 * the ones this filter checks.  An executable mapping is refused by an
 * argument filter on mmap, and mprotect is refused altogether; so is
 * every fcntl, ioctl and prlimit64 command but the few named here.
 *
 * The lists were measured, not guessed: tests/bench/syscalls.sh runs a
 * representative session (or, with --regress, the regress suite) under
 * strace and prints, per process kind, what was called after the filter
 * went on against what the filter allows.  Each entry says why it is
 * there.
 *
 * With SANDBOX_DEBUG=1 at build time, a forbidden call raises SIGSYS
 * instead; a handler names the call on stderr (or in the log, when stderr
 * is a file the process may not write) and the process then dies of
 * SIGSYS all the same, so that the monitor reports it as it would in
 * production.  For finding what a profile lacks, never for production.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_int.h"
#include "sandbox_san.h"
#include "sanitize.h"

#ifndef SANDBOX_DEBUG
#define SANDBOX_DEBUG 0
#endif

/*
 * What every confined process needs once it is running.  Nothing here
 * creates a descriptor, a process or a mapping that could execute, and
 * nothing reaches a file by name.  Written for glibc 2.36 on x86_64
 * (Debian 12): another libc or architecture may use other calls for the
 * same jobs (epoll_pwait, fstat, nanosleep), which a SANDBOX_DEBUG build
 * names at once.
 */
static const char *const sandbox_base_calls[] = {
	"readv",		/* libevent's evbuffer_read(): the channel */
	"writev",		/* libevent's evbuffer_write(): the channel */
	"brk",			/* malloc */
	"munmap",		/* free(3) of a large block */
	"mremap",		/* realloc(3) of a large block */
	"exit_group",		/* exit(3), _exit(2) */
	"rt_sigprocmask",	/* abort(3) blocks signals before raising */
	"getpid",		/* abort(3): tgkill's target */
	"clock_gettime",	/* the vDSO's fallback; CPU time (workers) */
	"gettimeofday",		/* the vDSO's fallback */
	NULL
};

#if SANDBOX_DEBUG
static void (*sandbox_debug_flush)(void);
static pid_t sandbox_pid;

/*
 * A debug build's SIGSYS handler.  It runs synchronously, in place of the
 * forbidden call, so the process is in a well-defined state; still, the
 * name lookup and the logging below allocate, which a production handler
 * must never do.  Only calls that both profiles allow are used (writev,
 * not write).  SA_RESETHAND has already put back the default action, so
 * the SIGSYS sent at the end, once unblocked, kills the process here.
 */
static void
sandbox_sigsys(int sig, siginfo_t *info, void *uctx)
{
	char msg[128];
	char *name;
	struct iovec iov;
	sigset_t set;
	int n;

	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    info->si_syscall);
	n = snprintf(msg, sizeof(msg), "sandbox violation: syscall %d (%s)",
	    info->si_syscall, name != NULL ? name : "?");
	if (n > 0 && (size_t)n < sizeof(msg) - 1) {
		msg[n++] = '\n';
		iov.iov_base = msg;
		iov.iov_len = (size_t)n;
		/* A file stderr is unwritable under RLIMIT_FSIZE 0. */
		if (writev(STDERR_FILENO, &iov, 1) != n) {
			msg[n - 1] = '\0';
			error("%s", msg);
			if (sandbox_debug_flush != NULL)
				sandbox_debug_flush();
		}
	}
	(void)syscall(SYS_tgkill, sandbox_pid, sandbox_pid, SIGSYS);
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGSYS);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(SIGSYS + 128);	/* not reached */
}

static void
sandbox_debug_init(void)
{
	struct sigaction sa;

	sandbox_pid = getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		fatal_f("sigaction SIGSYS: %s", strerror(errno));
	error_f("SANDBOX_DEBUG build: forbidden syscalls are named, "
	    "then kill");
}
#endif

void
sandbox_set_debug_flush(void (*fn)(void))
{
#if SANDBOX_DEBUG
	sandbox_debug_flush = fn;
#else
	(void)fn;
#endif
}

int
sandbox_allow(scmp_filter_ctx ctx, const char *const *names)
{
	int nr, r;

	for (; *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0) {
			error_f("seccomp_rule_add %s: %s", *names,
			    strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* Every process kind. */
static const struct sandbox_rule sandbox_base_rules[] = {
	/*
	 * malloc's large blocks, and the growth of SQLite's -shm mapping:
	 * never PROT_EXEC.  mprotect is not allowed at all: nothing needs
	 * it once the process runs (the program is linked with -z now),
	 * and it could make RELRO-protected data writable again.
	 */
	{ SCMP_SYS(mmap), 1,
	    { SB_ARG(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
	/* libevent's evbuffer_read() sizes its reads; no other ioctl. */
	{ SCMP_SYS(ioctl), 1, { SB_ARG(1, SCMP_CMP_EQ, FIONREAD, 0) } },
	{ 0, 0, { { 0 } } }
};

int
sandbox_add_rules(scmp_filter_ctx ctx, const struct sandbox_rule *rules)
{
	int r;

	for (; rules->nargs > 0; rules++) {
		if ((r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, rules->nr,
		    rules->nargs, rules->args)) != 0) {
			error_f("seccomp_rule_add %d: %s", rules->nr,
			    strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* abort(3) signals itself; nothing else may be signalled. */
static int
sandbox_self_signal_rule(scmp_filter_ctx ctx, pid_t pid)
{
	int r;

	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid))) != 0) {
		error_f("seccomp_rule_add tgkill: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* profile's calls and rules, after those of the profile it extends. */
static int
sandbox_add_profile(scmp_filter_ctx ctx, const struct sandbox_profile *p)
{
	if (p->extends != NULL && sandbox_add_profile(ctx, p->extends) != 0)
		return -1;
	if (sandbox_allow(ctx, p->calls) != 0 ||
	    sandbox_add_rules(ctx, p->rules) != 0)
		return -1;
	return 0;
}

scmp_filter_ctx
sandbox_build(const struct sandbox_profile *profile, pid_t pid)
{
	scmp_filter_ctx ctx;
	uint32_t kill = sandbox_san_kill();
	uint32_t deflt = SANDBOX_DEBUG ? SCMP_ACT_TRAP : kill;
	int r;

	if (sandbox_san_init() != 0)
		return NULL;
	if ((ctx = seccomp_init(deflt)) == NULL) {
		error_f("seccomp_init failed");
		return NULL;
	}
	/*
	 * Explicit, though it is libseccomp's default: a call through a
	 * foreign architecture's entry point is a bypass attempt, and no
	 * debug build should merely trap it.  NO_NEW_PRIVS is the caller's
	 * job (privdrop_no_new_privs), checked in sandbox_apply(): without
	 * it, the kernel refuses the filter to an unprivileged process.
	 */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, kill)) != 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) != 0) {
		error_f("seccomp_attr_set: %s", strerror(-r));
		goto fail;
	}
	if (sandbox_allow(ctx, sandbox_base_calls) != 0 ||
	    sandbox_add_rules(ctx, sandbox_base_rules) != 0 ||
	    sandbox_self_signal_rule(ctx, pid) != 0 ||
	    sandbox_san_rules(ctx, pid) != 0 ||
	    sandbox_add_profile(ctx, profile) != 0)
		goto fail;
	return ctx;
 fail:
	seccomp_release(ctx);
	return NULL;
}

void
sandbox_apply(const struct sandbox_profile *profile)
{
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatal_f("no_new_privs is not set");
#if SANDBOX_DEBUG
	sandbox_debug_init();
#endif
	if ((ctx = sandbox_build(profile, getpid())) == NULL)
		fatal_f("cannot build the seccomp filter");
	sanitize_confine();
	if ((r = seccomp_load(ctx)) != 0)
		fatal_f("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
}
