/*
 * Unit tests for the JSON Schema subset validator (src/net/schema.c):
 * every keyword, the checks made when a schema is loaded, the messages
 * (exact), and the tool catalog's own schemas.
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
#include "toolcatalog.h"

/*
 * Validate instance text against schema text; returns the result and
 * leaves the messages in errs.  Both texts must parse and the schema must
 * pass schema_check().
 */
static int
run(const char *schema_text, const char *inst_text, struct schema_errors *e)
{
	char err[256];
	json_t *s, *i;
	int r;

	s = schema_load(schema_text, err, sizeof(err));
	if (s == NULL)
		fail_msg("schema did not load: %s", err);
	i = json_loads(inst_text, JSON_DECODE_ANY, NULL);
	assert_non_null(i);
	r = schema_validate(s, i, e);
	json_decref(i);
	json_decref(s);
	return r;
}

/* Exactly one error, with this message. */
static void
expect_one(const char *schema_text, const char *inst_text, const char *msg)
{
	struct schema_errors e;

	assert_int_equal(run(schema_text, inst_text, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], msg);
}

static void
expect_ok(const char *schema_text, const char *inst_text)
{
	struct schema_errors e;

	assert_int_equal(run(schema_text, inst_text, &e), 0);
	assert_int_equal(e.n, 0);
}

/* schema_load fails and err holds msg. */
static void
expect_bad_schema(const char *schema_text, const char *msg)
{
	char err[256];
	json_t *s;

	err[0] = '\0';
	s = schema_load(schema_text, err, sizeof(err));
	assert_null(s);
	assert_string_equal(err, msg);
}

static void
test_type_names(void **state)
{
	(void)state;
	expect_ok("{\"type\":\"string\"}", "\"x\"");
	expect_one("{\"type\":\"string\"}", "1", "(root): expected string");
	expect_ok("{\"type\":\"integer\"}", "-7");
	expect_one("{\"type\":\"integer\"}", "\"7\"",
	    "(root): expected integer");
	expect_ok("{\"type\":\"number\"}", "7");
	expect_ok("{\"type\":\"number\"}", "7.5");
	expect_one("{\"type\":\"number\"}", "true",
	    "(root): expected number");
	expect_ok("{\"type\":\"boolean\"}", "false");
	expect_one("{\"type\":\"boolean\"}", "0", "(root): expected boolean");
	expect_ok("{\"type\":\"object\"}", "{}");
	expect_one("{\"type\":\"object\"}", "[]", "(root): expected object");
	expect_ok("{\"type\":\"array\"}", "[]");
	expect_one("{\"type\":\"array\"}", "{}", "(root): expected array");
	expect_ok("{\"type\":\"null\"}", "null");
	expect_one("{\"type\":\"null\"}", "\"\"", "(root): expected null");
}

/* A real is never an integer, not even one with an integral value. */
static void
test_integer_is_strict(void **state)
{
	(void)state;
	expect_one("{\"type\":\"integer\"}", "1.0",
	    "(root): expected integer");
	expect_one("{\"type\":\"integer\"}", "1e3",
	    "(root): expected integer");
	expect_ok("{\"type\":\"integer\"}", "9223372036854775807");
}

static void
test_type_array(void **state)
{
	const char *s = "{\"type\":[\"string\",\"null\"]}";

	(void)state;
	expect_ok(s, "\"a\"");
	expect_ok(s, "null");
	expect_one(s, "3", "(root): expected string or null");
	expect_one("{\"type\":[\"integer\",\"boolean\",\"array\"]}", "{}",
	    "(root): expected integer or boolean or array");
}

