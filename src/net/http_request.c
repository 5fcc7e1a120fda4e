/*
 * Every HTTP request, before any endpoint sees it (http_gencb): the checks
 * of its framing (one Content-Length of plain digits, no
 * Transfer-Encoding), of its Origin (AllowedOrigins) and, on a loopback
 * listener, of its Host (DNS rebinding), and then the route to the MCP
 * endpoint or the RFC 9728 metadata.  The header helpers the endpoints
 * use live here too.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http_int.h"
#if MCPD_TEST_HOOKS
#include "key_wrap.h"
#include "proto.h"
#endif
#include "mcp.h"

/* Whether v (len bytes) is a Content-Length: 1*DIGIT, as RFC 9110 8.6. */
int
http_length_ok(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > HTTP_LENGTH_DIGITS_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/*
 * Host names that can only mean this machine (DNS-rebinding defence):
 * localhost, 127.0.0.0/8 and [::1], with an optional port.
 */
static int
http_host_is_loopback(const char *host)
{
	char name[64];
	const char *end, *port;
	struct in_addr a;
	size_t len;

	if (host == NULL)
		return 0;
	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return 0;
		len = (size_t)(end - host) + 1;
		if (len != 5 || strncmp(host, "[::1]", 5) != 0)
			return 0;
		port = host + len;
	} else {
		end = strchr(host, ':');
		len = end != NULL ? (size_t)(end - host) : strlen(host);
		if (len == 0 || len >= sizeof(name))
			return 0;
		memcpy(name, host, len);
		name[len] = '\0';
		if (strcasecmp(name, "localhost") != 0 &&
		    (inet_pton(AF_INET, name, &a) != 1 ||
		    (ntohl(a.s_addr) >> 24) != 127))
			return 0;
		port = host + len;
	}
	if (*port == '\0')
		return 1;
	if (*port++ != ':' || *port == '\0')
		return 0;
	for (; *port != '\0'; port++)
		if (*port < '0' || *port > '9')
			return 0;
	return 1;
}

/*
 * AllowedOrigins, and on a loopback listener any origin that is itself
 * on this machine (http://localhost:3000 ...): such a page could reach
 * the port anyway, and a DNS-rebinding page has a foreign name.
 */
static int
http_origin_allowed(struct http_server *srv, const struct http_conn *c,
    const char *origin)
{
	const char *host;
	size_t i;

	if (c->loopback && (host = strstr(origin, "://")) != NULL &&
	    http_host_is_loopback(host + 3))
		return 1;
	for (i = 0; i < srv->p.norigins; i++)
		if (strcasecmp(origin, srv->p.origins[i]) == 0)
			return 1;
	return 0;
}

/* The one value of header k; -1 if it appears more than once. */
int
http_header_one(struct evkeyvalq *h, const char *k, const char **v)
{
	struct evkeyval *kv;

	*v = NULL;
	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, k) != 0)
			continue;
		if (*v != NULL)
			return -1;
		*v = kv->value;
	}
	return 0;
}

/* Whether a media-type list admits type (or a wildcard for it). */
int
http_accepts(const char *accept, const char *type)
{
	const char *p = accept, *e;
	size_t tl = strlen(type), len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		e = p + strcspn(p, ",;");
		len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if ((len == tl && strncasecmp(p, type, tl) == 0) ||
		    (len == 3 && strncmp(p, "*/*", 3) == 0) ||
		    (len == 13 && strncasecmp(p, "application/*", 13) == 0))
			return 1;
		p = e + strcspn(e, ",");
	}
	return 0;
}

int
http_query_has_token(const char *uri)
{
	const char *q;

	if ((q = strchr(uri, '?')) == NULL)
		return 0;
	return strstr(q, "access_token") != NULL;
}

void
http_gencb(struct evhttp_request *req, void *arg)
{
	struct http_server *srv = arg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path, *origin, *host, *te, *cl;
	struct http_conn *c;

	c = http_conn_of(srv, req);
	evtimer_del(c->deadline);
	c->served = 1;
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	/*
	 * A repeated Content-Length, or one that is not plain digits, is a
	 * request-smuggling attempt behind a proxy that read another length
	 * than evhttp did (evhttp takes the first, and "+41" as 41).  The
	 * connection is closed after the 400: nothing after this request on
	 * it can be framed with confidence.
	 */
	if (http_header_one(h, "Content-Length", &cl) != 0 ||
	    (cl != NULL && !http_length_ok(cl, strlen(cl)))) {
		http_header(req, "Connection", "close");
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Bad Content-Length");
		return;
	}

	/* evhttp would decode chunked bodies; a body has a length here. */
	if (http_header_one(h, "Transfer-Encoding", &te) != 0 || te != NULL) {
		http_error(req, 400, "Bad Request", MCP_ERR_INVALID_REQ,
		    "Transfer-Encoding is not accepted");
		http_conn_arm(c);
		return;
	}
	if (http_header_one(h, "Origin", &origin) != 0 ||
	    (origin != NULL && !http_origin_allowed(srv, c, origin))) {
		http_error(req, 403, "Forbidden", MCP_ERR_INVALID_REQ,
		    "Origin not allowed");
		http_conn_arm(c);
		return;
	}
	/*
	 * On a loopback listener a browser may be tricked by DNS rebinding
	 * into calling us under a foreign name: the Host must be local.
	 */
	if (c->loopback && (http_header_one(h, "Host", &host) != 0 ||
	    !http_host_is_loopback(host))) {
		http_error(req, 403, "Forbidden", MCP_ERR_INVALID_REQ,
		    "Host not allowed");
		http_conn_arm(c);
		return;
	}
#if MCPD_TEST_HOOKS
	/* Test builds only (key_wrap.h): a net process gone hostile. */
	if (path != NULL && strcmp(path, "/mcpd-test/keyflood") == 0)
		mm_key_test_flood(PS_KEY_FD, 0);
	if (path != NULL && strcmp(path, "/mcpd-test/keystall") == 0)
		mm_key_test_flood(PS_KEY_FD, 1);
	/* PS_CERT_REQ twice for one connection (http-dispatch-once.sh). */
	if (path != NULL && strcmp(path, "/mcpd-test/certagain") == 0) {
		http_send_cert(srv, c);
		http_send_cert(srv, c);
	}
#endif
	if (path != NULL && strcmp(path, HTTP_PATH_MCP) == 0)
		http_mcp(srv, req, c);
	else if (path != NULL && (strcmp(path, HTTP_PATH_PRM) == 0 ||
	    strcmp(path, HTTP_PATH_PRM HTTP_PATH_MCP) == 0))
		http_metadata(srv, req, c);
	else {
		http_error(req, 404, "Not Found", MCP_ERR_INVALID_REQ,
		    "Not found");
		http_conn_arm(c);
	}
}
