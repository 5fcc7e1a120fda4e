/*
 * Unit tests for the token-bucket rate limiter (src/monitor/ratelimit.c),
 * on simulated time.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

/* Take n tokens at now; returns how many were allowed. */
static unsigned int
burst(struct ratelimit *rl, const char *key, uint64_t now, unsigned int n)
{
	unsigned int i, ok = 0, ra;

	for (i = 0; i < n; i++) {
		if (ratelimit_take(rl, key, now, &ra) == 0) {
			assert_int_equal(ra, 0);
			ok++;
		}
	}
	return ok;
}

static void
test_new_rejects_bad_arguments(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;

	assert_null(ratelimit_new(0, 10));
	assert_null(ratelimit_new(10, 0));
	assert_non_null(rl = ratelimit_new(1, 1));
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_burst_then_refuse(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra = 0;

	assert_non_null(rl = ratelimit_new(10, 16));
	/* Exactly per_minute calls in a burst. */
	assert_int_equal(burst(rl, "alice", 5000, 10), 10);
	assert_int_equal(ratelimit_take(rl, "alice", 5000, &ra), 1);
	/* One token every 6 s. */
	assert_int_equal(ra, 6);
	assert_int_equal(ratelimit_blocked(rl, "alice", 5000, &ra), 1);
	assert_int_equal(ra, 6);
	/* Other keys have their own buckets. */
	assert_int_equal(burst(rl, "bob", 5000, 11), 10);
	/* retry_after counts down with time and rounds up. */
	assert_int_equal(ratelimit_take(rl, "alice", 5000 + 2500, &ra), 1);
	assert_int_equal(ra, 4);
	assert_int_equal(ratelimit_take(rl, "alice", 5000 + 5999, &ra), 1);
	assert_int_equal(ra, 1);
	assert_int_equal(ratelimit_take(rl, "alice", 5000 + 6000, &ra), 0);
	assert_int_equal(ra, 0);
	assert_int_equal(ratelimit_take(rl, "alice", 5000 + 6000, &ra), 1);
	assert_int_equal(ra, 6);
	ratelimit_free(rl);
}

static void
test_retry_after_exact(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra = 0;

	/* 7/min: one token every 60/7 = 8.571... s. */
	assert_non_null(rl = ratelimit_new(7, 4));
	assert_int_equal(burst(rl, "k", 0, 8), 7);
	assert_int_equal(ratelimit_take(rl, "k", 0, &ra), 1);
	assert_int_equal(ra, 9);
	/* At 571 ms the token is 8000.43 ms away, at 572 ms 7999.43. */
	assert_int_equal(ratelimit_take(rl, "k", 571, &ra), 1);
	assert_int_equal(ra, 9);
	assert_int_equal(ratelimit_take(rl, "k", 572, &ra), 1);
	assert_int_equal(ra, 8);
	/* 8571 ms earn 59997/60000 of a token: not yet. */
	assert_int_equal(ratelimit_take(rl, "k", 8571, &ra), 1);
	assert_int_equal(ra, 1);
	assert_int_equal(ratelimit_take(rl, "k", 8572, &ra), 0);
	ratelimit_free(rl);

	/* A fast bucket still says at least 1 second. */
	assert_non_null(rl = ratelimit_new(1000000, 4));
	assert_int_equal(burst(rl, "k", 0, 1000001), 1000000);
	assert_int_equal(ratelimit_take(rl, "k", 0, &ra), 1);
	assert_int_equal(ra, 1);
	/* 60 µs per token: 1 ms later there are 16 (16.67). */
	assert_int_equal(burst(rl, "k", 1, 20), 16);
	ratelimit_free(rl);
}

static void
test_refill_no_drift(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	uint64_t t;
	unsigned int ok = 0;

	assert_non_null(rl = ratelimit_new(7, 4));
	assert_int_equal(burst(rl, "k", 0, 8), 7);
	/* Ask every millisecond for ten minutes: exactly 70 more. */
	for (t = 1; t <= 600000; t++)
		if (ratelimit_take(rl, "k", t, NULL) == 0)
			ok++;
	assert_int_equal(ok, 70);
	ratelimit_free(rl);

	/* Asking rarely earns the same. */
	assert_non_null(rl = ratelimit_new(7, 4));
	assert_int_equal(burst(rl, "k", 0, 7), 7);
	ok = 0;
	for (t = 1; t <= 600; t++)
		ok += burst(rl, "k", t * 1000, 5);
	assert_int_equal(ok, 70);
	ratelimit_free(rl);
}

static void
test_capacity_caps_refill(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra;

	assert_non_null(rl = ratelimit_new(10, 4));
	assert_int_equal(burst(rl, "k", 0, 10), 10);
	/* An hour idle still only refills to per_minute. */
	assert_int_equal(burst(rl, "k", 3600000, 20), 10);
	/* Far in the future: no overflow. */
	assert_int_equal(burst(rl, "k", UINT64_MAX - 1, 20), 10);
	assert_int_equal(ratelimit_take(rl, "k", UINT64_MAX - 1, &ra), 1);
	assert_int_equal(ra, 6);
	ratelimit_free(rl);
}

static void
test_clock_backwards(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra;

	assert_non_null(rl = ratelimit_new(60, 4));
	assert_int_equal(burst(rl, "k", 10000, 60), 60);
	/* Time stepping back earns nothing and does not reset the bucket. */
	assert_int_equal(ratelimit_take(rl, "k", 5000, &ra), 1);
	assert_int_equal(ra, 1);
	assert_int_equal(ratelimit_take(rl, "k", 10999, &ra), 1);
	assert_int_equal(ratelimit_take(rl, "k", 11000, &ra), 0);
	ratelimit_free(rl);
}

static void
test_blocked_only_looks(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra = 99, i;

	assert_non_null(rl = ratelimit_new(3, 1));
	/* Unknown key: not blocked, and no bucket is made for it. */
	assert_int_equal(ratelimit_blocked(rl, "x", 0, &ra), 0);
	assert_int_equal(ra, 0);
	assert_int_equal(burst(rl, "k", 0, 2), 2);
	for (i = 0; i < 100; i++)
		assert_int_equal(ratelimit_blocked(rl, "k", 0, &ra), 0);
	/* Looking at "x" did not evict "k" from the one-slot table. */
	assert_int_equal(burst(rl, "k", 0, 2), 1);
	assert_int_equal(ratelimit_blocked(rl, "k", 0, &ra), 1);
	assert_int_equal(ra, 20);
	assert_int_equal(ratelimit_blocked(rl, "k", 19999, &ra), 1);
	assert_int_equal(ra, 1);
	assert_int_equal(ratelimit_blocked(rl, "k", 20000, &ra), 0);
	ratelimit_free(rl);
}

static void
test_evict_lru_when_none_full(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra;

	assert_non_null(rl = ratelimit_new(2, 2));
	assert_int_equal(burst(rl, "a", 0, 2), 2);
	assert_int_equal(burst(rl, "b", 0, 2), 2);
	/* A refused call still counts as use: "a" is now the most recent. */
	assert_int_equal(ratelimit_take(rl, "a", 1, &ra), 1);
	/* Table full, none full: the least recently used ("b") goes. */
	assert_int_equal(ratelimit_take(rl, "c", 2, &ra), 0);
	assert_int_equal(ratelimit_blocked(rl, "a", 2, &ra), 1);
	assert_int_equal(ratelimit_blocked(rl, "b", 2, &ra), 0);
	/* "b" comes back fresh, evicting "a" in turn. */
	assert_int_equal(burst(rl, "b", 3, 3), 2);
	assert_int_equal(ratelimit_blocked(rl, "a", 3, &ra), 0);
	assert_int_equal(ratelimit_blocked(rl, "c", 3, &ra), 0);
	assert_int_equal(burst(rl, "c", 3, 3), 1);
	ratelimit_free(rl);
}

static void
test_evict_full_bucket_first(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	unsigned int ra;

	assert_non_null(rl = ratelimit_new(60, 2));
	assert_int_equal(burst(rl, "a", 0, 60), 60);
	assert_int_equal(burst(rl, "b", 0, 1), 1);	/* full again at 1 s */
	/*
	 * At 2 s "a" (the least recently used) holds 2 tokens and "b" is
	 * full: "b" is evicted, and "a" keeps its state.
	 */
	assert_int_equal(burst(rl, "c", 2000, 1), 1);
	assert_int_equal(ratelimit_take(rl, "a", 2000, &ra), 0);
	assert_int_equal(ratelimit_take(rl, "a", 2000, &ra), 0);
	assert_int_equal(ratelimit_take(rl, "a", 2000, &ra), 1);
	assert_int_equal(ra, 1);
	ratelimit_free(rl);
}

static void
test_long_keys(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	char k600[601], k600b[601], k512[513];
	unsigned int ra;

	memset(k600, 'x', 600);
	k600[600] = '\0';
	memcpy(k600b, k600, sizeof(k600b));
	k600b[599] = 'y';
	memcpy(k512, k600, 512);
	k512[512] = '\0';

	assert_non_null(rl = ratelimit_new(1, 8));
	assert_int_equal(ratelimit_take(rl, k600, 0, &ra), 0);
	assert_int_equal(ratelimit_take(rl, k600, 0, &ra), 1);
	assert_int_equal(ra, 60);
	/* Neither its prefix nor a key differing past 512 bytes shares it. */
	assert_int_equal(ratelimit_take(rl, k512, 0, &ra), 0);
	assert_int_equal(ratelimit_take(rl, k600b, 0, &ra), 0);
	assert_int_equal(ratelimit_take(rl, k600b, 0, &ra), 1);
	assert_int_equal(ratelimit_blocked(rl, k600, 0, &ra), 1);
	assert_int_equal(ratelimit_take(rl, "", 0, &ra), 0);
	assert_int_equal(ratelimit_take(rl, "", 0, &ra), 1);
	ratelimit_free(rl);
}

/*
 * A naive model of the same contract, to check the tree, heap and list
 * against: linear scans, exact arithmetic, and when the table is full any
 * full bucket goes (which one is unobservable), else the least recently
 * used.
 */
#define MODEL_MAX	64
struct model_entry {
	int		 key;
	uint64_t	 units, last;
	uint64_t	 seq;
};
struct model {
	struct model_entry	 e[MODEL_MAX];
	size_t			 n, max;
	uint64_t		 rate, seq;
};

static uint64_t
model_units(const struct model *m, const struct model_entry *e, uint64_t now)
{
	uint64_t cap = m->rate * 60000, el;

	if (now <= e->last)
		return e->units;
	el = now - e->last;
	if (el >= 60000 || e->units + el * m->rate >= cap)
		return cap;
	return e->units + el * m->rate;
}

static unsigned int
model_retry(const struct model *m, uint64_t units)
{
	uint64_t ms = (60000 - units + m->rate - 1) / m->rate;

	return (unsigned int)((ms + 999) / 1000);
}

static struct model_entry *
model_find(struct model *m, int key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].key == key)
			return &m->e[i];
	return NULL;
}

