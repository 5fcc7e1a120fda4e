/*
 * mcpd.conf(5) parser.  Runs in the monitor only, before any child is
 * started.
 *
 * The grammar follows sshd_config: one "Keyword arguments" line at a time,
 * the keyword case-insensitive and optionally followed by "=", arguments
 * separated by blanks, a word that begins with '#' starting a comment, and
 * double quotes grouping a word that contains blanks.  Every value is
 * checked when it is read, even when an earlier source already set the
 * keyword, so that a typo in the file is reported whatever the command line
 * says.
 *
 * This is library code: errors are returned and described in the caller's
 * buffer, and allocation failures while parsing are reported the same way.
 * The configuration holds no secret (only the paths of files that do), so
 * nothing here needs wiping.
 */

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auditredact.h"
#include "config.h"
#include "errbuf.h"
#include "strv.h"
#include "xmalloc.h"

/* Words on one line; a line is at most CONFIG_LINE_MAX bytes anyway. */
#define CONFIG_ARGS_MAX		256
/* User ids (identities) and other free-form names. */
#define CONFIG_ID_MAX		512
/* Role and tool names. */
#define CONFIG_NAME_MAX		128
/* A Listen value: "[v6addr%zone]:port" fits easily. */
#define CONFIG_LISTEN_MAX	256

#define RATE_MIN		1
#define RATE_MAX		1000000
#define WORKERS_MAX		64
#define TOOL_TIMEOUT_MAX	3600
#define WORKER_CALLS_MAX	1000000
#define WORKER_IDLE_MAX		86400
#define JWT_LEEWAY_MAX		3600
#define QUERY_TIMEOUT_MAX_MS	(3600L * 1000)
#define QUERY_ROWS_MAX		1000000
#define MSG_SIZE_MIN		1024
#define MSG_SIZE_MAX		(4L * 1024 * 1024)
/* An OAuth scope; WWW-Authenticate repeats it, so it is kept short. */
#define SCOPE_MAX		128
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
/* Cap on any time value while it is being summed, to rule out overflow. */
#define TIME_SUM_MAX_MS		(1000ULL * 1000 * 1000 * 1000)

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
	KW_MAXSESSIONSPERUSER
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
};

struct choice {
	const char	*name;
	int		 value;
};

static const struct choice toollisting_choices[] = {
	{ "permitted",	TOOLLIST_PERMITTED },
	{ "all",	TOOLLIST_ALL },
	{ NULL,		0 }
};

static const struct choice auditsync_choices[] = {
	{ "always",	AUDIT_SYNC_ALWAYS },
	{ "batch",	AUDIT_SYNC_BATCH },
	{ "none",	AUDIT_SYNC_NONE },
	{ NULL,		0 }
};

static const struct choice auditargs_choices[] = {
	{ "none",	AUDIT_ARGS_NONE },
	{ "hash",	AUDIT_ARGS_HASH },
	{ "full",	AUDIT_ARGS_FULL },
	{ NULL,		0 }
};

static const struct choice mtlsid_choices[] = {
	{ "san-email",	MTLS_ID_SAN_EMAIL },
	{ "san-uri",	MTLS_ID_SAN_URI },
	{ "subject-cn",	MTLS_ID_SUBJECT_CN },
	{ NULL,		0 }
};

static const struct choice jwttype_choices[] = {
	{ "at+jwt",	JWT_TYPE_AT_JWT },
	{ "JWT",	JWT_TYPE_JWT },
	{ "any",	JWT_TYPE_ANY },
	{ NULL,		0 }
};

static const struct choice yesno_choices[] = {
	{ "no",		0 },
	{ "yes",	1 },
	{ NULL,		0 }
};

/* In bit order, so that config_authmask_str() prints a stable form. */
static const struct choice authmethod_choices[] = {
	{ "none",	AUTH_M_NONE },
	{ "apikey",	AUTH_M_APIKEY },
	{ "oauth",	AUTH_M_OAUTH },
	{ "mtls",	AUTH_M_MTLS },
	{ NULL,		0 }
};

/* The algorithms the monitor can verify; everything else is refused. */
static const char *const jwt_algs_allowed[] = {
	"RS256", "PS256", "ES256", "EdDSA", NULL
};

/* Where the line being parsed came from, for error messages. */
struct pctx {
	struct mcpd_config	*cfg;
	int			 src;
	const char		*where;
	int			 linenum;
	const char		*kw;	/* canonical keyword name */
	char			*err;
	size_t			 errlen;
};

static void perr(struct pctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
vseterr(char *err, size_t errlen, const char *where, int linenum,
    const char *fmt, va_list ap)
{
	char msg[512];
	int r;

	if (err == NULL || errlen == 0)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	if (where == NULL)
		where = "configuration";
	if (linenum > 0)
		r = snprintf(err, errlen, "%s line %d: %s", where, linenum,
		    msg);
	else
		r = snprintf(err, errlen, "%s: %s", where, msg);
	if (r < 0)
		err[0] = '\0';
}

static void
perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(p->err, p->errlen, p->where, p->linenum, fmt, ap);
	va_end(ap);
}


/* Character classes. */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Role and tool names: [A-Za-z0-9_.-]+. */
static int
valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CONFIG_NAME_MAX)
			return 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return 0;
	}
	return i > 0;
}

/*
 * Identities and other free-form names: printable ASCII except the
 * characters that would make a list, a log line or a quoted string
 * ambiguous (space, comma, quotes, backslash).
 */
static int
valid_id(const char *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CONFIG_ID_MAX)
			return 0;
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '"' ||
		    c == '\'' || c == '\\')
			return 0;
	}
	return i > 0;
}

/*
 * An OAuth scope-token (RFC 6749 section 3.3): printable ASCII without
 * blanks, double quotes or backslashes, so that it needs no escaping in a
 * WWW-Authenticate header.
 */
static int
valid_scope(const char *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SCOPE_MAX)
			return 0;
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return i > 0;
}

