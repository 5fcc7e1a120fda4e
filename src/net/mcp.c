/*
 * MCP over JSON-RPC 2.0, transport independent (see mcp.h).
 *
 * This is where client input is parsed, so it is written to be boring:
 * jansson does the parsing (duplicate keys rejected, its depth limit, its
 * UTF-8 checks, no NUL in strings), every answer is built as a jansson
 * value and serialised compact (so no raw newline can ever reach a
 * newline-delimited transport), and no error text of a library, no path and
 * no large piece of the input ever goes back to the client.  The session
 * judges nothing about credentials: it forwards what the client presented
 * and renders what the backend decided.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
#include "redact.h"
#include "schema.h"
#include "toolcatalog.h"
#include "xmalloc.h"

/* Session states. */
#define MCP_ST_NEW		0	/* initialize not answered yet */
#define MCP_ST_HELLO		1	/* answered; backend's ack pending */
#define MCP_ST_READY		2	/* the backend acknowledged the hello */
#define MCP_ST_FAILED		3	/* the backend refused the hello */

/* What an in-flight call waits for. */
#define MCP_CALL_LIST		1
#define MCP_CALL_TOOL		2
#define MCP_CALL_HELLO		3	/* initialize answered; ack pending */

#define MCP_INFLIGHT_MAX	65536

/*
 * PS_TOOLLIST_ANS carries no retry delay; a per-minute token bucket is
 * full again after a minute at the latest, so that is a safe hint.
 */
#define MCP_LIST_RETRY_AFTER	60

#define MCP_INSTRUCTIONS \
	"mcpd serves tools through a privilege-separated monitor: every " \
	"tools/call is authenticated, rate-limited, authorized and " \
	"audited. A refused call is a tool result with isError set."

/* The versions with an initialize handshake, oldest first. */
static const char *const mcp_versions[] = {
	"2025-03-26", "2025-06-18", "2025-11-25", NULL
};

/*
 * 2026-07-28 has no handshake: every request names its version in _meta
 * and is answered on its own, whatever the session has or has not done.
 */
#define MCP_VERSION_STATELESS	"2026-07-28"
#define MCP_META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define MCP_META_CAPS		"io.modelcontextprotocol/clientCapabilities"
#define MCP_META_CLIENT		"io.modelcontextprotocol/clientInfo"
#define MCP_META_SERVER		"io.modelcontextprotocol/serverInfo"
#define MCP_ERR_UNSUPPORTED	(-32022)
/* Mcp-Name values that are not plain header text come encoded so. */
#define MCP_B64_PREFIX		"=?base64?"
#define MCP_B64_SUFFIX		"?="

struct mcp_call {
	int		 used;
	int		 kind;		/* MCP_CALL_* */
	uint32_t	 callid;
	json_t		*id;		/* the JSON-RPC id, a reference */
	char		*tool;		/* tools/call: the name asked for */
	void		*origin;
	int		 modern;	/* a 2026-07-28 request */
};

/* callid -> session, open addressing with linear probing. */
struct mcp_route {
	uint32_t		 callid;	/* 0: free */
	struct mcp_session	*s;
};

struct mcp_registry {
	size_t			 max_inflight;
	size_t			 ninflight;
	uint32_t		 next_callid;
	struct mcp_route	*routes;
	size_t			 nroutes;	/* a power of two */

	size_t			 ntools;
	json_t			**schemas;	/* by catalog index */
	json_t			**tooljson;	/* tools/list entries */
	char			**redact;	/* AuditRedact rules */
	size_t			 nredact;
};

struct mcp_session {
	struct mcp_registry	*reg;
	int			 own_reg;	/* mcp_new() made it */
	const struct mcp_backend *be;
	void			*bctx;
	mcp_output_fn		 out;
	void			*octx;
	mcp_refuse_fn		 refuse;
	mcp_drop_fn		 drop;
	int			 state;	/* MCP_ST_* */
	const char		*version;	/* agreed by initialize */
	char			*client;	/* clientInfo JSON text */

	struct mcp_call		*calls;
	size_t			 max_inflight;
	size_t			 ninflight;

	/* The request being handled, while mcp_input_http runs. */
	const struct mcp_reqctx	*http;
	/* A 2026-07-28 request being handled: its own clientInfo. */
	char			*req_client;
	int			 req_modern;
};

/* A credential to forward; buf is set when it had to be built. */
struct mcp_cred {
	const char	*p;
	size_t		 len;
	char		*buf;
	size_t		 buflen;
};

/*
 * Value builders.  jansson returns NULL only when out of memory here (every
 * string passed to them is ours or already known to be UTF-8), which in
 * daemon code is fatal, as xmalloc is.
 */
static json_t *
jobj(void)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		fatal_f("out of memory");
	return o;
}

static void
jset(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		fatal_f("out of memory");
}

static void
jappend(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		fatal_f("out of memory");
}

static void
mcp_send_status(struct mcp_session *s, void *origin, int status, json_t *msg)
{
	char *text;

	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL)
		fatal_f("cannot serialise an answer");
	s->out(s->octx, origin, status, text, strlen(text));
	free(text);
}

static void
mcp_send(struct mcp_session *s, void *origin, json_t *msg)
{
	mcp_send_status(s, origin, 200, msg);
}

static json_t *
mcp_envelope(json_t *id)
{
	json_t *m = jobj();

	jset(m, "jsonrpc", json_string("2.0"));
	jset(m, "id", id != NULL ? json_incref(id) : json_null());
	return m;
}

