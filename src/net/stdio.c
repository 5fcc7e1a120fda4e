/*
 * The stdio transport: framing and flow control only; what the messages
 * mean is the MCP session's business (mcp.h).  See stdio_transport.h.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "stdio_transport.h"
#include "xmalloc.h"

struct stdio_transport {
	struct event_base	*base;
	const struct stdio_ops	*ops;
	void			*ctx;
	int			 infd;
	int			 outfd;
	size_t			 max;		/* message size limit */

	struct bufferevent	*bin;		/* NULL: infd is read by kick */
	struct bufferevent	*bout;		/* NULL: written at once */
	struct evbuffer		*in;		/* bytes read, not yet framed */
	struct event		*kick;		/* deferred reading/framing */

	int			 started;
	int			 paused;
	int			 discarding;	/* in an oversized message */
	int			 in_eof;
	int			 eof_sent;
	int			 out_dead;
};

/* Whether epoll can watch fd: pipes, sockets and terminals. */
static int
stdio_pollable(int fd, int *tty)
{
	struct stat sb;

	*tty = 0;
	if (fstat(fd, &sb) != 0)
		fatal_f("fstat fd %d: %s", fd, strerror(errno));
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode))
		return 1;
	if (S_ISCHR(sb.st_mode) && isatty(fd)) {
		*tty = 1;
		return 1;
	}
	return 0;
}

static void
stdio_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal_f("fcntl fd %d: %s", fd, strerror(errno));
}

static void
stdio_kick(struct stdio_transport *st)
{
	static const struct timeval now = { 0, 0 };

	/* A zero timer runs after the next poll: other events get a turn. */
	if (evtimer_add(st->kick, &now) != 0)
		fatal_f("evtimer_add failed");
}

/* Hand one complete line (without its "\n") to the session. */
static void
stdio_deliver(struct stdio_transport *st, size_t linelen, size_t total)
{
	unsigned char *p;
	size_t len = linelen;

	if (linelen > st->max + 1) {
		st->ops->too_large(st->ctx);
		if (evbuffer_drain(st->in, total) != 0)
			fatal_f("evbuffer_drain failed");
		return;
	}
	/* Bounded by the check above: at most max + 2 bytes. */
	if ((p = evbuffer_pullup(st->in, (ev_ssize_t)total)) == NULL)
		fatal_f("evbuffer_pullup failed");
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > st->max)
		st->ops->too_large(st->ctx);
	else if (len > 0)
		st->ops->message(st->ctx, (const char *)p, len);
	/* A message may hold a credential (params._meta.authorization). */
	explicit_bzero(p, total);
	if (evbuffer_drain(st->in, total) != 0)
		fatal_f("evbuffer_drain failed");
}

/* Frame and deliver what is buffered, until paused or out of lines. */
static void
stdio_process(struct stdio_transport *st)
{
	struct evbuffer_ptr eol;
	size_t len, eol_len;

	while (!st->paused) {
		len = evbuffer_get_length(st->in);
		if (len == 0)
			break;
		eol = evbuffer_search_eol(st->in, NULL, &eol_len,
		    EVBUFFER_EOL_LF);
		if (st->discarding) {
			if (eol.pos == -1) {
				if (evbuffer_drain(st->in, len) != 0)
					fatal_f("evbuffer_drain failed");
				break;
			}
			if (evbuffer_drain(st->in, (size_t)eol.pos + 1) != 0)
				fatal_f("evbuffer_drain failed");
			st->discarding = 0;
			continue;
		}
		if (eol.pos != -1) {
			stdio_deliver(st, (size_t)eol.pos,
			    (size_t)eol.pos + 1);
			continue;
		}
		/* No newline yet.  Room is left for a "\r" before it. */
		if (len > st->max + 1) {
			st->ops->too_large(st->ctx);
			if (evbuffer_drain(st->in, len) != 0)
				fatal_f("evbuffer_drain failed");
			st->discarding = 1;
		} else if (st->in_eof)
			stdio_deliver(st, len, len);
		break;
	}
	if (st->in_eof && !st->eof_sent && evbuffer_get_length(st->in) == 0) {
		st->eof_sent = 1;
		st->ops->eof(st->ctx);
	}
}

/* Read one chunk from a descriptor that epoll cannot watch. */
static void
stdio_file_read(struct stdio_transport *st)
{
	struct evbuffer_iovec v;
	size_t have, want;
	ssize_t n;

	have = evbuffer_get_length(st->in);
	if (have >= st->max + 2)
		return;
	want = st->max + 2 - have;
	if (want > STDIO_READ_CHUNK)
		want = STDIO_READ_CHUNK;
	if (evbuffer_reserve_space(st->in, (ev_ssize_t)want, &v, 1) < 1)
		fatal_f("evbuffer_reserve_space failed");
	if ((n = read(st->infd, v.iov_base, want)) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		error_f("read: %s", strerror(errno));
		st->in_eof = 1;
		return;
	}
	if (n == 0) {
		st->in_eof = 1;
		return;
	}
	v.iov_len = (size_t)n;
	if (evbuffer_commit_space(st->in, &v, 1) != 0)
		fatal_f("evbuffer_commit_space failed");
}

static void
stdio_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stdio_transport *st = arg;

	if (st->bin == NULL && !st->paused && !st->in_eof)
		stdio_file_read(st);
	stdio_process(st);
	if (st->bin == NULL && !st->paused && !st->in_eof)
		stdio_kick(st);
}

