/*
 * The gate: what every request passes before it is decided, in order the
 * per-source limit on failed authentications, authentication, and the
 * per-identity rate limit; and PS_AUTH_REQ, an HTTP request's credential
 * checked before its body counts.  A refusal is audited here.
 */
#include <string.h>
#include <time.h>

#include "apikey.h"
#include "audit.h"
#include "authn.h"
#include "log.h"
#include "monitor_int.h"
#include "proto.h"
#include "ratelimit.h"
#include "sbuf.h"

/*
 * Authenticate and rate-limit one request.  Returns PS_ST_OK with *id
 * filled, or the status to answer with (already audited).
 */
uint32_t
mon_gate(struct monitor *mon, const char *event, const struct mon_conn *conn,
    const char *client, const uint8_t *cred, size_t credlen, const char *tool,
    const char *request_id, const char *args_sha256, struct identity *id,
    uint32_t *retry_after)
{
	/*
	 * Failed authentications count per source block (an IPv4 address,
	 * an IPv6 /64 by default: PerSourceNetBlockSize), whatever the port:
	 * a client opening a connection per attempt, or taking a new address
	 * of its /64 for each, is still one source.
	 */
	const char *fail_key = conn != NULL ? conn->block : MON_SOURCE_STDIO;
	/* RateLimit counts tool lists and calls, not each HTTP request. */
	int count = tool != NULL || strcmp(event, "tools/list") == 0;
	struct audit_rec rec;
	struct authn_peer peer;
	char reason[256];
	uint64_t now = monotime_ms();
	unsigned int retry = 0;
	const char *source = conn != NULL ? conn->source : MON_SOURCE_STDIO;

	*retry_after = 0;
	memset(id, 0, sizeof(*id));
	memset(&rec, 0, sizeof(rec));
	rec.event = event;
	rec.tool = tool;
	rec.request_id = request_id;
	rec.args_sha256 = args_sha256;
	rec.source = source;
	rec.client = client;
	rec.duration_ms = -1;

	/*
	 * The presented credential, else (stdio only: it is the operator's
	 * own) the one from our environment.
	 */
	if (credlen == 0 && conn == NULL && mon->p->env_cred != NULL) {
		cred = (const uint8_t *)mon->p->env_cred;
		credlen = mon->p->env_credlen;
	}

	/* Sources that keep failing are refused before any check. */
	if (ratelimit_blocked(mon->rl_fail, fail_key, now, &retry)) {
		if (credlen > 0)
			credential_fingerprint(cred, credlen, id->credential);
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "too many failed authentications from source";
		rec.credential = id->credential[0] ? id->credential : NULL;
		*retry_after = retry;
		if (mon_audit_refusal(mon, &rec, conn != NULL ? fail_key : NULL,
		    now) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_RATE_LIMITED;
	}
	memset(&peer, 0, sizeof(peer));
	if (conn != NULL) {
		peer.addr = (const struct sockaddr *)&conn->addr;
		peer.http = 1;
		peer.cert = conn->cert;
		peer.cert_identity = conn->cert_identity;
		peer.cert_reason = conn->cert_reason;
		peer.cert_fp = conn->cert_fp[0] != '\0' ? conn->cert_fp : NULL;
		peer.cert_x5t = conn->cert_x5t[0] != '\0' ? conn->cert_x5t :
		    NULL;
	}
	if (authn_check(&mon->authn, (const char *)cred, credlen, &peer,
	    time(NULL), id, reason, sizeof(reason)) != AUTHN_OK) {
		(void)ratelimit_take(mon->rl_fail, fail_key, now, &retry);
		rec.decision = AUDIT_AUTH_FAILED;
		rec.reason = reason;
		rec.credential = id->credential[0] ? id->credential : NULL;
		verbose("authentication failed from %s: %s", source, reason);
		if (mon_audit_refusal(mon, &rec, conn != NULL ? fail_key : NULL,
		    now) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_AUTH_FAILED;
	}
	mon_rec_identity(&rec, id);
	if (count && ratelimit_take(mon->rl_user, id->user, now, &retry)) {
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "rate limit exceeded";
		*retry_after = retry;
		if (mon_audit(mon, &rec) != 0)
			return PS_ST_INTERNAL;
		return PS_ST_RATE_LIMITED;
	}
	return PS_ST_OK;
}

/* PS_AUTH_REQ: one HTTP request's credential, before its body counts. */
void
mon_auth(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct mon_conn *conn;
	const uint8_t *cred;
	size_t credlen;
	uint32_t callid, connid, status, retry = 0, flags;
	const char *error = "";
	struct audit_rec rec;
	unsigned int r;

	if (mon_check(mon, sbuf_get_u32(m, &callid), "auth callid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "auth connid") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "auth credential") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &flags), "auth flags") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "auth") != 0)
		return;
	if ((flags & ~(uint32_t)PS_AUTH_F_INITIALIZE) != 0) {
		mon_net_violation(mon, "unknown authentication flags");
		return;
	}
	if (mon_conn_of(mon, connid, &conn) != 0)
		return;
	status = mon_gate(mon, "authenticate", conn, NULL, cred, credlen,
	    NULL, NULL, NULL, &id, &retry);
	/*
	 * A session costs the net process memory until SessionTimeout:
	 * opening one counts against RateLimit like a call (issue 11).
	 */
	if (status == PS_ST_OK && (flags & PS_AUTH_F_INITIALIZE) != 0 &&
	    ratelimit_take(mon->rl_user, id.user, monotime_ms(), &r)) {
		memset(&rec, 0, sizeof(rec));
		rec.event = "initialize";
		rec.source = conn != NULL ? conn->source : NULL;
		rec.duration_ms = -1;
		mon_rec_identity(&rec, &id);
		rec.decision = AUDIT_RATE_LIMITED;
		rec.reason = "rate limit exceeded";
		retry = r;
		status = mon_audit(mon, &rec) != 0 ? PS_ST_INTERNAL :
		    PS_ST_RATE_LIMITED;
	}
	/* RFC 6750 3.1: no error code when no credential was presented. */
	if (status == PS_ST_AUTH_FAILED && credlen > 0)
		error = "invalid_token";
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	mon_put(mon, sbuf_put_u32(mon->ans, retry));
	mon_put(mon, sbuf_put_cstring(mon->ans, status == PS_ST_OK &&
	    id.user != NULL ? id.user : ""));
	mon_put(mon, sbuf_put_cstring(mon->ans, error));
	(void)mon_send(mon, mon->net_bev, PS_AUTH_ANS);
	identity_clear(&id);
}
