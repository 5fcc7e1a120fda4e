/*
 * TLSKey in the monitor: loading it, and the private-key operations the
 * net process may ask for during TLS handshakes (see tlskey.h).
 *
 * What the monitor signs is chosen by the net process, which is not
 * trusted: each request is held to the shape a handshake produces, so
 * that the key can serve as a TLS signing key and nothing else.  Above
 * all, the raw RSA operation that RSA-PSS needs is made only on a block
 * that is a PSS encoding, never on arbitrary input (which would make the
 * monitor a decryption oracle for anything encrypted to the key).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "errbuf.h"
#include "osslerr.h"
#include "fileio.h"
#include "proto.h"
#include "sbuf.h"
#include "secretfile.h"
#include "tlskey.h"
#include "xmalloc.h"

#define TLSKEY_RSA_MIN_BITS	2048
/* The largest key whose blocks and signatures fit the privsep caps. */
#define TLSKEY_RSA_MAX_BITS	(PS_SIG_MAX * 8)
#define TLSKEY_DESC_MAX		32
#define TLSKEY_GROUP_MAX	64

struct tlskey {
	EVP_PKEY	*pkey;
	int		 type;		/* EVP_PKEY_RSA or EVP_PKEY_EC */
	unsigned int	 bits;		/* RSA modulus bits */
	size_t		 rsasize;	/* RSA modulus bytes */
	char		 desc[TLSKEY_DESC_MAX];
};

/* An encrypted key would make OpenSSL prompt on the terminal: refuse. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	int *asked = u;

	*asked = 1;
	return -1;
}

static EVP_PKEY *
read_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int fd, asked = 0;

	if ((fd = open(path, SECRET_FILE_OPEN_FLAGS)) == -1) {
		secret_file_open_error(path, errno, err, errlen);
		return NULL;
	}
	if (secret_file_check(fd, path, err, errlen) != 0)
		goto out;
	if (read_fd_capped_err(fd, TLSKEY_FILE_MAX, path, &buf, &len, err,
	    errlen) != 0)
		goto out;
	/* A failed lock is counted for the daemon to report; not fatal. */
	(void)secret_lock(buf, len);
	if (len == 0) {
		seterr(err, errlen, "%s: empty", path);
		goto out;
	}
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		ossl_seterr(err, errlen, "", path);
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	if (pkey == NULL) {
		if (asked) {
			ERR_clear_error();
			seterr(err, errlen, "%s: encrypted private keys are "
			    "not supported", path);
		} else
			ossl_seterr(err, errlen, "", path);
	}
 out:
	BIO_free(bio);
	if (buf != NULL) {
		secret_unlock_wipe(buf, len);
		free(buf);
	}
	if (close(fd) == -1 && pkey != NULL) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/* The first certificate in path: the leaf. */
