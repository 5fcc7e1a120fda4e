/*
 * Unit tests for the built-in SQLite tools (src/worker/sqltools.c), run
 * against a fresh copy of the demo database (conf/demo.sql) per test.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "sqltools.h"

#define DEMO_SQL_MAX	(1024 * 1024)
#define N_USERS		6
#define N_ORDERS	8

#define RO	"query rejected: only read-only statements are allowed"
#define ONE	"query rejected: only one statement is allowed"
#define XDENY	"statement rejected: ATTACH, DETACH, PRAGMA, VACUUM, " \
		"transaction control and extension loading are not allowed"
#define XONE	"statement rejected: only one statement is allowed"
#define BADARGS	"invalid arguments"
#define TABLES4	"{\"tables\":[\"orders\",\"products\",\"projects\"," \
		"\"users\"]}"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct sqltools	*t;
};

/* Tests may run from the top of the tree or from the build directory. */
static char *
read_demo_sql(void)
{
	static const char *const cands[] = {
		"conf/demo.sql", "../conf/demo.sql", "../../conf/demo.sql",
		NULL
	};
	char *buf;
	size_t n, i;
	FILE *f = NULL;

	for (i = 0; cands[i] != NULL && f == NULL; i++)
		f = fopen(cands[i], "r");
	if (f == NULL)
		fail_msg("conf/demo.sql not found");
	assert_non_null(buf = malloc(DEMO_SQL_MAX + 1));
	n = fread(buf, 1, DEMO_SQL_MAX, f);
	assert_int_equal(ferror(f), 0);
	assert_true(feof(f));
	assert_int_equal(fclose(f), 0);
	buf[n] = '\0';
	return buf;
}

static void
db_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *emsg = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &emsg) != SQLITE_OK)
		fail_msg("%s: %s", sql, emsg);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* One integer from a side connection, to check what the tools did. */
static long long
db_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

static void
make_db(struct fx *fx)
{
	char *sql;

	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/mcpd-sqlt.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	(void)snprintf(fx->path, sizeof(fx->path), "%s/demo.db", fx->dir);
	sql = read_demo_sql();
	db_exec(fx->path, sql);
	free(sql);
}

static struct sqltools *
open_tools(const char *path, unsigned rows, unsigned ms, size_t result)
{
	struct sqltools *t;
	char err[256];

	t = sqltools_open(path, rows, ms, result, err, sizeof(err));
	if (t == NULL)
		fail_msg("sqltools_open: %s", err);
	return t;
}

static int
setup(void **state)
{
	struct fx *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	make_db(fx);
	fx->t = open_tools(fx->path, 100, 2000, 1024 * 1024);
	assert_true(sqltools_writable(fx->t));
	*state = fx;
	return 0;
}

