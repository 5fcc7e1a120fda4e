/*
 * TLS in the net process: mcpd's TLS policy, the certificate chain, and a
 * proxy private key through which the monitor makes every signature a
 * handshake needs (key offloading; see tls.h).
 *
 * The proxy key is an RSA or EC_KEY object built from the certificate's
 * public key with a method of our own (RSA_METHOD, EC_KEY_METHOD) whose
 * private-key operations call the sign callback.  OpenSSL 3 calls such
 * keys "foreign" and keeps them on its legacy code path, where these
 * methods are still honoured; the deprecated API is used on purpose here,
 * and only here.  The private key itself never enters this process.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */

/* The RSA_METHOD and EC_KEY_METHOD interfaces are deprecated in 3.0. */
#define OPENSSL_SUPPRESS_DEPRECATED	1

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "errbuf.h"
#include "osslerr.h"
#include "proto.h"
#include "tls.h"

/*
 * The policy (mcpd(8), SECURITY, TLS).  TLS 1.2 and 1.3 only; in 1.2 only
 * ECDHE with an AEAD cipher (forward secrecy, no CBC, and no RSA key
 * exchange, which would need a decryption oracle in the monitor); the
 * server's order.
 */
#define TLS_CIPHERS_12	"ECDHE-ECDSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:" \
			"ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_SUITES_13	"TLS_AES_128_GCM_SHA256:" \
			"TLS_AES_256_GCM_SHA384:" \
			"TLS_CHACHA20_POLY1305_SHA256"
/*
 * SHA-2 only.  RSA PKCS#1 v1.5 is offered for TLS 1.2 clients; OpenSSL
 * never uses it for a TLS 1.3 handshake signature.  The same list is sent
 * in a CertificateRequest, so it binds client certificates as well.
 */
#define TLS_SIGALGS	"ECDSA+SHA256:ECDSA+SHA384:" \
			"rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:" \
			"rsa_pss_rsae_sha512:" \
			"RSA+SHA256:RSA+SHA384:RSA+SHA512"
#define TLS_GROUPS	"X25519:P-256:P-384"
/* Security level 2: RSA and DH >= 2048 bits, ECC >= 224, no SHA-1. */
#define TLS_SECLEVEL	2
/*
 * The largest certificate message a client may send (bytes): real client
 * chains are a few kB; OpenSSL's default is 100 kB.
 */
#define TLS_CERT_LIST_MAX	(64 * 1024)
/* Certificates in our own chain, and client CAs and CRLs we load. */
#define TLS_CHAIN_CERTS_MAX	16
#define TLS_CLIENT_CA_MAX	256
#define TLS_CRL_MAX		256
/* Room for any EC public point (P-521 uncompressed: 133 bytes). */
#define TLS_EC_POINT_MAX	133
#define TLS_GROUP_NAME_MAX	64

/* Where a proxy key sends its operations. */
struct tls_signer {
	tls_sign_fn	 fn;
	void		*ctx;
};

static RSA_METHOD	*proxy_rsa_meth;
static EC_KEY_METHOD	*proxy_ec_meth;
static int		 rsa_signer_idx = -1;
static int		 ec_signer_idx = -1;
static int		 verdict_idx = -1;

/* The digest an ECDSA signature covers is known by its length alone. */
static int
nid_for_digest_len(size_t len)
{
	switch (len) {
	case 32:
		return NID_sha256;
	case 48:
		return NID_sha384;
	case 64:
		return NID_sha512;
	default:
		return NID_undef;
	}
}

/* The proxy RSA key. */

/* PKCS#1 v1.5 (TLS 1.2): OpenSSL hands us the digest and its type. */
static int
proxy_rsa_sign(int type, const unsigned char *m, unsigned int mlen,
    unsigned char *sigret, unsigned int *siglen, const RSA *rsa)
{
	const struct tls_signer *s = RSA_get_ex_data(rsa, rsa_signer_idx);
	size_t len = 0, max = (size_t)RSA_size(rsa);

	*siglen = 0;
	if (s == NULL || s->fn(s->ctx, PS_SIGN_RSA_PKCS1, type, m, mlen,
	    sigret, &len, max) != 0 || len != max)
		return 0;
	*siglen = (unsigned int)len;
	return 1;
}

