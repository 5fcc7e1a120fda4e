#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"

static int spawn_ready;

void
spawn_init(void)
{
	if (access("/proc/self/exe", X_OK) != 0)
		fatal_f("/proc/self/exe: %s (is /proc mounted?)",
		    strerror(errno));
	spawn_ready = 1;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
spawn_exec(const char *kind, int keep_stdio, int chan, const int *extra,
    size_t nextra)
{
	int hi[1 + SPAWN_EXTRA_MAX], above;
	size_t j;
	char *argv[4];
	char *envp[1] = { NULL };
	char title[32] = "mcpd: ";
	sigset_t set;
	int devnull;
	size_t i;

	for (i = 0; kind[i] != '\0' && 6 + i < sizeof(title) - 1; i++)
		title[6 + i] = kind[i];
	title[6 + i] = '\0';
	argv[0] = title;
	argv[1] = (char *)"-R";
	argv[2] = (char *)kind;
	argv[3] = NULL;

	/* The monitor's signal mask and handlers are not the child's. */
	(void)sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	if (!keep_stdio) {
		if ((devnull = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(devnull, STDOUT_FILENO) == -1)
			_exit(127);
	}
	/*
	 * Lift the channel and the extra fds above every target number
	 * first, so that placing one cannot overwrite another.
	 */
	above = SPAWN_CHANNEL_FD + 1 + (int)nextra;
	if ((hi[0] = fcntl(chan, F_DUPFD, above)) == -1)
		_exit(127);
	for (j = 0; j < nextra; j++)
		if ((hi[1 + j] = fcntl(extra[j], F_DUPFD, above)) == -1)
			_exit(127);
	for (j = 0; j <= nextra; j++)
		if (dup2(hi[j], SPAWN_CHANNEL_FD + (int)j) == -1)
			_exit(127);
	/* Nothing of the monitor's but stdio and these survives. */
	if (close_range(SPAWN_CHANNEL_FD + 1 + (unsigned int)nextra, ~0U,
	    0) == -1)
		_exit(127);
	/*
	 * The kernel's link names the very file this process runs, even if
	 * the path on disk has since been replaced.
	 */
	(void)execve("/proc/self/exe", argv, envp);
	_exit(127);
}

pid_t
spawn_child(const char *kind, int keep_stdio, int *chan)
{
	return spawn_child_fds(kind, keep_stdio, NULL, 0, chan);
}

pid_t
spawn_child_fds(const char *kind, int keep_stdio, const int *extra,
    size_t nextra, int *chan)
{
	int sp[2];
	pid_t pid;

	if (!spawn_ready)
		fatal_f("spawn_init not called");
	if (nextra > SPAWN_EXTRA_MAX)
		fatal_f("too many fds for a child");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		error_f("socketpair: %s", strerror(errno));
		return -1;
	}
	switch ((pid = fork())) {
	case -1:
		error_f("fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return -1;
	case 0:
		close(sp[0]);
		spawn_exec(kind, keep_stdio, sp[1], extra, nextra);
	default:
		break;
	}
	close(sp[1]);
	*chan = sp[0];
	return pid;
}
