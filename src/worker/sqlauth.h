/*
 * The SQLite authorizer of the built-in tools (sqlauth.c): which actions
 * and functions a client's statement may use, by tool.  Private to the
 * worker (sqltools.c installs it on every connection).
 */
#ifndef MCPD_SQLAUTH_H
#define MCPD_SQLAUTH_H

#include <stddef.h>

/* Whose statement is being prepared, and so what it may do. */
enum sqlauth_mode {
	SQLAUTH_INTERNAL,	/* our own fixed statements */
	SQLAUTH_QUERY,		/* a client's statement through query */
	SQLAUTH_EXEC		/* a client's statement via execute_sql */
};

/* A connection's authorizer: the context of sqlauth_authorize(). */
struct sqlauth {
	enum sqlauth_mode mode;
	int		 denied;	/* the authorizer said no */
	int		 preparing;	/* in sqlt_prepare_client() */
	int		 dml;		/* ...saw INSERT/UPDATE/DELETE */
	char		*detail;	/* where a denial is told, for the log */
	size_t		 detaillen;
};

/*
 * sqlite3_set_authorizer()'s callback, ctx a struct sqlauth: SQLITE_OK,
 * or SQLITE_DENY with denied set and the reason in detail.
 */
int	sqlauth_authorize(void *ctx, int action, const char *a1,
	    const char *a2, const char *dbname, const char *trigger);

#endif /* MCPD_SQLAUTH_H */
