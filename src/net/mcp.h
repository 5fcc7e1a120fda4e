/*
 * The MCP session (mcpd(8), MCP SESSION): JSON-RPC 2.0 parsing, the MCP
 * methods and version negotiation, argument validation, and the mapping of
 * the monitor's decisions to answers.  It knows nothing of the transport: one
 * complete message comes in through mcp_input(), each answer goes out through
 * the output callback as one compact JSON text (no newline), and every
 * decision is asked of a backend (the monitor in mcpd, a fake in the unit
 * tests).
 *
 * The origin pointer given with each input is handed back with every
 * output that answers it, for transports (HTTP) that must route an answer
 * to the request that caused it; stdio passes NULL.
 */
#ifndef MCPD_MCP_H
#define MCPD_MCP_H

#include <stddef.h>
#include <stdint.h>

#define MCPD_VERSION		"0.1.0"
#define MCP_PROTOCOL_LATEST	"2025-11-25"

/* JSON-RPC and mcpd error codes sent to clients. */
#define MCP_ERR_PARSE		-32700
#define MCP_ERR_INVALID_REQ	-32600
#define MCP_ERR_NO_METHOD	-32601
#define MCP_ERR_INVALID_PARAMS	-32602
#define MCP_ERR_INTERNAL	-32603
#define MCP_ERR_BUSY		-32000
/*
 * Not -32003: the TypeScript SDK raises that code itself for a request that
 * timed out, and a client must be able to tell the two apart.
 */
#define MCP_ERR_AUTH		-32003
#define MCP_ERR_RATE		-32029

/* -32020: the Mcp-Method / Mcp-Name headers do not match the body. */
#define MCP_ERR_HEADER		(-32020)

struct mm_toolcall_ans;
struct mm_toollist_ans;
struct mcp_session;
struct mcp_registry;

/* Where a request came from, for the backend (the monitor's audit). */
struct mcp_reqinfo {
	uint32_t	 connid;	/* HTTP connection, 0 on stdio */
	const char	*client;	/* clientInfo as JSON text, "{}" if none */
	uint32_t	 scope;		/* PS_SCOPE_*: who may cancel */
	/* tools/call: the failed inputSchema constraints, "" if none */
	const char	*schema_error;
	/* tools/call: the arguments redacted for the audit, "" if none */
	const char	*audit_args;
};

/*
 * The decisions the session asks for; each returns 0, or -1 if the request
 * could not be sent (the caller is then answered with -32603).  The
 * answers come back through mcp_hello_ans(), mcp_toollist_ans() and
 * mcp_toolcall_ans().  cred is the caller's credential (may be empty: the
 * backend then uses its own default); it is a secret and is not kept.
 */
struct mcp_backend {
	int	(*hello)(void *ctx, const struct mcp_reqinfo *,
		    uint32_t callid, const char *client_info,
		    const char *protocol_version);
	int	(*toollist)(void *ctx, const struct mcp_reqinfo *,
		    uint32_t callid, const char *cred, size_t credlen,
		    const char *request_id);
	int	(*toolcall)(void *ctx, const struct mcp_reqinfo *,
		    uint32_t callid, const char *cred, size_t credlen,
		    const char *request_id, const char *tool,
		    const char *args, size_t argslen);
	/*
	 * A notifications/cancelled, forwarded whatever it names: the
	 * backend decides whether it cancels a call of the same subject in
	 * the same scope.  A call it cancels is answered with
	 * PS_F_CANCELLED, and the session sends nothing for it.
	 */
	int	(*cancel)(void *ctx, const struct mcp_reqinfo *,
		    const char *cred, size_t credlen, const char *request_id);
};

/*
 * One JSON-RPC message, compact JSON text without a newline.  status is
 * the HTTP status the message should go with (200, or 400/404 where the
 * protocol version asks for one); stdio ignores it.
 */
typedef void (*mcp_output_fn)(void *ctx, void *origin, int status,
    const char *msg, size_t len);

/*
 * The monitor refused the caller itself, not the tool.  A transport that
 * answers such refusals in its own terms (HTTP: 401, 403, 429) does so and
 * returns 1; returning 0 (or having no such function, as on stdio) makes
 * the session answer with a JSON-RPC error or tool error instead.
 */
struct mcp_refusal {
	uint32_t	 status;	/* PS_ST_AUTH_FAILED, _RATE_LIMITED, _SCOPE */
	uint32_t	 retry_after;	/* seconds, PS_ST_RATE_LIMITED */
	const char	*scope;		/* PS_ST_SCOPE: the scopes needed */
};
typedef int (*mcp_refuse_fn)(void *ctx, void *origin,
    const struct mcp_refusal *);

