/*
 * What a sanitizer build changes ("make sanitize": MCPD_SANITIZE 1 for
 * AddressSanitizer and UBSan, 2 for valgrind memcheck; 0, the default and
 * the only production value).  The sanitizer versions of these hooks are
 * in runtime_san.c, which only a sanitizer build compiles (see the
 * Makefile's "sanitize" section); in production they are the no-ops
 * below, and no sanitizer code is in the images.  The other hooks are
 * those of the files they serve: sandbox_san.h, src/monitor/spawn_san.h.
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
/*
 * Whether a process may cap its address space (RLIMIT_AS): not here,
 * where AddressSanitizer's shadow memory and valgrind's own mappings are
 * far above any cap.
 */
int	sanitize_rlimit_as(void);
/*
 * The errors a sanitizer build's test hook makes (sandbox_test_violate,
 * sandbox_san.c), as more entries of a JSON enum: the test_violate tool's
 * inputSchema (toolcatalog.c, tests/sanitize/).
 */
#define SANITIZE_VIOLATIONS_JSON \
	",\"heap-overflow\",\"int-overflow\",\"uninit\",\"leak\""
#else
static inline void
sanitize_confine(void)
{
}

static inline int
sanitize_rlimit_as(void)
{
	return 1;
}

#define SANITIZE_VIOLATIONS_JSON	""
#endif /* MCPD_SANITIZE */

#endif /* MCPD_SANITIZE_H */
