/*
 * Unit tests for OAuth bearer JWT verification (src/monitor/jwt.c, jwks.c,
 * jwtclaims.c, jwtcache.c): every bad token of issue 4, each refused with
 * its exact reason and at most one signature check; good tokens for each
 * algorithm; key rotation; the cache of verified tokens; JWKS files that
 * must be refused.
 *
 * Keys are generated here and tokens built by hand (base64url and an
 * OpenSSL signature), independently of the code under test.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "config.h"
#include "jwt.h"

#define NOW		((time_t)1700000000)
#define ISS		"https://issuer.example.com"
#define AUD		"https://mcp.example.com/mcp"
#define LEEWAY		60

struct keys {
	EVP_PKEY	*rsa1;		/* kid "rsa1", RS256 */
	EVP_PKEY	*rsa2;		/* kid "rsa2", RS256 (rotation) */
	EVP_PKEY	*pss;		/* kid "pss1", PS256 */
	EVP_PKEY	*ec;		/* kid "ec1", ES256 */
	EVP_PKEY	*ed;		/* kid "ed1", EdDSA */
	char		 dir[64];
	char		 jwks[128];
};

static struct keys K;
/* The RSA-PSS salt the test signer uses; RFC 7518 says 32 for PS256. */
static int pss_saltlen = 32;

/* ---- building tokens by hand ---- */

static char *
b64(const void *p, size_t len)
{
	char *out;
	size_t n = B64URL_LEN(len) + 1;

	assert_non_null(out = malloc(n));
	assert_int_equal(b64url_encode(p, len, out, n),
	    B64URL_LEN(len));
	return out;
}

static char *
b64s(const char *s)
{
	return b64(s, strlen(s));
}

static EVP_PKEY *
keygen(const char *type, const char *param)
{
	EVP_PKEY *k = NULL;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

/* Sign data as alg ("RS256", "PS256", "ES256", "EdDSA") in JWS form. */
static uint8_t *
sign(EVP_PKEY *k, const char *alg, const char *data, size_t *siglen)
{
	EVP_MD_CTX *m;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *sig, *raw;
	const unsigned char *p;
	size_t len = 0;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;
	int ed = strcmp(alg, "EdDSA") == 0;

	assert_non_null(m = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(m, &pctx, ed ? NULL :
	    EVP_sha256(), NULL, k), 1);
	if (strcmp(alg, "PS256") == 0) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    pss_saltlen), 1);
	}
	assert_int_equal(EVP_DigestSign(m, NULL, &len, (const uint8_t *)data,
	    strlen(data)), 1);
	assert_non_null(sig = malloc(len));
	assert_int_equal(EVP_DigestSign(m, sig, &len, (const uint8_t *)data,
	    strlen(data)), 1);
	EVP_MD_CTX_free(m);
	if (strcmp(alg, "ES256") == 0) {
		p = sig;
		assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)len));
		ECDSA_SIG_get0(es, &r, &s);
		assert_non_null(raw = malloc(64));
		assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
		assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
		ECDSA_SIG_free(es);
		free(sig);
		sig = raw;
		len = 64;
	}
	*siglen = len;
	return sig;
}

static char *
join3(const char *a, const char *b, const char *c)
{
	char *t;
	size_t n = strlen(a) + strlen(b) + strlen(c) + 3;

	assert_non_null(t = malloc(n));
	assert_true(snprintf(t, n, "%s.%s.%s", a, b, c) < (int)n);
	return t;
}

/*
 * A token with the given header and payload JSON, signed by k as
 * sigalg (NULL: no signature, as for alg none).
 */
static char *
tok_raw(const char *header, const char *payload, EVP_PKEY *k,
    const char *sigalg)
{
	char *h = b64s(header), *p = b64s(payload), *s, *input, *t;
	uint8_t *sig;
	size_t siglen, n;

	n = strlen(h) + strlen(p) + 2;
	assert_non_null(input = malloc(n));
	assert_true(snprintf(input, n, "%s.%s", h, p) < (int)n);
	if (sigalg == NULL)
		s = strdup("");
	else {
		sig = sign(k, sigalg, input, &siglen);
		s = b64(sig, siglen);
		free(sig);
	}
	t = join3(h, p, s);
	free(h);
	free(p);
	free(s);
	free(input);
	return t;
}

/* A standard header for alg and kid. */
static char *
tok(const char *alg, const char *kid, const char *payload, EVP_PKEY *k)
{
	char header[256];

	(void)snprintf(header, sizeof(header),
	    "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", alg, kid);
	return tok_raw(header, payload, k, alg);
}

/* The usual claims, with exp relative to NOW, and extra members. */
static char *
claims(long exp_delta, const char *extra)
{
	char *c;
	size_t n = 8192;

	assert_non_null(c = malloc(n));
	assert_true(snprintf(c, n, "{\"iss\":\"%s\",\"aud\":\"%s\","
	    "\"sub\":\"alice@example.com\",\"exp\":%lld,\"iat\":%lld%s%s}",
	    ISS, AUD, (long long)NOW + exp_delta, (long long)NOW,
	    extra != NULL ? "," : "", extra != NULL ? extra : "") < (int)n);
	return c;
}

/* ---- the JWKS ---- */

static void
set_b64_bn(json_t *o, const char *name, EVP_PKEY *k, const char *param,
    int pad)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	int n;
	char *s;

	assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
	n = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	assert_true(n > 0);
	s = b64(buf, (size_t)n);
	assert_int_equal(json_object_set_new(o, name, json_string(s)), 0);
	free(s);
	BN_free(bn);
}