static void
stdio_readcb(struct bufferevent *bev, void *arg)
{
	stdio_process(arg);
}

static void
stdio_in_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct stdio_transport *st = arg;

	if (what & BEV_EVENT_ERROR)
		error_f("reading input: %s", strerror(errno));
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		st->in_eof = 1;
		(void)bufferevent_disable(st->bin, EV_READ);
		stdio_process(st);
	}
}

static void
stdio_writecb(struct bufferevent *bev, void *arg)
{
	struct stdio_transport *st = arg;

	st->ops->written(st->ctx);
}

static void
stdio_out_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct stdio_transport *st = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && !st->out_dead) {
		verbose_f("output closed: %s", strerror(errno));
		st->out_dead = 1;
		(void)bufferevent_disable(st->bout, EV_WRITE);
		st->ops->out_error(st->ctx);
	}
}

struct stdio_transport *
stdio_new(struct event_base *base, int infd, int outfd,
    size_t max_message_size, const struct stdio_ops *ops, void *ctx)
{
	struct stdio_transport *st;
	int tty;

	if (max_message_size < STDIO_MESSAGE_MIN ||
	    max_message_size > STDIO_MESSAGE_MAX)
		fatal_f("bad message size limit %zu", max_message_size);
	st = xcalloc(1, sizeof(*st));
	st->base = base;
	st->ops = ops;
	st->ctx = ctx;
	st->infd = infd;
	st->outfd = outfd;
	st->max = max_message_size;
	if ((st->kick = evtimer_new(base, stdio_kick_cb, st)) == NULL)
		fatal_f("evtimer_new failed");

	if (stdio_pollable(infd, &tty)) {
		if (!tty)
			stdio_nonblock(infd);
		if ((st->bin = bufferevent_socket_new(base, infd, 0)) == NULL)
			fatal_f("bufferevent_socket_new failed");
		bufferevent_setcb(st->bin, stdio_readcb, NULL,
		    stdio_in_eventcb, st);
		/*
		 * Reading stops while max + 2 bytes (a whole message, its
		 * "\r\n") wait, so a stalled session bounds its input.
		 */
		bufferevent_setwatermark(st->bin, EV_READ, 0, st->max + 2);
		st->in = bufferevent_get_input(st->bin);
	} else {
		debug_f("input is not a pipe, socket or terminal");
		if ((st->in = evbuffer_new()) == NULL)
			fatal_f("evbuffer_new failed");
	}

	if (stdio_pollable(outfd, &tty)) {
		if (!tty)
			stdio_nonblock(outfd);
		if ((st->bout = bufferevent_socket_new(base, outfd, 0)) == NULL)
			fatal_f("bufferevent_socket_new failed");
		bufferevent_setcb(st->bout, NULL, stdio_writecb,
		    stdio_out_eventcb, st);
		bufferevent_setwatermark(st->bout, EV_WRITE, STDIO_OUT_HIGH, 0);
	} else
		debug_f("output is not a pipe, socket or terminal");
	return st;
}

void
stdio_start(struct stdio_transport *st)
{
	st->started = 1;
	if (st->bout != NULL && bufferevent_enable(st->bout, EV_WRITE) != 0)
		fatal_f("bufferevent_enable failed");
	if (st->paused)
		return;
	if (st->bin != NULL) {
		if (bufferevent_enable(st->bin, EV_READ) != 0)
			fatal_f("bufferevent_enable failed");
	} else
		stdio_kick(st);
}

void
stdio_free(struct stdio_transport *st)
{
	if (st == NULL)
		return;
	if (st->bin != NULL)
		bufferevent_free(st->bin);
	else
		evbuffer_free(st->in);
	if (st->bout != NULL)
		bufferevent_free(st->bout);
	event_free(st->kick);
	free(st);
}

static int
stdio_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
stdio_send(struct stdio_transport *st, const char *msg, size_t len)
{
	if (st->out_dead)
		return;
	if (st->bout != NULL) {
		if (bufferevent_write(st->bout, msg, len) != 0 ||
		    bufferevent_write(st->bout, "\n", 1) != 0)
			fatal_f("bufferevent_write failed");
		return;
	}
	/* Files and /dev/null: the write completes or fails at once. */
	if (stdio_write_all(st->outfd, msg, len) != 0 ||
	    stdio_write_all(st->outfd, "\n", 1) != 0) {
		verbose_f("output: %s", strerror(errno));
		st->out_dead = 1;
		st->ops->out_error(st->ctx);
	}
}

void
stdio_pause(struct stdio_transport *st, int paused)
{
	paused = paused != 0;
	if (st->paused == paused)
		return;
	st->paused = paused;
	if (!st->started)
		return;
	if (paused) {
		if (st->bin != NULL)
			(void)bufferevent_disable(st->bin, EV_READ);
		return;
	}
	if (st->bin != NULL && !st->in_eof &&
	    bufferevent_enable(st->bin, EV_READ) != 0)
		fatal_f("bufferevent_enable failed");
	/* Lines already buffered get no new read event: frame them now. */
	stdio_kick(st);
}

size_t
stdio_pending(const struct stdio_transport *st)
{
	if (st->bout == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(st->bout));
}
