/*
 * The monitor's event loop.  It reads only the fixed binary privsep
 * messages; every field is bounds-checked by sbuf, every message type is
 * checked against its channel's table of what the sender may send in its
 * transport and current state (privsep/dispatch.h), and anything else is
 * treated as a compromise of the sender.
 *
 * A tool call passes, in this order: the per-source limit on failed
 * authentications, authentication, the per-identity rate limit, the tool's
 * existence, authorization, an audit record (written before anything runs),
 * execution in a worker, and an audit record of the outcome (written before
 * the result is released).  If a record cannot be written the call fails.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "apikey.h"
#include "audit.h"
#include "auditredact.h"
#include "auditagg.h"
#include "authn.h"
#include "config.h"
#include "dispatch.h"
#include "hex.h"
#include "jwt.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "mtls.h"
#include "netblock.h"
#include "policy.h"
#include "proto.h"
#include "ratelimit.h"
#include "sbuf.h"
#include "spawn.h"
#include "tlskey.h"
#include "toolcatalog.h"
#include "xmalloc.h"

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
/* A net process that dies is replaced, after this pause (HTTP). */
#define MON_NET_RESTART_MS	500
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
/* Consecutive workers that die before they are ready: then give up. */
#define MON_START_FAILURES_MAX	5
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
 * asks for the next (privsep/key_wrap.c), so a working one has at most
 * one answer unread.  Above this much unread the monitor stops reading
 * signature requests, and a request that is waiting when the mark is
 * reached proves that the net process sends without reading: a protocol
 * violation.  Reading resumes below half the mark.
 */
#define MON_KEY_OUT_HIGH	(64U * 1024)
/*
 * And if the answers stay above the mark this long, the net process is
 * not reading them either: a violation too.  It reads each answer the
 * moment it comes, inside its TLS handshake.
 */
#define MON_KEY_STALL_SEC	2
/*
 * A signature request is small (proto.h): a frame that says it is longer
 * is refused at its header, before the monitor buffers it.
 */
#define MON_KEY_REQ_MAX		(PS_SIGIN_MAX + 64)
/*
 * What the monitor sends must be within the field caps the net process
 * enforces (privsep/net_wrap.c): a field over its cap is fatal there, and
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

static void mon_stop(struct monitor *, int);
static void mon_net_violation(void *, const char *);
static void mon_worker_violation(void *, const char *);
static void mon_schedule(struct monitor *);
static void mon_worker_start(struct monitor *, struct mon_worker *);
static void mon_worker_fail(struct monitor *, struct mon_worker *,
    const char *);

static uint64_t
mon_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Audit, and make a failure loud: the caller refuses what it guarded. */
static int
mon_audit(struct monitor *mon, struct audit_rec *rec)
{
	char err[256];

	if (rec->source == NULL)
		rec->source = MON_SOURCE_STDIO;
	if (rec->client == NULL)
		rec->client = mon->client_info;
	if (audit_write(mon->p->audit, rec, err, sizeof(err)) == 0)
		return 0;
	error("AUDIT LOG WRITE FAILED (%s): refusing the request; "
	    "fix the audit log and send SIGUSR1", err);
	return -1;
}

static void
mon_audit_event(struct monitor *mon, const char *event, const char *decision,
    const char *reason)
{
	struct audit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.event = event;
	rec.decision = decision;
	rec.reason = reason;
	rec.duration_ms = -1;
	(void)mon_audit(mon, &rec);
}

/* One record for the refusals an auditagg group counted. */
static void
mon_agg_emit(void *arg, const struct auditagg_sum *sum)
{
	struct monitor *mon = arg;
	struct audit_rec rec;
	struct timespec ts;
	char since[AUDIT_TS_LEN + 1];

	ts.tv_sec = (time_t)(sum->since_ms / 1000);
	ts.tv_nsec = (long)(sum->since_ms % 1000) * 1000000;
	if (audit_format_ts(&ts, since, sizeof(since)) != 0)
		fatal_f("audit_format_ts");
	memset(&rec, 0, sizeof(rec));
	rec.event = sum->event;
	rec.decision = sum->decision;
	rec.reason = sum->reason;
	rec.source = sum->source;
	rec.duration_ms = -1;
	rec.count = (long long)sum->count;
	rec.since = since;
	(void)mon_audit(mon, &rec);
}

static int64_t
mon_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A refusal before authentication: over HTTP, written only if it is the
 * first of its source block and reason in the window (the others are
 * summed up later, mon_agg_emit); over stdio, the one local client's,
 * always.  0, or -1 if it had to be written and could not.
 */
static int
mon_audit_refusal(struct monitor *mon, struct audit_rec *rec,
    const char *block, uint64_t now)
{
	if (block != NULL && !auditagg_note(mon->agg, block, rec->event,
	    rec->decision, rec->reason, now, mon_wall_ms(), mon_agg_emit,
	    mon))
		return 0;
	return mon_audit(mon, rec);
}

static void
mon_agg_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	(void)auditagg_expire(mon->agg, mon_now_ms(), 0, mon_agg_emit, mon);
}

/* Fill the identity fields of a record. */
static void
mon_rec_identity(struct audit_rec *rec, const struct identity *id)
{
	rec->user = id->user;
	rec->roles = id->roles;
	rec->nroles = id->nroles;
	rec->method = id->method;
	rec->credential = id->credential[0] != '\0' ? id->credential : NULL;
}

/* ---- sending ---- */

/*
 * Queue the answer in mon->ans for a child.  A child that lets its queue
 * pass the bound is not reading what it asked for: that is its fault, not
 * the monitor's, so it is treated as a violation of the protocol (killed,
 * audited and replaced) and the answer dropped; -1 then.
 */
static int
mon_send(struct monitor *mon, struct bufferevent *bev, uint8_t type)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	size_t i;

	if (evbuffer_get_length(out) > MON_OUTBUF_MAX) {
		sbuf_reset(mon->ans);
		if (bev == mon->net_bev || bev == mon->key_bev) {
			mon_net_violation(mon, "output queue over its bound: "
			    "not reading its answers");
			return -1;
		}
		for (i = 0; i < mon->nworkers; i++) {
			if (mon->workers[i].bev == bev) {
				mon_worker_violation(&mon->workers[i],
				    "output queue over its bound");
				return -1;
			}
		}
		fatal_f("output queue of an unknown channel");
	}
	if (pmsg_compose(out, type, mon->ans) != PMSG_OK)
		fatal_f("pmsg_compose failed");
	sbuf_reset(mon->ans);
	return 0;
}

static void
mon_put(struct monitor *mon, int r)
{
	if (r != SBUF_OK)
		fatal_f("compose: %s", sbuf_strerror(r));
}

/*
 * A list ("a,b,c") for a field of at most MON_REQUIRED_MAX bytes: cut
 * after the last whole element that fits, with ",..." to show the cut.
 */
static void
mon_put_list(struct monitor *mon, const char *s)
{
	size_t keep;

	if (s == NULL || strlen(s) <= MON_REQUIRED_MAX) {
		mon_put(mon, sbuf_put_cstring(mon->ans, s));
		return;
	}
	keep = MON_REQUIRED_MAX - 4;
	while (keep > 0 && s[keep] != ',')
		keep--;
	/* A str field: its u32 length, then the bytes. */
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)keep + 4));
	mon_put(mon, sbuf_put(mon->ans, s, keep));
	mon_put(mon, sbuf_put(mon->ans, ",...", 4));
}

static void
mon_answer_call_flags(struct monitor *mon, uint32_t callid, uint32_t flags,
    uint32_t status, const char *required, const char *role,
    uint32_t retry_after, const void *text, size_t textlen)
{
	if (mon->net_bev == NULL)
		return;
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, flags));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	mon_put_list(mon, required);
	mon_put(mon, sbuf_put_cstring(mon->ans, role));
	mon_put(mon, sbuf_put_u32(mon->ans, retry_after));
	mon_put(mon, sbuf_put_string(mon->ans, text, textlen));
	(void)mon_send(mon, mon->net_bev, PS_TOOLCALL_ANS);
}

static void
mon_answer_call(struct monitor *mon, uint32_t callid, uint32_t status,
    const char *required, const char *role, uint32_t retry_after,
    const void *text, size_t textlen)
{
	mon_answer_call_flags(mon, callid, PS_F_FINAL, status, required, role,
	    retry_after, text, textlen);
}

/* ---- calls ---- */

static struct mon_call *
mon_call_find(struct monitor *mon, uint32_t callid)
{
	struct mon_call *c;

	TAILQ_FOREACH(c, &mon->calls, entry)
		if (c->callid == callid)
			return c;
	return NULL;
}

static void
mon_call_free(struct monitor *mon, struct mon_call *c)
{
	if (c->queued)
		TAILQ_REMOVE(&mon->queue, c, qentry);
	TAILQ_REMOVE(&mon->calls, c, entry);
	mon->ncalls--;
	free(c->tool);
	free(c->request_id);
	free(c->client);
	free(c->cancelled_by);
	freezero(c->args, c->argslen);
	identity_clear(&c->id);
	free(c);
}

/* args_sha256 for the audit record: none under AuditArguments none. */
static const char *
mon_args_field(const struct mon_call *c)
{
	return c->args_sha256[0] != '\0' ? c->args_sha256 : NULL;
}

static const char *
mon_first_role(const struct identity *id)
{
	return id->nroles > 0 ? id->roles[0] : "none";
}

/* Audit the end of a call that ran (or was to run), then answer it. */
static void
mon_call_finish(struct monitor *mon, struct mon_call *c, int is_error,
    const char *reason, const void *text, size_t textlen)
{
	struct audit_rec rec;
	uint32_t status = is_error ? PS_ST_TOOL_ERROR : PS_ST_OK;
	/* A cancelled call gets no answer: the net process is told so. */
	uint32_t flags = PS_F_FINAL |
	    (c->cancelled_by != NULL ? PS_F_CANCELLED : 0);

	memset(&rec, 0, sizeof(rec));
	rec.event = "tools/result";
	rec.decision = is_error ? AUDIT_ERROR : NULL;
	mon_rec_identity(&rec, &c->id);
	rec.tool = c->tool;
	rec.reason = reason;
	rec.request_id = c->request_id;
	rec.args_sha256 = mon_args_field(c);
	rec.source = c->source;
	rec.client = c->client;
	rec.cancelled_by = c->cancelled_by;
	rec.duration_ms = (long long)(mon_now_ms() - c->start_ms);
	if (mon_audit(mon, &rec) != 0)
		mon_answer_call_flags(mon, c->callid, flags, PS_ST_INTERNAL,
		    NULL, NULL, 0, NULL, 0);
	else
		mon_answer_call_flags(mon, c->callid, flags, status, NULL,
		    mon_first_role(&c->id), 0, text, textlen);
	mon_call_free(mon, c);
}

