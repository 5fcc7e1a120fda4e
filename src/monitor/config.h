/*
 * mcpd.conf(5): parsed by the monitor only.
 *
 * Values come from four sources, highest precedence first: the command
 * line (-o and the long options), the environment (MCPD_*), the file, the
 * built-in defaults.  Single-valued keywords keep the first value they get
 * (as sshd_config does), so the sources are applied in that order.
 * Repeatable keywords (User, Role, JWTScope, Listen, AuthorizationServer)
 * accumulate, except that Listen from the command line or the environment
 * replaces the file's Listen lines.
 */
#ifndef MCPD_CONFIG_H
#define MCPD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH	"/etc/mcpd/mcpd.conf"

/* Authentication methods, as bits; AuthMode is a list of alternatives. */
#define AUTH_M_NONE	0x01
#define AUTH_M_APIKEY	0x02
#define AUTH_M_OAUTH	0x04
#define AUTH_M_MTLS	0x08
#define AUTHMODE_MAX_ALT	8

#define TOOLLIST_PERMITTED	0
#define TOOLLIST_ALL		1

#define AUDIT_SYNC_ALWAYS	0
#define AUDIT_SYNC_BATCH	1
#define AUDIT_SYNC_NONE		2

#define AUDIT_ARGS_NONE		0
#define AUDIT_ARGS_HASH		1
#define AUDIT_ARGS_FULL		2

#define MTLS_ID_SAN_EMAIL	0
#define MTLS_ID_SAN_URI		1
#define MTLS_ID_SUBJECT_CN	2

/* JWTType: the "typ" header a token must carry (RFC 9068 section 4). */
#define JWT_TYPE_AT_JWT		0	/* at+jwt (application/at+jwt) */
#define JWT_TYPE_JWT		1	/* that, JWT, or none */
#define JWT_TYPE_ANY		2	/* not looked at */

/* Where a value came from; lower wins. */
#define CFG_SRC_CMDLINE		0
#define CFG_SRC_ENV		1
#define CFG_SRC_FILE		2
#define CFG_SRC_DEFAULT		3

/* Limits on what a configuration may contain. */
#define CONFIG_LINE_MAX		8192
#define CONFIG_LIST_MAX		1024	/* users, roles, tools per role ... */

struct cfg_user {
	char	 *id;
	char	**roles;
	size_t	  nroles;
};

/*
 * A Role: fnmatch(3) patterns, comma-separated in the file, for the names
 * of tools and prompts and the URIs of resources it grants; "*" matches
 * every name.  An empty list grants nothing of that kind.
 */
struct cfg_role {
	char	 *name;
	char	**tools;
	size_t	  ntools;
	char	**resources;
	size_t	  nresources;
	char	**prompts;
	size_t	  nprompts;
};

/* Upstream: an MCP server the gateway fronts (mcpd.conf(5), UPSTREAMS). */
#define UPSTREAM_COMMAND	0	/* a local server on stdin/stdout */
#define UPSTREAM_URL		1	/* a remote Streamable HTTP server */

#define UPSTREAM_NET_NONE	0
#define UPSTREAM_NET_HOST	1

#define UPSTREAMS_MAX		64	/* Upstream lines */
#define UPSTREAM_NAME_MAX	32	/* NAME and prefix= */
#define UPSTREAM_INFLIGHT_MAX	1024	/* max-inflight= */

struct cfg_upstream {
	char	 *name;
	int	  kind;			/* UPSTREAM_COMMAND or UPSTREAM_URL */
	char	 *user;			/* NULL: ToolUser */
	char	 *cwd;
	char	**env;			/* names copied from mcpd's own */
	size_t	  nenv;
	char	 *envfile;		/* secret file of NAME=VALUE lines */
	int	  network;		/* UPSTREAM_NET_* */
	char	**read;			/* absolute paths */
	size_t	  nread;
	char	**write;
	size_t	  nwrite;
	long	  timeout;		/* seconds, -1 = unset (ToolTimeout) */
	long	  max_inflight;		/* -1 = unset */
	char	 *prefix;		/* "" exposes names unchanged */
	char	 *credential;		/* url only: bearer token file */
	char	 *ca;			/* url only: CA bundle */
	char	 *path;			/* command: absolute program path */
	char	**args;			/* command: arguments, verbatim */
	size_t	  nargs;
	char	 *url;			/* url */
};

/* JWTScope scope role: the role counts only if the token has the scope. */
struct cfg_scope {
	char	*scope;
	char	*role;
};

struct mcpd_config {
	/* AuthMode: alternatives, each a mask that must pass entirely. */
	unsigned int	 auth_alt[AUTHMODE_MAX_ALT];
	size_t		 nauth_alt;		/* 0 = unset */

	char		*authorized_keys_file;
	char		*jwks_file;
	char		*jwt_issuer;
	char		*jwt_audience;
	char		*jwt_algorithms;	/* comma-separated */
	char		*jwt_roles_claim;
	long		 jwt_leeway;		/* seconds, -1 = unset */
	struct cfg_scope *jwt_scopes;		/* JWTScope lines, repeatable */
	size_t		 njwt_scopes;