static json_t *
jwk(EVP_PKEY *k, const char *kid, const char *alg)
{
	json_t *o = json_object();
	uint8_t raw[32];
	size_t rawlen = sizeof(raw);
	char *s;

	assert_non_null(o);
	if (EVP_PKEY_is_a(k, "RSA")) {
		json_object_set_new(o, "kty", json_string("RSA"));
		set_b64_bn(o, "n", k, OSSL_PKEY_PARAM_RSA_N, 0);
		set_b64_bn(o, "e", k, OSSL_PKEY_PARAM_RSA_E, 0);
	} else if (EVP_PKEY_is_a(k, "EC")) {
		json_object_set_new(o, "kty", json_string("EC"));
		json_object_set_new(o, "crv", json_string("P-256"));
		set_b64_bn(o, "x", k, OSSL_PKEY_PARAM_EC_PUB_X, 32);
		set_b64_bn(o, "y", k, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	} else {
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, raw, &rawlen),
		    1);
		json_object_set_new(o, "kty", json_string("OKP"));
		json_object_set_new(o, "crv", json_string("Ed25519"));
		s = b64(raw, rawlen);
		json_object_set_new(o, "x", json_string(s));
		free(s);
	}
	json_object_set_new(o, "kid", json_string(kid));
	if (alg != NULL)
		json_object_set_new(o, "alg", json_string(alg));
	json_object_set_new(o, "use", json_string("sig"));
	return o;
}

static void
write_file(const char *path, const char *s, mode_t mode)
{
	int fd;
	size_t len = strlen(s);

	(void)unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) >= 0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
write_jwks(const char *path, json_t *keys)
{
	json_t *root = json_object();
	char *s;

	json_object_set_new(root, "keys", keys);
	assert_non_null(s = json_dumps(root, JSON_COMPACT));
	write_file(path, s, 0644);
	free(s);
	json_decref(root);
}

static json_t *
all_keys(void)
{
	json_t *a = json_array();

	json_array_append_new(a, jwk(K.rsa1, "rsa1", "RS256"));
	json_array_append_new(a, jwk(K.rsa2, "rsa2", NULL));
	json_array_append_new(a, jwk(K.pss, "pss1", "PS256"));
	json_array_append_new(a, jwk(K.ec, "ec1", "ES256"));
	json_array_append_new(a, jwk(K.ed, "ed1", "EdDSA"));
	return a;
}

static void
cfg_setup(struct mcpd_config *cfg, const char *jwks, const char *algs)
{
	config_init(cfg);
	assert_non_null(cfg->jwks_file = strdup(jwks));
	assert_non_null(cfg->jwt_issuer = strdup(ISS));
	assert_non_null(cfg->jwt_audience = strdup(AUD));
	assert_non_null(cfg->jwt_algorithms = strdup(algs));
	assert_non_null(cfg->jwt_roles_claim = strdup("roles"));
	cfg->jwt_leeway = LEEWAY;
}

