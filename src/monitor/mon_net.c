/*
 * The monitor's end of the net channel: it starts the net process and
 * sends its init message, reads what it sends (with the sockets passed
 * over HTTP), checks each message against the channel's dispatch table
 * (mon_net_ent) and handles the messages of the channel itself (its init
 * answer, its log lines, the client's hello).  A violation of the protocol
 * kills the net process; over HTTP a new one replaces it.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "monitor_int.h"
#include "msg.h"
#include "mtls.h"
#include "proto.h"
#include "sbuf.h"
#include "spawn.h"
#include "xmalloc.h"

/* A net process that dies is replaced, after this pause (HTTP). */
#define MON_NET_RESTART_MS	500

/* The net process's channel is gone (or we cut it). */
void
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

void
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

int
mon_check(struct monitor *mon, int r, const char *what)
{
	char buf[128];

	if (r == SBUF_OK)
		return 0;
	(void)snprintf(buf, sizeof(buf), "%s: %s", what, sbuf_strerror(r));
	mon_net_violation(mon, buf);
	return -1;
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
void
mon_net_attach(struct monitor *mon, int fd, int keyfd)
{
	const struct mcpd_config *cfg = mon->cfg;
	size_t i, n;

	if (keyfd != -1)
		mon_key_attach(mon, keyfd);

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

	mon_init_begin(mon, PS_KIND_NET);
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

void
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

void
mon_net_restart(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (mon->stopping || mon->net_pid > 0)
		return;
	logit("starting a new net process");
	mon_net_start(mon);
}

/*
 * Over HTTP a net process that died (or was killed for a violation) is
 * replaced; its connections died with it.  Its calls are dropped: a call
 * running in a worker is stopped with the worker, so that no answer of
 * the old process can reach the new one under a reused call id.
 */
void
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
