/*
 * mcpd.conf(5): the configuration printed back (mcpd -T, as sshd -T), one
 * "keyword value" per line in lower case, in a form the parser reads
 * again; and the printable name of an AuthMode alternative.
 */

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

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

/*
 * " NAME=a,b" for a list that is not empty, as one word: in double quotes
 * if an element holds a blank (a path may).
 */
static void
dump_field(FILE *f, const char *name, char *const *v, size_t n,
    const char *sep)
{
	const char *q = "";
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		if (strpbrk(v[i], " \t") != NULL)
			q = "\"";
	fprintf(f, " %s%s=", q, name);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i == 0 ? "" : sep, v[i]);
	fprintf(f, "%s", q);
}

static void
dump_role(FILE *f, const struct cfg_role *r)
{
	fprintf(f, "role %s", r->name);
	dump_field(f, "tools", r->tools, r->ntools, ",");
	dump_field(f, "resources", r->resources, r->nresources, ",");
	dump_field(f, "prompts", r->prompts, r->nprompts, ",");
	fprintf(f, "\n");
}

/*
 * " WORD", a word after the first argument, in double quotes if it would
 * not read back as one word: empty, with a blank, or starting with '#'.
 * A leading '=' needs none there (only the keyword's separator is
 * special), and could not have them: a word the lexer gave may hold a
 * double quote only when it was not quoted.
 */
static void
dump_word(FILE *f, const char *w)
{
	fprintf(f, *w == '\0' || *w == '#' || strpbrk(w, " \t") != NULL ?
	    " \"%s\"" : " %s", w);
}

/* " NAME=VALUE" as one word, for an option that is set. */
static void
dump_option(FILE *f, const char *name, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, strpbrk(v, " \t") != NULL ? " \"%s=%s\"" : " %s=%s", name,
	    v);
}

/*
 * A time of timeout= in its shortest form (90, 2m, 1h): never longer than
 * the line gave it, so that the printed line fits wherever the line did.
 */
static void
dump_seconds(FILE *f, const char *name, long v)
{
	char best[32], alt[32];
	int r;

	(void)snprintf(best, sizeof(best), "%ld", v);
	if (v % 60 == 0) {
		r = snprintf(alt, sizeof(alt), "%ldm", v / 60);
		if (r > 0 && (size_t)r < strlen(best))
			memcpy(best, alt, (size_t)r + 1);
	}
	if (v % 3600 == 0) {
		r = snprintf(alt, sizeof(alt), "%ldh", v / 3600);
		if (r > 0 && (size_t)r < strlen(best))
			memcpy(best, alt, (size_t)r + 1);
	}
	fprintf(f, " %s=%s", name, best);
}

/*
 * Upstream, in one canonical form that reads back to the same upstream:
 * the options in a fixed order and only those that differ from their
 * defaults (prefix= when it is not NAME, network= when it is host).  It
 * is never longer than the line read, in bytes or in words, so that it
 * reads back whatever the line's length.
 */
static void
dump_upstream(FILE *f, const struct cfg_upstream *u)
{
	size_t i;

	fprintf(f, "upstream %s", u->name);
	dump_option(f, "user", u->user);
	dump_option(f, "cwd", u->cwd);
	dump_field(f, "env", u->env, u->nenv, ",");
	dump_option(f, "envfile", u->envfile);
	if (u->network != UPSTREAM_NET_NONE)
		fprintf(f, " network=%s",
		    choice_name(cfg_network_choices, u->network));
	dump_field(f, "read", u->read, u->nread, ":");
	dump_field(f, "write", u->write, u->nwrite, ":");
	if (u->timeout != -1)
		dump_seconds(f, "timeout", u->timeout);
	if (u->max_inflight != -1)
		fprintf(f, " max-inflight=%ld", u->max_inflight);
	if (strcmp(cfg_upstream_prefix(u), u->name) != 0)
		dump_option(f, "prefix", cfg_upstream_prefix(u));
	dump_option(f, "credential", u->credential);
	dump_option(f, "ca", u->ca);
	if (u->kind == UPSTREAM_URL)
		fprintf(f, " url %s", u->url);
	else {
		fprintf(f, " command");
		dump_word(f, u->path);
		for (i = 0; i < u->nargs; i++)
			dump_word(f, u->args[i]);
	}
	fprintf(f, "\n");
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
	for (i = 0; i < cfg->nroles; i++)
		dump_role(f, &cfg->roles[i]);
	for (i = 0; i < cfg->nupstreams; i++)
		dump_upstream(f, &cfg->upstreams[i]);
	dump_choice(f, "toollisting", cfg_toollisting_choices,
	    cfg->tool_listing);
	dump_long(f, "ratelimit", cfg->rate_limit, "/min");
	dump_long(f, "authfailurelimit", cfg->auth_failure_limit, "/min");
	dump_str(f, "auditlog", cfg->audit_log);
	dump_str(f, "auditkeyfile", cfg->audit_key_file);
	dump_choice(f, "auditsync", cfg_auditsync_choices, cfg->audit_sync);
	dump_choice(f, "auditarguments", cfg_auditargs_choices,
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
	dump_choice(f, "mtlsidentity", cfg_mtlsid_choices, cfg->mtls_identity);
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
	dump_choice(f, "jwttype", cfg_jwttype_choices, cfg->jwt_type);
	dump_choice(f, "mtlsbindtoken", cfg_yesno_choices,
	    cfg->mtls_bind_token);
	dump_choice(f, "mtlsmatchidentity", cfg_yesno_choices,
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
	for (i = 0; cfg_authmethod_choices[i].name != NULL; i++) {
		if ((mask & (unsigned int)cfg_authmethod_choices[i].value) == 0)
			continue;
		r = snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    off == 0 ? "" : ",", cfg_authmethod_choices[i].name);
		if (r < 0 || (size_t)r >= sizeof(buf) - off)
			break;
		off += (size_t)r;
	}
	return buf;
}
