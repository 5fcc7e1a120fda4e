/*
 * The set-up of the HTTP transport (see http.h): evhttp on the listening
 * sockets the monitor opened, and the timers of the server.
 *
 * evhttp's defaults suit a trusted peer, not the Internet, so every limit
 * is set here from the configuration: body and header sizes, the
 * inactivity timeout, the methods, and the callbacks through which every
 * connection (http_conn.c) and request (http_request.c) passes.
 * Everything that needs a system call the sandbox forbids happens in
 * http_new(); http_start() only arms the listeners.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "http_int.h"
#include "log.h"
#include "xmalloc.h"

struct http_server *http_srv;

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
