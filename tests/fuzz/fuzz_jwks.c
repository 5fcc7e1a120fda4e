/*
 * Fuzz target: JWKSFile loading (src/monitor/jwks.c, jwtv_new).
 *
 * Input: the whole JWKS file.  When it loads, the verifier is put to use:
 * for each of the kids the seeds use ("rs", "ps", "es", "ed", "k1") and
 * each algorithm, a token signed at start-up with a key of the right type
 * (never the fuzzed one) is verified, so that whatever key material the
 * file brought reaches the signature check.
 * Properties: a refusal has a message naming the file; a verifier holds
 * at most JWKS_MAX_KEYS keys; no token verifies (none was signed by a key
 * in the file).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "jwt.h"

#define NTOKENS	20

static struct mcpd_config cfg;
static char *jwks_path;
static char *tokens[NTOKENS];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const kids[] = { "rs", "ps", "es", "ed", "k1" };
	static const char *const algs[] = { "RS256", "PS256", "ES256",
	    "EdDSA" };
	static const char payload[] = "{\"iss\":\"https://issuer.example\","
	    "\"aud\":\"https://mcp.example/mcp\",\"sub\":\"u\","
	    "\"exp\":1767229200}";
	EVP_PKEY *keys[4];
	char err[512], line[1024], hdr[128];
	const char *lines[] = {
		"JWTIssuer https://issuer.example",
		"JWTAudience https://mcp.example/mcp",
		"JWTAlgorithms RS256,PS256,ES256,EdDSA",
	};
	size_t i, k, n = 0;
	int len;

	fuzz_init();
	jwks_path = fuzz_path("jwks.json");
	config_init(&cfg);
	(void)snprintf(line, sizeof(line), "JWKSFile %s", jwks_path);
	FUZZ_ASSERT(config_parse_line(&cfg, line, CFG_SRC_FILE, "fuzz", 1,
	    err, sizeof(err)) == 0, "config JWKSFile");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		FUZZ_ASSERT(config_parse_line(&cfg, lines[i], CFG_SRC_FILE,
		    "fuzz", 2, err, sizeof(err)) == 0, "config JWT*");
	config_fill_defaults(&cfg);

	keys[0] = keys[1] = fuzz_keygen("RSA");
	keys[2] = fuzz_keygen("EC");
	keys[3] = fuzz_keygen("ED25519");
	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		for (k = 0; k < 4; k++) {
			len = snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\","
			    "\"kid\":\"%s\"}", algs[k], kids[i]);
			tokens[n] = fuzz_jws_sign(keys[k], algs[k],
			    (const uint8_t *)hdr, (size_t)len,
			    (const uint8_t *)payload, sizeof(payload) - 1);
			FUZZ_ASSERT(tokens[n] != NULL, "signing");
			n++;
		}
	EVP_PKEY_free(keys[0]);
	EVP_PKEY_free(keys[2]);
	EVP_PKEY_free(keys[3]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_verifier *v;
	struct jwt_result res;
	char err[1024], reason[512];
	size_t i;

	fuzz_write(jwks_path, data, size);
	err[0] = '\0';
	if ((v = jwtv_new(&cfg, err, sizeof(err))) == NULL) {
		FUZZ_ASSERT(err[0] != '\0', "jwtv_new says why");
		return 0;
	}
	FUZZ_ASSERT(jwtv_nkeys(v) <= JWKS_MAX_KEYS, "keys capped");
	(void)jwtv_nskipped(v);
	for (i = 0; i < NTOKENS; i++) {
		FUZZ_ASSERT(jwtv_verify(v, tokens[i], strlen(tokens[i]),
		    FUZZ_NOW, &res, reason, sizeof(reason)) == -1,
		    "no token verifies under a key that did not sign it");
		jwt_result_clear(&res);
	}
	jwtv_free(v);
	return 0;
}
