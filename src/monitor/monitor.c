/*
 * The monitor's event loop.  It reads only the fixed binary privsep
 * messages; every field is bounds-checked by sbuf, every message type is
 * checked against its channel's table of what the sender may send in its
 * transport and current state (privsep/dispatch.h), and anything else is
 * treated as a compromise of the sender.
 *
 * A tool call passes, in this order: the per-source limit on failed
 * authentications, authentication, the per-identity rate limit, the tool's
 * existence, authorization, an audit record (written before anything runs),
 * execution in a worker, and an audit record of the outcome (written before
 * the result is released).  If a record cannot be written the call fails.
 *
 * This file holds the loop itself: the monitor's state, its start and
 * stop, the signals (reaping of the children, SIGHUP, SIGUSR1), the audit
 * timers, and what every channel uses to send.  monitor_int.h lists the
 * files that hold the rest, one job each.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "audit.h"
#include "auditagg.h"
#include "config.h"
#include "log.h"
#include "monitor.h"
#include "monitor_int.h"
#include "msg.h"
#include "proto.h"
#include "ratelimit.h"
#include "sbuf.h"
#include "xmalloc.h"

/*
 * A child's channel on fd (what names it for the error), with its
 * callbacks; freeing it closes fd.  The caller enables it.
 */
struct bufferevent *
mon_bev_new(struct monitor *mon, int fd, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void *arg,
    const char *what)
{
	struct bufferevent *bev;

	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    (bev = bufferevent_socket_new(mon->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatal_f("bufferevent for %s", what);
	bufferevent_setcb(bev, readcb, writecb, eventcb, arg);
	return bev;
}

/*
 * Queue the answer in mon->ans for a child.  A child that lets its queue
 * pass the bound is not reading what it asked for: that is its fault, not
 * the monitor's, so it is treated as a violation of the protocol (killed,
 * audited and replaced) and the answer dropped; -1 then.
 */
int
mon_send(struct monitor *mon, struct bufferevent *bev, uint8_t type)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	size_t i;

	if (evbuffer_get_length(out) > MON_OUTBUF_MAX) {
		sbuf_reset(mon->ans);
		if (bev == mon->net_bev || bev == mon->key_bev) {
			mon_net_violation(mon, "output queue over its bound: "
			    "not reading its answers");
			return -1;
		}
		for (i = 0; i < mon->nworkers; i++) {
			if (mon->workers[i].bev == bev) {
				mon_worker_violation(&mon->workers[i],
				    "output queue over its bound");
				return -1;
			}
		}
		fatal_f("output queue of an unknown channel");
	}
	if (pmsg_compose(out, type, mon->ans) != PMSG_OK)
		fatal_f("pmsg_compose failed");
	sbuf_reset(mon->ans);
	return 0;
}

void
mon_put(struct monitor *mon, int r)
{
	if (r != SBUF_OK)
		fatal_f("compose: %s", sbuf_strerror(r));
}

/*
 * A list ("a,b,c") for a field of at most MON_REQUIRED_MAX bytes: cut
 * after the last whole element that fits, with ",..." to show the cut.
 */
void
mon_put_list(struct monitor *mon, const char *s)
{
	size_t keep;

	if (s == NULL || strlen(s) <= MON_REQUIRED_MAX) {
		mon_put(mon, sbuf_put_cstring(mon->ans, s));
		return;
	}
	keep = MON_REQUIRED_MAX - 4;
	while (keep > 0 && s[keep] != ',')
		keep--;
	/* A str field: its u32 length, then the bytes. */
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)keep + 4));
	mon_put(mon, sbuf_put(mon->ans, s, keep));
	mon_put(mon, sbuf_put(mon->ans, ",...", 4));
}

/*
 * Begin a child's PS_INIT_REQ in mon->ans with the fields every child
 * reads first (privsep/child.c): the protocol version, the kind of process
 * it is to be, and the log level.  The caller adds its kind's fields.
 */
void
mon_init_begin(struct monitor *mon, uint32_t kind)
{
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, PS_PROTO_VERSION));
	mon_put(mon, sbuf_put_u32(mon->ans, kind));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)log_get_level()));
}

/* A child's log message, logged as the monitor's; -1 if malformed. */
int
mon_child_log(struct sbuf *m, const char *who)
{
	uint32_t level;
	char *text = NULL;

	if (sbuf_get_u32(m, &level) != SBUF_OK ||
	    sbuf_get_cstring(m, &text, PS_LOGMSG_MAX) != SBUF_OK ||
	    sbuf_expect_end(m) != SBUF_OK ||
	    level < LOG_LVL_FATAL || level > LOG_LVL_DEBUG3) {
		free(text);
		return -1;
	}
	/* The child escaped it already; log_emit escapes again anyway. */
	{
		char line[PS_LOGMSG_MAX + 64];

		(void)snprintf(line, sizeof(line), "%s: %s", who, text);
		log_emit((int)level, line);
	}
	free(text);
	return 0;
}

