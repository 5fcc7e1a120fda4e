/*
 * Vectors of strings kept as an array and a count: the lists of the
 * configuration, of an identity and of a verified token.  Every string is
 * the vector's own copy.  The functions that allocate return -1 when
 * memory runs out, so that library code can report it; xstrv_copy() is
 * the form for daemon code, which exits instead.
 */
#ifndef MCPD_STRV_H
#define MCPD_STRV_H

#include <stddef.h>

/*
 * Free the n strings and the array, wiping both first: a vector may hold
 * what a token said.  NULL is fine.
 */
void	strv_free(char **v, size_t n);
/*
 * Copy n strings into a new vector in *out, and n into *nout.  An empty
 * vector is NULL.  Returns 0, or -1 with *out NULL and *nout 0.
 */
int	strv_copy(char *const *v, size_t n, char ***out, size_t *nout);
/* strv_copy(), exiting if memory runs out. */
void	xstrv_copy(char *const *v, size_t n, char ***out, size_t *nout);
/*
 * Append a copy of s to *vp, which holds *np strings.  Returns 0, or -1
 * with the vector as it was.
 */
int	strv_add(char ***vp, size_t *np, const char *s);
/* Whether one of the n strings of v is s. */
int	strv_has(char *const *v, size_t n, const char *s);
/* Whether a and b hold the same strings in the same order. */
int	strv_equal(char *const *a, size_t na, char *const *b, size_t nb);

#endif /* MCPD_STRV_H */
