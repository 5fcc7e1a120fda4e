/*
 * Net side of the monitor channel.  Requests are appended to one
 * bufferevent's output, so a burst of calls leaves in few writes; every
 * readable answer is drained per wake-up.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "net_wrap.h"
#include "proto.h"
#include "sbuf.h"
#include "xmalloc.h"

#define MM_TOOLLIST_MAX	1024

struct mm_net {
	struct bufferevent	*bev;
	int			 fd;
	const struct mm_net_ops	*ops;
	void			*ctx;
	struct sbuf		*msg;	/* incoming payload */
	struct sbuf		*req;	/* outgoing payload */
	struct ps_chan		 chan;
};

static void __attribute__((noreturn))
mm_fatal_parse(const char *what, int r)
{
	fatal_f("bad %s from monitor: %s", what, sbuf_strerror(r));
}

static void
mm_recv_hello(void *arg, struct sbuf *m)
{
	struct mm_net *mm = arg;
	uint32_t callid, status;
	int r;

	if ((r = sbuf_get_u32(m, &callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &status)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		mm_fatal_parse("hello answer", r);
	mm->ops->hello_ans(mm->ctx, callid, status);
}

static void
mm_recv_auth(void *arg, struct sbuf *m)
{
	struct mm_net *mm = arg;
	struct mm_auth_ans a;
	char *subject = NULL, *error = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = sbuf_get_u32(m, &a.callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.status)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.retry_after)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &subject, PS_ID_MAX)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &error, PS_NAME_MAX)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		mm_fatal_parse("auth answer", r);
	if (a.status > PS_ST_MAX)
		fatal_f("bad status %u from monitor", a.status);
	a.subject = subject;
	a.error = error;
	mm->ops->auth_ans(mm->ctx, &a);
	free(subject);
	free(error);
}

static void
mm_recv_toollist(void *arg, struct sbuf *m)
{
	struct mm_net *mm = arg;
	struct mm_toollist_ans a;
	uint32_t n, i;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = sbuf_get_u32(m, &a.callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.status)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &n)) != SBUF_OK)
		mm_fatal_parse("tool list", r);
	if (n > MM_TOOLLIST_MAX)
		fatal_f("tool list too long: %u", n);
	if (n > 0) {
		a.names = xcalloc(n, sizeof(*a.names));
		a.required = xcalloc(n, sizeof(*a.required));
	}
	for (i = 0; i < n; i++) {
		if ((r = sbuf_get_cstring(m, &a.names[i],
		    PS_NAME_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &a.required[i],
		    PS_NAME_MAX * 16)) != SBUF_OK)
			mm_fatal_parse("tool list entry", r);
		a.n = i + 1;
	}
	if ((r = sbuf_expect_end(m)) != SBUF_OK)
		mm_fatal_parse("tool list", r);
	mm->ops->toollist_ans(mm->ctx, &a);
	for (i = 0; i < a.n; i++) {
		free(a.names[i]);
		free(a.required[i]);
	}
	free(a.names);
	free(a.required);
}

static void
mm_recv_toolcall(void *arg, struct sbuf *m)
{
	struct mm_net *mm = arg;
	struct mm_toolcall_ans a;
	char *required = NULL, *role = NULL;
	uint8_t *text = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = sbuf_get_u32(m, &a.callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.flags)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.status)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &required,
	    PS_NAME_MAX * 16)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &role, PS_NAME_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &a.retry_after)) != SBUF_OK ||
	    (r = sbuf_get_string(m, &text, &a.textlen,
	    PS_TEXT_MAX)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		mm_fatal_parse("tool call answer", r);
	if (a.status > PS_ST_MAX)
		fatal_f("bad status %u from monitor", a.status);
	a.required = required;
	a.role = role;
	a.text = (const char *)text;
	mm->ops->toolcall_ans(mm->ctx, &a);
	free(required);
	free(role);
	free(text);
}

/* A message from the monitor that the table refuses: never expected. */
static void __attribute__((noreturn))
mm_violation(void *arg, const char *what)
{
	fatal_f("unexpected message from monitor: %s", what);
}