static void
mon_describe_status(int status, char *buf, size_t len)
{
	int sig;

	if (WIFEXITED(status))
		(void)snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		(void)snprintf(buf, len, "killed by signal %d (SIG%s)%s", sig,
		    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?",
		    sig == SIGSYS ? ": sandbox violation" : "");
	} else
		(void)snprintf(buf, len, "ended with status %#x", status);
}

static void
mon_reaped(struct monitor *mon, pid_t pid, int status)
{
	struct mon_worker *w;
	char desc[128], reason[192];
	size_t i;

	mon_describe_status(status, desc, sizeof(desc));
	if (pid == mon->net_pid) {
		mon->net_pid = -1;
		if (mon->stopping) {
			debug("net process %s", desc);
			return;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    mon->exit_status == 0) {
			debug("net process exited: session over");
			mon_stop(mon, 0);
			return;
		}
		error("net process %ld %s", (long)pid, desc);
		(void)snprintf(reason, sizeof(reason), "net process %s", desc);
		mon_audit_event(mon, "process", AUDIT_ERROR, reason);
		if (!mon->http) {
			/* Over stdio there is no client to serve without it. */
			mon_stop(mon, 1);
			return;
		}
		mon_net_replace(mon);
		return;
	}
	for (i = 0; i < mon->nworkers; i++) {
		w = &mon->workers[i];
		if (w->pid != pid)
			continue;
		w->pid = -1;
		/* Expected: killed by us, or retired and exited cleanly. */
		if (!w->killed || !((WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0))) {
			error("worker %ld %s", (long)pid, desc);
			(void)snprintf(reason, sizeof(reason), "worker %s",
			    desc);
			mon_audit_event(mon, "process", AUDIT_ERROR, reason);
		} else
			debug_f("worker %ld %s", (long)pid, desc);
		mon_worker_fail(mon, w, "worker died");
		if (!mon->stopping)
			mon_worker_start(mon, w);
		return;
	}
	debug_f("reaped unknown child %ld", (long)pid);
}

static void
mon_signal(evutil_socket_t sig, short what, void *arg)
{
	struct monitor *mon = arg;
	char err[256];
	pid_t pid;
	int status;

	switch (sig) {
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			mon_reaped(mon, pid, status);
		break;
	case SIGUSR1:
		if (audit_reopen(mon->p->audit, err, sizeof(err)) != 0)
			error("AUDIT LOG REOPEN FAILED (%s): tool calls are "
			    "refused until a reopen succeeds", err);
		else
			logit("audit log reopened");
		break;
	case SIGHUP:
		mon_reload(mon);
		break;
	default:
		logit("received signal %d; terminating", (int)sig);
		mon_stop(mon, 0);
		break;
	}
}

static void
mon_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (audit_flush(mon->p->audit) != 0)
		error("AUDIT LOG SYNC FAILED");
}

/* Once a second: an audit checkpoint when AuditCheckpoint's time is up. */
static void
mon_checkpoint_timer(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;
	char err[256];

	if (audit_tick(mon->p->audit, err, sizeof(err)) != 0)
		error("AUDIT CHECKPOINT FAILED: %s", err);
}

void
mon_stop(struct monitor *mon, int status)
{
	size_t i;

	if (mon->stopping)
		return;
	mon->stopping = 1;
	mon->exit_status = status;
	if (mon->net_pid > 0)
		(void)kill(mon->net_pid, SIGTERM);
	for (i = 0; i < mon->nworkers; i++)
		if (mon->workers[i].pid > 0) {
			mon->workers[i].killed = 1;
			(void)kill(mon->workers[i].pid, SIGKILL);
		}
	(void)event_base_loopbreak(mon->base);
}

/* Replace *rl with a new rate limiter of limit per minute. */
static void
mon_ratelimit_new(struct ratelimit **rl, long limit)
{
	struct ratelimit *n;

	if ((n = ratelimit_new((unsigned long)limit, MON_RL_KEYS)) == NULL)
		fatal_f("ratelimit_new");
	ratelimit_free(*rl);
	*rl = n;
}

/*
 * The rate limiters for cfg: made anew at start (old NULL) and, on a
 * reload, where the limit differs from old's; a limiter whose limit is
 * the same keeps what it has counted.
 */
void
mon_ratelimits(struct monitor *mon, const struct mcpd_config *old,
    const struct mcpd_config *cfg)
{
	if (old == NULL || cfg->rate_limit != old->rate_limit) {
		mon_ratelimit_new(&mon->rl_user, cfg->rate_limit);
		/* Notifications: a bucket of their own, as large. */
		mon_ratelimit_new(&mon->rl_notify, cfg->rate_limit);
	}
	if (old == NULL || cfg->auth_failure_limit != old->auth_failure_limit)
		mon_ratelimit_new(&mon->rl_fail, cfg->auth_failure_limit);
}

