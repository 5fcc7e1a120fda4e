/*
 * Unit tests: the one dispatch function every privsep channel uses
 * (privsep/dispatch.c).  Each refusal must reach the table's violation
 * callback and leave the handler unrun; an allowed message must run its
 * handler once, with the receiver's context and the payload.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dispatch.h"
#include "sbuf.h"

#define ST_A	0x01
#define ST_B	0x02

/* What the receiver saw: the handlers and violations that ran. */
struct rx {
	int	 ran;		/* handler calls */
	int	 which;		/* the last handler's number */
	int	 refused;	/* violation calls */
	char	 what[128];
	uint32_t scope[2];	/* once-only sets of scopes 1 and 2 */
	struct sbuf *seen_m;
};

static void
h_one(void *arg, struct sbuf *m)
{
	struct rx *rx = arg;

	rx->ran++;
	rx->which = 1;
	rx->seen_m = m;
}

static void
h_two(void *arg, struct sbuf *m)
{
	struct rx *rx = arg;

	rx->ran++;
	rx->which = 2;
	rx->seen_m = m;
}

static void
violation(void *arg, const char *what)
{
	struct rx *rx = arg;

	rx->refused++;
	(void)snprintf(rx->what, sizeof(rx->what), "%s", what);
}

/* The scope a message names in its first u32: 1 or 2, else none. */
static uint32_t *
scope_of(void *arg, const struct sbuf *m)
{
	struct rx *rx = arg;
	uint32_t id;

	if (ps_peek_u32(m, &id) != 0 || id < 1 || id > 2)
		return NULL;
	return &rx->scope[id - 1];
}

static const struct ps_dispatch ent[] = {
	{ 10, PS_TR_ANY, ST_A, 0, h_one },
	{ 12, PS_TR_HTTP, ST_A | ST_B, 0, h_one },
	{ 14, PS_TR_ANY, ST_A, PS_ONCE, h_one },
	/* One type, one entry per transport, each with its own state. */
	{ 16, PS_TR_STDIO, ST_A, 0, h_one },
	{ 16, PS_TR_HTTP, ST_B, 0, h_two },
	{ 18, PS_TR_ANY, ST_A, PS_ONCE_SCOPED, h_one },
};
static const struct ps_table table = PS_TABLE("test", ent, violation,
    scope_of);

static struct sbuf *
payload(uint32_t v)
{
	struct sbuf *m = sbuf_new(64);

	assert_non_null(m);
	assert_int_equal(sbuf_put_u32(m, v), SBUF_OK);
	return m;
}

static void
assert_refused(struct rx *rx, int ran, const char *want)
{
	assert_int_equal(rx->refused, 1);
	assert_int_equal(rx->ran, ran);
	assert_non_null(strstr(rx->what, want));
	assert_non_null(strstr(rx->what, "test: "));
}

static void
test_good(void **state)
{
	struct ps_chan ch = { PS_TR_STDIO, ST_A, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 10, m), 0);
	assert_int_equal(rx.ran, 1);
	assert_int_equal(rx.refused, 0);
	assert_ptr_equal(rx.seen_m, m);
	/* Not once-only: again is fine. */
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 10, m), 0);
	assert_int_equal(rx.ran, 2);
	assert_int_equal(rx.refused, 0);
	sbuf_free(m);
}

static void
test_unknown_type(void **state)
{
	struct ps_chan ch = { PS_TR_HTTP, ST_A | ST_B, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 11, m), -1);
	assert_refused(&rx, 0, "message type 11 not permitted in state");
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 0, m), -1);
	assert_refused(&rx, 0, "message type 0 not permitted");
	sbuf_free(m);
}

static void
test_wrong_transport(void **state)
{
	struct ps_chan ch = { PS_TR_STDIO, ST_A, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	/* Type 12 is HTTP only, in any state it has. */
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 12, m), -1);
	assert_refused(&rx, 0, "message type 12 not permitted over stdio");
	ch.transport = PS_TR_HTTP;
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 12, m), 0);
	assert_int_equal(rx.ran, 1);
	assert_int_equal(rx.refused, 0);
	sbuf_free(m);
}

static void
test_wrong_state(void **state)
{
	struct ps_chan ch = { PS_TR_STDIO, ST_B, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 10, m), -1);
	assert_refused(&rx, 0, "message type 10 not permitted in state 0x2");
	sbuf_free(m);
}

static void
test_per_transport_entries(void **state)
{
	struct ps_chan ch = { PS_TR_STDIO, ST_A, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 16, m), 0);
	assert_int_equal(rx.which, 1);
	ch.transport = PS_TR_HTTP;
	ch.state = ST_B;
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 16, m), 0);
	assert_int_equal(rx.which, 2);
	assert_int_equal(rx.refused, 0);
	/* The HTTP entry's state, not the stdio entry's, applies. */
	ch.state = ST_A;
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 16, m), -1);
	assert_refused(&rx, 0, "message type 16 not permitted in state 0x1");
	sbuf_free(m);
}

static void
test_once(void **state)
{
	struct ps_chan ch = { PS_TR_HTTP, ST_A, 0 };
	struct rx rx;
	struct sbuf *m = payload(7);

	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 14, m), 0);
	assert_int_equal(rx.ran, 1);
	assert_int_equal(rx.refused, 0);
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 14, m), -1);
	assert_refused(&rx, 1, "message type 14 came twice");
	/* Another channel (a restarted child) starts with a clean set. */
	ch.once = 0;
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 14, m), 0);
	assert_int_equal(rx.refused, 0);
	sbuf_free(m);
}

static void
test_once_scoped(void **state)
{
	struct ps_chan ch = { PS_TR_HTTP, ST_A, 0 };
	struct rx rx;
	struct sbuf *s1 = payload(1), *s2 = payload(2), *s3 = payload(3);
	struct sbuf *empty = sbuf_new(16);

	assert_non_null(empty);
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 18, s1), 0);
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 18, s2), 0);
	assert_int_equal(rx.ran, 2);
	assert_int_equal(rx.refused, 0);
	/* The scope was peeked at, not read: the handler gets it all. */
	assert_int_equal(sbuf_len(s1), 4);
	/* The channel's own set is not the scope's. */
	assert_int_equal(ch.once, 0);
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 18, s1), -1);
	assert_refused(&rx, 2, "message type 18 came twice");
	memset(&rx.what, 0, sizeof(rx.what));
	rx.refused = 0;
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 18, s3), -1);
	assert_refused(&rx, 2, "message type 18 outside any scope");
	rx.refused = 0;
	assert_int_equal(ps_dispatch(&table, &ch, &rx, 18, empty), -1);
	assert_refused(&rx, 2, "outside any scope");
	sbuf_free(s1);
	sbuf_free(s2);
	sbuf_free(s3);
	sbuf_free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_wrong_transport),
		cmocka_unit_test(test_wrong_state),
		cmocka_unit_test(test_per_transport_entries),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_once_scoped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