/* ---- the net process ---- */

static struct mon_connq *
mon_conn_bucket(struct monitor *mon, uint32_t connid)
{
	return &mon->conns[connid % MON_CONN_BUCKETS];
}

static struct mon_conn *
mon_conn_find(struct monitor *mon, uint32_t connid)
{
	struct mon_conn *c;

	TAILQ_FOREACH(c, mon_conn_bucket(mon, connid), entry)
		if (c->connid == connid)
			return c;
	return NULL;
}

static void
mon_conn_free(struct monitor *mon, struct mon_conn *c)
{
	TAILQ_REMOVE(mon_conn_bucket(mon, c->connid), c, entry);
	mon->nconns--;
	free(c->cert_identity);
	free(c);
}

static void
mon_conns_clear(struct monitor *mon)
{
	struct mon_conn *c;
	size_t i;

	for (i = 0; i < MON_CONN_BUCKETS; i++)
		while ((c = TAILQ_FIRST(&mon->conns[i])) != NULL)
			mon_conn_free(mon, c);
}

/* The net process's channel is gone (or we cut it). */
static void
mon_net_close(struct monitor *mon)
{
	size_t i;

	if (mon->net_bev != NULL) {
		bufferevent_free(mon->net_bev);
		mon->net_bev = NULL;
	}
	if (mon->net_rev != NULL) {
		event_free(mon->net_rev);
		mon->net_rev = NULL;
	}
	if (mon->net_fd != -1) {
		close(mon->net_fd);
		mon->net_fd = -1;
	}
	if (mon->key_bev != NULL) {
		bufferevent_free(mon->key_bev);
		mon->key_bev = NULL;
	}
	(void)evtimer_del(mon->key_stall);
	for (i = 0; i < mon->nfdq; i++)
		close(mon->fdq[i]);
	mon->nfdq = 0;
	mon_conns_clear(mon);
}

static void
mon_net_violation(void *arg, const char *what)
{
	struct monitor *mon = arg;
	char reason[256];

	(void)snprintf(reason, sizeof(reason),
	    "net process protocol violation: %s", what);
	error("%s; killing it", reason);
	mon_audit_event(mon, "privsep", AUDIT_ERROR, reason);
	if (mon->net_pid > 0)
		(void)kill(mon->net_pid, SIGKILL);
	mon_net_close(mon);
	/*
	 * Over stdio the session cannot be resumed: end it.  Over HTTP the
	 * SIGCHLD handler starts a new net process.
	 */
	if (!mon->http)
		mon->exit_status = 1;
}

static int
mon_check(struct monitor *mon, int r, const char *what)
{
	char buf[128];

	if (r == SBUF_OK)
		return 0;
	(void)snprintf(buf, sizeof(buf), "%s: %s", what, sbuf_strerror(r));
	mon_net_violation(mon, buf);
	return -1;
}

/* A child's log message, logged as the monitor's; -1 if malformed. */
static int
mon_child_log(struct sbuf *m, const char *who)
{
	uint32_t level;
	char *text = NULL;

	if (sbuf_get_u32(m, &level) != SBUF_OK ||
	    sbuf_get_cstring(m, &text, PS_LOGMSG_MAX) != SBUF_OK ||
	    sbuf_expect_end(m) != SBUF_OK ||
	    level < LOG_LVL_FATAL || level > LOG_LVL_DEBUG3) {
		free(text);
		return -1;
	}
	/* The child escaped it already; log_emit escapes again anyway. */
	{
		char line[PS_LOGMSG_MAX + 64];

		(void)snprintf(line, sizeof(line), "%s: %s", who, text);
		log_emit((int)level, line);
	}
	free(text);
	return 0;
}

static void
mon_net_log(void *arg, struct sbuf *m)
{
	if (mon_child_log(m, "net") != 0)
		mon_net_violation(arg, "malformed log message");
}

static void
mon_net_init_ans(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;

	if (mon_check(mon, sbuf_expect_end(m), "init answer") != 0)
		return;
	/* Over HTTP there is no hello: requests may come at once. */
	mon->net_chan.state = mon->http ? NET_ST_SESSION : NET_ST_READY;
	debug_f("net process %ld confined and serving", (long)mon->net_pid);
	if (mon->p->ready != NULL && !mon->ready_done)
		mon->p->ready();
	mon->ready_done = 1;
}

/*
 * The connection a request names: 0 is stdio (only on stdio), anything
 * else must be a connection the net process handed over.  NULL after a
 * violation.
 */
static int
mon_conn_of(struct monitor *mon, uint32_t connid, struct mon_conn **cp)
{
	*cp = NULL;
	if (!mon->http) {
		if (connid != 0) {
			mon_net_violation(mon, "connection id over stdio");
			return -1;
		}
		return 0;
	}
	if ((*cp = mon_conn_find(mon, connid)) == NULL) {
		mon_net_violation(mon, "request on an unknown connection");
		return -1;
	}
	return 0;
}

/*
 * A scope the transport can have: PS_SCOPE_STDIO exactly over stdio,
 * anything else only over HTTP.  -1 after a violation.
 */
static int
mon_scope_check(struct monitor *mon, uint32_t scope)
{
	if ((scope == PS_SCOPE_STDIO) != !mon->http) {
		mon_net_violation(mon, "scope does not fit the transport");
		return -1;
	}
	return 0;
}

static void
mon_hello(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct audit_rec rec;
	struct mon_conn *conn;
	char *client = NULL, *version = NULL;
	char reason[128];
	uint32_t callid, connid;

	if (mon_check(mon, sbuf_get_u32(m, &callid), "hello callid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "hello connid") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &client, PS_CLIENT_MAX),
	    "hello client") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &version, PS_VERSION_MAX),
	    "hello version") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "hello") != 0 ||
	    mon_conn_of(mon, connid, &conn) != 0) {
		free(client);
		free(version);
		return;
	}
	/* Over stdio there is one session, and one hello (the table). */
	if (!mon->http) {
		free(mon->client_info);
		free(mon->protocol_version);
		mon->client_info = xstrdup(client);
		mon->protocol_version = xstrdup(version);
		mon->net_chan.state = NET_ST_SESSION;
	}

	memset(&rec, 0, sizeof(rec));
	(void)snprintf(reason, sizeof(reason), "protocol version %s", version);
	rec.event = "initialize";
	rec.reason = reason;
	rec.client = client;
	rec.source = conn != NULL ? conn->source : NULL;
	rec.duration_ms = -1;
	(void)mon_audit(mon, &rec);
	free(client);
	free(version);

	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, PS_ST_OK));
	(void)mon_send(mon, mon->net_bev, PS_HELLO_ANS);
}

/*
 * Authenticate and rate-limit one request.  Returns PS_ST_OK with *id
 * filled, or the status to answer with (already audited).
 */
static uint32_t
mon_gate(struct monitor *mon, const char *event, const struct mon_conn *conn,
    const char *client, const uint8_t *cred, size_t credlen, const char *tool,
    const char *request_id, const char *args_sha256, struct identity *id,
    uint32_t *retry_after)
{
	/*
	 * Failed authentications count per source block (an IPv4 address,
	 * an IPv6 /64 by default: PerSourceNetBlockSize), whatever the port:
	 * a client opening a connection per attempt, or taking a new address
	 * of its /64 for each, is still one source.
	 */
	const char *fail_key = conn != NULL ? conn->block : MON_SOURCE_STDIO;
	/* RateLimit counts tool lists and calls, not each HTTP request. */
	int count = tool != NULL || strcmp(event, "tools/list") == 0;
	struct audit_rec rec;
	struct authn_peer peer;
	char reason[256];
	uint64_t now = mon_now_ms();
	unsigned int retry = 0;
	const char *source = conn != NULL ? conn->source : MON_SOURCE_STDIO;

	*retry_after = 0;
	memset(id, 0, sizeof(*id));
	memset(&rec, 0, sizeof(rec));
	rec.event = event;
	rec.tool = tool;
	rec.request_id = request_id;
	rec.args_sha256 = args_sha256;
	rec.source = source;
	rec.client = client;
	rec.duration_ms = -1;

	/*
	 * The presented credential, else (stdio only: it is the operator's
	 * own) the one from our environment.
	 */
	if (credlen == 0 && conn == NULL && mon->p->env_cred != NULL) {
		cred = (const uint8_t *)mon->p->env_cred;
		credlen = mon->p->env_credlen;
	}

	/* Sources that keep failing are refused before any check. */
	if (ratelimit_blocked(mon->rl_fail, fail_key, now, &retry)) {
		if (credlen > 0)
			credential_fingerprint(cred, credlen, id->credential);
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "too many failed authentications from source";
		rec.credential = id->credential[0] ? id->credential : NULL;
		*retry_after = retry;
		if (mon_audit_refusal(mon, &rec, conn != NULL ? fail_key : NULL,
		    now) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_RATE_LIMITED;
	}
	memset(&peer, 0, sizeof(peer));
	if (conn != NULL) {
		peer.addr = (const struct sockaddr *)&conn->addr;
		peer.http = 1;
		peer.cert = conn->cert;
		peer.cert_identity = conn->cert_identity;
		peer.cert_reason = conn->cert_reason;
		peer.cert_fp = conn->cert_fp[0] != '\0' ? conn->cert_fp : NULL;
		peer.cert_x5t = conn->cert_x5t[0] != '\0' ? conn->cert_x5t :
		    NULL;
	}
	if (authn_check(&mon->authn, (const char *)cred, credlen, &peer,
	    time(NULL), id, reason, sizeof(reason)) != AUTHN_OK) {
		(void)ratelimit_take(mon->rl_fail, fail_key, now, &retry);
		rec.decision = AUDIT_AUTH_FAILED;
		rec.reason = reason;
		rec.credential = id->credential[0] ? id->credential : NULL;
		verbose("authentication failed from %s: %s", source, reason);
		if (mon_audit_refusal(mon, &rec, conn != NULL ? fail_key : NULL,
		    now) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_AUTH_FAILED;
	}
	mon_rec_identity(&rec, id);
	if (count && ratelimit_take(mon->rl_user, id->user, now, &retry)) {
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "rate limit exceeded";
		*retry_after = retry;
		if (mon_audit(mon, &rec) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_RATE_LIMITED;
	}
	return PS_ST_OK;
}

static void
mon_toollist(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct audit_rec rec;
	struct mon_conn *conn;
	const struct tool_def *t;
	const uint8_t *cred;
	size_t credlen, i, n = 0;
	uint32_t callid, connid, status, retry;
	char *req, *request_id = NULL, *client = NULL;
	int all = mon->cfg->tool_listing == TOOLLIST_ALL;

	/* cred points into the storage of m, which reads never move. */
	if (mon_check(mon, sbuf_get_u32(m, &callid), "toollist callid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "toollist connid") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "toollist credential") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &request_id, PS_ID_MAX),
	    "toollist request id") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &client, PS_CLIENT_MAX),
	    "toollist client") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "toollist") != 0 ||
	    mon_conn_of(mon, connid, &conn) != 0) {
		free(request_id);
		free(client);
		return;
	}
	status = mon_gate(mon, "tools/list", conn, client, cred, credlen, NULL,
	    request_id, NULL, &id, &retry);
	if (status == PS_ST_OK) {
		memset(&rec, 0, sizeof(rec));
		rec.event = "tools/list";
		rec.decision = AUDIT_ALLOWED;
		rec.reason = all ? "listing all tools" :
		    "listing permitted tools";
		rec.request_id = request_id;
		rec.source = conn != NULL ? conn->source : NULL;
		rec.client = client;
		rec.duration_ms = -1;
		mon_rec_identity(&rec, &id);
		if (mon_audit(mon, &rec) != 0)
			status = PS_ST_INTERNAL;
	}
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	if (status == PS_ST_OK) {
		for (i = 0; i < toolcat_count(); i++) {
			t = toolcat_get(i);
			if (all || policy_permits(mon->cfg, id.roles, id.nroles,
			    t->name))
				n++;
		}
	}
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)n));
	for (i = 0; n > 0 && i < toolcat_count(); i++) {
		t = toolcat_get(i);
		if (!all && !policy_permits(mon->cfg, id.roles, id.nroles,
		    t->name))
			continue;
		req = all ? policy_required_roles(mon->cfg, t->name) : NULL;
		mon_put(mon, sbuf_put_cstring(mon->ans, t->name));
		mon_put_list(mon, req);
		free(req);
	}
	(void)mon_send(mon, mon->net_bev, PS_TOOLLIST_ANS);
	identity_clear(&id);
	free(request_id);
	free(client);
}

