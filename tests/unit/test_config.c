/*
 * Unit tests for the mcpd.conf(5) parser (src/monitor/config*.c).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define ERRLEN	512

/* The example configuration, relative to the top of the tree. */
#define EXAMPLE_CONF	"conf/mcpd.conf"

static const char seed_policy[] =
    "Role admin     tools=*\n"
    "Role developer tools=query,list_tables,describe_table,execute_sql,"
    "create_pr,list_prs\n"
    "Role viewer    tools=list_tables,describe_table,query\n"
    "User admin@example.com  roles=admin,developer,viewer\n"
    "User dev@example.com    roles=developer,viewer\n"
    "User viewer@example.com roles=viewer\n";

static const char *env_vars[] = {
	"MCPD_AUTH_MODE", "MCPD_AUDIT_LOG", "MCPD_RATE_LIMIT", "MCPD_LISTEN",
	NULL
};

static void
clear_env(void)
{
	size_t i;

	for (i = 0; env_vars[i] != NULL; i++)
		assert_int_equal(unsetenv(env_vars[i]), 0);
}

/* Write text to a fresh temporary file; the caller unlinks it. */
static void
write_tmp(char *path, size_t len, const char *text)
{
	FILE *f;
	int fd;

	assert_true(snprintf(path, len, "/tmp/test_config.XXXXXX") > 0);
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
load_text(struct mcpd_config *cfg, const char *text, char *path,
    size_t pathlen, char *err)
{
	int r;

	write_tmp(path, pathlen, text);
	r = config_load_file(cfg, path, err, ERRLEN);
	assert_int_equal(unlink(path), 0);
	return r;
}

/* Parse one line from a pretend file; returns config_parse_line's value. */
static int
line(struct mcpd_config *cfg, const char *l, char *err)
{
	return config_parse_line(cfg, l, CFG_SRC_FILE, "t.conf", 7, err,
	    ERRLEN);
}

/* The message for a line that must be rejected. */
static const char *
bad(const char *l)
{
	static char err[ERRLEN];
	struct mcpd_config cfg;

	config_init(&cfg);
	assert_int_equal(line(&cfg, l, err), -1);
	config_free(&cfg);
	return err;
}

/* config_dump into a string; the caller frees. */
static char *
dump(const struct mcpd_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	config_dump(cfg, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int
setup(void **state __attribute__((__unused__)))
{
	clear_env();
	return 0;
}

static int
teardown(void **state __attribute__((__unused__)))
{
	clear_env();
	return 0;
}

static void
test_seed_policy(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char path[64], err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(load_text(&cfg, seed_policy, path, sizeof(path),
	    err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);

	assert_int_equal(cfg.nroles, 3);
	assert_string_equal(cfg.roles[0].name, "admin");
	assert_int_equal(cfg.roles[0].ntools, 1);
	assert_string_equal(cfg.roles[0].tools[0], "*");
	assert_string_equal(cfg.roles[1].name, "developer");
	assert_int_equal(cfg.roles[1].ntools, 6);
	assert_string_equal(cfg.roles[1].tools[3], "execute_sql");
	assert_string_equal(cfg.roles[1].tools[5], "list_prs");
	assert_string_equal(cfg.roles[2].name, "viewer");
	assert_int_equal(cfg.roles[2].ntools, 3);
	assert_string_equal(cfg.roles[2].tools[2], "query");

	assert_int_equal(cfg.nusers, 3);
	assert_string_equal(cfg.users[0].id, "admin@example.com");
	assert_int_equal(cfg.users[0].nroles, 3);
	assert_string_equal(cfg.users[0].roles[1], "developer");
	assert_string_equal(cfg.users[1].id, "dev@example.com");
	assert_int_equal(cfg.users[1].nroles, 2);
	assert_string_equal(cfg.users[1].roles[0], "developer");
	assert_string_equal(cfg.users[2].id, "viewer@example.com");
	assert_int_equal(cfg.users[2].nroles, 1);
	assert_string_equal(cfg.users[2].roles[0], "viewer");
	config_free(&cfg);
}

static void
test_unknown_keyword_names_file_and_line(
    void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char path[64], err[ERRLEN], want[ERRLEN];

	config_init(&cfg);
	assert_int_equal(load_text(&cfg,
	    "# comment\n"
	    "AuthMode apikey\n"
	    "\n"
	    "   Foo bar\n", path, sizeof(path), err), -1);
	assert_true(snprintf(want, sizeof(want),
	    "%s line 4: unknown keyword 'Foo'", path) > 0);
	assert_string_equal(err, want);
	config_free(&cfg);

	/* Bad values name the line too. */
	config_init(&cfg);
	assert_int_equal(load_text(&cfg, "Workers 2\nWorkers 65\n", path,
	    sizeof(path), err), -1);
	assert_true(snprintf(want, sizeof(want),
	    "%s line 2: Workers: bad value '65' (must be 1..64)", path) > 0);
	assert_string_equal(err, want);
	config_free(&cfg);
}

static void
test_missing_file(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/mcpd.conf",
	    err, sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/mcpd.conf: No such file or directory");
	assert_int_equal(config_load_file(&cfg, "/tmp", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "/tmp: not a regular file");
	config_free(&cfg);
}

static void
test_first_value_wins(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char path[64], err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(load_text(&cfg,
	    "RateLimit 5/min\n"
	    "RateLimit 7\n"
	    "AuditLog /first.log\n"
	    "AuditLog /second.log\n"
	    "AuthMode oauth\n"
	    "AuthMode apikey\n"
	    "AuditSync batch\n"
	    "AuditSync none\n"
	    "AllowedOrigins https://a.example\n"
	    "AllowedOrigins https://b.example\n",
	    path, sizeof(path), err), 0);
	assert_int_equal(cfg.rate_limit, 5);
	assert_string_equal(cfg.audit_log, "/first.log");
	assert_int_equal(cfg.nauth_alt, 1);
	assert_int_equal(cfg.auth_alt[0], AUTH_M_OAUTH);
	assert_int_equal(cfg.audit_sync, AUDIT_SYNC_BATCH);
	assert_int_equal(cfg.nallowed_origins, 1);
	assert_string_equal(cfg.allowed_origins[0], "https://a.example");
	/* Defaults do not override what the file set. */
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.rate_limit, 5);
	assert_string_equal(cfg.audit_log, "/first.log");
	config_free(&cfg);

	/* A later bad value is still an error, even though it is ignored. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "Workers 4", err), 0);
	assert_int_equal(line(&cfg, "Workers 99", err), -1);
	assert_int_equal(cfg.workers, 4);
	config_free(&cfg);
}

/* Build a config the way mcpd does: command line, environment, file. */
static void
precedence_case(const char *opt, const char *env, long want)
{
	struct mcpd_config cfg;
	char path[64], err[ERRLEN];

	clear_env();
	config_init(&cfg);
	if (opt != NULL)
		assert_int_equal(config_parse_option(&cfg, opt, err,
		    sizeof(err)), 0);
	if (env != NULL)
		assert_int_equal(setenv("MCPD_RATE_LIMIT", env, 1), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), 0);
	assert_int_equal(load_text(&cfg, "RateLimit 30/min\n", path,
	    sizeof(path), err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.rate_limit, want);
	config_free(&cfg);
	clear_env();
}

static void
test_precedence(void **state __attribute__((__unused__)))
{
	precedence_case("RateLimit=10/min", "20", 10);
	precedence_case("ratelimit 10", "20/min", 10);
	precedence_case(NULL, "20", 20);
	precedence_case(NULL, "", 30);		/* empty: ignored */
	precedence_case(NULL, NULL, 30);
}

static void
test_defaults_without_file(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.rate_limit, 100);
	assert_int_equal(cfg.nauth_alt, 1);
	assert_int_equal(cfg.auth_alt[0], AUTH_M_APIKEY);
	assert_int_equal(cfg.nlisten, 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);
}

static void
test_env_all_and_errors(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(setenv("MCPD_AUTH_MODE", "mtls,oauth apikey", 1), 0);
	assert_int_equal(setenv("MCPD_AUDIT_LOG", "/tmp/a.log", 1), 0);
	assert_int_equal(setenv("MCPD_RATE_LIMIT", "42/min", 1), 0);
	assert_int_equal(setenv("MCPD_LISTEN", "127.0.0.1:8080", 1), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nauth_alt, 2);
	assert_int_equal(cfg.auth_alt[0], AUTH_M_MTLS | AUTH_M_OAUTH);
	assert_int_equal(cfg.auth_alt[1], AUTH_M_APIKEY);
	assert_string_equal(cfg.audit_log, "/tmp/a.log");
	assert_int_equal(cfg.rate_limit, 42);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0], "127.0.0.1:8080");
	assert_int_equal(cfg.listen_src, CFG_SRC_ENV);
	config_free(&cfg);
	clear_env();

	config_init(&cfg);
	assert_int_equal(setenv("MCPD_RATE_LIMIT", "fast", 1), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "environment variable MCPD_RATE_LIMIT: "
	    "RateLimit: bad value 'fast' (must be N/min with N in "
	    "1..1000000)");
	config_free(&cfg);
	clear_env();

	/* The value cannot smuggle in another keyword. */
	config_init(&cfg);
	assert_int_equal(setenv("MCPD_AUDIT_LOG", "x\nAuthMode none", 1), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), -1);
	assert_int_equal(cfg.nauth_alt, 0);
	config_free(&cfg);
	clear_env();
}

static void
test_option_errors(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(config_parse_option(&cfg, "Frobnicate=yes", err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "command line: unknown keyword 'Frobnicate'");
	assert_int_equal(config_parse_option(&cfg, "", err, sizeof(err)), -1);
	assert_string_equal(err, "command line: empty option");
	assert_int_equal(config_parse_option(&cfg, "Workers=", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "command line: Workers: missing argument");
	assert_int_equal(config_parse_option(&cfg, "User=a@b roles=x", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.nusers, 1);
	assert_string_equal(cfg.users[0].id, "a@b");
	config_free(&cfg);
}

static void
test_listen_replacement(void **state __attribute__((__unused__)))
{
	static const char file[] =
	    "Listen 127.0.0.1:8080\n"
	    "Listen [::1]:8081\n";
	struct mcpd_config cfg;
	char path[64], err[ERRLEN];

	/* File alone: both lines, accumulated. */
	config_init(&cfg);
	assert_int_equal(load_text(&cfg, file, path, sizeof(path), err), 0);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.listen[0], "127.0.0.1:8080");
	assert_string_equal(cfg.listen[1], "[::1]:8081");
	assert_int_equal(cfg.listen_src, CFG_SRC_FILE);
	config_free(&cfg);

	/* Environment replaces the file's lines. */
	config_init(&cfg);
	assert_int_equal(setenv("MCPD_LISTEN", ":9000", 1), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), 0);
	assert_int_equal(load_text(&cfg, file, path, sizeof(path), err), 0);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0], ":9000");
	assert_int_equal(cfg.listen_src, CFG_SRC_ENV);
	config_free(&cfg);

	/* Command line replaces both, and accumulates with itself. */
	config_init(&cfg);
	assert_int_equal(config_parse_option(&cfg, "Listen=127.0.0.1:1",
	    err, sizeof(err)), 0);
	assert_int_equal(config_parse_option(&cfg, "listen :2", err,
	    sizeof(err)), 0);
	assert_int_equal(config_load_env(&cfg, err, sizeof(err)), 0);
	assert_int_equal(load_text(&cfg, file, path, sizeof(path), err), 0);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.listen[0], "127.0.0.1:1");
	assert_string_equal(cfg.listen[1], ":2");
	assert_int_equal(cfg.listen_src, CFG_SRC_CMDLINE);
	config_free(&cfg);
	clear_env();

	/* Applied out of order, a higher source still replaces. */
	config_init(&cfg);
	assert_int_equal(load_text(&cfg, file, path, sizeof(path), err), 0);
	assert_int_equal(config_parse_option(&cfg, "Listen=:3", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0], ":3");
	assert_int_equal(cfg.listen_src, CFG_SRC_CMDLINE);
	config_free(&cfg);
}

