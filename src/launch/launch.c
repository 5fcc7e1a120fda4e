/*
 * The start of a stdio upstream, confined (DESIGN.md section 11;
 * doc/privsep.md sections 1, 4 and 6).  mcpd-launch holds nothing of
 * mcpd's: no key, no token, no configuration; what it is told comes in
 * one PS_LAUNCH_REQ, already decided by the monitor (the user, the
 * paths, the environment).  It applies it in this order, each step while
 * the next still needs what the step takes away:
 *
 *   1. unshare(CLONE_NEWNET) for network=none: needs root (CAP_SYS_ADMIN);
 *      the new namespace has only a loopback interface, down, so the
 *      upstream has no network at all;
 *   2. chdir(cwd), while the paths mcpd's uid can reach are still
 *      reachable (and after the drop, the path checked again as the
 *      upstream's user);
 *   3. the verified drop to uid and gid (privsep/privdrop.c); not started
 *      as root (development), the uid is kept, with a warning;
 *   4. PR_SET_PDEATHSIG SIGKILL, after the uid change that would clear it:
 *      the upstream dies with whoever started it;
 *   5. PR_SET_NO_NEW_PRIVS, which Landlock and seccomp require;
 *   6. the rlimits;
 *   7. Landlock (landlock.c);
 *   8. the seccomp deny list (sandbox/profile_launch.c);
 *   9. every descriptor above 2 closed, the channel close-on-exec;
 *  10. PS_LAUNCH_ANS, then execve of the upstream with exactly the
 *      environment given.
 *
 * Any failure before the answer is answered with PS_LAUNCH_FAILED and its
 * reason (the fatal log line), and the process exits 1: an upstream never
 * runs less confined than it was asked to be.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "child.h"
#include "dispatch.h"
#include "launch.h"
#include "log.h"
#include "msg.h"
#include "privdrop.h"
#include "proto.h"
#include "sandbox.h"
#include "sbuf.h"
#include "xmalloc.h"

/* The largest request: PS_LAUNCH_REQ with every field at its cap. */
#define LAUNCH_REQ_MAX	(6 * 4 + (4 + PS_PATH_MAX) + \
	2 * (4 + PS_LAUNCH_PATHS_MAX * (4 + PS_PATH_MAX)) + \
	2 * (4 + PS_LAUNCH_STRS_MAX * (4 + PS_LAUNCH_STR_MAX)))
/* The answer, its reason at the cap. */
#define LAUNCH_ANS_MAX	(3 * 4 + 4 + PS_REASON_MAX)

/* One list of strings of the request, NULL-terminated for execve. */
struct launch_strs {
	char	**v;
	size_t	  n;
};

struct launch_req {
	uint32_t		uid;
	uint32_t		gid;
	char			*cwd;
	uint32_t		network;
	uint32_t		nofile;
	uint32_t		nproc;
	struct launch_strs	rd;
	struct launch_strs	wr;
	struct launch_strs	env;
	struct launch_strs	argv;
};

/* What the answer says, as far as the start got. */
static int launch_fd = -1;
static int launch_answered;
static uint32_t launch_abi;
static uint32_t launch_flags;
static char launch_reason[PS_REASON_MAX];

static void
launch_answer(uint32_t status, const char *reason)
{
	struct sbuf *b;

	if (launch_answered)
		return;
	launch_answered = 1;
	if ((b = sbuf_new(LAUNCH_ANS_MAX)) == NULL)
		return;
	if (sbuf_put_u32(b, status) == SBUF_OK &&
	    sbuf_put_u32(b, launch_abi) == SBUF_OK &&
	    sbuf_put_u32(b, launch_flags) == SBUF_OK &&
	    sbuf_put_string(b, reason, strnlen(reason, PS_REASON_MAX)) ==
	    SBUF_OK)
		(void)pmsg_write_fd(launch_fd, PS_LAUNCH_ANS, b);
	sbuf_free(b);
}

/*
 * A fatal line is the failure's reason, for the answer (sent by
 * launch_fatal_answer() as fatal() exits); every other line goes to the
 * starter as a PS_LOG_REQ, as any child's.
 */
static void
launch_log(int level, const char *msg, void *ctx)
{
	const char *pfx = "fatal: ";

	if (level != LOG_LVL_FATAL) {
		child_log_handler(level, msg, ctx);
		return;
	}
	if (strncmp(msg, pfx, strlen(pfx)) == 0)
		msg += strlen(pfx);
	(void)snprintf(launch_reason, sizeof(launch_reason), "%s", msg);
}

static void
launch_fatal_answer(void)
{
	launch_answer(PS_LAUNCH_FAILED, launch_reason[0] != '\0' ?
	    launch_reason : "failed");
}

static void __attribute__((noreturn))
launch_violation(void *arg, const char *what)
{
	fatal("unexpected message: %s", what);
}

/* u32 n + n * str: at most max strings of at most cap bytes each. */
static void
launch_get_strs(struct sbuf *m, const char *what, size_t max, size_t cap,
    struct launch_strs *out)
{
	uint32_t n, i;
	int r;

