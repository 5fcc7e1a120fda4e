/*
 * The JSON-RPC 2.0 envelope of every message the session sends: each
 * answer is built as a jansson value and serialised compact, so that no
 * raw newline can ever reach a newline-delimited transport, and goes out
 * through the session's output callback with the HTTP status it should
 * carry.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mcp_int.h"

/*
 * Value builders.  jansson returns NULL only when out of memory here (every
 * string passed to them is ours or already known to be UTF-8), which in
 * daemon code is fatal, as xmalloc is.
 */
json_t *
mcp_jobj(void)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		fatal_f("out of memory");
	return o;
}

void
mcp_jset(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		fatal_f("out of memory");
}

void
mcp_jappend(json_t *a, json_t *v)
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
	json_t *m = mcp_jobj();

	mcp_jset(m, "jsonrpc", json_string("2.0"));
	mcp_jset(m, "id", id != NULL ? json_incref(id) : json_null());
	return m;
}

void
mcp_result(struct mcp_session *s, void *origin, json_t *id, json_t *result)
{
	json_t *m = mcp_envelope(id);

	mcp_jset(m, "result", result);
	mcp_send(s, origin, m);
}

/*
 * data, if not NULL, is a new reference that this function takes.  Over
 * HTTP, a message that could not be parsed or is not a valid request goes
 * with 400, as the Streamable HTTP transport asks; any other error is an
 * answer like a result.
 */
void
mcp_error_status(struct mcp_session *s, void *origin, int status, json_t *id,
    int code, const char *message, json_t *data)
{
	json_t *m = mcp_envelope(id), *e = mcp_jobj();

	mcp_jset(e, "code", json_integer(code));
	mcp_jset(e, "message", json_string(message));
	if (data != NULL)
		mcp_jset(e, "data", data);
	mcp_jset(m, "error", e);
	mcp_send_status(s, origin, status, m);
}

void
mcp_error(struct mcp_session *s, void *origin, json_t *id, int code,
    const char *message, json_t *data)
{
	int status = 200;

	if (code == MCP_ERR_PARSE || code == MCP_ERR_INVALID_REQ)
		status = 400;
	mcp_error_status(s, origin, status, id, code, message, data);
}
