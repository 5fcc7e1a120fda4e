/*
 * Token buckets keyed by a string, in the monitor (mcpd(8), THE PIPELINE).
 *
 * Arithmetic is exact integers.  A token is RL_UNITS_PER_TOKEN units (the
 * number of milliseconds in a minute), so a bucket allowing per_minute
 * calls a minute gains exactly per_minute units every millisecond and holds
 * at most per_minute * RL_UNITS_PER_TOKEN units.  Nothing is rounded, so
 * nothing drifts: over any span of T whole minutes a drained bucket earns
 * exactly T * per_minute tokens, however often it is asked.
 *
 * Lookup is a red-black tree (glibc tsearch), O(log n), and needs no hash
 * function an attacker choosing source addresses could flood.  The least
 * recently used bucket is the tail of a list, and a min-heap orders the
 * buckets by the time at which each will be full again, so that eviction
 * is O(log n) too.  When the table is full, a bucket that is already full
 * is evicted if there is one: every full bucket is indistinguishable from
 * a fresh one, so which of them goes makes no observable difference, and
 * the heap hands us the one that has been full the longest.  Otherwise the
 * least recently used bucket goes.
 *
 * Keys longer than RL_KEY_MAX bytes are replaced by their SHA-256, flagged
 * so that it can never equal a short key's bytes: two long keys get
 * separate buckets unless they collide in SHA-256.
 *
 * A failure to allocate or hash fails closed: the call is refused with a
 * retry_after of 1 second, since letting it through would let memory
 * pressure switch rate limiting off.
 */

#include <sys/queue.h>

#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ratelimit.h"

/* Units per token: one per millisecond of the minute. */
#define RL_UNITS_PER_TOKEN	60000ULL
/* Longest key kept as is; longer ones are stored as their SHA-256. */
#define RL_KEY_MAX		512
/* Caps on what a caller may ask for, which also rule out overflow. */
#define RL_PER_MINUTE_MAX	1000000000UL
#define RL_KEYS_MAX		(1024UL * 1024)

struct rl_entry {
	TAILQ_ENTRY(rl_entry)	 lru;		/* head: most recently used */
	uint64_t		 units;		/* in 1/60000 tokens */
	uint64_t		 last_ms;	/* when units was computed */
	uint64_t		 full_at;	/* when full again */
	size_t			 heap_idx;
	const unsigned char	*key;		/* points at keybuf */
	size_t			 keylen;
	int			 hashed;	/* key is a SHA-256 */
	unsigned char		 keybuf[];
};

struct ratelimit {
	uint64_t		 rate;		/* units gained per ms */
	uint64_t		 cap_units;
	size_t			 max_keys;
	size_t			 nkeys;
	void			*tree;
	struct rl_entry		**heap;
	size_t			 heap_alloc;
	TAILQ_HEAD(rl_lru, rl_entry) lru;
};

static int
entry_cmp(const void *va, const void *vb)
{
	const struct rl_entry *a = va, *b = vb;

	if (a->hashed != b->hashed)
		return a->hashed < b->hashed ? -1 : 1;
	if (a->keylen != b->keylen)
		return a->keylen < b->keylen ? -1 : 1;
	return memcmp(a->key, b->key, a->keylen);
}

/* Min-heap on full_at. */

static void
heap_swap(struct ratelimit *rl, size_t i, size_t j)
{
	struct rl_entry *t = rl->heap[i];

	rl->heap[i] = rl->heap[j];
	rl->heap[j] = t;
	rl->heap[i]->heap_idx = i;
	rl->heap[j]->heap_idx = j;
}

static void
heap_fix(struct ratelimit *rl, size_t i)
{
	size_t parent, l, r, m;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (rl->heap[parent]->full_at <= rl->heap[i]->full_at)
			break;
		heap_swap(rl, i, parent);
		i = parent;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < rl->nkeys &&
		    rl->heap[l]->full_at < rl->heap[m]->full_at)
			m = l;
		if (r < rl->nkeys &&
		    rl->heap[r]->full_at < rl->heap[m]->full_at)
			m = r;
		if (m == i)
			break;
		heap_swap(rl, i, m);
		i = m;
	}
}