static void
rm(const char *dir, const char *name)
{
	char p[192];

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (unlink(p) != 0 && errno != ENOENT)
		fail_msg("unlink %s: %s", p, strerror(errno));
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	sqltools_close(fx->t);
	rm(fx->dir, "demo.db");
	rm(fx->dir, "demo.db-wal");
	rm(fx->dir, "demo.db-shm");
	rm(fx->dir, "demo.db-journal");
	rm(fx->dir, "x.db");
	rm(fx->dir, "y.db");
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

/* Run a tool; the text is returned, is_error stored. */
static char *
run(struct sqltools *t, const char *tool, const char *args, int *is_error)
{
	char *text = NULL;

	*is_error = -1;
	assert_int_equal(sqltools_exec(t, tool, args, strlen(args), &text,
	    is_error), SQLT_OK);
	assert_non_null(text);
	assert_true(*is_error == 0 || *is_error == 1);
	return text;
}

/* Expect the exact text and error flag. */
static void
expect(struct sqltools *t, const char *tool, const char *args, int is_error,
    const char *want)
{
	char *text;
	int e;

	text = run(t, tool, args, &e);
	if (strcmp(text, want) != 0 || e != is_error)
		fail_msg("%s %s: got %s \"%s\", want %s \"%s\" (%s)", tool,
		    args, e ? "error" : "result", text,
		    is_error ? "error" : "result", want, sqltools_detail(t));
	free(text);
}

/* Run a query and parse its (successful) JSON result. */
static json_t *
query_json(struct sqltools *t, const char *sql)
{
	json_t *args, *o;
	char *a, *text;
	int e;

	assert_non_null(args = json_pack("{s:s}", "sql", sql));
	assert_non_null(a = json_dumps(args, JSON_COMPACT));
	json_decref(args);
	text = run(t, "query", a, &e);
	if (e)
		fail_msg("query %s: %s (%s)", sql, text, sqltools_detail(t));
	assert_non_null(o = json_loads(text, JSON_REJECT_DUPLICATES, NULL));
	free(a);
	free(text);
	return o;
}

static char *
sql_args(const char *sql)
{
	json_t *args;
	char *a;

	assert_non_null(args = json_pack("{s:s}", "sql", sql));
	assert_non_null(a = json_dumps(args, JSON_COMPACT));
	json_decref(args);
	return a;
}

static void
expect_sql(struct sqltools *t, const char *tool, const char *sql,
    int is_error, const char *want)
{
	char *a = sql_args(sql);

	expect(t, tool, a, is_error, want);
	free(a);
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static long
elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	return (long)(b.tv_sec - a->tv_sec) * 1000 +
	    (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* ---- tests ---- */

static void
test_open_errors(void **state)
{
	char err[256], path[192];
	struct fx *fx = *state;

	(void)snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
	assert_null(sqltools_open(path, 10, 1000, 65536, err, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(strstr(err, fx->dir));	/* no path to anyone */
	assert_false(exists(path));		/* never created */

	assert_null(sqltools_open(fx->path, 0, 1000, 65536, err,
	    sizeof(err)));
	assert_null(sqltools_open(fx->path, 10, 0, 65536, err, sizeof(err)));
	assert_null(sqltools_open(fx->path, 10, 1000, 10, err, sizeof(err)));
	assert_null(sqltools_open(fx->path, 10, 1000,
	    SQLT_RESULT_MAX + 1, err, sizeof(err)));
	assert_null(sqltools_open("", 10, 1000, 65536, err, sizeof(err)));

	/* A file that is not a database. */
	(void)snprintf(path, sizeof(path), "%s/x.db", fx->dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		assert_true(fputs("this is not a database, not at all; "
		    "it is plain text of some length.\n", f) >= 0);
		assert_int_equal(fclose(f), 0);
	}
	assert_null(sqltools_open(path, 10, 1000, 65536, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open the database read-only"));
}

static void
test_list_tables(void **state)
{
	struct fx *fx = *state;

	expect(fx->t, "list_tables", "{}", 0, TABLES4);
	expect(fx->t, "list_tables", "", 0, TABLES4);
	expect(fx->t, "list_tables", "{\"x\":1}", 1, BADARGS);
}

static void
test_describe_table(void **state)
{
	struct fx *fx = *state;
	json_t *o, *cols, *c;
	char *text;
	int e;

	text = run(fx->t, "describe_table", "{\"table\":\"users\"}", &e);
	assert_int_equal(e, 0);
	assert_non_null(o = json_loads(text, 0, NULL));
	free(text);
	assert_string_equal(json_string_value(json_object_get(o, "table")),
	    "users");
	cols = json_object_get(o, "columns");
	assert_int_equal(json_array_size(cols), 5);
	c = json_array_get(cols, 0);
	assert_string_equal(json_string_value(json_object_get(c, "name")),
	    "id");
	assert_string_equal(json_string_value(json_object_get(c, "type")),
	    "INTEGER");
	assert_int_equal(json_integer_value(json_object_get(c, "pk")), 1);
	assert_true(json_is_null(json_object_get(c, "default")));
	c = json_array_get(cols, 2);
	assert_string_equal(json_string_value(json_object_get(c, "name")),
	    "email");
	assert_true(json_is_true(json_object_get(c, "notnull")));
	assert_int_equal(json_integer_value(json_object_get(c, "pk")), 0);
	c = json_array_get(cols, 3);
	assert_string_equal(json_string_value(json_object_get(c, "name")),
	    "role");
	assert_string_equal(json_string_value(json_object_get(c, "default")),
	    "'viewer'");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(cols, 4), "name")), "created_at");
	json_decref(o);

	/* Identifiers match case-insensitively; the stored name comes back. */
	text = run(fx->t, "describe_table", "{\"table\":\"USERS\"}", &e);
	assert_int_equal(e, 0);
	assert_non_null(strstr(text, "\"table\":\"users\""));
	free(text);

	expect(fx->t, "describe_table", "{\"table\":\"nosuch\"}", 1,
	    "no such table");
	expect(fx->t, "describe_table", "{\"table\":\"users\\\" --\"}", 1,
	    "no such table");
	expect(fx->t, "describe_table", "{\"table\":\"users'\"}", 1,
	    "no such table");
	expect(fx->t, "describe_table",
	    "{\"table\":\"users\\\"; DROP TABLE users; --\"}", 1,
	    "no such table");
	expect(fx->t, "describe_table", "{\"table\":\"\"}", 1, BADARGS);
	expect(fx->t, "describe_table", "{}", 1, BADARGS);
	expect(fx->t, "describe_table", "{\"table\":[\"users\"]}", 1,
	    BADARGS);
	/* A view is not a table. */
	db_exec(fx->path, "CREATE VIEW v AS SELECT id FROM users");
	expect(fx->t, "describe_table", "{\"table\":\"v\"}", 1,
	    "no such table");

	/* A real table whose name and column have quotes in them. */
	db_exec(fx->path, "CREATE TABLE \"we\"\"ird'\" (\"a\"\"b\" TEXT)");
	expect(fx->t, "describe_table", "{\"table\":\"we\\\"ird'\"}", 0,
	    "{\"table\":\"we\\\"ird'\",\"columns\":[{\"name\":\"a\\\"b\","
	    "\"type\":\"TEXT\",\"notnull\":false,\"default\":null,\"pk\":0,"
	    "\"generated\":false}]}");

	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM users"),
	    N_USERS);
}

static void
test_describe_name_length(void **state)
{
	struct fx *fx = *state;
	char args[1024];
	size_t i, o;

	/* 128 two-byte characters: long in bytes, within the cap. */
	o = (size_t)snprintf(args, sizeof(args), "{\"table\":\"");
	for (i = 0; i < 128; i++) {
		args[o++] = (char)0xc3;
		args[o++] = (char)0xa9;
	}
	(void)snprintf(args + o, sizeof(args) - o, "\"}");
	expect(fx->t, "describe_table", args, 1, "no such table");
	/* 129 characters: over it. */
	o = (size_t)snprintf(args, sizeof(args), "{\"table\":\"");
	for (i = 0; i < 129; i++)
		args[o++] = 'a';
	(void)snprintf(args + o, sizeof(args) - o, "\"}");
	expect(fx->t, "describe_table", args, 1, BADARGS);
}

static void
test_query_ok(void **state)
{
	struct fx *fx = *state;
	json_t *o;

	expect_sql(fx->t, "query",
	    "SELECT id, email FROM users WHERE id <= 2 ORDER BY id", 0,
	    "{\"columns\":[\"id\",\"email\"],"
	    "\"rows\":[[1,\"admin@example.com\"],"
	    "[2,\"dev@example.com\"]],\"row_count\":2,\"truncated\":false}");

	o = query_json(fx->t, "SELECT * FROM users");
	assert_int_equal(json_integer_value(json_object_get(o, "row_count")),
	    N_USERS);
	assert_int_equal(json_array_size(json_object_get(o, "rows")),
	    N_USERS);
	assert_int_equal(json_array_size(json_object_get(o, "columns")), 5);
	assert_true(json_is_false(json_object_get(o, "truncated")));
	json_decref(o);

	/* Joins and aggregates. */
	expect_sql(fx->t, "query",
	    "SELECT u.email, sum(o.quantity * p.price_cents) AS total "
	    "FROM orders o JOIN users u ON u.id = o.user_id "
	    "JOIN products p ON p.id = o.product_id "
	    "WHERE o.status <> 'cancelled' GROUP BY u.id ORDER BY u.id "
	    "LIMIT 2", 0,
	    "{\"columns\":[\"email\",\"total\"],\"rows\":"
	    "[[\"admin@example.com\",9800],[\"dev@example.com\",58700]],"
	    "\"row_count\":2,\"truncated\":false}");

	/* Every value type. */
	expect_sql(fx->t, "query",
	    "SELECT NULL, 42, 1.5, x'0102ff', 1e999, -1e999, 'caf\xc3\xa9', "
	    "CAST(x'ff' AS TEXT), zeroblob(70000), x''", 0,
	    "{\"columns\":[\"NULL\",\"42\",\"1.5\",\"x'0102ff'\",\"1e999\","
	    "\"-1e999\",\"'caf\xc3\xa9'\",\"CAST(x'ff' AS TEXT)\","
	    "\"zeroblob(70000)\",\"x''\"],"
	    "\"rows\":[[null,42,1.5,\"AQL/\",\"Infinity\",\"-Infinity\","
	    "\"caf\xc3\xa9\",\"<text 1 bytes, not UTF-8>\","
	    "\"<blob 70000 bytes>\",\"\"]],"
	    "\"row_count\":1,\"truncated\":false}");

	/* Whitespace, comments and empty statements around one statement. */
	expect_sql(fx->t, "query",
	    " ; -- lead\n SELECT 1 AS one ; -- trailing\n /* c */ ; ;", 0,
	    "{\"columns\":[\"one\"],\"rows\":[[1]],\"row_count\":1,"
	    "\"truncated\":false}");
	/* Recursive CTEs are fine when they end. */
	expect_sql(fx->t, "query",
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	    "WHERE x < 3) SELECT x FROM c", 0,
	    "{\"columns\":[\"x\"],\"rows\":[[1],[2],[3]],\"row_count\":3,"
	    "\"truncated\":false}");
	/* Table-valued functions (virtual tables) are fine too. */
	expect_sql(fx->t, "query",
	    "SELECT value FROM json_each('[1,\"a\"]') ORDER BY key", 0,
	    "{\"columns\":[\"value\"],\"rows\":[[1],[\"a\"]],"
	    "\"row_count\":2,\"truncated\":false}");
	expect_sql(fx->t, "query", "SELEC 1", 1, "SQL error");
	expect_sql(fx->t, "query", "SELECT * FROM nosuch", 1, "SQL error");
	expect_sql(fx->t, "query", "   ", 1, "query rejected: no statement");
	expect_sql(fx->t, "query", "-- nothing", 1,
	    "query rejected: no statement");
}

static void
test_row_cap(void **state)
{
	struct fx *fx = *state;
	struct sqltools *t;
	json_t *o;

	t = open_tools(fx->path, 3, 2000, 65536);
	o = query_json(t, "SELECT id FROM users ORDER BY id");
	assert_int_equal(json_integer_value(json_object_get(o, "row_count")),
	    3);
	assert_int_equal(json_array_size(json_object_get(o, "rows")), 3);
	assert_true(json_is_true(json_object_get(o, "truncated")));
	json_decref(o);
	/* Exactly the cap: nothing was left out. */
	expect_sql(t, "query", "SELECT id FROM users ORDER BY id LIMIT 3", 0,
	    "{\"columns\":[\"id\"],\"rows\":[[1],[2],[3]],\"row_count\":3,"
	    "\"truncated\":false}");
	sqltools_close(t);
}

static void
test_result_cap(void **state)
{
	struct fx *fx = *state;
	struct sqltools *t;
	char *text, *a;
	json_t *o;
	long long n;
	int e;

	t = open_tools(fx->path, 100, 2000, SQLT_RESULT_MIN);
	a = sql_args("SELECT * FROM orders ORDER BY id");
	text = run(t, "query", a, &e);
	free(a);
	assert_int_equal(e, 0);
	assert_true(strlen(text) <= SQLT_RESULT_MIN);
	assert_non_null(o = json_loads(text, 0, NULL));
	free(text);
	n = json_integer_value(json_object_get(o, "row_count"));
	assert_true(n >= 1 && n < N_ORDERS);
	assert_int_equal(json_array_size(json_object_get(o, "rows")), n);
	assert_true(json_is_true(json_object_get(o, "truncated")));
	json_decref(o);

	/* Not even the column names fit. */
	expect_sql(t, "query", "SELECT 1 AS aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1, "result too large");
	sqltools_close(t);
}

static void
test_time_cap(void **state)
{
	struct fx *fx = *state;
	struct sqltools *t;
	struct timespec start;
	long ms;

	/* A broken time cap would hang: let SIGALRM end the test instead. */
	(void)alarm(20);
	t = open_tools(fx->path, 100, 300, 65536);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &start), 0);
	expect_sql(t, "query", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
	    "SELECT x+1 FROM c) SELECT count(*) FROM c", 1,
	    "query exceeded the time limit");
	ms = elapsed_ms(&start);
	assert_true(ms >= 290);
	assert_true(ms < 1300);
	/* The next call gets its own time. */
	expect_sql(t, "query", "SELECT count(*) FROM users", 0,
	    "{\"columns\":[\"count(*)\"],\"rows\":[[6]],\"row_count\":1,"
	    "\"truncated\":false}");
	/* The same cap holds for execute_sql. */
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &start), 0);
	expect_sql(t, "execute_sql", "WITH RECURSIVE c(x) AS (SELECT 1 "
	    "UNION ALL SELECT x+1 FROM c) UPDATE users SET name = "
	    "(SELECT count(*) FROM c)", 1, "query exceeded the time limit");
	assert_true(elapsed_ms(&start) < 1300);
	sqltools_close(t);
	(void)alarm(0);
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM users WHERE name = 'Ada Admin'"), 1);
}

