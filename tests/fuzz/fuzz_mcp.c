/*
 * Fuzz target: JSON-RPC and MCP message handling in the net process
 * (src/net/mcp_*.c: mcp_input and mcp_input_http), with a fake backend in
 * place of the monitor, as tests/unit/test_mcp.c drives it.
 *
 * Input: lines.  A line is one message from the client, given to the
 * current session, unless it starts with '#', which makes it an order to
 * the harness (the dictionary has them all):
 *   #http V|M|N|C  messages now come over HTTP with MCP-Protocol-Version
 *                  V, Mcp-Method M, Mcp-Name N and the Bearer credential
 *                  C (an empty field is an absent header)
 *   #stdio         messages now come over stdio
 *   #s1, #s2       which of two sessions (one registry) gets them
 *   #ans D         the backend answers every request after each line
 *                  with status D (a digit; 8 and 9 are out of range)
 *   #hold          the backend stops answering (requests pile up)
 *   #part          tool answers come in a non-final part first
 *   #text T        the tool output (raw bytes) of the answers
 *   #req R         the required roles ("a,b") in denials and listings
 *   #fail          the backend refuses the next requests to be sent
 *   #refuse        the session gets a transport refusal callback (HTTP)
 *   #big           the transport drops a message over its size limit
 * Each session starts as the client left it: the harness does no
 * initialize of its own.
 *
 * Properties of every message the session sends: one line (no CR or
 * LF), length as said, a JSON object with "jsonrpc":"2.0", an "id" and
 * exactly one of "result" and "error", sent with status 200, 400, 404
 * or 503.  In flight: never more than a session's limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
#include "toolcatalog.h"

#define MAX_INFLIGHT	8
#define MAX_PENDING	64

#define K_HELLO		1
#define K_LIST		2
#define K_CALL		3

struct pending {
	int		 kind;
	uint32_t	 callid;
};

struct fuzz_state {
	struct pending	 p[MAX_PENDING];
	size_t		 np;
	int		 fail;
};

static struct mcp_registry *reg;
static struct fuzz_state st;

static int
be_add(int kind, uint32_t callid)
{
	if (st.fail) {
		st.fail--;
		return -1;
	}
	FUZZ_ASSERT(callid != 0, "a call id is never 0");
	FUZZ_ASSERT(st.np < MAX_PENDING, "requests in flight are bounded");
	st.p[st.np].kind = kind;
	st.p[st.np].callid = callid;
	st.np++;
	return 0;
}

static int
be_hello(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *client_info, const char *version)
{
	FUZZ_ASSERT(client_info != NULL && version != NULL, "hello fields");
	FUZZ_ASSERT(mcp_version_supported(version), "a version we speak");
	return be_add(K_HELLO, callid);
}

static int
be_toollist(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id)
{
	FUZZ_ASSERT(credlen <= PS_CRED_MAX, "credential within its cap");
	FUZZ_ASSERT(strlen(request_id) <= PS_ID_MAX, "id within its cap");
	return be_add(K_LIST, callid);
}

static int
be_toolcall(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id,
    const char *tool, const char *args, size_t argslen)
{
	json_error_t jerr;
	json_t *a;

	FUZZ_ASSERT(credlen <= PS_CRED_MAX, "credential within its cap");
	FUZZ_ASSERT(strlen(request_id) <= PS_ID_MAX, "id within its cap");
	FUZZ_ASSERT(strlen(tool) <= PS_NAME_MAX, "tool name within its cap");
	/*
	 * Arguments leave the net process as JSON text; a catalog tool's
	 * have passed its schema, an object.  (An unknown tool goes on too:
	 * the monitor is the one that says it does not exist.)
	 */
	a = json_loadb(args, argslen, JSON_DECODE_ANY, &jerr);
	FUZZ_ASSERT(a != NULL, "arguments are JSON");
	FUZZ_ASSERT(toolcat_find(tool) == NULL || json_is_object(a),
	    "a catalog tool's arguments are an object");
	json_decref(a);
	return be_add(K_CALL, callid);
}

