/*
 * Streamable HTTP over evhttp (see http.h).
 *
 * evhttp's defaults suit a trusted peer, not the Internet, so every limit
 * is set here from the configuration: body and header sizes, the
 * inactivity timeout, a deadline by which each request must be complete
 * (so that a client trickling bytes, slowloris, cannot keep its slot), and
 * the number of connections, which the kernel enforces: RLIMIT_NOFILE
 * leaves room for MaxConnections sockets and no more, and while accept()
 * fails the listeners pause instead of spinning.
 *
 * The callback that makes each connection's bufferevent cannot fail open:
 * evhttp would fall back to plaintext on NULL, so a TLS bufferevent that
 * cannot be made is fatal instead.
 *
 * Nothing here decides who a client is.  The Authorization header goes to
 * the monitor with every request, the client certificate chain once per
 * connection, and the socket itself once, so that the monitor reads the
 * peer address from the kernel and not from us.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "http.h"
#if MCPD_TEST_HOOKS
#include "key_wrap.h"
#endif
#include "log.h"
#include "mcp.h"
#include "net_wrap.h"
#include "netblock.h"
#include "proto.h"
#include "tls.h"
#include "xmalloc.h"

#define HTTP_PATH_MCP		"/mcp"
#define HTTP_PATH_PRM		"/.well-known/oauth-protected-resource"
#define HTTP_SESSION_ID_LEN	64	/* hex of 32 random bytes */
#define HTTP_CONN_TABLE		65536	/* fds are below RLIMIT_NOFILE */
#define HTTP_ACCEPT_PAUSE_MS	100
#define HTTP_SWEEP_SECONDS	30
#define HTTP_SRC_BUCKETS	1024
/* A Content-Length of more digits cannot be read into a 64-bit number. */
#define HTTP_LENGTH_DIGITS_MAX	18

#define REQ_AUTH		1	/* waiting for the monitor's verdict */
#define REQ_MCP			2	/* body handed to a session */

TAILQ_HEAD(http_reqq, http_req);
TAILQ_HEAD(http_connq, http_conn);

struct http_conn {
	struct http_server	*srv;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;	/* once a request came */
	int			 fd;
	uint32_t		 connid;
	int			 announced;	/* the monitor has the socket */
	int			 cert_sent;
	int			 loopback;	/* Host must be loopback */
	struct event		*deadline;
	struct evbuffer_cb_entry *incb;		/* sees a request begin */
	struct event		*gone;		/* EV_CLOSED, see http_conn_watch */
	int			 receiving;	/* bytes of a request came */
	struct http_reqq	 reqs;
	TAILQ_ENTRY(http_conn)	 nentry;	/* srv->newborn */
	int			 newborn;
	struct http_src		*src;		/* counted against its source */
	int			 served;	/* a complete request came */
	uint64_t		 hs_deadline;	/* ms: HandshakeTimeout */
	int			 hdr_phase;	/* header lines may arrive */
	int			 injecting;	/* http_conn_scan writes */
};

/* Connections open from one source block (MaxConnectionsPerSource). */
struct http_src {
	TAILQ_ENTRY(http_src)	 entry;
	struct netblock		 nb;
	size_t			 n;
};
TAILQ_HEAD(http_srcq, http_src);

struct http_session {
	TAILQ_ENTRY(http_session) entry;
	char			 id[HTTP_SESSION_ID_LEN + 1];
	char			*subject;
	struct mcp_session	*mcp;
	uint32_t		 scope;		/* PS_SCOPE_* for its calls */
	time_t			 last_used;
	int			 listed;	/* initialize succeeded */
	int			 orphan;	/* on srv->orphans */
	struct http_reqq	 reqs;
	TAILQ_ENTRY(http_session) oentry;
};
TAILQ_HEAD(http_sessionq, http_session);

struct http_req {
	TAILQ_ENTRY(http_req)	 centry;	/* conn->reqs */
	TAILQ_ENTRY(http_req)	 sentry;	/* sess->reqs */
	TAILQ_ENTRY(http_req)	 aentry;	/* srv->authq */
	struct http_server	*srv;
	struct evhttp_request	*req;		/* NULL: the client is gone */
	struct http_conn	*conn;		/* NULL: the client is gone */
	struct http_session	*sess;
	int			 state;
	int			 modern;	/* MCP-Protocol-Version 2026 */
	int			 del;		/* DELETE of a session */
	uint32_t		 authid;
	char			*cred;
	size_t			 credlen;
	char			*sessid;
};

struct http_server {
	struct event_base	*base;
	struct evhttp		*http;
	struct http_params	 p;
	struct mm_net		*mm;
	struct mcp_registry	*reg;
	const struct mcp_backend *be;
	void			*bctx;
	struct evconnlistener	**lev;
	struct event		*resume;
	struct event		*sweep;
	struct http_conn	**conns;	/* by fd */
	size_t			 nconns;
	uint32_t		 next_connid;
	uint32_t		 next_authid;
	uint32_t		 next_scope;	/* numbers the sessions */
	struct http_reqq	 authq;
	size_t			 npending;
	struct http_sessionq	 sessions;
	size_t			 nsessions;
	struct http_sessionq	 orphans;	/* unlisted, to be freed */
	struct event		*reap;
	struct event		*adopt;
	struct http_connq	 newborn;	/* fd not known yet */
	struct http_session	*stateless;	/* 2026-07-28 requests */
	char			*prm_url;	/* resource_metadata */
	char			*prm_doc;	/* the RFC 9728 document */
	struct http_srcq	 srcs[HTTP_SRC_BUCKETS];
};