static int
model_take(struct model *m, int key, uint64_t now, unsigned int *ra)
{
	struct model_entry *e;
	size_t i, victim;

	*ra = 0;
	if ((e = model_find(m, key)) == NULL) {
		if (m->n == m->max) {
			victim = m->n;
			for (i = 0; i < m->n && victim == m->n; i++)
				if (model_units(m, &m->e[i], now) ==
				    m->rate * 60000)
					victim = i;
			if (victim == m->n) {
				victim = 0;
				for (i = 1; i < m->n; i++)
					if (m->e[i].seq < m->e[victim].seq)
						victim = i;
			}
			m->e[victim] = m->e[--m->n];
		}
		e = &m->e[m->n++];
		e->key = key;
		e->units = m->rate * 60000;
		e->last = now;
	}
	e->units = model_units(m, e, now);
	if (now > e->last)
		e->last = now;
	e->seq = ++m->seq;
	if (e->units < 60000) {
		*ra = model_retry(m, e->units);
		return 1;
	}
	e->units -= 60000;
	return 0;
}

static int
model_blocked(struct model *m, int key, uint64_t now, unsigned int *ra)
{
	struct model_entry *e;
	uint64_t u;

	*ra = 0;
	if ((e = model_find(m, key)) == NULL)
		return 0;
	if ((u = model_units(m, e, now)) >= 60000)
		return 0;
	*ra = model_retry(m, u);
	return 1;
}

