/*
 * Starting the confined children.  Each kind of child is a program of
 * its own in the monitor's libexec directory (mcpd-net, mcpd-worker,
 * mcpd-launch), as sshd-session is sshd's.  Each child is a fresh exec
 * of its program, with an empty environment and only the fds it needs:
 * a fork alone would hand it a copy of the monitor's memory, secrets
 * included, as sshd's re-exec avoids.
 */
#ifndef MCPD_SPAWN_H
#define MCPD_SPAWN_H

#include <sys/types.h>

/* The libexec directory (pathnames.c). */
extern const char spawn_libexec_dir[];

/*
 * Open the children's programs in spawn_libexec_dir and check them:
 * regular files, executable and, when the monitor runs as root, owned by
 * root and writable by nobody else, in a directory of which the same
 * holds.  Fatal otherwise.  Every later start executes the file opened
 * here, so a program replaced on disk while mcpd runs is never mixed
 * with this monitor (the privsep protocol is that of one build).
 */
void	spawn_init(void);
/*
 * Fork and exec the program of kind ("net": mcpd-net, "worker":
 * mcpd-worker) with a new socketpair as fd PS_CHANNEL_FD.  If
 * keep_stdio, fds 0 and 1 are passed on (the net process on stdio);
 * otherwise they are /dev/null.  fd 2 is always kept.  Returns the child's
 * pid and the monitor's end of the channel in *chan, or -1.
 */
pid_t	spawn_child(const char *kind, int keep_stdio, int *chan);
/* The same, with extra[i] as fd PS_CHANNEL_FD + 1 + i in the child. */
pid_t	spawn_child_fds(const char *kind, int keep_stdio, const int *extra,
	    size_t nextra, int *chan);

#endif /* MCPD_SPAWN_H */
