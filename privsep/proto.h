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
 * in both directions (a gateway's, doc/privsep.md section 2) without a new
 * framing.
 *
 * Field notation: u32 = 4-byte big-endian, str = u32 length + bytes.
 */
#ifndef MCPD_PRIVSEP_PROTO_H
#define MCPD_PRIVSEP_PROTO_H

#define PS_PROTO_VERSION	1

/*
 * The descriptors a child finds when it starts (src/monitor/spawn.c puts
 * them there; the child's own code and its seccomp profile rely on the
 * numbers).  Every child has the monitor channel at PS_CHANNEL_FD; the
 * net process over HTTP also has the key channel (key offloading) at
 * PS_KEY_FD and the listening sockets from PS_LISTEN_FD on.  At most
 * PS_EXTRA_FDS_MAX descriptors follow the channel.
 */
#define PS_CHANNEL_FD		3
#define PS_KEY_FD		4
#define PS_LISTEN_FD		5
#define PS_EXTRA_FDS_MAX	64

/*
 * monitor -> child, first message after exec.  Answer: PS_INIT_ANS (empty)
 * once the child is confined.
 *   net:    u32 version, u32 kind=PS_KIND_NET, u32 log_level,
 *           u32 drop (1: chroot and setuid), str chroot, u32 uid, u32 gid,
 *           u32 max_message_size, u32 max_inflight, u32 transport
 *           (PS_TRANSPORT_*), u32 n + n * str AuditRedact rule, and
 *           over HTTP the fields net.c's net_http_setup() lists
 *   worker: u32 version, u32 kind=PS_KIND_WORKER, u32 log_level,
 *           u32 drop, u32 uid, u32 gid, str database,
 *           u32 query_max_rows, u32 query_timeout_ms, u32 max_result
 */
#define PS_INIT_REQ		2
#define PS_INIT_ANS		3
/* child -> monitor, no answer: u32 level, str message */
#define PS_LOG_REQ		4
/*
 * net -> monitor: u32 callid, u32 connid (0: stdio), str client_info (JSON
 * text), str protocol_version
 */
#define PS_HELLO_REQ		6
/* monitor -> net: u32 callid, u32 status (PS_ST_OK) */
#define PS_HELLO_ANS		7
/*
 * net -> monitor: u32 callid, u32 connid, str credential (may be empty),
 *                 str request_id (JSON text), str client_info (JSON text)
 */
#define PS_TOOLLIST_REQ		8
/*
 * monitor -> net: u32 callid, u32 status, u32 n,
 *                 n * (str tool name, str required roles "a,b")
 */
#define PS_TOOLLIST_ANS		9
/*
 * net -> monitor: u32 callid, u32 connid, str credential, str request_id
 *                 (JSON text), str tool, str arguments (JSON text),
 *                 str client_info (JSON text), u32 scope (PS_SCOPE_*:
 *                 where a cancellation may come from; the monitor records
 *                 it with the caller's subject), str schema_error,
 *                 str audit_args
 * schema_error is empty when the arguments pass the tool's inputSchema,
 * else the net process's text naming the failed constraints: the monitor
 * authorizes the call as any other and, if it is allowed, answers it with
 * that tool error and never runs it.  audit_args is empty unless an
 * AuditRedact rule names the tool: then it is the arguments with the
 * named fields replaced by their SHA-256, for the audit record under
 * AuditArguments full (never for the worker).
 */
#define PS_TOOLCALL_REQ		10
/*
 * monitor -> net: u32 callid, u32 flags, u32 status, str required,
 *                 str caller_role, u32 retry_after, str text
 * PS_F_CANCELLED in flags: the monitor cancelled the call; the client
 * gets no answer for it.
 */
#define PS_TOOLCALL_ANS		11
/*
 * net -> monitor, no answer: a notifications/cancelled as the client sent
 * it.  u32 connid, u32 scope (the PS_SCOPE_* of the stream or session it
 * came on), str credential (the notification's own, authenticated like a
 * request's), str request_id (JSON text, as in PS_TOOLCALL_REQ).
 *
 * The net process names no call: the monitor authenticates the canceller
 * itself, counts the notification against the canceller's bucket, and
 * cancels the call it recorded with that request id only if that call is
 * the same subject's, made in the same scope.  Anything else is ignored
 * and audited, naming both the canceller and the call's owner.  So a
 * client of one identity can never stop another identity's call, whatever
 * ids it guesses, and a net process cannot make the audit log blame the
 * caller for a cancellation.
 */
#define PS_CANCEL_REQ		12

/*
 * HTTP transport (mcpd(8), HTTP TRANSPORT; doc/privsep.md, section 4).
 * Connections are numbered by the net process (connid, never 0: 0 means
 * stdio).  The monitor learns each connection's peer address itself, from the
 * socket: PS_CONN_REQ carries the accepted socket as SCM_RIGHTS, the monitor
 * calls getpeername() on it and closes its copy, so that a compromised net
 * process cannot choose the source address that AuthFailureLimit and the
 * audit log see.
 *
 * net -> monitor, with one fd attached, no answer: u32 connid
 */
#define PS_CONN_REQ		14
/*
 * net -> monitor, no answer: u32 connid (the connection is gone).  Its
 * PS_SCOPE_CONN calls still in flight are cancelled by their own caller.
 */
#define PS_CONNCLOSE_REQ	16
/*
 * net -> monitor, no answer, at most once per connection, before any
 * request of it: the client certificate chain as the TLS handshake got it,
 * leaf first, and the handshake's own verdict (X509_V_OK or an X509_V_ERR_*
 * code).  The monitor verifies the chain again itself.
 *   u32 connid, u32 handshake_verdict, u32 n, n * str DER
 */
#define PS_CERT_REQ		18
/*
 * net -> monitor: authenticate one HTTP request before its body is acted on.
 *   u32 callid, u32 connid, str credential (the Bearer value, may be empty),
 *   u32 flags (PS_AUTH_F_*)
 */
#define PS_AUTH_REQ		20
/*
 * The request would open an MCP session (no Mcp-Session-Id, a version
 * with sessions): the monitor counts it against RateLimit.  A net process
 * that leaves the flag off spares only its own clients a token.
 */
#define PS_AUTH_F_INITIALIZE	0x01
/*
 * monitor -> net: u32 callid, u32 status (PS_ST_OK, PS_ST_AUTH_FAILED,
 * PS_ST_RATE_LIMITED, PS_ST_INTERNAL), u32 retry_after, str subject (the
 * authenticated identity on PS_ST_OK, for binding Mcp-Session-Id; else
 * empty), str error (RFC 6750 error code for the challenge: "invalid_token",
 * "invalid_request" or empty)
 */
#define PS_AUTH_ANS		21

/*
 * TLS private-key operations (key offloading, cf. relayd's ca.c), on a
 * channel of their own (PS_KEY_CHANNEL_FD in the net process) so that the
 * net process can wait for the answer synchronously inside an OpenSSL
 * callback.  One request, one answer, in order.
 *   net -> monitor: u32 op (PS_SIGN_*), u32 hash nid (NID_sha256 ...;
 *                   0 for PS_SIGN_RSA_RAW, where OpenSSL does not say:
 *                   the monitor then accepts a PSS encoding under any
 *                   SHA-2 hash), str input (the digest, or for
 *                   PS_SIGN_RSA_RAW the PSS-encoded block)
 *   monitor -> net: u32 status (0 ok, 1 refused), str signature
 */
#define PS_SIGN_REQ		22
#define PS_SIGN_ANS		23

#define PS_SIGN_RSA_PKCS1	1	/* RSA_sign(): DigestInfo + PKCS#1 v1.5 */
#define PS_SIGN_RSA_RAW		2	/* RSA_NO_PADDING over a PSS block */
#define PS_SIGN_ECDSA		3	/* ECDSA over a digest, DER signature */

/* monitor -> worker: u32 callid, str tool, str arguments */
#define PS_EXEC_REQ		32
/*
 * worker -> monitor: u32 callid, u32 flags, u32 is_error, str text,
 *                    str reason
 * text is what the client sees (generic for an error); reason, for the
 * audit record only, is the precise cause of an error (SQLite's message,
 * the constraint), empty for a result.
 */
#define PS_EXEC_ANS		33

/*
 * The start of a stdio upstream (DESIGN.md section 11; doc/privsep.md
 * section 4): whoever starts an upstream executes mcpd-launch with a Unix
 * stream socket at PS_CHANNEL_FD and the upstream's stdin, stdout and
 * stderr at fds 0, 1 and 2, and sends it this one message.
 *   starter -> mcpd-launch:
 *     u32 version (PS_PROTO_VERSION), u32 uid, u32 gid (neither 0),
 *     str cwd (absolute), u32 network (PS_LAUNCH_NET_*),
 *     u32 nofile (RLIMIT_NOFILE, PS_LAUNCH_NOFILE_MIN .. _MAX),
 *     u32 nproc (RLIMIT_NPROC, 0: left as it is, else
 *     1 .. PS_LAUNCH_NPROC_MAX; ignored when the uid is kept, below),
 *     u32 n + n * str read path (absolute; n <= PS_LAUNCH_PATHS_MAX),
 *     u32 n + n * str write path (the same),
 *     u32 n + n * str environment "NAME=VALUE" (n <= PS_LAUNCH_STRS_MAX,
 *     each at most PS_LAUNCH_STR_MAX),
 *     u32 n + n * str argv (1 <= n <= PS_LAUNCH_STRS_MAX, each at most
 *     PS_LAUNCH_STR_MAX; argv[0] the absolute path executed)
 * Paths are at most PS_PATH_MAX; no string holds a NUL.
 */
#define PS_LAUNCH_REQ		48
/*
 * mcpd-launch -> starter, once, after any PS_LOG_REQ: u32 status
 * (PS_LAUNCH_OK: confined, executing the upstream next; PS_LAUNCH_FAILED:
 * it exits), u32 landlock_abi (the Landlock ABI whose rules are on, 0:
 * the kernel has no Landlock), u32 flags (PS_LAUNCH_F_*), str reason
 * (PS_REASON_MAX: why it failed; empty on PS_LAUNCH_OK).
 */
#define PS_LAUNCH_ANS		49

#define PS_LAUNCH_OK		0
#define PS_LAUNCH_FAILED	1
/* Not started as root (development): the upstream keeps mcpd's uid. */
#define PS_LAUNCH_F_UID_KEPT	0x1

#define PS_LAUNCH_NET_NONE	0	/* a network namespace of its own */
#define PS_LAUNCH_NET_HOST	1	/* the host's network */

#define PS_LAUNCH_PATHS_MAX	64	/* read= or write= paths */
#define PS_LAUNCH_STRS_MAX	256	/* environment or argv strings */
#define PS_LAUNCH_STR_MAX	8192	/* one of them */
#define PS_LAUNCH_NOFILE_MIN	16
#define PS_LAUNCH_NOFILE_MAX	65536
#define PS_LAUNCH_NPROC_MAX	65536

#define PS_KIND_NET		1
#define PS_KIND_WORKER		2

#define PS_TRANSPORT_STDIO	0
#define PS_TRANSPORT_HTTP	1

#define PS_F_FINAL		0x1
#define PS_F_CANCELLED		0x2	/* PS_TOOLCALL_ANS: send no answer */

/*
 * Scopes of a call (PS_TOOLCALL_REQ, PS_CANCEL_REQ): where a cancellation
 * of it may come from.  The monitor also requires the same subject.
 *   PS_SCOPE_STDIO  the one stdio client (connid 0)
 *   PS_SCOPE_CONN   a 2026-07-28 request over HTTP: its own connection.
 *                   That protocol cancels by closing the response stream,
 *                   never by notification (MCP 2026-07-28, Streamable
 *                   HTTP, Cancellation): PS_CONNCLOSE_REQ cancels it.
 *   anything else   a 2025-xx HTTP session (Mcp-Session-Id), numbered by
 *                   the net process
 */
#define PS_SCOPE_STDIO		0
#define PS_SCOPE_CONN		0xffffffffU

/* Status of a tools/list or tools/call, as the monitor decided it. */
#define PS_ST_OK		0	/* ran; text is the tool's output */
#define PS_ST_TOOL_ERROR	1	/* ran (or was killed); generic text */
#define PS_ST_DENIED		2	/* authorization refused */
#define PS_ST_AUTH_FAILED	3	/* authentication refused */
#define PS_ST_RATE_LIMITED	4	/* retry_after seconds */
#define PS_ST_UNKNOWN_TOOL	5	/* authenticated, but no such tool */
#define PS_ST_INTERNAL		6	/* e.g. audit write failed: fail closed */
#define PS_ST_SCOPE		7	/* OAuth scope missing: 403, scope text */
#define PS_ST_MAX		7

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
#define PS_CERT_MAX		16384	/* one DER certificate */
#define PS_CHAIN_MAX		10	/* certificates in a client chain */
#define PS_SIGIN_MAX		1024	/* digest or RSA block (8192 bits) */
#define PS_SIG_MAX		1024
#define PS_SCHEMA_ERR_MAX	2048	/* schema_error of PS_TOOLCALL_REQ */
#define PS_REASON_MAX		1024	/* reason of PS_EXEC_ANS */
#define PS_AUDIT_ARGS_MAX	(1024U * 1024)	/* audit_args, as the log */

#endif /* MCPD_PRIVSEP_PROTO_H */