static void
test_against_model(void **state __attribute__((__unused__)))
{
	struct ratelimit *rl;
	struct model m;
	char key[32];
	uint64_t now = 1000;
	unsigned int i, k, ra1, ra2, r1, r2, seed = 12345;

	memset(&m, 0, sizeof(m));
	m.max = 32;
	m.rate = 5;
	assert_non_null(rl = ratelimit_new(5, 32));
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		/* A skewed key choice, so that some keys stay hot. */
		k = (seed >> 8) % ((seed >> 20) % 4 == 0 ? 200 : 40);
		now += (seed >> 4) % 700;
		assert_true(snprintf(key, sizeof(key), "key-%u", k) > 0);
		if ((seed >> 24) % 8 == 0) {
			r1 = (unsigned int)ratelimit_blocked(rl, key, now,
			    &ra1);
			r2 = (unsigned int)model_blocked(&m, (int)k, now,
			    &ra2);
		} else {
			r1 = (unsigned int)ratelimit_take(rl, key, now, &ra1);
			r2 = (unsigned int)model_take(&m, (int)k, now, &ra2);
		}
		assert_int_equal(r1, r2);
		assert_int_equal(ra1, ra2);
	}
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_arguments),
		cmocka_unit_test(test_burst_then_refuse),
		cmocka_unit_test(test_retry_after_exact),
		cmocka_unit_test(test_refill_no_drift),
		cmocka_unit_test(test_capacity_caps_refill),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_blocked_only_looks),
		cmocka_unit_test(test_evict_lru_when_none_full),
		cmocka_unit_test(test_evict_full_bucket_first),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
