/*
 * The monitor's private header: the state its files share (the monitor,
 * its calls, connections and workers) and the functions one file of the
 * monitor calls in another.  Nothing outside src/monitor/monitor*.c and
 * src/monitor/mon_*.c includes it; monitor.h is the monitor's interface.
 *
 * The files, one job each:
 *   monitor.c      the event loop: the state, start, stop, signals,
 *                  reaping of the children, timers, the rate limiters, and
 *                  what every channel uses (its making, sending, the start
 *                  of a child's init message, a child's log lines)
 *   mon_audit.c    audit records of the monitor's decisions, and the
 *                  aggregation of refusals before authentication
 *   mon_net.c      the net channel: the net process's start, its init
 *                  message, reading and dispatch, violations, replacement
 *   mon_conn.c     the HTTP connections the net process hands over: their
 *                  peer address, client certificate and close
 *   mon_gate.c     the gate: the checks before a request is decided
 *                  (failed-authentication limit, authentication, rate limit)
 *   mon_tools.c    the decisions on tools/list and tools/call
 *   mon_call.c     calls in flight: their end, answer and cancellation
 *   mon_key.c      the key channel: TLS private-key operations
 *   mon_workers.c  the tool workers: pool, start, scheduler, retirement
 *   mon_reload.c   SIGHUP: a new configuration and key set
 *   mon_fuzz.c     the fuzzing entry points (MCPD_FUZZ builds only)
 */
#ifndef MCPD_MONITOR_INT_H
#define MCPD_MONITOR_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "authn.h"
#include "monotime.h"
#include "dispatch.h"
#include "monitor.h"
#include "mtls.h"
#include "netblock.h"
#include "proto.h"

struct audit_rec;
struct auditagg;
struct auditagg_sum;
struct evbuffer;
struct ratelimit;
struct sbuf;

/*
 * Calls the net process may have in flight; it is told this at init.
 * Over stdio one client is served, and its answers are what a stalled
 * reader makes the processes hold; over HTTP many clients share it.
 */
#define MON_MAX_CALLS		256
#define MON_MAX_CALLS_STDIO	64
/* Sockets the net process may have handed over but not yet named. */
#define MON_FDQ_MAX		8
/* Connections the monitor tracks beyond MaxConnections (races). */
#define MON_CONN_SLACK		64
#define MON_CONN_BUCKETS	1024
/* Identities and sources the rate limiters remember. */
#define MON_RL_KEYS		10000
/*
 * Refusals before authentication over HTTP, and notifications dropped
 * over an identity's bucket, are audited one in full and the rest summed
 * up per source and reason per window (auditagg.h): the
 * window of AuthFailureLimit, and as many groups as sources it tracks
 * closely enough.  The windows are looked at every second.
 */
#define MON_AGG_WINDOW_MS	60000
#define MON_AGG_GROUPS		4096
#define MON_AGG_TICK_S		1
/*
 * Backpressure: while this much waits to be written to the net process,
 * the monitor reads no new requests from it.  Answers to calls already in
 * flight still queue, so the queue is bounded by MON_OUTBUF_MAX, which a
 * working net process can never reach.
 */
#define MON_OUTBUF_HIGH		(8U * 1024 * 1024)
#define MON_OUTBUF_MAX		((MON_MAX_CALLS + 4) * \
				    (size_t)(PS_TEXT_MAX + 65536))
/*
 * The key channel: the net process waits for each signature before it
 * asks for the next (src/net/key_wrap.c), so a working one has at most
 * one answer unread.  Above this much unread the monitor stops reading
 * signature requests, and a request that is waiting when the mark is
 * reached proves that the net process sends without reading: a protocol
 * violation.  Reading resumes below half the mark.
 */
#define MON_KEY_OUT_HIGH	(64U * 1024)
/*
 * A signature request is small (proto.h): a frame that says it is longer
 * is refused at its header, before the monitor buffers it.
 */
#define MON_KEY_REQ_MAX		(PS_SIGIN_MAX + 64)
/*
 * What the monitor sends must be within the field caps the net process
 * enforces (src/net/net_wrap.c): a field over its cap is fatal there, and
 * the net process serves every client.  Identities are capped where they
 * enter (authn.h); the list of required roles or scopes, made from the
 * configuration, is clipped to its field (MON_REQUIRED_MAX) when sent.
 */