static int
be_cancel(void *ctx, const struct mcp_reqinfo *ri, const char *cred,
    size_t credlen, const char *request_id)
{
	return 0;
}

static const struct mcp_backend backend = {
	be_hello, be_toollist, be_toolcall, be_cancel
};

static void
out(void *ctx, void *origin, int status, const char *msg, size_t len)
{
	json_error_t jerr;
	json_t *m, *v;
	int nres;

	FUZZ_ASSERT(memchr(msg, '\n', len) == NULL &&
	    memchr(msg, '\r', len) == NULL, "an answer is one line");
	FUZZ_ASSERT(strlen(msg) == len, "an answer's length is its length");
	FUZZ_ASSERT(status == 200 || status == 400 || status == 404 ||
	    status == 503, "status 200, 400, 404 or 503");
	m = json_loadb(msg, len, 0, &jerr);
	FUZZ_ASSERT(json_is_object(m), "an answer is a JSON object");
	v = json_object_get(m, "jsonrpc");
	FUZZ_ASSERT(json_is_string(v) && strcmp(json_string_value(v),
	    "2.0") == 0, "jsonrpc 2.0");
	FUZZ_ASSERT(json_object_get(m, "id") != NULL, "an answer has an id");
	nres = (json_object_get(m, "result") != NULL) +
	    (json_object_get(m, "error") != NULL);
	FUZZ_ASSERT(nres == 1, "result or error");
	json_decref(m);
}

