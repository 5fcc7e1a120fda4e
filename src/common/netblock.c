/*
 * Source address blocks (see netblock.h).  Library code: pure functions.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "netblock.h"

static void
netblock_mask(uint8_t *a, size_t len, int bits)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a[i] &= (uint8_t)(0xff00U >> bits);
			bits = 0;
		}
	}
}

int
netblock_of(const struct sockaddr *sa, int v4bits, int v6bits,
    struct netblock *nb)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(nb, 0, sizeof(*nb));
	if (v4bits < 1 || v4bits > 32 || v6bits < 1 || v6bits > 128)
		return -1;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(nb->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			/* An IPv4 client on a dual-stack socket. */
			memcpy(nb->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			nb->family = AF_INET6;
			nb->bits = v6bits;
			memcpy(nb->addr, &sin6->sin6_addr, 16);
			netblock_mask(nb->addr, 16, v6bits);
			return 0;
		}
	} else
		return -1;
	nb->family = AF_INET;
	nb->bits = v4bits;
	netblock_mask(nb->addr, 4, v4bits);
	return 0;
}

int
netblock_eq(const struct netblock *a, const struct netblock *b)
{
	return a->family == b->family && a->bits == b->bits &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

uint32_t
netblock_hash(const struct netblock *nb)
{
	uint32_t h = 2166136261U;	/* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(nb->addr); i++) {
		h ^= nb->addr[i];
		h *= 16777619U;
	}
	return h ^ (uint32_t)nb->bits ^ ((uint32_t)nb->family << 8);
}

int
netblock_str(const struct netblock *nb, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int r;

	if ((nb->family != AF_INET && nb->family != AF_INET6) ||
	    inet_ntop(nb->family, nb->addr, a, sizeof(a)) == NULL)
		return -1;
	r = snprintf(buf, len, "%s/%d", a, nb->bits);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}
