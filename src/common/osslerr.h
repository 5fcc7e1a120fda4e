/*
 * OpenSSL's error queue in mcpd's library-code style: a message into the
 * caller's buffer.  Shared by the monitor's key and certificate code and
 * the net process's TLS code.
 */
#ifndef MCPD_OSSLERR_H
#define MCPD_OSSLERR_H

#include <stddef.h>

/*
 * "prefixwhat: OpenSSL's reason" (or "prefixwhat" if the queue is empty)
 * into err, then clear the queue.  prefix may be "".
 */
void	ossl_seterr(char *err, size_t errlen, const char *prefix,
	    const char *what);
/*
 * Whether a PEM read loop stopped because its input ended (OpenSSL says
 * "no start line" then) rather than on a damaged object; clears that
 * error.
 */
int	ossl_pem_at_end(void);

#endif /* MCPD_OSSLERR_H */