/*
 * One server per process.  evhttp owns the listeners' callback argument,
 * so the accept-error callback finds the server here.
 */
static struct http_server *http_srv;

static void http_output(void *ctx, void *origin, int status, const char *msg,
    size_t len);
static int http_refuse(void *ctx, void *origin, const struct mcp_refusal *);
static void http_drop(void *ctx, void *origin);

/* ---- replies ---- */

static void
http_header(struct evhttp_request *req, const char *k, const char *v)
{
	if (evhttp_add_header(evhttp_request_get_output_headers(req), k,
	    v) != 0)
		fatal_f("evhttp_add_header");
}

/* Answer req with status and an optional JSON body. */
static void
http_reply(struct evhttp_request *req, int status, const char *reason,
    const char *json, size_t len)
{
	http_header(req, "Cache-Control", "no-store");
	if (json != NULL) {
		http_header(req, "Content-Type", "application/json");
		/*
		 * Straight into the request's own output buffer, which is
		 * where evhttp_send_reply() would move a buffer passed to
		 * it, and what it takes the Content-Length from.
		 */
		if (evbuffer_add(evhttp_request_get_output_buffer(req), json,
		    len) != 0)
			fatal_f("evbuffer");
	}
	evhttp_send_reply(req, status, reason, NULL);
}