static void
test_listen_syntax(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen 0.0.0.0:443", err), 0);
	assert_int_equal(line(&cfg, "Listen [2001:db8::1]:65535", err), 0);
	assert_int_equal(line(&cfg, "Listen localhost:1", err), 0);
	assert_int_equal(cfg.nlisten, 3);
	config_free(&cfg);

	assert_string_equal(bad("Listen 127.0.0.1:0"), "t.conf line 7: "
	    "Listen: bad address '127.0.0.1:0' (must be addr:port, "
	    "[v6addr]:port or :port, port 1..65535)");
	bad("Listen 127.0.0.1:65536");
	bad("Listen 127.0.0.1");
	bad("Listen ::1:80");
	bad("Listen [::1]80");
	bad("Listen []:80");
	bad("Listen :");
	bad("Listen :+80");
	bad("Listen a:1 b:2");
}

static void
test_authmode(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode mtls,oauth apikey", err), 0);
	assert_int_equal(cfg.nauth_alt, 2);
	assert_int_equal(cfg.auth_alt[0], AUTH_M_MTLS | AUTH_M_OAUTH);
	assert_int_equal(cfg.auth_alt[1], AUTH_M_APIKEY);
	assert_string_equal(config_authmask_str(cfg.auth_alt[0]),
	    "oauth,mtls");
	assert_true(config_auth_uses(&cfg, AUTH_M_MTLS));
	assert_true(config_auth_uses(&cfg, AUTH_M_APIKEY));
	assert_false(config_auth_uses(&cfg, AUTH_M_NONE));
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "authmode none", err), 0);
	assert_int_equal(cfg.nauth_alt, 1);
	assert_int_equal(cfg.auth_alt[0], AUTH_M_NONE);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg,
	    "AuthMode apikey oauth mtls none apikey,oauth apikey,mtls "
	    "oauth,mtls apikey,oauth,mtls", err), 0);
	assert_int_equal(cfg.nauth_alt, 8);
	assert_string_equal(config_authmask_str(cfg.auth_alt[7]),
	    "apikey,oauth,mtls");
	config_free(&cfg);

	assert_string_equal(bad("AuthMode none,apikey"), "t.conf line 7: "
	    "AuthMode: 'none' cannot be combined with another method in "
	    "'none,apikey'");
	assert_string_equal(bad("AuthMode apikey,oauth,apikey"),
	    "t.conf line 7: AuthMode: duplicate method 'apikey' in "
	    "'apikey,oauth,apikey'");
	assert_string_equal(bad("AuthMode password"), "t.conf line 7: "
	    "AuthMode: bad value 'password' (must be "
	    "none|apikey|oauth|mtls)");
	assert_string_equal(bad("AuthMode"),
	    "t.conf line 7: AuthMode: missing argument");
	bad("AuthMode apikey,");
	bad("AuthMode ,apikey");
	bad("AuthMode apikey apikey");
	assert_string_equal(bad("AuthMode apikey oauth mtls none "
	    "apikey,oauth apikey,mtls oauth,mtls apikey,oauth,mtls "
	    "apikey,none"), "t.conf line 7: AuthMode: too many "
	    "alternatives (at most 8)");
}

static void
test_values(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "ToolTimeout 1m30s", err), 0);
	assert_int_equal(cfg.tool_timeout, 90);
	assert_int_equal(line(&cfg, "JWTLeeway 0", err), 0);
	assert_int_equal(cfg.jwt_leeway, 0);
	assert_int_equal(line(&cfg, "QueryTimeout 250ms", err), 0);
	assert_int_equal(cfg.query_timeout, 250);
	assert_int_equal(line(&cfg, "MaxMessageSize 64K", err), 0);
	assert_int_equal(cfg.max_message_size, 65536);
	assert_int_equal(line(&cfg, "QueryMaxRows 1000000", err), 0);
	assert_int_equal(cfg.query_max_rows, 1000000);
	assert_int_equal(line(&cfg, "Workers 64", err), 0);
	assert_int_equal(cfg.workers, 64);
	assert_int_equal(line(&cfg, "AuthFailureLimit 1000000/min", err), 0);
	assert_int_equal(cfg.auth_failure_limit, 1000000);
	assert_int_equal(line(&cfg, "ToolListing all", err), 0);
	assert_int_equal(cfg.tool_listing, TOOLLIST_ALL);
	assert_int_equal(line(&cfg, "AuditArguments full", err), 0);
	assert_int_equal(cfg.audit_arguments, AUDIT_ARGS_FULL);
	assert_int_equal(line(&cfg, "MTLSIdentity subject-cn", err), 0);
	assert_int_equal(cfg.mtls_identity, MTLS_ID_SUBJECT_CN);
	/* Choices are case-insensitive, as keywords are. */
	assert_int_equal(line(&cfg, "JWTType jwt", err), 0);
	assert_int_equal(cfg.jwt_type, JWT_TYPE_JWT);
	assert_int_equal(line(&cfg, "MTLSBindToken No", err), 0);
	assert_int_equal(cfg.mtls_bind_token, 0);
	assert_int_equal(line(&cfg, "MTLSMatchIdentity yes", err), 0);
	assert_int_equal(cfg.mtls_match_identity, 1);
	assert_int_equal(line(&cfg,
	    "AllowedOrigins https://a.example https://b.example,"
	    "http://localhost:3000", err), 0);
	assert_int_equal(cfg.nallowed_origins, 3);
	assert_string_equal(cfg.allowed_origins[2], "http://localhost:3000");
	assert_int_equal(line(&cfg, "AuthorizationServer https://as1/", err),
	    0);
	assert_int_equal(line(&cfg, "AuthorizationServer https://as2/", err),
	    0);
	assert_int_equal(cfg.nauthorization_servers, 2);
	assert_string_equal(cfg.authorization_servers[1], "https://as2/");
	assert_int_equal(line(&cfg, "Database \"/var/lib/my db/x.db\"", err),
	    0);
	assert_string_equal(cfg.database, "/var/lib/my db/x.db");
	assert_int_equal(line(&cfg, "PrivsepChroot relative/dir", err), 0);
	assert_string_equal(cfg.privsep_chroot, "relative/dir");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "ToolTimeout 3600", err), 0);
	assert_int_equal(line(&cfg, "QueryTimeout 1h", err), 0);
	assert_int_equal(line(&cfg, "MaxMessageSize 4M", err), 0);
	assert_int_equal(line(&cfg, "JWTLeeway 2m", err), 0);
	assert_int_equal(cfg.tool_timeout, 3600);
	assert_int_equal(cfg.query_timeout, 3600000);
	assert_int_equal(cfg.max_message_size, 4 * 1024 * 1024);
	assert_int_equal(cfg.jwt_leeway, 120);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "QueryTimeout 1ms", err), 0);
	assert_int_equal(line(&cfg, "MaxMessageSize 1024", err), 0);
	assert_int_equal(cfg.query_timeout, 1);
	assert_int_equal(cfg.max_message_size, 1024);
	config_free(&cfg);

	assert_string_equal(bad("ToolTimeout 0"), "t.conf line 7: "
	    "ToolTimeout: bad time '0' (must be 1..3600 seconds)");
	bad("ToolTimeout 3601");
	bad("ToolTimeout 61m");
	bad("ToolTimeout 500ms");
	bad("ToolTimeout 10x");
	bad("ToolTimeout -5");
	bad("ToolTimeout 99999999999999999999999");
	bad("JWTLeeway 1h1s");
	assert_string_equal(bad("QueryTimeout 0ms"), "t.conf line 7: "
	    "QueryTimeout: bad time '0ms' (must be 1ms..3600s)");
	bad("QueryTimeout 3600001ms");
	assert_string_equal(bad("MaxMessageSize 1023"), "t.conf line 7: "
	    "MaxMessageSize: bad size '1023' (must be 1024..4194304 bytes, "
	    "K or M suffix allowed)");
	bad("MaxMessageSize 4097K");
	bad("MaxMessageSize 5M");
	bad("MaxMessageSize 1G");
	bad("MaxMessageSize 2KB");
	bad("Workers 0");
	bad("Workers 1.5");
	bad("Workers  +2");
	bad("QueryMaxRows 1000001");
	bad("RateLimit 0");
	bad("RateLimit 1000001/min");
	bad("RateLimit 10/sec");
	bad("RateLimit /min");
	assert_string_equal(bad("ToolListing some"), "t.conf line 7: "
	    "ToolListing: bad value 'some' (must be permitted|all)");
	bad("AuditSync sometimes");
	bad("AuditArguments partial");
	bad("MTLSIdentity dns");
	assert_string_equal(bad("JWTType id+jwt"), "t.conf line 7: "
	    "JWTType: bad value 'id+jwt' (must be at+jwt|JWT|any)");
	assert_string_equal(bad("MTLSBindToken maybe"), "t.conf line 7: "
	    "MTLSBindToken: bad value 'maybe' (must be no|yes)");
	bad("MTLSMatchIdentity 1");
	bad("MTLSBindToken yes no");
	bad("ResourceURL ftp://x");
	bad("AuthorizationServer mcp.example.com");
	bad("AllowedOrigins https://a,,https://b");
	bad("Database \"unterminated");
	bad("Database \"\"");
	assert_string_equal(bad("Workers 2 3"),
	    "t.conf line 7: Workers: extra argument '3'");
	assert_string_equal(bad("AuditLog"),
	    "t.conf line 7: AuditLog: missing argument");
}

