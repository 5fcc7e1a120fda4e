/*
 * Vectors of strings (strv.h): one copy of the helpers that the
 * configuration, the authentication and the token verifier each used to
 * carry.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strv.h"
#include "xmalloc.h"

void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		strfreezero(v[i]);
	freezero(v, n * sizeof(*v));
}

int
strv_copy(char *const *v, size_t n, char ***out, size_t *nout)
{
	char **c;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if ((c = calloc(n, sizeof(*c))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((c[i] = strdup(v[i])) == NULL) {
			strv_free(c, n);
			return -1;
		}
	}
	*out = c;
	*nout = n;
	return 0;
}

void
xstrv_copy(char *const *v, size_t n, char ***out, size_t *nout)
{
	if (strv_copy(v, n, out, nout) != 0)
		fatal_f("out of memory copying %zu strings", n);
}

int
strv_add(char ***vp, size_t *np, const char *s)
{
	char **v, *c;

	if ((c = strdup(s)) == NULL)
		return -1;
	if ((v = reallocarray(*vp, *np + 1, sizeof(*v))) == NULL) {
		free(c);
		return -1;
	}
	v[(*np)++] = c;
	*vp = v;
	return 0;
}

int
strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int
strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}
