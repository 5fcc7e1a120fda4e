/*
 * mcpd.conf(5): the Upstream keyword, an MCP server the gateway fronts.
 *
 *	Upstream NAME [OPTION=VALUE ...] command PATH [ARG ...]
 *	Upstream NAME [OPTION=VALUE ...] url https://HOST[:PORT]/PATH
 *
 * Every option is checked here, when the line is read, so that a mistake
 * is reported with its file and line; the option words come before
 * "command" or "url", and everything after "command PATH" is the
 * program's arguments, kept as the lexer gave them.  What the line
 * describes is served by the gateway, which this build does not have
 * yet: mcpd -t checks the lines and mcpd refuses to start with one.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_int.h"
#include "strv.h"
#include "upstream_env.h"

/* timeout=, as ToolTimeout. */
#define UPSTREAM_TIMEOUT_MAX	3600
/* read= and write=: each path becomes a Landlock rule. */
#define UPSTREAM_PATHS_MAX	64

/* Which kind of upstream an option applies to. */
#define FOR_COMMAND	0x1
#define FOR_URL		0x2
#define FOR_BOTH	(FOR_COMMAND | FOR_URL)

enum uopt {
	UO_USER,
	UO_CWD,
	UO_ENV,
	UO_ENVFILE,
	UO_NETWORK,
	UO_READ,
	UO_WRITE,
	UO_TIMEOUT,
	UO_MAXINFLIGHT,
	UO_PREFIX,
	UO_CREDENTIAL,
	UO_CA
};

static const struct uoption {
	const char	*name;
	enum uopt	 code;
	unsigned int	 kinds;
} uoptions[] = {
	{ "user",		UO_USER,	FOR_COMMAND },
	{ "cwd",		UO_CWD,		FOR_COMMAND },
	{ "env",		UO_ENV,		FOR_COMMAND },
	{ "envfile",		UO_ENVFILE,	FOR_COMMAND },
	{ "network",		UO_NETWORK,	FOR_COMMAND },
	{ "read",		UO_READ,	FOR_COMMAND },
	{ "write",		UO_WRITE,	FOR_COMMAND },
	{ "timeout",		UO_TIMEOUT,	FOR_BOTH },
	{ "max-inflight",	UO_MAXINFLIGHT,	FOR_BOTH },
	{ "prefix",		UO_PREFIX,	FOR_BOTH },
	{ "credential",		UO_CREDENTIAL,	FOR_URL },
	{ "ca",			UO_CA,		FOR_URL },
};

const struct choice cfg_network_choices[] = {
	{ "none",	UPSTREAM_NET_NONE },
	{ "host",	UPSTREAM_NET_HOST },
	{ NULL,		0 }
};

/*
 * An upstream's NAME and prefix=: the exposed names are PREFIX_tool and
 * must match ^[A-Za-z0-9_-]{1,64}$, so the prefix holds only those
 * characters and leaves room for the tool's own name.
 */
int
cfg_valid_upstream_word(const char *s)
{
	return cfg_valid_name(s) && strchr(s, '.') == NULL &&
	    strlen(s) <= UPSTREAM_NAME_MAX;
}

/* An absolute path that fits in a PATH_MAX buffer. */
static int
check_abs_path(struct pctx *p, const char *s)
{
	if (*s != '/') {
		cfg_perr(p, "%s: '%s' is not an absolute path", p->kw, s);
		return -1;
	}
	if (strlen(s) >= PATH_MAX) {
		cfg_perr(p, "%s: path longer than %d bytes", p->kw,
		    PATH_MAX - 1);
		return -1;
	}
	return 0;
}

void
cfg_upstream_free(struct cfg_upstream *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u->user);
	free(u->cwd);
	strv_free(u->env, u->nenv);
	free(u->envfile);
	strv_free(u->read, u->nread);
	strv_free(u->write, u->nwrite);
	free(u->prefix);
	free(u->credential);
	free(u->ca);
	free(u->path);
	strv_free(u->args, u->nargs);
	free(u->url);
	memset(u, 0, sizeof(*u));
}

/*
 * A copy of s into *field.  A field is set once (a second option of a
 * name is refused before), but what it held is freed all the same.
 */
