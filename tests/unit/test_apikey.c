/*
 * Unit tests for src/monitor/apikey.c: key generation, key syntax, hashing
 * and fingerprints.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apikey.h"
#include "hex.h"

#define NKEYS		2000
#define ID_ALPHABET	"abcdefghijklmnopqrstuvwxyz0123456789"
#define B64URL \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A well-formed key to mutate in the parse tests. */
#define GOOD_KEY \
	"mcpk_ab12cd34_" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static int
cmpkey(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void
test_generate_format(void **state)
{
	char key[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1], pid[APIKEY_ID_LEN + 1];
	const char *last;
	size_t i, j;
	int seen[256];

	(void)state;
	assert_int_equal(APIKEY_LEN, 57);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NKEYS; i++) {
		assert_int_equal(apikey_generate(key, sizeof(key), id,
		    sizeof(id)), 0);
		assert_int_equal(strlen(key), APIKEY_LEN);
		assert_memory_equal(key, "mcpk_", 5);
		assert_int_equal(key[13], '_');
		assert_memory_equal(key + 5, id, APIKEY_ID_LEN);
		assert_int_equal(strlen(id), APIKEY_ID_LEN);
		assert_true(apikey_valid_id(id));
		for (j = 0; j < APIKEY_ID_LEN; j++) {
			assert_non_null(strchr(ID_ALPHABET, id[j]));
			seen[(unsigned char)id[j]]++;
		}
		for (j = 14; j < APIKEY_LEN; j++)
			assert_non_null(strchr(B64URL, key[j]));
		/*
		 * 256 bits in 43 sextets leave the last one's two low bits
		 * zero: a sign that exactly 32 bytes were encoded.
		 */
		last = strchr(B64URL, key[APIKEY_LEN - 1]);
		assert_int_equal((last - B64URL) % 4, 0);
		assert_int_equal(apikey_parse(key, strlen(key), pid,
		    sizeof(pid)), 0);
		assert_string_equal(pid, id);
	}
	/* 16000 id characters: every one of the 36 must have come up. */
	for (j = 0; j < strlen(ID_ALPHABET); j++)
		assert_true(seen[(unsigned char)ID_ALPHABET[j]] > 0);
}

static void
test_generate_unique(void **state)
{
	char (*keys)[APIKEY_LEN + 1];
	char (*ids)[APIKEY_ID_LEN + 1];
	size_t i;

	(void)state;
	keys = calloc(NKEYS, sizeof(*keys));
	ids = calloc(NKEYS, sizeof(*ids));
	assert_non_null(keys);
	assert_non_null(ids);
	for (i = 0; i < NKEYS; i++)
		assert_int_equal(apikey_generate(keys[i], sizeof(keys[i]),
		    ids[i], sizeof(ids[i])), 0);
	qsort(keys, NKEYS, sizeof(*keys), cmpkey);
	qsort(ids, NKEYS, sizeof(*ids), cmpkey);
	for (i = 1; i < NKEYS; i++) {
		assert_string_not_equal(keys[i - 1], keys[i]);
		/* 2000 ids out of 36^8: a collision would mean a bug. */
		assert_string_not_equal(ids[i - 1], ids[i]);
	}
	free(keys);
	free(ids);
}

static void
test_generate_small_buffers(void **state)
{
	char key[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1];

	(void)state;
	assert_int_equal(apikey_generate(key, APIKEY_LEN, id, sizeof(id)), -1);
	assert_int_equal(apikey_generate(key, sizeof(key), id, APIKEY_ID_LEN),
	    -1);
	assert_int_equal(apikey_generate(NULL, 100, id, sizeof(id)), -1);
	/* The id is optional. */
	assert_int_equal(apikey_generate(key, sizeof(key), NULL, 0), 0);
	assert_int_equal(strlen(key), APIKEY_LEN);
}

static void
expect_parse_fail(const char *s, size_t len)
{
	char id[APIKEY_ID_LEN + 1];

	assert_int_equal(apikey_parse(s, len, id, sizeof(id)), -1);
}