static void
test_users_and_roles(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "User a+b@x.example roles=r1,r_2.x-y",
	    err), 0);
	assert_int_equal(line(&cfg, "Role r1 tools=*", err), 0);
	assert_int_equal(line(&cfg, "User spiffe://x/y roles=r1", err), 0);
	assert_int_equal(cfg.nusers, 2);
	assert_string_equal(cfg.users[1].id, "spiffe://x/y");
	assert_int_equal(cfg.users[0].nroles, 2);
	assert_string_equal(cfg.users[0].roles[1], "r_2.x-y");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "User a@x roles=r1", err), 0);
	assert_int_equal(line(&cfg, "User a@x roles=r2", err), -1);
	assert_string_equal(err,
	    "t.conf line 7: User: duplicate identity 'a@x'");
	assert_int_equal(line(&cfg, "Role r tools=a", err), 0);
	assert_int_equal(line(&cfg, "Role r tools=b", err), -1);
	assert_string_equal(err, "t.conf line 7: Role: duplicate role 'r'");
	assert_int_equal(cfg.nusers, 1);
	assert_int_equal(cfg.nroles, 1);
	config_free(&cfg);

	assert_string_equal(bad("User a\"b roles=r"),
	    "t.conf line 7: User: invalid identity 'a\"b'");
	bad("User a,b roles=r");
	bad("User a\\b roles=r");
	bad("User a'b roles=r");
	bad("User é roles=r");
	assert_string_equal(bad("User a roles="),
	    "t.conf line 7: User: 'a' has an empty role list");
	assert_string_equal(bad("User a groups=r"), "t.conf line 7: User: "
	    "expected 'roles=r1,r2', got 'groups=r'");
	assert_string_equal(bad("User a roles=r,r"),
	    "t.conf line 7: User: duplicate role 'r'");
	assert_string_equal(bad("User a roles=r,x@y"),
	    "t.conf line 7: User: invalid role 'x@y'");
	assert_string_equal(bad("User a"),
	    "t.conf line 7: User: missing argument");
	assert_string_equal(bad("User a roles=r extra"),
	    "t.conf line 7: User: extra argument 'extra'");
	assert_string_equal(bad("Role r tools=*,query"),
	    "t.conf line 7: Role: '*' must stand alone in tools= (it matches "
	    "every name)");
	bad("Role r tools=a,,b");
	bad("Role r tools=");
	bad("Role r* tools=a");
	bad("Role r tools=a b");
	bad("Role r tools=a/b");
}

static void
test_syntax(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN], longline[CONFIG_LINE_MAX + 16];
	size_t n;

	config_init(&cfg);
	assert_int_equal(line(&cfg, "", err), 0);
	assert_int_equal(line(&cfg, "   \t ", err), 0);
	assert_int_equal(line(&cfg, "  # Workers 9", err), 0);
	assert_int_equal(cfg.workers, -1);
	assert_int_equal(line(&cfg, "\tWORKERS\t3  # three\r\n", err), 0);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(line(&cfg, "querymaxrows=10", err), 0);
	assert_int_equal(cfg.query_max_rows, 10);
	assert_int_equal(line(&cfg, "ToolTimeout = 10", err), 0);
	assert_int_equal(cfg.tool_timeout, 10);
	assert_int_equal(line(&cfg, "AuditLog /var/log/a#b.log", err), 0);
	assert_string_equal(cfg.audit_log, "/var/log/a#b.log");
	config_free(&cfg);

	assert_string_equal(bad("Workers\x01 2"),
	    "t.conf line 7: invalid character 0x01");
	assert_string_equal(bad("=2"), "t.conf line 7: missing keyword");

	n = CONFIG_LINE_MAX - strlen("AuditLog /");
	memcpy(longline, "AuditLog /", 10);
	memset(longline + 10, 'a', n);
	longline[10 + n] = '\0';
	config_init(&cfg);
	assert_int_equal(line(&cfg, longline, err), 0);
	assert_int_equal(strlen(cfg.audit_log), CONFIG_LINE_MAX - 9);
	config_free(&cfg);
	longline[10 + n] = 'a';
	longline[11 + n] = '\0';
	assert_string_equal(bad(longline),
	    "t.conf line 7: line too long (more than 8192 bytes)");
}

static void
test_file_line_limits(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char path[64], err[ERRLEN], want[ERRLEN], *text;
	size_t n = CONFIG_LINE_MAX + 10;

	assert_non_null(text = malloc(n + 32));
	memcpy(text, "Workers 1\nAuditLog /", 20);
	memset(text + 20, 'x', n);
	memcpy(text + 20 + n, "\n", 2);
	config_init(&cfg);
	assert_int_equal(load_text(&cfg, text, path, sizeof(path), err), -1);
	assert_true(snprintf(want, sizeof(want),
	    "%s line 2: line too long (more than 8192 bytes)", path) > 0);
	assert_string_equal(err, want);
	config_free(&cfg);
	free(text);

	/* The last line may lack its newline. */
	config_init(&cfg);
	assert_int_equal(load_text(&cfg, "Workers 1\nToolTimeout 5", path,
	    sizeof(path), err), 0);
	assert_int_equal(cfg.tool_timeout, 5);
	config_free(&cfg);
}

static void
test_validate(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Role viewer tools=query", err), 0);
	assert_int_equal(line(&cfg, "User bob roles=viewer,auditor", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "User 'bob': role 'auditor' is not "
	    "defined by any Role line");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode oauth", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "AuthMode oauth needs JWKSFile");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode apikey,oauth", err), 0);
	assert_int_equal(line(&cfg, "JWKSFile /j", err), 0);
	assert_int_equal(line(&cfg, "JWTIssuer https://i/", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "AuthMode oauth needs JWTAudience");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode oauth", err), 0);
	assert_int_equal(line(&cfg, "JWKSFile /j", err), 0);
	assert_int_equal(line(&cfg, "JWTIssuer https://i/", err), 0);
	assert_int_equal(line(&cfg, "JWTAudience mcp", err), 0);
	assert_int_equal(line(&cfg, "JWTAlgorithms PS256,EdDSA", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.jwt_algorithms, "PS256,EdDSA");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "JWTAlgorithms RS256,HS256", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "JWTAlgorithms: 'HS256' is never accepted: "
	    "HMAC algorithms are always refused");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "JWTAlgorithms none", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "JWTAlgorithms: 'none' is never accepted: "
	    "unsigned tokens are always refused");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "JWTAlgorithms ES384", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "JWTAlgorithms: unsupported algorithm "
	    "'ES384' (must be among RS256, PS256, ES256, EdDSA)");
	config_free(&cfg);
	bad("JWTAlgorithms RS256,,ES256");
	bad("JWTAlgorithms RS256,RS256");

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode mtls", err), 0);
	assert_int_equal(line(&cfg, "Listen 127.0.0.1:8443", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "AuthMode mtls needs TLSClientCA");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode mtls apikey", err), 0);
	assert_int_equal(line(&cfg, "TLSClientCA /ca", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "AuthMode mtls needs TLSCertificate");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "TLSClientCRL /crl", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "TLSClientCRL needs TLSClientCA");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "TLSClientCRL /crl", err), 0);
	assert_int_equal(line(&cfg, "TLSClientCA /ca", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "TLSClientCA needs TLSCertificate");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthMode mtls", err), 0);
	assert_int_equal(line(&cfg, "TLSClientCA /ca", err), 0);
	assert_int_equal(line(&cfg, "TLSCertificate /c", err), 0);
	assert_int_equal(line(&cfg, "TLSKey /k", err), 0);
	assert_int_equal(line(&cfg, "Listen 192.0.2.1:8443", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	/* Plain HTTP only on loopback. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen 127.0.0.2:8080", err), 0);
	assert_int_equal(line(&cfg, "Listen [::1]:8080", err), 0);
	assert_int_equal(line(&cfg, "Listen :8081", err), 0);
	assert_int_equal(line(&cfg, "Listen localhost:8082", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen 0.0.0.0:8080", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "Listen 0.0.0.0:8080: without "
	    "TLSCertificate only loopback addresses are allowed");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "TLSCertificate /c", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "TLSCertificate and TLSKey must be set together");
	config_free(&cfg);
}

static const char default_dump[] =
    "authmode apikey\n"
    "authorizedkeysfile /etc/mcpd/authorized_keys\n"
    "jwtalgorithms RS256,ES256,EdDSA\n"
    "jwtrolesclaim roles\n"
    "jwtleeway 60\n"
    "toollisting permitted\n"
    "ratelimit 100/min\n"
    "authfailurelimit 10/min\n"
    "auditlog /var/log/mcpd/audit.log\n"
    "auditkeyfile /etc/mcpd/audit.key\n"
    "auditsync always\n"
    "auditarguments hash\n"
    "auditredact none\n"
    "auditcheckpoint 1000 300s\n"
    "mtlsidentity san-email\n"
    "maxconnections 256\n"
    "maxheadersize 8192\n"
    "clienttimeout 10\n"
    "idletimeout 60\n"
    "sessiontimeout 1800\n"
    "privsepuser _mcpd\n"
    "privsepchroot /var/lib/mcpd/empty\n"
    "tooluser _mcpdtool\n"
    "workers 2\n"
    "tooltimeout 30\n"
    "database /var/lib/mcpd/mcpd.db\n"
    "maxmessagesize 1048576\n"
    "querymaxrows 1000\n"
    "querytimeout 5000ms\n"
    "workermaxcalls 1000\n"
    "workeridletimeout 300\n"
    "jwttype at+jwt\n"
    "mtlsbindtoken yes\n"
    "mtlsmatchidentity no\n"
    "maxconnectionspersource 32\n"
    "persourcenetblocksize 32:64\n"
    "handshaketimeout 10\n"
    "maxsessionsperuser 10\n";

static void
test_dump_defaults(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char *out;

	config_init(&cfg);
	config_fill_defaults(&cfg);
	out = dump(&cfg);
	assert_string_equal(out, default_dump);
	free(out);
	config_free(&cfg);
}

static void
test_dump_full(void **state __attribute__((__unused__)))
{
	static const char *lines[] = {
		"AuthMode mtls,oauth apikey",
		"JWKSFile /etc/mcpd/jwks.json",
		"JWTIssuer https://auth.example/",
		"JWTAudience https://mcp.example/mcp",
		"Role admin tools=*",
		"Role viewer tools=list_tables,query",
		"User alice@example.com roles=admin,viewer",
		"Listen 127.0.0.1:8443",
		"Listen [::1]:8443",
		"TLSCertificate /c.pem",
		"TLSKey /k.pem",
		"TLSClientCA /ca.pem",
		"AllowedOrigins https://a.example https://b.example",
		"ResourceURL https://mcp.example/mcp",
		"AuthorizationServer https://auth.example/",
		"AuthorizationServer http://127.0.0.1:9000",
		"JWTScope mcp:read viewer",
		"JWTScope \"#odd\" admin",
		"JWTScope \"=eq\" admin",
		"MaxConnections 1000",
		"MaxHeaderSize 16K",
		"ClientTimeout 30s",
		"IdleTimeout 2m",
		"SessionTimeout 1d",
		"Database \"/srv/my data/mcpd.db\"",
		"ToolTimeout 2m",
		"QueryTimeout 2s",
		"RateLimit 7",
		NULL
	};
	struct mcpd_config cfg, again;
	char err[ERRLEN], *out, *out2, *cp, *s, *l;
	size_t i;

	config_init(&cfg);
	for (i = 0; lines[i] != NULL; i++)
		assert_int_equal(line(&cfg, lines[i], err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	out = dump(&cfg);
	assert_true(strncmp(out, "authmode oauth,mtls apikey\n", 27) == 0);
	assert_non_null(strstr(out, "\njwksfile /etc/mcpd/jwks.json\n"));
	assert_non_null(strstr(out, "\nrole admin tools=*\n"
	    "role viewer tools=list_tables,query\n"));
	assert_non_null(strstr(out,
	    "\nuser alice@example.com roles=admin,viewer\n"));
	assert_non_null(strstr(out, "\nlisten 127.0.0.1:8443\n"
	    "listen [::1]:8443\n"));
	assert_non_null(strstr(out, "\nallowedorigins https://a.example,"
	    "https://b.example\n"));
	assert_non_null(strstr(out,
	    "\nauthorizationserver https://auth.example/\n"
	    "authorizationserver http://127.0.0.1:9000\n"
	    "maxconnections 1000\n"
	    "maxheadersize 16384\n"
	    "clienttimeout 30\n"
	    "idletimeout 120\n"
	    "sessiontimeout 86400\n"));
	assert_non_null(strstr(out, "\njwtleeway 60\n"
	    "jwtscope mcp:read viewer\n"
	    "jwtscope \"#odd\" admin\n"
	    "jwtscope \"=eq\" admin\n"));
	assert_non_null(strstr(out, "\ndatabase \"/srv/my data/mcpd.db\"\n"));
	assert_non_null(strstr(out, "\ntooltimeout 120\n"));
	assert_non_null(strstr(out, "\nquerytimeout 2000ms\n"));
	assert_non_null(strstr(out, "\nratelimit 7/min\n"));
	assert_null(strstr(out, "tlsclientcrl"));

	/* The dump reads back as the same configuration. */
	config_init(&again);
	assert_non_null(cp = strdup(out));
	s = cp;
	while ((l = strsep(&s, "\n")) != NULL)
		assert_int_equal(line(&again, l, err), 0);
	free(cp);
	out2 = dump(&again);
	assert_string_equal(out, out2);
	free(out2);
	free(out);
	config_free(&again);
	config_free(&cfg);
}

/*
 * The shipped example parses, validates, carries the seed policy, and
 * every "#Keyword value" line in it states the real default.
 */
static void
test_example_conf(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg, defs;
	char err[ERRLEN], buf[CONFIG_LINE_MAX + 2], *out, *out2;
	FILE *f;
	size_t nkw = 0;

	if (access(EXAMPLE_CONF, R_OK) != 0)
		skip();
	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, EXAMPLE_CONF, err,
	    sizeof(err)), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nroles, 3);
	assert_int_equal(cfg.nusers, 3);
	assert_string_equal(cfg.roles[1].name, "developer");
	assert_int_equal(cfg.roles[1].ntools, 6);
	assert_string_equal(cfg.users[1].id, "dev@example.com");
	config_free(&cfg);

	config_init(&defs);
	assert_non_null(f = fopen(EXAMPLE_CONF, "r"));
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (buf[0] != '#' || buf[1] < 'A' || buf[1] > 'Z')
			continue;
		assert_int_equal(config_parse_line(&defs, buf + 1,
		    CFG_SRC_FILE, EXAMPLE_CONF, 1, err, sizeof(err)), 0);
		nkw++;
	}
	assert_int_equal(fclose(f), 0);
	/* Every keyword that has a default is shown. */
	assert_int_equal(nkw, 37);
	out = dump(&defs);
	config_free(&defs);
	config_init(&defs);
	config_fill_defaults(&defs);
	out2 = dump(&defs);
	assert_string_equal(out, out2);
	assert_string_equal(out, default_dump);
	free(out);
	free(out2);
	config_free(&defs);
}

