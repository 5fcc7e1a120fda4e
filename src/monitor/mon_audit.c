/*
 * The monitor's audit records of its own decisions: one record, written
 * or the request refused; the events of the processes; and the refusals
 * before authentication, which over HTTP are written one in full and the
 * rest summed up per source and reason (auditagg.h).
 */
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auditagg.h"
#include "authn.h"
#include "log.h"
#include "monitor_int.h"

/* Audit, and make a failure loud: the caller refuses what it guarded. */
int
mon_audit(struct monitor *mon, struct audit_rec *rec)
{
	char err[256];

	if (rec->source == NULL)
		rec->source = MON_SOURCE_STDIO;
	if (rec->client == NULL)
		rec->client = mon->client_info;
	if (audit_write(mon->p->audit, rec, err, sizeof(err)) == 0)
		return 0;
	error("AUDIT LOG WRITE FAILED (%s): refusing the request; "
	    "fix the audit log and send SIGUSR1", err);
	return -1;
}

void
mon_audit_event(struct monitor *mon, const char *event, const char *decision,
    const char *reason)
{
	struct audit_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.event = event;
	rec.decision = decision;
	rec.reason = reason;
	rec.duration_ms = -1;
	(void)mon_audit(mon, &rec);
}

/* One record for the refusals an auditagg group counted. */
void
mon_agg_emit(void *arg, const struct auditagg_sum *sum)
{
	struct monitor *mon = arg;
	struct audit_rec rec;
	struct timespec ts;
	char since[AUDIT_TS_LEN + 1];

	ts.tv_sec = (time_t)(sum->since_ms / 1000);
	ts.tv_nsec = (long)(sum->since_ms % 1000) * 1000000;
	if (audit_format_ts(&ts, since, sizeof(since)) != 0)
		fatal_f("audit_format_ts");
	memset(&rec, 0, sizeof(rec));
	rec.event = sum->event;
	rec.decision = sum->decision;
	rec.reason = sum->reason;
	rec.source = sum->source;
	rec.duration_ms = -1;
	rec.count = (long long)sum->count;
	rec.since = since;
	(void)mon_audit(mon, &rec);
}

static int64_t
mon_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A refusal before authentication: over HTTP, written only if it is the
 * first of its source block and reason in the window (the others are
 * summed up later, mon_agg_emit); over stdio, the one local client's,
 * always.  0, or -1 if it had to be written and could not.
 */
int
mon_audit_refusal(struct monitor *mon, struct audit_rec *rec,
    const char *block, uint64_t now)
{
	if (block != NULL && !auditagg_note(mon->agg, block, rec->event,
	    rec->decision, rec->reason, now, mon_wall_ms(), mon_agg_emit,
	    mon))
		return 0;
	return mon_audit(mon, rec);
}

void
mon_agg_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	(void)auditagg_expire(mon->agg, monotime_ms(), 0, mon_agg_emit, mon);
}

/* Fill the identity fields of a record. */
void
mon_rec_identity(struct audit_rec *rec, const struct identity *id)
{
	rec->user = id->user;
	rec->roles = id->roles;
	rec->nroles = id->nroles;
	rec->method = id->method;
	rec->credential = id->credential[0] != '\0' ? id->credential : NULL;
}
