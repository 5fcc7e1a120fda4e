/*
 * Unit tests for the MCP session (src/net/mcp_*.c), driven without any
 * process: a fake backend records what the session asks of the monitor
 * and the tests play the monitor's answers; a capturing output callback
 * keeps every line the session sends, and checks that none holds a raw
 * newline.  The last group drives the stdio transport (src/net/stdio.c)
 * over pipes and files: framing, the size limit, pausing, end of input.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
#include "stdio_transport.h"
#include "toolcatalog.h"

#define MAXLINES	64

struct fake {
	int		 nhello;
	int		 ntoollist;
	int		 ntoolcall;
	int		 ncancel;
	int		 fail;		/* answer -1 to every request */
	char		*client_info;
	char		*version;
	uint32_t	 callid;	/* of the last list or call */
	uint32_t	 hello_callid;
	int		 status;	/* HTTP status of the last output */
	char		*cancel_id;	/* request id of the last cancel */
	char		*cancel_cred;
	uint32_t	 cancel_scope;
	uint32_t	 call_scope;	/* of the last tool call */
	char		*cred;
	size_t		 credlen;
	char		*request_id;
	char		*tool;
	char		*args;
	char		*schema_error;	/* of the last call */
	char		*audit_args;
	int		 order;		/* hello=1 then list=2, to see order */
	int		 hello_order;
	int		 list_order;
};

struct capture {
	char	*lines[MAXLINES];
	size_t	 n;
};

struct t {
	struct fake		 fake;
	struct capture		 cap;
	struct mcp_session	*s;
};

static void
setstr(char **dst, const char *src, size_t len)
{
	free(*dst);
	*dst = malloc(len + 1);
	assert_non_null(*dst);
	memcpy(*dst, src, len);
	(*dst)[len] = '\0';
}

static int
fake_hello(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *client_info, const char *version)
{
	struct fake *f = ctx;

	f->nhello++;
	f->hello_callid = callid;
	f->hello_order = ++f->order;
	setstr(&f->client_info, client_info, strlen(client_info));
	setstr(&f->version, version, strlen(version));
	return f->fail ? -1 : 0;
}

static int
fake_toollist(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id)
{
	struct fake *f = ctx;

	f->ntoollist++;
	f->list_order = ++f->order;
	f->callid = callid;
	setstr(&f->cred, cred, credlen);
	f->credlen = credlen;
	return f->fail ? -1 : 0;
}

static int
fake_toolcall(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id,
    const char *tool, const char *args, size_t argslen)
{
	struct fake *f = ctx;

	f->ntoolcall++;
	f->callid = callid;
	f->call_scope = ri->scope;
	setstr(&f->cred, cred, credlen);
	f->credlen = credlen;
	setstr(&f->request_id, request_id, strlen(request_id));
	setstr(&f->tool, tool, strlen(tool));
	setstr(&f->args, args, argslen);
	setstr(&f->schema_error, ri->schema_error, strlen(ri->schema_error));
	setstr(&f->audit_args, ri->audit_args, strlen(ri->audit_args));
	return f->fail ? -1 : 0;
}

static int
fake_cancel(void *ctx, const struct mcp_reqinfo *ri, const char *cred,
    size_t credlen, const char *request_id)
{
	struct fake *f = ctx;

	f->ncancel++;
	setstr(&f->cancel_id, request_id, strlen(request_id));
	setstr(&f->cancel_cred, cred, credlen);
	f->cancel_scope = ri->scope;
	return 0;
}

static const struct mcp_backend fake_backend = {
	fake_hello, fake_toollist, fake_toolcall, fake_cancel
};

static void
capture_out(void *ctx, void *origin, int status, const char *msg, size_t len)
{
	struct capture *c = ctx;

	/* The one property a newline-delimited transport relies on. */
	assert_null(memchr(msg, '\n', len));
	assert_null(memchr(msg, '\r', len));
	assert_int_equal(strlen(msg), len);
	assert_true(c->n < MAXLINES);
	c->lines[c->n] = strdup(msg);
	assert_non_null(c->lines[c->n]);
	c->n++;
}

static void
cap_clear(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->lines[i]);
	c->n = 0;
}

static int
setup_n(void **state, size_t max_inflight)
{
	struct t *t;
	char err[256];

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->s = mcp_new(&fake_backend, &t->fake, capture_out, &t->cap,
	    max_inflight, err, sizeof(err));
	if (t->s == NULL)
		fail_msg("mcp_new: %s", err);
	*state = t;
	return 0;
}

static int
setup(void **state)
{
	return setup_n(state, 8);
}

static int
setup_small(void **state)
{
	return setup_n(state, 2);
}

static int
teardown(void **state)
{
	struct t *t = *state;

	mcp_free(t->s);
	cap_clear(&t->cap);
	free(t->fake.client_info);
	free(t->fake.version);
	free(t->fake.cred);
	free(t->fake.request_id);
	free(t->fake.tool);
	free(t->fake.args);
	free(t->fake.cancel_id);
	free(t->fake.cancel_cred);
	free(t->fake.schema_error);
	free(t->fake.audit_args);
	free(t);
	return 0;
}

static void
in(struct t *t, const char *msg)
{
	(void)mcp_input(t->s, NULL, msg, strlen(msg));
}

/* Send msg; exactly one line must come back, equal to want. */
static void
expect(struct t *t, const char *msg, const char *want)
{
	cap_clear(&t->cap);
	in(t, msg);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0], want);
	cap_clear(&t->cap);
}

static void
expect_none(struct t *t, const char *msg)
{
	cap_clear(&t->cap);
	in(t, msg);
	assert_int_equal(t->cap.n, 0);
}

