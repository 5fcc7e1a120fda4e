/*
 * mcpd: the Model Context Protocol daemon.  This file is the monitor's
 * start-up: options, configuration, secrets, the audit log, the privilege
 * separation users; then monitor_run() starts the confined children.
 *
 * The children are other programs (mcpd-net, mcpd-worker), which the
 * monitor executes from its libexec directory: src/monitor/spawn.c.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auditchain.h"
#include "auditkey.h"
#include "authkeys.h"
#include "config.h"
#include "errbuf.h"
#include "fileio.h"
#include "jwt.h"
#include "listener.h"
#include "log.h"
#include "monitor.h"
#include "mtls.h"
#include "privdrop.h"
#include "secretfile.h"
#include "spawn.h"
#include "strv.h"
#include "tlskey.h"
#include "upstream_secrets.h"
#include "xmalloc.h"

#define ENV_CRED_MAX	16384

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
"usage: mcpd [-dDtT] [-f config] [-o keyword=value] [--stdio]\n"
"            [--listen=[addr]:port] [--auth-mode=methods]\n"
"            [--audit-log=path] [--rate-limit=N]\n");
	exit(1);
}

/*
 * Take a credential from the environment: copy it, then wipe it where it
 * was (the initial environment block stays readable in /proc/PID/environ
 * even after unsetenv) and remove the variable, before any child exists.
 */
static char *
take_env_secret(const char *name, size_t *lenp)
{
	char *v, *copy = NULL;
	size_t len;

	if ((v = getenv(name)) == NULL)
		return NULL;
	len = strlen(v);
	if (len > 0 && len <= ENV_CRED_MAX)
		copy = xstrdup(v);
	else if (len > ENV_CRED_MAX)
		error("%s is longer than %d bytes: ignored", name,
		    ENV_CRED_MAX);
	explicit_bzero(v, len);
	if (unsetenv(name) != 0)
		fatal("unsetenv %s: %s", name, strerror(errno));
	*lenp = copy == NULL ? 0 : len;
	return copy;
}

static void
lookup_user(const char *name, const char *keyword, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		fatal("%s %s does not exist (create it with: useradd "
		    "--system --no-create-home --home-dir /nonexistent "
		    "--shell /usr/sbin/nologin %s)", keyword, name, name);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		fatal("%s %s must not be root or in group root", keyword,
		    name);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

/*
 * Like sshd's check of its chroot directory: the directory and every
 * component above it must belong to root and be writable by no one else,
 * or whoever could write there could swap the net process's root.
 */
static int
check_chroot(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i, len;

	if (dir == NULL || *dir != '/') {
		(void)snprintf(err, errlen, "PrivsepChroot must be an "
		    "absolute path");
		return -1;
	}
	if ((len = strlen(dir)) >= sizeof(path)) {
		(void)snprintf(err, errlen, "PrivsepChroot is too long");
		return -1;
	}
	memcpy(path, dir, len + 1);
	/* "/", then every prefix that ends before a '/', then the whole. */
	for (i = 0; i <= len; i++) {
		if (i > 0 && i < len && path[i] != '/')
			continue;
		if (i == 0)
			path[1] = '\0';
		else
			path[i] = '\0';
		if (stat(path, &st) != 0) {
			(void)snprintf(err, errlen, "Missing privilege "
			    "separation directory: %s", dir);
			return -1;
		}
		if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
		    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
			(void)snprintf(err, errlen, "bad ownership or modes "
			    "for chroot directory component \"%s\"", path);
			return -1;
		}
		memcpy(path, dir, len + 1);
	}
	return 0;
}

/*
 * Where the configuration comes from, kept so that SIGHUP can load it
 * again the same way: the command line's settings (replayed), the
 * environment (read again) and the file.
 */
struct cfg_source {
	char	*text;		/* "-o" text, or "Keyword value" */
	int	 is_option;
};

static struct cfg_source *cfg_sources;
static size_t ncfg_sources;
static const char *cfg_path;

