/*
 * Privsep framing.  On the wire every message is
 *
 *	u32	length of what follows (type + payload), 1 .. PMSG_MAX
 *	u8	type
 *	...	payload, fields encoded with sbuf
 *
 * A length of zero or above PMSG_MAX is a protocol violation: the reader
 * reports it and the caller treats the peer as hostile.
 */
#ifndef MCPD_PRIVSEP_MSG_H
#define MCPD_PRIVSEP_MSG_H

#include <stdint.h>

struct evbuffer;
struct sbuf;

#define PMSG_MAX	(8U * 1024 * 1024)

#define PMSG_OK		0
#define PMSG_MORE	1	/* pmsg_take: no complete message yet */
#define PMSG_ERR_SIZE	-1	/* length field out of range */
#define PMSG_ERR_ALLOC	-2
#define PMSG_ERR_IO	-3	/* read/write failure or EOF */

/* Append one framed message to out.  payload may be NULL (empty). */
int	pmsg_compose(struct evbuffer *out, uint8_t type,
	    const struct sbuf *payload);
/*
 * Take one complete message off in: PMSG_OK with *type set and the payload
 * appended to the (reset) payload buffer, PMSG_MORE, or PMSG_ERR_*.
 */
int	pmsg_take(struct evbuffer *in, uint8_t *type, struct sbuf *payload);

/* Blocking forms, for the single-threaded workers. */
int	pmsg_write_fd(int fd, uint8_t type, const struct sbuf *payload);
int	pmsg_read_fd(int fd, struct evbuffer *in, uint8_t *type,
	    struct sbuf *payload);

#endif /* MCPD_PRIVSEP_MSG_H */
