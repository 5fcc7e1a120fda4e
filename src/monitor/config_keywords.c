/*
 * mcpd.conf(5): the keywords.  The table of keyword names, the choices
 * each keyword of that kind accepts, and a handler per keyword that
 * checks its arguments (config_values.c) and stores them in the
 * configuration, first value wins or accumulating for the repeatable
 * ones.  cfg_process() looks a keyword up and dispatches its words.
 * Every value is checked when it is read, even when an earlier source
 * already set the keyword, so that a typo in the file is reported
 * whatever the command line says.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auditredact.h"
#include "config.h"
#include "config_int.h"
#include "strv.h"

/* The ranges of the numeric keywords. */
#define WORKERS_MAX		64
#define TOOL_TIMEOUT_MAX	3600
#define WORKER_CALLS_MAX	1000000
#define WORKER_IDLE_MAX		86400
#define JWT_LEEWAY_MAX		3600
#define QUERY_TIMEOUT_MAX_MS	(3600L * 1000)
#define QUERY_ROWS_MAX		1000000
#define MSG_SIZE_MIN		1024
#define MSG_SIZE_MAX		(4L * 1024 * 1024)
#define CONNECTIONS_MAX		65536
#define HEADER_SIZE_MIN		1024
#define HEADER_SIZE_MAX		65536
#define CLIENT_TIMEOUT_MAX	3600
#define IDLE_TIMEOUT_MAX	86400
#define SESSION_TIMEOUT_MIN	60
#define SESSION_TIMEOUT_MAX	(7L * 24 * 60 * 60)
#define AUDIT_CP_RECORDS_MAX	100000000L
#define AUDIT_CP_SECONDS_MAX	(7L * 24 * 60 * 60)
#define HANDSHAKE_TIMEOUT_MAX	600
#define SESSIONS_PER_USER_MAX	4096

enum kw {
	KW_AUTHMODE,
	KW_AUTHORIZEDKEYSFILE,
	KW_JWKSFILE,
	KW_JWTISSUER,
	KW_JWTAUDIENCE,
	KW_JWTALGORITHMS,
	KW_JWTROLESCLAIM,
	KW_JWTLEEWAY,
	KW_JWTSCOPE,
	KW_USER,
	KW_ROLE,
	KW_TOOLLISTING,
	KW_RATELIMIT,
	KW_AUTHFAILURELIMIT,
	KW_AUDITLOG,
	KW_AUDITKEYFILE,
	KW_AUDITSYNC,
	KW_AUDITARGUMENTS,
	KW_LISTEN,
	KW_TLSCERTIFICATE,
	KW_TLSKEY,
	KW_TLSCLIENTCA,
	KW_TLSCLIENTCRL,
	KW_MTLSIDENTITY,
	KW_ALLOWEDORIGINS,
	KW_RESOURCEURL,
	KW_AUTHORIZATIONSERVER,
	KW_MAXCONNECTIONS,
	KW_MAXHEADERSIZE,
	KW_CLIENTTIMEOUT,
	KW_IDLETIMEOUT,
	KW_SESSIONTIMEOUT,
	KW_PRIVSEPUSER,
	KW_PRIVSEPCHROOT,
	KW_TOOLUSER,
	KW_WORKERS,
	KW_TOOLTIMEOUT,
	KW_DATABASE,
	KW_MAXMESSAGESIZE,
	KW_QUERYMAXROWS,
	KW_QUERYTIMEOUT,
	KW_WORKERMAXCALLS,
	KW_WORKERIDLETIMEOUT,
	KW_JWTTYPE,
	KW_MTLSBINDTOKEN,
	KW_MTLSMATCHIDENTITY,
	KW_AUDITREDACT,
	KW_AUDITCHECKPOINT,
	KW_MAXCONNECTIONSPERSOURCE,
	KW_PERSOURCENETBLOCKSIZE,
	KW_HANDSHAKETIMEOUT,
	KW_MAXSESSIONSPERUSER,
	KW_UPSTREAM
};

