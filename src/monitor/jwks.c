/*
 * JWKSFile (mcpd.conf(5)): the public keys OAuth bearer tokens are
 * verified with.  The file must belong to root or to us and be writable
 * by nobody else; it must hold public keys only; each key it keeps is
 * checked by OpenSSL and pinned to one algorithm, chosen by its kid.
 * Keys not for signatures, or of a type or algorithm not verified here,
 * are passed over and counted.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "errbuf.h"
#include "fileio.h"
#include "jwt.h"
#include "jwt_int.h"
#include "xmalloc.h"

/* The coordinates of a P-256 key, and an Ed25519 key. */
#define JWT_P256_COORD		32
#define JWT_ED25519_LEN		32
/* Room for "PATH: key \"KID\"" in messages about one JWK. */
#define JWT_WHAT_MAX		(PATH_MAX + JWT_KID_MAX + 16)

/* Members that only private or symmetric keys have (RFC 7518 6). */
static const char *const jwk_private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};

static int
b64url_member(json_t *o, const char *name, uint8_t *buf, size_t max,
    size_t *lenp)
{
	json_t *m;

	if ((m = json_object_get(o, name)) == NULL || !json_is_string(m))
		return -1;
	return b64url_decode(json_string_value(m),
	    json_string_length(m), buf, max, lenp);
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

/* OpenSSL's own checks of a public key (RSA modulus, EC point). */
static int
pkey_public_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx;
	int r;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return -1;
	r = EVP_PKEY_public_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	return r == 1 ? 0 : -1;
}

