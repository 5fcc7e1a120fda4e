/*
 * mcpctl token and mcpctl jwks (mcpctl(1)): mint a signed JWT from a
 * private key, and publish public keys as a JWKS, for development and
 * tests.  What they produce is what the monitor's verifier (jwt.c)
 * accepts: the same algorithms, kid syntax and base64url.
 *
 * Signing is done with OpenSSL's EVP interface rather than libjwt, so
 * that one code path covers RS256, PS256, ES256 and EdDSA alike.
 *
 * A private key is only ever read from a file (never from argv, which
 * any user can see in ps), checked like every secret file, and wiped
 * from memory after use.  As for every mcpctl command, messages go to
 * stderr and stdout carries only the token or the JWKS.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "b64url.h"
#include "ctl.h"
#include "errbuf.h"
#include "fileio.h"
#include "hex.h"
#include "jwt.h"
#include "secretfile.h"
#include "xmalloc.h"

#define TOKEN_ERRLEN		512
#define TOKEN_KEYFILE_MAX	(64 * 1024)	/* a PEM key, 8192-bit RSA */
#define TOKEN_TTL_DEFAULT	(15 * 60)
#define TOKEN_TTL_MAX		(366L * 24 * 60 * 60)
#define TOKEN_JTI_BYTES		16
#define JWKS_MAX_ARGS		JWKS_MAX_KEYS

#define EXIT_USAGE		2

enum {
	LOPT_KEY = 256,
	LOPT_KID,
	LOPT_ISS,
	LOPT_AUD,
	LOPT_SUB,
	LOPT_ROLES,
	LOPT_ROLES_CLAIM,
	LOPT_SCOPE,
	LOPT_TTL,
	LOPT_ALG,
	LOPT_CNF_CERT
};

static void
token_usage(void)
{
	fprintf(stderr,
	    "usage: mcpctl token --key PEM [--kid K] --iss ISSUER --aud "
	    "AUDIENCE --sub SUBJECT\n"
	    "                    [--roles R1,R2] [--roles-claim NAME] "
	    "[--scope \"S1 S2\"]\n"
	    "                    [--ttl 15m] [--alg PS256] "
	    "[--cnf-cert CERT.pem]\n");
}

static void
jwks_usage(void)
{
	fprintf(stderr,
	    "usage: mcpctl jwks [--kid K ...] [--alg A ...] PUB.pem ...\n");
}


