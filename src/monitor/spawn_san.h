/*
 * What a sanitizer build (sanitize.h) changes in starting a child: hooks
 * that spawn.c calls in every build.  Their sanitizer versions are in
 * spawn_san.c, which only a sanitizer build compiles; in production they
 * are the no-ops below.
 */
#ifndef MCPD_SPAWN_SAN_H
#define MCPD_SPAWN_SAN_H

#include "sanitize.h"

#if MCPD_SANITIZE
/* From spawn_init(): reads MCPD_SANITIZE_LOG and MCPD_SANITIZE_EXEC. */
void	spawn_san_init(void);
/*
 * In the child, between fork and exec (async-signal-safe calls only):
 * with MCPD_SANITIZE_LOG, stderr becomes a pipe to a relay process that
 * copies it there.
 */
void	spawn_san_relay(void);
/*
 * In the child, just before it executes file: under valgrind with
 * MCPD_SANITIZE_EXEC, executes that instead, with file as argv[1] (argv
 * has room for it), and does not return.
 */
void	spawn_san_exec(char **argv, const char *file, char *const *envp);
#else
static inline void
spawn_san_init(void)
{
}

static inline void
spawn_san_relay(void)
{
}

static inline void
spawn_san_exec(char **argv, const char *file, char *const *envp)
{
	(void)argv;
	(void)file;
	(void)envp;
}
#endif /* MCPD_SANITIZE */

#endif /* MCPD_SPAWN_SAN_H */
