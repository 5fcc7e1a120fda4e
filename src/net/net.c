/*
 * The net process (doc/privsep.md, sections 1 and 6): everything a client
 * sends is parsed here, confined.  Start-up follows the monitor's
 * PS_INIT_REQ: chroot and drop to PrivsepUser, create everything that needs a
 * system call the sandbox forbids (the event base, the inspection of fds 0
 * and 1, the parsed tool schemas), set the rlimits and PR_SET_NO_NEW_PRIVS,
 * install the seccomp filter, and only then acknowledge and start reading
 * stdin.  From there on, every decision is asked of the monitor through
 * mm_net.
 *
 * Glue only: the stdio transport frames messages, the MCP session answers
 * them, the monitor decides.  Flow control lives here because it needs
 * both sides: stdin is not read while max_inflight requests wait for the
 * monitor or more than STDIO_OUT_HIGH bytes wait for stdout.
 */
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "auditredact.h"
#include "child.h"
#include "hex.h"
#include "log.h"
#include "mcp.h"
#include "net.h"
#include "redact.h"
#include "net_wrap.h"
#include "privdrop.h"
#include "proto.h"
#include "sandbox.h"
#include "sbuf.h"
#include "stdio_transport.h"
#include "http.h"
#include "key_wrap.h"
#include "tls.h"
#include "wipealloc.h"
#include "xmalloc.h"

/*
 * The init payload: three u32 read by child_read_init, then ours, which
 * over HTTP include the certificate chain, the client CAs and their CRLs.
 */
#define NET_INIT_MAX		(4U * 1024 * 1024)
#define NET_PEM_MAX		(1024U * 1024)
#define NET_LIST_MAX		256
#define NET_URL_MAX		2048
/*
 * The highest descriptor the net process may hold at start-up.  Every
 * descriptor it will ever use exists before the sandbox goes on (the
 * filter forbids every call that makes one), and RLIMIT_NOFILE is then set
 * to one past the highest of them.
 */
#define NET_FD_MAX		64
#define NET_INFLIGHT_MAX	4096

struct net_ctx {
	struct event_base	*base;
	struct mm_net		*mm;
	struct stdio_transport	*st;
	struct mcp_registry	*reg;
	struct mcp_session	*mcp;		/* stdio */
	struct http_server	*http;		/* HTTP */
	size_t			 max_inflight;
	int			 in_eof;
	int			 key_fd;	/* key offloading channel */
};

/* One per process; static so that the fatal cleanup can reach it. */
static struct net_ctx net;

static void
net_fatal_cleanup(void)
{
	/* Let the monitor see why we died. */
	if (net.mm != NULL)
		mm_net_flush(net.mm);
}

static void __attribute__((noreturn))
net_exit(struct net_ctx *n)
{
	mm_net_flush(n->mm);
	exit(0);
}

/*
 * Pause or resume reading stdin; exit once stdin has ended, nothing waits
 * for the monitor and stdout has taken every answer.
 */
static void
net_flow(struct net_ctx *n)
{
	size_t inflight, pending;

	/* HTTP needs no flow control here: evhttp reads one request at a
	 * time per connection, and connections are capped. */
	if (n->http != NULL)
		return;
	inflight = mcp_inflight(n->mcp);
	pending = stdio_pending(n->st);
	stdio_pause(n->st, inflight >= n->max_inflight ||
	    pending > STDIO_OUT_HIGH);
	if (n->in_eof && inflight == 0 && pending == 0) {
		debug_f("input closed and every answer written");
		net_exit(n);
	}
}

/*
 * The session's backend: the monitor.  A request that cannot be queued
 * means the channel is broken, which mm_net's contract makes fatal.
 */
static int
net_be_hello(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *client_info, const char *version)
{
	struct net_ctx *n = ctx;

	if (mm_hello(n->mm, callid, ri->connid, client_info, version) != 0)
		fatal_f("cannot queue hello");
	return 0;
}

