/*
 * Fuzz target: the monitor's decoding and dispatch of what the net
 * process sends (src/monitor/mon_net.c), the most important of the targets:
 * the monitor must survive any byte sequence a compromised net process
 * sends, and answer a malformed message by cutting the channel, never by
 * crashing, hanging or writing a bad audit record.
 *
 * A real monitor is built per input through the entry points of
 * monitor.h (MCPD_FUZZ), with a fixed configuration (AuthMode apikey, oauth or
 * mtls; the example roles; the API keys, JWKS, client CA and audit key
 * made below or kept in tests/fuzz/data), no children, and socketpairs
 * for the net process, its key channel and two workers.  The harness
 * writes to those and runs the monitor's event loop, so that every byte
 * goes through mon_net_readcb (recvmsg, descriptors and all),
 * mon_net_process, the dispatch table (privsep/dispatch.c) and the
 * handlers, authn_check, the rate limits, the policy and the audit writer.
 *
 * Input: byte 0 chooses the set-up:
 *   bit 0  HTTP (else stdio)          bit 1  ToolListing all
 *   bit 2  AuditArguments full        bit 3  mTLS verifier (HTTP)
 *   bit 4  MCPD_API_KEY set (stdio)   bit 5  workers answer by themselves
 *   bit 6  the key channel's answers are never read (a net process that
 *          floods signature requests)
 * then records: u8 op, u16 length (big-endian), that many bytes:
 *   op & 3 == 0  the bytes, sent on the net channel
 *   op & 3 == 1  the same with a socket attached (SCM_RIGHTS): a TCP
 *                connection from 127.0.0.1 if op & 4, else a socketpair
 *   op & 3 == 2  the bytes, sent on the key channel (HTTP)
 *   op & 3 == 3  the workers answer each call they hold, the bytes being
 *                the tool's output; op & 4 as a tool error, op & 8 after
 *                a non-final part, op & 16 under a wrong call id (a
 *                worker protocol violation), op & 32 a worker dies;
 *                op & 64: worker 0 sends the bytes themselves instead
 *                (a compromised worker)
 * After each record the loop runs until nothing moves.  The input ends
 * early once the monitor has cut the net channel.
 *
 * Properties: the monitor never reaches fatal() or crashes; what it
 * sends the net process is well-framed answers of the expected types
 * (toolcall answers final, with a known status); its calls in flight stay
 * within its limit; the signatures it holds for a key channel that is
 * not read stay under its high mark plus one answer (back-pressure, then
 * a violation, never an ever-growing queue); and the audit log it wrote
 * for the input verifies
 * ("mcpctl audit verify --continued"), whatever the input was.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "apikey.h"
#include "audit.h"
#include "authkeys.h"
#include "config.h"
#include "ctl.h"
#include "harness.h"
#include "hex.h"
#include "jwt.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "mtls.h"
#include "proto.h"
#include "sbuf.h"
#include "tlskey.h"
#include "xmalloc.h"

#define NWORKERS	2
#define MAX_FDS		64
#define MAX_EXEC	64

/* The audit key of this harness (tests/fuzz/fuzz_audit.c has its own). */
#define MON_AUDIT_KEY	"mcpd-fuzz-monitor-audit-key-0123"

/* The API keys the seeds present (secret parts: base64url of 32 bytes). */
static const char *const api_keys[] = {
	"mcpk_fuzzkey1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1eno",
	"mcpk_fuzzkey2_YWRtaW5hZG1pbmFkbWluYWRtaW5hZG1pbmFkbWluYWQ",
	"mcpk_fuzzkey3_ZXhwaXJlZGV4cGlyZWRleHBpcmVkZXhwaXJlZGV4cGk",
};
static const char *const api_opts[] = {
	"user=\"admin@example.com\"",
	"roles=\"viewer\",from=\"127.0.0.0/8,::1\"",
	"user=\"dev@example.com\",expiry-time=\"20250101\"",
};

static struct mcpd_config cfgs[4];
static struct authkeys *keys;
static struct jwt_verifier *jwt;
static struct mtls_verifier *mtls;
static struct tlskey *tlskey;
static struct audit *audit;
static char *log_path, *audit_key_path;
#define TCP_POOL	4
static int tcp_pool[TCP_POOL];
static int debug;

struct exec_req {
	int		 w;
	uint32_t	 callid;
};

