/*
 * Fuzz target: the privsep framing (privsep/msg.c) and sbuf
 * (src/common/sbuf.c) under the field caps the monitor applies, and the
 * monitor's decoders of net-process messages that live outside
 * src/monitor/monitor.c: the TLS private-key operations (tlskey_dispatch, what
 * the key channel carries) and the re-verification of a client
 * certificate chain (mtls_verify, what PS_CERT_REQ carries).  The monitor's
 * own dispatch is fuzz_monitor's.
 *
 * Input: byte 0 chooses the set-up: bits 0-1 the payload cap (PMSG_MAX,
 * 64 KiB, 1 KiB, 16 bytes), bit 2 the TLS key (RSA 2048, else EC P-256),
 * bits 3-4 the mTLS verifier (san-email, san-uri, subject-cn, san-email
 * with the CRL); byte 1 the size of the slices in which the rest arrives
 * (1..256 bytes), as a socket may deliver it.  The rest is what the net
 * process sent.
 * Properties: a frame taken is composed again to the same bytes; a sign
 * answer is well-formed, with a reason exactly when refused; a raw RSA
 * operation is performed only on a well-formed PSS block; a verified
 * chain gives an identity of at most MTLS_IDENTITY_MAX bytes without
 * control characters and a 12-hex-digit fingerprint.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/obj_mac.h>

#include "harness.h"
#include "config.h"
#include "msg.h"
#include "mtls.h"
#include "proto.h"
#include "sbuf.h"
#include "strcheck.h"
#include "tlskey.h"

static struct tlskey *tk[2];
static struct mtls_verifier *mv[4];
static const size_t caps[4] = { PMSG_MAX, 65536, 1024, 16 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const types[2] = { "EC", "RSA" };
	char err[512], *kp, *cp;
	EVP_PKEY *k;
	size_t i;

	fuzz_init();
	for (i = 0; i < 2; i++) {
		k = fuzz_keygen(types[i]);
		kp = fuzz_path(i ? "rsa.key" : "ec.key");
		cp = fuzz_path(i ? "rsa.crt" : "ec.crt");
		fuzz_write_key_cert(k, kp, cp);
		if ((tk[i] = tlskey_load(kp, cp, err, sizeof(err))) == NULL)
			fuzz_fail(__FILE__, __LINE__, err);
		EVP_PKEY_free(k);
		free(kp);
		free(cp);
	}
	for (i = 0; i < 4; i++) {
		mv[i] = mtls_new(FUZZ_DATA_DIR "/ca.pem", i == 3 ?
		    FUZZ_DATA_DIR "/ca.crl" : NULL, i == 3 ?
		    MTLS_ID_SAN_EMAIL : (int)i, err, sizeof(err));
		if (mv[i] == NULL)
			fuzz_fail(__FILE__, __LINE__, err);
	}
	return 0;
}

static int
pss_any(const uint8_t *blk, size_t len)
{
	static const int nids[] = { NID_sha256, NID_sha384, NID_sha512 };
	size_t i;

	for (i = 0; i < 3; i++)
		if (tlskey_pss_check(blk, len, (unsigned int)len * 8,
		    nids[i]) == 0)
			return 1;
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
sign(const struct tlskey *k, struct sbuf *m)
{
	struct sbuf *ans = sbuf_new(PS_SIG_MAX + 8);
	const uint8_t *in = NULL, *sig;
	size_t inlen = 0, siglen;
	uint32_t op = 0, status;
	char reason[256];

	FUZZ_ASSERT(ans != NULL, "sbuf_new");
	/* What the request asked, read ahead on a copy of the cursor. */
	if (sbuf_len(m) >= 12) {
		op = be32(sbuf_ptr(m));
		inlen = be32(sbuf_ptr(m) + 8);
		in = sbuf_ptr(m) + 12;
	}
	if (tlskey_dispatch(k, m, ans, reason, sizeof(reason)) == 0) {
		FUZZ_ASSERT(sbuf_get_u32(ans, &status) == SBUF_OK &&
		    status <= 1 && sbuf_get_string_direct(ans, &sig, &siglen,
		    PS_SIG_MAX) == SBUF_OK && sbuf_expect_end(ans) == SBUF_OK,
		    "a sign answer is well-formed");
		FUZZ_ASSERT((status == 0) == (reason[0] == '\0'),
		    "a reason exactly when refused");
		FUZZ_ASSERT((status == 0) == (siglen > 0),
		    "a signature exactly when performed");
		if (status == 0 && op == PS_SIGN_RSA_RAW)
			FUZZ_ASSERT(pss_any(in, inlen),
			    "a raw RSA operation only on a PSS block");
	} else
		FUZZ_ASSERT(reason[0] != '\0', "a malformed request is named");
	sbuf_free(ans);
}

