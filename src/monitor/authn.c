/*
 * AuthMode evaluation (mcpd.conf(5), AuthMode).  Each alternative is a set of
 * methods that must all pass; the first alternative that passes decides the
 * identity.
 *
 * The methods: apikey and oauth look at the bearer credential (a
 * credential that starts with "mcpk_" is an API key, anything else is
 * taken for a JWT); mtls looks at the client certificate, which the
 * monitor has verified itself (the caller passes the verdict in the
 * peer), so it can only pass over HTTP.  Within an alternative the cheap
 * checks come first, and each method is checked at most once per request
 * whatever the number of alternatives that name it: a token costs one
 * signature check at most.
 */
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "authkeys.h"
#include "authn.h"
#include "config.h"
#include "jwt.h"
#include "mtls.h"
#include "policy.h"
#include "strv.h"
#include "xmalloc.h"

/* Each source of identities caps what it lets in to authn.h's caps. */
_Static_assert(JWT_SUB_MAX <= AUTHN_USER_MAX, "a sub fits an identity");
_Static_assert(JWT_ROLE_MAX <= AUTHN_ROLE_MAX, "a token role fits");
_Static_assert(AUTHKEYS_USER_MAX <= AUTHN_USER_MAX, "a key's user fits");
_Static_assert(AUTHKEYS_ROLE_MAX <= AUTHN_ROLE_MAX, "a key's role fits");
_Static_assert(MTLS_IDENTITY_MAX <= AUTHN_USER_MAX, "a certificate fits");

#define AUTHN_ANONYMOUS		"anonymous"
#define AUTHN_REASON_MAX	256
#define AUTHN_NO_CREDENTIAL	"no credential presented"

/* Outcomes of one method, remembered across alternatives. */
#define M_UNTRIED	0
#define M_PASSED	1
#define M_FAILED	2

struct authn_memo {
	int			 apikey;	/* M_* */
	const struct authkey	*key;
	char			 apikey_reason[AUTHN_REASON_MAX];
	int			 apikey_relevant;
	int			 oauth;		/* M_* */
	struct jwt_result	 jwt;
	char			 oauth_reason[AUTHN_REASON_MAX];
	int			 oauth_relevant;
};

/*
 * Every AuthMode mask named as config_authmask_str() names it (bit
 * order), in static storage that identities can point at.
 */
static const char *const method_names[] = {
	"",			"none",
	"apikey",		"none,apikey",
	"oauth",		"none,oauth",
	"apikey,oauth",		"none,apikey,oauth",
	"mtls",			"none,mtls",
	"apikey,mtls",		"none,apikey,mtls",
	"oauth,mtls",		"none,oauth,mtls",
	"apikey,oauth,mtls",	"none,apikey,oauth,mtls"
};

const char *
authn_method_name(unsigned int mask)
{
	if (mask >= sizeof(method_names) / sizeof(method_names[0]))
		return "";
	return method_names[mask];
}

void
identity_clear(struct identity *id)
{
	free(id->user);
	strv_free(id->roles, id->nroles);
	strv_free(id->scopes, id->nscopes);
	strv_free(id->all_roles, id->nall_roles);
	memset(id, 0, sizeof(*id));
}

/* Roles from the User line, if there is one; none otherwise. */
static void
identity_roles_from_config(const struct mcpd_config *cfg, struct identity *id)
{
	const struct cfg_user *u;

	if ((u = policy_find_user(cfg, id->user)) != NULL)
		xstrv_copy(u->roles, u->nroles, &id->roles, &id->nroles);
}

static int
has_scope(const struct identity *id, const char *scope)
{
	size_t i;

	for (i = 0; i < id->nscopes; i++)
		if (strcmp(id->scopes[i], scope) == 0)
			return 1;
	return 0;
}

/*
 * JWTScope: a role of an OAuth identity is in effect only if the token
 * carries a scope that a JWTScope line maps to it.  A role that no
 * JWTScope line names is never in effect (default deny).
 */
static void
apply_scopes(const struct mcpd_config *cfg, struct identity *id)
{
	size_t i, j;

	id->all_roles = id->roles;
	id->nall_roles = id->nroles;
	id->roles = NULL;
	id->nroles = 0;
	id->scoped = 1;
	if (id->nall_roles == 0)
		return;
	id->roles = xcalloc(id->nall_roles, sizeof(*id->roles));
	for (i = 0; i < id->nall_roles; i++) {
		for (j = 0; j < cfg->njwt_scopes; j++) {
			if (strcmp(cfg->jwt_scopes[j].role,
			    id->all_roles[i]) == 0 &&
			    has_scope(id, cfg->jwt_scopes[j].scope))
				break;
		}
		if (j < cfg->njwt_scopes)
			id->roles[id->nroles++] = xstrdup(id->all_roles[i]);
	}
}

