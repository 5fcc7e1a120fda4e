/*
 * The MCP methods the session serves: initialize (version negotiation,
 * the hello to the backend), tools/list, tools/call (name and argument
 * checks, inputSchema validation, AuditRedact) and server/discover, and
 * the one notification that needs anything, notifications/cancelled.
 * Every decision is the backend's; what comes back is mcp_answer.c's.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"
#include "proto.h"
#include "redact.h"
#include "schema.h"
#include "toolcatalog.h"

/* serverInfo: this server's name and version. */
json_t *
mcp_server_info(void)
{
	json_t *si = mcp_jobj();

	mcp_jset(si, "name", json_string("mcpd"));
	mcp_jset(si, "version", json_string(MCPD_VERSION));
	return si;
}

/*
 * What initialize and server/discover both say of the server, added to
 * their result r: its capabilities (tools, a list that does not change),
 * serverInfo and instructions.
 */
static void
mcp_about(json_t *r)
{
	json_t *caps, *tools;

	caps = mcp_jobj();
	tools = mcp_jobj();
	mcp_jset(tools, "listChanged", json_false());
	mcp_jset(caps, "tools", tools);
	mcp_jset(r, "capabilities", caps);
	mcp_jset(r, "serverInfo", mcp_server_info());
	mcp_jset(r, "instructions", json_string(MCP_INSTRUCTIONS));
}

void
mcp_initialize(struct mcp_session *s, void *origin, json_t *id,
    json_t *params)
{
	const char *version = MCP_PROTOCOL_LATEST;
	struct mcp_reqinfo ri;
	struct mcp_call *c;
	json_t *pv, *r;
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

	r = mcp_jobj();
	mcp_jset(r, "protocolVersion", json_string(version));
	mcp_about(r);
	mcp_result(s, origin, id, r);
}

void
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

void
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
		args = empty = mcp_jobj();
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

/*
 * notifications/cancelled.  Whose call it names is not decided here: over
 * HTTP with 2026-07-28 every client shares one session, so a match on the
 * id alone would let anyone cancel anyone's call.  The notification goes
 * to the monitor with its own credential and scope; the monitor cancels
 * only a call of the same subject in the same scope, and answers that
 * call with PS_F_CANCELLED, which suppresses the answer (see
 * mcp_toolcall_ans).  Anything else, a tools/list included, runs on.
 */
void
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

void
mcp_discover(struct mcp_session *s, void *origin, json_t *id)
{
	json_t *r = mcp_jobj();

	mcp_jset(r, "supportedVersions", mcp_versions_json());
	mcp_about(r);
	mcp_modern_result(r, 1);
	mcp_result(s, origin, id, r);
}