static void
mcp_result(struct mcp_session *s, void *origin, json_t *id, json_t *result)
{
	json_t *m = mcp_envelope(id);

	jset(m, "result", result);
	mcp_send(s, origin, m);
}

/*
 * data, if not NULL, is a new reference that this function takes.  Over
 * HTTP, a message that could not be parsed or is not a valid request goes
 * with 400, as the Streamable HTTP transport asks; any other error is an
 * answer like a result.
 */
static void
mcp_error_status(struct mcp_session *s, void *origin, int status, json_t *id,
    int code, const char *message, json_t *data)
{
	json_t *m = mcp_envelope(id), *e = jobj();

	jset(e, "code", json_integer(code));
	jset(e, "message", json_string(message));
	if (data != NULL)
		jset(e, "data", data);
	jset(m, "error", e);
	mcp_send_status(s, origin, status, m);
}

static void
mcp_error(struct mcp_session *s, void *origin, json_t *id, int code,
    const char *message, json_t *data)
{
	int status = 200;

	if (code == MCP_ERR_PARSE || code == MCP_ERR_INVALID_REQ)
		status = 400;
	mcp_error_status(s, origin, status, id, code, message, data);
}

static json_t *
mcp_tool_entry(const struct tool_def *def, json_t *schema, char *err,
    size_t errlen)
{
	json_t *t, *ann, *v;

	t = jobj();
	if ((v = json_string(def->name)) == NULL)
		goto bad;
	jset(t, "name", v);
	if (def->title != NULL) {
		if ((v = json_string(def->title)) == NULL)
			goto bad;
		jset(t, "title", v);
	}
	if (def->description != NULL) {
		if ((v = json_string(def->description)) == NULL)
			goto bad;
		jset(t, "description", v);
	}
	jset(t, "inputSchema", json_incref(schema));
	ann = jobj();
	jset(ann, "readOnlyHint", json_boolean(def->read_only));
	jset(ann, "destructiveHint", json_boolean(def->destructive));
	jset(t, "annotations", ann);
	return t;
 bad:
	json_decref(t);
	(void)snprintf(err, errlen, "tool %.64s: text is not UTF-8",
	    def->name);
	return NULL;
}

struct mcp_registry *
mcp_registry_new(size_t max_inflight, char *err, size_t errlen)
{
	struct mcp_registry *reg;
	const struct tool_def *def;
	const json_t *type;
	char serr[256];
	size_t i;

	if (max_inflight == 0 || max_inflight > MCP_INFLIGHT_MAX) {
		(void)snprintf(err, errlen, "bad in-flight limit %zu",
		    max_inflight);
		return NULL;
	}
	reg = xcalloc(1, sizeof(*reg));
	reg->max_inflight = max_inflight;
	/* At most half full, so that probes stay short. */
	for (reg->nroutes = 16; reg->nroutes < 2 * max_inflight;
	    reg->nroutes *= 2)
		;
	reg->routes = xcalloc(reg->nroutes, sizeof(*reg->routes));
	reg->ntools = toolcat_count();
	if (reg->ntools > 0) {
		reg->schemas = xcalloc(reg->ntools, sizeof(*reg->schemas));
		reg->tooljson = xcalloc(reg->ntools, sizeof(*reg->tooljson));
	}
	/* Everything the catalog holds is parsed now, before the sandbox. */
	for (i = 0; i < reg->ntools; i++) {
		def = toolcat_get(i);
		if (def == NULL || def->name == NULL ||
		    strlen(def->name) == 0 || strlen(def->name) > PS_NAME_MAX) {
			(void)snprintf(err, errlen,
			    "catalog entry %zu: bad name", i);
			goto fail;
		}
		if ((reg->schemas[i] = schema_load(def->input_schema, serr,
		    sizeof(serr))) == NULL) {
			(void)snprintf(err, errlen, "tool %.64s: %s",
			    def->name, serr);
			goto fail;
		}
		/* MCP requires an object schema for tool arguments. */
		type = json_object_get(reg->schemas[i], "type");
		if (!json_is_string(type) ||
		    strcmp(json_string_value(type), "object") != 0) {
			(void)snprintf(err, errlen,
			    "tool %.64s: inputSchema is not of type object",
			    def->name);
			goto fail;
		}
		if ((reg->tooljson[i] = mcp_tool_entry(def, reg->schemas[i],
		    err, errlen)) == NULL)
			goto fail;
	}
	return reg;
 fail:
	mcp_registry_free(reg);
	return NULL;
}

void
mcp_registry_free(struct mcp_registry *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->ntools; i++) {
		json_decref(reg->schemas[i]);
		json_decref(reg->tooljson[i]);
	}
	free(reg->schemas);
	free(reg->tooljson);
	free(reg->routes);
	for (i = 0; i < reg->nredact; i++)
		free(reg->redact[i]);
	free(reg->redact);
	free(reg);
}

void
mcp_registry_set_redact(struct mcp_registry *reg, char **rules, size_t n)
{
	size_t i;

	for (i = 0; i < reg->nredact; i++)
		free(reg->redact[i]);
	free(reg->redact);
	reg->redact = rules;
	reg->nredact = n;
}

size_t
mcp_registry_inflight(const struct mcp_registry *reg)
{
	return reg->ninflight;
}

static size_t
mcp_route_slot(const struct mcp_registry *reg, uint32_t callid)
{
	/* Fibonacci hashing: sequential ids spread over the table. */
	return (size_t)((callid * 2654435761U) & (reg->nroutes - 1));
}