/* Letters, digits, '.', '-' and '_': a host name or an IPv4 address. */
static int
is_hostchar(int c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* Inside brackets: an IPv6 address, without a zone. */
static int
is_v6char(int c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* "localhost", 127.0.0.0/8 or ::1 (without brackets). */
static int
host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* Number parsing: digits only, no sign, no blanks, checked for overflow. */
static int
parse_ull(const char *s, const char **endp, unsigned long long *out)
{
	char *ep;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &ep, 10);
	if (errno != 0)
		return -1;
	if (endp == NULL && *ep != '\0')
		return -1;
	if (endp != NULL)
		*endp = ep;
	*out = v;
	return 0;
}

static int
parse_range(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long v;

	if (parse_ull(s, NULL, &v) != 0 || v < (unsigned long long)min ||
	    v > (unsigned long long)max) {
		perr(p, "%s: bad value '%s' (must be %ld..%ld)",
		    p->kw, s, min, max);
		return -1;
	}
	*out = (long)v;
	return 0;
}

static void set_long(long *, long);

/*
 * PerSourceNetBlockSize "V4" or "V4:V6", as sshd_config's: the leading
 * bits of a source address that make it one source.
 */
static int
parse_netblock(struct pctx *p, const char *s)
{
	unsigned long long v4, v6 = 64;
	const char *ep;

	if (parse_ull(s, &ep, &v4) != 0 || v4 < 1 || v4 > 32 ||
	    (*ep != '\0' && (*ep != ':' ||
	    parse_ull(ep + 1, NULL, &v6) != 0 || v6 < 1 || v6 > 128))) {
		perr(p, "%s: bad value '%s' (must be V4 or V4:V6, "
		    "1..32 and 1..128)", p->kw, s);
		return -1;
	}
	set_long(&p->cfg->netblock_v4, (long)v4);
	set_long(&p->cfg->netblock_v6, (long)v6);
	return 0;
}

/* "N" or "N/min", requests per minute. */
static int
parse_rate(struct pctx *p, const char *s, long *out)
{
	const char *ep;
	unsigned long long v;

	if (parse_ull(s, &ep, &v) != 0 ||
	    (*ep != '\0' && strcasecmp(ep, "/min") != 0) ||
	    v < RATE_MIN || v > RATE_MAX) {
		perr(p, "%s: bad value '%s' (must be N/min with N in %d..%d)",
		    p->kw, s, RATE_MIN, RATE_MAX);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/*
 * sshd-style time: a sequence of numbers, each with an optional unit
 * (s, m, h, d, w; "ms" too where allow_ms is set); a bare number is
 * seconds.
 * "1m30s" is 90 seconds.  The result is in milliseconds.
 */
static int
parse_time_ms(const char *s, int allow_ms, unsigned long long *out)
{
	const char *ep;
	unsigned long long v, mult, total = 0;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (parse_ull(s, &ep, &v) != 0)
			return -1;
		s = ep;
		if (allow_ms && (s[0] == 'm' || s[0] == 'M') &&
		    (s[1] == 's' || s[1] == 'S')) {
			mult = 1;
			s += 2;
		} else {
			switch (*s) {
			case '\0':
			case 's':
			case 'S':
				mult = 1000;
				break;
			case 'm':
			case 'M':
				mult = 60 * 1000;
				break;
			case 'h':
			case 'H':
				mult = 60 * 60 * 1000;
				break;
			case 'd':
			case 'D':
				mult = 24 * 60 * 60 * 1000;
				break;
			case 'w':
			case 'W':
				mult = 7 * 24 * 60 * 60 * 1000;
				break;
			default:
				return -1;
			}
			if (*s != '\0')
				s++;
		}
		if (v > TIME_SUM_MAX_MS / mult ||
		    v * mult > TIME_SUM_MAX_MS - total)
			return -1;
		total += v * mult;
	}
	*out = total;
	return 0;
}

static int
parse_seconds(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long ms;

	if (parse_time_ms(s, 0, &ms) != 0 ||
	    ms < (unsigned long long)min * 1000 ||
	    ms > (unsigned long long)max * 1000) {
		perr(p, "%s: bad time '%s' (must be %ld..%ld seconds)",
		    p->kw, s, min, max);
		return -1;
	}
	*out = (long)(ms / 1000);
	return 0;
}

static int
parse_millis(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long ms;

	if (parse_time_ms(s, 1, &ms) != 0 || ms < (unsigned long long)min ||
	    ms > (unsigned long long)max) {
		perr(p, "%s: bad time '%s' (must be %ldms..%lds)",
		    p->kw, s, min, max / 1000);
		return -1;
	}
	*out = (long)ms;
	return 0;
}

/* Bytes with an optional K or M (binary) suffix. */
static int
parse_size(struct pctx *p, const char *s, long min, long max, long *out)
{
	const char *ep;
	unsigned long long v, mult = 1;

	if (parse_ull(s, &ep, &v) != 0)
		goto bad;
	if (*ep == 'k' || *ep == 'K')
		mult = 1024;
	else if (*ep == 'm' || *ep == 'M')
		mult = 1024 * 1024;
	else if (*ep != '\0')
		goto bad;
	if (mult != 1 && ep[1] != '\0')
		goto bad;
	if (v > (unsigned long long)max / mult || v * mult <
	    (unsigned long long)min)
		goto bad;
	*out = (long)(v * mult);
	return 0;
 bad:
	perr(p, "%s: bad size '%s' (must be %ld..%ld bytes, K or M suffix "
	    "allowed)", p->kw, s, min, max);
	return -1;
}

static int
parse_choice(struct pctx *p, const char *s, const struct choice *c, int *out)
{
	char list[128];
	size_t i, off = 0;
	int r;

	for (i = 0; c[i].name != NULL; i++) {
		if (strcasecmp(s, c[i].name) == 0) {
			*out = c[i].value;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; c[i].name != NULL && off < sizeof(list); i++) {
		r = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? "" : "|", c[i].name);
		if (r < 0)
			break;
		off += (size_t)r;
	}
	perr(p, "%s: bad value '%s' (must be %s)", p->kw, s, list);
	return -1;
}

/* "addr:port", "[v6addr]:port" or ":port"; port 1..65535. */
static int
valid_listen(const char *s)
{
	const char *port, *cp, *end;
	unsigned long long v;

	if (strlen(s) > CONFIG_LISTEN_MAX)
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end == s + 1 ||
		    end[1] != ':')
			return 0;
		for (cp = s + 1; cp < end; cp++) {
			/* Hex digits, ':' and '.', and a "%zone" suffix. */
			if (!isalnum((unsigned char)*cp) && *cp != ':' &&
			    *cp != '.' && *cp != '%' && *cp != '_' &&
			    *cp != '-')
				return 0;
		}
		if (memchr(s + 1, ':', (size_t)(end - s - 1)) == NULL)
			return 0;
		port = end + 2;
	} else {
		if ((end = strrchr(s, ':')) == NULL)
			return 0;
		for (cp = s; cp < end; cp++) {
			/* An unbracketed address is IPv4 or a host name. */
			if (!isalnum((unsigned char)*cp) && *cp != '.' &&
			    *cp != '-' && *cp != '_')
				return 0;
		}
		port = end + 1;
	}
	if (parse_ull(port, NULL, &v) != 0 || v < 1 || v > 65535)
		return 0;
	return 1;
}

/* List helpers. */