static void
init(struct t *t)
{
	cap_clear(&t->cap);
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-06-18\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\"}}}");
	assert_int_equal(t->cap.n, 1);
	cap_clear(&t->cap);
	in(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	assert_int_equal(t->cap.n, 0);
	mcp_hello_ans(t->s, t->fake.hello_callid, PS_ST_OK);
}

static void
answer(struct t *t, uint32_t callid, uint32_t status, const char *text,
    const char *required, const char *role, uint32_t retry)
{
	struct mm_toolcall_ans a;

	memset(&a, 0, sizeof(a));
	a.callid = callid;
	a.flags = PS_F_FINAL;
	a.status = status;
	a.required = required;
	a.role = role;
	a.retry_after = retry;
	a.text = text;
	a.textlen = text != NULL ? strlen(text) : 0;
	cap_clear(&t->cap);
	mcp_toolcall_ans(t->s, &a);
}

#define PARSE_ERROR \
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700," \
	"\"message\":\"Parse error\"}}"
#define INVALID_NULL \
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600," \
	"\"message\":\"Invalid Request\"}}"

static void
test_parse_errors(void **state)
{
	struct t *t = *state;
	char *deep;
	size_t i;
	const char nul[] =
	    "{\"jsonrpc\":\"2.0\",\0\"id\":1,\"method\":\"ping\"}";

	expect(t, "{", PARSE_ERROR);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x",
	    PARSE_ERROR);
	/* Duplicate keys could mean different things to different readers. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}",
	    PARSE_ERROR);
	/* Invalid UTF-8. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}",
	    PARSE_ERROR);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\x28\",\"method\":"
	    "\"ping\"}",
	    PARSE_ERROR);
	/* A NUL byte in the message. */
	cap_clear(&t->cap);
	(void)mcp_input(t->s, NULL, nul, sizeof(nul) - 1);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0], PARSE_ERROR);
	/* An escaped NUL inside a string. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0000b\",\"method\":"
	    "\"ping\"}", PARSE_ERROR);
	/* Nesting 10000 deep: beyond jansson's depth limit. */
	deep = malloc(20001);
	assert_non_null(deep);
	for (i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	expect(t, deep, PARSE_ERROR);
	free(deep);
	/* An integer jansson cannot hold. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,"
	    "\"method\":\"ping\"}", PARSE_ERROR);
}

static void
test_invalid_requests(void **state)
{
	struct t *t = *state;

	/* Batches are not supported since 2025-06-18. */
	expect(t, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
	    INVALID_NULL);
	expect(t, "[]", INVALID_NULL);
	expect(t, "42", INVALID_NULL);
	expect(t, "\"ping\"", INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	expect(t, "{\"id\":7,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	expect(t, "{\"jsonrpc\":2.0,\"id\":\"x\",\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":5}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"a\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	/* Ids that are not strings or integers are never echoed. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
	    INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
	    INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}",
	    INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}",
	    INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
	    INVALID_NULL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\","
	    "\"params\":\"x\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	/* A malformed notification still gets an error, with a null id. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"method\":1}", INVALID_NULL);
	/* Responses from the client are ignored. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,"
	    "\"message\":\"x\"}}");
	assert_int_equal(t->fake.nhello + t->fake.ntoollist +
	    t->fake.ntoolcall, 0);
}

static void
test_before_initialize(void **state)
{
	struct t *t = *state;

	assert_false(mcp_initialized(t->s));
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32600,"
	    "\"message\":\"Server not initialized\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32600,"
	    "\"message\":\"Server not initialized\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32600,"
	    "\"message\":\"Server not initialized\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":1}}");
	assert_int_equal(t->fake.ntoollist + t->fake.ntoolcall +
	    t->fake.ncancel, 0);
}

/* id_json: the id expected, as JSON text. */
static void
check_initialize(const char *line, const char *id_json, const char *version)
{
	json_t *j, *r, *id;

	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "jsonrpc")),
	    "2.0");
	id = json_loads(id_json, JSON_DECODE_ANY, NULL);
	assert_non_null(id);
	assert_true(json_equal(json_object_get(j, "id"), id));
	json_decref(id);
	r = json_object_get(j, "result");
	assert_non_null(r);
	assert_int_equal(json_object_size(r), 4);
	assert_string_equal(json_string_value(json_object_get(r,
	    "protocolVersion")), version);
	assert_true(json_is_false(json_object_get(json_object_get(
	    json_object_get(r, "capabilities"), "tools"), "listChanged")));
	assert_int_equal(json_object_size(json_object_get(r,
	    "capabilities")), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "serverInfo"), "name")), "mcpd");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(r, "serverInfo"), "version")), MCPD_VERSION);
	assert_string_equal(MCPD_VERSION, "0.1.0");
	assert_true(json_string_length(json_object_get(r,
	    "instructions")) > 0);
	json_decref(j);
}

static void
test_initialize_versions(void **state)
{
	static const char *const asked[] = {
		"2025-03-26", "2025-06-18", "2025-11-25", "1999-01-01",
		"2026-07-28", ""
	};
	static const char *const got[] = {
		"2025-03-26", "2025-06-18", "2025-11-25", "2025-11-25",
		"2025-11-25", "2025-11-25"
	};
	char msg[512];
	size_t i;

	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		struct t *t;

		assert_int_equal(setup(state), 0);
		t = *state;
		(void)snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\","
		    "\"id\":\"i\",\"method\":\"initialize\",\"params\":"
		    "{\"protocolVersion\":\"%s\",\"capabilities\":{},"
		    "\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}",
		    asked[i]);
		in(t, msg);
		assert_int_equal(t->cap.n, 1);
		check_initialize(t->cap.lines[0], "\"i\"", got[i]);
		assert_int_equal(t->fake.nhello, 1);
		assert_string_equal(t->fake.version, got[i]);
		assert_string_equal(t->fake.client_info,
		    "{\"name\":\"c\",\"version\":\"1\"}");
		assert_true(mcp_initialized(t->s));
		assert_int_equal(teardown(state), 0);
	}
}

