#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "spawn.h"
#include "spawn_san.h"

/* The programs of the children, opened once by spawn_init(). */
static struct spawn_prog {
	const char	*kind;
	const char	*file;
	int		 fd;
} spawn_progs[] = {
	{ "net",	"mcpd-net",	-1 },
	{ "worker",	"mcpd-worker",	-1 },
	/*
	 * The start of a stdio upstream (DESIGN.md section 11), opened and
	 * checked with the others so that a gateway never executes a
	 * program this monitor did not check at start.  Not yet started by
	 * anything: the bridge that uses it comes with the gateway.
	 */
	{ "launch",	"mcpd-launch",	-1 },
};
#define SPAWN_NPROGS	(sizeof(spawn_progs) / sizeof(spawn_progs[0]))

static int spawn_ready;

/*
 * What sshd checks of sshd-session, and of its directory: a file that
 * anyone but root could change would run with the monitor's trust.
 */
static void
spawn_check(int fd, const char *path, int dir)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		fatal_f("%s: %s", path, strerror(errno));
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		fatal("%s is not a %s", path, dir ? "directory" :
		    "regular file");
	if (!dir && (st.st_mode & S_IXUSR) == 0)
		fatal("%s is not executable", path);
	if (geteuid() != 0)
		return;
	if (st.st_uid != 0)
		fatal("%s must be owned by root", path);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatal("%s must not be writable by group or others", path);
}

void
spawn_init(void)
{
	char path[PATH_MAX];
	size_t i;
	int dfd;

	if ((dfd = open(spawn_libexec_dir, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("%s: %s", spawn_libexec_dir, strerror(errno));
	spawn_check(dfd, spawn_libexec_dir, 1);
	for (i = 0; i < SPAWN_NPROGS; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", spawn_libexec_dir,
		    spawn_progs[i].file) >= (int)sizeof(path))
			fatal("%s: path too long", spawn_libexec_dir);
		/* Relative to the checked directory; never a link. */
		if ((spawn_progs[i].fd = openat(dfd, spawn_progs[i].file,
		    O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
			fatal("%s: %s", path, strerror(errno));
		spawn_check(spawn_progs[i].fd, path, 0);
	}
	(void)close(dfd);
	debug_f("children from %s", spawn_libexec_dir);
	spawn_san_init();
	spawn_ready = 1;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
spawn_exec(const struct spawn_prog *prog, int keep_stdio, int chan,
    const int *extra, size_t nextra)
{
	int hi[2 + PS_EXTRA_FDS_MAX], above, progfd;
	size_t j;
	char *argv[3];
	char *envp[1] = { NULL };
	char title[32] = "mcpd: ";
	sigset_t set;
	int devnull;
	size_t i;

	for (i = 0; prog->kind[i] != '\0' && 6 + i < sizeof(title) - 1; i++)
		title[6 + i] = prog->kind[i];
	title[6 + i] = '\0';
	argv[0] = title;
	argv[1] = NULL;
	argv[2] = NULL;

	/* A sanitizer build's relay of stderr (spawn_san.h). */
	spawn_san_relay();
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
	 * Lift the channel, the extra fds and the program above every
	 * target number first, so that placing one cannot overwrite
	 * another.  The program goes last, close-on-exec: the exec itself
	 * closes it.
	 */
	above = PS_CHANNEL_FD + 2 + (int)nextra;
	if ((hi[0] = fcntl(chan, F_DUPFD, above)) == -1)
		_exit(127);
	for (j = 0; j < nextra; j++)
		if ((hi[1 + j] = fcntl(extra[j], F_DUPFD, above)) == -1)
			_exit(127);
	if ((hi[1 + nextra] = fcntl(prog->fd, F_DUPFD_CLOEXEC, above)) == -1)
		_exit(127);
	for (j = 0; j <= nextra; j++)
		if (dup2(hi[j], PS_CHANNEL_FD + (int)j) == -1)
			_exit(127);
	progfd = PS_CHANNEL_FD + 1 + (int)nextra;
	if (dup3(hi[1 + nextra], progfd, O_CLOEXEC) == -1)
		_exit(127);
	/* Nothing of the monitor's but stdio and these survives. */
	if (close_range((unsigned int)progfd + 1, ~0U, 0) == -1)
		_exit(127);
	/* A sanitizer build's valgrind (spawn_san.h): no return if so. */
	spawn_san_exec(argv, prog->file, envp);
	/* The file spawn_init() opened and checked, whatever is on disk. */
	(void)execveat(progfd, "", argv, envp, AT_EMPTY_PATH);
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
	const struct spawn_prog *prog = NULL;
	int sp[2];
	pid_t pid;
	size_t i;

	if (!spawn_ready)
		fatal_f("spawn_init not called");
	if (nextra > PS_EXTRA_FDS_MAX)
		fatal_f("too many fds for a child");
	for (i = 0; i < SPAWN_NPROGS; i++)
		if (strcmp(spawn_progs[i].kind, kind) == 0)
			prog = &spawn_progs[i];
	if (prog == NULL)
		fatal_f("no program for process kind \"%s\"", kind);
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
		spawn_exec(prog, keep_stdio, sp[1], extra, nextra);
	default:
		break;
	}
	close(sp[1]);
	*chan = sp[0];
	return pid;
}
