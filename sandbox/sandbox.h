/*
 * seccomp-bpf profiles, one per process kind.  Each is an allowlist whose
 * default action kills the process (or, in a SANDBOX_DEBUG build, traps,
 * names the syscall and then dies of the same SIGSYS).  A foreign
 * architecture's system call kills the process in every build.  Fatal on
 * failure to install; the caller must have set PR_SET_NO_NEW_PRIVS.
 */
#ifndef MCPD_SANDBOX_H
#define MCPD_SANDBOX_H

enum sandbox_kind {
	SANDBOX_NET = 0,
	SANDBOX_WORKER,
	SANDBOX_NET_HTTP
};

/* The net process's profile; http adds what the HTTP transport needs. */
void	sandbox_net_apply(int http);
void	sandbox_worker_apply(void);
/*
 * A stdio upstream's deny list (profile_launch.c), installed by
 * mcpd-launch just before it executes the upstream: unlike the profiles
 * above, everything is allowed but the calls listed there, which fail
 * with EPERM (clone3 with ENOSYS); a foreign architecture still kills.
 */
void	sandbox_launch_apply(void);
/*
 * In a SANDBOX_DEBUG build, fn runs after a violation that could not be
 * named on stderr has been logged, before the process dies (the net
 * process flushes its log to the monitor).  Ignored in other builds.
 */
void	sandbox_set_debug_flush(void (*fn)(void));
/*
 * Write the profile of kind, as libseccomp's pseudo filter code, to fd
 * without installing it: what tests/bench/syscalls.sh counts.  Returns 0,
 * or -1 on error.
 */
int	sandbox_export(enum sandbox_kind kind, int fd);

#if MCPD_TEST_HOOKS
/*
 * Test builds only: make the forbidden system call named by what ("open",
 * "execve", "socket", "connect", "fork", "mmap-exec", "mprotect-exec",
 * "ptrace", and on x86_64 "foreign-arch": getpid through the i386 entry
 * point).  Under the sandbox it does not return.  Returns 0 if the call
 * came back (with its errno, or 0, in *errnop), -1 for an unknown name.
 * A sanitizer build (MCPD_SANITIZE, sanitize.h) also knows the errors its
 * checkers must report: "heap-overflow" (a write one past a heap block),
 * "int-overflow" (signed overflow), "uninit" (a jump on uninitialised
 * heap memory) and "leak" (a heap block lost); the process survives them
 * unless the checker stops it.
 */
int	sandbox_test_violate(const char *what, int *errnop);
#endif

#endif /* MCPD_SANDBOX_H */