static void
test_initialize_errors(void **state)
{
	struct t *t = *state;
	char *big;
	size_t len;

	/* No protocolVersion, or not a string: the session stays new. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":20250618}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":[\"2025-06-18\"]}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	assert_false(mcp_initialized(t->s));
	assert_int_equal(t->fake.nhello, 0);

	/* No clientInfo: "{}" goes to the monitor. */
	cap_clear(&t->cap);
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-03-26\"}}");
	assert_int_equal(t->cap.n, 1);
	check_initialize(t->cap.lines[0], "2", "2025-03-26");
	assert_string_equal(t->fake.client_info, "{}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-03-26\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32600,"
	    "\"message\":\"Already initialized\"}}");
	assert_int_equal(t->fake.nhello, 1);
	assert_int_equal(teardown(state), 0);

	/* A clientInfo over PS_CLIENT_MAX is replaced by a marker. */
	assert_int_equal(setup(state), 0);
	t = *state;
	len = PS_CLIENT_MAX + 200;
	big = malloc(len + 200);
	assert_non_null(big);
	(void)snprintf(big, len + 200, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
	    "\"2025-11-25\",\"clientInfo\":{\"name\":\"%0*d\"}}}",
	    (int)PS_CLIENT_MAX, 7);
	in(t, big);
	free(big);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->fake.client_info, "{\"truncated\":true}");
}

/* A hello the backend cannot take fails initialize; a retry works. */
static void
test_initialize_hello_refused(void **state)
{
	struct t *t = *state;

	t->fake.fail = 1;
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-06-18\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");
	assert_false(mcp_initialized(t->s));
	t->fake.fail = 0;
	init(t);
	assert_true(mcp_initialized(t->s));
}

static void
test_methods(void **state)
{
	struct t *t = *state;

	init(t);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"resources/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"notifications/cancelled\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\"}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\","
	    "\"params\":{\"_meta\":{}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\","
	    "\"params\":[1]}",
	    "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	mcp_input_too_large(t->s, NULL);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	    "\"message\":\"Request too large\"}}");
}

static void
test_call_bad_arguments(void **state)
{
	struct t *t = *state;

	init(t);
	/*
	 * Arguments that fail the schema go to the monitor with the
	 * failure, to be authorized first (issue 11, item 7); an allowed
	 * caller gets the failure as a tool error.
	 */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_users\","
	    "\"arguments\":{\"userIds\":[1]}}}");
	assert_int_equal(t->fake.ntoolcall, 1);
	assert_string_equal(t->fake.schema_error,
	    "invalid arguments: /userIds/0: expected string");
	assert_string_equal(t->fake.args, "{\"userIds\":[1]}");
	answer(t, t->fake.callid, PS_ST_TOOL_ERROR,
	    "invalid arguments: /userIds/0: expected string", "", "admin", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"invalid arguments: "
	    "/userIds/0: expected string\"}],\"isError\":true}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_users\","
	    "\"arguments\":{\"userIds\":[\"1\"],\"all\":true}}}");
	assert_string_equal(t->fake.schema_error,
	    "invalid arguments: /all: unexpected property");
	/* No arguments: {} is validated, and misses userIds. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_users\"}}");
	assert_string_equal(t->fake.schema_error,
	    "invalid arguments: /userIds: required property missing");
	/* Two failures, both named. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_users\","
	    "\"arguments\":{\"userIds\":[1,\"\"]}}}");
	assert_string_equal(t->fake.schema_error,
	    "invalid arguments: /userIds/0: expected string; "
	    "/userIds/1: shorter than 1 characters");
	/* Valid arguments: no failure. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_users\","
	    "\"arguments\":{\"userIds\":[\"1\"]}}}");
	assert_string_equal(t->fake.schema_error, "");
	assert_int_equal(t->fake.ntoolcall, 5);
	t->fake.ntoolcall = 0;
	/* Malformed params. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"delete_users\",\"arguments\":[1]}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\","
	    "\"params\":{\"name\":1}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	assert_int_equal(t->fake.ntoolcall, 0);
	/* Ids 6, 7, 9 and 10 still wait for the monitor. */
	assert_int_equal(mcp_inflight(t->s), 4);
}

static void
test_call_unknown_tool(void **state)
{
	struct t *t = *state;

	init(t);
	/* Not answered here: it goes to the monitor, raw arguments sorted. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"delete_all_users\","
	    "\"arguments\":{\"b\":[1,\"x\"],\"a\":{\"d\":2,\"c\":3.5}}}}");
	assert_int_equal(t->fake.ntoolcall, 1);
	assert_string_equal(t->fake.tool, "delete_all_users");
	assert_string_equal(t->fake.request_id, "\"abc\"");
	assert_string_equal(t->fake.args,
	    "{\"a\":{\"c\":3.5,\"d\":2},\"b\":[1,\"x\"]}");
	assert_int_equal(t->fake.credlen, 0);
	assert_int_equal(mcp_inflight(t->s), 1);
	answer(t, t->fake.callid, PS_ST_UNKNOWN_TOOL, "", "", "", 0);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"error\":{\"code\":-32602,"
	    "\"message\":\"Unknown tool\"}}");
	assert_int_equal(mcp_inflight(t->s), 0);
	/* A second answer for the same call is ignored. */
	answer(t, t->fake.callid, PS_ST_OK, "late", "", "", 0);
	assert_int_equal(t->cap.n, 0);
}

