/*
 * Tool worker process (DESIGN 1 and 10).  Started by the monitor as a
 * fresh exec with the monitor channel on fd; see worker.h.
 *
 * Order matters: everything that needs a privilege or opens a file (the
 * database and its -wal and -shm files, the time zone, SQLite's PRNG
 * seed) happens first; then the worker binds its life to the monitor's,
 * drops to ToolUser, sets its rlimits and no_new_privs, installs its
 * seccomp profile, and only then tells the monitor it is ready.  After
 * that it reads nothing but PS_EXEC_REQ, runs one call at a time, and
 * answers each with one final PS_EXEC_ANS.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "child.h"
#include "log.h"
#include "msg.h"
#include "privdrop.h"
#include "proto.h"
#include "sandbox.h"
#include "sbuf.h"
#include "sqltools.h"
#include "worker.h"
#include "xmalloc.h"

/*
 * Open files a worker may have: stdio, the monitor channel, and SQLite's
 * database, -wal and -shm files for two connections, with room to spare.
 * Nothing is opened after start-up.
 */
#define WORKER_NOFILE_MAX	64

/* The largest message the worker reads: PS_EXEC_REQ at its caps. */
#define WORKER_REQ_MAX	(4 + (4 + PS_NAME_MAX) + (4 + PS_ARGS_MAX))
/* The largest answer: PS_EXEC_ANS with a text at its cap. */
#define WORKER_ANS_MAX	(4 + 4 + 4 + (4 + PS_TEXT_MAX))

/* What a client sees when the worker itself fails a call. */
#define WORKER_MSG_INTERNAL	"internal error"

struct worker_init {
	uint32_t	 drop;
	uint32_t	 uid;
	uint32_t	 gid;
	char		*database;
	uint32_t	 max_rows;
	uint32_t	 timeout_ms;
	uint32_t	 max_result;
};

/* The rest of PS_INIT_REQ after child_read_init() (privsep/proto.h). */
static void
worker_parse_init(struct sbuf *m, struct worker_init *wi)
{
	int r;

	memset(wi, 0, sizeof(*wi));
	if ((r = sbuf_get_u32(m, &wi->drop)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &wi->uid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &wi->gid)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &wi->database, PS_PATH_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &wi->max_rows)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &wi->timeout_ms)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &wi->max_result)) != SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		fatal_f("malformed init message: %s", sbuf_strerror(r));
	if (wi->drop > 1)
		fatal_f("malformed init message: drop %u", wi->drop);
	if (wi->database[0] == '\0')
		fatal("worker: no Database configured");
	if (wi->max_result > PS_TEXT_MAX)
		fatal_f("result cap %u above the protocol's %u",
		    wi->max_result, PS_TEXT_MAX);
}

/* Serve one PS_EXEC_REQ (in m) and answer it on fd. */
static void
worker_exec(int fd, struct sqltools *t, struct sbuf *m, struct sbuf *ans)
{
	uint32_t callid;
	char *tool = NULL, *text = NULL;
	uint8_t *args = NULL;
	size_t argslen = 0;
	int r, is_error = 1;

	if ((r = sbuf_get_u32(m, &callid)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &tool, PS_NAME_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string(m, &args, &argslen, PS_ARGS_MAX)) !=
	    SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		fatal_f("malformed exec request: %s", sbuf_strerror(r));

	r = sqltools_exec(t, tool, (const char *)args, argslen, &text,
	    &is_error);
	if (r != SQLT_OK) {
		error_f("call %u (%s): sqltools_exec failed: %d", callid, tool,
		    r);
		text = NULL;
		is_error = 1;
	} else if (is_error)
		debug_f("call %u (%s): %s", callid, tool, sqltools_detail(t));

	/* Arguments and results may hold data worth keeping out of RAM. */
	freezero(args, argslen);
	sbuf_reset(ans);
	if ((r = sbuf_put_u32(ans, callid)) != SBUF_OK ||
	    (r = sbuf_put_u32(ans, PS_F_FINAL)) != SBUF_OK ||
	    (r = sbuf_put_u32(ans, is_error ? 1 : 0)) != SBUF_OK ||
	    (r = sbuf_put_cstring(ans, text != NULL ? text :
	    WORKER_MSG_INTERNAL)) != SBUF_OK)
		fatal_f("composing the answer to call %u: %s", callid,
		    sbuf_strerror(r));
	strfreezero(text);
	free(tool);
	if (pmsg_write_fd(fd, PS_EXEC_ANS, ans) != PMSG_OK)
		fatal_f("cannot answer the monitor");
	sbuf_reset(ans);
}

void
worker_main(int fd)
{
	struct worker_init wi;
	struct sqltools *t;
	struct sbuf *m, *ans;
	struct evbuffer *in;
	char err[256];
	pid_t ppid;
	uint8_t type;
	int r;

	ppid = getppid();
	privdrop_harden_process();
	if ((m = sbuf_new(WORKER_REQ_MAX)) == NULL ||
	    (ans = sbuf_new(WORKER_ANS_MAX)) == NULL ||
	    (in = evbuffer_new()) == NULL)
		fatal_f("out of memory");
	child_read_init(fd, PS_KIND_WORKER, m);
	child_log_to_monitor(fd);
	worker_parse_init(m, &wi);

	/*
	 * Read the time zone now: SQLite's 'localtime' modifier would
	 * otherwise open /etc/localtime on first use, after the sandbox is
	 * on.
	 */
	tzset();
	if ((t = sqltools_open(wi.database, wi.max_rows, wi.timeout_ms,
	    wi.max_result, err, sizeof(err))) == NULL)
		fatal("worker: %s", err);
	if (!sqltools_writable(t)) {
		logit("worker: the database is read-only to the tools; "
		    "execute_sql, drop_table and delete_users will fail");
		debug_f("read-write connection: %s", sqltools_detail(t));
	}
	free(wi.database);
	wi.database = NULL;

	/* Die with the monitor; and do not start if it is already gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		fatal_f("prctl PR_SET_PDEATHSIG failed");
	if (getppid() != ppid)
		exit(0);

	if (wi.drop)
		privdrop_permanently(NULL, (uid_t)wi.uid, (gid_t)wi.gid);
	privdrop_rlimit(RLIMIT_NOFILE, WORKER_NOFILE_MAX);
	/* A worker runs SQLite in-process: it never needs a new process. */
	privdrop_rlimit(RLIMIT_NPROC, 0);
	/*
	 * No RLIMIT_FSIZE: the database and its -wal file must be able to
	 * grow.
	 */
	privdrop_no_new_privs();
	sandbox_worker_apply();
	child_init_done(fd);

	for (;;) {
		r = pmsg_read_fd(fd, in, &type, m);
		if (r == PMSG_ERR_IO)
			exit(0);	/* the monitor closed the channel */
		if (r != PMSG_OK)
			fatal_f("bad message from the monitor: %d", r);
		if (type != PS_EXEC_REQ)
			fatal_f("unexpected message type %u", type);
		worker_exec(fd, t, m, ans);
		sbuf_reset(m);
	}
}
