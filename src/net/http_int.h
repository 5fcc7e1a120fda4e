/*
 * What the files of the HTTP transport share (http.h is the interface the
 * rest of the net process sees): the server, its connections, requests and
 * sessions, and the functions one file calls in another.  The files are
 *
 *   http_server.c    set-up: evhttp and its limits, the listeners, timers
 *   http_conn.c      connections: accept, adoption, deadlines, per-source
 *                    counts, the Content-Length scan, the close
 *   http_request.c   every request: framing and header checks (Origin,
 *                    Host), and the route to its endpoint
 *   http_mcp.c       the MCP endpoint: the request's checks, its
 *                    authentication by the monitor, its body to a session
 *                    and the session's answers back to it
 *   http_session.c   MCP sessions: ids, ownership, caps, expiry
 *   http_reply.c     the response side: replies, JSON-RPC errors, the
 *                    RFC 6750 challenge
 *   http_metadata.c  the RFC 9728 protected resource metadata
 *
 * Only these files include this header.
 */
#ifndef MCPD_HTTP_INT_H
#define MCPD_HTTP_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "http.h"
#include "netblock.h"

struct bufferevent;
struct evbuffer;
struct evbuffer_cb_info;
struct evbuffer_cb_entry;
struct evconnlistener;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct evkeyvalq;
struct mcp_refusal;

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
extern struct http_server *http_srv;

/* http_reply.c */
void	http_header(struct evhttp_request *, const char *k, const char *v);
void	http_reply(struct evhttp_request *, int status, const char *reason,
	    const char *json, size_t len);
void	http_error(struct evhttp_request *, int status, const char *reason,
	    int code, const char *message);
const char *http_reason(int status);
void	http_challenge(struct http_server *, struct evhttp_request *,
	    int status, const char *error, const char *scope);
void	http_rate_limited(struct evhttp_request *, uint32_t retry_after);

/* http_conn.c */
void	http_conn_arm(struct http_conn *);
void	http_conn_watch(struct http_conn *);
struct http_conn *http_conn_of(struct http_server *, struct evhttp_request *);
struct bufferevent *http_bevcb(struct event_base *, void *srv);
void	http_adopt(evutil_socket_t, short, void *srv);
void	http_accept_error(struct evconnlistener *, void *);
void	http_accept_resume(evutil_socket_t, short, void *srv);

/* http_request.c */
int	http_length_ok(const char *v, size_t len);
int	http_header_one(struct evkeyvalq *, const char *k, const char **v);
int	http_accepts(const char *accept, const char *type);
int	http_query_has_token(const char *uri);
void	http_gencb(struct evhttp_request *, void *srv);

/* http_mcp.c */
void	http_req_free(struct http_req *);
void	http_req_done(struct http_req *);
void	http_output(void *ctx, void *origin, int status, const char *msg,
	    size_t len);
int	http_refuse(void *ctx, void *origin, const struct mcp_refusal *);
void	http_drop(void *ctx, void *origin);
void	http_send_cert(struct http_server *, struct http_conn *);
void	http_mcp(struct http_server *, struct evhttp_request *,
	    struct http_conn *);

/* http_session.c */
struct http_session *http_session_new(struct http_server *);
void	http_session_free(struct http_server *, struct http_session *);
struct http_session *http_session_find(struct http_server *, const char *id);
void	http_session_orphan(struct http_server *, struct http_session *);
void	http_session_list(struct http_server *, struct http_session *);
void	http_session_cap(struct http_server *, const char *subject);
void	http_reap(evutil_socket_t, short, void *srv);
void	http_sweep(evutil_socket_t, short, void *srv);

/* http_metadata.c */
void	http_metadata(struct http_server *, struct evhttp_request *,
	    struct http_conn *);
char	*http_prm_document(const struct http_params *);
char	*http_prm_url(const char *resource);

#endif /* MCPD_HTTP_INT_H */
