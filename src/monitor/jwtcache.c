/*
 * The cache of verified tokens (jwt.h): a token presented again costs a
 * hash instead of a signature check.  Entries are keyed by the SHA-256 of
 * the token, live no longer than its exp, and are evicted least recently
 * used first within a budget of entries and bytes.  The results the cache
 * hands out are copies, so this file also holds what a result is made of
 * and how it is freed (jwt_result_clear).
 *
 * Library code: nothing logs or exits; a cache that cannot be filled only
 * saves less work.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "jwt.h"
#include "jwt_int.h"
#include "strv.h"
#include "xmalloc.h"

/* Buckets of the cache's hash table (a power of two). */
#define JWT_CACHE_BUCKETS	16384

/* Results */

void
jwt_result_clear(struct jwt_result *r)
{
	if (r == NULL)
		return;
	strfreezero(r->sub);
	strv_free(r->roles, r->nroles);
	strv_free(r->scopes, r->nscopes);
	explicit_bzero(r, sizeof(*r));
}

static int
result_copy(const struct jwt_result *src, struct jwt_result *dst)
{
	memset(dst, 0, sizeof(*dst));
	if ((dst->sub = strdup(src->sub)) == NULL)
		goto fail;
	if (strv_copy(src->roles, src->nroles, &dst->roles,
	    &dst->nroles) != 0)
		goto fail;
	dst->has_roles = src->has_roles;
	if (strv_copy(src->scopes, src->nscopes, &dst->scopes,
	    &dst->nscopes) != 0)
		goto fail;
	dst->exp = src->exp;
	memcpy(dst->x5t, src->x5t, sizeof(dst->x5t));
	return 0;
 fail:
	jwt_result_clear(dst);
	return -1;
}


/* The cache of verified tokens */

static struct jwt_centry **
cache_bucket(struct jwt_verifier *v, const uint8_t *hash)
{
	uint32_t h;

	h = (uint32_t)hash[0] | ((uint32_t)hash[1] << 8) |
	    ((uint32_t)hash[2] << 16) | ((uint32_t)hash[3] << 24);
	return &v->buckets[h & (JWT_CACHE_BUCKETS - 1)];
}

static void
cache_remove(struct jwt_verifier *v, struct jwt_centry *e)
{
	struct jwt_centry **pp;

	for (pp = cache_bucket(v, e->hash); *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	TAILQ_REMOVE(&v->queue, e, age);
	v->ncache--;
	v->cache_bytes -= e->size;
	jwt_result_clear(&e->res);
	freezero(e, sizeof(*e));
}

/* 0 and *res filled on a hit; -1 on a miss (or no memory to copy). */
int
jwt_cache_lookup(struct jwt_verifier *v, const uint8_t *hash, time_t now,
    struct jwt_result *res)
{
	struct jwt_centry *e;

	if (v->buckets == NULL)
		return -1;
	for (e = *cache_bucket(v, hash); e != NULL; e = e->hnext)
		if (CRYPTO_memcmp(e->hash, hash, JWT_HASH_LEN) == 0)
			break;
	if (e == NULL)
		return -1;
	/* An entry lives no longer than its token's exp. */
	if (now >= e->res.exp) {
		cache_remove(v, e);
		return -1;
	}
	if (result_copy(&e->res, res) != 0)
		return -1;
	TAILQ_REMOVE(&v->queue, e, age);
	TAILQ_INSERT_TAIL(&v->queue, e, age);
	return 0;
}

static void
cache_sweep(struct jwt_verifier *v, time_t now)
{
	struct jwt_centry *e, *next;

	for (e = TAILQ_FIRST(&v->queue); e != NULL; e = next) {
		next = TAILQ_NEXT(e, age);
		if (now >= e->res.exp)
			cache_remove(v, e);
	}
}

/* What an entry for res costs, roughly: the allocations it makes. */
static size_t
result_size(const struct jwt_result *res)
{
	size_t i, n = sizeof(struct jwt_centry) + strlen(res->sub) + 1;

	n += (res->nroles + res->nscopes) * sizeof(char *);
	for (i = 0; i < res->nroles; i++)
		n += strlen(res->roles[i]) + 1;
	for (i = 0; i < res->nscopes; i++)
		n += strlen(res->scopes[i]) + 1;
	return n;
}

/* The cache only saves work: failing to fill it is not an error. */
void
jwt_cache_insert(struct jwt_verifier *v, const uint8_t *hash, time_t now,
    const struct jwt_result *res)
{
	struct jwt_centry *e, **b;
	size_t size = result_size(res);

	if (now >= res->exp || v->cache_max == 0 || size > v->cache_max_bytes)
		return;
	if (v->buckets == NULL &&
	    (v->buckets = calloc(JWT_CACHE_BUCKETS, sizeof(*v->buckets))) ==
	    NULL)
		return;
	/*
	 * Full: drop what has expired (a walk over the whole cache, so at
	 * most once a second), else the least recently used.
	 */
	if ((v->ncache >= v->cache_max ||
	    size > v->cache_max_bytes - v->cache_bytes) &&
	    now != v->last_sweep) {
		v->last_sweep = now;
		cache_sweep(v, now);
	}
	while (v->ncache > 0 && (v->ncache >= v->cache_max ||
	    size > v->cache_max_bytes - v->cache_bytes))
		cache_remove(v, TAILQ_FIRST(&v->queue));
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	if (result_copy(res, &e->res) != 0) {
		free(e);
		return;
	}
	memcpy(e->hash, hash, JWT_HASH_LEN);
	e->size = size;
	v->cache_bytes += size;
	b = cache_bucket(v, hash);
	e->hnext = *b;
	*b = e;
	TAILQ_INSERT_TAIL(&v->queue, e, age);
	v->ncache++;
}

size_t
jwtv_cache_entries(const struct jwt_verifier *v)
{
	return v != NULL ? v->ncache : 0;
}

void
jwtv_set_cache_max(struct jwt_verifier *v, size_t entries, size_t bytes)
{
	if (v == NULL)
		return;
	v->cache_max = entries > JWT_CACHE_MAX ? JWT_CACHE_MAX : entries;
	v->cache_max_bytes = bytes > JWT_CACHE_MAX_BYTES ?
	    JWT_CACHE_MAX_BYTES : bytes;
	while (v->ncache > v->cache_max ||
	    v->cache_bytes > v->cache_max_bytes)
		cache_remove(v, TAILQ_FIRST(&v->queue));
}

void
jwt_cache_free(struct jwt_verifier *v)
{
	while (!TAILQ_EMPTY(&v->queue))
		cache_remove(v, TAILQ_FIRST(&v->queue));
	free(v->buckets);
	v->buckets = NULL;
}