static void
cfg_source_add(const char *text, int is_option)
{
	cfg_sources = xreallocarray(cfg_sources, ncfg_sources + 1,
	    sizeof(*cfg_sources));
	cfg_sources[ncfg_sources].text = xstrdup(text);
	cfg_sources[ncfg_sources].is_option = is_option;
	ncfg_sources++;
}

/* Load, fill and check a whole configuration: at start and on SIGHUP. */
static int
load_config(struct mcpd_config *cfg, char *err, size_t errlen)
{
	size_t i;
	int r;

	config_init(cfg);
	for (i = 0; i < ncfg_sources; i++) {
		if (cfg_sources[i].is_option)
			r = config_parse_option(cfg, cfg_sources[i].text, err,
			    errlen);
		else
			r = config_parse_line(cfg, cfg_sources[i].text,
			    CFG_SRC_CMDLINE, "command line", 0, err, errlen);
		if (r != 0)
			goto fail;
	}
	if (config_load_env(cfg, err, errlen) != 0 ||
	    config_load_file(cfg, cfg_path, err, errlen) != 0)
		goto fail;
	config_fill_defaults(cfg);
	if (config_validate(cfg, err, errlen) != 0)
		goto fail;
	return 0;
 fail:
	config_free(cfg);
	return -1;
}

static void
release_auth(struct mon_auth *auth)
{
	authkeys_free(auth->keys);
	jwtv_free(auth->jwt);
	mtls_free(auth->mtls);
	memset(auth, 0, sizeof(*auth));
}

/*
 * What authentication needs, for the methods some AuthMode alternative
 * uses: the API keys, the JWKS, the client CAs and CRLs.  All or nothing.
 */
static int
load_auth(const struct mcpd_config *cfg, struct mon_auth *auth, char *err,
    size_t errlen)
{
	memset(auth, 0, sizeof(*auth));
	if (config_auth_uses(cfg, AUTH_M_APIKEY) &&
	    authkeys_load(cfg->authorized_keys_file, &auth->keys, err,
	    errlen) != 0)
		goto fail;
	if (config_auth_uses(cfg, AUTH_M_OAUTH) &&
	    (auth->jwt = jwtv_new(cfg, err, errlen)) == NULL)
		goto fail;
	if (cfg->tls_client_ca != NULL && cfg->nlisten > 0 && !cfg->stdio &&
	    (auth->mtls = mtls_new(cfg->tls_client_ca, cfg->tls_client_crl,
	    cfg->mtls_identity, err, errlen)) == NULL)
		goto fail;
	return 0;
 fail:
	release_auth(auth);
	return -1;
}

/*
 * What a running monitor cannot change: the processes, the database and
 * the audit log are set up at start.  A reload keeps their old values.
 */
static const struct {
	const char	*keyword;
	size_t		 off;
} restart_strings[] = {
	{ "Database",		offsetof(struct mcpd_config, database) },
	{ "PrivsepUser",	offsetof(struct mcpd_config, privsep_user) },
	{ "PrivsepChroot",	offsetof(struct mcpd_config, privsep_chroot) },
	{ "ToolUser",		offsetof(struct mcpd_config, tool_user) },
	{ "AuditLog",		offsetof(struct mcpd_config, audit_log) },
	{ "AuditKeyFile",	offsetof(struct mcpd_config, audit_key_file) },
}, restart_optional[] = {
	{ "TLSCertificate",	offsetof(struct mcpd_config, tls_certificate) },
	{ "TLSClientCA",	offsetof(struct mcpd_config, tls_client_ca) },
	{ "TLSKey",		offsetof(struct mcpd_config, tls_key) },
	{ "ResourceURL",	offsetof(struct mcpd_config, resource_url) },
}, restart_longs[] = {
	{ "Workers",		offsetof(struct mcpd_config, workers) },
	{ "MaxMessageSize",	offsetof(struct mcpd_config, max_message_size) },
	{ "QueryMaxRows",	offsetof(struct mcpd_config, query_max_rows) },
	{ "QueryTimeout",	offsetof(struct mcpd_config, query_timeout) },
	{ "MaxConnections",	offsetof(struct mcpd_config, max_connections) },
	{ "MaxHeaderSize",	offsetof(struct mcpd_config, max_header_size) },
	{ "ClientTimeout",	offsetof(struct mcpd_config, client_timeout) },
	{ "IdleTimeout",	offsetof(struct mcpd_config, idle_timeout) },
	{ "SessionTimeout",	offsetof(struct mcpd_config, session_timeout) },
	{ "MaxConnectionsPerSource",
	    offsetof(struct mcpd_config, max_conn_per_source) },
	{ "PerSourceNetBlockSize",
	    offsetof(struct mcpd_config, netblock_v4) },
	{ "PerSourceNetBlockSize",
	    offsetof(struct mcpd_config, netblock_v6) },
	{ "HandshakeTimeout",	offsetof(struct mcpd_config, handshake_timeout) },
	{ "MaxSessionsPerUser",
	    offsetof(struct mcpd_config, max_sessions_per_user) },
};