int
ctl_parse_ttl(const char *s, long *out)
{
	long mult = 1, v = 0;
	size_t i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 12)
		return -1;
	switch (s[len - 1]) {
	case 's':
		len--;
		break;
	case 'm':
		mult = 60;
		len--;
		break;
	case 'h':
		mult = 60 * 60;
		len--;
		break;
	case 'd':
		mult = 24 * 60 * 60;
		len--;
		break;
	default:
		break;
	}
	if (len == 0)
		return -1;
	/* Digits only: no sign, no spaces, no "0x". */
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > TOKEN_TTL_MAX)
			return -1;
	}
	if (v == 0 || v > TOKEN_TTL_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* The algorithm a key signs with, or 0 if mcpctl cannot use the key. */
static unsigned int
key_alg(EVP_PKEY *k, char *err, size_t errlen)
{
	char group[64];
	size_t glen = 0;
	int bits;

	if (EVP_PKEY_is_a(k, "RSA")) {
		bits = EVP_PKEY_get_bits(k);
		if (bits < JWT_RSA_MIN_BITS || bits > JWT_RSA_MAX_BITS) {
			seterr(err, errlen, "RSA key of %d bits (%d to %d "
			    "accepted)", bits, JWT_RSA_MIN_BITS,
			    JWT_RSA_MAX_BITS);
			return 0;
		}
		return JWT_ALG_RS256;
	}
	if (EVP_PKEY_is_a(k, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(k,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1 || (strcmp(group, "prime256v1") != 0 &&
		    strcasecmp(group, "P-256") != 0)) {
			seterr(err, errlen, "EC key not on P-256 (only ES256 "
			    "is supported)");
			return 0;
		}
		return JWT_ALG_ES256;
	}
	if (EVP_PKEY_is_a(k, "ED25519"))
		return JWT_ALG_EDDSA;
	seterr(err, errlen, "key type %s not supported (RSA, EC P-256 or "
	    "Ed25519)", EVP_PKEY_get0_type_name(k) != NULL ?
	    EVP_PKEY_get0_type_name(k) : "unknown");
	return 0;
}

/* The algorithm for key k, honouring an --alg choice. */
static unsigned int
choose_alg(EVP_PKEY *k, const char *want, char *err, size_t errlen)
{
	unsigned int alg, w;

	if ((alg = key_alg(k, err, errlen)) == 0)
		return 0;
	if (want == NULL)
		return alg;
	if ((w = jwt_alg_from_name(want)) == 0) {
		seterr(err, errlen, "unsupported algorithm \"%s\" (RS256, "
		    "PS256, ES256 or EdDSA)", want);
		return 0;
	}
	if (w != alg && !(alg == JWT_ALG_RS256 && w == JWT_ALG_PS256)) {
		seterr(err, errlen, "algorithm %s does not fit a key that "
		    "signs %s", want, jwt_alg_name(alg));
		return 0;
	}
	return w;
}

int
ctl_default_kid(EVP_PKEY *k, char kid[CTL_KID_DEFAULT_LEN + 1])
{
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = sizeof(md);
	char hex[65];
	int len, ret = -1;

	if ((len = i2d_PUBKEY(k, &der)) <= 0)
		return -1;
	if (EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) ==
	    1 && mdlen == sizeof(md)) {
		hex_encode(md, sizeof(md), hex);
		memcpy(kid, hex, CTL_KID_DEFAULT_LEN);
		kid[CTL_KID_DEFAULT_LEN] = '\0';
		ret = 0;
	}
	OPENSSL_free(der);
	return ret;
}

static int
json_set_b64(json_t *o, const char *name, const uint8_t *p, size_t len)
{
	char *s;
	size_t n = B64URL_LEN(len) + 1;
	int r = -1;

	if ((s = malloc(n)) == NULL)
		return -1;
	if (b64url_encode(p, len, s, n) == B64URL_LEN(len))
		r = json_object_set_new(o, name, json_string(s));
	free(s);
	return r;
}

/* A big-endian parameter, left-padded to pad bytes when pad > 0. */
static int
json_set_bn(json_t *o, const char *name, EVP_PKEY *k, const char *param,
    int pad)
{
	BIGNUM *bn = NULL;
	uint8_t buf[JWT_RSA_MAX_BITS / 8];
	int n = -1, r = -1;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1)
		return -1;
	if (pad > 0 && pad <= (int)sizeof(buf))
		n = BN_bn2binpad(bn, buf, pad);
	else if (pad == 0 && BN_num_bytes(bn) <= (int)sizeof(buf))
		n = BN_bn2bin(bn, buf);
	if (n > 0)
		r = json_set_b64(o, name, buf, (size_t)n);
	BN_free(bn);
	return r;
}