static X509 *
read_leaf(const char *path, char *err, size_t errlen)
{
	X509 *x = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (read_fd_capped_err(fd, TLSCERT_FILE_MAX, path, &buf, &len, err,
	    errlen) != 0)
		goto out;
	ERR_clear_error();
	if (len == 0 || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		ossl_seterr(err, errlen, "", path);
 out:
	BIO_free(bio);
	free(buf);
	if (close(fd) == -1 && x != NULL) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* NID_X9_62_prime256v1 or NID_secp384r1 for an EC key; else NID_undef. */
static int
ec_curve(const EVP_PKEY *pkey, char *name, size_t namelen)
{
	size_t len;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, namelen, &len) != 1) {
		(void)snprintf(name, namelen, "(unnamed)");
		return NID_undef;
	}
	if ((nid = OBJ_txt2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
		return NID_undef;
	return nid;
}

static int
check_key(struct tlskey *k, const char *path, char *err, size_t errlen)
{
	char group[TLSKEY_GROUP_MAX];
	int bits;

	switch (EVP_PKEY_get_base_id(k->pkey)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(k->pkey);
		if (bits < TLSKEY_RSA_MIN_BITS || bits > TLSKEY_RSA_MAX_BITS) {
			seterr(err, errlen, "%s: RSA key of %d bits; it must "
			    "have %d to %d", path, bits, TLSKEY_RSA_MIN_BITS,
			    TLSKEY_RSA_MAX_BITS);
			return -1;
		}
		k->type = EVP_PKEY_RSA;
		k->bits = (unsigned int)bits;
		k->rsasize = (size_t)EVP_PKEY_get_size(k->pkey);
		(void)snprintf(k->desc, sizeof(k->desc), "RSA %d", bits);
		return 0;
	case EVP_PKEY_EC:
		switch (ec_curve(k->pkey, group, sizeof(group))) {
		case NID_X9_62_prime256v1:
			(void)snprintf(k->desc, sizeof(k->desc), "EC P-256");
			break;
		case NID_secp384r1:
			(void)snprintf(k->desc, sizeof(k->desc), "EC P-384");
			break;
		default:
			ERR_clear_error();
			seterr(err, errlen, "%s: EC curve %s not supported "
			    "(P-256 or P-384 only)", path, group);
			return -1;
		}
		k->type = EVP_PKEY_EC;
		return 0;
	default:
		seterr(err, errlen, "%s: key type %s not supported (RSA or EC "
		    "only)", path, EVP_PKEY_get0_type_name(k->pkey));
		return -1;
	}
}

struct tlskey *
tlskey_load(const char *key_path, const char *cert_path, char *err,
    size_t errlen)
{
	struct tlskey *k;
	X509 *leaf = NULL;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (key_path == NULL || cert_path == NULL) {
		seterr(err, errlen, "tlskey_load: bad arguments");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		seterr(err, errlen, "%s: out of memory", key_path);
		return NULL;
	}
	if ((k->pkey = read_key(key_path, err, errlen)) == NULL ||
	    check_key(k, key_path, err, errlen) != 0 ||
	    (leaf = read_leaf(cert_path, err, errlen)) == NULL)
		goto fail;
	ERR_clear_error();
	if (X509_check_private_key(leaf, k->pkey) != 1) {
		ERR_clear_error();
		seterr(err, errlen, "%s does not match the certificate in %s",
		    key_path, cert_path);
		goto fail;
	}
	X509_free(leaf);
	return k;
 fail:
	X509_free(leaf);
	tlskey_free(k);
	return NULL;
}

void
tlskey_free(struct tlskey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	freezero(k, sizeof(*k));
}

const char *
tlskey_desc(const struct tlskey *k)
{
	return k == NULL ? "none" : k->desc;
}

/* mask = MGF1(seed), RFC 8017 B.2.1. */
static int
mgf1(uint8_t *mask, size_t len, const uint8_t *seed, size_t seedlen,
    const EVP_MD *md)
{
	EVP_MD_CTX *c;
	uint8_t d[EVP_MAX_MD_SIZE], ctr[4];
	unsigned int dlen;
	uint32_t i;
	size_t off, n;
	int ret = -1;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return -1;
	for (i = 0, off = 0; off < len; i++, off += n) {
		ctr[0] = (uint8_t)(i >> 24);
		ctr[1] = (uint8_t)(i >> 16);
		ctr[2] = (uint8_t)(i >> 8);
		ctr[3] = (uint8_t)i;
		if (EVP_DigestInit_ex(c, md, NULL) != 1 ||
		    EVP_DigestUpdate(c, seed, seedlen) != 1 ||
		    EVP_DigestUpdate(c, ctr, sizeof(ctr)) != 1 ||
		    EVP_DigestFinal_ex(c, d, &dlen) != 1)
			goto out;
		n = len - off < dlen ? len - off : dlen;
		memcpy(mask + off, d, n);
	}
	ret = 0;
 out:
	EVP_MD_CTX_free(c);
	return ret;
}

int
tlskey_pss_check(const uint8_t *blk, size_t blklen, unsigned int modbits,
    int hash_nid)
{
	const EVP_MD *md;
	uint8_t db[PS_SIGIN_MAX] = { 0 };
	const uint8_t *em;
	size_t emlen, hlen, dblen, i, pslen;
	unsigned int embits, topbits;

	switch (hash_nid) {
	case NID_sha256:
		md = EVP_sha256();
		break;
	case NID_sha384:
		md = EVP_sha384();
		break;
	case NID_sha512:
		md = EVP_sha512();
		break;
	default:
		return -1;
	}
	if (blk == NULL || modbits < 2 || blklen > sizeof(db) ||
	    blklen != ((size_t)modbits + 7) / 8)
		return -1;
	/* The encoding has modbits - 1 bits (RFC 8017 8.1.1). */
	embits = modbits - 1;
	emlen = ((size_t)embits + 7) / 8;
	em = blk;
	if (emlen < blklen) {
		/* modbits = 8k + 1: a whole zero byte in front. */
		if (blk[0] != 0)
			return -1;
		em++;
	}
	hlen = (size_t)EVP_MD_get_size(md);
	/* The salt is as long as the hash: hash, salt, 0x01 and 0xbc. */
	if (emlen < 2 * hlen + 2 || em[emlen - 1] != 0xbc)
		return -1;
	topbits = (unsigned int)(8 * emlen - embits);
	if ((em[0] & (uint8_t)~(0xffU >> topbits)) != 0)
		return -1;
	dblen = emlen - hlen - 1;
	if (mgf1(db, dblen, em + dblen, hlen, md) != 0)
		return -1;
	for (i = 0; i < dblen; i++)
		db[i] ^= em[i];
	db[0] &= (uint8_t)(0xffU >> topbits);
	/* DB = PS (zeros) || 0x01 || salt. */
	pslen = dblen - hlen - 1;
	for (i = 0; i < pslen; i++) {
		if (db[i] != 0)
			return -1;
	}
	return db[pslen] == 0x01 ? 0 : -1;
}

static const EVP_MD *
md_for_nid(uint32_t nid)
{
	switch (nid) {
	case NID_sha256:
		return EVP_sha256();
	case NID_sha384:
		return EVP_sha384();
	case NID_sha512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/*
 * One EVP_PKEY_sign with the given padding (RSA only) and digest (NULL:
 * the input is signed as it is).  0 with the signature, or -1.
 */
static int
pkey_sign(const struct tlskey *k, int padding, const EVP_MD *md,
    const uint8_t *in, size_t inlen, uint8_t *sig, size_t *siglen,
    char *reason, size_t reasonlen)
{
	EVP_PKEY_CTX *c;
	int ok;

	ERR_clear_error();
	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL) {
		ossl_seterr(reason, reasonlen, "", "signing");
		return -1;
	}
	ok = EVP_PKEY_sign_init(c) == 1 &&
	    (padding == 0 || EVP_PKEY_CTX_set_rsa_padding(c, padding) == 1) &&
	    (md == NULL || EVP_PKEY_CTX_set_signature_md(c, md) == 1) &&
	    EVP_PKEY_sign(c, sig, siglen, in, inlen) == 1;
	EVP_PKEY_CTX_free(c);
	if (!ok) {
		ossl_seterr(reason, reasonlen, "", "signing");
		return -1;
	}
	return 0;
}

static int
sign_rsa(const struct tlskey *k, uint32_t op, uint32_t nid, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t *siglen, char *reason,
    size_t reasonlen)
{
	static const int pss_nids[] = { NID_sha256, NID_sha384, NID_sha512 };
	const EVP_MD *md;
	size_t i;

	if (k->type != EVP_PKEY_RSA) {
		seterr(reason, reasonlen, "RSA operation for the %s key",
		    k->desc);
		return -1;
	}
	if (op == PS_SIGN_RSA_PKCS1) {
		if ((md = md_for_nid(nid)) == NULL) {
			seterr(reason, reasonlen, "hash nid %u not allowed",
			    (unsigned int)nid);
			return -1;
		}
		if (inlen != (size_t)EVP_MD_get_size(md)) {
			seterr(reason, reasonlen, "digest length %zu does not "
			    "match %s", inlen, EVP_MD_get0_name(md));
			return -1;
		}
		return pkey_sign(k, RSA_PKCS1_PADDING, md, in, inlen, sig,
		    siglen, reason, reasonlen);
	}
	if (inlen != k->rsasize) {
		seterr(reason, reasonlen, "raw block of %zu bytes for a "
		    "%zu-byte key", inlen, k->rsasize);
		return -1;
	}
	if (nid == NID_undef) {
		/* The net process cannot know the hash (see tlskey.h). */
		for (i = 0; i < sizeof(pss_nids) / sizeof(pss_nids[0]); i++) {
			if (tlskey_pss_check(in, inlen, k->bits,
			    pss_nids[i]) == 0)
				break;
		}
		if (i == sizeof(pss_nids) / sizeof(pss_nids[0])) {
			seterr(reason, reasonlen, "raw block is not an "
			    "EMSA-PSS encoding under SHA256, SHA384 or SHA512");
			return -1;
		}
	} else if ((md = md_for_nid(nid)) == NULL) {
		seterr(reason, reasonlen, "hash nid %u not allowed",
		    (unsigned int)nid);
		return -1;
	} else if (tlskey_pss_check(in, inlen, k->bits, (int)nid) != 0) {
		seterr(reason, reasonlen, "raw block is not an EMSA-PSS "
		    "encoding under %s", EVP_MD_get0_name(md));
		return -1;
	}
	return pkey_sign(k, RSA_NO_PADDING, NULL, in, inlen, sig, siglen,
	    reason, reasonlen);
}

static int
sign_ecdsa(const struct tlskey *k, uint32_t nid, const uint8_t *in,
    size_t inlen, uint8_t *sig, size_t *siglen, char *reason,
    size_t reasonlen)
{
	const EVP_MD *md;

	if (k->type != EVP_PKEY_EC) {
		seterr(reason, reasonlen, "ECDSA operation for the %s key",
		    k->desc);
		return -1;
	}
	if ((md = md_for_nid(nid)) == NULL) {
		seterr(reason, reasonlen, "hash nid %u not allowed",
		    (unsigned int)nid);
		return -1;
	}
	if (inlen != (size_t)EVP_MD_get_size(md)) {
		seterr(reason, reasonlen, "digest length %zu does not match %s",
		    inlen, EVP_MD_get0_name(md));
		return -1;
	}
	return pkey_sign(k, 0, NULL, in, inlen, sig, siglen, reason,
	    reasonlen);
}

int
tlskey_dispatch(const struct tlskey *k, struct sbuf *req, struct sbuf *ans,
    char *reason, size_t reasonlen)
{
	uint8_t sig[PS_SIG_MAX];
	const uint8_t *in;
	size_t inlen, siglen = sizeof(sig);
	uint32_t op, nid;
	int r, ok;

	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	if ((r = sbuf_get_u32(req, &op)) != SBUF_OK ||
	    (r = sbuf_get_u32(req, &nid)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(req, &in, &inlen, PS_SIGIN_MAX)) !=
	    SBUF_OK || (r = sbuf_expect_end(req)) != SBUF_OK) {
		seterr(reason, reasonlen, "malformed sign request: %s",
		    sbuf_strerror(r));
		return -1;
	}
	switch (op) {
	case PS_SIGN_RSA_PKCS1:
	case PS_SIGN_RSA_RAW:
		ok = sign_rsa(k, op, nid, in, inlen, sig, &siglen, reason,
		    reasonlen) == 0;
		break;
	case PS_SIGN_ECDSA:
		ok = sign_ecdsa(k, nid, in, inlen, sig, &siglen, reason,
		    reasonlen) == 0;
		break;
	default:
		seterr(reason, reasonlen, "unknown operation %u",
		    (unsigned int)op);
		ok = 0;
		break;
	}
	if (ok && (siglen == 0 || siglen > sizeof(sig))) {
		seterr(reason, reasonlen, "signature of %zu bytes", siglen);
		ok = 0;
	}
	if ((r = sbuf_put_u32(ans, ok ? 0 : 1)) != SBUF_OK ||
	    (r = sbuf_put_string(ans, sig, ok ? siglen : 0)) != SBUF_OK) {
		seterr(reason, reasonlen, "cannot encode sign answer: %s",
		    sbuf_strerror(r));
		return -1;
	}
	return 0;
}
