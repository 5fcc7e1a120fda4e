/*
 * OAuth bearer tokens (mcpd.conf(5), JWKSFile), verified in the monitor: the
 * JWKSFile keys, the algorithm pinned per key, one signature check per token
 * at most, the claims checked here, and a cache of verified tokens so that a
 * token presented again costs a hash instead of a signature.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_JWT_H
#define MCPD_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The longest token looked at; longer ones are refused undecoded. */
#define JWT_MAX			8192
/* The longest kid, in a token or a JWKS; only [A-Za-z0-9._-]. */
#define JWT_KID_MAX		128
/* Verified tokens kept at most (and at most 64 MiB of them). */
#define JWT_CACHE_MAX		65536
/* Keys in a JWKSFile at most, and the file's size. */
#define JWKS_MAX_KEYS		256
#define JWKS_MAX_FILE		(1024 * 1024)
/* RSA moduli accepted, in bits. */
#define JWT_RSA_MIN_BITS	2048
#define JWT_RSA_MAX_BITS	8192
/* Entries of the roles claim and of the scope claim at most. */
#define JWT_MAX_ROLES		256
#define JWT_MAX_SCOPES		256
/* The longest sub, and the longest role in the roles claim. */
#define JWT_SUB_MAX		256
#define JWT_ROLE_MAX		128

/*
 * A certificate thumbprint (RFC 8705 "x5t#S256"): SHA-256, unpadded
 * base64url.
 */
#define JWT_X5T_LEN		43

/* The algorithms the monitor verifies, as bits of a mask. */
#define JWT_ALG_RS256		0x01
#define JWT_ALG_PS256		0x02
#define JWT_ALG_ES256		0x04
#define JWT_ALG_EDDSA		0x08

struct mcpd_config;
struct jwt_verifier;

struct jwt_result {
	char	 *sub;		/* identity */
	char	**roles;	/* from JWTRolesClaim if present */
	size_t	  nroles;
	int	  has_roles;	/* the claim was present (even empty) */
	char	**scopes;	/* from "scope" (space-separated string) */
	size_t	  nscopes;
	time_t	  exp;
	/*
	 * The certificate the token is bound to (RFC 8705: "cnf" with
	 * "x5t#S256"), or "" for a token that carries no cnf.
	 */
	char	  x5t[JWT_X5T_LEN + 1];
};

/*
 * Load JWKSFile and the JWT* settings of cfg.  NULL with err set on error
 * ("FILE: ..." for what concerns the file).
 */
struct jwt_verifier *jwtv_new(const struct mcpd_config *cfg, char *err,
	    size_t errlen);
void	jwtv_free(struct jwt_verifier *);
/* Number of keys loaded (for the start-up banner and tests). */
size_t	jwtv_nkeys(const struct jwt_verifier *);
/*
 * Number of JWKS entries passed over: keys not for signing ("use" other
 * than "sig") and key types or algorithms the monitor does not verify.
 */
size_t	jwtv_nskipped(const struct jwt_verifier *);
/*
 * 0 and *res filled (free with jwt_result_clear), or -1 with a precise
 * reason for the audit log (never shown to clients) and *res empty.
 */
int	jwtv_verify(struct jwt_verifier *, const char *tok, size_t len,
	    time_t now, struct jwt_result *res, char *reason,
	    size_t reasonlen);
void	jwt_result_clear(struct jwt_result *);
/*
 * Signature checks made and cache hits so far (for tests and the
 * benchmark); either pointer may be NULL.
 */
void	jwtv_stats(const struct jwt_verifier *, uint64_t *verifies,
	    uint64_t *hits);
/* Verified tokens in the cache now. */
size_t	jwtv_cache_entries(const struct jwt_verifier *);
/*
 * Lower the cache's capacity in entries and bytes (for tests; at most
 * JWT_CACHE_MAX and 64 MiB; 0 entries turns the cache off), evicting the
 * least recently used entries beyond it.
 */
void	jwtv_set_cache_max(struct jwt_verifier *, size_t entries,
	    size_t bytes);

/* "RS256" ... for a JWT_ALG_* bit; NULL for anything else. */
const char *jwt_alg_name(unsigned int alg);
/* The JWT_ALG_* bit for a name (exact case), or 0. */
unsigned int jwt_alg_from_name(const char *);
/*
 * A JWTAlgorithms list (comma-separated names) into a mask of JWT_ALG_*
 * bits: only the asymmetric algorithms the monitor verifies.  Returns 0,
 * or -1 with err naming the first name refused.
 */
int	jwt_algs_parse(const char *list, unsigned int *mask, char *err,
	    size_t errlen);
/* Whether s is a valid kid: 1..JWT_KID_MAX of [A-Za-z0-9._-]. */
int	jwt_valid_kid(const char *s, size_t len);
/*
 * Whether s (len bytes, as the sub claim gave them) is a valid sub:
 * 1..JWT_SUB_MAX bytes without control characters.
 */
int	jwt_valid_sub(const char *s, size_t len);

#endif /* MCPD_JWT_H */
