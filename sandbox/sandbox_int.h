/*
 * The seccomp machinery shared by the profiles of the sandbox folder
 * (sandbox.c), and the profiles themselves (profile_net.c,
 * profile_worker.c): private to sandbox/.  Each profile is in a file of
 * its own, so that an image links only the profile of its own process.
 */
#ifndef MCPD_SANDBOX_INT_H
#define MCPD_SANDBOX_INT_H

#include <sys/types.h>

#include <seccomp.h>

/* An allowed call whose arguments must match, at most two of them. */
struct sandbox_rule {
	int			 nr;
	unsigned int		 nargs;
	struct scmp_arg_cmp	 args[2];
};

#define SB_ARG(i, cmp, a, b) \
	{ .arg = (i), .op = (cmp), .datum_a = (a), .datum_b = (b) }

/*
 * What one kind of process is allowed on top of what every confined
 * process is (sandbox.c): calls allowed whatever their arguments (a NULL-
 * terminated list of names), and calls whose arguments must match (ended
 * by an entry with nargs 0).  A profile that extends another gets that
 * one's calls and rules first.
 */
struct sandbox_profile {
	const char *const		*calls;
	const struct sandbox_rule	*rules;
	const struct sandbox_profile	*extends;
};

/* The profiles: profile_net.c, profile_worker.c. */
extern const struct sandbox_profile sandbox_net_profile;
extern const struct sandbox_profile sandbox_net_http_profile;
extern const struct sandbox_profile sandbox_worker_profile;

/* Add the calls of names, allowed whatever their arguments; 0 or -1. */
int	sandbox_allow(scmp_filter_ctx ctx, const char *const *names);
/* Add the rules, up to the one with nargs 0; 0 or -1. */
int	sandbox_add_rules(scmp_filter_ctx ctx,
	    const struct sandbox_rule *rules);
/* The filter of profile for the process pid, not loaded; NULL on error. */
scmp_filter_ctx	sandbox_build(const struct sandbox_profile *profile,
		    pid_t pid);
/* Build the filter of profile for this process and load it, or die. */
void	sandbox_apply(const struct sandbox_profile *profile);

#endif /* MCPD_SANDBOX_INT_H */
