/*
 * AuthMode evaluation.  Each alternative is a set of methods that must all
 * pass; the first alternative that passes decides the identity.  Over
 * stdio only apikey and none can pass: oauth and mtls need the HTTP
 * transport, and a configuration that relies on them is refused at start.
 */
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "authkeys.h"
#include "authn.h"
#include "config.h"
#include "policy.h"
#include "xmalloc.h"

#define AUTHN_ANONYMOUS	"anonymous"

void
identity_clear(struct identity *id)
{
	size_t i;

	free(id->user);
	for (i = 0; i < id->nroles; i++)
		free(id->roles[i]);
	free(id->roles);
	memset(id, 0, sizeof(*id));
}

static void
identity_set_roles(struct identity *id, char *const *roles, size_t n)
{
	size_t i;

	id->roles = NULL;
	id->nroles = 0;
	if (n == 0)
		return;
	id->roles = xcalloc(n, sizeof(*id->roles));
	for (i = 0; i < n; i++)
		id->roles[i] = xstrdup(roles[i]);
	id->nroles = n;
}

/* Roles from the User line, if there is one; none otherwise. */
static void
identity_roles_from_config(const struct mcpd_config *cfg, struct identity *id)
{
	const struct cfg_user *u;

	if ((u = policy_find_user(cfg, id->user)) != NULL)
		identity_set_roles(id, u->roles, u->nroles);
}

static int
authn_apikey(const struct authn_ctx *ctx, const char *cred, size_t len,
    const struct sockaddr *src, time_t now, struct identity *id,
    char *reason, size_t reasonlen)
{
	const struct authkey *k = NULL;
	int r;

	if (ctx->keys == NULL) {
		(void)snprintf(reason, reasonlen, "apikey: no keys loaded");
		return AUTHN_FAILED;
	}
	r = authkeys_verify(ctx->keys, cred, len, src, now, &k);
	if (r != AUTHKEY_OK || k == NULL) {
		(void)snprintf(reason, reasonlen, "apikey: %s",
		    authkeys_result_str(r));
		return AUTHN_FAILED;
	}
	if (k->user != NULL)
		id->user = xstrdup(k->user);
	else
		xasprintf(&id->user, "key:%s", k->keyid);
	if (k->roles != NULL)
		identity_set_roles(id, k->roles, k->nroles);
	else
		identity_roles_from_config(ctx->cfg, id);
	id->method = "apikey";
	return AUTHN_OK;
}

int
authn_check(const struct authn_ctx *ctx, const char *cred, size_t len,
    const struct sockaddr *src, time_t now, struct identity *id,
    char *reason, size_t reasonlen)
{
	const struct mcpd_config *cfg = ctx->cfg;
	unsigned int mask;
	size_t i;

	memset(id, 0, sizeof(*id));
	if (len > 0)
		credential_fingerprint(cred, len, id->credential);
	(void)snprintf(reason, reasonlen, "no credential presented");
	for (i = 0; i < cfg->nauth_alt; i++) {
		mask = cfg->auth_alt[i];
		if (mask == AUTH_M_NONE) {
			id->user = xstrdup(AUTHN_ANONYMOUS);
			identity_roles_from_config(cfg, id);
			id->method = "none";
			return AUTHN_OK;
		}
		/* Over stdio, only an apikey-only alternative can pass. */
		if (mask != AUTH_M_APIKEY)
			continue;
		if (len == 0)
			continue;
		if (authn_apikey(ctx, cred, len, src, now, id, reason,
		    reasonlen) == AUTHN_OK)
			return AUTHN_OK;
	}
	identity_clear(id);
	if (len > 0)
		credential_fingerprint(cred, len, id->credential);
	return AUTHN_FAILED;
}
