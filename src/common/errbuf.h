/*
 * Error messages of library code: formatted into the caller's buffer,
 * which the daemon then logs or prints.
 */
#ifndef MCPD_ERRBUF_H
#define MCPD_ERRBUF_H

#include <stddef.h>

/* Format into err[errlen]; NULL or 0 is a no-op; truncation is fine. */
void	seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* MCPD_ERRBUF_H */
