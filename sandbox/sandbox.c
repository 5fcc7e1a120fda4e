/*
 * seccomp-bpf allowlists (cf. OpenSSH's sandbox-seccomp-filter.c), built with
 * libseccomp.  The default action kills the whole process, and so does a
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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#if MCPD_TEST_HOOKS
#include <sys/ptrace.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "sanitize.h"
#include "proto.h"

/* The monitor channel of a child (spawn.h). */
#define SANDBOX_CHANNEL_FD	PS_CHANNEL_FD

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

/*
 * The net process: libevent's epoll loop on the descriptors it already
 * has.  No sleeping (the loop waits in epoll), no files, no sockets.
 */
static const char *const sandbox_net_calls[] = {
	"read",			/* stdin */
	"write",		/* stdout */
	"epoll_wait",		/* the event loop */
	"epoll_ctl",		/* events added and removed */
	"poll",			/* mm_net_flush(): the channel, before exit */
	NULL
};

/*
 * The net process serving HTTP adds what a server needs on the sockets
 * the monitor gave it: accept connections on its listeners, learn a
 * connection's local address (loopback or not) and its source (for the
 * per-source limit), cut a connection that missed its deadline, hand a
 * connection's socket to the monitor, and OpenSSL's random numbers for
 * TLS.
 */
static const char *const sandbox_net_http_calls[] = {
	"accept4",		/* evconnlistener, on the listeners */
	"close",		/* a connection that is done */
	"getsockname",		/* is the connection on loopback? */
	"getpeername",		/* its source, for MaxConnectionsPerSource */
	"shutdown",		/* a connection past its deadline */
	"getrandom",		/* OpenSSL's DRBG; Mcp-Session-Id */
	NULL
};

/*
 * A worker: SQLite on the database, -wal and -shm files it opened before
 * it dropped privileges, one call at a time, blocking on the channel.
 */
static const char *const sandbox_worker_calls[] = {
	"pread64",		/* SQLite reads pages, the WAL */
	"pwrite64",		/* SQLite writes pages, the WAL, the -shm */
	"fdatasync",		/* SQLite: a commit, a checkpoint */
	"ftruncate",		/* SQLite: the -shm and WAL sizes */
	"newfstatat",		/* SQLite: a file's size (fstat(3)) */
	"clock_nanosleep",	/* SQLite's busy handler waits for a lock */
	NULL
};

#if MCPD_SANITIZE == 1
/*
 * A sanitizer build only (sanitize.h; never production): what the
 * AddressSanitizer and UBSan runtimes call in a confined process, as a
 * SANDBOX_DEBUG build of it named them over the regress suite.
 */
static const char *const sandbox_sanitize_calls[] = {
	"sigaltstack",		/* ASan's signal stack, reset at exit */
	"write",		/* a report, on stderr */
	"futex",		/* a report: the runtime's and libc's locks */
	NULL
};
#endif

#if MCPD_SANITIZE == 2
/*
 * Under valgrind (sanitize.h; never production): what valgrind itself
 * calls in a confined process, and what the client calls through it
 * rather than the vDSO, as strace saw them over the regress suite (a
 * SANDBOX_DEBUG build cannot name them: the SIGSYS goes to valgrind).
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
#endif

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

static int
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

/* An allowed call whose arguments must match, at most two of them. */
struct sandbox_rule {
	int			 nr;
	unsigned int		 nargs;
	struct scmp_arg_cmp	 args[2];
};

#define SB_ARG(i, cmp, a, b) \
	{ .arg = (i), .op = (cmp), .datum_a = (a), .datum_b = (b) }

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

/* The net process. */
static const struct sandbox_rule sandbox_net_rules[] = {
	/* evutil_make_socket_nonblocking() on the monitor channel. */
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_GETFL, 0) } },
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_SETFL, 0) } },
	{ 0, 0, { { 0 } } }
};

/* The net process over HTTP. */
static const struct sandbox_rule sandbox_net_http_rules[] = {
	/* A new connection's socket goes to the monitor, on fd 3 only. */
	{ SCMP_SYS(sendmsg), 1, { SB_ARG(0, SCMP_CMP_EQ,
	    SANDBOX_CHANNEL_FD, 0) } },
	{ 0, 0, { { 0 } } }
};