static void
test_query_rejects(void **state)
{
	static const struct {
		const char	*sql;
		const char	*msg;
	} cases[] = {
		{ "DELETE FROM users", RO },
		{ "SELECT 1; DELETE FROM users", ONE },
		{ "SELECT 1; SELECT 2", ONE },
		{ "SELECT 1;; /* c */ DELETE FROM users; -- x", ONE },
		{ "WITH x AS (SELECT 1) DELETE FROM users", RO },
		{ "ATTACH DATABASE '/tmp/x.db' AS x", RO },
		{ "DETACH DATABASE main", RO },
		{ "PRAGMA writable_schema=1", RO },
		{ "PRAGMA table_info(users)", RO },
		{ "PRAGMA query_only=0", RO },
		{ "PRAGMA page_size=1024", RO },
		{ "SELECT * FROM pragma_table_info('users')", RO },
		{ "DROP TABLE users", RO },
		{ "INSERT INTO users (name, email) "
		    "VALUES ('m', 'm@example.com')", RO },
		{ "REPLACE INTO users (id, name, email) "
		    "VALUES (1, 'm', 'm@example.com')", RO },
		{ "UPDATE users SET role = 'admin'", RO },
		{ "CREATE TABLE t (x)", RO },
		{ "CREATE TEMP TABLE t (x)", RO },
		{ "CREATE VIEW v AS SELECT 1", RO },
		{ "CREATE TRIGGER tr AFTER INSERT ON users BEGIN "
		    "DELETE FROM users; END", RO },
		{ "ALTER TABLE users ADD COLUMN x", RO },
		{ "SELECT load_extension('x')", RO },
		{ "SELECT fts3_tokenizer('simple')", RO },
		{ "VACUUM INTO '/tmp/y.db'", RO },
		{ "VACUUM", RO },
		{ "BEGIN", RO },
		{ "COMMIT", RO },
		{ "SAVEPOINT s", RO },
		{ "ANALYZE", RO },
		{ "REINDEX", RO },
		{ "SELECT readfile('/etc/passwd')", "SQL error" },
	};
	struct fx *fx = *state;
	size_t i;

	/* Paths the statements name: make sure a hit would show. */
	if (unlink("/tmp/x.db") != 0 && errno != ENOENT)
		fail_msg("cannot remove a stale /tmp/x.db");
	if (unlink("/tmp/y.db") != 0 && errno != ENOENT)
		fail_msg("cannot remove a stale /tmp/y.db");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_sql(fx->t, "query", cases[i].sql, 1, cases[i].msg);

	assert_false(exists("/tmp/x.db"));
	assert_false(exists("/tmp/y.db"));
	expect(fx->t, "list_tables", "{}", 0, TABLES4);
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM users"),
	    N_USERS);
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM users WHERE role = 'admin'"), 1);
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM sqlite_schema"), 8);
	/* The handle still works after all that. */
	expect_sql(fx->t, "query", "SELECT count(*) AS n FROM orders", 0,
	    "{\"columns\":[\"n\"],\"rows\":[[8]],\"row_count\":1,"
	    "\"truncated\":false}");
}