static void
test_properties_required_additional(void **state)
{
	const char *s =
	    "{\"type\":\"object\","
	    "\"properties\":{\"a\":{\"type\":\"integer\"},"
	    "\"b\":{\"type\":\"string\"}},"
	    "\"required\":[\"a\"],\"additionalProperties\":false}";
	struct schema_errors e;

	(void)state;
	expect_ok(s, "{\"a\":1}");
	expect_ok(s, "{\"a\":1,\"b\":\"x\"}");
	expect_one(s, "{\"b\":\"x\"}", "/a: required property missing");
	expect_one(s, "{\"a\":1,\"c\":2}", "/c: unexpected property");
	expect_one(s, "{\"a\":\"1\"}", "/a: expected integer");
	/* Several problems: all reported, required ones first. */
	assert_int_equal(run(s, "{\"b\":2,\"z\":null}", &e), -1);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msg[0], "/a: required property missing");
	assert_string_equal(e.msg[1], "/b: expected string");
	assert_string_equal(e.msg[2], "/z: unexpected property");

	/* additionalProperties absent or true: anything extra goes. */
	expect_ok("{\"properties\":{\"a\":{\"type\":\"integer\"}}}",
	    "{\"a\":1,\"x\":[1,{}]}");
	expect_ok("{\"additionalProperties\":true}", "{\"x\":1}");
	/* additionalProperties as a schema applies to the extra ones only. */
	s = "{\"properties\":{\"a\":{\"type\":\"string\"}},"
	    "\"additionalProperties\":{\"type\":\"integer\"}}";
	expect_ok(s, "{\"a\":\"s\",\"n\":4}");
	expect_one(s, "{\"a\":\"s\",\"n\":\"4\"}", "/n: expected integer");
}

static void
test_enum_const(void **state)
{
	const char *s = "{\"enum\":[\"red\",2,null,{\"k\":[1]}]}";

	(void)state;
	expect_ok(s, "\"red\"");
	expect_ok(s, "2");
	expect_ok(s, "null");
	expect_ok(s, "{\"k\":[1]}");
	expect_one(s, "\"blue\"", "(root): not one of the allowed values");
	/* json_equal: the real 2.0 is not the integer 2. */
	expect_one(s, "2.0", "(root): not one of the allowed values");
	expect_one(s, "{\"k\":[2]}", "(root): not one of the allowed values");
	expect_ok("{\"const\":\"v1\"}", "\"v1\"");
	expect_one("{\"const\":\"v1\"}", "\"v2\"",
	    "(root): not the allowed value");
}

/* Lengths count code points, not bytes. */
static void
test_string_lengths(void **state)
{
	const char *s = "{\"type\":\"string\",\"minLength\":2,"
	    "\"maxLength\":3}";

	(void)state;
	expect_ok(s, "\"ab\"");
	expect_ok(s, "\"abc\"");
	expect_one(s, "\"a\"", "(root): shorter than 2 characters");
	expect_one(s, "\"abcd\"", "(root): longer than 3 characters");
	/* "\u00e9\u65e5\u672c": 3 code points, 8 bytes of UTF-8. */
	expect_ok(s, "\"\\u00e9\\u65e5\\u672c\"");
	/* One astral character (a surrogate pair in JSON) is one. */
	expect_one(s, "\"\\ud83d\\ude00\"",
	    "(root): shorter than 2 characters");
	expect_one(s, "\"\\u00e9\\u00e9\\u00e9\\u00e9\"",
	    "(root): longer than 3 characters");
}

static void
test_arrays(void **state)
{
	const char *s = "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},"
	    "\"minItems\":1,\"maxItems\":3}";
	struct schema_errors e;

	(void)state;
	expect_ok(s, "[1,2,3]");
	expect_one(s, "[]", "(root): fewer than 1 items");
	expect_one(s, "[1,2,3,4]", "(root): more than 3 items");
	expect_one(s, "[1,\"2\",3]", "/1: expected integer");
	assert_int_equal(run(s, "[1.5,2,true,4]", &e), -1);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msg[0], "(root): more than 3 items");
	assert_string_equal(e.msg[1], "/0: expected integer");
	assert_string_equal(e.msg[2], "/2: expected integer");
	/* items: false forbids any element. */
	expect_one("{\"items\":false}", "[0]", "/0: not allowed");
}