/*
 * RSA-PSS (TLS 1.3, and 1.2 where the client prefers it): OpenSSL has
 * already made the EMSA-PSS block and asks for the raw private-key
 * operation on it, without telling which hash it used, so the hash goes
 * as NID_undef: the monitor signs the block only if it is a PSS encoding
 * under one of the hashes it allows.
 */
static int
proxy_rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	const struct tls_signer *s = RSA_get_ex_data(rsa, rsa_signer_idx);
	size_t len = 0, max = (size_t)RSA_size(rsa);

	if (s == NULL || padding != RSA_NO_PADDING || flen <= 0 ||
	    (size_t)flen != max)
		return -1;
	if (s->fn(s->ctx, PS_SIGN_RSA_RAW, NID_undef, from, max, to, &len,
	    max) != 0 || len != max)
		return -1;
	return (int)len;
}

/* No cipher suite we allow decrypts with the server key. */
static int
proxy_rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	return -1;
}

/* The proxy EC key. */

static int
proxy_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	const struct tls_signer *s = EC_KEY_get_ex_data(ec, ec_signer_idx);
	size_t len = 0;
	int max = ECDSA_size(ec);

	*siglen = 0;
	if (s == NULL || dlen <= 0 || max <= 0 || kinv != NULL || r != NULL)
		return 0;
	if (s->fn(s->ctx, PS_SIGN_ECDSA, nid_for_digest_len((size_t)dlen),
	    dgst, (size_t)dlen, sig, &len, (size_t)max) != 0 || len == 0)
		return 0;
	*siglen = (unsigned int)len;
	return 1;
}

/* ECDSA_do_sign() callers get the same operation, decoded. */
static ECDSA_SIG *
proxy_ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char der[PS_SIG_MAX];
	const unsigned char *p = der;
	unsigned int len;

	if (ECDSA_size(ec) > (int)sizeof(der) ||
	    proxy_ec_sign(0, dgst, dlen, der, &len, kinv, r, ec) != 1)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, (long)len);
}

static void
signer_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	free(ptr);
}