/*
 * The monitor's state for one run: everything but the signal handlers
 * and the children, which monitor_run() adds (and the fuzzing entry
 * points leave out).  The workers have no process yet (pid -1).
 */
struct monitor *
mon_new(struct monitor_params *p)
{
	struct monitor *mon;
	size_t i;

	mon = xcalloc(1, sizeof(*mon));
	mon->p = p;
	mon->cfg = p->cfg;
	mon->authn.cfg = p->cfg;
	mon->authn.keys = p->auth.keys;
	mon->authn.jwt = p->auth.jwt;
	mon->http = p->nlisten > 0;
	mon->max_calls = mon->http ? MON_MAX_CALLS : MON_MAX_CALLS_STDIO;
	mon->net_fd = -1;
	TAILQ_INIT(&mon->calls);
	TAILQ_INIT(&mon->queue);
	for (i = 0; i < MON_CONN_BUCKETS; i++)
		TAILQ_INIT(&mon->conns[i]);
	if ((mon->msg = sbuf_new(PMSG_MAX)) == NULL ||
	    (mon->keymsg = sbuf_new(MON_KEY_REQ_MAX)) == NULL ||
	    (mon->ans = sbuf_new(PMSG_MAX)) == NULL)
		fatal_f("sbuf_new");
	mon_ratelimits(mon, NULL, p->cfg);
	if ((mon->agg = auditagg_new(MON_AGG_GROUPS,
	    MON_AGG_WINDOW_MS)) == NULL)
		fatal_f("auditagg_new");
	if ((mon->base = event_base_new()) == NULL)
		fatal_f("event_base_new");
	if ((mon->net_restart = evtimer_new(mon->base, mon_net_restart,
	    mon)) == NULL ||
	    (mon->key_stall = evtimer_new(mon->base, mon_key_stalled,
	    mon)) == NULL)
		fatal_f("evtimer_new");

	mon->nworkers = (size_t)p->cfg->workers;
	mon->workers = xcalloc(mon->nworkers, sizeof(*mon->workers));
	for (i = 0; i < mon->nworkers; i++) {
		mon->workers[i].mon = mon;
		mon->workers[i].idx = i;
		mon->workers[i].pid = -1;
		if ((mon->workers[i].timer = evtimer_new(mon->base,
		    mon_worker_timeout, &mon->workers[i])) == NULL)
			fatal_f("evtimer_new");
	}
	return mon;
}

int
monitor_run(struct monitor_params *p)
{
	struct monitor *mon;
	static const int sigs[] = { SIGCHLD, SIGUSR1, SIGHUP, SIGTERM, SIGINT };
	struct timeval one = { 1, 0 };
	struct timeval agg_tick = { MON_AGG_TICK_S, 0 };
	struct mon_call *c;
	size_t i;
	int status;

	mon = mon_new(p);

	/* A write to a closed pipe or a full file is an error, not death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if ((mon->sigev[i] = evsignal_new(mon->base, sigs[i],
		    mon_signal, mon)) == NULL ||
		    evsignal_add(mon->sigev[i], NULL) != 0)
			fatal_f("evsignal %d", sigs[i]);
	}
	if (p->cfg->audit_sync == AUDIT_SYNC_BATCH) {
		if ((mon->flush_ev = event_new(mon->base, -1, EV_PERSIST,
		    mon_flush_timer, mon)) == NULL ||
		    evtimer_add(mon->flush_ev, &one) != 0)
			fatal_f("flush timer");
	}
	if ((mon->checkpoint_ev = event_new(mon->base, -1, EV_PERSIST,
	    mon_checkpoint_timer, mon)) == NULL ||
	    evtimer_add(mon->checkpoint_ev, &one) != 0)
		fatal_f("checkpoint timer");

	if ((mon->agg_ev = event_new(mon->base, -1, EV_PERSIST,
	    mon_agg_timer, mon)) == NULL ||
	    evtimer_add(mon->agg_ev, &agg_tick) != 0)
		fatal_f("aggregation timer");

	mon_net_start(mon);
	mon_worker_start_next(mon);

	if (event_base_dispatch(mon->base) == -1)
		fatal_f("event_base_dispatch failed");
	if (!mon->stopping)
		mon_stop(mon, 1);

	/* Calls still open get no answer: their client is gone. */
	while ((c = TAILQ_FIRST(&mon->calls)) != NULL)
		mon_call_free(mon, c);
	/* The refusals counted so far are written before the end. */
	(void)auditagg_expire(mon->agg, monotime_ms(), 1, mon_agg_emit, mon);
	(void)audit_flush(p->audit);
	status = mon->exit_status;
	debug_f("monitor exiting with status %d", status);
	return status;
}
