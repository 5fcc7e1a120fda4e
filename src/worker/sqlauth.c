/*
 * The SQLite authorizer of the built-in tools (sqlauth.h): security
 * policy, kept apart from the tools that run the SQL (sqltools.c).
 * SQLite asks it about every action of a statement as it prepares it,
 * and again whenever it prepares one while it runs (a virtual table's own
 * statements).  In every mode no client may ATTACH, DETACH or call the
 * functions below; query admits only SELECT, reads, recursive CTEs and
 * harmless functions; execute_sql may write, but not control
 * transactions; neither may run a pragma but the two SQLite's own modules
 * read.  For query it is one of four independent walls (sqltools.c says
 * which), so that a mistake here alone does not make it writable.
 */
#include <stddef.h>
#include <stdio.h>
#include <strings.h>

#include <sqlite3.h>

#include "sqlauth.h"

/*
 * Functions no client may call in any mode: extension loading, the FTS3
 * tokenizer registration (which hands out and accepts raw pointers when
 * the library is built with SQLITE_ENABLE_FTS3_TOKENIZER, as Debian's
 * is), and the file access functions of the sqlite3 shell, in case a
 * build ever links them in.
 */
static int
sqlauth_function_denied(const char *name)
{
	static const char *const denied[] = {
		"load_extension", "fts3_tokenizer", "readfile", "writefile",
		"edit", NULL
	};
	size_t i;

	if (name == NULL)
		return 1;
	for (i = 0; denied[i] != NULL; i++) {
		if (strcasecmp(name, denied[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The pragmas a client's statement may cause: those SQLite's own virtual
 * table modules run internally, without an argument, to read a number
 * (FTS5 checks data_version to see whether another connection changed
 * its configuration; FTS3 and R*Tree size their nodes by page_size).
 */
static int
sqlauth_pragma_harmless(const char *name, const char *arg)
{
	return name != NULL && arg == NULL &&
	    (strcasecmp(name, "data_version") == 0 ||
	    strcasecmp(name, "page_size") == 0);
}

/*
 * Declaring a virtual table (json_each, FTS5, ...) parses a CREATE TABLE
 * whose schema update is never run but is still authorized, as
 * SQLITE_UPDATE of the schema table's columns.  Read-only statements that
 * use a virtual table need it; a real UPDATE of the schema table is still
 * stopped by the read-only connection, sqlite3_stmt_readonly() and
 * defensive mode.
 */
static int
sqlauth_is_schema_table(const char *name)
{
	return name != NULL && (strcasecmp(name, "sqlite_master") == 0 ||
	    strcasecmp(name, "sqlite_temp_master") == 0);
}

int
sqlauth_authorize(void *ctx, int action, const char *a1, const char *a2,
    const char *dbname, const char *trigger)
{
	struct sqlauth *c = ctx;
	int allow = 1;

	(void)dbname;
	/*
	 * Whether the client's own statement writes rows, as opposed to
	 * statements a virtual table runs on its behalf while it runs.
	 */
	if (c->preparing && trigger == NULL && (action == SQLITE_INSERT ||
	    action == SQLITE_UPDATE || action == SQLITE_DELETE) &&
	    !sqlauth_is_schema_table(a1))
		c->dml = 1;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		allow = 0;
		break;
	case SQLITE_FUNCTION:
		allow = !sqlauth_function_denied(a2);
		break;
	}
	if (allow) {
		switch (c->mode) {
		case SQLAUTH_INTERNAL:
			break;
		case SQLAUTH_QUERY:
			switch (action) {
			case SQLITE_SELECT:
			case SQLITE_READ:
			case SQLITE_FUNCTION:
			case SQLITE_RECURSIVE:
				break;
			case SQLITE_UPDATE:
				allow = sqlauth_is_schema_table(a1);
				break;
			case SQLITE_PRAGMA:
				allow = sqlauth_pragma_harmless(a1, a2);
				break;
			default:
				allow = 0;
				break;
			}
			break;
		case SQLAUTH_EXEC:
			switch (action) {
			case SQLITE_PRAGMA:
				allow = sqlauth_pragma_harmless(a1, a2);
				break;
			case SQLITE_TRANSACTION:
			case SQLITE_SAVEPOINT:
				allow = 0;
				break;
			}
			break;
		}
	}
	if (allow)
		return SQLITE_OK;
	c->denied = 1;
	(void)snprintf(c->detail, c->detaillen,
	    "authorizer denied action %d (%s, %s)", action,
	    a1 == NULL ? "-" : a1, a2 == NULL ? "-" : a2);
	return SQLITE_DENY;
}
