/* Unit tests: lower-case hexadecimal (src/common/hex.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"

static void
test_encode_decode(void **state)
{
	static const uint8_t in[] = { 0x00, 0x0f, 0xa0, 0xff, 0x5c, 0x9b };
	uint8_t out[6];
	char hex[13];

	(void)state;
	hex_encode(in, sizeof(in), hex);
	assert_string_equal(hex, "000fa0ff5c9b");
	hex_encode(in, 0, hex);
	assert_string_equal(hex, "");

	memset(out, 0xee, sizeof(out));
	assert_int_equal(hex_decode("000fa0ff5c9b", out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	/* Upper case is accepted on input. */
	memset(out, 0xee, sizeof(out));
	assert_int_equal(hex_decode("000FA0FF5C9B", out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	/* Exactly 2 * outlen digits: not fewer, not more. */
	assert_int_equal(hex_decode("000fa0ff5c9", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000fa0ff5c9b0", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000fa0ff5c9b00", out, sizeof(out)), -1);
	/* Non-hex characters anywhere. */
	assert_int_equal(hex_decode("g00fa0ff5c9b", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000fa0ff5c9G", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000f a0ff5c9", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000f:0ff5c9b", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000f@0ff5c9b", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000f`0ff5c9b", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("000f/0ff5c9b", out, sizeof(out)), -1);
	assert_int_equal(hex_decode("", out, 0), 0);
}

/* Every byte value, both cases on input, and a failure wipes out. */
static void
test_all_bytes(void **state)
{
	uint8_t in[256], out[256];
	char enc[2 * 256 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	hex_encode(in, sizeof(in), enc);
	assert_int_equal(strlen(enc), 2 * sizeof(in));
	assert_memory_equal(enc, "000102", 6);
	assert_string_equal(enc + 2 * 250, "fafbfcfdfeff");
	assert_int_equal(hex_decode(enc, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	for (i = 0; enc[i] != '\0'; i++)
		if (enc[i] >= 'a' && enc[i] <= 'f')
			enc[i] = (char)(enc[i] - 'a' + 'A');
	assert_int_equal(hex_decode(enc, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	enc[100] = 'x';
	assert_int_equal(hex_decode(enc, out, sizeof(out)), -1);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(hex_decode(NULL, out, sizeof(out)), -1);
	assert_int_equal(hex_decode("00", NULL, 1), -1);
}

static void
test_is_lower(void **state)
{
	(void)state;
	assert_true(hex_is_lower("0123456789abcdef", 16));
	assert_true(hex_is_lower("", 0));
	/* Only the first len characters count. */
	assert_true(hex_is_lower("abX", 2));
	assert_false(hex_is_lower("abX", 3));
	assert_false(hex_is_lower("0A", 2));
	assert_false(hex_is_lower("g0", 2));
	assert_false(hex_is_lower("0/", 2));
	assert_false(hex_is_lower("0:", 2));
	assert_false(hex_is_lower("`0", 2));
	assert_false(hex_is_lower("a\0", 2));
}

static void
test_ct_range(void **state)
{
	unsigned int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		assert_int_equal(ct_range(c, 'a', 'f'),
		    c >= 'a' && c <= 'f' ? 0xff : 0);
		assert_int_equal(ct_range(c, '-', '-'), c == '-' ? 0xff : 0);
		assert_int_equal(ct_range(c, 0, 9), c <= 9 ? 0xff : 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_all_bytes),
		cmocka_unit_test(test_is_lower),
		cmocka_unit_test(test_ct_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
