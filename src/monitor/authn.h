/*
 * Authentication in the monitor: a presented credential in, an identity (or
 * a precise reason for the audit log) out, following AuthMode's
 * alternatives.  The net process only forwards bytes; it never learns
 * anything here but the generic outcome.
 */
#ifndef MCPD_AUTHN_H
#define MCPD_AUTHN_H

#include <stddef.h>
#include <time.h>

#include <sys/socket.h>

struct mcpd_config;
struct authkeys;

struct identity {
	char	 *user;
	char	**roles;
	size_t	  nroles;
	const char *method;	/* "apikey", "none" */
	char	  credential[13];	/* fingerprint, "" if none */
};

struct authn_ctx {
	const struct mcpd_config *cfg;
	const struct authkeys	 *keys;		/* NULL unless apikey is used */
};

#define AUTHN_OK	0
#define AUTHN_FAILED	-1

/*
 * Authenticate cred (may be empty: then no credential was presented).
 * src is the client address or NULL for stdio.  On AUTHN_OK *id is filled
 * (free with identity_clear); on AUTHN_FAILED reason says why, for the
 * audit log only, and id->credential holds the fingerprint if any.
 */
int	authn_check(const struct authn_ctx *, const char *cred, size_t len,
	    const struct sockaddr *src, time_t now, struct identity *id,
	    char *reason, size_t reasonlen);
void	identity_clear(struct identity *);

#endif /* MCPD_AUTHN_H */
