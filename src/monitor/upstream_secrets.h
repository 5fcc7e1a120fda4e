/*
 * The secret files of the Upstream lines (mcpd.conf(5), UPSTREAMS):
 * envfile= and credential=, checked when mcpd starts and on mcpd -t, as
 * AuthorizedKeysFile is.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_UPSTREAM_SECRETS_H
#define MCPD_UPSTREAM_SECRETS_H

#include <stddef.h>

struct mcpd_config;

/* A credential= file is at most this long. */
#define UPSTREAM_CREDENTIAL_MAX	16384

/*
 * Check the credential= file path: a secret file (secretfile.h) holding
 * one bearer token (RFC 6750 section 2.1: letters, digits and "-._~+/",
 * then any '='), a final newline allowed.  Returns 0, or -1 with the
 * secret-file check's message or one of these in err:
 *
 *	PATH: larger than UPSTREAM_CREDENTIAL_MAX bytes
 *	PATH: not one bearer token (letters, digits and -._~+/, then any =)
 *
 * The token itself is never quoted, and its copy is wiped.
 */
int	upstream_credential_check(const char *path, char *err, size_t errlen);

/*
 * Every Upstream's envfile= (read and parsed, then wiped: nothing is
 * passed on yet) and credential=.  Returns 0, or -1 with
 * "Upstream NAME: " and the file's message in err.
 */
int	upstream_secrets_check(const struct mcpd_config *, char *err,
	    size_t errlen);

#endif /* MCPD_UPSTREAM_SECRETS_H */