static int
is_apikey(const char *cred, size_t len)
{
	return len >= sizeof(APIKEY_PREFIX) - 1 &&
	    memcmp(cred, APIKEY_PREFIX, sizeof(APIKEY_PREFIX) - 1) == 0;
}

/*
 * Each check returns 0 if the method passes, else -1 with reason set and
 * *relevant saying whether the failure concerns what the client actually
 * presented for that method (a certificate, a key, a token), which makes
 * it the better reason to audit than a method that found nothing to
 * check.
 */

static int
check_mtls(const struct authn_peer *peer, char *reason, size_t reasonlen,
    int *relevant)
{
	*relevant = 0;
	if (peer == NULL || !peer->http) {
		(void)snprintf(reason, reasonlen,
		    "mtls: not available over stdio");
		return -1;
	}
	switch (peer->cert) {
	case AUTHN_CERT_OK:
		if (peer->cert_identity == NULL ||
		    *peer->cert_identity == '\0') {
			*relevant = 1;
			(void)snprintf(reason, reasonlen,
			    "mtls: no identity in the certificate");
			return -1;
		}
		return 0;
	case AUTHN_CERT_BAD:
		*relevant = 1;
		(void)snprintf(reason, reasonlen, "%s",
		    peer->cert_reason != NULL ? peer->cert_reason :
		    "mtls: certificate refused");
		return -1;
	default:
		(void)snprintf(reason, reasonlen,
		    "mtls: no client certificate");
		return -1;
	}
}

static int
check_apikey(const struct authn_ctx *ctx, struct authn_memo *m,
    const char *cred, size_t len, const struct authn_peer *peer, time_t now,
    char *reason, size_t reasonlen, int *relevant)
{
	int r;

	*relevant = 0;
	if (len == 0) {
		(void)snprintf(reason, reasonlen, AUTHN_NO_CREDENTIAL);
		return -1;
	}
	if (m->apikey == M_UNTRIED) {
		m->apikey = M_FAILED;
		m->apikey_relevant = is_apikey(cred, len);
		if (ctx->keys == NULL) {
			(void)snprintf(m->apikey_reason,
			    sizeof(m->apikey_reason), "apikey: no keys loaded");
		} else if ((r = authkeys_verify(ctx->keys, cred, len,
		    peer != NULL ? peer->addr : NULL, now, &m->key)) !=
		    AUTHKEY_OK || m->key == NULL) {
			(void)snprintf(m->apikey_reason,
			    sizeof(m->apikey_reason), "apikey: %s",
			    authkeys_result_str(r));
		} else
			m->apikey = M_PASSED;
	}
	if (m->apikey == M_PASSED)
		return 0;
	*relevant = m->apikey_relevant;
	(void)snprintf(reason, reasonlen, "%s", m->apikey_reason);
	return -1;
}

/*
 * A token bound to a certificate (cnf x5t#S256, RFC 8705 section 3) is
 * good only on a connection whose client certificate the monitor
 * verified and whose thumbprint is the one in the token, whatever
 * AuthMode says: whoever stole the token does not hold the certificate's
 * key.  0, or -1 with the reason.
 */
static int
check_cnf(const struct authn_peer *peer, const char *x5t, char *reason,
    size_t reasonlen)
{
	if (peer == NULL || peer->cert != AUTHN_CERT_OK ||
	    peer->cert_x5t == NULL || *peer->cert_x5t == '\0') {
		(void)snprintf(reason, reasonlen, "oauth: token bound to a "
		    "certificate (cnf x5t#S256), but no verified client "
		    "certificate");
		return -1;
	}
	if (strcmp(peer->cert_x5t, x5t) != 0) {
		(void)snprintf(reason, reasonlen, "oauth: token bound to "
		    "another certificate (cnf x5t#S256 mismatch)");
		return -1;
	}
	return 0;
}

