/*
 * Net side of the key channel (see key_wrap.h).
 */
#include <stdint.h>
#include <string.h>
#if MCPD_TEST_HOOKS
#include <poll.h>

#include <openssl/obj_mac.h>
#endif

#include <event2/buffer.h>

#include "dispatch.h"
#include "key_wrap.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "sbuf.h"

/* An answer is a u32 status and a string: small. */
#define KEY_ANS_MAX	(PS_SIG_MAX + 64)
#define KEY_REQ_MAX	(PS_SIGIN_MAX + 64)

/* Where the answer to one signing request goes. */
struct key_ans {
	uint8_t	*sig;
	size_t	*siglen;
	size_t	 sigmax;
	int	 refused;
};

/* PS_SIGN_ANS: u32 status, str signature. */
static void
key_sign_ans(void *arg, struct sbuf *m)
{
	struct key_ans *a = arg;
	const uint8_t *s;
	size_t slen;
	uint32_t status;
	int r;

	if ((r = sbuf_get_u32(m, &status)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(m, &s, &slen, PS_SIG_MAX)) !=
	    SBUF_OK || (r = sbuf_expect_end(m)) != SBUF_OK)
		fatal_f("bad sign answer from monitor: %s", sbuf_strerror(r));
	if (status == 1 && slen == 0) {
		a->refused = 1;
		return;
	}
	if (status != 0 || slen == 0 || slen > a->sigmax)
		fatal_f("bad sign answer from monitor: status %u, %zu bytes",
		    (unsigned int)status, slen);
	memcpy(a->sig, s, slen);
	*a->siglen = slen;
}

static void __attribute__((noreturn))
key_violation(void *arg, const char *what)
{
	fatal_f("unexpected message from monitor: %s", what);
}

static const struct ps_dispatch key_ent[] = {
	{ PS_SIGN_ANS, PS_TR_HTTP, PS_STATE_ANY, 0, key_sign_ans },
};
static const struct ps_table key_table = PS_TABLE("key channel", key_ent,
    key_violation, NULL);

int
mm_key_sign(int fd, uint32_t op, int hash_nid, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t *siglen, size_t sigmax)
{
	/* The key channel exists only for TLS, so only over HTTP. */
	struct ps_chan chan = { PS_TR_HTTP, PS_STATE_ANY, 0 };
	struct key_ans a = { sig, siglen, sigmax, 0 };
	struct sbuf *req, *ans;
	struct evbuffer *rbuf;
	uint8_t type;
	int r;

	*siglen = 0;
	if (inlen > PS_SIGIN_MAX || hash_nid < 0)
		return -1;
	if ((req = sbuf_new(KEY_REQ_MAX)) == NULL ||
	    (ans = sbuf_new(KEY_ANS_MAX)) == NULL ||
	    (rbuf = evbuffer_new()) == NULL)
		fatal_f("out of memory");
	if ((r = sbuf_put_u32(req, op)) != SBUF_OK ||
	    (r = sbuf_put_u32(req, (uint32_t)hash_nid)) != SBUF_OK ||
	    (r = sbuf_put_string(req, in, inlen)) != SBUF_OK)
		fatal_f("compose: %s", sbuf_strerror(r));
	if ((r = pmsg_write_fd(fd, PS_SIGN_REQ, req)) != PMSG_OK)
		fatal_f("key channel write failed (%d)", r);
	sbuf_free(req);
	if ((r = pmsg_read_fd(fd, rbuf, &type, ans)) != PMSG_OK)
		fatal_f("key channel read failed (%d)", r);
	/* One request, one answer: anything more is not the monitor. */
	if (evbuffer_get_length(rbuf) != 0)
		fatal_f("more than one answer on the key channel");
	evbuffer_free(rbuf);
	(void)ps_dispatch(&key_table, &chan, &a, type, ans);
	sbuf_free(ans);
	return a.refused ? -1 : 0;
}

int
mm_key_sign_cb(void *ctx, uint32_t op, int hash_nid, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t *siglen, size_t sigmax)
{
	const int *fdp = ctx;

	return mm_key_sign(*fdp, op, hash_nid, in, inlen, sig, siglen,
	    sigmax);
}

#if MCPD_TEST_HOOKS
void
mm_key_test_flood(int fd, int slow)
{
	struct sbuf *req;
	uint8_t digest[32];
	unsigned long n;
	int r;

	memset(digest, 0x5a, sizeof(digest));
	if ((req = sbuf_new(KEY_REQ_MAX)) == NULL)
		fatal_f("out of memory");
	logit_f("test hook: flooding the key channel");
	/* Bounded, so that a monitor that never reacts ends the test. */
	for (n = 0; n < 10UL * 1000 * 1000; n++) {
		sbuf_reset(req);
		if ((r = sbuf_put_u32(req, PS_SIGN_RSA_PKCS1)) != SBUF_OK ||
		    (r = sbuf_put_u32(req, NID_sha256)) != SBUF_OK ||
		    (r = sbuf_put_string(req, digest,
		    sizeof(digest))) != SBUF_OK)
			fatal_f("compose: %s", sbuf_strerror(r));
		if (pmsg_write_fd(fd, PS_SIGN_REQ, req) != PMSG_OK)
			break;
		/* poll(2) is what the sandbox lets the net process wait in. */
		if (slow)
			(void)poll(NULL, 0, 2);
	}
	fatal_f("key channel flood ended after %lu requests", n);
}
#endif
