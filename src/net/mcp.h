/*
 * The MCP session (DESIGN 9): JSON-RPC 2.0 parsing, the MCP methods and
 * version negotiation, argument validation, and the mapping of the
 * monitor's decisions to answers.  It knows nothing of the transport: one
 * complete message comes in through mcp_input(), each answer goes out
 * through the output callback as one compact JSON text (no newline), and
 * every decision is asked of a backend (the monitor in mcpd, a fake in the
 * unit tests).
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

struct mm_toolcall_ans;
struct mm_toollist_ans;
struct mcp_session;

/*
 * The decisions the session asks for; each returns 0, or -1 if the request
 * could not be sent (the caller is then answered with -32603).  The
 * answers come back through mcp_hello_ans(), mcp_toollist_ans() and
 * mcp_toolcall_ans().  cred is the caller's credential (may be empty: the
 * backend then uses its own default); it is a secret and is not kept.
 */
struct mcp_backend {
	int	(*hello)(void *ctx, const char *client_info,
		    const char *protocol_version);
	int	(*toollist)(void *ctx, uint32_t callid, const char *cred,
		    size_t credlen, const char *request_id);
	int	(*toolcall)(void *ctx, uint32_t callid, const char *cred,
		    size_t credlen, const char *request_id, const char *tool,
		    const char *args, size_t argslen);
	int	(*cancel)(void *ctx, uint32_t callid);
};

/* One JSON-RPC message, compact JSON text without a newline. */
typedef void (*mcp_output_fn)(void *ctx, void *origin, const char *msg,
    size_t len);

/*
 * Parse the catalog's input schemas and create a session.  At most
 * max_inflight tools/list and tools/call requests may wait for the backend
 * at once.  Returns NULL, with a message in err, if a catalog schema is
 * unusable.
 */
struct mcp_session *mcp_new(const struct mcp_backend *, void *backend_ctx,
	    mcp_output_fn, void *output_ctx, size_t max_inflight,
	    char *err, size_t errlen);
void	mcp_free(struct mcp_session *);

/* One complete message from the client (not NUL-terminated). */
void	mcp_input(struct mcp_session *, void *origin, const char *buf,
	    size_t len);
/* The transport dropped a message over its size limit: answer -32600. */
void	mcp_input_too_large(struct mcp_session *, void *origin);

/* Requests waiting for the backend, cancelled ones included. */
size_t	mcp_inflight(const struct mcp_session *);
/* Whether initialize has been answered (tools/ may be used). */
int	mcp_initialized(const struct mcp_session *);

/* The backend's answers. */
void	mcp_hello_ans(struct mcp_session *, uint32_t status);
void	mcp_toollist_ans(struct mcp_session *, const struct mm_toollist_ans *);
void	mcp_toolcall_ans(struct mcp_session *, const struct mm_toolcall_ans *);

#endif /* MCPD_MCP_H */
