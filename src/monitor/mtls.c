/*
 * Re-verification of client certificates in the monitor (see mtls.h).
 *
 * The net process's handshake already checked the chain, but that
 * process parses everything a client sends and may be compromised; so
 * the monitor verifies the DER it forwards from scratch with its own
 * copy of the CAs and CRLs, and alone decides.  (What the monitor cannot
 * check is that the client proved possession of the leaf's key: that
 * happened in the handshake, in the net process.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "b64url.h"
#include "config.h"
#include "errbuf.h"
#include "osslerr.h"
#include "fileio.h"
#include "hex.h"
#include "mtls.h"
#include "proto.h"

#define MTLS_CA_MAX	256	/* certificates in TLSClientCA */
#define MTLS_CRL_MAX	256	/* CRLs in TLSClientCRL */
#define MTLS_FP_BYTES	6	/* 12 hex digits */

struct mtls_verifier {
	X509_STORE	*store;
	int		 kind;		/* MTLS_ID_* */
	char		*ca_pem;
	size_t		 ca_pemlen;
	char		*crl_pem;	/* NULL: no CRL */
	size_t		 crl_pemlen;
};

static const char *
kind_name(int kind)
{
	switch (kind) {
	case MTLS_ID_SAN_EMAIL:
		return "san-email";
	case MTLS_ID_SAN_URI:
		return "san-uri";
	case MTLS_ID_SUBJECT_CN:
		return "subject-cn";
	default:
		return "unknown";
	}
}

/* The whole file, NUL-terminated (for convenience; *lenp excludes it). */
static int
read_pem(const char *path, char **pemp, size_t *lenp, char *err,
    size_t errlen)
{
	uint8_t *buf = NULL;
	char *pem;
	size_t len = 0;
	int fd, ret = -1;

	*pemp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (read_fd_capped_err(fd, MTLS_PEM_MAX, path, &buf, &len, err,
	    errlen) != 0)
		goto out;
	if (len == 0) {
		seterr(err, errlen, "%s: empty", path);
		goto out;
	}
	if ((pem = malloc(len + 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	memcpy(pem, buf, len);
	pem[len] = '\0';
	*pemp = pem;
	*lenp = len;
	ret = 0;
 out:
	free(buf);
	if (close(fd) == -1 && ret == 0) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		free(*pemp);
		*pemp = NULL;
		*lenp = 0;
		ret = -1;
	}
	return ret;
}

static int
load_cas(X509_STORE *store, const char *path, const char *pem, size_t len,
    char *err, size_t errlen)
{
	BIO *bio;
	X509 *x;
	int n, ret = -1;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		ossl_seterr(err, errlen, "", path);
		return -1;
	}
	for (n = 0; (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL;
	    n++) {
		if (n >= MTLS_CA_MAX || X509_STORE_add_cert(store, x) != 1) {
			X509_free(x);
			if (n >= MTLS_CA_MAX)
				seterr(err, errlen, "%s: more than %d "
				    "certificates", path, MTLS_CA_MAX);
			else
				ossl_seterr(err, errlen, "", path);
			goto out;
		}
		X509_free(x);
	}
	if (!ossl_pem_at_end())
		ossl_seterr(err, errlen, "", path);
	else if (n == 0)
		seterr(err, errlen, "%s: no certificate", path);
	else
		ret = 0;
 out:
	BIO_free(bio);
	return ret;
}

static int
load_crls(X509_STORE *store, const char *path, const char *pem, size_t len,
    char *err, size_t errlen)
{
	BIO *bio;
	X509_CRL *crl;
	int n, ret = -1;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		ossl_seterr(err, errlen, "", path);
		return -1;
	}
	for (n = 0; (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) !=
	    NULL; n++) {
		if (n >= MTLS_CRL_MAX || X509_STORE_add_crl(store, crl) != 1) {
			X509_CRL_free(crl);
			if (n >= MTLS_CRL_MAX)
				seterr(err, errlen, "%s: more than %d CRLs",
				    path, MTLS_CRL_MAX);
			else
				ossl_seterr(err, errlen, "", path);
			goto out;
		}
		X509_CRL_free(crl);
	}
	if (!ossl_pem_at_end())
		ossl_seterr(err, errlen, "", path);
	else if (n == 0)
		seterr(err, errlen, "%s: no CRL", path);
	else
		ret = 0;
 out:
	BIO_free(bio);
	return ret;
}

struct mtls_verifier *
mtls_new(const char *ca_path, const char *crl_path, int identity_kind,
    char *err, size_t errlen)
{
	struct mtls_verifier *v;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ca_path == NULL || (identity_kind != MTLS_ID_SAN_EMAIL &&
	    identity_kind != MTLS_ID_SAN_URI &&
	    identity_kind != MTLS_ID_SUBJECT_CN)) {
		seterr(err, errlen, "mtls_new: bad arguments");
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		seterr(err, errlen, "%s: out of memory", ca_path);
		return NULL;
	}
	v->kind = identity_kind;
	ERR_clear_error();
	if ((v->store = X509_STORE_new()) == NULL) {
		ossl_seterr(err, errlen, "", "X509_STORE_new");
		goto fail;
	}
	if (read_pem(ca_path, &v->ca_pem, &v->ca_pemlen, err, errlen) != 0 ||
	    load_cas(v->store, ca_path, v->ca_pem, v->ca_pemlen, err,
	    errlen) != 0)
		goto fail;
	if (crl_path != NULL) {
		if (read_pem(crl_path, &v->crl_pem, &v->crl_pemlen, err,
		    errlen) != 0 ||
		    load_crls(v->store, crl_path, v->crl_pem, v->crl_pemlen,
		    err, errlen) != 0)
			goto fail;
		/*
		 * Every certificate of the chain is checked against its
		 * issuer's CRL, the intermediate CAs' as well as the
		 * leaf's: a revoked intermediate revokes what it issued.
		 * So each CA of the chain must have a CRL in the file.
		 */
		if (X509_STORE_set_flags(v->store, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL) != 1) {
			ossl_seterr(err, errlen, "", crl_path);
			goto fail;
		}
	}
	return v;
 fail:
	mtls_free(v);
	return NULL;
}

