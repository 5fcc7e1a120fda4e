/*
 * The connections of the HTTP transport: each one's bufferevent (TLS or
 * plain), its adoption once evhttp has set it up, its deadlines, its count
 * against its source block, the scan of its header lines for a bad
 * Content-Length, and its close, which the monitor is told of.
 *
 * A client trickling bytes (slowloris) cannot keep its slot: a deadline
 * bounds each request however slowly it comes (HandshakeTimeout before
 * the first, ClientTimeout once one has begun, IdleTimeout between them).
 * The number of connections is the kernel's to enforce: RLIMIT_NOFILE
 * leaves room for MaxConnections sockets and no more, and while accept()
 * fails the listeners pause instead of spinning.
 *
 * The callback that makes each connection's bufferevent cannot fail open:
 * evhttp would fall back to plaintext on NULL, so a TLS bufferevent that
 * cannot be made is fatal instead.  The socket itself goes to the monitor
 * once, so that it reads the peer address from the kernel and not from us.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "http_int.h"
#include "log.h"
#include "monotime.h"
#include "net_wrap.h"
#include "netblock.h"
#include "xmalloc.h"

static void http_conn_scan(struct http_conn *);

/*
 * The connection waits for its next request: it may do so for
 * IdleTimeout.  Once a byte of the request arrives, ClientTimeout bounds
 * the rest of it (http_conn_input), however slowly it trickles in.  (The
 * first request has HandshakeTimeout instead: http_adopt.)
 */
void
http_conn_arm(struct http_conn *c)
{
	struct timeval tv;

	c->receiving = 0;
	/* Nothing in flight: evhttp itself sees the client close now. */
	if (c->gone != NULL && event_del(c->gone) != 0)
		fatal_f("event_del");
	/* A request pipelined behind the last one is in the buffer already. */
	c->hdr_phase = 1;
	http_conn_scan(c);
	tv.tv_sec = c->srv->p.idle_timeout;
	tv.tv_usec = 0;
	if (evtimer_add(c->deadline, &tv) != 0)
		fatal_f("evtimer_add");
}

static void
http_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn *c = arg;
	struct timeval tv;
	uint64_t now, left;

	if (info->n_added == 0 || c->injecting)
		return;
	http_conn_scan(c);
	if (c->receiving || !TAILQ_EMPTY(&c->reqs))
		return;
	c->receiving = 1;
	tv.tv_sec = c->srv->p.client_timeout;
	tv.tv_usec = 0;
	if (!c->served) {
		/*
		 * Before its first request a connection has HandshakeTimeout
		 * from its accept, however its bytes trickle in: ClientTimeout
		 * may only bring the deadline closer.
		 */
		now = monotime_ms();
		left = c->hs_deadline > now ? c->hs_deadline - now : 0;
		if (left <= (uint64_t)tv.tv_sec * 1000)
			return;
	}
	if (evtimer_add(c->deadline, &tv) != 0)
		fatal_f("evtimer_add");
}

/*
 * evhttp reads the body its Content-Length announces before we see the
 * request, and takes a value too large for a number as the largest
 * number: it would read and drop bytes until the deadline and never
 * answer.  So the header lines are looked at here as they arrive, before
 * evhttp parses them, and a request whose Content-Length is not plain
 * digits is replaced by a line evhttp refuses: evhttp then answers 400 and
 * closes the connection.  http_gencb checks what evhttp parsed again
 * (repeats, and what evhttp's own number parser accepts).
 */
static void
http_conn_scan(struct http_conn *c)
{
	struct evbuffer *in;
	const char *p, *line, *nl, *v;
	size_t len, off = 0, e, vlen;

	if (!c->hdr_phase || c->injecting || c->bev == NULL)
		return;
	in = bufferevent_get_input(c->bev);
	if ((len = evbuffer_get_length(in)) == 0)
		return;
	if (len > c->srv->p.max_headers)
		len = c->srv->p.max_headers;
	if ((p = (const char *)evbuffer_pullup(in, (ev_ssize_t)len)) == NULL)
		fatal_f("evbuffer_pullup");
	while (off < len && (nl = memchr(p + off, '\n', len - off)) != NULL) {
		line = p + off;
		e = (size_t)(nl - line);
		off += e + 1;
		if (e > 0 && line[e - 1] == '\r')
			e--;
		if (e == 0) {
			c->hdr_phase = 0;	/* the body, if any, follows */
			return;
		}
		if (e < 15 || strncasecmp(line, "Content-Length:", 15) != 0)
			continue;
		v = line + 15;
		vlen = e - 15;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (http_length_ok(v, vlen))
			continue;
		debug_f("connection %u: bad Content-Length", c->connid);
		/*
		 * At the front: the bufferevent keeps the end of its input
		 * frozen except while it reads from the socket.
		 */
		c->injecting = 1;
		if (evbuffer_drain(in, evbuffer_get_length(in)) != 0 ||
		    evbuffer_prepend(in, "X\r\n", 3) != 0)
			fatal_f("evbuffer");
		c->injecting = 0;
		c->hdr_phase = 0;
		return;
	}
}