static void
mon_args_digest(const uint8_t *args, size_t len, char out[65])
{
	/* Fetched once: EVP_sha256() is looked up again on every use. */
	static EVP_MD *sha256;
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);

	if (sha256 == NULL &&
	    (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatal_f("EVP_MD_fetch SHA256 failed");
	if (EVP_Digest(args, len, md, &mdlen, sha256, NULL) != 1)
		fatal_f("EVP_Digest failed");
	hex_encode(md, sizeof(md), out);
}

/*
 * Whether the net process's audit_args contradict the configuration:
 * present though no AuditRedact rule names the tool, or missing though
 * one does.  The monitor does not parse them (client JSON); it only makes
 * sure a tool with a rule never has its raw arguments logged.
 */
static int
mon_audit_args_bad(struct monitor *mon, const char *tool,
    const char *audit_args)
{
	const struct mcpd_config *cfg = mon->cfg;

	return auditredact_names_tool(cfg->audit_redact, cfg->naudit_redact,
	    tool) != (*audit_args != '\0');
}

/* A tool call refused before it was recorded: free what was decoded. */
static void
mon_toolcall_discard(struct mon_call *c, uint8_t *cred, size_t credlen,
    char *schema_error, char *audit_args)
{
	freezero(cred, credlen);
	free(c->request_id);
	free(c->tool);
	free(c->args);
	free(c->client);
	free(schema_error);
	freezero(audit_args, audit_args != NULL ? strlen(audit_args) : 0);
	free(c);
}

static void
mon_toolcall(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_call *c;
	struct mon_conn *conn;
	struct audit_rec rec;
	const uint8_t *cred;
	size_t credlen;
	uint32_t status, retry, connid;
	char *required = NULL, *scopes = NULL, *schema_error = NULL;
	char *audit_args = NULL;
	const char *reason;
	int r;

	c = xcalloc(1, sizeof(*c));
	if (mon_check(mon, sbuf_get_u32(m, &c->callid), "call id") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "connection id") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "credential") != 0) {
		free(c);
		return;
	}
	/* Copy the credential out first: the fields after it move m. */
	{
		uint8_t *credcopy = NULL;

		if (credlen > 0) {
			credcopy = xmalloc(credlen);
			memcpy(credcopy, cred, credlen);
		}
		if ((r = sbuf_get_cstring(m, &c->request_id,
		    PS_ID_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &c->tool,
		    PS_NAME_MAX)) != SBUF_OK ||
		    (r = sbuf_get_string(m, &c->args, &c->argslen,
		    PS_ARGS_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &c->client,
		    PS_CLIENT_MAX)) != SBUF_OK ||
		    (r = sbuf_get_u32(m, &c->scope)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &schema_error,
		    PS_SCHEMA_ERR_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &audit_args,
		    PS_AUDIT_ARGS_MAX)) != SBUF_OK ||
		    (r = sbuf_expect_end(m)) != SBUF_OK ||
		    mon_conn_of(mon, connid, &conn) != 0 ||
		    mon_scope_check(mon, c->scope) != 0) {
			mon_toolcall_discard(c, credcopy, credlen,
			    schema_error, audit_args);
			if (r != SBUF_OK)
				(void)mon_check(mon, r, "tool call");
			return;
		}
		if (mon->ncalls >= mon->max_calls ||
		    mon_call_find(mon, c->callid) != NULL ||
		    mon_audit_args_bad(mon, c->tool, audit_args)) {
			mon_toolcall_discard(c, credcopy, credlen,
			    schema_error, audit_args);
			mon_net_violation(mon, "call id reused, too many "
			    "calls in flight, or audit_args where no "
			    "AuditRedact rule asks for them");
			return;
		}
		TAILQ_INSERT_TAIL(&mon->calls, c, entry);
		mon->ncalls++;
		c->connid = connid;
		c->start_ms = mon_now_ms();
		if (mon->cfg->audit_arguments != AUDIT_ARGS_NONE)
			mon_args_digest(c->args, c->argslen, c->args_sha256);
		(void)snprintf(c->source, sizeof(c->source), "%s",
		    conn != NULL ? conn->source : MON_SOURCE_STDIO);
		status = mon_gate(mon, "tools/call", conn, c->client, credcopy,
		    credlen, c->tool, c->request_id, mon_args_field(c), &c->id,
		    &retry);
		freezero(credcopy, credlen);
	}
	if (status != PS_ST_OK) {
		mon_answer_call(mon, c->callid, status, NULL, NULL, retry,
		    NULL, 0);
		goto done;
	}

	memset(&rec, 0, sizeof(rec));
	rec.event = "tools/call";
	mon_rec_identity(&rec, &c->id);
	rec.tool = c->tool;
	rec.request_id = c->request_id;
	rec.args_sha256 = mon_args_field(c);
	rec.source = c->source;
	rec.client = c->client;
	rec.duration_ms = -1;
	/*
	 * The arguments as the net process redacted them where an
	 * AuditRedact rule names the tool (mon_audit_args_bad() made sure
	 * they are there then, and only then); args_sha256 is still the
	 * monitor's own digest of the arguments the worker gets.
	 */
	if (mon->cfg->audit_arguments == AUDIT_ARGS_FULL)
		rec.args = *audit_args != '\0' ? audit_args :
		    (const char *)c->args;

	if (toolcat_find(c->tool) == NULL) {
		status = PS_ST_UNKNOWN_TOOL;
		rec.decision = AUDIT_DENIED;
		rec.reason = "unknown tool";
	} else if (!policy_permits(mon->cfg, c->id.roles, c->id.nroles,
	    c->tool)) {
		required = policy_required_roles(mon->cfg, c->tool);
		rec.decision = AUDIT_DENIED;
		rec.required = required;
		/* A token that lacks a scope is told which (RFC 6750 3.1). */
		if ((scopes = policy_missing_scopes(mon->cfg, &c->id,
		    c->tool)) != NULL) {
			status = PS_ST_SCOPE;
			rec.reason = "insufficient scope";
		} else {
			status = PS_ST_DENIED;
			rec.reason = "no role permits the tool";
		}
	} else if (*schema_error != '\0') {
		/*
		 * Allowed, but the arguments fail the tool's inputSchema:
		 * a tool error naming the failed constraints (MCP
		 * 2025-11-25), and the call never reaches a worker.  The
		 * net process's word is enough to refuse a call, never to
		 * run one: the worker checks the arguments again.
		 */
		status = PS_ST_TOOL_ERROR;
		rec.decision = AUDIT_ERROR;
		rec.reason = schema_error;
	} else {
		status = PS_ST_OK;
		rec.decision = AUDIT_ALLOWED;
	}
	if (mon_audit(mon, &rec) != 0)
		status = PS_ST_INTERNAL;
	if (status == PS_ST_TOOL_ERROR) {
		mon_answer_call(mon, c->callid, status, NULL,
		    mon_first_role(&c->id), 0, schema_error,
		    strlen(schema_error));
		goto done;
	}
	if (status != PS_ST_OK) {
		if (status == PS_ST_SCOPE)
			reason = scopes;
		else
			reason = required != NULL && *required != '\0' ?
			    required : "none";
		mon_answer_call(mon, c->callid, status, reason,
		    mon_first_role(&c->id), 0, NULL, 0);
		free(required);
		free(scopes);
		goto done;
	}
	free(required);
	c->queued = 1;
	TAILQ_INSERT_TAIL(&mon->queue, c, qentry);
	mon_schedule(mon);
	c = NULL;	/* the queue's now */
 done:
	free(schema_error);
	freezero(audit_args, strlen(audit_args));
	if (c != NULL)
		mon_call_free(mon, c);
}

/* Stop a call for the subject cancelled_by: no answer will be sent. */
static void
mon_call_cancel(struct monitor *mon, struct mon_call *c,
    const char *cancelled_by, const char *reason)
{
	static const char text[] = "cancelled";

	c->cancelled_by = xstrdup(cancelled_by);
	if (c->worker != NULL) {
		/* A worker runs one call at a time: stop it the hard way. */
		mon_worker_fail(mon, c->worker, reason);
		return;
	}
	mon_call_finish(mon, c, 1, reason, text, sizeof(text) - 1);
}

/*
 * A notification over its identity's bucket: dropped unread, and audited
 * like a refusal before authentication (mon_audit_refusal): the first of
 * its source in a window in full (who, from where), the rest counted in
 * one record when the window closes.
 */
