/*
 * The backend's answers, each routed through the registry to the session
 * and the call it is for (mcp_answer_call), and rendered as what the
 * client gets: a result, a tool result (a denial or a rate limit is one,
 * with isError set, so that a model can read it), or a JSON-RPC error.  A
 * refusal of the caller itself is offered to the transport first (HTTP
 * answers it with 401, 403 or 429), and a call the backend cancelled gets
 * no answer at all.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"
#include "net_wrap.h"
#include "proto.h"
#include "toolcatalog.h"
#include "xmalloc.h"

void
mcp_registry_hello_ans(struct mcp_registry *reg, uint32_t callid,
    uint32_t status)
{
	struct mcp_session *s;
	struct mcp_call *c;

	if ((c = mcp_answer_call(reg, callid, MCP_CALL_HELLO, &s)) == NULL)
		return;
	if (s->state != MCP_ST_HELLO) {
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

/*
 * The JSON-RPC error of an answer that is no result: the caller was not
 * authenticated (-32003), or the call failed in a way the client cannot
 * act on (-32603, whatever the backend's status says).
 */
static void
mcp_status_error(struct mcp_session *s, struct mcp_call *c, uint32_t status)
{
	if (status == PS_ST_AUTH_FAILED)
		mcp_error(s, c->origin, c->id, MCP_ERR_AUTH,
		    "Authentication failed", NULL);
	else
		mcp_error(s, c->origin, c->id, MCP_ERR_INTERNAL,
		    "Internal error", NULL);
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
			mcp_jappend(a, v);
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
			mcp_jappend(tools, json_incref(s->reg->tooljson[i]));
			continue;
		}
		if ((roles = mcp_roles(a->required[j])) == NULL) {
			json_decref(tools);
			return NULL;
		}
		if ((t = json_copy(s->reg->tooljson[i])) == NULL)
			fatal_f("out of memory");
		meta = mcp_jobj();
		mcp_jset(meta, "mcpd/requiredRoles", roles);
		mcp_jset(t, "_meta", meta);
		mcp_jappend(tools, t);
	}
	return tools;
}

void
mcp_registry_toollist_ans(struct mcp_registry *reg,
    const struct mm_toollist_ans *a)
{
	struct mcp_session *s;
	struct mcp_call *c;
	json_t *tools, *r, *d;

	if ((c = mcp_answer_call(reg, a->callid, MCP_CALL_LIST, &s)) == NULL)
		return;
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
		r = mcp_jobj();
		mcp_jset(r, "tools", tools);
		if (c->modern)
			mcp_modern_result(r, 1);
		mcp_result(s, c->origin, c->id, r);
		break;
	case PS_ST_RATE_LIMITED:
		d = mcp_jobj();
		mcp_jset(d, "retryAfter", json_integer(MCP_LIST_RETRY_AFTER));
		mcp_error(s, c->origin, c->id, MCP_ERR_RATE, "Rate limited", d);
		break;
	default:	/* PS_ST_AUTH_FAILED among them */
		mcp_status_error(s, c, a->status);
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
	item = mcp_jobj();
	mcp_jset(item, "type", json_string("text"));
	mcp_jset(item, "text", t);
	if ((content = json_array()) == NULL)
		fatal_f("out of memory");
	mcp_jappend(content, item);
	r = mcp_jobj();
	mcp_jset(r, "content", content);
	mcp_jset(r, "isError", json_boolean(is_error));
	if (c->modern)
		mcp_modern_result(r, 0);
	mcp_result(s, c->origin, c->id, r);
}

void
mcp_registry_toolcall_ans(struct mcp_registry *reg,
    const struct mm_toolcall_ans *a)
{
	struct mcp_session *s;
	struct mcp_call *c;
	const char *req, *role;
	char *text;
	int n;

	if ((c = mcp_answer_call(reg, a->callid, MCP_CALL_TOOL, &s)) == NULL)
		return;
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
	case PS_ST_UNKNOWN_TOOL:
		mcp_error(s, c->origin, c->id, MCP_ERR_INVALID_PARAMS,
		    "Unknown tool", NULL);
		break;
	default:	/* PS_ST_AUTH_FAILED among them */
		mcp_status_error(s, c, a->status);
		break;
	}
	mcp_call_free(s, c);
}

/*
 * A session with a registry of its own (mcp_new) is answered through it:
 * its calls are routed there like any other.
 */
void
mcp_hello_ans(struct mcp_session *s, uint32_t callid, uint32_t status)
{
	mcp_registry_hello_ans(s->reg, callid, status);
}

void
mcp_toollist_ans(struct mcp_session *s, const struct mm_toollist_ans *a)
{
	mcp_registry_toollist_ans(s->reg, a);
}

void
mcp_toolcall_ans(struct mcp_session *s, const struct mm_toolcall_ans *a)
{
	mcp_registry_toolcall_ans(s->reg, a);
}
