/*
 * Unit tests for mcpctl token and mcpctl jwks (src/ctl/ctl_token.c): what
 * they mint and publish must be what the monitor's verifier accepts, for
 * every algorithm; their refusals; the --ttl syntax; the default kid.
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

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "config.h"
#include "ctl.h"
#include "jwt.h"

#define NOW	((time_t)1700000000)
#define ISS	"https://issuer.example.com"
#define AUD	"https://mcp.example.com/mcp"

static struct {
	EVP_PKEY	*rsa, *ec, *ed, *p384;
	char		 dir[64];
} G;

static int
group_setup(void **state)
{
	(void)state;
	assert_non_null(G.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)2048));
	assert_non_null(G.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_non_null(G.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_non_null(G.p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-384"));
	(void)snprintf(G.dir, sizeof(G.dir), "/tmp/test_ctl_token.XXXXXX");
	assert_non_null(mkdtemp(G.dir));
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	EVP_PKEY_free(G.rsa);
	EVP_PKEY_free(G.ec);
	EVP_PKEY_free(G.ed);
	EVP_PKEY_free(G.p384);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", G.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
write_file(const char *path, const char *s, mode_t mode)
{
	int fd;
	size_t len = strlen(s);

	(void)unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) >= 0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* A verifier over the JWKS that ctl_jwks_build makes of keys. */
static struct jwt_verifier *
verifier(struct mcpd_config *cfg, EVP_PKEY *const *keys,
    const char *const *kids, const char *const *algs, size_t n)
{
	struct jwt_verifier *v;
	char path[128], err[512], *jwks;

	assert_int_equal(ctl_jwks_build(keys, kids, algs, n, &jwks, err,
	    sizeof(err)), 0);
	(void)snprintf(path, sizeof(path), "%s/jwks.json", G.dir);
	write_file(path, jwks, 0644);
	free(jwks);
	config_init(cfg);
	cfg->jwks_file = strdup(path);
	cfg->jwt_issuer = strdup(ISS);
	cfg->jwt_audience = strdup(AUD);
	cfg->jwt_algorithms = strdup("RS256,PS256,ES256,EdDSA");
	cfg->jwt_leeway = 0;
	if ((v = jwtv_new(cfg, err, sizeof(err))) == NULL)
		fail_msg("jwtv_new: %s", err);
	return v;
}

static void
test_mint_and_verify(void **state)
{
	EVP_PKEY *keys[] = { G.rsa, G.ec, G.ed, G.rsa };
	const char *kids[] = { NULL, NULL, "ed-2025", "rsa-pss" };
	const char *algs[] = { NULL, NULL, NULL, "PS256" };
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	struct ctl_token_req req;
	struct jwt_result r;
	char err[256], *t, kid[CTL_KID_DEFAULT_LEN + 1];
	size_t i;

	(void)state;
	v = verifier(&cfg, keys, kids, algs, 4);
	assert_int_equal(jwtv_nkeys(v), 4);
	for (i = 0; i < 4; i++) {
		memset(&req, 0, sizeof(req));
		if (kids[i] == NULL) {
			assert_int_equal(ctl_default_kid(keys[i], kid), 0);
			req.kid = i == 0 ? NULL : kid;	/* default either way */
		} else
			req.kid = kids[i];
		req.alg = algs[i];
		req.iss = ISS;
		req.aud = AUD;
		req.sub = "alice@example.com";
		req.roles = "developer,viewer";
		req.scope = "mcp:read mcp:write";
		req.ttl = 900;
		if (ctl_token_mint(keys[i], &req, NOW, &t, err,
		    sizeof(err)) != 0)
			fail_msg("mint %zu: %s", i, err);
		if (jwtv_verify(v, t, strlen(t), NOW + 10, &r, err,
		    sizeof(err)) != 0)
			fail_msg("verify %zu: %s", i, err);
		assert_string_equal(r.sub, "alice@example.com");
		assert_int_equal(r.exp, NOW + 900);
		assert_int_equal(r.nroles, 2);
		assert_string_equal(r.roles[1], "viewer");
		assert_int_equal(r.nscopes, 2);
		jwt_result_clear(&r);
		/* Expired at exp: leeway 0 here. */
		assert_int_equal(jwtv_verify(v, t, strlen(t), NOW + 900, &r,
		    err, sizeof(err)), -1);
		assert_string_equal(err, "oauth: token expired");
		free(t);
	}
	jwtv_free(v);
	config_free(&cfg);
}

