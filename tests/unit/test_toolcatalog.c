/*
 * Unit tests for the tool catalog: the six built-in tools, their flags,
 * and input schemas that parse and are strict object schemas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sqltools.h"
#include "toolcatalog.h"

static const struct {
	const char	*name;
	const char	*required;	/* NULL: no property at all */
	int		 read_only;
} expected[] = {
	{ "list_tables",	NULL,		1 },
	{ "describe_table",	"table",	1 },
	{ "query",		"sql",		1 },
	{ "execute_sql",	"sql",		0 },
	{ "drop_table",		"table",	0 },
	{ "delete_users",	"userIds",	0 },
};
#define NEXPECTED	(sizeof(expected) / sizeof(expected[0]))

static void
test_count_and_lookup(void **state)
{
	const struct tool_def *d;
	size_t i;

	(void)state;
	assert_int_equal(toolcat_count(), NEXPECTED);
	for (i = 0; i < NEXPECTED; i++) {
		d = toolcat_find(expected[i].name);
		assert_non_null(d);
		assert_string_equal(d->name, expected[i].name);
		assert_ptr_equal(d, toolcat_get(i));
		assert_int_equal(d->read_only, expected[i].read_only);
		assert_int_equal(d->destructive, !expected[i].read_only);
		assert_non_null(d->title);
		assert_true(strlen(d->description) > 10);
	}
	assert_null(toolcat_get(NEXPECTED));
	assert_null(toolcat_get((size_t)-1));
	assert_null(toolcat_find("delete_all_users"));
	assert_null(toolcat_find("QUERY"));
	assert_null(toolcat_find(""));
	assert_null(toolcat_find(NULL));
}

/* Every schema: an object, all properties typed, none additional. */
static void
test_schemas_parse(void **state)
{
	const struct tool_def *d;
	json_error_t jerr;
	json_t *s, *props, *req, *p;
	const char *key;
	size_t i;

	(void)state;
	for (i = 0; i < toolcat_count(); i++) {
		d = toolcat_get(i);
		s = json_loads(d->input_schema, JSON_REJECT_DUPLICATES, &jerr);
		if (s == NULL)
			fail_msg("%s: %s", d->name, jerr.text);
		assert_true(json_is_object(s));
		assert_string_equal(json_string_value(json_object_get(s,
		    "type")), "object");
		assert_true(json_is_false(json_object_get(s,
		    "additionalProperties")));
		props = json_object_get(s, "properties");
		assert_true(json_is_object(props));
		json_object_foreach(props, key, p) {
			assert_true(json_is_string(json_object_get(p,
			    "type")));
			if (strcmp(json_string_value(json_object_get(p,
			    "type")), "string") == 0) {
				assert_int_equal(json_integer_value(
				    json_object_get(p, "minLength")), 1);
				assert_true(json_integer_value(
				    json_object_get(p, "maxLength")) > 0);
			}
		}
		req = json_object_get(s, "required");
		if (expected[i].required == NULL) {
			assert_int_equal(json_object_size(props), 0);
			assert_null(req);
		} else {
			assert_int_equal(json_object_size(props), 1);
			assert_non_null(json_object_get(props,
			    expected[i].required));
			assert_true(json_is_array(req));
			assert_int_equal(json_array_size(req), 1);
			assert_string_equal(json_string_value(
			    json_array_get(req, 0)), expected[i].required);
		}
		json_decref(s);
	}
}

static void
test_schema_bounds(void **state)
{
	json_t *s, *p;

	(void)state;
	s = json_loads(toolcat_find("describe_table")->input_schema, 0, NULL);
	assert_non_null(s);
	p = json_object_get(json_object_get(s, "properties"), "table");
	assert_int_equal(json_integer_value(json_object_get(p, "maxLength")),
	    128);
	json_decref(s);

	s = json_loads(toolcat_find("query")->input_schema, 0, NULL);
	assert_non_null(s);
	p = json_object_get(json_object_get(s, "properties"), "sql");
	assert_int_equal(json_integer_value(json_object_get(p, "maxLength")),
	    65536);
	json_decref(s);

	s = json_loads(toolcat_find("delete_users")->input_schema, 0, NULL);
	assert_non_null(s);
	p = json_object_get(json_object_get(s, "properties"), "userIds");
	assert_string_equal(json_string_value(json_object_get(p, "type")),
	    "array");
	assert_int_equal(json_integer_value(json_object_get(p, "minItems")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(p, "maxItems")),
	    1000);
	p = json_object_get(p, "items");
	/* The seed's userIds: strings (issue 11, item 7). */
	assert_string_equal(json_string_value(json_object_get(p, "type")),
	    "string");
	assert_int_equal(json_integer_value(json_object_get(p, "minLength")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(p, "maxLength")),
	    SQLT_ID_CHARS_MAX);
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_lookup),
		cmocka_unit_test(test_schemas_parse),
		cmocka_unit_test(test_schema_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