/* The methods and ex_data indexes, made once per process. */
static int
tls_globals(char *err, size_t errlen)
{
	RSA_METHOD *rm = NULL;
	EC_KEY_METHOD *em = NULL;

	if (proxy_rsa_meth != NULL && proxy_ec_meth != NULL)
		return 0;
	if (rsa_signer_idx == -1)
		rsa_signer_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL,
		    signer_free);
	if (ec_signer_idx == -1)
		ec_signer_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
		    signer_free);
	if (verdict_idx == -1)
		verdict_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (rsa_signer_idx == -1 || ec_signer_idx == -1 || verdict_idx == -1)
		goto fail;
	if ((rm = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(rm, "mcpd monitor RSA key") != 1 ||
	    RSA_meth_set_sign(rm, proxy_rsa_sign) != 1 ||
	    RSA_meth_set_priv_enc(rm, proxy_rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rm, proxy_rsa_priv_dec) != 1)
		goto fail;
	if ((em = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
		goto fail;
	EC_KEY_METHOD_set_sign(em, proxy_ec_sign, NULL, proxy_ec_sign_sig);
	proxy_rsa_meth = rm;
	proxy_ec_meth = em;
	return 0;
 fail:
	RSA_meth_free(rm);
	EC_KEY_METHOD_free(em);
	ossl_seterr(err, errlen, "tls: ", "proxy key methods");
	return -1;
}

static struct tls_signer *
signer_new(const struct tls_signer *tmpl)
{
	struct tls_signer *s;

	if ((s = malloc(sizeof(*s))) != NULL)
		*s = *tmpl;
	return s;
}

static EVP_PKEY *
proxy_rsa_key(EVP_PKEY *pub, const struct tls_signer *tmpl, char *err,
    size_t errlen)
{
	BIGNUM *n = NULL, *e = NULL;
	RSA *rsa = NULL;
	EVP_PKEY *pk = NULL;
	struct tls_signer *s = NULL;

	if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    (rsa = RSA_new()) == NULL ||
	    RSA_set0_key(rsa, n, e, NULL) != 1)
		goto fail;
	n = e = NULL;
	if (RSA_set_method(rsa, proxy_rsa_meth) != 1)
		goto fail;
	RSA_set_flags(rsa, RSA_FLAG_EXT_PKEY);
	if ((s = signer_new(tmpl)) == NULL ||
	    RSA_set_ex_data(rsa, rsa_signer_idx, s) != 1)
		goto fail;
	s = NULL;
	if ((pk = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_RSA(pk, rsa) != 1)
		goto fail;
	return pk;
 fail:
	ossl_seterr(err, errlen, "tls: ", "RSA proxy key");
	free(s);
	EVP_PKEY_free(pk);
	RSA_free(rsa);
	BN_free(n);
	BN_free(e);
	return NULL;
}

static EVP_PKEY *
proxy_ec_key(EVP_PKEY *pub, const struct tls_signer *tmpl, char *err,
    size_t errlen)
{
	char group[TLS_GROUP_NAME_MAX];
	unsigned char pt[TLS_EC_POINT_MAX];
	size_t glen, ptlen;
	EC_KEY *ec = NULL;
	EVP_PKEY *pk = NULL;
	struct tls_signer *s = NULL;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1) {
		ossl_seterr(err, errlen, "tls: ",
		    "certificate EC key has no named curve");
		return NULL;
	}
	if ((nid = OBJ_txt2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
		ERR_clear_error();
		seterr(err, errlen, "tls: certificate EC curve %s not "
		    "supported (P-256 or P-384 only)", group);
		return NULL;
	}
	if (EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &ptlen) != 1 ||
	    (ec = EC_KEY_new_by_curve_name(nid)) == NULL ||
	    EC_KEY_oct2key(ec, pt, ptlen, NULL) != 1 ||
	    EC_KEY_set_method(ec, proxy_ec_meth) != 1)
		goto fail;
	if ((s = signer_new(tmpl)) == NULL ||
	    EC_KEY_set_ex_data(ec, ec_signer_idx, s) != 1)
		goto fail;
	s = NULL;
	if ((pk = EVP_PKEY_new()) == NULL ||
	    EVP_PKEY_assign_EC_KEY(pk, ec) != 1)
		goto fail;
	return pk;
 fail:
	ossl_seterr(err, errlen, "tls: ", "EC proxy key");
	free(s);
	EVP_PKEY_free(pk);
	EC_KEY_free(ec);
	return NULL;
}

/* A private key that has only the public half and asks the monitor. */
static EVP_PKEY *
proxy_key(X509 *leaf, const struct tls_signer *tmpl, char *err,
    size_t errlen)
{
	EVP_PKEY *pub;

	if ((pub = X509_get0_pubkey(leaf)) == NULL) {
		ossl_seterr(err, errlen, "tls: ", "certificate public key");
		return NULL;
	}
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		return proxy_rsa_key(pub, tmpl, err, errlen);
	case EVP_PKEY_EC:
		return proxy_ec_key(pub, tmpl, err, errlen);
	default:
		seterr(err, errlen, "tls: certificate key type %s not "
		    "supported (RSA or EC only)", EVP_PKEY_get0_type_name(pub));
		return NULL;
	}
}

