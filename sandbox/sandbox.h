/*
 * seccomp-bpf profiles, one per process kind.  Each is an allowlist whose
 * default action kills the process (or, in a SANDBOX_DEBUG build, traps and
 * names the syscall on stderr).  Fatal on failure to install.
 */
#ifndef MCPD_SANDBOX_H
#define MCPD_SANDBOX_H

void	sandbox_net_apply(void);
void	sandbox_worker_apply(void);

#endif /* MCPD_SANDBOX_H */
