/*
 * The tool workers: the pool, each worker's start, init and channel (its
 * dispatch table is mon_worker_ent), the scheduler that hands queued calls
 * to idle workers, the timers (ToolTimeout, WorkerIdleTimeout), retirement
 * (WorkerMaxCalls) and the end of a worker that fails or misbehaves.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "monitor_int.h"
#include "msg.h"
#include "proto.h"
#include "sbuf.h"
#include "spawn.h"

/* Consecutive workers that die before they are ready: then give up. */
#define MON_START_FAILURES_MAX	5

void
mon_worker_violation(void *arg, const char *what)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	char reason[256];

	(void)snprintf(reason, sizeof(reason),
	    "worker protocol violation: %s", what);
	error("worker %ld: %s; killing it", (long)w->pid, reason);
	mon_audit_event(mon, "privsep", AUDIT_ERROR, reason);
	mon_worker_fail(mon, w, reason);
}

/*
 * Retire a worker, as Postfix retires a process after max_use uses or
 * max_idle idle time: close its channel so that it exits at EOF, and let
 * the SIGCHLD handler start its replacement.  Only idle workers retire.
 */
static void
mon_worker_retire(struct monitor *mon, struct mon_worker *w, const char *why)
{
	debug_f("worker %ld: %s; retiring it", (long)w->pid, why);
	w->chan.state = W_ST_DEAD;
	w->killed = 1;
	evtimer_del(w->timer);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
}

/* A worker is free: hand it work, or start its idle clock. */
void
mon_worker_set_idle(struct monitor *mon, struct mon_worker *w)
{
	struct timeval tv;

	w->chan.state = W_ST_IDLE;
	if ((unsigned long)mon->cfg->worker_max_calls <= w->ncalls) {
		mon_worker_retire(mon, w, "WorkerMaxCalls reached");
		return;
	}
	if (mon->cfg->worker_idle_timeout > 0) {
		tv.tv_sec = mon->cfg->worker_idle_timeout;
		tv.tv_usec = 0;
		if (evtimer_add(w->timer, &tv) != 0)
			fatal_f("evtimer_add");
	}
	mon_schedule(mon);
}

/*
 * The first workers start one after another: the first one switches the
 * database to WAL, and a worker that opened it while another was switching
 * could be left reading it in the old mode, then need a file its sandbox
 * no longer lets it open.  Replacements start at once: by then the mode is
 * settled in the database file.
 */
void
mon_worker_start_next(struct monitor *mon)
{
	size_t i;

	for (i = 0; i < mon->nworkers; i++)
		if (mon->workers[i].chan.state == 0) {
			mon_worker_start(mon, &mon->workers[i]);
			return;
		}
}

static void
mon_worker_init_ans(void *arg, struct sbuf *m)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	if (sbuf_expect_end(m) != SBUF_OK) {
		mon_worker_violation(w, "malformed init answer");
		return;
	}
	mon->start_failures = 0;
	debug_f("worker %ld ready", (long)w->pid);
	mon_worker_start_next(mon);
	mon_worker_set_idle(mon, w);
}

static void
mon_worker_exec_ans(void *arg, struct sbuf *m)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	struct mon_call *c = w->call;
	uint32_t callid, flags, is_error;
	const uint8_t *text, *why;
	size_t textlen, whylen;
	char reason[sizeof("tool error: ") + PS_REASON_MAX];
	int r;

	if ((r = sbuf_get_u32(m, &callid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &flags)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &is_error)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(m, &text, &textlen,
	    PS_TEXT_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string_direct(m, &why, &whylen,
	    PS_REASON_MAX)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK) {
		mon_worker_violation(w, sbuf_strerror(r));
		return;
	}
	if (c == NULL || callid != c->callid || is_error > 1 ||
	    (flags & ~PS_F_FINAL) != 0 || (!is_error && whylen > 0) ||
	    memchr(why, '\0', whylen) != NULL) {
		mon_worker_violation(w, "unexpected exec answer");
		return;
	}
	/*
	 * The audit record of an error holds the worker's precise reason
	 * (the audit writer escapes it); the client sees only the text.
	 */
	if (whylen > 0)
		(void)snprintf(reason, sizeof(reason), "tool error: %.*s",
		    (int)whylen, (const char *)why);
	else
		(void)snprintf(reason, sizeof(reason), "%s",
		    is_error ? "tool error" : "ok");
	/* Parts before the final one are reserved for streaming calls. */
	if ((flags & PS_F_FINAL) == 0)
		return;
	evtimer_del(w->timer);
	w->call = NULL;
	c->worker = NULL;
	w->ncalls++;
	mon_call_finish(mon, c, (int)is_error, reason, text, textlen);
	mon_worker_set_idle(mon, w);
}

static void
mon_worker_log(void *arg, struct sbuf *m)
{
	if (mon_child_log(m, "worker") != 0)
		mon_worker_violation(arg, "malformed log message");
}

static const struct ps_dispatch mon_worker_ent[] = {
	{ PS_EXEC_ANS, PS_TR_ANY, W_ST_BUSY, 0, mon_worker_exec_ans },
	{ PS_LOG_REQ, PS_TR_ANY, W_ST_ANY, 0, mon_worker_log },
	{ PS_INIT_ANS, PS_TR_ANY, W_ST_STARTING, PS_ONCE, mon_worker_init_ans },
};
static const struct ps_table mon_worker_table = PS_TABLE("worker",
    mon_worker_ent, mon_worker_violation, NULL);