static void
test_call_answers(void **state)
{
	struct t *t = *state;
	struct mm_toolcall_ans a;
	uint32_t first;

	init(t);
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"tools/call\","
	    "\"params\":{\"name\":\"describe_table\",\"arguments\":"
	    "{\"table\":\"users\"}}}");
	assert_string_equal(t->fake.request_id, "9");
	assert_string_equal(t->fake.args, "{\"table\":\"users\"}");
	answer(t, t->fake.callid, PS_ST_OK, "3 rows", "", "", 0);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"3 rows\"}],\"isError\":false}}");

	in(t, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	assert_string_equal(t->fake.args, "{}");
	answer(t, t->fake.callid, PS_ST_TOOL_ERROR, "tool failed", "", "", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":10,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"tool failed\"}],"
	    "\"isError\":true}}");

	in(t, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	answer(t, t->fake.callid, PS_ST_RATE_LIMITED, "", "", "", 42);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":11,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"RATE LIMITED\\n--------------\\n"
	    "Tool: list_tables\\nRetry after: 42 seconds\\n"
	    "Action: Blocked and logged\"}],\"isError\":true}}");

	in(t, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	answer(t, t->fake.callid, PS_ST_AUTH_FAILED, "", "", "", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32003,"
	    "\"message\":\"Authentication failed\"}}");

	in(t, "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	answer(t, t->fake.callid, PS_ST_INTERNAL, "", "", "", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":13,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");

	/* Tool output that is not UTF-8 cannot be sent: -32603. */
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	answer(t, t->fake.callid, PS_ST_OK, "bad \xff byte", "", "", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":14,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");

	/* Only the final part completes a call. */
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	first = t->fake.callid;
	memset(&a, 0, sizeof(a));
	a.callid = first;
	a.flags = 0;
	a.status = PS_ST_OK;
	a.text = "part";
	a.textlen = 4;
	cap_clear(&t->cap);
	mcp_toolcall_ans(t->s, &a);
	assert_int_equal(t->cap.n, 0);
	assert_int_equal(mcp_inflight(t->s), 1);
	answer(t, first, PS_ST_OK, "done", "", "", 0);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":15,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"done\"}],\"isError\":false}}");
	assert_int_equal(mcp_inflight(t->s), 0);

	/* Output with a NUL byte is valid UTF-8: escaped, not cut. */
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	memset(&a, 0, sizeof(a));
	a.callid = t->fake.callid;
	a.flags = PS_F_FINAL;
	a.status = PS_ST_OK;
	a.text = "a\0b\n";
	a.textlen = 4;
	cap_clear(&t->cap);
	mcp_toolcall_ans(t->s, &a);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":16,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"a\\u0000b\\n\"}],"
	    "\"isError\":false}}");
}

static void
test_call_denied(void **state)
{
	struct t *t = *state;
	json_t *j, *item;

	init(t);
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"delete_users\",\"arguments\":"
	    "{\"userIds\":[1,2]}}}");
	assert_int_equal(t->fake.ntoolcall, 1);
	assert_string_equal(t->fake.args, "{\"userIds\":[1,2]}");
	answer(t, t->fake.callid, PS_ST_DENIED, "", "admin", "developer", 0);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":21,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"ACCESS DENIED\\n--------------\\n"
	    "Tool: delete_users\\nRequired role: admin\\n"
	    "Your role: developer\\nAction: Blocked and logged\"}],"
	    "\"isError\":true}}");
	j = json_loads(t->cap.lines[0], 0, NULL);
	assert_non_null(j);
	item = json_array_get(json_object_get(json_object_get(j, "result"),
	    "content"), 0);
	assert_string_equal(json_string_value(json_object_get(item, "text")),
	    "ACCESS DENIED\n"
	    "--------------\n"
	    "Tool: delete_users\n"
	    "Required role: admin\n"
	    "Your role: developer\n"
	    "Action: Blocked and logged");
	json_decref(j);

	/* Nothing known on either side: "none". */
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"secret_tool\"}}");
	answer(t, t->fake.callid, PS_ST_DENIED, "", "", "", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":22,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"ACCESS DENIED\\n--------------\\n"
	    "Tool: secret_tool\\nRequired role: none\\n"
	    "Your role: none\\nAction: Blocked and logged\"}],"
	    "\"isError\":true}}");
}

/*
 * The session never decides which call a notifications/cancelled names
 * (issue 11, item 1): it forwards every well-formed one, with its own
 * credential and scope, and drops an answer only when the monitor flags
 * it PS_F_CANCELLED.
 */
