/*
 * One way to dispatch a privsep message, for every channel (net, key,
 * worker; later the gateway's bridge) and both ends of it (cf. OpenSSH's
 * monitor.c mon_dispatch tables).  A channel is a static const table of
 * the messages its receiver accepts: for each, the handler, the
 * transports and the states it may come in, and whether it may come once
 * only.  Everything a receiver checks before a handler runs is in the
 * table, so that a handler never checks the transport or the state
 * itself and a new channel adds a table, not code.
 *
 * Anything the table does not allow is fatal to the sender, as any other
 * protocol violation: the table's violation callback says what happens
 * (the monitor kills, audits and restarts the child; a child exits).
 */
#ifndef MCPD_PRIVSEP_DISPATCH_H
#define MCPD_PRIVSEP_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct sbuf;

/* The transports an entry allows: bits of the daemon's PS_TRANSPORT_*. */
#define PS_TR_STDIO	(1U << PS_TRANSPORT_STDIO)
#define PS_TR_HTTP	(1U << PS_TRANSPORT_HTTP)
#define PS_TR_ANY	(PS_TR_STDIO | PS_TR_HTTP)

/* Every state: for an entry, and a channel, without a state machine. */
#define PS_STATE_ANY	(~0U)

/*
 * Entry flags.  PS_ONCE: the message may come once per channel (per
 * child process).  PS_ONCE_SCOPED: once per the narrower scope that the
 * table's once_scope names, e.g. once per connection or per call.
 */
#define PS_ONCE		0x01U
#define PS_ONCE_SCOPED	0x02U

/* A table holds at most this many once-only entries' bits (one u32). */
#define PS_ONCE_MAX	32

struct ps_dispatch {
	uint8_t		 type;		/* PS_*_REQ or PS_*_ANS */
	unsigned int	 transports;	/* PS_TR_* */
	unsigned int	 states;	/* the channel's states, bits */
	unsigned int	 flags;		/* PS_ONCE */
	void		(*fn)(void *ctx, struct sbuf *m);
};

struct ps_table {
	const char		 *name;	/* the channel, for the log */
	const struct ps_dispatch *ent;
	size_t			  n;
	/* The sender broke the protocol: what says how. */
	void			(*violation)(void *ctx, const char *what);
	/*
	 * For PS_ONCE_SCOPED entries: the set of once-only entries already
	 * seen in the scope that m (not yet read) belongs to, or NULL when
	 * it belongs to none (a violation).
	 */
	uint32_t		*(*once_scope)(void *ctx, const struct sbuf *m);
};

/* One end of a channel: what the table's checks compare against. */
struct ps_chan {
	unsigned int	 transport;	/* PS_TR_STDIO, PS_TR_HTTP; ANY: both */
	unsigned int	 state;		/* one bit of the table's states */
	uint32_t	 once;		/* once-only entries seen, by index */
};

#define PS_TABLE(name, ent, violation, once_scope) \
	{ (name), (ent), sizeof(ent) / sizeof((ent)[0]), (violation), \
	  (once_scope) }

/*
 * A type may have several entries with disjoint transports (e.g. one
 * state machine over stdio, another over HTTP): the first entry of the
 * type that allows the channel's transport is the one that applies.
 *
 * Look up type in the table and run its handler on m if the channel's
 * transport and state allow it and, for a once-only message, it is the
 * first in its scope.  Returns 0 when the handler ran (it may still have
 * found a violation in the payload), else -1 after calling the table's
 * violation callback.
 */
/* The first u32 of m, not read: e.g. the connection a message names. */
int	ps_peek_u32(const struct sbuf *, uint32_t *);

int	ps_dispatch(const struct ps_table *, struct ps_chan *, void *ctx,
	    uint8_t type, struct sbuf *m);

#endif /* MCPD_PRIVSEP_DISPATCH_H */