static void
heap_remove(struct ratelimit *rl, struct rl_entry *e)
{
	size_t i = e->heap_idx, last = rl->nkeys - 1;

	if (i != last) {
		heap_swap(rl, i, last);
		rl->nkeys--;
		heap_fix(rl, i);
	} else
		rl->nkeys--;
}

/* Units in the bucket at now, without changing it. */
static uint64_t
units_at(const struct ratelimit *rl, const struct rl_entry *e, uint64_t now)
{
	uint64_t elapsed;

	/* A clock that steps back earns nothing; it takes nothing either. */
	if (now <= e->last_ms)
		return e->units;
	elapsed = now - e->last_ms;
	/* A minute refills any bucket; capping first avoids overflow. */
	if (elapsed >= RL_UNITS_PER_TOKEN)
		return rl->cap_units;
	if (e->units + elapsed * rl->rate >= rl->cap_units)
		return rl->cap_units;
	return e->units + elapsed * rl->rate;
}

static void
update_full_at(struct ratelimit *rl, struct rl_entry *e)
{
	uint64_t deficit = rl->cap_units - e->units;

	e->full_at = e->last_ms + (deficit + rl->rate - 1) / rl->rate;
	heap_fix(rl, e->heap_idx);
}

/* Whole seconds, at least 1, until units reach one whole token. */
static unsigned int
retry_secs(const struct ratelimit *rl, uint64_t units)
{
	uint64_t need, ms, s;

	need = RL_UNITS_PER_TOKEN - units;
	ms = (need + rl->rate - 1) / rl->rate;
	s = (ms + 999) / 1000;
	return s < 1 ? 1 : (unsigned int)s;
}

/* Fill a lookup probe for key; long keys are hashed into hbuf. */
static int
make_probe(const char *key, struct rl_entry *probe,
    unsigned char hbuf[EVP_MAX_MD_SIZE])
{
	unsigned int hlen = 0;
	size_t len;

	memset(probe, 0, sizeof(*probe));
	len = strlen(key);
	if (len <= RL_KEY_MAX) {
		probe->key = (const unsigned char *)key;
		probe->keylen = len;
		probe->hashed = 0;
		return 0;
	}
	if (EVP_Digest(key, len, hbuf, &hlen, EVP_sha256(), NULL) != 1 ||
	    hlen == 0)
		return -1;
	probe->key = hbuf;
	probe->keylen = hlen;
	probe->hashed = 1;
	return 0;
}

static struct rl_entry *
lookup(struct ratelimit *rl, const struct rl_entry *probe)
{
	struct rl_entry *const *ep;

	if ((ep = tfind(probe, &rl->tree, entry_cmp)) == NULL)
		return NULL;
	return *ep;
}

static void
evict(struct ratelimit *rl, uint64_t now)
{
	struct rl_entry *victim;

	if (rl->nkeys == 0)
		return;
	if (rl->heap[0]->full_at <= now)
		victim = rl->heap[0];
	else
		victim = TAILQ_LAST(&rl->lru, rl_lru);
	heap_remove(rl, victim);
	TAILQ_REMOVE(&rl->lru, victim, lru);
	(void)tdelete(victim, &rl->tree, entry_cmp);
	free(victim);
}

