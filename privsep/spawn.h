/*
 * Starting the confined children.  Each child is a fresh exec of the mcpd
 * binary (through an fd opened at start, so a replaced binary cannot be
 * swapped in), with an empty environment and only the fds it needs:
 * a fork alone would hand it a copy of the monitor's memory, secrets
 * included, as sshd's re-exec avoids.
 */
#ifndef MCPD_SPAWN_H
#define MCPD_SPAWN_H

#include <sys/types.h>

/* The fd number of the monitor channel in a child. */
#define SPAWN_CHANNEL_FD	3
/*
 * The net process over HTTP also gets the key channel (key offloading) at
 * fd 4 and the listening sockets from fd 5 on.
 */
#define SPAWN_KEY_FD		4
#define SPAWN_LISTEN_FD		5
#define SPAWN_EXTRA_MAX		64

/* Check that /proc/self/exe can be executed; fatal otherwise. */
void	spawn_init(void);
/*
 * Fork and exec "mcpd -R kind" with a new socketpair as fd 3.  If
 * keep_stdio, fds 0 and 1 are passed on (the net process on stdio);
 * otherwise they are /dev/null.  fd 2 is always kept.  Returns the child's
 * pid and the monitor's end of the channel in *chan, or -1.
 */
pid_t	spawn_child(const char *kind, int keep_stdio, int *chan);
/* The same, with extra[i] as fd SPAWN_CHANNEL_FD + 1 + i in the child. */
pid_t	spawn_child_fds(const char *kind, int keep_stdio, const int *extra,
	    size_t nextra, int *chan);

#endif /* MCPD_SPAWN_H */
