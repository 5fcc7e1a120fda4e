/*
 * Fuzz target: the HTTP request path of the net process, end to end
 * inside one process: libevent's evhttp and src/net/http_*.c listening
 * on a loopback socket, src/net/mcp_*.c behind them.  The monitor is
 * replaced by fakes of the four mm_* calls they make (defined here, so
 * src/net/net_wrap.c is not linked), and the session backend by a fake
 * that answers every call.  TLS is not used: the bytes after the
 * handshake are what this covers (headers, bodies, MCP headers, sessions,
 * the metadata document); the TLS record layer is OpenSSL's.
 *
 * Input: what clients send, in segments separated by "@@NEXT@@".  Each
 * segment is written on a new connection (pipelined requests and all)
 * and the server runs until it has nothing more to do; then the
 * connection is closed.  In a segment, "@SID" stands for the
 * Mcp-Session-Id the server last handed out in this input, so that a
 * later request can use the session an earlier initialize created.
 *
 * The fake monitor authenticates by the Bearer value: none is refused
 * (401, no error code), "bad..." is an invalid token (401), "slow..." is
 * rate-limited (429), "oops..." an internal error (500), anything else
 * is accepted as the subject of that name, so that sessions are bound to
 * different subjects.
 *
 * Properties: what a connection gets back starts with a status line; the fakes see only what the contract allows (connection
 * ids, capped credentials, bounded numbers of requests in flight).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "harness.h"
#include "http.h"
#include "mcp.h"
#include "net_wrap.h"
#include "proto.h"
#include "toolcatalog.h"

#define SEGMENT_SEP	"@@NEXT@@"
#define SID_MARK	"@SID"
#define SID_LEN		64
#define MAX_AUTH	256
#define MAX_CALLS	256
#define RX_MAX		(4 * 1024 * 1024)

struct auth_pending {
	uint32_t	 callid;
	char		*cred;
};

static struct event_base *base;
static struct http_server *srv;
static struct mcp_registry *reg;
static struct sockaddr_in addr;
/* The last client source address used, below 127.0.0.0 (segment()). */
static uint32_t src_next;
static int mm_dummy;

static struct auth_pending auths[MAX_AUTH];
static size_t nauths;
static struct {
	int		 kind;
	uint32_t	 callid;
} calls[MAX_CALLS];
static size_t ncalls;
static int progress;
/* FUZZ_DEBUG in the environment shows what the server answered. */
static int debug;

/* ---- the fake monitor ---- */

int
mm_auth(struct mm_net *mm, uint32_t callid, uint32_t connid,
    const char *cred, size_t credlen, uint32_t flags)
{
	FUZZ_ASSERT(mm == (struct mm_net *)&mm_dummy, "the channel given");
	FUZZ_ASSERT(connid != 0, "HTTP connections are numbered from 1");
	FUZZ_ASSERT(credlen <= PS_CRED_MAX, "a credential within its cap");
	FUZZ_ASSERT(nauths < MAX_AUTH, "authentications in flight bounded");
	auths[nauths].callid = callid;
	auths[nauths].cred = fuzz_strndup((const uint8_t *)cred, credlen);
	nauths++;
	return 0;
}

void
mm_conn(struct mm_net *mm, uint32_t connid, int fd)
{
	FUZZ_ASSERT(connid != 0 && fd >= 0, "a connection and its socket");
}

int
mm_connclose(struct mm_net *mm, uint32_t connid)
{
	FUZZ_ASSERT(connid != 0, "a connection id");
	return 0;
}

int
mm_cert(struct mm_net *mm, uint32_t connid, uint32_t verdict,
    uint8_t *const *der, const size_t *derlen, size_t n)
{
	fuzz_fail(__FILE__, __LINE__, "a certificate without TLS");
}

/* ---- the fake session backend ---- */

