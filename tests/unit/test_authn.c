/*
 * Unit tests for AuthMode evaluation (src/monitor/authn.c): each method
 * alone and in combination (mtls,oauth needs both; an apikey
 * alternative), the reason audited, one signature check per request
 * however many alternatives name oauth, JWTScope filtering, and
 * policy_missing_scopes() on the identities it produces.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "apikey.h"
#include "authkeys.h"
#include "authn.h"
#include "b64url.h"
#include "config.h"
#include "hex.h"
#include "jwt.h"
#include "policy.h"

#define NOW	((time_t)1700000000)
#define ISS	"https://issuer.example.com"
#define AUD	"https://mcp.example.com/mcp"
#define CERTFP	"0123456789ab"
/* x5t#S256 of the test certificate, and of another one. */
#define CERTX5T	"Nj8xqTZ6AnSp7aR3Ph-1Z8l9WyZR7ZWVd6_8wmcNlS0"
#define OTHERX5T "AAAAqTZ6AnSp7aR3Ph-1Z8l9WyZR7ZWVd6_8wmcNlS0"
#define CNF(x)	"\"cnf\":{\"x5t#S256\":\"" x "\"}"

static const char *policy[] = {
	"Role admin     tools=*",
	"Role developer tools=query,list_tables,describe_table,execute_sql,"
	    "create_pr,list_prs",
	"Role viewer    tools=list_tables,describe_table,query",
	"User admin@example.com  roles=admin,developer,viewer",
	"User dev@example.com    roles=developer,viewer",
	"User viewer@example.com roles=viewer",
	"User svc.example.com    roles=viewer",
	NULL
};

static struct {
	EVP_PKEY	*ed;
	char		 dir[64];
	char		 jwks[128];
	char		 keysfile[128];
	char		 key[APIKEY_LEN + 1];	/* bob's API key */
} G;

struct fix {
	struct mcpd_config	 cfg;
	struct authkeys		*keys;
	struct jwt_verifier	*jwt;
	struct authn_ctx	 ctx;
	struct identity		 id;
	char			 reason[256];
};

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

/* An EdDSA token for sub with the given extra claims. */
static char *
token(const char *sub, long ttl, const char *extra)
{
	char payload[1024], *h, *p, *s, *t, *input;
	uint8_t sig[64];
	size_t siglen = sizeof(sig), n;
	EVP_MD_CTX *m;
	const char *hdr = "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"ed1\"}";

	assert_true(snprintf(payload, sizeof(payload), "{\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"sub\":\"%s\",\"exp\":%lld%s%s}", sub,
	    (long long)(NOW + ttl), extra != NULL ? "," : "",
	    extra != NULL ? extra : "") < (int)sizeof(payload));
	h = b64(hdr, strlen(hdr));
	p = b64(payload, strlen(payload));
	n = strlen(h) + strlen(p) + 2;
	assert_non_null(input = malloc(n));
	(void)snprintf(input, n, "%s.%s", h, p);
	assert_non_null(m = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(m, NULL, NULL, NULL, G.ed), 1);
	assert_int_equal(EVP_DigestSign(m, sig, &siglen,
	    (const uint8_t *)input, strlen(input)), 1);
	EVP_MD_CTX_free(m);
	s = b64(sig, siglen);
	n += strlen(s) + 1;
	assert_non_null(t = malloc(n));
	(void)snprintf(t, n, "%s.%s", input, s);
	free(h);
	free(p);
	free(s);
	free(input);
	return t;
}

static void
write_file(const char *path, const char *s, mode_t mode)
{
	int fd;
	size_t len = strlen(s);

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) >=
	    0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int
