/*
 * Between the files of the built-in tools: sqltools.c (the tools and the
 * calls) and sqlt_open.c (the connections).  Private to src/worker/.
 */
#ifndef MCPD_SQLTOOLS_INT_H
#define MCPD_SQLTOOLS_INT_H

#include <time.h>

#include <sqlite3.h>

#include "sqlauth.h"
#include "sqltools.h"

/* How often (in virtual machine steps) the deadline is checked. */
#define SQLT_PROGRESS_STEPS	1000

struct sqlt_conn {
	sqlite3		*db;
	struct sqlauth	 auth;		/* its authorizer's (sqlauth.h) */
};

struct sqltools {
	/*
	 * The connections a call runs on: opened for the call and closed
	 * after it (sqltools_exec()), NULL in between.
	 */
	struct sqlt_conn ro;
	struct sqlt_conn rw;
	/*
	 * Open for the life of the tools and never given a client's SQL:
	 * it keeps the database, -wal and -shm files and the shared-memory
	 * mapping of this process open between calls, so that closing a
	 * call's connection is never the last close (which would
	 * checkpoint, or delete the WAL).
	 */
	sqlite3		*anchor;
	char		*path;		/* full path, as SQLite resolved it */
	int		 writable;	/* a read-write connection works */
	unsigned	 max_rows;
	unsigned	 timeout_ms;
	size_t		 max_result;
	struct timespec	 deadline;
	int		 deadline_on;
	int		 timed_out;
	char		 detail[SQLT_DETAIL_MAX];
};

/* sqltools.c */
void	sqlt_detail(struct sqltools *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Start the call's deadline (timeout_ms from now). */
void	sqlt_deadline_start(struct sqltools *);
/* SQLite's progress handler and busy handler, ctx the tools. */
int	sqlt_progress(void *ctx);
int	sqlt_busy(void *ctx, int n);
/* Run one of our own statements that returns nothing we need. */
int	sqlt_exec_internal(struct sqltools *, struct sqlt_conn *,
	    const char *sql);

/* sqlt_open.c */
/*
 * A call's read-write connection: 0, or -1 with the connection closed
 * and the reason in t->detail.
 */
int	sqlt_open_rw(struct sqltools *, struct sqlt_conn *, const char *path);
/* A call's read-only connection: the SQLite code, as sqlt_open_rw(). */
int	sqlt_open_ro(struct sqltools *, struct sqlt_conn *, const char *path);
/* Close a call's connection, rolling back what it left open. */
void	sqlt_conn_close(struct sqlt_conn *);

#endif /* MCPD_SQLTOOLS_INT_H */