/* config_validate's message for a configuration of the given lines. */
static const char *
invalid(const char *const *lines)
{
	static char err[ERRLEN];
	struct mcpd_config cfg;
	size_t i;

	config_init(&cfg);
	for (i = 0; lines[i] != NULL; i++)
		assert_int_equal(line(&cfg, lines[i], err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	config_free(&cfg);
	return err;
}

/* Assert that the lines make a valid configuration. */
static void
valid(const char *const *lines)
{
	struct mcpd_config cfg;
	char err[ERRLEN];
	size_t i;

	config_init(&cfg);
	for (i = 0; lines[i] != NULL; i++)
		assert_int_equal(line(&cfg, lines[i], err), 0);
	config_fill_defaults(&cfg);
	if (config_validate(&cfg, err, sizeof(err)) != 0)
		fail_msg("unexpected: %s", err);
	config_free(&cfg);
}

#define OAUTH_LINES \
	"JWKSFile /j", "JWTIssuer https://i/", "JWTAudience https://r/mcp"
#define TLS_LINES \
	"TLSCertificate /c", "TLSKey /k"

/* AuditRedact tool.field,... (issue 11, item 7). */
static void
test_audit_redact(void **state __attribute__((__unused__)))
{
	static const char *const bad[] = {
		"AuditRedact query", "AuditRedact .sql", "AuditRedact query.",
		"AuditRedact query.s!", "AuditRedact q*.sql",
		"AuditRedact query.sql,query.sql", "AuditRedact query.sql,,x.y",
		"AuditRedact",
	};
	struct mcpd_config cfg;
	char err[ERRLEN], l[1024];
	size_t i, o;

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuditRedact query.sql,*.password "
	    "execute_sql.sql", err), 0);
	assert_int_equal(cfg.naudit_redact, 3);
	assert_string_equal(cfg.audit_redact[0], "query.sql");
	assert_string_equal(cfg.audit_redact[1], "*.password");
	assert_string_equal(cfg.audit_redact[2], "execute_sql.sql");
	/* The first line wins. */
	assert_int_equal(line(&cfg, "AuditRedact x.y", err), 0);
	assert_int_equal(cfg.naudit_redact, 3);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuditRedact none", err), 0);
	assert_int_equal(cfg.naudit_redact, 0);
	assert_int_equal(line(&cfg, "AuditRedact x.y", err), 0);
	assert_int_equal(cfg.naudit_redact, 0);
	config_free(&cfg);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_init(&cfg);
		if (line(&cfg, bad[i], err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(cfg.naudit_redact, 0);
		config_free(&cfg);
	}
	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuditRedact query", err), -1);
	assert_string_equal(err, "t.conf line 7: AuditRedact: invalid "
	    "tool.field 'query'");
	config_free(&cfg);

	/* 64 rules, and not 65. */
	o = (size_t)snprintf(l, sizeof(l), "AuditRedact t.f0");
	for (i = 1; i < 65; i++)
		o += (size_t)snprintf(l + o, sizeof(l) - o, ",t.f%zu", i);
	config_init(&cfg);
	assert_int_equal(line(&cfg, l, err), -1);
	assert_string_equal(err, "t.conf line 7: AuditRedact: more than 64 "
	    "rules");
	config_free(&cfg);
	*strrchr(l, ',') = '\0';
	config_init(&cfg);
	assert_int_equal(line(&cfg, l, err), 0);
	assert_int_equal(cfg.naudit_redact, 64);
	config_free(&cfg);
}

static void
test_jwt_scope(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN], scope[200], l[300];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "JWTScope mcp:read viewer", err), 0);
	assert_int_equal(line(&cfg, "jwtscope mcp:read developer", err), 0);
	assert_int_equal(line(&cfg, "JWTSCOPE=mcp:admin admin", err), 0);
	assert_int_equal(line(&cfg,
	    "JWTScope https://mcp.example/tools.write,x!$%&'()*+ developer",
	    err), 0);
	assert_int_equal(cfg.njwt_scopes, 4);
	assert_string_equal(cfg.jwt_scopes[0].scope, "mcp:read");
	assert_string_equal(cfg.jwt_scopes[0].role, "viewer");
	assert_string_equal(cfg.jwt_scopes[1].scope, "mcp:read");
	assert_string_equal(cfg.jwt_scopes[1].role, "developer");
	assert_string_equal(cfg.jwt_scopes[2].scope, "mcp:admin");
	assert_string_equal(cfg.jwt_scopes[2].role, "admin");
	assert_string_equal(cfg.jwt_scopes[3].scope,
	    "https://mcp.example/tools.write,x!$%&'()*+");
	/* The same pair twice is a mistake; nothing is added. */
	assert_int_equal(line(&cfg, "JWTScope mcp:read viewer", err), -1);
	assert_string_equal(err, "t.conf line 7: JWTScope: duplicate "
	    "mapping of scope 'mcp:read' to role 'viewer'");
	assert_int_equal(cfg.njwt_scopes, 4);
	config_free(&cfg);
	assert_int_equal(cfg.njwt_scopes, 0);
	assert_null(cfg.jwt_scopes);

	/* 128 characters are allowed, 129 are not. */
	memset(scope, 's', 128);
	scope[128] = '\0';
	assert_true(snprintf(l, sizeof(l), "JWTScope %s viewer", scope) > 0);
	config_init(&cfg);
	assert_int_equal(line(&cfg, l, err), 0);
	assert_int_equal(strlen(cfg.jwt_scopes[0].scope), 128);
	config_free(&cfg);
	scope[128] = 's';
	scope[129] = '\0';
	assert_true(snprintf(l, sizeof(l), "JWTScope %s viewer", scope) > 0);
	bad(l);

	assert_string_equal(bad("JWTScope \"a b\" viewer"),
	    "t.conf line 7: JWTScope: invalid scope 'a b' (printable ASCII "
	    "without blanks, quotes or backslashes, at most 128 "
	    "characters)");
	bad("JWTScope a\"b viewer");
	bad("JWTScope a\\b viewer");
	bad("JWTScope \"\" viewer");
	bad("JWTScope sc\xc3\xa9 viewer");
	assert_string_equal(bad("JWTScope mcp:read vi/ewer"),
	    "t.conf line 7: JWTScope: invalid role name 'vi/ewer'");
	bad("JWTScope mcp:read roles=viewer");
	assert_string_equal(bad("JWTScope mcp:read"),
	    "t.conf line 7: JWTScope: missing argument");
	assert_string_equal(bad("JWTScope a viewer admin"),
	    "t.conf line 7: JWTScope: extra argument 'admin'");

	/* Scopes restrict OAuth identities only. */
	{
		static const char *const l1[] = { "AuthMode apikey",
		    "JWTScope mcp:read viewer", NULL };
		static const char *const l2[] = { "AuthMode apikey oauth",
		    OAUTH_LINES, "JWTScope mcp:read viewer", NULL };

		assert_string_equal(invalid(l1),
		    "JWTScope needs AuthMode oauth");
		valid(l2);
	}
}