static int
refuse(void *ctx, void *origin, const struct mcp_refusal *r)
{
	FUZZ_ASSERT(r->status == PS_ST_AUTH_FAILED ||
	    r->status == PS_ST_RATE_LIMITED || r->status == PS_ST_SCOPE,
	    "only refusals of the caller are offered");
	/* The transport takes some and leaves others to the session. */
	return r->status != PS_ST_SCOPE;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	fuzz_init();
	if ((reg = mcp_registry_new(2 * MAX_INFLIGHT, err,
	    sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	return 0;
}

struct order {
	int	 answer;	/* status to answer with, -1: hold */
	int	 part;
	char	*text;
	char	*req;
};

static void
answer_all(struct order *o)
{
	struct mm_toollist_ans la;
	struct mm_toolcall_ans ca;
	char *names[4], *reqs[4];
	struct pending p;
	size_t i;

	while (o->answer >= 0 && st.np > 0) {
		p = st.p[0];
		memmove(st.p, st.p + 1, --st.np * sizeof(st.p[0]));
		switch (p.kind) {
		case K_HELLO:
			mcp_registry_hello_ans(reg, p.callid,
			    (uint32_t)o->answer);
			break;
		case K_LIST:
			memset(&la, 0, sizeof(la));
			la.callid = p.callid;
			la.status = (uint32_t)o->answer;
			for (i = 0; i < 3; i++) {
				names[i] = (char *)toolcat_get(i)->name;
				reqs[i] = o->req;
			}
			names[3] = "not_a_tool";
			reqs[3] = "";
			la.n = 4;
			la.names = names;
			la.required = reqs;
			mcp_registry_toollist_ans(reg, &la);
			break;
		default:
			memset(&ca, 0, sizeof(ca));
			ca.callid = p.callid;
			ca.status = (uint32_t)o->answer;
			ca.required = o->req;
			ca.role = "viewer";
			ca.retry_after = 30;
			ca.text = o->text;
			ca.textlen = strlen(o->text);
			if (o->part) {
				ca.flags = 0;
				mcp_registry_toolcall_ans(reg, &ca);
			}
			ca.flags = PS_F_FINAL;
			mcp_registry_toolcall_ans(reg, &ca);
			break;
		}
	}
}

/* "a|b|c|d" into the four header fields; empty ones are absent. */
static void
http_fields(char *s, struct mcp_reqctx *ctx)
{
	const char **f[3] = { &ctx->hdr_version, &ctx->hdr_method,
	    &ctx->hdr_name };
	char *bar;
	size_t i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->connid = 1;
	for (i = 0; i < 4 && s != NULL; i++) {
		if ((bar = strchr(s, '|')) != NULL)
			*bar++ = '\0';
		if (*s != '\0') {
			if (i < 3)
				*f[i] = s;
			else {
				ctx->cred = s;
				ctx->credlen = strlen(s);
			}
		}
		s = bar;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcp_session *s[2], *cur;
	struct mcp_reqctx ctx;
	struct order o = { PS_ST_OK, 0, NULL, NULL };
	char *text, *line, *next, *hdr = NULL;
	size_t len, i;
	int http = 0, origin;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < 2; i++)
		s[i] = mcp_session_new(reg, &backend, NULL, out, NULL,
		    MAX_INFLIGHT);
	cur = s[0];
	o.text = strdup("[{\"name\":\"t\"}]");
	o.req = strdup("admin");
	FUZZ_ASSERT(o.text != NULL && o.req != NULL, "strdup");
	text = fuzz_strndup(data, size);
	for (line = text; line != NULL; line = next) {
		/* Lines may hold NULs: a line ends at '\n' only. */
		next = memchr(line, '\n', size - (size_t)(line - text));
		len = next != NULL ? (size_t)(next - line) :
		    size - (size_t)(line - text);
		if (next != NULL)
			*next++ = '\0';
		if (len > 0 && line[0] == '#') {
			if (strncmp(line, "#http", 5) == 0) {
				free(hdr);
				hdr = strdup(line[5] == ' ' ? line + 6 : "");
				FUZZ_ASSERT(hdr != NULL, "strdup");
				http_fields(hdr, &ctx);
				http = 1;
			} else if (strcmp(line, "#stdio") == 0)
				http = 0;
			else if (strcmp(line, "#s1") == 0)
				cur = s[0];
			else if (strcmp(line, "#s2") == 0)
				cur = s[1];
			else if (strncmp(line, "#ans ", 5) == 0 &&
			    line[5] >= '0' && line[5] <= '9')
				o.answer = line[5] - '0';
			else if (strcmp(line, "#hold") == 0)
				o.answer = -1;
			else if (strcmp(line, "#part") == 0)
				o.part = !o.part;
			else if (strncmp(line, "#text ", 6) == 0) {
				free(o.text);
				o.text = strdup(line + 6);
			} else if (strncmp(line, "#req ", 5) == 0) {
				free(o.req);
				o.req = strdup(line + 5);
			} else if (strcmp(line, "#fail") == 0)
				st.fail = 2;
			else if (strcmp(line, "#refuse") == 0)
				mcp_set_refuse(cur, refuse);
			else if (strcmp(line, "#big") == 0)
				mcp_input_too_large(cur, NULL);
			FUZZ_ASSERT(o.text != NULL && o.req != NULL, "strdup");
		} else if (http) {
			/* The origin is the request; any non-NULL pointer. */
			(void)mcp_input_http(cur, &origin, &ctx, line, len);
		} else
			(void)mcp_input(cur, NULL, line, len);
		answer_all(&o);
		for (i = 0; i < 2; i++)
			FUZZ_ASSERT(mcp_inflight(s[i]) <= MAX_INFLIGHT,
			    "in flight within the session's limit");
		FUZZ_ASSERT(mcp_registry_inflight(reg) <= 2 * MAX_INFLIGHT,
		    "in flight within the registry's limit");
	}
	for (i = 0; i < 2; i++)
		mcp_free(s[i]);
	FUZZ_ASSERT(mcp_registry_inflight(reg) == 0,
	    "freed sessions leave no call routed");
	free(text);
	free(hdr);
	free(o.text);
	free(o.req);
	return 0;
}
