/*
 * The monotonic clock in milliseconds, for every process (monotime.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "monotime.h"

uint64_t
monotime_ms(void)
{
	struct timespec ts;

	/* Not expected: CLOCK_MONOTONIC exists on every Linux mcpd runs on. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