/* The JWK of a public key, with its kid and algorithm. */
static json_t *
pkey_jwk(EVP_PKEY *k, const char *kid, unsigned int alg)
{
	json_t *o;
	uint8_t raw[32];
	size_t rawlen = sizeof(raw);
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if (alg == JWT_ALG_RS256 || alg == JWT_ALG_PS256) {
		bad |= json_object_set_new(o, "kty", json_string("RSA"));
	} else if (alg == JWT_ALG_ES256) {
		bad |= json_object_set_new(o, "kty", json_string("EC"));
		bad |= json_object_set_new(o, "crv", json_string("P-256"));
	} else {
		bad |= json_object_set_new(o, "kty", json_string("OKP"));
		bad |= json_object_set_new(o, "crv", json_string("Ed25519"));
	}
	bad |= json_object_set_new(o, "use", json_string("sig"));
	bad |= json_object_set_new(o, "alg", json_string(jwt_alg_name(alg)));
	bad |= json_object_set_new(o, "kid", json_string(kid));
	if (alg == JWT_ALG_RS256 || alg == JWT_ALG_PS256) {
		bad |= json_set_bn(o, "n", k, OSSL_PKEY_PARAM_RSA_N, 0);
		bad |= json_set_bn(o, "e", k, OSSL_PKEY_PARAM_RSA_E, 0);
	} else if (alg == JWT_ALG_ES256) {
		bad |= json_set_bn(o, "x", k, OSSL_PKEY_PARAM_EC_PUB_X, 32);
		bad |= json_set_bn(o, "y", k, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	} else {
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) != 1 ||
		    rawlen != sizeof(raw))
			bad = 1;
		else
			bad |= json_set_b64(o, "x", raw, rawlen);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
ctl_jwks_build(EVP_PKEY *const *keys, const char *const *kids,
    const char *const *algs, size_t n, char **out, char *err, size_t errlen)
{
	json_t *root = NULL, *arr, *jwk;
	char kidbuf[CTL_KID_DEFAULT_LEN + 1];
	const char *kid;
	unsigned int alg;
	size_t i, j;
	int ret = -1;

	*out = NULL;
	if ((root = json_object()) == NULL || (arr = json_array()) == NULL ||
	    json_object_set_new(root, "keys", arr) != 0) {
		seterr(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((alg = choose_alg(keys[i], algs != NULL ? algs[i] : NULL,
		    err, errlen)) == 0)
			goto done;
		if (kids != NULL && kids[i] != NULL)
			kid = kids[i];
		else {
			if (ctl_default_kid(keys[i], kidbuf) != 0) {
				seterr(err, errlen, "cannot encode the key");
				goto done;
			}
			kid = kidbuf;
		}
		if (!jwt_valid_kid(kid, strlen(kid))) {
			seterr(err, errlen, "bad kid \"%s\" (1 to %d of A-Z "
			    "a-z 0-9 . _ -)", kid, JWT_KID_MAX);
			goto done;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(json_string_value(json_object_get(
			    json_array_get(arr, j), "kid")), kid) == 0) {
				seterr(err, errlen, "duplicate kid \"%s\"", kid);
				goto done;
			}
		}
		if ((jwk = pkey_jwk(keys[i], kid, alg)) == NULL ||
		    json_array_append_new(arr, jwk) != 0) {
			seterr(err, errlen, "cannot encode the key");
			goto done;
		}
	}
	if ((*out = json_dumps(root, JSON_INDENT(2))) == NULL) {
		seterr(err, errlen, "out of memory");
		goto done;
	}
	ret = 0;
 done:
	json_decref(root);
	return ret;
}

/* JWS wants ECDSA signatures as r || s, each 32 bytes for P-256. */
static int
ecdsa_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;
	int ret = -1;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, 32) == 32 &&
	    BN_bn2binpad(s, raw + 32, 32) == 32)
		ret = 0;
	ECDSA_SIG_free(es);
	return ret;
}

static int
sign_input(EVP_PKEY *k, unsigned int alg, const char *input, uint8_t **sigp,
    size_t *siglenp)
{
	EVP_MD_CTX *m;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *sig = NULL, *raw = NULL;
	size_t len = 0;
	int ret = -1;

	*sigp = NULL;
	*siglenp = 0;
	if ((m = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(m, &pctx, alg == JWT_ALG_EDDSA ? NULL :
	    EVP_sha256(), NULL, k) != 1)
		goto out;
	if (alg == JWT_ALG_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1))
		goto out;
	if (EVP_DigestSign(m, NULL, &len, (const uint8_t *)input,
	    strlen(input)) != 1 || (sig = malloc(len)) == NULL ||
	    EVP_DigestSign(m, sig, &len, (const uint8_t *)input,
	    strlen(input)) != 1)
		goto out;
	if (alg == JWT_ALG_ES256) {
		if ((raw = malloc(64)) == NULL ||
		    ecdsa_der_to_raw(sig, len, raw) != 0)
			goto out;
		free(sig);
		sig = raw;
		raw = NULL;
		len = 64;
	}
	*sigp = sig;
	*siglenp = len;
	sig = NULL;
	ret = 0;
 out:
	free(sig);
	free(raw);
	EVP_MD_CTX_free(m);
	return ret;
}

