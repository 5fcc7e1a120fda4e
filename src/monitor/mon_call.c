/*
 * Calls in flight: finding and freeing them, their answer to the net
 * process, their end (an outcome record, then the answer), and their
 * cancellation (PS_CANCEL_REQ), which only the call's own subject, in the
 * scope the call came in, may ask for.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "authn.h"
#include "monitor_int.h"
#include "proto.h"
#include "ratelimit.h"
#include "sbuf.h"
#include "xmalloc.h"

static void
mon_answer_call_flags(struct monitor *mon, uint32_t callid, uint32_t flags,
    uint32_t status, const char *required, const char *role,
    uint32_t retry_after, const void *text, size_t textlen)
{
	if (mon->net_bev == NULL)
		return;
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, flags));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	mon_put_list(mon, required);
	mon_put(mon, sbuf_put_cstring(mon->ans, role));
	mon_put(mon, sbuf_put_u32(mon->ans, retry_after));
	mon_put(mon, sbuf_put_string(mon->ans, text, textlen));
	(void)mon_send(mon, mon->net_bev, PS_TOOLCALL_ANS);
}

void
mon_answer_call(struct monitor *mon, uint32_t callid, uint32_t status,
    const char *required, const char *role, uint32_t retry_after,
    const void *text, size_t textlen)
{
	mon_answer_call_flags(mon, callid, PS_F_FINAL, status, required, role,
	    retry_after, text, textlen);
}

struct mon_call *
mon_call_find(struct monitor *mon, uint32_t callid)
{
	struct mon_call *c;

	TAILQ_FOREACH(c, &mon->calls, entry)
		if (c->callid == callid)
			return c;
	return NULL;
}

void
mon_call_free(struct monitor *mon, struct mon_call *c)
{
	if (c->queued)
		TAILQ_REMOVE(&mon->queue, c, qentry);
	TAILQ_REMOVE(&mon->calls, c, entry);
	mon->ncalls--;
	free(c->tool);
	free(c->request_id);
	free(c->client);
	free(c->cancelled_by);
	freezero(c->args, c->argslen);
	identity_clear(&c->id);
	free(c);
}

/* args_sha256 for the audit record: none under AuditArguments none. */
const char *
mon_args_field(const struct mon_call *c)
{
	return c->args_sha256[0] != '\0' ? c->args_sha256 : NULL;
}

const char *
mon_first_role(const struct identity *id)
{
	return id->nroles > 0 ? id->roles[0] : "none";
}

/* Audit the end of a call that ran (or was to run), then answer it. */
void
mon_call_finish(struct monitor *mon, struct mon_call *c, int is_error,
    const char *reason, const void *text, size_t textlen)
{
	struct audit_rec rec;
	uint32_t status = is_error ? PS_ST_TOOL_ERROR : PS_ST_OK;
	/* A cancelled call gets no answer: the net process is told so. */
	uint32_t flags = PS_F_FINAL |
	    (c->cancelled_by != NULL ? PS_F_CANCELLED : 0);

	memset(&rec, 0, sizeof(rec));
	rec.event = "tools/result";
	rec.decision = is_error ? AUDIT_ERROR : NULL;
	mon_rec_identity(&rec, &c->id);
	rec.tool = c->tool;
	rec.reason = reason;
	rec.request_id = c->request_id;
	rec.args_sha256 = mon_args_field(c);
	rec.source = c->source;
	rec.client = c->client;
	rec.cancelled_by = c->cancelled_by;
	rec.duration_ms = (long long)(monotime_ms() - c->start_ms);
	if (mon_audit(mon, &rec) != 0)
		mon_answer_call_flags(mon, c->callid, flags, PS_ST_INTERNAL,
		    NULL, NULL, 0, NULL, 0);
	else
		mon_answer_call_flags(mon, c->callid, flags, status, NULL,
		    mon_first_role(&c->id), 0, text, textlen);
	mon_call_free(mon, c);
}

/* Stop a call for the subject cancelled_by: no answer will be sent. */
void
mon_call_cancel(struct monitor *mon, struct mon_call *c,
    const char *cancelled_by, const char *reason)
{
	static const char text[] = "cancelled";

	c->cancelled_by = xstrdup(cancelled_by);
	if (c->worker != NULL) {
		/* A worker runs one call at a time: stop it the hard way. */
		mon_worker_fail(mon, c->worker, reason);
		return;
	}
	mon_call_finish(mon, c, 1, reason, text, sizeof(text) - 1);
}