static int
group_setup(void **state)
{
	(void)state;
	K.rsa1 = keygen("RSA", NULL);
	K.rsa2 = keygen("RSA", NULL);
	K.pss = keygen("RSA", NULL);
	K.ec = keygen("EC", "P-256");
	K.ed = keygen("ED25519", NULL);
	(void)snprintf(K.dir, sizeof(K.dir), "/tmp/test_jwt.XXXXXX");
	assert_non_null(mkdtemp(K.dir));
	(void)snprintf(K.jwks, sizeof(K.jwks), "%s/jwks.json", K.dir);
	write_jwks(K.jwks, all_keys());
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	EVP_PKEY_free(K.rsa1);
	EVP_PKEY_free(K.rsa2);
	EVP_PKEY_free(K.pss);
	EVP_PKEY_free(K.ec);
	EVP_PKEY_free(K.ed);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", K.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

struct fix {
	struct mcpd_config	 cfg;
	struct jwt_verifier	*v;
};

static int
setup(void **state)
{
	struct fix *f;
	char err[512];

	assert_non_null(f = calloc(1, sizeof(*f)));
	cfg_setup(&f->cfg, K.jwks, "RS256,PS256,ES256,EdDSA");
	f->v = jwtv_new(&f->cfg, err, sizeof(err));
	if (f->v == NULL)
		fail_msg("jwtv_new: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	jwtv_free(f->v);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static uint64_t
nverifies(const struct jwt_verifier *v)
{
	uint64_t n;

	jwtv_stats(v, &n, NULL);
	return n;
}

/*
 * t must be refused with exactly want, after exactly sigs signature
 * checks (0 or 1).  Frees t.
 */
static void
refused(struct fix *f, char *t, const char *want, int sigs)
{
	struct jwt_result r;
	char reason[256];
	uint64_t before = nverifies(f->v);

	assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW, &r, reason,
	    sizeof(reason)), -1);
	assert_string_equal(reason, want);
	assert_null(r.sub);
	assert_int_equal(nverifies(f->v) - before, (uint64_t)sigs);
	free(t);
}

static void
accepted(struct fix *f, char *t, struct jwt_result *r)
{
	char reason[256];

	if (jwtv_verify(f->v, t, strlen(t), NOW, r, reason,
	    sizeof(reason)) != 0)
		fail_msg("refused: %s", reason);
	assert_string_equal(r->sub, "alice@example.com");
	free(t);
}

/* ---- tests ---- */

static void
test_kid_syntax(void **state)
{
	char longkid[JWT_KID_MAX + 2];

	(void)state;
	assert_true(jwt_valid_kid("2024-01_key.A", 13));
	assert_false(jwt_valid_kid("", 0));
	assert_false(jwt_valid_kid("../x", 4));
	assert_false(jwt_valid_kid("a\"b", 3));
	assert_false(jwt_valid_kid("a/b", 3));
	memset(longkid, 'k', sizeof(longkid) - 1);
	longkid[sizeof(longkid) - 1] = '\0';
	assert_false(jwt_valid_kid(longkid, JWT_KID_MAX + 1));
	assert_true(jwt_valid_kid(longkid, JWT_KID_MAX));
}

static void
test_load(void **state)
{
	struct fix *f = *state;

	assert_int_equal(jwtv_nkeys(f->v), 5);
	assert_int_equal(jwtv_nskipped(f->v), 0);
}

static void
test_good_each_alg(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	static const struct {
		const char *alg, *kid;
	} cases[] = {
		{ "RS256", "rsa1" }, { "PS256", "pss1" }, { "ES256", "ec1" },
		{ "EdDSA", "ed1" }
	};
	EVP_PKEY *keys[] = { K.rsa1, K.pss, K.ec, K.ed };
	size_t i;
	char *c;

	for (i = 0; i < 4; i++) {
		c = claims(900, "\"roles\":[\"developer\",\"viewer\"],"
		    "\"scope\":\"  mcp:read mcp:write \"");
		accepted(f, tok(cases[i].alg, cases[i].kid, c, keys[i]), &r);
		free(c);
		assert_int_equal(r.exp, NOW + 900);
		assert_true(r.has_roles);
		assert_int_equal(r.nroles, 2);
		assert_string_equal(r.roles[0], "developer");
		assert_string_equal(r.roles[1], "viewer");
		assert_int_equal(r.nscopes, 2);
		assert_string_equal(r.scopes[0], "mcp:read");
		assert_string_equal(r.scopes[1], "mcp:write");
		jwt_result_clear(&r);
	}
	assert_int_equal(nverifies(f->v), 4);
}

static void
test_no_roles_claim(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char *c = claims(900, NULL);

	accepted(f, tok("RS256", "rsa1", c, K.rsa1), &r);
	free(c);
	assert_false(r.has_roles);
	assert_int_equal(r.nroles, 0);
	assert_int_equal(r.nscopes, 0);
	jwt_result_clear(&r);

	c = claims(900, "\"roles\":[]");
	accepted(f, tok("RS256", "rsa1", c, K.rsa1), &r);
	free(c);
	assert_true(r.has_roles);
	assert_int_equal(r.nroles, 0);
	jwt_result_clear(&r);
}

static void
test_rotation(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char *c = claims(900, NULL);

	/* Old and new key both valid; each only under its own kid. */
	accepted(f, tok("RS256", "rsa1", c, K.rsa1), &r);
	jwt_result_clear(&r);
	accepted(f, tok("RS256", "rsa2", c, K.rsa2), &r);
	jwt_result_clear(&r);
	refused(f, tok("RS256", "rsa2", c, K.rsa1), "oauth: bad signature", 1);
	free(c);
}

static void
test_alg_none(void **state)
{
	struct fix *f = *state;
	char *c = claims(900, NULL);

	refused(f, tok_raw("{\"alg\":\"none\",\"kid\":\"rsa1\"}", c, NULL,
	    NULL), "oauth: alg none refused", 0);
	refused(f, tok_raw("{\"alg\":\"NoNe\"}", c, NULL, NULL),
	    "oauth: alg none refused", 0);
	free(c);
}

/* HS256 with the RSA public key's PEM as the HMAC secret. */
static void
test_alg_confusion(void **state)
{
	struct fix *f = *state;
	BIO *bio;
	char *pem, *c = claims(900, NULL), *h, *p, *s, *input, *t;
	long pemlen;
	uint8_t mac[32];
	unsigned int maclen = sizeof(mac);
	size_t n;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PUBKEY(bio, K.rsa1), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	h = b64s("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"rsa1\"}");
	p = b64s(c);
	n = strlen(h) + strlen(p) + 2;
	assert_non_null(input = malloc(n));
	(void)snprintf(input, n, "%s.%s", h, p);
	assert_non_null(HMAC(EVP_sha256(), pem, (int)pemlen,
	    (const uint8_t *)input, strlen(input), mac, &maclen));
	s = b64(mac, maclen);
	t = join3(h, p, s);
	refused(f, t, "oauth: alg HS256 refused", 0);
	BIO_free(bio);
	free(h);
	free(p);
	free(s);
	free(input);
	free(c);
}

static void
test_alg_pinning(void **state)
{
	struct fix *f = *state;
	char *c = claims(900, NULL);

	/* An RS256 token whose kid names the EC key. */
	refused(f, tok("RS256", "ec1", c, K.rsa1),
	    "oauth: kid \"ec1\" is an ES256 key, token says RS256", 0);
	/* PS256 under an RS256 key, and the other way round. */
	refused(f, tok("PS256", "rsa1", c, K.rsa1),
	    "oauth: kid \"rsa1\" is an RS256 key, token says PS256", 0);
	refused(f, tok("RS256", "pss1", c, K.pss),
	    "oauth: kid \"pss1\" is a PS256 key, token says RS256", 0);
	refused(f, tok("EdDSA", "ec1", c, K.ed),
	    "oauth: kid \"ec1\" is an ES256 key, token says EdDSA", 0);
	refused(f, tok_raw("{\"alg\":\"RS512\",\"kid\":\"rsa1\"}", c, K.rsa1,
	    "RS256"), "oauth: alg RS512 not allowed", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\\\"x\",\"kid\":\"rsa1\"}", c,
	    K.rsa1, "RS256"), "oauth: bad alg", 0);
	refused(f, tok_raw("{\"kid\":\"rsa1\"}", c, K.rsa1, "RS256"),
	    "oauth: alg missing", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\",\"kid\":\"rsa1\","
	    "\"crit\":[\"exp\"]}", c, K.rsa1, "RS256"),
	    "oauth: crit header refused", 0);
	free(c);
}