static int
be_add(int kind, uint32_t callid)
{
	FUZZ_ASSERT(ncalls < MAX_CALLS, "calls in flight bounded");
	calls[ncalls].kind = kind;
	calls[ncalls].callid = callid;
	ncalls++;
	return 0;
}

static int
be_hello(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *client_info, const char *version)
{
	return be_add(0, callid);
}

static int
be_toollist(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id)
{
	return be_add(1, callid);
}

static int
be_toolcall(void *ctx, const struct mcp_reqinfo *ri, uint32_t callid,
    const char *cred, size_t credlen, const char *request_id,
    const char *tool, const char *args, size_t argslen)
{
	/* "denied_*" and "ratelimited_*" arguments pick the answer. */
	if (memmem(args, argslen, "denied", 6) != NULL)
		return be_add(3, callid);
	if (memmem(args, argslen, "ratelimited", 11) != NULL)
		return be_add(4, callid);
	if (memmem(args, argslen, "scope", 5) != NULL)
		return be_add(5, callid);
	return be_add(2, callid);
}

static int
be_cancel(void *ctx, const struct mcp_reqinfo *ri, const char *cred,
    size_t credlen, const char *request_id)
{
	return 0;
}

static const struct mcp_backend backend = {
	be_hello, be_toollist, be_toolcall, be_cancel
};

