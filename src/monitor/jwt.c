/*
 * OAuth bearer JWT verification in the monitor (mcpd.conf(5), JWKSFile):
 * JWKSFile keys, algorithm pinning, one signature check at most per token,
 * the claims, and the cache of verified tokens.
 *
 * libjwt 1.10 lets the token choose the algorithm, skips verification
 * when it is given no key and checks no claim, so it is not used here:
 * the header is parsed and pinned first, the signature is checked with
 * OpenSSL's EVP interface against the one key the kid selects (which also
 * covers PS256 and EdDSA, which libjwt 1.10 lacks), and the claims are
 * checked afterwards.  Everything that a token can make us do before its
 * signature is checked is bounded and cheap: the length cap, base64url
 * decoding, and one small JSON parse of the header.
 *
 * The payload is parsed as JSON only after the signature has been found
 * good: doc/privsep.md, section 1, allows the monitor to parse client JSON in
 * that one case.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "config.h"
#include "errbuf.h"
#include "fileio.h"
#include "jwt.h"
#include "strv.h"
#include "xmalloc.h"

/* Buckets of the cache's hash table (a power of two). */
#define JWT_CACHE_BUCKETS	16384
/*
 * Memory the cache may hold, counted as the entries' sizes: entries are
 * only made from tokens the issuer signed, but at up to JWT_MAX bytes each
 * the count alone would allow half a gigabyte.
 */
#define JWT_CACHE_MAX_BYTES	(64U * 1024 * 1024)
#define JWT_HASH_LEN		32
/* ES256 and EdDSA signatures, and the coordinates of a P-256 key. */
#define JWT_ES256_SIGLEN	64
#define JWT_EDDSA_SIGLEN	64
#define JWT_P256_COORD		32
#define JWT_ED25519_LEN		32
/* DER of an ECDSA P-256 signature: 2 + 2 * (2 + 33) bytes at most. */
#define JWT_ES256_DER_MAX	80
/* RSA-PSS salt for PS256: the hash length (RFC 7518 3.5). */
#define JWT_PSS_SALTLEN		32
/* Longest alg name quoted in a reason. */
#define JWT_ALG_QUOTE_MAX	16
/* Room for "PATH: key \"KID\"" in messages about one JWK. */
#define JWT_WHAT_MAX		(PATH_MAX + JWT_KID_MAX + 16)
/* Numeric dates beyond this are refused (no overflow in arithmetic). */
#define JWT_DATE_MAX		((int64_t)1 << 52)

/* The default of JWTAlgorithms, should the configuration not fill it. */
#define JWT_DEFAULT_ALGS	"RS256,ES256,EdDSA"

struct jwk {
	char		 kid[JWT_KID_MAX + 1];
	unsigned int	 alg;		/* JWT_ALG_* */
	EVP_PKEY	*pkey;
};

struct jwt_centry {
	uint8_t			 hash[JWT_HASH_LEN];
	size_t			 size;		/* counted against the budget */
	struct jwt_result	 res;
	struct jwt_centry	*hnext;		/* bucket chain */
	TAILQ_ENTRY(jwt_centry)	 age;		/* least recently used first */
};
TAILQ_HEAD(jwt_cqueue, jwt_centry);

struct jwt_verifier {
	struct jwk		*keys;
	size_t			 nkeys;
	size_t			 nskipped;
	unsigned int		 algs;		/* JWTAlgorithms */
	char			*issuer;
	char			*audience;
	char			*roles_claim;
	int64_t			 leeway;
	int			 type;		/* JWTType: JWT_TYPE_* */
	EVP_MD			*sha256;

	struct jwt_centry	**buckets;	/* allocated on first insert */
	struct jwt_cqueue	 queue;
	size_t			 ncache;
	size_t			 cache_max;
	size_t			 cache_bytes;
	size_t			 cache_max_bytes;
	time_t			 last_sweep;

	uint64_t		 verifies;
	uint64_t		 hits;
};

static const struct {
	const char	*name;
	unsigned int	 bit;
} jwt_algs[] = {
	{ "RS256",	JWT_ALG_RS256 },
	{ "PS256",	JWT_ALG_PS256 },
	{ "ES256",	JWT_ALG_ES256 },
	{ "EdDSA",	JWT_ALG_EDDSA },
	{ NULL,		0 }
};

/* Members that only private or symmetric keys have (RFC 7518 6). */
static const char *const jwk_private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};

const char *
jwt_alg_name(unsigned int alg)
{
	size_t i;

	for (i = 0; jwt_algs[i].name != NULL; i++)
		if (jwt_algs[i].bit == alg)
			return jwt_algs[i].name;
	return NULL;
}