static void
cert(const struct mtls_verifier *v, struct sbuf *m)
{
	const uint8_t *der[PS_CHAIN_MAX];
	size_t derlen[PS_CHAIN_MAX], i;
	uint32_t connid, verdict, n;
	char *identity = NULL, fp[13], reason[256];

	if (sbuf_get_u32(m, &connid) != SBUF_OK ||
	    sbuf_get_u32(m, &verdict) != SBUF_OK ||
	    sbuf_get_u32(m, &n) != SBUF_OK || n > PS_CHAIN_MAX)
		return;
	for (i = 0; i < n; i++)
		if (sbuf_get_string_direct(m, &der[i], &derlen[i],
		    PS_CERT_MAX) != SBUF_OK)
			return;
	if (sbuf_expect_end(m) != SBUF_OK)
		return;
	fp[0] = '\0';
	if (mtls_verify(v, der, derlen, n, FUZZ_NOW, &identity, fp, reason,
	    sizeof(reason)) != 0) {
		FUZZ_ASSERT(identity == NULL, "no identity on refusal");
		FUZZ_ASSERT(strncmp(reason, "mtls: ", 6) == 0,
		    "the reason starts with mtls:");
		return;
	}
	FUZZ_ASSERT(identity != NULL && strlen(identity) <=
	    MTLS_IDENTITY_MAX && !str_has_control(identity),
	    "identity bounded, without control characters");
	FUZZ_ASSERT(strlen(fp) == 12 && strspn(fp, "0123456789abcdef") == 12,
	    "fingerprint of 12 hex digits");
	free(identity);
}

/* The field layouts of proto.h, with the caps the monitor uses. */
static void
fields(uint8_t type, struct sbuf *m)
{
	const uint8_t *p;
	uint8_t *s = NULL, u8;
	char *c = NULL;
	size_t len;
	uint32_t u, u2, u3;
	uint64_t u64;
	int r = SBUF_OK;

	switch (type) {
	case PS_LOG_REQ:
		if (sbuf_get_u32(m, &u) == SBUF_OK &&
		    sbuf_get_cstring(m, &c, PS_LOGMSG_MAX) == SBUF_OK)
			(void)sbuf_expect_end(m);
		break;
	case PS_HELLO_REQ:
		if (sbuf_get_u32(m, &u) == SBUF_OK &&
		    sbuf_get_u32(m, &u2) == SBUF_OK &&
		    sbuf_get_cstring(m, &c, PS_CLIENT_MAX) == SBUF_OK) {
			free(c);
			c = NULL;
			if (sbuf_get_cstring(m, &c, PS_VERSION_MAX) == SBUF_OK)
				(void)sbuf_expect_end(m);
		}
		break;
	case PS_TOOLCALL_REQ:
		if (sbuf_get_u32(m, &u) != SBUF_OK ||
		    sbuf_get_u32(m, &u2) != SBUF_OK ||
		    sbuf_get_string_direct(m, &p, &len, PS_CRED_MAX) !=
		    SBUF_OK || sbuf_get_cstring(m, &c, PS_ID_MAX) != SBUF_OK)
			break;
		free(c);
		c = NULL;
		if (sbuf_get_cstring(m, &c, PS_NAME_MAX) != SBUF_OK ||
		    sbuf_get_string(m, &s, &len, PS_ARGS_MAX) != SBUF_OK)
			break;
		free(c);
		c = NULL;
		if (sbuf_get_cstring(m, &c, PS_CLIENT_MAX) != SBUF_OK ||
		    sbuf_get_u32(m, &u3) != SBUF_OK)
			break;
		free(c);
		c = NULL;
		if (sbuf_get_cstring(m, &c, PS_SCHEMA_ERR_MAX) != SBUF_OK)
			break;
		free(c);
		c = NULL;
		if (sbuf_get_cstring(m, &c, PS_AUDIT_ARGS_MAX) == SBUF_OK)
			(void)sbuf_expect_end(m);
		break;
	case PS_CANCEL_REQ:
		if (sbuf_get_u32(m, &u) == SBUF_OK &&
		    sbuf_get_u32(m, &u2) == SBUF_OK &&
		    sbuf_get_string_direct(m, &p, &len, PS_CRED_MAX) ==
		    SBUF_OK && sbuf_get_cstring(m, &c, PS_ID_MAX) == SBUF_OK)
			(void)sbuf_expect_end(m);
		break;
	case PS_AUTH_REQ:
	case PS_EXEC_ANS:
		if (sbuf_get_u32(m, &u) == SBUF_OK &&
		    sbuf_get_u32(m, &u2) == SBUF_OK &&
		    (type == PS_AUTH_REQ || sbuf_get_u32(m, &u3) == SBUF_OK) &&
		    sbuf_get_string_direct(m, &p, &len, type == PS_AUTH_REQ ?
		    PS_CRED_MAX : PS_TEXT_MAX) == SBUF_OK &&
		    (type == PS_AUTH_REQ ? sbuf_get_u32(m, &u3) == SBUF_OK :
		    sbuf_get_string_direct(m, &p, &len, PS_REASON_MAX) ==
		    SBUF_OK))
			(void)sbuf_expect_end(m);
		break;
	default:
		/* Anything else: the payload is its own program of reads. */
		while (r == SBUF_OK && sbuf_get_u8(m, &u8) == SBUF_OK) {
			switch (u8 % 7) {
			case 0:
				r = sbuf_get_u32(m, &u);
				break;
			case 1:
				r = sbuf_get_u64(m, &u64);
				break;
			case 2:
				r = sbuf_get_string(m, &s, &len, u8);
				free(s);
				s = NULL;
				break;
			case 3:
				r = sbuf_get_cstring(m, &c, u8);
				free(c);
				c = NULL;
				break;
			case 4:
				r = sbuf_get_string_direct(m, &p, &len, u8);
				break;
			case 5:
				r = sbuf_consume(m, u8 >> 3);
				break;
			default:
				r = sbuf_expect_end(m);
				break;
			}
		}
		break;
	}
	free(s);
	free(c);
}