static struct mcp_session *
mcp_route_find(const struct mcp_registry *reg, uint32_t callid)
{
	size_t i;

	for (i = mcp_route_slot(reg, callid); reg->routes[i].callid != 0;
	    i = (i + 1) & (reg->nroutes - 1))
		if (reg->routes[i].callid == callid)
			return reg->routes[i].s;
	return NULL;
}

static void
mcp_route_add(struct mcp_registry *reg, uint32_t callid,
    struct mcp_session *s)
{
	size_t i;

	for (i = mcp_route_slot(reg, callid); reg->routes[i].callid != 0;
	    i = (i + 1) & (reg->nroutes - 1))
		;
	reg->routes[i].callid = callid;
	reg->routes[i].s = s;
	reg->ninflight++;
}

/* Deletion with backward shift, so that no tombstone is ever needed. */
static void
mcp_route_del(struct mcp_registry *reg, uint32_t callid)
{
	size_t i, j, k, mask = reg->nroutes - 1;

	for (i = mcp_route_slot(reg, callid); reg->routes[i].callid != callid;
	    i = (i + 1) & mask)
		if (reg->routes[i].callid == 0)
			fatal_f("call %u not routed", callid);
	reg->ninflight--;
	for (j = (i + 1) & mask; reg->routes[j].callid != 0;
	    j = (j + 1) & mask) {
		k = mcp_route_slot(reg, reg->routes[j].callid);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			reg->routes[i] = reg->routes[j];
			i = j;
		}
	}
	reg->routes[i].callid = 0;
	reg->routes[i].s = NULL;
}

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

static void
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

static struct mcp_call *
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
static struct mcp_call *
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
static void
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

static void
mcp_cred_clear(struct mcp_cred *c)
{
	if (c->buf != NULL)
		freezero(c->buf, c->buflen + 1);
	memset(c, 0, sizeof(*c));
}

static void
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
static char *
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

/*
 * Wipe the presented credential inside the parsed message before it is
 * freed.  jansson's strings are plain heap copies, so writing over one
 * that is about to be released is safe.
 */
static void
mcp_scrub(json_t *msg)
{
	json_t *p, *m, *a;

	if (json_is_object(msg) &&
	    json_is_object(p = json_object_get(msg, "params")) &&
	    json_is_object(m = json_object_get(p, "_meta")) &&
	    json_is_string(a = json_object_get(m, "authorization")))
		explicit_bzero((char *)(uintptr_t)json_string_value(a),
		    json_string_length(a));
}

static void
mcp_initialize(struct mcp_session *s, void *origin, json_t *id,
    json_t *params)
{
	const char *version = MCP_PROTOCOL_LATEST;
	struct mcp_reqinfo ri;
	struct mcp_call *c;
	json_t *pv, *r, *caps, *tools, *si;
	size_t i;

	if (s->state != MCP_ST_NEW) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_REQ,
		    "Already initialized", NULL);
		return;
	}
	if (!json_is_object(params) ||
	    !json_is_string(pv = json_object_get(params, "protocolVersion"))) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", NULL);
		return;
	}
	/* Echo a version we speak, else offer the newest (MCP lifecycle). */
	for (i = 0; mcp_versions[i] != NULL; i++) {
		if (strcmp(json_string_value(pv), mcp_versions[i]) == 0) {
			version = mcp_versions[i];
			break;
		}
	}
	/* The monitor audits clientInfo as opaque JSON text, bounded. */
	free(s->client);
	s->client = mcp_client_text(json_object_get(params, "clientInfo"));
	/* The monitor's acknowledgement is routed like any other answer. */
	if ((c = mcp_call_new(s, origin, id, MCP_CALL_HELLO, NULL)) == NULL)
		return;
	mcp_reqinfo(s, &ri);
	if (s->be->hello(s->bctx, &ri, c->callid, s->client, version) != 0) {
		mcp_call_free(s, c);
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
		return;
	}
	/* The answer below is the call's only output. */
	c->origin = NULL;
	s->state = MCP_ST_HELLO;
	s->version = version;
	debug_f("protocol version %s", version);

	r = jobj();
	jset(r, "protocolVersion", json_string(version));
	caps = jobj();
	tools = jobj();
	jset(tools, "listChanged", json_false());
	jset(caps, "tools", tools);
	jset(r, "capabilities", caps);
	si = jobj();
	jset(si, "name", json_string("mcpd"));
	jset(si, "version", json_string(MCPD_VERSION));
	jset(r, "serverInfo", si);
	jset(r, "instructions", json_string(MCP_INSTRUCTIONS));
	mcp_result(s, origin, id, r);
}

static void
mcp_tools_list(struct mcp_session *s, void *origin, json_t *id,
    json_t *params)
{
	struct mcp_call *c;
	struct mcp_cred cred;
	struct mcp_reqinfo ri;
	char *reqid;
	int r;

	/*
	 * The list is one page, so no cursor was ever issued: any cursor is
	 * invalid, and MCP asks for -32602 then.
	 */
	if (params != NULL && (!json_is_object(params) ||
	    json_object_get(params, "cursor") != NULL)) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", NULL);
		return;
	}
	if ((reqid = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
		return;
	}
	if ((c = mcp_call_new(s, origin, id, MCP_CALL_LIST, NULL)) == NULL) {
		free(reqid);
		return;
	}
	mcp_cred_get(s, params, &cred);
	mcp_reqinfo(s, &ri);
	r = s->be->toollist(s->bctx, &ri, c->callid, cred.p, cred.len,
	    reqid);
	mcp_cred_clear(&cred);
	free(reqid);
	if (r != 0) {
		mcp_call_free(s, c);
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
	}
}