_Static_assert(AUTHN_USER_MAX <= PS_ID_MAX, "a subject fits PS_AUTH_ANS");
_Static_assert(AUTHN_ROLE_MAX <= PS_NAME_MAX, "a role fits PS_TOOLCALL_ANS");
#define MON_REQUIRED_MAX	(PS_NAME_MAX * 16)

#define MON_SOURCE_STDIO	"stdio"
#define MON_SOURCE_MAX		(INET6_ADDRSTRLEN + 8)

#define NET_ST_STARTING		0x01
#define NET_ST_READY		0x02	/* confined; hello may come */
#define NET_ST_SESSION		0x04	/* hello done */
#define NET_ST_ANY		0x07

#define W_ST_STARTING		0x01
#define W_ST_IDLE		0x02
#define W_ST_BUSY		0x04
#define W_ST_DEAD		0x08
#define W_ST_ANY		0x07

struct monitor;
struct mon_worker;

/*
 * An HTTP connection as the monitor knows it: the peer address it read
 * from the socket itself, and the client certificate it verified itself.
 */
struct mon_conn {
	TAILQ_ENTRY(mon_conn)	 entry;
	uint32_t		 connid;
	struct sockaddr_storage	 addr;
	char			 source[MON_SOURCE_MAX];	/* ip:port */
	char			 host[INET6_ADDRSTRLEN];	/* ip */
	char			 block[NETBLOCK_STRLEN];	/* its source */
	int			 cert;		/* AUTHN_CERT_* */
	uint32_t		 once;		/* once-only messages seen */
	char			*cert_identity;
	char			 cert_reason[160];
	char			 cert_fp[13];
	char			 cert_x5t[MTLS_X5T_LEN + 1];	/* RFC 8705 */
};
TAILQ_HEAD(mon_connq, mon_conn);

struct mon_call {
	TAILQ_ENTRY(mon_call)	 entry;		/* every call in flight */
	TAILQ_ENTRY(mon_call)	 qentry;	/* waiting for a worker */
	uint32_t		 callid;
	char			*tool;
	char			*request_id;
	char			*client;	/* clientInfo, for the audit */
	char			 source[MON_SOURCE_MAX];
	uint8_t			*args;
	size_t			 argslen;
	char			 args_sha256[65];
	struct identity		 id;
	uint64_t		 start_ms;
	struct mon_worker	*worker;
	int			 queued;
	/*
	 * Who may cancel the call, as recorded when it was authorized: the
	 * subject in id, in the scope (PS_SCOPE_*) it came in, on connid.
	 */
	uint32_t		 connid;
	uint32_t		 scope;
	char			*cancelled_by;	/* set while it is cancelled */
};
TAILQ_HEAD(mon_callq, mon_call);

struct mon_worker {
	struct monitor		*mon;
	size_t			 idx;
	pid_t			 pid;
	int			 fd;
	struct bufferevent	*bev;
	struct ps_chan		 chan;		/* state: W_ST_* */
	int			 killed;	/* by us: not a crash */
	unsigned long		 ncalls;	/* calls run, for retirement */
	struct mon_call		*call;
	struct event		*timer;
};

struct monitor {
	struct monitor_params	*p;
	const struct mcpd_config *cfg;
	struct event_base	*base;
	struct authn_ctx	 authn;
	struct ratelimit	*rl_user;
	struct ratelimit	*rl_fail;
	struct ratelimit	*rl_notify;	/* notifications, per identity */
	struct auditagg		*agg;		/* refusals before authn */
	struct event		*agg_ev;

	pid_t			 net_pid;
	struct bufferevent	*net_bev;	/* writes only */
	struct event		*net_rev;	/* reads, with recvmsg */
	struct evbuffer		*net_in;
	int			 net_fd;
	struct ps_chan		 net_chan;	/* state: NET_ST_* */
	struct ps_chan		 key_chan;
	int			 fdq[MON_FDQ_MAX];	/* passed sockets */
	size_t			 nfdq;
	int			 http;		/* the net process: HTTP */
	size_t			 max_calls;	/* MON_MAX_CALLS(_STDIO) */
	int			 ready_done;
	struct bufferevent	*key_bev;	/* key offloading channel */
	struct event		*key_stall;	/* reading paused too long */
	struct event		*net_restart;
	struct mon_connq	 conns[MON_CONN_BUCKETS];
	size_t			 nconns;

	struct mon_worker	*workers;
	size_t			 nworkers;
	unsigned int		 start_failures;