/* A JSON-RPC error without an id, for refusals before the body is read. */
static void
http_error(struct evhttp_request *req, int status, const char *reason,
    int code, const char *message)
{
	json_t *m;
	char *text;

	if ((m = json_pack("{s:s,s:n,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
	    "error", "code", code, "message", message)) == NULL ||
	    (text = json_dumps(m, JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	json_decref(m);
	http_reply(req, status, reason, text, strlen(text));
	free(text);
}

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/*
 * The RFC 6750 challenge.  error is "" when no credential was presented
 * (then the challenge carries no error code, as RFC 6750 3.1 asks).
 */
static void
http_challenge(struct http_server *srv, struct evhttp_request *req,
    int status, const char *error, const char *scope)
{
	char *v;

	if (error != NULL && *error != '\0' && scope != NULL)
		xasprintf(&v, "Bearer resource_metadata=\"%s\", error=\"%s\", "
		    "scope=\"%s\"", srv->prm_url, error, scope);
	else if (error != NULL && *error != '\0')
		xasprintf(&v, "Bearer resource_metadata=\"%s\", error=\"%s\"",
		    srv->prm_url, error);
	else
		xasprintf(&v, "Bearer resource_metadata=\"%s\"", srv->prm_url);
	http_header(req, "WWW-Authenticate", v);
	free(v);
	if (status == 403)
		http_error(req, 403, "Forbidden", MCP_ERR_AUTH,
		    "Insufficient scope");
	else
		http_error(req, status, http_reason(status), MCP_ERR_AUTH,
		    "Authentication failed");
}

static void
http_rate_limited(struct evhttp_request *req, uint32_t retry_after)
{
	char v[16];

	(void)snprintf(v, sizeof(v), "%u", retry_after > 0 ? retry_after : 1);
	http_header(req, "Retry-After", v);
	http_error(req, 429, "Too Many Requests", MCP_ERR_RATE,
	    "Rate limited");
}

/* ---- requests ---- */

static void
http_req_free(struct http_req *r)
{
	struct http_server *srv = r->srv;

	if (r->conn != NULL)
		TAILQ_REMOVE(&r->conn->reqs, r, centry);
	if (r->sess != NULL)
		TAILQ_REMOVE(&r->sess->reqs, r, sentry);
	if (r->state == REQ_AUTH)
		TAILQ_REMOVE(&srv->authq, r, aentry);
	if (r->cred != NULL)
		freezero(r->cred, r->credlen + 1);
	free(r->sessid);
	free(r);
	srv->npending--;
}

static void http_conn_scan(struct http_conn *);

static uint64_t
http_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The connection waits for its next request: it may do so for
 * IdleTimeout.  Once a byte of the request arrives, ClientTimeout bounds
 * the rest of it (http_conn_input), however slowly it trickles in.  (The
 * first request has HandshakeTimeout instead: http_adopt.)
 */
static void
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
		now = http_now_ms();
		left = c->hs_deadline > now ? c->hs_deadline - now : 0;
		if (left <= (uint64_t)tv.tv_sec * 1000)
			return;
	}
	if (evtimer_add(c->deadline, &tv) != 0)
		fatal_f("evtimer_add");
}

/* Whether v (len bytes) is a Content-Length: 1*DIGIT, as RFC 9110 8.6. */
static int
http_length_ok(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > HTTP_LENGTH_DIGITS_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
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

/* The reply to r's request has been handed to evhttp. */
static void
http_req_done(struct http_req *r)
{
	if (r->conn != NULL)
		http_conn_arm(r->conn);
	http_req_free(r);
}

/* ---- sessions ---- */

static struct http_session *
http_session_new(struct http_server *srv)
{
	struct http_session *s;

	s = xcalloc(1, sizeof(*s));
	TAILQ_INIT(&s->reqs);
	s->mcp = mcp_session_new(srv->reg, srv->be, srv->bctx, http_output,
	    srv, 0);
	mcp_set_refuse(s->mcp, http_refuse);
	mcp_set_drop(s->mcp, http_drop);
	/*
	 * The scope the monitor records with each call of the session, so
	 * that only a cancellation from the same session (and subject) can
	 * stop it.  It never takes the values that mean stdio or a
	 * 2026-07-28 request; a number reused after 2^32 sessions can only
	 * meet a call of a session long gone.
	 */
	do {
		s->scope = ++srv->next_scope;
	} while (s->scope == PS_SCOPE_STDIO || s->scope == PS_SCOPE_CONN);
	s->last_used = time(NULL);
	return s;
}

static void
http_session_free(struct http_server *srv, struct http_session *s)
{
	struct http_req *r;

	/* Requests still waiting for this session get no answer from it. */
	while ((r = TAILQ_FIRST(&s->reqs)) != NULL) {
		TAILQ_REMOVE(&s->reqs, r, sentry);
		r->sess = NULL;
		if (r->req != NULL) {
			http_error(r->req, 404, "Not Found",
			    MCP_ERR_INVALID_REQ, "Session not found");
			http_req_done(r);
		} else
			http_req_free(r);
	}
	if (s->listed) {
		TAILQ_REMOVE(&srv->sessions, s, entry);
		srv->nsessions--;
	}
	if (s->orphan)
		TAILQ_REMOVE(&srv->orphans, s, oentry);
	mcp_free(s->mcp);
	if (s->subject != NULL)
		freezero(s->subject, strlen(s->subject));
	explicit_bzero(s->id, sizeof(s->id));
	free(s);
}

static struct http_session *
http_session_find(struct http_server *srv, const char *id)
{
	struct http_session *s;
	time_t now = time(NULL);

	if (strlen(id) != HTTP_SESSION_ID_LEN)
		return NULL;
	TAILQ_FOREACH(s, &srv->sessions, entry) {
		if (strcmp(s->id, id) != 0)
			continue;
		if (now - s->last_used > srv->p.session_timeout)
			return NULL;	/* the sweep frees it */
		return s;
	}
	return NULL;
}

/*
 * A session that did not come out of an initialize is not kept.  It is
 * freed from the event loop, never from inside the MCP session's own
 * callbacks, which still use it when they return.
 */
static void
http_session_orphan(struct http_server *srv, struct http_session *s)
{
	if (s == NULL || s == srv->stateless || s->listed || s->orphan)
		return;
	s->orphan = 1;
	TAILQ_INSERT_TAIL(&srv->orphans, s, oentry);
	event_active(srv->reap, EV_TIMEOUT, 1);
}

static void
http_reap(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *srv = arg;
	struct http_session *s, *next;

	for (s = TAILQ_FIRST(&srv->orphans); s != NULL; s = next) {
		next = TAILQ_NEXT(s, oentry);
		if (TAILQ_EMPTY(&s->reqs) && mcp_inflight(s->mcp) == 0)
			http_session_free(srv, s);
	}
}

static void
http_session_list(struct http_server *srv, struct http_session *s)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[HTTP_SESSION_ID_LEN / 2];
	size_t i;

	/* From the kernel's CSPRNG: a session id must not be guessable. */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal_f("getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof(rnd); i++) {
		s->id[2 * i] = hex[rnd[i] >> 4];
		s->id[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	s->id[HTTP_SESSION_ID_LEN] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	s->listed = 1;
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
}

/*
 * MaxSessionsPerUser: before subject gets one more session, its oldest
 * are freed until it holds fewer than the cap, so that one identity
 * cannot fill the session table that every identity shares.  A session
 * with a request in flight is not taken from under it; with every one of
 * them busy, the cap is exceeded until they finish.
 */
static void
http_session_cap(struct http_server *srv, const char *subject)
{
	struct http_session *s, *next;
	size_t n = 0;

	TAILQ_FOREACH(s, &srv->sessions, entry)
		if (strcmp(s->subject, subject) == 0)
			n++;
	for (s = TAILQ_FIRST(&srv->sessions);
	    s != NULL && n >= srv->p.max_sessions_per_user; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (strcmp(s->subject, subject) != 0 ||
		    !TAILQ_EMPTY(&s->reqs) || mcp_inflight(s->mcp) != 0)
			continue;
		debug_f("MaxSessionsPerUser: oldest session evicted");
		http_session_free(srv, s);
		n--;
	}
}

static void
http_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *srv = arg;
	struct http_session *s, *next;
	time_t now = time(NULL);

	for (s = TAILQ_FIRST(&srv->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (now - s->last_used > srv->p.session_timeout &&
		    TAILQ_EMPTY(&s->reqs)) {
			debug_f("session expired");
			http_session_free(srv, s);
		}
	}
}

/* ---- what the MCP session says ---- */

static void
http_output(void *ctx, void *origin, int status, const char *msg, size_t len)
{
	struct http_req *r = origin;
	struct http_session *s = r->sess;

	if (r->req == NULL) {
		/* The client went away; the answer has nowhere to go. */
		http_session_orphan(r->srv, s);
		http_req_free(r);
		return;
	}
	/* A session is kept once its initialize has been answered. */
	if (s != NULL && !s->listed && !s->orphan && s != r->srv->stateless &&
	    mcp_initialized(s->mcp) && status == 200) {
		http_session_cap(r->srv, s->subject);
		http_session_list(r->srv, s);
		http_header(r->req, "Mcp-Session-Id", s->id);
	}
	http_reply(r->req, status, http_reason(status), msg, len);
	http_session_orphan(r->srv, s);
	http_req_done(r);
}

static int
http_refuse(void *ctx, void *origin, const struct mcp_refusal *f)
{
	struct http_req *r = origin;
	struct http_session *s = r->sess;

	if (r->req == NULL) {
		http_session_orphan(r->srv, s);
		http_req_free(r);
		return 1;
	}
	switch (f->status) {
	case PS_ST_AUTH_FAILED:
		http_challenge(r->srv, r->req, 401, "invalid_token", NULL);
		break;
	case PS_ST_SCOPE:
		http_challenge(r->srv, r->req, 403, "insufficient_scope",
		    f->scope);
		break;
	case PS_ST_RATE_LIMITED:
		http_rate_limited(r->req, f->retry_after);
		break;
	default:
		return 0;
	}
	http_session_orphan(r->srv, s);
	http_req_done(r);
	return 1;
}

/*
 * The monitor cancelled the request's call: MCP sends no JSON-RPC answer
 * for it.  A client still waiting on the POST (a 2025-xx session, whose
 * cancellation came in another request) gets 204 and no body, so that
 * the request ends; one that is gone (2026-07-28: closing was the
 * cancellation) leaves only our record of it to free.
 */
static void
http_drop(void *ctx, void *origin)
{
	struct http_req *r = origin;
	struct http_session *s = r->sess;

	if (r->req == NULL) {
		http_session_orphan(r->srv, s);
		http_req_free(r);
		return;
	}
	http_reply(r->req, 204, "No Content", NULL, 0);
	http_session_orphan(r->srv, s);
	http_req_done(r);
}

/* ---- connections ---- */

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
 * monitor (http_conn_arm stops watching once it is answered).  Only where the event backend reports a
 * close without reading (EV_FEATURE_EARLY_CLOSE: epoll); elsewhere the
 * close is seen when the answer is written, and the call runs to its end.
 */
static void
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
static void
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
		c->hs_deadline = http_now_ms() + (uint64_t)hs * 1000;
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
static struct http_conn *
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
static struct bufferevent *
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
static void
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

static void
http_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *srv = arg;
	size_t i;

	for (i = 0; i < srv->p.nfds; i++)
		if (evconnlistener_enable(srv->lev[i]) != 0)
			fatal_f("evconnlistener_enable");
}

/* ---- request checks ---- */

/*
 * Host names that can only mean this machine (DNS-rebinding defence):
 * localhost, 127.0.0.0/8 and [::1], with an optional port.
 */
static int
http_host_is_loopback(const char *host)
{
	char name[64];
	const char *end, *port;
	struct in_addr a;
	size_t len;

	if (host == NULL)
		return 0;
	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return 0;
		len = (size_t)(end - host) + 1;
		if (len != 5 || strncmp(host, "[::1]", 5) != 0)
			return 0;
		port = host + len;
	} else {
		end = strchr(host, ':');
		len = end != NULL ? (size_t)(end - host) : strlen(host);
		if (len == 0 || len >= sizeof(name))
			return 0;
		memcpy(name, host, len);
		name[len] = '\0';
		if (strcasecmp(name, "localhost") != 0 &&
		    (inet_pton(AF_INET, name, &a) != 1 ||
		    (ntohl(a.s_addr) >> 24) != 127))
			return 0;
		port = host + len;
	}
	if (*port == '\0')
		return 1;
	if (*port++ != ':' || *port == '\0')
		return 0;
	for (; *port != '\0'; port++)
		if (*port < '0' || *port > '9')
			return 0;
	return 1;
}

/*
 * AllowedOrigins, and on a loopback listener any origin that is itself
 * on this machine (http://localhost:3000 ...): such a page could reach
 * the port anyway, and a DNS-rebinding page has a foreign name.
 */
static int
http_origin_allowed(struct http_server *srv, const struct http_conn *c,
    const char *origin)
{
	const char *host;
	size_t i;

	if (c->loopback && (host = strstr(origin, "://")) != NULL &&
	    http_host_is_loopback(host + 3))
		return 1;
	for (i = 0; i < srv->p.norigins; i++)
		if (strcasecmp(origin, srv->p.origins[i]) == 0)
			return 1;
	return 0;
}

/* The one value of header k; -1 if it appears more than once. */
static int
http_header_one(struct evkeyvalq *h, const char *k, const char **v)
{
	struct evkeyval *kv;

	*v = NULL;
	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, k) != 0)
			continue;
		if (*v != NULL)
			return -1;
		*v = kv->value;
	}
	return 0;
}