/* The roles claim: "" is an empty array; elements may not be empty. */
static json_t *
roles_array(const char *roles, char *err, size_t errlen)
{
	json_t *a;
	const char *p, *end;

	if ((a = json_array()) == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	for (p = roles; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p || (*end == ',' && end[1] == '\0')) {
			seterr(err, errlen, "--roles: empty role in \"%s\"",
			    roles);
			json_decref(a);
			return NULL;
		}
		if (json_array_append_new(a, json_stringn(p,
		    (size_t)(end - p))) != 0) {
			seterr(err, errlen, "--roles: not UTF-8");
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static char *
b64_of(const void *p, size_t len)
{
	char *s;
	size_t n = B64URL_LEN(len) + 1;

	if ((s = malloc(n)) == NULL)
		return NULL;
	if (b64url_encode(p, len, s, n) != B64URL_LEN(len)) {
		free(s);
		return NULL;
	}
	return s;
}

int
ctl_token_mint(EVP_PKEY *k, const struct ctl_token_req *req, time_t now,
    char **out, char *err, size_t errlen)
{
	json_t *hdr = NULL, *pl = NULL, *roles;
	char kidbuf[CTL_KID_DEFAULT_LEN + 1], jti[2 * TOKEN_JTI_BYTES + 1];
	char *h = NULL, *p = NULL, *hb = NULL, *pb = NULL, *sb = NULL;
	char *input = NULL;
	uint8_t rnd[TOKEN_JTI_BYTES], *sig = NULL;
	const char *kid;
	unsigned int alg;
	size_t siglen = 0;
	int ret = -1;

	*out = NULL;
	if (req->iss == NULL || req->aud == NULL || req->sub == NULL ||
	    *req->sub == '\0') {
		seterr(err, errlen, "--iss, --aud and --sub are required");
		return -1;
	}
	if (req->ttl <= 0 || req->ttl > TOKEN_TTL_MAX) {
		seterr(err, errlen, "bad ttl");
		return -1;
	}
	if ((alg = choose_alg(k, req->alg, err, errlen)) == 0)
		return -1;
	if ((kid = req->kid) == NULL) {
		if (ctl_default_kid(k, kidbuf) != 0) {
			seterr(err, errlen, "cannot encode the key");
			return -1;
		}
		kid = kidbuf;
	}
	if (!jwt_valid_kid(kid, strlen(kid))) {
		seterr(err, errlen, "bad kid \"%s\" (1 to %d of A-Z a-z 0-9 . "
		    "_ -)", kid, JWT_KID_MAX);
		return -1;
	}
	/* A unique jti: two tokens minted in one second differ. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		seterr(err, errlen, "no randomness");
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), jti);

	hdr = json_pack("{s:s, s:s, s:s}", "alg", jwt_alg_name(alg),
	    "typ", "at+jwt", "kid", kid);
	pl = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", req->iss,
	    "sub", req->sub, "aud", req->aud, "iat", (json_int_t)now,
	    "exp", (json_int_t)now + (json_int_t)req->ttl, "jti", jti);
	if (hdr == NULL || pl == NULL) {
		seterr(err, errlen, "--iss, --aud and --sub must be UTF-8");
		goto done;
	}
	if (req->roles != NULL) {
		if ((roles = roles_array(req->roles, err, errlen)) == NULL)
			goto done;
		if (json_object_set_new(pl, req->roles_claim != NULL ?
		    req->roles_claim : "roles", roles) != 0) {
			seterr(err, errlen, "bad roles claim name");
			goto done;
		}
	}
	if (req->scope != NULL &&
	    json_object_set_new(pl, "scope", json_string(req->scope)) != 0) {
		seterr(err, errlen, "--scope must be UTF-8");
		goto done;
	}
	if (req->cnf_x5t != NULL && json_object_set_new(pl, "cnf",
	    json_pack("{s:s}", "x5t#S256", req->cnf_x5t)) != 0) {
		seterr(err, errlen, "out of memory");
		goto done;
	}
	if ((h = json_dumps(hdr, JSON_COMPACT)) == NULL ||
	    (p = json_dumps(pl, JSON_COMPACT)) == NULL ||
	    (hb = b64_of(h, strlen(h))) == NULL ||
	    (pb = b64_of(p, strlen(p))) == NULL ||
	    xasprintf(&input, "%s.%s", hb, pb) < 0) {
		seterr(err, errlen, "out of memory");
		goto done;
	}
	if (sign_input(k, alg, input, &sig, &siglen) != 0 ||
	    (sb = b64_of(sig, siglen)) == NULL) {
		ERR_clear_error();
		seterr(err, errlen, "signing failed");
		goto done;
	}
	if (strlen(input) + 1 + strlen(sb) > JWT_MAX) {
		seterr(err, errlen, "token longer than %d bytes: mcpd would "
		    "refuse it", JWT_MAX);
		goto done;
	}
	xasprintf(out, "%s.%s", input, sb);
	ret = 0;
 done:
	json_decref(hdr);
	json_decref(pl);
	free(h);
	free(p);
	free(hb);
	free(pb);
	free(sb);
	free(sig);
	free(input);
	return ret;
}

/* Never prompt for a passphrase: mcpctl may run without a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * Read a PEM file through the size cap.  A private key file must pass
 * secret_file_check(); the buffer is wiped either way.
 */
static EVP_PKEY *
read_pem_key(const char *path, int private, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	int fd;

	fd = open(path, private ? SECRET_FILE_OPEN_FLAGS :
	    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (private)
			secret_file_open_error(path, errno, err, errlen);
		else
			seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (private && secret_file_check(fd, path, err, errlen) != 0)
		goto out;
	if (read_fd_capped(fd, TOKEN_KEYFILE_MAX, &buf, &len) != 0) {
		seterr(err, errlen, "%s: %s", path, errno == EFBIG ?
		    "too large for a key" : strerror(errno));
		goto out;
	}
	if (len > INT_MAX || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (private)
		k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else
		k = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (k == NULL)
		seterr(err, errlen, "%s: not a PEM %s", path, private ?
		    "private key (encrypted keys are not supported)" :
		    "public key (BEGIN PUBLIC KEY)");
 out:
	BIO_free(bio);
	freezero(buf, len);
	ERR_clear_error();
	(void)close(fd);	/* read-only */
	return k;
}

/*
 * --cnf-cert: the x5t#S256 of a PEM certificate (RFC 8705 section 3.1),
 * the SHA-256 of its DER in unpadded base64url, to bind a token to it.
 */
static int
cert_x5t(const char *path, char x5t[JWT_X5T_LEN + 1], char *err,
    size_t errlen)
{
	uint8_t *buf = NULL, *der = NULL, md[32];
	size_t len = 0;
	unsigned int mdlen = sizeof(md);
	BIO *bio = NULL;
	X509 *x = NULL;
	int fd, derlen, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (read_fd_capped(fd, TOKEN_KEYFILE_MAX, &buf, &len) != 0) {
		seterr(err, errlen, "%s: %s", path, errno == EFBIG ?
		    "too large for a certificate" : strerror(errno));
		goto out;
	}
	if (len > INT_MAX || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) == NULL ||
	    (derlen = i2d_X509(x, &der)) <= 0 ||
	    EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha256(),
	    NULL) != 1 ||
	    b64url_encode(md, sizeof(md), x5t, JWT_X5T_LEN + 1) !=
	    JWT_X5T_LEN) {
		seterr(err, errlen, "%s: not a PEM certificate", path);
		goto out;
	}
	ret = 0;
 out:
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	free(buf);
	ERR_clear_error();
	(void)close(fd);	/* read-only */
	return ret;
}

static int
print_out(const char *s)
{
	if (printf("%s\n", s) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "mcpctl: stdout: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
ctl_token_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key",	required_argument,	NULL,	LOPT_KEY },
		{ "kid",	required_argument,	NULL,	LOPT_KID },
		{ "iss",	required_argument,	NULL,	LOPT_ISS },
		{ "aud",	required_argument,	NULL,	LOPT_AUD },
		{ "sub",	required_argument,	NULL,	LOPT_SUB },
		{ "roles",	required_argument,	NULL,	LOPT_ROLES },
		{ "roles-claim", required_argument,	NULL, LOPT_ROLES_CLAIM },
		{ "scope",	required_argument,	NULL,	LOPT_SCOPE },
		{ "ttl",	required_argument,	NULL,	LOPT_TTL },
		{ "alg",	required_argument,	NULL,	LOPT_ALG },
		{ "cnf-cert",	required_argument,	NULL,	LOPT_CNF_CERT },
		{ NULL,		0,			NULL,	0 }
	};
	struct ctl_token_req req;
	const char *keyfile = NULL, *ttl = NULL, *cnfcert = NULL;
	const struct ctl_stropt sopts[] = {
		{ LOPT_KEY,	&keyfile,	"--key" },
		{ LOPT_KID,	&req.kid,	"--kid" },
		{ LOPT_ISS,	&req.iss,	"--iss" },
		{ LOPT_AUD,	&req.aud,	"--aud" },
		{ LOPT_SUB,	&req.sub,	"--sub" },
		{ LOPT_ROLES,	&req.roles,	"--roles" },
		{ LOPT_ROLES_CLAIM, &req.roles_claim, "--roles-claim" },
		{ LOPT_SCOPE,	&req.scope,	"--scope" },
		{ LOPT_TTL,	&ttl,		"--ttl" },
		{ LOPT_ALG,	&req.alg,	"--alg" },
		{ LOPT_CNF_CERT, &cnfcert,	"--cnf-cert" },
		{ 0,		NULL,		NULL }
	};
	char err[TOKEN_ERRLEN], *tok = NULL, x5t[JWT_X5T_LEN + 1];
	EVP_PKEY *k = NULL;
	int ret = 1;

	memset(&req, 0, sizeof(req));
	if (ctl_getopt_strings(argc, argv, "-:", lopts, sopts) != 0)
		goto usage;
	if (keyfile == NULL || req.iss == NULL || req.aud == NULL ||
	    req.sub == NULL) {
		fprintf(stderr, "mcpctl: token needs --key, --iss, --aud and "
		    "--sub\n");
		goto usage;
	}
	req.ttl = TOKEN_TTL_DEFAULT;
	if (ttl != NULL && ctl_parse_ttl(ttl, &req.ttl) != 0) {
		fprintf(stderr, "mcpctl: --ttl: \"%s\" is not a duration "
		    "(N, Ns, Nm, Nh or Nd, at most 366d)\n", ttl);
		goto usage;
	}
	if (cnfcert != NULL) {
		if (cert_x5t(cnfcert, x5t, err, sizeof(err)) != 0) {
			fprintf(stderr, "mcpctl: %s\n", err);
			goto out;
		}
		req.cnf_x5t = x5t;
	}
	if ((k = read_pem_key(keyfile, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	if (ctl_token_mint(k, &req, time(NULL), &tok, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s: %s\n", keyfile, err);
		goto out;
	}
	if (print_out(tok) != 0)
		goto out;
	ret = 0;
	goto out;
 usage:
	token_usage();
	ret = EXIT_USAGE;
 out:
	/* The token is a credential: wipe it too. */
	strfreezero(tok);
	EVP_PKEY_free(k);
	return ret;
}

int
ctl_jwks_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kid",	required_argument,	NULL,	LOPT_KID },
		{ "alg",	required_argument,	NULL,	LOPT_ALG },
		{ NULL,		0,			NULL,	0 }
	};
	const char *files[JWKS_MAX_ARGS], *kids[JWKS_MAX_ARGS];
	const char *algs[JWKS_MAX_ARGS];
	EVP_PKEY *keys[JWKS_MAX_ARGS];
	size_t nfiles = 0, nkids = 0, nalgs = 0, i;
	char err[TOKEN_ERRLEN], *out = NULL;
	int ch, ret = 1;

	memset(kids, 0, sizeof(kids));
	memset(algs, 0, sizeof(algs));
	memset(keys, 0, sizeof(keys));
	ctl_getopt_reset();
	while ((ch = getopt_long(argc, argv, "-:", lopts, NULL)) != -1) {
		switch (ch) {
		case LOPT_KID:
			if (nkids == JWKS_MAX_ARGS)
				goto toomany;
			kids[nkids++] = optarg;
			break;
		case LOPT_ALG:
			if (nalgs == JWKS_MAX_ARGS)
				goto toomany;
			algs[nalgs++] = optarg;
			break;
		case 1:
			if (nfiles == JWKS_MAX_ARGS)
				goto toomany;
			files[nfiles++] = optarg;
			break;
		default:
			ctl_bad_option(ch, argv);
			goto usage;
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "mcpctl: jwks needs at least one public key "
		    "file\n");
		goto usage;
	}
	/* The n-th --kid and --alg go with the n-th file. */
	if (nkids > nfiles || nalgs > nfiles) {
		fprintf(stderr, "mcpctl: more --kid or --alg than key files\n");
		goto usage;
	}
	for (i = 0; i < nfiles; i++) {
		if ((keys[i] = read_pem_key(files[i], 0, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "mcpctl: %s\n", err);
			goto out;
		}
	}
	if (ctl_jwks_build(keys, kids, algs, nfiles, &out, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	if (print_out(out) != 0)
		goto out;
	ret = 0;
	goto out;
 toomany:
	fprintf(stderr, "mcpctl: at most %d keys in a JWKS\n", JWKS_MAX_ARGS);
 usage:
	jwks_usage();
	ret = EXIT_USAGE;
 out:
	for (i = 0; i < nfiles; i++)
		EVP_PKEY_free(keys[i]);
	free(out);
	return ret;
}
