/*
 * The HTTP connections as the monitor knows them: the net process hands
 * over each connection's socket, and the monitor reads the peer address
 * from the kernel itself (PS_CONN_REQ) and verifies the client certificate
 * itself (PS_CERT_REQ); closing a connection cancels its calls
 * (PS_CONNCLOSE_REQ).  Every request names its connection, which must be
 * one of these.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authn.h"
#include "config.h"
#include "monitor_int.h"
#include "mtls.h"
#include "netblock.h"
#include "proto.h"
#include "sbuf.h"
#include "xmalloc.h"

static struct mon_connq *
mon_conn_bucket(struct monitor *mon, uint32_t connid)
{
	return &mon->conns[connid % MON_CONN_BUCKETS];
}

static struct mon_conn *
mon_conn_find(struct monitor *mon, uint32_t connid)
{
	struct mon_conn *c;

	TAILQ_FOREACH(c, mon_conn_bucket(mon, connid), entry)
		if (c->connid == connid)
			return c;
	return NULL;
}

static void
mon_conn_free(struct monitor *mon, struct mon_conn *c)
{
	TAILQ_REMOVE(mon_conn_bucket(mon, c->connid), c, entry);
	mon->nconns--;
	free(c->cert_identity);
	free(c);
}

void
mon_conns_clear(struct monitor *mon)
{
	struct mon_conn *c, *next;
	size_t i;

	/* next is read first: clang's analyzer loses the head's update. */
	for (i = 0; i < MON_CONN_BUCKETS; i++)
		for (c = TAILQ_FIRST(&mon->conns[i]); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			mon_conn_free(mon, c);
		}
}

/*
 * The connection a request names: 0 is stdio (only on stdio), anything
 * else must be a connection the net process handed over.  NULL after a
 * violation.
 */
int
mon_conn_of(struct monitor *mon, uint32_t connid, struct mon_conn **cp)
{
	*cp = NULL;
	if (!mon->http) {
		if (connid != 0) {
			mon_net_violation(mon, "connection id over stdio");
			return -1;
		}
		return 0;
	}
	if ((*cp = mon_conn_find(mon, connid)) == NULL) {
		mon_net_violation(mon, "request on an unknown connection");
		return -1;
	}
	return 0;
}

/*
 * A scope the transport can have: PS_SCOPE_STDIO exactly over stdio,
 * anything else only over HTTP.  -1 after a violation.
 */
int
mon_scope_check(struct monitor *mon, uint32_t scope)
{
	if ((scope == PS_SCOPE_STDIO) != !mon->http) {
		mon_net_violation(mon, "scope does not fit the transport");
		return -1;
	}
	return 0;
}

/*
 * PS_CONN_REQ: a new HTTP connection, its socket attached.  The peer
 * address comes from the kernel, through getpeername() on that socket.
 */
