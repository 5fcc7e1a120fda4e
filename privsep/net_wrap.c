/*
 * Net side of the monitor channel.  Requests are appended to one
 * bufferevent's output, so a burst of calls leaves in few writes; every
 * readable answer is drained per wake-up.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

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
};

static void
mm_fatal_parse(const char *what, int r)
{
	fatal_f("bad %s from monitor: %s", what, sbuf_strerror(r));
}

static void
mm_recv_hello(struct mm_net *mm)
{
	uint32_t status;
	int r;

	if ((r = sbuf_get_u32(mm->msg, &status)) != SBUF_OK ||
	    (r = sbuf_expect_end(mm->msg)) != SBUF_OK)
		mm_fatal_parse("hello answer", r);
	mm->ops->hello_ans(mm->ctx, status);
}

static void
mm_recv_toollist(struct mm_net *mm)
{
	struct mm_toollist_ans a;
	uint32_t n, i;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = sbuf_get_u32(mm->msg, &a.callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(mm->msg, &a.status)) != SBUF_OK ||
	    (r = sbuf_get_u32(mm->msg, &n)) != SBUF_OK)
		mm_fatal_parse("tool list", r);
	if (n > MM_TOOLLIST_MAX)
		fatal_f("tool list too long: %u", n);
	if (n > 0) {
		a.names = xcalloc(n, sizeof(*a.names));
		a.required = xcalloc(n, sizeof(*a.required));
	}
	for (i = 0; i < n; i++) {
		if ((r = sbuf_get_cstring(mm->msg, &a.names[i],
		    PS_NAME_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(mm->msg, &a.required[i],
		    PS_NAME_MAX * 16)) != SBUF_OK)
			mm_fatal_parse("tool list entry", r);
		a.n = i + 1;
	}
	if ((r = sbuf_expect_end(mm->msg)) != SBUF_OK)
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
mm_recv_toolcall(struct mm_net *mm)
{
	struct mm_toolcall_ans a;
	char *required = NULL, *role = NULL;
	uint8_t *text = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = sbuf_get_u32(mm->msg, &a.callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(mm->msg, &a.flags)) != SBUF_OK ||
	    (r = sbuf_get_u32(mm->msg, &a.status)) != SBUF_OK ||
	    (r = sbuf_get_cstring(mm->msg, &required,
	    PS_NAME_MAX * 16)) != SBUF_OK ||
	    (r = sbuf_get_cstring(mm->msg, &role, PS_NAME_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(mm->msg, &a.retry_after)) != SBUF_OK ||
	    (r = sbuf_get_string(mm->msg, &text, &a.textlen,
	    PS_TEXT_MAX)) != SBUF_OK ||
	    (r = sbuf_expect_end(mm->msg)) != SBUF_OK)
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

static void
mm_readcb(struct bufferevent *bev, void *arg)
{
	struct mm_net *mm = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t type;
	int r;

	while ((r = pmsg_take(in, &type, mm->msg)) == PMSG_OK) {
		switch (type) {
		case PS_HELLO_ANS:
			mm_recv_hello(mm);
			break;
		case PS_TOOLLIST_ANS:
			mm_recv_toollist(mm);
			break;
		case PS_TOOLCALL_ANS:
			mm_recv_toolcall(mm);
			break;
		default:
			fatal_f("unexpected message type %u from monitor",
			    type);
		}
	}
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
mm_net_new(struct event_base *base, int fd, const struct mm_net_ops *ops,
    void *ctx)
{
	struct mm_net *mm;

	mm = xcalloc(1, sizeof(*mm));
	mm->fd = fd;
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
mm_hello(struct mm_net *mm, const char *client_info, const char *version)
{
	sbuf_reset(mm->req);
	if (sbuf_put_cstring(mm->req, client_info) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, version) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_HELLO_REQ);
}

int
mm_toollist(struct mm_net *mm, uint32_t callid, const char *cred,
    size_t credlen, const char *request_id)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, request_id) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_TOOLLIST_REQ);
}

int
mm_toolcall(struct mm_net *mm, uint32_t callid, const char *cred,
    size_t credlen, const char *request_id, const char *tool,
    const char *args, size_t argslen)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK ||
	    sbuf_put_string(mm->req, cred, credlen) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, request_id) != SBUF_OK ||
	    sbuf_put_cstring(mm->req, tool) != SBUF_OK ||
	    sbuf_put_string(mm->req, args, argslen) != SBUF_OK)
		return -1;
	return mm_send(mm, PS_TOOLCALL_REQ);
}

int
mm_cancel(struct mm_net *mm, uint32_t callid)
{
	sbuf_reset(mm->req);
	if (sbuf_put_u32(mm->req, callid) != SBUF_OK)
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
	struct evbuffer *out = bufferevent_get_output(mm->bev);
	struct pollfd pfd;
	int tries = 0;

	/* The bufferevent freezes its output's front; we own it now. */
	if (evbuffer_unfreeze(out, 1) != 0)
		return;
	/* Bounded: a monitor that stopped reading must not hang us. */
	while (evbuffer_get_length(out) > 0 && tries++ < 100) {
		if (evbuffer_write(out, mm->fd) >= 0)
			continue;
		if (errno != EAGAIN && errno != EINTR)
			break;
		pfd.fd = mm->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 10) == -1 && errno != EINTR)
			break;
	}
	(void)evbuffer_freeze(out, 1);
}
