/*
 * mcpd-launch's two parts: the start of an upstream in the order of
 * doc/privsep.md section 4 (launch.c), and its Landlock rules
 * (landlock.c).
 */
#ifndef MCPD_LAUNCH_H
#define MCPD_LAUNCH_H

#include <stddef.h>

/*
 * Read PS_LAUNCH_REQ from fd, confine this process as it says, answer
 * PS_LAUNCH_ANS and execute the upstream.  Never returns: a failure is
 * answered with PS_LAUNCH_FAILED and the process exits 1; an execve
 * that fails after the answer exits 127.
 */
void	launch_main(int fd) __attribute__((noreturn));

/*
 * Put this process under Landlock: read and execute on what a program
 * needs to start (landlock.c says what and why) and on the program exe,
 * read on the nread paths of rd, read and write on the nwrite paths of
 * wr, and, when no_net, no TCP bind or connect at all.  Every access
 * right of the kernel's ABI is handled.  The caller has set
 * no_new_privs.  Returns the ABI in force, or 0 when the kernel has no
 * Landlock (nothing is restricted then).  Fatal on any other error,
 * naming the path.
 */
int	launch_landlock(char *const *rd, size_t nread, char *const *wr,
	    size_t nwrite, const char *exe, int no_net);

#endif /* MCPD_LAUNCH_H */