static void
test_cancel(void **state)
{
	struct t *t = *state;
	uint32_t callid;

	init(t);
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_tables\"}}");
	callid = t->fake.callid;
	assert_int_equal(t->fake.call_scope, PS_SCOPE_STDIO);
	/* Malformed ones go nowhere. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":[31]}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{}}");
	assert_int_equal(t->fake.ncancel, 0);
	/* Any id goes to the monitor, as JSON text, with its credential. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":99}}");
	assert_int_equal(t->fake.ncancel, 1);
	assert_string_equal(t->fake.cancel_id, "99");
	assert_int_equal(t->fake.cancel_scope, PS_SCOPE_STDIO);
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":\"31\","
	    "\"_meta\":{\"authorization\":\"Bearer mcpk_x\"}}}");
	assert_int_equal(t->fake.ncancel, 2);
	assert_string_equal(t->fake.cancel_id, "\"31\"");
	assert_string_equal(t->fake.cancel_cred, "mcpk_x");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":31,"
	    "\"reason\":\"user\"}}");
	assert_int_equal(t->fake.ncancel, 3);
	assert_string_equal(t->fake.cancel_id, "31");
	/* The monitor did not cancel it: its answer goes out. */
	assert_int_equal(mcp_inflight(t->s), 1);
	answer(t, callid, PS_ST_OK, "result", "", "", 0);
	assert_int_equal(t->cap.n, 1);
	assert_int_equal(mcp_inflight(t->s), 0);

	/* The monitor cancelled it: nothing at all goes out. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":33,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_tables\"}}");
	{
		struct mm_toolcall_ans a;

		memset(&a, 0, sizeof(a));
		a.callid = t->fake.callid;
		a.flags = PS_F_FINAL | PS_F_CANCELLED;
		a.status = PS_ST_TOOL_ERROR;
		a.text = "cancelled";
		a.textlen = strlen(a.text);
		cap_clear(&t->cap);
		mcp_toolcall_ans(t->s, &a);
	}
	assert_int_equal(t->cap.n, 0);
	assert_int_equal(mcp_inflight(t->s), 0);

	/* A tools/list is answered whatever a notification says. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":32,\"method\":"
	    "\"tools/list\"}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":32}}");
	{
		struct mm_toollist_ans l;

		memset(&l, 0, sizeof(l));
		l.callid = t->fake.callid;
		l.status = PS_ST_OK;
		cap_clear(&t->cap);
		mcp_toollist_ans(t->s, &l);
	}
	assert_int_equal(t->cap.n, 1);
	assert_int_equal(mcp_inflight(t->s), 0);
}

/*
 * Over HTTP the scope a call is recorded with is the session's, except
 * for a 2026-07-28 request, which only closing its connection cancels;
 * a cancellation carries the scope and credential it came with.
 */
static void
test_cancel_scope(void **state)
{
	struct t *t = *state;
	struct mcp_reqctx ctx;
	const char *call = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_tables\"}}";
	const char *modern = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_tables\","
	    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	    "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\""
	    ":{}}}}";
	const char *cancel = "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/cancelled\",\"params\":{\"requestId\":5}}";

	init(t);
	memset(&ctx, 0, sizeof(ctx));
	ctx.connid = 3;
	ctx.scope = 42;
	ctx.cred = "mcpk_h";
	ctx.credlen = 6;
	(void)mcp_input_http(t->s, NULL, &ctx, call, strlen(call));
	assert_int_equal(t->fake.ntoolcall, 1);
	assert_int_equal(t->fake.call_scope, 42);
	(void)mcp_input_http(t->s, NULL, &ctx, cancel, strlen(cancel));
	assert_int_equal(t->fake.ncancel, 1);
	assert_int_equal(t->fake.cancel_scope, 42);
	assert_string_equal(t->fake.cancel_cred, "mcpk_h");
	ctx.hdr_version = "2026-07-28";
	ctx.hdr_method = "tools/call";
	ctx.hdr_name = "list_tables";
	(void)mcp_input_http(t->s, NULL, &ctx, modern, strlen(modern));
	assert_int_equal(t->fake.ntoolcall, 2);
	assert_int_equal(t->fake.call_scope, PS_SCOPE_CONN);
}

static void
test_credentials(void **state)
{
	struct t *t = *state;
	static const struct {
		const char	*meta;
		const char	*cred;
	} cases[] = {
		{ "{\"authorization\":\"Bearer mcpk_abc\"}", "mcpk_abc" },
		{ "{\"authorization\":\"bearer   tok.en.x\"}", "tok.en.x" },
		{ "{\"authorization\":\"BEARER t\"}", "t" },
		/* Not Bearer: the literal, quoted, which cannot pass. */
		{ "{\"authorization\":\"Basic dXNlcg==\"}",
		    "\"Basic dXNlcg==\"" },
		{ "{\"authorization\":\"mcpk_abc\"}", "\"mcpk_abc\"" },
		{ "{\"authorization\":\"Bearer \"}", "\"Bearer \"" },
		{ "{\"authorization\":\"\"}", "\"\"" },
		{ "{\"authorization\":\"Bearertok\"}", "\"Bearertok\"" },
		{ "{\"authorization\":42}", "42" },
		{ "{\"authorization\":null}", "null" },
		{ "{\"authorization\":{\"a\":1}}", "{\"a\":1}" },
		/* Absent: empty, the monitor's own key applies. */
		{ "{}", "" },
		{ "{\"Authorization\":\"Bearer x\"}", "" },
	};
	char msg[512];
	size_t i;

	init(t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\","
		    "\"id\":%zu,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"list_tables\",\"_meta\":%s}}", i,
		    cases[i].meta);
		expect_none(t, msg);
		assert_int_equal(t->fake.ntoolcall, (int)i + 1);
		assert_int_equal(t->fake.credlen, strlen(cases[i].cred));
		assert_string_equal(t->fake.cred, cases[i].cred);
		answer(t, t->fake.callid, PS_ST_OK, "", "", "", 0);
		(void)snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\","
		    "\"id\":\"l%zu\",\"method\":\"tools/list\",\"params\":"
		    "{\"_meta\":%s}}", i, cases[i].meta);
		expect_none(t, msg);
		assert_int_equal(t->fake.credlen, strlen(cases[i].cred));
		assert_string_equal(t->fake.cred, cases[i].cred);
		{
			struct mm_toollist_ans l;

			memset(&l, 0, sizeof(l));
			l.callid = t->fake.callid;
			l.status = PS_ST_AUTH_FAILED;
			mcp_toollist_ans(t->s, &l);
		}
	}
}

