/*
 * The HTTP listening sockets, opened by the monitor at start (a port
 * below 1024 needs root, which the net process never has) and handed to
 * every net process it starts.
 */
#ifndef MCPD_LISTENER_H
#define MCPD_LISTENER_H

#include <stddef.h>

/* Connections the kernel queues for a listener before accept(). */
#define LISTENER_BACKLOG	128

/*
 * Open a non-blocking listening TCP socket for a Listen value: "addr:port",
 * "[v6addr]:port", or ":port" (127.0.0.1).  The address is numeric, or
 * "localhost" (127.0.0.1).  Returns 0 with the socket in *fd, or -1 with
 * a message in err.
 */
int	listener_open(const char *spec, int *fd, char *err, size_t errlen);

#endif /* MCPD_LISTENER_H */