static const struct ps_dispatch mm_ent[] = {
	{ PS_TOOLCALL_ANS, PS_TR_ANY, PS_STATE_ANY, 0, mm_recv_toolcall },
	{ PS_AUTH_ANS, PS_TR_HTTP, PS_STATE_ANY, 0, mm_recv_auth },
	{ PS_TOOLLIST_ANS, PS_TR_ANY, PS_STATE_ANY, 0, mm_recv_toollist },
	{ PS_HELLO_ANS, PS_TR_ANY, PS_STATE_ANY, 0, mm_recv_hello },
};
static const struct ps_table mm_table = PS_TABLE("monitor channel", mm_ent,
    mm_violation, NULL);

static void
mm_readcb(struct bufferevent *bev, void *arg)
{
	struct mm_net *mm = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t type;
	int r;

	while ((r = pmsg_take(in, &type, mm->msg)) == PMSG_OK)
		(void)ps_dispatch(&mm_table, &mm->chan, mm, type, mm->msg);
	if (r != PMSG_MORE)
		fatal_f("bad frame from monitor: %d", r);
}

static void
mm_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct mm_net *mm = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		debug_f("monitor channel closed");
		mm->ops->closed(mm->ctx);
	}
}

struct mm_net *
mm_net_new(struct event_base *base, int fd, uint32_t transport,
    const struct mm_net_ops *ops, void *ctx)
{
	struct mm_net *mm;

	mm = xcalloc(1, sizeof(*mm));
	mm->fd = fd;
	mm->chan = (struct ps_chan){ transport == PS_TRANSPORT_HTTP ?
	    PS_TR_HTTP : PS_TR_STDIO, PS_STATE_ANY, 0 };
	mm->ops = ops;
	mm->ctx = ctx;
	if ((mm->msg = sbuf_new(PMSG_MAX)) == NULL ||
	    (mm->req = sbuf_new(PMSG_MAX)) == NULL)
		fatal_f("sbuf_new failed");
	if (evutil_make_socket_nonblocking(fd) != 0)
		fatal_f("cannot make monitor channel non-blocking");
	if ((mm->bev = bufferevent_socket_new(base, fd, 0)) == NULL)
		fatal_f("bufferevent_socket_new failed");
	bufferevent_setcb(mm->bev, mm_readcb, NULL, mm_eventcb, mm);
	if (bufferevent_enable(mm->bev, EV_READ | EV_WRITE) != 0)
		fatal_f("bufferevent_enable failed");
	return mm;
}

void
mm_net_free(struct mm_net *mm)
{
	if (mm == NULL)
		return;
	bufferevent_free(mm->bev);
	sbuf_free(mm->msg);
	sbuf_free(mm->req);
	free(mm);
}

static int
mm_send(struct mm_net *mm, uint8_t type)
{
	int r;

	r = pmsg_compose(bufferevent_get_output(mm->bev), type, mm->req);
	sbuf_reset(mm->req);
	return r == PMSG_OK ? 0 : -1;
}

int
mm_hello(struct mm_net *mm, uint32_t callid, uint32_t connid,
    const char *client_info, const char *version)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, client_info) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, version) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_HELLO_REQ);
}

int
mm_toollist(struct mm_net *mm, uint32_t callid, uint32_t connid,
    const char *cred, size_t credlen, const char *request_id,
    const char *client_info)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, request_id) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, client_info) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_TOOLLIST_REQ);
}

int
mm_toolcall(struct mm_net *mm, uint32_t callid, uint32_t connid,
    const char *cred, size_t credlen, const char *request_id,
    const char *tool, const char *args, size_t argslen,
    const char *client_info, uint32_t scope, const char *schema_error,
    const char *audit_args)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, request_id) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, tool) != SBUF_OK ||
	    sbuf_put_string(mm->req, args, argslen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, client_info) != SBUF_OK ||
	    sbuf_put_u32(mm->req, scope) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, schema_error != NULL ? schema_error :
	    "") != SBUF_OK ||
	    sbuf_put_cstring(mm->req, audit_args != NULL ? audit_args :
	    "") != SBUF_OK)
		return -1;
	return mm_send(mm, PS_TOOLCALL_REQ);
}

int
mm_auth(struct mm_net *mm, uint32_t callid, uint32_t connid,
    const char *cred, size_t credlen, uint32_t flags)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_u32(mm->req, flags) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_AUTH_REQ);
}

int
mm_connclose(struct mm_net *mm, uint32_t connid)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, connid) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_CONNCLOSE_REQ);
}

