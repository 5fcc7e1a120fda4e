/*
 * Unit tests for TLS with key offloading: src/net/tls.c (the net side:
 * policy, proxy keys, client certificate verdicts), src/net/key_wrap.c
 * (the key channel), src/monitor/tlskey.c (the monitor's key, what it
 * agrees to sign, the PSS check) and src/monitor/mtls.c (the
 * monitor's re-verification of client certificates).
 *
 * Handshakes are real: an OpenSSL client against a server SSL from
 * tls_ctx_new(), over a BIO pair in this process, with every private-key
 * operation going through tlskey_dispatch() as the monitor would make it
 * (and once through mm_key_sign() over a socketpair to a forked monitor).
 * Keys and certificates are made here with OpenSSL, in a mkdtemp dir.
 */

/* RSA_padding_add_PKCS1_PSS_mgf1() makes reference PSS blocks. */
#define OPENSSL_SUPPRESS_DEPRECATED	1

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "b64url.h"
#include "config.h"
#include "jwt.h"
#include "key_wrap.h"
#include "msg.h"
#include "mtls.h"
#include "proto.h"
#include "sbuf.h"
#include "tls.h"
#include "tlskey.h"

#define DAY	(24L * 60 * 60)

static char tmpdir[PATH_MAX];

/* Keys and certificates made once for all tests. */
static EVP_PKEY *rsa_key, *ec_key, *rsa1024_key, *ed_key, *ca_key, *ca2_key;
static EVP_PKEY *cli_key;
static X509 *rsa_cert, *ec_cert, *rsa1024_cert, *ed_cert, *ca_cert, *ca2_cert;
static X509 *cli_good, *cli_expired, *cli_revoked, *cli_other, *cli_nosan;
static X509 *cli_ctlcn, *cli_twocn;
static char *rsa_pem, *ec_pem;
static size_t rsa_pemlen, ec_pemlen;
static struct tlskey *rsa_tk, *ec_tk;
static struct mtls_verifier *mv_email, *mv_uri, *mv_cn;

/* Helpers: files. */

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
tpath(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void
write_file(const char *name, const char *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	tpath(path, sizeof(path), name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* The memory BIO's contents as a malloc'd string. */
static char *
bio_text(BIO *bio, size_t *lenp)
{
	char *data, *s;
	long len = BIO_get_mem_data(bio, &data);

	assert_true(len > 0);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = (size_t)len;
	return s;
}

static char *
cert_pem(X509 *x, size_t *lenp)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	s = bio_text(bio, lenp);
	BIO_free(bio);
	return s;
}

static void
write_cert(const char *name, X509 *x)
{
	size_t len;
	char *s = cert_pem(x, &len);

	write_file(name, s, len, 0644);
	free(s);
}

static void
write_key(const char *name, EVP_PKEY *k, mode_t mode)
{
	BIO *bio = BIO_new(BIO_s_mem());
	size_t len;
	char *s;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0,
	    NULL, NULL), 1);
	s = bio_text(bio, &len);
	write_file(name, s, len, mode);
	OPENSSL_cleanse(s, len);
	free(s);
	BIO_free(bio);
}

/* Helpers: certificates. */

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for key, signed by signkey as issuer (NULL: self-signed),
 * valid from nb to na days from now.  cn2 adds a second CN.
 */
static X509 *
mkcert(EVP_PKEY *key, EVP_PKEY *signkey, X509 *issuer, long serial,
    const char *cn, const char *cn2, int is_ca, long nb, long na,
    const char *san, const char *eku)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial),
	    1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"mcpd test", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	if (cn2 != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_UTF8, (const unsigned char *)cn2, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer == NULL ? name :
	    X509_get_subject_name(issuer)), 1);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), (int)nb, 0,
	    NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), (int)na, 0,
	    NULL));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	add_ext(x, issuer == NULL ? x : issuer, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer == NULL ? x : issuer, NID_key_usage, is_ca ?
	    "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	add_ext(x, issuer == NULL ? x : issuer, NID_subject_key_identifier,
	    "hash");
	if (san != NULL)
		add_ext(x, issuer == NULL ? x : issuer, NID_subject_alt_name,
		    san);
	if (eku != NULL)
		add_ext(x, issuer == NULL ? x : issuer, NID_ext_key_usage, eku);
	if (signkey == NULL)
		signkey = key;
	/* Ed25519 signs the whole message: no separate digest. */
	assert_true(X509_sign(x, signkey, EVP_PKEY_get_base_id(signkey) ==
	    EVP_PKEY_ED25519 ? NULL : EVP_sha256()) > 0);
	return x;
}

static EVP_PKEY *
gen_ec(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	assert_non_null(k);
	return k;
}

static EVP_PKEY *
gen_rsa(unsigned int bits)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);

	assert_non_null(k);
	return k;
}

/* A CRL of ca revoking serial. */
static char *
mkcrl(X509 *ca, EVP_PKEY *key, long serial, size_t *lenp)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	ASN1_TIME *t = ASN1_TIME_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	assert_non_null(crl);
	assert_non_null(rev);
	assert_non_null(sn);
	assert_non_null(t);
	assert_non_null(bio);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(ca)), 1);
	assert_non_null(X509_time_adj_ex(t, -10, 0, NULL));
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	assert_non_null(X509_time_adj_ex(t, 365, 0, NULL));
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	assert_int_equal(ASN1_INTEGER_set(sn, serial), 1);
	assert_int_equal(X509_REVOKED_set_serialNumber(rev, sn), 1);
	assert_non_null(X509_time_adj_ex(t, -1, 0, NULL));
	assert_int_equal(X509_REVOKED_set_revocationDate(rev, t), 1);
	assert_int_equal(X509_CRL_add0_revoked(crl, rev), 1);
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509_CRL(bio, crl), 1);
	s = bio_text(bio, lenp);
	BIO_free(bio);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	X509_CRL_free(crl);
	return s;
}

static struct mtls_verifier *
verifier(int kind, int with_crl)
{
	char ca[PATH_MAX], crl[PATH_MAX], err[256];
	struct mtls_verifier *v;

	tpath(ca, sizeof(ca), "clientca.pem");
	tpath(crl, sizeof(crl), "client.crl");
	v = mtls_new(ca, with_crl ? crl : NULL, kind, err, sizeof(err));
	if (v == NULL)
		fail_msg("mtls_new: %s", err);
	return v;
}

static struct tlskey *
load_tk(const char *key, const char *cert)
{
	char kp[PATH_MAX], cp[PATH_MAX], err[256];
	struct tlskey *k;

	tpath(kp, sizeof(kp), key);
	tpath(cp, sizeof(cp), cert);
	if ((k = tlskey_load(kp, cp, err, sizeof(err))) == NULL)
		fail_msg("tlskey_load: %s", err);
	return k;
}