	if ((r = sbuf_get_u32(m, &n)) != SBUF_OK)
		fatal("malformed request: %s: %s", what, sbuf_strerror(r));
	if (n > max)
		fatal("malformed request: %u %s, at most %zu", n, what, max);
	out->n = n;
	out->v = xcalloc((size_t)n + 1, sizeof(*out->v));
	for (i = 0; i < n; i++)
		if ((r = sbuf_get_cstring(m, &out->v[i], cap)) != SBUF_OK)
			fatal("malformed request: %s %u: %s", what, i,
			    sbuf_strerror(r));
}

static void
launch_check_abs(const char *what, const char *path)
{
	if (path[0] != '/')
		fatal("%s \"%s\" is not an absolute path", what, path);
}

/* PS_LAUNCH_REQ (privsep/proto.h), checked whole before anything runs. */
static void
launch_req_parse(void *arg, struct sbuf *m)
{
	struct launch_req *req = arg;
	uint32_t version;
	size_t i;
	int r;

	if ((r = sbuf_get_u32(m, &version)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &req->uid)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &req->gid)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &req->cwd, PS_PATH_MAX)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &req->network)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &req->nofile)) != SBUF_OK ||
	    (r = sbuf_get_u32(m, &req->nproc)) != SBUF_OK)
		fatal("malformed request: %s", sbuf_strerror(r));
	launch_get_strs(m, "read paths", PS_LAUNCH_PATHS_MAX, PS_PATH_MAX,
	    &req->rd);
	launch_get_strs(m, "write paths", PS_LAUNCH_PATHS_MAX, PS_PATH_MAX,
	    &req->wr);
	launch_get_strs(m, "environment strings", PS_LAUNCH_STRS_MAX,
	    PS_LAUNCH_STR_MAX, &req->env);
	launch_get_strs(m, "arguments", PS_LAUNCH_STRS_MAX, PS_LAUNCH_STR_MAX,
	    &req->argv);
	if ((r = sbuf_expect_end(m)) != SBUF_OK)
		fatal("malformed request: %s", sbuf_strerror(r));

	if (version != PS_PROTO_VERSION)
		fatal("protocol version %u, expected %u", version,
		    PS_PROTO_VERSION);
	/* Whoever asks, in every mode: an upstream never runs as root. */
	if (req->uid == 0 || req->gid == 0)
		fatal("refusing to run an upstream as uid %u gid %u",
		    req->uid, req->gid);
	launch_check_abs("cwd", req->cwd);
	if (req->network != PS_LAUNCH_NET_NONE &&
	    req->network != PS_LAUNCH_NET_HOST)
		fatal("bad network %u", req->network);
	if (req->nofile < PS_LAUNCH_NOFILE_MIN ||
	    req->nofile > PS_LAUNCH_NOFILE_MAX)
		fatal("nofile %u out of range %d..%d", req->nofile,
		    PS_LAUNCH_NOFILE_MIN, PS_LAUNCH_NOFILE_MAX);
	if (req->nproc > PS_LAUNCH_NPROC_MAX)
		fatal("nproc %u above %d", req->nproc, PS_LAUNCH_NPROC_MAX);
	for (i = 0; i < req->rd.n; i++)
		launch_check_abs("read path", req->rd.v[i]);
	for (i = 0; i < req->wr.n; i++)
		launch_check_abs("write path", req->wr.v[i]);
	for (i = 0; i < req->env.n; i++) {
		/* NAME=VALUE, NAME not empty. */
		if (req->env.v[i][0] == '=' ||
		    strchr(req->env.v[i], '=') == NULL)
			fatal("environment string %zu is not NAME=VALUE", i);
	}
	if (req->argv.n == 0)
		fatal("no program to execute");
	launch_check_abs("program", req->argv.v[0]);
}

/* Its one message, before anything else. */
static const struct ps_dispatch launch_ent[] = {
	{ PS_LAUNCH_REQ, PS_TR_ANY, PS_STATE_ANY, PS_ONCE, launch_req_parse },
};
static const struct ps_table launch_table = PS_TABLE("launch", launch_ent,
    launch_violation, NULL);

/*
 * The request may carry the upstream's secrets (envfile=): they live in
 * this process until execve replaces its memory, or until it exits.
 */
static void
launch_read_req(int fd, struct launch_req *req)
{
	struct ps_chan chan = { PS_TR_ANY, PS_STATE_ANY, 0 };
	struct evbuffer *in;
	struct sbuf *m;
	uint8_t type;
	int r;

	if ((in = evbuffer_new()) == NULL ||
	    (m = sbuf_new(LAUNCH_REQ_MAX)) == NULL)
		fatal_f("out of memory");
	if ((r = pmsg_read_fd(fd, in, &type, m)) != PMSG_OK)
		fatal("reading the request: %s", r == PMSG_ERR_SIZE ?
		    "too large" : r == PMSG_ERR_IO ? "end of file" :
		    "out of memory");
	if (evbuffer_get_length(in) != 0)
		fatal("data after the request");
	evbuffer_free(in);
	(void)ps_dispatch(&launch_table, &chan, req, type, m);
	sbuf_free(m);
}

