/*
 * What the files of the JWT verifier share, and nothing outside them
 * uses: the verifier's state (its keys and its cache of verified tokens)
 * and the functions one file calls in another.  jwt.c verifies a token
 * (header, signature) and owns the verifier; jwks.c loads JWKSFile;
 * jwtclaims.c checks the claims of a token whose signature is good;
 * jwtcache.c keeps the results of verified tokens.
 */
#ifndef MCPD_JWT_INT_H
#define MCPD_JWT_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "jwt.h"

/*
 * Memory the cache may hold, counted as the entries' sizes: entries are
 * only made from tokens the issuer signed, but at up to JWT_MAX bytes each
 * the count alone would allow half a gigabyte.
 */
#define JWT_CACHE_MAX_BYTES	(64U * 1024 * 1024)
#define JWT_HASH_LEN		32

struct jwk {
	char		 kid[JWT_KID_MAX + 1];
	unsigned int	 alg;		/* JWT_ALG_* */
	EVP_PKEY	*pkey;
};

struct jwt_centry {
	uint8_t			 hash[JWT_HASH_LEN];
	size_t			 size;		/* counted against the budget */
	struct jwt_result	 res;
	struct jwt_centry	*hnext;		/* bucket chain */
	TAILQ_ENTRY(jwt_centry)	 age;		/* least recently used first */
};
TAILQ_HEAD(jwt_cqueue, jwt_centry);

struct jwt_verifier {
	struct jwk		*keys;
	size_t			 nkeys;
	size_t			 nskipped;
	unsigned int		 algs;		/* JWTAlgorithms */
	char			*issuer;
	char			*audience;
	char			*roles_claim;
	int64_t			 leeway;
	int			 type;		/* JWTType: JWT_TYPE_* */
	EVP_MD			*sha256;

	struct jwt_centry	**buckets;	/* allocated on first insert */
	struct jwt_cqueue	 queue;
	size_t			 ncache;
	size_t			 cache_max;
	size_t			 cache_bytes;
	size_t			 cache_max_bytes;
	time_t			 last_sweep;

	uint64_t		 verifies;
	uint64_t		 hits;
};

/*
 * jwks.c: load the JWKS at path into v->keys (the file's ownership and
 * mode checked first).  0, or -1 with err set ("PATH: ...").
 */
int	jwks_load(struct jwt_verifier *v, const char *path, char *err,
	    size_t errlen);

/*
 * jwtclaims.c: the claims of a token whose signature is good, into *res.
 * 0, or -1 with the reason set and *res cleared.
 */
int	jwt_check_claims(const struct jwt_verifier *v, const uint8_t *pl,
	    size_t pllen, time_t now, struct jwt_result *res, char *reason,
	    size_t reasonlen);

/*
 * jwtcache.c, keyed by the SHA-256 of the token.  jwt_cache_lookup: 0 and
 * *res filled on a hit, -1 on a miss (or no memory to copy).
 * jwt_cache_insert only saves work: failing to fill the cache is not an
 * error.  jwt_cache_free empties the cache and frees its table.
 */
int	jwt_cache_lookup(struct jwt_verifier *v, const uint8_t *hash,
	    time_t now, struct jwt_result *res);
void	jwt_cache_insert(struct jwt_verifier *v, const uint8_t *hash,
	    time_t now, const struct jwt_result *res);
void	jwt_cache_free(struct jwt_verifier *v);

#endif /* MCPD_JWT_INT_H */
