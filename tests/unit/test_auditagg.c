/*
 * Unit tests for the aggregation of refusals before authentication
 * (src/monitor/auditagg.c), on simulated time.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditagg.h"

#define W	60000	/* the window, ms */

struct sink {
	char		 line[32][512];
	size_t		 n;
};

static void
emit(void *arg, const struct auditagg_sum *s)
{
	struct sink *k = arg;

	assert_true(k->n < 32);
	assert_true(s->count > 0);
	(void)snprintf(k->line[k->n++], sizeof(k->line[0]), "%s %s %s %s %lu %lld",
	    s->source, s->event, s->decision, s->reason, s->count,
	    (long long)s->since_ms);
}

static int
note(struct auditagg *ag, const char *src, const char *reason, uint64_t now,
    struct sink *k)
{
	return auditagg_note(ag, src, "authenticate", "AUTH_FAILED", reason,
	    now, (int64_t)now + 1000000, emit, k);
}

static void
test_new_rejects_bad_arguments(void **state __attribute__((__unused__)))
{
	assert_null(auditagg_new(0, W));
	assert_null(auditagg_new(1, 0));
	auditagg_free(NULL);
}

static void
test_first_in_full_rest_counted(void **state __attribute__((__unused__)))
{
	struct auditagg *ag;
	struct sink k = { .n = 0 };
	int i;

	assert_non_null(ag = auditagg_new(16, W));
	assert_int_equal(note(ag, "a/32", "no credential", 1000, &k), 1);
	for (i = 0; i < 1000; i++)
		assert_int_equal(note(ag, "a/32", "no credential", 1000 + i,
		    &k), 0);
	/* Another reason, another source: their own first records. */
	assert_int_equal(note(ag, "a/32", "bad key", 2000, &k), 1);
	assert_int_equal(note(ag, "b/32", "no credential", 2000, &k), 1);
	assert_int_equal(auditagg_groups(ag), 3);
	/* Nothing is summed up before its window closes. */
	assert_int_equal(auditagg_expire(ag, 1000 + W - 1, 0, emit, &k), 0);
	assert_int_equal(k.n, 0);
	/* Then only counted groups make a record; all groups go. */
	assert_int_equal(auditagg_expire(ag, 2000 + W, 0, emit, &k), 1);
	assert_string_equal(k.line[0],
	    "a/32 authenticate AUTH_FAILED no credential 1000 1001000");
	assert_int_equal(auditagg_groups(ag), 0);
	auditagg_free(ag);
}

static void
test_window_reopens(void **state __attribute__((__unused__)))
{
	struct auditagg *ag;
	struct sink k = { .n = 0 };

	assert_non_null(ag = auditagg_new(16, W));
	assert_int_equal(note(ag, "a/32", "r", 0, &k), 1);
	assert_int_equal(note(ag, "a/32", "r", 10, &k), 0);
	assert_int_equal(note(ag, "a/32", "r", 20, &k), 0);
	/* The next refusal after the window: summary, then in full. */
	assert_int_equal(note(ag, "a/32", "r", W, &k), 1);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.line[0], "a/32 authenticate AUTH_FAILED r 2 1000000");
	assert_int_equal(note(ag, "a/32", "r", W + 1, &k), 0);
	/* Shutdown: everything counted is written. */
	assert_int_equal(auditagg_expire(ag, W + 2, 1, emit, &k), 1);
	assert_string_equal(k.line[1],
	    "a/32 authenticate AUTH_FAILED r 1 1060000");
	auditagg_free(ag);
}

static void
test_bounded_table(void **state __attribute__((__unused__)))
{
	struct auditagg *ag;
	struct sink k = { .n = 0 };
	char src[32];
	int i;

	assert_non_null(ag = auditagg_new(4, W));
	for (i = 0; i < 4; i++) {
		(void)snprintf(src, sizeof(src), "s%d", i);
		assert_int_equal(note(ag, src, "r", (uint64_t)i, &k), 1);
		assert_int_equal(note(ag, src, "r", (uint64_t)i, &k), 0);
	}
	/* A fifth source takes the oldest group's slot: it is summed up. */
	assert_int_equal(note(ag, "s4", "r", 10, &k), 1);
	assert_int_equal(auditagg_groups(ag), 4);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.line[0], "s0 authenticate AUTH_FAILED r 1 1000000");
	/* Many more sources: the table never grows past its bound. */
	for (i = 5; i < 1000; i++) {
		(void)snprintf(src, sizeof(src), "s%d", i);
		assert_int_equal(note(ag, src, "r", 20, &k), 1);
		assert_true(auditagg_groups(ag) <= 4);
	}
	/* Groups that counted nothing leave without a record. */
	assert_int_equal(k.n, 4);
	auditagg_free(ag);
}

static void
test_long_strings_cut(void **state __attribute__((__unused__)))
{
	struct auditagg *ag;
	struct sink k = { .n = 0 };
	char a[AUDITAGG_STR_MAX + 50], b[AUDITAGG_STR_MAX + 50];

	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 2] = 'y';	/* differs beyond the cut: same group */
	assert_non_null(ag = auditagg_new(4, W));
	assert_int_equal(note(ag, "s", a, 0, &k), 1);
	assert_int_equal(note(ag, "s", b, 0, &k), 0);
	assert_int_equal(auditagg_groups(ag), 1);
	auditagg_free(ag);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_arguments),
		cmocka_unit_test(test_first_in_full_rest_counted),
		cmocka_unit_test(test_window_reopens),
		cmocka_unit_test(test_bounded_table),
		cmocka_unit_test(test_long_strings_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
