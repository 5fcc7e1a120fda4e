/*
 * Opening and closing the database for the built-in tools (sqltools.h):
 * the anchor connection kept for the tools' life, and the hardened
 * connections each call runs on, read-only or read-write.  sqltools.c
 * runs the tools on them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "sqlauth.h"
#include "sqltools.h"
#include "sqltools_int.h"

static int
sqlt_set_limit(sqlite3 *db, int id, int value)
{
	(void)sqlite3_limit(db, id, value);	/* returns the old value */
	return sqlite3_limit(db, id, -1) == value ? 0 : -1;
}

/*
 * Open one connection and harden it.  Returns the SQLite code; on error
 * the connection is closed and the precise reason is in t->detail.
 */
static int
sqlt_conn_open(struct sqltools *t, struct sqlt_conn *c, const char *path,
    int flags)
{
	int rc;

	c->auth.mode = SQLAUTH_INTERNAL;
	c->auth.denied = 0;
	c->auth.detail = t->detail;
	c->auth.detaillen = sizeof(t->detail);
	rc = sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sqlt_detail(t, "open: %s (%d)", sqlite3_errstr(rc), rc);
		goto fail;
	}
	if ((rc = sqlite3_extended_result_codes(c->db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1,
	    NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(c->db,
	    SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	    NULL)) != SQLITE_OK) {
		sqlt_detail(t, "configuring the connection: %s (%d)",
		    sqlite3_errstr(rc), rc);
		goto fail;
	}
	if (sqlt_set_limit(c->db, SQLITE_LIMIT_SQL_LENGTH, SQLT_SQL_MAX) != 0 ||
	    sqlt_set_limit(c->db, SQLITE_LIMIT_ATTACHED, 0) != 0 ||
	    sqlt_set_limit(c->db, SQLITE_LIMIT_LENGTH, SQLT_VALUE_MAX) != 0) {
		rc = SQLITE_ERROR;
		sqlt_detail(t, "cannot set the connection's limits");
		goto fail;
	}
	sqlite3_progress_handler(c->db, SQLT_PROGRESS_STEPS, sqlt_progress, t);
	if ((rc = sqlite3_busy_handler(c->db, sqlt_busy, t)) != SQLITE_OK ||
	    (rc = sqlite3_set_authorizer(c->db, sqlauth_authorize,
	    &c->auth)) != SQLITE_OK) {
		sqlt_detail(t, "installing handlers: %s (%d)",
		    sqlite3_errstr(rc), rc);
		goto fail;
	}
	/* Sorts and temporary tables stay in memory: no temporary files. */
	if ((rc = sqlt_exec_internal(t, c, "PRAGMA temp_store = MEMORY")) !=
	    SQLITE_OK)
		goto fail;
	return SQLITE_OK;
 fail:
	(void)sqlite3_close_v2(c->db);
	c->db = NULL;
	return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/*
 * A read-write connection, in WAL mode.  With a rollback journal each
 * write transaction creates and deletes a -journal file next to the
 * database, which a worker that has dropped privileges (and whose seccomp
 * profile is an allowlist) should not need to do.  In WAL mode the -wal
 * and -shm files stay open for the life of the anchor connection;
 * PERSIST_WAL keeps the -wal file from being unlinked when a connection
 * closes.  WAL also lets readers and other workers read while one
 * writes.  Returns 0, or -1 with the connection closed and the reason in
 * t->detail.
 */
int
sqlt_open_rw(struct sqltools *t, struct sqlt_conn *c, const char *path)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc, one = 1;

	if (sqlt_conn_open(t, c, path, SQLITE_OPEN_READWRITE) != SQLITE_OK)
		return -1;
	/* READWRITE silently falls back to read-only on a read-only file. */
	if (sqlite3_db_readonly(c->db, "main") != 0) {
		sqlt_detail(t, "the database file is read-only");
		goto fail;
	}
	if ((rc = sqlite3_file_control(c->db, "main",
	    SQLITE_FCNTL_PERSIST_WAL, &one)) != SQLITE_OK) {
		sqlt_detail(t, "PERSIST_WAL: %s (%d)", sqlite3_errstr(rc), rc);
		goto fail;
	}
	if ((rc = sqlite3_prepare_v3(c->db, "PRAGMA journal_mode = WAL",
	    -1, 0, &st, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlt_detail(t, "journal_mode: %s (%d)",
		    sqlite3_errmsg(c->db), rc);
		goto fail;
	}
	if ((mode = sqlite3_column_text(st, 0)) == NULL ||
	    strcasecmp((const char *)mode, "wal") != 0) {
		sqlt_detail(t, "the database cannot use WAL mode");
		goto fail;
	}
	(void)sqlite3_finalize(st);
	st = NULL;
	/* Declared foreign keys are enforced, as a user would expect. */
	if (sqlt_exec_internal(t, c, "PRAGMA foreign_keys = ON") !=
	    SQLITE_OK ||
	    sqlt_exec_internal(t, c,
	    "SELECT count(*) FROM main.sqlite_schema") != SQLITE_OK)
		goto fail;
	return 0;
 fail:
	(void)sqlite3_finalize(st);
	(void)sqlite3_close_v2(c->db);
	c->db = NULL;
	return -1;
}

/* A read-only connection; as sqlt_open_rw(), with the SQLite code. */
int
sqlt_open_ro(struct sqltools *t, struct sqlt_conn *c, const char *path)
{
	int rc;

	if ((rc = sqlt_conn_open(t, c, path, SQLITE_OPEN_READONLY)) !=
	    SQLITE_OK)
		return rc;
	if ((rc = sqlt_exec_internal(t, c, "PRAGMA query_only = 1")) !=
	    SQLITE_OK ||
	    (rc = sqlt_exec_internal(t, c,
	    "SELECT count(*) FROM main.sqlite_schema")) != SQLITE_OK) {
		(void)sqlite3_close_v2(c->db);
		c->db = NULL;
	}
	return rc;
}

/*
 * Close a call's connection.  Every statement is finalized by then, so
 * close_v2 frees the connection now, and with it everything the call
 * left in it: its TEMP schema, its settings, an open transaction (rolled
 * back), its attached databases.
 */
void
sqlt_conn_close(struct sqlt_conn *c)
{
	/* Our own statement: not under the client's authorizer mode. */
	c->auth.mode = SQLAUTH_INTERNAL;
	if (c->db != NULL && !sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	(void)sqlite3_close_v2(c->db);
	c->db = NULL;
}

struct sqltools *
sqltools_open(const char *path, unsigned max_rows, unsigned timeout_ms,
    size_t max_result, char *err, size_t errlen)
{
	struct sqltools *t;
	char rwdetail[SQLT_DETAIL_MAX];
	const char *full;
	unsigned char seed[16];
	int rc;

	if (err == NULL || errlen == 0)
		return NULL;
	err[0] = '\0';
	if (path == NULL || *path == '\0') {
		(void)snprintf(err, errlen, "no database configured");
		return NULL;
	}
	if (max_rows < 1 || max_rows > SQLT_ROWS_MAX) {
		(void)snprintf(err, errlen, "row cap %u out of range 1..%u",
		    max_rows, SQLT_ROWS_MAX);
		return NULL;
	}
	if (timeout_ms < 1 || timeout_ms > SQLT_TIMEOUT_MAX) {
		(void)snprintf(err, errlen, "time cap %u ms out of range "
		    "1..%u", timeout_ms, SQLT_TIMEOUT_MAX);
		return NULL;
	}
	if (max_result < SQLT_RESULT_MIN || max_result > SQLT_RESULT_MAX) {
		(void)snprintf(err, errlen, "result cap %zu out of range "
		    "%u..%u", max_result, SQLT_RESULT_MIN, SQLT_RESULT_MAX);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->max_rows = max_rows;
	t->timeout_ms = timeout_ms;
	t->max_result = max_result;

	/*
	 * Temporary storage is in memory, so without a cap one sort could
	 * take all of it.  The limit is process-wide; the worker runs
	 * nothing else.
	 */
	(void)sqlite3_hard_heap_limit64(SQLT_HEAP_MAX);	/* old value */

	/*
	 * Workers start together and race to switch the database to WAL:
	 * the loser must wait for the lock (up to one call's time cap),
	 * not give up and run without WAL.
	 */
	sqlt_deadline_start(t);

	/* Read-write first, so that WAL is on before the reader looks. */
	t->writable = sqlt_open_rw(t, &t->rw, path) == 0;
	(void)snprintf(rwdetail, sizeof(rwdetail), "%s", t->detail);

	if ((rc = sqlt_open_ro(t, &t->ro, path)) != SQLITE_OK) {
		/* sqlite3_errstr() names the kind of error, never a path. */
		(void)snprintf(err, errlen, "cannot open the database "
		    "read-only: %s", sqlite3_errstr(rc));
		sqltools_close(t);
		return NULL;
	}
	/*
	 * Calls open their connections by the full path SQLite resolved,
	 * so that a later open needs neither the working directory nor a
	 * symbolic link resolved again.
	 */
	if ((full = sqlite3_db_filename(t->ro.db, "main")) == NULL ||
	    *full != '/' || (t->path = strdup(full)) == NULL) {
		(void)snprintf(err, errlen, "cannot resolve the database's "
		    "path");
		sqltools_close(t);
		return NULL;
	}
	/*
	 * The first connection becomes the anchor; the others were the
	 * first calls' connections, opened now so that a worker learns
	 * here every file a call's connection opens (worker.c), and
	 * closed like a call's.
	 */
	if (t->writable) {
		t->anchor = t->rw.db;
		t->rw.db = NULL;
		if (sqlt_open_rw(t, &t->rw, t->path) != 0) {
			(void)snprintf(err, errlen, "cannot open a second "
			    "read-write connection");
			sqltools_close(t);
			return NULL;
		}
		sqlt_conn_close(&t->rw);
	} else {
		t->anchor = t->ro.db;
		t->ro.db = NULL;
		if ((rc = sqlt_open_ro(t, &t->ro, t->path)) != SQLITE_OK) {
			(void)snprintf(err, errlen, "cannot open a second "
			    "read-only connection: %s", sqlite3_errstr(rc));
			sqltools_close(t);
			return NULL;
		}
	}
	sqlt_conn_close(&t->ro);
	(void)snprintf(t->detail, sizeof(t->detail), "%s", rwdetail);

	/*
	 * Seed SQLite's PRNG now: its first use would open /dev/urandom,
	 * and by then the worker may no longer be allowed to.
	 */
	sqlite3_randomness(sizeof(seed), seed);
	explicit_bzero(seed, sizeof(seed));
	/* Each call starts its own deadline. */
	t->deadline_on = 0;
	t->timed_out = 0;
	return t;
}

void
sqltools_close(struct sqltools *t)
{
	if (t == NULL)
		return;
	/*
	 * Every statement is finalized after each call, so close_v2 frees
	 * the connections now; there is nothing to do if it reports more.
	 */
	sqlt_conn_close(&t->ro);
	sqlt_conn_close(&t->rw);
	(void)sqlite3_close_v2(t->anchor);
	free(t->path);
	explicit_bzero(t, sizeof(*t));
	free(t);
}
