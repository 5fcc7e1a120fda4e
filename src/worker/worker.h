/*
 * Tool worker process.  Entered after re-exec with the monitor channel on
 * fd: reads PS_INIT_REQ, opens the database, drops to ToolUser, applies its
 * rlimits and seccomp profile, answers PS_INIT_ANS, then serves
 * PS_EXEC_REQ one at a time until the channel closes.
 */
#ifndef MCPD_WORKER_H
#define MCPD_WORKER_H

void	worker_main(int fd) __attribute__((noreturn));

#endif /* MCPD_WORKER_H */
