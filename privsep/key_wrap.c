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

#include "key_wrap.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "sbuf.h"

/* An answer is a u32 status and a string: small. */
#define KEY_ANS_MAX	(PS_SIG_MAX + 64)
#define KEY_REQ_MAX	(PS_SIGIN_MAX + 64)

int
mm_key_sign(int fd, uint32_t op, int hash_nid, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t *siglen, size_t sigmax)
{
	struct sbuf *req, *ans;
	struct evbuffer *rbuf;
	const uint8_t *s;
	size_t slen;
	uint32_t status;
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
	if (type != PS_SIGN_ANS || evbuffer_get_length(rbuf) != 0)
		fatal_f("unexpected message type %u on the key channel",
		    (unsigned int)type);
	evbuffer_free(rbuf);
	if ((r = sbuf_get_u32(ans, &status)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(ans, &s, &slen, PS_SIG_MAX)) !=
	    SBUF_OK || (r = sbuf_expect_end(ans)) != SBUF_OK)
		fatal_f("bad sign answer from monitor: %s", sbuf_strerror(r));
	if (status == 1 && slen == 0) {
		sbuf_free(ans);
		return -1;
	}
	if (status != 0 || slen == 0 || slen > sigmax)
		fatal_f("bad sign answer from monitor: status %u, %zu bytes",
		    (unsigned int)status, slen);
	memcpy(sig, s, slen);
	*siglen = slen;
	sbuf_free(ans);
	return 0;
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