unsigned int
jwt_alg_from_name(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; jwt_algs[i].name != NULL; i++)
		if (strcmp(jwt_algs[i].name, s) == 0)
			return jwt_algs[i].bit;
	return 0;
}

/* "an RS256 key", "a PS256 key": the article for a reason. */
static const char *
alg_article(unsigned int alg)
{
	return alg == JWT_ALG_PS256 ? "a" : "an";
}

static int
is_kid_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
jwt_valid_kid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > JWT_KID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_kid_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Whether an alg value may be quoted in a reason: the audit log is
 * escaped, but a reason that quotes only short, plain names stays
 * readable and cannot be made to look like something else.
 */
static int
alg_quotable(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > JWT_ALG_QUOTE_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_kid_char((unsigned char)s[i]) && s[i] != '+')
			return 0;
	return 1;
}

/* base64url */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t
jwt_b64url_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	uint32_t v;

	if (out == NULL || outlen == 0)
		return 0;
	out[0] = '\0';
	if ((in == NULL && len > 0) || len > SIZE_MAX / 2 ||
	    JWT_B64URL_LEN(len) >= outlen)
		return 0;
	for (i = 0; i + 3 <= len; i += 3) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return o;
}

int
jwt_b64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax,
    size_t *outlenp)
{
	size_t i, o = 0, need;
	uint32_t acc = 0;
	unsigned int nbits = 0;
	int v;

	if (outlenp != NULL)
		*outlenp = 0;
	if (outlenp == NULL || (in == NULL && len > 0) ||
	    (out == NULL && outmax > 0))
		return -1;
	/* One character carries 6 bits: less than a byte. */
	if (len % 4 == 1)
		return -1;
	need = (len / 4) * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > outmax)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(acc >> nbits);
		}
	}
	/* Bits left over must be zero: one encoding per byte string. */
	if (nbits > 0 && (acc & ((1U << nbits) - 1)) != 0)
		return -1;
	*outlenp = o;
	return 0;
}

/* Results */

void
jwt_result_clear(struct jwt_result *r)
{
	if (r == NULL)
		return;
	strfreezero(r->sub);
	strv_free(r->roles, r->nroles);
	strv_free(r->scopes, r->nscopes);
	explicit_bzero(r, sizeof(*r));
}

static int
result_copy(const struct jwt_result *src, struct jwt_result *dst)
{
	memset(dst, 0, sizeof(*dst));
	if ((dst->sub = strdup(src->sub)) == NULL)
		goto fail;
	if (strv_copy(src->roles, src->nroles, &dst->roles,
	    &dst->nroles) != 0)
		goto fail;
	dst->has_roles = src->has_roles;
	if (strv_copy(src->scopes, src->nscopes, &dst->scopes,
	    &dst->nscopes) != 0)
		goto fail;
	dst->exp = src->exp;
	memcpy(dst->x5t, src->x5t, sizeof(dst->x5t));
	return 0;
 fail:
	jwt_result_clear(dst);
	return -1;
}

/* The cache of verified tokens */

static struct jwt_centry **
cache_bucket(struct jwt_verifier *v, const uint8_t *hash)
{
	uint32_t h;

	h = (uint32_t)hash[0] | ((uint32_t)hash[1] << 8) |
	    ((uint32_t)hash[2] << 16) | ((uint32_t)hash[3] << 24);
	return &v->buckets[h & (JWT_CACHE_BUCKETS - 1)];
}