static void
keep_restart_values(struct mcpd_config *ncfg, const struct mcpd_config *old)
{
	char **ns;
	char *const *os;
	long *nl;
	const long *ol;
	size_t i;

	for (i = 0; i < sizeof(restart_strings) / sizeof(*restart_strings);
	    i++) {
		ns = (char **)((char *)ncfg + restart_strings[i].off);
		os = (char *const *)((const char *)old +
		    restart_strings[i].off);
		if (strcmp(*ns, *os) == 0)
			continue;
		logit("reload: %s changed; it takes effect at restart, "
		    "keeping %s", restart_strings[i].keyword, *os);
		free(*ns);
		*ns = xstrdup(*os);
	}
	/* The net process got these at start: they change at restart. */
	for (i = 0; i < sizeof(restart_optional) / sizeof(*restart_optional);
	    i++) {
		ns = (char **)((char *)ncfg + restart_optional[i].off);
		os = (char *const *)((const char *)old +
		    restart_optional[i].off);
		if ((*ns == NULL && *os == NULL) || (*ns != NULL &&
		    *os != NULL && strcmp(*ns, *os) == 0))
			continue;
		logit("reload: %s changed; it takes effect at restart",
		    restart_optional[i].keyword);
		free(*ns);
		*ns = *os != NULL ? xstrdup(*os) : NULL;
	}
	if (!strv_equal(ncfg->listen, ncfg->nlisten, old->listen,
	    old->nlisten) || !strv_equal(ncfg->allowed_origins,
	    ncfg->nallowed_origins, old->allowed_origins,
	    old->nallowed_origins) || !strv_equal(ncfg->authorization_servers,
	    ncfg->nauthorization_servers, old->authorization_servers,
	    old->nauthorization_servers))
		logit("reload: Listen, AllowedOrigins and AuthorizationServer "
		    "take effect at restart; keeping the running ones");
	for (i = 0; i < sizeof(restart_longs) / sizeof(*restart_longs); i++) {
		nl = (long *)((char *)ncfg + restart_longs[i].off);
		ol = (const long *)((const char *)old + restart_longs[i].off);
		if (*nl == *ol)
			continue;
		logit("reload: %s changed; it takes effect at restart, "
		    "keeping %ld", restart_longs[i].keyword, *ol);
		*nl = *ol;
	}
	if (ncfg->audit_sync != old->audit_sync) {
		logit("reload: AuditSync changed; it takes effect at restart");
		ncfg->audit_sync = old->audit_sync;
	}
	/* The net process redacts with the rules it got at start. */
	if (!strv_equal(ncfg->audit_redact, ncfg->naudit_redact,
	    old->audit_redact, old->naudit_redact)) {
		logit("reload: AuditRedact changed; it takes effect at "
		    "restart");
		strv_free(ncfg->audit_redact, ncfg->naudit_redact);
		xstrv_copy(old->audit_redact, old->naudit_redact,
		    &ncfg->audit_redact, &ncfg->naudit_redact);
	}
}