void
mtls_free(struct mtls_verifier *v)
{
	if (v == NULL)
		return;
	X509_STORE_free(v->store);
	free(v->ca_pem);
	free(v->crl_pem);
	free(v);
}

int
mtls_pem(const struct mtls_verifier *v, const char **ca, size_t *calen,
    const char **crl, size_t *crllen)
{
	*ca = v->ca_pem;
	*calen = v->ca_pemlen;
	*crl = v->crl_pem;
	*crllen = v->crl_pemlen;
	return 0;
}

/*
 * Copy an identity out, refusing what would be ambiguous or unsafe in a
 * User line, a log or an audit record: empty, longer than the cap, a C0
 * or C1 control character or DEL anywhere, or (ascii_only, for the
 * IA5String SANs) a byte outside ASCII.
 */
static int
identity_copy(const unsigned char *s, int len, int ascii_only,
    char **out, char *reason, size_t reasonlen)
{
	int i;

	if (len > MTLS_IDENTITY_MAX) {
		seterr(reason, reasonlen, "mtls: identity longer than %d bytes",
		    MTLS_IDENTITY_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 &&
		    i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)) {
			seterr(reason, reasonlen, "mtls: identity with a "
			    "control character");
			return -1;
		}
		if (ascii_only && s[i] >= 0x80) {
			seterr(reason, reasonlen, "mtls: identity with a "
			    "non-ASCII byte");
			return -1;
		}
	}
	if ((*out = malloc((size_t)len + 1)) == NULL) {
		seterr(reason, reasonlen, "mtls: out of memory");
		return -1;
	}
	memcpy(*out, s, (size_t)len);
	(*out)[len] = '\0';
	return 0;
}

/* 1 if found (identity set), 0 if none, -1 on a bad one. */
static int
identity_san(X509 *leaf, int gentype, char **out, char *reason,
    size_t reasonlen)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const ASN1_IA5STRING *s = NULL;
	int i, crit = 0, ret = 0;

	/* Two SAN extensions (crit == -2) would be ambiguous: none found. */
	if ((gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit,
	    NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && s == NULL; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == gentype && gentype == GEN_EMAIL)
			s = g->d.rfc822Name;
		else if (g->type == gentype && gentype == GEN_URI)
			s = g->d.uniformResourceIdentifier;
	}
	if (s != NULL && ASN1_STRING_length(s) > 0) {
		ret = identity_copy(ASN1_STRING_get0_data(s),
		    ASN1_STRING_length(s), 1, out, reason, reasonlen) == 0 ?
		    1 : -1;
	}
	GENERAL_NAMES_free(gens);
	return ret;
}

