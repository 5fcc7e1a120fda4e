/*
 * The registry: what every MCP session of a process shares (see mcp.h).
 * The tool catalog is parsed once, before the sandbox, into the schemas
 * the arguments are validated against and the tools/list entries; every
 * call waiting for the backend has a number unique in the process, and a
 * route from that number to its session, so that one monitor channel can
 * carry the calls of all sessions and each answer finds its own.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"
#include "strv.h"
#include "proto.h"
#include "schema.h"
#include "toolcatalog.h"
#include "xmalloc.h"

static json_t *
mcp_tool_entry(const struct tool_def *def, json_t *schema, char *err,
    size_t errlen)
{
	json_t *t, *ann, *v;

	t = mcp_jobj();
	if ((v = json_string(def->name)) == NULL)
		goto bad;
	mcp_jset(t, "name", v);
	if (def->title != NULL) {
		if ((v = json_string(def->title)) == NULL)
			goto bad;
		mcp_jset(t, "title", v);
	}
	if (def->description != NULL) {
		if ((v = json_string(def->description)) == NULL)
			goto bad;
		mcp_jset(t, "description", v);
	}
	mcp_jset(t, "inputSchema", json_incref(schema));
	ann = mcp_jobj();
	mcp_jset(ann, "readOnlyHint", json_boolean(def->read_only));
	mcp_jset(ann, "destructiveHint", json_boolean(def->destructive));
	mcp_jset(t, "annotations", ann);
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
	strv_free(reg->redact, reg->nredact);
	free(reg);
}

void
mcp_registry_set_redact(struct mcp_registry *reg, char **rules, size_t n)
{
	strv_free(reg->redact, reg->nredact);
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

struct mcp_session *
mcp_route_find(const struct mcp_registry *reg, uint32_t callid)
{
	size_t i;

	for (i = mcp_route_slot(reg, callid); reg->routes[i].callid != 0;
	    i = (i + 1) & (reg->nroutes - 1))
		if (reg->routes[i].callid == callid)
			return reg->routes[i].s;
	return NULL;
}

void
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
void
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

/*
 * The call an answer of the backend is for: the session its number is
 * routed to, and there the call of that number, which must be waiting for
 * an answer of this kind.  NULL if the session is gone (its calls were
 * forgotten, the answer has nowhere to go) or has no such call (an answer
 * the backend should not have sent).
 */
struct mcp_call *
mcp_answer_call(struct mcp_registry *reg, uint32_t callid, int kind,
    struct mcp_session **sp)
{
	static const char *const what[] = {
		[MCP_CALL_LIST] = "tool list",
		[MCP_CALL_TOOL] = "tool call",
		[MCP_CALL_HELLO] = "hello",
	};
	struct mcp_session *s;
	struct mcp_call *c;

	if ((s = mcp_route_find(reg, callid)) == NULL) {
		debug_f("%s answer %u for a session that is gone", what[kind],
		    callid);
		return NULL;
	}
	if ((c = mcp_call_find(s, callid)) == NULL || c->kind != kind) {
		error_f("%s answer for unknown call %u", what[kind], callid);
		return NULL;
	}
	*sp = s;
	return c;
}
