/*
 * The built-in SQLite tools (mcpd.conf(5), BUILT-IN TOOLS).  See sqltools.h
 * for the contract.
 *
 * A client's SQL reaches two tools.  query is read-only in four
 * independent ways, so that no single mistake makes it writable: it runs
 * on a connection opened SQLITE_OPEN_READONLY with PRAGMA query_only, the
 * prepared statement must satisfy sqlite3_stmt_readonly(), and an
 * authorizer (sqlauth.c) admits only SELECT, reads, recursive CTEs and
 * harmless functions (so ATTACH, PRAGMA, transaction control, writes and
 * DDL fail at prepare time).  execute_sql may write, but still cannot
 * ATTACH, DETACH, run a PRAGMA, VACUUM (VACUUM INTO writes a new file
 * anywhere the worker can write), control transactions or load
 * extensions.  Both take exactly one statement: anything but whitespace
 * and comments after it is refused before anything runs.
 *
 * Each call runs on a fresh connection, closed when the call ends
 * (sqltools_exec()): isolation between calls does not rest on what the
 * authorizer thought of.  On every connection SQLite is hardened:
 * defensive mode (no writable schema, read-only shadow tables),
 * extension loading off, untrusted schema (functions with side effects
 * cannot run from views or triggers), no attached databases, a cap on the
 * SQL text and on any one value, temporary storage in memory, a
 * process-wide heap limit, and a progress handler that ends a statement
 * at the call's deadline.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "sqlauth.h"
#include "sqltools.h"
#include "sqltools_int.h"

/* The texts a client may see: fixed, and free of paths and SQLite's. */
#define MSG_INVALID_ARGS	"invalid arguments"
#define MSG_UNKNOWN_TOOL	"unknown tool"
#define MSG_QUERY_READONLY \
	"query rejected: only read-only statements are allowed"
#define MSG_QUERY_ONE \
	"query rejected: only one statement is allowed"
#define MSG_QUERY_EMPTY		"query rejected: no statement"
#define MSG_EXEC_DENIED \
	"statement rejected: ATTACH, DETACH, PRAGMA, VACUUM, transaction " \
	"control and extension loading are not allowed"
#define MSG_EXEC_ONE \
	"statement rejected: only one statement is allowed"
#define MSG_EXEC_EMPTY		"statement rejected: no statement"
#define MSG_TIMEOUT		"query exceeded the time limit"
#define MSG_NOMEM		"query exceeded the memory limit"
#define MSG_SQL			"SQL error"
#define MSG_SQL_CONSTRAINT	"SQL error: constraint violation"
#define MSG_SQL_TOOBIG		"SQL error: statement or value too large"
#define MSG_BUSY		"database is busy"
#define MSG_READONLY		"database is read-only"
#define MSG_FULL		"database is full"
#define MSG_NO_TABLE		"no such table"
#define MSG_SYSTEM_TABLE	"system tables cannot be dropped"
#define MSG_NOT_WRITABLE	"the database is not writable"
#define MSG_TOO_LARGE		"result too large"
#define MSG_INTERNAL		"internal error"

/* Longest wait between two tries on a locked database (ms). */
#define SQLT_BUSY_SLEEP_MAX	10
/*
 * Room kept in a result for the final row_count and changes (20 digits
 * each at most) once the rest has been measured with zeros in them.
 */
#define SQLT_COUNT_SLACK	48

struct sqlt_tool {
	const char	*name;
	int		 writes;	/* needs the read-write connection */
	int		(*fn)(struct sqltools *, json_t *, char **, int *);
};

void
sqlt_detail(struct sqltools *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

/* ---- time cap ---- */

void
sqlt_deadline_start(struct sqltools *t)
{
	struct timespec now;

	t->timed_out = 0;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
		/* Without a clock, give the call no time rather than all. */
		now.tv_sec = 0;
		now.tv_nsec = 0;
		t->deadline = now;
		t->deadline_on = 1;
		return;
	}
	t->deadline.tv_sec = now.tv_sec + (time_t)(t->timeout_ms / 1000);
	t->deadline.tv_nsec = now.tv_nsec +
	    (long)(t->timeout_ms % 1000) * 1000000L;
	if (t->deadline.tv_nsec >= 1000000000L) {
		t->deadline.tv_sec++;
		t->deadline.tv_nsec -= 1000000000L;
	}
	t->deadline_on = 1;
}

static int
sqlt_deadline_passed(struct sqltools *t)
{
	struct timespec now;

	if (!t->deadline_on)
		return 0;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 1;
	return now.tv_sec > t->deadline.tv_sec ||
	    (now.tv_sec == t->deadline.tv_sec &&
	    now.tv_nsec >= t->deadline.tv_nsec);
}