static void
test_http_limits(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	/* Defaults. */
	config_init(&cfg);
	assert_int_equal(cfg.max_connections, -1);
	assert_int_equal(cfg.max_header_size, -1);
	assert_int_equal(cfg.client_timeout, -1);
	assert_int_equal(cfg.idle_timeout, -1);
	assert_int_equal(cfg.session_timeout, -1);
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.max_connections, 256);
	assert_int_equal(cfg.max_header_size, 8192);
	assert_int_equal(cfg.client_timeout, 10);
	assert_int_equal(cfg.idle_timeout, 60);
	assert_int_equal(cfg.session_timeout, 1800);
	config_free(&cfg);

	/* Good values, units, the bounds; the first value wins. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "maxconnections 65536", err), 0);
	assert_int_equal(line(&cfg, "MaxConnections 1", err), 0);
	assert_int_equal(line(&cfg, "MaxHeaderSize 64K", err), 0);
	assert_int_equal(line(&cfg, "MaxHeaderSize 1024", err), 0);
	assert_int_equal(line(&cfg, "ClientTimeout 1h", err), 0);
	assert_int_equal(line(&cfg, "ClientTimeout 1", err), 0);
	assert_int_equal(line(&cfg, "IdleTimeout 1d", err), 0);
	assert_int_equal(line(&cfg, "IdleTimeout 5", err), 0);
	assert_int_equal(line(&cfg, "SessionTimeout 1w", err), 0);
	assert_int_equal(line(&cfg, "SessionTimeout 1m", err), 0);
	assert_int_equal(cfg.max_connections, 65536);
	assert_int_equal(cfg.max_header_size, 65536);
	assert_int_equal(cfg.client_timeout, 3600);
	assert_int_equal(cfg.idle_timeout, 86400);
	assert_int_equal(cfg.session_timeout, 604800);
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.max_connections, 65536);
	assert_int_equal(cfg.session_timeout, 604800);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "MaxConnections 1", err), 0);
	assert_int_equal(line(&cfg, "MaxHeaderSize 1024", err), 0);
	assert_int_equal(line(&cfg, "ClientTimeout 1", err), 0);
	assert_int_equal(line(&cfg, "IdleTimeout 1", err), 0);
	assert_int_equal(line(&cfg, "SessionTimeout 1m", err), 0);
	assert_int_equal(cfg.max_connections, 1);
	assert_int_equal(cfg.max_header_size, 1024);
	assert_int_equal(cfg.client_timeout, 1);
	assert_int_equal(cfg.idle_timeout, 1);
	assert_int_equal(cfg.session_timeout, 60);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "MaxHeaderSize 12k", err), 0);
	assert_int_equal(line(&cfg, "ClientTimeout 1m30s", err), 0);
	assert_int_equal(line(&cfg, "IdleTimeout 23h59m60s", err), 0);
	assert_int_equal(line(&cfg, "SessionTimeout 6d23h60m", err), 0);
	assert_int_equal(cfg.max_header_size, 12288);
	assert_int_equal(cfg.client_timeout, 90);
	assert_int_equal(cfg.idle_timeout, 86400);
	assert_int_equal(cfg.session_timeout, 604800);
	config_free(&cfg);

	assert_string_equal(bad("MaxConnections 0"), "t.conf line 7: "
	    "MaxConnections: bad value '0' (must be 1..65536)");
	bad("MaxConnections 65537");
	bad("MaxConnections 1K");
	bad("MaxConnections -1");
	bad("MaxConnections many");
	assert_string_equal(bad("MaxHeaderSize 1023"), "t.conf line 7: "
	    "MaxHeaderSize: bad size '1023' (must be 1024..65536 bytes, "
	    "K or M suffix allowed)");
	bad("MaxHeaderSize 65537");
	bad("MaxHeaderSize 65K");
	bad("MaxHeaderSize 1M");
	bad("MaxHeaderSize 8KB");
	assert_string_equal(bad("ClientTimeout 0"), "t.conf line 7: "
	    "ClientTimeout: bad time '0' (must be 1..3600 seconds)");
	bad("ClientTimeout 3601");
	bad("ClientTimeout 500ms");
	bad("ClientTimeout 1d");
	assert_string_equal(bad("IdleTimeout 86401"), "t.conf line 7: "
	    "IdleTimeout: bad time '86401' (must be 1..86400 seconds)");
	bad("IdleTimeout 0");
	bad("IdleTimeout 2d");
	assert_string_equal(bad("SessionTimeout 59"), "t.conf line 7: "
	    "SessionTimeout: bad time '59' (must be 60..604800 seconds)");
	bad("SessionTimeout 1w1s");
	bad("SessionTimeout 2w");

	/* The per-source and per-user limits (issue 11). */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "MaxConnectionsPerSource 4", err), 0);
	assert_int_equal(line(&cfg, "PerSourceNetBlockSize 24:48", err), 0);
	assert_int_equal(line(&cfg, "PerSourceNetBlockSize 32:128", err), 0);
	assert_int_equal(line(&cfg, "HandshakeTimeout 1m", err), 0);
	assert_int_equal(line(&cfg, "MaxSessionsPerUser 1", err), 0);
	assert_int_equal(cfg.max_conn_per_source, 4);
	assert_int_equal(cfg.netblock_v4, 24);
	assert_int_equal(cfg.netblock_v6, 48);
	assert_int_equal(cfg.handshake_timeout, 60);
	assert_int_equal(cfg.max_sessions_per_user, 1);
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(line(&cfg, "PerSourceNetBlockSize 16", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(cfg.netblock_v4, 16);
	assert_int_equal(cfg.netblock_v6, 64);
	assert_int_equal(cfg.max_conn_per_source, 32);
	assert_int_equal(cfg.handshake_timeout, 10);
	assert_int_equal(cfg.max_sessions_per_user, 10);
	config_free(&cfg);
	assert_string_equal(bad("PerSourceNetBlockSize 33"), "t.conf line 7: "
	    "PerSourceNetBlockSize: bad value '33' (must be V4 or V4:V6, "
	    "1..32 and 1..128)");
	bad("PerSourceNetBlockSize 0:64");
	bad("PerSourceNetBlockSize 32:0");
	bad("PerSourceNetBlockSize 32:129");
	bad("PerSourceNetBlockSize 32:");
	bad("PerSourceNetBlockSize :64");
	bad("PerSourceNetBlockSize 32:64:1");
	bad("PerSourceNetBlockSize +32");
	bad("MaxConnectionsPerSource 0");
	bad("MaxConnectionsPerSource 65537");
	bad("HandshakeTimeout 0");
	bad("HandshakeTimeout 601");
	bad("MaxSessionsPerUser 0");
	bad("MaxSessionsPerUser 4097");
	bad("SessionTimeout 10y");
	assert_string_equal(bad("IdleTimeout 1 2"),
	    "t.conf line 7: IdleTimeout: extra argument '2'");
	assert_string_equal(bad("SessionTimeout"),
	    "t.conf line 7: SessionTimeout: missing argument");

	/* A later bad value is an error even though it would be ignored. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "MaxConnections 10", err), 0);
	assert_int_equal(line(&cfg, "MaxConnections 0", err), -1);
	assert_int_equal(cfg.max_connections, 10);
	config_free(&cfg);
}

static void
test_allowed_origins(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AllowedOrigins https://App.Example.COM "
	    "http://localhost:3000,https://a.example:443,http://b.example:80,"
	    "HTTPS://c.example:8443,http://[::1]:5173,vscode-webview://x1 "
	    "http://127.0.0.1:0080", err), 0);
	assert_int_equal(cfg.nallowed_origins, 8);
	/* Stored as browsers send them: lower case, no default port. */
	assert_string_equal(cfg.allowed_origins[0], "https://app.example.com");
	assert_string_equal(cfg.allowed_origins[1], "http://localhost:3000");
	assert_string_equal(cfg.allowed_origins[2], "https://a.example");
	assert_string_equal(cfg.allowed_origins[3], "http://b.example");
	assert_string_equal(cfg.allowed_origins[4], "https://c.example:8443");
	assert_string_equal(cfg.allowed_origins[5], "http://[::1]:5173");
	assert_string_equal(cfg.allowed_origins[6], "vscode-webview://x1");
	assert_string_equal(cfg.allowed_origins[7], "http://127.0.0.1");
	config_free(&cfg);

	assert_string_equal(bad("AllowedOrigins *"), "t.conf line 7: "
	    "AllowedOrigins: '*' is not accepted: it would let every web "
	    "page in a browser call this server; list the origins "
	    "(requests without an Origin header are always allowed)");
	bad("AllowedOrigins https://a.example,*");
	assert_string_equal(bad("AllowedOrigins https://a.example/"),
	    "t.conf line 7: AllowedOrigins: bad origin 'https://a.example/' "
	    "(must be scheme://host[:port], without a path)");
	bad("AllowedOrigins https://a.example/mcp");
	bad("AllowedOrigins https://a.example?x=1");
	bad("AllowedOrigins https://a.example#f");
	bad("AllowedOrigins https://user@a.example");
	bad("AllowedOrigins https://a.example:0");
	bad("AllowedOrigins https://a.example:65536");
	bad("AllowedOrigins https://a.example:");
	bad("AllowedOrigins https://");
	bad("AllowedOrigins https://[]");
	bad("AllowedOrigins https://[::1");
	bad("AllowedOrigins null");
	bad("AllowedOrigins a.example");
	bad("AllowedOrigins 1http://a.example");
	bad("AllowedOrigins //a.example");
	assert_string_equal(bad("AllowedOrigins https://a.example "
	    "https://A.example:443"), "t.conf line 7: AllowedOrigins: "
	    "duplicate origin 'https://A.example:443'");
	assert_string_equal(bad("AllowedOrigins https://a.example "
	    "https://a.example"), "t.conf line 7: AllowedOrigins: "
	    "duplicate origin 'https://a.example'");
}

static void
test_resource_url(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "ResourceURL https://mcp.example:8443/mcp"
	    "?tenant=1", err), 0);
	assert_string_equal(cfg.resource_url,
	    "https://mcp.example:8443/mcp?tenant=1");
	assert_int_equal(line(&cfg, "ResourceURL https://other/", err), 0);
	assert_string_equal(cfg.resource_url,
	    "https://mcp.example:8443/mcp?tenant=1");
	config_free(&cfg);

	assert_string_equal(bad("ResourceURL https://mcp.example/mcp#x"),
	    "t.conf line 7: ResourceURL: 'https://mcp.example/mcp#x' has a "
	    "fragment, which a resource identifier must not have");
	assert_string_equal(bad("ResourceURL ftp://x"),
	    "t.conf line 7: ResourceURL: 'ftp://x' is not an absolute "
	    "https:// URL");
	bad("ResourceURL /mcp");
	bad("ResourceURL mcp.example/mcp");
	bad("ResourceURL https://");
	bad("ResourceURL https:///mcp");
	bad("ResourceURL https://user@mcp.example/mcp");
	bad("ResourceURL https://mcp.example:99999/mcp");
	bad("ResourceURL https://mcp.example:/mcp");
	bad("ResourceURL https://[::1/mcp");
	bad("ResourceURL \"https://mcp.example/a b\"");

	/* http:// only while every Listen is loopback. */
	{
		static const char *const ok1[] = {
		    "ResourceURL http://127.0.0.1:8080/mcp",
		    "Listen 127.0.0.1:8080", "Listen [::1]:8080", NULL };
		static const char *const ok2[] = {
		    "ResourceURL https://mcp.example/mcp",
		    "Listen 127.0.0.1:8080", NULL };
		static const char *const ok3[] = {
		    "ResourceURL http://localhost/mcp", NULL };
		static const char *const no1[] = {
		    "ResourceURL http://mcp.example/mcp", TLS_LINES,
		    "Listen 127.0.0.1:8443", "Listen 192.0.2.1:8443", NULL };

		valid(ok1);
		valid(ok2);
		valid(ok3);
		assert_string_equal(invalid(no1), "ResourceURL "
		    "http://mcp.example/mcp: http:// is allowed only when "
		    "every Listen address is loopback (Listen 192.0.2.1:8443 "
		    "is not)");
	}
}

