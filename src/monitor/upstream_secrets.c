/*
 * The secret files of the Upstream lines (upstream_secrets.h): each is
 * checked where the other secret files are, so that a token readable by
 * others, a symbolic link or a malformed file stops mcpd -t and the start
 * instead of surfacing when the gateway first needs it.
 */

#include <stdint.h>
#include <string.h>

#include "config.h"
#include "errbuf.h"
#include "secretfile.h"
#include "upstream_env.h"
#include "upstream_secrets.h"
#include "xmalloc.h"

/* A token character of RFC 6750's b64token, before the '=' padding. */
static int
is_tokenchar(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-._~+/", c) != NULL);
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=". */
static int
is_b64token(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_tokenchar(s[i]))
		i++;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

int
upstream_credential_check(const char *path, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len, tlen;
	int ret = 0;

	if (secret_file_read(path, UPSTREAM_CREDENTIAL_MAX, &buf, &len, err,
	    errlen) != 0)
		return -1;
	tlen = len;
	if (tlen > 0 && buf[tlen - 1] == '\n')
		tlen--;
	if (tlen > 0 && buf[tlen - 1] == '\r')
		tlen--;
	if (!is_b64token(buf, tlen)) {
		seterr(err, errlen, "%s: not one bearer token (letters, digits "
		    "and -._~+/, then any =)", path);
		ret = -1;
	}
	freezero(buf, len);
	return ret;
}

int
upstream_secrets_check(const struct mcpd_config *cfg, char *err,
    size_t errlen)
{
	const struct cfg_upstream *u;
	char msg[512], **env;
	size_t i, n;

	for (i = 0; i < cfg->nupstreams; i++) {
		u = &cfg->upstreams[i];
		if (u->envfile != NULL) {
			if (upstream_envfile_load(u->envfile, &env, &n, msg,
			    sizeof(msg)) != 0)
				goto fail;
			upstream_env_free(env, n);
		}
		if (u->credential != NULL &&
		    upstream_credential_check(u->credential, msg,
		    sizeof(msg)) != 0)
			goto fail;
	}
	return 0;
 fail:
	seterr(err, errlen, "Upstream %s: %s", u->name, msg);
	return -1;
}
