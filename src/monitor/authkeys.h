/*
 * AuthorizedKeysFile (mcpctl(1), AUTHORIZED KEYS FILE FORMAT), in the monitor:
 *
 *	[options] KEYID sha256:HEX
 *
 * options: user="id", roles="a,b", from="cidr,cidr",
 * expiry-time="YYYYMMDD[HHMM]" (UTC), comma-separated, values quoted.
 */
#ifndef MCPD_AUTHKEYS_H
#define MCPD_AUTHKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sys/socket.h>

#define AUTHKEYS_MAX_ENTRIES	100000
#define AUTHKEYS_MAX_CIDRS	64
/* The longest user= and the longest role of roles= (authn.h's caps). */
#define AUTHKEYS_USER_MAX	256
#define AUTHKEYS_ROLE_MAX	128

struct authkey_cidr {
	int	 family;	/* AF_INET or AF_INET6 */
	uint8_t	 addr[16];
	int	 bits;
};

struct authkey {
	char		 keyid[9];
	uint8_t		 hash[32];	/* SHA-256 of the whole key */
	char		*user;		/* NULL: the key names no user */
	char		**roles;	/* NULL: roles come from User lines */
	size_t		 nroles;
	struct authkey_cidr *from;	/* NULL: from anywhere */
	size_t		 nfrom;
	time_t		 expiry;	/* 0: never */
	int		 linenum;
};

struct authkeys {
	struct authkey	*keys;
	size_t		 nkeys;
};

/* Outcomes of authkeys_verify; the audit record uses the name. */
#define AUTHKEY_OK		0
#define AUTHKEY_MALFORMED	1	/* not of the key syntax */
#define AUTHKEY_UNKNOWN		2	/* no such key id */
#define AUTHKEY_MISMATCH	3	/* known id, wrong secret */
#define AUTHKEY_EXPIRED		4
#define AUTHKEY_FROM		5	/* source not in from= */

const char *authkeys_result_str(int);

/*
 * Parse a whole file.  Errors name the file and line in err.
 * Returns 0 or -1.
 */
int	authkeys_load(const char *path, struct authkeys **out,
	    char *err, size_t errlen);
/* Parse one line (exported for mcpctl and the tests); 0, 1 (blank), -1. */
int	authkeys_parse_line(const char *line, struct authkey *out,
	    char *err, size_t errlen);
void	authkey_clear(struct authkey *);
void	authkeys_free(struct authkeys *);

/*
 * Check a presented key.  Every entry is compared, in constant time, so an
 * unknown id costs what a wrong secret costs.  src is the client address,
 * or NULL for stdio, which counts as the loopback address for from=.
 * On AUTHKEY_OK, *match points at the entry.
 */
int	authkeys_verify(const struct authkeys *, const char *key, size_t len,
	    const struct sockaddr *src, time_t now,
	    const struct authkey **match);

/* "127.0.0.0/8" or "::1" (host) into c; 0 or -1. */
int	cidr_parse(const char *s, struct authkey_cidr *c);
/* Whether addr (AF_INET/AF_INET6 sockaddr) lies in c. */
int	cidr_match(const struct authkey_cidr *c, const struct sockaddr *addr);

#endif /* MCPD_AUTHKEYS_H */
