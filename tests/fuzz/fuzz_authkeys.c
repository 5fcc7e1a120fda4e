/*
 * Fuzz target: API keys and AuthorizedKeysFile (src/monitor/apikey.c,
 * src/monitor/authkeys.c).
 *
 * Input: the first byte picks the entry point (modulo 4), the rest is
 * the text.
 *   0: a whole AuthorizedKeysFile (authkeys_load), then FUZZ_KEY and a
 *      wrong secret of its id checked against it from several sources,
 *      so that a fuzzed line naming that id and hash (the seeds do)
 *      reaches the from= and expiry-time= decisions;
 *   1: each line through authkeys_parse_line, as mcpctl key list does;
 *   2: the text is a presented key: apikey_parse, then authkeys_verify
 *      against a fixed file whose entries cover every option;
 *   3: the text is a comma-separated from= list: cidr_parse and
 *      cidr_match against IPv4 and IPv6 sources.
 * Properties: apikey_parse accepts only APIKEY_LEN bytes and a valid id;
 * authkeys_verify answers AUTHKEY_OK only with a match, and never for a
 * key that apikey_parse refuses; load errors come with a message.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "authkeys.h"
#include "harness.h"
#include "hex.h"

/* A test key (its secret part is base64url of "fuzz" x 8). */
#define FUZZ_KEY	"mcpk_fuzzkey1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1eno"
#define FUZZ_KEY_BAD	"mcpk_fuzzkey1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1enA"
#define FUZZ_KEY_HASH \
	"sha256:8bf6999940a4972e35bf3f7c1e37d29ca0b4765f3f8a02f85835edfd5acfc843"

static char *keys_path;
static struct authkeys *fixed;
static struct sockaddr_storage srcs[4];

static void
addr4(struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	FUZZ_ASSERT(inet_pton(AF_INET, a, &sin->sin_addr) == 1, "inet_pton");
}

static void
addr6(struct sockaddr_storage *ss, const char *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(40000);
	FUZZ_ASSERT(inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1,
	    "inet_pton");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char file[] =
	    "# fixed entries for mode 2\n"
	    "user=\"admin@example.com\" fuzzkey1 " FUZZ_KEY_HASH "\n"
	    "roles=\"viewer,developer\",from=\"127.0.0.0/8,::1\" "
	    "fuzzkey2 sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\n"
	    "expiry-time=\"20250101\" fuzzkey3 sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111\n"
	    "user=\"x\",from=\"10.0.0.0/8\","
	    "expiry-time=\"209912312359\" fuzzkey4 sha256:"
	    "2222222222222222222222222222222222222222222222222222222222222222\n";
	char err[512];

	fuzz_init();
	keys_path = fuzz_path("authorized_keys");
	fuzz_write(keys_path, file, sizeof(file) - 1);
	if (authkeys_load(keys_path, &fixed, err, sizeof(err)) != 0)
		fuzz_fail(__FILE__, __LINE__, err);
	addr4(&srcs[0], "127.0.0.1");
	addr4(&srcs[1], "10.1.2.3");
	addr6(&srcs[2], "::1");
	addr6(&srcs[3], "2001:db8::1");
	return 0;
}

/* Check key against ak from every source; the result's invariants. */
static void
verify_all(const struct authkeys *ak, const char *key, size_t len)
{
	const struct authkey *match;
	char id[APIKEY_ID_LEN + 1];
	size_t i;
	int r, parsed;

	parsed = apikey_parse(key, len, id, sizeof(id)) == 0;
	for (i = 0; i <= 4; i++) {
		r = authkeys_verify(ak, key, len, i == 4 ? NULL :
		    (const struct sockaddr *)&srcs[i], FUZZ_NOW, &match);
		FUZZ_ASSERT(r >= AUTHKEY_OK && r <= AUTHKEY_FROM,
		    "authkeys_verify result in range");
		FUZZ_ASSERT((r == AUTHKEY_OK) == (match != NULL),
		    "a match exactly on AUTHKEY_OK");
		FUZZ_ASSERT(parsed || r == AUTHKEY_MALFORMED,
		    "a key apikey_parse refuses is malformed");
		if (match != NULL)
			FUZZ_ASSERT(strcmp(match->keyid, id) == 0,
			    "the match has the key's id");
		(void)authkeys_result_str(r);
	}
}

static void
mode_file(const uint8_t *data, size_t size)
{
	struct authkeys *ak = NULL;
	char err[512];

	fuzz_write(keys_path, data, size);
	err[0] = '\0';
	if (authkeys_load(keys_path, &ak, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(err[0] != '\0', "authkeys_load says why");
		FUZZ_ASSERT(ak == NULL, "no keys on failure");
		return;
	}
	verify_all(ak, FUZZ_KEY, strlen(FUZZ_KEY));
	verify_all(ak, FUZZ_KEY_BAD, strlen(FUZZ_KEY_BAD));
	authkeys_free(ak);
}

static void
mode_lines(const uint8_t *data, size_t size)
{
	struct authkey k;
	char err[512], *text = fuzz_strndup(data, size), *line, *next;
	int r;

	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		memset(&k, 0, sizeof(k));
		err[0] = '\0';
		r = authkeys_parse_line(line, &k, err, sizeof(err));
		FUZZ_ASSERT(r >= -1 && r <= 1, "parse_line result in range");
		if (r == -1)
			FUZZ_ASSERT(err[0] != '\0', "parse_line says why");
		if (r == 0)
			FUZZ_ASSERT(apikey_valid_id(k.keyid),
			    "a parsed line has a valid key id");
		authkey_clear(&k);
	}
	free(text);
}

static void
mode_key(const uint8_t *data, size_t size)
{
	char id[APIKEY_ID_LEN + 1], *s;
	uint8_t h[32], bin[32];

	s = fuzz_strndup(data, size);
	if (apikey_parse(s, size, id, sizeof(id)) == 0) {
		FUZZ_ASSERT(size == APIKEY_LEN, "a key has APIKEY_LEN bytes");
		FUZZ_ASSERT(apikey_valid_id(id), "a key has a valid id");
		FUZZ_ASSERT(apikey_hash(s, size, h) == 0, "apikey_hash");
	}
	verify_all(fixed, s, size);
	(void)hex_decode(s, bin, sizeof(bin));
	(void)apikey_valid_id(s);
	free(s);
}

static void
mode_cidr(const uint8_t *data, size_t size)
{
	struct authkey_cidr c;
	char *text = fuzz_strndup(data, size), *p, *next;
	size_t i;

	for (p = text; p != NULL; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if (cidr_parse(p, &c) != 0)
			continue;
		FUZZ_ASSERT((c.family == AF_INET && c.bits >= 0 &&
		    c.bits <= 32) || (c.family == AF_INET6 && c.bits >= 0 &&
		    c.bits <= 128), "a parsed CIDR has a family and a length");
		for (i = 0; i < 4; i++)
			(void)cidr_match(&c, (const struct sockaddr *)&srcs[i]);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		mode_file(data + 1, size - 1);
		break;
	case 1:
		mode_lines(data + 1, size - 1);
		break;
	case 2:
		mode_key(data + 1, size - 1);
		break;
	default:
		mode_cidr(data + 1, size - 1);
		break;
	}
	return 0;
}