static int
setup(void **state)
{
	char *crl, *p;
	size_t len;

	(void)state;
	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_tls.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;

	rsa_key = gen_rsa(2048);
	rsa_cert = mkcert(rsa_key, NULL, NULL, 1, "localhost", NULL, 0, -1,
	    30, "DNS:localhost", "serverAuth");
	ec_key = gen_ec("P-256");
	ec_cert = mkcert(ec_key, NULL, NULL, 1, "localhost", NULL, 0, -1, 30,
	    "DNS:localhost", "serverAuth");
	rsa1024_key = gen_rsa(1024);
	rsa1024_cert = mkcert(rsa1024_key, NULL, NULL, 1, "small", NULL, 0,
	    -1, 30, NULL, NULL);
	ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(ed_key);
	ed_cert = mkcert(ed_key, NULL, NULL, 1, "ed", NULL, 0, -1, 30, NULL,
	    NULL);
	write_key("rsa.key", rsa_key, 0600);
	write_cert("rsa.crt", rsa_cert);
	write_key("ec.key", ec_key, 0600);
	write_cert("ec.crt", ec_cert);
	write_key("rsa1024.key", rsa1024_key, 0600);
	write_cert("rsa1024.crt", rsa1024_cert);
	write_key("rsa-open.key", rsa_key, 0644);
	rsa_pem = cert_pem(rsa_cert, &rsa_pemlen);
	ec_pem = cert_pem(ec_cert, &ec_pemlen);

	ca_key = gen_ec("P-256");
	ca_cert = mkcert(ca_key, NULL, NULL, 1, "mcpd test client CA", NULL,
	    1, -1, 3650, NULL, NULL);
	ca2_key = gen_ec("P-256");
	ca2_cert = mkcert(ca2_key, NULL, NULL, 1, "another CA", NULL, 1, -1,
	    3650, NULL, NULL);
	cli_key = gen_ec("P-256");
	cli_good = mkcert(cli_key, ca_key, ca_cert, 2, "alice", NULL, 0, -1,
	    30, "email:alice@example.com,URI:spiffe://example.com/alice",
	    "clientAuth");
	cli_revoked = mkcert(cli_key, ca_key, ca_cert, 3, "mallory", NULL, 0,
	    -1, 30, "email:mallory@example.com", "clientAuth");
	cli_expired = mkcert(cli_key, ca_key, ca_cert, 4, "bob", NULL, 0, -30,
	    -1, "email:bob@example.com", "clientAuth");
	cli_other = mkcert(cli_key, ca2_key, ca2_cert, 5, "eve", NULL, 0, -1,
	    30, "email:eve@example.com", "clientAuth");
	cli_nosan = mkcert(cli_key, ca_key, ca_cert, 6, "carol", NULL, 0, -1,
	    30, NULL, "clientAuth");
	cli_ctlcn = mkcert(cli_key, ca_key, ca_cert, 7, "dave\nUser admin",
	    NULL, 0, -1, 30, NULL, "clientAuth");
	cli_twocn = mkcert(cli_key, ca_key, ca_cert, 8, "erin", "admin", 0, -1,
	    30, NULL, "clientAuth");
	p = cert_pem(ca_cert, &len);
	write_file("clientca.pem", p, len, 0644);
	free(p);
	crl = mkcrl(ca_cert, ca_key, 3, &len);
	write_file("client.crl", crl, len, 0644);
	free(crl);

	rsa_tk = load_tk("rsa.key", "rsa.crt");
	ec_tk = load_tk("ec.key", "ec.crt");
	mv_email = verifier(MTLS_ID_SAN_EMAIL, 1);
	mv_uri = verifier(MTLS_ID_SAN_URI, 1);
	mv_cn = verifier(MTLS_ID_SUBJECT_CN, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mtls_free(mv_email);
	mtls_free(mv_uri);
	mtls_free(mv_cn);
	tlskey_free(rsa_tk);
	tlskey_free(ec_tk);
	free(rsa_pem);
	free(ec_pem);
	X509_free(rsa_cert);
	X509_free(ec_cert);
	X509_free(rsa1024_cert);
	X509_free(ed_cert);
	X509_free(ca_cert);
	X509_free(ca2_cert);
	X509_free(cli_good);
	X509_free(cli_expired);
	X509_free(cli_revoked);
	X509_free(cli_other);
	X509_free(cli_nosan);
	X509_free(cli_ctlcn);
	X509_free(cli_twocn);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa1024_key);
	EVP_PKEY_free(ed_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(cli_key);
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Helpers: the monitor, called directly. */

struct fake_monitor {
	const struct tlskey	*key;
	int			 calls;
	int			 refused;
	uint32_t		 last_op;
	int			 last_nid;
	uint8_t			 last_in[PS_SIGIN_MAX];
	size_t			 last_inlen;
	char			 reason[256];
};

/*
 * Encode the request as mm_key_sign does, dispatch it as the monitor
 * does, decode the answer.  Returns the status, or -1 on a bad message.
 */
static int
dispatch(const struct tlskey *k, uint32_t op, uint32_t nid,
    const uint8_t *in, size_t inlen, uint8_t *sig, size_t *siglen,
    char *reason, size_t reasonlen)
{
	struct sbuf *req = sbuf_new(4096), *ans = sbuf_new(4096);
	uint8_t *s = NULL;
	size_t slen = 0;
	uint32_t status = 99;
	int r;

	assert_non_null(req);
	assert_non_null(ans);
	assert_int_equal(sbuf_put_u32(req, op), SBUF_OK);
	assert_int_equal(sbuf_put_u32(req, nid), SBUF_OK);
	assert_int_equal(sbuf_put_string(req, in, inlen), SBUF_OK);
	r = tlskey_dispatch(k, req, ans, reason, reasonlen);
	if (r == 0) {
		assert_int_equal(sbuf_get_u32(ans, &status), SBUF_OK);
		assert_int_equal(sbuf_get_string(ans, &s, &slen, PS_SIG_MAX),
		    SBUF_OK);
		assert_int_equal(sbuf_expect_end(ans), SBUF_OK);
		assert_true(status == 0 || status == 1);
		/* A refusal carries no signature, a success one. */
		assert_true(status == 1 ? slen == 0 : slen > 0);
		if (sig != NULL && slen <= PS_SIG_MAX)
			memcpy(sig, s, slen);
		if (siglen != NULL)
			*siglen = slen;
		free(s);
	}
	sbuf_free(req);
	sbuf_free(ans);
	return r == 0 ? (int)status : -1;
}

static int
fake_sign(void *ctx, uint32_t op, int nid, const uint8_t *in, size_t inlen,
    uint8_t *sig, size_t *siglen, size_t sigmax)
{
	struct fake_monitor *m = ctx;
	uint8_t buf[PS_SIG_MAX];
	size_t len = 0;

	m->calls++;
	m->last_op = op;
	m->last_nid = nid;
	if (inlen <= sizeof(m->last_in)) {
		memcpy(m->last_in, in, inlen);
		m->last_inlen = inlen;
	}
	if (dispatch(m->key, op, (uint32_t)nid, in, inlen, buf, &len,
	    m->reason, sizeof(m->reason)) != 0 || len > sigmax) {
		m->refused++;
		return -1;
	}
	memcpy(sig, buf, len);
	*siglen = len;
	return 0;
}

/* Helpers: handshakes. */

struct hs_opts {
	int		 version;	/* client min = max; 0: 1.2 and 1.3 */
	const char	*sigalgs;	/* client's, or NULL */
	const char	*ciphers;	/* client's TLS 1.2 list, or NULL */
	X509		*cert;		/* client certificate, or NULL */
	int		 seclevel0;	/* let the client offer anything */
};

struct hs {
	SSL		*c, *s;
	SSL_CTX		*cctx;
	int		 ok;
	int		 server_failed;	/* the server side failed first */
	unsigned long	 server_err;	/* its first OpenSSL error */
};

static SSL_CTX *
server_ctx(const char *pem, size_t pemlen, int mtls, tls_sign_fn fn,
    void *ctx)
{
	struct tls_params p;
	const char *ca, *crl;
	size_t calen, crllen;
	char err[512];
	SSL_CTX *sctx;

	memset(&p, 0, sizeof(p));
	p.cert_pem = pem;
	p.cert_pemlen = pemlen;
	if (mtls) {
		assert_int_equal(mtls_pem(mv_email, &ca, &calen, &crl,
		    &crllen), 0);
		p.ca_pem = ca;
		p.ca_pemlen = calen;
		p.crl_pem = crl;
		p.crl_pemlen = crllen;
	}
	if ((sctx = tls_ctx_new(&p, fn, ctx, err, sizeof(err))) == NULL)
		fail_msg("tls_ctx_new: %s", err);
	return sctx;
}

static void
run_handshake(SSL_CTX *sctx, X509 *trust, const struct hs_opts *o,
    struct hs *h)
{
	BIO *cb, *sb;
	int i, r, cdone = 0, sdone = 0, e;

	memset(h, 0, sizeof(h[0]));
	ERR_clear_error();
	h->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(h->cctx);
	if (o->seclevel0) {
		SSL_CTX_set_security_level(h->cctx, 0);
		assert_int_equal(SSL_CTX_set_cipher_list(h->cctx,
		    "DEFAULT:@SECLEVEL=0"), 1);
	}
	if (o->version != 0) {
		assert_int_equal(SSL_CTX_set_min_proto_version(h->cctx,
		    o->version), 1);
		assert_int_equal(SSL_CTX_set_max_proto_version(h->cctx,
		    o->version), 1);
	}
	if (o->sigalgs != NULL)
		assert_int_equal(SSL_CTX_set1_sigalgs_list(h->cctx,
		    o->sigalgs), 1);
	if (o->ciphers != NULL)
		assert_int_equal(SSL_CTX_set_cipher_list(h->cctx, o->ciphers),
		    1);
	/* The client checks the server's signature, whatever the mode. */
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(h->cctx),
	    trust), 1);
	SSL_CTX_set_verify(h->cctx, SSL_VERIFY_PEER, NULL);
	if (o->cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate(h->cctx, o->cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(h->cctx, cli_key), 1);
	}
	h->c = SSL_new(h->cctx);
	h->s = SSL_new(sctx);
	assert_non_null(h->c);
	assert_non_null(h->s);
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(h->c, cb, cb);
	SSL_set_bio(h->s, sb, sb);
	SSL_set_connect_state(h->c);
	SSL_set_accept_state(h->s);
	for (i = 0; i < 64 && !(cdone && sdone); i++) {
		if (!cdone) {
			if ((r = SSL_do_handshake(h->c)) == 1)
				cdone = 1;
			else if ((e = SSL_get_error(h->c, r)) !=
			    SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				break;
		}
		if (!sdone) {
			if ((r = SSL_do_handshake(h->s)) == 1)
				sdone = 1;
			else if ((e = SSL_get_error(h->s, r)) !=
			    SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				h->server_failed = 1;
				h->server_err = ERR_peek_error();
				break;
			}
		}
	}
	h->ok = cdone && sdone;
	ERR_clear_error();
}

static void
hs_free(struct hs *h)
{
	SSL_free(h->c);
	SSL_free(h->s);
	SSL_CTX_free(h->cctx);
}

/* A completed handshake: the version, an AEAD cipher, nothing to resume. */
static void
assert_good(const struct hs *h, int version)
{
	const SSL_CIPHER *c;
	char buf[16];

	assert_true(h->ok);
	assert_int_equal(SSL_version(h->s), version);
	assert_int_equal(SSL_version(h->c), version);
	c = SSL_get_current_cipher(h->s);
	assert_non_null(c);
	assert_int_equal(SSL_CIPHER_is_aead(c), 1);
	assert_null(SSL_get_current_compression(h->s));
	/*
	 * No session ticket and no session id: nothing to resume from.  A
	 * TLS 1.3 ticket would come after the handshake: let the client
	 * read whatever the server sent.
	 */
	assert_int_equal(SSL_read(h->c, buf, sizeof(buf)), -1);
	assert_int_equal(SSL_get_error(h->c, -1), SSL_ERROR_WANT_READ);
	ERR_clear_error();
	assert_int_equal(SSL_SESSION_is_resumable(SSL_get_session(h->c)), 0);
}

/* Handshakes with the key offloaded. */

static void
test_rsa_tls13(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = 0 };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_3_VERSION);
	/*
	 * TLS 1.3 signs with RSA-PSS: the raw operation on a PSS block,
	 * whose hash the net process cannot know (OpenSSL picked SHA-256).
	 */
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.refused, 0);
	assert_int_equal(m.last_op, PS_SIGN_RSA_RAW);
	assert_int_equal(m.last_nid, NID_undef);
	assert_int_equal(m.last_inlen, 256);
	assert_int_equal(tlskey_pss_check(m.last_in, 256, 2048, NID_sha256),
	    0);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

