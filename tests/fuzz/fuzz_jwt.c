/*
 * Fuzz target: OAuth bearer token verification (src/monitor/jwt.c,
 * jwtv_verify), with a JWKS of four keys made at start-up: "rs" (RS256),
 * "ps" (PS256, the same RSA key), "es" (ES256) and "ed" (EdDSA).
 *
 * Input: the first byte says what the rest is.
 *   bits 0-1 == 0: a token, verified as it is (the decoding, the parts,
 *                  the header checks: everything before the signature);
 *   else:          HEADER '\0' PAYLOAD, raw bytes that the harness
 *                  encodes and signs with the key bits 2-3 pick (rs, ps,
 *                  es, ed), so that the claims checks behind the
 *                  signature see fuzzed JSON too.  Without a NUL the
 *                  header is the key's own and the rest is the payload.
 *   bit 4: verify with the verifier that caches (eight entries), else
 *          with the one that does not;
 *   bit 5: verify a second time (a cache hit must give the same answer).
 * Time stands still at FUZZ_NOW; JWTLeeway is 60.
 * Properties: success gives a sub of 1..JWT_SUB_MAX bytes without control
 * characters, at most JWT_MAX_ROLES roles of at most JWT_ROLE_MAX bytes
 * and JWT_MAX_SCOPES scopes, a cnf thumbprint that is empty or
 * JWT_X5T_LEN characters, and an exp not before now - leeway; failure gives a reason and an empty
 * result; the second answer equals the first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config.h"
#include "ctl.h"
#include "harness.h"
#include "jwt.h"

#define FUZZ_LEEWAY	60

static struct jwt_verifier *v_plain, *v_cache;
static EVP_PKEY *keys[4];
static const char *const kids[4] = { "rs", "ps", "es", "ed" };
static const char *const algs[4] = { "RS256", "PS256", "ES256", "EdDSA" };

static struct jwt_verifier *
verifier(const char *jwks)
{
	struct mcpd_config cfg;
	struct jwt_verifier *v;
	char err[512], line[1024];
	const char *lines[] = {
		"JWTIssuer https://issuer.example",
		"JWTAudience https://mcp.example/mcp",
		"JWTAlgorithms RS256,PS256,ES256,EdDSA",
		"JWTLeeway 60",
		"JWTRolesClaim roles",
		/*
		 * The seeds' tokens say typ "JWT" and their keys are gone:
		 * JWTType JWT lets them reach the claims, and still checks typ.
		 */
		"JWTType JWT",
	};
	size_t i;

	config_init(&cfg);
	(void)snprintf(line, sizeof(line), "JWKSFile %s", jwks);
	FUZZ_ASSERT(config_parse_line(&cfg, line, CFG_SRC_FILE, "fuzz", 1,
	    err, sizeof(err)) == 0, "config JWKSFile");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		FUZZ_ASSERT(config_parse_line(&cfg, lines[i], CFG_SRC_FILE,
		    "fuzz", 2, err, sizeof(err)) == 0, "config JWT*");
	config_fill_defaults(&cfg);
	if ((v = jwtv_new(&cfg, err, sizeof(err))) == NULL)
		fuzz_fail(__FILE__, __LINE__, err);
	config_free(&cfg);
	return v;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512], *jwks, *path;

	fuzz_init();
	keys[0] = fuzz_keygen("RSA");
	keys[1] = keys[0];
	keys[2] = fuzz_keygen("EC");
	keys[3] = fuzz_keygen("ED25519");
	if (ctl_jwks_build(keys, kids, algs, 4, &jwks, err, sizeof(err)) != 0)
		fuzz_fail(__FILE__, __LINE__, err);
	path = fuzz_path("jwks.json");
	fuzz_write(path, jwks, strlen(jwks));
	free(jwks);
	v_plain = verifier(path);
	v_cache = verifier(path);
	free(path);
	FUZZ_ASSERT(jwtv_nkeys(v_plain) == 4, "four keys loaded");
	jwtv_set_cache_max(v_plain, 0, 0);
	jwtv_set_cache_max(v_cache, 8, 64 * 1024);
	return 0;
}

static int
verify(struct jwt_verifier *v, const char *tok, size_t len,
    struct jwt_result *res)
{
	char reason[512];
	size_t i;
	int r;

	reason[0] = '\0';
	r = jwtv_verify(v, tok, len, FUZZ_NOW, res, reason, sizeof(reason));
	FUZZ_ASSERT(r == 0 || r == -1, "jwtv_verify returns 0 or -1");
	if (r != 0) {
		FUZZ_ASSERT(reason[0] != '\0', "a refusal has a reason");
		FUZZ_ASSERT(res->sub == NULL && res->roles == NULL &&
		    res->scopes == NULL, "a refusal leaves no result");
		return r;
	}
	FUZZ_ASSERT(res->sub != NULL &&
	    jwt_valid_sub(res->sub, strlen(res->sub)),
	    "sub is 1..JWT_SUB_MAX bytes without control characters");
	FUZZ_ASSERT(res->nroles <= JWT_MAX_ROLES, "roles capped");
	for (i = 0; i < res->nroles; i++)
		FUZZ_ASSERT(strlen(res->roles[i]) <= JWT_ROLE_MAX,
		    "each role at most JWT_ROLE_MAX bytes");
	FUZZ_ASSERT(res->x5t[0] == '\0' || strlen(res->x5t) == JWT_X5T_LEN,
	    "a cnf thumbprint is JWT_X5T_LEN characters");
	FUZZ_ASSERT(res->nscopes <= JWT_MAX_SCOPES, "scopes capped");
	FUZZ_ASSERT(res->exp >= FUZZ_NOW - FUZZ_LEEWAY, "not expired");
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_verifier *v;
	struct jwt_result res, res2;
	const uint8_t *body, *nul;
	char *tok, hdr[128];
	size_t blen, k;
	int r, r2, n;

	if (size < 1)
		return 0;
	body = data + 1;
	blen = size - 1;
	v = (data[0] & 0x10) ? v_cache : v_plain;
	if ((data[0] & 3) == 0)
		tok = fuzz_strndup(body, blen);
	else {
		k = (data[0] >> 2) & 3;
		if ((nul = memchr(body, '\0', blen)) != NULL)
			tok = fuzz_jws_sign(keys[k], algs[k], body,
			    (size_t)(nul - body), nul + 1,
			    blen - (size_t)(nul - body) - 1);
		else {
			n = snprintf(hdr, sizeof(hdr),
			    "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
			    algs[k], kids[k]);
			tok = fuzz_jws_sign(keys[k], algs[k],
			    (const uint8_t *)hdr, (size_t)n, body, blen);
		}
		FUZZ_ASSERT(tok != NULL, "signing");
		blen = strlen(tok);
	}
	r = verify(v, tok, blen, &res);
	if (data[0] & 0x20) {
		r2 = verify(v, tok, blen, &res2);
		FUZZ_ASSERT(r == r2, "the same answer twice");
		if (r == 0) {
			FUZZ_ASSERT(strcmp(res.sub, res2.sub) == 0 &&
			    res.nroles == res2.nroles &&
			    res.nscopes == res2.nscopes &&
			    res.has_roles == res2.has_roles &&
			    res.exp == res2.exp &&
			    strcmp(res.x5t, res2.x5t) == 0,
			    "the same identity twice");
			for (k = 0; k < res.nroles; k++)
				FUZZ_ASSERT(strcmp(res.roles[k],
				    res2.roles[k]) == 0, "the same roles twice");
		}
		jwt_result_clear(&res2);
	}
	jwt_result_clear(&res);
	free(tok);
	return 0;
}