static int
net_be_toollist(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id)
{
	struct net_ctx *n = ctx;

	if (mm_toollist(n->mm, callid, ri->connid, cred, credlen, request_id,
	    ri->client) != 0)
		fatal_f("cannot queue tool list %u", callid);
	return 0;
}

static int
net_be_toolcall(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id,
    const char *tool, const char *args, size_t argslen)
{
	struct net_ctx *n = ctx;

	if (mm_toolcall(n->mm, callid, ri->connid, cred, credlen, request_id,
	    tool, args, argslen, ri->client, ri->scope, ri->schema_error,
	    ri->audit_args) != 0)
		fatal_f("cannot queue tool call %u", callid);
	return 0;
}

static int
net_be_cancel(void *ctx, const struct mcp_reqinfo *ri, const char *cred,
    size_t credlen, const char *request_id)
{
	struct net_ctx *n = ctx;

	if (mm_cancel(n->mm, ri->connid, ri->scope, cred, credlen,
	    request_id) != 0)
		fatal_f("cannot queue cancel");
	return 0;
}

static const struct mcp_backend net_backend = {
	net_be_hello,
	net_be_toollist,
	net_be_toolcall,
	net_be_cancel,
};

static void
net_output(void *ctx, void *origin, int status, const char *msg, size_t len)
{
	struct net_ctx *n = ctx;

	stdio_send(n->st, msg, len);
}

/* The monitor's answers, routed to their session by the registry. */
static void
net_hello_ans(void *ctx, uint32_t callid, uint32_t status)
{
	struct net_ctx *n = ctx;

	mcp_registry_hello_ans(n->reg, callid, status);
	net_flow(n);
}

static void
net_auth_ans(void *ctx, const struct mm_auth_ans *a)
{
	struct net_ctx *n = ctx;

	if (n->http == NULL)
		fatal_f("authentication answer over stdio");
	http_auth_ans(n->http, a);
}

static void
net_toollist_ans(void *ctx, const struct mm_toollist_ans *a)
{
	struct net_ctx *n = ctx;

	mcp_registry_toollist_ans(n->reg, a);
	net_flow(n);
}

static void
net_toolcall_ans(void *ctx, const struct mm_toolcall_ans *a)
{
	struct net_ctx *n = ctx;

	mcp_registry_toolcall_ans(n->reg, a);
	net_flow(n);
}

static void
net_closed(void *ctx)
{
	/* The monitor is gone: nothing can be decided or logged any more. */
	_exit(0);
}

static const struct mm_net_ops net_mm_ops = {
	net_hello_ans,
	net_auth_ans,
	net_toollist_ans,
	net_toolcall_ans,
	net_closed,
};

#if MCPD_TEST_HOOKS
/*
 * Test builds only (never installed): the JSON-RPC method
 * "mcpd-test/violate" with params {"what": KIND} makes the forbidden
 * system call KIND (see sandbox_test_violate) from the net process, so
 * that the confinement tests can watch the sandbox kill it; "cpu" makes
 * it spin until a signal ends it.  If the call comes back, the answer
 * says so: {"survived": true, ...}.  Returns 1 if the message was this
 * method (and has been answered), 0 to pass it on to the MCP session
 * untouched.  The hook looks at the decoded line here, in the transport's
 * callback, so that the MCP session code carries no test code at all.
 */
/*
 * {"what": "privsep", "type": N, "payload": HEX}: send the monitor
 * message type N with that payload, whatever the protocol allows, as a
 * compromised net process could (tests/regress/privsep-dispatch.sh).
 */
static void
net_test_send(struct net_ctx *n, const json_t *params)
{
	const char *hex = json_string_value(json_object_get(params,
	    "payload"));
	json_int_t type = json_integer_value(json_object_get(params,
	    "type"));
	uint8_t buf[256];
	size_t len;

	if (hex == NULL || strlen(hex) % 2 != 0 ||
	    (len = strlen(hex) / 2) > sizeof(buf) || type < 0 || type > 255)
		fatal_f("test hook: bad privsep message");
	if (hex_decode(hex, buf, len) != 0)
		fatal_f("test hook: bad payload");
	if (mm_test_send(n->mm, (uint8_t)type, buf, len) != 0)
		fatal_f("test hook: cannot send");
}

