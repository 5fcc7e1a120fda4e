/*
 * What a sanitizer build changes in a confined process ("make sanitize":
 * MCPD_SANITIZE 1 for AddressSanitizer and UBSan, 2 for valgrind
 * memcheck; 0, the default and the only production value, compiles none
 * of this).  See sanitize.c.
 */
#ifndef MCPD_SANITIZE_H
#define MCPD_SANITIZE_H

#ifndef MCPD_SANITIZE
#define MCPD_SANITIZE 0
#endif

#if MCPD_SANITIZE
/*
 * Called by sandbox_apply() just before the seccomp filter goes on: the
 * sanitizer runtime caches what it could no longer read, and the leak
 * check at exit, which a confined process cannot run, is turned off.
 */
void	sanitize_confine(void);
#endif

#endif /* MCPD_SANITIZE_H */