/*
 * fds 0, 1 and 2 are the upstream's stdin, stdout and stderr: a closed
 * one would be taken by the next file opened, here or in the upstream.
 */
static void
launch_check_stdio(void)
{
	int i;

	for (i = 0; i <= 2; i++)
		if (fcntl(i, F_GETFD) == -1)
			fatal("fd %d is not open", i);
}

/*
 * The rlimits of an upstream.  No core dump: it would hold the
 * upstream's secrets (envfile=) and land in its cwd.  A cap on
 * descriptors, which the monitor chooses (1024, the usual soft limit,
 * is what programs are written for) and which bounds what one upstream
 * takes of the system's table.  A cap on processes and threads of its
 * uid, against a fork bomb, only when the uid is the upstream's own:
 * with mcpd's uid kept (development) it would count every process of
 * the developer.  No RLIMIT_AS: runtimes reserve far more address space
 * than they use (V8's pointer cage, Go's arenas, WebAssembly memories)
 * and fail at start under any useful cap; memory is a cgroup's job
 * (MemoryMax= in the systemd unit).
 */
static void
launch_rlimits(const struct launch_req *req)
{
	privdrop_rlimit(RLIMIT_CORE, 0);
	privdrop_rlimit(RLIMIT_NOFILE, req->nofile);
	if (req->nproc != 0 && (launch_flags & PS_LAUNCH_F_UID_KEPT) == 0)
		privdrop_rlimit(RLIMIT_NPROC, req->nproc);
}

/*
 * Signals the starter ignored stay ignored across execve, and its mask
 * stays blocked: the upstream starts with the defaults, whoever started
 * it.
 */
static void
launch_signals_default(void)
{
	struct sigaction sa;
	sigset_t set;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &sa) != 0 ||
		    sa.sa_handler != SIG_IGN)
			continue;
		sa.sa_handler = SIG_DFL;
		if (sigaction(sig, &sa, NULL) != 0)
			fatal_f("sigaction %d: %s", sig, strerror(errno));
	}
	(void)sigemptyset(&set);
	if (sigprocmask(SIG_SETMASK, &set, NULL) != 0)
		fatal_f("sigprocmask: %s", strerror(errno));
}

void
launch_main(int fd)
{
	struct launch_req req;
	pid_t ppid;
	int abi;

	ppid = getppid();
	launch_fd = fd;
	log_set_handler(launch_log, NULL);
	log_set_fatal_cleanup(launch_fatal_answer);
	launch_check_stdio();
	memset(&req, 0, sizeof(req));
	launch_read_req(fd, &req);

	/* 1. */
	if (req.network == PS_LAUNCH_NET_NONE &&
	    unshare(CLONE_NEWNET) != 0)
		fatal("network=none: unshare(CLONE_NEWNET): %s%s",
		    strerror(errno), geteuid() != 0 ? " (needs root)" : "");
	/* 2. */
	if (chdir(req.cwd) != 0)
		fatal("cwd %s: %s", req.cwd, strerror(errno));
	/* 3. */
	if (geteuid() == 0)
		privdrop_permanently(NULL, (uid_t)req.uid, (gid_t)req.gid);
	else {
		child_check_unprivileged();
		launch_flags |= PS_LAUNCH_F_UID_KEPT;
		logit("mcpd-launch: not started as root: the upstream keeps "
		    "uid %u (not %u)", (unsigned)getuid(), req.uid);
	}
	/*
	 * The chdir() above was root's: a cwd the upstream's user could
	 * not reach would hand it a directory its modes keep it out of.
	 */
	if (access(req.cwd, X_OK) != 0)
		fatal("cwd %s: %s", req.cwd, strerror(errno));
	/* 4. */
	privdrop_die_with_parent(ppid);
	/* 5. */
	privdrop_no_new_privs();
	/* 6. */
	launch_rlimits(&req);
	/*
	 * What execve would find, asked as the upstream's user while a
	 * failure can still be answered: a missing program, or one this
	 * user may not execute.
	 */
	if (access(req.argv.v[0], X_OK) != 0)
		fatal("program %s: %s", req.argv.v[0], strerror(errno));
	/* 7. */
	abi = launch_landlock(req.rd.v, req.rd.n, req.wr.v, req.wr.n,
	    req.argv.v[0], req.network == PS_LAUNCH_NET_NONE);
	launch_abi = (uint32_t)abi;
	if (abi == 0)
		logit("mcpd-launch: the kernel has no Landlock: read= and "
		    "write= are not enforced");
	/* 8. */
	sandbox_launch_apply();
	/* 9. */
	if (close_range(PS_CHANNEL_FD + 1, ~0U, 0) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		fatal("closing descriptors: %s", strerror(errno));
	launch_signals_default();
	/* 10. */
	launch_answer(PS_LAUNCH_OK, "");
	(void)execve(req.argv.v[0], req.argv.v, req.env.v);
	/* After the answer, stderr (the upstream's) is the one witness. */
	dprintf(STDERR_FILENO, "mcpd-launch: execve %s: %s\n", req.argv.v[0],
	    strerror(errno));
	_exit(127);
}
