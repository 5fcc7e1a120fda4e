/*
 * Authentication in the monitor: a presented credential and what the
 * monitor verified itself about the connection in, an identity (or a
 * precise reason for the audit log) out, following AuthMode's
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
struct jwt_verifier;

/*
 * Caps on what an identity may hold, whatever its source (a token's sub
 * and roles claim, an AuthorizedKeysFile line's user= and roles=, a
 * certificate, the User lines): the monitor refuses more where a value
 * enters, and its answers to the net process stay within the field caps
 * the net process enforces (PS_ID_MAX for the subject, PS_NAME_MAX for a
 * role), which monitor_int.h asserts at compile time.
 */
#define AUTHN_USER_MAX	256
#define AUTHN_ROLE_MAX	128

struct identity {
	char	 *user;
	char	**roles;	/* effective roles */
	size_t	  nroles;
	char	**scopes;	/* oauth: the token's scopes */
	size_t	  nscopes;
	int	  scoped;	/* JWTScope filtering was applied */
	char	**all_roles;	/* scoped: the roles before the filter */
	size_t	  nall_roles;
	/* The alternative that passed, as config_authmask_str() prints it. */
	const char *method;
	char	  credential[13];	/* fingerprint, "" if none */
};

#define AUTHN_CERT_NONE	0	/* no client certificate on this connection */
#define AUTHN_CERT_OK	1	/* verified by the monitor */
#define AUTHN_CERT_BAD	2	/* presented but refused by the monitor */

/* What the monitor verified itself about the connection. */
struct authn_peer {
	const struct sockaddr *addr;	/* NULL on stdio */
	int		 http;		/* 1: the request came over HTTP */
	int		 cert;		/* AUTHN_CERT_* */
	const char	*cert_identity;	/* AUTHN_CERT_OK: per MTLSIdentity */
	const char	*cert_reason;	/* AUTHN_CERT_BAD: "mtls: ..." */
	const char	*cert_fp;	/* leaf fingerprint (12 hex) or NULL */
	const char	*cert_x5t;	/* AUTHN_CERT_OK: leaf's x5t#S256 */
};

struct authn_ctx {
	const struct mcpd_config *cfg;
	const struct authkeys	 *keys;		/* NULL unless apikey is used */
	struct jwt_verifier	 *jwt;		/* NULL unless oauth is used */
};

#define AUTHN_OK	0
#define AUTHN_FAILED	-1

/*
 * Authenticate cred (may be empty: then no bearer credential was
 * presented) on the connection peer (NULL: stdio).  A credential that
 * starts with "mcpk_" is an API key; anything else is tried as a JWT.
 * On AUTHN_OK *id is filled (free with identity_clear); on AUTHN_FAILED
 * reason says why, for the audit log only, and id->credential holds the
 * fingerprint if any.  A token's signature is checked at most once per
 * call, however many alternatives name oauth.
 */
int	authn_check(const struct authn_ctx *, const char *cred, size_t len,
	    const struct authn_peer *peer, time_t now, struct identity *id,
	    char *reason, size_t reasonlen);
void	identity_clear(struct identity *);
/* "apikey", "oauth,mtls" ... for an AuthMode mask; static storage. */
const char *authn_method_name(unsigned int mask);

#endif /* MCPD_AUTHN_H */