static const struct keyword {
	const char	*name;
	enum kw		 code;
} keywords[] = {
	{ "AuthMode",			KW_AUTHMODE },
	{ "AuthorizedKeysFile",		KW_AUTHORIZEDKEYSFILE },
	{ "JWKSFile",			KW_JWKSFILE },
	{ "JWTIssuer",			KW_JWTISSUER },
	{ "JWTAudience",		KW_JWTAUDIENCE },
	{ "JWTAlgorithms",		KW_JWTALGORITHMS },
	{ "JWTRolesClaim",		KW_JWTROLESCLAIM },
	{ "JWTLeeway",			KW_JWTLEEWAY },
	{ "JWTScope",			KW_JWTSCOPE },
	{ "User",			KW_USER },
	{ "Role",			KW_ROLE },
	{ "ToolListing",		KW_TOOLLISTING },
	{ "RateLimit",			KW_RATELIMIT },
	{ "AuthFailureLimit",		KW_AUTHFAILURELIMIT },
	{ "AuditLog",			KW_AUDITLOG },
	{ "AuditKeyFile",		KW_AUDITKEYFILE },
	{ "AuditSync",			KW_AUDITSYNC },
	{ "AuditArguments",		KW_AUDITARGUMENTS },
	{ "Listen",			KW_LISTEN },
	{ "TLSCertificate",		KW_TLSCERTIFICATE },
	{ "TLSKey",			KW_TLSKEY },
	{ "TLSClientCA",		KW_TLSCLIENTCA },
	{ "TLSClientCRL",		KW_TLSCLIENTCRL },
	{ "MTLSIdentity",		KW_MTLSIDENTITY },
	{ "AllowedOrigins",		KW_ALLOWEDORIGINS },
	{ "ResourceURL",		KW_RESOURCEURL },
	{ "AuthorizationServer",	KW_AUTHORIZATIONSERVER },
	{ "MaxConnections",		KW_MAXCONNECTIONS },
	{ "MaxHeaderSize",		KW_MAXHEADERSIZE },
	{ "ClientTimeout",		KW_CLIENTTIMEOUT },
	{ "IdleTimeout",		KW_IDLETIMEOUT },
	{ "SessionTimeout",		KW_SESSIONTIMEOUT },
	{ "PrivsepUser",		KW_PRIVSEPUSER },
	{ "PrivsepChroot",		KW_PRIVSEPCHROOT },
	{ "ToolUser",			KW_TOOLUSER },
	{ "Workers",			KW_WORKERS },
	{ "ToolTimeout",		KW_TOOLTIMEOUT },
	{ "Database",			KW_DATABASE },
	{ "MaxMessageSize",		KW_MAXMESSAGESIZE },
	{ "QueryMaxRows",		KW_QUERYMAXROWS },
	{ "QueryTimeout",		KW_QUERYTIMEOUT },
	{ "WorkerMaxCalls",		KW_WORKERMAXCALLS },
	{ "WorkerIdleTimeout",		KW_WORKERIDLETIMEOUT },
	{ "JWTType",			KW_JWTTYPE },
	{ "MTLSBindToken",		KW_MTLSBINDTOKEN },
	{ "MTLSMatchIdentity",		KW_MTLSMATCHIDENTITY },
	{ "AuditRedact",		KW_AUDITREDACT },
	{ "AuditCheckpoint",		KW_AUDITCHECKPOINT },
	{ "MaxConnectionsPerSource",	KW_MAXCONNECTIONSPERSOURCE },
	{ "PerSourceNetBlockSize",	KW_PERSOURCENETBLOCKSIZE },
	{ "HandshakeTimeout",		KW_HANDSHAKETIMEOUT },
	{ "MaxSessionsPerUser",		KW_MAXSESSIONSPERUSER },
	{ "Upstream",			KW_UPSTREAM },
};

const struct choice cfg_toollisting_choices[] = {
	{ "permitted",	TOOLLIST_PERMITTED },
	{ "all",	TOOLLIST_ALL },
	{ NULL,		0 }
};

const struct choice cfg_auditsync_choices[] = {
	{ "always",	AUDIT_SYNC_ALWAYS },
	{ "batch",	AUDIT_SYNC_BATCH },
	{ "none",	AUDIT_SYNC_NONE },
	{ NULL,		0 }
};

const struct choice cfg_auditargs_choices[] = {
	{ "none",	AUDIT_ARGS_NONE },
	{ "hash",	AUDIT_ARGS_HASH },
	{ "full",	AUDIT_ARGS_FULL },
	{ NULL,		0 }
};

const struct choice cfg_mtlsid_choices[] = {
	{ "san-email",	MTLS_ID_SAN_EMAIL },
	{ "san-uri",	MTLS_ID_SAN_URI },
	{ "subject-cn",	MTLS_ID_SUBJECT_CN },
	{ NULL,		0 }
};

const struct choice cfg_jwttype_choices[] = {
	{ "at+jwt",	JWT_TYPE_AT_JWT },
	{ "JWT",	JWT_TYPE_JWT },
	{ "any",	JWT_TYPE_ANY },
	{ NULL,		0 }
};

const struct choice cfg_yesno_choices[] = {
	{ "no",		0 },
	{ "yes",	1 },
	{ NULL,		0 }
};

/* In bit order, so that config_authmask_str() prints a stable form. */
const struct choice cfg_authmethod_choices[] = {
	{ "none",	AUTH_M_NONE },
	{ "apikey",	AUTH_M_APIKEY },
	{ "oauth",	AUTH_M_OAUTH },
	{ "mtls",	AUTH_M_MTLS },
	{ NULL,		0 }
};