static void
test_execute_sql(void **state)
{
	static const char *const denied[] = {
		"ATTACH DATABASE '/tmp/x.db' AS x",
		"DETACH DATABASE main",
		"PRAGMA foreign_keys = OFF",
		"PRAGMA writable_schema = 1",
		"PRAGMA page_size = 1024",
		"PRAGMA main.journal_mode = DELETE",
		"VACUUM",
		"VACUUM INTO '/tmp/y.db'",
		"  /* c */ -- c\n vacuum main into '/tmp/y.db'",
		"BEGIN",
		"SAVEPOINT s",
		"SELECT load_extension('x')",
		"SELECT fts3_tokenizer('simple')",
	};
	struct fx *fx = *state;
	size_t i;

	expect_sql(fx->t, "execute_sql", "UPDATE users SET role = 'viewer' "
	    "WHERE email = 'dev@example.com'", 0, "{\"changes\":1}");
	/* The reader sees the writer's change. */
	expect_sql(fx->t, "query",
	    "SELECT role FROM users WHERE email = 'dev@example.com'", 0,
	    "{\"columns\":[\"role\"],\"rows\":[[\"viewer\"]],\"row_count\":1,"
	    "\"truncated\":false}");
	expect_sql(fx->t, "execute_sql",
	    "UPDATE users SET role = 'viewer' WHERE id = 999", 0,
	    "{\"changes\":0}");
	expect_sql(fx->t, "execute_sql", "INSERT INTO products "
	    "(sku, name, price_cents) VALUES ('X-1', 'x', 1) RETURNING id",
	    0, "{\"changes\":1,\"columns\":[\"id\"],\"rows\":[[5]],"
	    "\"row_count\":1,\"truncated\":false}");
	expect_sql(fx->t, "execute_sql", "CREATE TABLE notes (x TEXT)", 0,
	    "{\"changes\":0}");
	expect(fx->t, "list_tables", "{}", 0, "{\"tables\":[\"notes\","
	    "\"orders\",\"products\",\"projects\",\"users\"]}");
	/*
	 * A virtual table module may run statements of its own (FTS5 writes
	 * its config table): they are not the client's changes.
	 */
	expect_sql(fx->t, "execute_sql",
	    "CREATE VIRTUAL TABLE docs USING fts5(body)", 0, "{\"changes\":0}");
	expect_sql(fx->t, "execute_sql", "INSERT INTO docs (body) VALUES "
	    "('privilege separation'), ('seccomp sandbox')", 0,
	    "{\"changes\":2}");
	expect_sql(fx->t, "query",
	    "SELECT body FROM docs WHERE docs MATCH 'sandbox'", 0,
	    "{\"columns\":[\"body\"],\"rows\":[[\"seccomp sandbox\"]],"
	    "\"row_count\":1,\"truncated\":false}");
	expect_sql(fx->t, "execute_sql", "DROP TABLE docs", 0,
	    "{\"changes\":0}");
	expect_sql(fx->t, "execute_sql", "INSERT INTO users (name, email) "
	    "VALUES ('x', 'admin@example.com')", 1,
	    "SQL error: constraint violation");
	/* Foreign keys are enforced. */
	expect_sql(fx->t, "execute_sql", "INSERT INTO orders "
	    "(user_id, product_id) VALUES (999, 1)", 1,
	    "SQL error: constraint violation");
	expect_sql(fx->t, "execute_sql",
	    "UPDATE sqlite_schema SET sql = 'x'", 1, "SQL error");

	if (unlink("/tmp/x.db") != 0 && errno != ENOENT)
		fail_msg("cannot remove a stale /tmp/x.db");
	if (unlink("/tmp/y.db") != 0 && errno != ENOENT)
		fail_msg("cannot remove a stale /tmp/y.db");
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		expect_sql(fx->t, "execute_sql", denied[i], 1, XDENY);
	assert_false(exists("/tmp/x.db"));
	assert_false(exists("/tmp/y.db"));

	expect_sql(fx->t, "execute_sql",
	    "UPDATE users SET role = 'admin'; DROP TABLE users", 1, XONE);
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM users WHERE role = 'admin'"), 1);
	expect_sql(fx->t, "execute_sql", "  ", 1,
	    "statement rejected: no statement");
	expect_sql(fx->t, "execute_sql", "DELETE FROM orders", 0,
	    "{\"changes\":8}");
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM orders"), 0);
	/* No transaction was left open: another connection can write. */
	db_exec(fx->path, "INSERT INTO notes VALUES ('ok')");
}

