/*
 * Listen values to sockets (see listener.h).  Library code: errors go to
 * the caller's buffer.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "listener.h"

#define LISTENER_HOST_MAX	256

/* Split "host:port" / "[host]:port" / ":port" into host and port. */
static int
listener_split(const char *spec, char *host, size_t hostlen,
    const char **port)
{
	const char *end;
	size_t len;

	if (*spec == '[') {
		if ((end = strchr(spec, ']')) == NULL || end[1] != ':')
			return -1;
		len = (size_t)(end - spec - 1);
		spec++;
		*port = end + 2;
	} else {
		if ((end = strrchr(spec, ':')) == NULL)
			return -1;
		len = (size_t)(end - spec);
		*port = end + 1;
	}
	if (len >= hostlen || **port == '\0')
		return -1;
	memcpy(host, spec, len);
	host[len] = '\0';
	/* The default bind address is loopback (mcpd.conf(5), Listen). */
	if (len == 0 || strcmp(host, "localhost") == 0)
		(void)snprintf(host, hostlen, "127.0.0.1");
	return 0;
}

int
listener_open(const char *spec, int *fdp, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[LISTENER_HOST_MAX];
	const char *port;
	int fd = -1, on = 1, r;

	*fdp = -1;
	if (listener_split(spec, host, sizeof(host), &port) != 0) {
		seterr(err, errlen, "Listen %s: bad address", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		seterr(err, errlen, "Listen %s: %s", spec, gai_strerror(r));
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
		seterr(err, errlen, "Listen %s: socket: %s", spec,
		    strerror(errno));
		goto fail;
	}
	/*
	 * A restart must not wait for the old connections' TIME_WAIT.  An
	 * answer must not wait for the client's delayed ACK (Nagle), as it
	 * would when it leaves in two writes (TLS records, headers and body):
	 * accepted sockets inherit TCP_NODELAY from the listener on Linux,
	 * so the sandboxed net process needs no setsockopt of its own.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0 ||
	    (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) != 0)) {
		seterr(err, errlen, "Listen %s: setsockopt: %s", spec,
		    strerror(errno));
		goto fail;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, LISTENER_BACKLOG) != 0) {
		seterr(err, errlen, "Listen %s: %s", spec, strerror(errno));
		goto fail;
	}
	freeaddrinfo(ai);
	*fdp = fd;
	return 0;
 fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}