/* Append a copy of s to *vp (n entries), capped at CONFIG_LIST_MAX. */
static int
list_add(struct pctx *p, char ***vp, size_t *np, const char *s)
{
	if (*np >= CONFIG_LIST_MAX) {
		perr(p, "%s: too many entries (at most %d)", p->kw,
		    CONFIG_LIST_MAX);
		return -1;
	}
	if (strv_add(vp, np, s) != 0) {
		perr(p, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Split a comma-separated list (several words, if the keyword accepts
 * blanks too) into a fresh vector.  Elements must be non-empty, pass
 * valid() and appear once.
 */
static int
split_list(struct pctx *p, char **words, int nwords, int (*valid)(const char *),
    const char *what, char ***outp, size_t *noutp)
{
	char **v = NULL, *copy, *cp, *el;
	size_t n = 0;
	int i;

	for (i = 0; i < nwords; i++) {
		if ((copy = strdup(words[i])) == NULL) {
			perr(p, "out of memory");
			goto fail;
		}
		cp = copy;
		while ((el = strsep(&cp, ",")) != NULL) {
			if (*el == '\0') {
				perr(p, "%s: empty %s in list '%s'",
				    p->kw, what, words[i]);
				goto fail_copy;
			}
			if (!valid(el)) {
				perr(p, "%s: invalid %s '%s'", p->kw, what, el);
				goto fail_copy;
			}
			if (strv_has(v, n, el)) {
				perr(p, "%s: duplicate %s '%s'", p->kw, what,
				    el);
				goto fail_copy;
			}
			if (list_add(p, &v, &n, el) != 0)
				goto fail_copy;
		}
		free(copy);
	}
	*outp = v;
	*noutp = n;
	return 0;
 fail_copy:
	free(copy);
 fail:
	strv_free(v, n);
	return -1;
}

/* Keyword handlers. */

static int
set_string(struct pctx *p, char **field, const char *val,
    int (*valid)(const char *))
{
	if (*val == '\0') {
		perr(p, "%s: empty argument", p->kw);
		return -1;
	}
	if (valid != NULL && !valid(val)) {
		perr(p, "%s: invalid value '%s'", p->kw, val);
		return -1;
	}
	if (*field != NULL)
		return 0;	/* first value wins */
	if ((*field = strdup(val)) == NULL) {
		perr(p, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * What the checks need of an absolute http:// or https:// URL.  Only the
 * authority is taken apart; of the rest, only a query and a fragment are
 * noticed.
 */
struct url {
	int	https;
	char	host[CONFIG_LISTEN_MAX + 1];	/* without brackets */
	int	has_query;
	int	has_fragment;
};

/*
 * Returns 0 for an http:// or https:// URL with a host, an optional port
 * (1..65535) and no user information (a URL that names one host in front
 * of an '@' and means another is a classic way to mislead a reader).
 */
static int
url_parse(const char *s, struct url *u)
{
	const char *a, *end, *host, *hend, *ep, *pe, *frag, *cp;
	unsigned long long port;
	size_t hlen;

	memset(u, 0, sizeof(*u));
	if (!valid_id(s))
		return -1;
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		a = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0)
		a = s + 7;
	else
		return -1;
	end = a + strcspn(a, "/?#");
	if (*a == '[') {
		host = a + 1;
		if ((hend = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -1;
		for (cp = host; cp < hend; cp++)
			if (!is_v6char(*cp))
				return -1;
		ep = hend + 1;
	} else {
		host = a;
		for (hend = a; hend < end && is_hostchar(*hend); hend++)
			;
		ep = hend;
	}
	hlen = (size_t)(hend - host);
	if (hlen == 0 || hlen >= sizeof(u->host))
		return -1;
	if (ep != end && (*ep != ':' || parse_ull(ep + 1, &pe, &port) != 0 ||
	    pe != end || port < 1 || port > 65535))
		return -1;
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	frag = strchr(end, '#');
	u->has_fragment = frag != NULL;
	u->has_query = memchr(end, '?', frag != NULL ? (size_t)(frag - end) :
	    strlen(end)) != NULL;
	return 0;
}

/*
 * An origin (RFC 6454) as a browser sends it in the Origin header:
 * scheme "://" host [":" port], without a path.  It is stored in the form
 * browsers serialize it, scheme and host in lower case and without the
 * scheme's default port, so that the net process can compare the header
 * with it byte for byte.  Returns 0 with the normal form in out.
 */
static int
origin_normalize(const char *s, char *out, size_t outlen)
{
	char scheme[32], host[CONFIG_LISTEN_MAX + 1];
	const char *cp, *h, *hend, *pe;
	unsigned long long port = 0;
	size_t len, i;
	int r;

	if (!isalpha((unsigned char)s[0]))
		return -1;
	for (cp = s; isalnum((unsigned char)*cp) || *cp == '+' ||
	    *cp == '-' || *cp == '.'; cp++)
		;
	if ((len = (size_t)(cp - s)) >= sizeof(scheme) ||
	    strncmp(cp, "://", 3) != 0)
		return -1;
	for (i = 0; i < len; i++)
		scheme[i] = (char)tolower((unsigned char)s[i]);
	scheme[len] = '\0';
	h = cp + 3;
	if (*h == '[') {
		for (hend = h + 1; is_v6char(*hend); hend++)
			;
		if (*hend != ']' || hend == h + 1)
			return -1;
		hend++;
	} else {
		for (hend = h; is_hostchar(*hend); hend++)
			;
	}
	if ((len = (size_t)(hend - h)) == 0 || len >= sizeof(host))
		return -1;
	if (*hend == ':') {
		if (parse_ull(hend + 1, &pe, &port) != 0 || *pe != '\0' ||
		    port < 1 || port > 65535)
			return -1;
	} else if (*hend != '\0')
		return -1;
	for (i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[len] = '\0';
	if ((port == 443 && strcmp(scheme, "https") == 0) ||
	    (port == 80 && strcmp(scheme, "http") == 0))
		port = 0;
	if (port == 0)
		r = snprintf(out, outlen, "%s://%s", scheme, host);
	else
		r = snprintf(out, outlen, "%s://%s:%llu", scheme, host, port);
	if (r < 0 || (size_t)r >= outlen)
		return -1;
	return 0;
}

/* JWTAlgorithms is checked for membership by config_validate(). */
static int
valid_alg(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 32 || !isalnum((unsigned char)s[i]))
			return 0;
	return i > 0;
}

static int
parse_authmode(struct pctx *p, char **av, int ac)
{
	unsigned int alt[AUTHMODE_MAX_ALT], mask, bit;
	char *copy, *cp, *el;
	size_t j, nalt = 0;
	int i, v;

	if (ac > AUTHMODE_MAX_ALT) {
		perr(p, "%s: too many alternatives (at most %d)", p->kw,
		    AUTHMODE_MAX_ALT);
		return -1;
	}
	for (i = 0; i < ac; i++) {
		if ((copy = strdup(av[i])) == NULL) {
			perr(p, "out of memory");
			return -1;
		}
		cp = copy;
		mask = 0;
		while ((el = strsep(&cp, ",")) != NULL) {
			if (*el == '\0') {
				perr(p, "%s: empty method in '%s'", p->kw,
				    av[i]);
				goto fail;
			}
			if (parse_choice(p, el, authmethod_choices, &v) != 0)
				goto fail;
			bit = (unsigned int)v;
			if ((mask & bit) != 0) {
				perr(p, "%s: duplicate method '%s' in '%s'",
				    p->kw, el, av[i]);
				goto fail;
			}
			mask |= bit;
		}
		free(copy);
		if ((mask & AUTH_M_NONE) != 0 && mask != AUTH_M_NONE) {
			perr(p, "%s: 'none' cannot be combined with another "
			    "method in '%s'", p->kw, av[i]);
			return -1;
		}
		for (j = 0; j < nalt; j++) {
			if (alt[j] == mask) {
				perr(p, "%s: duplicate alternative '%s'",
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

static int
parse_user(struct pctx *p, char **av)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_user *u;
	char **roles, *list, *id;
	size_t i, nroles;

	if (!valid_id(av[0])) {
		perr(p, "%s: invalid identity '%s'", p->kw, av[0]);
		return -1;
	}
	if (strncasecmp(av[1], "roles=", 6) != 0) {
		perr(p, "%s: expected 'roles=r1,r2', got '%s'", p->kw, av[1]);
		return -1;
	}
	list = av[1] + 6;
	if (*list == '\0') {
		perr(p, "%s: '%s' has an empty role list", p->kw, av[0]);
		return -1;
	}
	for (i = 0; i < cfg->nusers; i++) {
		if (strcmp(cfg->users[i].id, av[0]) == 0) {
			perr(p, "%s: duplicate identity '%s'", p->kw, av[0]);
			return -1;
		}
	}
	if (cfg->nusers >= CONFIG_LIST_MAX) {
		perr(p, "%s: too many entries (at most %d)", p->kw,
		    CONFIG_LIST_MAX);
		return -1;
	}
	if (split_list(p, &list, 1, valid_name, "role", &roles, &nroles) != 0)
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
	perr(p, "out of memory");
	return -1;
}

static int
valid_tool(const char *s)
{
	return valid_name(s);
}

static int
parse_role(struct pctx *p, char **av)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_role *r;
	char **tools, *list, *name;
	size_t i, ntools;

	if (!valid_name(av[0])) {
		perr(p, "%s: invalid role name '%s'", p->kw, av[0]);
		return -1;
	}
	if (strncasecmp(av[1], "tools=", 6) != 0) {
		perr(p, "%s: expected 'tools=t1,t2' or 'tools=*', got '%s'",
		    p->kw, av[1]);
		return -1;
	}
	list = av[1] + 6;
	if (*list == '\0') {
		perr(p, "%s: '%s' has an empty tool list", p->kw, av[0]);
		return -1;
	}
	for (i = 0; i < cfg->nroles; i++) {
		if (strcmp(cfg->roles[i].name, av[0]) == 0) {
			perr(p, "%s: duplicate role '%s'", p->kw, av[0]);
			return -1;
		}
	}
	if (cfg->nroles >= CONFIG_LIST_MAX) {
		perr(p, "%s: too many entries (at most %d)", p->kw,
		    CONFIG_LIST_MAX);
		return -1;
	}
	/* "*" stands alone: mixed with names it would hide a mistake. */
	if (strcmp(list, "*") == 0) {
		tools = NULL;
		ntools = 0;
		if (list_add(p, &tools, &ntools, "*") != 0)
			return -1;
	} else if (split_list(p, &list, 1, valid_tool, "tool", &tools,
	    &ntools) != 0)
		return -1;
	if ((name = strdup(av[0])) == NULL)
		goto oom;
	if ((r = reallocarray(cfg->roles, cfg->nroles + 1,
	    sizeof(*r))) == NULL) {
		free(name);
		goto oom;
	}
	cfg->roles = r;
	r = &cfg->roles[cfg->nroles++];
	r->name = name;
	r->tools = tools;
	r->ntools = ntools;
	return 0;
 oom:
	strv_free(tools, ntools);
	perr(p, "out of memory");
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

	if (!valid_listen(val)) {
		perr(p, "%s: bad address '%s' (must be addr:port, "
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
	if (list_add(p, &cfg->listen, &cfg->nlisten, val) != 0)
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
		if (split_list(p, av, ac, auditredact_valid, "tool.field", &v,
		    &n) != 0)
			return -1;
		if (n > AUDITREDACT_RULES_MAX) {
			perr(p, "%s: more than %d rules", p->kw,
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

	if (split_list(p, av, ac, valid_id, "origin", &v, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i], "*") == 0) {
			perr(p, "%s: '*' is not accepted: it would let every "
			    "web page in a browser call this server; list the "
			    "origins (requests without an Origin header are "
			    "always allowed)", p->kw);
			goto fail;
		}
		if (origin_normalize(v[i], norm, sizeof(norm)) != 0) {
			perr(p, "%s: bad origin '%s' (must be "
			    "scheme://host[:port], without a path)", p->kw,
			    v[i]);
			goto fail;
		}
		/* Two spellings of one origin are one origin. */
		if (strv_has(v, i, norm)) {
			perr(p, "%s: duplicate origin '%s'", p->kw, v[i]);
			goto fail;
		}
		if ((c = strdup(norm)) == NULL) {
			perr(p, "out of memory");
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

	if (url_parse(val, &u) != 0) {
		perr(p, "%s: '%s' is not an absolute https:// URL", p->kw,
		    val);
		return -1;
	}
	if (u.has_fragment) {
		perr(p, "%s: '%s' has a fragment, which a resource identifier "
		    "must not have", p->kw, val);
		return -1;
	}
	/* http:// is checked against the Listen lines by config_validate(). */
	return set_string(p, &p->cfg->resource_url, val, NULL);
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

	if (url_parse(val, &u) != 0 || (!u.https &&
	    !host_is_loopback(u.host))) {
		perr(p, "%s: '%s' is not an absolute https:// URL (http:// "
		    "is allowed only for localhost, 127.0.0.1 and [::1])",
		    p->kw, val);
		return -1;
	}
	if (u.has_query || u.has_fragment) {
		perr(p, "%s: '%s' has a query or a fragment, which an issuer "
		    "identifier never has", p->kw, val);
		return -1;
	}
	/* The same server from two sources is listed once. */
	if (strv_has(cfg->authorization_servers,
	    cfg->nauthorization_servers, val))
		return 0;
	return list_add(p, &cfg->authorization_servers,
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

	if (!valid_scope(av[0])) {
		perr(p, "%s: invalid scope '%s' (printable ASCII without "
		    "blanks, quotes or backslashes, at most %d characters)",
		    p->kw, av[0], SCOPE_MAX);
		return -1;
	}
	if (!valid_name(av[1])) {
		perr(p, "%s: invalid role name '%s'", p->kw, av[1]);
		return -1;
	}
	for (i = 0; i < cfg->njwt_scopes; i++) {
		if (strcmp(cfg->jwt_scopes[i].scope, av[0]) == 0 &&
		    strcmp(cfg->jwt_scopes[i].role, av[1]) == 0) {
			perr(p, "%s: duplicate mapping of scope '%s' to role "
			    "'%s'", p->kw, av[0], av[1]);
			return -1;
		}
	}
	if (cfg->njwt_scopes >= CONFIG_LIST_MAX) {
		perr(p, "%s: too many entries (at most %d)", p->kw,
		    CONFIG_LIST_MAX);
		return -1;
	}
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
	perr(p, "out of memory");
	return -1;
}

static int
parse_jwt_algorithms(struct pctx *p, char *val)
{
	char **v;
	size_t n;

	if (split_list(p, &val, 1, valid_alg, "algorithm", &v, &n) != 0)
		return -1;
	strv_free(v, n);
	return set_string(p, &p->cfg->jwt_algorithms, val, NULL);
}

/* First value wins: -1 means unset. */
static void
set_long(long *field, long v)
{
	if (*field == -1)
		*field = v;
}

static void
set_int(int *field, int v)
{
	if (*field == -1)
		*field = v;
}

/*
 * Split the argument string into words in place.  A word starting with '#'
 * begins a comment; a word in double quotes may hold blanks.
 */
static int
tokenize(struct pctx *p, char *s, char **av, int *acp)
{
	char *start, *end;
	int ac = 0;

	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (ac >= CONFIG_ARGS_MAX) {
			perr(p, "too many arguments (at most %d)",
			    CONFIG_ARGS_MAX);
			return -1;
		}
		if (*s == '"') {
			start = s + 1;
			if ((end = strchr(start, '"')) == NULL) {
				perr(p, "unterminated quote");
				return -1;
			}
			*end = '\0';
			s = end + 1;
			if (*s != '\0' && !is_blank(*s)) {
				perr(p, "garbage after closing quote");
				return -1;
			}
		} else {
			start = s;
			while (*s != '\0' && !is_blank(*s))
				s++;
			if (*s != '\0')
				*s++ = '\0';
		}
		av[ac++] = start;
	}
	*acp = ac;
	return 0;
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
				perr(p, "%s: two record counts", p->kw);
				return -1;
			}
			if (parse_range(p, av[i], 1, AUDIT_CP_RECORDS_MAX,
			    &lv) != 0)
				return -1;
			records = lv;
		} else {
			if (seconds != 0) {
				perr(p, "%s: two durations", p->kw);
				return -1;
			}
			if (parse_seconds(p, av[i], 1, AUDIT_CP_SECONDS_MAX,
			    &lv) != 0)
				return -1;
			seconds = lv;
		}
	}
	p->cfg->audit_checkpoint_records = records;
	p->cfg->audit_checkpoint_seconds = seconds;
	return 0;
}

static int
process(struct pctx *p, const char *keyword, char *args)
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
		perr(p, "unknown keyword '%s'", keyword);
		return -1;
	}
	p->kw = k->name;
	if (tokenize(p, args, av, &ac) != 0)
		return -1;

	switch (k->code) {
	case KW_AUTHMODE:
	case KW_ALLOWEDORIGINS:
	case KW_AUDITREDACT:
		maxargs = CONFIG_ARGS_MAX;
		break;
	case KW_USER:
	case KW_ROLE:
	case KW_JWTSCOPE:
		minargs = maxargs = 2;
		break;
	case KW_AUDITCHECKPOINT:
		maxargs = 2;
		break;
	default:
		break;
	}
	if (ac < minargs) {
		perr(p, "%s: missing argument", k->name);
		return -1;
	}
	if (ac > maxargs) {
		perr(p, "%s: extra argument '%s'", k->name, av[maxargs]);
		return -1;
	}

	switch (k->code) {
	case KW_AUTHMODE:
		return parse_authmode(p, av, ac);
	case KW_AUTHORIZEDKEYSFILE:
		return set_string(p, &cfg->authorized_keys_file, av[0], NULL);
	case KW_JWKSFILE:
		return set_string(p, &cfg->jwks_file, av[0], NULL);
	case KW_JWTISSUER:
		return set_string(p, &cfg->jwt_issuer, av[0], NULL);
	case KW_JWTAUDIENCE:
		return set_string(p, &cfg->jwt_audience, av[0], NULL);
	case KW_JWTALGORITHMS:
		return parse_jwt_algorithms(p, av[0]);
	case KW_JWTROLESCLAIM:
		return set_string(p, &cfg->jwt_roles_claim, av[0], valid_id);
	case KW_JWTLEEWAY:
		if (parse_seconds(p, av[0], 0, JWT_LEEWAY_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->jwt_leeway, lv);
		return 0;
	case KW_JWTSCOPE:
		return parse_jwt_scope(p, av);
	case KW_USER:
		return parse_user(p, av);
	case KW_ROLE:
		return parse_role(p, av);
	case KW_TOOLLISTING:
		if (parse_choice(p, av[0], toollisting_choices, &iv) != 0)
			return -1;
		set_int(&cfg->tool_listing, iv);
		return 0;
	case KW_RATELIMIT:
		if (parse_rate(p, av[0], &lv) != 0)
			return -1;
		set_long(&cfg->rate_limit, lv);
		return 0;
	case KW_AUTHFAILURELIMIT:
		if (parse_rate(p, av[0], &lv) != 0)
			return -1;
		set_long(&cfg->auth_failure_limit, lv);
		return 0;
	case KW_AUDITLOG:
		return set_string(p, &cfg->audit_log, av[0], NULL);
	case KW_AUDITCHECKPOINT:
		return parse_audit_checkpoint(p, av, ac);
	case KW_AUDITKEYFILE:
		return set_string(p, &cfg->audit_key_file, av[0], NULL);
	case KW_AUDITSYNC:
		if (parse_choice(p, av[0], auditsync_choices, &iv) != 0)
			return -1;
		set_int(&cfg->audit_sync, iv);
		return 0;
	case KW_AUDITARGUMENTS:
		if (parse_choice(p, av[0], auditargs_choices, &iv) != 0)
			return -1;
		set_int(&cfg->audit_arguments, iv);
		return 0;
	case KW_LISTEN:
		return parse_listen(p, av[0]);
	case KW_TLSCERTIFICATE:
		return set_string(p, &cfg->tls_certificate, av[0], NULL);
	case KW_TLSKEY:
		return set_string(p, &cfg->tls_key, av[0], NULL);
	case KW_TLSCLIENTCA:
		return set_string(p, &cfg->tls_client_ca, av[0], NULL);
	case KW_TLSCLIENTCRL:
		return set_string(p, &cfg->tls_client_crl, av[0], NULL);
	case KW_MTLSIDENTITY:
		if (parse_choice(p, av[0], mtlsid_choices, &iv) != 0)
			return -1;
		set_int(&cfg->mtls_identity, iv);
		return 0;
	case KW_ALLOWEDORIGINS:
		return parse_allowed_origins(p, av, ac);
	case KW_RESOURCEURL:
		return parse_resource_url(p, av[0]);
	case KW_AUTHORIZATIONSERVER:
		return parse_authorization_server(p, av[0]);
	case KW_MAXCONNECTIONS:
		if (parse_range(p, av[0], 1, CONNECTIONS_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->max_connections, lv);
		return 0;
	case KW_MAXHEADERSIZE:
		if (parse_size(p, av[0], HEADER_SIZE_MIN, HEADER_SIZE_MAX,
		    &lv) != 0)
			return -1;
		set_long(&cfg->max_header_size, lv);
		return 0;
	case KW_CLIENTTIMEOUT:
		if (parse_seconds(p, av[0], 1, CLIENT_TIMEOUT_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->client_timeout, lv);
		return 0;
	case KW_IDLETIMEOUT:
		if (parse_seconds(p, av[0], 1, IDLE_TIMEOUT_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->idle_timeout, lv);
		return 0;
	case KW_SESSIONTIMEOUT:
		if (parse_seconds(p, av[0], SESSION_TIMEOUT_MIN,
		    SESSION_TIMEOUT_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->session_timeout, lv);
		return 0;
	case KW_PRIVSEPUSER:
		return set_string(p, &cfg->privsep_user, av[0], valid_id);
	case KW_PRIVSEPCHROOT:
		return set_string(p, &cfg->privsep_chroot, av[0], NULL);
	case KW_TOOLUSER:
		return set_string(p, &cfg->tool_user, av[0], valid_id);
	case KW_WORKERS:
		if (parse_range(p, av[0], 1, WORKERS_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->workers, lv);
		return 0;
	case KW_TOOLTIMEOUT:
		if (parse_seconds(p, av[0], 1, TOOL_TIMEOUT_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->tool_timeout, lv);
		return 0;
	case KW_DATABASE:
		return set_string(p, &cfg->database, av[0], NULL);
	case KW_MAXMESSAGESIZE:
		if (parse_size(p, av[0], MSG_SIZE_MIN, MSG_SIZE_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->max_message_size, lv);
		return 0;
	case KW_QUERYMAXROWS:
		if (parse_range(p, av[0], 1, QUERY_ROWS_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->query_max_rows, lv);
		return 0;
	case KW_QUERYTIMEOUT:
		if (parse_millis(p, av[0], 1, QUERY_TIMEOUT_MAX_MS, &lv) != 0)
			return -1;
		set_long(&cfg->query_timeout, lv);
		return 0;
	case KW_WORKERMAXCALLS:
		if (parse_range(p, av[0], 1, WORKER_CALLS_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->worker_max_calls, lv);
		return 0;
	case KW_WORKERIDLETIMEOUT:
		if (parse_seconds(p, av[0], 0, WORKER_IDLE_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->worker_idle_timeout, lv);
		return 0;
	case KW_JWTTYPE:
		if (parse_choice(p, av[0], jwttype_choices, &iv) != 0)
			return -1;
		set_int(&cfg->jwt_type, iv);
		return 0;
	case KW_MTLSBINDTOKEN:
		if (parse_choice(p, av[0], yesno_choices, &iv) != 0)
			return -1;
		set_int(&cfg->mtls_bind_token, iv);
		return 0;
	case KW_MTLSMATCHIDENTITY:
		if (parse_choice(p, av[0], yesno_choices, &iv) != 0)
			return -1;
		set_int(&cfg->mtls_match_identity, iv);
		return 0;
	case KW_AUDITREDACT:
		return parse_audit_redact(p, av, ac);
	case KW_MAXCONNECTIONSPERSOURCE:
		if (parse_range(p, av[0], 1, CONNECTIONS_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->max_conn_per_source, lv);
		return 0;
	case KW_PERSOURCENETBLOCKSIZE:
		return parse_netblock(p, av[0]);
	case KW_HANDSHAKETIMEOUT:
		if (parse_seconds(p, av[0], 1, HANDSHAKE_TIMEOUT_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->handshake_timeout, lv);
		return 0;
	case KW_MAXSESSIONSPERUSER:
		if (parse_range(p, av[0], 1, SESSIONS_PER_USER_MAX, &lv) != 0)
			return -1;
		set_long(&cfg->max_sessions_per_user, lv);
		return 0;
	}
	perr(p, "internal error: unhandled keyword '%s'", k->name);
	return -1;
}

/* Public interface. */

void
config_init(struct mcpd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nauth_alt = 0;
	cfg->jwt_leeway = -1;
	cfg->tool_listing = -1;
	cfg->rate_limit = -1;
	cfg->auth_failure_limit = -1;
	cfg->audit_sync = -1;
	cfg->audit_arguments = -1;
	cfg->listen_src = CFG_SRC_DEFAULT;
	cfg->mtls_identity = -1;
	cfg->max_connections = -1;
	cfg->max_header_size = -1;
	cfg->client_timeout = -1;
	cfg->idle_timeout = -1;
	cfg->session_timeout = -1;
	cfg->workers = -1;
	cfg->tool_timeout = -1;
	cfg->max_message_size = -1;
	cfg->query_max_rows = -1;
	cfg->worker_max_calls = -1;
	cfg->worker_idle_timeout = -1;
	cfg->jwt_type = -1;
	cfg->mtls_bind_token = -1;
	cfg->mtls_match_identity = -1;
	cfg->query_timeout = -1;
	cfg->max_conn_per_source = -1;
	cfg->netblock_v4 = -1;
	cfg->netblock_v6 = -1;
	cfg->handshake_timeout = -1;
	cfg->max_sessions_per_user = -1;
	cfg->stdio = 0;
	cfg->audit_checkpoint_records = -1;
	cfg->audit_checkpoint_seconds = -1;
}

void
config_free(struct mcpd_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->authorized_keys_file);
	free(cfg->jwks_file);
	free(cfg->jwt_issuer);
	free(cfg->jwt_audience);
	free(cfg->jwt_algorithms);
	free(cfg->jwt_roles_claim);
	for (i = 0; i < cfg->njwt_scopes; i++) {
		free(cfg->jwt_scopes[i].scope);
		free(cfg->jwt_scopes[i].role);
	}
	free(cfg->jwt_scopes);
	for (i = 0; i < cfg->nusers; i++) {
		free(cfg->users[i].id);
		strv_free(cfg->users[i].roles, cfg->users[i].nroles);
	}
	free(cfg->users);
	for (i = 0; i < cfg->nroles; i++) {
		free(cfg->roles[i].name);
		strv_free(cfg->roles[i].tools, cfg->roles[i].ntools);
	}
	free(cfg->roles);
	free(cfg->audit_log);
	free(cfg->audit_key_file);
	strv_free(cfg->listen, cfg->nlisten);
	free(cfg->tls_certificate);
	free(cfg->tls_key);
	free(cfg->tls_client_ca);
	free(cfg->tls_client_crl);
	strv_free(cfg->allowed_origins, cfg->nallowed_origins);
	strv_free(cfg->audit_redact, cfg->naudit_redact);
	free(cfg->resource_url);
	strv_free(cfg->authorization_servers, cfg->nauthorization_servers);
	free(cfg->privsep_user);
	free(cfg->privsep_chroot);
	free(cfg->tool_user);
	free(cfg->database);
	/* Leave it reusable, and safe against a second config_free(). */
	config_init(cfg);
}

int
config_parse_line(struct mcpd_config *cfg, const char *line, int src,
    const char *where, int linenum, char *err, size_t errlen)
{
	struct pctx p;
	char buf[CONFIG_LINE_MAX + 1], *s, *kw;
	size_t len, i;
	unsigned char c;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.src = src;
	p.where = where;
	p.linenum = linenum;
	p.err = err;
	p.errlen = errlen;
	p.kw = "";

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (src < CFG_SRC_CMDLINE || src > CFG_SRC_FILE) {
		perr(&p, "invalid configuration source %d", src);
		return -1;
	}
	if ((len = strnlen(line, CONFIG_LINE_MAX + 1)) > CONFIG_LINE_MAX) {
		perr(&p, "line too long (more than %d bytes)", CONFIG_LINE_MAX);
		return -1;
	}
	memcpy(buf, line, len + 1);
	/* Trailing blanks, including the "\r\n" of a CRLF file. */
	while (len > 0 && (is_blank(buf[len - 1]) || buf[len - 1] == '\n' ||
	    buf[len - 1] == '\r'))
		buf[--len] = '\0';
	for (i = 0; i < len; i++) {
		c = (unsigned char)buf[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			perr(&p, "invalid character 0x%02x", c);
			return -1;
		}
	}
	s = buf;
	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;

	/* "Keyword args", "Keyword=args" or "Keyword = args". */
	kw = s;
	while (*s != '\0' && !is_blank(*s) && *s != '=')
		s++;
	if (s == kw) {
		perr(&p, "missing keyword");
		return -1;
	}
	if (*s != '\0') {
		if (*s == '=') {
			*s++ = '\0';
		} else {
			*s++ = '\0';
			while (is_blank(*s))
				s++;
			if (*s == '=')
				s++;
		}
	}
	return process(&p, kw, s);
}

int
config_parse_option(struct mcpd_config *cfg, const char *opt,
    char *err, size_t errlen)
{
	const char *s = opt;

	while (is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#') {
		seterr(err, errlen, "command line: empty option");
		return -1;
	}
	return config_parse_line(cfg, opt, CFG_SRC_CMDLINE, "command line", 0,
	    err, errlen);
}

int
config_load_env(struct mcpd_config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char	*var;
		const char	*keyword;
	} envmap[] = {
		{ "MCPD_AUTH_MODE",	"AuthMode" },
		{ "MCPD_AUDIT_LOG",	"AuditLog" },
		{ "MCPD_RATE_LIMIT",	"RateLimit" },
		{ "MCPD_LISTEN",	"Listen" },
	};
	struct pctx p;
	char where[64], args[CONFIG_LINE_MAX + 1];
	const char *val;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(envmap) / sizeof(envmap[0]); i++) {
		if ((val = getenv(envmap[i].var)) == NULL || *val == '\0')
			continue;
		r = snprintf(where, sizeof(where), "environment variable %s",
		    envmap[i].var);
		if (r < 0 || (size_t)r >= sizeof(where)) {
			seterr(err, errlen, "environment: name too long");
			return -1;
		}
		memset(&p, 0, sizeof(p));
		p.cfg = cfg;
		p.src = CFG_SRC_ENV;
		p.where = where;
		p.err = err;
		p.errlen = errlen;
		p.kw = envmap[i].keyword;
		/*
		 * The value goes straight to the keyword's handler, so that
		 * a '=' or a leading blank in it cannot change the keyword.
		 */
		if ((len = strnlen(val, CONFIG_LINE_MAX + 1)) >
		    CONFIG_LINE_MAX) {
			perr(&p, "value too long (more than %d bytes)",
			    CONFIG_LINE_MAX);
			return -1;
		}
		memcpy(args, val, len + 1);
		if (strpbrk(args, "\t\r\n") != NULL) {
			perr(&p, "invalid character in value");
			return -1;
		}
		if (process(&p, envmap[i].keyword, args) != 0)
			return -1;
	}
	return 0;
}

/*
 * Read one line into buf (at most CONFIG_LINE_MAX bytes plus the newline).
 * Returns 1 with a line, 0 at end of file, -1 on error (message in err).
 */
static int
read_line(FILE *f, char *buf, size_t bufsz, const char *path, int linenum,
    char *err, size_t errlen)
{
	size_t len = 0;
	int ch;

	for (;;) {
		if ((ch = getc(f)) == EOF) {
			if (ferror(f)) {
				seterr(err, errlen, "%s line %d: read error: "
				    "%s", path, linenum, strerror(errno));
				return -1;
			}
			if (len == 0)
				return 0;
			break;
		}
		if (ch == '\n')
			break;
		if (ch == '\0') {
			seterr(err, errlen, "%s line %d: NUL byte in line",
			    path, linenum);
			return -1;
		}
		if (len + 1 >= bufsz) {
			seterr(err, errlen, "%s line %d: line too long "
			    "(more than %d bytes)", path, linenum,
			    CONFIG_LINE_MAX);
			return -1;
		}
		buf[len++] = (char)ch;
	}
	buf[len] = '\0';
	return 1;
}

int
config_load_file(struct mcpd_config *cfg, const char *path,
    char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 1];
	struct stat st;
	FILE *f;
	int linenum = 0, r, ret = -1;

	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	for (;;) {
		if (linenum == INT_MAX) {
			seterr(err, errlen, "%s: too many lines", path);
			goto out;
		}
		linenum++;
		if ((r = read_line(f, line, sizeof(line), path, linenum,
		    err, errlen)) == -1)
			goto out;
		if (r == 0)
			break;
		if (config_parse_line(cfg, line, CFG_SRC_FILE, path, linenum,
		    err, errlen) != 0)
			goto out;
	}
	ret = 0;
 out:
	if (fclose(f) != 0 && ret == 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

static void
default_string(char **field, const char *val)
{
	if (*field == NULL)
		*field = xstrdup(val);
}

/*
 * ResourceURL defaults to /mcp on the first Listen address, https with a
 * TLSCertificate, else http (plain HTTP serves loopback only).  MCP
 * clients compare the metadata's resource with the URL they connected
 * to, so a server reached under a name needs ResourceURL set.
 */
static void
default_resource_url(struct mcpd_config *cfg)
{
	const char *scheme, *l;

	if (cfg->resource_url != NULL || cfg->nlisten == 0)
		return;
	scheme = cfg->tls_certificate != NULL ? "https" : "http";
	l = cfg->listen[0];
	/* ":port" binds 127.0.0.1. */
	(void)xasprintf(&cfg->resource_url, "%s://%s%s/mcp", scheme,
	    *l == ':' ? "127.0.0.1" : "", l);
}

void
config_fill_defaults(struct mcpd_config *cfg)
{
	if (cfg->nauth_alt == 0) {
		cfg->auth_alt[0] = AUTH_M_APIKEY;
		cfg->nauth_alt = 1;
	}
	default_string(&cfg->authorized_keys_file, "/etc/mcpd/authorized_keys");
	default_string(&cfg->jwt_algorithms, "RS256,ES256,EdDSA");
	default_string(&cfg->jwt_roles_claim, "roles");
	set_long(&cfg->jwt_leeway, 60);
	set_int(&cfg->tool_listing, TOOLLIST_PERMITTED);
	set_long(&cfg->rate_limit, 100);
	set_long(&cfg->auth_failure_limit, 10);
	default_string(&cfg->audit_log, "/var/log/mcpd/audit.log");
	default_string(&cfg->audit_key_file, "/etc/mcpd/audit.key");
	set_int(&cfg->audit_sync, AUDIT_SYNC_ALWAYS);
	set_int(&cfg->audit_arguments, AUDIT_ARGS_HASH);
	/* Both unset: the default pair; one given: the other is off. */
	if (cfg->audit_checkpoint_records == -1 &&
	    cfg->audit_checkpoint_seconds == -1) {
		cfg->audit_checkpoint_records = 1000;
		cfg->audit_checkpoint_seconds = 300;
	}
	set_int(&cfg->mtls_identity, MTLS_ID_SAN_EMAIL);
	set_long(&cfg->max_connections, 256);
	set_long(&cfg->max_header_size, 8192);
	set_long(&cfg->client_timeout, 10);
	set_long(&cfg->idle_timeout, 60);
	set_long(&cfg->session_timeout, 1800);
	default_resource_url(cfg);
	default_string(&cfg->privsep_user, "_mcpd");
	default_string(&cfg->privsep_chroot, "/var/lib/mcpd/empty");
	default_string(&cfg->tool_user, "_mcpdtool");
	set_long(&cfg->workers, 2);
	set_long(&cfg->tool_timeout, 30);
	default_string(&cfg->database, "/var/lib/mcpd/mcpd.db");
	set_long(&cfg->max_message_size, 1048576);
	set_long(&cfg->query_max_rows, 1000);
	set_long(&cfg->worker_max_calls, 1000);
	set_long(&cfg->worker_idle_timeout, 300);
	set_int(&cfg->jwt_type, JWT_TYPE_AT_JWT);
	set_int(&cfg->mtls_bind_token, 1);
	set_int(&cfg->mtls_match_identity, 0);
	set_long(&cfg->query_timeout, 5000);
	/*
	 * An eighth of the default MaxConnections: a browser opens six
	 * connections to a host and an SDK client one or two, so 32 serves a
	 * small NAT, while one address holding its whole share still leaves
	 * seven eighths of the table to everyone else.
	 */
	set_long(&cfg->max_conn_per_source, 32);
	/*
	 * As sshd's PerSourceNetBlockSize, but IPv6 by its /64: the smallest
	 * block a site is given, inside which an attacker picks addresses
	 * at will.
	 */
	set_long(&cfg->netblock_v4, 32);
	set_long(&cfg->netblock_v6, 64);
	set_long(&cfg->handshake_timeout, 10);
	set_long(&cfg->max_sessions_per_user, 10);
	/* No Listen by default: mcpd then serves stdio. */
}

/*
 * Whether a Listen address is on the loopback interface.  ":port" binds
 * the default address, 127.0.0.1.
 */
static int
listen_is_loopback(const char *l)
{
	char host[CONFIG_LISTEN_MAX + 1];
	const char *end;
	size_t len;

	if (*l == '[') {
		if ((end = strchr(l, ']')) == NULL)
			return 0;
		l++;
	} else if ((end = strrchr(l, ':')) == NULL)
		return 0;
	if ((len = (size_t)(end - l)) >= sizeof(host))
		return 0;
	memcpy(host, l, len);
	host[len] = '\0';
	return len == 0 || host_is_loopback(host);
}

/*
 * JWTAlgorithms: only asymmetric algorithms the monitor verifies itself.
 * "none" and HMAC get their own message, since naming them is usually a
 * misunderstanding worth pointing out.
 */
static int
check_jwt_algorithms(const char *list, char *err, size_t errlen)
{
	char *algs, *cp, *a;
	size_t j, n = 0;
	int ret = -1;

	if ((algs = strdup(list)) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	cp = algs;
	while ((a = strsep(&cp, ",")) != NULL) {
		n++;
		if (strcasecmp(a, "none") == 0) {
			seterr(err, errlen, "JWTAlgorithms: '%s' is never "
			    "accepted: unsigned tokens are always refused", a);
			goto out;
		}
		/*
		 * With HMAC the verifier's key also signs, and a public key
		 * used as an HMAC secret is the algorithm-confusion attack.
		 */
		if (strncasecmp(a, "HS", 2) == 0) {
			seterr(err, errlen, "JWTAlgorithms: '%s' is never "
			    "accepted: HMAC algorithms are always refused", a);
			goto out;
		}
		for (j = 0; jwt_algs_allowed[j] != NULL; j++)
			if (strcmp(a, jwt_algs_allowed[j]) == 0)
				break;
		if (jwt_algs_allowed[j] == NULL) {
			seterr(err, errlen, "JWTAlgorithms: unsupported "
			    "algorithm '%s' (must be among RS256, PS256, "
			    "ES256, EdDSA)", a);
			goto out;
		}
	}
	if (n == 0) {
		seterr(err, errlen, "JWTAlgorithms: empty list");
		goto out;
	}
	ret = 0;
 out:
	free(algs);
	return ret;
}

/* The first Listen address that is not loopback, or NULL. */
static const char *
first_public_listen(const struct mcpd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisten; i++)
		if (!listen_is_loopback(cfg->listen[i]))
			return cfg->listen[i];
	return NULL;
}

/* Whether every AuthMode alternative needs a client certificate. */
static int
auth_all_need_mtls(const struct mcpd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nauth_alt; i++)
		if ((cfg->auth_alt[i] & AUTH_M_MTLS) == 0)
			return 0;
	return cfg->nauth_alt > 0;
}

int
config_validate(const struct mcpd_config *cfg, char *err, size_t errlen)
{
	const struct cfg_user *u;
	const char *pub;
	struct url url;
	size_t i, j, k;
	int found;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (i = 0; i < cfg->nusers; i++) {
		u = &cfg->users[i];
		for (j = 0; j < u->nroles; j++) {
			found = 0;
			for (k = 0; k < cfg->nroles && !found; k++)
				found = strcmp(cfg->roles[k].name,
				    u->roles[j]) == 0;
			if (!found) {
				seterr(err, errlen, "User '%s': role '%s' is "
				    "not defined by any Role line", u->id,
				    u->roles[j]);
				return -1;
			}
		}
	}
	if (cfg->nauth_alt == 0) {
		seterr(err, errlen, "AuthMode is not set");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_APIKEY) &&
	    cfg->authorized_keys_file == NULL) {
		seterr(err, errlen, "AuthMode apikey needs AuthorizedKeysFile");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_OAUTH)) {
		if (cfg->jwks_file == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWKSFile");
			return -1;
		}
		if (cfg->jwt_issuer == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWTIssuer");
			return -1;
		}
		if (cfg->jwt_audience == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWTAudience");
			return -1;
		}
	} else if (cfg->njwt_scopes > 0) {
		/* Scopes only ever restrict OAuth identities. */
		seterr(err, errlen, "JWTScope needs AuthMode oauth");
		return -1;
	}
	/*
	 * Over stdio there is no TLS, so no client certificate: an AuthMode
	 * whose every alternative needs one would refuse every call.
	 */
	if (cfg->nlisten == 0 && auth_all_need_mtls(cfg)) {
		seterr(err, errlen, "AuthMode: every alternative needs mtls, "
		    "which can never pass over stdio (no Listen address is "
		    "set)");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_MTLS)) {
		if (cfg->tls_client_ca == NULL) {
			seterr(err, errlen, "AuthMode mtls needs TLSClientCA");
			return -1;
		}
		/* Client certificates only exist inside TLS. */
		if (cfg->tls_certificate == NULL) {
			seterr(err, errlen, "AuthMode mtls needs "
			    "TLSCertificate");
			return -1;
		}
		if (cfg->nlisten == 0) {
			seterr(err, errlen, "AuthMode mtls needs a Listen "
			    "address (client certificates exist only over "
			    "HTTPS)");
			return -1;
		}
	}
	if ((cfg->tls_certificate == NULL) != (cfg->tls_key == NULL)) {
		seterr(err, errlen, "TLSCertificate and TLSKey must be set "
		    "together");
		return -1;
	}
	if (cfg->tls_client_crl != NULL && cfg->tls_client_ca == NULL) {
		seterr(err, errlen, "TLSClientCRL needs TLSClientCA");
		return -1;
	}
	if (cfg->tls_client_ca != NULL && cfg->tls_certificate == NULL) {
		seterr(err, errlen, "TLSClientCA needs TLSCertificate");
		return -1;
	}
	/* Plain HTTP is for loopback only (mcpd(8), HTTP TRANSPORT). */
	if (cfg->tls_certificate == NULL &&
	    (pub = first_public_listen(cfg)) != NULL) {
		seterr(err, errlen, "Listen %s: without TLSCertificate only "
		    "loopback addresses are allowed", pub);
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_NONE) &&
	    (pub = first_public_listen(cfg)) != NULL) {
		seterr(err, errlen, "AuthMode none: Listen %s is not a "
		    "loopback address (unauthenticated access is allowed on "
		    "loopback only)", pub);
		return -1;
	}
	/*
	 * A resource identifier that says http:// while clients come from
	 * other hosts would send their tokens in the clear.
	 */
	if (cfg->resource_url != NULL) {
		/* The parser checked a value that was given. */
		if (url_parse(cfg->resource_url, &url) != 0) {
			seterr(err, errlen, "ResourceURL: '%s', built from "
			    "the first Listen address, is not a URL; set "
			    "ResourceURL", cfg->resource_url);
			return -1;
		}
		if (!url.https && (pub = first_public_listen(cfg)) != NULL) {
			seterr(err, errlen, "ResourceURL %s: http:// is "
			    "allowed only when every Listen address is "
			    "loopback (Listen %s is not)", cfg->resource_url,
			    pub);
			return -1;
		}
	}
	if (cfg->jwt_algorithms != NULL &&
	    check_jwt_algorithms(cfg->jwt_algorithms, err, errlen) != 0)
		return -1;
	return 0;
}

static const char *
choice_name(const struct choice *c, int v)
{
	size_t i;

	for (i = 0; c[i].name != NULL; i++)
		if (c[i].value == v)
			return c[i].name;
	return "unknown";
}

/*
 * Whether a value would not read back as one word: a leading '#' starts a
 * comment, and a leading '=' would be taken for the keyword's separator.
 */
static int
needs_quotes(const char *v)
{
	return *v == '\0' || *v == '#' || *v == '=' ||
	    strpbrk(v, " \t") != NULL;
}

static void
dump_str(FILE *f, const char *kw, const char *v)
{
	if (v == NULL)
		return;
	if (needs_quotes(v))
		fprintf(f, "%s \"%s\"\n", kw, v);
	else
		fprintf(f, "%s %s\n", kw, v);
}

static void
dump_long(FILE *f, const char *kw, long v, const char *suffix)
{
	if (v != -1)
		fprintf(f, "%s %ld%s\n", kw, v, suffix);
}

static void
dump_choice(FILE *f, const char *kw, const struct choice *c, int v)
{
	if (v != -1)
		fprintf(f, "%s %s\n", kw, choice_name(c, v));
}

static void
dump_list(FILE *f, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i == 0 ? "" : ",", v[i]);
}

void
config_dump(const struct mcpd_config *cfg, FILE *f)
{
	size_t i;

	if (cfg->nauth_alt > 0) {
		fprintf(f, "authmode");
		for (i = 0; i < cfg->nauth_alt; i++)
			fprintf(f, " %s",
			    config_authmask_str(cfg->auth_alt[i]));
		fprintf(f, "\n");
	}
	dump_str(f, "authorizedkeysfile", cfg->authorized_keys_file);
	dump_str(f, "jwksfile", cfg->jwks_file);
	dump_str(f, "jwtissuer", cfg->jwt_issuer);
	dump_str(f, "jwtaudience", cfg->jwt_audience);
	dump_str(f, "jwtalgorithms", cfg->jwt_algorithms);
	dump_str(f, "jwtrolesclaim", cfg->jwt_roles_claim);
	dump_long(f, "jwtleeway", cfg->jwt_leeway, "");
	for (i = 0; i < cfg->njwt_scopes; i++)
		fprintf(f, needs_quotes(cfg->jwt_scopes[i].scope) ?
		    "jwtscope \"%s\" %s\n" : "jwtscope %s %s\n",
		    cfg->jwt_scopes[i].scope, cfg->jwt_scopes[i].role);
	for (i = 0; i < cfg->nusers; i++) {
		fprintf(f, "user %s roles=", cfg->users[i].id);
		dump_list(f, cfg->users[i].roles, cfg->users[i].nroles);
		fprintf(f, "\n");
	}
	for (i = 0; i < cfg->nroles; i++) {
		fprintf(f, "role %s tools=", cfg->roles[i].name);
		dump_list(f, cfg->roles[i].tools, cfg->roles[i].ntools);
		fprintf(f, "\n");
	}
	dump_choice(f, "toollisting", toollisting_choices, cfg->tool_listing);
	dump_long(f, "ratelimit", cfg->rate_limit, "/min");
	dump_long(f, "authfailurelimit", cfg->auth_failure_limit, "/min");
	dump_str(f, "auditlog", cfg->audit_log);
	dump_str(f, "auditkeyfile", cfg->audit_key_file);
	dump_choice(f, "auditsync", auditsync_choices, cfg->audit_sync);
	dump_choice(f, "auditarguments", auditargs_choices,
	    cfg->audit_arguments);
	if (cfg->naudit_redact > 0) {
		fprintf(f, "auditredact ");
		dump_list(f, cfg->audit_redact, cfg->naudit_redact);
		fprintf(f, "\n");
	} else
		fprintf(f, "auditredact none\n");
	if (cfg->audit_checkpoint_records > 0 &&
	    cfg->audit_checkpoint_seconds > 0)
		fprintf(f, "auditcheckpoint %ld %lds\n",
		    cfg->audit_checkpoint_records,
		    cfg->audit_checkpoint_seconds);
	else if (cfg->audit_checkpoint_records > 0)
		fprintf(f, "auditcheckpoint %ld\n",
		    cfg->audit_checkpoint_records);
	else if (cfg->audit_checkpoint_seconds > 0)
		fprintf(f, "auditcheckpoint %lds\n",
		    cfg->audit_checkpoint_seconds);
	for (i = 0; i < cfg->nlisten; i++)
		dump_str(f, "listen", cfg->listen[i]);
	dump_str(f, "tlscertificate", cfg->tls_certificate);
	dump_str(f, "tlskey", cfg->tls_key);
	dump_str(f, "tlsclientca", cfg->tls_client_ca);
	dump_str(f, "tlsclientcrl", cfg->tls_client_crl);
	dump_choice(f, "mtlsidentity", mtlsid_choices, cfg->mtls_identity);
	if (cfg->nallowed_origins > 0) {
		fprintf(f, "allowedorigins ");
		dump_list(f, cfg->allowed_origins, cfg->nallowed_origins);
		fprintf(f, "\n");
	}
	dump_str(f, "resourceurl", cfg->resource_url);
	for (i = 0; i < cfg->nauthorization_servers; i++)
		dump_str(f, "authorizationserver",
		    cfg->authorization_servers[i]);
	dump_long(f, "maxconnections", cfg->max_connections, "");
	dump_long(f, "maxheadersize", cfg->max_header_size, "");
	dump_long(f, "clienttimeout", cfg->client_timeout, "");
	dump_long(f, "idletimeout", cfg->idle_timeout, "");
	dump_long(f, "sessiontimeout", cfg->session_timeout, "");
	dump_str(f, "privsepuser", cfg->privsep_user);
	dump_str(f, "privsepchroot", cfg->privsep_chroot);
	dump_str(f, "tooluser", cfg->tool_user);
	dump_long(f, "workers", cfg->workers, "");
	dump_long(f, "tooltimeout", cfg->tool_timeout, "");
	dump_str(f, "database", cfg->database);
	dump_long(f, "maxmessagesize", cfg->max_message_size, "");
	dump_long(f, "querymaxrows", cfg->query_max_rows, "");
	dump_long(f, "querytimeout", cfg->query_timeout, "ms");
	dump_long(f, "workermaxcalls", cfg->worker_max_calls, "");
	dump_long(f, "workeridletimeout", cfg->worker_idle_timeout, "");
	dump_choice(f, "jwttype", jwttype_choices, cfg->jwt_type);
	dump_choice(f, "mtlsbindtoken", yesno_choices, cfg->mtls_bind_token);
	dump_choice(f, "mtlsmatchidentity", yesno_choices,
	    cfg->mtls_match_identity);
	dump_long(f, "maxconnectionspersource", cfg->max_conn_per_source, "");
	fprintf(f, "persourcenetblocksize %ld:%ld\n", cfg->netblock_v4,
	    cfg->netblock_v6);
	dump_long(f, "handshaketimeout", cfg->handshake_timeout, "");
	dump_long(f, "maxsessionsperuser", cfg->max_sessions_per_user, "");
}

const char *
config_authmask_str(unsigned int mask)
{
	static char buf[64];
	size_t i, off = 0;
	int r;

	buf[0] = '\0';
	for (i = 0; authmethod_choices[i].name != NULL; i++) {
		if ((mask & (unsigned int)authmethod_choices[i].value) == 0)
			continue;
		r = snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    off == 0 ? "" : ",", authmethod_choices[i].name);
		if (r < 0 || (size_t)r >= sizeof(buf) - off)
			break;
		off += (size_t)r;
	}
	return buf;
}

int
config_auth_uses(const struct mcpd_config *cfg, unsigned int m)
{
	size_t i;

	for (i = 0; i < cfg->nauth_alt; i++)
		if ((cfg->auth_alt[i] & m) != 0)
			return 1;
	return 0;
}