static int
set_copy(struct pctx *p, char **field, const char *s)
{
	free(*field);
	if ((*field = strdup(s)) == NULL) {
		cfg_perr(p, "out of memory");
		return -1;
	}
	return 0;
}

/* read=PATH:PATH:... and write=: absolute paths, each once. */
static int
parse_paths(struct pctx *p, const char *val, char ***vp, size_t *np)
{
	char *copy, *cp, *el;
	int ret = -1;

	if ((copy = strdup(val)) == NULL) {
		cfg_perr(p, "out of memory");
		return -1;
	}
	cp = copy;
	while ((el = strsep(&cp, ":")) != NULL) {
		if (*el == '\0') {
			cfg_perr(p, "%s: empty path in '%s'", p->kw, val);
			goto out;
		}
		if (check_abs_path(p, el) != 0)
			goto out;
		if (strv_has(*vp, *np, el)) {
			cfg_perr(p, "%s: duplicate path '%s'", p->kw, el);
			goto out;
		}
		if (*np >= UPSTREAM_PATHS_MAX) {
			cfg_perr(p, "%s: more than %d paths", p->kw,
			    UPSTREAM_PATHS_MAX);
			goto out;
		}
		if (cfg_list_add(p, vp, np, el) != 0)
			goto out;
	}
	ret = 0;
 out:
	free(copy);
	return ret;
}