static void
test_numbers(void **state)
{
	const char *s = "{\"type\":\"number\",\"minimum\":1,\"maximum\":10}";
	const char *x = "{\"exclusiveMinimum\":0,\"exclusiveMaximum\":2.5}";

	(void)state;
	expect_ok(s, "1");
	expect_ok(s, "10");
	expect_ok(s, "9.99");
	expect_one(s, "0", "(root): less than the minimum 1");
	expect_one(s, "0.999", "(root): less than the minimum 1");
	expect_one(s, "10.5", "(root): greater than the maximum 10");
	expect_ok(x, "0.001");
	expect_ok(x, "2");
	expect_one(x, "0", "(root): not greater than 0");
	expect_one(x, "2.5", "(root): not less than 2.5");
	expect_one(x, "-1", "(root): not greater than 0");
	/* Large integers compare exactly, not through a double. */
	expect_one("{\"maximum\":9007199254740992}", "9007199254740993",
	    "(root): greater than the maximum 9007199254740992");
	/* Only numbers are bounded: a string is not. */
	expect_ok("{\"minimum\":5}", "\"abc\"");
}

static void
test_bool_schemas(void **state)
{
	(void)state;
	expect_ok("true", "{\"anything\":[1]}");
	expect_one("false", "1", "(root): not allowed");
	expect_one("{\"properties\":{\"a\":false}}", "{\"a\":1}",
	    "/a: not allowed");
}

/* RFC 6901 escapes in pointers; long pointers cut at a UTF-8 boundary. */
static void
test_paths(void **state)
{
	const char *s = "{\"additionalProperties\":false}";
	char schema[8192], inst[8192], key[201];
	struct schema_errors e;
	size_t i, len;

	(void)state;
	expect_one(s, "{\"a/b~c\":1}", "/a~1b~0c: unexpected property");
	/* A key of 100 two-byte characters: shown cut, never half a char. */
	len = 0;
	for (i = 0; i < 100; i++) {
		key[len++] = (char)0xc3;
		key[len++] = (char)0xa9;
	}
	key[len] = '\0';
	(void)snprintf(inst, sizeof(inst), "{\"%s\":1}", key);
	assert_int_equal(run(s, inst, &e), -1);
	assert_int_equal(e.n, 1);
	/* "/" + 47 characters (95 bytes) + "..." */
	assert_int_equal(strlen(e.msg[0]), 1 + 94 + 3 +
	    strlen(": unexpected property"));
	assert_memory_equal(e.msg[0], "/", 1);
	assert_memory_equal(e.msg[0] + 1, key, 94);
	assert_string_equal(e.msg[0] + 95, "...: unexpected property");
	/* And it stays valid UTF-8: jansson accepts it. */
	{
		json_t *j = json_string(e.msg[0]);

		assert_non_null(j);
		json_decref(j);
	}
	/* A pointer too deep for the walk buffer ends in "..." too. */
	len = 0;
	for (i = 0; i < 30; i++)
		len += (size_t)snprintf(schema + len, sizeof(schema) - len,
		    "%s", "{\"properties\":{\"kkkkkkkkkk\":");
	len += (size_t)snprintf(schema + len, sizeof(schema) - len, "%s",
	    "{\"type\":\"integer\"}");
	for (i = 0; i < 30; i++)
		len += (size_t)snprintf(schema + len, sizeof(schema) - len,
		    "%s", "}}");
	len = 0;
	for (i = 0; i < 30; i++)
		len += (size_t)snprintf(inst + len, sizeof(inst) - len, "%s",
		    "{\"kkkkkkkkkk\":");
	len += (size_t)snprintf(inst + len, sizeof(inst) - len, "%s", "\"x\"");
	for (i = 0; i < 30; i++)
		len += (size_t)snprintf(inst + len, sizeof(inst) - len, "%s",
		    "}");
	assert_int_equal(run(schema, inst, &e), -1);
	assert_int_equal(e.n, 1);
	/* 8 components of "/kkkkkkkkkk" fill 88 bytes; the 9th is cut. */
	assert_string_equal(e.msg[0], "/kkkkkkkkkk/kkkkkkkkkk/kkkkkkkkkk"
	    "/kkkkkkkkkk/kkkkkkkkkk/kkkkkkkkkk/kkkkkkkkkk/kkkkkkkkkk/kkkkkkk"
	    "...: expected integer");
}