static int
mcp_tool_index(const struct mcp_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->reg->ntools; i++)
		if (strcmp(toolcat_get(i)->name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * The tool error an allowed caller gets for arguments that fail the
 * tool's inputSchema (MCP 2025-11-25, SEP-1303: a tool execution error,
 * so that a model can correct itself), naming each failed constraint.
 */
static void
mcp_schema_error_text(const struct schema_errors *errs, char *buf,
    size_t len)
{
	size_t i, o;
	int n;

	n = snprintf(buf, len, "invalid arguments:");
	o = n > 0 && (size_t)n < len ? (size_t)n : 0;
	for (i = 0; i < errs->n && o < len; i++) {
		n = snprintf(buf + o, len - o, "%s %s", i > 0 ? ";" : "",
		    errs->msg[i]);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

static void
mcp_tools_call(struct mcp_session *s, void *origin, json_t *id,
    json_t *params)
{
	struct schema_errors errs;
	char schema_error[PS_SCHEMA_ERR_MAX + 1], *audit_args = NULL;
	struct mcp_call *c;
	struct mcp_cred cred;
	struct mcp_reqinfo ri;
	json_t *name, *args, *empty = NULL;
	char *reqid = NULL, *argtext = NULL;
	const char *tool;
	size_t namelen;
	int idx, r;

	if (!json_is_object(params) ||
	    !json_is_string(name = json_object_get(params, "name"))) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", NULL);
		return;
	}
	tool = json_string_value(name);
	namelen = json_string_length(name);
	if ((args = json_object_get(params, "arguments")) == NULL)
		args = empty = jobj();
	/*
	 * A name no tool can have (empty, or over the privsep field cap) is
	 * refused here, as a malformed parameter, so that the monitor only
	 * ever sees well-formed messages.
	 */
	if (!json_is_object(args) || namelen == 0 || namelen > PS_NAME_MAX) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", NULL);
		goto out;
	}
	/*
	 * Only catalog tools are validated here; any other name goes to the
	 * monitor like a real call, so that it is authenticated and audited
	 * and the answer tells an unauthenticated caller nothing.  Arguments
	 * that fail the schema go to the monitor too, with the failure:
	 * authorization comes first, so that a caller not allowed the tool
	 * is denied whatever the arguments and learns nothing of its schema;
	 * an allowed caller gets the failure as a tool error, and the
	 * monitor never runs the call.
	 */
	schema_error[0] = '\0';
	if ((idx = mcp_tool_index(s, tool)) >= 0 &&
	    schema_validate(s->reg->schemas[idx], args, &errs) != 0)
		mcp_schema_error_text(&errs, schema_error,
		    sizeof(schema_error));
	if ((reqid = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL ||
	    (argtext = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatal_f("out of memory");
	if (strlen(reqid) > PS_ID_MAX) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_REQ,
		    "Invalid Request", NULL);
		goto out;
	}
	if (strlen(argtext) > PS_ARGS_MAX) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", NULL);
		goto out;
	}
	if ((c = mcp_call_new(s, origin, id, MCP_CALL_TOOL, tool)) == NULL)
		goto out;
	mcp_cred_get(s, params, &cred);
	mcp_reqinfo(s, &ri);
	ri.schema_error = schema_error;
	/* AuditRedact: see redact.c for why the net process does it. */
	if ((audit_args = redact_args(s->reg->redact, s->reg->nredact, tool,
	    args)) != NULL)
		ri.audit_args = audit_args;
	r = s->be->toolcall(s->bctx, &ri, c->callid, cred.p, cred.len, reqid,
	    tool, argtext, strlen(argtext));
	mcp_cred_clear(&cred);
	if (r != 0) {
		mcp_call_free(s, c);
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
	}
 out:
	json_decref(empty);
	free(reqid);
	free(argtext);
	free(audit_args);
}

static void
mcp_request(struct mcp_session *s, void *origin, json_t *id,
    const char *method, json_t *params)
{
	int tools;

	if (strcmp(method, "initialize") == 0) {
		mcp_initialize(s, origin, id, params);
		return;
	}
	if (strcmp(method, "ping") == 0) {
		mcp_result(s, origin, id, jobj());
		return;
	}
	if (s->state == MCP_ST_NEW) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_REQ,
		    "Server not initialized", NULL);
		return;
	}
	tools = strcmp(method, "tools/list") == 0 ||
	    strcmp(method, "tools/call") == 0;
	if (tools && s->state == MCP_ST_FAILED) {
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
		return;
	}
	if (strcmp(method, "tools/list") == 0)
		mcp_tools_list(s, origin, id, params);
	else if (strcmp(method, "tools/call") == 0)
		mcp_tools_call(s, origin, id, params);
	else
		mcp_error(s, origin, id, MCP_ERR_NO_METHOD,
		    "Method not found", NULL);
}

/*
 * notifications/cancelled.  Whose call it names is not decided here: over
 * HTTP with 2026-07-28 every client shares one session, so a match on the
 * id alone would let anyone cancel anyone's call.  The notification goes
 * to the monitor with its own credential and scope; the monitor cancels
 * only a call of the same subject in the same scope, and answers that
 * call with PS_F_CANCELLED, which suppresses the answer (see
 * mcp_toolcall_ans).  Anything else, a tools/list included, runs on.
 */
