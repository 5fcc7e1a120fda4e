/*
 * The net process's side of the monitor channel (cf. OpenSSH's
 * monitor_wrap.c), asynchronous: requests are queued on the channel and the
 * answers come back through the callbacks, matched by callid, so that many
 * calls can be in flight.  Any message from the monitor that is not an
 * expected answer is fatal.
 */
#ifndef MCPD_NET_WRAP_H
#define MCPD_NET_WRAP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct mm_net;

struct mm_toolcall_ans {
	uint32_t	 callid;
	uint32_t	 flags;		/* PS_F_FINAL */
	uint32_t	 status;	/* PS_ST_* */
	const char	*required;	/* roles that would permit the tool */
	const char	*role;		/* the caller's role, for the denial */
	uint32_t	 retry_after;	/* seconds, PS_ST_RATE_LIMITED */
	const char	*text;		/* tool output (PS_ST_OK/TOOL_ERROR) */
	size_t		 textlen;
};

struct mm_toollist_ans {
	uint32_t	 callid;
	uint32_t	 status;
	size_t		 n;
	char		**names;
	char		**required;
};

struct mm_auth_ans {
	uint32_t	 callid;
	uint32_t	 status;	/* PS_ST_* */
	uint32_t	 retry_after;
	const char	*subject;	/* PS_ST_OK: the identity */
	const char	*error;		/* RFC 6750 error code or "" */
};

struct mm_net_ops {
	void	(*hello_ans)(void *ctx, uint32_t callid, uint32_t status);
	void	(*auth_ans)(void *ctx, const struct mm_auth_ans *);
	void	(*toollist_ans)(void *ctx, const struct mm_toollist_ans *);
	void	(*toolcall_ans)(void *ctx, const struct mm_toolcall_ans *);
	/* The monitor closed the channel: the process must exit. */
	void	(*closed)(void *ctx);
};

/* transport: PS_TRANSPORT_*, the answers the channel admits. */
struct mm_net	*mm_net_new(struct event_base *, int fd, uint32_t transport,
		    const struct mm_net_ops *, void *ctx);
void		 mm_net_free(struct mm_net *);
/* Return 0, or -1 if the request could not be queued (then fatal). */
int	mm_hello(struct mm_net *, uint32_t callid, uint32_t connid,
	    const char *client_info, const char *protocol_version);
int	mm_toollist(struct mm_net *, uint32_t callid, uint32_t connid,
	    const char *cred, size_t credlen, const char *request_id,
	    const char *client_info);
int	mm_toolcall(struct mm_net *, uint32_t callid, uint32_t connid,
	    const char *cred, size_t credlen, const char *request_id,
	    const char *tool, const char *args, size_t argslen,
	    const char *client_info, uint32_t scope, const char *schema_error,
	    const char *audit_args);
/* A notifications/cancelled: the monitor decides which call, if any. */
int	mm_cancel(struct mm_net *, uint32_t connid, uint32_t scope,
	    const char *cred, size_t credlen, const char *request_id);
int	mm_auth(struct mm_net *, uint32_t callid, uint32_t connid,
	    const char *cred, size_t credlen, uint32_t flags);
/*
 * A new HTTP connection: its socket goes to the monitor with the message
 * (SCM_RIGHTS), after everything queued before it, so that the monitor
 * knows the peer before any request of the connection.  Blocks until
 * sent; fatal if the monitor does not take it.
 */
void	mm_conn(struct mm_net *, uint32_t connid, int fd);
int	mm_connclose(struct mm_net *, uint32_t connid);
int	mm_cert(struct mm_net *, uint32_t connid, uint32_t verdict,
	    uint8_t *const *der, const size_t *derlen, size_t n);
/* Send log lines to the monitor instead of stderr/syslog. */
void	mm_net_log_handler(int level, const char *msg, void *ctx);
/* Write out everything queued, blocking; for fatal() and exit. */
void	mm_net_flush(struct mm_net *);
#if MCPD_TEST_HOOKS
/*
 * Test builds only: queue any message, as a compromised net process
 * could, so that the tests see the monitor's table refuse it.
 */
int	mm_test_send(struct mm_net *, uint8_t type, const uint8_t *payload,
	    size_t len);
#endif

#endif /* MCPD_NET_WRAP_H */