static void
test_alg_not_configured(void **state)
{
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	struct jwt_result r;
	char err[256], *c = claims(900, NULL), *t;

	(void)state;
	/* The default JWTAlgorithms leaves PS256 out. */
	cfg_setup(&cfg, K.jwks, "RS256,ES256,EdDSA");
	assert_non_null(v = jwtv_new(&cfg, err, sizeof(err)));
	t = tok("PS256", "pss1", c, K.pss);
	assert_int_equal(jwtv_verify(v, t, strlen(t), NOW, &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "oauth: alg PS256 not allowed");
	assert_int_equal(nverifies(v), 0);
	free(t);
	free(c);
	jwtv_free(v);
	config_free(&cfg);
}

/* typ (RFC 9068 section 4) under each JWTType. */
static void
test_typ(void **state)
{
	static const struct {
		const char	*typ;	/* NULL: no typ member */
		int		 ok[3];	/* at+jwt, JWT, any */
	} cases[] = {
		{ "at+jwt",		{ 1, 1, 1 } },
		{ "AT+JWT",		{ 1, 1, 1 } },
		{ "application/at+jwt",	{ 1, 1, 1 } },
		{ "JWT",		{ 0, 1, 1 } },
		{ "jwt",		{ 0, 1, 1 } },
		{ NULL,			{ 0, 1, 1 } },
		{ "dpop+jwt",		{ 0, 0, 1 } },
		{ "",			{ 0, 0, 1 } },
	};
	static const char *const want_jwt[] = {
		"oauth: typ \"JWT\" refused (JWTType at+jwt)",
		"oauth: typ \"jwt\" refused (JWTType at+jwt)",
		"oauth: typ missing (JWTType at+jwt)",
		"oauth: typ \"dpop+jwt\" refused (JWTType at+jwt)",
		"oauth: bad typ (JWTType at+jwt)",
		"oauth: typ \"dpop+jwt\" refused (JWTType JWT)",
		"oauth: bad typ (JWTType JWT)",
	};
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	struct jwt_result r;
	char err[256], hdr[128], *c = claims(900, NULL), *t;
	size_t i, nwant = 0;
	int type;

	(void)state;
	for (type = JWT_TYPE_AT_JWT; type <= JWT_TYPE_ANY; type++) {
		cfg_setup(&cfg, K.jwks, "EdDSA");
		cfg.jwt_type = type;
		assert_non_null(v = jwtv_new(&cfg, err, sizeof(err)));
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (cases[i].typ != NULL)
				(void)snprintf(hdr, sizeof(hdr), "{\"alg\":"
				    "\"EdDSA\",\"typ\":\"%s\",\"kid\":"
				    "\"ed1\"}", cases[i].typ);
			else
				(void)snprintf(hdr, sizeof(hdr), "{\"alg\":"
				    "\"EdDSA\",\"kid\":\"ed1\"}");
			t = tok_raw(hdr, c, K.ed, "EdDSA");
			if (cases[i].ok[type]) {
				if (jwtv_verify(v, t, strlen(t), NOW, &r, err,
				    sizeof(err)) != 0)
					fail_msg("typ %s, JWTType %d: %s",
					    cases[i].typ, type, err);
				jwt_result_clear(&r);
			} else {
				assert_int_equal(jwtv_verify(v, t, strlen(t),
				    NOW, &r, err, sizeof(err)), -1);
				assert_true(nwant < sizeof(want_jwt) /
				    sizeof(want_jwt[0]));
				assert_string_equal(err, want_jwt[nwant]);
				nwant++;
			}
			free(t);
		}
		jwtv_free(v);
		config_free(&cfg);
	}
	assert_int_equal(nwant, sizeof(want_jwt) / sizeof(want_jwt[0]));
	free(c);
}

static void
test_kid(void **state)
{
	struct fix *f = *state;
	char *c = claims(900, NULL);

	refused(f, tok("RS256", "nope", c, K.rsa1),
	    "oauth: unknown kid \"nope\"", 0);
	refused(f, tok("RS256", "../../etc/passwd", c, K.rsa1),
	    "oauth: bad kid", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\",\"kid\":\"a\\\"b\"}", c,
	    K.rsa1, "RS256"), "oauth: bad kid", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\",\"kid\":7}", c, K.rsa1,
	    "RS256"), "oauth: bad kid", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\"}", c, K.rsa1, "RS256"),
	    "oauth: kid missing", 0);
	free(c);
}

static void
test_times(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char *c;

	c = claims(-LEEWAY - 1, NULL);
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: token expired", 1);
	free(c);
	/* exp plus the leeway is the first second refused. */
	c = claims(-LEEWAY, NULL);
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: token expired", 1);
	free(c);
	/* Within the leeway. */
	c = claims(-LEEWAY + 1, NULL);
	accepted(f, tok("ES256", "ec1", c, K.ec), &r);
	jwt_result_clear(&r);
	free(c);

	c = claims(900, "\"nbf\":1700000100");
	refused(f, tok("ES256", "ec1", c, K.ec),
	    "oauth: token not yet valid (nbf)", 1);
	free(c);
	c = claims(900, "\"nbf\":1700000050");
	accepted(f, tok("ES256", "ec1", c, K.ec), &r);
	jwt_result_clear(&r);
	free(c);

	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\","
	    "\"iat\":1700000100,\"exp\":1700000900}");
	refused(f, tok("ES256", "ec1", c, K.ec),
	    "oauth: token issued in the future (iat)", 1);
	free(c);

	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\"}");
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: exp missing", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\","
	    "\"exp\":\"1700000900\"}");
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: exp not a number",
	    1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\","
	    "\"exp\":1e300}");
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: exp out of range",
	    1);
	free(c);
	c = claims(900, "\"nbf\":null");
	refused(f, tok("ES256", "ec1", c, K.ec), "oauth: nbf not a number",
	    1);
	free(c);
	/* A fractional NumericDate is a number. */
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"sub\":\"alice@example.com\",\"exp\":1700000900.5}");
	accepted(f, tok("ES256", "ec1", c, K.ec), &r);
	assert_int_equal(r.exp, 1700000900);
	jwt_result_clear(&r);
	free(c);
}