/* The workers. */
static const struct sandbox_rule sandbox_worker_rules[] = {
	/*
	 * SQLite's POSIX advisory locks on the database and the -shm
	 * file: set, and test (for a hot journal and the WAL's readers).
	 */
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_SETLK, 0) } },
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_GETLK, 0) } },
	/*
	 * The per-call CPU cap: the worker lowers and raises its own
	 * RLIMIT_CPU soft limit (never past the hard one, which only root
	 * could raise), and nothing else, in no other process.
	 */
	{ SCMP_SYS(prlimit64), 2, { SB_ARG(0, SCMP_CMP_EQ, 0, 0),
	    SB_ARG(1, SCMP_CMP_EQ, RLIMIT_CPU, 0) } },
	{ 0, 0, { { 0 } } }
};

#if MCPD_SANITIZE == 2
/* valgrind, on a fatal signal: RLIMIT_CORE read (measured). */
static const struct sandbox_rule sandbox_valgrind_rules[] = {
	{ SCMP_SYS(prlimit64), 2, { SB_ARG(0, SCMP_CMP_EQ, 0, 0),
	    SB_ARG(2, SCMP_CMP_EQ, 0, 0) } },
	{ 0, 0, { { 0 } } }
};
#endif

#if MCPD_SANITIZE == 1
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
#endif

#if MCPD_SANITIZE == 1
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
#endif

static int
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
#if MCPD_SANITIZE == 2
	/* ...and, under valgrind, sends a fatal signal again with kill(2). */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid))) != 0) {
		error_f("seccomp_rule_add kill: %s", strerror(-r));
		return -1;
	}
#endif
	return 0;
}

/* Build the filter of kind for the process pid; NULL on error. */
static scmp_filter_ctx
sandbox_build(enum sandbox_kind kind, pid_t pid)
{
	scmp_filter_ctx ctx;
#if MCPD_SANITIZE == 2
	/*
	 * valgrind does not know seccomp(2), so libseccomp loads the filter
	 * with prctl(2), which has no process-wide kill: the thread's is the
	 * same in mcpd's single-threaded processes.
	 */
	uint32_t kill = SCMP_ACT_KILL;
#else
	uint32_t kill = SCMP_ACT_KILL_PROCESS;
#endif
	uint32_t deflt = SANDBOX_DEBUG ? SCMP_ACT_TRAP : kill;
	int r;

#if MCPD_SANITIZE == 2
	/* Tell libseccomp, or it probes with seccomp(2) and valgrind warns. */
	if ((r = seccomp_api_set(1)) != 0) {
		error_f("seccomp_api_set: %s", strerror(-r));
		return NULL;
	}
#endif
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
	    sandbox_self_signal_rule(ctx, pid) != 0)
		goto fail;
#if MCPD_SANITIZE == 1
	if (sandbox_allow(ctx, sandbox_sanitize_calls) != 0 ||
	    sandbox_add_rules(ctx, sandbox_sanitize_rules) != 0 ||
	    sandbox_sanitize_refuse(ctx) != 0)
		goto fail;
#elif MCPD_SANITIZE == 2
	if (sandbox_allow(ctx, sandbox_valgrind_calls) != 0 ||
	    sandbox_add_rules(ctx, sandbox_valgrind_rules) != 0)
		goto fail;
#endif
	switch (kind) {
	case SANDBOX_NET:
		if (sandbox_allow(ctx, sandbox_net_calls) != 0 ||
		    sandbox_add_rules(ctx, sandbox_net_rules) != 0)
			goto fail;
		break;
	case SANDBOX_NET_HTTP:
		if (sandbox_allow(ctx, sandbox_net_calls) != 0 ||
		    sandbox_add_rules(ctx, sandbox_net_rules) != 0 ||
		    sandbox_allow(ctx, sandbox_net_http_calls) != 0 ||
		    sandbox_add_rules(ctx, sandbox_net_http_rules) != 0)
			goto fail;
		break;
	case SANDBOX_WORKER:
		if (sandbox_allow(ctx, sandbox_worker_calls) != 0 ||
		    sandbox_add_rules(ctx, sandbox_worker_rules) != 0)
			goto fail;
		break;
	default:
		error_f("unknown sandbox kind %d", (int)kind);
		goto fail;
	}
	return ctx;
 fail:
	seccomp_release(ctx);
	return NULL;
}