	struct mon_callq	 calls;
	struct mon_callq	 queue;
	size_t			 ncalls;

	char			*client_info;
	char			*protocol_version;
	struct sbuf		*msg;
	struct sbuf		*keymsg;	/* a signature request */
	struct sbuf		*ans;
	int			 exit_status;
	int			 stopping;
	struct event		*sigev[6];
	struct event		*flush_ev;
	struct event		*checkpoint_ev;	/* AuditCheckpoint DURATION */
};

/* monitor.c: the loop */
struct monitor *mon_new(struct monitor_params *);
void	mon_ratelimits(struct monitor *, const struct mcpd_config *,
	    const struct mcpd_config *);
void	mon_stop(struct monitor *, int);
struct bufferevent *mon_bev_new(struct monitor *, int, bufferevent_data_cb,
	    bufferevent_data_cb, bufferevent_event_cb, void *, const char *);
int	mon_send(struct monitor *, struct bufferevent *, uint8_t);
void	mon_put(struct monitor *, int);
void	mon_put_list(struct monitor *, const char *);
void	mon_init_begin(struct monitor *, uint32_t);
int	mon_child_log(struct sbuf *, const char *);

/* mon_audit.c */
int	mon_audit(struct monitor *, struct audit_rec *);
void	mon_audit_event(struct monitor *, const char *, const char *,
	    const char *);
int	mon_audit_refusal(struct monitor *, struct audit_rec *, const char *,
	    uint64_t);
void	mon_agg_emit(void *, const struct auditagg_sum *);
void	mon_agg_timer(evutil_socket_t, short, void *);
void	mon_rec_identity(struct audit_rec *, const struct identity *);

/* mon_net.c */
void	mon_net_start(struct monitor *);
void	mon_net_attach(struct monitor *, int, int);
void	mon_net_restart(evutil_socket_t, short, void *);
void	mon_net_replace(struct monitor *);
void	mon_net_close(struct monitor *);
void	mon_net_violation(void *, const char *);
int	mon_check(struct monitor *, int, const char *);

/* mon_conn.c */
int	mon_conn_of(struct monitor *, uint32_t, struct mon_conn **);
int	mon_scope_check(struct monitor *, uint32_t);
void	mon_conns_clear(struct monitor *);
uint32_t *mon_conn_once(void *, const struct sbuf *);
void	mon_conn_req(void *, struct sbuf *);
void	mon_connclose(void *, struct sbuf *);
void	mon_cert(void *, struct sbuf *);

/* mon_gate.c */
uint32_t mon_gate(struct monitor *, const char *, const struct mon_conn *,
	    const char *, const uint8_t *, size_t, const char *, const char *,
	    const char *, struct identity *, uint32_t *);
void	mon_auth(void *, struct sbuf *);

/* mon_tools.c */
void	mon_toollist(void *, struct sbuf *);
void	mon_toolcall(void *, struct sbuf *);

/* mon_call.c */
struct mon_call *mon_call_find(struct monitor *, uint32_t);
void	mon_call_free(struct monitor *, struct mon_call *);
const char *mon_args_field(const struct mon_call *);
const char *mon_first_role(const struct identity *);
void	mon_answer_call(struct monitor *, uint32_t, uint32_t, const char *,
	    const char *, uint32_t, const void *, size_t);
void	mon_call_finish(struct monitor *, struct mon_call *, int,
	    const char *, const void *, size_t);
void	mon_call_cancel(struct monitor *, struct mon_call *, const char *,
	    const char *);
void	mon_cancel(void *, struct sbuf *);

/* mon_key.c */
void	mon_key_attach(struct monitor *, int);
void	mon_key_stalled(evutil_socket_t, short, void *);

/* mon_workers.c */
void	mon_worker_start(struct monitor *, struct mon_worker *);
void	mon_worker_start_next(struct monitor *);
void	mon_worker_attach(struct monitor *, struct mon_worker *, int);
void	mon_worker_set_idle(struct monitor *, struct mon_worker *);
void	mon_worker_fail(struct monitor *, struct mon_worker *, const char *);
void	mon_worker_violation(void *, const char *);
void	mon_worker_timeout(evutil_socket_t, short, void *);
void	mon_schedule(struct monitor *);

/* mon_reload.c */
void	mon_reload(struct monitor *);

#endif /* MCPD_MONITOR_INT_H */