static void
test_mint_options(void **state)
{
	EVP_PKEY *keys[] = { G.ed };
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	struct ctl_token_req req;
	struct jwt_result r;
	char err[256], *t, *t2;

	(void)state;
	v = verifier(&cfg, keys, NULL, NULL, 1);
	memset(&req, 0, sizeof(req));
	req.iss = ISS;
	req.aud = AUD;
	req.sub = "svc";
	req.ttl = 60;
	/* No --roles: no roles claim. */
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), 0);
	assert_int_equal(jwtv_verify(v, t, strlen(t), NOW, &r, err,
	    sizeof(err)), 0);
	assert_false(r.has_roles);
	jwt_result_clear(&r);
	/* Minted twice in one second: different tokens (jti). */
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t2, err,
	    sizeof(err)), 0);
	assert_string_not_equal(t, t2);
	free(t);
	free(t2);
	/* --roles "": an empty array, which is not "no claim". */
	req.roles = "";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), 0);
	assert_int_equal(jwtv_verify(v, t, strlen(t), NOW, &r, err,
	    sizeof(err)), 0);
	assert_true(r.has_roles);
	assert_int_equal(r.nroles, 0);
	jwt_result_clear(&r);
	free(t);
	/* Another claim name, as JWTRolesClaim may say. */
	req.roles = "viewer";
	req.roles_claim = "groups";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), 0);
	assert_int_equal(jwtv_verify(v, t, strlen(t), NOW, &r, err,
	    sizeof(err)), 0);
	assert_false(r.has_roles);
	jwt_result_clear(&r);
	free(t);
	jwtv_free(v);
	config_free(&cfg);
}

static void
test_mint_refused(void **state)
{
	struct ctl_token_req req;
	char err[256], *t = NULL;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.iss = ISS;
	req.aud = AUD;
	req.sub = "svc";
	req.ttl = 60;
	req.alg = "ES256";
	assert_int_equal(ctl_token_mint(G.rsa, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "algorithm ES256 does not fit a key that "
	    "signs RS256");
	req.alg = "HS256";
	assert_int_equal(ctl_token_mint(G.rsa, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unsupported algorithm \"HS256\" (RS256, "
	    "PS256, ES256 or EdDSA)");
	req.alg = NULL;
	assert_int_equal(ctl_token_mint(G.p384, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "EC key not on P-256 (only ES256 is "
	    "supported)");
	req.kid = "../etc";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "bad kid \"../etc\" (1 to 128 of A-Z a-z 0-9 "
	    ". _ -)");
	req.kid = NULL;
	req.roles = "a,,b";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "--roles: empty role in \"a,,b\"");
	req.roles = "a,";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), -1);
	req.roles = NULL;
	req.sub = "";
	assert_int_equal(ctl_token_mint(G.ed, &req, NOW, &t, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "--iss, --aud and --sub are required");
	assert_null(t);
}