/*
 * PerSourceNetBlockSize "V4" or "V4:V6", as sshd_config's: the leading
 * bits of a source address that make it one source.
 */
static int
parse_netblock(struct pctx *p, const char *s)
{
	unsigned long long v4, v6 = 64;
	const char *ep;

	if (cfg_parse_ull(s, &ep, &v4) != 0 || v4 < 1 || v4 > 32 ||
	    (*ep != '\0' && (*ep != ':' ||
	    cfg_parse_ull(ep + 1, NULL, &v6) != 0 || v6 < 1 || v6 > 128))) {
		cfg_perr(p, "%s: bad value '%s' (must be V4 or V4:V6, "
		    "1..32 and 1..128)", p->kw, s);
		return -1;
	}
	cfg_set_long(&p->cfg->netblock_v4, (long)v4);
	cfg_set_long(&p->cfg->netblock_v6, (long)v6);
	return 0;
}

static int
parse_authmode(struct pctx *p, char **av, int ac)
{
	unsigned int alt[AUTHMODE_MAX_ALT], mask, bit;
	char *copy, *cp, *el;
	size_t j, nalt = 0;
	int i, v;

	if (ac > AUTHMODE_MAX_ALT) {
		cfg_perr(p, "%s: too many alternatives (at most %d)", p->kw,
		    AUTHMODE_MAX_ALT);
		return -1;
	}
	for (i = 0; i < ac; i++) {
		if ((copy = strdup(av[i])) == NULL) {
			cfg_perr(p, "out of memory");
			return -1;
		}
		cp = copy;
		mask = 0;
		while ((el = strsep(&cp, ",")) != NULL) {
			if (*el == '\0') {
				cfg_perr(p, "%s: empty method in '%s'", p->kw,
				    av[i]);
				goto fail;
			}
			if (cfg_parse_choice(p, el, cfg_authmethod_choices,
			    &v) != 0)
				goto fail;
			bit = (unsigned int)v;
			if ((mask & bit) != 0) {
				cfg_perr(p, "%s: duplicate method '%s' in '%s'",
				    p->kw, el, av[i]);
				goto fail;
			}
			mask |= bit;
		}
		free(copy);
		if ((mask & AUTH_M_NONE) != 0 && mask != AUTH_M_NONE) {
			cfg_perr(p, "%s: 'none' cannot be combined with "
			    "another method in '%s'", p->kw, av[i]);
			return -1;
		}
		for (j = 0; j < nalt; j++) {
			if (alt[j] == mask) {
				cfg_perr(p, "%s: duplicate alternative '%s'",
				    p->kw, av[i]);
				return -1;
			}
		}
		alt[nalt++] = mask;
	}
	if (p->cfg->nauth_alt != 0)
		return 0;	/* first value wins */
	memcpy(p->cfg->auth_alt, alt, nalt * sizeof(alt[0]));
	p->cfg->nauth_alt = nalt;
	return 0;
 fail:
	free(copy);
	return -1;
}

/*
 * The list of "User id roles=a,b": av[1] after
 * its prefix, which must be there and be followed by something.  NULL
 * (said through p) if not.
 */
static char *
prefixed_list(struct pctx *p, char **av, const char *prefix,
    const char *expected, const char *what)
{
	size_t len = strlen(prefix);

	if (strncasecmp(av[1], prefix, len) != 0) {
		cfg_perr(p, "%s: expected %s, got '%s'", p->kw, expected,
		    av[1]);
		return NULL;
	}
	if (av[1][len] == '\0') {
		cfg_perr(p, "%s: '%s' has an empty %s list", p->kw, av[0],
		    what);
		return NULL;
	}
	return av[1] + len;
}

static int
parse_user(struct pctx *p, char **av)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_user *u;
	char **roles, *list, *id;
	size_t i, nroles;

	if (!cfg_valid_id(av[0])) {
		cfg_perr(p, "%s: invalid identity '%s'", p->kw, av[0]);
		return -1;
	}
	if ((list = prefixed_list(p, av, "roles=", "'roles=r1,r2'",
	    "role")) == NULL)
		return -1;
	for (i = 0; i < cfg->nusers; i++) {
		if (strcmp(cfg->users[i].id, av[0]) == 0) {
			cfg_perr(p, "%s: duplicate identity '%s'", p->kw,
			    av[0]);
			return -1;
		}
	}
	if (cfg_list_full(p, cfg->nusers))
		return -1;
	if (cfg_split_list(p, &list, 1, cfg_valid_name, "role", &roles,
	    &nroles) != 0)
		return -1;
	if ((id = strdup(av[0])) == NULL)
		goto oom;
	if ((u = reallocarray(cfg->users, cfg->nusers + 1,
	    sizeof(*u))) == NULL) {
		free(id);
		goto oom;
	}
	cfg->users = u;
	u = &cfg->users[cfg->nusers++];
	u->id = id;
	u->roles = roles;
	u->nroles = nroles;
	return 0;
 oom:
	strv_free(roles, nroles);
	cfg_perr(p, "out of memory");
	return -1;
}

