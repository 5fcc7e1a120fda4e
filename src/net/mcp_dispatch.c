/*
 * One message from the client into the session (see mcp.h).  This is
 * where client input is parsed, so it is written to be boring: jansson
 * does the parsing (duplicate keys rejected, its depth limit, its UTF-8
 * checks, no NUL in strings), a message that is not a JSON-RPC 2.0
 * request, notification or response is refused, and no error text of a
 * library, no path and no large piece of the input ever goes back to the
 * client.  A valid message goes to its method or notification (or to
 * mcp_stateless.c for a 2026-07-28 one), and the credential it carried is
 * wiped before it is freed.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"

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
mcp_request(struct mcp_session *s, void *origin, json_t *id,
    const char *method, json_t *params)
{
	int tools;

	if (strcmp(method, "initialize") == 0) {
		mcp_initialize(s, origin, id, params);
		return;
	}
	if (strcmp(method, "ping") == 0) {
		mcp_result(s, origin, id, mcp_jobj());
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