/* A new, full bucket for probe's key, or NULL. */
static struct rl_entry *
insert(struct ratelimit *rl, const struct rl_entry *probe, uint64_t now)
{
	struct rl_entry *e, **h;
	size_t nalloc;

	if (rl->nkeys >= rl->max_keys)
		evict(rl, now);
	if (rl->nkeys >= rl->heap_alloc) {
		nalloc = rl->heap_alloc == 0 ? 16 : rl->heap_alloc * 2;
		if (nalloc > rl->max_keys)
			nalloc = rl->max_keys;
		if ((h = reallocarray(rl->heap, nalloc, sizeof(*h))) == NULL)
			return NULL;
		rl->heap = h;
		rl->heap_alloc = nalloc;
	}
	if ((e = calloc(1, sizeof(*e) + probe->keylen)) == NULL)
		return NULL;
	memcpy(e->keybuf, probe->key, probe->keylen);
	e->key = e->keybuf;
	e->keylen = probe->keylen;
	e->hashed = probe->hashed;
	e->units = rl->cap_units;
	e->last_ms = now;
	e->full_at = now;
	if (tsearch(e, &rl->tree, entry_cmp) == NULL) {
		free(e);
		return NULL;
	}
	e->heap_idx = rl->nkeys;
	rl->heap[rl->nkeys++] = e;
	heap_fix(rl, e->heap_idx);
	TAILQ_INSERT_HEAD(&rl->lru, e, lru);
	return e;
}

struct ratelimit *
ratelimit_new(unsigned long per_minute, size_t max_keys)
{
	struct ratelimit *rl;

	if (per_minute == 0 || per_minute > RL_PER_MINUTE_MAX ||
	    max_keys == 0 || max_keys > RL_KEYS_MAX)
		return NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->rate = per_minute;
	rl->cap_units = (uint64_t)per_minute * RL_UNITS_PER_TOKEN;
	rl->max_keys = max_keys;
	TAILQ_INIT(&rl->lru);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	/* The tree holds every entry once; the list and heap only refer. */
	tdestroy(rl->tree, free);
	free(rl->heap);
	free(rl);
}

int
ratelimit_take(struct ratelimit *rl, const char *key, uint64_t now_ms,
    unsigned int *retry_after)
{
	unsigned char hbuf[EVP_MAX_MD_SIZE];
	struct rl_entry probe, *e;

	if (retry_after != NULL)
		*retry_after = 0;
	if (rl == NULL || key == NULL || make_probe(key, &probe, hbuf) != 0)
		goto fail;
	if ((e = lookup(rl, &probe)) == NULL &&
	    (e = insert(rl, &probe, now_ms)) == NULL)
		goto fail;
	e->units = units_at(rl, e, now_ms);
	if (now_ms > e->last_ms)
		e->last_ms = now_ms;
	if (e != TAILQ_FIRST(&rl->lru)) {
		TAILQ_REMOVE(&rl->lru, e, lru);
		TAILQ_INSERT_HEAD(&rl->lru, e, lru);
	}
	if (e->units < RL_UNITS_PER_TOKEN) {
		if (retry_after != NULL)
			*retry_after = retry_secs(rl, e->units);
		update_full_at(rl, e);
		return 1;
	}
	e->units -= RL_UNITS_PER_TOKEN;
	update_full_at(rl, e);
	return 0;
 fail:
	if (retry_after != NULL)
		*retry_after = 1;
	return 1;
}

int
ratelimit_blocked(struct ratelimit *rl, const char *key, uint64_t now_ms,
    unsigned int *retry_after)
{
	unsigned char hbuf[EVP_MAX_MD_SIZE];
	struct rl_entry probe, *e;
	uint64_t units;

	if (retry_after != NULL)
		*retry_after = 0;
	if (rl == NULL || key == NULL || make_probe(key, &probe, hbuf) != 0) {
		if (retry_after != NULL)
			*retry_after = 1;
		return 1;
	}
	/* An unknown key has a full bucket it does not need yet. */
	if ((e = lookup(rl, &probe)) == NULL)
		return 0;
	units = units_at(rl, e, now_ms);
	if (units >= RL_UNITS_PER_TOKEN)
		return 0;
	if (retry_after != NULL)
		*retry_after = retry_secs(rl, units);
	return 1;
}