/* Progress handler: a non-zero return interrupts the statement. */
int
sqlt_progress(void *ctx)
{
	struct sqltools *t = ctx;

	if (sqlt_deadline_passed(t)) {
		t->timed_out = 1;
		return 1;
	}
	return 0;
}

/*
 * Busy handler: another worker holds the write lock.  Wait, but not past
 * the call's deadline, which the progress handler cannot see while SQLite
 * sleeps.
 */
int
sqlt_busy(void *ctx, int n)
{
	struct sqltools *t = ctx;

	if (sqlt_deadline_passed(t)) {
		t->timed_out = 1;
		return 0;
	}
	(void)sqlite3_sleep(n < SQLT_BUSY_SLEEP_MAX ? n + 1 :
	    SQLT_BUSY_SLEEP_MAX);
	return 1;
}


/* Record SQLite's precise message and return the client's generic one. */
static const char *
sqlt_sqlerr(struct sqltools *t, struct sqlt_conn *c, int rc,
    const char *what)
{
	sqlt_detail(t, "%s: %s (%d)", what, sqlite3_errmsg(c->db), rc);
	if (t->timed_out)
		return MSG_TIMEOUT;
	switch (rc & 0xff) {
	case SQLITE_INTERRUPT:
		return MSG_TIMEOUT;	/* only the progress handler does */
	case SQLITE_NOMEM:
		return MSG_NOMEM;
	case SQLITE_CONSTRAINT:
		return MSG_SQL_CONSTRAINT;
	case SQLITE_TOOBIG:
		return MSG_SQL_TOOBIG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MSG_BUSY;
	case SQLITE_READONLY:
		return MSG_READONLY;
	case SQLITE_FULL:
		return MSG_FULL;
	default:
		return MSG_SQL;
	}
}

static int
sqlt_reply_error(const char *msg, char **textp, int *is_errorp)
{
	char *s;

	if ((s = strdup(msg)) == NULL)
		return SQLT_ERR_ALLOC;
	*textp = s;
	*is_errorp = 1;
	return SQLT_OK;
}

/* Serialise o as the result; a result over max_result is an error. */
static int
sqlt_reply_json(struct sqltools *t, const json_t *o, char **textp,
    int *is_errorp)
{
	char *s;
	size_t len;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		return SQLT_ERR_ALLOC;
	len = strlen(s);
	if (len > t->max_result) {
		explicit_bzero(s, len);
		free(s);
		sqlt_detail(t, "result of %zu bytes over the cap of %zu",
		    len, t->max_result);
		return sqlt_reply_error(MSG_TOO_LARGE, textp, is_errorp);
	}
	*textp = s;
	*is_errorp = 0;
	return SQLT_OK;
}

/* ---- values ---- */

/* Text that may not be UTF-8 (SQLite does not check): described if not. */
static json_t *
sqlt_json_text(const char *p, size_t n)
{
	char desc[64];
	json_t *v;

	if ((v = json_stringn(p, n)) != NULL)
		return v;
	(void)snprintf(desc, sizeof(desc), "<text %zu bytes, not UTF-8>", n);
	return json_string(desc);
}

static json_t *
sqlt_json_blob(const unsigned char *p, int n)
{
	char desc[64];
	unsigned char *b;
	size_t blen;
	json_t *v;

	if (n <= 0)
		return json_string("");
	if (p == NULL)
		return NULL;
	if (n > SQLT_BLOB_INLINE_MAX) {
		(void)snprintf(desc, sizeof(desc), "<blob %d bytes>", n);
		return json_string(desc);
	}
	blen = 4 * (((size_t)n + 2) / 3);
	if ((b = malloc(blen + 1)) == NULL)
		return NULL;
	if (EVP_EncodeBlock(b, p, n) != (int)blen) {
		free(b);
		return NULL;
	}
	v = json_stringn((const char *)b, blen);
	explicit_bzero(b, blen);
	free(b);
	return v;
}

/*
 * Column i of the current row.  Integers and reals become JSON numbers
 * (infinities the strings "Infinity" and "-Infinity"), text a string,
 * a blob a base64 string, or "<blob N bytes>" above SQLT_BLOB_INLINE_MAX.
 * NULL only when out of memory.
 */
static json_t *
sqlt_json_value(sqlite3_stmt *st, int i)
{
	const unsigned char *p;
	double d;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer((json_int_t)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, i);
		if (isfinite(d))
			return json_real(d);
		if (isnan(d))
			return json_null();
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	case SQLITE_TEXT:
		if ((p = sqlite3_column_text(st, i)) == NULL)
			return NULL;
		return sqlt_json_text((const char *)p,
		    (size_t)sqlite3_column_bytes(st, i));
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, i);
		return sqlt_json_blob(p, sqlite3_column_bytes(st, i));
	default:
		return json_null();
	}
}

static int
sqlt_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

