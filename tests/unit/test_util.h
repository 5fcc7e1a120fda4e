/*
 * Helpers shared by the unit tests.  Include after <cmocka.h>.
 */
#ifndef MCPD_TEST_UTIL_H
#define MCPD_TEST_UTIL_H

#include <stdio.h>

/* The kB of locked memory of this process, from /proc/self/status. */
static inline long
vmlck_kb(void)
{
	char line[256];
	FILE *f;
	long kb = -1;

	f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	}
	assert_int_equal(fclose(f), 0);
	assert_true(kb >= 0);
	return kb;
}

#endif /* MCPD_TEST_UTIL_H */