/* Whether a media-type list admits type (or a wildcard for it). */
static int
http_accepts(const char *accept, const char *type)
{
	const char *p = accept, *e;
	size_t tl = strlen(type), len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		e = p + strcspn(p, ",;");
		len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if ((len == tl && strncasecmp(p, type, tl) == 0) ||
		    (len == 3 && strncmp(p, "*/*", 3) == 0) ||
		    (len == 13 && strncasecmp(p, "application/*", 13) == 0))
			return 1;
		p = e + strcspn(e, ",");
	}
	return 0;
}

static int
http_query_has_token(const char *uri)
{
	const char *q;

	if ((q = strchr(uri, '?')) == NULL)
		return 0;
	return strstr(q, "access_token") != NULL;
}

/* ---- the MCP endpoint ---- */

static void
http_mcp_dispatch(struct http_req *r, const char *subject)
{
	struct http_server *srv = r->srv;
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->req);
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	struct http_session *s;
	struct http_conn *c;
	struct mcp_reqctx ctx;
	const char *body;
	size_t len;
	int answered, modern;

	if (r->modern) {
		/* 2026-07-28 has no sessions: a session header is ignored. */
		s = srv->stateless;
	} else if (r->sessid != NULL) {
		s = http_session_find(srv, r->sessid);
		/* A session is its creator's alone; others never see it. */
		if (s == NULL || strcmp(s->subject, subject) != 0) {
			http_error(r->req, 404, "Not Found",
			    MCP_ERR_INVALID_REQ, "Session not found");
			http_req_done(r);
			return;
		}
		s->last_used = time(NULL);
		if (r->del) {
			http_reply(r->req, 204, "No Content", NULL, 0);
			http_req_done(r);
			http_session_free(srv, s);
			return;
		}
	} else {
		if (r->del) {
			http_error(r->req, 400, "Bad Request",
			    MCP_ERR_INVALID_REQ, "Mcp-Session-Id required");
			http_req_done(r);
			return;
		}
		if (srv->nsessions >= srv->p.max_sessions) {
			http_sweep(-1, 0, srv);
			if (srv->nsessions >= srv->p.max_sessions) {
				http_error(r->req, 503, "Service Unavailable",
				    MCP_ERR_BUSY, "Too many sessions");
				http_req_done(r);
				return;
			}
		}
		/* Kept only if this turns out to be a good initialize. */
		s = http_session_new(srv);
		s->subject = xstrdup(subject);
	}
	r->sess = s;
	TAILQ_INSERT_TAIL(&s->reqs, r, sentry);
	r->state = REQ_MCP;
	c = r->conn;
	modern = r->modern;

	memset(&ctx, 0, sizeof(ctx));
	ctx.connid = r->conn->connid;
	/* 2026-07-28 over HTTP: only closing the connection cancels. */
	ctx.scope = r->modern ? PS_SCOPE_CONN : s->scope;
	ctx.cred = r->cred;
	ctx.credlen = r->credlen;
	(void)http_header_one(h, "MCP-Protocol-Version", &ctx.hdr_version);
	(void)http_header_one(h, "Mcp-Method", &ctx.hdr_method);
	(void)http_header_one(h, "Mcp-Name", &ctx.hdr_name);
	len = evbuffer_get_length(in);
	if ((body = (const char *)evbuffer_pullup(in, -1)) == NULL && len > 0)
		fatal_f("evbuffer_pullup");
	/*
	 * r may be answered and freed inside; the session pointer stays
	 * good (only the sweep and DELETE free sessions).
	 */
	answered = mcp_input_http(s->mcp, r, &ctx, body != NULL ? body : "",
	    len);
	/* Still waiting for the monitor: the client's close cancels it. */
	if (modern && answered && !TAILQ_EMPTY(&c->reqs))
		http_conn_watch(c);
	if (!answered) {
		/* A notification or a response: 202, no body. */
		http_reply(r->req, 202, "Accepted", NULL, 0);
		http_req_done(r);
	}
	http_session_orphan(srv, s);
}