static void
mon_notify_dropped(struct monitor *mon, const struct identity *id,
    const struct mon_conn *conn, const char *request_id)
{
	struct audit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.event = "notifications/cancelled";
	rec.decision = AUDIT_RATE_LIMITED;
	rec.reason = "notification limit exceeded: dropped";
	mon_rec_identity(&rec, id);
	rec.request_id = request_id;
	rec.source = conn != NULL ? conn->source : NULL;
	rec.duration_ms = -1;
	(void)mon_audit_refusal(mon, &rec,
	    conn != NULL ? conn->block : MON_SOURCE_STDIO, mon_now_ms());
}

/*
 * PS_CANCEL_REQ: a client's notifications/cancelled.  The canceller is
 * authenticated here, from the notification's own credential (and over
 * HTTP the connection the monitor knows), and the call is found among
 * those the monitor recorded: only a call of the same subject, in the same
 * scope, is cancelled.  Nothing the net process says picks the call.
 */
static void
mon_cancel(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct mon_conn *conn;
	struct mon_call *c, *other = NULL;
	struct audit_rec rec;
	const uint8_t *cred;
	size_t credlen;
	uint32_t connid, scope, retry;
	char *request_id = NULL;

	/* cred points into the storage of m, which reads never move. */
	if (mon_check(mon, sbuf_get_u32(m, &connid), "cancel connid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &scope), "cancel scope") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "cancel credential") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &request_id, PS_ID_MAX),
	    "cancel request id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "cancel") != 0 ||
	    mon_conn_of(mon, connid, &conn) != 0 ||
	    mon_scope_check(mon, scope) != 0) {
		free(request_id);
		return;
	}
	/* A refused credential is audited (and counted) by the gate. */
	if (mon_gate(mon, "notifications/cancelled", conn, NULL, cred,
	    credlen, NULL, request_id, NULL, &id, &retry) != PS_ST_OK ||
	    id.user == NULL) {
		identity_clear(&id);
		free(request_id);
		return;
	}
	if (ratelimit_take(mon->rl_notify, id.user, mon_now_ms(), &retry)) {
		mon_notify_dropped(mon, &id, conn, request_id);
		identity_clear(&id);
		free(request_id);
		return;
	}
	TAILQ_FOREACH(c, &mon->calls, entry) {
		if (c->id.user == NULL || c->cancelled_by != NULL ||
		    strcmp(c->request_id, request_id) != 0)
			continue;
		/* A 2026-07-28 HTTP call is cancelled by closing it only. */
		if (c->scope == scope && scope != PS_SCOPE_CONN &&
		    strcmp(c->id.user, id.user) == 0)
			break;
		if (other == NULL || strcmp(other->id.user, id.user) == 0)
			other = c;
	}
	if (c != NULL) {
		mon_call_cancel(mon, c, id.user, "cancelled by the client");
		identity_clear(&id);
		free(request_id);
		return;
	}

	/* Ignored, and audited: who tried, and whose call it named. */
	memset(&rec, 0, sizeof(rec));
	rec.event = "notifications/cancelled";
	rec.decision = AUDIT_DENIED;
	mon_rec_identity(&rec, &id);
	rec.request_id = request_id;
	rec.source = conn != NULL ? conn->source : NULL;
	rec.duration_ms = -1;
	if (other == NULL)
		rec.reason = "no call of this id in flight";
	else {
		rec.owner = other->id.user;
		rec.tool = other->tool;
		if (strcmp(other->id.user, id.user) != 0)
			rec.reason = "the call is another identity's";
		else if (other->scope == PS_SCOPE_CONN || scope == PS_SCOPE_CONN)
			rec.reason = "a 2026-07-28 call over HTTP is cancelled "
			    "by closing its connection";
		else
			rec.reason = "the call is another session's";
	}
	(void)mon_audit(mon, &rec);
	identity_clear(&id);
	free(request_id);
}

/*
 * PS_CONN_REQ: a new HTTP connection, its socket attached.  The peer
 * address comes from the kernel, through getpeername() on that socket.
 */
static void
mon_conn_req(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	socklen_t len;
	uint32_t connid;
	char host[INET6_ADDRSTRLEN];
	struct netblock nb;
	const void *ap;
	unsigned int port;
	int fd;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "conn id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "conn") != 0)
		return;
	if (mon->nfdq == 0) {
		mon_net_violation(mon, "connection without a socket");
		return;
	}
	fd = mon->fdq[0];
	memmove(mon->fdq, mon->fdq + 1, --mon->nfdq * sizeof(*mon->fdq));
	if (connid == 0 || mon_conn_find(mon, connid) != NULL ||
	    mon->nconns >= (size_t)mon->cfg->max_connections + MON_CONN_SLACK) {
		close(fd);
		mon_net_violation(mon, "connection id reused or too many "
		    "connections");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->connid = connid;
	len = sizeof(c->addr);
	if (getpeername(fd, (struct sockaddr *)&c->addr, &len) != 0 ||
	    (c->addr.ss_family != AF_INET && c->addr.ss_family != AF_INET6)) {
		/* Gone already, or not a TCP socket: no usable source. */
		(void)snprintf(c->source, sizeof(c->source), "unknown");
		(void)snprintf(c->host, sizeof(c->host), "unknown");
		(void)snprintf(c->block, sizeof(c->block), "unknown");
		memset(&c->addr, 0, sizeof(c->addr));
	} else {
		if (c->addr.ss_family == AF_INET) {
			ap = &((struct sockaddr_in *)&c->addr)->sin_addr;
			port = ntohs(
			    ((struct sockaddr_in *)&c->addr)->sin_port);
		} else {
			ap = &((struct sockaddr_in6 *)&c->addr)->sin6_addr;
			port = ntohs(
			    ((struct sockaddr_in6 *)&c->addr)->sin6_port);
		}
		if (inet_ntop(c->addr.ss_family, ap, host,
		    sizeof(host)) == NULL)
			(void)snprintf(host, sizeof(host), "?");
		(void)snprintf(c->host, sizeof(c->host), "%s", host);
		(void)snprintf(c->source, sizeof(c->source),
		    c->addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		    host, port);
		if (netblock_of((struct sockaddr *)&c->addr,
		    (int)mon->cfg->netblock_v4, (int)mon->cfg->netblock_v6,
		    &nb) != 0 ||
		    netblock_str(&nb, c->block, sizeof(c->block)) != 0)
			(void)snprintf(c->block, sizeof(c->block), "%s", host);
	}
	close(fd);
	TAILQ_INSERT_TAIL(mon_conn_bucket(mon, connid), c, entry);
	mon->nconns++;
}

/* A 2026-07-28 call in flight on HTTP connection connid, or NULL. */
static struct mon_call *
mon_conn_call(struct monitor *mon, uint32_t connid)
{
	struct mon_call *c;

	TAILQ_FOREACH(c, &mon->calls, entry)
		if (c->scope == PS_SCOPE_CONN && c->connid == connid &&
		    c->id.user != NULL && c->cancelled_by == NULL)
			return c;
	return NULL;
}

static void
mon_connclose(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	struct mon_call *call;
	uint32_t connid;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "close id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "close") != 0)
		return;
	/*
	 * MCP 2026-07-28 over HTTP: closing a request's stream cancels it.
	 * The calls are the ones the monitor recorded on this connection,
	 * so it is their own caller that cancels.  One at a time: stopping
	 * a call can finish others.
	 */
	while ((call = mon_conn_call(mon, connid)) != NULL)
		mon_call_cancel(mon, call, call->id.user,
		    "cancelled by the client: connection closed");
	if ((c = mon_conn_find(mon, connid)) != NULL)
		mon_conn_free(mon, c);
}

/*
 * PS_CERT_REQ: the client's chain as the handshake got it.  The
 * handshake's verdict is only noted: the monitor verifies the chain
 * itself, against the CAs and CRLs it loaded, and a chain either check
 * refuses is refused.
 */
static void
mon_cert(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	const uint8_t *der[PS_CHAIN_MAX];
	size_t derlen[PS_CHAIN_MAX];
	uint32_t connid, verdict, n, i;
	char *identity = NULL;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "cert conn") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &verdict), "cert verdict") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &n), "cert count") != 0)
		return;
	if (n > PS_CHAIN_MAX) {
		mon_net_violation(mon, "certificate chain too long");
		return;
	}
	for (i = 0; i < n; i++)
		if (mon_check(mon, sbuf_get_string_direct(m, &der[i],
		    &derlen[i], PS_CERT_MAX), "certificate") != 0)
			return;
	if (mon_check(mon, sbuf_expect_end(m), "cert") != 0)
		return;
	if (mon->p->auth.mtls == NULL ||
	    (c = mon_conn_find(mon, connid)) == NULL) {
		mon_net_violation(mon, "unexpected client certificate");
		return;
	}
	if (n == 0) {
		c->cert = AUTHN_CERT_NONE;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: no client certificate");
		return;
	}
	if (mtls_verify(mon->p->auth.mtls, der, derlen, n, time(NULL),
	    &identity, c->cert_fp, c->cert_reason,
	    sizeof(c->cert_reason)) != 0) {
		c->cert = AUTHN_CERT_BAD;
		free(identity);
		return;
	}
	if (verdict != 0) {
		/* Both must agree; ours passed, the handshake's did not. */
		c->cert = AUTHN_CERT_BAD;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: the handshake refused the certificate (%u)",
		    verdict);
		free(identity);
		return;
	}
	/* The thumbprint that a certificate-bound token must name. */
	if (mtls_x5t(der[0], derlen[0], c->cert_x5t) != 0) {
		c->cert = AUTHN_CERT_BAD;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: cannot hash the certificate");
		free(identity);
		return;
	}
	c->cert = AUTHN_CERT_OK;
	c->cert_identity = identity;
}

