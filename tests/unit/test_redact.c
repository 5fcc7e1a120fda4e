/*
 * Unit tests for AuditRedact: the rules (src/common/auditredact.c) and
 * the redaction the net process applies (src/net/redact.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "auditredact.h"
#include "redact.h"

#define H_SELECT1 \
	"sha256:e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5"
#define H_123 \
	"sha256:a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"
#define H_OBJ \
	"sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"

static void
test_rules(void **state)
{
	char *rules[] = { "query.sql", "*.password" };

	(void)state;
	assert_true(auditredact_valid("query.sql"));
	assert_true(auditredact_valid("*.password"));
	assert_true(auditredact_valid("delete_users.userIds"));
	assert_false(auditredact_valid("query"));
	assert_false(auditredact_valid(".sql"));
	assert_false(auditredact_valid("query."));
	assert_false(auditredact_valid("q*.sql"));
	assert_false(auditredact_valid("query.*"));
	assert_false(auditredact_valid("query.a.b"));
	assert_false(auditredact_valid("query.s l"));
	assert_false(auditredact_valid(NULL));
	assert_string_equal(auditredact_field("query.sql", "query"), "sql");
	assert_null(auditredact_field("query.sql", "query2"));
	assert_null(auditredact_field("query.sql", "quer"));
	assert_string_equal(auditredact_field("*.password", "x"), "password");
	assert_true(auditredact_names_tool(rules, 2, "query"));
	assert_true(auditredact_names_tool(rules, 2, "list_tables"));
	assert_false(auditredact_names_tool(rules, 1, "list_tables"));
	assert_false(auditredact_names_tool(rules, 0, "query"));
}

static void
expect_redact(char **rules, size_t n, const char *tool, const char *args,
    const char *want)
{
	json_t *a;
	char *got, *before, *after;

	assert_non_null(a = json_loads(args, 0, NULL));
	assert_non_null(before = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS));
	got = redact_args(rules, n, tool, a);
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	/* The arguments themselves are untouched. */
	assert_non_null(after = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS));
	assert_string_equal(after, before);
	free(before);
	free(after);
	free(got);
	json_decref(a);
}

static void
test_redact(void **state)
{
	char *rules[] = { "query.sql", "*.password" };

	(void)state;
	redact_init();
	expect_redact(rules, 2, "query", "{\"sql\":\"SELECT 1\",\"limit\":5}",
	    "{\"limit\":5,\"sql\":\"" H_SELECT1 "\"}");
	/* Not a string: the digest of its compact JSON text. */
	expect_redact(rules, 2, "execute_sql",
	    "{\"sql\":\"SELECT 1\",\"password\":123}",
	    "{\"password\":\"" H_123 "\",\"sql\":\"SELECT 1\"}");
	expect_redact(rules, 2, "x", "{\"password\":{\"a\":1}}",
	    "{\"password\":\"" H_OBJ "\"}");
	/* A rule names the tool: the text comes even with nothing to hide. */
	expect_redact(rules, 2, "list_tables", "{}", "{}");
	/* No rule names the tool: no text. */
	expect_redact(rules, 1, "list_tables", "{}", NULL);
	expect_redact(rules, 0, "query", "{\"sql\":\"SELECT 1\"}", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
