/*
 * The built-in SQLite tools (mcpd.conf(5), BUILT-IN TOOLS), as a plain
 * library: no fork, no privilege change, no logging, only return codes, so
 * that the unit tests can drive it directly.  The worker process (worker.c)
 * opens it before it drops privileges and then serves calls through
 * sqltools_exec().
 *
 * Each call runs on a connection of its own, opened for the call and
 * closed after it, so that nothing a call does to its connection (TEMP
 * schema, settings, transactions) reaches another call:
 *   - a read-only one (SQLITE_OPEN_READONLY, PRAGMA query_only) for
 *     list_tables, describe_table and query;
 *   - a read-write one (never SQLITE_OPEN_CREATE) for execute_sql,
 *     drop_table and delete_users.  If it cannot be opened for writing,
 *     or the database cannot be put in WAL mode, the write tools answer a
 *     tool error and the read tools still work.
 * A third connection, the anchor, stays open from sqltools_open() to
 * sqltools_close() and runs no client SQL: it keeps the files and the
 * WAL's shared memory open between calls.
 *
 * Every text handed back to a client is generic: no SQLite message, no
 * path.  The precise reason for the last error is kept for the caller's
 * log (sqltools_detail()).
 */
#ifndef MCPD_SQLTOOLS_H
#define MCPD_SQLTOOLS_H

#include <stddef.h>

/* Ranges accepted by sqltools_open(); the result cap is PS_TEXT_MAX. */
#define SQLT_ROWS_MAX		1000000U
#define SQLT_TIMEOUT_MAX	(3600U * 1000)	/* ms */
#define SQLT_RESULT_MIN		256U
#define SQLT_RESULT_MAX		(4U * 1024 * 1024)

/*
 * Caps on what a client may send, mirroring the input schemas: the
 * argument JSON text, the SQL text (bytes: SQLITE_LIMIT_SQL_LENGTH; and
 * characters: the schema's maxLength), a table name in characters, the
 * number of ids delete_users takes and the characters of one.
 */
#define SQLT_ARGS_MAX		(4U * 1024 * 1024)
#define SQLT_SQL_MAX		65536
#define SQLT_SQL_CHARS_MAX	65536
#define SQLT_NAME_CHARS_MAX	128
#define SQLT_IDS_MAX		1000
#define SQLT_ID_CHARS_MAX	64

/*
 * Caps on what SQLite may build: any one string or blob
 * (SQLITE_LIMIT_LENGTH), and all its memory (sqlite3_hard_heap_limit64).
 */
#define SQLT_VALUE_MAX		(16 * 1024 * 1024)
#define SQLT_HEAP_MAX		(256LL * 1024 * 1024)
/* Blobs up to this size are returned as base64, larger ones described. */
#define SQLT_BLOB_INLINE_MAX	(64 * 1024)

#define SQLT_DETAIL_MAX		512

#define SQLT_OK			0
#define SQLT_ERR_ALLOC		-1	/* out of memory: no text */
#define SQLT_ERR_INVAL		-2	/* bad function argument */

struct sqltools;

/*
 * Open the database at path (which must exist): the anchor, and one
 * connection of each kind, each with one read, then closed; so every
 * file a call's connection opens (database, -wal, -shm) has been opened
 * once when this returns: the worker calls it before dropping privileges
 * and records those files (worker.c).  max_rows caps the
 * rows of a result, timeout_ms the running time of one call, max_result
 * the length of the text of one answer.  Also sets SQLite's process-wide
 * hard heap limit (SQLT_HEAP_MAX) and seeds its PRNG.  Returns NULL with
 * a message in err (no path in it) if the database cannot be opened
 * read-only or an argument is out of range.
 */
struct sqltools	*sqltools_open(const char *path, unsigned max_rows,
		    unsigned timeout_ms, size_t max_result, char *err,
		    size_t errlen);
/* 1 if the write tools are available, else 0. */
int		 sqltools_writable(const struct sqltools *);
/*
 * Run tool with its arguments (JSON text of an object, argslen bytes;
 * length 0 means {}).  On SQLT_OK, *textp is a NUL-terminated text of at
 * most max_result bytes, allocated with malloc (the caller wipes and frees
 * it), and *is_errorp is 1 if it is a tool error message, 0 if it is the
 * tool's JSON result.
 */
int		 sqltools_exec(struct sqltools *, const char *tool,
		    const char *args, size_t argslen, char **textp,
		    int *is_errorp);
/*
 * The precise reason for the last tool error (SQLite's message, which
 * authorizer action was refused, ...): for the log, never for the client.
 */
const char	*sqltools_detail(const struct sqltools *);
void		 sqltools_close(struct sqltools *);

#endif /* MCPD_SQLTOOLS_H */