static void
test_rsa_tls12_pss(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_2_VERSION,
	    .sigalgs = "rsa_pss_rsae_sha384" };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_2_VERSION);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.last_op, PS_SIGN_RSA_RAW);
	assert_int_equal(m.last_nid, NID_undef);
	assert_int_equal(tlskey_pss_check(m.last_in, 256, 2048, NID_sha384),
	    0);
	assert_int_equal(tlskey_pss_check(m.last_in, 256, 2048, NID_sha256),
	    -1);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

static void
test_rsa_tls12_pkcs1(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_2_VERSION,
	    .sigalgs = "RSA+SHA256" };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_2_VERSION);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.last_op, PS_SIGN_RSA_PKCS1);
	assert_int_equal(m.last_nid, NID_sha256);
	assert_int_equal(m.last_inlen, 32);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

static void
test_ec_tls13_and_12(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o13 = { .version = TLS1_3_VERSION };
	struct hs_opts o12 = { .version = TLS1_2_VERSION,
	    .sigalgs = "ECDSA+SHA384" };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = ec_tk;
	sctx = server_ctx(ec_pem, ec_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, ec_cert, &o13, &h);
	assert_good(&h, TLS1_3_VERSION);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.last_op, PS_SIGN_ECDSA);
	assert_int_equal(m.last_nid, NID_sha256);
	hs_free(&h);

	run_handshake(sctx, ec_cert, &o12, &h);
	assert_good(&h, TLS1_2_VERSION);
	assert_int_equal(m.calls, 2);
	assert_int_equal(m.last_op, PS_SIGN_ECDSA);
	assert_int_equal(m.last_nid, NID_sha384);
	assert_int_equal(m.last_inlen, 48);
	assert_int_equal(m.refused, 0);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

/* The monitor holds the EC key, the certificate is RSA: no handshake. */
static void
test_wrong_key_refused(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = 0 };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = ec_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_false(h.ok);
	assert_true(h.server_failed);
	assert_int_equal(m.refused, 1);
	assert_string_equal(m.reason, "RSA operation for the EC P-256 key");
	hs_free(&h);
	SSL_CTX_free(sctx);
}

static void
test_tls11_refused(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_1_VERSION, .seclevel0 = 1 };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_false(h.ok);
	/* The server refused the version, before any signature. */
	assert_true(h.server_failed);
	assert_int_equal(ERR_GET_REASON(h.server_err),
	    SSL_R_UNSUPPORTED_PROTOCOL);
	assert_int_equal(m.calls, 0);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

static void
test_cbc_refused(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_2_VERSION,
	    .ciphers = "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA:"
	    "AES128-GCM-SHA256" };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_false(h.ok);
	assert_true(h.server_failed);
	assert_int_equal(ERR_GET_REASON(h.server_err), SSL_R_NO_SHARED_CIPHER);
	assert_int_equal(m.calls, 0);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

/* SHA-1 signatures are not offered: a client that wants only them fails. */
static void
test_sha1_sigalg_refused(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_2_VERSION, .seclevel0 = 1,
	    .sigalgs = "RSA+SHA1" };
	struct hs h;
	SSL_CTX *sctx;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_false(h.ok);
	assert_true(h.server_failed);
	assert_int_equal(ERR_GET_REASON(h.server_err),
	    SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS);
	assert_int_equal(m.calls, 0);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