static void
test_drop_table(void **state)
{
	struct fx *fx = *state;

	expect(fx->t, "drop_table", "{\"table\":\"projects\"}", 0,
	    "{\"dropped\":\"projects\"}");
	expect(fx->t, "list_tables", "{}", 0,
	    "{\"tables\":[\"orders\",\"products\",\"users\"]}");
	expect(fx->t, "drop_table", "{\"table\":\"projects\"}", 1,
	    "no such table");
	expect(fx->t, "drop_table", "{\"table\":\"sqlite_schema\"}", 1,
	    "system tables cannot be dropped");
	expect(fx->t, "drop_table", "{\"table\":\"SQLITE_MASTER\"}", 1,
	    "system tables cannot be dropped");
	expect(fx->t, "drop_table",
	    "{\"table\":\"users\\\"; DROP TABLE orders; --\"}", 1,
	    "no such table");
	/* Orders reference products: the foreign key refuses. */
	expect(fx->t, "drop_table", "{\"table\":\"products\"}", 1,
	    "SQL error: constraint violation");
	expect(fx->t, "list_tables", "{}", 0,
	    "{\"tables\":[\"orders\",\"products\",\"users\"]}");
	/* Names with quotes are quoted, not interpolated. */
	db_exec(fx->path, "CREATE TABLE \"a\"\"b\" (x)");
	expect(fx->t, "drop_table", "{\"table\":\"A\\\"B\"}", 0,
	    "{\"dropped\":\"a\\\"b\"}");
	db_exec(fx->path, "CREATE VIEW v AS SELECT 1");
	expect(fx->t, "drop_table", "{\"table\":\"v\"}", 1, "no such table");
	expect(fx->t, "drop_table", "{\"table\":1}", 1, BADARGS);
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM orders"),
	    N_ORDERS);
}

