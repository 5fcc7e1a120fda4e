/*
 * Role-based authorization (DESIGN 4), in the monitor.  Default deny: a tool
 * is permitted only if one of the caller's roles lists it (or "*").
 */
#ifndef MCPD_POLICY_H
#define MCPD_POLICY_H

#include <stddef.h>

struct mcpd_config;

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

#endif /* MCPD_POLICY_H */