/* Renegotiation is refused: the client's attempt fails. */
static void
test_renegotiation_refused(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_2_VERSION };
	struct hs h;
	SSL_CTX *sctx;
	char buf[16];
	int i, r, failed = 0;

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_2_VERSION);
	assert_int_equal(SSL_renegotiate(h.c), 1);
	for (i = 0; i < 16 && !failed; i++) {
		if ((r = SSL_do_handshake(h.c)) != 1 &&
		    SSL_get_error(h.c, r) == SSL_ERROR_SSL) {
			/* The server's no_renegotiation alert. */
			assert_int_equal(ERR_GET_REASON(ERR_peek_error()),
			    SSL_R_NO_RENEGOTIATION);
			failed = 1;
		}
		(void)SSL_read(h.s, buf, sizeof(buf));
	}
	ERR_clear_error();
	assert_true(failed);
	/* Only the first handshake signed anything. */
	assert_int_equal(m.calls, 1);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

/* The real channel: mm_key_sign over a socketpair to a forked monitor. */
static void
monitor_child(int fd, const struct tlskey *k)
{
	struct evbuffer *in = evbuffer_new();
	struct sbuf *req = sbuf_new(PMSG_MAX), *ans = sbuf_new(PMSG_MAX);
	char reason[256];
	uint8_t type;

	if (in == NULL || req == NULL || ans == NULL)
		_exit(2);
	while (pmsg_read_fd(fd, in, &type, req) == PMSG_OK) {
		if (type != PS_SIGN_REQ)
			_exit(3);
		sbuf_reset(ans);
		if (tlskey_dispatch(k, req, ans, reason, sizeof(reason)) != 0)
			_exit(4);
		if (pmsg_write_fd(fd, PS_SIGN_ANS, ans) != PMSG_OK)
			_exit(5);
	}
	_exit(0);
}

static void
test_key_channel_handshake(void **state)
{
	struct hs_opts o = { .version = 0 };
	struct hs h;
	SSL_CTX *sctx;
	int sv[2], st;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		(void)close(sv[0]);
		monitor_child(sv[1], rsa_tk);
	}
	assert_true(pid > 0);
	assert_int_equal(close(sv[1]), 0);
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, mm_key_sign_cb, &sv[0]);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_3_VERSION);
	hs_free(&h);
	SSL_CTX_free(sctx);
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * mm_key_sign against a monitor that answers with answer_type and
 * payload: the exit status of the child that called it (42: refused,
 * 43: signed, 1: fatal).
 */
static int
key_channel_outcome(uint8_t answer_type, uint32_t status, size_t siglen)
{
	struct evbuffer *in = evbuffer_new();
	struct sbuf *req = sbuf_new(4096), *ans = sbuf_new(4096);
	uint8_t digest[32] = { 0 }, sig[PS_SIG_MAX] = { 0 }, type;
	size_t len;
	int sv[2], st, devnull;
	pid_t pid;

	assert_non_null(in);
	assert_non_null(req);
	assert_non_null(ans);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		/* fatal_f's message is expected: keep the output clean. */
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			(void)dup2(devnull, STDERR_FILENO);
		(void)close(sv[1]);
		if (mm_key_sign(sv[0], PS_SIGN_ECDSA, NID_sha256, digest,
		    sizeof(digest), sig, &len, 72) == 0)
			_exit(len == siglen ? 43 : 44);
		_exit(42);
	}
	assert_true(pid > 0);
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(pmsg_read_fd(sv[1], in, &type, req), PMSG_OK);
	assert_int_equal(type, PS_SIGN_REQ);
	assert_int_equal(sbuf_put_u32(ans, status), SBUF_OK);
	assert_int_equal(sbuf_put_string(ans, sig, siglen), SBUF_OK);
	assert_int_equal(pmsg_write_fd(sv[1], answer_type, ans), PMSG_OK);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(close(sv[1]), 0);
	evbuffer_free(in);
	sbuf_free(req);
	sbuf_free(ans);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_key_channel_answers(void **state)
{
	(void)state;
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 0, 70), 43);
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 1, 0), 42);
	/* Another message type, a refusal with a signature, an unknown
	 * status, an empty or oversized signature: all fatal. */
	assert_int_equal(key_channel_outcome(PS_HELLO_ANS, 0, 70), 1);
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 1, 70), 1);
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 2, 0), 1);
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 0, 0), 1);
	assert_int_equal(key_channel_outcome(PS_SIGN_ANS, 0, 73), 1);
}

/* What the monitor agrees to sign. */

static void
expect_refused(const struct tlskey *k, uint32_t op, uint32_t nid,
    const uint8_t *in, size_t inlen, const char *want)
{
	char reason[256];

	memset(reason, 'x', sizeof(reason));
	assert_int_equal(dispatch(k, op, nid, in, inlen, NULL, NULL, reason,
	    sizeof(reason)), 1);
	assert_string_equal(reason, want);
}

static void
test_dispatch_refusals(void **state)
{
	uint8_t blk[256], d[64];

	(void)state;
	assert_int_equal(RAND_bytes(blk, sizeof(blk)), 1);
	assert_int_equal(RAND_bytes(d, sizeof(d)), 1);
	/* A random block, even one that ends like PSS, is not signed. */
	blk[0] &= 0x7f;
	blk[255] = 0xbc;
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_undef, blk, sizeof(blk),
	    "raw block is not an EMSA-PSS encoding under SHA256, SHA384 or "
	    "SHA512");
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha256, blk, sizeof(blk),
	    "raw block is not an EMSA-PSS encoding under SHA256");
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha1, blk, sizeof(blk),
	    "hash nid 64 not allowed");
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha256, blk, 255,
	    "raw block of 255 bytes for a 256-byte key");
	expect_refused(rsa_tk, PS_SIGN_RSA_PKCS1, NID_sha256, d, 31,
	    "digest length 31 does not match SHA256");
	expect_refused(rsa_tk, PS_SIGN_RSA_PKCS1, NID_sha384, d, 32,
	    "digest length 32 does not match SHA384");
	expect_refused(rsa_tk, PS_SIGN_RSA_PKCS1, NID_sha1, d, 20,
	    "hash nid 64 not allowed");
	expect_refused(rsa_tk, PS_SIGN_RSA_PKCS1, NID_md5_sha1, d, 36,
	    "hash nid 114 not allowed");
	expect_refused(rsa_tk, PS_SIGN_ECDSA, NID_sha256, d, 32,
	    "ECDSA operation for the RSA 2048 key");
	expect_refused(ec_tk, PS_SIGN_RSA_PKCS1, NID_sha256, d, 32,
	    "RSA operation for the EC P-256 key");
	expect_refused(ec_tk, PS_SIGN_ECDSA, NID_sha256, d, 20,
	    "digest length 20 does not match SHA256");
	expect_refused(ec_tk, PS_SIGN_ECDSA, NID_sha256, d, 48,
	    "digest length 48 does not match SHA256");
	expect_refused(rsa_tk, 0, NID_sha256, d, 32, "unknown operation 0");
	expect_refused(rsa_tk, 9, NID_sha256, d, 32, "unknown operation 9");
	/* The positive cases these are the negatives of. */
	assert_int_equal(dispatch(rsa_tk, PS_SIGN_RSA_PKCS1, NID_sha256, d,
	    32, NULL, NULL, NULL, 0), 0);
	assert_int_equal(dispatch(ec_tk, PS_SIGN_ECDSA, NID_sha512, d, 64,
	    NULL, NULL, NULL, 0), 0);
}