	struct cfg_user	*users;
	size_t		 nusers;
	struct cfg_role	*roles;
	size_t		 nroles;
	struct cfg_upstream *upstreams;		/* Upstream lines */
	size_t		 nupstreams;

	int		 tool_listing;		/* -1 = unset */
	long		 rate_limit;		/* per minute, -1 = unset */
	long		 auth_failure_limit;	/* per minute, -1 = unset */

	char		*audit_log;
	char		*audit_key_file;
	int		 audit_sync;		/* -1 = unset */
	int		 audit_arguments;	/* -1 = unset */
	char		**audit_redact;		/* AuditRedact "tool.field" */
	size_t		 naudit_redact;
	int		 audit_redact_set;	/* a line was seen */

	char		**listen;		/* "addr:port" as given */
	size_t		 nlisten;
	int		 listen_src;		/* CFG_SRC_* of the Listen lines */
	char		*tls_certificate;
	char		*tls_key;
	char		*tls_client_ca;
	char		*tls_client_crl;
	int		 mtls_identity;		/* -1 = unset */
	char		**allowed_origins;	/* normalized */
	size_t		 nallowed_origins;
	char		*resource_url;		/* default from Listen */
	char		**authorization_servers;
	size_t		 nauthorization_servers;
	long		 max_connections;	/* -1 = unset */
	long		 max_header_size;	/* bytes, -1 = unset */
	long		 client_timeout;	/* seconds a request may take */
	long		 idle_timeout;		/* seconds a keep-alive waits */
	long		 session_timeout;	/* seconds an idle session lives */

	char		*privsep_user;
	char		*privsep_chroot;
	char		*tool_user;
	long		 workers;		/* -1 = unset */
	long		 tool_timeout;		/* seconds, -1 = unset */

	char		*database;
	long		 max_message_size;	/* bytes, -1 = unset */
	long		 query_max_rows;	/* -1 = unset */
	long		 query_timeout;		/* milliseconds, -1 = unset */
	long		 worker_max_calls;	/* -1 = unset */
	long		 worker_idle_timeout;	/* seconds, 0 = never, -1 unset */

	int		 jwt_type;		/* JWT_TYPE_*, -1 = unset */
	int		 mtls_bind_token;	/* mtls,oauth: cnf required */
	int		 mtls_match_identity;	/* certificate = user */

	int		 stdio;			/* --stdio given */

	/* AuditCheckpoint: records and seconds, 0 = off, -1 = unset. */
	long		 audit_checkpoint_records;
	long		 audit_checkpoint_seconds;
	/* Per-source and per-user limits over HTTP; -1 = unset. */
	long		 max_conn_per_source;	/* MaxConnectionsPerSource */
	long		 netblock_v4;		/* PerSourceNetBlockSize bits */
	long		 netblock_v6;
	long		 handshake_timeout;	/* seconds, HandshakeTimeout */
	long		 max_sessions_per_user;	/* MaxSessionsPerUser */
};

/* Set every field to "unset". */
void	config_init(struct mcpd_config *);
void	config_free(struct mcpd_config *);

/*
 * Parse one "Keyword arguments" line (comments and blank lines are fine).
 * src is CFG_SRC_*; where/linenum name the origin for error messages, which
 * are written to err as "where line N: ..." (or "where: ..." if linenum is
 * 0).  Returns 0 or -1.
 */
int	config_parse_line(struct mcpd_config *, const char *line, int src,
	    const char *where, int linenum, char *err, size_t errlen);
/* -o keyword=value (also "keyword value"). */
int	config_parse_option(struct mcpd_config *, const char *opt,
	    char *err, size_t errlen);
/* MCPD_AUTH_MODE, MCPD_AUDIT_LOG, MCPD_RATE_LIMIT, MCPD_LISTEN. */
int	config_load_env(struct mcpd_config *, char *err, size_t errlen);
/* The whole file; a missing file is an error. */
int	config_load_file(struct mcpd_config *, const char *path,
	    char *err, size_t errlen);
/* Fill what is still unset with the built-in defaults. */
void	config_fill_defaults(struct mcpd_config *);
/* Cross-keyword checks (e.g. AuthMode apikey needs AuthorizedKeysFile). */
int	config_validate(const struct mcpd_config *, char *err, size_t errlen);
/* The effective configuration, one "keyword value" per line (sshd -T). */
void	config_dump(const struct mcpd_config *, FILE *);

/* An upstream's prefix: prefix= if given ("" for none), else its NAME. */
const char *cfg_upstream_prefix(const struct cfg_upstream *);

/* "apikey,mtls" for one AuthMode alternative; static storage. */
const char *config_authmask_str(unsigned int);
/* Whether the configuration accepts method m in some alternative. */
int	config_auth_uses(const struct mcpd_config *, unsigned int m);

#endif /* MCPD_CONFIG_H */
