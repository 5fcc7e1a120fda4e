/*
 * Source address blocks, as sshd's PerSourceNetBlockSize: the leading bits
 * of a peer address that make it "one source" for per-source limits.  An
 * IPv6 client picks addresses at will inside the /64 it is given, so
 * counting IPv6 sources by their full address would let it escape every
 * per-source limit; counting them by /64 does not.
 */
#ifndef MCPD_NETBLOCK_H
#define MCPD_NETBLOCK_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

struct netblock {
	int	 family;	/* AF_INET or AF_INET6 */
	int	 bits;
	uint8_t	 addr[16];	/* masked; 4 bytes used for AF_INET */
};

/* "a.b.c.d/bits" or "v6::/bits": INET6_ADDRSTRLEN + "/128". */
#define NETBLOCK_STRLEN	(46 + 4)

/*
 * The block of sa: its first v4bits (IPv4, and IPv4-mapped IPv6) or
 * v6bits (IPv6), the rest zeroed.  0, or -1 for another family or bad
 * lengths.
 */
int	netblock_of(const struct sockaddr *sa, int v4bits, int v6bits,
	    struct netblock *nb);
int	netblock_eq(const struct netblock *, const struct netblock *);
/* A hash of the block, for tables. */
uint32_t netblock_hash(const struct netblock *);
/* "addr/bits" into buf.  0, or -1 if it does not fit. */
int	netblock_str(const struct netblock *, char *buf, size_t len);

#endif /* MCPD_NETBLOCK_H */
