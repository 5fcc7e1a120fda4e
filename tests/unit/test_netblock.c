/*
 * Unit tests for source address blocks (src/common/netblock.c): the
 * PerSourceNetBlockSize grouping behind MaxConnectionsPerSource and
 * AuthFailureLimit.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "netblock.h"

static struct sockaddr_storage
addr(const char *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(1234);
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(4321);
	}
	return ss;
}

/* The block of address s as text, under v4/v6 bits. */
static const char *
block(const char *s, int v4, int v6)
{
	static char buf[NETBLOCK_STRLEN];
	struct sockaddr_storage ss = addr(s);
	struct netblock nb;

	assert_int_equal(netblock_of((struct sockaddr *)&ss, v4, v6, &nb), 0);
	assert_int_equal(netblock_str(&nb, buf, sizeof(buf)), 0);
	return buf;
}

static int
same(const char *a, const char *b, int v4, int v6)
{
	struct sockaddr_storage sa = addr(a), sb = addr(b);
	struct netblock na, nb;

	assert_int_equal(netblock_of((struct sockaddr *)&sa, v4, v6, &na), 0);
	assert_int_equal(netblock_of((struct sockaddr *)&sb, v4, v6, &nb), 0);
	if (netblock_eq(&na, &nb)) {
		assert_int_equal(netblock_hash(&na), netblock_hash(&nb));
		return 1;
	}
	return 0;
}

static void
test_defaults(void **state __attribute__((__unused__)))
{
	/* 32:64: an IPv4 address is its own source, IPv6 by its /64. */
	assert_string_equal(block("127.0.0.1", 32, 64), "127.0.0.1/32");
	assert_string_equal(block("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 32, 64),
	    "2001:db8:1:2::/64");
	assert_string_equal(block("::1", 32, 64), "::/64");
	assert_false(same("127.0.0.1", "127.0.0.2", 32, 64));
	/* Rotating the interface identifier does not escape. */
	assert_true(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff",
	    32, 64));
	assert_false(same("2001:db8:1:2::1", "2001:db8:1:3::1", 32, 64));
}

static void
test_prefixes(void **state __attribute__((__unused__)))
{
	assert_string_equal(block("192.0.2.200", 24, 64), "192.0.2.0/24");
	assert_string_equal(block("192.0.2.200", 25, 64), "192.0.2.128/25");
	assert_string_equal(block("192.0.2.200", 1, 64), "128.0.0.0/1");
	assert_string_equal(block("2001:db8::1", 32, 128), "2001:db8::1/128");
	assert_string_equal(block("2001:db8:ffff::1", 32, 33),
	    "2001:db8:8000::/33");
	assert_string_equal(block("2001:db8:ffff::1", 32, 48),
	    "2001:db8:ffff::/48");
	assert_true(same("10.1.2.3", "10.1.2.250", 24, 64));
	assert_false(same("10.1.2.3", "10.1.3.3", 24, 64));
}

static void
test_v4_mapped(void **state __attribute__((__unused__)))
{
	/* An IPv4 client on a dual-stack socket is an IPv4 source. */
	assert_string_equal(block("::ffff:192.0.2.7", 32, 64), "192.0.2.7/32");
	assert_true(same("::ffff:192.0.2.7", "192.0.2.7", 32, 64));
}

static void
test_bad(void **state __attribute__((__unused__)))
{
	struct sockaddr_storage ss = addr("127.0.0.1");
	struct netblock nb;
	char small[8];

	assert_int_equal(netblock_of((struct sockaddr *)&ss, 0, 64, &nb), -1);
	assert_int_equal(netblock_of((struct sockaddr *)&ss, 33, 64, &nb), -1);
	assert_int_equal(netblock_of((struct sockaddr *)&ss, 32, 129, &nb),
	    -1);
	ss.ss_family = AF_UNIX;
	assert_int_equal(netblock_of((struct sockaddr *)&ss, 32, 64, &nb), -1);
	ss = addr("192.0.2.200");
	assert_int_equal(netblock_of((struct sockaddr *)&ss, 32, 64, &nb), 0);
	assert_int_equal(netblock_str(&nb, small, sizeof(small)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
