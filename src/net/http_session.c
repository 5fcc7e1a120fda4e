/*
 * The MCP sessions of the HTTP transport (mcpd(8), MCP SESSION).  A
 * session is made for a request without Mcp-Session-Id, and kept (listed,
 * with an id from the kernel's CSPRNG) only once its initialize has been
 * answered; it belongs to the subject that created it.  MaxSessions and
 * MaxSessionsPerUser bound the table, SessionTimeout frees what is not
 * used, and a session that never became one is freed from the event loop
 * (http_reap), never from inside its own callbacks.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "hex.h"
#include "http_int.h"
#include "log.h"
#include "mcp.h"
#include "proto.h"
#include "xmalloc.h"

struct http_session *
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

void
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

struct http_session *
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
void
http_session_orphan(struct http_server *srv, struct http_session *s)
{
	if (s == NULL || s == srv->stateless || s->listed || s->orphan)
		return;
	s->orphan = 1;
	TAILQ_INSERT_TAIL(&srv->orphans, s, oentry);
	event_active(srv->reap, EV_TIMEOUT, 1);
}

void
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

void
http_session_list(struct http_server *srv, struct http_session *s)
{
	uint8_t rnd[HTTP_SESSION_ID_LEN / 2];

	/* From the kernel's CSPRNG: a session id must not be guessable. */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal_f("getrandom: %s", strerror(errno));
	/* Fills the HTTP_SESSION_ID_LEN + 1 bytes of s->id, NUL included. */
	hex_encode(rnd, sizeof(rnd), s->id);
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
void
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

void
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
