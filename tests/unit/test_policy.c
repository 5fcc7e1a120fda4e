/*
 * Unit tests for role-based authorization (src/monitor/policy.c), on the
 * seed policy of conf/demo.conf.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "authn.h"
#include "config.h"
#include "policy.h"

static const char *seed[] = {
	"Role admin     tools=*",
	"Role developer tools=query,list_tables,describe_table,execute_sql,"
	    "create_pr,list_prs",
	"Role viewer    tools=list_tables,describe_table,query",
	"User admin@example.com  roles=admin,developer,viewer",
	"User dev@example.com    roles=developer,viewer",
	"User viewer@example.com roles=viewer",
	NULL
};

static const char *all_tools[] = {
	"list_tables", "describe_table", "query", "execute_sql", "drop_table",
	"delete_users", "create_pr", "list_prs", NULL
};

static int
setup(void **state)
{
	struct mcpd_config *cfg;
	char err[256];
	size_t i;

	assert_non_null(cfg = calloc(1, sizeof(*cfg)));
	config_init(cfg);
	for (i = 0; seed[i] != NULL; i++)
		assert_int_equal(config_parse_line(cfg, seed[i], CFG_SRC_FILE,
		    "seed", (int)i + 1, err, sizeof(err)), 0);
	config_fill_defaults(cfg);
	assert_int_equal(config_validate(cfg, err, sizeof(err)), 0);
	*state = cfg;
	return 0;
}

static int
teardown(void **state)
{
	config_free(*state);
	free(*state);
	return 0;
}

/* Whether the User line for id permits tool. */
static int
user_may(const struct mcpd_config *cfg, const char *id, const char *tool)
{
	const struct cfg_user *u;

	assert_non_null(u = policy_find_user(cfg, id));
	return policy_permits(cfg, u->roles, u->nroles, tool);
}

static void
test_find_user(void **state)
{
	const struct mcpd_config *cfg = *state;
	const struct cfg_user *u;

	assert_non_null(u = policy_find_user(cfg, "dev@example.com"));
	assert_string_equal(u->id, "dev@example.com");
	assert_int_equal(u->nroles, 2);
	assert_null(policy_find_user(cfg, "DEV@example.com"));
	assert_null(policy_find_user(cfg, "dev@example.co"));
	assert_null(policy_find_user(cfg, ""));
	assert_null(policy_find_user(cfg, NULL));
}

static void
test_admin_may_call_everything(void **state)
{
	const struct mcpd_config *cfg = *state;
	size_t i;

	for (i = 0; all_tools[i] != NULL; i++)
		assert_true(user_may(cfg, "admin@example.com", all_tools[i]));
	/* "*" covers tools the policy has never heard of. */
	assert_true(user_may(cfg, "admin@example.com", "future_tool"));
	assert_false(user_may(cfg, "admin@example.com", ""));
}

static void
test_developer(void **state)
{
	const struct mcpd_config *cfg = *state;

	assert_true(user_may(cfg, "dev@example.com", "execute_sql"));
	assert_true(user_may(cfg, "dev@example.com", "query"));
	assert_true(user_may(cfg, "dev@example.com", "create_pr"));
	assert_true(user_may(cfg, "dev@example.com", "list_prs"));
	assert_false(user_may(cfg, "dev@example.com", "delete_users"));
	assert_false(user_may(cfg, "dev@example.com", "drop_table"));
	assert_false(user_may(cfg, "dev@example.com", "future_tool"));
	/* Exact names only: no prefix or case folding. */
	assert_false(user_may(cfg, "dev@example.com", "execute_sq"));
	assert_false(user_may(cfg, "dev@example.com", "Execute_SQL"));
}

static void
test_viewer(void **state)
{
	const struct mcpd_config *cfg = *state;
	size_t i;
	int want;

	for (i = 0; all_tools[i] != NULL; i++) {
		want = strcmp(all_tools[i], "list_tables") == 0 ||
		    strcmp(all_tools[i], "describe_table") == 0 ||
		    strcmp(all_tools[i], "query") == 0;
		assert_int_equal(user_may(cfg, "viewer@example.com",
		    all_tools[i]), want);
	}
}

static void
test_default_deny(void **state)
{
	const struct mcpd_config *cfg = *state;
	char *undefined[] = { "auditor", "ADMIN" };
	char *mixed[] = { "auditor", "viewer" };
	char *viewer[] = { "viewer" };

	/* Roles no Role line defines (e.g. from a token) grant nothing. */
	assert_false(policy_permits(cfg, undefined, 2, "query"));
	assert_true(policy_permits(cfg, mixed, 2, "query"));
	assert_false(policy_permits(cfg, mixed, 2, "execute_sql"));
	assert_false(policy_permits(cfg, NULL, 0, "query"));
	assert_false(policy_permits(cfg, viewer, 0, "query"));
	assert_false(policy_permits(cfg, viewer, 1, NULL));
}

static void
test_required_roles(void **state)
{
	const struct mcpd_config *cfg = *state;
	char *r;

	assert_non_null(r = policy_required_roles(cfg, "delete_users"));
	assert_string_equal(r, "admin");
	free(r);
	assert_non_null(r = policy_required_roles(cfg, "execute_sql"));
	assert_string_equal(r, "admin,developer");
	free(r);
	assert_non_null(r = policy_required_roles(cfg, "query"));
	assert_string_equal(r, "admin,developer,viewer");
	free(r);
}