int
mm_cert(struct mm_net *mm, uint32_t connid, uint32_t verdict,
    uint8_t *const *der, const size_t *derlen, size_t n)
{
	size_t i;

	sbuf_reset(mm->req);
	if (n > PS_CHAIN_MAX)
		n = PS_CHAIN_MAX;
	if (sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, verdict) != SBUF_OK ||
	    sbuf_put_u32(mm->req, (uint32_t)n) != SBUF_OK)
		return -1;
	for (i = 0; i < n; i++)
		if (sbuf_put_string(mm->req, der[i], derlen[i]) != SBUF_OK)
			return -1;
	return mm_send(mm, PS_CERT_REQ);
}

#if MCPD_TEST_HOOKS
int
mm_test_send(struct mm_net *mm, uint8_t type, const uint8_t *payload,
    size_t len)
{
	sbuf_reset(mm->req);
	if (sbuf_put(mm->req, payload, len) != SBUF_OK)
		return -1;
	return mm_send(mm, type);
}
#endif

/* Write out everything queued, blocking for at most about limit_ms. */
static int
mm_drain(struct mm_net *mm, int limit_ms)
{
	struct evbuffer *out = bufferevent_get_output(mm->bev);
	struct pollfd pfd;
	int waited = 0, r = 0;

	/* The bufferevent freezes its output's front; we own it now. */
	if (evbuffer_unfreeze(out, 1) != 0)
		return -1;
	while (evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, mm->fd) >= 0)
			continue;
		if (errno != EAGAIN && errno != EINTR) {
			r = -1;
			break;
		}
		if (waited >= limit_ms) {
			r = -1;
			break;
		}
		pfd.fd = mm->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 10) == -1 && errno != EINTR) {
			r = -1;
			break;
		}
		waited += 10;
	}
	(void)evbuffer_freeze(out, 1);
	return r;
}

void
mm_conn(struct mm_net *mm, uint32_t connid, int fd)
{
	struct msghdr mh;
	struct cmsghdr *cm;
	struct iovec iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	uint8_t frame[9];
	struct pollfd pfd;
	ssize_t n;
	int waited = 0;

	/* What was queued first must reach the monitor first. */
	if (mm_drain(mm, 5000) != 0)
		fatal_f("monitor channel stuck");
	/* u32 length (type + connid), u8 type, u32 connid */
	frame[0] = 0;
	frame[1] = 0;
	frame[2] = 0;
	frame[3] = 5;
	frame[4] = PS_CONN_REQ;
	frame[5] = (uint8_t)(connid >> 24);
	frame[6] = (uint8_t)(connid >> 16);
	frame[7] = (uint8_t)(connid >> 8);
	frame[8] = (uint8_t)connid;
	memset(&mh, 0, sizeof(mh));
	memset(&cmsg, 0, sizeof(cmsg));
	iov.iov_base = frame;
	iov.iov_len = sizeof(frame);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsg.buf;
	mh.msg_controllen = sizeof(cmsg.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	for (;;) {
		/* A unix stream socket takes a message this small whole. */
		if ((n = sendmsg(mm->fd, &mh, MSG_NOSIGNAL)) ==
		    (ssize_t)sizeof(frame))
			return;
		if (n >= 0)
			fatal_f("short sendmsg to the monitor");
		if (errno != EAGAIN && errno != EINTR)
			fatal_f("sendmsg: %s", strerror(errno));
		if (waited >= 5000)
			fatal_f("monitor channel stuck");
		pfd.fd = mm->fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, 10);
		waited += 10;
	}
}

int
mm_cancel(struct mm_net *mm, uint32_t connid, uint32_t scope,
    const char *cred, size_t credlen, const char *request_id)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, connid) != SBUF_OK ||
	    sbuf_put_u32(mm->req, scope) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, request_id) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_CANCEL_REQ);
}

void
mm_net_log_handler(int level, const char *msg, void *ctx)
{
	struct mm_net *mm = ctx;
	struct sbuf *b;

	if ((b = sbuf_new(PS_LOGMSG_MAX + 16)) == NULL)
		return;
	if (sbuf_put_u32(b, (uint32_t)level) == SBUF_OK &&
	    sbuf_put_string(b, msg, strnlen(msg, PS_LOGMSG_MAX)) == SBUF_OK)
		(void)pmsg_compose(bufferevent_get_output(mm->bev),
		    PS_LOG_REQ, b);
	sbuf_free(b);
}

void
mm_net_flush(struct mm_net *mm)
{
	/* Bounded: a monitor that stopped reading must not hang us. */
	(void)mm_drain(mm, 1000);
}