void
http_auth_ans(struct http_server *srv, const struct mm_auth_ans *a)
{
	struct http_req *r;

	for (r = TAILQ_FIRST(&srv->authq); r != NULL && r->authid != a->callid;
	    r = TAILQ_NEXT(r, aentry))
		;
	if (r == NULL)
		fatal_f("authentication answer %u for no request", a->callid);
	TAILQ_REMOVE(&srv->authq, r, aentry);
	r->state = 0;
	if (r->req == NULL) {
		http_req_free(r);
		return;
	}
	switch (a->status) {
	case PS_ST_OK:
		http_mcp_dispatch(r, a->subject);
		return;
	case PS_ST_AUTH_FAILED:
		http_challenge(srv, r->req, 401, a->error, NULL);
		break;
	case PS_ST_RATE_LIMITED:
		http_rate_limited(r->req, a->retry_after);
		break;
	default:
		http_error(r->req, 500, "Internal Server Error",
		    MCP_ERR_INTERNAL, "Internal error");
		break;
	}
	http_req_done(r);
}

/* Forward the client's certificate chain, once, before its requests. */
static void
http_send_cert(struct http_server *srv, struct http_conn *c)
{
	uint8_t **der = NULL;
	size_t *derlen = NULL, n = 0;
	long verdict = 0;
	SSL *ssl;

	c->cert_sent = 1;
	if ((ssl = bufferevent_openssl_get_ssl(c->bev)) == NULL)
		fatal_f("TLS connection without SSL");
	if (tls_peer_chain(ssl, &der, &derlen, &n, &verdict) != 0) {
		/* Oversized: the monitor sees no certificate at all. */
		n = 0;
		verdict = X509_V_ERR_APPLICATION_VERIFICATION;
	}
	if (mm_cert(srv->mm, c->connid, (uint32_t)verdict, der, derlen,
	    n) != 0)
		fatal_f("cannot queue client certificate");
	tls_chain_free(der, derlen, n);
}