static void
test_resource_url_default(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	/* No Listen: stdio, no resource. */
	config_init(&cfg);
	config_fill_defaults(&cfg);
	assert_null(cfg.resource_url);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen :8080", err), 0);
	assert_int_equal(line(&cfg, "Listen [::1]:8081", err), 0);
	config_fill_defaults(&cfg);
	assert_string_equal(cfg.resource_url, "http://127.0.0.1:8080/mcp");
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen [::1]:8443", err), 0);
	assert_int_equal(line(&cfg, "TLSCertificate /c", err), 0);
	assert_int_equal(line(&cfg, "TLSKey /k", err), 0);
	config_fill_defaults(&cfg);
	assert_string_equal(cfg.resource_url, "https://[::1]:8443/mcp");
	config_free(&cfg);

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen 0.0.0.0:443", err), 0);
	assert_int_equal(line(&cfg, "TLSCertificate /c", err), 0);
	assert_int_equal(line(&cfg, "TLSKey /k", err), 0);
	config_fill_defaults(&cfg);
	assert_string_equal(cfg.resource_url, "https://0.0.0.0:443/mcp");
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);

	/* A link-local address with a zone makes no URL. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen [fe80::1%eth0]:8443", err), 0);
	assert_int_equal(line(&cfg, "TLSCertificate /c", err), 0);
	assert_int_equal(line(&cfg, "TLSKey /k", err), 0);
	config_fill_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "ResourceURL: 'https://[fe80::1%eth0]:8443/"
	    "mcp', built from the first Listen address, is not a URL; set "
	    "ResourceURL");
	config_free(&cfg);

	/* An explicit value wins. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "Listen :8080", err), 0);
	assert_int_equal(line(&cfg, "ResourceURL https://m.example/mcp", err),
	    0);
	config_fill_defaults(&cfg);
	assert_string_equal(cfg.resource_url, "https://m.example/mcp");
	config_free(&cfg);
}

static void
test_authorization_server(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "AuthorizationServer https://as.example",
	    err), 0);
	assert_int_equal(line(&cfg,
	    "AuthorizationServer https://as.example/realms/x", err), 0);
	assert_int_equal(line(&cfg, "AuthorizationServer http://localhost:9000",
	    err), 0);
	assert_int_equal(line(&cfg, "AuthorizationServer http://127.0.0.1/",
	    err), 0);
	assert_int_equal(line(&cfg, "AuthorizationServer http://[::1]:9/as",
	    err), 0);
	/* The same server twice (from two sources, say) is listed once. */
	assert_int_equal(line(&cfg, "AuthorizationServer https://as.example",
	    err), 0);
	assert_int_equal(cfg.nauthorization_servers, 5);
	assert_string_equal(cfg.authorization_servers[4], "http://[::1]:9/as");
	config_free(&cfg);

	assert_string_equal(bad("AuthorizationServer http://as.example/"),
	    "t.conf line 7: AuthorizationServer: 'http://as.example/' is not "
	    "an absolute https:// URL (http:// is allowed only for "
	    "localhost, 127.0.0.1 and [::1])");
	bad("AuthorizationServer http://192.0.2.1/");
	bad("AuthorizationServer http://localhost.example/");
	bad("AuthorizationServer mcp.example.com");
	bad("AuthorizationServer https://");
	bad("AuthorizationServer https://a@as.example/");
	assert_string_equal(bad("AuthorizationServer https://as.example/?x=1"),
	    "t.conf line 7: AuthorizationServer: 'https://as.example/?x=1' has "
	    "a query or a fragment, which an issuer identifier never has");
	bad("AuthorizationServer https://as.example/#x");
}

static void
test_validate_http(void **state __attribute__((__unused__)))
{
	static const char *const mtls_no_listen[] = {
	    "AuthMode mtls apikey", "TLSClientCA /ca", TLS_LINES, NULL };
	static const char *const mtls_stdio[] = {
	    "AuthMode mtls mtls,oauth", OAUTH_LINES, "TLSClientCA /ca",
	    TLS_LINES, NULL };
	static const char *const mtls_ok[] = {
	    "AuthMode mtls,oauth apikey", OAUTH_LINES, "TLSClientCA /ca",
	    "TLSClientCRL /crl", TLS_LINES, "Listen [2001:db8::1]:8443",
	    NULL };
	static const char *const stdio_apikey_only[] = {
	    "AuthMode apikey", NULL };
	static const char *const none_public[] = {
	    "AuthMode apikey none", TLS_LINES, "Listen 127.0.0.1:8443",
	    "Listen [::]:8443", NULL };
	static const char *const none_loopback[] = {
	    "AuthMode none", TLS_LINES, "Listen 127.0.0.1:8443",
	    "Listen [::1]:8443", "Listen localhost:8444", "Listen :8445",
	    NULL };
	static const char *const none_stdio[] = { "AuthMode none", NULL };
	static const char *const apikey_public[] = {
	    "AuthMode apikey", TLS_LINES, "Listen [::]:8443", NULL };
	static const char *const key_only[] = { "TLSKey /k", NULL };
	static const char *const plain_public[] = {
	    "Listen 127.0.0.1:8080", "Listen [::]:8080", NULL };

	assert_string_equal(invalid(mtls_no_listen), "AuthMode mtls needs a "
	    "Listen address (client certificates exist only over HTTPS)");
	assert_string_equal(invalid(mtls_stdio), "AuthMode: every "
	    "alternative needs mtls, which can never pass over stdio (no "
	    "Listen address is set)");
	valid(mtls_ok);
	valid(stdio_apikey_only);
	assert_string_equal(invalid(none_public), "AuthMode none: Listen "
	    "[::]:8443 is not a loopback address (unauthenticated access is "
	    "allowed on loopback only)");
	valid(none_loopback);
	valid(none_stdio);
	valid(apikey_public);
	assert_string_equal(invalid(key_only),
	    "TLSCertificate and TLSKey must be set together");
	assert_string_equal(invalid(plain_public), "Listen [::]:8080: "
	    "without TLSCertificate only loopback addresses are allowed");
}

/* The forms of --listen=[addr]:port (mcpd(8)), as mcpd passes them. */
static void
test_listen_option_forms(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(config_parse_line(&cfg, "Listen :8080",
	    CFG_SRC_CMDLINE, "command line", 0, err, sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Listen 127.0.0.1:8081",
	    CFG_SRC_CMDLINE, "command line", 0, err, sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Listen [::1]:8082",
	    CFG_SRC_CMDLINE, "command line", 0, err, sizeof(err)), 0);
	assert_int_equal(config_parse_line(&cfg, "Listen [::]:8083",
	    CFG_SRC_CMDLINE, "command line", 0, err, sizeof(err)), 0);
	assert_int_equal(cfg.nlisten, 4);
	assert_string_equal(cfg.listen[3], "[::]:8083");
	assert_int_equal(config_parse_line(&cfg, "Listen 8080",
	    CFG_SRC_CMDLINE, "command line", 0, err, sizeof(err)), -1);
	assert_string_equal(err, "command line: Listen: bad address '8080' "
	    "(must be addr:port, [v6addr]:port or :port, port 1..65535)");
	config_free(&cfg);
}

/*
 * The shipped file's own lines, then the commented example that follows
 * its line starting with start: the "# " lines up to the first other one
 * ("#" alone is passed over), uncommented.  Returns how many there were.
 */
static int
example_block(struct mcpd_config *cfg, const char *start)
{
	char err[ERRLEN], buf[CONFIG_LINE_MAX + 2];
	FILE *f;
	int in = 0, n = 0;

	config_init(cfg);
	assert_int_equal(config_load_file(cfg, EXAMPLE_CONF, err,
	    sizeof(err)), 0);
	assert_non_null(f = fopen(EXAMPLE_CONF, "r"));
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strncmp(buf, start, strlen(start)) == 0) {
			in = 1;
			continue;
		}
		if (!in || strcmp(buf, "#\n") == 0)
			continue;
		if (strncmp(buf, "# ", 2) != 0)
			break;
		if (config_parse_line(cfg, buf + 2, CFG_SRC_FILE,
		    EXAMPLE_CONF, 1, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		n++;
	}
	assert_int_equal(fclose(f), 0);
	return n;
}

/*
 * The commented HTTPS example in the shipped file, uncommented on top of
 * the file's own lines, makes a valid configuration.
 */
static void
test_example_conf_https(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	if (access(EXAMPLE_CONF, R_OK) != 0)
		skip();
	assert_int_equal(example_block(&cfg, "# An HTTPS server"), 15);
	config_fill_defaults(&cfg);
	if (config_validate(&cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nauth_alt, 2);
	assert_int_equal(cfg.auth_alt[1], AUTH_M_MTLS);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.resource_url, "https://mcp.example.com/mcp");
	config_free(&cfg);
}

