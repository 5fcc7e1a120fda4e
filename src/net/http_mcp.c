/*
 * The MCP endpoint of the HTTP transport (mcpd(8), HTTP TRANSPORT): the
 * checks of a request to /mcp (method, credentials in the query string,
 * repeated headers, Content-Type, Accept), its authentication by the
 * monitor (PS_AUTH_REQ, with the client certificate chain once per
 * connection), and then its body to an MCP session: the one its
 * Mcp-Session-Id names (bound to the subject that created it), a new one
 * for initialize, or the shared stateless one for 2026-07-28 requests.
 * What the session answers comes back here and goes out on the request
 * it answers (http_output, http_refuse, http_drop).
 *
 * Nothing here decides who a client is: the Authorization header goes to
 * the monitor with every request.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <openssl/x509_vfy.h>

#include "http_int.h"
#include "log.h"
#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
#include "tls.h"
#include "xmalloc.h"

void
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

/* The reply to r's request has been handed to evhttp. */
void
http_req_done(struct http_req *r)
{
	if (r->conn != NULL)
		http_conn_arm(r->conn);
	http_req_free(r);
}

/*
 * The session has said all it will for r: r is done, and a session that
 * was never kept is let go.  (A request whose client is gone has no
 * connection either, http_conn_free: only our record of it is freed.)
 */
static void
http_req_answered(struct http_req *r)
{
	http_session_orphan(r->srv, r->sess);
	http_req_done(r);
}

void
http_output(void *ctx, void *origin, int status, const char *msg, size_t len)
{
	struct http_req *r = origin;
	struct http_session *s = r->sess;

	/* Unless the client went away: then the answer has nowhere to go. */
	if (r->req != NULL) {
		/* A session is kept once its initialize has been answered. */
		if (s != NULL && !s->listed && !s->orphan &&
		    s != r->srv->stateless && mcp_initialized(s->mcp) &&
		    status == 200) {
			http_session_cap(r->srv, s->subject);
			http_session_list(r->srv, s);
			http_header(r->req, "Mcp-Session-Id", s->id);
		}
		http_reply(r->req, status, http_reason(status), msg, len);
	}
	http_req_answered(r);
}

int
http_refuse(void *ctx, void *origin, const struct mcp_refusal *f)
{
	struct http_req *r = origin;

	if (r->req != NULL) {
		switch (f->status) {
		case PS_ST_AUTH_FAILED:
			http_challenge(r->srv, r->req, 401, "invalid_token",
			    NULL);
			break;
		case PS_ST_SCOPE:
			http_challenge(r->srv, r->req, 403,
			    "insufficient_scope", f->scope);
			break;
		case PS_ST_RATE_LIMITED:
			http_rate_limited(r->req, f->retry_after);
			break;
		default:
			return 0;
		}
	}
	http_req_answered(r);
	return 1;
}

/*
 * The monitor cancelled the request's call: MCP sends no JSON-RPC answer
 * for it.  A client still waiting on the POST (a 2025-xx session, whose
 * cancellation came in another request) gets 204 and no body, so that
 * the request ends; one that is gone (2026-07-28: closing was the
 * cancellation) leaves only our record of it to free.
 */
void
http_drop(void *ctx, void *origin)
{
	struct http_req *r = origin;

	if (r->req != NULL)
		http_reply(r->req, 204, "No Content", NULL, 0);
	http_req_answered(r);
}

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
void
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

void
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
