/*
 * Start-up of a confined child: the monitor's first message tells it who
 * to become; nothing comes from the command line or the environment.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "child.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "privdrop.h"
#include "proto.h"
#include "sbuf.h"

static int child_log_fd = -1;

/*
 * PS_INIT_REQ: the fields every child reads (the rest is its kind's).
 * arg: the kind of process this child is.
 */
static void
child_init_req(void *arg, struct sbuf *payload)
{
	const uint32_t *kind = arg;
	uint32_t version, k, level;
	int r;

	if ((r = sbuf_get_u32(payload, &version)) != SBUF_OK ||
	    (r = sbuf_get_u32(payload, &k)) != SBUF_OK ||
	    (r = sbuf_get_u32(payload, &level)) != SBUF_OK)
		fatal_f("parse: %s", sbuf_strerror(r));
	if (version != PS_PROTO_VERSION)
		fatal_f("protocol version %u, expected %u", version,
		    PS_PROTO_VERSION);
	if (k != *kind)
		fatal_f("init for process kind %u, expected %u", k, *kind);
	if (level > LOG_LVL_DEBUG3)
		fatal_f("bad log level %u", level);
	log_set_level((int)level);
}

static void __attribute__((noreturn))
child_violation(void *arg, const char *what)
{
	fatal_f("unexpected message from the monitor: %s", what);
}

/* Before any other message, and once in the child's life. */
static const struct ps_dispatch child_ent[] = {
	{ PS_INIT_REQ, PS_TR_ANY, PS_STATE_ANY, PS_ONCE, child_init_req },
};
static const struct ps_table child_table = PS_TABLE("init", child_ent,
    child_violation, NULL);

void
child_read_init(int fd, uint32_t kind, struct sbuf *payload)
{
	/* The transport is in the kind's part of the message. */
	static struct ps_chan chan = { PS_TR_ANY, PS_STATE_ANY, 0 };
	struct evbuffer *in;
	uint8_t type;
	int r;

	if ((in = evbuffer_new()) == NULL)
		fatal_f("evbuffer_new failed");
	if ((r = pmsg_read_fd(fd, in, &type, payload)) != PMSG_OK)
		fatal_f("reading init message: %d", r);
	/* Anything after the init message would be lost with the buffer. */
	if (evbuffer_get_length(in) != 0)
		fatal_f("monitor sent data before acknowledging init");
	evbuffer_free(in);
	(void)ps_dispatch(&child_table, &chan, &kind, type, payload);
}

void
child_init_done(int fd)
{
	if (pmsg_write_fd(fd, PS_INIT_ANS, NULL) != PMSG_OK)
		fatal_f("cannot acknowledge init");
}

void
child_log_handler(int level, const char *msg, void *ctx)
{
	struct sbuf *b;

	/* Logging must never recurse into fatal(); drop what cannot go. */
	if ((b = sbuf_new(PS_LOGMSG_MAX + 16)) == NULL)
		return;
	if (sbuf_put_u32(b, (uint32_t)level) == SBUF_OK &&
	    sbuf_put_string(b, msg, strnlen(msg, PS_LOGMSG_MAX)) == SBUF_OK)
		(void)pmsg_write_fd(child_log_fd, PS_LOG_REQ, b);
	sbuf_free(b);
}

void
child_log_to_monitor(int fd)
{
	child_log_fd = fd;
	log_set_handler(child_log_handler, NULL);
}

void
child_start(const char *name, int argc)
{
	struct stat st;
	socklen_t len;
	int type = -1, domain = -1;

	/*
	 * Nothing on the command line or in the environment changes what a
	 * child does; the check only stops someone who runs it by hand
	 * before it waits for a monitor that is not there.  Whoever starts
	 * it still gets a process that confines itself before it reads
	 * anything but the init message.
	 */
	len = sizeof(type);
	if (argc != 1 || fstat(PS_CHANNEL_FD, &st) != 0 ||
	    !S_ISSOCK(st.st_mode) ||
	    getsockopt(PS_CHANNEL_FD, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(PS_CHANNEL_FD, SOL_SOCKET, SO_DOMAIN, &domain,
	    &len) != 0 || domain != AF_UNIX) {
		fprintf(stderr, "%s: started only by mcpd(8)\n", name);
		exit(1);
	}
	/*
	 * Executed through a descriptor, the process is named after its
	 * number; give it its own name for ps -e and pkill.
	 */
	if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0)
		fatal("prctl(PR_SET_NAME): %s", strerror(errno));
	privdrop_harden_process();
	log_init("mcpd", LOG_LVL_INFO, 1);
	child_log_to_monitor(PS_CHANNEL_FD);
}

void
child_check_unprivileged(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		fatal_f("getresuid/getresgid: %s", strerror(errno));
	if (ru == 0 || eu == 0 || su == 0 || rg == 0 || eg == 0 || sg == 0)
		fatal_f("running as root: refusing to run without dropping "
		    "privileges");
}
