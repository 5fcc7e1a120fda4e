/*
 * The monotonic clock in milliseconds: what deadlines, rate limits and
 * durations are measured with, so that a change of the wall clock moves
 * none of them.
 */
#ifndef MCPD_MONOTIME_H
#define MCPD_MONOTIME_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC; fatal if the clock cannot be read. */
uint64_t	monotime_ms(void);

#endif /* MCPD_MONOTIME_H */