/* Role's three pattern lists (issue 13, section 1). */
static void
test_role_patterns(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN], *out;

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Role viewer tools=list_*,describe_?able "
	    "resources=file:///data/*,db://x prompts=summar[iy]ze,[!_]*",
	    err), 0);
	assert_int_equal(line(&cfg, "Role docs prompts=* resources=*", err),
	    0);
	assert_int_equal(line(&cfg, "Role plain tools=query", err), 0);
	assert_int_equal(cfg.nroles, 3);
	assert_int_equal(cfg.roles[0].ntools, 2);
	assert_string_equal(cfg.roles[0].tools[1], "describe_?able");
	assert_int_equal(cfg.roles[0].nresources, 2);
	assert_string_equal(cfg.roles[0].resources[0], "file:///data/*");
	assert_int_equal(cfg.roles[0].nprompts, 2);
	assert_string_equal(cfg.roles[0].prompts[1], "[!_]*");
	assert_int_equal(cfg.roles[1].ntools, 0);
	assert_int_equal(cfg.roles[1].nprompts, 1);
	out = dump(&cfg);
	assert_non_null(strstr(out, "role viewer tools=list_*,describe_?able "
	    "resources=file:///data/*,db://x prompts=summar[iy]ze,[!_]*\n"));
	assert_non_null(strstr(out, "role docs resources=* prompts=*\n"));
	assert_non_null(strstr(out, "role plain tools=query\n"));
	free(out);
	config_free(&cfg);

	assert_string_equal(bad("Role r tools=a resources=x tools=b"),
	    "t.conf line 7: Role: 'r' gives tools= twice");
	assert_string_equal(bad("Role r groups=a"), "t.conf line 7: Role: "
	    "expected 'tools=PATTERNS', 'resources=PATTERNS' or "
	    "'prompts=PATTERNS', got 'groups=a'");
	assert_string_equal(bad("Role r tools=a prompts="),
	    "t.conf line 7: Role: 'r' has an empty prompt pattern list");
	assert_string_equal(bad("Role r resources=a,*"),
	    "t.conf line 7: Role: '*' must stand alone in resources= (it "
	    "matches every name)");
	assert_string_equal(bad("Role r prompts=a/b"),
	    "t.conf line 7: Role: invalid prompt pattern 'a/b'");
	assert_string_equal(bad("Role r resources=a\"b"),
	    "t.conf line 7: Role: invalid resource pattern 'a\"b'");
	assert_string_equal(bad("Role r tools=list_*,list_*"),
	    "t.conf line 7: Role: duplicate tool pattern 'list_*'");
	assert_string_equal(bad("Role r tools=a prompts=b resources=c x=d"),
	    "t.conf line 7: Role: extra argument 'x=d'");
	assert_string_equal(bad("Role r"), "t.conf line 7: Role: missing "
	    "argument");
}

/* The lines of text that begin with prefix, in a new string. */
static char *
lines_with(const char *text, const char *prefix)
{
	char *out = NULL;
	size_t len = 0, n;
	const char *l, *nl;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &len));
	for (l = text; *l != '\0'; l = nl + 1) {
		assert_non_null(nl = strchr(l, '\n'));
		n = (size_t)(nl - l) + 1;
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			assert_int_equal(fwrite(l, 1, n, f), n);
	}
	assert_int_equal(fclose(f), 0);
	return out;
}

/* Upstream lines that parse, and what is kept of them. */
static void
test_upstream(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	const struct cfg_upstream *u;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Upstream fs user=nobody cwd=/srv "
	    "env=HOME,LANG envfile=/etc/mcpd/fs.env network=host "
	    "read=/srv/data:/usr/share write=/srv/out timeout=1m30s "
	    "max-inflight=8 prefix=files command /usr/bin/node "
	    "\"/opt/my server.js\" --root=/srv \"\" '#x'", err), 0);
	assert_int_equal(line(&cfg, "Upstream gh credential=/etc/mcpd/gh.tok "
	    "ca=/etc/ssl/gh.pem PREFIX= url https://api.example.com:8443/mcp",
	    err), 0);
	assert_int_equal(line(&cfg, "upstream local url "
	    "http://127.0.0.2:3000/mcp?x=1", err), 0);
	assert_int_equal(line(&cfg, "Upstream v6 url http://[::1]/", err), 0);
	assert_int_equal(line(&cfg, "Upstream lh url http://localhost:1/m",
	    err), 0);
	assert_int_equal(line(&cfg, "Upstream p1 Command /bin/true", err), 0);
	assert_int_equal(cfg.nupstreams, 6);
	u = &cfg.upstreams[0];
	assert_string_equal(u->name, "fs");
	assert_int_equal(u->kind, UPSTREAM_COMMAND);
	assert_string_equal(u->user, "nobody");
	assert_string_equal(u->cwd, "/srv");
	assert_int_equal(u->nenv, 2);
	assert_string_equal(u->env[1], "LANG");
	assert_string_equal(u->envfile, "/etc/mcpd/fs.env");
	assert_int_equal(u->network, UPSTREAM_NET_HOST);
	assert_int_equal(u->nread, 2);
	assert_string_equal(u->read[1], "/usr/share");
	assert_int_equal(u->nwrite, 1);
	assert_int_equal(u->timeout, 90);
	assert_int_equal(u->max_inflight, 8);
	assert_string_equal(cfg_upstream_prefix(u), "files");
	assert_string_equal(u->path, "/usr/bin/node");
	assert_int_equal(u->nargs, 4);
	assert_string_equal(u->args[0], "/opt/my server.js");
	assert_string_equal(u->args[1], "--root=/srv");
	assert_string_equal(u->args[2], "");
	assert_string_equal(u->args[3], "'#x'");
	u = &cfg.upstreams[1];
	assert_int_equal(u->kind, UPSTREAM_URL);
	assert_string_equal(u->url, "https://api.example.com:8443/mcp");
	assert_string_equal(u->credential, "/etc/mcpd/gh.tok");
	assert_string_equal(u->ca, "/etc/ssl/gh.pem");
	assert_string_equal(cfg_upstream_prefix(u), "");
	assert_int_equal(u->network, UPSTREAM_NET_NONE);
	assert_int_equal(u->timeout, -1);
	assert_int_equal(u->max_inflight, -1);
	assert_null(u->user);
	/* prefix defaults to NAME. */
	assert_string_equal(cfg_upstream_prefix(&cfg.upstreams[2]), "local");
	assert_int_equal(cfg.upstreams[5].nargs, 0);
	config_free(&cfg);
	assert_int_equal(cfg.nupstreams, 0);
	assert_null(cfg.upstreams);

	/* Two upstreams with no prefix are fine: names may still differ. */
	config_init(&cfg);
	assert_int_equal(line(&cfg, "Upstream a prefix= command /a", err), 0);
	assert_int_equal(line(&cfg, "Upstream b prefix= command /b", err), 0);
	assert_int_equal(line(&cfg, "Upstream c prefix=x command /c", err), 0);
	assert_int_equal(line(&cfg, "Upstream x command /x", err), -1);
	assert_string_equal(err, "t.conf line 7: Upstream x: prefix 'x' is "
	    "already that of Upstream c");
	assert_int_equal(line(&cfg, "Upstream a command /a", err), -1);
	assert_string_equal(err, "t.conf line 7: Upstream: duplicate name "
	    "'a'");
	assert_int_equal(cfg.nupstreams, 3);
	config_free(&cfg);
}

/* Every bad Upstream input, with its message. */
static void
test_upstream_errors(void **state __attribute__((__unused__)))
{
	static const char *const cases[][2] = {
		{ "Upstream", "Upstream: missing argument" },
		{ "Upstream fs", "Upstream fs: missing 'command PATH [ARG "
		    "...]' or 'url URL'" },
		{ "Upstream f.s command /x", "Upstream: invalid name 'f.s' "
		    "(letters, digits, '_' and '-', at most 32)" },
		{ "Upstream abcdefghijabcdefghijabcdefghijabc command /x",
		    "Upstream: invalid name "
		    "'abcdefghijabcdefghijabcdefghijabc' (letters, digits, "
		    "'_' and '-', at most 32)" },
		{ "Upstream fs bogus command /x", "Upstream fs: expected "
		    "OPTION=VALUE, 'command PATH [ARG ...]' or 'url URL', got "
		    "'bogus'" },
		{ "Upstream fs color=red command /x",
		    "Upstream fs: unknown option 'color='" },
		{ "Upstream fs user=a user=b command /x",
		    "Upstream fs: duplicate option 'user='" },
		{ "Upstream fs user= command /x",
		    "Upstream fs: user: empty value" },
		{ "Upstream fs user=a,b command /x",
		    "Upstream fs: user: invalid user name 'a,b'" },
		{ "Upstream fs cwd=srv command /x",
		    "Upstream fs: cwd: 'srv' is not an absolute path" },
		{ "Upstream fs env=1X command /x", "Upstream fs: env: invalid "
		    "environment variable name '1X'" },
		{ "Upstream fs env=A-B command /x", "Upstream fs: env: invalid "
		    "environment variable name 'A-B'" },
		{ "Upstream fs env=A,,B command /x", "Upstream fs: env: empty "
		    "environment variable name in list 'A,,B'" },
		{ "Upstream fs env=A,A command /x", "Upstream fs: env: "
		    "duplicate environment variable name 'A'" },
		{ "Upstream fs env=HOME,MCPD_API_KEY command /x",
		    "Upstream fs: env: 'MCPD_API_KEY' is reserved for mcpd "
		    "(MCPD_* is never given to an upstream)" },
		{ "Upstream fs network=bridge command /x", "Upstream fs: "
		    "network: bad value 'bridge' (must be none|host)" },
		{ "Upstream fs read=/a:b command /x",
		    "Upstream fs: read: 'b' is not an absolute path" },
		{ "Upstream fs read=/a::/b command /x",
		    "Upstream fs: read: empty path in '/a::/b'" },
		{ "Upstream fs write=/a:/a command /x",
		    "Upstream fs: write: duplicate path '/a'" },
		{ "Upstream fs timeout=0 command /x", "Upstream fs: timeout: "
		    "bad time '0' (must be 1..3600 seconds)" },
		{ "Upstream fs timeout=2h command /x", "Upstream fs: timeout: "
		    "bad time '2h' (must be 1..3600 seconds)" },
		{ "Upstream fs timeout=5x command /x", "Upstream fs: timeout: "
		    "bad time '5x' (must be 1..3600 seconds)" },
		{ "Upstream fs max-inflight=0 command /x", "Upstream fs: "
		    "max-inflight: bad value '0' (must be 1..1024)" },
		{ "Upstream fs max-inflight=1025 command /x", "Upstream fs: "
		    "max-inflight: bad value '1025' (must be 1..1024)" },
		{ "Upstream fs prefix=a.b command /x", "Upstream fs: prefix: "
		    "invalid prefix 'a.b' (letters, digits, '_' and '-', at "
		    "most 32)" },
		{ "Upstream fs command", "Upstream fs: command: missing PATH" },
		{ "Upstream fs command node server.js",
		    "Upstream fs: command: 'node' is not an absolute path" },
		{ "Upstream fs url", "Upstream fs: url: missing URL" },
		{ "Upstream fs url https://h/mcp extra",
		    "Upstream fs: url: extra argument 'extra'" },
		{ "Upstream fs url http://example.com/mcp", "Upstream fs: url: "
		    "'http://example.com/mcp' is not an https://HOST[:PORT]/PATH "
		    "URL (http:// is allowed only for localhost, 127.0.0.0/8 "
		    "and [::1])" },
		{ "Upstream fs url http://128.0.0.1/mcp", "Upstream fs: url: "
		    "'http://128.0.0.1/mcp' is not an https://HOST[:PORT]/PATH "
		    "URL (http:// is allowed only for localhost, 127.0.0.0/8 "
		    "and [::1])" },
		{ "Upstream fs url ftp://h/mcp", "Upstream fs: url: "
		    "'ftp://h/mcp' is not an https://HOST[:PORT]/PATH "
		    "URL (http:// is allowed only for localhost, 127.0.0.0/8 "
		    "and [::1])" },
		{ "Upstream fs url https://u@h/mcp", "Upstream fs: url: "
		    "'https://u@h/mcp' is not an https://HOST[:PORT]/PATH "
		    "URL (http:// is allowed only for localhost, 127.0.0.0/8 "
		    "and [::1])" },
		{ "Upstream fs url https://h:0/mcp", "Upstream fs: url: "
		    "'https://h:0/mcp' is not an https://HOST[:PORT]/PATH "
		    "URL (http:// is allowed only for localhost, 127.0.0.0/8 "
		    "and [::1])" },
		{ "Upstream fs url https://h", "Upstream fs: url: 'https://h' "
		    "has no path (such as /mcp)" },
		{ "Upstream fs url https://h?x", "Upstream fs: url: "
		    "'https://h?x' has no path (such as /mcp)" },
		{ "Upstream fs url https://h/mcp#f", "Upstream fs: url: "
		    "'https://h/mcp#f' has a fragment" },
		{ "Upstream fs credential=/t command /x",
		    "Upstream fs: credential= is for url upstreams only" },
		{ "Upstream fs ca=/c command /x",
		    "Upstream fs: ca= is for url upstreams only" },
		{ "Upstream fs user=u url https://h/m",
		    "Upstream fs: user= is for command upstreams only" },
		{ "Upstream fs cwd=/ url https://h/m",
		    "Upstream fs: cwd= is for command upstreams only" },
		{ "Upstream fs env=A url https://h/m",
		    "Upstream fs: env= is for command upstreams only" },
		{ "Upstream fs envfile=/e url https://h/m",
		    "Upstream fs: envfile= is for command upstreams only" },
		{ "Upstream fs network=none url https://h/m",
		    "Upstream fs: network= is for command upstreams only" },
		{ "Upstream fs read=/r url https://h/m",
		    "Upstream fs: read= is for command upstreams only" },
		{ "Upstream fs write=/w url https://h/m",
		    "Upstream fs: write= is for command upstreams only" },
		{ "Upstream fs envfile= command /x",
		    "Upstream fs: envfile: empty value" },
		{ "Upstream fs credential= url https://h/m",
		    "Upstream fs: credential: empty value" },
	};
	char want[ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(snprintf(want, sizeof(want), "t.conf line 7: %s",
		    cases[i][1]) > 0);
		if (strcmp(bad(cases[i][0]), want) != 0)
			fail_msg("%s: got \"%s\"", cases[i][0],
			    bad(cases[i][0]));
	}
}

