/* mcpctl(1) subcommands.  Each returns the process exit status. */
#ifndef MCPD_CTL_H
#define MCPD_CTL_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

int	ctl_key_main(int argc, char **argv);	/* argv[0] = "key" */
int	ctl_audit_main(int argc, char **argv);	/* argv[0] = "audit" */
int	ctl_token_main(int argc, char **argv);	/* argv[0] = "token" */
int	ctl_jwks_main(int argc, char **argv);	/* argv[0] = "jwks" */
/* mcpctl audit new-chain (ctl_audit_newchain.c); argv[0] = "new-chain". */
int	ctl_audit_new_chain(int argc, char **argv);

/* Shared option handling (ctl_opt.c). */
void	ctl_getopt_reset(void);
void	ctl_bad_option(int ch, char **argv);
/* Set *slot to val unless set already (then -1 and a message naming it). */
int	ctl_set_once(const char **slot, const char *val, const char *name);

/*
 * An option of a subcommand whose options each take a string given at
 * most once: its getopt_long value, where its argument goes and the name
 * a message gives it.  A table of them ends with a NULL slot.
 */
struct option;
struct ctl_stropt {
	int		  ch;
	const char	**slot;
	const char	 *name;
};
/*
 * The getopt_long loop of such a subcommand (optstring as for
 * ctl_getopt_reset, lopts its long options): each argument into its slot.
 * 0, or -1 after a message: an option given twice, an unknown option, a
 * missing argument, or an operand (such a subcommand takes none).
 */
int	ctl_getopt_strings(int argc, char **argv, const char *optstring,
	    const struct option *lopts, const struct ctl_stropt *opts);

/* The pure parts of token and jwks, for the unit tests. */

/* The default kid: the first 16 hex digits of SHA-256(DER public key). */
#define CTL_KID_DEFAULT_LEN	16

struct ctl_token_req {
	const char	*kid;		/* NULL: the default kid */
	const char	*iss;
	const char	*aud;
	const char	*sub;
	const char	*roles;		/* "r1,r2"; "" an empty array; NULL none */
	const char	*roles_claim;	/* NULL: "roles" */
	const char	*scope;		/* NULL: no scope claim */
	const char	*alg;		/* NULL: from the key; "PS256" for RSA */
	long		 ttl;		/* seconds */
	/* NULL, or the x5t#S256 the token is bound to (cnf, RFC 8705). */
	const char	*cnf_x5t;
};

/* "90", "90s", "15m", "12h", "7d" (at most 366 days) into seconds. */
int	ctl_parse_ttl(const char *, long *);
int	ctl_default_kid(EVP_PKEY *, char kid[CTL_KID_DEFAULT_LEN + 1]);
/* A signed JWT in *out (allocated), or -1 with err set. */
int	ctl_token_mint(EVP_PKEY *, const struct ctl_token_req *, time_t now,
	    char **out, char *err, size_t errlen);
/*
 * A JWKS of n public keys in *out (allocated JSON text); kids[i] and
 * algs[i] may be NULL (either array too) for the defaults.
 */
int	ctl_jwks_build(EVP_PKEY *const *keys, const char *const *kids,
	    const char *const *algs, size_t n, char **out, char *err,
	    size_t errlen);

#endif /* MCPD_CTL_H */