/* PS_AUTH_REQ: one HTTP request's credential, before its body counts. */
static void
mon_auth(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct mon_conn *conn;
	const uint8_t *cred;
	size_t credlen;
	uint32_t callid, connid, status, retry = 0, flags;
	const char *error = "";
	struct audit_rec rec;
	unsigned int r;

	if (mon_check(mon, sbuf_get_u32(m, &callid), "auth callid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "auth connid") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "auth credential") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &flags), "auth flags") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "auth") != 0)
		return;
	if ((flags & ~(uint32_t)PS_AUTH_F_INITIALIZE) != 0) {
		mon_net_violation(mon, "unknown authentication flags");
		return;
	}
	if (mon_conn_of(mon, connid, &conn) != 0)
		return;
	status = mon_gate(mon, "authenticate", conn, NULL, cred, credlen,
	    NULL, NULL, NULL, &id, &retry);
	/*
	 * A session costs the net process memory until SessionTimeout:
	 * opening one counts against RateLimit like a call (issue 11).
	 */
	if (status == PS_ST_OK && (flags & PS_AUTH_F_INITIALIZE) != 0 &&
	    ratelimit_take(mon->rl_user, id.user, mon_now_ms(), &r)) {
		memset(&rec, 0, sizeof(rec));
		rec.event = "initialize";
		rec.source = conn != NULL ? conn->source : NULL;
		rec.duration_ms = -1;
		mon_rec_identity(&rec, &id);
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "rate limit exceeded";
		retry = r;
		status = mon_audit(mon, &rec) != 0 ? PS_ST_INTERNAL :
		    PS_ST_RATE_LIMITED;
	}
	/* RFC 6750 3.1: no error code when no credential was presented. */
	if (status == PS_ST_AUTH_FAILED && credlen > 0)
		error = "invalid_token";
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	mon_put(mon, sbuf_put_u32(mon->ans, retry));
	mon_put(mon, sbuf_put_cstring(mon->ans, status == PS_ST_OK &&
	    id.user != NULL ? id.user : ""));
	mon_put(mon, sbuf_put_cstring(mon->ans, error));
	(void)mon_send(mon, mon->net_bev, PS_AUTH_ANS);
	identity_clear(&id);
}

/*
 * The scope of a once-per-connection message: the connection its first
 * field names, peeked at without reading it.
 */
static uint32_t *
mon_conn_once(void *arg, const struct sbuf *m)
{
	struct mon_conn *c;
	uint32_t connid;

	if (ps_peek_u32(m, &connid) != 0 ||
	    (c = mon_conn_find(arg, connid)) == NULL)
		return NULL;
	return &c->once;
}

/* Over HTTP the net process is in NET_ST_SESSION from the start. */
static const struct ps_dispatch mon_net_ent[] = {
	{ PS_TOOLCALL_REQ, PS_TR_ANY, NET_ST_SESSION, 0, mon_toolcall },
	{ PS_AUTH_REQ, PS_TR_HTTP, NET_ST_SESSION, 0, mon_auth },
	{ PS_CONN_REQ, PS_TR_HTTP, NET_ST_SESSION, 0, mon_conn_req },
	{ PS_CONNCLOSE_REQ, PS_TR_HTTP, NET_ST_SESSION, 0, mon_connclose },
	{ PS_TOOLLIST_REQ, PS_TR_ANY, NET_ST_SESSION, 0, mon_toollist },
	{ PS_CANCEL_REQ, PS_TR_ANY, NET_ST_SESSION, 0, mon_cancel },
	{ PS_CERT_REQ, PS_TR_HTTP, NET_ST_SESSION, PS_ONCE_SCOPED, mon_cert },
	{ PS_HELLO_REQ, PS_TR_STDIO, NET_ST_READY, PS_ONCE, mon_hello },
	{ PS_HELLO_REQ, PS_TR_HTTP, NET_ST_SESSION, 0, mon_hello },
	{ PS_LOG_REQ, PS_TR_ANY, NET_ST_ANY, 0, mon_net_log },
	{ PS_INIT_ANS, PS_TR_ANY, NET_ST_STARTING, PS_ONCE, mon_net_init_ans },
};
static const struct ps_table mon_net_table = PS_TABLE("net", mon_net_ent,
    mon_net_violation, mon_conn_once);

/*
 * Handle every complete message that has arrived, unless the answers
 * queued for the net process are past the high mark: then stop reading
 * until the write callback says they have drained.
 */
static void
mon_net_process(struct monitor *mon)
{
	uint8_t type;
	int r = PMSG_MORE, blocked = 0;

	while (mon->net_bev != NULL) {
		if (evbuffer_get_length(bufferevent_get_output(mon->net_bev)) >=
		    MON_OUTBUF_HIGH) {
			blocked = 1;
			break;
		}
		if ((r = pmsg_take(mon->net_in, &type, mon->msg)) != PMSG_OK)
			break;
		if (ps_dispatch(&mon_net_table, &mon->net_chan, mon, type,
		    mon->msg) != 0)
			break;
	}
	if (mon->net_bev != NULL && r != PMSG_MORE && r != PMSG_OK)
		mon_net_violation(mon, "bad frame");
	if (mon->net_bev != NULL && blocked && event_del(mon->net_rev) != 0)
		fatal_f("event_del");
	if (mon->net_bev == NULL && mon->exit_status != 0)
		mon_stop(mon, mon->exit_status);
}

/*
 * Read what the net process sent, with recvmsg(), because over HTTP a
 * message may carry a socket (PS_CONN_REQ).  The kernel never merges
 * bytes sent with descriptors and bytes sent without into one read, so
 * the descriptors queue in the order of the messages they came with.
 */
static int
mon_net_recv(struct monitor *mon)
{
	struct evbuffer_iovec v;
	struct msghdr mh;
	struct cmsghdr *cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MON_FDQ_MAX)];
	} cmsg;
	struct iovec iov;
	ssize_t n;
	size_t i, nfd;
	int fds[MON_FDQ_MAX], bad = 0;

	if (evbuffer_reserve_space(mon->net_in, 65536, &v, 1) != 1)
		fatal_f("evbuffer_reserve_space");
	iov.iov_base = v.iov_base;
	iov.iov_len = v.iov_len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsg.buf;
	mh.msg_controllen = sizeof(cmsg.buf);
	if ((n = recvmsg(mon->net_fd, &mh, MSG_CMSG_CLOEXEC |
	    MSG_DONTWAIT)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (i = 0; i < nfd; i++) {
			if (!mon->http || mon->nfdq >= MON_FDQ_MAX) {
				close(fds[i]);
				bad = 1;
			} else
				mon->fdq[mon->nfdq++] = fds[i];
		}
	}
	v.iov_len = (size_t)n;
	if (evbuffer_commit_space(mon->net_in, &v, 1) != 0)
		fatal_f("evbuffer_commit_space");
	if (bad || (mh.msg_flags & MSG_CTRUNC) != 0) {
		mon_net_violation(mon, "unexpected descriptors");
		return 0;
	}
	return n == 0 ? -1 : 1;
}

static void
mon_net_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;
	int r, i;

	/*
	 * Bounded per wake-up, so that workers and signals get their turn.
	 * Each read is handled before the next: a read takes at most one
	 * passed socket, which its PS_CONN_REQ then consumes, so the queue
	 * of sockets never holds more than a few.
	 */
	for (i = 0; i < 16 && mon->net_bev != NULL; i++) {
		if ((r = mon_net_recv(mon)) < 0) {
			/* The exit status arrives with SIGCHLD. */
			debug_f("net channel closed");
			mon_net_process(mon);
			mon_net_close(mon);
			return;
		}
		mon_net_process(mon);
		/* Nothing more to read, or stopped for backpressure. */
		if (r == 0 || mon->net_rev == NULL ||
		    !event_pending(mon->net_rev, EV_READ, NULL))
			break;
	}
}

static void
mon_net_writecb(struct bufferevent *bev, void *arg)
{
	struct monitor *mon = arg;

	if (mon->net_rev == NULL || event_pending(mon->net_rev, EV_READ, NULL))
		return;
	if (event_add(mon->net_rev, NULL) != 0)
		fatal_f("event_add");
	/* Requests may be waiting in the input already. */
	mon_net_process(mon);
}

static void
mon_net_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct monitor *mon = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) == 0)
		return;
	debug_f("net channel closed (write side)");
	mon_net_close(mon);
}

/* ---- the key channel (TLS private-key operations) ---- */

/* PS_SIGN_REQ: one private-key operation of the net process's TLS. */
static void
mon_key_sign(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	char reason[160];

	sbuf_reset(mon->ans);
	reason[0] = '\0';
	if (tlskey_dispatch(mon->p->tlskey, m, mon->ans, reason,
	    sizeof(reason)) != 0) {
		mon_net_violation(mon, "malformed signing request");
		return;
	}
	if (reason[0] != '\0')
		error("TLS key: refused to sign: %s", reason);
	(void)mon_send(mon, mon->key_bev, PS_SIGN_ANS);
}

static const struct ps_dispatch mon_key_ent[] = {
	{ PS_SIGN_REQ, PS_TR_HTTP, PS_STATE_ANY, 0, mon_key_sign },
};
/* The key channel is the net process's: its violations are the same. */
static const struct ps_table mon_key_table = PS_TABLE("key channel",
    mon_key_ent, mon_net_violation, NULL);

static void
mon_key_readcb(struct bufferevent *bev, void *arg)
{
	struct monitor *mon = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct timeval stall = { MON_KEY_STALL_SEC, 0 };
	uint8_t type;
	int r;

	for (;;) {
		if (mon->key_bev == NULL)
			return;
		if (evbuffer_get_length(bufferevent_get_output(bev)) >=
		    MON_KEY_OUT_HIGH) {
			if (evbuffer_get_length(in) > 0) {
				mon_net_violation(mon, "signature requests "
				    "sent without reading the answers");
				return;
			}
			/*
			 * The write callback resumes below the low mark;
			 * the stall timer ends a net process that never
			 * gets there.
			 */
			if (bufferevent_disable(bev, EV_READ) != 0 ||
			    evtimer_add(mon->key_stall, &stall) != 0)
				fatal_f("cannot pause the key channel");
			return;
		}
		if ((r = pmsg_take(in, &type, mon->keymsg)) != PMSG_OK)
			break;
		/* A violation frees key_bev: the loop ends above. */
		(void)ps_dispatch(&mon_key_table, &mon->key_chan, mon, type,
		    mon->keymsg);
	}
	if (r != PMSG_MORE)
		mon_net_violation(mon, "bad frame on the key channel");
}

/* The answers have drained below the low mark: read requests again. */
static void
mon_key_writecb(struct bufferevent *bev, void *arg)
{
	struct monitor *mon = arg;

	if ((bufferevent_get_enabled(bev) & EV_READ) != 0)
		return;
	if (evtimer_del(mon->key_stall) != 0 ||
	    bufferevent_enable(bev, EV_READ) != 0)
		fatal_f("cannot resume the key channel");
	/* Requests may be waiting in the input already. */
	mon_key_readcb(bev, mon);
}

static void
mon_key_stalled(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (mon->key_bev != NULL)
		mon_net_violation(mon, "signature answers left unread");
}

static void
mon_key_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct monitor *mon = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0 &&
	    mon->key_bev != NULL) {
		bufferevent_free(mon->key_bev);
		mon->key_bev = NULL;
	}
}