static void
test_delete_users(void **state)
{
	static const char *const bad[] = {
		"{}", "{\"userIds\":[]}", "{\"userIds\":[\"\"]}",
		"{\"userIds\":[1]}", "{\"userIds\":[\"1\",2]}",
		"{\"userIds\":[1.0]}", "{\"userIds\":\"1\"}",
		"{\"userIds\":[\"1\"],\"x\":1}", "{\"userIds\":[[\"1\"]]}",
		"{\"userIds\":[\"a\\u0000\"]}",
		"{\"userIds\":[\"12345678901234567890123456789012345678901"
		"2345678901234567890123456\"]}",
	};
	struct fx *fx = *state;
	char args[8192];
	size_t i, o;

	/* Strings, as the seed has them; numeric ones match the key. */
	expect(fx->t, "delete_users",
	    "{\"userIds\":[\"5\",\"6\",\"999\",\"abc\"]}", 0,
	    "{\"deleted\":2}");
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM users"),
	    N_USERS - 2);
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM users WHERE id IN (5, 6)"), 0);
	/* Their orders cascaded: 5 had two, 6 had one. */
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM orders"),
	    N_ORDERS - 3);
	/* Duplicates count once; owned projects lose their owner. */
	expect(fx->t, "delete_users", "{\"userIds\":[\"4\",\"04\"]}", 0,
	    "{\"deleted\":1}");
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM projects WHERE owner_id IS NULL"), 2);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(fx->t, "delete_users", bad[i], 1, BADARGS);
	/* 1001 ids: one over the cap. */
	o = (size_t)snprintf(args, sizeof(args), "{\"userIds\":[\"1\"");
	for (i = 1; i < 1001; i++)
		o += (size_t)snprintf(args + o, sizeof(args) - o, ",\"1\"");
	(void)snprintf(args + o, sizeof(args) - o, "]}");
	expect(fx->t, "delete_users", args, 1, BADARGS);
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM users"),
	    N_USERS - 3);

	/* No users table at all. */
	expect_sql(fx->t, "execute_sql", "DROP TABLE orders", 0,
	    "{\"changes\":0}");
	expect(fx->t, "drop_table", "{\"table\":\"users\"}", 0,
	    "{\"dropped\":\"users\"}");
	expect(fx->t, "delete_users", "{\"userIds\":[\"1\"]}", 1,
	    "no such table");
}

