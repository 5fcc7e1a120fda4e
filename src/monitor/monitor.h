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
struct jwt_verifier;
struct mtls_verifier;
struct tlskey;

/* What authentication uses; SIGHUP swaps it whole, with the config. */
struct mon_auth {
	struct authkeys		*keys;		/* NULL if apikey unused */
	struct jwt_verifier	*jwt;		/* NULL if oauth unused */
	struct mtls_verifier	*mtls;		/* NULL without TLSClientCA */
};

struct monitor_params {
	struct mcpd_config	 *cfg;
	struct mon_auth		  auth;
	struct audit		 *audit;
	/* The credential from MCPD_API_KEY / MCPD_TOKEN, or NULL. */
	char			 *env_cred;
	size_t			  env_credlen;
	int			  drop;		/* started as root */
	uid_t			  net_uid;
	gid_t			  net_gid;
	uid_t			  tool_uid;
	gid_t			  tool_gid;
	/*
	 * HTTP: the listening sockets (opened at start, kept for every net
	 * process), the certificate chain as PEM for the net process, and
	 * the TLS private key, which never leaves the monitor.
	 */
	int			 *listen_fds;
	size_t			  nlisten;
	char			 *cert_pem;
	size_t			  cert_pemlen;
	struct tlskey		 *tlskey;
	/* Called once the net process is confined and serving. */
	void			(*ready)(void);
	/*
	 * SIGHUP: load a whole new configuration and key set (0), or fail
	 * with err set (-1) leaving the old ones in force.
	 */
	int			(*reload)(const struct mcpd_config *old,
				    struct mcpd_config **cfg,
				    struct mon_auth *auth, char *err,
				    size_t errlen);
	/* Free a configuration and key set that are no longer used. */
	void			(*release)(struct mcpd_config *,
				    struct mon_auth *);
};

/* Run until the session ends; returns the process exit status. */
int	monitor_run(struct monitor_params *);

#ifdef MCPD_FUZZ
/*
 * Entry points for tests/fuzz/fuzz_monitor.c: a monitor as monitor_run()
 * makes it, but with no children and no signal handlers; socketpairs
 * stand in for the channels, and the caller runs the event loop.
 */
struct event_base;
struct monitor;

/*
 * p->nlisten > 0 makes it an HTTP monitor (the listening sockets
 * themselves are not used).  *net_peer gets the net process's end of its
 * channel, *key_peer that of the key channel (-1 over stdio), and
 * worker_peers[0 .. p->cfg->workers) the workers' ends; the workers start
 * idle.  The monitor has sent PS_INIT_REQ and waits for PS_INIT_ANS.
 */
struct monitor *monitor_fuzz_new(struct monitor_params *p, int *net_peer,
	    int *key_peer, int *worker_peers);
struct event_base *monitor_fuzz_base(struct monitor *);
/* Whether the net channel is still open (no violation, no stop). */
int	monitor_fuzz_alive(const struct monitor *);
/* Calls in flight, for the harness's checks. */
size_t	monitor_fuzz_calls(const struct monitor *);
/*
 * Bytes of signatures waiting to be written on the key channel, and the
 * most there may ever be (the high mark plus one answer).
 */
size_t	monitor_fuzz_key_queued(const struct monitor *);
size_t	monitor_fuzz_key_queue_max(void);
/* Free everything; the caller closes its ends. */
void	monitor_fuzz_free(struct monitor *);

#endif /* MCPD_FUZZ */

#endif /* MCPD_MONITOR_H */