/* A real PSS block is signed for its own hash only; the result verifies. */
static void
test_dispatch_pss_block(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = TLS1_3_VERSION };
	struct hs h;
	SSL_CTX *sctx;
	EVP_PKEY_CTX *vc;
	uint8_t sig[PS_SIG_MAX], back[PS_SIG_MAX], blk[PS_SIGIN_MAX];
	size_t siglen = 0, backlen = sizeof(back);
	char reason[256];

	(void)state;
	m.key = rsa_tk;
	sctx = server_ctx(rsa_pem, rsa_pemlen, 0, fake_sign, &m);
	run_handshake(sctx, rsa_cert, &o, &h);
	assert_good(&h, TLS1_3_VERSION);
	hs_free(&h);
	SSL_CTX_free(sctx);
	assert_int_equal(m.last_op, PS_SIGN_RSA_RAW);
	assert_int_equal(m.last_inlen, 256);
	memcpy(blk, m.last_in, m.last_inlen);

	assert_int_equal(tlskey_pss_check(blk, 256, 2048, NID_sha256), 0);
	assert_int_equal(tlskey_pss_check(blk, 256, 2048, NID_sha384), -1);
	assert_int_equal(tlskey_pss_check(blk, 256, 2048, NID_sha1), -1);
	assert_int_equal(tlskey_pss_check(blk, 255, 2048, NID_sha256), -1);
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha384, blk, 256,
	    "raw block is not an EMSA-PSS encoding under SHA384");
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha512, blk, 256,
	    "raw block is not an EMSA-PSS encoding under SHA512");
	/* One bit flipped in the masked DB breaks the structure. */
	blk[100] ^= 0x01;
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_sha256, blk, 256,
	    "raw block is not an EMSA-PSS encoding under SHA256");
	expect_refused(rsa_tk, PS_SIGN_RSA_RAW, NID_undef, blk, 256,
	    "raw block is not an EMSA-PSS encoding under SHA256, SHA384 or "
	    "SHA512");
	blk[100] ^= 0x01;
	/* The top bit must be clear (the encoding has modbits - 1 bits). */
	blk[0] ^= 0x80;
	assert_int_equal(tlskey_pss_check(blk, 256, 2048, NID_sha256), -1);
	blk[0] ^= 0x80;
	/* Labelled with its hash, or not labelled: signed. */
	assert_int_equal(dispatch(rsa_tk, PS_SIGN_RSA_RAW, NID_undef, blk,
	    256, sig, &siglen, reason, sizeof(reason)), 0);

	assert_int_equal(dispatch(rsa_tk, PS_SIGN_RSA_RAW, NID_sha256, blk,
	    256, sig, &siglen, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "");
	assert_int_equal(siglen, 256);
	/* The public operation on the signature gives the block back. */
	vc = EVP_PKEY_CTX_new(rsa_key, NULL);
	assert_non_null(vc);
	assert_int_equal(EVP_PKEY_verify_recover_init(vc), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(vc, RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_verify_recover(vc, back, &backlen, sig,
	    siglen), 1);
	assert_int_equal(backlen, 256);
	assert_memory_equal(back, blk, 256);
	EVP_PKEY_CTX_free(vc);
}

/*
 * The PSS check against OpenSSL's own encoder, for moduli of every
 * shape: a whole number of bytes, and 8k + 1 bits (where the encoding is
 * one byte shorter than the modulus and a zero byte leads the block).
 */
static void
test_pss_check_sizes(void **state)
{
	static const unsigned int sizes[] = { 2048, 2049, 2050, 2055, 3072,
	    3073, 4096, 8192 };
	static const int nids[] = { NID_sha256, NID_sha384, NID_sha512 };
	uint8_t em[PS_SIGIN_MAX], mhash[64];
	BIGNUM *n, *e;
	RSA *rsa;
	size_t si, hi, hj, len;
	const EVP_MD *md;

	(void)state;
	assert_int_equal(RAND_bytes(mhash, sizeof(mhash)), 1);
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		/* Only the modulus's size matters to the encoder. */
		n = BN_new();
		e = BN_new();
		rsa = RSA_new();
		assert_non_null(n);
		assert_non_null(e);
		assert_non_null(rsa);
		assert_int_equal(BN_set_bit(n, (int)sizes[si] - 1), 1);
		assert_int_equal(BN_set_bit(n, 0), 1);
		assert_int_equal(BN_set_word(e, 65537), 1);
		assert_int_equal(RSA_set0_key(rsa, n, e, NULL), 1);
		len = (size_t)RSA_size(rsa);
		assert_int_equal(len, (sizes[si] + 7) / 8);
		for (hi = 0; hi < 3; hi++) {
			md = EVP_get_digestbynid(nids[hi]);
			assert_non_null(md);
			assert_int_equal(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em,
			    mhash, md, md, RSA_PSS_SALTLEN_DIGEST), 1);
			for (hj = 0; hj < 3; hj++)
				assert_int_equal(tlskey_pss_check(em, len,
				    sizes[si], nids[hj]), hi == hj ? 0 : -1);
			if (sizes[si] % 8 == 1)
				assert_int_equal(em[0], 0);
			/*
			 * A wrong size; the last byte not 0xbc; a bit set
			 * above the encoding's modbits - 1 bits (for 8k + 1
			 * bits, the whole first byte).
			 */
			assert_int_equal(tlskey_pss_check(em, len,
			    sizes[si] + 8, nids[hi]), -1);
			em[len - 1] ^= 0x01;
			assert_int_equal(tlskey_pss_check(em, len, sizes[si],
			    nids[hi]), -1);
			em[len - 1] ^= 0x01;
			em[0] |= sizes[si] % 8 == 1 ? 0x01 : 0x80;
			assert_int_equal(tlskey_pss_check(em, len, sizes[si],
			    nids[hi]), -1);
			/* A salt of another length is not what TLS makes. */
			assert_int_equal(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em,
			    mhash, md, md, 20), 1);
			assert_int_equal(tlskey_pss_check(em, len, sizes[si],
			    nids[hi]), -1);
			/* MGF1 with another hash neither. */
			assert_int_equal(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em,
			    mhash, md, EVP_sha1(), RSA_PSS_SALTLEN_DIGEST), 1);
			assert_int_equal(tlskey_pss_check(em, len, sizes[si],
			    nids[hi]), -1);
		}
		RSA_free(rsa);
	}
}

static void
expect_malformed(struct sbuf *req)
{
	struct sbuf *ans = sbuf_new(4096);
	char reason[256];

	assert_non_null(ans);
	assert_int_equal(tlskey_dispatch(rsa_tk, req, ans, reason,
	    sizeof(reason)), -1);
	assert_non_null(strstr(reason, "malformed sign request"));
	/* Nothing is answered to a malformed request. */
	assert_int_equal(sbuf_len(ans), 0);
	sbuf_free(ans);
	sbuf_free(req);
}