/*
 * Step st and add "columns", "rows", "row_count" and "truncated" to o.
 * Stops, marking the result truncated, after max_rows rows or when the
 * next row would take the serialised o over max_result.  The SQLite code
 * of the last step goes to *rcp (SQLITE_DONE, or SQLITE_ROW when it
 * stopped early).  Returns SQLT_OK, SQLT_ERR_ALLOC, or 1 if not even an
 * empty result fits.
 */
static int
sqlt_rows(struct sqltools *t, sqlite3_stmt *st, json_t *o, int *rcp)
{
	json_t *cols, *rows, *row;
	const char *name;
	size_t base, budget, used = 0, rowlen, nrows = 0;
	int ncol, i, rc, truncated = 0;

	*rcp = SQLITE_DONE;
	ncol = sqlite3_column_count(st);
	if ((cols = json_array()) == NULL)
		return SQLT_ERR_ALLOC;
	if (json_object_set_new(o, "columns", cols) != 0)
		return SQLT_ERR_ALLOC;
	for (i = 0; i < ncol; i++) {
		if ((name = sqlite3_column_name(st, i)) == NULL ||
		    json_array_append_new(cols,
		    sqlt_json_text(name, strlen(name))) != 0)
			return SQLT_ERR_ALLOC;
	}
	if ((rows = json_array()) == NULL ||
	    json_object_set_new(o, "rows", rows) != 0 ||
	    sqlt_set(o, "row_count", json_integer(0)) != 0 ||
	    sqlt_set(o, "truncated", json_false()) != 0)
		return SQLT_ERR_ALLOC;
	if ((base = json_dumpb(o, NULL, 0, JSON_COMPACT)) == 0)
		return SQLT_ERR_ALLOC;
	if (base + SQLT_COUNT_SLACK > t->max_result) {
		sqlt_detail(t, "%d column names do not fit the result", ncol);
		return 1;
	}
	budget = t->max_result - base - SQLT_COUNT_SLACK;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nrows >= t->max_rows) {
			truncated = 1;
			break;
		}
		if ((row = json_array()) == NULL)
			return SQLT_ERR_ALLOC;
		for (i = 0; i < ncol; i++) {
			if (json_array_append_new(row,
			    sqlt_json_value(st, i)) != 0) {
				json_decref(row);
				return SQLT_ERR_ALLOC;
			}
		}
		/* The row, and the comma before it. */
		rowlen = json_dumpb(row, NULL, 0, JSON_COMPACT) +
		    (nrows > 0 ? 1 : 0);
		if (rowlen > budget - used) {
			json_decref(row);
			truncated = 1;
			break;
		}
		if (json_array_append_new(rows, row) != 0)
			return SQLT_ERR_ALLOC;
		used += rowlen;
		nrows++;
	}
	*rcp = rc;
	if (sqlt_set(o, "row_count", json_integer((json_int_t)nrows)) != 0 ||
	    sqlt_set(o, "truncated", json_boolean(truncated)) != 0)
		return SQLT_ERR_ALLOC;
	return SQLT_OK;
}

/* ---- statements ---- */

/* Skip what SQLite's tokenizer skips: whitespace and comments. */
static const char *
sqlt_skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\f' ||
		    *p == '\r')
			p++;
		else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			p += 2;
			while (end - p >= 2 && !(p[0] == '*' && p[1] == '/'))
				p++;
			p = end - p >= 2 ? p + 2 : end;
		} else
			break;
	}
	return p;
}

/*
 * VACUUM has no authorizer action code, so it is recognised by its first
 * keyword (EXPLAIN VACUUM only lists the program and is harmless).
 */
static int
sqlt_is_vacuum(const char *sql)
{
	const char *p, *end;

	if (sql == NULL)
		return 1;
	end = sql + strlen(sql);
	p = sqlt_skip_space(sql, end);
	if (end - p < 6 || strncasecmp(p, "vacuum", 6) != 0)
		return 0;
	p += 6;
	return p == end || !(isalnum((unsigned char)*p) || *p == '_' ||
	    *p == '$' || (unsigned char)*p >= 0x80);
}

/*
 * Prepare the one statement of a client's SQL on c under the authorizer
 * of mode.  Leading empty statements are skipped; anything after the
 * statement other than whitespace, comments and semicolons refuses the
 * whole (the rest is only prepared, never run).  Returns 0 and the
 * statement in *stp, or -1 and the client's message in *msgp.  c->auth.mode
 * stays set: SQLite may prepare the statement again while it runs.
 */