/* Hostile ids and names are escaped: never a raw newline on the wire. */
static void
test_control_chars(void **state)
{
	struct t *t = *state;

	init(t);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\\r\\u0001\\u2028\","
	    "\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\\r\\u0001\xe2\x80\xa8\","
	    "\"result\":{}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":\"x\\ny\",\"method\":\"m\\n\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\\ny\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\"}}");
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":\"\\n\",\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"evil\\ntool\\r\"}}");
	assert_string_equal(t->fake.tool, "evil\ntool\r");
	assert_string_equal(t->fake.request_id, "\"\\n\"");
	answer(t, t->fake.callid, PS_ST_DENIED, "", "admin", "viewer", 0);
	assert_int_equal(t->cap.n, 1);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":\"\\n\",\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"ACCESS DENIED\\n--------------\\n"
	    "Tool: evil\\ntool\\r\\nRequired role: admin\\n"
	    "Your role: viewer\\nAction: Blocked and logged\"}],"
	    "\"isError\":true}}");
	/*
	 * A schema error names the path of a hostile key; the tool error
	 * the monitor sends back with it is escaped too.
	 */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"list_tables\","
	    "\"arguments\":{\"k\\n\":1}}}");
	assert_string_equal(t->fake.schema_error,
	    "invalid arguments: /k\n: unexpected property");
	answer(t, t->fake.callid, PS_ST_TOOL_ERROR, t->fake.schema_error, "",
	    "viewer", 0);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"invalid arguments: /k\\n: "
	    "unexpected property\"}],\"isError\":true}}");
}

static void
test_ids_in_flight(void **state)
{
	struct t *t = *state;
	char id[700], msg[1024];

	init(t);
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}");
	/* The same id while the first is in flight. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}");
	/* "1" is another id than 1. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":"
	    "\"tools/list\"}");
	assert_int_equal(mcp_inflight(t->s), 2);
	/* The cap is 2 in this group. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32000,"
	    "\"message\":\"Server busy\"}}");
	assert_int_equal(t->fake.ntoolcall + t->fake.ntoollist, 2);

	/* An id longer than the privsep field: refused before the monitor. */
	memset(id, 'i', 600);
	id[600] = '\0';
	(void)snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":\"%s\","
	    "\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}", id);
	cap_clear(&t->cap);
	in(t, msg);
	assert_int_equal(t->cap.n, 1);
	assert_non_null(strstr(t->cap.lines[0],
	    "\"error\":{\"code\":-32600,\"message\":\"Invalid Request\"}"));
	assert_int_equal(t->fake.ntoolcall, 1);
}

static void
test_backend_failure(void **state)
{
	struct t *t = *state;

	init(t);
	t->fake.fail = 1;
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"list_tables\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");
	assert_int_equal(mcp_inflight(t->s), 0);
}

static json_t *
catalog_schema(const char *name)
{
	json_t *j = json_loads(toolcat_find(name)->input_schema, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
test_tools_list(void **state)
{
	struct t *t = *state;
	struct mm_toollist_ans l;
	char *names[] = { "query", "no_such_tool", "list_tables",
	    "delete_users" };
	char *required[] = { "", "admin", "", "admin,,developer" };
	json_t *j, *tools, *tool, *schema;

	/* Before the monitor acknowledged the hello: it still works. */
	cap_clear(&t->cap);
	in(t, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-06-18\"}}");
	/* No cursor was ever issued, so any cursor is invalid. */
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
	    "\"tools/list\",\"params\":{\"cursor\":\"abc\"}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,"
	    "\"message\":\"Invalid params\"}}");
	assert_int_equal(t->fake.ntoollist, 0);
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"tools/list\",\"params\":{}}");
	assert_int_equal(t->fake.ntoollist, 1);
	assert_true(t->fake.hello_order < t->fake.list_order);
	mcp_hello_ans(t->s, t->fake.hello_callid, PS_ST_OK);

	memset(&l, 0, sizeof(l));
	l.callid = t->fake.callid;
	l.status = PS_ST_OK;
	l.n = 4;
	l.names = names;
	l.required = required;
	cap_clear(&t->cap);
	mcp_toollist_ans(t->s, &l);
	assert_int_equal(t->cap.n, 1);
	j = json_loads(t->cap.lines[0], 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
	assert_int_equal(json_object_size(json_object_get(j, "result")), 1);
	tools = json_object_get(json_object_get(j, "result"), "tools");
	/* Catalog order, only what the monitor listed, nothing unknown. */
	assert_int_equal(json_array_size(tools), 3);
	tool = json_array_get(tools, 0);
	assert_string_equal(json_string_value(json_object_get(tool, "name")),
	    "list_tables");
	assert_null(json_object_get(tool, "_meta"));
	assert_string_equal(json_string_value(json_object_get(tool, "title")),
	    toolcat_find("list_tables")->title);
	assert_string_equal(json_string_value(json_object_get(tool,
	    "description")), toolcat_find("list_tables")->description);
	assert_true(json_is_true(json_object_get(json_object_get(tool,
	    "annotations"), "readOnlyHint")));
	assert_true(json_is_false(json_object_get(json_object_get(tool,
	    "annotations"), "destructiveHint")));
	schema = catalog_schema("list_tables");
	assert_true(json_equal(json_object_get(tool, "inputSchema"), schema));
	json_decref(schema);
	tool = json_array_get(tools, 1);
	assert_string_equal(json_string_value(json_object_get(tool, "name")),
	    "query");
	tool = json_array_get(tools, 2);
	assert_string_equal(json_string_value(json_object_get(tool, "name")),
	    "delete_users");
	assert_true(json_is_true(json_object_get(json_object_get(tool,
	    "annotations"), "destructiveHint")));
	schema = json_pack("{s:[s,s]}", "mcpd/requiredRoles", "admin",
	    "developer");
	assert_true(json_equal(json_object_get(tool, "_meta"), schema));
	json_decref(schema);
	json_decref(j);
	/* The shared entries were not changed by the _meta added. */
	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":"
	    "\"tools/list\"}");
	l.callid = t->fake.callid;
	l.n = 1;
	l.names = &names[3];
	l.required = &required[0];
	mcp_toollist_ans(t->s, &l);
	assert_int_equal(t->cap.n, 1);
	assert_null(strstr(t->cap.lines[0], "_meta"));

	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	    "\"tools/list\"}");
	memset(&l, 0, sizeof(l));
	l.callid = t->fake.callid;
	l.status = PS_ST_AUTH_FAILED;
	cap_clear(&t->cap);
	mcp_toollist_ans(t->s, &l);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32003,"
	    "\"message\":\"Authentication failed\"}}");

	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":"
	    "\"tools/list\"}");
	l.callid = t->fake.callid;
	l.status = PS_ST_RATE_LIMITED;
	cap_clear(&t->cap);
	mcp_toollist_ans(t->s, &l);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":10,\"error\":{\"code\":-32029,"
	    "\"message\":\"Rate limited\",\"data\":{\"retryAfter\":60}}}");

	expect_none(t, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":"
	    "\"tools/list\"}");
	l.callid = t->fake.callid;
	l.status = PS_ST_DENIED;
	cap_clear(&t->cap);
	mcp_toollist_ans(t->s, &l);
	assert_string_equal(t->cap.lines[0],
	    "{\"jsonrpc\":\"2.0\",\"id\":11,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");
	assert_int_equal(mcp_inflight(t->s), 0);
}