/* The HTTP part of the net process's init message (net.c lists it). */
static void
mon_net_init_http(struct monitor *mon)
{
	const struct mcpd_config *cfg = mon->cfg;
	const char *ca = NULL, *crl = NULL;
	size_t calen = 0, crllen = 0, i;

	if (mon->p->auth.mtls != NULL &&
	    mtls_pem(mon->p->auth.mtls, &ca, &calen, &crl, &crllen) != 0)
		fatal_f("mtls_pem");
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->nlisten));
	mon_put(mon, sbuf_put_string(mon->ans, mon->p->cert_pem,
	    mon->p->cert_pemlen));
	mon_put(mon, sbuf_put_string(mon->ans, ca, ca != NULL ? calen : 0));
	mon_put(mon, sbuf_put_string(mon->ans, crl, crl != NULL ? crllen : 0));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->max_connections));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->max_header_size));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->client_timeout));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->idle_timeout));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->session_timeout));
	mon_put(mon, sbuf_put_cstring(mon->ans, cfg->resource_url));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->nallowed_origins));
	for (i = 0; i < cfg->nallowed_origins; i++)
		mon_put(mon, sbuf_put_cstring(mon->ans,
		    cfg->allowed_origins[i]));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->nauthorization_servers));
	for (i = 0; i < cfg->nauthorization_servers; i++)
		mon_put(mon, sbuf_put_cstring(mon->ans,
		    cfg->authorization_servers[i]));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->njwt_scopes));
	for (i = 0; i < cfg->njwt_scopes; i++)
		mon_put(mon, sbuf_put_cstring(mon->ans,
		    cfg->jwt_scopes[i].scope));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->handshake_timeout));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->max_conn_per_source));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->netblock_v4));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->netblock_v6));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->max_sessions_per_user));
}

/*
 * Watch the net process's channel fd (and over HTTP its key channel keyfd,
 * else -1) and send it PS_INIT_REQ.
 */
static void
mon_net_attach(struct monitor *mon, int fd, int keyfd)
{
	const struct mcpd_config *cfg = mon->cfg;
	size_t i, n;

	if (keyfd != -1) {
		if (evutil_make_socket_nonblocking(keyfd) != 0 ||
		    (mon->key_bev = bufferevent_socket_new(mon->base, keyfd,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			fatal_f("bufferevent for the key channel");
		bufferevent_setcb(mon->key_bev, mon_key_readcb,
		    mon_key_writecb, mon_key_eventcb, mon);
		bufferevent_setwatermark(mon->key_bev, EV_WRITE,
		    MON_KEY_OUT_HIGH / 2, 0);
		if (bufferevent_enable(mon->key_bev, EV_READ | EV_WRITE) != 0)
			fatal_f("bufferevent_enable");
	}

	mon->net_fd = fd;
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    (mon->net_bev = bufferevent_socket_new(mon->base, fd, 0)) == NULL ||
	    (mon->net_rev = event_new(mon->base, fd, EV_READ | EV_PERSIST,
	    mon_net_readcb, mon)) == NULL ||
	    (mon->net_in == NULL &&
	    (mon->net_in = evbuffer_new()) == NULL))
		fatal_f("the net channel");
	if (evbuffer_drain(mon->net_in, evbuffer_get_length(mon->net_in)) != 0)
		fatal_f("evbuffer_drain");
	bufferevent_setcb(mon->net_bev, NULL, mon_net_writecb,
	    mon_net_eventcb, mon);
	/* The write callback fires once the queue is down to the low mark. */
	bufferevent_setwatermark(mon->net_bev, EV_WRITE, MON_OUTBUF_HIGH / 2,
	    0);
	if (bufferevent_enable(mon->net_bev, EV_WRITE) != 0 ||
	    event_add(mon->net_rev, NULL) != 0)
		fatal_f("cannot watch the net channel");
	mon->net_chan = (struct ps_chan){ mon->http ? PS_TR_HTTP :
	    PS_TR_STDIO, NET_ST_STARTING, 0 };
	mon->key_chan = (struct ps_chan){ PS_TR_HTTP, PS_STATE_ANY, 0 };

	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, PS_PROTO_VERSION));
	mon_put(mon, sbuf_put_u32(mon->ans, PS_KIND_NET));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)log_get_level()));
	mon_put(mon, sbuf_put_u32(mon->ans, mon->p->drop ? 1 : 0));
	mon_put(mon, sbuf_put_cstring(mon->ans, cfg->privsep_chroot));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->net_uid));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->net_gid));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->max_message_size));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->max_calls));
	mon_put(mon, sbuf_put_u32(mon->ans, mon->http ? PS_TRANSPORT_HTTP :
	    PS_TRANSPORT_STDIO));
	/*
	 * AuditRedact, whatever AuditArguments says now: a reload may make
	 * it full (AuditRedact itself changes only at restart).
	 */
	n = cfg->naudit_redact;
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)n));
	for (i = 0; i < n; i++)
		mon_put(mon, sbuf_put_cstring(mon->ans, cfg->audit_redact[i]));
	if (mon->http)
		mon_net_init_http(mon);
	(void)mon_send(mon, mon->net_bev, PS_INIT_REQ);
}

static void
mon_net_start(struct monitor *mon)
{
	int fd, devnull, ksp[2] = { -1, -1 };
	int extra[PS_EXTRA_FDS_MAX];
	size_t i, nextra = 0;

	if (mon->http) {
		/*
		 * The key channel, blocking on the net side: OpenSSL waits
		 * for each signature inside its callback.
		 */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    ksp) == -1)
			fatal_f("socketpair: %s", strerror(errno));
		extra[nextra++] = ksp[1];
		for (i = 0; i < mon->p->nlisten; i++)
			extra[nextra++] = mon->p->listen_fds[i];
	}
	if ((mon->net_pid = spawn_child_fds("net", !mon->http, extra, nextra,
	    &fd)) == -1)
		fatal("cannot start the net process");
	if (!mon->http) {
		/*
		 * stdio belongs to the net process now.  The monitor must
		 * never write protocol bytes, and its copy would keep the
		 * client's pipe open after the net process is gone.
		 */
		if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
		    dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(devnull, STDOUT_FILENO) == -1)
			fatal_f("cannot detach stdio: %s", strerror(errno));
		close(devnull);
	} else
		close(ksp[1]);
	mon_net_attach(mon, fd, ksp[0]);
}

static void
mon_net_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (mon->stopping || mon->net_pid > 0)
		return;
	logit("starting a new net process");
	mon_net_start(mon);
}

/* ---- workers ---- */

static void
mon_worker_violation(void *arg, const char *what)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	char reason[256];

	(void)snprintf(reason, sizeof(reason),
	    "worker protocol violation: %s", what);
	error("worker %ld: %s; killing it", (long)w->pid, reason);
	mon_audit_event(mon, "privsep", AUDIT_ERROR, reason);
	mon_worker_fail(mon, w, reason);
}

/*
 * Retire a worker, as Postfix retires a process after max_use uses or
 * max_idle idle time: close its channel so that it exits at EOF, and let
 * the SIGCHLD handler start its replacement.  Only idle workers retire.
 */
static void
mon_worker_retire(struct monitor *mon, struct mon_worker *w, const char *why)
{
	debug_f("worker %ld: %s; retiring it", (long)w->pid, why);
	w->chan.state = W_ST_DEAD;
	w->killed = 1;
	evtimer_del(w->timer);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
}

/* A worker is free: hand it work, or start its idle clock. */
static void
mon_worker_set_idle(struct monitor *mon, struct mon_worker *w)
{
	struct timeval tv;

	w->chan.state = W_ST_IDLE;
	if ((unsigned long)mon->cfg->worker_max_calls <= w->ncalls) {
		mon_worker_retire(mon, w, "WorkerMaxCalls reached");
		return;
	}
	if (mon->cfg->worker_idle_timeout > 0) {
		tv.tv_sec = mon->cfg->worker_idle_timeout;
		tv.tv_usec = 0;
		if (evtimer_add(w->timer, &tv) != 0)
			fatal_f("evtimer_add");
	}
	mon_schedule(mon);
}

/*
 * The first workers start one after another: the first one switches the
 * database to WAL, and a worker that opened it while another was switching
 * could be left reading it in the old mode, then need a file its sandbox
 * no longer lets it open.  Replacements start at once: by then the mode is
 * settled in the database file.
 */
static void
mon_worker_start_next(struct monitor *mon)
{
	size_t i;

	for (i = 0; i < mon->nworkers; i++)
		if (mon->workers[i].chan.state == 0) {
			mon_worker_start(mon, &mon->workers[i]);
			return;
		}
}

static void
mon_worker_init_ans(void *arg, struct sbuf *m)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	if (sbuf_expect_end(m) != SBUF_OK) {
		mon_worker_violation(w, "malformed init answer");
		return;
	}
	mon->start_failures = 0;
	debug_f("worker %ld ready", (long)w->pid);
	mon_worker_start_next(mon);
	mon_worker_set_idle(mon, w);
}

static void
mon_worker_exec_ans(void *arg, struct sbuf *m)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	struct mon_call *c = w->call;
	uint32_t callid, flags, is_error;
	const uint8_t *text, *why;
	size_t textlen, whylen;
	char reason[sizeof("tool error: ") + PS_REASON_MAX];
	int r;

	if ((r = sbuf_get_u32(m, &callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &flags)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &is_error)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(m, &text, &textlen,
	    PS_TEXT_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(m, &why, &whylen,
	    PS_REASON_MAX)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK) {
		mon_worker_violation(w, sbuf_strerror(r));
		return;
	}
	if (c == NULL || callid != c->callid || is_error > 1 ||
	    (flags & ~PS_F_FINAL) != 0 || (!is_error && whylen > 0) ||
	    memchr(why, '\0', whylen) != NULL) {
		mon_worker_violation(w, "unexpected exec answer");
		return;
	}
	/*
	 * The audit record of an error holds the worker's precise reason
	 * (the audit writer escapes it); the client sees only the text.
	 */
	if (whylen > 0)
		(void)snprintf(reason, sizeof(reason), "tool error: %.*s",
		    (int)whylen, (const char *)why);
	else
		(void)snprintf(reason, sizeof(reason), "%s",
		    is_error ? "tool error" : "ok");
	/* Parts before the final one are reserved for streaming calls. */
	if ((flags & PS_F_FINAL) == 0)
		return;
	evtimer_del(w->timer);
	w->call = NULL;
	c->worker = NULL;
	w->ncalls++;
	mon_call_finish(mon, c, (int)is_error, reason, text, textlen);
	mon_worker_set_idle(mon, w);
}

static void
mon_worker_log(void *arg, struct sbuf *m)
{
	if (mon_child_log(m, "worker") != 0)
		mon_worker_violation(arg, "malformed log message");
}

static const struct ps_dispatch mon_worker_ent[] = {
	{ PS_EXEC_ANS, PS_TR_ANY, W_ST_BUSY, 0, mon_worker_exec_ans },
	{ PS_LOG_REQ, PS_TR_ANY, W_ST_ANY, 0, mon_worker_log },
	{ PS_INIT_ANS, PS_TR_ANY, W_ST_STARTING, PS_ONCE, mon_worker_init_ans },
};
static const struct ps_table mon_worker_table = PS_TABLE("worker",
    mon_worker_ent, mon_worker_violation, NULL);