static int
check_oauth(const struct authn_ctx *ctx, struct authn_memo *m,
    const char *cred, size_t len, const struct authn_peer *peer, time_t now,
    char *reason, size_t reasonlen, int *relevant)
{
	*relevant = 0;
	if (len == 0) {
		(void)snprintf(reason, reasonlen, AUTHN_NO_CREDENTIAL);
		return -1;
	}
	if (m->oauth == M_UNTRIED) {
		m->oauth = M_FAILED;
		m->oauth_relevant = !is_apikey(cred, len);
		if (!m->oauth_relevant) {
			(void)snprintf(m->oauth_reason,
			    sizeof(m->oauth_reason),
			    "oauth: credential is an API key");
		} else if (ctx->jwt == NULL) {
			(void)snprintf(m->oauth_reason,
			    sizeof(m->oauth_reason), "oauth: no JWKS loaded");
		} else if (jwtv_verify(ctx->jwt, cred, len, now, &m->jwt,
		    m->oauth_reason, sizeof(m->oauth_reason)) == 0 &&
		    (m->jwt.x5t[0] == '\0' || check_cnf(peer, m->jwt.x5t,
		    m->oauth_reason, sizeof(m->oauth_reason)) == 0))
			m->oauth = M_PASSED;
	}
	if (m->oauth == M_PASSED)
		return 0;
	*relevant = m->oauth_relevant;
	(void)snprintf(reason, reasonlen, "%s", m->oauth_reason);
	return -1;
}

/*
 * An alternative that combines a certificate with a token or a key: are
 * they one client's?  MTLSBindToken (default yes): under mtls,oauth the
 * token must be bound to the certificate (check_oauth compared cnf with
 * it), so that a stolen token is of no use with another certificate.
 * MTLSMatchIdentity (default no): the certificate's identity must be the
 * token's sub or the key's user.  0, or -1 with the reason.
 */
static int
check_binding(const struct authn_ctx *ctx, const struct authn_memo *m,
    const struct authn_peer *peer, unsigned int mask, char *reason,
    size_t reasonlen, int *relevant)
{
	const struct mcpd_config *cfg = ctx->cfg;
	const char *user;

	if ((mask & AUTH_M_MTLS) == 0 ||
	    (mask & (AUTH_M_OAUTH | AUTH_M_APIKEY)) == 0)
		return 0;
	*relevant = 1;
	if ((mask & AUTH_M_OAUTH) != 0 && cfg->mtls_bind_token != 0 &&
	    m->jwt.x5t[0] == '\0') {
		(void)snprintf(reason, reasonlen, "oauth: token not bound to "
		    "the client certificate (no cnf x5t#S256; MTLSBindToken "
		    "yes)");
		return -1;
	}
	if (cfg->mtls_match_identity != 1)
		return 0;
	/* identity_fill's choice: the token speaks, else the key. */
	if ((mask & AUTH_M_OAUTH) != 0)
		user = m->jwt.sub;
	else
		user = m->key != NULL ? m->key->user : NULL;
	if (user == NULL || peer->cert_identity == NULL ||
	    strcmp(user, peer->cert_identity) != 0) {
		(void)snprintf(reason, reasonlen, "mtls: certificate identity "
		    "is not the %s (MTLSMatchIdentity yes)",
		    (mask & AUTH_M_OAUTH) != 0 ? "token's subject" :
		    "API key's user");
		return -1;
	}
	return 0;
}

/* The identity of an alternative that passed. */
static void
identity_fill(const struct authn_ctx *ctx, const struct authn_memo *m,
    const struct authn_peer *peer, unsigned int mask, struct identity *id)
{
	const struct mcpd_config *cfg = ctx->cfg;
	const struct authkey *k = m->key;

	if ((mask & AUTH_M_OAUTH) != 0) {
		/* mtls,oauth: the token speaks; the certificate only gates. */
		id->user = xstrdup(m->jwt.sub);
		if (m->jwt.has_roles)
			xstrv_copy(m->jwt.roles, m->jwt.nroles, &id->roles,
			    &id->nroles);
		else
			identity_roles_from_config(cfg, id);
		xstrv_copy(m->jwt.scopes, m->jwt.nscopes, &id->scopes,
		    &id->nscopes);
		if (cfg->njwt_scopes > 0)
			apply_scopes(cfg, id);
	} else if ((mask & AUTH_M_APIKEY) != 0) {
		if (k->user != NULL)
			id->user = xstrdup(k->user);
		else
			xasprintf(&id->user, "key:%s", k->keyid);
		if (k->roles != NULL)
			xstrv_copy(k->roles, k->nroles, &id->roles,
			    &id->nroles);
		else
			identity_roles_from_config(cfg, id);
	} else {
		id->user = xstrdup(peer->cert_identity);
		identity_roles_from_config(cfg, id);
		/* The certificate is the credential. */
		if (peer->cert_fp != NULL && strlen(peer->cert_fp) ==
		    sizeof(id->credential) - 1)
			memcpy(id->credential, peer->cert_fp,
			    sizeof(id->credential));
	}
	id->method = authn_method_name(mask);
}