static void
test_parse(void **state)
{
	char id[APIKEY_ID_LEN + 1], buf[APIKEY_LEN + 2];
	const char *bad_secret = "+/= \x80\x7f.!";
	size_t i;

	(void)state;
	assert_int_equal(strlen(GOOD_KEY), APIKEY_LEN);
	assert_int_equal(apikey_parse(GOOD_KEY, APIKEY_LEN, id, sizeof(id)),
	    0);
	assert_string_equal(id, "ab12cd34");
	/* The id buffer is optional. */
	assert_int_equal(apikey_parse(GOOD_KEY, APIKEY_LEN, NULL, 0), 0);
	/* Every base64url character is accepted in the secret. */
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	for (i = 0; i < strlen(B64URL); i++) {
		buf[14 + i % APIKEY_SECRET_LEN] = B64URL[i];
		assert_int_equal(apikey_parse(buf, APIKEY_LEN, NULL, 0), 0);
	}

	/* Wrong prefix. */
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[3] = 'x';
	expect_parse_fail(buf, APIKEY_LEN);
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	memcpy(buf, "MCPK_", 5);
	expect_parse_fail(buf, APIKEY_LEN);

	/* Wrong length, either way, and a len that disagrees with strlen. */
	expect_parse_fail(GOOD_KEY, APIKEY_LEN - 1);
	memcpy(buf, GOOD_KEY, APIKEY_LEN);
	buf[APIKEY_LEN] = 'A';
	buf[APIKEY_LEN + 1] = '\0';
	expect_parse_fail(buf, APIKEY_LEN + 1);
	expect_parse_fail("", 0);
	expect_parse_fail(NULL, APIKEY_LEN);

	/* Bad characters in the id, and a bad separator. */
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[6] = 'B';
	expect_parse_fail(buf, APIKEY_LEN);
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[12] = '-';
	expect_parse_fail(buf, APIKEY_LEN);
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[7] = '_';
	expect_parse_fail(buf, APIKEY_LEN);
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[13] = '-';
	expect_parse_fail(buf, APIKEY_LEN);

	/* Bad characters in the secret, at the start, middle and end. */
	for (i = 0; i < strlen(bad_secret); i++) {
		memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
		buf[14] = bad_secret[i];
		expect_parse_fail(buf, APIKEY_LEN);
		memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
		buf[35] = bad_secret[i];
		expect_parse_fail(buf, APIKEY_LEN);
		memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
		buf[APIKEY_LEN - 1] = bad_secret[i];
		expect_parse_fail(buf, APIKEY_LEN);
	}

	/* Embedded NUL bytes, in the secret and in the id. */
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[40] = '\0';
	expect_parse_fail(buf, APIKEY_LEN);
	memcpy(buf, GOOD_KEY, APIKEY_LEN + 1);
	buf[8] = '\0';
	expect_parse_fail(buf, APIKEY_LEN);

	/* An id buffer too small is refused. */
	assert_int_equal(apikey_parse(GOOD_KEY, APIKEY_LEN, id, APIKEY_ID_LEN),
	    -1);
}

static void
test_valid_id(void **state)
{
	(void)state;
	assert_true(apikey_valid_id("abcd1234"));
	assert_true(apikey_valid_id("00000000"));
	assert_true(apikey_valid_id("zzzzzzzz"));
	assert_false(apikey_valid_id("abcd123"));
	assert_false(apikey_valid_id("abcd12345"));
	assert_false(apikey_valid_id("Abcd1234"));
	assert_false(apikey_valid_id("abcd-234"));
	assert_false(apikey_valid_id("abcd_234"));
	assert_false(apikey_valid_id(""));
	assert_false(apikey_valid_id(NULL));
}

static void
test_hash_and_fingerprint(void **state)
{
	uint8_t h[32];
	char hex[65], fp[13];

	(void)state;
	assert_int_equal(apikey_hash("abc", 3, h), 0);
	hex_encode(h, sizeof(h), hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	credential_fingerprint("abc", 3, fp);
	assert_string_equal(fp, "ba7816bf8f01");
	credential_fingerprint("", 0, fp);
	assert_string_equal(fp, "e3b0c44298fc");
	/* The fingerprint of a key is the start of its stored hash. */
	assert_int_equal(apikey_hash(GOOD_KEY, APIKEY_LEN, h), 0);
	hex_encode(h, sizeof(h), hex);
	credential_fingerprint(GOOD_KEY, APIKEY_LEN, fp);
	assert_int_equal(strlen(fp), 12);
	assert_memory_equal(fp, hex, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_format),
		cmocka_unit_test(test_generate_unique),
		cmocka_unit_test(test_generate_small_buffers),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_valid_id),
		cmocka_unit_test(test_hash_and_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
