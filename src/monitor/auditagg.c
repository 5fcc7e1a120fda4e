/*
 * Aggregation of refusals before authentication (see auditagg.h).
 *
 * Groups live in a hash table (lookup per refusal) and on one queue in the
 * order their windows opened, so that closing windows and making room are
 * both taken from the head.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditagg.h"
#include "xmalloc.h"

#define AUDITAGG_BUCKETS	1024

struct agg_group {
	TAILQ_ENTRY(agg_group)	 hentry;	/* hash bucket */
	TAILQ_ENTRY(agg_group)	 qentry;	/* by window start */
	uint32_t		 hash;
	char			*source;
	char			*event;
	char			*decision;
	char			*reason;
	uint64_t		 start_ms;	/* monotonic */
	int64_t			 since_ms;	/* wall clock */
	unsigned long		 count;
};
TAILQ_HEAD(agg_groupq, agg_group);

struct auditagg {
	struct agg_groupq	 buckets[AUDITAGG_BUCKETS];
	struct agg_groupq	 queue;
	size_t			 ngroups;
	size_t			 max_groups;
	uint64_t		 window_ms;
};

static uint32_t
agg_hash_str(uint32_t h, const char *s)
{
	size_t i, len = strnlen(s, AUDITAGG_STR_MAX);

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619U;
	}
	/* A separator, so that ("ab", "c") and ("a", "bc") differ. */
	h ^= 0xff;
	h *= 16777619U;
	return h;
}

static char *
agg_strdup(const char *s)
{
	return xstrndup(s, AUDITAGG_STR_MAX);
}

static int
agg_streq(const char *a, const char *b)
{
	return strncmp(a, b, AUDITAGG_STR_MAX) == 0;
}

static int
agg_match(const struct agg_group *g, uint32_t h, const char *source,
    const char *event, const char *decision, const char *reason)
{
	return g->hash == h && agg_streq(g->source, source) &&
	    agg_streq(g->event, event) && agg_streq(g->decision, decision) &&
	    agg_streq(g->reason, reason);
}

struct auditagg *
auditagg_new(size_t max_groups, uint64_t window_ms)
{
	struct auditagg *ag;
	size_t i;

	if (max_groups == 0 || window_ms == 0)
		return NULL;
	ag = xcalloc(1, sizeof(*ag));
	for (i = 0; i < AUDITAGG_BUCKETS; i++)
		TAILQ_INIT(&ag->buckets[i]);
	TAILQ_INIT(&ag->queue);
	ag->max_groups = max_groups;
	ag->window_ms = window_ms;
	return ag;
}

static void
agg_drop(struct auditagg *ag, struct agg_group *g, auditagg_emit emit,
    void *arg, size_t *emitted)
{
	struct auditagg_sum sum;

	if (g->count > 0 && emit != NULL) {
		sum.source = g->source;
		sum.event = g->event;
		sum.decision = g->decision;
		sum.reason = g->reason;
		sum.count = g->count;
		sum.since_ms = g->since_ms;
		emit(arg, &sum);
		if (emitted != NULL)
			(*emitted)++;
	}
	TAILQ_REMOVE(&ag->buckets[g->hash % AUDITAGG_BUCKETS], g, hentry);
	TAILQ_REMOVE(&ag->queue, g, qentry);
	ag->ngroups--;
	free(g->source);
	free(g->event);
	free(g->decision);
	free(g->reason);
	free(g);
}

void
auditagg_free(struct auditagg *ag)
{
	struct agg_group *g, *next;

	if (ag == NULL)
		return;
	for (g = TAILQ_FIRST(&ag->queue); g != NULL; g = next) {
		next = TAILQ_NEXT(g, qentry);
		agg_drop(ag, g, NULL, NULL, NULL);
	}
	free(ag);
}

int
auditagg_note(struct auditagg *ag, const char *source, const char *event,
    const char *decision, const char *reason, uint64_t now_ms,
    int64_t wall_ms, auditagg_emit emit, void *arg)
{
	struct agg_group *g;
	struct agg_groupq *b;
	uint32_t h = 2166136261U;

	source = source != NULL ? source : "";
	event = event != NULL ? event : "";
	decision = decision != NULL ? decision : "";
	reason = reason != NULL ? reason : "";
	h = agg_hash_str(h, source);
	h = agg_hash_str(h, event);
	h = agg_hash_str(h, decision);
	h = agg_hash_str(h, reason);
	b = &ag->buckets[h % AUDITAGG_BUCKETS];
	for (g = TAILQ_FIRST(b); g != NULL; g = TAILQ_NEXT(g, hentry))
		if (agg_match(g, h, source, event, decision, reason))
			break;
	if (g != NULL && now_ms - g->start_ms < ag->window_ms) {
		g->count++;
		return 0;
	}
	/* Its window closed: sum it up, and this refusal opens the next. */
	if (g != NULL)
		agg_drop(ag, g, emit, arg, NULL);
	if (ag->ngroups >= ag->max_groups)
		agg_drop(ag, TAILQ_FIRST(&ag->queue), emit, arg, NULL);
	g = xcalloc(1, sizeof(*g));
	g->hash = h;
	g->source = agg_strdup(source);
	g->event = agg_strdup(event);
	g->decision = agg_strdup(decision);
	g->reason = agg_strdup(reason);
	g->start_ms = now_ms;
	g->since_ms = wall_ms;
	TAILQ_INSERT_TAIL(b, g, hentry);
	TAILQ_INSERT_TAIL(&ag->queue, g, qentry);
	ag->ngroups++;
	return 1;
}

size_t
auditagg_expire(struct auditagg *ag, uint64_t now_ms, int all,
    auditagg_emit emit, void *arg)
{
	struct agg_group *g, *next;
	size_t n = 0;

	/* The queue is in the order the windows opened: stop at an open one. */
	for (g = TAILQ_FIRST(&ag->queue); g != NULL; g = next) {
		next = TAILQ_NEXT(g, qentry);
		if (!all && now_ms - g->start_ms < ag->window_ms)
			break;
		agg_drop(ag, g, emit, arg, &n);
	}
	return n;
}

size_t
auditagg_groups(const struct auditagg *ag)
{
	return ag->ngroups;
}
