/*
 * A sanitizer build's side of starting a child (spawn_san.h; only a
 * sanitizer build compiles this file: see the Makefile's "sanitize"
 * section).  The children's sanitizer reports go to their stderr, and
 * tests/sanitize/run.sh must see every one: when the monitor's
 * environment names a file in MCPD_SANITIZE_LOG, each child's stderr is a
 * pipe to a relay process that copies it both to the monitor's stderr and
 * to that file.  The pipe also gets the net process's reports past its
 * RLIMIT_FSIZE of 0, under which a write to a stderr that is a regular
 * file fails.
 *
 * Under valgrind, the children must run under valgrind too: when the
 * monitor's environment names an executable in MCPD_SANITIZE_EXEC, the
 * children exec that instead of their program, with the program's file
 * name as the one argument; tests/sanitize/run.sh makes it a script that
 * starts valgrind on that program.
 */
#if MCPD_SANITIZE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn_san.h"
#include "xmalloc.h"

/* MCPD_SANITIZE_LOG, open; -1 if none. */
static int spawn_san_log = -1;
#if MCPD_SANITIZE == 2
/* MCPD_SANITIZE_EXEC; NULL if none. */
static char *spawn_san_exec_path;
#endif

void
spawn_san_init(void)
{
	const char *p;

	if ((p = getenv("MCPD_SANITIZE_LOG")) != NULL && *p != '\0' &&
	    (spawn_san_log = open(p, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1)
		fatal_f("%s: %s", p, strerror(errno));
#if MCPD_SANITIZE == 2
	if ((p = getenv("MCPD_SANITIZE_EXEC")) != NULL && *p != '\0')
		spawn_san_exec_path = xstrdup(p);
#endif
}

/* In the relay: write all of buf to fd, or give up on fd. */
static void
spawn_san_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * In the child, between fork and exec (async-signal-safe calls only):
 * make stderr the pipe to a new relay process (MCPD_SANITIZE_LOG).  The
 * relay, a child of the child, holds nothing of the monitor's but the
 * stderr and the log, and copies until the child and everything it execs
 * have closed the pipe.
 */
void
spawn_san_relay(void)
{
	struct sigaction sa;
	char buf[4096];
	ssize_t n;
	int p[2], sig;

	if (spawn_san_log == -1)
		return;
	if (pipe2(p, O_CLOEXEC) == -1)
		_exit(127);
	switch (fork()) {
	case -1:
		_exit(127);
	case 0:
		if (dup2(p[0], STDIN_FILENO) == -1 ||
		    dup2(spawn_san_log, STDOUT_FILENO) == -1 ||
		    close_range(STDERR_FILENO + 1, ~0U, 0) == -1)
			_exit(127);
		/* None of the monitor's handlers; a gone reader is no death. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			(void)sigaction(sig, &sa, NULL);
		sa.sa_handler = SIG_IGN;
		(void)sigaction(SIGPIPE, &sa, NULL);
		for (;;) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == -1 &&
			    errno == EINTR)
				continue;
			if (n <= 0)
				_exit(0);
			spawn_san_write(STDERR_FILENO, buf, (size_t)n);
			spawn_san_write(STDOUT_FILENO, buf, (size_t)n);
		}
	default:
		break;
	}
	if (dup2(p[1], STDERR_FILENO) == -1)
		_exit(127);
	(void)close(p[0]);
	(void)close(p[1]);
}

void
spawn_san_exec(char **argv, const char *file, char *const *envp)
{
#if MCPD_SANITIZE == 2
	if (spawn_san_exec_path != NULL) {
		argv[1] = (char *)file;
		(void)execve(spawn_san_exec_path, argv, envp);
		_exit(127);
	}
#endif
}

#endif /* MCPD_SANITIZE */