static void
test_issuer_audience(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char *c;

	c = strdup("{\"iss\":\"https://evil.example\",\"aud\":\"" AUD "\","
	    "\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed), "oauth: wrong issuer", 1);
	free(c);
	c = strdup("{\"aud\":\"" AUD "\",\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed), "oauth: iss missing", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed), "oauth: aud missing", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"https://other.example/mcp\","
	    "\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed), "oauth: audience mismatch",
	    1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":[\"https://a.example\","
	    "\"https://b.example\"],\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed), "oauth: audience mismatch",
	    1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":[\"" AUD "\",3],"
	    "\"sub\":\"a\",\"exp\":1700000900}");
	refused(f, tok("EdDSA", "ed1", c, K.ed),
	    "oauth: aud not a string or an array of strings", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":[\"https://a.example\",\""
	    AUD "\"],\"sub\":\"alice@example.com\",\"exp\":1700000900}");
	accepted(f, tok("EdDSA", "ed1", c, K.ed), &r);
	jwt_result_clear(&r);
	free(c);
}

static void
test_sub(void **state)
{
	struct fix *f = *state;
	char *c;

	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"exp\":1700000900}");
	refused(f, tok("RS256", "rsa1", c, K.rsa1), "oauth: sub missing", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"\","
	    "\"exp\":1700000900}");
	refused(f, tok("RS256", "rsa1", c, K.rsa1), "oauth: bad sub (a "
	    "non-empty string of at most 256 bytes without control "
	    "characters)", 1);
	free(c);
	c = strdup("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\\nb\","
	    "\"exp\":1700000900}");
	refused(f, tok("RS256", "rsa1", c, K.rsa1), "oauth: bad sub (a "
	    "non-empty string of at most 256 bytes without control "
	    "characters)", 1);
	free(c);
}

static void
test_signature_tampering(void **state)
{
	struct fix *f = *state;
	char *c = claims(900, NULL), *t, *t2, *dot, *other;
	size_t n;

	/* One bit flipped in the signature, for each kind of key. */
	t = tok("RS256", "rsa1", c, K.rsa1);
	n = strlen(t);
	t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
	refused(f, t, "oauth: bad signature", 1);
	t = tok("ES256", "ec1", c, K.ec);
	n = strlen(t);
	t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
	refused(f, t, "oauth: bad signature", 1);
	t = tok("EdDSA", "ed1", c, K.ed);
	n = strlen(t);
	t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
	refused(f, t, "oauth: bad signature", 1);
	t = tok("PS256", "pss1", c, K.pss);
	n = strlen(t);
	t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
	refused(f, t, "oauth: bad signature", 1);

	/* PS256 with a salt other than the hash length. */
	pss_saltlen = 64;
	refused(f, tok("PS256", "pss1", c, K.pss), "oauth: bad signature", 1);
	pss_saltlen = 32;

	/* Another payload under a valid signature. */
	t = tok("RS256", "rsa1", c, K.rsa1);
	other = b64s("{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"sub\":\"admin@example.com\",\"exp\":1700000900}");
	dot = strchr(t, '.');
	*dot = '\0';
	t2 = join3(t, other, strrchr(dot + 1, '.') + 1);
	free(t);
	free(other);
	refused(f, t2, "oauth: bad signature", 1);

	/* A signature of the wrong length costs no check. */
	t = tok("ES256", "ec1", c, K.ec);
	n = strlen(t);
	assert_non_null(t2 = realloc(t, n + 5));
	memcpy(t2 + n, "AAAA", 5);
	refused(f, t2, "oauth: bad signature", 0);
	/* alg none style: nothing after the second dot. */
	t = tok("RS256", "rsa1", c, K.rsa1);
	*(strrchr(t, '.') + 1) = '\0';
	refused(f, t, "oauth: signature missing", 0);
	t = tok("RS256", "rsa1", c, K.rsa1);
	n = strlen(t);
	t[n - 1] = '=';
	refused(f, t, "oauth: signature not base64url", 0);
	free(c);
}

static void
test_structure(void **state)
{
	struct fix *f = *state;
	char *c = claims(900, NULL), *t, *big;
	size_t n;

	refused(f, strdup("eyJhbGciOiJSUzI1NiJ9.e30"),
	    "oauth: malformed token (2 parts)", 0);
	refused(f, strdup("a.b.c.d.e"),
	    "oauth: malformed token (5 parts: JWE refused)", 0);
	refused(f, strdup("abc"), "oauth: malformed token (1 part)", 0);
	refused(f, strdup("a.b.c.d"), "oauth: malformed token (4 parts)", 0);

	/* 100 KB, and one byte over the cap, each undecoded. */
	n = 100 * 1024;
	assert_non_null(big = malloc(n + 1));
	memset(big, 'A', n);
	big[n] = '\0';
	big[10] = '.';
	big[20] = '.';
	refused(f, big, "oauth: token too long", 0);
	t = tok("RS256", "rsa1", c, K.rsa1);
	n = strlen(t);
	assert_non_null(big = malloc(JWT_MAX + 2));
	memset(big, 'A', JWT_MAX + 1);
	memcpy(big, t, n);
	big[JWT_MAX + 1] = '\0';
	free(t);
	refused(f, big, "oauth: token too long", 0);

	refused(f, tok_raw("{\"alg\":\"RS256\",\"kid\":\"rsa1\"", c, K.rsa1,
	    "RS256"), "oauth: header not JSON", 0);
	refused(f, tok_raw("[\"RS256\"]", c, K.rsa1, "RS256"),
	    "oauth: header not a JSON object", 0);
	refused(f, tok_raw("{\"alg\":\"RS256\",\"kid\":\"rsa1\","
	    "\"alg\":\"none\"}", c, K.rsa1, "RS256"),
	    "oauth: duplicate header parameter", 0);
	t = tok("RS256", "rsa1", c, K.rsa1);
	t[3] = '*';
	refused(f, t, "oauth: header not base64url", 0);
	t = tok("RS256", "rsa1", c, K.rsa1);
	*(strchr(t, '.') + 2) = '+';
	refused(f, t, "oauth: payload not base64url", 0);
	t = strdup("..");
	refused(f, t, "oauth: header not JSON", 0);
	free(c);
}