/*
 * Nothing a call leaves in its connection reaches the next call (issue
 * 11, item 2): each call runs on a connection of its own.
 */
static void
test_call_isolation(void **state)
{
	struct fx *fx = *state;

	/* A TEMP trigger that would silently defeat delete_users. */
	expect_sql(fx->t, "execute_sql", "CREATE TEMP TRIGGER keep BEFORE "
	    "DELETE ON main.users BEGIN SELECT RAISE(IGNORE); END", 0,
	    "{\"changes\":0}");
	expect(fx->t, "delete_users", "{\"userIds\":[\"6\"]}", 0,
	    "{\"deleted\":1}");
	assert_int_equal(db_int(fx->path,
	    "SELECT count(*) FROM users WHERE id = 6"), 0);
	/* A TEMP table and a TEMP view shadowing real tables. */
	expect_sql(fx->t, "execute_sql", "CREATE TEMP TABLE users(id)", 0,
	    "{\"changes\":0}");
	expect_sql(fx->t, "execute_sql", "CREATE TEMP VIEW orders AS "
	    "SELECT 42 AS id", 0, "{\"changes\":0}");
	expect_sql(fx->t, "execute_sql", "SELECT count(*) AS n FROM users",
	    0, "{\"changes\":0,\"columns\":[\"n\"],\"rows\":[[5]],"
	    "\"row_count\":1,\"truncated\":false}");
	expect_sql(fx->t, "execute_sql", "SELECT count(*) AS n FROM orders",
	    0, "{\"changes\":0,\"columns\":[\"n\"],\"rows\":[[7]],"
	    "\"row_count\":1,\"truncated\":false}");
	expect_sql(fx->t, "execute_sql", "SELECT count(*) AS n FROM "
	    "sqlite_temp_schema", 0, "{\"changes\":0,\"columns\":[\"n\"],"
	    "\"rows\":[[0]],\"row_count\":1,\"truncated\":false}");
	expect(fx->t, "list_tables", "{}", 0, TABLES4);
	/* The last call's row id and change count are not the next's. */
	expect_sql(fx->t, "execute_sql", "INSERT INTO products(sku, name, price_cents) "
	    "VALUES ('s', 'secret', 1)", 0, "{\"changes\":1}");
	expect_sql(fx->t, "execute_sql", "SELECT last_insert_rowid() AS r, "
	    "total_changes() AS c", 0, "{\"changes\":0,\"columns\":[\"r\","
	    "\"c\"],\"rows\":[[0,0]],\"row_count\":1,\"truncated\":false}");
	/* Settings and transactions cannot be changed from SQL at all. */
	expect_sql(fx->t, "execute_sql", "PRAGMA case_sensitive_like = 1",
	    1, XDENY);
	expect_sql(fx->t, "execute_sql", "PRAGMA foreign_keys = 0", 1, XDENY);
	expect_sql(fx->t, "execute_sql", "BEGIN", 1, XDENY);
	expect_sql(fx->t, "execute_sql", "ATTACH ':memory:' AS x", 1, XDENY);
	expect_sql(fx->t, "execute_sql", "SELECT 'a' LIKE 'A' AS l", 0,
	    "{\"changes\":0,\"columns\":[\"l\"],\"rows\":[[1]],"
	    "\"row_count\":1,\"truncated\":false}");
}