static BIO *
pem_bio(const char *pem, size_t len, const char *what, char *err,
    size_t errlen)
{
	BIO *bio;

	if (pem == NULL || len == 0 || len > INT_MAX) {
		seterr(err, errlen, "tls: %s: empty or too large", what);
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		ossl_seterr(err, errlen, "tls: ", what);
	return bio;
}

/* The leaf and its chain, in that order, from cert_pem. */
static int
load_chain(SSL_CTX *ctx, const struct tls_params *p, X509 **leafp,
    char *err, size_t errlen)
{
	BIO *bio;
	X509 *x = NULL;
	int n, ret = -1;

	*leafp = NULL;
	if ((bio = pem_bio(p->cert_pem, p->cert_pemlen, "certificate",
	    err, errlen)) == NULL)
		return -1;
	if ((*leafp = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		ossl_seterr(err, errlen, "tls: ", "certificate");
		goto out;
	}
	if (SSL_CTX_use_certificate(ctx, *leafp) != 1) {
		ossl_seterr(err, errlen, "tls: ", "certificate not usable");
		goto out;
	}
	for (n = 0;; n++) {
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
			break;
		if (n >= TLS_CHAIN_CERTS_MAX) {
			seterr(err, errlen, "tls: more than %d chain "
			    "certificates", TLS_CHAIN_CERTS_MAX);
			goto out;
		}
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			ossl_seterr(err, errlen, "tls: ",
			    "chain certificate not usable");
			goto out;
		}
		x = NULL;
	}
	if (!ossl_pem_at_end()) {
		ossl_seterr(err, errlen, "tls: ", "chain certificate");
		goto out;
	}
	ret = 0;
 out:
	X509_free(x);
	BIO_free(bio);
	if (ret != 0) {
		X509_free(*leafp);
		*leafp = NULL;
	}
	return ret;
}

/* The verdict lives in SSL ex_data as a pointer-sized code + 1. */
static void *
verdict_to_ptr(int code)
{
	if (code <= X509_V_OK)
		code = X509_V_ERR_UNSPECIFIED;
	return (void *)((uintptr_t)code + 1);
}

static long
ptr_to_verdict(const void *p)
{
	return (long)((uintptr_t)p - 1);
}

/*
 * Client certificate verification in the handshake records the first
 * error and lets the handshake go on.  Not failing here is deliberate:
 * the net process is not trusted to decide, so the monitor verifies the
 * chain again itself and alone decides (and audits why), and a client
 * without an acceptable certificate may still authenticate another way
 * (AuthMode).  Proof of possession is not weakened by this: OpenSSL
 * checks the client's CertificateVerify signature regardless of what
 * this callback returns.
 */
static int
verify_record(int ok, X509_STORE_CTX *xctx)
{
	SSL *ssl;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL)
		return 0;
	if (SSL_get_ex_data(ssl, verdict_idx) != NULL)
		return 1;
	/* Unable to record the error: fail closed. */
	return SSL_set_ex_data(ssl, verdict_idx,
	    verdict_to_ptr(X509_STORE_CTX_get_error(xctx))) == 1;
}