static int
sqlt_prepare_client(struct sqltools *t, struct sqlt_conn *c,
    enum sqlauth_mode mode, const char *sql, size_t len,
    sqlite3_stmt **stp, const char **msgp)
{
	const char *p = sql, *end = sql + len, *tail = NULL, *next = NULL;
	sqlite3_stmt *st = NULL, *st2 = NULL;
	int rc, q = mode == SQLAUTH_QUERY;

	*stp = NULL;
	c->auth.mode = mode;
	c->auth.denied = 0;
	c->auth.dml = 0;
	if (len > SQLT_SQL_MAX) {
		sqlt_detail(t, "statement of %zu bytes", len);
		*msgp = MSG_SQL_TOOBIG;
		return -1;
	}
	for (;;) {
		c->auth.preparing = 1;
		rc = sqlite3_prepare_v3(c->db, p, (int)(end - p), 0, &st,
		    &tail);
		c->auth.preparing = 0;
		if (rc != SQLITE_OK) {
			*msgp = c->auth.denied ? (q ? MSG_QUERY_READONLY :
			    MSG_EXEC_DENIED) : sqlt_sqlerr(t, c, rc, "prepare");
			return -1;
		}
		if (st != NULL)
			break;
		if (tail == NULL || tail <= p || tail >= end) {
			sqlt_detail(t, "no statement in the text");
			*msgp = q ? MSG_QUERY_EMPTY : MSG_EXEC_EMPTY;
			return -1;
		}
		p = tail;
	}
	while (tail != NULL && tail < end) {
		rc = sqlite3_prepare_v3(c->db, tail, (int)(end - tail), 0,
		    &st2, &next);
		if (rc != SQLITE_OK || st2 != NULL || next == NULL ||
		    next <= tail) {
			if (rc == SQLITE_OK)
				sqlt_detail(t, "more than one statement");
			else if (!c->auth.denied)
				(void)sqlt_sqlerr(t, c, rc, "prepare tail");
			(void)sqlite3_finalize(st2);
			(void)sqlite3_finalize(st);
			*msgp = q ? MSG_QUERY_ONE : MSG_EXEC_ONE;
			return -1;
		}
		tail = next;
	}
	if (q && !sqlite3_stmt_readonly(st)) {
		sqlt_detail(t, "statement is not read-only");
		(void)sqlite3_finalize(st);
		*msgp = MSG_QUERY_READONLY;
		return -1;
	}
	if (mode == SQLAUTH_EXEC && sqlt_is_vacuum(sqlite3_sql(st))) {
		sqlt_detail(t, "VACUUM refused");
		(void)sqlite3_finalize(st);
		*msgp = MSG_EXEC_DENIED;
		return -1;
	}
	*stp = st;
	return 0;
}

/* Run one of our own statements that returns nothing we need. */
int
sqlt_exec_internal(struct sqltools *t, struct sqlt_conn *c, const char *sql)
{
	char *emsg = NULL;
	int rc;

	if ((rc = sqlite3_exec(c->db, sql, NULL, NULL, &emsg)) != SQLITE_OK)
		sqlt_detail(t, "%s: %s (%d)", sql,
		    emsg != NULL ? emsg : sqlite3_errstr(rc), rc);
	sqlite3_free(emsg);
	return rc;
}

/*
 * Find a table of the main database by name, matched as SQLite matches
 * identifiers (ASCII case-insensitively).  The name is bound, never
 * interpolated.  Returns 1 with its name as stored in *canonp (malloc),
 * 0 if there is no such table, -1 with *msgp set on error.
 */
static int
sqlt_table_lookup(struct sqltools *t, struct sqlt_conn *c, const char *name,
    size_t len, char **canonp, const char **msgp)
{
	static const char sql[] = "SELECT name FROM main.sqlite_schema "
	    "WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
	sqlite3_stmt *st = NULL;
	const unsigned char *s;
	int rc, found = 0;

	*canonp = NULL;
	if ((rc = sqlite3_prepare_v3(c->db, sql, -1, 0, &st, NULL)) !=
	    SQLITE_OK || (rc = sqlite3_bind_text(st, 1, name, (int)len,
	    SQLITE_TRANSIENT)) != SQLITE_OK) {
		*msgp = sqlt_sqlerr(t, c, rc, "table lookup");
		(void)sqlite3_finalize(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((s = sqlite3_column_text(st, 0)) == NULL ||
		    (*canonp = strdup((const char *)s)) == NULL) {
			*msgp = MSG_INTERNAL;
			sqlt_detail(t, "table lookup: out of memory");
			(void)sqlite3_finalize(st);
			return -1;
		}
		found = 1;
	} else if (rc != SQLITE_DONE) {
		*msgp = sqlt_sqlerr(t, c, rc, "table lookup");
		(void)sqlite3_finalize(st);
		return -1;
	}
	(void)sqlite3_finalize(st);
	if (!found)
		sqlt_detail(t, "no table named like that");
	return found;
}

/* ---- arguments ---- */

/* Every key of args must be in allowed (additionalProperties false). */
static int
sqlt_args_keys(json_t *args, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(args, key, v) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(key, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			return 0;
	}
	return 1;
}

/* Characters (code points, as JSON Schema counts them) of UTF-8 text. */
static size_t
sqlt_nchars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/*
 * The only key of args, a string of 1..maxchars characters (code points,
 * as JSON Schema counts them) without NUL.
 */
static const char *
sqlt_args_string(json_t *args, const char *key, size_t maxchars,
    size_t *lenp)
{
	const char *const allowed[] = { key, NULL };
	const char *s;
	size_t len;
	json_t *v;

	if (!sqlt_args_keys(args, allowed) ||
	    (v = json_object_get(args, key)) == NULL || !json_is_string(v))
		return NULL;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || memchr(s, '\0', len) != NULL ||
	    sqlt_nchars(s, len) > maxchars)
		return NULL;
	*lenp = len;
	return s;
}