static void
test_jwks_refused(void **state)
{
	EVP_PKEY *keys[] = { G.ed, G.ec };
	const char *kids[] = { "same", "same" };
	const char *algs[] = { "PS256", NULL };
	char err[256], *out = NULL;

	(void)state;
	assert_int_equal(ctl_jwks_build(keys, kids, NULL, 2, &out, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "duplicate kid \"same\"");
	assert_int_equal(ctl_jwks_build(keys, NULL, algs, 2, &out, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "algorithm PS256 does not fit a key that "
	    "signs EdDSA");
	keys[0] = G.p384;
	assert_int_equal(ctl_jwks_build(keys, NULL, NULL, 2, &out, err,
	    sizeof(err)), -1);
	assert_null(out);
}

static void
test_default_kid(void **state)
{
	char a[CTL_KID_DEFAULT_LEN + 1], b[CTL_KID_DEFAULT_LEN + 1];
	EVP_PKEY *pub;
	BIO *bio;

	(void)state;
	assert_int_equal(ctl_default_kid(G.ec, a), 0);
	assert_int_equal(strlen(a), CTL_KID_DEFAULT_LEN);
	assert_true(jwt_valid_kid(a, strlen(a)));
	/* The private key and its public half have the same kid. */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PUBKEY(bio, G.ec), 1);
	assert_non_null(pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL));
	assert_int_equal(ctl_default_kid(pub, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(ctl_default_kid(G.ed, b), 0);
	assert_string_not_equal(a, b);
	EVP_PKEY_free(pub);
	BIO_free(bio);
}

static void
test_ttl(void **state)
{
	long v;

	(void)state;
	assert_int_equal(ctl_parse_ttl("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(ctl_parse_ttl("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(ctl_parse_ttl("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(ctl_parse_ttl("366d", &v), 0);
	assert_int_equal(v, 366L * 86400);
	assert_int_equal(ctl_parse_ttl("367d", &v), -1);
	assert_int_equal(ctl_parse_ttl("0", &v), -1);
	assert_int_equal(ctl_parse_ttl("-5m", &v), -1);
	assert_int_equal(ctl_parse_ttl("m", &v), -1);
	assert_int_equal(ctl_parse_ttl("1w", &v), -1);
	assert_int_equal(ctl_parse_ttl("99999999999999", &v), -1);
	assert_int_equal(ctl_parse_ttl("", &v), -1);
	assert_int_equal(ctl_parse_ttl(" 5", &v), -1);
}

/* The commands' refusals, by exit status. */
static void
test_main(void **state)
{
	char keyfile[128], *pem;
	long len;
	BIO *bio;
	char *argv_noiss[] = { "token", "--key", keyfile, "--aud", "a",
	    "--sub", "s", NULL };
	char *argv_ok[] = { "token", "--key", keyfile, "--iss", "i",
	    "--aud", "a", "--sub", "s", "--ttl", "1m", NULL };
	char *argv_twice[] = { "token", "--key", keyfile, "--key", keyfile,
	    "--iss", "i", "--aud", "a", "--sub", "s", NULL };
	char *argv_jwks_none[] = { "jwks", "--kid", "k", NULL };
	char *argv_jwks_priv[] = { "jwks", keyfile, NULL };

	(void)state;
	(void)snprintf(keyfile, sizeof(keyfile), "%s/key.pem", G.dir);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(bio, G.ed, NULL, NULL, 0,
	    NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &pem);
	assert_non_null(pem = strndup(pem, (size_t)len));
	BIO_free(bio);

	/* Group-readable private key: refused, as sshd would. */
	write_file(keyfile, pem, 0644);
	assert_int_equal(chmod(keyfile, 0644), 0);
	assert_int_equal(ctl_token_main(11, argv_ok), 1);
	assert_int_equal(chmod(keyfile, 0600), 0);
	assert_int_equal(ctl_token_main(7, argv_noiss), 2);
	assert_int_equal(ctl_token_main(11, argv_twice), 2);
	assert_int_equal(ctl_jwks_main(3, argv_jwks_none), 2);
	/* A private key is not a public key file. */
	assert_int_equal(ctl_jwks_main(2, argv_jwks_priv), 1);
	free(pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mint_and_verify),
		cmocka_unit_test(test_mint_options),
		cmocka_unit_test(test_mint_refused),
		cmocka_unit_test(test_jwks_refused),
		cmocka_unit_test(test_default_kid),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_main),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