/* env=NAME,...: names of mcpd's environment, never its own MCPD_*. */
static int
parse_env(struct pctx *p, char *val, struct cfg_upstream *u)
{
	size_t i;

	if (cfg_split_list(p, &val, 1, upstream_env_name_valid,
	    "environment variable name", &u->env, &u->nenv) != 0)
		return -1;
	if (u->nenv > UPSTREAM_ENV_MAX) {
		cfg_perr(p, "%s: more than %d names", p->kw,
		    UPSTREAM_ENV_MAX);
		return -1;
	}
	for (i = 0; i < u->nenv; i++) {
		if (upstream_env_name_reserved(u->env[i])) {
			cfg_perr(p, "%s: '%s' is reserved for mcpd (MCPD_* is "
			    "never given to an upstream)", p->kw, u->env[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * url https://HOST[:PORT]/PATH: http:// only on loopback, as a plain
 * Listen, since the bearer credential= would otherwise cross the network
 * in the clear; a path is required (an MCP endpoint is one), a fragment
 * is refused.
 */
static int
parse_url(struct pctx *p, const char *val, struct cfg_upstream *u)
{
	struct url url;
	const char *auth;

	if (cfg_url_parse(val, &url) != 0 ||
	    (!url.https && !cfg_host_is_loopback(url.host))) {
		cfg_perr(p, "%s: '%s' is not an https://HOST[:PORT]/PATH URL "
		    "(http:// is allowed only for localhost, 127.0.0.0/8 and "
		    "[::1])", p->kw, val);
		return -1;
	}
	auth = strstr(val, "://") + 3;
	if (auth[strcspn(auth, "/?#")] != '/') {
		cfg_perr(p, "%s: '%s' has no path (such as /mcp)", p->kw, val);
		return -1;
	}
	if (url.has_fragment) {
		cfg_perr(p, "%s: '%s' has a fragment", p->kw, val);
		return -1;
	}
	u->kind = UPSTREAM_URL;
	return set_copy(p, &u->url, val);
}

/* command PATH [ARG ...]: the words after PATH are kept as they are. */
static int
parse_command(struct pctx *p, char **av, int ac, struct cfg_upstream *u)
{
	int i;

	if (ac < 1) {
		cfg_perr(p, "%s: missing PATH", p->kw);
		return -1;
	}
	if (check_abs_path(p, av[0]) != 0)
		return -1;
	u->kind = UPSTREAM_COMMAND;
	if (set_copy(p, &u->path, av[0]) != 0)
		return -1;
	for (i = 1; i < ac; i++)
		if (cfg_list_add(p, &u->args, &u->nargs, av[i]) != 0)
			return -1;
	return 0;
}

static int
parse_option(struct pctx *p, const struct uoption *o, char *val,
    struct cfg_upstream *u)
{
	long lv;
	int iv;

	if (*val == '\0' && o->code != UO_PREFIX) {
		cfg_perr(p, "%s: empty value", p->kw);
		return -1;
	}
	switch (o->code) {
	case UO_USER:
		if (!cfg_valid_id(val)) {
			cfg_perr(p, "%s: invalid user name '%s'", p->kw, val);
			return -1;
		}
		return set_copy(p, &u->user, val);
	case UO_CWD:
		if (check_abs_path(p, val) != 0)
			return -1;
		return set_copy(p, &u->cwd, val);
	case UO_ENV:
		return parse_env(p, val, u);
	case UO_ENVFILE:
		return set_copy(p, &u->envfile, val);
	case UO_NETWORK:
		if (cfg_parse_choice(p, val, cfg_network_choices, &iv) != 0)
			return -1;
		u->network = iv;
		return 0;
	case UO_READ:
		return parse_paths(p, val, &u->read, &u->nread);
	case UO_WRITE:
		return parse_paths(p, val, &u->write, &u->nwrite);
	case UO_TIMEOUT:
		if (cfg_parse_seconds(p, val, 1, UPSTREAM_TIMEOUT_MAX,
		    &lv) != 0)
			return -1;
		u->timeout = lv;
		return 0;
	case UO_MAXINFLIGHT:
		if (cfg_parse_range(p, val, 1, UPSTREAM_INFLIGHT_MAX,
		    &lv) != 0)
			return -1;
		u->max_inflight = lv;
		return 0;
	case UO_PREFIX:
		if (*val != '\0' && !cfg_valid_upstream_word(val)) {
			cfg_perr(p, "%s: invalid prefix '%s' (letters, "
			    "digits, '_' and '-', at most %d)", p->kw, val,
			    UPSTREAM_NAME_MAX);
			return -1;
		}
		return set_copy(p, &u->prefix, val);
	case UO_CREDENTIAL:
		return set_copy(p, &u->credential, val);
	case UO_CA:
		return set_copy(p, &u->ca, val);
	}
	cfg_perr(p, "internal error: unhandled option '%s'", o->name);
	return -1;
}

static const struct uoption *
find_option(const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(uoptions) / sizeof(uoptions[0]); i++)
		if (strlen(uoptions[i].name) == len &&
		    strncasecmp(word, uoptions[i].name, len) == 0)
			return &uoptions[i];
	return NULL;
}

/*
 * The option words and the "command" or "url" part of the line, after
 * NAME; kwbuf is where the messages' "Upstream NAME: OPTION" is made.
 */
static int
parse_words(struct pctx *p, char **av, int ac, struct cfg_upstream *u,
    char *kwbuf, size_t kwlen, unsigned int *seenp)
{
	const struct uoption *o;
	unsigned int seen = 0;
	const char *base = p->kw;
	char *eq;
	size_t i;
	int j;

	for (j = 1; j < ac; j++) {
		if (strcasecmp(av[j], "command") == 0 ||
		    strcasecmp(av[j], "url") == 0) {
			(void)snprintf(kwbuf, kwlen, "%s %s: %s", base,
			    u->name, strcasecmp(av[j], "url") == 0 ? "url" :
			    "command");
			p->kw = kwbuf;
			*seenp = seen;
			if (strcasecmp(av[j], "command") == 0)
				return parse_command(p, av + j + 1,
				    ac - j - 1, u);
			if (j + 1 >= ac) {
				cfg_perr(p, "%s: missing URL", p->kw);
				return -1;
			}
			if (j + 2 < ac) {
				cfg_perr(p, "%s: extra argument '%s'", p->kw,
				    av[j + 2]);
				return -1;
			}
			return parse_url(p, av[j + 1], u);
		}
		if ((eq = strchr(av[j], '=')) == NULL) {
			cfg_perr(p, "%s %s: expected OPTION=VALUE, 'command "
			    "PATH [ARG ...]' or 'url URL', got '%s'", base,
			    u->name, av[j]);
			return -1;
		}
		if ((o = find_option(av[j], (size_t)(eq - av[j]))) == NULL) {
			cfg_perr(p, "%s %s: unknown option '%.*s='", base,
			    u->name, (int)(eq - av[j]), av[j]);
			return -1;
		}
		i = (size_t)(o - uoptions);
		if ((seen & (1U << i)) != 0) {
			cfg_perr(p, "%s %s: duplicate option '%s='", base,
			    u->name, o->name);
			return -1;
		}
		seen |= 1U << i;
		(void)snprintf(kwbuf, kwlen, "%s %s: %s", base, u->name,
		    o->name);
		p->kw = kwbuf;
		if (parse_option(p, o, eq + 1, u) != 0)
			return -1;
		p->kw = base;
	}
	cfg_perr(p, "%s %s: missing 'command PATH [ARG ...]' or 'url URL'",
	    base, u->name);
	return -1;
}

/* The first option given (in seen) that this kind of upstream refuses. */
static int
check_kinds(struct pctx *p, const struct cfg_upstream *u, unsigned int seen)
{
	unsigned int kind = u->kind == UPSTREAM_URL ? FOR_URL : FOR_COMMAND;
	size_t i;

	for (i = 0; i < sizeof(uoptions) / sizeof(uoptions[0]); i++) {
		if ((seen & (1U << i)) == 0 || (uoptions[i].kinds & kind) != 0)
			continue;
		cfg_perr(p, "%s %s: %s= is for %s upstreams only", p->kw,
		    u->name, uoptions[i].name,
		    kind == FOR_URL ? "command" : "url");
		return -1;
	}
	return 0;
}

/* The name PREFIX_tool begins with; "" when prefix= is empty. */
const char *
cfg_upstream_prefix(const struct cfg_upstream *u)
{
	return u->prefix != NULL ? u->prefix : u->name;
}

int
cfg_parse_upstream(struct pctx *p, char **av, int ac)
{
	struct mcpd_config *cfg = p->cfg;
	struct cfg_upstream u, *nu;
	char kwbuf[64 + UPSTREAM_NAME_MAX];
	const char *kw = p->kw, *pre;
	unsigned int seen = 0;
	size_t i;
	int r;

	if (!cfg_valid_upstream_word(av[0])) {
		cfg_perr(p, "%s: invalid name '%s' (letters, digits, '_' and "
		    "'-', at most %d)", p->kw, av[0], UPSTREAM_NAME_MAX);
		return -1;
	}
	for (i = 0; i < cfg->nupstreams; i++) {
		if (strcmp(cfg->upstreams[i].name, av[0]) == 0) {
			cfg_perr(p, "%s: duplicate name '%s'", p->kw, av[0]);
			return -1;
		}
	}
	if (cfg->nupstreams >= UPSTREAMS_MAX) {
		cfg_perr(p, "%s: too many upstreams (at most %d)", p->kw,
		    UPSTREAMS_MAX);
		return -1;
	}
	memset(&u, 0, sizeof(u));
	u.network = UPSTREAM_NET_NONE;
	u.timeout = -1;
	u.max_inflight = -1;
	if (set_copy(p, &u.name, av[0]) != 0)
		return -1;
	r = parse_words(p, av, ac, &u, kwbuf, sizeof(kwbuf), &seen);
	p->kw = kw;
	if (r != 0 || check_kinds(p, &u, seen) != 0)
		goto fail;
	/* Two upstreams under one prefix would collide on every name. */
	pre = cfg_upstream_prefix(&u);
	for (i = 0; *pre != '\0' && i < cfg->nupstreams; i++) {
		if (strcmp(cfg_upstream_prefix(&cfg->upstreams[i]),
		    pre) == 0) {
			cfg_perr(p, "%s %s: prefix '%s' is already that of "
			    "Upstream %s", p->kw, u.name, pre,
			    cfg->upstreams[i].name);
			goto fail;
		}
	}
	if ((nu = reallocarray(cfg->upstreams, cfg->nupstreams + 1,
	    sizeof(*nu))) == NULL) {
		cfg_perr(p, "out of memory");
		goto fail;
	}
	cfg->upstreams = nu;
	cfg->upstreams[cfg->nupstreams++] = u;
	return 0;
 fail:
	cfg_upstream_free(&u);
	return -1;
}