/*
 * A pattern of tool or prompt names: the characters of a name and those
 * of an fnmatch(3) glob ('*', '?', '[', ']', '!').
 */
static int
valid_name_pattern(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CONFIG_ID_MAX)
			return 0;
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-*?[]!", s[i]) == NULL)
			return 0;
	}
	return i > 0;
}

/* The lists a Role line may give, each at most once. */
static const struct role_field {
	const char	*prefix;
	const char	*what;
	int		(*valid)(const char *);
} role_fields[] = {
	{ "tools=",	"tool pattern",		valid_name_pattern },
	{ "resources=",	"resource pattern",	cfg_valid_id },
	{ "prompts=",	"prompt pattern",	valid_name_pattern },
};
#define ROLE_NFIELDS	(sizeof(role_fields) / sizeof(role_fields[0]))

/*
 * One "tools=P1,P2" (or resources=, prompts=) of a Role line into a fresh
 * list.  "*" stands alone: mixed with other patterns it would hide a
 * mistake, since it already grants everything.
 */
static int
parse_role_field(struct pctx *p, const char *role, const struct role_field *f,
    char *list, char ***vp, size_t *np)
{
	size_t i;

	if (*list == '\0') {
		cfg_perr(p, "%s: '%s' has an empty %s list", p->kw, role,
		    f->what);
		return -1;
	}
	if (cfg_split_list(p, &list, 1, f->valid, f->what, vp, np) != 0)
		return -1;
	for (i = 0; *np > 1 && i < *np; i++) {
		if (strcmp((*vp)[i], "*") == 0) {
			cfg_perr(p, "%s: '*' must stand alone in %s (it "
			    "matches every name)", p->kw, f->prefix);
			strv_free(*vp, *np);
			*vp = NULL;
			*np = 0;
			return -1;
		}
	}
	return 0;
}

/*
 * Role NAME tools=PATTERNS [resources=PATTERNS] [prompts=PATTERNS], in
 * any order, each at most once; a list not given grants nothing of its
 * kind.
 */
static int
parse_role(struct pctx *p, char **av, int ac)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_role nr, *r;
	char ***lists[ROLE_NFIELDS];
	size_t *counts[ROLE_NFIELDS], i, len;
	int j;

	if (!cfg_valid_name(av[0])) {
		cfg_perr(p, "%s: invalid role name '%s'", p->kw, av[0]);
		return -1;
	}
	for (i = 0; i < cfg->nroles; i++) {
		if (strcmp(cfg->roles[i].name, av[0]) == 0) {
			cfg_perr(p, "%s: duplicate role '%s'", p->kw, av[0]);
			return -1;
		}
	}
	if (cfg_list_full(p, cfg->nroles))
		return -1;
	memset(&nr, 0, sizeof(nr));
	lists[0] = &nr.tools;
	counts[0] = &nr.ntools;
	lists[1] = &nr.resources;
	counts[1] = &nr.nresources;
	lists[2] = &nr.prompts;
	counts[2] = &nr.nprompts;
	for (j = 1; j < ac; j++) {
		for (i = 0; i < ROLE_NFIELDS; i++) {
			len = strlen(role_fields[i].prefix);
			if (strncasecmp(av[j], role_fields[i].prefix, len) == 0)
				break;
		}
		if (i == ROLE_NFIELDS) {
			cfg_perr(p, "%s: expected 'tools=PATTERNS', "
			    "'resources=PATTERNS' or 'prompts=PATTERNS', got "
			    "'%s'", p->kw, av[j]);
			goto fail;
		}
		if (*lists[i] != NULL) {
			cfg_perr(p, "%s: '%s' gives %s twice", p->kw, av[0],
			    role_fields[i].prefix);
			goto fail;
		}
		if (parse_role_field(p, av[0], &role_fields[i], av[j] + len,
		    lists[i], counts[i]) != 0)
			goto fail;
	}
	if ((nr.name = strdup(av[0])) == NULL)
		goto oom;
	if ((r = reallocarray(cfg->roles, cfg->nroles + 1,
	    sizeof(*r))) == NULL)
		goto oom;
	cfg->roles = r;
	cfg->roles[cfg->nroles++] = nr;
	return 0;
 oom:
	cfg_perr(p, "out of memory");
 fail:
	free(nr.name);
	for (i = 0; i < ROLE_NFIELDS; i++)
		strv_free(*lists[i], *counts[i]);
	return -1;
}