static void
test_payload(void **state)
{
	struct fix *f = *state;

	refused(f, tok("RS256", "rsa1", "{\"exp\":1700000900", K.rsa1),
	    "oauth: payload not JSON", 1);
	refused(f, tok("RS256", "rsa1", "[1,2]", K.rsa1),
	    "oauth: payload not a JSON object", 1);
	refused(f, tok("RS256", "rsa1", "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"sub\":\"alice@example.com\",\"sub\":\"admin@example.com\","
	    "\"exp\":1700000900}", K.rsa1), "oauth: duplicate claim", 1);
}

static void
test_roles_scope_claims(void **state)
{
	struct fix *f = *state;
	char *c, extra[4096];
	size_t i, off;

	c = claims(900, "\"roles\":\"admin\"");
	refused(f, tok("RS256", "rsa1", c, K.rsa1),
	    "oauth: roles claim not an array of strings", 1);
	free(c);
	c = claims(900, "\"roles\":[\"admin\",1]");
	refused(f, tok("RS256", "rsa1", c, K.rsa1),
	    "oauth: roles claim not an array of strings", 1);
	free(c);
	c = claims(900, "\"roles\":{\"admin\":true}");
	refused(f, tok("RS256", "rsa1", c, K.rsa1),
	    "oauth: roles claim not an array of strings", 1);
	free(c);
	c = claims(900, "\"scope\":[\"a\"]");
	refused(f, tok("RS256", "rsa1", c, K.rsa1),
	    "oauth: scope not a string", 1);
	free(c);
	off = (size_t)snprintf(extra, sizeof(extra), "\"roles\":[");
	for (i = 0; i <= JWT_MAX_ROLES; i++)
		off += (size_t)snprintf(extra + off, sizeof(extra) - off,
		    "%s\"r\"", i > 0 ? "," : "");
	(void)snprintf(extra + off, sizeof(extra) - off, "]");
	assert_true(strlen(extra) < sizeof(extra) - 1);
	c = claims(900, extra);
	refused(f, tok("EdDSA", "ed1", c, K.ed),
	    "oauth: roles claim too large (257 entries, at most 256)", 1);
	free(c);
	/* A role of JWT_ROLE_MAX bytes passes; one more is refused. */
	off = (size_t)snprintf(extra, sizeof(extra), "\"roles\":[\"");
	memset(extra + off, 'r', JWT_ROLE_MAX + 1);
	off += JWT_ROLE_MAX + 1;
	(void)snprintf(extra + off, sizeof(extra) - off, "\"]");
	c = claims(900, extra);
	refused(f, tok("EdDSA", "ed1", c, K.ed),
	    "oauth: role longer than 128 bytes in the roles claim", 1);
	free(c);
	memmove(extra + off - 1, extra + off, strlen(extra + off) + 1);
	c = claims(900, extra);
	{
		struct jwt_result r;
		char *t = tok("EdDSA", "ed1", c, K.ed), reason[256];

		assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW, &r,
		    reason, sizeof(reason)), 0);
		assert_int_equal(strlen(r.roles[0]), JWT_ROLE_MAX);
		jwt_result_clear(&r);
		free(t);
	}
	free(c);
}

/* A custom JWTRolesClaim is read instead of "roles". */
static void
test_roles_claim_name(void **state)
{
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	struct jwt_result r;
	char err[256], *c, *t;

	(void)state;
	cfg_setup(&cfg, K.jwks, "EdDSA");
	free(cfg.jwt_roles_claim);
	cfg.jwt_roles_claim = strdup("groups");
	assert_non_null(v = jwtv_new(&cfg, err, sizeof(err)));
	c = claims(900, "\"roles\":[\"admin\"],\"groups\":[\"viewer\"]");
	t = tok("EdDSA", "ed1", c, K.ed);
	assert_int_equal(jwtv_verify(v, t, strlen(t), NOW, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.nroles, 1);
	assert_string_equal(r.roles[0], "viewer");
	jwt_result_clear(&r);
	free(t);
	free(c);
	jwtv_free(v);
	config_free(&cfg);
}

static void
test_cache(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char reason[256], *c = claims(100, "\"roles\":[\"viewer\"]"), *t;
	uint64_t verifies, hits;
	size_t n;

	t = tok("RS256", "rsa1", c, K.rsa1);
	assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW, &r, reason,
	    sizeof(reason)), 0);
	jwt_result_clear(&r);
	assert_int_equal(jwtv_cache_entries(f->v), 1);
	/* Again, later: a hash, no signature. */
	assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW + 99, &r, reason,
	    sizeof(reason)), 0);
	jwtv_stats(f->v, &verifies, &hits);
	assert_int_equal(verifies, 1);
	assert_int_equal(hits, 1);
	assert_string_equal(r.sub, "alice@example.com");
	assert_int_equal(r.nroles, 1);
	assert_string_equal(r.roles[0], "viewer");
	assert_int_equal(r.exp, NOW + 100);
	jwt_result_clear(&r);
	/*
	 * At exp the entry is gone: the token is checked again (it is
	 * still inside the leeway) and not cached any more.
	 */
	assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW + 100, &r,
	    reason, sizeof(reason)), 0);
	jwt_result_clear(&r);
	jwtv_stats(f->v, &verifies, &hits);
	assert_int_equal(verifies, 2);
	assert_int_equal(hits, 1);
	assert_int_equal(jwtv_cache_entries(f->v), 0);
	/* Past the leeway: refused, and still not from the cache. */
	assert_int_equal(jwtv_verify(f->v, t, strlen(t), NOW + 100 + LEEWAY,
	    &r, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "oauth: token expired");
	free(t);
	free(c);

	/* Failures are not cached: each costs its check again. */
	c = claims(900, NULL);
	t = tok("RS256", "rsa1", c, K.rsa1);
	n = strlen(t);
	t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
	refused(f, strdup(t), "oauth: bad signature", 1);
	refused(f, t, "oauth: bad signature", 1);
	free(c);
}

