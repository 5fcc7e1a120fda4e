/*
 * The protocol versions, and MCP 2026-07-28: a request of that version
 * has no handshake; its _meta names the version, the client's
 * capabilities and clientInfo, and it is answered on its own, whatever
 * the session has or has not done.  Over HTTP its MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name headers must say what the body says, since a
 * proxy may route by them.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "log.h"
#include "mcp_int.h"
#include "proto.h"
#include "xmalloc.h"

/* The versions with an initialize handshake, oldest first. */
const char *const mcp_versions[] = {
	"2025-03-26", "2025-06-18", "2025-11-25", NULL
};

int
mcp_version_supported(const char *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; mcp_versions[i] != NULL; i++)
		if (strcmp(v, mcp_versions[i]) == 0)
			return 1;
	return strcmp(v, MCP_VERSION_STATELESS) == 0;
}

/* Every version this server speaks, the stateless one first. */
json_t *
mcp_versions_json(void)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		fatal_f("out of memory");
	mcp_jappend(a, json_string(MCP_VERSION_STATELESS));
	for (i = 0; mcp_versions[i] != NULL; i++)
		mcp_jappend(a, json_string(mcp_versions[i]));
	return a;
}

/* -32022 with the versions we speak and the one asked for (HTTP 400). */
void
mcp_unsupported(struct mcp_session *s, void *origin, json_t *id,
    const char *requested)
{
	json_t *d = mcp_jobj(), *a;

	mcp_jset(d, "supported", mcp_versions_json());
	/* The value came from the client: only UTF-8 text goes back. */
	if (requested == NULL || (a = json_string(requested)) == NULL)
		a = json_null();
	mcp_jset(d, "requested", a);
	mcp_error_status(s, origin, 400, id, MCP_ERR_UNSUPPORTED,
	    "Unsupported protocol version", d);
}

/* What every 2026-07-28 result carries. */
void
mcp_modern_result(json_t *r, int cacheable)
{
	json_t *meta;

	mcp_jset(r, "resultType", json_string("complete"));
	if (cacheable) {
		/* The list depends on the caller's roles: never shared. */
		mcp_jset(r, "ttlMs", json_integer(0));
		mcp_jset(r, "cacheScope", json_string("private"));
	}
	meta = mcp_jobj();
	mcp_jset(meta, MCP_META_SERVER, mcp_server_info());
	mcp_jset(r, "_meta", meta);
}

/*
 * An Mcp-Name / Mcp-Method value as the client meant it: "=?base64?X?="
 * is the UTF-8 text whose base64 is X.  Returns an allocated string, or
 * NULL if the encoding is broken.
 */
static char *
mcp_header_value(const char *v)
{
	size_t len, plen = strlen(MCP_B64_PREFIX);
	size_t slen = strlen(MCP_B64_SUFFIX), blen, pad = 0;
	unsigned char *out;
	int n;

	/* Surrounding blanks are not part of a header's value (RFC 9110). */
	while (*v == ' ' || *v == '\t')
		v++;
	for (len = strlen(v); len > 0 && (v[len - 1] == ' ' ||
	    v[len - 1] == '\t'); len--)
		;
	if (len < plen + slen || strncmp(v, MCP_B64_PREFIX, plen) != 0 ||
	    strncmp(v + len - slen, MCP_B64_SUFFIX, slen) != 0)
		return xstrndup(v, len);
	blen = len - plen - slen;
	if (blen == 0 || blen % 4 != 0 || blen > 4 * PS_NAME_MAX)
		return NULL;
	if (v[plen + blen - 1] == '=')
		pad++;
	if (v[plen + blen - 2] == '=')
		pad++;
	out = xmalloc(blen / 4 * 3 + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *)v + plen, (int)blen);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	n -= (int)pad;
	out[n] = '\0';
	/* A NUL inside cannot match any body value; refuse it outright. */
	if (memchr(out, '\0', (size_t)n) != NULL) {
		free(out);
		return NULL;
	}
	return (char *)out;
}