/*
 * Listen accumulates within one source.  Lines from a source of higher
 * precedence than the ones kept replace them; lines from a source of lower
 * precedence are ignored once the command line or the environment has set
 * Listen (the sources are normally applied highest first, so in practice
 * the file's Listen lines are dropped when --listen or MCPD_LISTEN is
 * given).
 */
static int
parse_listen(struct pctx *p, const char *val)
{
	struct mcpd_config *cfg = p->cfg;

	if (!cfg_valid_listen(val)) {
		cfg_perr(p, "%s: bad address '%s' (must be addr:port, "
		    "[v6addr]:port or :port, port 1..65535)", p->kw, val);
		return -1;
	}
	if (cfg->nlisten > 0) {
		if (p->src > cfg->listen_src &&
		    (cfg->listen_src == CFG_SRC_CMDLINE ||
		    cfg->listen_src == CFG_SRC_ENV))
			return 0;
		if (p->src < cfg->listen_src) {
			strv_free(cfg->listen, cfg->nlisten);
			cfg->listen = NULL;
			cfg->nlisten = 0;
		}
	}
	if (cfg_list_add(p, &cfg->listen, &cfg->nlisten, val) != 0)
		return -1;
	cfg->listen_src = p->src;
	return 0;
}

/*
 * AuditRedact tool.field,...: the first line wins, as for every
 * single-valued keyword.  "none" is an empty list, so that -o can turn
 * off the file's rules.
 */
static int
parse_audit_redact(struct pctx *p, char **av, int ac)
{
	struct mcpd_config *cfg = p->cfg;
	char **v = NULL;
	size_t n = 0;

	if (cfg->audit_redact_set)
		return 0;
	if (!(ac == 1 && strcmp(av[0], "none") == 0)) {
		if (cfg_split_list(p, av, ac, auditredact_valid, "tool.field",
		    &v, &n) != 0)
			return -1;
		if (n > AUDITREDACT_RULES_MAX) {
			cfg_perr(p, "%s: more than %d rules", p->kw,
			    AUDITREDACT_RULES_MAX);
			strv_free(v, n);
			return -1;
		}
	}
	cfg->audit_redact = v;
	cfg->naudit_redact = n;
	cfg->audit_redact_set = 1;
	return 0;
}

static int
parse_allowed_origins(struct pctx *p, char **av, int ac)
{
	struct mcpd_config *cfg = p->cfg;
	char **v, norm[CONFIG_ID_MAX + 1], *c;
	size_t i, n;

	if (cfg_split_list(p, av, ac, cfg_valid_id, "origin", &v, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "*") == 0) {
			cfg_perr(p, "%s: '*' is not accepted: it would let "
			    "every web page in a browser call this server; "
			    "list the origins (requests without an Origin "
			    "header are always allowed)", p->kw);
			goto fail;
		}
		if (cfg_origin_normalize(v[i], norm, sizeof(norm)) != 0) {
			cfg_perr(p, "%s: bad origin '%s' (must be "
			    "scheme://host[:port], without a path)", p->kw,
			    v[i]);
			goto fail;
		}
		/* Two spellings of one origin are one origin. */
		if (strv_has(v, i, norm)) {
			cfg_perr(p, "%s: duplicate origin '%s'", p->kw, v[i]);
			goto fail;
		}
		if ((c = strdup(norm)) == NULL) {
			cfg_perr(p, "out of memory");
			goto fail;
		}
		free(v[i]);
		v[i] = c;
	}
	if (cfg->allowed_origins != NULL) {
		strv_free(v, n);	/* first value wins */
		return 0;
	}
	cfg->allowed_origins = v;
	cfg->nallowed_origins = n;
	return 0;
 fail:
	strv_free(v, n);
	return -1;
}

/* RFC 9728: the resource identifier is an absolute URL without fragment. */
static int
parse_resource_url(struct pctx *p, const char *val)
{
	struct url u;

	if (cfg_url_parse(val, &u) != 0) {
		cfg_perr(p, "%s: '%s' is not an absolute https:// URL", p->kw,
		    val);
		return -1;
	}
	if (u.has_fragment) {
		cfg_perr(p, "%s: '%s' has a fragment, which a resource "
		    "identifier must not have", p->kw, val);
		return -1;
	}
	/* http:// is checked against the Listen lines by config_validate(). */
	return cfg_set_string(p, &p->cfg->resource_url, val, NULL);
}

/*
 * An authorization server's issuer identifier (RFC 8414): https, no query,
 * no fragment.  http:// on a loopback host is let through for tests with
 * a local authorization server.
 */