/* ---- the tools ---- */

/*
 * A read tool's fixed statement sql, with param (if not NULL) bound as
 * ?1, on the read-only connection: each row added to list by row(), then
 * o as the answer; or the client's message if the statement fails (what
 * names the tool in the log).  SQLT_ERR_ALLOC if a row cannot be added.
 */
static int
sqlt_read_tool(struct sqltools *t, const char *what, const char *sql,
    const char *param, int (*row)(sqlite3_stmt *, json_t *), json_t *list,
    json_t *o, char **textp, int *is_errorp)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((rc = sqlite3_prepare_v3(t->ro.db, sql, -1, 0, &st, NULL)) !=
	    SQLITE_OK || (param != NULL && (rc = sqlite3_bind_text(st, 1,
	    param, -1, SQLITE_TRANSIENT)) != SQLITE_OK)) {
		r = sqlt_reply_error(sqlt_sqlerr(t, &t->ro, rc, what), textp,
		    is_errorp);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(st, list) != 0) {
			r = SQLT_ERR_ALLOC;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = sqlt_reply_error(sqlt_sqlerr(t, &t->ro, rc, what), textp,
		    is_errorp);
	else
		r = sqlt_reply_json(t, o, textp, is_errorp);
 out:
	(void)sqlite3_finalize(st);
	return r;
}

/* A row of list_tables: the table's name. */
static int
sqlt_row_table(sqlite3_stmt *st, json_t *names)
{
	const unsigned char *s;

	if ((s = sqlite3_column_text(st, 0)) == NULL)
		return -1;
	return json_array_append_new(names, sqlt_json_text((const char *)s,
	    (size_t)sqlite3_column_bytes(st, 0)));
}