static EVP_PKEY *
jwk_rsa(json_t *k, const char *what, char *err, size_t errlen)
{
	uint8_t n[JWT_RSA_MAX_BITS / 8], e[16];
	size_t nlen, elen;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int bits;

	if (b64url_member(k, "n", n, sizeof(n), &nlen) != 0 || nlen == 0) {
		seterr(err, errlen, "%s: \"n\" missing, not base64url or "
		    "longer than %d bits", what, JWT_RSA_MAX_BITS);
		return NULL;
	}
	if (b64url_member(k, "e", e, sizeof(e), &elen) != 0 || elen == 0) {
		seterr(err, errlen, "%s: \"e\" missing or bad", what);
		return NULL;
	}
	if ((bn = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (be = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 ||
	    (pkey = pkey_fromdata("RSA", bld)) == NULL) {
		seterr(err, errlen, "%s: not a valid RSA public key", what);
		goto out;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < JWT_RSA_MIN_BITS || bits > JWT_RSA_MAX_BITS) {
		seterr(err, errlen, "%s: RSA key of %d bits (%d to %d "
		    "accepted)", what, bits, JWT_RSA_MIN_BITS,
		    JWT_RSA_MAX_BITS);
		EVP_PKEY_free(pkey);
		pkey = NULL;
		goto out;
	}
	if (pkey_public_check(pkey) != 0) {
		seterr(err, errlen, "%s: not a valid RSA public key", what);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	ERR_clear_error();
	return pkey;
}

static EVP_PKEY *
jwk_p256(json_t *k, const char *what, char *err, size_t errlen)
{
	uint8_t pub[1 + 2 * JWT_P256_COORD];
	size_t xlen, ylen;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	/* The uncompressed point: 0x04 || x || y. */
	pub[0] = 0x04;
	if (b64url_member(k, "x", pub + 1, JWT_P256_COORD, &xlen) != 0 ||
	    xlen != JWT_P256_COORD ||
	    b64url_member(k, "y", pub + 1 + JWT_P256_COORD, JWT_P256_COORD,
	    &ylen) != 0 || ylen != JWT_P256_COORD) {
		seterr(err, errlen, "%s: \"x\" and \"y\" must be 32 bytes of "
		    "base64url each", what);
		return NULL;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "P-256", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub)) != 1 ||
	    (pkey = pkey_fromdata("EC", bld)) == NULL ||
	    pkey_public_check(pkey) != 0) {
		seterr(err, errlen, "%s: not a point on P-256", what);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return pkey;
}

static EVP_PKEY *
jwk_ed25519(json_t *k, const char *what, char *err, size_t errlen)
{
	uint8_t x[JWT_ED25519_LEN];
	size_t xlen;
	EVP_PKEY *pkey;

	if (b64url_member(k, "x", x, sizeof(x), &xlen) != 0 ||
	    xlen != sizeof(x)) {
		seterr(err, errlen, "%s: \"x\" must be 32 bytes of base64url",
		    what);
		return NULL;
	}
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x,
	    sizeof(x));
	if (pkey == NULL)
		seterr(err, errlen, "%s: not a valid Ed25519 key", what);
	ERR_clear_error();
	return pkey;
}

/* Whether a key_ops array allows verification. */
static int
key_ops_verify(json_t *ops)
{
	json_t *op;
	size_t i;

	if (!json_is_array(ops))
		return 0;
	json_array_foreach(ops, i, op)
		if (json_is_string(op) &&
		    strcmp(json_string_value(op), "verify") == 0)
			return 1;
	return 0;
}

/*
 * One JWK.  Returns 0 when the key was added to v, 1 when it is passed
 * over (not for signatures, or a type or algorithm not verified here),
 * -1 on an error that refuses the whole file.
 */
static int
jwk_load(struct jwt_verifier *v, json_t *k, size_t idx, const char *path,
    char *err, size_t errlen)
{
	char what[JWT_WHAT_MAX];
	json_t *m;
	const char *kty, *crv = NULL, *kid;
	unsigned int alg = 0, want;
	EVP_PKEY *pkey;
	size_t i;

	(void)snprintf(what, sizeof(what), "%s: key %zu", path, idx + 1);
	if (!json_is_object(k)) {
		seterr(err, errlen, "%s: not a JSON object", what);
		return -1;
	}
	/*
	 * Whoever can read the JWKS must learn nothing secret from it, and a
	 * symmetric key here would be an HMAC secret: refuse the file.
	 */
	for (i = 0; jwk_private_members[i] != NULL; i++) {
		if (json_object_get(k, jwk_private_members[i]) != NULL) {
			seterr(err, errlen, "%s: holds private or symmetric "
			    "key material (\"%s\"); a JWKS must carry public "
			    "keys only", what, jwk_private_members[i]);
			return -1;
		}
	}
	if ((m = json_object_get(k, "kty")) == NULL || !json_is_string(m)) {
		seterr(err, errlen, "%s: \"kty\" missing", what);
		return -1;
	}
	kty = json_string_value(m);
	if ((m = json_object_get(k, "use")) != NULL &&
	    (!json_is_string(m) || strcmp(json_string_value(m), "sig") != 0))
		return 1;
	if ((m = json_object_get(k, "key_ops")) != NULL && !key_ops_verify(m))
		return 1;
	if ((m = json_object_get(k, "crv")) != NULL) {
		if (!json_is_string(m)) {
			seterr(err, errlen, "%s: \"crv\" not a string", what);
			return -1;
		}
		crv = json_string_value(m);
	}
	/* The algorithm a key type implies when the JWK names none. */
	if (strcmp(kty, "RSA") == 0)
		want = JWT_ALG_RS256;
	else if (strcmp(kty, "EC") == 0 && crv != NULL &&
	    strcmp(crv, "P-256") == 0)
		want = JWT_ALG_ES256;
	else if (strcmp(kty, "OKP") == 0 && crv != NULL &&
	    strcmp(crv, "Ed25519") == 0)
		want = JWT_ALG_EDDSA;
	else
		return 1;
	if ((m = json_object_get(k, "alg")) != NULL) {
		if (!json_is_string(m)) {
			seterr(err, errlen, "%s: \"alg\" not a string", what);
			return -1;
		}
		if ((alg = jwt_alg_from_name(json_string_value(m))) == 0)
			return 1;	/* e.g. RS384: not verified here */
		if (alg != want &&
		    !(want == JWT_ALG_RS256 && alg == JWT_ALG_PS256)) {
			seterr(err, errlen, "%s: alg %s does not fit a key of "
			    "type %s%s%s", what, jwt_alg_name(alg), kty,
			    crv != NULL ? " " : "", crv != NULL ? crv : "");
			return -1;
		}
	} else
		alg = want;

	if ((m = json_object_get(k, "kid")) == NULL) {
		seterr(err, errlen, "%s: \"kid\" missing (keys are chosen by "
		    "kid)", what);
		return -1;
	}
	if (!json_is_string(m) ||
	    !jwt_valid_kid(json_string_value(m), json_string_length(m))) {
		seterr(err, errlen, "%s: bad kid (1 to %d of A-Z a-z 0-9 . _ "
		    "-)", what, JWT_KID_MAX);
		return -1;
	}
	kid = json_string_value(m);
	for (i = 0; i < v->nkeys; i++) {
		if (strcmp(v->keys[i].kid, kid) == 0) {
			seterr(err, errlen, "%s: duplicate kid \"%s\"", path,
			    kid);
			return -1;
		}
	}
	(void)snprintf(what, sizeof(what), "%s: key \"%s\"", path, kid);
	if (alg == JWT_ALG_RS256 || alg == JWT_ALG_PS256)
		pkey = jwk_rsa(k, what, err, errlen);
	else if (alg == JWT_ALG_ES256)
		pkey = jwk_p256(k, what, err, errlen);
	else
		pkey = jwk_ed25519(k, what, err, errlen);
	if (pkey == NULL)
		return -1;
	(void)snprintf(v->keys[v->nkeys].kid, sizeof(v->keys[v->nkeys].kid),
	    "%s", kid);
	v->keys[v->nkeys].alg = alg;
	v->keys[v->nkeys].pkey = pkey;
	v->nkeys++;
	return 0;
}

static int
jwks_parse(struct jwt_verifier *v, const char *path, const uint8_t *buf,
    size_t len, char *err, size_t errlen)
{
	json_t *root, *keys, *k;
	json_error_t jerr;
	size_t i, n;
	int r, ret = -1;

	if ((root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		seterr(err, errlen, "%s: line %d: %s", path, jerr.line,
		    jerr.text);
		return -1;
	}
	if (!json_is_object(root) ||
	    (keys = json_object_get(root, "keys")) == NULL ||
	    !json_is_array(keys)) {
		seterr(err, errlen, "%s: not a JWKS (an object with a \"keys\" "
		    "array)", path);
		goto out;
	}
	if ((n = json_array_size(keys)) > JWKS_MAX_KEYS) {
		seterr(err, errlen, "%s: %zu keys (at most %d)", path, n,
		    JWKS_MAX_KEYS);
		goto out;
	}
	if (n > 0 && (v->keys = calloc(n, sizeof(*v->keys))) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	json_array_foreach(keys, i, k) {
		if ((r = jwk_load(v, k, i, path, err, errlen)) < 0)
			goto out;
		if (r == 1)
			v->nskipped++;
	}
	if (v->nkeys == 0) {
		seterr(err, errlen, "%s: no key usable for RS256, PS256, ES256 "
		    "or EdDSA", path);
		goto out;
	}
	ret = 0;
 out:
	json_decref(root);
	return ret;
}

/*
 * The JWKS holds public keys, so it need not be secret; but whoever can
 * change it can mint tokens, so like sshd's StrictModes it must belong
 * to root or to us and be writable by nobody else.
 */
int
jwks_load(struct jwt_verifier *v, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: fstat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		seterr(err, errlen, "%s is owned by uid %lu, not root or the "
		    "running user", path, (unsigned long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		seterr(err, errlen, "%s is writable by group or others (mode "
		    "%04o): whoever can change it can mint tokens", path,
		    (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	if (read_fd_capped_err(fd, JWKS_MAX_FILE, path, &buf, &len, err,
	    errlen) != 0)
		goto out;
	ret = jwks_parse(v, path, buf, len, err, errlen);
 out:
	freezero(buf, len);
	if (close(fd) == -1 && ret == 0) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}