static void
http_mcp(struct http_server *srv, struct evhttp_request *req,
    struct http_conn *c)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *v, *auth, *ct, *accept, *sid, *ver;
	struct http_req *r;
	size_t i;

	if (cmd == EVHTTP_REQ_GET || (cmd == EVHTTP_REQ_DELETE &&
	    (http_header_one(h, "MCP-Protocol-Version", &ver) != 0 ||
	    (ver != NULL && strcmp(ver, "2026-07-28") == 0)))) {
		/* No server-to-client stream: nothing to GET (MCP allows). */
		http_header(req, "Allow", "POST, DELETE");
		http_error(req, 405, "Method Not Allowed", MCP_ERR_INVALID_REQ,
		    "Method not allowed");
		http_conn_arm(c);
		return;
	}
	if (cmd != EVHTTP_REQ_POST && cmd != EVHTTP_REQ_DELETE) {
		http_header(req, "Allow", "POST, DELETE");
		http_error(req, 405, "Method Not Allowed", MCP_ERR_INVALID_REQ,
		    "Method not allowed");
		http_conn_arm(c);
		return;
	}
	/* Tokens in URLs end up in logs and histories (RFC 6750 2.3). */
	if (http_query_has_token(evhttp_request_get_uri(req))) {
		http_header(req, "WWW-Authenticate",
		    "Bearer error=\"invalid_request\"");
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Credentials in the query string are refused");
		http_conn_arm(c);
		return;
	}
	if (http_header_one(h, "Authorization", &auth) != 0 ||
	    http_header_one(h, "Content-Type", &ct) != 0 ||
	    http_header_one(h, "Accept", &accept) != 0 ||
	    http_header_one(h, "Mcp-Session-Id", &sid) != 0 ||
	    http_header_one(h, "MCP-Protocol-Version", &ver) != 0 ||
	    http_header_one(h, "Mcp-Method", &v) != 0 ||
	    http_header_one(h, "Mcp-Name", &v) != 0) {
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Repeated header");
		http_conn_arm(c);
		return;
	}
	if (cmd == EVHTTP_REQ_POST) {
		if (ct == NULL ||
		    strncasecmp(ct, "application/json", 16) != 0 ||
		    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
			http_error(req, 415, "Unsupported Media Type",
			    MCP_ERR_INVALID_REQ,
			    "Content-Type must be application/json");
			http_conn_arm(c);
			return;
		}
		if (accept != NULL && !http_accepts(accept,
		    "application/json")) {
			http_error(req, 406, "Not Acceptable",
			    MCP_ERR_INVALID_REQ,
			    "Accept must include application/json");
			http_conn_arm(c);
			return;
		}
	}
	if (auth != NULL && (strncasecmp(auth, "Bearer ", 7) != 0)) {
		/* Another scheme: as if no credential came (RFC 6750 3). */
		auth = NULL;
	}
	if (srv->p.mtls && !c->cert_sent)
		http_send_cert(srv, c);

	r = xcalloc(1, sizeof(*r));
	r->srv = srv;
	r->req = req;
	r->conn = c;
	r->del = cmd == EVHTTP_REQ_DELETE;
	r->modern = ver != NULL && strcmp(ver, "2026-07-28") == 0;
	if (sid != NULL)
		r->sessid = xstrdup(sid);
	if (auth != NULL) {
		for (i = 7; auth[i] == ' '; i++)
			;
		r->credlen = strlen(auth + i);
		if (r->credlen > PS_CRED_MAX)
			r->credlen = PS_CRED_MAX;
		r->cred = xmalloc(r->credlen + 1);
		memcpy(r->cred, auth + i, r->credlen);
		r->cred[r->credlen] = '\0';
	}
	TAILQ_INSERT_TAIL(&c->reqs, r, centry);
	srv->npending++;
	r->state = REQ_AUTH;
	if (++srv->next_authid == 0)
		srv->next_authid = 1;
	r->authid = srv->next_authid;
	TAILQ_INSERT_TAIL(&srv->authq, r, aentry);
	/* A request that would open a session counts against RateLimit. */
	if (mm_auth(srv->mm, r->authid, c->connid, r->cred != NULL ? r->cred :
	    "", r->credlen, !r->modern && !r->del && sid == NULL ?
	    PS_AUTH_F_INITIALIZE : 0) != 0)
		fatal_f("cannot queue authentication");
}