static void
mon_worker_readcb(struct bufferevent *bev, void *arg)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t type;
	int r;

	while (w->bev != NULL && (r = pmsg_take(in, &type, mon->msg)) ==
	    PMSG_OK)
		if (ps_dispatch(&mon_worker_table, &w->chan, w, type,
		    mon->msg) != 0)
			return;
	if (w->bev != NULL && r != PMSG_MORE)
		mon_worker_violation(w, "bad frame");
}

static void
mon_worker_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_worker *w = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) == 0)
		return;
	mon_worker_fail(w->mon, w, "worker exited");
	/*
	 * The worker closed its channel first: it ended, or is ending, of
	 * its own accord or by someone else's signal, and our kill only
	 * follows.  mon_reaped must log and audit its end as a crash.
	 */
	w->killed = 0;
}

static void
mon_worker_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct mon_worker *w = arg;

	/* The same timer measures idle time and a call's running time. */
	if (w->chan.state == W_ST_IDLE) {
		mon_worker_retire(w->mon, w, "WorkerIdleTimeout reached");
		return;
	}
	error("worker %ld passed ToolTimeout (%lds); killing it",
	    (long)w->pid, w->mon->cfg->tool_timeout);
	mon_worker_fail(w->mon, w, "tool timed out");
}

/*
 * Take a worker out of service: kill it, fail its call, free its channel.
 * The slot is refilled when SIGCHLD reports the process gone.
 */
static void
mon_worker_fail(struct monitor *mon, struct mon_worker *w, const char *why)
{
	struct mon_call *c = w->call;
	static const char text[] = "tool failed";

	if (w->chan.state == W_ST_DEAD)
		return;
	if (w->chan.state == W_ST_STARTING)
		mon->start_failures++;
	w->chan.state = W_ST_DEAD;
	w->killed = 1;
	if (w->pid > 0)
		(void)kill(w->pid, SIGKILL);
	evtimer_del(w->timer);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	if (c != NULL) {
		w->call = NULL;
		c->worker = NULL;
		mon_call_finish(mon, c, 1, why, text, sizeof(text) - 1);
	}
}

static void
mon_worker_start(struct monitor *mon, struct mon_worker *w)
{
	const struct mcpd_config *cfg = mon->cfg;
	int fd;

	if (mon->start_failures >= MON_START_FAILURES_MAX) {
		error("%u workers in a row died before they were ready: "
		    "giving up (check Database, ToolUser and the log)",
		    mon->start_failures);
		mon_audit_event(mon, "process", AUDIT_ERROR,
		    "workers cannot start");
		mon_stop(mon, 1);
		return;
	}
	w->killed = 0;
	w->ncalls = 0;
	w->call = NULL;
	if ((w->pid = spawn_child("worker", 0, &fd)) == -1) {
		w->chan.state = W_ST_DEAD;
		mon->start_failures++;
		return;
	}
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    (w->bev = bufferevent_socket_new(mon->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatal_f("bufferevent for a worker channel");
	bufferevent_setcb(w->bev, mon_worker_readcb, NULL,
	    mon_worker_eventcb, w);
	if (bufferevent_enable(w->bev, EV_READ | EV_WRITE) != 0)
		fatal_f("bufferevent_enable");
	w->chan = (struct ps_chan){ mon->http ? PS_TR_HTTP : PS_TR_STDIO,
	    W_ST_STARTING, 0 };

	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, PS_PROTO_VERSION));
	mon_put(mon, sbuf_put_u32(mon->ans, PS_KIND_WORKER));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)log_get_level()));
	mon_put(mon, sbuf_put_u32(mon->ans, mon->p->drop ? 1 : 0));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->tool_uid));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->tool_gid));
	mon_put(mon, sbuf_put_cstring(mon->ans, cfg->database));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->query_max_rows));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->query_timeout));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->max_message_size));
	(void)mon_send(mon, w->bev, PS_INIT_REQ);
	debug_f("worker %zu started as pid %ld", w->idx, (long)w->pid);
}

/* Hand queued calls to idle workers. */
static void
mon_schedule(struct monitor *mon)
{
	struct mon_call *c;
	struct mon_worker *w;
	struct timeval tv;
	size_t i;

	for (i = 0; i < mon->nworkers && !TAILQ_EMPTY(&mon->queue); i++) {
		w = &mon->workers[i];
		if (w->chan.state != W_ST_IDLE)
			continue;
		c = TAILQ_FIRST(&mon->queue);
		TAILQ_REMOVE(&mon->queue, c, qentry);
		c->queued = 0;
		c->worker = w;
		w->call = c;
		w->chan.state = W_ST_BUSY;

		sbuf_reset(mon->ans);
		mon_put(mon, sbuf_put_u32(mon->ans, c->callid));
		mon_put(mon, sbuf_put_cstring(mon->ans, c->tool));
		mon_put(mon, sbuf_put_string(mon->ans, c->args, c->argslen));
		(void)mon_send(mon, w->bev, PS_EXEC_REQ);

		tv.tv_sec = mon->cfg->tool_timeout;
		tv.tv_usec = 0;
		if (evtimer_add(w->timer, &tv) != 0)
			fatal_f("evtimer_add");
	}
}

/* ---- signals and process exits ---- */

static void
mon_describe_status(int status, char *buf, size_t len)
{
	int sig;

	if (WIFEXITED(status))
		(void)snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		(void)snprintf(buf, len, "killed by signal %d (SIG%s)%s", sig,
		    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?",
		    sig == SIGSYS ? ": sandbox violation" : "");
	} else
		(void)snprintf(buf, len, "ended with status %#x", status);
}

/*
 * Over HTTP a net process that died (or was killed for a violation) is
 * replaced; its connections died with it.  Its calls are dropped: a call
 * running in a worker is stopped with the worker, so that no answer of
 * the old process can reach the new one under a reused call id.
 */
static void
mon_net_replace(struct monitor *mon)
{
	struct timeval tv = { 0, MON_NET_RESTART_MS * 1000 };
	struct mon_call *c, *next;
	size_t i;

	mon_net_close(mon);
	/*
	 * Each call ends with an outcome record, as any call does; the
	 * answer has nowhere to go.  A busy worker is stopped: its call
	 * ends in mon_worker_fail.
	 */
	for (i = 0; i < mon->nworkers; i++)
		if (mon->workers[i].call != NULL)
			mon_worker_fail(mon, &mon->workers[i],
			    "net process died");
	for (c = TAILQ_FIRST(&mon->calls); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		mon_call_finish(mon, c, 1, "net process died", NULL, 0);
	}
	if (evtimer_add(mon->net_restart, &tv) != 0)
		fatal_f("evtimer_add");
}

static void
mon_reaped(struct monitor *mon, pid_t pid, int status)
{
	struct mon_worker *w;
	char desc[128], reason[192];
	size_t i;

	mon_describe_status(status, desc, sizeof(desc));
	if (pid == mon->net_pid) {
		mon->net_pid = -1;
		if (mon->stopping) {
			debug("net process %s", desc);
			return;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    mon->exit_status == 0) {
			debug("net process exited: session over");
			mon_stop(mon, 0);
			return;
		}
		error("net process %ld %s", (long)pid, desc);
		(void)snprintf(reason, sizeof(reason), "net process %s", desc);
		mon_audit_event(mon, "process", AUDIT_ERROR, reason);
		if (!mon->http) {
			/* Over stdio there is no client to serve without it. */
			mon_stop(mon, 1);
			return;
		}
		mon_net_replace(mon);
		return;
	}
	for (i = 0; i < mon->nworkers; i++) {
		w = &mon->workers[i];
		if (w->pid != pid)
			continue;
		w->pid = -1;
		/* Expected: killed by us, or retired and exited cleanly. */
		if (!w->killed || !((WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0))) {
			error("worker %ld %s", (long)pid, desc);
			(void)snprintf(reason, sizeof(reason), "worker %s",
			    desc);
			mon_audit_event(mon, "process", AUDIT_ERROR, reason);
		} else
			debug_f("worker %ld %s", (long)pid, desc);
		mon_worker_fail(mon, w, "worker died");
		if (!mon->stopping)
			mon_worker_start(mon, w);
		return;
	}
	debug_f("reaped unknown child %ld", (long)pid);
}

/*
 * SIGHUP: swap in a new configuration and key set, whole or not at all.
 * Calls in flight carry their own copy of the caller's identity, so they
 * finish as they were decided; the next decision uses the new policy.
 */
static void
mon_reload(struct monitor *mon)
{
	struct monitor_params *p = mon->p;
	struct mcpd_config *ncfg, *ocfg = p->cfg;
	struct mon_auth nauth, oauth = p->auth;
	struct ratelimit *rl;
	char err[1024], reason[1100];

	if (p->reload(ocfg, &ncfg, &nauth, err, sizeof(err)) != 0) {
		error("reload failed, the running configuration stays in "
		    "force: %s", err);
		(void)snprintf(reason, sizeof(reason), "reload failed: %s",
		    err);
		mon_audit_event(mon, "reload", AUDIT_ERROR, reason);
		return;
	}
	if (ncfg->rate_limit != ocfg->rate_limit) {
		if ((rl = ratelimit_new((unsigned long)ncfg->rate_limit,
		    MON_RL_KEYS)) == NULL)
			fatal_f("ratelimit_new");
		ratelimit_free(mon->rl_user);
		mon->rl_user = rl;
		if ((rl = ratelimit_new((unsigned long)ncfg->rate_limit,
		    MON_RL_KEYS)) == NULL)
			fatal_f("ratelimit_new");
		ratelimit_free(mon->rl_notify);
		mon->rl_notify = rl;
	}
	if (ncfg->auth_failure_limit != ocfg->auth_failure_limit) {
		if ((rl = ratelimit_new((unsigned long)ncfg->auth_failure_limit,
		    MON_RL_KEYS)) == NULL)
			fatal_f("ratelimit_new");
		ratelimit_free(mon->rl_fail);
		mon->rl_fail = rl;
	}
	p->cfg = ncfg;
	p->auth = nauth;
	mon->cfg = ncfg;
	mon->authn.cfg = ncfg;
	mon->authn.keys = nauth.keys;
	mon->authn.jwt = nauth.jwt;
	p->release(ocfg, &oauth);
	audit_set_checkpoint(p->audit, ncfg->audit_checkpoint_records,
	    ncfg->audit_checkpoint_seconds);
	logit("configuration reloaded");
	mon_audit_event(mon, "reload", NULL, "configuration reloaded");
}

