/*
 * Net process.  Entered after re-exec with the monitor channel on fd and
 * the stdio transport on fds 0 and 1: reads PS_INIT_REQ, chroots and drops
 * to PrivsepUser, applies its seccomp profile, answers PS_INIT_ANS, then
 * speaks MCP on stdio, asking the monitor for every decision.
 */
#ifndef MCPD_NET_H
#define MCPD_NET_H

void	net_main(int fd) __attribute__((noreturn));

#endif /* MCPD_NET_H */