/*
 * head, then n items ITEM0 SEP ITEM1 SEP ..., then tail, into l: a line
 * with a list at a cap.
 */
static void
list_line(char *l, size_t len, const char *head, const char *item,
    const char *sep, size_t n, const char *tail)
{
	size_t i, off;
	int r;

	assert_true((r = snprintf(l, len, "%s", head)) > 0);
	off = (size_t)r;
	for (i = 0; i < n; i++) {
		r = snprintf(l + off, len - off, "%s%s%zu", i == 0 ? "" : sep,
		    item, i);
		assert_true(r > 0 && (size_t)r < len - off);
		off += (size_t)r;
	}
	assert_true(snprintf(l + off, len - off, "%s", tail) >= 0);
}

/* The caps: upstreams, paths, env names, arguments. */
static void
test_upstream_caps(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN], l[CONFIG_LINE_MAX];
	size_t i;

	config_init(&cfg);
	for (i = 0; i < UPSTREAMS_MAX; i++) {
		assert_true(snprintf(l, sizeof(l), "Upstream u%zu command /x",
		    i) > 0);
		assert_int_equal(line(&cfg, l, err), 0);
	}
	assert_int_equal(line(&cfg, "Upstream last command /x", err), -1);
	assert_string_equal(err, "t.conf line 7: Upstream: too many "
	    "upstreams (at most 64)");
	config_free(&cfg);

	list_line(l, sizeof(l), "Upstream fs read=", "/p", ":", 65,
	    " command /x");
	assert_string_equal(bad(l),
	    "t.conf line 7: Upstream fs: read: more than 64 paths");
	list_line(l, sizeof(l), "Upstream fs env=", "V", ",", 257,
	    " command /x");
	assert_string_equal(bad(l),
	    "t.conf line 7: Upstream fs: env: more than 256 names");

	/* The line's own cap on words bounds the arguments. */
	list_line(l, sizeof(l), "Upstream fs command /x ", "a", " ", 253, "");
	config_init(&cfg);
	assert_int_equal(line(&cfg, l, err), 0);
	assert_int_equal(cfg.upstreams[0].nargs, 253);
	config_free(&cfg);
	list_line(l, sizeof(l), "Upstream fs command /x ", "a", " ", 254, "");
	assert_string_equal(bad(l),
	    "t.conf line 7: too many arguments (at most 256)");
}

/*
 * mcpd -T prints each Upstream line in a canonical form that parses again
 * to the same upstream: the dump of the dump is the dump.
 */
static void
test_upstream_roundtrip(void **state __attribute__((__unused__)))
{
	static const char *const lines[] = {
		"Upstream fs user=nobody \"cwd=/srv/my dir\" env=HOME,LANG "
		    "envfile=/etc/mcpd/fs.env network=host "
		    "\"read=/srv/a b:/usr/share\" write=/srv/out timeout=1m30s "
		    "max-inflight=8 prefix=files command /usr/bin/node "
		    "\"/opt/my server.js\" --root=/srv \"\" \"#x\" a=b url =c "
		    "=d\"e f\"g",
		"Upstream gh credential=/etc/mcpd/gh.tok ca=/etc/ssl/gh.pem "
		    "prefix= url https://api.example.com:8443/mcp?a=b",
		"Upstream local max-inflight=1 url http://[::1]:3000/mcp",
		"Upstream plain timeout=120 prefix=plain network=none command "
		    "/bin/server",
		"Upstream hour timeout=3600s prefix=h url https://h/m",
		"Upstream sixty timeout=1m command /x",
		"Role viewer tools=list_*,describe_* resources=file:///d/* "
		    "prompts=p?",
		NULL
	};
	static const char want[] =
	    "upstream fs user=nobody \"cwd=/srv/my dir\" env=HOME,LANG "
	    "envfile=/etc/mcpd/fs.env network=host \"read=/srv/a b:/usr/share\" "
	    "write=/srv/out timeout=90 max-inflight=8 prefix=files command "
	    "/usr/bin/node \"/opt/my server.js\" --root=/srv \"\" \"#x\" a=b "
	    "url =c =d\"e f\"g\n"
	    "upstream gh prefix= credential=/etc/mcpd/gh.tok "
	    "ca=/etc/ssl/gh.pem url https://api.example.com:8443/mcp?a=b\n"
	    "upstream local max-inflight=1 url http://[::1]:3000/mcp\n"
	    "upstream plain timeout=2m command /bin/server\n"
	    "upstream hour timeout=1h prefix=h url https://h/m\n"
	    "upstream sixty timeout=60 command /x\n";
	struct mcpd_config cfg, again;
	char err[ERRLEN], *out, *up, *out2, *up2, *l, *nl;
	size_t i;

	config_init(&cfg);
	for (i = 0; lines[i] != NULL; i++)
		if (line(&cfg, lines[i], err) != 0)
			fail_msg("%s", err);
	out = dump(&cfg);
	up = lines_with(out, "upstream ");
	assert_string_equal(up, want);

	/* The printed lines, read again, print the same. */
	config_init(&again);
	for (l = out; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		if ((strncmp(l, "upstream ", 9) == 0 ||
		    strncmp(l, "role ", 5) == 0) && line(&again, l, err) != 0)
			fail_msg("%s: %s", l, err);
	}
	out2 = dump(&again);
	up2 = lines_with(out2, "upstream ");
	assert_string_equal(up2, up);
	free(up2);
	up2 = lines_with(out2, "role ");
	free(up);
	assert_non_null(strstr(up2, "role viewer tools=list_*,describe_* "
	    "resources=file:///d/* prompts=p?\n"));
	assert_int_equal(again.nupstreams, cfg.nupstreams);
	assert_string_equal(again.upstreams[0].args[2], "");
	assert_string_equal(again.upstreams[0].args[3], "#x");
	assert_string_equal(again.upstreams[0].args[7], "=d\"e");
	assert_string_equal(again.upstreams[0].cwd, "/srv/my dir");
	assert_string_equal(again.upstreams[0].read[0], "/srv/a b");
	assert_string_equal(cfg_upstream_prefix(&again.upstreams[1]), "");
	free(up2);
	free(out);
	free(out2);
	config_free(&cfg);
	config_free(&again);
}

/*
 * The commented Upstream example at the end of the shipped file parses
 * and validates.
 */
static void
test_example_conf_upstream(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	if (access(EXAMPLE_CONF, R_OK) != 0)
		skip();
	assert_int_equal(example_block(&cfg, "# A filesystem server"), 2);
	config_fill_defaults(&cfg);
	if (config_validate(&cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nupstreams, 1);
	assert_string_equal(cfg.upstreams[0].name, "fs");
	assert_int_equal(cfg.upstreams[0].nargs, 2);
	assert_int_equal(cfg.nroles, 4);
	assert_int_equal(cfg.roles[3].nresources, 1);
	config_free(&cfg);
}

static void
test_free_reuse(void **state __attribute__((__unused__)))
{
	struct mcpd_config cfg;
	char err[ERRLEN];

	config_init(&cfg);
	assert_int_equal(line(&cfg, "Role r tools=a,b", err), 0);
	assert_int_equal(line(&cfg, "AuditLog /x", err), 0);
	config_free(&cfg);
	assert_null(cfg.audit_log);
	assert_int_equal(cfg.nroles, 0);
	assert_int_equal(cfg.workers, -1);
	config_free(&cfg);
	assert_int_equal(line(&cfg, "AuditLog /y", err), 0);
	assert_string_equal(cfg.audit_log, "/y");
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seed_policy, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_keyword_names_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_value_wins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_defaults_without_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_all_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_option_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listen_replacement, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listen_syntax, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_authmode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_and_roles, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_line_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_validate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dump_defaults, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dump_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_example_conf, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_jwt_scope, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_redact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_allowed_origins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resource_url, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resource_url_default,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_authorization_server,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_http, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listen_option_forms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_example_conf_https, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_role_patterns, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upstream, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upstream_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upstream_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upstream_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_example_conf_upstream,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_reuse, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
