/*
 * The built-in tools (mcpd.conf(5), BUILT-IN TOOLS).  This table is the one
 * place that names them: the net process lists them and validates arguments
 * against their input schemas, the monitor authorizes by name, the workers
 * implement them (src/worker/sqltools.c).  The schemas are strict (every
 * property typed, lengths bounded, no additional properties) so that whatever
 * reaches a worker has already been cut to size.  The worker checks again all
 * the same, as it trusts no one.
 */
#include <stddef.h>
#include <string.h>

#include "sanitize.h"
#include "toolcatalog.h"

/* Shared by the tools that name a table. */
#define TC_TABLE_SCHEMA \
	"{\"type\":\"object\"," \
	"\"properties\":{\"table\":{\"type\":\"string\"," \
	"\"minLength\":1,\"maxLength\":128," \
	"\"description\":\"Name of a table in the database.\"}}," \
	"\"required\":[\"table\"],\"additionalProperties\":false}"

/* Shared by the tools that take one SQL statement. */
#define TC_SQL_SCHEMA(what) \
	"{\"type\":\"object\"," \
	"\"properties\":{\"sql\":{\"type\":\"string\"," \
	"\"minLength\":1,\"maxLength\":65536," \
	"\"description\":\"" what "\"}}," \
	"\"required\":[\"sql\"],\"additionalProperties\":false}"

static const struct tool_def toolcat[] = {
	{
		"list_tables",
		"List tables",
		"List the names of the user tables in the database.",
		"{\"type\":\"object\",\"properties\":{},"
		"\"additionalProperties\":false}",
		1, 0
	},
	{
		"describe_table",
		"Describe a table",
		"Show the columns of a table: name, declared type, NOT NULL, "
		"default value and primary-key position.",
		TC_TABLE_SCHEMA,
		1, 0
	},
	{
		"query",
		"Run a read-only query",
		"Run one read-only SQL statement (SELECT or WITH ... SELECT) "
		"and return its columns and rows as JSON.  Writes, ATTACH, "
		"PRAGMA and transaction control are refused; the number of "
		"rows, the size of the result and the running time are "
		"capped, and a capped result is marked truncated.",
		TC_SQL_SCHEMA("One read-only SQL statement."),
		1, 0
	},
	{
		"execute_sql",
		"Execute a SQL statement",
		"Execute one SQL statement that may modify the database "
		"(INSERT, UPDATE, DELETE, CREATE, ...) and return the number "
		"of rows changed, and its rows if it returns any.  ATTACH, "
		"DETACH, PRAGMA, VACUUM and transaction control are refused.",
		TC_SQL_SCHEMA("One SQL statement."),
		0, 1
	},
	{
		"drop_table",
		"Drop a table",
		"Drop a user table and all of its rows.  This cannot be "
		"undone.",
		TC_TABLE_SCHEMA,
		0, 1
	},
	{
		"delete_users",
		"Delete users",
		"Delete the rows of the users table with the given ids, in "
		"one transaction, and return how many were deleted.  This "
		"cannot be undone.",
		"{\"type\":\"object\","
		"\"properties\":{\"userIds\":{\"type\":\"array\","
		"\"items\":{\"type\":\"string\",\"minLength\":1,"
		"\"maxLength\":64},"
		"\"minItems\":1,\"maxItems\":1000,"
		"\"description\":\"Ids of the users to delete, as "
		"strings.\"}},"
		"\"required\":[\"userIds\"],\"additionalProperties\":false}",
		0, 1
	},
#if MCPD_TEST_HOOKS
	/*
	 * Test builds only, never installed: makes the worker attempt a
	 * forbidden system call (or spin, for the CPU cap), so that the
	 * confinement tests can watch its sandbox kill it.
	 */
	{
		"test_violate",
		"Sandbox test hook",
		"Test builds only: attempt a system call the worker's sandbox "
		"forbids, or spin until the CPU cap kills the worker.",
		"{\"type\":\"object\","
		"\"properties\":{\"what\":{\"type\":\"string\","
		"\"enum\":[\"open\",\"execve\",\"socket\",\"connect\","
		"\"fork\",\"mmap-exec\",\"mprotect-exec\",\"ptrace\","
		"\"foreign-arch\",\"cpu\""
		/* A sanitizer build's errors (sanitize.h, tests/sanitize/). */
		SANITIZE_VIOLATIONS_JSON
		"]}},"
		"\"required\":[\"what\"],\"additionalProperties\":false}",
		0, 1
	},
#endif
};

#define TC_COUNT	(sizeof(toolcat) / sizeof(toolcat[0]))

size_t
toolcat_count(void)
{
	return TC_COUNT;
}

const struct tool_def *
toolcat_get(size_t i)
{
	if (i >= TC_COUNT)
		return NULL;
	return &toolcat[i];
}

const struct tool_def *
toolcat_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < TC_COUNT; i++) {
		if (strcmp(toolcat[i].name, name) == 0)
			return &toolcat[i];
	}
	return NULL;
}
