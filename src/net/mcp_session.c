/*
 * One MCP session (see mcp.h): its state, the calls it has waiting for the
 * backend (at most its max_inflight, and at most the registry's in all
 * sessions), and what it forwards with each request: the credential the
 * client presented, the clientInfo for the audit, where the request came
 * from.  The session judges nothing about credentials; it forwards what
 * the client presented.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"
#include "proto.h"
#include "xmalloc.h"

struct mcp_session *
mcp_session_new(struct mcp_registry *reg, const struct mcp_backend *be,
    void *bctx, mcp_output_fn out, void *octx, size_t max_inflight)
{
	struct mcp_session *s;

	if (max_inflight == 0 || max_inflight > reg->max_inflight)
		max_inflight = reg->max_inflight;
	s = xcalloc(1, sizeof(*s));
	s->reg = reg;
	s->be = be;
	s->bctx = bctx;
	s->out = out;
	s->octx = octx;
	s->state = MCP_ST_NEW;
	s->max_inflight = max_inflight;
	s->calls = xcalloc(max_inflight, sizeof(*s->calls));
	return s;
}

struct mcp_session *
mcp_new(const struct mcp_backend *be, void *bctx, mcp_output_fn out,
    void *octx, size_t max_inflight, char *err, size_t errlen)
{
	struct mcp_registry *reg;
	struct mcp_session *s;

	if ((reg = mcp_registry_new(max_inflight, err, errlen)) == NULL)
		return NULL;
	s = mcp_session_new(reg, be, bctx, out, octx, max_inflight);
	s->own_reg = 1;
	return s;
}

void
mcp_set_refuse(struct mcp_session *s, mcp_refuse_fn fn)
{
	s->refuse = fn;
}

void
mcp_set_drop(struct mcp_session *s, mcp_drop_fn fn)
{
	s->drop = fn;
}

void
mcp_call_free(struct mcp_session *s, struct mcp_call *c)
{
	mcp_route_del(s->reg, c->callid);
	json_decref(c->id);
	free(c->tool);
	memset(c, 0, sizeof(*c));
	s->ninflight--;
}

void
mcp_free(struct mcp_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->max_inflight; i++)
		if (s->calls[i].used)
			mcp_call_free(s, &s->calls[i]);
	free(s->calls);
	free(s->client);
	if (s->own_reg)
		mcp_registry_free(s->reg);
	free(s);
}

size_t
mcp_inflight(const struct mcp_session *s)
{
	return s->ninflight;
}

int
mcp_initialized(const struct mcp_session *s)
{
	return s->state != MCP_ST_NEW;
}

const char *
mcp_version(const struct mcp_session *s)
{
	return s->version;
}

struct mcp_call *
mcp_call_find(struct mcp_session *s, uint32_t callid)
{
	size_t i;

	for (i = 0; i < s->max_inflight; i++)
		if (s->calls[i].used && s->calls[i].callid == callid)
			return &s->calls[i];
	return NULL;
}

/*
 * Register a request that waits for the backend.  On failure the client
 * has been answered and NULL is returned.
 */
struct mcp_call *
mcp_call_new(struct mcp_session *s, void *origin, json_t *id, int kind,
    const char *tool)
{
	struct mcp_registry *reg = s->reg;
	struct mcp_call *c = NULL;
	size_t i;

	for (i = 0; i < s->max_inflight; i++) {
		if (!s->calls[i].used) {
			if (c == NULL)
				c = &s->calls[i];
		} else if (s->calls[i].kind != MCP_CALL_HELLO &&
		    !(s->req_modern && s->http != NULL) &&
		    json_equal(s->calls[i].id, id)) {
			/*
			 * Ids must be unique among a session's requests in
			 * flight.  Stateless HTTP requests share no session:
			 * each POST is its own exchange, whatever its id.
			 */
			mcp_error(s, origin, id, MCP_ERR_INVALID_REQ,
			    "Invalid Request", NULL);
			return NULL;
		}
	}
	if (c == NULL || reg->ninflight >= reg->max_inflight) {
		/* The transports stop reading first; this is a safety net. */
		mcp_error_status(s, origin, 503, id, MCP_ERR_BUSY,
		    "Server busy", NULL);
		return NULL;
	}
	do {
		if (++reg->next_callid == 0)
			reg->next_callid = 1;
	} while (mcp_route_find(reg, reg->next_callid) != NULL);
	c->used = 1;
	c->kind = kind;
	c->callid = reg->next_callid;
	c->id = id != NULL ? json_incref(id) : NULL;
	c->tool = tool != NULL ? xstrdup(tool) : NULL;
	c->origin = origin;
	c->modern = s->req_modern;
	mcp_route_add(reg, c->callid, s);
	s->ninflight++;
	return c;
}

/*
 * The credential of a request: params._meta.authorization, "Bearer TOKEN"
 * with the scheme in any case, forwards TOKEN.  Anything else that is
 * present is forwarded as its JSON text (a string keeps its quotes), which
 * no key or token can equal: the backend then refuses it, and a malformed
 * credential never falls back to the empty one (the backend's default).
 */
void
mcp_cred_get(const struct mcp_session *s, json_t *params, struct mcp_cred *c)
{
	json_t *meta, *auth;
	const char *a;
	size_t alen, i;

	memset(c, 0, sizeof(*c));
	c->p = "";
	/* Over HTTP the Authorization header is the one credential. */
	if (s->http != NULL) {
		if (s->http->cred != NULL) {
			c->p = s->http->cred;
			c->len = s->http->credlen;
		}
		return;
	}
	if (!json_is_object(params) ||
	    !json_is_object(meta = json_object_get(params, "_meta")) ||
	    (auth = json_object_get(meta, "authorization")) == NULL)
		return;
	if (json_is_string(auth)) {
		a = json_string_value(auth);
		alen = json_string_length(auth);
		if (alen > 6 && strncasecmp(a, "Bearer", 6) == 0 &&
		    a[6] == ' ') {
			for (i = 6; i < alen && a[i] == ' '; i++)
				;
			if (i < alen && alen - i <= PS_CRED_MAX) {
				c->p = a + i;
				c->len = alen - i;
				return;
			}
		}
	}
	if ((c->buf = json_dumps(auth, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	c->buflen = strlen(c->buf);
	c->p = c->buf;
	c->len = c->buflen > PS_CRED_MAX ? PS_CRED_MAX : c->buflen;
}

void
mcp_cred_clear(struct mcp_cred *c)
{
	if (c->buf != NULL)
		freezero(c->buf, c->buflen + 1);
	memset(c, 0, sizeof(*c));
}

void
mcp_reqinfo(const struct mcp_session *s, struct mcp_reqinfo *ri)
{
	ri->connid = s->http != NULL ? s->http->connid : 0;
	/* A 2026-07-28 request over HTTP is cancelled by closing it. */
	if (s->http == NULL)
		ri->scope = PS_SCOPE_STDIO;
	else
		ri->scope = s->req_modern ? PS_SCOPE_CONN : s->http->scope;
	ri->schema_error = "";
	ri->audit_args = "";
	if (s->req_client != NULL)
		ri->client = s->req_client;
	else
		ri->client = s->client != NULL ? s->client : "{}";
}

/* clientInfo as bounded JSON text for the monitor's audit; allocated. */
char *
mcp_client_text(json_t *ci)
{
	char *info;

	if (!json_is_object(ci))
		return xstrdup("{}");
	if ((info = json_dumps(ci, JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	if (strlen(info) > PS_CLIENT_MAX) {
		free(info);
		info = xstrdup("{\"truncated\":true}");
	}
	return info;
}