static void
test_dispatch_malformed(void **state)
{
	uint8_t d[PS_SIGIN_MAX + 1] = { 0 };
	struct sbuf *req;

	(void)state;
	/* Truncated: the op alone. */
	req = sbuf_new(4096);
	assert_int_equal(sbuf_put_u32(req, PS_SIGN_RSA_PKCS1), SBUF_OK);
	expect_malformed(req);
	/* Truncated inside the string. */
	req = sbuf_new(4096);
	assert_int_equal(sbuf_put_u32(req, PS_SIGN_RSA_PKCS1), SBUF_OK);
	assert_int_equal(sbuf_put_u32(req, NID_sha256), SBUF_OK);
	assert_int_equal(sbuf_put_u32(req, 32), SBUF_OK);
	assert_int_equal(sbuf_put(req, d, 31), SBUF_OK);
	expect_malformed(req);
	/* Trailing bytes. */
	req = sbuf_new(4096);
	assert_int_equal(sbuf_put_u32(req, PS_SIGN_RSA_PKCS1), SBUF_OK);
	assert_int_equal(sbuf_put_u32(req, NID_sha256), SBUF_OK);
	assert_int_equal(sbuf_put_string(req, d, 32), SBUF_OK);
	assert_int_equal(sbuf_put_u8(req, 0), SBUF_OK);
	expect_malformed(req);
	/* Input over PS_SIGIN_MAX. */
	req = sbuf_new(4096);
	assert_int_equal(sbuf_put_u32(req, PS_SIGN_RSA_RAW), SBUF_OK);
	assert_int_equal(sbuf_put_u32(req, NID_sha256), SBUF_OK);
	assert_int_equal(sbuf_put_string(req, d, sizeof(d)), SBUF_OK);
	expect_malformed(req);
	/* Empty. */
	req = sbuf_new(4096);
	expect_malformed(req);
}

/* Loading TLSKey. */

/* want with $K and $C replaced by the key and certificate paths. */
static void
expect_load_error(const char *key, const char *cert, const char *want)
{
	char kp[PATH_MAX], cp[PATH_MAX], err[512], full[2 * PATH_MAX];
	const char *w;
	size_t o = 0, n;

	tpath(kp, sizeof(kp), key);
	tpath(cp, sizeof(cp), cert);
	assert_null(tlskey_load(kp, cp, err, sizeof(err)));
	for (w = want; *w != '\0' && o < sizeof(full) - 1; w++) {
		if (w[0] == '$' && (w[1] == 'K' || w[1] == 'C')) {
			n = strlen(w[1] == 'K' ? kp : cp);
			assert_true(o + n < sizeof(full));
			memcpy(full + o, w[1] == 'K' ? kp : cp, n);
			o += n;
			w++;
		} else
			full[o++] = *w;
	}
	full[o] = '\0';
	assert_string_equal(err, full);
}

static void
test_tlskey_load(void **state)
{
	char kp[PATH_MAX];
	BIO *bio;
	EVP_PKEY *p521;
	char *s;
	size_t len;

	(void)state;
	assert_string_equal(tlskey_desc(rsa_tk), "RSA 2048");
	assert_string_equal(tlskey_desc(ec_tk), "EC P-256");

	expect_load_error("rsa.key", "ec.crt",
	    "$K does not match the certificate in $C");
	expect_load_error("rsa1024.key", "rsa1024.crt",
	    "$K: RSA key of 1024 bits; it must have 2048 to 8192");
	tpath(kp, sizeof(kp), "rsa-open.key");
	expect_load_error("rsa-open.key", "rsa.crt",
	    "UNPROTECTED SECRET FILE: $K is accessible by group or others "
	    "(mode 0644); it must be 0600 or stricter");
	expect_load_error("missing.key", "rsa.crt",
	    "$K: No such file or directory");
	expect_load_error("rsa.key", "missing.crt",
	    "$C: No such file or directory");

	write_key("ed.key", ed_key, 0600);
	expect_load_error("ed.key", "rsa.crt",
	    "$K: key type ED25519 not supported (RSA or EC only)");
	p521 = gen_ec("P-521");
	write_key("p521.key", p521, 0600);
	EVP_PKEY_free(p521);
	expect_load_error("p521.key", "rsa.crt",
	    "$K: EC curve secp521r1 not supported (P-256 or P-384 only)");

	/* An encrypted key: refused, never a prompt. */
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, rsa_key,
	    EVP_aes_256_cbc(), (const unsigned char *)"secret", 6, NULL, NULL),
	    1);
	s = bio_text(bio, &len);
	write_file("enc.key", s, len, 0600);
	free(s);
	BIO_free(bio);
	expect_load_error("enc.key", "rsa.crt",
	    "$K: encrypted private keys are not supported");

	write_file("garbage.key", "not a key\n", 10, 0600);
	tpath(kp, sizeof(kp), "garbage.key");
	{
		char cp[PATH_MAX], err[512];

		tpath(cp, sizeof(cp), "rsa.crt");
		assert_null(tlskey_load(kp, cp, err, sizeof(err)));
		assert_true(strncmp(err, kp, strlen(kp)) == 0);
	}
}

static void
test_tls_ctx_errors(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct tls_params p;
	char err[512], *pem;
	size_t len;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.cert_pem = "garbage";
	p.cert_pemlen = 7;
	assert_null(tls_ctx_new(&p, fake_sign, &m, err, sizeof(err)));
	assert_true(strncmp(err, "tls: certificate: ", 18) == 0);

	/* An Ed25519 certificate cannot be proxied. */
	pem = cert_pem(ed_cert, &len);
	p.cert_pem = pem;
	p.cert_pemlen = len;
	assert_null(tls_ctx_new(&p, fake_sign, &m, err, sizeof(err)));
	assert_string_equal(err,
	    "tls: certificate key type ED25519 not supported (RSA or EC only)");
	free(pem);

	/* An RSA-1024 certificate fails the security level. */
	pem = cert_pem(rsa1024_cert, &len);
	p.cert_pem = pem;
	p.cert_pemlen = len;
	assert_null(tls_ctx_new(&p, fake_sign, &m, err, sizeof(err)));
	assert_true(strncmp(err, "tls: certificate not usable: ", 29) == 0);
	free(pem);

	/* A client CA text without a certificate. */
	p.cert_pem = rsa_pem;
	p.cert_pemlen = rsa_pemlen;
	p.ca_pem = "nothing here\n";
	p.ca_pemlen = 13;
	assert_null(tls_ctx_new(&p, fake_sign, &m, err, sizeof(err)));
	assert_true(strncmp(err, "tls: client CA: no certificate", 30) == 0);
	assert_int_equal(m.calls, 0);
}

/* mTLS: the handshake's verdict, and the monitor's own. */

static void
peer_chain(SSL *s, uint8_t ***der, size_t **derlen, size_t *n, long *verdict)
{
	assert_int_equal(tls_peer_chain(s, der, derlen, n, verdict), 0);
}

