/*
 * The response side of the HTTP transport: every reply goes out through
 * http_reply(), uncacheable, with a JSON body when it has one; a refusal
 * before a body is read is a JSON-RPC error without an id; refusals of
 * the caller carry the RFC 6750 challenge (401, 403) or Retry-After
 * (429), so that a client can tell what to do next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "http_int.h"
#include "log.h"
#include "mcp.h"
#include "xmalloc.h"

void
http_header(struct evhttp_request *req, const char *k, const char *v)
{
	if (evhttp_add_header(evhttp_request_get_output_headers(req), k,
	    v) != 0)
		fatal_f("evhttp_add_header");
}

/* Answer req with status and an optional JSON body. */
void
http_reply(struct evhttp_request *req, int status, const char *reason,
    const char *json, size_t len)
{
	http_header(req, "Cache-Control", "no-store");
	if (json != NULL) {
		http_header(req, "Content-Type", "application/json");
		/*
		 * Straight into the request's own output buffer, which is
		 * where evhttp_send_reply() would move a buffer passed to
		 * it, and what it takes the Content-Length from.
		 */
		if (evbuffer_add(evhttp_request_get_output_buffer(req), json,
		    len) != 0)
			fatal_f("evbuffer");
	}
	evhttp_send_reply(req, status, reason, NULL);
}

/* A JSON-RPC error without an id, for refusals before the body is read. */
void
http_error(struct evhttp_request *req, int status, const char *reason,
    int code, const char *message)
{
	json_t *m;
	char *text;

	if ((m = json_pack("{s:s,s:n,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
	    "error", "code", code, "message", message)) == NULL ||
	    (text = json_dumps(m, JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	json_decref(m);
	http_reply(req, status, reason, text, strlen(text));
	free(text);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/*
 * The RFC 6750 challenge.  error is "" when no credential was presented
 * (then the challenge carries no error code, as RFC 6750 3.1 asks).
 */
void
http_challenge(struct http_server *srv, struct evhttp_request *req,
    int status, const char *error, const char *scope)
{
	char *v;

	if (error != NULL && *error != '\0' && scope != NULL)
		xasprintf(&v, "Bearer resource_metadata=\"%s\", error=\"%s\", "
		    "scope=\"%s\"", srv->prm_url, error, scope);
	else if (error != NULL && *error != '\0')
		xasprintf(&v, "Bearer resource_metadata=\"%s\", error=\"%s\"",
		    srv->prm_url, error);
	else
		xasprintf(&v, "Bearer resource_metadata=\"%s\"", srv->prm_url);
	http_header(req, "WWW-Authenticate", v);
	free(v);
	if (status == 403)
		http_error(req, 403, "Forbidden", MCP_ERR_AUTH,
		    "Insufficient scope");
	else
		http_error(req, status, http_reason(status), MCP_ERR_AUTH,
		    "Authentication failed");
}

void
http_rate_limited(struct evhttp_request *req, uint32_t retry_after)
{
	char v[16];

	(void)snprintf(v, sizeof(v), "%u", retry_after > 0 ? retry_after : 1);
	http_header(req, "Retry-After", v);
	http_error(req, 429, "Too Many Requests", MCP_ERR_RATE,
	    "Rate limited");
}
