/*
 * Role-based authorization (mcpd.conf(5), User and Role), in the monitor.
 * Default deny: a tool is permitted only if a tools= pattern of one of the
 * caller's roles matches it ("*" matches every tool).  For OAuth
 * identities under JWTScope, the roles are those the token's scopes leave
 * in effect (authn.c); policy_missing_scopes() names what is lacking.
 */
#ifndef MCPD_POLICY_H
#define MCPD_POLICY_H

#include <stddef.h>

struct mcpd_config;
struct identity;

/*
 * Whether one of patterns[0..n), fnmatch(3) globs without flags (so '*'
 * also matches '/', which matters for resource URIs), matches name; an
 * empty or NULL name never matches.  Role's tools=, resources= and
 * prompts= are matched with it.
 */
int	policy_pattern_match(char *const *patterns, size_t n,
	    const char *name);
/* The User line for id, or NULL. */
const struct cfg_user *policy_find_user(const struct mcpd_config *,
	    const char *id);
/* 1 if any of roles[] permits tool, else 0. */
int	policy_permits(const struct mcpd_config *, char *const *roles,
	    size_t nroles, const char *tool);
/*
 * The roles that would permit tool, comma-separated, in the order the Role
 * lines appear; "" if none.  Allocated; the caller frees.
 */
char	*policy_required_roles(const struct mcpd_config *, const char *tool);
/*
 * JWTScope: the scopes (space-separated, in the order of the JWTScope
 * lines) that would make tool permitted for id, if tool is refused only
 * for want of a scope (one of id's roles before the scope filter permits
 * it); NULL otherwise, and always NULL for an identity the filter was not
 * applied to.  Allocated; the caller frees.
 */
char	*policy_missing_scopes(const struct mcpd_config *,
	    const struct identity *, const char *tool);

#endif /* MCPD_POLICY_H */