static void
test_mtls_handshakes(void **state)
{
	struct fake_monitor m = { .key = NULL };
	struct hs_opts o = { .version = 0 };
	struct hs h;
	SSL_CTX *sctx;
	uint8_t **der;
	size_t *derlen, n;
	long verdict;
	char *id, fp[13], reason[256];
	int v;
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };
	size_t vi;

	(void)state;
	m.key = ec_tk;
	sctx = server_ctx(ec_pem, ec_pemlen, 1, fake_sign, &m);
	for (vi = 0; vi < 2; vi++) {
		v = versions[vi];
		o.version = v;

		o.cert = cli_good;
		run_handshake(sctx, ec_cert, &o, &h);
		assert_good(&h, v);
		peer_chain(h.s, &der, &derlen, &n, &verdict);
		assert_int_equal(n, 1);
		assert_int_equal(verdict, X509_V_OK);
		assert_int_equal(mtls_verify(mv_email,
		    (const uint8_t *const *)der, derlen, n, time(NULL), &id,
		    fp, reason, sizeof(reason)), 0);
		assert_string_equal(id, "alice@example.com");
		free(id);
		tls_chain_free(der, derlen, n);
		hs_free(&h);

		/* Failed verifications complete the handshake: the
		 * monitor decides. */
		o.cert = cli_expired;
		run_handshake(sctx, ec_cert, &o, &h);
		assert_good(&h, v);
		peer_chain(h.s, &der, &derlen, &n, &verdict);
		assert_int_equal(n, 1);
		assert_int_equal(verdict, X509_V_ERR_CERT_HAS_EXPIRED);
		assert_int_equal(mtls_verify(mv_email,
		    (const uint8_t *const *)der, derlen, n, time(NULL), &id,
		    fp, reason, sizeof(reason)), -1);
		assert_string_equal(reason, "mtls: certificate has expired");
		tls_chain_free(der, derlen, n);
		hs_free(&h);

		o.cert = cli_revoked;
		run_handshake(sctx, ec_cert, &o, &h);
		assert_good(&h, v);
		peer_chain(h.s, &der, &derlen, &n, &verdict);
		assert_int_equal(verdict, X509_V_ERR_CERT_REVOKED);
		tls_chain_free(der, derlen, n);
		hs_free(&h);

		o.cert = cli_other;
		run_handshake(sctx, ec_cert, &o, &h);
		assert_good(&h, v);
		peer_chain(h.s, &der, &derlen, &n, &verdict);
		assert_int_equal(verdict,
		    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
		tls_chain_free(der, derlen, n);
		hs_free(&h);

		o.cert = NULL;
		run_handshake(sctx, ec_cert, &o, &h);
		assert_good(&h, v);
		peer_chain(h.s, &der, &derlen, &n, &verdict);
		assert_int_equal(n, 0);
		assert_null(der);
		assert_int_equal(verdict, X509_V_ERR_APPLICATION_VERIFICATION);
		hs_free(&h);
	}
	SSL_CTX_free(sctx);

	/* Without ca_pem, no certificate is asked for. */
	sctx = server_ctx(ec_pem, ec_pemlen, 0, fake_sign, &m);
	o.version = 0;
	o.cert = cli_good;
	run_handshake(sctx, ec_cert, &o, &h);
	assert_good(&h, TLS1_3_VERSION);
	peer_chain(h.s, &der, &derlen, &n, &verdict);
	assert_int_equal(n, 0);
	assert_int_equal(verdict, X509_V_ERR_APPLICATION_VERIFICATION);
	hs_free(&h);
	SSL_CTX_free(sctx);
}

/* mTLS: the monitor's verification, from DER. */

struct der {
	uint8_t	*p;
	size_t	 len;
};

static struct der
to_der(X509 *x)
{
	struct der d;
	unsigned char *q;
	int len = i2d_X509(x, NULL);

	assert_true(len > 0);
	d.p = malloc((size_t)len + 1);
	assert_non_null(d.p);
	q = d.p;
	assert_int_equal(i2d_X509(x, &q), len);
	d.len = (size_t)len;
	return d;
}

static int
verify1(const struct mtls_verifier *v, X509 *x, time_t now, char **id,
    char fp[13], char *reason, size_t reasonlen)
{
	struct der d = to_der(x);
	const uint8_t *p = d.p;
	int r;

	r = mtls_verify(v, &p, &d.len, 1, now, id, fp, reason, reasonlen);
	free(d.p);
	return r;
}

static void
expect_mtls(const struct mtls_verifier *v, X509 *x, time_t now,
    const char *want)
{
	char *id = (char *)"sentinel", fp[13], reason[256];

	assert_int_equal(verify1(v, x, now, &id, fp, reason, sizeof(reason)),
	    -1);
	assert_null(id);
	assert_string_equal(reason, want);
}

