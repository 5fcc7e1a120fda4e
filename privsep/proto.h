/*
 * The privsep protocol: message types and their fields.
 *
 * Requests have even types, answers odd ones (the request's type + 1).
 * One numbering space covers every channel so that a type names exactly one
 * message whatever the direction; each receiver keeps a table of the types
 * it accepts, and anything else is fatal to the sender.
 *
 * Every call carries a callid chosen by the requester, and an answer may be
 * one of several parts (PS_F_FINAL marks the last).  That keeps calls
 * multiplexed on one channel and lets a future call be a stream of messages
 * in both directions (DESIGN 11) without a new framing.
 *
 * Field notation: u32 = 4-byte big-endian, str = u32 length + bytes.
 */
#ifndef MCPD_PRIVSEP_PROTO_H
#define MCPD_PRIVSEP_PROTO_H

#define PS_PROTO_VERSION	1

/*
 * monitor -> child, first message after exec.  Answer: PS_INIT_ANS (empty)
 * once the child is confined.
 *   net:    u32 version, u32 kind=PS_KIND_NET, u32 log_level,
 *           u32 drop (1: chroot and setuid), str chroot, u32 uid, u32 gid,
 *           u32 max_message_size, u32 max_inflight
 *   worker: u32 version, u32 kind=PS_KIND_WORKER, u32 log_level,
 *           u32 drop, u32 uid, u32 gid, str database,
 *           u32 query_max_rows, u32 query_timeout_ms, u32 max_result
 */
#define PS_INIT_REQ		2
#define PS_INIT_ANS		3
/* child -> monitor, no answer: u32 level, str message */
#define PS_LOG_REQ		4
/* net -> monitor: str client_info (JSON text), str protocol_version */
#define PS_HELLO_REQ		6
/* monitor -> net: u32 status (PS_ST_OK) */
#define PS_HELLO_ANS		7
/* net -> monitor: u32 callid, str credential (may be empty),
 *                 str request_id (JSON text) */
#define PS_TOOLLIST_REQ		8
/*
 * monitor -> net: u32 callid, u32 status, u32 n,
 *                 n * (str tool name, str required roles "a,b")
 */
#define PS_TOOLLIST_ANS		9
/*
 * net -> monitor: u32 callid, str credential, str request_id (JSON text),
 *                 str tool, str arguments (JSON text, schema-checked)
 */
#define PS_TOOLCALL_REQ		10
/*
 * monitor -> net: u32 callid, u32 flags, u32 status, str required,
 *                 str caller_role, u32 retry_after, str text
 */
#define PS_TOOLCALL_ANS		11
/* net -> monitor, no answer: u32 callid */
#define PS_CANCEL_REQ		12

/* monitor -> worker: u32 callid, str tool, str arguments */
#define PS_EXEC_REQ		32
/* worker -> monitor: u32 callid, u32 flags, u32 is_error, str text */
#define PS_EXEC_ANS		33

#define PS_KIND_NET		1
#define PS_KIND_WORKER		2

#define PS_F_FINAL		0x1

/* Status of a tools/list or tools/call, as the monitor decided it. */
#define PS_ST_OK		0	/* ran; text is the tool's output */
#define PS_ST_TOOL_ERROR	1	/* ran (or was killed); generic text */
#define PS_ST_DENIED		2	/* authorization refused */
#define PS_ST_AUTH_FAILED	3	/* authentication refused */
#define PS_ST_RATE_LIMITED	4	/* retry_after seconds */
#define PS_ST_UNKNOWN_TOOL	5	/* authenticated, but no such tool */
#define PS_ST_INTERNAL		6	/* e.g. audit write failed: fail closed */
#define PS_ST_MAX		6

/* Field caps the receivers enforce (bytes). */
#define PS_CRED_MAX		16384
#define PS_NAME_MAX		256
#define PS_ID_MAX		512
#define PS_CLIENT_MAX		4096
#define PS_VERSION_MAX		64
#define PS_ARGS_MAX		(4U * 1024 * 1024)
#define PS_TEXT_MAX		(4U * 1024 * 1024)
#define PS_LOGMSG_MAX		4096
#define PS_PATH_MAX		4096

#endif /* MCPD_PRIVSEP_PROTO_H */
