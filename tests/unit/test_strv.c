/* Unit tests: the vectors of strings (src/common/strv.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strv.h"

static void
test_add_has(void **state)
{
	char **v = NULL;
	size_t n = 0;
	const char *s = "b";

	assert_false(strv_has(v, n, "a"));
	assert_int_equal(strv_add(&v, &n, "a"), 0);
	assert_int_equal(strv_add(&v, &n, s), 0);
	assert_int_equal(strv_add(&v, &n, ""), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "");
	/* The vector holds its own copy. */
	assert_ptr_not_equal(v[1], s);
	assert_true(strv_has(v, n, "a"));
	assert_true(strv_has(v, n, "b"));
	assert_true(strv_has(v, n, ""));
	assert_false(strv_has(v, n, "c"));
	assert_false(strv_has(v, n, "A"));
	/* Only the first n count. */
	assert_false(strv_has(v, 1, "b"));
	strv_free(v, n);
}

static void
test_copy(void **state)
{
	char *src[] = { "x", "yy", "zzz" };
	char **c = (char **)0x1;
	size_t n = 99, i;

	assert_int_equal(strv_copy(src, 3, &c, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_string_equal(c[i], src[i]);
		assert_ptr_not_equal(c[i], src[i]);
	}
	assert_true(strv_equal(c, n, src, 3));
	strv_free(c, n);

	/* Nothing to copy: an empty vector is NULL. */
	c = (char **)0x1;
	n = 99;
	assert_int_equal(strv_copy(src, 0, &c, &n), 0);
	assert_null(c);
	assert_int_equal(n, 0);
	strv_free(c, n);

	xstrv_copy(src, 2, &c, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[1], "yy");
	strv_free(c, n);
	xstrv_copy(NULL, 0, &c, &n);
	assert_null(c);
	assert_int_equal(n, 0);
}

static void
test_equal(void **state)
{
	char *a[] = { "one", "two" };
	char *b[] = { "one", "two" };
	char *r[] = { "two", "one" };
	char *d[] = { "one", "tw" };

	assert_true(strv_equal(a, 2, b, 2));
	assert_true(strv_equal(NULL, 0, NULL, 0));
	assert_true(strv_equal(a, 0, NULL, 0));
	assert_false(strv_equal(a, 2, b, 1));
	assert_false(strv_equal(a, 1, b, 2));
	/* Order counts. */
	assert_false(strv_equal(a, 2, r, 2));
	assert_false(strv_equal(a, 2, d, 2));
}

static void
test_free_partial(void **state)
{
	char **v;

	strv_free(NULL, 0);
	strv_free(NULL, 3);
	/* A vector that was being filled when an allocation failed. */
	v = calloc(4, sizeof(*v));
	assert_non_null(v);
	v[0] = strdup("a");
	assert_non_null(v[0]);
	strv_free(v, 4);
	/* An array that holds no string yet. */
	v = calloc(1, sizeof(*v));
	assert_non_null(v);
	strv_free(v, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_has),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_free_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
