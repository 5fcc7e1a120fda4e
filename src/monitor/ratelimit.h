/*
 * Token buckets keyed by a string (an identity or a source address), in the
 * monitor.  A bucket holds at most `per_minute` tokens and refills at
 * per_minute/60 tokens per second.  The table is capped; when full, the
 * least recently used full bucket is evicted (a full bucket carries no
 * state worth keeping).  If none is full, the oldest is evicted.
 */
#ifndef MCPD_RATELIMIT_H
#define MCPD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

struct ratelimit *ratelimit_new(unsigned long per_minute, size_t max_keys);
void	ratelimit_free(struct ratelimit *);
/*
 * Take one token for key at time now_ms (monotonic milliseconds).
 * Returns 0 if allowed; otherwise 1 and *retry_after is the number of
 * whole seconds (at least 1) until a token will be there.
 */
int	ratelimit_take(struct ratelimit *, const char *key, uint64_t now_ms,
	    unsigned int *retry_after);
/* As ratelimit_take, but only looks: 1 if the bucket is empty. */
int	ratelimit_blocked(struct ratelimit *, const char *key, uint64_t now_ms,
	    unsigned int *retry_after);

#endif /* MCPD_RATELIMIT_H */
