/* Unit tests: unpadded base64url (src/common/b64url.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "b64url.h"

static void
test_vectors(void **state)
{
	uint8_t out[16];
	size_t n;
	char enc[16];

	(void)state;
	assert_int_equal(b64url_encode((const uint8_t *)"\xfb\xff", 2,
	    enc, sizeof(enc)), 3);
	assert_string_equal(enc, "-_8");
	assert_int_equal(b64url_decode("-_8", 3, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	assert_int_equal(b64url_decode("QQ", 2, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'A');
	/* Stray bits, padding, one lone character, the other alphabet. */
	assert_int_equal(b64url_decode("QR", 2, out, sizeof(out), &n), -1);
	assert_int_equal(b64url_decode("QQ==", 4, out, sizeof(out), &n),
	    -1);
	assert_int_equal(b64url_decode("QUFB Q", 6, out, sizeof(out), &n),
	    -1);
	assert_int_equal(b64url_decode("Q", 1, out, sizeof(out), &n), -1);
	assert_int_equal(b64url_decode("+/8", 3, out, sizeof(out), &n), -1);
	assert_int_equal(b64url_decode("QUFB", 4, out, 2, &n), -1);
	/* Too small an output buffer for the encoding. */
	assert_int_equal(b64url_encode((const uint8_t *)"abc", 3, enc, 4),
	    0);
	assert_string_equal(enc, "");
}

/* RFC 4648 section 10, in the URL alphabet and without padding. */
static void
test_rfc4648(void **state)
{
	static const char *const want[] = {
		"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"
	};
	char enc[16];
	uint8_t dec[8];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(B64URL_LEN(i), strlen(want[i]));
		assert_int_equal(b64url_encode((const uint8_t *)"foobar", i,
		    enc, sizeof(enc)), strlen(want[i]));
		assert_string_equal(enc, want[i]);
		assert_int_equal(b64url_decode(want[i], strlen(want[i]), dec,
		    sizeof(dec), &n), 0);
		assert_int_equal(n, i);
		assert_memory_equal(dec, "foobar", i);
	}
}

/* Every byte value survives the round trip, at every alignment. */
static void
test_roundtrip(void **state)
{
	uint8_t in[256], dec[256];
	char enc[B64URL_LEN(256) + 1];
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(255 - i);
	for (len = 0; len <= sizeof(in); len++) {
		assert_int_equal(b64url_encode(in, len, enc, sizeof(enc)),
		    B64URL_LEN(len));
		assert_int_equal(strlen(enc), B64URL_LEN(len));
		/* Exactly the room it needs, then one byte less. */
		assert_int_equal(b64url_encode(in, len, enc,
		    B64URL_LEN(len) + 1), B64URL_LEN(len));
		assert_int_equal(b64url_encode(in, len, enc, B64URL_LEN(len)),
		    0);
		assert_int_equal(b64url_encode(in, len, enc, sizeof(enc)),
		    B64URL_LEN(len));
		assert_int_equal(b64url_decode(enc, strlen(enc), dec, len, &n),
		    0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
	}
}

/* Bad arguments: an error, never a crash. */
static void
test_arguments(void **state)
{
	uint8_t out[4];
	char enc[8];
	size_t n = 99;

	(void)state;
	assert_int_equal(b64url_encode(NULL, 0, enc, sizeof(enc)), 0);
	assert_string_equal(enc, "");
	assert_int_equal(b64url_encode(NULL, 1, enc, sizeof(enc)), 0);
	assert_int_equal(b64url_encode(out, 1, NULL, 8), 0);
	assert_int_equal(b64url_encode(out, 1, enc, 0), 0);
	assert_int_equal(b64url_decode("QQ", 2, out, sizeof(out), NULL), -1);
	assert_int_equal(b64url_decode(NULL, 2, out, sizeof(out), &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(b64url_decode("QQ", 2, NULL, 4, &n), -1);
	assert_int_equal(b64url_decode("QQ", 2, NULL, 0, &n), -1);
	assert_int_equal(b64url_decode(NULL, 0, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_rfc4648),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
