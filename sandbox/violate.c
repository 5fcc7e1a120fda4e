/*
 * The confinement tests' hook, sandbox_test_violate() (sandbox.h): a
 * confined process makes a forbidden system call on request.  Compiled in
 * a TEST_HOOKS build only (make check's $(O)/test-hooks), never in an
 * installed binary, where this file is empty.
 */
#if MCPD_TEST_HOOKS
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_san.h"

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
	else if (sandbox_san_violate(what, &r) == 0)
		;	/* a sanitizer build's own (sandbox_san.h) */
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
#endif /* MCPD_TEST_HOOKS */