static int
parse_authorization_server(struct pctx *p, const char *val)
{
	struct mcpd_config *cfg = p->cfg;
	struct url u;

	if (cfg_url_parse(val, &u) != 0 || (!u.https &&
	    !cfg_host_is_loopback(u.host))) {
		cfg_perr(p, "%s: '%s' is not an absolute https:// URL (http:// "
		    "is allowed only for localhost, 127.0.0.1 and [::1])",
		    p->kw, val);
		return -1;
	}
	if (u.has_query || u.has_fragment) {
		cfg_perr(p, "%s: '%s' has a query or a fragment, which an "
		    "issuer identifier never has", p->kw, val);
		return -1;
	}
	/* The same server from two sources is listed once. */
	if (strv_has(cfg->authorization_servers,
	    cfg->nauthorization_servers, val))
		return 0;
	return cfg_list_add(p, &cfg->authorization_servers,
	    &cfg->nauthorization_servers, val);
}

/*
 * JWTScope scope role (repeatable).  A scope may map to several roles and
 * a role may be reached by several scopes; only the same pair twice is a
 * mistake.
 */
static int
parse_jwt_scope(struct pctx *p, char **av)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_scope *sc;
	char *scope = NULL, *role = NULL;
	size_t i;

	if (!cfg_valid_scope(av[0])) {
		cfg_perr(p, "%s: invalid scope '%s' (printable ASCII without "
		    "blanks, quotes or backslashes, at most %d characters)",
		    p->kw, av[0], SCOPE_MAX);
		return -1;
	}
	if (!cfg_valid_name(av[1])) {
		cfg_perr(p, "%s: invalid role name '%s'", p->kw, av[1]);
		return -1;
	}
	for (i = 0; i < cfg->njwt_scopes; i++) {
		if (strcmp(cfg->jwt_scopes[i].scope, av[0]) == 0 &&
		    strcmp(cfg->jwt_scopes[i].role, av[1]) == 0) {
			cfg_perr(p, "%s: duplicate mapping of scope '%s' to "
			    "role '%s'", p->kw, av[0], av[1]);
			return -1;
		}
	}
	if (cfg_list_full(p, cfg->njwt_scopes))
		return -1;
	if ((scope = strdup(av[0])) == NULL || (role = strdup(av[1])) == NULL)
		goto oom;
	if ((sc = reallocarray(cfg->jwt_scopes, cfg->njwt_scopes + 1,
	    sizeof(*sc))) == NULL)
		goto oom;
	cfg->jwt_scopes = sc;
	sc = &cfg->jwt_scopes[cfg->njwt_scopes++];
	sc->scope = scope;
	sc->role = role;
	return 0;
 oom:
	free(scope);
	free(role);
	cfg_perr(p, "out of memory");
	return -1;
}

static int
parse_jwt_algorithms(struct pctx *p, char *val)
{
	char **v;
	size_t n;

	if (cfg_split_list(p, &val, 1, cfg_valid_alg, "algorithm", &v, &n) != 0)
		return -1;
	strv_free(v, n);
	return cfg_set_string(p, &p->cfg->jwt_algorithms, val, NULL);
}

/*
 * AuditCheckpoint N|DURATION [N|DURATION]: a bare number is a count of
 * records, a number with a unit (s, m, h, ...) a time; one of each at
 * most, whichever comes first.  The first AuditCheckpoint line wins whole.
 */
static int
parse_audit_checkpoint(struct pctx *p, char **av, int ac)
{
	long records = 0, seconds = 0, lv;
	int i;

	if (p->cfg->audit_checkpoint_records != -1 ||
	    p->cfg->audit_checkpoint_seconds != -1)
		return 0;
	for (i = 0; i < ac; i++) {
		if (av[i][0] != '\0' &&
		    strspn(av[i], "0123456789") == strlen(av[i])) {
			if (records != 0) {
				cfg_perr(p, "%s: two record counts", p->kw);
				return -1;
			}
			if (cfg_parse_range(p, av[i], 1, AUDIT_CP_RECORDS_MAX,
			    &lv) != 0)
				return -1;
			records = lv;
		} else {
			if (seconds != 0) {
				cfg_perr(p, "%s: two durations", p->kw);
				return -1;
			}
			if (cfg_parse_seconds(p, av[i], 1, AUDIT_CP_SECONDS_MAX,
			    &lv) != 0)
				return -1;
			seconds = lv;
		}
	}
	p->cfg->audit_checkpoint_records = records;
	p->cfg->audit_checkpoint_seconds = seconds;
	return 0;
}

