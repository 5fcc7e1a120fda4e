/*
 * seccomp-bpf allowlists (cf. OpenSSH's sandbox-seccomp-filter.c), built with
 * libseccomp.  The default action kills the whole process; libseccomp also
 * kills on a foreign architecture, so a 32-bit syscall cannot slip past an
 * x86_64 filter.  Executable mappings are refused by argument filters.
 *
 * With SANDBOX_DEBUG=1 at build time, a forbidden call raises SIGSYS
 * instead, and a handler names it on stderr before exiting: for finding
 * what a profile lacks, never for production.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

#ifndef SANDBOX_DEBUG
#define SANDBOX_DEBUG 0
#endif

/* What every confined process needs: memory, time, exit, its own fds. */
static const char *const sandbox_base_calls[] = {
	"read", "write", "readv", "writev", "close",
	"brk", "munmap", "mremap", "madvise",
	"futex", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask",
	"clock_gettime", "clock_nanosleep", "gettimeofday", "nanosleep",
	"getpid", "gettid", "getrandom", "fstat", "newfstatat", "lseek",
	"restart_syscall",
	NULL
};

/* The net process's event loop. */
static const char *const sandbox_net_calls[] = {
	"epoll_wait", "epoll_pwait", "epoll_ctl", "poll", "ppoll",
	"fcntl",
	NULL
};

/* SQLite on files the worker opened before it dropped privileges. */
static const char *const sandbox_worker_calls[] = {
	"pread64", "pwrite64", "fsync", "fdatasync", "ftruncate", "fcntl",
	"poll", "openat", "unlink", "getcwd", "geteuid", "fchown",
	NULL
};

#if SANDBOX_DEBUG
static void
sandbox_sigsys(int sig, siginfo_t *info, void *uctx)
{
	char msg[128];
	char *name;
	int n;

	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    info->si_syscall);
	n = snprintf(msg, sizeof(msg), "sandbox violation: syscall %d (%s)\n",
	    info->si_syscall, name != NULL ? name : "?");
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(SIGSYS + 128);
	_exit(SIGSYS + 128);
}
#endif

static void
sandbox_allow(scmp_filter_ctx ctx, const char *const *names)
{
	int nr, r;

	for (; *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0)
			fatal_f("seccomp_rule_add %s: %s", *names, strerror(-r));
	}
}

static void
sandbox_apply(const char *const *extra)
{
	scmp_filter_ctx ctx;
	uint32_t deflt = SANDBOX_DEBUG ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	int r;

#if SANDBOX_DEBUG
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		fatal_f("sigaction SIGSYS: %s", strerror(errno));
	error_f("SANDBOX_DEBUG build: forbidden syscalls trap, not kill");
#endif
	if ((ctx = seccomp_init(deflt)) == NULL)
		fatal_f("seccomp_init failed");
	sandbox_allow(ctx, sandbox_base_calls);
	sandbox_allow(ctx, extra);
	/* mmap and mprotect, never with PROT_EXEC. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) != 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) != 0)
		fatal_f("seccomp_rule_add mmap: %s", strerror(-r));
	/* libevent sizes its reads with FIONREAD; no other ioctl. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD))) != 0)
		fatal_f("seccomp_rule_add ioctl: %s", strerror(-r));
	/* abort(3) signals itself; nothing else may be signalled. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()))) != 0)
		fatal_f("seccomp_rule_add tgkill: %s", strerror(-r));
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0)
		fatal_f("seccomp_attr_set NNP: %s", strerror(-r));
	if ((r = seccomp_load(ctx)) != 0)
		fatal_f("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
}

void
sandbox_net_apply(void)
{
	sandbox_apply(sandbox_net_calls);
}

void
sandbox_worker_apply(void)
{
	sandbox_apply(sandbox_worker_calls);
}