void
mon_conn_req(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	socklen_t len;
	uint32_t connid;
	char host[INET6_ADDRSTRLEN];
	struct netblock nb;
	const void *ap;
	unsigned int port;
	int fd;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "conn id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "conn") != 0)
		return;
	if (mon->nfdq == 0) {
		mon_net_violation(mon, "connection without a socket");
		return;
	}
	fd = mon->fdq[0];
	memmove(mon->fdq, mon->fdq + 1, --mon->nfdq * sizeof(*mon->fdq));
	if (connid == 0 || mon_conn_find(mon, connid) != NULL ||
	    mon->nconns >= (size_t)mon->cfg->max_connections + MON_CONN_SLACK) {
		close(fd);
		mon_net_violation(mon, "connection id reused or too many "
		    "connections");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->connid = connid;
	len = sizeof(c->addr);
	if (getpeername(fd, (struct sockaddr *)&c->addr, &len) != 0 ||
	    (c->addr.ss_family != AF_INET && c->addr.ss_family != AF_INET6)) {
		/* Gone already, or not a TCP socket: no usable source. */
		(void)snprintf(c->source, sizeof(c->source), "unknown");
		(void)snprintf(c->host, sizeof(c->host), "unknown");
		(void)snprintf(c->block, sizeof(c->block), "unknown");
		memset(&c->addr, 0, sizeof(c->addr));
	} else {
		if (c->addr.ss_family == AF_INET) {
			ap = &((struct sockaddr_in *)&c->addr)->sin_addr;
			port = ntohs(
			    ((struct sockaddr_in *)&c->addr)->sin_port);
		} else {
			ap = &((struct sockaddr_in6 *)&c->addr)->sin6_addr;
			port = ntohs(
			    ((struct sockaddr_in6 *)&c->addr)->sin6_port);
		}
		if (inet_ntop(c->addr.ss_family, ap, host,
		    sizeof(host)) == NULL)
			(void)snprintf(host, sizeof(host), "?");
		(void)snprintf(c->host, sizeof(c->host), "%s", host);
		(void)snprintf(c->source, sizeof(c->source),
		    c->addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		    host, port);
		if (netblock_of((struct sockaddr *)&c->addr,
		    (int)mon->cfg->netblock_v4, (int)mon->cfg->netblock_v6,
		    &nb) != 0 ||
		    netblock_str(&nb, c->block, sizeof(c->block)) != 0)
			(void)snprintf(c->block, sizeof(c->block), "%s", host);
	}
	close(fd);
	TAILQ_INSERT_TAIL(mon_conn_bucket(mon, connid), c, entry);
	mon->nconns++;
}

/* A 2026-07-28 call in flight on HTTP connection connid, or NULL. */
static struct mon_call *
mon_conn_call(struct monitor *mon, uint32_t connid)
{
	struct mon_call *c;

	TAILQ_FOREACH(c, &mon->calls, entry)
		if (c->scope == PS_SCOPE_CONN && c->connid == connid &&
		    c->id.user != NULL && c->cancelled_by == NULL)
			return c;
	return NULL;
}

void
mon_connclose(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	struct mon_call *call;
	uint32_t connid;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "close id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "close") != 0)
		return;
	/*
	 * MCP 2026-07-28 over HTTP: closing a request's stream cancels it.
	 * The calls are the ones the monitor recorded on this connection,
	 * so it is their own caller that cancels.  One at a time: stopping
	 * a call can finish others.
	 */
	while ((call = mon_conn_call(mon, connid)) != NULL)
		mon_call_cancel(mon, call, call->id.user,
		    "cancelled by the client: connection closed");
	if ((c = mon_conn_find(mon, connid)) != NULL)
		mon_conn_free(mon, c);
}

/*
 * PS_CERT_REQ: the client's chain as the handshake got it.  The
 * handshake's verdict is only noted: the monitor verifies the chain
 * itself, against the CAs and CRLs it loaded, and a chain either check
 * refuses is refused.
 */
void
mon_cert(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_conn *c;
	const uint8_t *der[PS_CHAIN_MAX];
	size_t derlen[PS_CHAIN_MAX];
	uint32_t connid, verdict, n, i;
	char *identity = NULL;

	if (mon_check(mon, sbuf_get_u32(m, &connid), "cert conn") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &verdict), "cert verdict") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &n), "cert count") != 0)
		return;
	if (n > PS_CHAIN_MAX) {
		mon_net_violation(mon, "certificate chain too long");
		return;
	}
	for (i = 0; i < n; i++)
		if (mon_check(mon, sbuf_get_string_direct(m, &der[i],
		    &derlen[i], PS_CERT_MAX), "certificate") != 0)
			return;
	if (mon_check(mon, sbuf_expect_end(m), "cert") != 0)
		return;
	if (mon->p->auth.mtls == NULL ||
	    (c = mon_conn_find(mon, connid)) == NULL) {
		mon_net_violation(mon, "unexpected client certificate");
		return;
	}
	if (n == 0) {
		c->cert = AUTHN_CERT_NONE;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: no client certificate");
		return;
	}
	if (mtls_verify(mon->p->auth.mtls, der, derlen, n, time(NULL),
	    &identity, c->cert_fp, c->cert_reason,
	    sizeof(c->cert_reason)) != 0) {
		c->cert = AUTHN_CERT_BAD;
		free(identity);
		return;
	}
	if (verdict != 0) {
		/* Both must agree; ours passed, the handshake's did not. */
		c->cert = AUTHN_CERT_BAD;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: the handshake refused the certificate (%u)",
		    verdict);
		free(identity);
		return;
	}
	/* The thumbprint that a certificate-bound token must name. */
	if (mtls_x5t(der[0], derlen[0], c->cert_x5t) != 0) {
		c->cert = AUTHN_CERT_BAD;
		(void)snprintf(c->cert_reason, sizeof(c->cert_reason),
		    "mtls: cannot hash the certificate");
		free(identity);
		return;
	}
	c->cert = AUTHN_CERT_OK;
	c->cert_identity = identity;
}

/*
 * The scope of a once-per-connection message: the connection its first
 * field names, peeked at without reading it.
 */
uint32_t *
mon_conn_once(void *arg, const struct sbuf *m)
{
	struct mon_conn *c;
	uint32_t connid;

	if (ps_peek_u32(m, &connid) != 0 ||
	    (c = mon_conn_find(arg, connid)) == NULL)
		return NULL;
	return &c->once;
}