static void
test_malformed_args(void **state)
{
	static const char *const bad[] = {
		"{\"sql\":", "[]", "\"SELECT 1\"", "null",
		"{\"sql\":\"SELECT 1\",\"sql\":\"SELECT 2\"}",
		"{\"sql\":1}", "{\"sql\":null}", "{\"sql\":\"\"}",
		"{\"sql\":\"SELECT 1\",\"x\":1}",
		"{\"sql\":\"SELECT 1\"} trailing",
		"{\"sql\":\"SELECT 1\\u0000; DELETE FROM users\"}",
		"{\"sql\":\"SELECT 1\xff\"}",
	};
	struct fx *fx = *state;
	char *text = NULL;
	size_t i;
	int e;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect(fx->t, "query", bad[i], 1, BADARGS);
		expect(fx->t, "execute_sql", bad[i], 1, BADARGS);
	}
	expect(fx->t, "query", "", 1, BADARGS);
	expect(fx->t, "nosuch", "{}", 1, "unknown tool");
	expect(fx->t, "", "{}", 1, "unknown tool");
	assert_int_equal(sqltools_exec(fx->t, "query", NULL, 5, &text, &e),
	    SQLT_ERR_INVAL);
	assert_int_equal(sqltools_exec(NULL, "query", "{}", 2, &text, &e),
	    SQLT_ERR_INVAL);
	assert_null(text);
	assert_int_equal(db_int(fx->path, "SELECT count(*) FROM users"),
	    N_USERS);
}

/* Without write access, the read tools work and the write tools say so. */
static void
test_readonly_database(void **state)
{
	struct fx *fx = *state;
	struct sqltools *t;
	char path[192];

	(void)snprintf(path, sizeof(path), "%s/y.db", fx->dir);
	db_exec(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
	assert_int_equal(chmod(path, 0444), 0);
	if (geteuid() == 0)
		skip();		/* root writes to anything */
	t = open_tools(path, 10, 1000, 65536);
	assert_false(sqltools_writable(t));
	expect(t, "list_tables", "{}", 0, "{\"tables\":[\"t\"]}");
	expect_sql(t, "query", "SELECT x FROM t", 0,
	    "{\"columns\":[\"x\"],\"rows\":[[1]],\"row_count\":1,"
	    "\"truncated\":false}");
	expect_sql(t, "execute_sql", "DELETE FROM t", 1,
	    "the database is not writable");
	expect(t, "drop_table", "{\"table\":\"t\"}", 1,
	    "the database is not writable");
	expect(t, "delete_users", "{\"userIds\":[\"1\"]}", 1,
	    "the database is not writable");
	sqltools_close(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_tables, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_describe_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_describe_name_length,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_row_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_result_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_time_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_query_rejects, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_execute_sql, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delete_users, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_isolation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_readonly_database, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
