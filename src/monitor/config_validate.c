/*
 * mcpd.conf(5): the checks across keywords, once every source is read and
 * the defaults are filled in (config_validate()): roles that Users name
 * are defined, each AuthMode method has what it needs, plain HTTP and
 * AuthMode none stay on loopback, and JWTAlgorithms holds only what the
 * monitor verifies.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_int.h"
#include "errbuf.h"
#include "jwt.h"

/*
 * Whether a Listen address is on the loopback interface.  ":port" binds
 * the default address, 127.0.0.1.
 */
static int
listen_is_loopback(const char *l)
{
	char host[CONFIG_LISTEN_MAX + 1];
	const char *end;
	size_t len;

	if (*l == '[') {
		if ((end = strchr(l, ']')) == NULL)
			return 0;
		l++;
	} else if ((end = strrchr(l, ':')) == NULL)
		return 0;
	if ((len = (size_t)(end - l)) >= sizeof(host))
		return 0;
	memcpy(host, l, len);
	host[len] = '\0';
	return len == 0 || cfg_host_is_loopback(host);
}

/* The first Listen address that is not loopback, or NULL. */
static const char *
first_public_listen(const struct mcpd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisten; i++)
		if (!listen_is_loopback(cfg->listen[i]))
			return cfg->listen[i];
	return NULL;
}

/* Whether every AuthMode alternative needs a client certificate. */
static int
auth_all_need_mtls(const struct mcpd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nauth_alt; i++)
		if ((cfg->auth_alt[i] & AUTH_M_MTLS) == 0)
			return 0;
	return cfg->nauth_alt > 0;
}

int
config_validate(const struct mcpd_config *cfg, char *err, size_t errlen)
{
	const struct cfg_user *u;
	const char *pub;
	struct url url;
	size_t i, j, k;
	unsigned int algs;
	int found;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (i = 0; i < cfg->nusers; i++) {
		u = &cfg->users[i];
		for (j = 0; j < u->nroles; j++) {
			found = 0;
			for (k = 0; k < cfg->nroles && !found; k++)
				found = strcmp(cfg->roles[k].name,
				    u->roles[j]) == 0;
			if (!found) {
				seterr(err, errlen, "User '%s': role '%s' is "
				    "not defined by any Role line", u->id,
				    u->roles[j]);
				return -1;
			}
		}
	}
	if (cfg->nauth_alt == 0) {
		seterr(err, errlen, "AuthMode is not set");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_APIKEY) &&
	    cfg->authorized_keys_file == NULL) {
		seterr(err, errlen, "AuthMode apikey needs AuthorizedKeysFile");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_OAUTH)) {
		if (cfg->jwks_file == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWKSFile");
			return -1;
		}
		if (cfg->jwt_issuer == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWTIssuer");
			return -1;
		}
		if (cfg->jwt_audience == NULL) {
			seterr(err, errlen, "AuthMode oauth needs JWTAudience");
			return -1;
		}
	} else if (cfg->njwt_scopes > 0) {
		/* Scopes only ever restrict OAuth identities. */
		seterr(err, errlen, "JWTScope needs AuthMode oauth");
		return -1;
	}
	/*
	 * Over stdio there is no TLS, so no client certificate: an AuthMode
	 * whose every alternative needs one would refuse every call.
	 */
	if (cfg->nlisten == 0 && auth_all_need_mtls(cfg)) {
		seterr(err, errlen, "AuthMode: every alternative needs mtls, "
		    "which can never pass over stdio (no Listen address is "
		    "set)");
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_MTLS)) {
		if (cfg->tls_client_ca == NULL) {
			seterr(err, errlen, "AuthMode mtls needs TLSClientCA");
			return -1;
		}
		/* Client certificates only exist inside TLS. */
		if (cfg->tls_certificate == NULL) {
			seterr(err, errlen, "AuthMode mtls needs "
			    "TLSCertificate");
			return -1;
		}
		if (cfg->nlisten == 0) {
			seterr(err, errlen, "AuthMode mtls needs a Listen "
			    "address (client certificates exist only over "
			    "HTTPS)");
			return -1;
		}
	}
	if ((cfg->tls_certificate == NULL) != (cfg->tls_key == NULL)) {
		seterr(err, errlen, "TLSCertificate and TLSKey must be set "
		    "together");
		return -1;
	}
	if (cfg->tls_client_crl != NULL && cfg->tls_client_ca == NULL) {
		seterr(err, errlen, "TLSClientCRL needs TLSClientCA");
		return -1;
	}
	if (cfg->tls_client_ca != NULL && cfg->tls_certificate == NULL) {
		seterr(err, errlen, "TLSClientCA needs TLSCertificate");
		return -1;
	}
	/* Plain HTTP is for loopback only (mcpd(8), HTTP TRANSPORT). */
	if (cfg->tls_certificate == NULL &&
	    (pub = first_public_listen(cfg)) != NULL) {
		seterr(err, errlen, "Listen %s: without TLSCertificate only "
		    "loopback addresses are allowed", pub);
		return -1;
	}
	if (config_auth_uses(cfg, AUTH_M_NONE) &&
	    (pub = first_public_listen(cfg)) != NULL) {
		seterr(err, errlen, "AuthMode none: Listen %s is not a "
		    "loopback address (unauthenticated access is allowed on "
		    "loopback only)", pub);
		return -1;
	}
	/*
	 * A resource identifier that says http:// while clients come from
	 * other hosts would send their tokens in the clear.
	 */
	if (cfg->resource_url != NULL) {
		/* The parser checked a value that was given. */
		if (cfg_url_parse(cfg->resource_url, &url) != 0) {
			seterr(err, errlen, "ResourceURL: '%s', built from "
			    "the first Listen address, is not a URL; set "
			    "ResourceURL", cfg->resource_url);
			return -1;
		}
		if (!url.https && (pub = first_public_listen(cfg)) != NULL) {
			seterr(err, errlen, "ResourceURL %s: http:// is "
			    "allowed only when every Listen address is "
			    "loopback (Listen %s is not)", cfg->resource_url,
			    pub);
			return -1;
		}
	}
	if (cfg->jwt_algorithms != NULL &&
	    jwt_algs_parse(cfg->jwt_algorithms, &algs, err, errlen) != 0)
		return -1;
	return 0;
}