/* At most SCHEMA_ERRORS_MAX messages, however bad the input. */
static void
test_error_cap(void **state)
{
	struct schema_errors e;

	(void)state;
	assert_int_equal(run("{\"items\":{\"type\":\"string\"}}",
	    "[1,2,3,4,5,6,7,8,9,10,11,12]", &e), -1);
	assert_int_equal(e.n, SCHEMA_ERRORS_MAX);
	assert_string_equal(e.msg[0], "/0: expected string");
	assert_string_equal(e.msg[7], "/7: expected string");
}

static void
test_unsupported_keywords(void **state)
{
	(void)state;
	expect_bad_schema("{\"type\":\"string\",\"pattern\":\"^a\"}",
	    "unsupported keyword \"pattern\"");
	expect_bad_schema("{\"type\":\"string\",\"format\":\"email\"}",
	    "unsupported keyword \"format\"");
	expect_bad_schema("{\"anyOf\":[{\"type\":\"string\"}]}",
	    "unsupported keyword \"anyOf\"");
	expect_bad_schema("{\"properties\":{\"a\":{\"$ref\":\"#\"}}}",
	    "unsupported keyword \"$ref\"");
	expect_bad_schema("{\"items\":[{\"type\":\"string\"}]}",
	    "schema is neither an object nor a boolean");
	expect_bad_schema("{\"minimum\":0,\"exclusiveMinimum\":true}",
	    "\"exclusiveMinimum\" is not a number");
	expect_bad_schema("{\"minLength\":-1}",
	    "\"minLength\" is not a non-negative integer");
	expect_bad_schema("{\"maxItems\":1.0}",
	    "\"maxItems\" is not a non-negative integer");
	expect_bad_schema("{\"type\":\"float\"}", "unknown type \"float\"");
	expect_bad_schema("{\"type\":[]}",
	    "\"type\" is not a name or a non-empty array");
	expect_bad_schema("{\"type\":[\"string\",\"string\"]}",
	    "\"type\" array repeats a type");
	expect_bad_schema("{\"required\":\"a\"}",
	    "\"required\" is not an array");
	expect_bad_schema("{\"required\":[1]}",
	    "\"required\" holds a non-string");
	expect_bad_schema("{\"enum\":[]}", "\"enum\" is not a non-empty array");
	expect_bad_schema("{\"properties\":[]}",
	    "\"properties\" is not an object");
	expect_bad_schema("[]", "schema is neither an object nor a boolean");
	expect_bad_schema("{\"a\":1,\"a\":2}",
	    "line 1: duplicate object key near '\"a\"'");
	/* Annotations are fine. */
	expect_ok("{\"$schema\":\"https://json-schema.org/draft/2020-12/"
	    "schema\",\"$comment\":\"c\",\"title\":\"t\",\"description\":"
	    "\"d\",\"default\":1,\"examples\":[1]}", "5");
}

/* Schemas nest at most SCHEMA_DEPTH_MAX levels. */
static void
test_schema_depth(void **state)
{
	char text[4096];
	size_t len, i;
	json_t *s;
	char err[256];

	(void)state;
	for (int depth = SCHEMA_DEPTH_MAX; depth <= SCHEMA_DEPTH_MAX + 1;
	    depth++) {
		len = 0;
		for (i = 0; i < (size_t)depth; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s", "{\"items\":");
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s",
		    "{}");
		for (i = 0; i < (size_t)depth; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s", "}");
		s = schema_load(text, err, sizeof(err));
		if (depth == SCHEMA_DEPTH_MAX) {
			assert_non_null(s);
			json_decref(s);
		} else {
			assert_null(s);
			assert_string_equal(err, "schema nested too deeply");
		}
	}
}