static void
test_hello_refused(void **state)
{
	struct t *t = *state;

	in(t, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-06-18\"}}");
	mcp_hello_ans(t->s, t->fake.hello_callid, PS_ST_INTERNAL);
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,"
	    "\"message\":\"Internal error\"}}");
	expect(t, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
	assert_int_equal(t->fake.ntoollist, 0);
}

/* The stdio transport, over pipes and files. */

struct sio {
	struct event_base	*base;
	struct stdio_transport	*st;
	char			*msgs[MAXLINES];
	size_t			 nmsgs;
	int			 ntoolarge;
	int			 eof;
	int			 nwritten;
	int			 outerr;
	int			 pause_after;	/* pause after this many */
};

static void
sio_message(void *ctx, const char *buf, size_t len)
{
	struct sio *s = ctx;

	assert_true(s->nmsgs < MAXLINES);
	s->msgs[s->nmsgs] = malloc(len + 1);
	assert_non_null(s->msgs[s->nmsgs]);
	memcpy(s->msgs[s->nmsgs], buf, len);
	s->msgs[s->nmsgs][len] = '\0';
	s->nmsgs++;
	if (s->pause_after > 0 && s->nmsgs == (size_t)s->pause_after) {
		stdio_pause(s->st, 1);
		(void)event_base_loopbreak(s->base);
	}
}

static void
sio_too_large(void *ctx)
{
	struct sio *s = ctx;
	char mark[] = "<too large>";

	sio_message(ctx, mark, strlen(mark));
	s->ntoolarge++;
}

static void
sio_eof(void *ctx)
{
	struct sio *s = ctx;

	s->eof = 1;
	(void)event_base_loopbreak(s->base);
}

static void
sio_written(void *ctx)
{
	struct sio *s = ctx;

	s->nwritten++;
}

static void
sio_out_error(void *ctx)
{
	struct sio *s = ctx;

	s->outerr = 1;
}

static const struct stdio_ops sio_ops = {
	sio_message, sio_too_large, sio_eof, sio_written, sio_out_error
};

static void
sio_run(struct sio *s)
{
	struct timeval tv = { 5, 0 };

	/* The timeout only keeps a broken test from hanging. */
	assert_int_equal(event_base_loopexit(s->base, &tv), 0);
	assert_true(event_base_dispatch(s->base) >= 0);
}

static void
sio_free(struct sio *s)
{
	size_t i;

	stdio_free(s->st);
	event_base_free(s->base);
	for (i = 0; i < s->nmsgs; i++)
		free(s->msgs[i]);
}

