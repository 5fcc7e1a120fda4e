/*
 * The environment of a command upstream: the names env= may copy, and the
 * envfile= of NAME=VALUE lines (upstream_env.h).  The values are the
 * upstream's secrets: they are never quoted in a message, and every copy
 * is wiped before it is freed.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "secretfile.h"
#include "strv.h"
#include "upstream_env.h"
#include "xmalloc.h"

int
upstream_env_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || (!isalpha((unsigned char)name[0]) &&
	    name[0] != '_'))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= UPSTREAM_ENV_NAME_MAX)
			return 0;
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return 0;
	}
	return 1;
}

/*
 * mcpd's variables carry its own settings and the client credential of
 * stdio (MCPD_API_KEY, MCPD_TOKEN): none is ever an upstream's business.
 */
int
upstream_env_name_reserved(const char *name)
{
	return strncmp(name, "MCPD_", 5) == 0;
}

/* "NAME=VALUE" of one line, in a new string. */
static char *
env_entry(const char *line, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, line, len);
	s[len] = '\0';
	return s;
}

/* Whether env[0..n) already sets the variable of the first namelen bytes. */
static int
env_has(char *const *env, size_t n, const char *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(env[i], name, namelen) == 0 &&
		    env[i][namelen] == '=')
			return 1;
	return 0;
}

int
upstream_envfile_parse(const char *buf, size_t len, const char *path,
    char ***envp, size_t *np, char *err, size_t errlen)
{
	char **env = NULL, **nv, name[UPSTREAM_ENV_NAME_MAX + 1], *e;
	const char *line, *nl, *eq;
	size_t n = 0, off = 0, llen, namelen;
	int linenum = 0;

	*envp = NULL;
	*np = 0;
	while (off < len) {
		line = buf + off;
		linenum++;
		if ((nl = memchr(line, '\n', len - off)) == NULL)
			llen = len - off;
		else
			llen = (size_t)(nl - line);
		off += llen + (nl != NULL ? 1 : 0);
		if (memchr(line, '\0', llen) != NULL) {
			seterr(err, errlen, "%s line %d: NUL byte", path,
			    linenum);
			goto fail;
		}
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0 || line[0] == '#')
			continue;
		if ((eq = memchr(line, '=', llen)) == NULL) {
			seterr(err, errlen, "%s line %d: expected NAME=VALUE",
			    path, linenum);
			goto fail;
		}
		/* A name too long to copy is invalid anyway. */
		namelen = (size_t)(eq - line);
		if (namelen > UPSTREAM_ENV_NAME_MAX)
			namelen = UPSTREAM_ENV_NAME_MAX;
		memcpy(name, line, namelen);
		name[namelen] = '\0';
		if (namelen != (size_t)(eq - line) ||
		    !upstream_env_name_valid(name)) {
			seterr(err, errlen, "%s line %d: invalid variable "
			    "name '%.*s'", path, linenum, (int)namelen, name);
			goto fail;
		}
		if (upstream_env_name_reserved(name)) {
			seterr(err, errlen, "%s line %d: '%s' is reserved for "
			    "mcpd (MCPD_*)", path, linenum, name);
			goto fail;
		}
		if (env_has(env, n, name, namelen)) {
			seterr(err, errlen, "%s line %d: duplicate variable "
			    "'%s'", path, linenum, name);
			goto fail;
		}
		if (n >= UPSTREAM_ENV_MAX) {
			seterr(err, errlen, "%s: more than %d variables", path,
			    UPSTREAM_ENV_MAX);
			goto fail;
		}
		if ((e = env_entry(line, llen)) == NULL)
			goto oom;
		if ((nv = reallocarray(env, n + 1, sizeof(*env))) == NULL) {
			strfreezero(e);
			goto oom;
		}
		env = nv;
		env[n++] = e;
	}
	*envp = env;
	*np = n;
	return 0;
 oom:
	seterr(err, errlen, "%s: out of memory", path);
 fail:
	upstream_env_free(env, n);
	return -1;
}

int
upstream_envfile_load(const char *path, char ***envp, size_t *np,
    char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int ret;

	*envp = NULL;
	*np = 0;
	if (secret_file_read(path, UPSTREAM_ENVFILE_MAX, &buf, &len, err,
	    errlen) != 0)
		return -1;
	ret = upstream_envfile_parse((const char *)buf, len, path, envp, np,
	    err, errlen);
	freezero(buf, len);
	return ret;
}

void
upstream_env_free(char **env, size_t n)
{
	strv_free(env, n);
}