static void
http_metadata(struct http_server *srv, struct evhttp_request *req,
    struct http_conn *c)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_header(req, "Allow", "GET");
		http_error(req, 405, "Method Not Allowed", MCP_ERR_INVALID_REQ,
		    "Method not allowed");
	} else
		http_reply(req, 200, "OK", srv->prm_doc, strlen(srv->prm_doc));
	http_conn_arm(c);
}

static void
http_gencb(struct evhttp_request *req, void *arg)
{
	struct http_server *srv = arg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path, *origin, *host, *te, *cl;
	struct http_conn *c;

	c = http_conn_of(srv, req);
	evtimer_del(c->deadline);
	c->served = 1;
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	/*
	 * A repeated Content-Length, or one that is not plain digits, is a
	 * request-smuggling attempt behind a proxy that read another length
	 * than evhttp did (evhttp takes the first, and "+41" as 41).  The
	 * connection is closed after the 400: nothing after this request on
	 * it can be framed with confidence.
	 */
	if (http_header_one(h, "Content-Length", &cl) != 0 ||
	    (cl != NULL && !http_length_ok(cl, strlen(cl)))) {
		http_header(req, "Connection", "close");
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Bad Content-Length");
		return;
	}

	/* evhttp would decode chunked bodies; a body has a length here. */
	if (http_header_one(h, "Transfer-Encoding", &te) != 0 || te != NULL) {
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Transfer-Encoding is not accepted");
		http_conn_arm(c);
		return;
	}
	if (http_header_one(h, "Origin", &origin) != 0 ||
	    (origin != NULL && !http_origin_allowed(srv, c, origin))) {
		http_error(req, 403, "Forbidden", MCP_ERR_INVALID_REQ,
		    "Origin not allowed");
		http_conn_arm(c);
		return;
	}
	/*
	 * On a loopback listener a browser may be tricked by DNS rebinding
	 * into calling us under a foreign name: the Host must be local.
	 */
	if (c->loopback && (http_header_one(h, "Host", &host) != 0 ||
	    !http_host_is_loopback(host))) {
		http_error(req, 403, "Forbidden", MCP_ERR_INVALID_REQ,
		    "Host not allowed");
		http_conn_arm(c);
		return;
	}
#if MCPD_TEST_HOOKS
	/* Test builds only (key_wrap.h): a net process gone hostile. */
	if (path != NULL && strcmp(path, "/mcpd-test/keyflood") == 0)
		mm_key_test_flood(PS_KEY_FD, 0);
	if (path != NULL && strcmp(path, "/mcpd-test/keystall") == 0)
		mm_key_test_flood(PS_KEY_FD, 1);
	/* PS_CERT_REQ twice for one connection (http-dispatch-once.sh). */
	if (path != NULL && strcmp(path, "/mcpd-test/certagain") == 0) {
		http_send_cert(srv, c);
		http_send_cert(srv, c);
	}
#endif
	if (path != NULL && strcmp(path, HTTP_PATH_MCP) == 0)
		http_mcp(srv, req, c);
	else if (path != NULL && (strcmp(path, HTTP_PATH_PRM) == 0 ||
	    strcmp(path, HTTP_PATH_PRM HTTP_PATH_MCP) == 0))
		http_metadata(srv, req, c);
	else {
		http_error(req, 404, "Not Found", MCP_ERR_INVALID_REQ,
		    "Not found");
		http_conn_arm(c);
	}
}

/* ---- set-up ---- */

static char *
http_prm_document(const struct http_params *p)
{
	json_t *d, *a;
	char *text;
	size_t i;

	if ((d = json_object()) == NULL ||
	    json_object_set_new(d, "resource",
	    json_string(p->resource_url)) != 0 ||
	    (a = json_array()) == NULL ||
	    json_object_set_new(d, "authorization_servers", a) != 0)
		return NULL;
	for (i = 0; i < p->nauth_servers; i++)
		if (json_array_append_new(a,
		    json_string(p->auth_servers[i])) != 0)
			return NULL;
	if ((a = json_array()) == NULL ||
	    json_object_set_new(d, "scopes_supported", a) != 0)
		return NULL;
	for (i = 0; i < p->nscopes; i++)
		if (json_array_append_new(a, json_string(p->scopes[i])) != 0)
			return NULL;
	if ((a = json_pack("[s]", "header")) == NULL ||
	    json_object_set_new(d, "bearer_methods_supported", a) != 0)
		return NULL;
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return text;
}