static void
test_cache_eviction(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char reason[256], *c[3], *t[3], extra[64];
	uint64_t verifies, hits;
	size_t i;

	jwtv_set_cache_max(f->v, 2, SIZE_MAX);
	for (i = 0; i < 3; i++) {
		(void)snprintf(extra, sizeof(extra), "\"jti\":\"%zu\"", i);
		c[i] = claims(900, extra);
		t[i] = tok("EdDSA", "ed1", c[i], K.ed);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(jwtv_verify(f->v, t[i], strlen(t[i]), NOW,
		    &r, reason, sizeof(reason)), 0);
		jwt_result_clear(&r);
	}
	assert_int_equal(jwtv_cache_entries(f->v), 2);
	/* The oldest went; the two newest are hits. */
	for (i = 2; i >= 1; i--) {
		assert_int_equal(jwtv_verify(f->v, t[i], strlen(t[i]), NOW,
		    &r, reason, sizeof(reason)), 0);
		jwt_result_clear(&r);
	}
	jwtv_stats(f->v, &verifies, &hits);
	assert_int_equal(verifies, 3);
	assert_int_equal(hits, 2);
	assert_int_equal(jwtv_verify(f->v, t[0], strlen(t[0]), NOW, &r,
	    reason, sizeof(reason)), 0);
	jwt_result_clear(&r);
	jwtv_stats(f->v, &verifies, &hits);
	assert_int_equal(verifies, 4);
	for (i = 0; i < 3; i++) {
		free(c[i]);
		free(t[i]);
	}
}

/* The byte budget evicts as the count does. */
static void
test_cache_bytes(void **state)
{
	struct fix *f = *state;
	struct jwt_result r;
	char reason[256], *c[3], *t[3], extra[4096];
	size_t i, j, off;
	uint64_t verifies, hits;

	/*
	 * Three entries of over 2000 bytes each (16 roles of 125 bytes:
	 * a role is at most JWT_ROLE_MAX); room for two.
	 */
	jwtv_set_cache_max(f->v, 100, 5000);
	for (i = 0; i < 3; i++) {
		off = (size_t)snprintf(extra, sizeof(extra), "\"jti\":\"%zu\","
		    "\"roles\":[", i);
		for (j = 0; j < 16; j++) {
			extra[off++] = j == 0 ? '"' : ',';
			if (j > 0)
				extra[off++] = '"';
			memset(extra + off, 'r', 125);
			off += 125;
			extra[off++] = '"';
		}
		(void)snprintf(extra + off, sizeof(extra) - off, "]");
		c[i] = claims(900, extra);
		t[i] = tok("EdDSA", "ed1", c[i], K.ed);
		assert_int_equal(jwtv_verify(f->v, t[i], strlen(t[i]), NOW,
		    &r, reason, sizeof(reason)), 0);
		assert_int_equal(r.nroles, 16);
		assert_int_equal(strlen(r.roles[0]), 125);
		jwt_result_clear(&r);
	}
	assert_int_equal(jwtv_cache_entries(f->v), 2);
	assert_int_equal(jwtv_verify(f->v, t[2], strlen(t[2]), NOW, &r,
	    reason, sizeof(reason)), 0);
	jwt_result_clear(&r);
	assert_int_equal(jwtv_verify(f->v, t[0], strlen(t[0]), NOW, &r,
	    reason, sizeof(reason)), 0);
	jwt_result_clear(&r);
	jwtv_stats(f->v, &verifies, &hits);
	assert_int_equal(verifies, 4);
	assert_int_equal(hits, 1);
	/* An entry larger than the whole budget is not kept. */
	jwtv_set_cache_max(f->v, 100, 1000);
	assert_int_equal(jwtv_cache_entries(f->v), 0);
	assert_int_equal(jwtv_verify(f->v, t[1], strlen(t[1]), NOW, &r,
	    reason, sizeof(reason)), 0);
	jwt_result_clear(&r);
	assert_int_equal(jwtv_cache_entries(f->v), 0);
	for (i = 0; i < 3; i++) {
		free(c[i]);
		free(t[i]);
	}
}

/* The JWKS in path must be refused with exactly want. */
static void
jwks_refused(const char *path, const char *want)
{
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	char err[1024];

	cfg_setup(&cfg, path, "RS256,PS256,ES256,EdDSA");
	v = jwtv_new(&cfg, err, sizeof(err));
	assert_null(v);
	assert_string_equal(err, want);
	config_free(&cfg);
}