/* bev_alive: the connection's bufferevent still exists (closecb). */
static void
http_conn_free(struct http_conn *c, int bev_alive)
{
	struct http_server *srv = c->srv;
	struct http_req *r;

	/* Requests in flight stay until their answer comes, unanswered. */
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, centry);
		r->conn = NULL;
		r->req = NULL;
		if (r->state == REQ_AUTH)
			continue;	/* http_auth_ans frees it */
		if (r->sess == NULL)
			http_req_free(r);
	}
	if (c->newborn)
		TAILQ_REMOVE(&srv->newborn, c, nentry);
	if (c->src != NULL && --c->src->n == 0) {
		TAILQ_REMOVE(&srv->srcs[netblock_hash(&c->src->nb) %
		    HTTP_SRC_BUCKETS], c->src, entry);
		free(c->src);
	}
	if (bev_alive && c->incb != NULL)
		(void)evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
		    c->incb);
	if (c->announced && mm_connclose(srv->mm, c->connid) != 0)
		fatal_f("cannot queue connection close");
	if (c->gone != NULL)
		event_free(c->gone);
	if (c->fd >= 0 && (size_t)c->fd < srv->nconns &&
	    srv->conns[c->fd] == c)
		srv->conns[c->fd] = NULL;
	event_free(c->deadline);
	free(c);
}

static void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	http_conn_free(arg, 1);
}

/*
 * The client closed a connection with a request in flight.  evhttp reads
 * nothing while a request is being answered, so it would notice only when
 * the answer is written; MCP 2026-07-28 makes the close the cancellation
 * of that request (Streamable HTTP, Cancellation), so the connection is
 * let go now: the close callback tells the monitor, which cancels the
 * connection's calls.
 */
static void
http_conn_gone(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	if (TAILQ_EMPTY(&c->reqs) || c->evcon == NULL)
		return;
	debug_f("connection %u closed with a request in flight", c->connid);
	/* Calls http_conn_closed, which frees c. */
	evhttp_connection_free(c->evcon);
}

/*
 * Watch for the client's close while a 2026-07-28 request waits for the
 * monitor (http_conn_arm stops watching once it is answered).  Only where
 * the event backend reports a close without reading
 * (EV_FEATURE_EARLY_CLOSE: epoll); elsewhere the close is seen when the
 * answer is written, and the call runs to its end.
 */
void
http_conn_watch(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (c->fd < 0 || (event_base_get_features(srv->base) &
	    EV_FEATURE_EARLY_CLOSE) == 0)
		return;
	if (c->gone == NULL && (c->gone = event_new(srv->base, c->fd,
	    EV_CLOSED, http_conn_gone, c)) == NULL)
		fatal_f("event_new");
	if (event_add(c->gone, NULL) != 0)
		fatal_f("event_add");
}

/*
 * The deadline passed with no complete request: cut the connection.
 * shutdown() makes evhttp see the end and free the connection itself,
 * which the close callback (or the reuse of the fd) then tells us.
 */
static void
http_conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	if (!TAILQ_EMPTY(&c->reqs))
		return;		/* a request is being answered */
	debug_f("connection %u: no complete request in time", c->connid);
	if (c->fd >= 0)
		(void)shutdown(c->fd, SHUT_RDWR);
}

static int
http_sockaddr_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (ss->ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)ss;
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

static void
http_conn_table_put(struct http_server *srv, struct http_conn *c)
{
	struct http_conn *old;

	/*
	 * An earlier record for this fd belongs to a connection that closed
	 * without evhttp telling us (it says nothing of one that made no
	 * request): the kernel handed the number out again, so the old one
	 * is gone for good.
	 */
	if ((old = srv->conns[c->fd]) != NULL && old != c)
		http_conn_free(old, 0);
	srv->conns[c->fd] = c;
}

/*
 * Count c against its source block: 0, or -1 if the block has
 * MaxConnectionsPerSource open already (as sshd's PerSourceMaxStartups).
 * A socket whose peer is unknown is gone already; it is not counted.
 */
static int
http_conn_count(struct http_server *srv, struct http_conn *c, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct netblock nb;
	struct http_srcq *q;
	struct http_src *src;

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) != 0 ||
	    netblock_of((struct sockaddr *)&ss, srv->p.netblock_v4,
	    srv->p.netblock_v6, &nb) != 0)
		return 0;
	q = &srv->srcs[netblock_hash(&nb) % HTTP_SRC_BUCKETS];
	TAILQ_FOREACH(src, q, entry)
		if (netblock_eq(&src->nb, &nb))
			break;
	if (src != NULL && src->n >= srv->p.max_conn_per_source)
		return -1;
	if (src == NULL) {
		src = xcalloc(1, sizeof(*src));
		src->nb = nb;
		TAILQ_INSERT_TAIL(q, src, entry);
	}
	src->n++;
	c->src = src;
	return 0;
}

/*
 * Runs right after evhttp has set up the connections whose bufferevents
 * http_bevcb made, in the same pass of the event loop: their sockets are
 * known now, and nothing can have freed them yet.
 */
