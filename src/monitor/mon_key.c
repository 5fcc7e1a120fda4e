/*
 * The key channel: the net process's TLS private-key operations
 * (PS_SIGN_REQ), done by the monitor, which alone holds the key.  Its
 * dispatch table is mon_key_ent; a net process that sends requests without
 * reading the answers is a violation, as on the net channel.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "monitor_int.h"
#include "msg.h"
#include "proto.h"
#include "sbuf.h"
#include "tlskey.h"

/*
 * If the answers stay above MON_KEY_OUT_HIGH this long, the net process
 * is not reading them: a violation too.  It reads each answer the
 * moment it comes, inside its TLS handshake.
 */
#define MON_KEY_STALL_SEC	2

/* PS_SIGN_REQ: one private-key operation of the net process's TLS. */
static void
mon_key_sign(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	char reason[160];

	sbuf_reset(mon->ans);
	reason[0] = '\0';
	if (tlskey_dispatch(mon->p->tlskey, m, mon->ans, reason,
	    sizeof(reason)) != 0) {
		mon_net_violation(mon, "malformed signing request");
		return;
	}
	if (reason[0] != '\0')
		error("TLS key: refused to sign: %s", reason);
	(void)mon_send(mon, mon->key_bev, PS_SIGN_ANS);
}

static const struct ps_dispatch mon_key_ent[] = {
	{ PS_SIGN_REQ, PS_TR_HTTP, PS_STATE_ANY, 0, mon_key_sign },
};
/* The key channel is the net process's: its violations are the same. */
static const struct ps_table mon_key_table = PS_TABLE("key channel",
    mon_key_ent, mon_net_violation, NULL);

static void
mon_key_readcb(struct bufferevent *bev, void *arg)
{
	struct monitor *mon = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct timeval stall = { MON_KEY_STALL_SEC, 0 };
	uint8_t type;
	int r;

	for (;;) {
		if (mon->key_bev == NULL)
			return;
		if (evbuffer_get_length(bufferevent_get_output(bev)) >=
		    MON_KEY_OUT_HIGH) {
			if (evbuffer_get_length(in) > 0) {
				mon_net_violation(mon, "signature requests "
				    "sent without reading the answers");
				return;
			}
			/*
			 * The write callback resumes below the low mark;
			 * the stall timer ends a net process that never
			 * gets there.
			 */
			if (bufferevent_disable(bev, EV_READ) != 0 ||
			    evtimer_add(mon->key_stall, &stall) != 0)
				fatal_f("cannot pause the key channel");
			return;
		}
		if ((r = pmsg_take(in, &type, mon->keymsg)) != PMSG_OK)
			break;
		/* A violation frees key_bev: the loop ends above. */
		(void)ps_dispatch(&mon_key_table, &mon->key_chan, mon, type,
		    mon->keymsg);
	}
	if (r != PMSG_MORE)
		mon_net_violation(mon, "bad frame on the key channel");
}

/* The answers have drained below the low mark: read requests again. */
static void
mon_key_writecb(struct bufferevent *bev, void *arg)
{
	struct monitor *mon = arg;

	if ((bufferevent_get_enabled(bev) & EV_READ) != 0)
		return;
	if (evtimer_del(mon->key_stall) != 0 ||
	    bufferevent_enable(bev, EV_READ) != 0)
		fatal_f("cannot resume the key channel");
	/* Requests may be waiting in the input already. */
	mon_key_readcb(bev, mon);
}

void
mon_key_stalled(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *mon = arg;

	if (mon->key_bev != NULL)
		mon_net_violation(mon, "signature answers left unread");
}

static void
mon_key_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct monitor *mon = arg;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0 &&
	    mon->key_bev != NULL) {
		bufferevent_free(mon->key_bev);
		mon->key_bev = NULL;
	}
}

/* Watch the key channel keyfd of a net process that serves HTTP. */
void
mon_key_attach(struct monitor *mon, int keyfd)
{
	mon->key_bev = mon_bev_new(mon, keyfd, mon_key_readcb, mon_key_writecb,
	    mon_key_eventcb, mon, "the key channel");
	bufferevent_setwatermark(mon->key_bev, EV_WRITE, MON_KEY_OUT_HIGH / 2,
	    0);
	if (bufferevent_enable(mon->key_bev, EV_READ | EV_WRITE) != 0)
		fatal_f("bufferevent_enable");
}
