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

#include "log.h"
#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
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

static const char *const mcp_versions[] = {
	"2025-03-26", "2025-06-18", "2025-11-25", NULL
};

struct mcp_call {
	int		 used;
	int		 kind;		/* MCP_CALL_* */
	int		 cancelled;	/* answer must not be sent */
	uint32_t	 callid;
	json_t		*id;		/* the JSON-RPC id, a reference */
	char		*tool;		/* tools/call: the name asked for */
	void		*origin;
};

struct mcp_session {
	const struct mcp_backend *be;
	void			*bctx;
	mcp_output_fn		 out;
	void			*octx;
	int			 state;	/* MCP_ST_* */

	struct mcp_call		*calls;
	size_t			 max_inflight;
	size_t			 ninflight;
	uint32_t		 next_callid;

	size_t			 ntools;
	json_t			**schemas;	/* by catalog index */
	json_t			**tooljson;	/* tools/list entries */
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
mcp_send(struct mcp_session *s, void *origin, json_t *msg)
{
	char *text;

	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL)
		fatal_f("cannot serialise an answer");
	s->out(s->octx, origin, text, strlen(text));
	free(text);
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

/* data, if not NULL, is a new reference that this function takes. */
static void
mcp_error(struct mcp_session *s, void *origin, json_t *id, int code,
    const char *message, json_t *data)
{
	json_t *m = mcp_envelope(id), *e = jobj();

	jset(e, "code", json_integer(code));
	jset(e, "message", json_string(message));
	if (data != NULL)
		jset(e, "data", data);
	jset(m, "error", e);
	mcp_send(s, origin, m);
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

struct mcp_session *
mcp_new(const struct mcp_backend *be, void *bctx, mcp_output_fn out,
    void *octx, size_t max_inflight, char *err, size_t errlen)
{
	struct mcp_session *s;
	const struct tool_def *def;
	const json_t *type;
	char serr[256];
	size_t i;

	if (max_inflight == 0 || max_inflight > MCP_INFLIGHT_MAX) {
		(void)snprintf(err, errlen, "bad in-flight limit %zu",
		    max_inflight);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->be = be;
	s->bctx = bctx;
	s->out = out;
	s->octx = octx;
	s->state = MCP_ST_NEW;
	s->max_inflight = max_inflight;
	s->calls = xcalloc(max_inflight, sizeof(*s->calls));
	s->ntools = toolcat_count();
	if (s->ntools > 0) {
		s->schemas = xcalloc(s->ntools, sizeof(*s->schemas));
		s->tooljson = xcalloc(s->ntools, sizeof(*s->tooljson));
	}
	/* Everything the catalog holds is parsed now, before the sandbox. */
	for (i = 0; i < s->ntools; i++) {
		def = toolcat_get(i);
		if (def == NULL || def->name == NULL ||
		    strlen(def->name) == 0 || strlen(def->name) > PS_NAME_MAX) {
			(void)snprintf(err, errlen,
			    "catalog entry %zu: bad name", i);
			goto fail;
		}
		if ((s->schemas[i] = schema_load(def->input_schema, serr,
		    sizeof(serr))) == NULL) {
			(void)snprintf(err, errlen, "tool %.64s: %s",
			    def->name, serr);
			goto fail;
		}
		/* MCP requires an object schema for tool arguments. */
		type = json_object_get(s->schemas[i], "type");
		if (!json_is_string(type) ||
		    strcmp(json_string_value(type), "object") != 0) {
			(void)snprintf(err, errlen,
			    "tool %.64s: inputSchema is not of type object",
			    def->name);
			goto fail;
		}
		if ((s->tooljson[i] = mcp_tool_entry(def, s->schemas[i], err,
		    errlen)) == NULL)
			goto fail;
	}
	return s;
 fail:
	mcp_free(s);
	return NULL;
}

static void
mcp_call_free(struct mcp_session *s, struct mcp_call *c)
{
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
	for (i = 0; i < s->ntools; i++) {
		json_decref(s->schemas[i]);
		json_decref(s->tooljson[i]);
	}
	free(s->schemas);
	free(s->tooljson);
	free(s->calls);
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
	struct mcp_call *c = NULL;
	size_t i;

	for (i = 0; i < s->max_inflight; i++) {
		if (!s->calls[i].used) {
			if (c == NULL)
				c = &s->calls[i];
		} else if (!s->calls[i].cancelled &&
		    json_equal(s->calls[i].id, id)) {
			/* Ids must be unique among the requests in flight. */
			mcp_error(s, origin, id, MCP_ERR_INVALID_REQ,
			    "Invalid Request", NULL);
			return NULL;
		}
	}
	if (c == NULL) {
		/* The transports stop reading first; this is a safety net. */
		mcp_error(s, origin, id, MCP_ERR_BUSY, "Server busy", NULL);
		return NULL;
	}
	do {
		if (++s->next_callid == 0)
			s->next_callid = 1;
	} while (mcp_call_find(s, s->next_callid) != NULL);
	c->used = 1;
	c->kind = kind;
	c->cancelled = 0;
	c->callid = s->next_callid;
	c->id = json_incref(id);
	c->tool = tool != NULL ? xstrdup(tool) : NULL;
	c->origin = origin;
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
mcp_cred_get(json_t *params, struct mcp_cred *c)
{
	json_t *meta, *auth;
	const char *a;
	size_t alen, i;

	memset(c, 0, sizeof(*c));
	c->p = "";
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
	json_t *pv, *ci, *r, *caps, *tools, *si;
	char *info;
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
	if (json_is_object(ci = json_object_get(params, "clientInfo"))) {
		if ((info = json_dumps(ci, JSON_COMPACT)) == NULL)
			fatal_f("out of memory");
		if (strlen(info) > PS_CLIENT_MAX) {
			free(info);
			info = xstrdup("{\"truncated\":true}");
		}
	} else
		info = xstrdup("{}");
	if (s->be->hello(s->bctx, info, version) != 0) {
		free(info);
		mcp_error(s, origin, id, MCP_ERR_INTERNAL, "Internal error",
		    NULL);
		return;
	}
	free(info);
	s->state = MCP_ST_HELLO;
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
	mcp_cred_get(params, &cred);
	r = s->be->toollist(s->bctx, c->callid, cred.p, cred.len, reqid);
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

	for (i = 0; i < s->ntools; i++)
		if (strcmp(toolcat_get(i)->name, name) == 0)
			return (int)i;
	return -1;
}

static json_t *
mcp_schema_errors(const struct schema_errors *errs)
{
	json_t *a = json_array(), *d = jobj(), *v;
	size_t i;

	if (a == NULL)
		fatal_f("out of memory");
	for (i = 0; i < errs->n; i++) {
		/* The validator's messages are UTF-8; be safe anyway. */
		if ((v = json_string(errs->msg[i])) == NULL)
			v = json_string("invalid value");
		jappend(a, v);
	}
	jset(d, "errors", a);
	return d;
}

static void
mcp_tools_call(struct mcp_session *s, void *origin, json_t *id,
    json_t *params)
{
	struct schema_errors errs;
	struct mcp_call *c;
	struct mcp_cred cred;
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
	 * and the answer tells an unauthenticated caller nothing.
	 */
	if ((idx = mcp_tool_index(s, tool)) >= 0 &&
	    schema_validate(s->schemas[idx], args, &errs) != 0) {
		mcp_error(s, origin, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params", mcp_schema_errors(&errs));
		goto out;
	}
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
	mcp_cred_get(params, &cred);
	r = s->be->toolcall(s->bctx, c->callid, cred.p, cred.len, reqid, tool,
	    argtext, strlen(argtext));
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

static void
mcp_cancelled(struct mcp_session *s, json_t *params)
{
	struct mcp_call *c;
	json_t *rid;
	size_t i;

	if (!json_is_object(params))
		return;
	rid = json_object_get(params, "requestId");
	if (!json_is_string(rid) && !json_is_integer(rid))
		return;
	for (i = 0; i < s->max_inflight; i++) {
		c = &s->calls[i];
		if (!c->used || c->cancelled || !json_equal(c->id, rid))
			continue;
		/*
		 * A tool call is stopped in the monitor; a tool list is
		 * cheap and simply not answered.  Either way the slot stays
		 * taken until the backend's answer arrives.
		 */
		if (c->kind == MCP_CALL_TOOL &&
		    s->be->cancel(s->bctx, c->callid) != 0)
			error_f("cannot cancel call %u", c->callid);
		c->cancelled = 1;
		debug_f("call %u cancelled", c->callid);
		return;
	}
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

void
mcp_input(struct mcp_session *s, void *origin, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *msg, *id, *method, *params, *v;
	int valid_id;

	/*
	 * JSON_DECODE_ANY lets a bare scalar parse, so that it is answered
	 * as an invalid request, as JSON-RPC says, not as a parse error.
	 */
	msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (msg == NULL) {
		debug_f("parse error at byte %d", jerr.position);
		mcp_error(s, origin, NULL, MCP_ERR_PARSE, "Parse error", NULL);
		return;
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
	    json_object_get(msg, "error") != NULL))
		goto out;
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
	if (id == NULL)
		mcp_notification(s, json_string_value(method), params);
	else
		mcp_request(s, origin, id, json_string_value(method), params);
 out:
	mcp_scrub(msg);
	json_decref(msg);
}

void
mcp_input_too_large(struct mcp_session *s, void *origin)
{
	mcp_error(s, origin, NULL, MCP_ERR_INVALID_REQ, "Request too large",
	    NULL);
}

void
mcp_hello_ans(struct mcp_session *s, uint32_t status)
{
	if (s->state != MCP_ST_HELLO) {
		error_f("unexpected hello answer");
		return;
	}
	if (status == PS_ST_OK)
		s->state = MCP_ST_READY;
	else {
		error_f("monitor refused the session (status %u)", status);
		s->state = MCP_ST_FAILED;
	}
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
	for (i = 0; i < s->ntools; i++) {
		for (j = 0; j < a->n; j++)
			if (a->names[j] != NULL &&
			    strcmp(a->names[j], toolcat_get(i)->name) == 0)
				break;
		if (j == a->n)
			continue;
		if (a->required == NULL || a->required[j] == NULL ||
		    a->required[j][0] == '\0') {
			jappend(tools, json_incref(s->tooljson[i]));
			continue;
		}
		if ((roles = mcp_roles(a->required[j])) == NULL) {
			json_decref(tools);
			return NULL;
		}
		if ((t = json_copy(s->tooljson[i])) == NULL)
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
	if (c->cancelled) {
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
	/* Non-final parts are reserved for streaming (DESIGN 11). */
	if ((a->flags & PS_F_FINAL) == 0)
		return;
	/* MCP: a cancelled request gets no response at all. */
	if (c->cancelled) {
		mcp_call_free(s, c);
		return;
	}
	switch (a->status) {
	case PS_ST_OK:
	case PS_ST_TOOL_ERROR:
		mcp_tool_result(s, c, a->text, a->text != NULL ? a->textlen : 0,
		    a->status != PS_ST_OK);
		break;
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