/* Everything the fakes owe, answered now, oldest first. */
static void
answer(void)
{
	struct auth_pending a;
	struct mm_auth_ans aa;
	struct mm_toollist_ans la;
	struct mm_toolcall_ans ca;
	char *names[1], *reqs[1], subject[64];
	uint32_t callid;
	int kind;

	while (nauths > 0) {
		a = auths[0];
		memmove(auths, auths + 1, --nauths * sizeof(auths[0]));
		progress = 1;
		memset(&aa, 0, sizeof(aa));
		aa.callid = a.callid;
		aa.error = "";
		aa.subject = "";
		if (a.cred[0] == '\0')
			aa.status = PS_ST_AUTH_FAILED;
		else if (strncmp(a.cred, "bad", 3) == 0) {
			aa.status = PS_ST_AUTH_FAILED;
			aa.error = "invalid_token";
		} else if (strncmp(a.cred, "slow", 4) == 0) {
			aa.status = PS_ST_RATE_LIMITED;
			aa.retry_after = 7;
		} else if (strncmp(a.cred, "oops", 4) == 0)
			aa.status = PS_ST_INTERNAL;
		else {
			/* A name per credential that never contains it. */
			(void)snprintf(subject, sizeof(subject), "user-%zu-%02x",
			    strlen(a.cred), (unsigned char)a.cred[0]);
			aa.status = PS_ST_OK;
			aa.subject = subject;
		}
		http_auth_ans(srv, &aa);
		free(a.cred);
	}
	while (ncalls > 0) {
		kind = calls[0].kind;
		callid = calls[0].callid;
		memmove(calls, calls + 1, --ncalls * sizeof(calls[0]));
		progress = 1;
		if (kind == 0) {
			mcp_registry_hello_ans(reg, callid, PS_ST_OK);
			continue;
		}
		if (kind == 1) {
			memset(&la, 0, sizeof(la));
			la.callid = callid;
			la.status = PS_ST_OK;
			names[0] = (char *)toolcat_get(0)->name;
			reqs[0] = "admin,viewer";
			la.n = 1;
			la.names = names;
			la.required = reqs;
			mcp_registry_toollist_ans(reg, &la);
			continue;
		}
		memset(&ca, 0, sizeof(ca));
		ca.callid = callid;
		ca.flags = PS_F_FINAL;
		ca.status = kind == 3 ? PS_ST_DENIED : kind == 4 ?
		    PS_ST_RATE_LIMITED : kind == 5 ? PS_ST_SCOPE : PS_ST_OK;
		ca.required = kind == 5 ? "db:write" : "admin";
		ca.role = "viewer";
		ca.retry_after = 3;
		ca.text = "[{\"ok\":1}]";
		ca.textlen = strlen(ca.text);
		mcp_registry_toolcall_ans(reg, &ca);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *origins[] = { "https://app.example.com" };
	static char *servers[] = { "https://auth.example.com" };
	static char *scopes[] = { "db:read", "db:write" };
	struct http_params p;
	socklen_t len = sizeof(addr);
	char err[256];
	int lfd, one = 1;

	fuzz_init();
	debug = getenv("FUZZ_DEBUG") != NULL;
	FUZZ_ASSERT((base = event_base_new()) != NULL, "event_base_new");
	FUZZ_ASSERT((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) != -1, "socket");
	FUZZ_ASSERT(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == 0, "SO_REUSEADDR");
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_ASSERT(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    listen(lfd, 128) == 0 && getsockname(lfd,
	    (struct sockaddr *)&addr, &len) == 0, "listen on loopback");
	if ((reg = mcp_registry_new(64, err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);

	memset(&p, 0, sizeof(p));
	p.fds = &lfd;
	p.nfds = 1;
	p.max_body = 65536;
	p.max_headers = 8192;
	p.client_timeout = 30;
	p.idle_timeout = 30;
	p.session_timeout = 1;
	p.max_sessions = 16;
	p.origins = origins;
	p.norigins = 1;
	p.resource_url = "http://127.0.0.1:8080/mcp";
	p.auth_servers = servers;
	p.nauth_servers = 1;
	p.scopes = scopes;
	p.nscopes = 2;
	p.handshake_timeout = 30;
	p.max_conn_per_source = 65536;
	p.netblock_v4 = 32;
	p.netblock_v6 = 64;
	p.max_sessions_per_user = 16;
	if ((srv = http_new(base, &p, (struct mm_net *)&mm_dummy, reg,
	    &backend, NULL, err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	http_start(srv, (struct mm_net *)&mm_dummy);
	return 0;
}

struct rx {
	char	*buf;
	size_t	 len;
};

static void
drain(int fd, struct rx *rx)
{
	char tmp[65536];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		progress = 1;
		if (rx->len + (size_t)n > RX_MAX)
			continue;
		rx->buf = realloc(rx->buf, rx->len + (size_t)n + 1);
		FUZZ_ASSERT(rx->buf != NULL, "realloc");
		memcpy(rx->buf + rx->len, tmp, (size_t)n);
		rx->len += (size_t)n;
		rx->buf[rx->len] = '\0';
	}
}

/* Run the server until three passes in a row change nothing. */
static void
pump(int fd, struct rx *rx)
{
	int i, idle = 0;

	for (i = 0; i < 500 && idle < 3; i++) {
		progress = 0;
		FUZZ_ASSERT(event_base_loop(base, EVLOOP_NONBLOCK) != -1,
		    "event_base_loop");
		answer();
		if (fd >= 0)
			drain(fd, rx);
		idle = progress ? 0 : idle + 1;
	}
}

/* The last Mcp-Session-Id handed out in rx, into sid. */
static void
find_sid(const struct rx *rx, char sid[SID_LEN + 1])
{
	const char *p, *v = NULL;

	if (rx->buf == NULL)
		return;
	for (p = rx->buf; (p = strcasestr(p, "\r\nMcp-Session-Id: ")) !=
	    NULL; p += 18)
		v = p + 18;
	if (v != NULL && strspn(v, "0123456789abcdef") == SID_LEN) {
		memcpy(sid, v, SID_LEN);
		sid[SID_LEN] = '\0';
	}
}

/* The segment with each SID_MARK replaced by sid. */
static char *
expand(const uint8_t *seg, size_t len, const char *sid, size_t *outlen)
{
	size_t cap = len + 1, o = 0, i = 0, k, ml = strlen(SID_MARK);
	size_t sl = strlen(sid);
	char *out;

	if (sl > ml)
		cap += (len / ml + 1) * (sl - ml);
	out = malloc(cap);
	FUZZ_ASSERT(out != NULL, "malloc");
	while (i < len) {
		if (sl > 0 && len - i >= ml && memcmp(seg + i, SID_MARK,
		    ml) == 0) {
			for (k = 0; k < sl; k++)
				out[o++] = sid[k];
			i += ml;
		} else
			out[o++] = (char)seg[i++];
	}
	*outlen = o;
	return out;
}

static void
check_answers(const struct rx *rx)
{
	if (rx->len == 0)
		return;
	/* evhttp answers in the version the request named, even 0.1. */
	FUZZ_ASSERT(rx->len >= 5 && memcmp(rx->buf, "HTTP/", 5) == 0,
	    "an answer starts with a status line");
}

/*
 * Connect fd to the listener without blocking in connect(): libFuzzer's
 * timer (SIGALRM) interrupted a blocking connect after 115,000 inputs,
 * which then failed with EINTR.  The kernel completes the handshake on
 * its own (the listener's backlog), so waiting for fd to be writable
 * needs no turn of the event loop.
 */
static void
connect_listener(int fd)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int r, e = 0;

	FUZZ_ASSERT(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return;
	e = errno;
	if (e == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		do
			r = poll(&pfd, 1, 10000);
		while (r == -1 && errno == EINTR);
		e = ETIMEDOUT;
		if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
		    &elen) != 0)
			e = errno;
	}
	if (e != 0) {
		fprintf(stderr, "connect from 127.%u.%u.%u: %s\n",
		    (src_next >> 16) & 0xff, (src_next >> 8) & 0xff,
		    src_next & 0xff, strerror(e));
		FUZZ_ASSERT(0, "connect to the listener");
	}
}

static void
segment(const uint8_t *seg, size_t len, char sid[SID_LEN + 1])
{
	struct rx rx = { NULL, 0 };
	struct sockaddr_in src;
	size_t off = 0, n;
	struct linger lin = { 1, 0 };
	char *buf;
	ssize_t w;
	int fd, one = 1;

	buf = expand(seg, len, sid, &n);
	FUZZ_ASSERT((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) != -1, "socket");
	/*
	 * Each connection from a source address of its own in 127/8.  The
	 * server often closes first, and its end then waits in TIME_WAIT for
	 * a minute; from one source address, the fuzzer's thousands of
	 * connections a second would use up the ephemeral ports, and connect
	 * would fail with EADDRNOTAVAIL (seen after 50,000 inputs).
	 */
	src_next = src_next % 0xfffffe + 1;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000 | src_next);
	FUZZ_ASSERT(bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0,
	    "bind to a loopback source address");
	connect_listener(fd);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (off < n) {
		if ((w = write(fd, buf + off, n - off)) > 0)
			off += (size_t)w;
		else if (w == -1 && errno != EAGAIN && errno != EINTR)
			break;	/* the server closed on us */
		pump(fd, &rx);
	}
	pump(fd, &rx);
	if (debug && rx.len > 0)
		fprintf(stderr, "---- answers:\n%s\n", rx.buf);
	check_answers(&rx);
	find_sid(&rx, sid);
	/*
	 * Close with a reset: a normal close would leave the socket in
	 * TIME_WAIT, and thousands of inputs a second would use up the
	 * loopback's ephemeral ports.  Everything due has been answered.
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	(void)close(fd);
	pump(-1, NULL);
	free(rx.buf);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sid[SID_LEN + 1] = "";
	const uint8_t *p = data, *e, *end = data + size;
	size_t sl = strlen(SEGMENT_SEP);

	while (p <= end) {
		e = memmem(p, (size_t)(end - p), SEGMENT_SEP, sl);
		if (e == NULL)
			e = end;
		segment(p, (size_t)(e - p), sid);
		p = e + sl;
	}
	return 0;
}
