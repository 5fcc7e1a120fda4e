/*
 * mcpd.conf(5): the configuration's life and its sources.  Runs in the
 * monitor only, before any child is started.  This file holds the public
 * entry points of config.h: a configuration set to "unset" and freed,
 * filled from a line, a -o option, the MCPD_* environment and the file,
 * then completed with the built-in defaults.  The work is done by the
 * other config_*.c files (config_int.h): config_lex.c takes a line apart,
 * config_keywords.c gives each keyword its meaning with the parsers of
 * config_values.c, config_validate.c checks the whole and config_dump.c
 * prints it.
 *
 * This is library code: errors are returned and described in the caller's
 * buffer, and allocation failures while parsing are reported the same way.
 * The configuration holds no secret (only the paths of files that do), so
 * nothing here needs wiping.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "errbuf.h"
#include "strv.h"
#include "xmalloc.h"

/* The context of one line, for what it sets and for its messages. */
static void
pctx_init(struct pctx *p, struct mcpd_config *cfg, int src, const char *where,
    int linenum, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->src = src;
	p->where = where;
	p->linenum = linenum;
	p->err = err;
	p->errlen = errlen;
	p->kw = "";
}

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
		strv_free(cfg->roles[i].resources, cfg->roles[i].nresources);
		strv_free(cfg->roles[i].prompts, cfg->roles[i].nprompts);
	}
	free(cfg->roles);
	for (i = 0; i < cfg->nupstreams; i++)
		cfg_upstream_free(&cfg->upstreams[i]);
	free(cfg->upstreams);
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
	char buf[CONFIG_LINE_MAX + 1], *kw, *args;
	int r;

	pctx_init(&p, cfg, src, where, linenum, err, errlen);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (src < CFG_SRC_CMDLINE || src > CFG_SRC_FILE) {
		cfg_perr(&p, "invalid configuration source %d", src);
		return -1;
	}
	if ((r = cfg_lex_line(&p, line, buf, &kw, &args)) <= 0)
		return r;
	return cfg_process(&p, kw, args);
}

int
config_parse_option(struct mcpd_config *cfg, const char *opt,
    char *err, size_t errlen)
{
	const char *s = opt;

	while (cfg_is_blank(*s))
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
		pctx_init(&p, cfg, CFG_SRC_ENV, where, 0, err, errlen);
		p.kw = envmap[i].keyword;
		/*
		 * The value goes straight to the keyword's handler, so that
		 * a '=' or a leading blank in it cannot change the keyword.
		 */
		if ((len = strnlen(val, CONFIG_LINE_MAX + 1)) >
		    CONFIG_LINE_MAX) {
			cfg_perr(&p, "value too long (more than %d bytes)",
			    CONFIG_LINE_MAX);
			return -1;
		}
		memcpy(args, val, len + 1);
		if (strpbrk(args, "\t\r\n") != NULL) {
			cfg_perr(&p, "invalid character in value");
			return -1;
		}
		if (cfg_process(&p, envmap[i].keyword, args) != 0)
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
	cfg_set_long(&cfg->jwt_leeway, 60);
	cfg_set_int(&cfg->tool_listing, TOOLLIST_PERMITTED);
	cfg_set_long(&cfg->rate_limit, 100);
	cfg_set_long(&cfg->auth_failure_limit, 10);
	default_string(&cfg->audit_log, "/var/log/mcpd/audit.log");
	default_string(&cfg->audit_key_file, "/etc/mcpd/audit.key");
	cfg_set_int(&cfg->audit_sync, AUDIT_SYNC_ALWAYS);
	cfg_set_int(&cfg->audit_arguments, AUDIT_ARGS_HASH);
	/* Both unset: the default pair; one given: the other is off. */
	if (cfg->audit_checkpoint_records == -1 &&
	    cfg->audit_checkpoint_seconds == -1) {
		cfg->audit_checkpoint_records = 1000;
		cfg->audit_checkpoint_seconds = 300;
	}
	cfg_set_int(&cfg->mtls_identity, MTLS_ID_SAN_EMAIL);
	cfg_set_long(&cfg->max_connections, 256);
	cfg_set_long(&cfg->max_header_size, 8192);
	cfg_set_long(&cfg->client_timeout, 10);
	cfg_set_long(&cfg->idle_timeout, 60);
	cfg_set_long(&cfg->session_timeout, 1800);
	default_resource_url(cfg);
	default_string(&cfg->privsep_user, "_mcpd");
	default_string(&cfg->privsep_chroot, "/var/lib/mcpd/empty");
	default_string(&cfg->tool_user, "_mcpdtool");
	cfg_set_long(&cfg->workers, 2);
	cfg_set_long(&cfg->tool_timeout, 30);
	default_string(&cfg->database, "/var/lib/mcpd/mcpd.db");
	cfg_set_long(&cfg->max_message_size, 1048576);
	cfg_set_long(&cfg->query_max_rows, 1000);
	cfg_set_long(&cfg->worker_max_calls, 1000);
	cfg_set_long(&cfg->worker_idle_timeout, 300);
	cfg_set_int(&cfg->jwt_type, JWT_TYPE_AT_JWT);
	cfg_set_int(&cfg->mtls_bind_token, 1);
	cfg_set_int(&cfg->mtls_match_identity, 0);
	cfg_set_long(&cfg->query_timeout, 5000);
	/*
	 * An eighth of the default MaxConnections: a browser opens six
	 * connections to a host and an SDK client one or two, so 32 serves a
	 * small NAT, while one address holding its whole share still leaves
	 * seven eighths of the table to everyone else.
	 */
	cfg_set_long(&cfg->max_conn_per_source, 32);
	/*
	 * As sshd's PerSourceNetBlockSize, but IPv6 by its /64: the smallest
	 * block a site is given, inside which an attacker picks addresses
	 * at will.
	 */
	cfg_set_long(&cfg->netblock_v4, 32);
	cfg_set_long(&cfg->netblock_v6, 64);
	cfg_set_long(&cfg->handshake_timeout, 10);
	cfg_set_long(&cfg->max_sessions_per_user, 10);
	/* No Listen by default: mcpd then serves stdio. */
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
