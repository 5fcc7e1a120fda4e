/*
 * The stdio transport (mcpd(8), DESCRIPTION): newline-delimited JSON-RPC
 * messages on an input and an output descriptor (0 and 1 in mcpd), driven by
 * libevent.
 *
 * (This header is not called stdio.h: the build puts src/net on the
 * include path of every file, where that name would hide <stdio.h>.)
 *
 * Framing: a message is the bytes up to "\n", with one trailing "\r"
 * removed; empty lines are skipped; at end of input an unterminated last
 * line is a message too.  A message longer than the limit is reported
 * through too_large() once and its bytes are discarded, up to and
 * including the next newline, without being buffered.
 *
 * Pipes and sockets are made non-blocking and watched with bufferevents;
 * a terminal is watched but left in blocking mode (its file description is
 * shared with the user's shell).  Regular files and other descriptors that
 * epoll cannot watch (/dev/null) are read in chunks from the event loop,
 * one chunk per loop iteration, and written synchronously.
 */
#ifndef MCPD_STDIO_TRANSPORT_H
#define MCPD_STDIO_TRANSPORT_H

#include <stddef.h>

/* Above this many bytes waiting for the output, the caller should pause. */
#define STDIO_OUT_HIGH		(4U * 1024 * 1024)
/* Read size for descriptors that are not watched. */
#define STDIO_READ_CHUNK	65536
/* Bounds on the message size limit. */
#define STDIO_MESSAGE_MIN	1024
#define STDIO_MESSAGE_MAX	(64U * 1024 * 1024)

struct event_base;
struct stdio_transport;

struct stdio_ops {
	/* One message, not NUL-terminated; the bytes are wiped after. */
	void	(*message)(void *ctx, const char *buf, size_t len);
	/* A message over the limit was dropped. */
	void	(*too_large)(void *ctx);
	/* The input ended (or failed) and every message was delivered. */
	void	(*eof)(void *ctx);
	/* Output was written and at most STDIO_OUT_HIGH bytes wait. */
	void	(*written)(void *ctx);
	/* The output cannot be written any more (the reader went away). */
	void	(*out_error)(void *ctx);
};

/*
 * Inspect and prepare both descriptors (fstat, isatty, O_NONBLOCK), which
 * the net process does before its sandbox forbids those calls.  Nothing is
 * read before stdio_start().  Fatal on error.
 */
struct stdio_transport *stdio_new(struct event_base *, int infd, int outfd,
	    size_t max_message_size, const struct stdio_ops *, void *ctx);
void	stdio_start(struct stdio_transport *);
void	stdio_free(struct stdio_transport *);
/* Queue one message and its newline. */
void	stdio_send(struct stdio_transport *, const char *msg, size_t len);
/*
 * Stop (1) or resume (0) delivering messages; resuming delivers the
 * buffered ones first.
 */
void	stdio_pause(struct stdio_transport *, int paused);
/* Bytes waiting to be written. */
size_t	stdio_pending(const struct stdio_transport *);

#endif /* MCPD_STDIO_TRANSPORT_H */