/* Whether a header is present and means exactly want. */
static int
mcp_header_matches(const char *hdr, const char *want)
{
	char *v;
	int r;

	if (hdr == NULL || want == NULL || (v = mcp_header_value(hdr)) == NULL)
		return 0;
	r = strcmp(v, want) == 0;
	free(v);
	return r;
}

/*
 * 2026-07-28 over HTTP: MCP-Protocol-Version, Mcp-Method and (for
 * tools/call) Mcp-Name must be present and equal to the body, else 400
 * with -32020.  Routing by header must never disagree with what the
 * monitor authorizes, which is decided from the body.  Returns 0 if they
 * agree, else answers and returns -1.
 */
static int
mcp_modern_headers(struct mcp_session *s, void *origin, json_t *id,
    const char *version, const char *method, json_t *params)
{
	const struct mcp_reqctx *h = s->http;
	const char *what = NULL;
	char msg[96];

	if (h == NULL)
		return 0;
	if (!mcp_header_matches(h->hdr_version, version))
		what = "MCP-Protocol-Version";
	else if (!mcp_header_matches(h->hdr_method, method))
		what = "Mcp-Method";
	else if (strcmp(method, "tools/call") == 0 &&
	    !mcp_header_matches(h->hdr_name,
	    json_string_value(json_object_get(params, "name"))))
		what = "Mcp-Name";
	if (what == NULL)
		return 0;
	(void)snprintf(msg, sizeof(msg),
	    "Header mismatch: %s header does not match the body", what);
	mcp_error_status(s, origin, 400, id, MCP_ERR_HEADER, msg, NULL);
	return -1;
}

/*
 * One 2026-07-28 message: its _meta says everything the handshake used
 * to, and the session's state plays no part.
 */
int
mcp_modern(struct mcp_session *s, void *origin, json_t *id,
    const char *method, json_t *params, json_t *meta)
{
	json_t *v, *caps;
	const char *version;

	/*
	 * No notification needs anything here but a cancellation.  Over
	 * HTTP this version cancels by closing the request's stream; a
	 * notifications/cancelled still goes to the monitor, which cancels
	 * nothing with it there but audits whose call it named.
	 */
	if (id == NULL) {
		if (strcmp(method, "notifications/cancelled") == 0)
			mcp_cancelled(s, params);
		return 0;
	}
	v = json_object_get(meta, MCP_META_VERSION);
	if ((version = json_string_value(v)) == NULL) {
		mcp_error_status(s, origin, 400, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params: bad protocolVersion in _meta", NULL);
		return 1;
	}
	/* The headers first: a proxy must never route what we then refuse. */
	if (mcp_modern_headers(s, origin, id, version, method, params) != 0)
		return 1;
	if (strcmp(version, MCP_VERSION_STATELESS) != 0) {
		mcp_unsupported(s, origin, id, version);
		return 1;
	}
	caps = json_object_get(meta, MCP_META_CAPS);
	if (!json_is_object(caps)) {
		mcp_error_status(s, origin, 400, id, MCP_ERR_INVALID_PARAMS,
		    "Invalid params: _meta lacks clientCapabilities", NULL);
		return 1;
	}

	s->req_modern = 1;
	s->req_client = mcp_client_text(json_object_get(meta,
	    MCP_META_CLIENT));
	if (strcmp(method, "server/discover") == 0)
		mcp_discover(s, origin, id);
	else if (strcmp(method, "tools/list") == 0)
		mcp_tools_list(s, origin, id, params);
	else if (strcmp(method, "tools/call") == 0)
		mcp_tools_call(s, origin, id, params);
	else
		mcp_error_status(s, origin, s->http != NULL ? 404 : 200, id,
		    MCP_ERR_NO_METHOD, "Method not found", NULL);
	free(s->req_client);
	s->req_client = NULL;
	s->req_modern = 0;
	return 1;
}
