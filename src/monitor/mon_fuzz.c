/*
 * The monitor's fuzzing entry points (tests/fuzz/fuzz_monitor.c; see
 * monitor.h), compiled only in MCPD_FUZZ builds: a monitor without
 * children or signal handlers, whose channels are socketpairs the caller
 * holds the other ends of.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auditagg.h"
#include "log.h"
#include "monitor_int.h"
#include "ratelimit.h"
#include "sbuf.h"

#ifdef MCPD_FUZZ
struct monitor *
monitor_fuzz_new(struct monitor_params *p, int *net_peer, int *key_peer,
    int *worker_peers)
{
	struct monitor *mon;
	struct mon_worker *w;
	int sp[2], ksp[2] = { -1, -1 };
	size_t i;

	mon = mon_new(p);
	/* No process: nothing is ever killed (every kill() checks > 0). */
	mon->net_pid = -1;

	/* Workers that are ready and idle, without processes. */
	for (i = 0; i < mon->nworkers; i++) {
		w = &mon->workers[i];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			fatal_f("socketpair: %s", strerror(errno));
		mon_worker_attach(mon, w, sp[0]);
		worker_peers[i] = sp[1];
		mon_worker_set_idle(mon, w);
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1 ||
	    (mon->http && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    ksp) == -1))
		fatal_f("socketpair: %s", strerror(errno));
	*net_peer = sp[1];
	*key_peer = ksp[1];
	/*
	 * A small socket buffer on the key channel, so that a harness that
	 * never reads its answers fills it with a few requests, and what
	 * the monitor queues itself is soon what is tested.
	 */
	if (ksp[0] != -1 && setsockopt(ksp[0], SOL_SOCKET, SO_SNDBUF,
	    &(int){ 4096 }, sizeof(int)) != 0)
		fatal_f("setsockopt: %s", strerror(errno));
	mon_net_attach(mon, sp[0], ksp[0]);
	return mon;
}

struct event_base *
monitor_fuzz_base(struct monitor *mon)
{
	return mon->base;
}

int
monitor_fuzz_alive(const struct monitor *mon)
{
	return mon->net_bev != NULL && !mon->stopping;
}

size_t
monitor_fuzz_calls(const struct monitor *mon)
{
	return mon->ncalls;
}

size_t
monitor_fuzz_key_queued(const struct monitor *mon)
{
	return mon->key_bev == NULL ? 0 :
	    evbuffer_get_length(bufferevent_get_output(mon->key_bev));
}

size_t
monitor_fuzz_key_queue_max(void)
{
	/* Below the high mark when the last answer was added. */
	return MON_KEY_OUT_HIGH + PS_SIG_MAX + 64;
}

void
monitor_fuzz_free(struct monitor *mon)
{
	struct mon_call *c;
	size_t i;

	while ((c = TAILQ_FIRST(&mon->calls)) != NULL)
		mon_call_free(mon, c);
	mon_net_close(mon);
	for (i = 0; i < mon->nworkers; i++) {
		if (mon->workers[i].bev != NULL)
			bufferevent_free(mon->workers[i].bev);
		event_free(mon->workers[i].timer);
	}
	free(mon->workers);
	if (mon->net_in != NULL)
		evbuffer_free(mon->net_in);
	event_free(mon->net_restart);
	event_free(mon->key_stall);
	if (mon->flush_ev != NULL)
		event_free(mon->flush_ev);
	if (mon->checkpoint_ev != NULL)
		event_free(mon->checkpoint_ev);
	free(mon->client_info);
	free(mon->protocol_version);
	sbuf_free(mon->msg);
	sbuf_free(mon->keymsg);
	sbuf_free(mon->ans);
	ratelimit_free(mon->rl_user);
	ratelimit_free(mon->rl_fail);
	ratelimit_free(mon->rl_notify);
	auditagg_free(mon->agg);
	event_base_free(mon->base);
	free(mon);
}
#endif /* MCPD_FUZZ */