void
http_adopt(evutil_socket_t unused, short what, void *arg)
{
	struct http_server *srv = arg;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct http_conn *c;
	struct evhttp_connection *evcon;
	struct timeval tv;
	evutil_socket_t fd;
	void *cbarg = NULL;
	int hs;

	while ((c = TAILQ_FIRST(&srv->newborn)) != NULL) {
		TAILQ_REMOVE(&srv->newborn, c, nentry);
		c->newborn = 0;
		fd = bufferevent_getfd(c->bev);
		if (fd < 0 || (size_t)fd >= srv->nconns)
			fatal_f("connection without a usable socket");
		c->fd = fd;
		memset(&ss, 0, sizeof(ss));
		sslen = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
			c->loopback = http_sockaddr_loopback(&ss);
		http_conn_table_put(srv, c);
		/*
		 * evhttp gave the bufferevent its connection as the argument
		 * of its callbacks (checked: the connection's bufferevent is
		 * this one).  The connection's close callback, set now and
		 * not at the first request, is what tells us of a connection
		 * that never makes one, so that it stops counting against
		 * its source.
		 */
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		if ((evcon = cbarg) == NULL ||
		    evhttp_connection_get_bufferevent(evcon) != c->bev)
			fatal_f("connection without its evhttp connection");
		c->evcon = evcon;
		evhttp_connection_set_closecb(evcon, http_conn_closed, c);
		if (http_conn_count(srv, c, fd) != 0) {
			debug_f("connection %u: MaxConnectionsPerSource "
			    "reached; closed", c->connid);
			evhttp_connection_free(evcon);	/* frees c */
			continue;
		}
		if ((c->incb = evbuffer_add_cb(bufferevent_get_input(c->bev),
		    http_conn_input, c)) == NULL)
			fatal_f("evbuffer_add_cb");
		/*
		 * No complete request (for TLS: no finished handshake, which
		 * comes first) within HandshakeTimeout, as sshd's
		 * LoginGraceTime: then it is cut (http_conn_deadline).  An
		 * IdleTimeout shorter than that applies as well.
		 */
		hs = srv->p.handshake_timeout;
		if (srv->p.idle_timeout < hs)
			hs = srv->p.idle_timeout;
		c->hs_deadline = monotime_ms() + (uint64_t)hs * 1000;
		c->hdr_phase = 1;
		tv.tv_sec = hs;
		tv.tv_usec = 0;
		if (evtimer_add(c->deadline, &tv) != 0)
			fatal_f("evtimer_add");
	}
}

/*
 * The record of the connection a request came on; the first request
 * makes the connection known to the monitor.
 */
struct http_conn *
http_conn_of(struct http_server *srv, struct evhttp_request *req)
{
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	struct http_conn *c;
	evutil_socket_t fd;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0 || (size_t)fd >= srv->nconns ||
	    (c = srv->conns[fd]) == NULL || c->bev != bev)
		fatal_f("request on a connection that was never adopted");
	if (c->evcon == NULL) {
		c->evcon = evcon;
		evhttp_connection_set_closecb(evcon, http_conn_closed, c);
	}
	if (!c->announced) {
		mm_conn(srv->mm, c->connid, fd);
		c->announced = 1;
	}
	return c;
}

/*
 * Each connection's bufferevent.  For TLS, a bufferevent_openssl in the
 * accepting state; there is no way back to plaintext from here.
 */
struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct http_server *srv = arg;
	struct bufferevent *bev;
	struct http_conn *c;
	SSL *ssl;

	if (srv->p.tls == NULL) {
		if ((bev = bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			fatal_f("bufferevent_socket_new");
	} else {
		if ((ssl = SSL_new(srv->p.tls)) == NULL)
			fatal_f("SSL_new failed");
		if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
			fatal_f("bufferevent_openssl_socket_new failed");
		/* Clients closing without close_notify are common. */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->bev = bev;
	c->fd = -1;
	TAILQ_INIT(&c->reqs);
	if ((c->deadline = evtimer_new(srv->base, http_conn_deadline,
	    c)) == NULL)
		fatal_f("evtimer_new");
	if (++srv->next_connid == 0)
		srv->next_connid = 1;
	c->connid = srv->next_connid;
	c->newborn = 1;
	TAILQ_INSERT_TAIL(&srv->newborn, c, nentry);
	event_active(srv->adopt, EV_TIMEOUT, 1);
	return bev;
}

/* accept() failed, typically EMFILE at MaxConnections: pause a moment. */
void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	struct http_server *srv = http_srv;
	struct timeval tv = { 0, HTTP_ACCEPT_PAUSE_MS * 1000 };
	size_t i;
	int e = EVUTIL_SOCKET_ERROR();

	debug_f("accept: %s; pausing the listeners", strerror(e));
	for (i = 0; i < srv->p.nfds; i++)
		(void)evconnlistener_disable(srv->lev[i]);
	if (evtimer_add(srv->resume, &tv) != 0)
		fatal_f("evtimer_add");
}

void
http_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *srv = arg;
	size_t i;

	for (i = 0; i < srv->p.nfds; i++)
		if (evconnlistener_enable(srv->lev[i]) != 0)
			fatal_f("evconnlistener_enable");
}