group_setup(void **state)
{
	uint8_t raw[32], hash[32];
	size_t rawlen = sizeof(raw);
	char id[APIKEY_ID_LEN + 1], hex[65], buf[512], *x;

	(void)state;
	assert_non_null(G.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	(void)snprintf(G.dir, sizeof(G.dir), "/tmp/test_authn.XXXXXX");
	assert_non_null(mkdtemp(G.dir));

	assert_int_equal(EVP_PKEY_get_raw_public_key(G.ed, raw, &rawlen), 1);
	x = b64(raw, rawlen);
	(void)snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"OKP\","
	    "\"crv\":\"Ed25519\",\"kid\":\"ed1\",\"x\":\"%s\"}]}", x);
	free(x);
	(void)snprintf(G.jwks, sizeof(G.jwks), "%s/jwks.json", G.dir);
	write_file(G.jwks, buf, 0644);

	assert_int_equal(apikey_generate(G.key, sizeof(G.key), id,
	    sizeof(id)), 0);
	assert_int_equal(apikey_hash(G.key, strlen(G.key), hash), 0);
	hex_encode(hash, sizeof(hash), hex);
	(void)snprintf(buf, sizeof(buf), "user=\"bob@example.com\","
	    "roles=\"developer\" %s sha256:%s\n", id, hex);
	(void)snprintf(G.keysfile, sizeof(G.keysfile), "%s/keys", G.dir);
	write_file(G.keysfile, buf, 0600);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	EVP_PKEY_free(G.ed);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", G.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
cfg_line(struct fix *f, const char *line)
{
	char err[256];

	if (config_parse_line(&f->cfg, line, CFG_SRC_FILE, "test", 1, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", line, err);
}

/* A fixture for AuthMode mode, with extra config lines (or NULL). */
static struct fix *
fixture(const char *mode, const char *const *extra)
{
	struct fix *f;
	char line[256], err[512];
	size_t i;

	assert_non_null(f = calloc(1, sizeof(*f)));
	config_init(&f->cfg);
	for (i = 0; policy[i] != NULL; i++)
		cfg_line(f, policy[i]);
	(void)snprintf(line, sizeof(line), "AuthMode %s", mode);
	cfg_line(f, line);
	(void)snprintf(line, sizeof(line), "JWKSFile %s", G.jwks);
	cfg_line(f, line);
	(void)snprintf(line, sizeof(line), "AuthorizedKeysFile %s",
	    G.keysfile);
	cfg_line(f, line);
	cfg_line(f, "JWTIssuer " ISS);
	cfg_line(f, "JWTAudience " AUD);
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		cfg_line(f, extra[i]);
	config_fill_defaults(&f->cfg);
	if ((f->jwt = jwtv_new(&f->cfg, err, sizeof(err))) == NULL)
		fail_msg("jwtv_new: %s", err);
	if (authkeys_load(G.keysfile, &f->keys, err, sizeof(err)) != 0)
		fail_msg("authkeys_load: %s", err);
	f->ctx.cfg = &f->cfg;
	f->ctx.keys = f->keys;
	f->ctx.jwt = f->jwt;
	return f;
}

static void
fixture_free(struct fix *f)
{
	identity_clear(&f->id);
	jwtv_free(f->jwt);
	authkeys_free(f->keys);
	config_free(&f->cfg);
	free(f);
}

static int
check(struct fix *f, const char *cred, const struct authn_peer *peer)
{
	identity_clear(&f->id);
	return authn_check(&f->ctx, cred, cred != NULL ? strlen(cred) : 0,
	    peer, NOW, &f->id, f->reason, sizeof(f->reason));
}

static uint64_t
nverifies(const struct fix *f)
{
	uint64_t n;

	jwtv_stats(f->jwt, &n, NULL);
	return n;
}

static const struct sockaddr_in peer_addr = {
	.sin_family = AF_INET,
	.sin_port = 0x5000,
	.sin_addr = { 0x0100007f },
};

static const struct authn_peer http_nocert = {
	.addr = (const struct sockaddr *)&peer_addr,
	.http = 1,
	.cert = AUTHN_CERT_NONE,
};

static const struct authn_peer http_cert = {
	.addr = (const struct sockaddr *)&peer_addr,
	.http = 1,
	.cert = AUTHN_CERT_OK,
	.cert_identity = "svc.example.com",
	.cert_fp = CERTFP,
	.cert_x5t = CERTX5T,
};

static const struct authn_peer http_badcert = {
	.addr = (const struct sockaddr *)&peer_addr,
	.http = 1,
	.cert = AUTHN_CERT_BAD,
	.cert_reason = "mtls: certificate revoked",
	.cert_fp = CERTFP,
};

static void
assert_roles(const struct identity *id, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < id->nroles);
		assert_string_equal(id->roles[i], want[i]);
	}
	assert_int_equal(id->nroles, i);
}

static void
test_method_names(void **state)
{
	unsigned int m;

	(void)state;
	for (m = 1; m < 16; m++)
		assert_string_equal(authn_method_name(m),
		    config_authmask_str(m));
	assert_string_equal(authn_method_name(99), "");
}

static void
test_oauth(void **state)
{
	struct fix *f = fixture("oauth", NULL);
	char *t, fp[13];
	static const char *const dev[] = { "developer", "viewer", NULL };
	static const char *const tokroles[] = { "viewer", NULL };

	(void)state;
	/* Roles from the token's roles claim. */
	t = token("dev@example.com", 600, "\"roles\":[\"viewer\"],"
	    "\"scope\":\"a b\"");
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_string_equal(f->id.user, "dev@example.com");
	assert_roles(&f->id, tokroles);
	assert_string_equal(f->id.method, "oauth");
	assert_int_equal(f->id.nscopes, 2);
	assert_string_equal(f->id.scopes[1], "b");
	assert_false(f->id.scoped);
	assert_null(f->id.all_roles);
	credential_fingerprint(t, strlen(t), fp);
	assert_string_equal(f->id.credential, fp);
	free(t);

	/* No roles claim: the User line's roles. */
	t = token("dev@example.com", 600, NULL);
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_roles(&f->id, dev);
	free(t);

	/* Over stdio (MCPD_TOKEN, _meta.authorization) as well. */
	t = token("dev@example.com", 600, NULL);
	assert_int_equal(check(f, t, NULL), AUTHN_OK);
	assert_string_equal(f->id.user, "dev@example.com");
	free(t);

	/* Expired: refused, the fingerprint kept for the audit record. */
	t = token("dev@example.com", -3600, NULL);
	assert_int_equal(check(f, t, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token expired");
	credential_fingerprint(t, strlen(t), fp);
	assert_string_equal(f->id.credential, fp);
	assert_null(f->id.user);
	free(t);

	assert_int_equal(check(f, NULL, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "no credential presented");
	assert_string_equal(f->id.credential, "");
	assert_int_equal(check(f, G.key, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: credential is an API key");
	assert_int_equal(nverifies(f), 3);
	fixture_free(f);
}

static void
test_mtls_oauth(void **state)
{
	struct fix *f = fixture("mtls,oauth", NULL);
	char *t, fp[13];
	static const char *const admin[] = { "admin", "developer", "viewer",
	    NULL };

	(void)state;
	t = token("admin@example.com", 600, CNF(CERTX5T));
	/* Both: the token's subject and roles, not the certificate's. */
	assert_int_equal(check(f, t, &http_cert), AUTHN_OK);
	assert_string_equal(f->id.user, "admin@example.com");
	assert_roles(&f->id, admin);
	assert_string_equal(f->id.method, "oauth,mtls");
	/* A token without a certificate: refused before any signature. */
	assert_int_equal(check(f, t, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: no client certificate");
	assert_int_equal(check(f, t, &http_badcert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: certificate revoked");
	credential_fingerprint(t, strlen(t), fp);
	assert_string_equal(f->id.credential, fp);
	assert_int_equal(check(f, t, NULL), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: not available over stdio");
	assert_int_equal(nverifies(f), 1);
	/* A certificate without a token. */
	assert_int_equal(check(f, NULL, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "no credential presented");
	assert_string_equal(f->id.credential, CERTFP);
	free(t);
	t = token("admin@example.com", -3600, NULL);
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token expired");
	free(t);
	fixture_free(f);
}

/* RFC 8705: a token bound to a certificate, MTLSBindToken. */
static void
test_cnf_binding(void **state)
{
	static const char *const unbound_ok[] = { "MTLSBindToken no", NULL };
	struct fix *f = fixture("mtls,oauth", NULL);
	char *t;

	(void)state;
	/* MTLSBindToken yes (the default): a token without cnf is refused. */
	t = token("admin@example.com", 600, NULL);
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token not bound to the client "
	    "certificate (no cnf x5t#S256; MTLSBindToken yes)");
	assert_null(f->id.user);
	free(t);
	/* Bound to another certificate: a stolen token. */
	t = token("admin@example.com", 600, CNF(OTHERX5T));
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token bound to another "
	    "certificate (cnf x5t#S256 mismatch)");
	free(t);
	/* A cnf that is not a thumbprint, or binds to something else. */
	t = token("admin@example.com", 600, CNF("short"));
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: cnf x5t#S256 not the base64url "
	    "of a SHA-256 digest");
	free(t);
	t = token("admin@example.com", 600, "\"cnf\":{\"jkt\":\"abc\"}");
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: cnf without x5t#S256 (a binding "
	    "the monitor cannot check)");
	free(t);
	fixture_free(f);

	/* MTLSBindToken no: unbound tokens pass, bound ones are checked. */
	f = fixture("mtls,oauth", unbound_ok);
	t = token("admin@example.com", 600, NULL);
	assert_int_equal(check(f, t, &http_cert), AUTHN_OK);
	assert_string_equal(f->id.user, "admin@example.com");
	free(t);
	t = token("admin@example.com", 600, CNF(OTHERX5T));
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token bound to another "
	    "certificate (cnf x5t#S256 mismatch)");
	free(t);
	fixture_free(f);

	/* AuthMode oauth: a bound token still needs its certificate. */
	f = fixture("oauth", NULL);
	t = token("admin@example.com", 600, CNF(CERTX5T));
	assert_int_equal(check(f, t, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: token bound to a certificate "
	    "(cnf x5t#S256), but no verified client certificate");
	assert_int_equal(check(f, t, &http_badcert), AUTHN_FAILED);
	assert_int_equal(check(f, t, &http_cert), AUTHN_OK);
	free(t);
	fixture_free(f);
}

/* MTLSMatchIdentity yes: the certificate names the token's or key's user. */
static void
test_match_identity(void **state)
{
	static const char *const match[] = { "MTLSMatchIdentity yes", NULL };
	struct fix *f = fixture("mtls,oauth mtls,apikey", match);
	char *t;

	(void)state;
	t = token("admin@example.com", 600, CNF(CERTX5T));
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: certificate identity is not the "
	    "token's subject (MTLSMatchIdentity yes)");
	free(t);
	t = token("svc.example.com", 600, CNF(CERTX5T));
	assert_int_equal(check(f, t, &http_cert), AUTHN_OK);
	assert_string_equal(f->id.user, "svc.example.com");
	free(t);
	/* bob's key, with svc's certificate. */
	assert_int_equal(check(f, G.key, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: certificate identity is not the "
	    "API key's user (MTLSMatchIdentity yes)");
	fixture_free(f);
}

static void
test_mtls_only(void **state)
{
	struct fix *f = fixture("mtls", NULL);
	static const char *const viewer[] = { "viewer", NULL };

	(void)state;
	assert_int_equal(check(f, NULL, &http_cert), AUTHN_OK);
	assert_string_equal(f->id.user, "svc.example.com");
	assert_roles(&f->id, viewer);
	assert_string_equal(f->id.method, "mtls");
	assert_string_equal(f->id.credential, CERTFP);
	assert_int_equal(check(f, NULL, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: no client certificate");
	assert_int_equal(check(f, NULL, &http_badcert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: certificate revoked");
	fixture_free(f);
}

static void
test_alternatives(void **state)
{
	struct fix *f = fixture("mtls,oauth apikey", NULL);
	char *t, wrong[APIKEY_LEN + 1];
	static const char *const dev[] = { "developer", NULL };

	(void)state;
	/* The apikey alternative, with no certificate. */
	assert_int_equal(check(f, G.key, &http_nocert), AUTHN_OK);
	assert_string_equal(f->id.user, "bob@example.com");
	assert_roles(&f->id, dev);
	assert_string_equal(f->id.method, "apikey");
	/* A wrong key: the reason is about the key, not the certificate. */
	(void)snprintf(wrong, sizeof(wrong), "%s", G.key);
	wrong[APIKEY_LEN - 5] = wrong[APIKEY_LEN - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(check(f, wrong, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "apikey: wrong secret");
	/* A token without a certificate: no alternative passes. */
	t = token("admin@example.com", 600, NULL);
	assert_int_equal(check(f, t, &http_nocert), AUTHN_FAILED);
	assert_string_equal(f->reason, "mtls: no client certificate");
	free(t);
	t = token("admin@example.com", 600, CNF(CERTX5T));
	assert_int_equal(check(f, t, &http_cert), AUTHN_OK);
	assert_string_equal(f->id.method, "oauth,mtls");
	free(t);
	/* Something that is neither. */
	assert_int_equal(check(f, "Basic Zm9vOmJhcg==", &http_cert),
	    AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: malformed token (1 part)");
	fixture_free(f);
}

/* Two alternatives naming oauth: one signature check, not two. */
static void
test_one_signature(void **state)
{
	struct fix *f = fixture("oauth,mtls oauth,apikey oauth", NULL);
	char *t;
	size_t n;

	(void)state;
	t = token("dev@example.com", 600, NULL);
	n = strlen(t);
	t[n - 3] = t[n - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(check(f, t, &http_cert), AUTHN_FAILED);
	assert_string_equal(f->reason, "oauth: bad signature");
	assert_int_equal(nverifies(f), 1);
	free(t);
	fixture_free(f);
}

static void
test_apikey_and_none(void **state)
{
	struct fix *f = fixture("apikey", NULL);

	(void)state;
	assert_int_equal(check(f, G.key, NULL), AUTHN_OK);
	assert_string_equal(f->id.method, "apikey");
	assert_int_equal(check(f, "Basic Zm9vOmJhcg==", NULL), AUTHN_FAILED);
	assert_string_equal(f->reason, "apikey: malformed key");
	assert_int_equal(check(f, NULL, NULL), AUTHN_FAILED);
	assert_string_equal(f->reason, "no credential presented");
	fixture_free(f);

	f = fixture("oauth apikey", NULL);
	assert_int_equal(check(f, "mcpk_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAA", NULL), AUTHN_FAILED);
	assert_string_equal(f->reason, "apikey: unknown key id");
	fixture_free(f);

	f = fixture("none", NULL);
	assert_int_equal(check(f, NULL, NULL), AUTHN_OK);
	assert_string_equal(f->id.user, "anonymous");
	assert_string_equal(f->id.method, "none");
	fixture_free(f);
}

static const char *const scope_lines[] = {
	"JWTScope mcp:admin admin",
	"JWTScope mcp:write developer",
	"JWTScope mcp:read viewer",
	"JWTScope mcp:all admin",
	NULL
};

static void
test_scopes(void **state)
{
	struct fix *f = fixture("oauth apikey", scope_lines);
	char *t, *s;
	static const char *const viewer[] = { "viewer", NULL };
	static const char *const dev_viewer[] = { "developer", "viewer", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	t = token("admin@example.com", 600, "\"scope\":\"mcp:read openid\"");
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_true(f->id.scoped);
	assert_roles(&f->id, viewer);
	assert_int_equal(f->id.nall_roles, 3);
	assert_string_equal(f->id.all_roles[0], "admin");
	assert_null(policy_missing_scopes(&f->cfg, &f->id, "query"));
	s = policy_missing_scopes(&f->cfg, &f->id, "execute_sql");
	assert_string_equal(s, "mcp:admin mcp:write mcp:all");
	free(s);
	s = policy_missing_scopes(&f->cfg, &f->id, "drop_table");
	assert_string_equal(s, "mcp:admin mcp:all");
	free(s);
	assert_null(policy_missing_scopes(&f->cfg, &f->id, ""));
	free(t);

	/* No scope at all: no role in effect. */
	t = token("dev@example.com", 600, NULL);
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_roles(&f->id, none);
	s = policy_missing_scopes(&f->cfg, &f->id, "list_tables");
	assert_string_equal(s, "mcp:write mcp:read");
	free(s);
	/* Refused for want of a role, not of a scope. */
	assert_null(policy_missing_scopes(&f->cfg, &f->id, "drop_table"));
	free(t);

	t = token("dev@example.com", 600, "\"scope\":\"mcp:write mcp:read\"");
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_roles(&f->id, dev_viewer);
	free(t);

	/* API keys are not filtered. */
	assert_int_equal(check(f, G.key, &http_nocert), AUTHN_OK);
	assert_false(f->id.scoped);
	assert_int_equal(f->id.nroles, 1);
	assert_null(policy_missing_scopes(&f->cfg, &f->id, "drop_table"));
	fixture_free(f);
}

/* A role with no JWTScope line is never in effect for OAuth. */
static void
test_scope_default_deny(void **state)
{
	static const char *const one[] = { "JWTScope mcp:read viewer", NULL };
	struct fix *f = fixture("oauth", one);
	char *t;
	static const char *const viewer[] = { "viewer", NULL };

	(void)state;
	t = token("x@example.com", 600, "\"roles\":[\"admin\",\"viewer\"],"
	    "\"scope\":\"mcp:read mcp:admin\"");
	assert_int_equal(check(f, t, &http_nocert), AUTHN_OK);
	assert_roles(&f->id, viewer);
	assert_null(policy_missing_scopes(&f->cfg, &f->id, "drop_table"));
	free(t);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_oauth),
		cmocka_unit_test(test_mtls_oauth),
		cmocka_unit_test(test_mtls_only),
		cmocka_unit_test(test_cnf_binding),
		cmocka_unit_test(test_match_identity),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_one_signature),
		cmocka_unit_test(test_apikey_and_none),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_scope_default_deny),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