static json_t *
catalog_schema(const char *name)
{
	const struct tool_def *d = toolcat_find(name);
	char err[256];
	json_t *s;

	assert_non_null(d);
	s = schema_load(d->input_schema, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s: %s", name, err);
	return s;
}

static int
run_catalog(const char *name, const char *inst_text, struct schema_errors *e)
{
	json_t *s = catalog_schema(name), *i;
	int r;

	i = json_loads(inst_text, 0, NULL);
	assert_non_null(i);
	r = schema_validate(s, i, e);
	json_decref(i);
	json_decref(s);
	return r;
}

static void
expect_catalog(const char *name, const char *inst, const char *msg)
{
	struct schema_errors e;

	if (msg == NULL) {
		assert_int_equal(run_catalog(name, inst, &e), 0);
		return;
	}
	assert_int_equal(run_catalog(name, inst, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], msg);
}

static void
test_catalog_loads(void **state)
{
	size_t i;
	char err[256];
	json_t *s;

	(void)state;
	for (i = 0; i < toolcat_count(); i++) {
		s = schema_load(toolcat_get(i)->input_schema, err, sizeof(err));
		if (s == NULL)
			fail_msg("%s: %s", toolcat_get(i)->name, err);
		json_decref(s);
	}
}

static void
test_catalog_schemas(void **state)
{
	char inst[300];
	struct schema_errors e;

	(void)state;
	/* The seed's userIds: strings, numeric or not. */
	expect_catalog("delete_users", "{\"userIds\":[\"1\",\"2\",\"u-3\"]}",
	    NULL);
	expect_catalog("delete_users", "{\"userIds\":[1]}",
	    "/userIds/0: expected string");
	expect_catalog("delete_users", "{\"userIds\":[\"1\",2.0]}",
	    "/userIds/1: expected string");
	expect_catalog("delete_users", "{\"userIds\":[\"\"]}",
	    "/userIds/0: shorter than 1 characters");
	expect_catalog("delete_users", "{\"userIds\":[\"12345678901234567890"
	    "123456789012345678901234567890123456789012345\"]}",
	    "/userIds/0: longer than 64 characters");
	expect_catalog("delete_users", "{\"userIds\":[]}",
	    "/userIds: fewer than 1 items");
	expect_catalog("delete_users", "{}",
	    "/userIds: required property missing");
	expect_catalog("delete_users", "{\"userIds\":[\"1\"],\"force\":true}",
	    "/force: unexpected property");
	assert_int_equal(run_catalog("delete_users",
	    "{\"userIds\":[1,2]}", &e), -1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[1], "/userIds/1: expected string");

	expect_catalog("list_tables", "{}", NULL);
	expect_catalog("list_tables", "{\"x\":1}", "/x: unexpected property");
	expect_catalog("describe_table", "{\"table\":\"users\"}", NULL);
	expect_catalog("describe_table", "{\"table\":\"\"}",
	    "/table: shorter than 1 characters");
	memset(inst, 0, sizeof(inst));
	memcpy(inst, "{\"table\":\"", 10);
	memset(inst + 10, 't', 129);
	memcpy(inst + 139, "\"}", 2);
	expect_catalog("describe_table", inst,
	    "/table: longer than 128 characters");
	expect_catalog("query", "{\"sql\":\"SELECT 1\"}", NULL);
	expect_catalog("query", "{\"sql\":1}", "/sql: expected string");
	expect_catalog("execute_sql", "{}", "/sql: required property missing");
	expect_catalog("drop_table", "{\"table\":[\"t\"]}",
	    "/table: expected string");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_integer_is_strict),
		cmocka_unit_test(test_type_array),
		cmocka_unit_test(test_properties_required_additional),
		cmocka_unit_test(test_enum_const),
		cmocka_unit_test(test_string_lengths),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bool_schemas),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_unsupported_keywords),
		cmocka_unit_test(test_schema_depth),
		cmocka_unit_test(test_catalog_loads),
		cmocka_unit_test(test_catalog_schemas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
