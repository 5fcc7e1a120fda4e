/*
 * The RFC 9728 protected resource metadata, served without
 * authentication: the document is built once, at set-up, from
 * ResourceURL, AuthorizationServer and the scopes, and its URL is what the
 * RFC 6750 challenge names (resource_metadata), so that a client refused
 * for want of a token learns where to get one.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "http_int.h"
#include "mcp.h"
#include "xmalloc.h"

void
http_metadata(struct http_server *srv, struct evhttp_request *req,
    struct http_conn *c)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_header(req, "Allow", "GET");
		http_error(req, 405, "Method Not Allowed", MCP_ERR_INVALID_REQ,
		    "Method not allowed");
	} else
		http_reply(req, 200, "OK", srv->prm_doc, strlen(srv->prm_doc));
	http_conn_arm(c);
}

char *
http_prm_document(const struct http_params *p)
{
	json_t *d, *a;
	char *text;
	size_t i;

	if ((d = json_object()) == NULL ||
	    json_object_set_new(d, "resource",
	    json_string(p->resource_url)) != 0 ||
	    (a = json_array()) == NULL ||
	    json_object_set_new(d, "authorization_servers", a) != 0)
		return NULL;
	for (i = 0; i < p->nauth_servers; i++)
		if (json_array_append_new(a,
		    json_string(p->auth_servers[i])) != 0)
			return NULL;
	if ((a = json_array()) == NULL ||
	    json_object_set_new(d, "scopes_supported", a) != 0)
		return NULL;
	for (i = 0; i < p->nscopes; i++)
		if (json_array_append_new(a, json_string(p->scopes[i])) != 0)
			return NULL;
	if ((a = json_pack("[s]", "header")) == NULL ||
	    json_object_set_new(d, "bearer_methods_supported", a) != 0)
		return NULL;
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return text;
}

/* "https://host:port/mcp" -> "https://host:port/.well-known/..." */
char *
http_prm_url(const char *resource)
{
	const char *p;
	char *url;

	if ((p = strstr(resource, "://")) == NULL)
		return NULL;
	p += 3;
	p += strcspn(p, "/");
	xasprintf(&url, "%.*s%s", (int)(p - resource), resource,
	    HTTP_PATH_PRM);
	return url;
}