static void
sandbox_apply(enum sandbox_kind kind)
{
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatal_f("no_new_privs is not set");
#if SANDBOX_DEBUG
	sandbox_debug_init();
#endif
	if ((ctx = sandbox_build(kind, getpid())) == NULL)
		fatal_f("cannot build the seccomp filter");
#if MCPD_SANITIZE
	sanitize_confine();
#endif
	if ((r = seccomp_load(ctx)) != 0)
		fatal_f("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
}

void
sandbox_net_apply(int http)
{
	sandbox_apply(http ? SANDBOX_NET_HTTP : SANDBOX_NET);
}

void
sandbox_worker_apply(void)
{
	sandbox_apply(SANDBOX_WORKER);
}

int
sandbox_export(enum sandbox_kind kind, int fd)
{
	scmp_filter_ctx ctx;
	int r;

	if ((ctx = sandbox_build(kind, getpid())) == NULL)
		return -1;
	r = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return r == 0 ? 0 : -1;
}

#if MCPD_TEST_HOOKS
#if MCPD_SANITIZE
/* Where "leak" loses its block: volatile, so that the stores are made. */
static void *volatile sandbox_leaked;

/*
 * A sanitizer build's own hooks: the errors tests/sanitize/run.sh must see
 * reported from a confined process.  Each is made so that the compiler
 * cannot see it coming (volatile).  Returns 0 with *rp 0 if what was one
 * of them and the process survived it, -1 if what is none of them.
 */
static int
sandbox_test_sanitize(const char *what, long *rp)
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
#endif

/*
 * The confinement tests' hook (never in an installed binary: see
 * sandbox.h).  Each call is made the way an intruder's code would make
 * it, with arguments that would work outside the sandbox, so that a
 * filter that let it through is seen to have done so.
 */
int
sandbox_test_violate(const char *what, int *errnop)
{
	char *const argv[] = { (char *)"/bin/true", NULL };
	char *const envp[] = { NULL };
	struct sockaddr_in sin;
	void *p;
	long r;
	pid_t pid;

	*errnop = 0;
	errno = 0;
	if (strcmp(what, "open") == 0)
		r = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	else if (strcmp(what, "execve") == 0)
		r = syscall(SYS_execve, argv[0], argv, envp);
	else if (strcmp(what, "socket") == 0)
		r = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	else if (strcmp(what, "connect") == 0) {
		/* On stdin: the filter must stop it before any fd check. */
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = syscall(SYS_connect, STDIN_FILENO, &sin, sizeof(sin));
	} else if (strcmp(what, "fork") == 0) {
		if ((pid = fork()) == 0)
			_exit(0);
		r = pid;
	} else if (strcmp(what, "mmap-exec") == 0) {
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		r = p == MAP_FAILED ? -1 : 0;
		if (p != MAP_FAILED)
			(void)munmap(p, 4096);
	} else if (strcmp(what, "mprotect-exec") == 0) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			r = -1;
		else {
			r = mprotect(p, 4096, PROT_READ | PROT_EXEC);
			(void)munmap(p, 4096);
		}
	} else if (strcmp(what, "ptrace") == 0)
		r = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
#if MCPD_SANITIZE
	else if (sandbox_test_sanitize(what, &r) == 0)
		;
#endif
#if defined(__x86_64__)
	else if (strcmp(what, "foreign-arch") == 0) {
		/*
		 * getpid through the i386 entry point (its number 20 is
		 * lseek's on x86_64): only the architecture check stops it.
		 */
		r = 20;
		__asm__ volatile ("int $0x80" : "+a" (r) : : "memory");
		if (r < 0) {
			errno = (int)-r;
			r = -1;
		}
	}
#endif
	else
		return -1;
	*errnop = r == -1 ? errno : 0;
	return 0;
}
#endif