/* Compose the message again: the same frame must come back. */
static void
roundtrip(uint8_t type, const struct sbuf *m)
{
	struct evbuffer *b = evbuffer_new();
	struct sbuf *again = sbuf_new(PMSG_MAX);
	uint8_t t2;

	FUZZ_ASSERT(b != NULL && again != NULL, "alloc");
	FUZZ_ASSERT(pmsg_compose(b, type, m) == PMSG_OK, "pmsg_compose");
	FUZZ_ASSERT(pmsg_take(b, &t2, again) == PMSG_OK, "pmsg_take again");
	FUZZ_ASSERT(t2 == type && sbuf_len(again) == sbuf_len(m) &&
	    (sbuf_len(m) == 0 || memcmp(sbuf_ptr(again), sbuf_ptr(m),
	    sbuf_len(m)) == 0), "the same message again");
	FUZZ_ASSERT(evbuffer_get_length(b) == 0, "nothing left over");
	evbuffer_free(b);
	sbuf_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in;
	struct sbuf *m;
	size_t off, slice, n;
	uint8_t type;
	int r = PMSG_MORE;

	if (size < 2)
		return 0;
	FUZZ_ASSERT((in = evbuffer_new()) != NULL, "evbuffer_new");
	FUZZ_ASSERT((m = sbuf_new(caps[data[0] & 3])) != NULL, "sbuf_new");
	slice = (size_t)data[1] + 1;
	for (off = 2; off < size && (r == PMSG_MORE || r == PMSG_OK);
	    off += n) {
		n = size - off < slice ? size - off : slice;
		FUZZ_ASSERT(evbuffer_add(in, data + off, n) == 0,
		    "evbuffer_add");
		while ((r = pmsg_take(in, &type, m)) == PMSG_OK) {
			FUZZ_ASSERT(sbuf_len(m) <= sbuf_max(m),
			    "a payload within its cap");
			roundtrip(type, m);
			if (type == PS_SIGN_REQ)
				sign(tk[(data[0] >> 2) & 1], m);
			else if (type == PS_CERT_REQ)
				cert(mv[(data[0] >> 3) & 3], m);
			else
				fields(type, m);
		}
		FUZZ_ASSERT(r == PMSG_MORE || r == PMSG_ERR_SIZE,
		    "pmsg_take: a message, more, or a bad length");
	}
	sbuf_free(m);
	evbuffer_free(in);
	return 0;
}
