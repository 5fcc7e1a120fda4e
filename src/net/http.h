/*
 * The Streamable HTTP transport (mcpd(8), HTTP TRANSPORT and MCP SESSION), in
 * the sandboxed net process: libevent's evhttp on listening sockets the
 * monitor opened, with TLS through bufferevent_openssl when an SSL_CTX is
 * given.
 *
 * Every request to the MCP endpoint is authenticated by the monitor
 * (PS_AUTH_REQ) before its body is acted on; the body then goes to an MCP
 * session: the one its Mcp-Session-Id names (bound to the subject that
 * created it), a new one for initialize, or the shared stateless one for
 * 2026-07-28 requests.  The RFC 9728 metadata is served without
 * authentication.
 */
#ifndef MCPD_HTTP_H
#define MCPD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct event_base;
struct mcp_backend;
struct mcp_registry;
struct mm_auth_ans;
struct mm_net;
struct http_server;

struct http_params {
	const int	*fds;		/* listening sockets, non-blocking */
	size_t		 nfds;
	SSL_CTX		*tls;		/* NULL: plain HTTP (loopback only) */
	int		 mtls;		/* client certificates are asked for */
	size_t		 max_body;	/* MaxMessageSize */
	size_t		 max_headers;	/* MaxHeaderSize */
	int		 client_timeout;	/* seconds, ClientTimeout */
	int		 idle_timeout;		/* seconds, IdleTimeout */
	int		 session_timeout;	/* seconds, SessionTimeout */
	size_t		 max_sessions;
	char		**origins;	/* AllowedOrigins */
	size_t		 norigins;
	const char	*resource_url;	/* ResourceURL, or the default */
	char		**auth_servers;	/* AuthorizationServer */
	size_t		 nauth_servers;
	char		**scopes;	/* scopes_supported (JWTScope) */
	size_t		 nscopes;
	int		 handshake_timeout;	/* seconds, HandshakeTimeout */
	size_t		 max_conn_per_source;	/* MaxConnectionsPerSource */
	int		 netblock_v4;		/* PerSourceNetBlockSize */
	int		 netblock_v6;
	size_t		 max_sessions_per_user;	/* MaxSessionsPerUser */
};

/*
 * Create the server.  Everything that needs a system call the sandbox
 * forbids happens here; http_start() then only arms the listeners, once
 * the monitor channel exists (mm may be NULL until then).  Returns NULL
 * with a message in err.
 */
struct http_server *http_new(struct event_base *, const struct http_params *,
	    struct mm_net *, struct mcp_registry *, const struct mcp_backend *,
	    void *backend_ctx, char *err, size_t errlen);
void	http_start(struct http_server *, struct mm_net *);
/* The monitor's answer to a PS_AUTH_REQ. */
void	http_auth_ans(struct http_server *, const struct mm_auth_ans *);
/* Requests waiting for the monitor (authentication or a call). */
size_t	http_pending(const struct http_server *);

#endif /* MCPD_HTTP_H */