static void
test_mtls_identities(void **state)
{
	struct der d = to_der(cli_good);
	unsigned char md[32];
	char *id, fp[13], want[13], reason[256];
	int i;

	(void)state;
	assert_int_equal(verify1(mv_email, cli_good, time(NULL), &id, fp,
	    reason, sizeof(reason)), 0);
	assert_string_equal(id, "alice@example.com");
	free(id);
	assert_int_equal(verify1(mv_uri, cli_good, time(NULL), &id, fp,
	    reason, sizeof(reason)), 0);
	assert_string_equal(id, "spiffe://example.com/alice");
	free(id);
	assert_int_equal(verify1(mv_cn, cli_good, time(NULL), &id, fp,
	    reason, sizeof(reason)), 0);
	assert_string_equal(id, "alice");
	free(id);
	/* The fingerprint: the leaf DER's SHA-256, 12 hex digits. */
	assert_int_equal(EVP_Digest(d.p, d.len, md, NULL, EVP_sha256(), NULL),
	    1);
	for (i = 0; i < 6; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(fp, want);
	free(d.p);
}

static void
test_mtls_refusals(void **state)
{
	(void)state;
	expect_mtls(mv_email, cli_other, time(NULL),
	    "mtls: unable to get local issuer certificate");
	expect_mtls(mv_email, cli_expired, time(NULL),
	    "mtls: certificate has expired");
	expect_mtls(mv_email, cli_revoked, time(NULL),
	    "mtls: certificate revoked");
	/* The monitor's clock, not the certificate's, decides. */
	expect_mtls(mv_email, cli_good, time(NULL) + 60 * DAY,
	    "mtls: certificate has expired");
	expect_mtls(mv_email, cli_good, time(NULL) - 2 * DAY,
	    "mtls: certificate is not yet valid");
	/* A CA certificate is not a client certificate. */
	expect_mtls(mv_email, ca_cert, time(NULL),
	    "mtls: unsuitable certificate purpose");
	expect_mtls(mv_email, cli_nosan, time(NULL),
	    "mtls: no identity (san-email) in certificate");
	expect_mtls(mv_uri, cli_revoked, time(NULL),
	    "mtls: certificate revoked");
	expect_mtls(mv_uri, cli_nosan, time(NULL),
	    "mtls: no identity (san-uri) in certificate");
	expect_mtls(mv_cn, cli_ctlcn, time(NULL),
	    "mtls: identity with a control character");
	expect_mtls(mv_cn, cli_twocn, time(NULL),
	    "mtls: more than one CN in certificate");
}

static void
test_mtls_no_crl(void **state)
{
	struct mtls_verifier *v = verifier(MTLS_ID_SAN_EMAIL, 0);
	const char *ca, *crl;
	size_t calen, crllen;
	char *id, fp[13], reason[256];

	(void)state;
	/* Without TLSClientCRL nothing is revoked. */
	assert_int_equal(verify1(v, cli_revoked, time(NULL), &id, fp, reason,
	    sizeof(reason)), 0);
	assert_string_equal(id, "mallory@example.com");
	free(id);
	assert_int_equal(mtls_pem(v, &ca, &calen, &crl, &crllen), 0);
	assert_non_null(ca);
	assert_true(calen > 0 && strncmp(ca, "-----BEGIN CERTIFICATE-----",
	    27) == 0);
	assert_null(crl);
	assert_int_equal(crllen, 0);
	mtls_free(v);
}

static void
test_mtls_bad_der(void **state)
{
	struct der d = to_der(cli_good);
	const uint8_t *p = d.p, *garbage;
	const uint8_t *two[PS_CHAIN_MAX + 1];
	size_t len, lens[PS_CHAIN_MAX + 1];
	char *id = NULL, fp[13], reason[256];
	int i;

	(void)state;
	/* Truncated. */
	len = d.len - 1;
	assert_int_equal(mtls_verify(mv_email, &p, &len, 1, time(NULL), &id,
	    fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: bad DER");
	assert_null(id);
	/* A trailing byte after the certificate. */
	d.p[d.len] = 0;
	len = d.len + 1;
	assert_int_equal(mtls_verify(mv_email, &p, &len, 1, time(NULL), &id,
	    fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: bad DER");
	/* Garbage, and empty. */
	garbage = (const uint8_t *)"\x30\x03xyz";
	len = 5;
	assert_int_equal(mtls_verify(mv_email, &garbage, &len, 1, time(NULL),
	    &id, fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: bad DER");
	len = 0;
	assert_int_equal(mtls_verify(mv_email, &p, &len, 1, time(NULL), &id,
	    fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: bad DER");
	/* A good leaf with a bad intermediate. */
	two[0] = d.p;
	lens[0] = d.len;
	two[1] = d.p;
	lens[1] = 10;
	assert_int_equal(mtls_verify(mv_email, two, lens, 2, time(NULL), &id,
	    fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: bad DER");
	/* No certificate; too many. */
	assert_int_equal(mtls_verify(mv_email, two, lens, 0, time(NULL), &id,
	    fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: no client certificate");
	for (i = 0; i <= PS_CHAIN_MAX; i++) {
		two[i] = d.p;
		lens[i] = d.len;
	}
	assert_int_equal(mtls_verify(mv_email, two, lens, PS_CHAIN_MAX + 1,
	    time(NULL), &id, fp, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "mtls: more than 10 certificates");
	free(d.p);
}

/*
 * TLSClientCRL covers the whole chain: root, intermediate, leaf, and a
 * CRL of each CA.  The root revoking the intermediate refuses the leaf,
 * which no CRL names; a CA of the chain without a CRL refuses it too.
 */
static void
test_mtls_crl_chain(void **state)
{
	EVP_PKEY *rk = gen_ec("P-256"), *ik = gen_ec("P-256");
	X509 *root, *inter, *leaf;
	struct mtls_verifier *v;
	struct der dl, di;
	const uint8_t *chain[2];
	size_t lens[2], len, len2;
	char ca[PATH_MAX], crlpath[PATH_MAX], err[256], reason[256];
	char *id = NULL, fp[13], *p, *c1, *c2, *both;
	int revoked;

	(void)state;
	root = mkcert(rk, NULL, NULL, 1, "chain root", NULL, 1, -1, 3650,
	    NULL, NULL);
	inter = mkcert(ik, rk, root, 2, "chain intermediate", NULL, 1, -1,
	    3650, NULL, NULL);
	leaf = mkcert(cli_key, ik, inter, 3, "frank", NULL, 0, -1, 30,
	    "email:frank@example.com", "clientAuth");
	dl = to_der(leaf);
	di = to_der(inter);
	chain[0] = dl.p;
	lens[0] = dl.len;
	chain[1] = di.p;
	lens[1] = di.len;
	p = cert_pem(root, &len);
	write_file("chainca.pem", p, len, 0644);
	free(p);
	tpath(ca, sizeof(ca), "chainca.pem");
	tpath(crlpath, sizeof(crlpath), "chain.crl");
	for (revoked = 0; revoked <= 1; revoked++) {
		/* Serial 99 is no one's: a CRL that revokes nothing here. */
		c1 = mkcrl(root, rk, revoked ? 2 : 99, &len);
		c2 = mkcrl(inter, ik, 99, &len2);
		assert_non_null(both = malloc(len + len2));
		memcpy(both, c1, len);
		memcpy(both + len, c2, len2);
		write_file("chain.crl", both, len + len2, 0644);
		v = mtls_new(ca, crlpath, MTLS_ID_SAN_EMAIL, err, sizeof(err));
		if (v == NULL)
			fail_msg("mtls_new: %s", err);
		if (!revoked) {
			assert_int_equal(mtls_verify(v, chain, lens, 2,
			    time(NULL), &id, fp, reason, sizeof(reason)), 0);
			assert_string_equal(id, "frank@example.com");
			free(id);
			id = NULL;
		} else {
			assert_int_equal(mtls_verify(v, chain, lens, 2,
			    time(NULL), &id, fp, reason, sizeof(reason)), -1);
			assert_string_equal(reason,
			    "mtls: certificate revoked");
			assert_null(id);
		}
		mtls_free(v);
		/* Only the intermediate's CRL: the root has none. */
		write_file("chain.crl", c2, len2, 0644);
		v = mtls_new(ca, crlpath, MTLS_ID_SAN_EMAIL, err, sizeof(err));
		if (v == NULL)
			fail_msg("mtls_new: %s", err);
		assert_int_equal(mtls_verify(v, chain, lens, 2, time(NULL),
		    &id, fp, reason, sizeof(reason)), -1);
		assert_string_equal(reason,
		    "mtls: unable to get certificate CRL");
		mtls_free(v);
		free(both);
		free(c1);
		free(c2);
	}
	free(dl.p);
	free(di.p);
	X509_free(leaf);
	X509_free(inter);
	X509_free(root);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(rk);
}

/* x5t#S256 (RFC 8705): SHA-256 of the DER, unpadded base64url. */
static void
test_mtls_x5t(void **state)
{
	struct der d = to_der(cli_good);
	unsigned char md[32];
	unsigned int mdlen = sizeof(md);
	char x5t[MTLS_X5T_LEN + 1], want[MTLS_X5T_LEN + 1];

	(void)state;
	assert_int_equal(mtls_x5t(d.p, d.len, x5t), 0);
	assert_int_equal(strlen(x5t), MTLS_X5T_LEN);
	assert_int_equal(EVP_Digest(d.p, d.len, md, &mdlen, EVP_sha256(),
	    NULL), 1);
	assert_int_equal(b64url_encode(md, sizeof(md), want,
	    sizeof(want)), MTLS_X5T_LEN);
	assert_string_equal(x5t, want);
	assert_null(strpbrk(x5t, "=+/"));
	free(d.p);
}

static void
test_mtls_new_errors(void **state)
{
	char ca[PATH_MAX], bad[PATH_MAX], err[512], want[PATH_MAX + 64];

	(void)state;
	tpath(ca, sizeof(ca), "clientca.pem");
	tpath(bad, sizeof(bad), "empty.pem");
	write_file("empty.pem", "no pem here\n", 12, 0644);
	assert_null(mtls_new(bad, NULL, MTLS_ID_SAN_EMAIL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: no certificate", bad);
	assert_string_equal(err, want);
	assert_null(mtls_new(ca, bad, MTLS_ID_SAN_EMAIL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: no CRL", bad);
	assert_string_equal(err, want);
	assert_null(mtls_new(ca, NULL, 7, err, sizeof(err)));
	assert_string_equal(err, "mtls_new: bad arguments");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_tls13),
		cmocka_unit_test(test_rsa_tls12_pss),
		cmocka_unit_test(test_rsa_tls12_pkcs1),
		cmocka_unit_test(test_ec_tls13_and_12),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_tls11_refused),
		cmocka_unit_test(test_cbc_refused),
		cmocka_unit_test(test_sha1_sigalg_refused),
		cmocka_unit_test(test_renegotiation_refused),
		cmocka_unit_test(test_key_channel_handshake),
		cmocka_unit_test(test_key_channel_answers),
		cmocka_unit_test(test_dispatch_refusals),
		cmocka_unit_test(test_dispatch_pss_block),
		cmocka_unit_test(test_pss_check_sizes),
		cmocka_unit_test(test_dispatch_malformed),
		cmocka_unit_test(test_tlskey_load),
		cmocka_unit_test(test_tls_ctx_errors),
		cmocka_unit_test(test_mtls_handshakes),
		cmocka_unit_test(test_mtls_identities),
		cmocka_unit_test(test_mtls_refusals),
		cmocka_unit_test(test_mtls_no_crl),
		cmocka_unit_test(test_mtls_bad_der),
		cmocka_unit_test(test_mtls_crl_chain),
		cmocka_unit_test(test_mtls_x5t),
		cmocka_unit_test(test_mtls_new_errors),
	};
	char err[256];

	if (tls_init_early(err, sizeof(err)) != 0) {
		fprintf(stderr, "tls_init_early: %s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
