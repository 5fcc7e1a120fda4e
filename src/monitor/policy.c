/*
 * Role-based authorization (mcpd.conf(5), User and Role), in the monitor.
 *
 * The policy is the User and Role lines of the configuration, read as they
 * are: no index is built, since the lists are capped (CONFIG_LIST_MAX) and
 * a decision is a few string comparisons next to the cost of the call it
 * guards.  Default deny: a role that no Role line defines permits nothing,
 * and an empty or NULL tool name is never permitted.  A role grants the
 * tools its tools= patterns match, as fnmatch(3) globs ("*" is every
 * tool, and a name without glob characters matches only itself).
 */

#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "authn.h"
#include "config.h"
#include "policy.h"
#include "strv.h"
#include "xmalloc.h"

int
policy_pattern_match(char *const *patterns, size_t n, const char *name)
{
	size_t i;

	if (name == NULL || *name == '\0')
		return 0;
	for (i = 0; i < n; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

/* Whether one of the role's tools= patterns matches tool. */
static int
role_permits(const struct cfg_role *r, const char *tool)
{
	return policy_pattern_match(r->tools, r->ntools, tool);
}

static const struct cfg_role *
find_role(const struct mcpd_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nroles; i++)
		if (strcmp(cfg->roles[i].name, name) == 0)
			return &cfg->roles[i];
	return NULL;
}

const struct cfg_user *
policy_find_user(const struct mcpd_config *cfg, const char *id)
{
	size_t i;

	if (cfg == NULL || id == NULL)
		return NULL;
	for (i = 0; i < cfg->nusers; i++)
		if (strcmp(cfg->users[i].id, id) == 0)
			return &cfg->users[i];
	return NULL;
}

int
policy_permits(const struct mcpd_config *cfg, char *const *roles,
    size_t nroles, const char *tool)
{
	const struct cfg_role *r;
	size_t i;

	if (cfg == NULL || roles == NULL || tool == NULL || *tool == '\0')
		return 0;
	for (i = 0; i < nroles; i++) {
		if (roles[i] == NULL)
			continue;
		if ((r = find_role(cfg, roles[i])) != NULL &&
		    role_permits(r, tool))
			return 1;
	}
	return 0;
}

char *
policy_required_roles(const struct mcpd_config *cfg, const char *tool)
{
	const struct cfg_role *r;
	size_t i, len = 0, off = 0, n;
	char *ret;

	/* First pass sizes the string, second fills it. */
	if (cfg != NULL && tool != NULL && *tool != '\0') {
		for (i = 0; i < cfg->nroles; i++) {
			r = &cfg->roles[i];
			if (role_permits(r, tool))
				len += strlen(r->name) + 1;
		}
	}
	ret = xmalloc(len + 1);
	ret[0] = '\0';
	if (len == 0)
		return ret;
	for (i = 0; i < cfg->nroles; i++) {
		r = &cfg->roles[i];
		if (!role_permits(r, tool))
			continue;
		if (off > 0)
			ret[off++] = ',';
		n = strlen(r->name);
		memcpy(ret + off, r->name, n);
		off += n;
	}
	ret[off] = '\0';
	return ret;
}

char *
policy_missing_scopes(const struct mcpd_config *cfg,
    const struct identity *id, const char *tool)
{
	const struct cfg_role *r;
	char **picked, *ret;
	size_t i, j, n = 0, len = 0, off = 0, sl;

	if (cfg == NULL || id == NULL || !id->scoped || tool == NULL ||
	    *tool == '\0' || cfg->njwt_scopes == 0)
		return NULL;
	if (policy_permits(cfg, id->roles, id->nroles, tool) ||
	    !policy_permits(cfg, id->all_roles, id->nall_roles, tool))
		return NULL;
	/* Each scope mapped to one of the caller's roles that permits tool. */
	picked = xcalloc(cfg->njwt_scopes, sizeof(*picked));
	for (j = 0; j < cfg->njwt_scopes; j++) {
		if (!strv_has(id->all_roles, id->nall_roles,
		    cfg->jwt_scopes[j].role))
			continue;
		if ((r = find_role(cfg, cfg->jwt_scopes[j].role)) == NULL ||
		    !role_permits(r, tool))
			continue;
		if (strv_has(picked, n, cfg->jwt_scopes[j].scope))
			continue;
		picked[n++] = cfg->jwt_scopes[j].scope;
		len += strlen(cfg->jwt_scopes[j].scope) + 1;
	}
	if (n == 0) {
		free(picked);
		return NULL;
	}
	ret = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ret[off++] = ' ';
		sl = strlen(picked[i]);
		memcpy(ret + off, picked[i], sl);
		off += sl;
	}
	ret[off] = '\0';
	free(picked);
	return ret;
}