/*
 * A notification over its identity's bucket: dropped unread, and audited
 * like a refusal before authentication (mon_audit_refusal): the first of
 * its source in a window in full (who, from where), the rest counted in
 * one record when the window closes.
 */
static void
mon_notify_dropped(struct monitor *mon, const struct identity *id,
    const struct mon_conn *conn, const char *request_id)
{
	struct audit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.event = "notifications/cancelled";
	rec.decision = AUDIT_RATE_LIMITED;
	rec.reason = "notification limit exceeded: dropped";
	mon_rec_identity(&rec, id);
	rec.request_id = request_id;
	rec.source = conn != NULL ? conn->source : NULL;
	rec.duration_ms = -1;
	(void)mon_audit_refusal(mon, &rec,
	    conn != NULL ? conn->block : MON_SOURCE_STDIO, monotime_ms());
}

/*
 * PS_CANCEL_REQ: a client's notifications/cancelled.  The canceller is
 * authenticated here, from the notification's own credential (and over
 * HTTP the connection the monitor knows), and the call is found among
 * those the monitor recorded: only a call of the same subject, in the same
 * scope, is cancelled.  Nothing the net process says picks the call.
 */
void
mon_cancel(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct mon_conn *conn;
	struct mon_call *c, *other = NULL;
	struct audit_rec rec;
	const uint8_t *cred;
	size_t credlen;
	uint32_t connid, scope, retry;
	char *request_id = NULL;

	/* cred points into the storage of m, which reads never move. */
	if (mon_check(mon, sbuf_get_u32(m, &connid), "cancel connid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &scope), "cancel scope") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "cancel credential") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &request_id, PS_ID_MAX),
	    "cancel request id") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "cancel") != 0 ||
	    mon_conn_of(mon, connid, &conn) != 0 ||
	    mon_scope_check(mon, scope) != 0) {
		free(request_id);
		return;
	}
	/* A refused credential is audited (and counted) by the gate. */
	if (mon_gate(mon, "notifications/cancelled", conn, NULL, cred,
	    credlen, NULL, request_id, NULL, &id, &retry) != PS_ST_OK ||
	    id.user == NULL) {
		identity_clear(&id);
		free(request_id);
		return;
	}
	if (ratelimit_take(mon->rl_notify, id.user, monotime_ms(), &retry)) {
		mon_notify_dropped(mon, &id, conn, request_id);
		identity_clear(&id);
		free(request_id);
		return;
	}
	TAILQ_FOREACH(c, &mon->calls, entry) {
		if (c->id.user == NULL || c->cancelled_by != NULL ||
		    strcmp(c->request_id, request_id) != 0)
			continue;
		/* A 2026-07-28 HTTP call is cancelled by closing it only. */
		if (c->scope == scope && scope != PS_SCOPE_CONN &&
		    strcmp(c->id.user, id.user) == 0)
			break;
		if (other == NULL || strcmp(other->id.user, id.user) == 0)
			other = c;
	}
	if (c != NULL) {
		mon_call_cancel(mon, c, id.user, "cancelled by the client");
		identity_clear(&id);
		free(request_id);
		return;
	}

	/* Ignored, and audited: who tried, and whose call it named. */
	memset(&rec, 0, sizeof(rec));
	rec.event = "notifications/cancelled";
	rec.decision = AUDIT_DENIED;
	mon_rec_identity(&rec, &id);
	rec.request_id = request_id;
	rec.source = conn != NULL ? conn->source : NULL;
	rec.duration_ms = -1;
	if (other == NULL)
		rec.reason = "no call of this id in flight";
	else {
		rec.owner = other->id.user;
		rec.tool = other->tool;
		if (strcmp(other->id.user, id.user) != 0)
			rec.reason = "the call is another identity's";
		else if (other->scope == PS_SCOPE_CONN || scope == PS_SCOPE_CONN)
			rec.reason = "a 2026-07-28 call over HTTP is cancelled "
			    "by closing its connection";
		else
			rec.reason = "the call is another session's";
	}
	(void)mon_audit(mon, &rec);
	identity_clear(&id);
	free(request_id);
}
