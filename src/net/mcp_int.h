/*
 * What the files of the MCP session share (mcp.h is the interface the
 * transports see): the session, its calls, the registry, and the
 * functions one file calls in another.  The files are
 *
 *   mcp_dispatch.c   one message in: JSON-RPC parsing and validation, and
 *                    the dispatch to a method or a notification
 *   mcp_methods.c    the methods: initialize, tools/list, tools/call,
 *                    server/discover, and notifications/cancelled
 *   mcp_stateless.c  the protocol versions, and the 2026-07-28 requests
 *                    that carry their version in _meta and their method
 *                    and tool in headers that must agree with the body
 *   mcp_session.c    a session: its state, its calls waiting for the
 *                    backend, what it forwards (credential, clientInfo)
 *   mcp_registry.c   what the sessions of a process share: the parsed
 *                    catalog and the routing of call ids to sessions
 *   mcp_answer.c     the backend's answers, as results and errors
 *   mcp_envelope.c   the JSON-RPC envelope: value builders, results and
 *                    errors, serialised compact
 *
 * Only these files include this header.
 */
#ifndef MCPD_MCP_INT_H
#define MCPD_MCP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcp.h"

/* Session states. */
#define MCP_ST_NEW		0	/* initialize not answered yet */
#define MCP_ST_HELLO		1	/* answered; backend's ack pending */
#define MCP_ST_READY		2	/* the backend acknowledged the hello */
#define MCP_ST_FAILED		3	/* the backend refused the hello */

/* What an in-flight call waits for. */
#define MCP_CALL_LIST		1
#define MCP_CALL_TOOL		2
#define MCP_CALL_HELLO		3	/* initialize answered; ack pending */

#define MCP_INFLIGHT_MAX	65536

/*
 * PS_TOOLLIST_ANS carries no retry delay; a per-minute token bucket is
 * full again after a minute at the latest, so that is a safe hint.
 */
#define MCP_LIST_RETRY_AFTER	60

#define MCP_INSTRUCTIONS \
	"mcpd serves tools through a privilege-separated monitor: every " \
	"tools/call is authenticated, rate-limited, authorized and " \
	"audited. A refused call is a tool result with isError set."

/*
 * 2026-07-28 has no handshake: every request names its version in _meta
 * and is answered on its own, whatever the session has or has not done.
 */
#define MCP_VERSION_STATELESS	"2026-07-28"
#define MCP_META_VERSION	"io.modelcontextprotocol/protocolVersion"
#define MCP_META_CAPS		"io.modelcontextprotocol/clientCapabilities"
#define MCP_META_CLIENT		"io.modelcontextprotocol/clientInfo"
#define MCP_META_SERVER		"io.modelcontextprotocol/serverInfo"
#define MCP_ERR_UNSUPPORTED	(-32022)
/* Mcp-Name values that are not plain header text come encoded so. */
#define MCP_B64_PREFIX		"=?base64?"
#define MCP_B64_SUFFIX		"?="

struct mcp_call {
	int		 used;
	int		 kind;		/* MCP_CALL_* */
	uint32_t	 callid;
	json_t		*id;		/* the JSON-RPC id, a reference */
	char		*tool;		/* tools/call: the name asked for */
	void		*origin;
	int		 modern;	/* a 2026-07-28 request */
};

/* callid -> session, open addressing with linear probing. */
struct mcp_route {
	uint32_t		 callid;	/* 0: free */
	struct mcp_session	*s;
};

struct mcp_registry {
	size_t			 max_inflight;
	size_t			 ninflight;
	uint32_t		 next_callid;
	struct mcp_route	*routes;
	size_t			 nroutes;	/* a power of two */

	size_t			 ntools;
	json_t			**schemas;	/* by catalog index */
	json_t			**tooljson;	/* tools/list entries */
	char			**redact;	/* AuditRedact rules */
	size_t			 nredact;
};

struct mcp_session {
	struct mcp_registry	*reg;
	int			 own_reg;	/* mcp_new() made it */
	const struct mcp_backend *be;
	void			*bctx;
	mcp_output_fn		 out;
	void			*octx;
	mcp_refuse_fn		 refuse;
	mcp_drop_fn		 drop;
	int			 state;	/* MCP_ST_* */
	const char		*version;	/* agreed by initialize */
	char			*client;	/* clientInfo JSON text */

	struct mcp_call		*calls;
	size_t			 max_inflight;
	size_t			 ninflight;

	/* The request being handled, while mcp_input_http runs. */
	const struct mcp_reqctx	*http;
	/* A 2026-07-28 request being handled: its own clientInfo. */
	char			*req_client;
	int			 req_modern;
};

/* A credential to forward; buf is set when it had to be built. */
struct mcp_cred {
	const char	*p;
	size_t		 len;
	char		*buf;
	size_t		 buflen;
};

/* The versions with an initialize handshake, oldest first, NULL-ended. */
extern const char *const mcp_versions[];

/* mcp_envelope.c */
json_t	*mcp_jobj(void);
void	 mcp_jset(json_t *o, const char *key, json_t *v);
void	 mcp_jappend(json_t *a, json_t *v);
void	 mcp_result(struct mcp_session *, void *origin, json_t *id,
	    json_t *result);
void	 mcp_error_status(struct mcp_session *, void *origin, int status,
	    json_t *id, int code, const char *message, json_t *data);
void	 mcp_error(struct mcp_session *, void *origin, json_t *id, int code,
	    const char *message, json_t *data);

/* mcp_registry.c */
struct mcp_session *mcp_route_find(const struct mcp_registry *,
	    uint32_t callid);
void	 mcp_route_add(struct mcp_registry *, uint32_t callid,
	    struct mcp_session *);
void	 mcp_route_del(struct mcp_registry *, uint32_t callid);
struct mcp_call *mcp_answer_call(struct mcp_registry *, uint32_t callid,
	    int kind, struct mcp_session **);

/* mcp_session.c */
struct mcp_call *mcp_call_new(struct mcp_session *, void *origin, json_t *id,
	    int kind, const char *tool);
struct mcp_call *mcp_call_find(struct mcp_session *, uint32_t callid);
void	 mcp_call_free(struct mcp_session *, struct mcp_call *);
void	 mcp_cred_get(const struct mcp_session *, json_t *params,
	    struct mcp_cred *);
void	 mcp_cred_clear(struct mcp_cred *);
void	 mcp_reqinfo(const struct mcp_session *, struct mcp_reqinfo *);
char	*mcp_client_text(json_t *clientinfo);

/* mcp_methods.c */
void	 mcp_initialize(struct mcp_session *, void *origin, json_t *id,
	    json_t *params);
void	 mcp_tools_list(struct mcp_session *, void *origin, json_t *id,
	    json_t *params);
void	 mcp_tools_call(struct mcp_session *, void *origin, json_t *id,
	    json_t *params);
void	 mcp_discover(struct mcp_session *, void *origin, json_t *id);
void	 mcp_cancelled(struct mcp_session *, json_t *params);
json_t	*mcp_server_info(void);

/* mcp_stateless.c */
int	 mcp_modern(struct mcp_session *, void *origin, json_t *id,
	    const char *method, json_t *params, json_t *meta);
void	 mcp_modern_result(json_t *result, int cacheable);
void	 mcp_unsupported(struct mcp_session *, void *origin, json_t *id,
	    const char *requested);
json_t	*mcp_versions_json(void);

#endif /* MCPD_MCP_INT_H */
