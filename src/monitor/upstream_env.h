/*
 * The environment of a command upstream (mcpd.conf(5), UPSTREAMS): the
 * names env= may copy from mcpd's own environment, and the NAME=VALUE
 * lines of an envfile=, which hold the upstream's own secrets (a GitHub
 * token, say) and so are read from a secret file and wiped when freed.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_UPSTREAM_ENV_H
#define MCPD_UPSTREAM_ENV_H

#include <stddef.h>

/* An envfile= is at most this long, and holds at most this many lines. */
#define UPSTREAM_ENVFILE_MAX	(64 * 1024)
#define UPSTREAM_ENV_MAX	256
/* An environment variable name is at most this long. */
#define UPSTREAM_ENV_NAME_MAX	128

/* [A-Za-z_][A-Za-z0-9_]*, 1 to UPSTREAM_ENV_NAME_MAX characters. */
int	upstream_env_name_valid(const char *name);
/* Whether name is one of mcpd's own variables (MCPD_*), never passed on. */
int	upstream_env_name_reserved(const char *name);

/*
 * Parse the len bytes at buf, the contents of the envfile path (named in
 * messages), into a new vector of "NAME=VALUE" strings (an execve(2)
 * environment) in *envp with its length in *np.  A line is NAME=VALUE,
 * the value taken verbatim up to the end of the line (a CRLF's '\r'
 * excepted); blank lines and lines starting with '#' are skipped.
 * Returns 0, or -1 with one of these in err:
 *
 *	PATH line N: expected NAME=VALUE
 *	PATH line N: invalid variable name 'NAME'
 *	PATH line N: 'NAME' is reserved for mcpd (MCPD_*)
 *	PATH line N: duplicate variable 'NAME'
 *	PATH line N: NUL byte
 *	PATH: more than UPSTREAM_ENV_MAX variables
 *	PATH: out of memory
 *
 * Messages never quote a value.  Free the vector with upstream_env_free().
 */
int	upstream_envfile_parse(const char *buf, size_t len, const char *path,
	    char ***envp, size_t *np, char *err, size_t errlen);
/*
 * Open path as a secret file (secretfile.h: owner root or the running
 * user, no access for group or others), read it (at most
 * UPSTREAM_ENVFILE_MAX bytes) and parse it as upstream_envfile_parse()
 * does.  The file's bytes are wiped once parsed.
 */
int	upstream_envfile_load(const char *path, char ***envp, size_t *np,
	    char *err, size_t errlen);
/* Wipe and free a vector from upstream_envfile_parse(); NULL is fine. */
void	upstream_env_free(char **env, size_t n);

#endif /* MCPD_UPSTREAM_ENV_H */