static int
net_test_violate(struct net_ctx *n, const char *buf, size_t len)
{
	json_t *root, *ans;
	json_error_t jerr;
	const char *method, *what = NULL;
	volatile unsigned long spin = 0;
	char *out;
	int e = 0;

	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL)
		return 0;
	if (!json_is_object(root) ||
	    (method = json_string_value(json_object_get(root, "method"))) ==
	    NULL || strcmp(method, "mcpd-test/violate") != 0) {
		json_decref(root);
		return 0;
	}
	what = json_string_value(json_object_get(json_object_get(root,
	    "params"), "what"));
	logit_f("test hook: attempting %s", what != NULL ? what : "(none)");
	if (what != NULL && strcmp(what, "privsep") == 0) {
		net_test_send(n, json_object_get(root, "params"));
		json_decref(root);
		return 1;
	}
	/* Busy for good: only a signal ends it (the parent-death test). */
	if (what != NULL && strcmp(what, "cpu") == 0) {
		for (;;)
			spin++;
	}
	if (what == NULL || sandbox_test_violate(what, &e) != 0)
		ans = json_pack("{s:s,s:O?,s:{s:i,s:s}}", "jsonrpc", "2.0",
		    "id", json_object_get(root, "id"), "error", "code",
		    -32602, "message", "unknown violation");
	else
		ans = json_pack("{s:s,s:O?,s:{s:b,s:s,s:i}}", "jsonrpc", "2.0",
		    "id", json_object_get(root, "id"), "result", "survived",
		    1, "what", what, "errno", e);
	if (ans == NULL || (out = json_dumps(ans, JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	net_output(n, NULL, 200, out, strlen(out));
	free(out);
	json_decref(ans);
	json_decref(root);
	return 1;
}
#endif

/* The stdio transport's events. */
static void
net_message(void *ctx, const char *buf, size_t len)
{
	struct net_ctx *n = ctx;

#if MCPD_TEST_HOOKS
	if (net_test_violate(n, buf, len)) {
		net_flow(n);
		return;
	}
#endif
	(void)mcp_input(n->mcp, NULL, buf, len);
	net_flow(n);
}

static void
net_too_large(void *ctx)
{
	struct net_ctx *n = ctx;

	debug_f("message over the size limit dropped");
	mcp_input_too_large(n->mcp, NULL);
	net_flow(n);
}

static void
net_eof(void *ctx)
{
	struct net_ctx *n = ctx;

	debug_f("end of input");
	n->in_eof = 1;
	net_flow(n);
}

static void
net_written(void *ctx)
{
	net_flow(ctx);
}

static void
net_out_error(void *ctx)
{
	/* Nobody can read our answers: the client is gone. */
	verbose_f("the client stopped reading stdout; exiting");
	net_exit(ctx);
}

static const struct stdio_ops net_stdio_ops = {
	net_message,
	net_too_large,
	net_eof,
	net_written,
	net_out_error,
};

static int
net_is_file(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

/*
 * A tight RLIMIT_NOFILE: one past the highest open descriptor, plus room
 * for exactly extra more (HTTP: MaxConnections sockets).  New descriptors
 * fill the holes below the highest first, so the holes count against
 * extra; the kernel then refuses the accept() past the limit.
 */
static unsigned long
net_nofile(unsigned long extra)
{
	int fd, top = -1;
	unsigned long holes = 0;

	for (fd = 0; fd < NET_FD_MAX; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			top = fd;
		else if (errno != EBADF)
			fatal_f("fcntl fd %d: %s", fd, strerror(errno));
	}
	if (fcntl(NET_FD_MAX, F_GETFD) != -1)
		fatal_f("descriptor %d open: more than expected", NET_FD_MAX);
	for (fd = 0; fd < top; fd++)
		if (fcntl(fd, F_GETFD) == -1)
			holes++;
	if (extra == 0)
		return (unsigned long)top + 1;
	if (extra < holes)
		extra = holes;
	return (unsigned long)top + 1 + extra - holes;
}

/* u32 n, then n strings, each at most max bytes. */
static char **
net_get_strv(struct sbuf *p, size_t *np, size_t max)
{
	char **v = NULL;
	uint32_t n, i;
	int r;

	if ((r = sbuf_get_u32(p, &n)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	if (n > NET_LIST_MAX)
		fatal_f("bad init message: list of %u", n);
	if (n > 0)
		v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		if ((r = sbuf_get_cstring(p, &v[i], max)) != SBUF_OK)
			fatal_f("bad init message: %s", sbuf_strerror(r));
	*np = n;
	return v;
}

/*
 * The HTTP part of the init message, and everything the transport needs
 * before the sandbox: the TLS context, evhttp and its listeners.
 *   u32 nlisten, str cert_pem (empty: plain HTTP), str ca_pem, str crl_pem,
 *   u32 max_connections, u32 max_headers, u32 client_timeout,
 *   u32 idle_timeout, u32 session_timeout, str resource_url,
 *   u32 n + str origins, u32 n + str authorization servers,
 *   u32 n + str scopes,
 *   u32 handshake_timeout, u32 max_conn_per_source, u32 netblock_v4,
 *   u32 netblock_v6, u32 max_sessions_per_user
 */
static unsigned long
net_http_setup(struct net_ctx *n, struct sbuf *p, uint32_t max_message)
{
	struct http_params hp;
	struct tls_params tp;
	uint32_t nlisten, maxconn, maxhdr, ct, it, st, i;
	uint32_t hst, mcps, nb4, nb6, mspu;
	uint8_t *cert = NULL, *ca = NULL, *crl = NULL;
	size_t certlen, calen, crllen;
	char *url = NULL, err[512];
	int *fds, r;

	memset(&hp, 0, sizeof(hp));
	memset(&tp, 0, sizeof(tp));
	if ((r = sbuf_get_u32(p, &nlisten)) != SBUF_OK ||
	    (r = sbuf_get_string(p, &cert, &certlen, NET_PEM_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string(p, &ca, &calen, NET_PEM_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string(p, &crl, &crllen, NET_PEM_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &maxconn)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &maxhdr)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &ct)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &it)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &st)) != SBUF_OK ||
	    (r = sbuf_get_cstring(p, &url, NET_URL_MAX)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	hp.origins = net_get_strv(p, &hp.norigins, NET_URL_MAX);
	hp.auth_servers = net_get_strv(p, &hp.nauth_servers, NET_URL_MAX);
	hp.scopes = net_get_strv(p, &hp.nscopes, PS_NAME_MAX);
	if ((r = sbuf_get_u32(p, &hst)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &mcps)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &nb4)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &nb6)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &mspu)) != SBUF_OK ||
	    (r = sbuf_expect_end(p)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	if (hst == 0 || hst > 3600 || mcps == 0 || mcps > 65536 ||
	    nb4 == 0 || nb4 > 32 || nb6 == 0 || nb6 > 128 || mspu == 0 ||
	    mspu > 65536)
		fatal_f("bad HTTP per-source settings");
	if (nlisten == 0 || nlisten > PS_EXTRA_FDS_MAX - 1 || maxconn == 0 ||
	    maxconn > 65536 || maxhdr < 1024 || ct == 0 || it == 0 || st == 0)
		fatal_f("bad HTTP settings");
	fds = xcalloc(nlisten, sizeof(*fds));
	for (i = 0; i < nlisten; i++)
		fds[i] = PS_LISTEN_FD + (int)i;

	if (tls_init_early(err, sizeof(err)) != 0)
		fatal_f("TLS: %s", err);
	if (certlen > 0) {
		tp.cert_pem = (const char *)cert;
		tp.cert_pemlen = certlen;
		if (calen > 0) {
			tp.ca_pem = (const char *)ca;
			tp.ca_pemlen = calen;
			hp.mtls = 1;
		}
		if (crllen > 0) {
			tp.crl_pem = (const char *)crl;
			tp.crl_pemlen = crllen;
		}
		n->key_fd = PS_KEY_FD;
		if ((hp.tls = tls_ctx_new(&tp, mm_key_sign_cb, &n->key_fd, err,
		    sizeof(err))) == NULL)
			fatal_f("TLS: %s", err);
	}
	free(cert);
	free(ca);
	free(crl);
	hp.fds = fds;
	hp.nfds = nlisten;
	hp.max_body = max_message;
	hp.max_headers = maxhdr;
	hp.client_timeout = (int)ct;
	hp.idle_timeout = (int)it;
	hp.session_timeout = (int)st;
	hp.max_sessions = (size_t)maxconn * 16;
	hp.handshake_timeout = (int)hst;
	hp.max_conn_per_source = mcps;
	hp.netblock_v4 = (int)nb4;
	hp.netblock_v6 = (int)nb6;
	hp.max_sessions_per_user = mspu;
	hp.resource_url = url;
	if ((n->http = http_new(n->base, &hp, NULL, n->reg, &net_backend, n,
	    err, sizeof(err))) == NULL)
		fatal_f("HTTP: %s", err);
	return maxconn;
}

/* The AuditRedact rules of the init message (privsep/proto.h). */
static void
net_get_redact(struct sbuf *p, char ***rulesp, size_t *np)
{
	char **rules = NULL;
	uint32_t n, i;
	int r;

	if ((r = sbuf_get_u32(p, &n)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	if (n > AUDITREDACT_RULES_MAX)
		fatal_f("bad init message: %u AuditRedact rules", n);
	if (n > 0)
		rules = xcalloc(n, sizeof(*rules));
	for (i = 0; i < n; i++) {
		if ((r = sbuf_get_cstring(p, &rules[i],
		    2 * AUDITREDACT_PART_MAX + 1)) != SBUF_OK)
			fatal_f("bad init message: %s", sbuf_strerror(r));
		if (!auditredact_valid(rules[i]))
			fatal_f("bad init message: AuditRedact rule");
	}
	*rulesp = rules;
	*np = n;
}

void
net_main(int fd)
{
	struct sbuf *p;
	char *chroot_dir = NULL, err[256];
	uint32_t drop, uid, gid, max_message, max_inflight, transport;
	unsigned long maxconn = 0;
	char **redact;
	size_t nredact;
	size_t seed;
	pid_t ppid;
	int r;

	ppid = getppid();
	privdrop_harden_process();
	/* Before libevent, jansson or OpenSSL allocates anything. */
	if (wipealloc_install() != 0)
		debug_f("OpenSSL allocated already: its buffers are not wiped");
	/*
	 * jansson's hash seed, from the kernel and before the chroot hides
	 * /dev/urandom: client input fills jansson's hash tables, and a
	 * guessable seed would let it pick colliding keys.
	 */
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		fatal_f("getrandom: %s", strerror(errno));
	json_object_seed(seed);

	if ((p = sbuf_new(NET_INIT_MAX)) == NULL)
		fatal_f("sbuf_new failed");
	child_read_init(fd, PS_KIND_NET, p);
	if ((r = sbuf_get_u32(p, &drop)) != SBUF_OK ||
	    (r = sbuf_get_cstring(p, &chroot_dir, PS_PATH_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &uid)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &gid)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &max_message)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &max_inflight)) != SBUF_OK ||
	    (r = sbuf_get_u32(p, &transport)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	net_get_redact(p, &redact, &nredact);
	if (max_message < STDIO_MESSAGE_MIN || max_message > STDIO_MESSAGE_MAX)
		fatal_f("bad message size limit %u", max_message);
	if (max_inflight == 0 || max_inflight > NET_INFLIGHT_MAX)
		fatal_f("bad in-flight limit %u", max_inflight);
	if (transport != PS_TRANSPORT_STDIO && transport != PS_TRANSPORT_HTTP)
		fatal_f("bad transport %u", transport);
	net.max_inflight = max_inflight;

	/*
	 * A client that goes away must be seen as EPIPE, not kill us; and a
	 * write past the file size limit fails rather than kills.
	 */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));

	/* epoll_create and the signal pipe: not allowed in the sandbox. */
	if ((net.base = event_base_new()) == NULL)
		fatal_f("event_base_new failed");
	/* Every tool schema is parsed and checked now, not later. */
	if ((net.reg = mcp_registry_new(max_inflight, err,
	    sizeof(err))) == NULL)
		fatal_f("tool catalog: %s", err);
	mcp_registry_set_redact(net.reg, redact, nredact);
	if (nredact > 0)
		redact_init();
	/*
	 * evhttp's Date header goes through localtime(), whose first call
	 * opens /etc/localtime: make it now, before the chroot and the
	 * sandbox.  Later calls reuse what it loaded.
	 */
	tzset();
	/* OpenSSL reads its configuration: before the chroot. */
	if (transport == PS_TRANSPORT_HTTP)
		maxconn = net_http_setup(&net, p, max_message);
	else if ((r = sbuf_expect_end(p)) != SBUF_OK)
		fatal_f("bad init message: %s", sbuf_strerror(r));
	sbuf_free(p);

	if (drop)
		privdrop_permanently(*chroot_dir != '\0' ? chroot_dir : NULL,
		    (uid_t)uid, (gid_t)gid);
	else {
		child_check_unprivileged();
		debug_f("running without chroot and uid change");
	}
	free(chroot_dir);
	/* After the last credential change, which would disarm it. */
	privdrop_die_with_parent(ppid);

	if (transport == PS_TRANSPORT_STDIO) {
		/* fstat, isatty and fcntl on fds 0 and 1, before the sandbox. */
		net.st = stdio_new(net.base, STDIN_FILENO, STDOUT_FILENO,
		    max_message, &net_stdio_ops, &net);
		net.mcp = mcp_session_new(net.reg, &net_backend, &net,
		    net_output, &net, max_inflight);
	}

	/*
	 * No file writes.  The sandbox already forbids opening any file, so
	 * the limit only matters for descriptors we were given.  One
	 * exception, because the kernel applies the limit to every write to
	 * a regular file, whoever opened it: when stdout, which carries the
	 * answers, is a regular file (mcpd --stdio < in > out), the limit
	 * would make every answer fail with EFBIG, so it is left unset and
	 * the rest of the confinement stands.  A client that runs mcpd over
	 * pipes, as MCP clients do, always gets the limit.  stderr needs no
	 * such exception: this process logs through the monitor.
	 */
	if (transport == PS_TRANSPORT_STDIO && net_is_file(STDOUT_FILENO))
		verbose("stdout is a regular file: RLIMIT_FSIZE not set in "
		    "the net process");
	else
		privdrop_rlimit(RLIMIT_FSIZE, 0);
	/* Already 0 since privdrop_harden_process(); here for the reader. */
	privdrop_rlimit(RLIMIT_CORE, 0);
	privdrop_rlimit(RLIMIT_NPROC, 0);
	privdrop_rlimit(RLIMIT_NOFILE, net_nofile(maxconn));
	privdrop_no_new_privs();
	sandbox_net_apply(transport == PS_TRANSPORT_HTTP);
	child_init_done(fd);

	net.mm = mm_net_new(net.base, fd, transport, &net_mm_ops, &net);
	log_set_handler(mm_net_log_handler, net.mm);
	log_set_fatal_cleanup(net_fatal_cleanup);
	sandbox_set_debug_flush(net_fatal_cleanup);
	if (net.http != NULL) {
		http_start(net.http, net.mm);
		debug_f("serving MCP over HTTP");
	} else {
		stdio_start(net.st);
		debug_f("serving MCP on stdio");
	}

	r = event_base_dispatch(net.base);
	fatal_f("event loop ended (%d)", r);
}
