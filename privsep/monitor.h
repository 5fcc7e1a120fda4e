/*
 * The privileged monitor: owns the configuration, the secrets and the audit
 * log, starts and supervises the net process and the tool workers, and
 * makes every decision the net process asks for, through a dispatch table
 * of the messages each child may send in each state (cf. OpenSSH's
 * monitor.c).
 */
#ifndef MCPD_MONITOR_H
#define MCPD_MONITOR_H

#include <stddef.h>
#include <sys/types.h>

struct mcpd_config;
struct authkeys;
struct audit;

struct monitor_params {
	const struct mcpd_config *cfg;
	const struct authkeys	 *keys;		/* NULL if apikey unused */
	struct audit		 *audit;
	/* The credential from MCPD_API_KEY / MCPD_TOKEN, or NULL. */
	char			 *env_cred;
	size_t			  env_credlen;
	int			  drop;		/* started as root */
	uid_t			  net_uid;
	gid_t			  net_gid;
	uid_t			  tool_uid;
	gid_t			  tool_gid;
	/* Called once the net process is confined and serving. */
	void			(*ready)(void);
};

/* Run until the session ends; returns the process exit status. */
int	monitor_run(struct monitor_params *);

#endif /* MCPD_MONITOR_H */