/*
 * SIGHUP, in the monitor: a whole new configuration and key set, or
 * nothing.  The monitor swaps them in only if everything loaded.
 */
static int
reload(const struct mcpd_config *old, struct mcpd_config **cfgp,
    struct mon_auth *authp, char *err, size_t errlen)
{
	struct mcpd_config *ncfg;

	ncfg = xcalloc(1, sizeof(*ncfg));
	if (load_config(ncfg, err, errlen) != 0) {
		free(ncfg);
		return -1;
	}
	/* As at start: an Upstream line is refused, never ignored. */
	if (ncfg->nupstreams > 0) {
		seterr(err, errlen, "Upstream %s: the gateway is not in this "
		    "build yet", ncfg->upstreams[0].name);
		config_free(ncfg);
		free(ncfg);
		return -1;
	}
	ncfg->stdio = old->stdio;
	keep_restart_values(ncfg, old);
	if (load_auth(ncfg, authp, err, errlen) != 0) {
		config_free(ncfg);
		free(ncfg);
		return -1;
	}
	*cfgp = ncfg;
	return 0;
}

static void
release(struct mcpd_config *cfg, struct mon_auth *auth)
{
	release_auth(auth);
	config_free(cfg);
	free(cfg);
}

static char ready_line[512] = "Server ready on stdio";

static void
server_ready(void)
{
	fprintf(stderr, "%s\n", ready_line);
	fflush(stderr);
}

/*
 * The net process sets RLIMIT_NOFILE to its descriptors plus
 * MaxConnections, which it cannot raise past the hard limit it inherits:
 * refuse at start what it could never do, instead of a net process that
 * dies at every start.
 */