/* Ask for client certificates, and check them against the CAs and CRL. */
static int
client_certs(SSL_CTX *ctx, const struct tls_params *p, char *err,
    size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	X509_CRL *crl = NULL;
	X509 *x = NULL;
	BIO *bio;
	int n, ret = -1;

	if ((bio = pem_bio(p->ca_pem, p->ca_pemlen, "client CA", err,
	    errlen)) == NULL)
		return -1;
	for (n = 0; (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL;
	    n++) {
		if (n >= TLS_CLIENT_CA_MAX) {
			seterr(err, errlen, "tls: more than %d client CA "
			    "certificates", TLS_CLIENT_CA_MAX);
			goto out;
		}
		/* The CA names tell clients which certificate to pick. */
		if (X509_STORE_add_cert(store, x) != 1 ||
		    SSL_CTX_add_client_CA(ctx, x) != 1) {
			ossl_seterr(err, errlen, "tls: ",
			    "client CA not usable");
			goto out;
		}
		X509_free(x);
		x = NULL;
	}
	if (!ossl_pem_at_end() || n == 0) {
		ossl_seterr(err, errlen, "tls: ", "client CA: no certificate");
		goto out;
	}
	BIO_free(bio);
	bio = NULL;
	if (p->crl_pem != NULL) {
		if ((bio = pem_bio(p->crl_pem, p->crl_pemlen, "client CRL",
		    err, errlen)) == NULL)
			goto out;
		for (n = 0; (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL,
		    NULL)) != NULL; n++) {
			if (n >= TLS_CRL_MAX) {
				seterr(err, errlen, "tls: more than %d CRLs",
				    TLS_CRL_MAX);
				goto out;
			}
			if (X509_STORE_add_crl(store, crl) != 1) {
				ossl_seterr(err, errlen, "tls: ",
				    "client CRL not usable");
				goto out;
			}
			X509_CRL_free(crl);
			crl = NULL;
		}
		if (!ossl_pem_at_end() || n == 0) {
			ossl_seterr(err, errlen, "tls: ", "client CRL: no CRL");
			goto out;
		}
		/*
		 * Every CA of the chain must have a CRL, and each
		 * certificate is checked against its issuer's, as the
		 * monitor checks (src/monitor/mtls.c).
		 */
		if (X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL) != 1) {
			ossl_seterr(err, errlen, "tls: ", "client CRL");
			goto out;
		}
	}
	/*
	 * Asked for, never required: no FAIL_IF_NO_PEER_CERT, and a verify
	 * callback that records instead of failing (see verify_record).
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
	    verify_record);
	SSL_CTX_set_verify_depth(ctx, PS_CHAIN_MAX);
	ret = 0;
 out:
	X509_CRL_free(crl);
	X509_free(x);
	BIO_free(bio);
	return ret;
}

static int
set_policy(SSL_CTX *ctx, char *err, size_t errlen)
{
	static const unsigned char sidctx[] = "mcpd";

	SSL_CTX_set_security_level(ctx, TLS_SECLEVEL);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ossl_seterr(err, errlen, "tls: ", "protocol versions");
		return -1;
	}
	/*
	 * No session tickets and no server-side session cache: resuming
	 * would need a ticket key or cached master secrets, which are
	 * secrets, and this process holds none.  Every connection makes a
	 * full handshake.  Renegotiation and compression are off for their
	 * known attacks; early data is off with resumption.  Decrypted
	 * records are cleared once read: they hold clients' credentials.
	 */
	(void)SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_CLEANSE_PLAINTEXT);
	(void)SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	(void)SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1 ||
	    SSL_CTX_set_max_early_data(ctx, 0) != 1 ||
	    SSL_CTX_set_recv_max_early_data(ctx, 0) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, sidctx,
	    sizeof(sidctx) - 1) != 1) {
		ossl_seterr(err, errlen, "tls: ", "session settings");
		return -1;
	}
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TLS_SUITES_13) != 1) {
		ossl_seterr(err, errlen, "tls: ", "cipher suites");
		return -1;
	}
	if (SSL_CTX_set1_sigalgs_list(ctx, TLS_SIGALGS) != 1) {
		ossl_seterr(err, errlen, "tls: ", "signature algorithms");
		return -1;
	}
	if (SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
		ossl_seterr(err, errlen, "tls: ", "groups");
		return -1;
	}
	(void)SSL_CTX_set_max_cert_list(ctx, TLS_CERT_LIST_MAX);
	/* Our chain is exactly what cert_pem holds: never the client CAs. */
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
	return 0;
}

int
tls_init_early(char *err, size_t errlen)
{
	unsigned char seed[32];
	SSL_CTX *ctx;
	int r;

	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) {
		ossl_seterr(err, errlen, "tls: ", "OpenSSL initialisation");
		return -1;
	}
	if (tls_globals(err, errlen) != 0)
		return -1;
	/*
	 * Certificate times go through gmtime_r(), whose first call in the
	 * process reads /etc/localtime: do that now, while the file can
	 * still be opened.
	 */
	tzset();
	/* The first draw instantiates and seeds each DRBG. */
	r = RAND_bytes(seed, sizeof(seed)) == 1 &&
	    RAND_priv_bytes(seed, sizeof(seed)) == 1;
	OPENSSL_cleanse(seed, sizeof(seed));
	if (!r) {
		ossl_seterr(err, errlen, "tls: ", "random generator");
		return -1;
	}
	/*
	 * A throwaway context with the policy applied makes libssl fetch
	 * every cipher, digest, signature and group it will need, while
	 * the providers can still be loaded.
	 */
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ossl_seterr(err, errlen, "tls: ", "SSL_CTX_new");
		return -1;
	}
	r = set_policy(ctx, err, errlen);
	SSL_CTX_free(ctx);
	return r;
}

