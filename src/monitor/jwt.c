/*
 * OAuth bearer JWT verification in the monitor (mcpd.conf(5), JWKSFile):
 * the verifier and its settings, the token's parts, the header with the
 * algorithm pinned and the key chosen, and the one signature check a
 * token may cost.  The keys are loaded by jwks.c, the claims checked by
 * jwtclaims.c and verified tokens cached by jwtcache.c (jwt_int.h).
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
 * good (jwtclaims.c).
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "config.h"
#include "errbuf.h"
#include "jwt.h"
#include "jwt_int.h"
#include "xmalloc.h"

/* ES256 and EdDSA signatures. */
#define JWT_ES256_SIGLEN	64
#define JWT_EDDSA_SIGLEN	64
/* DER of an ECDSA P-256 signature: 2 + 2 * (2 + 33) bytes at most. */
#define JWT_ES256_DER_MAX	80
/* RSA-PSS salt for PS256: the hash length (RFC 7518 3.5). */
#define JWT_PSS_SALTLEN		32
/* Longest alg name quoted in a reason. */
#define JWT_ALG_QUOTE_MAX	16

/* The default of JWTAlgorithms, should the configuration not fill it. */
#define JWT_DEFAULT_ALGS	"RS256,ES256,EdDSA"

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


int
jwt_algs_parse(const char *list, unsigned int *mask, char *err,
    size_t errlen)
{
	char *copy, *cp, *a;
	unsigned int bit;
	size_t n = 0;
	int ret = -1;

	*mask = 0;
	if ((copy = strdup(list)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	cp = copy;
	while ((a = strsep(&cp, ",")) != NULL) {
		n++;
		/*
		 * "none" and HMAC get their own message, since naming them is
		 * usually a misunderstanding worth pointing out: with HMAC the
		 * verifier's key also signs, and a public key used as an HMAC
		 * secret is the algorithm-confusion attack.
		 */
		if (strcasecmp(a, "none") == 0) {
			seterr(err, errlen, "JWTAlgorithms: '%s' is never "
			    "accepted: unsigned tokens are always refused", a);
			goto out;
		}
		if (strncasecmp(a, "HS", 2) == 0) {
			seterr(err, errlen, "JWTAlgorithms: '%s' is never "
			    "accepted: HMAC algorithms are always refused", a);
			goto out;
		}
		if ((bit = jwt_alg_from_name(a)) == 0) {
			seterr(err, errlen, "JWTAlgorithms: unsupported "
			    "algorithm '%s' (must be among RS256, PS256, "
			    "ES256, EdDSA)", a);
			goto out;
		}
		*mask |= bit;
	}
	if (n == 0) {
		seterr(err, errlen, "JWTAlgorithms: empty list");
		goto out;
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
	if (jwt_algs_parse(cfg->jwt_algorithms != NULL ?
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
	jwt_cache_free(v);
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

	if (b64url_decode(p1, l1, dec, decmax, &hdrlen) != 0) {
		seterr(reason, reasonlen, "oauth: header not base64url");
		return -1;
	}
	if ((k = check_header(v, dec, hdrlen, reason, reasonlen)) == NULL)
		return -1;
	off = hdrlen;
	pl = dec + off;
	if (b64url_decode(p2, l2, dec + off, decmax - off, &pllen) != 0) {
		seterr(reason, reasonlen, "oauth: payload not base64url");
		return -1;
	}
	off += pllen;
	sig = dec + off;
	if (l3 == 0) {
		seterr(reason, reasonlen, "oauth: signature missing");
		return -1;
	}
	if (b64url_decode(p3, l3, dec + off, decmax - off, &siglen) != 0) {
		seterr(reason, reasonlen, "oauth: signature not base64url");
		return -1;
	}
	/* The signing input is the first two parts as they were sent. */
	if (!check_signature(v, k, p1, l1 + 1 + l2, sig, siglen)) {
		seterr(reason, reasonlen, "oauth: bad signature");
		return -1;
	}
	return jwt_check_claims(v, pl, pllen, now, res, reason, reasonlen);
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
	if (jwt_cache_lookup(v, hash, now, res) == 0) {
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
		jwt_cache_insert(v, hash, now, res);
	return ret;
}