static void
cache_remove(struct jwt_verifier *v, struct jwt_centry *e)
{
	struct jwt_centry **pp;

	for (pp = cache_bucket(v, e->hash); *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	TAILQ_REMOVE(&v->queue, e, age);
	v->ncache--;
	v->cache_bytes -= e->size;
	jwt_result_clear(&e->res);
	freezero(e, sizeof(*e));
}

/* 0 and *res filled on a hit; -1 on a miss (or no memory to copy). */
static int
cache_lookup(struct jwt_verifier *v, const uint8_t *hash, time_t now,
    struct jwt_result *res)
{
	struct jwt_centry *e;

	if (v->buckets == NULL)
		return -1;
	for (e = *cache_bucket(v, hash); e != NULL; e = e->hnext)
		if (CRYPTO_memcmp(e->hash, hash, JWT_HASH_LEN) == 0)
			break;
	if (e == NULL)
		return -1;
	/* An entry lives no longer than its token's exp. */
	if (now >= e->res.exp) {
		cache_remove(v, e);
		return -1;
	}
	if (result_copy(&e->res, res) != 0)
		return -1;
	TAILQ_REMOVE(&v->queue, e, age);
	TAILQ_INSERT_TAIL(&v->queue, e, age);
	return 0;
}

static void
cache_sweep(struct jwt_verifier *v, time_t now)
{
	struct jwt_centry *e, *next;

	for (e = TAILQ_FIRST(&v->queue); e != NULL; e = next) {
		next = TAILQ_NEXT(e, age);
		if (now >= e->res.exp)
			cache_remove(v, e);
	}
}

/* What an entry for res costs, roughly: the allocations it makes. */
static size_t
result_size(const struct jwt_result *res)
{
	size_t i, n = sizeof(struct jwt_centry) + strlen(res->sub) + 1;

	n += (res->nroles + res->nscopes) * sizeof(char *);
	for (i = 0; i < res->nroles; i++)
		n += strlen(res->roles[i]) + 1;
	for (i = 0; i < res->nscopes; i++)
		n += strlen(res->scopes[i]) + 1;
	return n;
}

/* The cache only saves work: failing to fill it is not an error. */
static void
cache_insert(struct jwt_verifier *v, const uint8_t *hash, time_t now,
    const struct jwt_result *res)
{
	struct jwt_centry *e, **b;
	size_t size = result_size(res);

	if (now >= res->exp || v->cache_max == 0 || size > v->cache_max_bytes)
		return;
	if (v->buckets == NULL &&
	    (v->buckets = calloc(JWT_CACHE_BUCKETS, sizeof(*v->buckets))) ==
	    NULL)
		return;
	/*
	 * Full: drop what has expired (a walk over the whole cache, so at
	 * most once a second), else the least recently used.
	 */
	if ((v->ncache >= v->cache_max ||
	    size > v->cache_max_bytes - v->cache_bytes) &&
	    now != v->last_sweep) {
		v->last_sweep = now;
		cache_sweep(v, now);
	}
	while (v->ncache > 0 && (v->ncache >= v->cache_max ||
	    size > v->cache_max_bytes - v->cache_bytes))
		cache_remove(v, TAILQ_FIRST(&v->queue));
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	if (result_copy(res, &e->res) != 0) {
		free(e);
		return;
	}
	memcpy(e->hash, hash, JWT_HASH_LEN);
	e->size = size;
	v->cache_bytes += size;
	b = cache_bucket(v, hash);
	e->hnext = *b;
	*b = e;
	TAILQ_INSERT_TAIL(&v->queue, e, age);
	v->ncache++;
}

/* JWKS */

static int
b64url_member(json_t *o, const char *name, uint8_t *buf, size_t max,
    size_t *lenp)
{
	json_t *m;

	if ((m = json_object_get(o, name)) == NULL || !json_is_string(m))
		return -1;
	return jwt_b64url_decode(json_string_value(m),
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
static int
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
	if (read_fd_capped(fd, JWKS_MAX_FILE, &buf, &len) != 0) {
		if (errno == EFBIG)
			seterr(err, errlen, "%s: larger than %d bytes", path,
			    JWKS_MAX_FILE);
		else
			seterr(err, errlen, "%s: read: %s", path,
			    strerror(errno));
		goto out;
	}
	ret = jwks_parse(v, path, buf, len, err, errlen);
 out:
	freezero(buf, len);
	if (close(fd) == -1 && ret == 0) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

static int
parse_algorithms(const char *list, unsigned int *mask, char *err,
    size_t errlen)
{
	char *copy, *cp, *a;
	unsigned int bit;
	int ret = -1;

	*mask = 0;
	if ((copy = strdup(list)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	cp = copy;
	while ((a = strsep(&cp, ",")) != NULL) {
		if ((bit = jwt_alg_from_name(a)) == 0) {
			seterr(err, errlen, "JWTAlgorithms: unsupported "
			    "algorithm '%s'", a);
			goto out;
		}
		*mask |= bit;
	}
	ret = 0;
 out:
	free(copy);
	return ret;
}

struct jwt_verifier *
jwtv_new(const struct mcpd_config *cfg, char *err, size_t errlen)
{
	struct jwt_verifier *v;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (cfg == NULL || cfg->jwks_file == NULL ||
	    cfg->jwt_issuer == NULL || cfg->jwt_audience == NULL) {
		seterr(err, errlen, "OAuth needs JWKSFile, JWTIssuer and "
		    "JWTAudience");
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	TAILQ_INIT(&v->queue);
	v->cache_max = JWT_CACHE_MAX;
	v->cache_max_bytes = JWT_CACHE_MAX_BYTES;
	v->leeway = cfg->jwt_leeway > 0 ? cfg->jwt_leeway : 0;
	/* Unset (a configuration not filled with defaults): the default. */
	v->type = cfg->jwt_type == -1 ? JWT_TYPE_AT_JWT : cfg->jwt_type;
	if (parse_algorithms(cfg->jwt_algorithms != NULL ?
	    cfg->jwt_algorithms : JWT_DEFAULT_ALGS, &v->algs, err,
	    errlen) != 0)
		goto fail;
	if ((v->issuer = strdup(cfg->jwt_issuer)) == NULL ||
	    (v->audience = strdup(cfg->jwt_audience)) == NULL ||
	    (v->roles_claim = strdup(cfg->jwt_roles_claim != NULL ?
	    cfg->jwt_roles_claim : "roles")) == NULL ||
	    (v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (jwks_load(v, cfg->jwks_file, err, errlen) != 0)
		goto fail;
	return v;
 fail:
	jwtv_free(v);
	return NULL;
}

void
jwtv_free(struct jwt_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	while (!TAILQ_EMPTY(&v->queue))
		cache_remove(v, TAILQ_FIRST(&v->queue));
	free(v->buckets);
	for (i = 0; i < v->nkeys; i++)
		EVP_PKEY_free(v->keys[i].pkey);
	free(v->keys);
	free(v->issuer);
	free(v->audience);
	free(v->roles_claim);
	EVP_MD_free(v->sha256);
	freezero(v, sizeof(*v));
}

size_t
jwtv_nkeys(const struct jwt_verifier *v)
{
	return v != NULL ? v->nkeys : 0;
}

size_t
jwtv_nskipped(const struct jwt_verifier *v)
{
	return v != NULL ? v->nskipped : 0;
}

void
jwtv_stats(const struct jwt_verifier *v, uint64_t *verifies, uint64_t *hits)
{
	if (verifies != NULL)
		*verifies = v != NULL ? v->verifies : 0;
	if (hits != NULL)
		*hits = v != NULL ? v->hits : 0;
}

size_t
jwtv_cache_entries(const struct jwt_verifier *v)
{
	return v != NULL ? v->ncache : 0;
}

void
jwtv_set_cache_max(struct jwt_verifier *v, size_t entries, size_t bytes)
{
	if (v == NULL)
		return;
	v->cache_max = entries > JWT_CACHE_MAX ? JWT_CACHE_MAX : entries;
	v->cache_max_bytes = bytes > JWT_CACHE_MAX_BYTES ?
	    JWT_CACHE_MAX_BYTES : bytes;
	while (v->ncache > v->cache_max ||
	    v->cache_bytes > v->cache_max_bytes)
		cache_remove(v, TAILQ_FIRST(&v->queue));
}

/* Verification */

static const struct jwk *
find_key(const struct jwt_verifier *v, const char *kid)
{
	size_t i;

	for (i = 0; i < v->nkeys; i++)
		if (strcmp(v->keys[i].kid, kid) == 0)
			return &v->keys[i];
	return NULL;
}

/* JWS carries ECDSA signatures as r || s; OpenSSL wants DER. */
static int
es256_to_der(const uint8_t *sig, uint8_t *der, size_t *derlen)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *p = der;
	int len, ret = -1;

	if ((es = ECDSA_SIG_new()) == NULL)
		return -1;
	r = BN_bin2bn(sig, JWT_ES256_SIGLEN / 2, NULL);
	s = BN_bin2bn(sig + JWT_ES256_SIGLEN / 2, JWT_ES256_SIGLEN / 2, NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	if ((len = i2d_ECDSA_SIG(es, NULL)) <= 0 || len > JWT_ES256_DER_MAX)
		goto out;
	if (i2d_ECDSA_SIG(es, &p) != len)
		goto out;
	*derlen = (size_t)len;
	ret = 0;
 out:
	ECDSA_SIG_free(es);
	return ret;
}

/*
 * The one signature check a token may cost.  1 if good, 0 if not (any
 * failure, including the signature's length for the key).
 */
static int
check_signature(struct jwt_verifier *v, const struct jwk *k,
    const char *data, size_t datalen, const uint8_t *sig, size_t siglen)
{
	uint8_t der[JWT_ES256_DER_MAX];
	size_t derlen = 0;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	switch (k->alg) {
	case JWT_ALG_RS256:
	case JWT_ALG_PS256:
		if (siglen != (size_t)EVP_PKEY_get_size(k->pkey))
			return 0;
		break;
	case JWT_ALG_ES256:
		if (siglen != JWT_ES256_SIGLEN ||
		    es256_to_der(sig, der, &derlen) != 0)
			return 0;
		sig = der;
		siglen = derlen;
		break;
	case JWT_ALG_EDDSA:
		if (siglen != JWT_EDDSA_SIGLEN)
			return 0;
		break;
	default:
		return 0;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(mctx, &pctx, k->alg == JWT_ALG_EDDSA ? NULL :
	    v->sha256, NULL, k->pkey) != 1)
		goto out;
	if (k->alg == JWT_ALG_RS256 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (k->alg == JWT_ALG_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, JWT_PSS_SALTLEN) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, v->sha256) != 1))
		goto out;
	v->verifies++;
	ok = EVP_DigestVerify(mctx, sig, siglen, (const unsigned char *)data,
	    datalen) == 1;
 out:
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ok;
}

/* A NumericDate (RFC 7519 2): 0, or -1 if not a number, -2 if absurd. */
static int
numeric_date(json_t *o, int64_t *t)
{
	double d;

	if (json_is_integer(o)) {
		*t = (int64_t)json_integer_value(o);
	} else if (json_is_real(o)) {
		d = json_real_value(o);
		if (!(d > -(double)JWT_DATE_MAX && d < (double)JWT_DATE_MAX))
			return -2;
		*t = (int64_t)floor(d);
	} else
		return -1;
	if (*t <= -JWT_DATE_MAX || *t >= JWT_DATE_MAX)
		return -2;
	return 0;
}

/* A claim that must be a NumericDate if present; 1 if absent. */
static int
date_claim(json_t *c, const char *name, int64_t *t, char *reason,
    size_t reasonlen)
{
	json_t *o;
	int r;

	if ((o = json_object_get(c, name)) == NULL)
		return 1;
	if ((r = numeric_date(o, t)) == -1) {
		seterr(reason, reasonlen, "oauth: %s not a number", name);
		return -1;
	}
	if (r != 0) {
		seterr(reason, reasonlen, "oauth: %s out of range", name);
		return -1;
	}
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
check_audience(const struct jwt_verifier *v, json_t *c, char *reason,
    size_t reasonlen)
{
	json_t *aud, *a;
	size_t i;
	int found = 0;

	if ((aud = json_object_get(c, "aud")) == NULL) {
		seterr(reason, reasonlen, "oauth: aud missing");
		return -1;
	}
	if (json_is_string(aud)) {
		found = strcmp(json_string_value(aud), v->audience) == 0;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, a) {
			if (!json_is_string(a)) {
				seterr(reason, reasonlen, "oauth: aud not a "
				    "string or an array of strings");
				return -1;
			}
			if (strcmp(json_string_value(a), v->audience) == 0)
				found = 1;
		}
	} else {
		seterr(reason, reasonlen, "oauth: aud not a string or an "
		    "array of strings");
		return -1;
	}
	if (!found) {
		seterr(reason, reasonlen, "oauth: audience mismatch");
		return -1;
	}
	return 0;
}

static int
roles_claim(const struct jwt_verifier *v, json_t *c, struct jwt_result *res,
    char *reason, size_t reasonlen)
{
	json_t *roles, *r;
	size_t i, n;

	if ((roles = json_object_get(c, v->roles_claim)) == NULL)
		return 0;
	if (!json_is_array(roles)) {
		seterr(reason, reasonlen, "oauth: roles claim not an array of "
		    "strings");
		return -1;
	}
	if ((n = json_array_size(roles)) > JWT_MAX_ROLES) {
		seterr(reason, reasonlen, "oauth: roles claim too large "
		    "(%zu entries, at most %d)", n, JWT_MAX_ROLES);
		return -1;
	}
	json_array_foreach(roles, i, r) {
		if (!json_is_string(r)) {
			seterr(reason, reasonlen, "oauth: roles claim not an "
			    "array of strings");
			return -1;
		}
		/*
		 * A role is a policy name: a longer one matches no Role line
		 * and would only make every answer that names it too large.
		 */
		if (json_string_length(r) > JWT_ROLE_MAX) {
			seterr(reason, reasonlen, "oauth: role longer than %d "
			    "bytes in the roles claim", JWT_ROLE_MAX);
			return -1;
		}
	}
	res->has_roles = 1;
	if (n == 0)
		return 0;
	if ((res->roles = calloc(n, sizeof(*res->roles))) == NULL)
		goto nomem;
	json_array_foreach(roles, i, r) {
		if ((res->roles[i] = strdup(json_string_value(r))) == NULL)
			goto nomem;
		res->nroles = i + 1;
	}
	return 0;
 nomem:
	seterr(reason, reasonlen, "oauth: out of memory");
	return -1;
}

static int
scope_claim(json_t *c, struct jwt_result *res, char *reason,
    size_t reasonlen)
{
	json_t *o;
	const char *s, *p, *end;
	size_t n = 0;

	if ((o = json_object_get(c, "scope")) == NULL)
		return 0;
	if (!json_is_string(o)) {
		seterr(reason, reasonlen, "oauth: scope not a string");
		return -1;
	}
	s = json_string_value(o);
	/* Count first, then copy: the claim is bounded by JWT_MAX. */
	for (p = s; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' '; end++)
			;
		n++;
	}
	if (n > JWT_MAX_SCOPES) {
		seterr(reason, reasonlen, "oauth: too many scopes (%zu, at "
		    "most %d)", n, JWT_MAX_SCOPES);
		return -1;
	}
	if (n == 0)
		return 0;
	if ((res->scopes = calloc(n, sizeof(*res->scopes))) == NULL)
		goto nomem;
	for (p = s; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' '; end++)
			;
		if ((res->scopes[res->nscopes] = strndup(p,
		    (size_t)(end - p))) == NULL)
			goto nomem;
		res->nscopes++;
	}
	return 0;
 nomem:
	seterr(reason, reasonlen, "oauth: out of memory");
	return -1;
}

/*
 * cnf (RFC 7800) with x5t#S256 (RFC 8705 section 3.1): the certificate
 * the token is bound to.  A cnf that binds the token to anything else
 * (a DPoP key's "jkt", a "jwk") is refused: the monitor cannot check that
 * proof, and a bound token must never be accepted unbound.
 */
static int
cnf_claim(json_t *c, struct jwt_result *res, char *reason, size_t reasonlen)
{
	json_t *cnf, *o;
	uint8_t md[32];
	size_t mdlen;

	if ((cnf = json_object_get(c, "cnf")) == NULL)
		return 0;
	if (!json_is_object(cnf)) {
		seterr(reason, reasonlen, "oauth: cnf not an object");
		return -1;
	}
	if ((o = json_object_get(cnf, "x5t#S256")) == NULL) {
		seterr(reason, reasonlen, "oauth: cnf without x5t#S256 (a "
		    "binding the monitor cannot check)");
		return -1;
	}
	if (!json_is_string(o) || json_string_length(o) != JWT_X5T_LEN ||
	    jwt_b64url_decode(json_string_value(o), JWT_X5T_LEN, md,
	    sizeof(md), &mdlen) != 0 || mdlen != sizeof(md)) {
		seterr(reason, reasonlen, "oauth: cnf x5t#S256 not the "
		    "base64url of a SHA-256 digest");
		return -1;
	}
	memcpy(res->x5t, json_string_value(o), JWT_X5T_LEN + 1);
	return 0;
}

/* The claims of a token whose signature is good. */
static int
check_claims(const struct jwt_verifier *v, const uint8_t *pl, size_t pllen,
    time_t now, struct jwt_result *res, char *reason, size_t reasonlen)
{
	json_t *c, *o;
	json_error_t jerr;
	int64_t exp, t, tnow = (int64_t)now;
	const char *sub;
	int r, ret = -1;

	if ((c = json_loadb((const char *)pl, pllen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			seterr(reason, reasonlen, "oauth: duplicate claim");
		else
			seterr(reason, reasonlen, "oauth: payload not JSON");
		return -1;
	}
	if (!json_is_object(c)) {
		seterr(reason, reasonlen, "oauth: payload not a JSON object");
		goto out;
	}
	if ((r = date_claim(c, "exp", &exp, reason, reasonlen)) < 0)
		goto out;
	if (r == 1) {
		seterr(reason, reasonlen, "oauth: exp missing");
		goto out;
	}
	if (tnow - v->leeway >= exp) {
		seterr(reason, reasonlen, "oauth: token expired");
		goto out;
	}
	if ((r = date_claim(c, "nbf", &t, reason, reasonlen)) < 0)
		goto out;
	if (r == 0 && t > tnow + v->leeway) {
		seterr(reason, reasonlen, "oauth: token not yet valid (nbf)");
		goto out;
	}
	if ((r = date_claim(c, "iat", &t, reason, reasonlen)) < 0)
		goto out;
	if (r == 0 && t > tnow + v->leeway) {
		seterr(reason, reasonlen, "oauth: token issued in the future "
		    "(iat)");
		goto out;
	}
	if ((o = json_object_get(c, "iss")) == NULL) {
		seterr(reason, reasonlen, "oauth: iss missing");
		goto out;
	}
	if (!json_is_string(o) || strcmp(json_string_value(o),
	    v->issuer) != 0) {
		seterr(reason, reasonlen, "oauth: wrong issuer");
		goto out;
	}
	if (check_audience(v, c, reason, reasonlen) != 0)
		goto out;
	if ((o = json_object_get(c, "sub")) == NULL) {
		seterr(reason, reasonlen, "oauth: sub missing");
		goto out;
	}
	if (!json_is_string(o) || json_string_length(o) == 0 ||
	    json_string_length(o) > JWT_SUB_MAX ||
	    has_control(sub = json_string_value(o))) {
		seterr(reason, reasonlen, "oauth: bad sub (a non-empty string "
		    "of at most %d bytes without control characters)",
		    JWT_SUB_MAX);
		goto out;
	}
	if ((res->sub = strdup(sub)) == NULL) {
		seterr(reason, reasonlen, "oauth: out of memory");
		goto out;
	}
	if (roles_claim(v, c, res, reason, reasonlen) != 0 ||
	    scope_claim(c, res, reason, reasonlen) != 0 ||
	    cnf_claim(c, res, reason, reasonlen) != 0)
		goto out;
	res->exp = (time_t)exp;
	ret = 0;
 out:
	json_decref(c);
	if (ret != 0)
		jwt_result_clear(res);
	return ret;
}

/*
 * typ (RFC 9068 section 4): an access token says "at+jwt", so that an ID
 * token or any other JWT the same issuer signs for another purpose cannot
 * be passed off as one.  The comparison ignores case and a leading
 * "application/", as RFC 7515 section 4.1.9 says media types compare.
 * JWTType JWT also takes "JWT" or no typ (issuers that do not follow
 * RFC 9068); JWTType any does not look.
 */
static int
check_typ(const struct jwt_verifier *v, json_t *h, char *reason,
    size_t reasonlen)
{
	json_t *o;
	const char *typ;

	if (v->type == JWT_TYPE_ANY)
		return 0;
	if ((o = json_object_get(h, "typ")) == NULL) {
		if (v->type == JWT_TYPE_JWT)
			return 0;
		seterr(reason, reasonlen, "oauth: typ missing (JWTType "
		    "at+jwt)");
		return -1;
	}
	if (!json_is_string(o)) {
		seterr(reason, reasonlen, "oauth: typ not a string");
		return -1;
	}
	typ = json_string_value(o);
	if (strncasecmp(typ, "application/", 12) == 0)
		typ += 12;
	if (strcasecmp(typ, "at+jwt") == 0 ||
	    (v->type == JWT_TYPE_JWT && strcasecmp(typ, "JWT") == 0))
		return 0;
	/* Quoted only when harmless: alg_quotable's rule. */
	if (alg_quotable(json_string_value(o)))
		seterr(reason, reasonlen, "oauth: typ \"%s\" refused "
		    "(JWTType %s)", json_string_value(o),
		    v->type == JWT_TYPE_JWT ? "JWT" : "at+jwt");
	else
		seterr(reason, reasonlen, "oauth: bad typ (JWTType %s)",
		    v->type == JWT_TYPE_JWT ? "JWT" : "at+jwt");
	return -1;
}

/*
 * The header, before anything costly: the algorithm pinned and the key
 * chosen.  Returns the key, or NULL with the reason set.
 */
static const struct jwk *
check_header(const struct jwt_verifier *v, const uint8_t *hdr, size_t len,
    char *reason, size_t reasonlen)
{
	json_t *h, *o;
	json_error_t jerr;
	const struct jwk *k = NULL;
	const char *alg, *kid;
	unsigned int a;

	if ((h = json_loadb((const char *)hdr, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			seterr(reason, reasonlen, "oauth: duplicate header "
			    "parameter");
		else
			seterr(reason, reasonlen, "oauth: header not JSON");
		return NULL;
	}
	if (!json_is_object(h)) {
		seterr(reason, reasonlen, "oauth: header not a JSON object");
		goto out;
	}
	if ((o = json_object_get(h, "alg")) == NULL || !json_is_string(o)) {
		seterr(reason, reasonlen, "oauth: alg missing");
		goto out;
	}
	alg = json_string_value(o);
	if (strcasecmp(alg, "none") == 0) {
		seterr(reason, reasonlen, "oauth: alg none refused");
		goto out;
	}
	if (!alg_quotable(alg)) {
		seterr(reason, reasonlen, "oauth: bad alg");
		goto out;
	}
	/* HMAC with a public key as the secret: algorithm confusion. */
	if (strncasecmp(alg, "HS", 2) == 0) {
		seterr(reason, reasonlen, "oauth: alg %s refused", alg);
		goto out;
	}
	if ((a = jwt_alg_from_name(alg)) == 0 || (v->algs & a) == 0) {
		seterr(reason, reasonlen, "oauth: alg %s not allowed", alg);
		goto out;
	}
	/* No extension is understood here, so none may be critical. */
	if (json_object_get(h, "crit") != NULL) {
		seterr(reason, reasonlen, "oauth: crit header refused");
		goto out;
	}
	if ((o = json_object_get(h, "kid")) == NULL) {
		seterr(reason, reasonlen, "oauth: kid missing");
		goto out;
	}
	if (!json_is_string(o) ||
	    !jwt_valid_kid(json_string_value(o), json_string_length(o))) {
		seterr(reason, reasonlen, "oauth: bad kid");
		goto out;
	}
	kid = json_string_value(o);
	if ((k = find_key(v, kid)) == NULL) {
		seterr(reason, reasonlen, "oauth: unknown kid \"%s\"", kid);
		goto out;
	}
	if (k->alg != a) {
		seterr(reason, reasonlen, "oauth: kid \"%s\" is %s %s key, "
		    "token says %s", kid, alg_article(k->alg),
		    jwt_alg_name(k->alg), alg);
		k = NULL;
		goto out;
	}
	if (check_typ(v, h, reason, reasonlen) != 0)
		k = NULL;
 out:
	json_decref(h);
	return k;
}

/*
 * The three parts of a token, in order of cost: header (pinning), the
 * other two decoded, then the one signature check, then the claims.
 */
static int
verify_parts(struct jwt_verifier *v, const char *p1, size_t l1,
    const char *p2, size_t l2, const char *p3, size_t l3, uint8_t *dec,
    size_t decmax, time_t now, struct jwt_result *res, char *reason,
    size_t reasonlen)
{
	const struct jwk *k;
	const uint8_t *pl, *sig;
	size_t hdrlen, pllen, siglen, off;

	if (jwt_b64url_decode(p1, l1, dec, decmax, &hdrlen) != 0) {
		seterr(reason, reasonlen, "oauth: header not base64url");
		return -1;
	}
	if ((k = check_header(v, dec, hdrlen, reason, reasonlen)) == NULL)
		return -1;
	off = hdrlen;
	pl = dec + off;
	if (jwt_b64url_decode(p2, l2, dec + off, decmax - off, &pllen) != 0) {
		seterr(reason, reasonlen, "oauth: payload not base64url");
		return -1;
	}
	off += pllen;
	sig = dec + off;
	if (l3 == 0) {
		seterr(reason, reasonlen, "oauth: signature missing");
		return -1;
	}
	if (jwt_b64url_decode(p3, l3, dec + off, decmax - off, &siglen) != 0) {
		seterr(reason, reasonlen, "oauth: signature not base64url");
		return -1;
	}
	/* The signing input is the first two parts as they were sent. */
	if (!check_signature(v, k, p1, l1 + 1 + l2, sig, siglen)) {
		seterr(reason, reasonlen, "oauth: bad signature");
		return -1;
	}
	return check_claims(v, pl, pllen, now, res, reason, reasonlen);
}

int
jwtv_verify(struct jwt_verifier *v, const char *tok, size_t len,
    time_t now, struct jwt_result *res, char *reason, size_t reasonlen)
{
	uint8_t hash[JWT_HASH_LEN], dec[JWT_MAX];
	const char *p1, *p2, *p3;
	size_t i, dots = 0, l1, l2, l3;
	unsigned int hlen;
	int ret;

	if (reason != NULL && reasonlen > 0)
		reason[0] = '\0';
	if (res == NULL)
		return -1;
	memset(res, 0, sizeof(*res));
	if (v == NULL || (tok == NULL && len > 0)) {
		seterr(reason, reasonlen, "oauth: no verifier");
		return -1;
	}
	if (len == 0) {
		seterr(reason, reasonlen, "oauth: empty token");
		return -1;
	}
	/* Nothing decodes a token longer than this. */
	if (len > JWT_MAX) {
		seterr(reason, reasonlen, "oauth: token too long");
		return -1;
	}
	if (EVP_Digest(tok, len, hash, &hlen, v->sha256, NULL) != 1 ||
	    hlen != sizeof(hash)) {
		ERR_clear_error();
		seterr(reason, reasonlen, "oauth: out of memory");
		return -1;
	}
	if (cache_lookup(v, hash, now, res) == 0) {
		v->hits++;
		return 0;
	}

	for (i = 0; i < len; i++)
		if (tok[i] == '.')
			dots++;
	if (dots != 2) {
		if (dots == 4)
			seterr(reason, reasonlen, "oauth: malformed token "
			    "(5 parts: JWE refused)");
		else
			seterr(reason, reasonlen, "oauth: malformed token "
			    "(%zu part%s)", dots + 1, dots == 0 ? "" : "s");
		return -1;
	}
	p1 = tok;
	p2 = memchr(p1, '.', len);
	l1 = (size_t)(p2 - p1);
	p2++;
	p3 = memchr(p2, '.', len - l1 - 1);
	l2 = (size_t)(p3 - p2);
	p3++;
	l3 = len - l1 - l2 - 2;

	/* Decoded, the three parts fit in len bytes together. */
	ret = verify_parts(v, tok, l1, p2, l2, p3, l3, dec, sizeof(dec), now,
	    res, reason, reasonlen);
	/* dec held the decoded token, which is as good as the token. */
	explicit_bzero(dec, sizeof(dec));
	if (ret == 0)
		cache_insert(v, hash, now, res);
	return ret;
}