/* policy_required_roles(cfg, tool) is want. */
static void
expect_required(const struct mcpd_config *cfg, const char *tool,
    const char *want)
{
	char *r;

	assert_non_null(r = policy_required_roles(cfg, tool));
	assert_string_equal(r, want);
	free(r);
}

static void
test_required_roles_order_and_none(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[256], *r;

	config_init(&cfg);
	assert_int_equal(config_parse_line(&cfg, "Role zeta tools=a,b",
	    CFG_SRC_FILE, "t", 1, err, sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Role alpha tools=b",
	    CFG_SRC_FILE, "t", 2, err, sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Role mid tools=c",
	    CFG_SRC_FILE, "t", 3, err, sizeof(err)), 0);
	/* Role-line order, not alphabetical. */
	expect_required(&cfg, "b", "zeta,alpha");
	expect_required(&cfg, "nothing", "");
	expect_required(&cfg, "", "");
	config_free(&cfg);

	/* No Role lines at all. */
	config_init(&cfg);
	assert_non_null(r = policy_required_roles(&cfg, "query"));
	assert_string_equal(r, "");
	free(r);
	config_free(&cfg);
}

/*
 * policy_missing_scopes() on identities made by hand: the scopes named
 * are those of JWTScope lines whose role the caller has (before the
 * filter) and that permits the tool; nothing for unscoped identities,
 * for permitted tools, or for tools no role of the caller permits.
 */
static void
test_missing_scopes(void **state)
{
	struct mcpd_config *cfg = *state;
	struct identity id;
	char err[256], *s;
	char *all[] = { "developer", "viewer" };
	char *eff[] = { "viewer" };
	static const char *lines[] = {
		"JWTScope repo:write developer",
		"JWTScope db:read viewer",
		"JWTScope everything developer",
		"JWTScope repo:write admin",
		NULL
	};
	size_t i;

	for (i = 0; lines[i] != NULL; i++)
		assert_int_equal(config_parse_line(cfg, lines[i], CFG_SRC_FILE,
		    "t", (int)i + 1, err, sizeof(err)), 0);
	memset(&id, 0, sizeof(id));
	id.all_roles = all;
	id.nall_roles = 2;
	id.roles = eff;
	id.nroles = 1;

	/* Not scoped: never a scope to ask for. */
	assert_null(policy_missing_scopes(cfg, &id, "execute_sql"));
	id.scoped = 1;
	assert_non_null(s = policy_missing_scopes(cfg, &id, "execute_sql"));
	assert_string_equal(s, "repo:write everything");
	free(s);
	/* Permitted already; permitted by no role of the caller. */
	assert_null(policy_missing_scopes(cfg, &id, "query"));
	assert_null(policy_missing_scopes(cfg, &id, "drop_table"));
	assert_null(policy_missing_scopes(cfg, &id, ""));
	assert_null(policy_missing_scopes(cfg, &id, NULL));
	assert_null(policy_missing_scopes(cfg, NULL, "execute_sql"));

	/* Nothing in effect: the viewer's scope is named for query too. */
	id.nroles = 0;
	assert_non_null(s = policy_missing_scopes(cfg, &id, "query"));
	assert_string_equal(s, "repo:write db:read everything");
	free(s);
}

/*
 * tools= patterns are fnmatch(3) globs: a role of patterns grants exactly
 * the names they match, an exact name still only itself, and the roles a
 * denial names are those whose patterns match.
 */
static void
test_patterns(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[256];
	char *lister[] = { "lister" };
	char *exact[] = { "exact" };
	char *pats[] = { "list_*", "describe_?able", "[dq]uery" };

	config_init(&cfg);
	assert_int_equal(config_parse_line(&cfg,
	    "Role lister tools=list_*,describe_*", CFG_SRC_FILE, "t", 1, err,
	    sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Role exact tools=list",
	    CFG_SRC_FILE, "t", 2, err, sizeof(err)), 0);
	assert_true(policy_permits(&cfg, lister, 1, "list_tables"));
	assert_true(policy_permits(&cfg, lister, 1, "list_"));
	assert_true(policy_permits(&cfg, lister, 1, "describe_table"));
	assert_false(policy_permits(&cfg, lister, 1, "list"));
	assert_false(policy_permits(&cfg, lister, 1, "query"));
	assert_false(policy_permits(&cfg, lister, 1, "xlist_tables"));
	assert_false(policy_permits(&cfg, lister, 1, "execute_sql"));
	assert_true(policy_permits(&cfg, exact, 1, "list"));
	assert_false(policy_permits(&cfg, exact, 1, "list_tables"));
	assert_false(policy_permits(&cfg, exact, 1, "lis"));
	expect_required(&cfg, "list_prs", "lister");
	expect_required(&cfg, "list", "exact");
	config_free(&cfg);

	assert_true(policy_pattern_match(pats, 3, "list_x"));
	assert_true(policy_pattern_match(pats, 3, "describe_table"));
	assert_false(policy_pattern_match(pats, 3, "describe_tables"));
	assert_true(policy_pattern_match(pats, 3, "query"));
	assert_true(policy_pattern_match(pats, 3, "duery"));
	assert_false(policy_pattern_match(pats, 3, "xuery"));
	assert_false(policy_pattern_match(pats, 3, ""));
	assert_false(policy_pattern_match(pats, 3, NULL));
	assert_false(policy_pattern_match(pats, 0, "list_x"));
	assert_false(policy_pattern_match(NULL, 0, "list_x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_user, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_admin_may_call_everything,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_developer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_viewer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_deny, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_required_roles, setup,
		    teardown),
		cmocka_unit_test(test_required_roles_order_and_none),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test_setup_teardown(test_missing_scopes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