static void
test_jwks_bad(void **state)
{
	char path[256], want[512];
	json_t *a, *k;
	EVP_PKEY *small;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/bad.json", K.dir);

	/* A private key. */
	a = json_array();
	k = jwk(K.ec, "ec1", "ES256");
	json_object_set_new(k, "d", json_string("AAAA"));
	json_array_append_new(a, k);
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: key 1: holds private or "
	    "symmetric key material (\"d\"); a JWKS must carry public keys "
	    "only", path);
	jwks_refused(path, want);

	/* An HMAC secret. */
	write_file(path, "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h\","
	    "\"k\":\"c2VjcmV0\"}]}", 0644);
	(void)snprintf(want, sizeof(want), "%s: key 1: holds private or "
	    "symmetric key material (\"k\"); a JWKS must carry public keys "
	    "only", path);
	jwks_refused(path, want);

	/* Two keys, one kid. */
	a = json_array();
	json_array_append_new(a, jwk(K.rsa1, "same", NULL));
	json_array_append_new(a, jwk(K.ec, "same", NULL));
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: duplicate kid \"same\"", path);
	jwks_refused(path, want);

	/* No kid; a bad kid. */
	a = json_array();
	k = jwk(K.ed, "x", NULL);
	json_object_del(k, "kid");
	json_array_append_new(a, k);
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: key 1: \"kid\" missing (keys "
	    "are chosen by kid)", path);
	jwks_refused(path, want);
	a = json_array();
	json_array_append_new(a, jwk(K.ed, "a/b", NULL));
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: key 1: bad kid (1 to 128 of "
	    "A-Z a-z 0-9 . _ -)", path);
	jwks_refused(path, want);

	/* alg that does not fit the key. */
	a = json_array();
	json_array_append_new(a, jwk(K.ec, "ec1", "RS256"));
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: key 1: alg RS256 does not fit "
	    "a key of type EC P-256", path);
	jwks_refused(path, want);

	/* A short RSA key. */
	assert_non_null(small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)1024));
	a = json_array();
	json_array_append_new(a, jwk(small, "small", NULL));
	write_jwks(path, a);
	EVP_PKEY_free(small);
	(void)snprintf(want, sizeof(want), "%s: key \"small\": RSA key of "
	    "1024 bits (2048 to 8192 accepted)", path);
	jwks_refused(path, want);

	/* A point that is not on the curve. */
	a = json_array();
	k = jwk(K.ec, "ec1", NULL);
	json_object_set_new(k, "y", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAE"));
	json_array_append_new(a, k);
	write_jwks(path, a);
	(void)snprintf(want, sizeof(want), "%s: key \"ec1\": not a point on "
	    "P-256", path);
	jwks_refused(path, want);

	/* Only keys that are passed over. */
	write_file(path, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\","
	    "\"kid\":\"p384\",\"x\":\"AA\",\"y\":\"AA\"}]}", 0644);
	(void)snprintf(want, sizeof(want), "%s: no key usable for RS256, "
	    "PS256, ES256 or EdDSA", path);
	jwks_refused(path, want);

	/* Not JSON, not a JWKS, duplicate members. */
	write_file(path, "{\"keys\":[}", 0644);
	(void)snprintf(want, sizeof(want), "%s: line 1: unexpected token near "
	    "'}'", path);
	jwks_refused(path, want);
	write_file(path, "[]", 0644);
	(void)snprintf(want, sizeof(want), "%s: not a JWKS (an object with a "
	    "\"keys\" array)", path);
	jwks_refused(path, want);
	write_file(path, "{\"keys\":[],\"keys\":[]}", 0644);
	(void)snprintf(want, sizeof(want), "%s: line 1: duplicate object key "
	    "near '\"keys\"'", path);
	jwks_refused(path, want);

	/* Writable by others; a directory; missing. */
	a = json_array();
	json_array_append_new(a, jwk(K.ed, "ed1", NULL));
	write_jwks(path, a);
	assert_int_equal(chmod(path, 0666), 0);
	(void)snprintf(want, sizeof(want), "%s is writable by group or others "
	    "(mode 0666): whoever can change it can mint tokens", path);
	jwks_refused(path, want);
	(void)snprintf(want, sizeof(want), "%s is not a regular file", K.dir);
	jwks_refused(K.dir, want);
	(void)snprintf(path, sizeof(path), "%s/missing.json", K.dir);
	(void)snprintf(want, sizeof(want), "%s: No such file or directory",
	    path);
	jwks_refused(path, want);
}

static void
test_jwks_skipped(void **state)
{
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	char path[256], err[512];
	json_t *a, *k;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/skip.json", K.dir);
	a = json_array();
	json_array_append_new(a, jwk(K.ed, "ed1", NULL));
	k = jwk(K.rsa1, "enc", NULL);
	json_object_set_new(k, "use", json_string("enc"));
	json_array_append_new(a, k);
	json_array_append_new(a, jwk(K.rsa2, "rs384", "RS384"));
	k = jwk(K.ec, "ops", NULL);
	json_object_del(k, "use");
	json_object_set_new(k, "key_ops", json_pack("[s]", "encrypt"));
	json_array_append_new(a, k);
	write_jwks(path, a);
	cfg_setup(&cfg, path, "EdDSA");
	assert_non_null(v = jwtv_new(&cfg, err, sizeof(err)));
	assert_int_equal(jwtv_nkeys(v), 1);
	assert_int_equal(jwtv_nskipped(v), 3);
	jwtv_free(v);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kid_syntax),
		cmocka_unit_test(test_typ),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_each_alg, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_roles_claim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alg_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alg_confusion, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alg_pinning, setup,
		    teardown),
		cmocka_unit_test(test_alg_not_configured),
		cmocka_unit_test_setup_teardown(test_kid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issuer_audience, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature_tampering, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_structure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_scope_claims, setup,
		    teardown),
		cmocka_unit_test(test_roles_claim_name),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_eviction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cache_bytes, setup,
		    teardown),
		cmocka_unit_test(test_jwks_bad),
		cmocka_unit_test(test_jwks_skipped),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
