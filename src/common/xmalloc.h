/*
 * Allocation wrappers for daemon code: they log and exit on failure, so
 * callers never carry a NULL they forgot to check.  Library code that must
 * report errors instead uses plain malloc and returns a code.
 */
#ifndef MCPD_XMALLOC_H
#define MCPD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Wipe, then free: for anything that held a secret. */
void	 freezero(void *, size_t);
/* freezero(s, strlen(s) + 1) for NUL-terminated secrets; NULL is fine. */
void	 strfreezero(char *);

#endif /* MCPD_XMALLOC_H */
