/*
 * Aggregation of the refusals made before authentication (AUTH_FAILED, and
 * RATE_LIMITED by AuthFailureLimit), in front of the audit writer.  Without
 * it one keep-alive connection with no credential at all has the monitor
 * write (and fsync) a record per request: about 150 KB/s, until the disk
 * is full.
 *
 * Refusals are grouped by source block, event, decision and reason, per
 * window of window_ms from the first of them: the first is written in full
 * (the caller writes it), the others are only counted, and when the window
 * has closed one record stands for them all, with their count.  A group is
 * also summed up when the table is full and its slot is needed (the
 * oldest window goes first) and at shutdown.  Memory is bounded by
 * max_groups.  Library code: pure, on caller-supplied time.
 */
#ifndef MCPD_AUDITAGG_H
#define MCPD_AUDITAGG_H

#include <stddef.h>
#include <stdint.h>

struct auditagg;

/* What a closed group stands for. */
struct auditagg_sum {
	const char	*source;
	const char	*event;
	const char	*decision;
	const char	*reason;
	unsigned long	 count;		/* refusals not written, > 0 */
	int64_t		 since_ms;	/* wall clock of the first one */
};
typedef void	(*auditagg_emit)(void *arg, const struct auditagg_sum *);

/* NULL if an argument is 0. */
struct auditagg *auditagg_new(size_t max_groups, uint64_t window_ms);
/* Sums up nothing: call auditagg_expire(..., 1, ...) first. */
void	auditagg_free(struct auditagg *);
/*
 * A refusal at monotonic time now_ms (wall clock wall_ms).  Returns 1 if
 * the caller is to write it in full (the first of its window), 0 if it was
 * counted.  emit is called first for a group that must make room.
 * Strings longer than AUDITAGG_STR_MAX are cut for the key.
 */
#define AUDITAGG_STR_MAX	256
int	auditagg_note(struct auditagg *, const char *source, const char *event,
	    const char *decision, const char *reason, uint64_t now_ms,
	    int64_t wall_ms, auditagg_emit emit, void *arg);
/*
 * Sum up (emit) and drop every group whose window has closed at now_ms,
 * or every group if all.  Groups that counted nothing are dropped
 * silently.  Returns the number of summaries emitted.
 */
size_t	auditagg_expire(struct auditagg *, uint64_t now_ms, int all,
	    auditagg_emit emit, void *arg);
/* Groups held. */
size_t	auditagg_groups(const struct auditagg *);

#endif /* MCPD_AUDITAGG_H */