static void
mon_worker_readcb(struct bufferevent *bev, void *arg)
{
	struct mon_worker *w = arg;
	struct monitor *mon = w->mon;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t type;
	int r;

	while (w->bev != NULL && (r = pmsg_take(in, &type, mon->msg)) ==
	    PMSG_OK)
		if (ps_dispatch(&mon_worker_table, &w->chan, w, type,
		    mon->msg) != 0)
			return;
	if (w->bev != NULL && r != PMSG_MORE)
		mon_worker_violation(w, "bad frame");
}

static void
mon_worker_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct mon_worker *w = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) == 0)
		return;
	mon_worker_fail(w->mon, w, "worker exited");
	/*
	 * The worker closed its channel first: it ended, or is ending, of
	 * its own accord or by someone else's signal, and our kill only
	 * follows.  mon_reaped must log and audit its end as a crash.
	 */
	w->killed = 0;
}

/* Watch a worker's channel fd (a new worker's, or the fuzzer's end). */
void
mon_worker_attach(struct monitor *mon, struct mon_worker *w, int fd)
{
	w->bev = mon_bev_new(mon, fd, mon_worker_readcb, NULL,
	    mon_worker_eventcb, w, "a worker channel");
	if (bufferevent_enable(w->bev, EV_READ | EV_WRITE) != 0)
		fatal_f("bufferevent_enable");
}

void
mon_worker_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct mon_worker *w = arg;

	/* The same timer measures idle time and a call's running time. */
	if (w->chan.state == W_ST_IDLE) {
		mon_worker_retire(w->mon, w, "WorkerIdleTimeout reached");
		return;
	}
	error("worker %ld passed ToolTimeout (%lds); killing it",
	    (long)w->pid, w->mon->cfg->tool_timeout);
	mon_worker_fail(w->mon, w, "tool timed out");
}

/*
 * Take a worker out of service: kill it, fail its call, free its channel.
 * The slot is refilled when SIGCHLD reports the process gone.
 */
void
mon_worker_fail(struct monitor *mon, struct mon_worker *w, const char *why)
{
	struct mon_call *c = w->call;
	static const char text[] = "tool failed";

	if (w->chan.state == W_ST_DEAD)
		return;
	if (w->chan.state == W_ST_STARTING)
		mon->start_failures++;
	w->chan.state = W_ST_DEAD;
	w->killed = 1;
	if (w->pid > 0)
		(void)kill(w->pid, SIGKILL);
	evtimer_del(w->timer);
	if (w->bev != NULL) {
		bufferevent_free(w->bev);
		w->bev = NULL;
	}
	if (c != NULL) {
		w->call = NULL;
		c->worker = NULL;
		mon_call_finish(mon, c, 1, why, text, sizeof(text) - 1);
	}
}

void
mon_worker_start(struct monitor *mon, struct mon_worker *w)
{
	const struct mcpd_config *cfg = mon->cfg;
	int fd;

	if (mon->start_failures >= MON_START_FAILURES_MAX) {
		error("%u workers in a row died before they were ready: "
		    "giving up (check Database, ToolUser and the log)",
		    mon->start_failures);
		mon_audit_event(mon, "process", AUDIT_ERROR,
		    "workers cannot start");
		mon_stop(mon, 1);
		return;
	}
	w->killed = 0;
	w->ncalls = 0;
	w->call = NULL;
	if ((w->pid = spawn_child("worker", 0, &fd)) == -1) {
		w->chan.state = W_ST_DEAD;
		mon->start_failures++;
		return;
	}
	mon_worker_attach(mon, w, fd);
	w->chan = (struct ps_chan){ mon->http ? PS_TR_HTTP : PS_TR_STDIO,
	    W_ST_STARTING, 0 };

	mon_init_begin(mon, PS_KIND_WORKER);
	mon_put(mon, sbuf_put_u32(mon->ans, mon->p->drop ? 1 : 0));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->tool_uid));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)mon->p->tool_gid));
	mon_put(mon, sbuf_put_cstring(mon->ans, cfg->database));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->query_max_rows));
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)cfg->query_timeout));
	mon_put(mon, sbuf_put_u32(mon->ans,
	    (uint32_t)cfg->max_message_size));
	(void)mon_send(mon, w->bev, PS_INIT_REQ);
	debug_f("worker %zu started as pid %ld", w->idx, (long)w->pid);
}

/* Hand queued calls to idle workers. */
void
mon_schedule(struct monitor *mon)
{
	struct mon_call *c;
	struct mon_worker *w;
	struct timeval tv;
	size_t i;

	for (i = 0; i < mon->nworkers && !TAILQ_EMPTY(&mon->queue); i++) {
		w = &mon->workers[i];
		if (w->chan.state != W_ST_IDLE)
			continue;
		c = TAILQ_FIRST(&mon->queue);
		TAILQ_REMOVE(&mon->queue, c, qentry);
		c->queued = 0;
		c->worker = w;
		w->call = c;
		w->chan.state = W_ST_BUSY;

		sbuf_reset(mon->ans);
		mon_put(mon, sbuf_put_u32(mon->ans, c->callid));
		mon_put(mon, sbuf_put_cstring(mon->ans, c->tool));
		mon_put(mon, sbuf_put_string(mon->ans, c->args, c->argslen));
		(void)mon_send(mon, w->bev, PS_EXEC_REQ);

		tv.tv_sec = mon->cfg->tool_timeout;
		tv.tv_usec = 0;
		if (evtimer_add(w->timer, &tv) != 0)
			fatal_f("evtimer_add");
	}
}