static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* A temporary regular file holding data, open for reading at 0. */
static int
tmpfile_with(const char *data, size_t len)
{
	char path[] = "/tmp/test_mcp.XXXXXX";
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	write_all(fd, data, len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static const char framing_input[] =
    "{\"a\":1}\n"
    "\n"
    "\r\n"
    "{\"b\":2}\r\n"
    "x\ry\n"
    "last";

static void
check_framing(struct sio *s)
{
	assert_int_equal(s->eof, 1);
	assert_int_equal(s->nmsgs, 4);
	assert_string_equal(s->msgs[0], "{\"a\":1}");
	assert_string_equal(s->msgs[1], "{\"b\":2}");
	assert_string_equal(s->msgs[2], "x\ry");
	/* An unterminated last line at end of input is a message. */
	assert_string_equal(s->msgs[3], "last");
}

static void
test_stdio_framing_pipe(void **state)
{
	struct sio s;
	int in[2], out[2];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_non_null(s.base = event_base_new());
	s.st = stdio_new(s.base, in[0], out[1], 1024, &sio_ops, &s);
	stdio_start(s.st);
	write_all(in[1], framing_input, sizeof(framing_input) - 1);
	assert_int_equal(close(in[1]), 0);
	sio_run(&s);
	check_framing(&s);
	sio_free(&s);
	(void)close(in[0]);
	(void)close(out[0]);
	(void)close(out[1]);
}

static void
test_stdio_framing_file(void **state)
{
	struct sio s;
	int in, out;
	char buf[64];

	(void)state;
	memset(&s, 0, sizeof(s));
	in = tmpfile_with(framing_input, sizeof(framing_input) - 1);
	out = tmpfile_with("", 0);
	assert_non_null(s.base = event_base_new());
	s.st = stdio_new(s.base, in, out, 1024, &sio_ops, &s);
	stdio_start(s.st);
	sio_run(&s);
	check_framing(&s);
	/* A file as output is written at once. */
	stdio_send(s.st, "{\"r\":1}", 7);
	assert_int_equal(stdio_pending(s.st), 0);
	assert_int_equal(pread(out, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "{\"r\":1}\n", 8);
	sio_free(&s);
	(void)close(in);
	(void)close(out);
}

/*
 * The limit is on the message without its "\r\n"; an oversized one is
 * reported once and skipped to its newline, whatever its size.
 */
static void
test_stdio_too_large(void **state)
{
	struct sio s;
	size_t max = 1024, big = 300000, len = 0;
	char *data;
	int in, out;

	(void)state;
	memset(&s, 0, sizeof(s));
	data = malloc(big + 4 * max + 100);
	assert_non_null(data);
	memset(data + len, 'a', max);			/* exactly max: ok */
	len += max;
	data[len++] = '\n';
	memset(data + len, 'b', max);			/* max + "\r\n": ok */
	len += max;
	data[len++] = '\r';
	data[len++] = '\n';
	memset(data + len, 'c', max + 1);		/* max + 1: too large */
	len += max + 1;
	data[len++] = '\n';
	memset(data + len, 'd', big);			/* huge: too large */
	len += big;
	data[len++] = '\n';
	memcpy(data + len, "ok\n", 3);
	len += 3;
	memset(data + len, 'e', max + 2);		/* unterminated, huge */
	len += max + 2;
	in = tmpfile_with(data, len);
	out = tmpfile_with("", 0);
	assert_non_null(s.base = event_base_new());
	s.st = stdio_new(s.base, in, out, max, &sio_ops, &s);
	stdio_start(s.st);
	sio_run(&s);
	assert_int_equal(s.eof, 1);
	assert_int_equal(s.nmsgs, 6);
	assert_int_equal(strlen(s.msgs[0]), max);
	assert_int_equal(s.msgs[0][max - 1], 'a');
	assert_int_equal(strlen(s.msgs[1]), max);
	assert_int_equal(s.msgs[1][max - 1], 'b');
	assert_string_equal(s.msgs[2], "<too large>");
	assert_string_equal(s.msgs[3], "<too large>");
	assert_string_equal(s.msgs[4], "ok");
	assert_string_equal(s.msgs[5], "<too large>");
	assert_int_equal(s.ntoolarge, 3);
	sio_free(&s);
	free(data);
	(void)close(in);
	(void)close(out);
}

/* Paused: nothing is delivered; resumed: the buffered lines come first. */
static void
test_stdio_pause(void **state)
{
	struct sio s;
	int in[2], out[2];
	char buf[64];
	ssize_t n;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_non_null(s.base = event_base_new());
	s.st = stdio_new(s.base, in[0], out[1], 1024, &sio_ops, &s);
	s.pause_after = 1;
	stdio_start(s.st);
	write_all(in[1], "one\ntwo\nthree\n", 14);
	assert_int_equal(close(in[1]), 0);
	sio_run(&s);
	assert_int_equal(s.nmsgs, 1);
	assert_int_equal(s.eof, 0);
	/* Still paused: a loop turn delivers nothing. */
	assert_true(event_base_loop(s.base, EVLOOP_NONBLOCK) >= 0);
	assert_int_equal(s.nmsgs, 1);
	s.pause_after = 0;
	stdio_pause(s.st, 0);
	sio_run(&s);
	assert_int_equal(s.eof, 1);
	assert_int_equal(s.nmsgs, 3);
	assert_string_equal(s.msgs[1], "two");
	assert_string_equal(s.msgs[2], "three");

	/* Output to a pipe: one line per message, and the written event. */
	stdio_send(s.st, "{}", 2);
	stdio_send(s.st, "[1]", 3);
	assert_int_equal(stdio_pending(s.st), 7);
	assert_int_equal(event_base_loop(s.base, EVLOOP_ONCE), 0);
	assert_int_equal(stdio_pending(s.st), 0);
	assert_true(s.nwritten >= 1);
	n = read(out[0], buf, sizeof(buf));
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "{}\n[1]\n", 7);
	/* The reader goes away: reported, not a SIGPIPE death. */
	assert_int_equal(close(out[0]), 0);
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	stdio_send(s.st, "{}", 2);
	assert_int_equal(event_base_loop(s.base, EVLOOP_ONCE), 0);
	assert_int_equal(s.outerr, 1);
	sio_free(&s);
	(void)close(in[0]);
	(void)close(out[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_before_initialize, setup,
		    teardown),
		cmocka_unit_test(test_initialize_versions),
		cmocka_unit_test_setup_teardown(test_initialize_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_initialize_hello_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_bad_arguments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_unknown_tool, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_denied, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_scope, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_credentials, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_control_chars, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ids_in_flight,
		    setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_backend_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tools_list, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello_refused, setup,
		    teardown),
		cmocka_unit_test(test_stdio_framing_pipe),
		cmocka_unit_test(test_stdio_framing_file),
		cmocka_unit_test(test_stdio_too_large),
		cmocka_unit_test(test_stdio_pause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