/*
 * A request the backend cancelled gets no answer; a transport that must
 * still end or free what it holds for it (HTTP: the POST) is told so.
 * Without one (stdio), nothing is done.
 */
typedef void (*mcp_drop_fn)(void *ctx, void *origin);

/*
 * What an HTTP request adds to its body (mcpd(8), HTTP TRANSPORT): the
 * credential of the Authorization header and the MCP headers that must agree
 * with the body.  NULL fields were absent.
 */
struct mcp_reqctx {
	uint32_t	 connid;
	uint32_t	 scope;		/* PS_SCOPE_* of the session */
	const char	*cred;		/* Bearer value; never _meta's */
	size_t		 credlen;
	const char	*hdr_version;	/* MCP-Protocol-Version */
	const char	*hdr_method;	/* Mcp-Method */
	const char	*hdr_name;	/* Mcp-Name */
};

/*
 * The registry: what every session of a process shares.  It holds the
 * parsed tool catalog and numbers the calls of all its sessions, so that
 * one monitor channel can carry them and each answer finds its session.
 * At most max_inflight calls wait for the backend at once, in all
 * sessions together (the monitor's own limit).  Returns NULL, with a
 * message in err, if a catalog schema is unusable.
 */
struct mcp_registry *mcp_registry_new(size_t max_inflight, char *err,
	    size_t errlen);
void	mcp_registry_free(struct mcp_registry *);
/*
 * The AuditRedact rules ("tool.field") for the arguments the monitor
 * audits; the registry takes rules (an array of n strings, malloc).
 */
void	mcp_registry_set_redact(struct mcp_registry *, char **rules,
	    size_t n);
/* Calls waiting for the backend in all sessions, cancelled ones included. */
size_t	mcp_registry_inflight(const struct mcp_registry *);
/* The backend's answers, routed to their session (ignored if it is gone). */
void	mcp_registry_toollist_ans(struct mcp_registry *,
	    const struct mm_toollist_ans *);
void	mcp_registry_toolcall_ans(struct mcp_registry *,
	    const struct mm_toolcall_ans *);
void	mcp_registry_hello_ans(struct mcp_registry *, uint32_t callid,
	    uint32_t status);

/* A session of reg; at most max_inflight of its requests wait at once. */
struct mcp_session *mcp_session_new(struct mcp_registry *reg,
	    const struct mcp_backend *, void *backend_ctx, mcp_output_fn,
	    void *output_ctx, size_t max_inflight);
/*
 * A session with a registry of its own (stdio, the unit tests).  Returns
 * NULL, with a message in err, if a catalog schema is unusable.
 */
struct mcp_session *mcp_new(const struct mcp_backend *, void *backend_ctx,
	    mcp_output_fn, void *output_ctx, size_t max_inflight,
	    char *err, size_t errlen);
/* Calls still waiting are forgotten: their answers will be dropped. */
void	mcp_free(struct mcp_session *);
void	mcp_set_refuse(struct mcp_session *, mcp_refuse_fn);
void	mcp_set_drop(struct mcp_session *, mcp_drop_fn);

/*
 * One complete message from the client (not NUL-terminated).  Returns 1
 * if it was answered or an answer will follow, 0 if it needs none (a
 * notification or a response: HTTP then answers 202).
 */
int	mcp_input(struct mcp_session *, void *origin, const char *buf,
	    size_t len);
/* The same, for a message that came over HTTP with ctx. */
int	mcp_input_http(struct mcp_session *, void *origin,
	    const struct mcp_reqctx *ctx, const char *buf, size_t len);
/* The transport dropped a message over its size limit: answer -32600. */
void	mcp_input_too_large(struct mcp_session *, void *origin);

/* Requests of this session waiting for the backend, cancelled included. */
size_t	mcp_inflight(const struct mcp_session *);
/* Whether initialize has been answered (tools/ may be used). */
int	mcp_initialized(const struct mcp_session *);
/* The protocol version initialize agreed on, or NULL. */
const char *mcp_version(const struct mcp_session *);
/* Whether a version is one this server speaks. */
int	mcp_version_supported(const char *);

/* The backend's answers (for the session's own registry). */
void	mcp_hello_ans(struct mcp_session *, uint32_t callid, uint32_t status);
void	mcp_toollist_ans(struct mcp_session *, const struct mm_toollist_ans *);
void	mcp_toolcall_ans(struct mcp_session *, const struct mm_toolcall_ans *);

#endif /* MCPD_MCP_H */