static void
mon_signal(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *mon = arg;
	char err[256];
	pid_t pid;
	int status;

	switch (sig) {
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			mon_reaped(mon, pid, status);
		break;
	case SIGUSR1:
		if (audit_reopen(mon->p->audit, err, sizeof(err)) != 0)
			error("AUDIT LOG REOPEN FAILED (%s): tool calls are "
			    "refused until a reopen succeeds", err);
		else
			logit("audit log reopened");
		break;
	case SIGHUP:
		mon_reload(mon);
		break;
	default:
		logit("received signal %d; terminating", (int)sig);
		mon_stop(mon, 0);
		break;
	}
}

static void
mon_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (audit_flush(mon->p->audit) != 0)
		error("AUDIT LOG SYNC FAILED");
}

/* Once a second: an audit checkpoint when AuditCheckpoint's time is up. */
static void
mon_checkpoint_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;
	char err[256];

	if (audit_tick(mon->p->audit, err, sizeof(err)) != 0)
		error("AUDIT CHECKPOINT FAILED: %s", err);
}

static void
mon_stop(struct monitor *mon, int status)
{
	size_t i;

	if (mon->stopping)
		return;
	mon->stopping = 1;
	mon->exit_status = status;
	if (mon->net_pid > 0)
		(void)kill(mon->net_pid, SIGTERM);
	for (i = 0; i < mon->nworkers; i++)
		if (mon->workers[i].pid > 0) {
			mon->workers[i].killed = 1;
			(void)kill(mon->workers[i].pid, SIGKILL);
		}
	(void)event_base_loopbreak(mon->base);
}

/*
 * The monitor's state for one run: everything but the signal handlers
 * and the children, which monitor_run() adds (and the fuzzing entry
 * points leave out).  The workers have no process yet (pid -1).
 */
static struct monitor *
mon_new(struct monitor_params *p)
{
	struct monitor *mon;
	size_t i;

	mon = xcalloc(1, sizeof(*mon));
	mon->p = p;
	mon->cfg = p->cfg;
	mon->authn.cfg = p->cfg;
	mon->authn.keys = p->auth.keys;
	mon->authn.jwt = p->auth.jwt;
	mon->http = p->nlisten > 0;
	mon->max_calls = mon->http ? MON_MAX_CALLS : MON_MAX_CALLS_STDIO;
	mon->net_fd = -1;
	TAILQ_INIT(&mon->calls);
	TAILQ_INIT(&mon->queue);
	for (i = 0; i < MON_CONN_BUCKETS; i++)
		TAILQ_INIT(&mon->conns[i]);
	if ((mon->msg = sbuf_new(PMSG_MAX)) == NULL ||
	    (mon->keymsg = sbuf_new(MON_KEY_REQ_MAX)) == NULL ||
	    (mon->ans = sbuf_new(PMSG_MAX)) == NULL)
		fatal_f("sbuf_new");
	if ((mon->rl_user = ratelimit_new((unsigned long)p->cfg->rate_limit,
	    MON_RL_KEYS)) == NULL ||
	    (mon->rl_fail = ratelimit_new(
	    (unsigned long)p->cfg->auth_failure_limit, MON_RL_KEYS)) == NULL ||
	    /* Notifications: a bucket of their own, as large as RateLimit. */
	    (mon->rl_notify = ratelimit_new((unsigned long)p->cfg->rate_limit,
	    MON_RL_KEYS)) == NULL)
		fatal_f("ratelimit_new");
	if ((mon->agg = auditagg_new(MON_AGG_GROUPS,
	    MON_AGG_WINDOW_MS)) == NULL)
		fatal_f("auditagg_new");
	if ((mon->base = event_base_new()) == NULL)
		fatal_f("event_base_new");
	if ((mon->net_restart = evtimer_new(mon->base, mon_net_restart,
	    mon)) == NULL ||
	    (mon->key_stall = evtimer_new(mon->base, mon_key_stalled,
	    mon)) == NULL)
		fatal_f("evtimer_new");

	mon->nworkers = (size_t)p->cfg->workers;
	mon->workers = xcalloc(mon->nworkers, sizeof(*mon->workers));
	for (i = 0; i < mon->nworkers; i++) {
		mon->workers[i].mon = mon;
		mon->workers[i].idx = i;
		mon->workers[i].pid = -1;
		if ((mon->workers[i].timer = evtimer_new(mon->base,
		    mon_worker_timeout, &mon->workers[i])) == NULL)
			fatal_f("evtimer_new");
	}
	return mon;
}

int
monitor_run(struct monitor_params *p)
{
	struct monitor *mon;
	static const int sigs[] = { SIGCHLD, SIGUSR1, SIGHUP, SIGTERM, SIGINT };
	struct timeval one = { 1, 0 };
	struct timeval agg_tick = { MON_AGG_TICK_S, 0 };
	struct mon_call *c;
	size_t i;
	int status;

	mon = mon_new(p);

	/* A write to a closed pipe or a full file is an error, not death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if ((mon->sigev[i] = evsignal_new(mon->base, sigs[i],
		    mon_signal, mon)) == NULL ||
		    evsignal_add(mon->sigev[i], NULL) != 0)
			fatal_f("evsignal %d", sigs[i]);
	}
	if (p->cfg->audit_sync == AUDIT_SYNC_BATCH) {
		if ((mon->flush_ev = event_new(mon->base, -1, EV_PERSIST,
		    mon_flush_timer, mon)) == NULL ||
		    evtimer_add(mon->flush_ev, &one) != 0)
			fatal_f("flush timer");
	}
	if ((mon->checkpoint_ev = event_new(mon->base, -1, EV_PERSIST,
	    mon_checkpoint_timer, mon)) == NULL ||
	    evtimer_add(mon->checkpoint_ev, &one) != 0)
		fatal_f("checkpoint timer");

	if ((mon->agg_ev = event_new(mon->base, -1, EV_PERSIST,
	    mon_agg_timer, mon)) == NULL ||
	    evtimer_add(mon->agg_ev, &agg_tick) != 0)
		fatal_f("aggregation timer");

	mon_net_start(mon);
	mon_worker_start_next(mon);

	if (event_base_dispatch(mon->base) == -1)
		fatal_f("event_base_dispatch failed");
	if (!mon->stopping)
		mon_stop(mon, 1);

	/* Calls still open get no answer: their client is gone. */
	while ((c = TAILQ_FIRST(&mon->calls)) != NULL)
		mon_call_free(mon, c);
	/* The refusals counted so far are written before the end. */
	(void)auditagg_expire(mon->agg, mon_now_ms(), 1, mon_agg_emit, mon);
	(void)audit_flush(p->audit);
	status = mon->exit_status;
	debug_f("monitor exiting with status %d", status);
	return status;
}

#ifdef MCPD_FUZZ
/*
 * Fuzzing entry points (tests/fuzz/fuzz_monitor.c; see monitor.h), never
 * in a normal build: a monitor without children or signal handlers,
 * whose channels are socketpairs the caller holds the other ends of.
 */
struct monitor *
monitor_fuzz_new(struct monitor_params *p, int *net_peer, int *key_peer,
    int *worker_peers)
{
	struct monitor *mon;
	struct mon_worker *w;
	int sp[2], ksp[2] = { -1, -1 };
	size_t i;

	mon = mon_new(p);
	/* No process: nothing is ever killed (every kill() checks > 0). */
	mon->net_pid = -1;

	/* Workers that are ready and idle, without processes. */
	for (i = 0; i < mon->nworkers; i++) {
		w = &mon->workers[i];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			fatal_f("socketpair: %s", strerror(errno));
		if (evutil_make_socket_nonblocking(sp[0]) != 0 ||
		    (w->bev = bufferevent_socket_new(mon->base, sp[0],
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			fatal_f("bufferevent for a worker channel");
		bufferevent_setcb(w->bev, mon_worker_readcb, NULL,
		    mon_worker_eventcb, w);
		if (bufferevent_enable(w->bev, EV_READ | EV_WRITE) != 0)
			fatal_f("bufferevent_enable");
		worker_peers[i] = sp[1];
		mon_worker_set_idle(mon, w);
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1 ||
	    (mon->http && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    ksp) == -1))
		fatal_f("socketpair: %s", strerror(errno));
	*net_peer = sp[1];
	*key_peer = ksp[1];
	/*
	 * A small socket buffer on the key channel, so that a harness that
	 * never reads its answers fills it with a few requests, and what
	 * the monitor queues itself is soon what is tested.
	 */
	if (ksp[0] != -1 && setsockopt(ksp[0], SOL_SOCKET, SO_SNDBUF,
	    &(int){ 4096 }, sizeof(int)) != 0)
		fatal_f("setsockopt: %s", strerror(errno));
	mon_net_attach(mon, sp[0], ksp[0]);
	return mon;
}

struct event_base *
monitor_fuzz_base(struct monitor *mon)
{
	return mon->base;
}

int
monitor_fuzz_alive(const struct monitor *mon)
{
	return mon->net_bev != NULL && !mon->stopping;
}

size_t
monitor_fuzz_calls(const struct monitor *mon)
{
	return mon->ncalls;
}

size_t
monitor_fuzz_key_queued(const struct monitor *mon)
{
	return mon->key_bev == NULL ? 0 :
	    evbuffer_get_length(bufferevent_get_output(mon->key_bev));
}

size_t
monitor_fuzz_key_queue_max(void)
{
	/* Below the high mark when the last answer was added. */
	return MON_KEY_OUT_HIGH + PS_SIG_MAX + 64;
}

void
monitor_fuzz_free(struct monitor *mon)
{
	struct mon_call *c;
	size_t i;

	while ((c = TAILQ_FIRST(&mon->calls)) != NULL)
		mon_call_free(mon, c);
	mon_net_close(mon);
	for (i = 0; i < mon->nworkers; i++) {
		if (mon->workers[i].bev != NULL)
			bufferevent_free(mon->workers[i].bev);
		event_free(mon->workers[i].timer);
	}
	free(mon->workers);
	if (mon->net_in != NULL)
		evbuffer_free(mon->net_in);
	event_free(mon->net_restart);
	event_free(mon->key_stall);
	if (mon->flush_ev != NULL)
		event_free(mon->flush_ev);
	if (mon->checkpoint_ev != NULL)
		event_free(mon->checkpoint_ev);
	free(mon->client_info);
	free(mon->protocol_version);
	sbuf_free(mon->msg);
	sbuf_free(mon->keymsg);
	sbuf_free(mon->ans);
	ratelimit_free(mon->rl_user);
	ratelimit_free(mon->rl_fail);
	ratelimit_free(mon->rl_notify);
	auditagg_free(mon->agg);
	event_base_free(mon->base);
	free(mon);
}
#endif /* MCPD_FUZZ */