/* "https://host:port/mcp" -> "https://host:port/.well-known/..." */
static char *
http_prm_url(const char *resource)
{
	const char *p;
	char *url;

	if ((p = strstr(resource, "://")) == NULL)
		return NULL;
	p += 3;
	p += strcspn(p, "/");
	xasprintf(&url, "%.*s%s", (int)(p - resource), resource,
	    HTTP_PATH_PRM);
	return url;
}

struct http_server *
http_new(struct event_base *base, const struct http_params *p,
    struct mm_net *mm, struct mcp_registry *reg, const struct mcp_backend *be,
    void *bctx, char *err, size_t errlen)
{
	struct http_server *srv;
	struct timeval tv;
	size_t i;

	if (p->nfds == 0 || p->resource_url == NULL) {
		(void)snprintf(err, errlen, "no listener or resource URL");
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->base = base;
	srv->p = *p;
	srv->mm = mm;
	srv->reg = reg;
	srv->be = be;
	srv->bctx = bctx;
	TAILQ_INIT(&srv->authq);
	TAILQ_INIT(&srv->sessions);
	TAILQ_INIT(&srv->orphans);
	TAILQ_INIT(&srv->newborn);
	for (i = 0; i < HTTP_SRC_BUCKETS; i++)
		TAILQ_INIT(&srv->srcs[i]);
	if ((srv->reap = event_new(base, -1, 0, http_reap, srv)) == NULL ||
	    (srv->adopt = event_new(base, -1, 0, http_adopt, srv)) == NULL) {
		(void)snprintf(err, errlen, "event_new failed");
		return NULL;
	}
	srv->nconns = HTTP_CONN_TABLE;
	srv->conns = xcalloc(srv->nconns, sizeof(*srv->conns));
	if ((srv->prm_doc = http_prm_document(p)) == NULL ||
	    (srv->prm_url = http_prm_url(p->resource_url)) == NULL) {
		(void)snprintf(err, errlen, "bad resource metadata");
		return NULL;
	}
	srv->stateless = http_session_new(srv);
	http_srv = srv;

	if ((srv->http = evhttp_new(base)) == NULL) {
		(void)snprintf(err, errlen, "evhttp_new failed");
		return NULL;
	}
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)p->max_body);
	/*
	 * A body over the limit is read to its end and dropped before the
	 * 413 goes out.  Closing on a client that is still sending makes the
	 * kernel answer its data with a reset, which can destroy the 413
	 * before the client reads it (RFC 9112, 9.6): the client would see
	 * a broken connection, not the reason.  The deadline (http_conn_arm)
	 * bounds how long a body is read, as for any other request.
	 */
	if (evhttp_set_flags(srv->http, EVHTTP_SERVER_LINGERING_CLOSE) != 0) {
		(void)snprintf(err, errlen, "evhttp_set_flags failed");
		return NULL;
	}
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)p->max_headers);
	/*
	 * Silence in either direction; the deadline (http_conn_arm) bounds
	 * the wait for each request however its bytes trickle in.
	 */
	tv.tv_sec = p->idle_timeout;
	tv.tv_usec = 0;
	evhttp_set_timeout_tv(srv->http, &tv);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
	evhttp_set_default_content_type(srv->http, "application/json");
	evhttp_set_bevcb(srv->http, http_bevcb, srv);
	evhttp_set_gencb(srv->http, http_gencb, srv);

	srv->lev = xcalloc(p->nfds, sizeof(*srv->lev));
	for (i = 0; i < p->nfds; i++) {
		/* Disabled until http_start(): the sandbox comes first. */
		if ((srv->lev[i] = evconnlistener_new(base, NULL, NULL,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, -1,
		    p->fds[i])) == NULL ||
		    evhttp_bind_listener(srv->http, srv->lev[i]) == NULL) {
			(void)snprintf(err, errlen, "cannot listen on fd %d",
			    p->fds[i]);
			return NULL;
		}
		evconnlistener_set_error_cb(srv->lev[i], http_accept_error);
	}
	if ((srv->resume = evtimer_new(base, http_accept_resume,
	    srv)) == NULL ||
	    (srv->sweep = event_new(base, -1, EV_PERSIST, http_sweep,
	    srv)) == NULL) {
		(void)snprintf(err, errlen, "event_new failed");
		return NULL;
	}
	tv.tv_sec = HTTP_SWEEP_SECONDS;
	tv.tv_usec = 0;
	if (evtimer_add(srv->sweep, &tv) != 0) {
		(void)snprintf(err, errlen, "evtimer_add failed");
		return NULL;
	}
	return srv;
}

void
http_start(struct http_server *srv, struct mm_net *mm)
{
	size_t i;

	srv->mm = mm;
	for (i = 0; i < srv->p.nfds; i++)
		if (evconnlistener_enable(srv->lev[i]) != 0)
			fatal_f("evconnlistener_enable");
}

size_t
http_pending(const struct http_server *srv)
{
	return srv->npending;
}
