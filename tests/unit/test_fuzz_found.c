/*
 * What the fuzzers (tests/fuzz, "make fuzz") found, one test per finding,
 * each reproducing it with a minimal input and asserting the outcome the
 * contract asks for.  The inputs libFuzzer saved are also kept as seeds
 * (tests/fuzz/corpus/<target>/regress-*), so that tests/fuzz/smoke.sh
 * replays them too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "schema.h"

/*
 * fuzz_schema: a property name too long for the validator's pointer
 * buffer (256 bytes) was dropped from the pointer whole, so that the
 * message of an error at the top level read "...: unexpected property",
 * with no pointer at all, where schema.h promises "/json/pointer: what"
 * with long pointers cut and ending in "...".  A name that fits (the 100
 * two-byte characters of test_schema's test_paths) was shown cut, as it
 * should be.  The expected message is the same cut form: "/", the first
 * SCHEMA_PATH_SHOW - 1 bytes of the name, "...".
 */
static void
test_schema_long_name(void **state)
{
	struct schema_errors e;
	char err[256], key[601], want[256];
	json_t *s, *inst, *o;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	s = schema_load("{\"additionalProperties\":false}", err, sizeof(err));
	assert_non_null(s);
	inst = json_object();
	assert_non_null(inst);
	o = json_integer(1);
	assert_int_equal(json_object_set_new(inst, key, o), 0);
	assert_int_equal(schema_validate(s, inst, &e), -1);
	assert_int_equal(e.n, 1);
	(void)snprintf(want, sizeof(want), "/%.*s...: unexpected property",
	    SCHEMA_PATH_SHOW - 1, key);
	assert_string_equal(e.msg[0], want);
	json_decref(inst);
	json_decref(s);
}

/*
 * The same with a name of two-byte characters: the cut falls on a
 * character boundary, in the buffer and in the message.
 */
static void
test_schema_long_utf8_name(void **state)
{
	struct schema_errors e;
	char err[256], key[601], want[256];
	json_t *s, *inst;
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(key); i += 2) {
		key[i] = (char)0xc3;	/* U+00E9 */
		key[i + 1] = (char)0xa9;
	}
	key[sizeof(key) - 1] = '\0';
	s = schema_load("{\"additionalProperties\":false}", err, sizeof(err));
	assert_non_null(s);
	inst = json_object();
	assert_non_null(inst);
	assert_int_equal(json_object_set_new(inst, key, json_true()), 0);
	assert_int_equal(schema_validate(s, inst, &e), -1);
	assert_int_equal(e.n, 1);
	/* "/" and 47 whole characters are the first 95 of 96 bytes. */
	(void)snprintf(want, sizeof(want), "/%.*s...: unexpected property",
	    94, key);
	assert_string_equal(e.msg[0], want);
	json_decref(inst);
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_long_name),
		cmocka_unit_test(test_schema_long_utf8_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