int
cfg_process(struct pctx *p, const char *keyword, char *args)
{
	struct mcpd_config *cfg = p->cfg;
	char *av[CONFIG_ARGS_MAX];
	const struct keyword *k = NULL;
	size_t i;
	long lv;
	int ac, iv, minargs = 1, maxargs = 1;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcasecmp(keyword, keywords[i].name) == 0) {
			k = &keywords[i];
			break;
		}
	}
	if (k == NULL) {
		cfg_perr(p, "unknown keyword '%s'", keyword);
		return -1;
	}
	p->kw = k->name;
	if (cfg_tokenize(p, args, av, &ac) != 0)
		return -1;

	switch (k->code) {
	case KW_AUTHMODE:
	case KW_ALLOWEDORIGINS:
	case KW_AUDITREDACT:
		maxargs = CONFIG_ARGS_MAX;
		break;
	case KW_USER:
	case KW_JWTSCOPE:
		minargs = maxargs = 2;
		break;
	case KW_ROLE:
		minargs = 2;
		maxargs = 1 + (int)ROLE_NFIELDS;
		break;
	case KW_UPSTREAM:
		maxargs = CONFIG_ARGS_MAX;
		break;
	case KW_AUDITCHECKPOINT:
		maxargs = 2;
		break;
	default:
		break;
	}
	if (ac < minargs) {
		cfg_perr(p, "%s: missing argument", k->name);
		return -1;
	}
	if (ac > maxargs) {
		cfg_perr(p, "%s: extra argument '%s'", k->name, av[maxargs]);
		return -1;
	}

	switch (k->code) {
	case KW_AUTHMODE:
		return parse_authmode(p, av, ac);
	case KW_AUTHORIZEDKEYSFILE:
		return cfg_set_string(p, &cfg->authorized_keys_file, av[0],
		    NULL);
	case KW_JWKSFILE:
		return cfg_set_string(p, &cfg->jwks_file, av[0], NULL);
	case KW_JWTISSUER:
		return cfg_set_string(p, &cfg->jwt_issuer, av[0], NULL);
	case KW_JWTAUDIENCE:
		return cfg_set_string(p, &cfg->jwt_audience, av[0], NULL);
	case KW_JWTALGORITHMS:
		return parse_jwt_algorithms(p, av[0]);
	case KW_JWTROLESCLAIM:
		return cfg_set_string(p, &cfg->jwt_roles_claim, av[0],
		    cfg_valid_id);
	case KW_JWTLEEWAY:
		if (cfg_parse_seconds(p, av[0], 0, JWT_LEEWAY_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->jwt_leeway, lv);
		return 0;
	case KW_JWTSCOPE:
		return parse_jwt_scope(p, av);
	case KW_USER:
		return parse_user(p, av);
	case KW_ROLE:
		return parse_role(p, av, ac);
	case KW_TOOLLISTING:
		if (cfg_parse_choice(p, av[0], cfg_toollisting_choices,
		    &iv) != 0)
			return -1;
		cfg_set_int(&cfg->tool_listing, iv);
		return 0;
	case KW_RATELIMIT:
		if (cfg_parse_rate(p, av[0], &lv) != 0)
			return -1;
		cfg_set_long(&cfg->rate_limit, lv);
		return 0;
	case KW_AUTHFAILURELIMIT:
		if (cfg_parse_rate(p, av[0], &lv) != 0)
			return -1;
		cfg_set_long(&cfg->auth_failure_limit, lv);
		return 0;
	case KW_AUDITLOG:
		return cfg_set_string(p, &cfg->audit_log, av[0], NULL);
	case KW_AUDITCHECKPOINT:
		return parse_audit_checkpoint(p, av, ac);
	case KW_AUDITKEYFILE:
		return cfg_set_string(p, &cfg->audit_key_file, av[0], NULL);
	case KW_AUDITSYNC:
		if (cfg_parse_choice(p, av[0], cfg_auditsync_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->audit_sync, iv);
		return 0;
	case KW_AUDITARGUMENTS:
		if (cfg_parse_choice(p, av[0], cfg_auditargs_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->audit_arguments, iv);
		return 0;
	case KW_LISTEN:
		return parse_listen(p, av[0]);
	case KW_TLSCERTIFICATE:
		return cfg_set_string(p, &cfg->tls_certificate, av[0], NULL);
	case KW_TLSKEY:
		return cfg_set_string(p, &cfg->tls_key, av[0], NULL);
	case KW_TLSCLIENTCA:
		return cfg_set_string(p, &cfg->tls_client_ca, av[0], NULL);
	case KW_TLSCLIENTCRL:
		return cfg_set_string(p, &cfg->tls_client_crl, av[0], NULL);
	case KW_MTLSIDENTITY:
		if (cfg_parse_choice(p, av[0], cfg_mtlsid_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->mtls_identity, iv);
		return 0;
	case KW_ALLOWEDORIGINS:
		return parse_allowed_origins(p, av, ac);
	case KW_RESOURCEURL:
		return parse_resource_url(p, av[0]);
	case KW_AUTHORIZATIONSERVER:
		return parse_authorization_server(p, av[0]);
	case KW_MAXCONNECTIONS:
		if (cfg_parse_range(p, av[0], 1, CONNECTIONS_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->max_connections, lv);
		return 0;
	case KW_MAXHEADERSIZE:
		if (cfg_parse_size(p, av[0], HEADER_SIZE_MIN, HEADER_SIZE_MAX,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->max_header_size, lv);
		return 0;
	case KW_CLIENTTIMEOUT:
		if (cfg_parse_seconds(p, av[0], 1, CLIENT_TIMEOUT_MAX,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->client_timeout, lv);
		return 0;
	case KW_IDLETIMEOUT:
		if (cfg_parse_seconds(p, av[0], 1, IDLE_TIMEOUT_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->idle_timeout, lv);
		return 0;
	case KW_SESSIONTIMEOUT:
		if (cfg_parse_seconds(p, av[0], SESSION_TIMEOUT_MIN,
		    SESSION_TIMEOUT_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->session_timeout, lv);
		return 0;
	case KW_PRIVSEPUSER:
		return cfg_set_string(p, &cfg->privsep_user, av[0],
		    cfg_valid_id);
	case KW_PRIVSEPCHROOT:
		return cfg_set_string(p, &cfg->privsep_chroot, av[0], NULL);
	case KW_TOOLUSER:
		return cfg_set_string(p, &cfg->tool_user, av[0], cfg_valid_id);
	case KW_WORKERS:
		if (cfg_parse_range(p, av[0], 1, WORKERS_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->workers, lv);
		return 0;
	case KW_TOOLTIMEOUT:
		if (cfg_parse_seconds(p, av[0], 1, TOOL_TIMEOUT_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->tool_timeout, lv);
		return 0;
	case KW_DATABASE:
		return cfg_set_string(p, &cfg->database, av[0], NULL);
	case KW_MAXMESSAGESIZE:
		if (cfg_parse_size(p, av[0], MSG_SIZE_MIN, MSG_SIZE_MAX,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->max_message_size, lv);
		return 0;
	case KW_QUERYMAXROWS:
		if (cfg_parse_range(p, av[0], 1, QUERY_ROWS_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->query_max_rows, lv);
		return 0;
	case KW_QUERYTIMEOUT:
		if (cfg_parse_millis(p, av[0], 1, QUERY_TIMEOUT_MAX_MS,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->query_timeout, lv);
		return 0;
	case KW_WORKERMAXCALLS:
		if (cfg_parse_range(p, av[0], 1, WORKER_CALLS_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->worker_max_calls, lv);
		return 0;
	case KW_WORKERIDLETIMEOUT:
		if (cfg_parse_seconds(p, av[0], 0, WORKER_IDLE_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->worker_idle_timeout, lv);
		return 0;
	case KW_JWTTYPE:
		if (cfg_parse_choice(p, av[0], cfg_jwttype_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->jwt_type, iv);
		return 0;
	case KW_MTLSBINDTOKEN:
		if (cfg_parse_choice(p, av[0], cfg_yesno_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->mtls_bind_token, iv);
		return 0;
	case KW_MTLSMATCHIDENTITY:
		if (cfg_parse_choice(p, av[0], cfg_yesno_choices, &iv) != 0)
			return -1;
		cfg_set_int(&cfg->mtls_match_identity, iv);
		return 0;
	case KW_AUDITREDACT:
		return parse_audit_redact(p, av, ac);
	case KW_MAXCONNECTIONSPERSOURCE:
		if (cfg_parse_range(p, av[0], 1, CONNECTIONS_MAX, &lv) != 0)
			return -1;
		cfg_set_long(&cfg->max_conn_per_source, lv);
		return 0;
	case KW_PERSOURCENETBLOCKSIZE:
		return parse_netblock(p, av[0]);
	case KW_HANDSHAKETIMEOUT:
		if (cfg_parse_seconds(p, av[0], 1, HANDSHAKE_TIMEOUT_MAX,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->handshake_timeout, lv);
		return 0;
	case KW_MAXSESSIONSPERUSER:
		if (cfg_parse_range(p, av[0], 1, SESSIONS_PER_USER_MAX,
		    &lv) != 0)
			return -1;
		cfg_set_long(&cfg->max_sessions_per_user, lv);
		return 0;
	case KW_UPSTREAM:
		return cfg_parse_upstream(p, av, ac);
	}
	cfg_perr(p, "internal error: unhandled keyword '%s'", k->name);
	return -1;
}
