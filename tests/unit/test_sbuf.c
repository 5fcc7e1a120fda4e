/* Unit tests: the bounds-checked buffer and the privsep framing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "msg.h"
#include "sbuf.h"

static void
test_roundtrip(void **state)
{
	struct sbuf *b = sbuf_new(1024);
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;
	char *s;
	uint8_t *bytes;
	size_t len;

	assert_non_null(b);
	assert_int_equal(sbuf_put_u8(b, 0xab), SBUF_OK);
	assert_int_equal(sbuf_put_u32(b, 0xdeadbeef), SBUF_OK);
	assert_int_equal(sbuf_put_u64(b, 0x0102030405060708ULL), SBUF_OK);
	assert_int_equal(sbuf_put_cstring(b, "hello"), SBUF_OK);
	assert_int_equal(sbuf_put_string(b, "a\0b", 3), SBUF_OK);
	assert_int_equal(sbuf_len(b), 1 + 4 + 8 + 9 + 7);
	/* Big-endian on the wire. */
	assert_memory_equal(sbuf_ptr(b) + 1, "\xde\xad\xbe\xef", 4);

	assert_int_equal(sbuf_get_u8(b, &u8), SBUF_OK);
	assert_int_equal(u8, 0xab);
	assert_int_equal(sbuf_get_u32(b, &u32), SBUF_OK);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(sbuf_get_u64(b, &u64), SBUF_OK);
	assert_true(u64 == 0x0102030405060708ULL);
	assert_int_equal(sbuf_get_cstring(b, &s, 64), SBUF_OK);
	assert_string_equal(s, "hello");
	free(s);
	/* An embedded NUL is fine as bytes, not as a C string. */
	assert_int_equal(sbuf_get_string(b, &bytes, &len, 64), SBUF_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(bytes, "a\0b", 3);
	free(bytes);
	assert_int_equal(sbuf_expect_end(b), SBUF_OK);
	sbuf_free(b);
}

static void
test_short_and_caps(void **state)
{
	struct sbuf *b = sbuf_new(16);
	uint32_t u32;
	char *s = (char *)0x1;

	assert_non_null(b);
	/* Growing past the cap fails and leaves the buffer as it was. */
	assert_int_equal(sbuf_put(b, "0123456789abcdef", 16), SBUF_OK);
	assert_int_equal(sbuf_put_u8(b, 1), SBUF_ERR_LIMIT);
	assert_int_equal(sbuf_len(b), 16);
	sbuf_reset(b);

	/* A truncated u32. */
	assert_int_equal(sbuf_put(b, "\0\0\0", 3), SBUF_OK);
	assert_int_equal(sbuf_get_u32(b, &u32), SBUF_ERR_SHORT);
	sbuf_reset(b);

	/* A string whose length runs past the data. */
	assert_int_equal(sbuf_put_u32(b, 10), SBUF_OK);
	assert_int_equal(sbuf_put(b, "abc", 3), SBUF_OK);
	assert_int_equal(sbuf_get_cstring(b, &s, 64), SBUF_ERR_SHORT);
	assert_null(s);
	sbuf_reset(b);

	/* A string longer than the field's cap. */
	assert_int_equal(sbuf_put_cstring(b, "abcdef"), SBUF_OK);
	assert_int_equal(sbuf_get_cstring(b, &s, 5), SBUF_ERR_FORMAT);
	sbuf_reset(b);

	/* A C string with a NUL inside. */
	assert_int_equal(sbuf_put_string(b, "a\0b", 3), SBUF_OK);
	assert_int_equal(sbuf_get_cstring(b, &s, 5), SBUF_ERR_FORMAT);
	sbuf_reset(b);

	/* Left-over bytes. */
	assert_int_equal(sbuf_put_u8(b, 0), SBUF_OK);
	assert_int_equal(sbuf_expect_end(b), SBUF_ERR_FORMAT);
	sbuf_free(b);
}

static void
test_huge_length(void **state)
{
	struct sbuf *b = sbuf_new(64);
	const uint8_t *p;
	size_t len;

	assert_int_equal(sbuf_put_u32(b, 0xffffffff), SBUF_OK);
	assert_int_equal(sbuf_get_string_direct(b, &p, &len, SIZE_MAX),
	    SBUF_ERR_SHORT);
	assert_null(p);
	sbuf_free(b);
}

static void
test_pmsg(void **state)
{
	struct evbuffer *ev = evbuffer_new();
	struct sbuf *pl = sbuf_new(1024), *got = sbuf_new(1024);
	uint8_t type = 0;
	uint32_t v;

	assert_int_equal(sbuf_put_u32(pl, 42), SBUF_OK);
	assert_int_equal(pmsg_compose(ev, 10, pl), PMSG_OK);
	assert_int_equal(pmsg_compose(ev, 11, NULL), PMSG_OK);
	assert_int_equal(evbuffer_get_length(ev), 5 + 4 + 5);

	assert_int_equal(pmsg_take(ev, &type, got), PMSG_OK);
	assert_int_equal(type, 10);
	assert_int_equal(sbuf_get_u32(got, &v), SBUF_OK);
	assert_int_equal(v, 42);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_OK);
	assert_int_equal(type, 11);
	assert_int_equal(sbuf_len(got), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_MORE);

	/* A partial frame waits for the rest. */
	assert_int_equal(evbuffer_add(ev, "\0\0\0\2\x0a", 5), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_MORE);
	assert_int_equal(evbuffer_add(ev, "x", 1), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_OK);
	assert_int_equal(sbuf_len(got), 1);

	/* Length zero, and lengths past the caps, are errors. */
	assert_int_equal(evbuffer_add(ev, "\0\0\0\0\0", 5), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_ERR_SIZE);
	evbuffer_drain(ev, evbuffer_get_length(ev));
	assert_int_equal(evbuffer_add(ev, "\xff\xff\xff\xff\x0a", 5), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_ERR_SIZE);
	evbuffer_drain(ev, evbuffer_get_length(ev));
	/* Within PMSG_MAX but beyond this receiver's buffer. */
	assert_int_equal(evbuffer_add(ev, "\0\0\x10\0\x0a", 5), 0);
	assert_int_equal(pmsg_take(ev, &type, got), PMSG_ERR_SIZE);

	evbuffer_free(ev);
	sbuf_free(pl);
	sbuf_free(got);
}

/*
 * sbuf_reset() wipes every byte written since the last wipe, also those
 * already consumed (consuming all of a buffer rewinds it without wiping),
 * and only those: the storage of an earlier large message is not cleared
 * again by every later reset.
 */
static void
test_reset_wipes_written(void **state)
{
	struct sbuf *b;
	uint8_t big[3000], got[3000];
	const uint8_t *p;
	size_t i;

	memset(big, 0xa5, sizeof(big));
	assert_non_null(b = sbuf_new(0));
	assert_int_equal(sbuf_put(b, big, sizeof(big)), SBUF_OK);
	assert_int_equal(sbuf_get(b, got, sizeof(got)), SBUF_OK);
	assert_int_equal(sbuf_len(b), 0);
	sbuf_reset(b);
	/* The storage is still there: look at what the message left. */
	p = sbuf_ptr(b);
	for (i = 0; i < sizeof(big); i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(sbuf_put(b, big, 10), SBUF_OK);
	sbuf_reset(b);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i], 0);
	sbuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_short_and_caps),
		cmocka_unit_test(test_huge_length),
		cmocka_unit_test(test_pmsg),
		cmocka_unit_test(test_reset_wipes_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