static int
identity_cn(X509 *leaf, char **out, char *reason, size_t reasonlen)
{
	const X509_NAME *subj = X509_get_subject_name(leaf);
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int idx, len, ret;

	if ((idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1)) < 0)
		return 0;
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, idx) >= 0) {
		seterr(reason, reasonlen, "mtls: more than one CN in "
		    "certificate");
		return -1;
	}
	e = X509_NAME_get_entry(subj, idx);
	if ((len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(e))) < 0) {
		ERR_clear_error();
		seterr(reason, reasonlen, "mtls: bad CN encoding");
		return -1;
	}
	if (len == 0)
		ret = 0;
	else
		ret = identity_copy(utf8, len, 0, out, reason, reasonlen) ==
		    0 ? 1 : -1;
	OPENSSL_free(utf8);
	return ret;
}

static void
fingerprint(const uint8_t *der, size_t len, char fp[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	fp[0] = '\0';
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < MTLS_FP_BYTES) {
		ERR_clear_error();
		return;
	}
	hex_encode(md, MTLS_FP_BYTES, fp);
}

int
mtls_x5t(const uint8_t *der, size_t len, char x5t[MTLS_X5T_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	x5t[0] = '\0';
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		ERR_clear_error();
		return -1;
	}
	if (b64url_encode(md, mdlen, x5t, MTLS_X5T_LEN + 1) !=
	    MTLS_X5T_LEN)
		return -1;
	return 0;
}

/* Decode each DER certificate; all of it must be one certificate. */
static int
decode_chain(const uint8_t *const *der, const size_t *derlen, size_t n,
    X509 **leafp, STACK_OF(X509) **restp)
{
	const unsigned char *p;
	X509 *x;
	size_t i;

	*leafp = NULL;
	if ((*restp = sk_X509_new_null()) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (der[i] == NULL || derlen[i] == 0 ||
		    derlen[i] > PS_CERT_MAX)
			return -1;
		p = der[i];
		if ((x = d2i_X509(NULL, &p, (long)derlen[i])) == NULL)
			return -1;
		if (p != der[i] + derlen[i] ||
		    (i > 0 && sk_X509_push(*restp, x) <= 0)) {
			X509_free(x);
			return -1;
		}
		if (i == 0)
			*leafp = x;
	}
	return 0;
}

int
mtls_verify(const struct mtls_verifier *v, const uint8_t *const *der,
    const size_t *derlen, size_t n, time_t now, char **identity,
    char fp[13], char *reason, size_t reasonlen)
{
	X509_STORE_CTX *xctx = NULL;
	STACK_OF(X509) *rest = NULL;
	X509 *leaf = NULL;
	int r, ret = -1;

	*identity = NULL;
	fp[0] = '\0';
	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	ERR_clear_error();
	if (n == 0) {
		seterr(reason, reasonlen, "mtls: no client certificate");
		return -1;
	}
	if (n > PS_CHAIN_MAX) {
		seterr(reason, reasonlen, "mtls: more than %d certificates",
		    PS_CHAIN_MAX);
		return -1;
	}
	if (decode_chain(der, derlen, n, &leaf, &rest) != 0) {
		ERR_clear_error();
		seterr(reason, reasonlen, "mtls: bad DER");
		goto out;
	}
	fingerprint(der[0], derlen[0], fp);
	if ((xctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(xctx, v->store, leaf, rest) != 1 ||
	    X509_STORE_CTX_set_default(xctx, "ssl_client") != 1) {
		ossl_seterr(reason, reasonlen, "", "mtls: verification setup");
		goto out;
	}
	X509_STORE_CTX_set_time(xctx, 0, now);
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(xctx),
	    PS_CHAIN_MAX);
	if (X509_verify_cert(xctx) != 1) {
		/* An internal failure (< 0) may leave no X509_V_ERR code. */
		if ((r = X509_STORE_CTX_get_error(xctx)) == X509_V_OK)
			r = X509_V_ERR_UNSPECIFIED;
		seterr(reason, reasonlen, "mtls: %s",
		    X509_verify_cert_error_string(r));
		ERR_clear_error();
		goto out;
	}
	switch (v->kind) {
	case MTLS_ID_SAN_EMAIL:
		r = identity_san(leaf, GEN_EMAIL, identity, reason, reasonlen);
		break;
	case MTLS_ID_SAN_URI:
		r = identity_san(leaf, GEN_URI, identity, reason, reasonlen);
		break;
	default:
		r = identity_cn(leaf, identity, reason, reasonlen);
		break;
	}
	if (r == 0)
		seterr(reason, reasonlen, "mtls: no identity (%s) in "
		    "certificate", kind_name(v->kind));
	if (r == 1)
		ret = 0;
 out:
	X509_STORE_CTX_free(xctx);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	if (ret != 0) {
		free(*identity);
		*identity = NULL;
	}
	return ret;
}