struct h {
	struct monitor	*mon;
	struct event_base *base;
	int		 net, key, workers[NWORKERS];
	struct evbuffer	*net_in, *key_in, *w_in[NWORKERS];
	struct sbuf	*m;
	struct exec_req	 exec[MAX_EXEC];
	size_t		 nexec;
	int		 fds[MAX_FDS];
	size_t		 nfds;
	int		 progress;
	int		 http;
	int		 key_unread;	/* mode bit 6 */
};

static void
conf(struct mcpd_config *cfg, int all, int full, const char *keys_path)
{
	char err[512], *line;
	const char *lines[] = {
		"AuthMode apikey oauth mtls mtls,apikey",
		"JWTIssuer https://issuer.example",
		"JWTAudience https://mcp.example/mcp",
		"JWTAlgorithms RS256,PS256,ES256,EdDSA",
		/* The seeds' tokens say typ "JWT" (see fuzz_jwt.c). */
		"JWTType JWT",
		"JWTScope db:write developer",
		"JWTScope db:admin admin",
		"JWTScope db:read viewer",
		"Role admin tools=*",
		"Role developer tools=query,list_tables,execute_sql",
		"Role viewer tools=list_tables,describe_table,query",
		"User admin@example.com roles=admin,developer,viewer",
		"User dev@example.com roles=developer,viewer",
		"User viewer@example.com roles=viewer",
		"RateLimit 20/min",
		"AuthFailureLimit 5/min",
		"AuditSync none",
		"Workers 2",
		"WorkerMaxCalls 3",
		"MaxConnections 4",
		all ? "ToolListing all" : "ToolListing permitted",
		full ? "AuditArguments full" : "AuditArguments hash",
	};
	size_t i;

	config_init(cfg);
	xasprintf(&line, "AuthorizedKeysFile %s", keys_path);
	FUZZ_ASSERT(config_parse_line(cfg, line, CFG_SRC_FILE, "fuzz", 1,
	    err, sizeof(err)) == 0, "config");
	free(line);
	xasprintf(&line, "JWKSFile %s/jwks.json", FUZZ_DATA_DIR);
	FUZZ_ASSERT(config_parse_line(cfg, line, CFG_SRC_FILE, "fuzz", 1,
	    err, sizeof(err)) == 0, "config");
	free(line);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (config_parse_line(cfg, lines[i], CFG_SRC_FILE, "fuzz",
		    (int)i + 2, err, sizeof(err)) != 0)
			fuzz_fail(__FILE__, __LINE__, err);
	config_fill_defaults(cfg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512], hex[65], *keys_path, *kp, *cp, *text = NULL, *t;
	uint8_t h[32];
	EVP_PKEY *k;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	size_t i;
	int l, c;

	fuzz_init();
	debug = getenv("FUZZ_DEBUG") != NULL;
	/* Logging at DEBUG3 formats every message; INFO is enough here. */
	log_set_level(LOG_LVL_VERBOSE);
	keys_path = fuzz_path("authorized_keys");
	for (i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
		FUZZ_ASSERT(apikey_hash(api_keys[i], strlen(api_keys[i]),
		    h) == 0, "apikey_hash");
		hex_encode(h, sizeof(h), hex);
		xasprintf(&t, "%s%s fuzzkey%zu sha256:%s\n", text ? text : "",
		    api_opts[i], i + 1, hex);
		free(text);
		text = t;
	}
	fuzz_write(keys_path, text, strlen(text));
	free(text);
	if (authkeys_load(keys_path, &keys, err, sizeof(err)) != 0)
		fuzz_fail(__FILE__, __LINE__, err);
	for (i = 0; i < 4; i++)
		conf(&cfgs[i], (int)(i & 1), (int)(i & 2), keys_path);
	free(keys_path);
	if ((jwt = jwtv_new(&cfgs[0], err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	/* Each input starts from the same state: no cache across inputs. */
	jwtv_set_cache_max(jwt, 0, 0);
	if ((mtls = mtls_new(FUZZ_DATA_DIR "/ca.pem", FUZZ_DATA_DIR "/ca.crl",
	    MTLS_ID_SAN_EMAIL, err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	k = fuzz_keygen("RSA");
	kp = fuzz_path("tls.key");
	cp = fuzz_path("tls.crt");
	fuzz_write_key_cert(k, kp, cp);
	EVP_PKEY_free(k);
	if ((tlskey = tlskey_load(kp, cp, err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	free(kp);
	free(cp);

	log_path = fuzz_path("audit.log");
	audit_key_path = fuzz_path("audit.key");
	fuzz_write(audit_key_path, MON_AUDIT_KEY, strlen(MON_AUDIT_KEY));
	if (audit_open(&audit, log_path, (const uint8_t *)MON_AUDIT_KEY,
	    strlen(MON_AUDIT_KEY), AUDIT_SYNC_NONE, err, sizeof(err)) != 0)
		fuzz_fail(__FILE__, __LINE__, err);

	FUZZ_ASSERT((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) != -1, "socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_ASSERT(bind(l, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(l, TCP_POOL) == 0 && getsockname(l,
	    (struct sockaddr *)&sin, &len) == 0, "listen on loopback");
	for (i = 0; i < TCP_POOL; i++) {
		/* Both ends stay open: the peer address stays known. */
		FUZZ_ASSERT((c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) != -1 && connect(c, (struct sockaddr *)&sin,
		    sizeof(sin)) == 0 && (tcp_pool[i] = accept4(l, NULL, NULL,
		    SOCK_CLOEXEC)) != -1, "a loopback connection");
	}
	(void)close(l);
	return 0;
}

/* ---- what the monitor sends ---- */

static void
read_all(struct h *h, int fd, struct evbuffer *b)
{
	if (fd < 0)
		return;
	while (evbuffer_read(b, fd, 65536) > 0)
		h->progress = 1;
}

static uint32_t
get32(struct sbuf *m)
{
	uint32_t v = 0;

	FUZZ_ASSERT(sbuf_get_u32(m, &v) == SBUF_OK, "a u32 field");
	return v;
}

static void
check_net_out(struct h *h)
{
	uint8_t type;
	uint32_t flags, status;
	int r;

	while ((r = pmsg_take(h->net_in, &type, h->m)) == PMSG_OK) {
		switch (type) {
		case PS_INIT_REQ:
		case PS_HELLO_ANS:
		case PS_TOOLLIST_ANS:
		case PS_AUTH_ANS:
			break;
		case PS_TOOLCALL_ANS:
			(void)get32(h->m);
			flags = get32(h->m);
			status = get32(h->m);
			/* A cancelled call's answer says so. */
			FUZZ_ASSERT(flags == PS_F_FINAL ||
			    flags == (PS_F_FINAL | PS_F_CANCELLED),
			    "the monitor sends final answers only");
			FUZZ_ASSERT(status <= PS_ST_MAX, "a known status");
			break;
		default:
			fuzz_fail(__FILE__, __LINE__,
			    "the monitor sent the net process an unknown type");
		}
	}
	FUZZ_ASSERT(r == PMSG_MORE, "the monitor's frames are well-formed");
}

static void
check_key_out(struct h *h)
{
	uint8_t type;
	uint32_t status;
	int r;

	while ((r = pmsg_take(h->key_in, &type, h->m)) == PMSG_OK) {
		FUZZ_ASSERT(type == PS_SIGN_ANS, "the key channel: answers");
		status = get32(h->m);
		FUZZ_ASSERT(status <= 1, "sign status 0 or 1");
	}
	FUZZ_ASSERT(r == PMSG_MORE, "the key channel's frames");
}

/* Exec requests the workers received, queued for answering. */
static void
take_exec(struct h *h)
{
	uint8_t type;
	size_t i;
	int r;

	for (i = 0; i < NWORKERS; i++) {
		while ((r = pmsg_take(h->w_in[i], &type, h->m)) == PMSG_OK) {
			FUZZ_ASSERT(type == PS_EXEC_REQ,
			    "workers get exec requests only");
			FUZZ_ASSERT(h->nexec < MAX_EXEC, "exec queue");
			h->exec[h->nexec].w = (int)i;
			h->exec[h->nexec].callid = get32(h->m);
			h->nexec++;
		}
		FUZZ_ASSERT(r == PMSG_MORE, "a worker's frames");
	}
}

/* Run the monitor until three passes in a row change nothing. */
static void
pump(struct h *h)
{
	int i, idle = 0;
	size_t w;

	for (i = 0; i < 1000 && idle < 3; i++) {
		h->progress = 0;
		FUZZ_ASSERT(event_base_loop(h->base, EVLOOP_NONBLOCK) != -1,
		    "event_base_loop");
		read_all(h, h->net, h->net_in);
		if (!h->key_unread)
			read_all(h, h->key, h->key_in);
		for (w = 0; w < NWORKERS; w++)
			read_all(h, h->workers[w], h->w_in[w]);
		idle = h->progress ? 0 : idle + 1;
	}
	check_net_out(h);
	check_key_out(h);
	take_exec(h);
}

/* ---- what the harness sends ---- */

/*
 * A socket to pass: a TCP connection from 127.0.0.1 (one of a few made
 * at start-up, so that no input leaves sockets in TIME_WAIT behind; the
 * monitor gets its own copy and closes it) or a new socketpair end.
 */
static int
attach_fd(struct h *h, int tcp)
{
	static size_t next;
	int sp[2];

	if (tcp)
		return tcp_pool[next++ % TCP_POOL];
	if (h->nfds + 2 > MAX_FDS)
		return -1;
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sp) == 0, "socketpair");
	h->fds[h->nfds++] = sp[1];
	h->fds[h->nfds++] = sp[0];
	return sp[0];
}

/* Send buf on fd, with a descriptor if fdp is not -1. */
static void
send_bytes(struct h *h, int fd, const uint8_t *buf, size_t len, int passfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int tries = 0;

	do {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (passfd != -1) {
			memset(&cmsg, 0, sizeof(cmsg));
			mh.msg_control = cmsg.buf;
			mh.msg_controllen = sizeof(cmsg.buf);
			CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
			CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
			CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &passfd,
			    sizeof(int));
		}
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			passfd = -1;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR)
			return;		/* the monitor closed the channel */
		pump(h);
	} while (len > 0 && ++tries < 100 && monitor_fuzz_alive(h->mon));
}

/* The workers answer the calls they hold, as op says. */
static void
workers_answer(struct h *h, uint8_t op, const uint8_t *text, size_t len)
{
	struct sbuf *b = sbuf_new(PMSG_MAX);
	struct evbuffer *out = evbuffer_new();
	struct exec_req e;
	size_t i, n = h->nexec;

	FUZZ_ASSERT(b != NULL && out != NULL, "alloc");
	if (op & 64) {
		/* A compromised worker: the bytes, raw, on worker 0's channel. */
		if (h->workers[0] >= 0)
			(void)write(h->workers[0], text, len);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		e = h->exec[i];
		if (h->workers[e.w] < 0)
			continue;
		if (op & 32) {
			/* A worker that dies: its channel closes. */
			(void)close(h->workers[e.w]);
			h->workers[e.w] = -1;
			continue;
		}
		if (op & 8) {
			sbuf_reset(b);
			FUZZ_ASSERT(sbuf_put_u32(b, e.callid) == SBUF_OK &&
			    sbuf_put_u32(b, 0) == SBUF_OK &&
			    sbuf_put_u32(b, 0) == SBUF_OK &&
			    sbuf_put_string(b, "part", 4) == SBUF_OK &&
			    sbuf_put_cstring(b, "") == SBUF_OK &&
			    pmsg_compose(out, PS_EXEC_ANS, b) == PMSG_OK,
			    "compose a part");
		}
		sbuf_reset(b);
		FUZZ_ASSERT(sbuf_put_u32(b, (op & 16) ? e.callid + 1 :
		    e.callid) == SBUF_OK &&
		    sbuf_put_u32(b, PS_F_FINAL) == SBUF_OK &&
		    sbuf_put_u32(b, (op & 4) ? 1 : 0) == SBUF_OK &&
		    sbuf_put_string(b, text, len) == SBUF_OK &&
		    sbuf_put_cstring(b, (op & 4) ? "fuzz reason" : "") ==
		    SBUF_OK &&
		    pmsg_compose(out, PS_EXEC_ANS, b) == PMSG_OK,
		    "compose an answer");
		while (evbuffer_get_length(out) > 0 &&
		    evbuffer_write(out, h->workers[e.w]) > 0)
			;
		(void)evbuffer_drain(out, evbuffer_get_length(out));
	}
	memmove(h->exec, h->exec + n, (h->nexec - n) * sizeof(h->exec[0]));
	h->nexec -= n;
	sbuf_free(b);
	evbuffer_free(out);
	pump(h);
}

/* FUZZ_DEBUG: the input's audit records on stderr, to check seeds. */
static void
show_audit(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if ((fd = open(log_path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)write(STDERR_FILENO, buf, (size_t)n);
	(void)close(fd);
}

static void
verify_audit(void)
{
	char *argv[] = { "audit", "verify", "-c", "-k", audit_key_path,
	    log_path, NULL };
	int r;

	r = ctl_audit_main(6, argv);
	FUZZ_ASSERT(r == 0, "the audit log verifies");
	if (debug)
		show_audit();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct monitor_params p;
	struct h h;
	const uint8_t *d = data + 1;
	size_t left, len, i;
	uint8_t op, mode;
	int fd;

	if (size < 1)
		return 0;
	mode = data[0];
	left = size - 1;
	/* Only this input's records: the chain goes on (--continued). */
	FUZZ_ASSERT(truncate(log_path, 0) == 0, "truncate the audit log");

	memset(&p, 0, sizeof(p));
	p.cfg = &cfgs[(mode >> 1) & 3];
	p.auth.keys = keys;
	p.auth.jwt = jwt;
	p.audit = audit;
	p.cert_pem = "";
	p.tlskey = tlskey;
	if (mode & 1) {
		p.nlisten = 1;
		p.auth.mtls = (mode & 8) ? mtls : NULL;
	} else if (mode & 16) {
		p.env_cred = (char *)api_keys[0];
		p.env_credlen = strlen(api_keys[0]);
	}

	memset(&h, 0, sizeof(h));
	h.http = mode & 1;
	h.key_unread = (mode & 64) != 0;
	h.mon = monitor_fuzz_new(&p, &h.net, &h.key, h.workers);
	h.base = monitor_fuzz_base(h.mon);
	FUZZ_ASSERT((h.m = sbuf_new(PMSG_MAX)) != NULL &&
	    (h.net_in = evbuffer_new()) != NULL &&
	    (h.key_in = evbuffer_new()) != NULL, "alloc");
	for (i = 0; i < NWORKERS; i++) {
		FUZZ_ASSERT((h.w_in[i] = evbuffer_new()) != NULL, "alloc");
		FUZZ_ASSERT(fcntl(h.workers[i], F_SETFL, O_NONBLOCK) == 0,
		    "O_NONBLOCK");
	}
	FUZZ_ASSERT(fcntl(h.net, F_SETFL, O_NONBLOCK) == 0 && (h.key == -1 ||
	    fcntl(h.key, F_SETFL, O_NONBLOCK) == 0), "O_NONBLOCK");
	pump(&h);

	while (left >= 3 && monitor_fuzz_alive(h.mon)) {
		op = d[0];
		len = (size_t)d[1] << 8 | d[2];
		d += 3;
		left -= 3;
		if (len > left)
			len = left;
		switch (op & 3) {
		case 0:
			send_bytes(&h, h.net, d, len, -1);
			break;
		case 1:
			fd = attach_fd(&h, op & 4);
			send_bytes(&h, h.net, d, len, fd);
			break;
		case 2:
			if (h.key != -1)
				send_bytes(&h, h.key, d, len, -1);
			break;
		default:
			workers_answer(&h, op, d, len);
			break;
		}
		if (mode & 32)
			workers_answer(&h, 0, (const uint8_t *)"[]", 2);
		FUZZ_ASSERT(monitor_fuzz_calls(h.mon) <= 256,
		    "calls in flight within the monitor's limit");
		FUZZ_ASSERT(monitor_fuzz_key_queued(h.mon) <=
		    monitor_fuzz_key_queue_max(),
		    "unread signatures within the key channel's bound");
		d += len;
		left -= len;
	}

	monitor_fuzz_free(h.mon);
	(void)close(h.net);
	if (h.key != -1)
		(void)close(h.key);
	for (i = 0; i < NWORKERS; i++) {
		if (h.workers[i] != -1)
			(void)close(h.workers[i]);
		evbuffer_free(h.w_in[i]);
	}
	for (i = 0; i < h.nfds; i++)
		(void)close(h.fds[i]);
	evbuffer_free(h.net_in);
	evbuffer_free(h.key_in);
	sbuf_free(h.m);
	verify_audit();
	return 0;
}