/*
 * The identity within authn.h's caps.  Every source caps its values where
 * they enter, so this only holds the line should a new source forget:
 * an identity over the caps would make the monitor's answers exceed what
 * the net process accepts.
 */
static int
identity_within_caps(const struct identity *id, char *reason,
    size_t reasonlen)
{
	size_t i;

	if (id->user == NULL || strlen(id->user) > AUTHN_USER_MAX) {
		(void)snprintf(reason, reasonlen, "identity: user name "
		    "missing or longer than %d bytes", AUTHN_USER_MAX);
		return -1;
	}
	for (i = 0; i < id->nroles; i++) {
		if (strlen(id->roles[i]) > AUTHN_ROLE_MAX) {
			(void)snprintf(reason, reasonlen, "identity: role "
			    "longer than %d bytes", AUTHN_ROLE_MAX);
			return -1;
		}
	}
	return 0;
}

static void
set_fingerprint(const char *cred, size_t len, const struct authn_peer *peer,
    struct identity *id)
{
	if (len > 0)
		credential_fingerprint(cred, len, id->credential);
	else if (peer != NULL && peer->cert_fp != NULL &&
	    strlen(peer->cert_fp) == sizeof(id->credential) - 1)
		memcpy(id->credential, peer->cert_fp, sizeof(id->credential));
}

int
authn_check(const struct authn_ctx *ctx, const char *cred, size_t len,
    const struct authn_peer *peer, time_t now, struct identity *id,
    char *reason, size_t reasonlen)
{
	const struct mcpd_config *cfg = ctx->cfg;
	struct authn_memo m;
	char why[AUTHN_REASON_MAX];
	unsigned int mask;
	size_t i;
	int relevant, have_first = 0, have_relevant = 0, ret = AUTHN_FAILED;

	memset(id, 0, sizeof(*id));
	memset(&m, 0, sizeof(m));
	set_fingerprint(cred, len, peer, id);
	(void)snprintf(reason, reasonlen, AUTHN_NO_CREDENTIAL);
	for (i = 0; i < cfg->nauth_alt; i++) {
		mask = cfg->auth_alt[i];
		if (mask == AUTH_M_NONE) {
			id->user = xstrdup(AUTHN_ANONYMOUS);
			identity_roles_from_config(cfg, id);
			id->method = authn_method_name(mask);
			ret = AUTHN_OK;
			goto out;
		}
		relevant = 0;
		why[0] = '\0';
		/* Cheapest first: the certificate was verified already. */
		if (((mask & AUTH_M_MTLS) == 0 ||
		    check_mtls(peer, why, sizeof(why), &relevant) == 0) &&
		    ((mask & AUTH_M_APIKEY) == 0 ||
		    check_apikey(ctx, &m, cred, len, peer, now, why,
		    sizeof(why), &relevant) == 0) &&
		    ((mask & AUTH_M_OAUTH) == 0 ||
		    check_oauth(ctx, &m, cred, len, peer, now, why,
		    sizeof(why), &relevant) == 0) &&
		    check_binding(ctx, &m, peer, mask, why, sizeof(why),
		    &relevant) == 0 &&
		    (mask & (AUTH_M_MTLS | AUTH_M_APIKEY | AUTH_M_OAUTH)) != 0) {
			memset(id, 0, sizeof(*id));
			set_fingerprint(cred, len, peer, id);
			identity_fill(ctx, &m, peer, mask, id);
			if (identity_within_caps(id, reason, reasonlen) != 0) {
				identity_clear(id);
				set_fingerprint(cred, len, peer, id);
				goto out;
			}
			ret = AUTHN_OK;
			goto out;
		}
		/*
		 * The reason audited: the first failure that concerns what
		 * the client presented, else the first alternative's.
		 */
		if (why[0] == '\0')
			continue;
		if ((!have_first || (relevant && !have_relevant))) {
			(void)snprintf(reason, reasonlen, "%s", why);
			have_first = 1;
			have_relevant = relevant;
		}
	}
 out:
	jwt_result_clear(&m.jwt);
	return ret;
}