static void
mcp_cancelled(struct mcp_session *s, json_t *params)
{
	struct mcp_reqinfo ri;
	struct mcp_cred cred;
	json_t *rid;
	char *reqid;

	if (!json_is_object(params))
		return;
	rid = json_object_get(params, "requestId");
	if (!json_is_string(rid) && !json_is_integer(rid))
		return;
	if ((reqid = json_dumps(rid, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	/* No call can have an id the monitor would not have taken. */
	if (strlen(reqid) > PS_ID_MAX) {
		free(reqid);
		return;
	}
	mcp_cred_get(s, params, &cred);
	mcp_reqinfo(s, &ri);
	if (s->be->cancel(s->bctx, &ri, cred.p, cred.len, reqid) != 0)
		error_f("cannot forward a cancellation");
	mcp_cred_clear(&cred);
	free(reqid);
}

static void
mcp_notification(struct mcp_session *s, const char *method, json_t *params)
{
	/* Before initialize every notification is ignored. */
	if (s->state == MCP_ST_NEW)
		return;
	/* notifications/initialized and unknown ones need nothing. */
	if (strcmp(method, "notifications/cancelled") == 0)
		mcp_cancelled(s, params);
}

int
mcp_version_supported(const char *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; mcp_versions[i] != NULL; i++)
		if (strcmp(v, mcp_versions[i]) == 0)
			return 1;
	return strcmp(v, MCP_VERSION_STATELESS) == 0;
}

/* -32022 with the versions we speak and the one asked for (HTTP 400). */
static void
mcp_unsupported(struct mcp_session *s, void *origin, json_t *id,
    const char *requested)
{
	json_t *d = jobj(), *a;
	size_t i;

	if ((a = json_array()) == NULL)
		fatal_f("out of memory");
	jappend(a, json_string(MCP_VERSION_STATELESS));
	for (i = 0; mcp_versions[i] != NULL; i++)
		jappend(a, json_string(mcp_versions[i]));
	jset(d, "supported", a);
	/* The value came from the client: only UTF-8 text goes back. */
	if (requested == NULL || (a = json_string(requested)) == NULL)
		a = json_null();
	jset(d, "requested", a);
	mcp_error_status(s, origin, 400, id, MCP_ERR_UNSUPPORTED,
	    "Unsupported protocol version", d);
}

/* What every 2026-07-28 result carries. */
static void
mcp_modern_result(json_t *r, int cacheable)
{
	json_t *meta, *si;

	jset(r, "resultType", json_string("complete"));
	if (cacheable) {
		/* The list depends on the caller's roles: never shared. */
		jset(r, "ttlMs", json_integer(0));
		jset(r, "cacheScope", json_string("private"));
	}
	si = jobj();
	jset(si, "name", json_string("mcpd"));
	jset(si, "version", json_string(MCPD_VERSION));
	meta = jobj();
	jset(meta, MCP_META_SERVER, si);
	jset(r, "_meta", meta);
}

/*
 * An Mcp-Name / Mcp-Method value as the client meant it: "=?base64?X?="
 * is the UTF-8 text whose base64 is X.  Returns an allocated string, or
 * NULL if the encoding is broken.
 */
static char *
mcp_header_value(const char *v)
{
	size_t len, plen = strlen(MCP_B64_PREFIX);
	size_t slen = strlen(MCP_B64_SUFFIX), blen, pad = 0;
	unsigned char *out;
	int n;

	/* Surrounding blanks are not part of a header's value (RFC 9110). */
	while (*v == ' ' || *v == '\t')
		v++;
	for (len = strlen(v); len > 0 && (v[len - 1] == ' ' ||
	    v[len - 1] == '\t'); len--)
		;
	if (len < plen + slen || strncmp(v, MCP_B64_PREFIX, plen) != 0 ||
	    strncmp(v + len - slen, MCP_B64_SUFFIX, slen) != 0)
		return xstrndup(v, len);
	blen = len - plen - slen;
	if (blen == 0 || blen % 4 != 0 || blen > 4 * PS_NAME_MAX)
		return NULL;
	if (v[plen + blen - 1] == '=')
		pad++;
	if (v[plen + blen - 2] == '=')
		pad++;
	out = xmalloc(blen / 4 * 3 + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *)v + plen, (int)blen);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	n -= (int)pad;
	out[n] = '\0';
	/* A NUL inside cannot match any body value; refuse it outright. */
	if (memchr(out, '\0', (size_t)n) != NULL) {
		free(out);
		return NULL;
	}
	return (char *)out;
}

/*
 * 2026-07-28 over HTTP: MCP-Protocol-Version, Mcp-Method and (for
 * tools/call) Mcp-Name must be present and equal to the body, else 400
 * with -32020.  Routing by header must never disagree with what the
 * monitor authorizes, which is decided from the body.  Returns 0 if they
 * agree, else answers and returns -1.
 */
/* Whether a header is present and means exactly want. */
static int
mcp_header_matches(const char *hdr, const char *want)
{
	char *v;
	int r;

	if (hdr == NULL || want == NULL || (v = mcp_header_value(hdr)) == NULL)
		return 0;
	r = strcmp(v, want) == 0;
	free(v);
	return r;
}

/*
 * 2026-07-28 over HTTP: MCP-Protocol-Version, Mcp-Method and (for
 * tools/call) Mcp-Name must be present and equal to the body, else 400
 * with -32020.  Routing by header must never disagree with what the
 * monitor authorizes, which is decided from the body.  Returns 0 if they
 * agree, else answers and returns -1.
 */
static int
mcp_modern_headers(struct mcp_session *s, void *origin, json_t *id,
    const char *version, const char *method, json_t *params)
{
	const struct mcp_reqctx *h = s->http;
	const char *what = NULL;
	char msg[96];

	if (h == NULL)
		return 0;
	if (!mcp_header_matches(h->hdr_version, version))
		what = "MCP-Protocol-Version";
	else if (!mcp_header_matches(h->hdr_method, method))
		what = "Mcp-Method";
	else if (strcmp(method, "tools/call") == 0 &&
	    !mcp_header_matches(h->hdr_name,
	    json_string_value(json_object_get(params, "name"))))
		what = "Mcp-Name";
	if (what == NULL)
		return 0;
	(void)snprintf(msg, sizeof(msg),
	    "Header mismatch: %s header does not match the body", what);
	mcp_error_status(s, origin, 400, id, MCP_ERR_HEADER, msg, NULL);
	return -1;
}

static void
mcp_discover(struct mcp_session *s, void *origin, json_t *id)
{
	json_t *r = jobj(), *a, *caps, *tools, *si;
	size_t i;

	if ((a = json_array()) == NULL)
		fatal_f("out of memory");
	jappend(a, json_string(MCP_VERSION_STATELESS));
	for (i = 0; mcp_versions[i] != NULL; i++)
		jappend(a, json_string(mcp_versions[i]));
	jset(r, "supportedVersions", a);
	caps = jobj();
	tools = jobj();
	jset(tools, "listChanged", json_false());
	jset(caps, "tools", tools);
	jset(r, "capabilities", caps);
	si = jobj();
	jset(si, "name", json_string("mcpd"));
	jset(si, "version", json_string(MCPD_VERSION));
	jset(r, "serverInfo", si);
	jset(r, "instructions", json_string(MCP_INSTRUCTIONS));
	mcp_modern_result(r, 1);
	mcp_result(s, origin, id, r);
}

/*
 * One 2026-07-28 message: its _meta says everything the handshake used
 * to, and the session's state plays no part.
 */
static int
mcp_modern(struct mcp_session *s, void *origin, json_t *id,
    const char *method, json_t *params, json_t *meta)
{
	json_t *v, *caps;
	const char *version;

	/*
	 * No notification needs anything here but a cancellation.  Over
	 * HTTP this version cancels by closing the request's stream; a
	 * notifications/cancelled still goes to the monitor, which cancels
	 * nothing with it there but audits whose call it named.
	 */
	if (id == NULL) {
		if (strcmp(method, "notifications/cancelled") == 0)
			mcp_cancelled(s, params);
		return 0;
	}
	v = json_object_get(meta, MCP_META_VERSION);
	if ((version = json_string_value(v)) == NULL) {
		mcp_error_status(s, origin, 400, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params: bad protocolVersion in _meta", NULL);
		return 1;
	}
	/* The headers first: a proxy must never route what we then refuse. */
	if (mcp_modern_headers(s, origin, id, version, method, params) != 0)
		return 1;
	if (strcmp(version, MCP_VERSION_STATELESS) != 0) {
		mcp_unsupported(s, origin, id, version);
		return 1;
	}
	caps = json_object_get(meta, MCP_META_CAPS);
	if (!json_is_object(caps)) {
		mcp_error_status(s, origin, 400, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params: _meta lacks clientCapabilities", NULL);
		return 1;
	}

	s->req_modern = 1;
	s->req_client = mcp_client_text(json_object_get(meta,
	    MCP_META_CLIENT));
	if (strcmp(method, "server/discover") == 0)
		mcp_discover(s, origin, id);
	else if (strcmp(method, "tools/list") == 0)
		mcp_tools_list(s, origin, id, params);
	else if (strcmp(method, "tools/call") == 0)
		mcp_tools_call(s, origin, id, params);
	else
		mcp_error_status(s, origin, s->http != NULL ? 404 : 200, id,
		    MCP_ERR_NO_METHOD, "Method not found", NULL);
	free(s->req_client);
	s->req_client = NULL;
	s->req_modern = 0;
	return 1;
}

int
mcp_input(struct mcp_session *s, void *origin, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *msg, *id, *method, *params, *v, *meta;
	int valid_id, answered = 1;

	/*
	 * JSON_DECODE_ANY lets a bare scalar parse, so that it is answered
	 * as an invalid request, as JSON-RPC says, not as a parse error.
	 */
	msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (msg == NULL) {
		debug_f("parse error at byte %d", jerr.position);
		mcp_error(s, origin, NULL, MCP_ERR_PARSE, "Parse error", NULL);
		return 1;
	}
	/* Batches (arrays) are not part of MCP since 2025-06-18. */
	if (!json_is_object(msg)) {
		mcp_error(s, origin, NULL, MCP_ERR_INVALID_REQ,
		    "Invalid Request", NULL);
		goto out;
	}
	id = json_object_get(msg, "id");
	method = json_object_get(msg, "method");
	params = json_object_get(msg, "params");
	/* A response: mcpd sends the client no requests, so drop it. */
	if (method == NULL && (json_object_get(msg, "result") != NULL ||
	    json_object_get(msg, "error") != NULL)) {
		answered = 0;
		goto out;
	}
	valid_id = json_is_string(id) || json_is_integer(id);
	v = json_object_get(msg, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0 ||
	    !json_is_string(method) || (id != NULL && !valid_id) ||
	    (params != NULL && !json_is_object(params) &&
	    !json_is_array(params))) {
		mcp_error(s, origin, valid_id ? id : NULL, MCP_ERR_INVALID_REQ,
		    "Invalid Request", NULL);
		goto out;
	}
	meta = json_object_get(params, "_meta");
	if (json_is_object(meta) &&
	    json_object_get(meta, MCP_META_VERSION) != NULL) {
		answered = mcp_modern(s, origin, id, json_string_value(method),
		    params, meta);
		goto out;
	}
	/* Over HTTP, a version header we do not speak is refused (400). */
	if (s->http != NULL && s->http->hdr_version != NULL &&
	    !mcp_version_supported(s->http->hdr_version)) {
		if (id == NULL)
			answered = 0;
		else
			mcp_unsupported(s, origin, id, s->http->hdr_version);
		goto out;
	}
	/* A 2026-07-28 request must say so in its _meta as well. */
	if (s->http != NULL && s->http->hdr_version != NULL &&
	    strcmp(s->http->hdr_version, MCP_VERSION_STATELESS) == 0) {
		if (id == NULL)
			answered = 0;
		else
			mcp_error_status(s, origin, 400, id,
			    MCP_ERR_INVALID_PARAMS,
			    "Invalid params: _meta lacks protocolVersion",
			    NULL);
		goto out;
	}
	if (id == NULL) {
		mcp_notification(s, json_string_value(method), params);
		answered = 0;
	} else
		mcp_request(s, origin, id, json_string_value(method), params);
 out:
	mcp_scrub(msg);
	json_decref(msg);
	return answered;
}

int
mcp_input_http(struct mcp_session *s, void *origin,
    const struct mcp_reqctx *ctx, const char *buf, size_t len)
{
	int r;

	s->http = ctx;
	r = mcp_input(s, origin, buf, len);
	s->http = NULL;
	return r;
}

void
mcp_input_too_large(struct mcp_session *s, void *origin)
{
	mcp_error(s, origin, NULL, MCP_ERR_INVALID_REQ, "Request too large",
	    NULL);
}

void
mcp_hello_ans(struct mcp_session *s, uint32_t callid, uint32_t status)
{
	struct mcp_call *c;

	if ((c = mcp_call_find(s, callid)) == NULL ||
	    c->kind != MCP_CALL_HELLO || s->state != MCP_ST_HELLO) {
		error_f("unexpected hello answer %u", callid);
		return;
	}
	mcp_call_free(s, c);
	if (status == PS_ST_OK)
		s->state = MCP_ST_READY;
	else {
		error_f("monitor refused the session (status %u)", status);
		s->state = MCP_ST_FAILED;
	}
}

void
mcp_registry_hello_ans(struct mcp_registry *reg, uint32_t callid,
    uint32_t status)
{
	struct mcp_session *s;

	if ((s = mcp_route_find(reg, callid)) == NULL) {
		debug_f("hello answer %u for a session that is gone", callid);
		return;
	}
	mcp_hello_ans(s, callid, status);
}

void
mcp_registry_toollist_ans(struct mcp_registry *reg,
    const struct mm_toollist_ans *a)
{
	struct mcp_session *s;

	if ((s = mcp_route_find(reg, a->callid)) == NULL) {
		debug_f("tool list answer %u for a session that is gone",
		    a->callid);
		return;
	}
	mcp_toollist_ans(s, a);
}

void
mcp_registry_toolcall_ans(struct mcp_registry *reg,
    const struct mm_toolcall_ans *a)
{
	struct mcp_session *s;

	if ((s = mcp_route_find(reg, a->callid)) == NULL) {
		debug_f("tool call answer %u for a session that is gone",
		    a->callid);
		return;
	}
	mcp_toolcall_ans(s, a);
}

/*
 * A refusal of the caller, offered to the transport first (HTTP answers
 * it with a status of its own).  Returns 1 if the transport took it.
 */
static int
mcp_refused(struct mcp_session *s, struct mcp_call *c, uint32_t status,
    uint32_t retry_after, const char *scope)
{
	struct mcp_refusal r;

	if (s->refuse == NULL)
		return 0;
	r.status = status;
	r.retry_after = retry_after;
	r.scope = scope;
	return s->refuse(s->octx, c->origin, &r);
}

/* "a,b" from the monitor as ["a","b"]; NULL if a role is not UTF-8. */
static json_t *
mcp_roles(const char *req)
{
	json_t *a, *v;
	const char *p = req, *e;

	if ((a = json_array()) == NULL)
		fatal_f("out of memory");
	while (*p != '\0') {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (e > p) {
			if ((v = json_stringn(p, (size_t)(e - p))) == NULL) {
				json_decref(a);
				return NULL;
			}
			jappend(a, v);
		}
		p = *e == ',' ? e + 1 : e;
	}
	return a;
}

static json_t *
mcp_tool_listing(struct mcp_session *s, const struct mm_toollist_ans *a)
{
	json_t *tools, *t, *roles, *meta;
	size_t i, j;

	if ((tools = json_array()) == NULL)
		fatal_f("out of memory");
	/* Catalog order; names the catalog does not know are dropped. */
	for (i = 0; i < s->reg->ntools; i++) {
		for (j = 0; j < a->n; j++)
			if (a->names[j] != NULL &&
			    strcmp(a->names[j], toolcat_get(i)->name) == 0)
				break;
		if (j == a->n)
			continue;
		if (a->required == NULL || a->required[j] == NULL ||
		    a->required[j][0] == '\0') {
			jappend(tools, json_incref(s->reg->tooljson[i]));
			continue;
		}
		if ((roles = mcp_roles(a->required[j])) == NULL) {
			json_decref(tools);
			return NULL;
		}
		if ((t = json_copy(s->reg->tooljson[i])) == NULL)
			fatal_f("out of memory");
		meta = jobj();
		jset(meta, "mcpd/requiredRoles", roles);
		jset(t, "_meta", meta);
		jappend(tools, t);
	}
	return tools;
}

void
mcp_toollist_ans(struct mcp_session *s, const struct mm_toollist_ans *a)
{
	struct mcp_call *c;
	json_t *tools, *r, *d;

	if ((c = mcp_call_find(s, a->callid)) == NULL ||
	    c->kind != MCP_CALL_LIST) {
		error_f("tool list answer for unknown call %u", a->callid);
		return;
	}
	if ((a->status == PS_ST_AUTH_FAILED ||
	    a->status == PS_ST_RATE_LIMITED) &&
	    mcp_refused(s, c, a->status, MCP_LIST_RETRY_AFTER, NULL)) {
		mcp_call_free(s, c);
		return;
	}
	switch (a->status) {
	case PS_ST_OK:
		if ((tools = mcp_tool_listing(s, a)) == NULL) {
			error_f("monitor sent a role that is not UTF-8");
			mcp_error(s, c->origin, c->id, MCP_ERR_INTERNAL,
			    "Internal error", NULL);
			break;
		}
		r = jobj();
		jset(r, "tools", tools);
		if (c->modern)
			mcp_modern_result(r, 1);
		mcp_result(s, c->origin, c->id, r);
		break;
	case PS_ST_AUTH_FAILED:
		mcp_error(s, c->origin, c->id, MCP_ERR_AUTH,
		    "Authentication failed", NULL);
		break;
	case PS_ST_RATE_LIMITED:
		d = jobj();
		jset(d, "retryAfter", json_integer(MCP_LIST_RETRY_AFTER));
		mcp_error(s, c->origin, c->id, MCP_ERR_RATE, "Rate limited", d);
		break;
	default:
		mcp_error(s, c->origin, c->id, MCP_ERR_INTERNAL,
		    "Internal error", NULL);
		break;
	}
	mcp_call_free(s, c);
}

/* A tool result with one text item; -32603 if text is not UTF-8. */
static void
mcp_tool_result(struct mcp_session *s, struct mcp_call *c, const char *text,
    size_t len, int is_error)
{
	json_t *r, *content, *item, *t;

	if ((t = json_stringn(text != NULL ? text : "", len)) == NULL) {
		debug_f("call %u: tool output is not UTF-8", c->callid);
		mcp_error(s, c->origin, c->id, MCP_ERR_INTERNAL,
		    "Internal error", NULL);
		return;
	}
	item = jobj();
	jset(item, "type", json_string("text"));
	jset(item, "text", t);
	if ((content = json_array()) == NULL)
		fatal_f("out of memory");
	jappend(content, item);
	r = jobj();
	jset(r, "content", content);
	jset(r, "isError", json_boolean(is_error));
	if (c->modern)
		mcp_modern_result(r, 0);
	mcp_result(s, c->origin, c->id, r);
}

void
mcp_toolcall_ans(struct mcp_session *s, const struct mm_toolcall_ans *a)
{
	struct mcp_call *c;
	const char *req, *role;
	char *text;
	int n;

	if ((c = mcp_call_find(s, a->callid)) == NULL ||
	    c->kind != MCP_CALL_TOOL) {
		error_f("tool call answer for unknown call %u", a->callid);
		return;
	}
	/* Non-final parts: reserved for streaming (doc/privsep.md, 2). */
	if ((a->flags & PS_F_FINAL) == 0)
		return;
	/* MCP: a cancelled request gets no response at all. */
	if ((a->flags & PS_F_CANCELLED) != 0) {
		if (s->drop != NULL && c->origin != NULL)
			s->drop(s->octx, c->origin);
		mcp_call_free(s, c);
		return;
	}
	if ((a->status == PS_ST_AUTH_FAILED ||
	    a->status == PS_ST_RATE_LIMITED || a->status == PS_ST_SCOPE) &&
	    mcp_refused(s, c, a->status, a->retry_after, a->required)) {
		mcp_call_free(s, c);
		return;
	}
	switch (a->status) {
	case PS_ST_OK:
	case PS_ST_TOOL_ERROR:
		mcp_tool_result(s, c, a->text, a->text != NULL ? a->textlen : 0,
		    a->status != PS_ST_OK);
		break;
	case PS_ST_SCOPE:
	case PS_ST_DENIED:
		req = a->required != NULL && *a->required != '\0' ?
		    a->required : "none";
		role = a->role != NULL && *a->role != '\0' ? a->role : "none";
		n = xasprintf(&text, "ACCESS DENIED\n--------------\n"
		    "Tool: %s\nRequired role: %s\nYour role: %s\n"
		    "Action: Blocked and logged", c->tool, req, role);
		mcp_tool_result(s, c, text, (size_t)n, 1);
		free(text);
		break;
	case PS_ST_RATE_LIMITED:
		n = xasprintf(&text, "RATE LIMITED\n--------------\n"
		    "Tool: %s\nRetry after: %u seconds\n"
		    "Action: Blocked and logged", c->tool, a->retry_after);
		mcp_tool_result(s, c, text, (size_t)n, 1);
		free(text);
		break;
	case PS_ST_AUTH_FAILED:
		mcp_error(s, c->origin, c->id, MCP_ERR_AUTH,
		    "Authentication failed", NULL);
		break;
	case PS_ST_UNKNOWN_TOOL:
		mcp_error(s, c->origin, c->id, MCP_ERR_INVALID_PARAMS,
		    "Unknown tool", NULL);
		break;
	default:
		mcp_error(s, c->origin, c->id, MCP_ERR_INTERNAL,
		    "Internal error", NULL);
		break;
	}
	mcp_call_free(s, c);
}
