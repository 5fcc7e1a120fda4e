/*
 * The net process's seccomp profile (mcpd-net only): what it may call on
 * top of what every confined process may (sandbox.c), over stdio and, with
 * more, over HTTP.  Each entry says why it is there; the lists were
 * measured (tests/bench/syscalls.sh).
 */
#include <fcntl.h>
#include <stddef.h>

#include "proto.h"
#include "sandbox.h"
#include "sandbox_int.h"

/* The monitor channel of a child (spawn.h). */
#define SANDBOX_CHANNEL_FD	PS_CHANNEL_FD

/*
 * The net process: libevent's epoll loop on the descriptors it already
 * has.  No sleeping (the loop waits in epoll), no files, no sockets.
 */
static const char *const sandbox_net_calls[] = {
	"read",			/* stdin */
	"write",		/* stdout */
	"epoll_wait",		/* the event loop */
	"epoll_ctl",		/* events added and removed */
	"poll",			/* mm_net_flush(): the channel, before exit */
	NULL
};

/*
 * The net process serving HTTP adds what a server needs on the sockets
 * the monitor gave it: accept connections on its listeners, learn a
 * connection's local address (loopback or not) and its source (for the
 * per-source limit), cut a connection that missed its deadline, hand a
 * connection's socket to the monitor, and OpenSSL's random numbers for
 * TLS.
 */
static const char *const sandbox_net_http_calls[] = {
	"accept4",		/* evconnlistener, on the listeners */
	"close",		/* a connection that is done */
	"getsockname",		/* is the connection on loopback? */
	"getpeername",		/* its source, for MaxConnectionsPerSource */
	"shutdown",		/* a connection past its deadline */
	"getrandom",		/* OpenSSL's DRBG; Mcp-Session-Id */
	NULL
};

/* The net process. */
static const struct sandbox_rule sandbox_net_rules[] = {
	/* evutil_make_socket_nonblocking() on the monitor channel. */
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_GETFL, 0) } },
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_SETFL, 0) } },
	{ 0, 0, { { 0 } } }
};

/* The net process over HTTP. */
static const struct sandbox_rule sandbox_net_http_rules[] = {
	/* A new connection's socket goes to the monitor, on fd 3 only. */
	{ SCMP_SYS(sendmsg), 1, { SB_ARG(0, SCMP_CMP_EQ,
	    SANDBOX_CHANNEL_FD, 0) } },
	{ 0, 0, { { 0 } } }
};

const struct sandbox_profile sandbox_net_profile = {
	sandbox_net_calls, sandbox_net_rules, NULL
};

const struct sandbox_profile sandbox_net_http_profile = {
	sandbox_net_http_calls, sandbox_net_http_rules, &sandbox_net_profile
};

void
sandbox_net_apply(int http)
{
	sandbox_apply(http ? &sandbox_net_http_profile : &sandbox_net_profile);
}
