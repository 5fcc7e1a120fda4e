/*
 * What a sanitizer build (sanitize.h) changes in the seccomp filters:
 * hooks that sandbox.c and violate.c call in every build.  Their
 * sanitizer versions are in sandbox_san.c, which only a sanitizer build
 * compiles; in production they are the no-ops below, and the filters are
 * exactly the profiles.  Private to sandbox/.
 */
#ifndef MCPD_SANDBOX_SAN_H
#define MCPD_SANDBOX_SAN_H

#include <sys/types.h>

#include <stdint.h>

#include <seccomp.h>

#include "sanitize.h"

#if MCPD_SANITIZE
/* Called before the filter is made; 0, or -1 on error. */
int		sandbox_san_init(void);
/* The action that kills the process. */
uint32_t	sandbox_san_kill(void);
/*
 * Add what the sanitizer's runtime needs in the confined process pid to
 * every profile; 0, or -1 on error.
 */
int		sandbox_san_rules(scmp_filter_ctx ctx, pid_t pid);
#if MCPD_TEST_HOOKS
/*
 * The errors a sanitizer must report (sandbox.h, sandbox_test_violate):
 * 0 with *rp set if what is one of them and the process survived it, -1
 * if what is none of them.
 */
int		sandbox_san_violate(const char *what, long *rp);
#endif
#else
static inline int
sandbox_san_init(void)
{
	return 0;
}

/* seccomp's kill of the whole process. */
static inline uint32_t
sandbox_san_kill(void)
{
	return SCMP_ACT_KILL_PROCESS;
}

static inline int
sandbox_san_rules(scmp_filter_ctx ctx, pid_t pid)
{
	(void)ctx;
	(void)pid;
	return 0;
}

#if MCPD_TEST_HOOKS
static inline int
sandbox_san_violate(const char *what, long *rp)
{
	(void)what;
	(void)rp;
	return -1;
}
#endif
#endif /* MCPD_SANITIZE */

#endif /* MCPD_SANDBOX_SAN_H */