static void
check_nofile(const struct mcpd_config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		fatal("getrlimit: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < (rlim_t)cfg->max_connections + 64)
		fatal("MaxConnections %ld: the descriptor limit (hard %llu) "
		    "leaves room for at most %lld", cfg->max_connections,
		    (unsigned long long)rl.rlim_max,
		    (long long)rl.rlim_max - 64);
}

/* Read a public file (the certificate chain) whole. */
static char *
read_public(const char *path, size_t max, size_t *lenp)
{
	uint8_t *buf = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		fatal("%s: %s", path, strerror(errno));
	if (read_fd_capped(fd, max, &buf, lenp) != 0)
		fatal("%s: cannot read (too large?)", path);
	close(fd);
	return (char *)buf;
}

static void
banner(const char *line)
{
	fprintf(stderr, "  [OK] %s\n", line);
}

/* AuditKeyFile does not exist, and the key state beside the log does. */
static int
audit_key_file_optional(const struct mcpd_config *cfg)
{
	char statepath[PATH_MAX];
	struct stat st;

	if (lstat(cfg->audit_key_file, &st) == 0 || errno != ENOENT)
		return 0;
	if (auditkey_state_path(cfg->audit_log, statepath,
	    sizeof(statepath)) != 0)
		return 0;
	return lstat(statepath, &st) == 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'f' },
		{ "stdio",	no_argument,	   NULL, 'S' },
		{ "listen",	required_argument, NULL, 'L' },
		{ "auth-mode",	required_argument, NULL, 'A' },
		{ "audit-log",	required_argument, NULL, 'U' },
		{ "rate-limit",	required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct mcpd_config *cfg;
	struct monitor_params mp;
	struct mon_auth auth;
	struct audit *audit = NULL;
	size_t i;
	const char *kw;
	uint8_t *auditkey = NULL;
	size_t auditkeylen = 0;
	char err[1024], line[CONFIG_LINE_MAX], buf[256];
	int ch, debug_flag = 0, test_flag = 0, dump_flag = 0, status;

	privdrop_harden_process();
	log_init("mcpd", LOG_LVL_INFO, 1);
	cfg = xcalloc(1, sizeof(*cfg));

	while ((ch = getopt_long(argc, argv, "dDtTf:o:", longopts,
	    NULL)) != -1) {
		kw = NULL;
		switch (ch) {
		case 'd':
			debug_flag = 1;
			break;
		case 'D':
			break;	/* stdio never detaches */
		case 't':
			test_flag = 1;
			break;
		case 'T':
			dump_flag = 1;
			break;
		case 'f':
			cfg_path = optarg;
			break;
		case 'o':
			cfg_source_add(optarg, 1);
			break;
		case 'S':
			cfg->stdio = 1;
			break;
		case 'L':
			kw = "Listen";
			break;
		case 'A':
			kw = "AuthMode";
			break;
		case 'U':
			kw = "AuditLog";
			break;
		case 'R':
			kw = "RateLimit";
			break;
		default:
			usage();
		}
		if (kw != NULL) {
			if (snprintf(line, sizeof(line), "%s %s", kw,
			    optarg) >= (int)sizeof(line))
				fatal("--%s: value too long", kw);
			cfg_source_add(line, 0);
		}
	}
	if (optind != argc)
		usage();
	if (debug_flag)
		log_set_level(LOG_LVL_DEBUG1);

	if (cfg_path == NULL)
		cfg_path = getenv("MCPD_CONFIG");
	if (cfg_path == NULL || *cfg_path == '\0')
		cfg_path = CONFIG_DEFAULT_PATH;
	{
		int stdio_flag = cfg->stdio;

		if (load_config(cfg, err, sizeof(err)) != 0)
			fatal("%s", err);
		cfg->stdio = stdio_flag;
	}
	if (dump_flag) {
		config_dump(cfg, stdout);
		if (fflush(stdout) != 0)
			fatal("stdout: %s", strerror(errno));
		exit(0);
	}

	/* The children's programs, checked as sshd checks sshd-session. */
	spawn_init();
	if (!test_flag)
		fprintf(stderr, "MCP Server starting...\n");
	if (load_auth(cfg, &auth, err, sizeof(err)) != 0)
		fatal("%s", err);
	if (auth.keys != NULL && !test_flag)
		banner("API key authentication enabled");
	if (auth.jwt != NULL && !test_flag) {
		(void)snprintf(buf, sizeof(buf), "OAuth token validation "
		    "enabled (%zu keys)", jwtv_nkeys(auth.jwt));
		banner(buf);
	}
	if (auth.mtls != NULL && !test_flag)
		banner("Client certificates verified (mTLS)");
	if (upstream_secrets_check(cfg, err, sizeof(err)) != 0)
		fatal("%s", err);
	if (config_auth_uses(cfg, AUTH_M_NONE))
		error("WARNING: AuthMode none: requests are not "
		    "authenticated; every caller is \"anonymous\"%s",
		    cfg->nlisten > 0 ? " (loopback listeners only)" : "");
	if (!test_flag)
		banner("Role-based access control active");
	/*
	 * Once the audit key state exists it holds the evolved key, and the
	 * admin may have taken AuditKeyFile off the host (forward security,
	 * mcpd(8)): only then may the key file be missing.
	 */
	if (audit_key_file_optional(cfg))
		logit("AuditKeyFile %s is absent: the audit chain continues "
		    "from its key state", cfg->audit_key_file);
	else if (auditchain_load_key(cfg->audit_key_file, &auditkey,
	    &auditkeylen, err, sizeof(err)) != 0)
		fatal("%s", err);

	memset(&mp, 0, sizeof(mp));
	mp.cfg = cfg;
	mp.auth = auth;
	/* The TLS key stays here; the net process gets the chain only. */
	if (cfg->tls_certificate != NULL && cfg->nlisten > 0 && !cfg->stdio) {
		if ((mp.tlskey = tlskey_load(cfg->tls_key,
		    cfg->tls_certificate, err, sizeof(err))) == NULL)
			fatal("%s", err);
		mp.cert_pem = read_public(cfg->tls_certificate, 1024 * 1024,
		    &mp.cert_pemlen);
	}
	if (geteuid() == 0) {
		mp.drop = 1;
		lookup_user(cfg->privsep_user, "PrivsepUser", &mp.net_uid,
		    &mp.net_gid);
		lookup_user(cfg->tool_user, "ToolUser", &mp.tool_uid,
		    &mp.tool_gid);
		if (check_chroot(cfg->privsep_chroot, err, sizeof(err)) != 0)
			fatal("%s", err);
	} else if (!test_flag)
		logit("not running as root: the net process and the workers "
		    "keep this uid and skip chroot (development mode)");
	if (access(cfg->database, R_OK) != 0)
		fatal("Database %s: %s", cfg->database, strerror(errno));
	if (test_flag) {
		freezero(auditkey, auditkeylen);
		tlskey_free(mp.tlskey);
		free(mp.cert_pem);
		release(cfg, &mp.auth);
		exit(0);
	}
	/*
	 * mcpd -t checks Upstream lines, but this build has no gateway to
	 * serve them: starting without them would leave their clients
	 * talking to a server that silently lacks the tools they expect.
	 */
	if (cfg->nupstreams > 0)
		fatal("Upstream %s: the gateway is not in this build yet",
		    cfg->upstreams[0].name);
	/* --stdio serves stdio, whatever Listen says. */
	if (cfg->nlisten > 0 && !cfg->stdio) {
		check_nofile(cfg);
		mp.listen_fds = xcalloc(cfg->nlisten, sizeof(*mp.listen_fds));
		for (i = 0; i < cfg->nlisten; i++)
			if (listener_open(cfg->listen[i], &mp.listen_fds[i], err,
			    sizeof(err)) != 0)
				fatal("%s", err);
		mp.nlisten = cfg->nlisten;
		(void)snprintf(ready_line, sizeof(ready_line),
		    "Server ready on %s (%s)", cfg->resource_url,
		    mp.tlskey != NULL ? tlskey_desc(mp.tlskey) :
		    "plain HTTP, loopback");
	}

	mp.env_cred = take_env_secret("MCPD_API_KEY", &mp.env_credlen);
	if (mp.env_cred == NULL)
		mp.env_cred = take_env_secret("MCPD_TOKEN", &mp.env_credlen);
	else {
		size_t tlen;
		char *t = take_env_secret("MCPD_TOKEN", &tlen);

		if (t != NULL) {
			logit("both MCPD_API_KEY and MCPD_TOKEN set: using "
			    "MCPD_API_KEY");
			freezero(t, tlen);
		}
	}
	/* Kept out of swap where RLIMIT_MEMLOCK allows; not an error if not. */
	if (mp.env_cred != NULL)
		(void)secret_lock(mp.env_cred, mp.env_credlen);

	if (audit_open(&audit, cfg->audit_log, auditkey, auditkeylen,
	    cfg->audit_sync, err, sizeof(err)) != 0)
		fatal("audit log: %s", err);
	freezero(auditkey, auditkeylen);
	audit_set_checkpoint(audit, cfg->audit_checkpoint_records,
	    cfg->audit_checkpoint_seconds);
	mp.audit = audit;
	(void)snprintf(buf, sizeof(buf), "Audit logging to %s", cfg->audit_log);
	banner(buf);
	(void)snprintf(buf, sizeof(buf), "Rate limiting: %ld req/min per user",
	    cfg->rate_limit);
	banner(buf);
	fflush(stderr);

	{
		int e;

		if (secret_lock_failures(&e) > 0)
			debug("key material not locked in memory: %s",
			    strerror(e));
	}
	mp.ready = server_ready;
	mp.reload = reload;
	mp.release = release;
	status = monitor_run(&mp);

	audit_close(audit);
	release(mp.cfg, &mp.auth);
	tlskey_free(mp.tlskey);
	free(mp.cert_pem);
	for (i = 0; i < mp.nlisten; i++)
		close(mp.listen_fds[i]);
	free(mp.listen_fds);
	if (mp.env_cred != NULL) {
		secret_unlock_wipe(mp.env_cred, mp.env_credlen);
		free(mp.env_cred);
	}
	return status;
}