SSL_CTX *
tls_ctx_new(const struct tls_params *p, tls_sign_fn sign, void *signctx,
    char *err, size_t errlen)
{
	struct tls_signer tmpl;
	SSL_CTX *ctx = NULL;
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;

	if (p == NULL || sign == NULL) {
		seterr(err, errlen, "tls_ctx_new: bad arguments");
		return NULL;
	}
	if (tls_globals(err, errlen) != 0)
		return NULL;
	ERR_clear_error();
	tmpl.fn = sign;
	tmpl.ctx = signctx;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ossl_seterr(err, errlen, "tls: ", "SSL_CTX_new");
		return NULL;
	}
	if (set_policy(ctx, err, errlen) != 0 ||
	    load_chain(ctx, p, &leaf, err, errlen) != 0 ||
	    (key = proxy_key(leaf, &tmpl, err, errlen)) == NULL)
		goto fail;
	/* This also checks that the key is the certificate's. */
	if (SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		ossl_seterr(err, errlen, "tls: ", "proxy key not usable");
		goto fail;
	}
	if (p->ca_pem != NULL && client_certs(ctx, p, err, errlen) != 0)
		goto fail;
	EVP_PKEY_free(key);
	X509_free(leaf);
	return ctx;
 fail:
	EVP_PKEY_free(key);
	X509_free(leaf);
	SSL_CTX_free(ctx);
	return NULL;
}

static int
chain_add(X509 *x, uint8_t **der, size_t *derlen)
{
	unsigned char *q;
	int len;

	if ((len = i2d_X509(x, NULL)) <= 0 || (size_t)len > PS_CERT_MAX)
		return -1;
	if ((*der = malloc((size_t)len)) == NULL)
		return -1;
	q = *der;
	if (i2d_X509(x, &q) != len) {
		free(*der);
		*der = NULL;
		return -1;
	}
	*derlen = (size_t)len;
	return 0;
}

int
tls_peer_chain(SSL *ssl, uint8_t ***derp, size_t **derlenp, size_t *np,
    long *verdict)
{
	STACK_OF(X509) *chain;
	X509 *leaf;
	uint8_t **der = NULL;
	size_t *derlen = NULL, n = 0, max, i;
	const void *rec;

	*derp = NULL;
	*derlenp = NULL;
	*np = 0;
	*verdict = X509_V_ERR_APPLICATION_VERIFICATION;
	if ((leaf = SSL_get0_peer_certificate(ssl)) == NULL)
		return 0;
	if ((rec = SSL_get_ex_data(ssl, verdict_idx)) != NULL)
		*verdict = ptr_to_verdict(rec);
	else
		*verdict = SSL_get_verify_result(ssl);
	/* On a server, the peer's chain does not include its leaf. */
	chain = SSL_get_peer_cert_chain(ssl);
	max = 1 + (chain == NULL ? 0 : (size_t)sk_X509_num(chain));
	if (max > PS_CHAIN_MAX)
		max = PS_CHAIN_MAX;
	if ((der = calloc(max, sizeof(*der))) == NULL ||
	    (derlen = calloc(max, sizeof(*derlen))) == NULL)
		goto fail;
	if (chain_add(leaf, &der[0], &derlen[0]) != 0)
		goto fail;
	/*
	 * An intermediate that cannot be sent ends the chain there: the
	 * monitor's verification then fails on its own terms.
	 */
	for (n = 1, i = 0; n < max; n++, i++) {
		if (chain_add(sk_X509_value(chain, (int)i), &der[n],
		    &derlen[n]) != 0)
			break;
	}
	*derp = der;
	*derlenp = derlen;
	*np = n;
	return 0;
 fail:
	tls_chain_free(der, derlen, max);
	*verdict = X509_V_ERR_APPLICATION_VERIFICATION;
	return -1;
}

void
tls_chain_free(uint8_t **der, size_t *derlen, size_t n)
{
	size_t i;

	if (der != NULL) {
		for (i = 0; i < n; i++)
			free(der[i]);
	}
	free(der);
	free(derlen);
}