static int
tool_list_tables(struct sqltools *t, json_t *args, char **textp,
    int *is_errorp)
{
	static const char *const allowed[] = { NULL };
	static const char sql[] = "SELECT name FROM main.sqlite_schema "
	    "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	    "ORDER BY name";
	json_t *o = NULL, *names;
	int r;

	if (!sqlt_args_keys(args, allowed)) {
		sqlt_detail(t, "unexpected argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	if ((o = json_object()) == NULL || (names = json_array()) == NULL ||
	    json_object_set_new(o, "tables", names) != 0)
		r = SQLT_ERR_ALLOC;
	else
		r = sqlt_read_tool(t, "list_tables", sql, NULL,
		    sqlt_row_table, names, o, textp, is_errorp);
	json_decref(o);
	return r;
}

/* A row of describe_table: one column. */
static int
sqlt_row_column(sqlite3_stmt *st, json_t *cols)
{
	const unsigned char *s;
	json_t *col;
	int hidden;

	if ((col = json_object()) == NULL ||
	    json_array_append_new(cols, col) != 0)
		return -1;
	s = sqlite3_column_text(st, 1);
	hidden = sqlite3_column_int(st, 5);
	if (sqlt_set(col, "name", sqlt_json_value(st, 0)) != 0 ||
	    sqlt_set(col, "type", s == NULL ? json_string("") :
	    sqlt_json_text((const char *)s,
	    (size_t)sqlite3_column_bytes(st, 1))) != 0 ||
	    sqlt_set(col, "notnull",
	    json_boolean(sqlite3_column_int(st, 2) != 0)) != 0 ||
	    sqlt_set(col, "default", sqlt_json_value(st, 3)) != 0 ||
	    sqlt_set(col, "pk", json_integer(sqlite3_column_int(st, 4))) != 0 ||
	    sqlt_set(col, "generated",
	    json_boolean(hidden == 2 || hidden == 3)) != 0)
		return -1;
	return 0;
}

static int
tool_describe_table(struct sqltools *t, json_t *args, char **textp,
    int *is_errorp)
{
	/* Hidden 1 marks a virtual table's hidden columns: not the user's. */
	static const char sql[] = "SELECT name, type, \"notnull\", "
	    "dflt_value, pk, hidden FROM pragma_table_xinfo(?1, 'main') "
	    "WHERE hidden <> 1 ORDER BY cid";
	json_t *o = NULL, *cols;
	const char *name, *msg;
	char *canon = NULL;
	size_t len;
	int r;

	if ((name = sqlt_args_string(args, "table", SQLT_NAME_CHARS_MAX,
	    &len)) == NULL) {
		sqlt_detail(t, "bad table argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	if ((r = sqlt_table_lookup(t, &t->ro, name, len, &canon, &msg)) <= 0)
		return sqlt_reply_error(r == 0 ? MSG_NO_TABLE : msg, textp,
		    is_errorp);
	if ((o = json_object()) == NULL ||
	    sqlt_set(o, "table", sqlt_json_text(canon, strlen(canon))) != 0 ||
	    (cols = json_array()) == NULL ||
	    json_object_set_new(o, "columns", cols) != 0)
		r = SQLT_ERR_ALLOC;
	else
		r = sqlt_read_tool(t, "describe_table", sql, canon,
		    sqlt_row_column, cols, o, textp, is_errorp);
	json_decref(o);
	free(canon);
	return r;
}

/*
 * Run a client's statement, prepared on c by sqlt_prepare_client(), to
 * its end or to the caps.  Its rows go into o as sqlt_rows() puts them,
 * always for query (an empty result still has "columns" and "rows") and
 * for execute_sql when the statement has result columns; a statement
 * without is only stepped through.  Returns SQLT_OK with *msgp NULL when
 * it ran, SQLT_OK with the client's error message in *msgp when it did
 * not, or SQLT_ERR_ALLOC.
 */
static int
sqlt_run_client(struct sqltools *t, struct sqlt_conn *c, sqlite3_stmt *st,
    json_t *o, const char **msgp)
{
	int q = c->auth.mode == SQLAUTH_QUERY, rc, r;

	*msgp = NULL;
	if (q || sqlite3_column_count(st) > 0) {
		if ((r = sqlt_rows(t, st, o, &rc)) == 1) {
			*msgp = MSG_TOO_LARGE;
			return SQLT_OK;
		}
		if (r != SQLT_OK)
			return r;
	} else {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	}
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return SQLT_OK;
	/* A virtual table may prepare statements while it runs. */
	if (c->auth.denied)
		*msgp = q ? MSG_QUERY_READONLY : MSG_EXEC_DENIED;
	else
		*msgp = sqlt_sqlerr(t, c, rc, q ? "query" : "execute_sql");
	return SQLT_OK;
}

static int
tool_query(struct sqltools *t, json_t *args, char **textp, int *is_errorp)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	const char *sql, *msg;
	size_t len;
	int r;

	if ((sql = sqlt_args_string(args, "sql", SQLT_SQL_CHARS_MAX,
	    &len)) == NULL) {
		sqlt_detail(t, "bad sql argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	if (sqlt_prepare_client(t, &t->ro, SQLAUTH_QUERY, sql, len, &st,
	    &msg) != 0)
		return sqlt_reply_error(msg, textp, is_errorp);
	if ((o = json_object()) == NULL) {
		r = SQLT_ERR_ALLOC;
		goto out;
	}
	if ((r = sqlt_run_client(t, &t->ro, st, o, &msg)) != SQLT_OK)
		goto out;
	r = msg != NULL ? sqlt_reply_error(msg, textp, is_errorp) :
	    sqlt_reply_json(t, o, textp, is_errorp);
 out:
	(void)sqlite3_finalize(st);
	json_decref(o);
	return r;
}

static int
tool_execute_sql(struct sqltools *t, json_t *args, char **textp,
    int *is_errorp)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 before, changes = 0;
	json_t *o = NULL;
	const char *sql, *msg;
	size_t len;
	int rc, r;

	if ((sql = sqlt_args_string(args, "sql", SQLT_SQL_CHARS_MAX,
	    &len)) == NULL) {
		sqlt_detail(t, "bad sql argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	if (sqlt_prepare_client(t, &t->rw, SQLAUTH_EXEC, sql, len, &st,
	    &msg) != 0)
		return sqlt_reply_error(msg, textp, is_errorp);
	if ((o = json_object()) == NULL ||
	    sqlt_set(o, "changes", json_integer(0)) != 0) {
		r = SQLT_ERR_ALLOC;
		goto out;
	}
	before = sqlite3_total_changes64(t->rw.db);
	if ((r = sqlt_run_client(t, &t->rw, st, o, &msg)) != SQLT_OK)
		goto out;
	if (msg != NULL) {
		r = sqlt_reply_error(msg, textp, is_errorp);
		goto out;
	}
	/*
	 * Resetting a statement that stopped early (a row cap on INSERT ...
	 * RETURNING) completes it; only then is the count of changes final.
	 * sqlite3_changes() keeps the value of the last INSERT, UPDATE or
	 * DELETE, including one a virtual table ran while creating itself,
	 * so it counts only for a statement that is itself one of those and
	 * changed something.
	 */
	rc = sqlite3_reset(st);
	if (rc != SQLITE_OK) {
		msg = sqlt_sqlerr(t, &t->rw, rc, "execute_sql");
		r = sqlt_reply_error(msg, textp, is_errorp);
		goto out;
	}
	if (t->rw.auth.dml && sqlite3_total_changes64(t->rw.db) != before)
		changes = sqlite3_changes64(t->rw.db);
	if (sqlt_set(o, "changes", json_integer((json_int_t)changes)) != 0) {
		r = SQLT_ERR_ALLOC;
		goto out;
	}
	r = sqlt_reply_json(t, o, textp, is_errorp);
 out:
	(void)sqlite3_finalize(st);
	json_decref(o);
	return r;
}

static int
tool_drop_table(struct sqltools *t, json_t *args, char **textp,
    int *is_errorp)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	const char *name, *msg;
	char *canon = NULL, *sql = NULL;
	size_t len;
	int rc, r;

	if ((name = sqlt_args_string(args, "table", SQLT_NAME_CHARS_MAX,
	    &len)) == NULL) {
		sqlt_detail(t, "bad table argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	/* SQLite reserves these names, in any case, for its own tables. */
	if (len >= 7 && strncasecmp(name, "sqlite_", 7) == 0) {
		sqlt_detail(t, "refused to drop a system table");
		return sqlt_reply_error(MSG_SYSTEM_TABLE, textp, is_errorp);
	}
	if ((r = sqlt_table_lookup(t, &t->rw, name, len, &canon, &msg)) <= 0)
		return sqlt_reply_error(r == 0 ? MSG_NO_TABLE : msg, textp,
		    is_errorp);
	/* %w doubles the double quotes of an identifier. */
	if ((sql = sqlite3_mprintf("DROP TABLE main.\"%w\"", canon)) ==
	    NULL || (o = json_object()) == NULL ||
	    sqlt_set(o, "dropped", sqlt_json_text(canon, strlen(canon))) !=
	    0) {
		r = SQLT_ERR_ALLOC;
		goto out;
	}
	if ((rc = sqlite3_prepare_v3(t->rw.db, sql, -1, 0, &st, NULL)) !=
	    SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_DONE) {
		msg = sqlt_sqlerr(t, &t->rw, rc, "drop_table");
		r = sqlt_reply_error(msg, textp, is_errorp);
		goto out;
	}
	r = sqlt_reply_json(t, o, textp, is_errorp);
 out:
	(void)sqlite3_finalize(st);
	sqlite3_free(sql);
	json_decref(o);
	free(canon);
	return r;
}

static int
tool_delete_users(struct sqltools *t, json_t *args, char **textp,
    int *is_errorp)
{
	static const char *const allowed[] = { "userIds", NULL };
	sqlite3_stmt *st = NULL;
	sqlite3_int64 deleted = 0;
	json_t *ids, *v, *o = NULL;
	const char *msg;
	char *canon = NULL;
	size_t i, n;
	int rc, r, in_txn = 0;

	if (!sqlt_args_keys(args, allowed) ||
	    (ids = json_object_get(args, "userIds")) == NULL ||
	    !json_is_array(ids) || (n = json_array_size(ids)) == 0 ||
	    n > SQLT_IDS_MAX) {
		sqlt_detail(t, "bad userIds argument");
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	json_array_foreach(ids, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    sqlt_nchars(json_string_value(v),
		    json_string_length(v)) > SQLT_ID_CHARS_MAX ||
		    memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL) {
			sqlt_detail(t, "bad user id at index %zu", i);
			return sqlt_reply_error(MSG_INVALID_ARGS, textp,
			    is_errorp);
		}
	}
	if ((r = sqlt_table_lookup(t, &t->rw, "users", 5, &canon, &msg)) <= 0)
		return sqlt_reply_error(r == 0 ? MSG_NO_TABLE : msg, textp,
		    is_errorp);
	free(canon);

	/* IMMEDIATE: take the write lock now, not halfway through. */
	if ((rc = sqlt_exec_internal(t, &t->rw, "BEGIN IMMEDIATE")) !=
	    SQLITE_OK) {
		msg = sqlt_sqlerr(t, &t->rw, rc, "delete_users begin");
		return sqlt_reply_error(msg, textp, is_errorp);
	}
	in_txn = 1;
	if ((rc = sqlite3_prepare_v3(t->rw.db,
	    "DELETE FROM main.users WHERE id = ?1", -1, 0, &st, NULL)) !=
	    SQLITE_OK)
		goto sqlfail;
	/*
	 * The seed's ids are strings.  Bound as text and compared with the
	 * key, whose INTEGER affinity turns a numeric string into its
	 * number, so "5" (and "05") still match the user with id 5; a string
	 * that is not a number matches nothing.
	 */
	json_array_foreach(ids, i, v) {
		if ((rc = sqlite3_bind_text(st, 1, json_string_value(v),
		    (int)json_string_length(v), SQLITE_STATIC)) != SQLITE_OK ||
		    (rc = sqlite3_step(st)) != SQLITE_DONE)
			goto sqlfail;
		deleted += sqlite3_changes64(t->rw.db);
		if ((rc = sqlite3_reset(st)) != SQLITE_OK)
			goto sqlfail;
	}
	(void)sqlite3_finalize(st);
	st = NULL;
	if ((rc = sqlt_exec_internal(t, &t->rw, "COMMIT")) != SQLITE_OK)
		goto sqlfail;
	if ((o = json_object()) == NULL ||
	    sqlt_set(o, "deleted", json_integer((json_int_t)deleted)) != 0) {
		json_decref(o);
		return SQLT_ERR_ALLOC;
	}
	r = sqlt_reply_json(t, o, textp, is_errorp);
	json_decref(o);
	return r;

 sqlfail:
	msg = sqlt_sqlerr(t, &t->rw, rc, "delete_users");
	(void)sqlite3_finalize(st);
	if (in_txn && !sqlite3_get_autocommit(t->rw.db))
		(void)sqlt_exec_internal(t, &t->rw, "ROLLBACK");
	return sqlt_reply_error(msg, textp, is_errorp);
}

static const struct sqlt_tool sqlt_tools[] = {
	{ "list_tables",	0,	tool_list_tables },
	{ "describe_table",	0,	tool_describe_table },
	{ "query",		0,	tool_query },
	{ "execute_sql",	1,	tool_execute_sql },
	{ "drop_table",		1,	tool_drop_table },
	{ "delete_users",	1,	tool_delete_users },
	{ NULL,			0,	NULL }
};

int
sqltools_writable(const struct sqltools *t)
{
	return t != NULL && t->writable;
}

const char *
sqltools_detail(const struct sqltools *t)
{
	return t == NULL ? "" : t->detail;
}

int
sqltools_exec(struct sqltools *t, const char *tool, const char *args,
    size_t argslen, char **textp, int *is_errorp)
{
	const struct sqlt_tool *tl;
	struct sqlt_conn *c;
	json_error_t jerr;
	json_t *root;
	int r;

	if (t == NULL || tool == NULL || textp == NULL || is_errorp == NULL ||
	    (args == NULL && argslen > 0))
		return SQLT_ERR_INVAL;
	*textp = NULL;
	*is_errorp = 1;
	t->detail[0] = '\0';
	for (tl = sqlt_tools; tl->name != NULL; tl++) {
		if (strcmp(tl->name, tool) == 0)
			break;
	}
	if (tl->name == NULL) {
		sqlt_detail(t, "unknown tool");
		return sqlt_reply_error(MSG_UNKNOWN_TOOL, textp, is_errorp);
	}
	if (argslen > SQLT_ARGS_MAX) {
		sqlt_detail(t, "arguments of %zu bytes", argslen);
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	/* The net process validated them; parse as if it had not. */
	if (argslen == 0)
		root = json_object();
	else
		root = json_loadb(args, argslen, JSON_REJECT_DUPLICATES,
		    &jerr);
	if (root == NULL || !json_is_object(root)) {
		if (root == NULL && argslen == 0)
			return SQLT_ERR_ALLOC;
		if (root == NULL)
			sqlt_detail(t, "arguments: %s at offset %d",
			    jerr.text, jerr.position);
		else
			sqlt_detail(t, "arguments are not an object");
		json_decref(root);
		return sqlt_reply_error(MSG_INVALID_ARGS, textp, is_errorp);
	}
	if (tl->writes && !t->writable) {
		json_decref(root);
		sqlt_detail(t, "no read-write connection");
		return sqlt_reply_error(MSG_NOT_WRITABLE, textp, is_errorp);
	}

	/*
	 * Per-call isolation: every call gets a connection of its own,
	 * opened now and closed when the call ends, so that nothing a call
	 * does to its connection (a TEMP table, view or trigger, a changed
	 * setting, an open transaction, ...) can reach a later call, which
	 * may be another identity's.  This does not depend on what the
	 * authorizer lets a statement do.
	 */
	c = tl->writes ? &t->rw : &t->ro;
	sqlt_deadline_start(t);
	if ((tl->writes ? sqlt_open_rw(t, c, t->path) :
	    (sqlt_open_ro(t, c, t->path) == SQLITE_OK ? 0 : -1)) != 0) {
		t->deadline_on = 0;
		json_decref(root);
		return sqlt_reply_error(t->timed_out ? MSG_TIMEOUT :
		    MSG_INTERNAL, textp, is_errorp);
	}
	r = tl->fn(t, root, textp, is_errorp);
	t->deadline_on = 0;
	sqlt_conn_close(c);
	json_decref(root);
	return r;
}
