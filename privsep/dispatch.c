/*
 * The one dispatch function (see dispatch.h).
 */
#include <stdio.h>

#include "dispatch.h"
#include "log.h"
#include "sbuf.h"

int
ps_peek_u32(const struct sbuf *m, uint32_t *v)
{
	const uint8_t *p = sbuf_ptr(m);

	if (sbuf_len(m) < 4)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

static int
ps_refuse(const struct ps_table *t, void *ctx, const char *what)
{
	t->violation(ctx, what);
	return -1;
}

int
ps_dispatch(const struct ps_table *t, struct ps_chan *ch, void *ctx,
    uint8_t type, struct sbuf *m)
{
	const struct ps_dispatch *e = NULL;
	uint32_t *seen;
	char what[128];
	size_t i;
	int known = 0;

	/*
	 * A linear search: the tables hold a dozen entries, the frequent
	 * messages first.
	 */
	for (i = 0; i < t->n; i++) {
		if (t->ent[i].type != type)
			continue;
		known = 1;
		if ((t->ent[i].transports & ch->transport) != 0) {
			e = &t->ent[i];
			break;
		}
	}
	if (e == NULL && known) {
		(void)snprintf(what, sizeof(what),
		    "%s: message type %u not permitted over %s", t->name, type,
		    ch->transport == PS_TR_HTTP ? "HTTP" : "stdio");
		return ps_refuse(t, ctx, what);
	}
	if (e == NULL || (e->states & ch->state) == 0) {
		(void)snprintf(what, sizeof(what),
		    "%s: message type %u not permitted in state %#x",
		    t->name, type, ch->state);
		return ps_refuse(t, ctx, what);
	}
	if ((e->flags & (PS_ONCE | PS_ONCE_SCOPED)) != 0) {
		/* More once-only entries than bits: a programming error. */
		if (i >= PS_ONCE_MAX)
			fatal_f("%s table: once-only entry %zu past the set",
			    t->name, i);
		if ((e->flags & PS_ONCE) != 0)
			seen = &ch->once;
		else if (t->once_scope == NULL)
			fatal_f("%s table: scoped entry without a scope",
			    t->name);
		else
			seen = t->once_scope(ctx, m);
		if (seen == NULL || (*seen & (1U << i)) != 0) {
			(void)snprintf(what, sizeof(what),
			    "%s: message type %u %s", t->name, type,
			    seen == NULL ? "outside any scope" : "came twice");
			return ps_refuse(t, ctx, what);
		}
		*seen |= 1U << i;
	}
	e->fn(ctx, m);
	return 0;
}
