/*
 * Tool worker process (doc/privsep.md, sections 1 and 6; mcpd.conf(5),
 * BUILT-IN TOOLS).  Started by the monitor as a fresh exec with the
 * monitor channel on fd; see worker.h.
 *
 * Order matters: everything that needs a privilege or opens a file (the
 * database and its -wal and -shm files, the time zone, SQLite's PRNG
 * seed) happens first; then the worker drops to ToolUser, binds its life
 * to the monitor's (after the drop, which would disarm it), sets its
 * rlimits and no_new_privs, installs its seccomp profile, and only then
 * tells the monitor it is ready.  After that it reads nothing but
 * PS_EXEC_REQ, runs one call at a time, and answers each with one final
 * PS_EXEC_ANS.
 *
 * Each call runs under a CPU cap of its own: the RLIMIT_CPU soft limit is
 * set before the call to the CPU time used so far plus the query time cap
 * and some slack, so that one call cannot burn the CPU whatever SQLite's
 * progress handler does; the kernel's SIGXCPU then kills the worker, and
 * the monitor reports it and starts another.
 */
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <sqlite3.h>

#include "child.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "privdrop.h"
#include "proto.h"
#include "sandbox.h"
#include "sanitize.h"
#include "sbuf.h"
#include "sqltools.h"
#include "worker.h"
#include "xmalloc.h"

/*
 * Open files a worker may have: stdio, the monitor channel, and SQLite's
 * database, -wal and -shm files recorded at start-up (at most
 * WORKER_FILES_MAX), with room to spare.  Nothing is opened after
 * start-up.
 */
#define WORKER_NOFILE_MAX	64
/*
 * Address space: SQLite's heap is capped at SQLT_HEAP_MAX (256 MiB); the
 * rest is the program, its libraries and the -shm mapping.
 */
#define WORKER_AS_MAX		(1UL << 30)
/* Seconds of CPU time a call may use beyond the query time cap. */
#define WORKER_CPU_SLACK	2
/*
 * The hard RLIMIT_CPU: the CPU seconds a worker may use in its life.  A
 * worker that could not fit one more call under it exits after its answer
 * and the monitor starts a fresh one.  Above the longest call
 * (SQLT_TIMEOUT_MAX plus the slack).
 */
#define WORKER_CPU_LIFE		(4UL * 3600)

/* The largest message the worker reads: PS_EXEC_REQ at its caps. */
#define WORKER_REQ_MAX	(4 + (4 + PS_NAME_MAX) + (4 + PS_ARGS_MAX))
/* The largest answer: PS_EXEC_ANS, its text and reason at their caps. */
#define WORKER_ANS_MAX	(4 + 4 + 4 + (4 + PS_TEXT_MAX) + \
			 (4 + PS_REASON_MAX))

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

/*
 * SQLite's file system calls, recorded at start-up and replayed later.
 *
 * Every call opens a fresh SQLite connection and closes it at its end
 * (sqltools.c), but once the sandbox is on the worker may not open a
 * file (openat kills it), nor close one.  So the worker sits between
 * SQLite's unix VFS and the kernel (its system call table,
 * xSetSystemCall): while sqltools_open() opens the anchor connection and
 * one connection of each kind, every file SQLite opens is recorded, with
 * its path and access mode, and never really closed; from then on an
 * open of a recorded path and mode hands out a recorded descriptor that
 * is not in use, and a close marks it free again.  Nothing new is ever
 * opened: a call's connection can reach only the files the worker had
 * at start-up, and the seccomp profile is unchanged.
 *
 * The other path-based calls SQLite makes while opening a connection
 * are answered from the recorded descriptors, not from the file system
 * (which the worker, after its privilege drop, may not even be able to
 * search): stat, lstat and access of a recorded path look at its
 * descriptor, any other path does not exist (SQLite asks whether a
 * rollback journal exists; in WAL mode there is none).  fchmod and
 * fchown of a recorded file, which SQLite tries on an empty -wal file
 * whose mode differs from the database's, are skipped: the worker may
 * not change modes.  unlink, readlink and getcwd are refused.  And
 * SQLite still opens one thing late, the directory of a WAL file, to
 * fsync it at the WAL's first commit: not recorded, so refused, which
 * SQLite's unixSync() takes as "nothing to sync"; worker_sync_dir() has
 * done it.
 */
#define WORKER_FILES_MAX	16

struct worker_file {
	char	*path;
	int	 accmode;	/* O_RDONLY, O_WRONLY or O_RDWR */
	int	 fd;
	int	 busy;		/* handed to SQLite, not closed since */
};

static struct worker_file worker_files[WORKER_FILES_MAX];
static size_t worker_nfiles;
static int worker_replay;	/* 0: recording, 1: replaying */
static uid_t worker_euid;

static struct worker_file *
worker_file_by_fd(int fd)
{
	size_t i;

	for (i = 0; i < worker_nfiles; i++) {
		if (worker_files[i].fd == fd)
			return &worker_files[i];
	}
	return NULL;
}

static struct worker_file *
worker_file_by_path(const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < worker_nfiles; i++) {
		if (strcmp(worker_files[i].path, path) == 0)
			return &worker_files[i];
	}
	return NULL;
}

static int
worker_sqlite_open(const char *path, int flags, int mode)
{
	struct worker_file *f;
	struct stat st;
	size_t i;
	int fd;

	if (worker_replay) {
		for (i = 0; i < worker_nfiles; i++) {
			f = &worker_files[i];
			if (!f->busy && f->accmode == (flags & O_ACCMODE) &&
			    strcmp(f->path, path) == 0) {
				f->busy = 1;
				return f->fd;
			}
		}
		debug_f("refused: %s (flags %#x)", path, (unsigned)flags);
		errno = EACCES;
		return -1;
	}
	if (worker_nfiles >= WORKER_FILES_MAX) {
		errno = EMFILE;
		return -1;
	}
	if ((fd = open(path, flags | O_CLOEXEC, (mode_t)mode)) == -1)
		return -1;
	/* Only files: not the directory SQLite syncs, nor /dev/urandom. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return fd;
	f = &worker_files[worker_nfiles];
	if ((f->path = strdup(path)) == NULL) {
		(void)close(fd);
		errno = ENOMEM;
		return -1;
	}
	f->accmode = flags & O_ACCMODE;
	f->fd = fd;
	f->busy = 1;
	worker_nfiles++;
	return fd;
}

static int
worker_sqlite_close(int fd)
{
	struct worker_file *f;

	if ((f = worker_file_by_fd(fd)) != NULL) {
		f->busy = 0;
		return 0;
	}
	if (worker_replay) {
		errno = EBADF;
		return -1;
	}
	return close(fd);
}

static int
worker_sqlite_stat(const char *path, struct stat *st)
{
	struct worker_file *f;

	if (!worker_replay)
		return stat(path, st);
	if ((f = worker_file_by_path(path)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	return fstat(f->fd, st);
}

static int
worker_sqlite_lstat(const char *path, struct stat *st)
{
	if (!worker_replay)
		return lstat(path, st);
	/* A recorded path is the resolved one: not a symbolic link. */
	return worker_sqlite_stat(path, st);
}

static int
worker_sqlite_access(const char *path, int mode)
{
	if (!worker_replay)
		return access(path, mode);
	if (worker_file_by_path(path) == NULL) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int
worker_sqlite_fchmod(int fd, mode_t mode)
{
	if (!worker_replay)
		return fchmod(fd, mode);
	return 0;
}

static int
worker_sqlite_fchown(int fd, uid_t uid, gid_t gid)
{
	if (!worker_replay)
		return fchown(fd, uid, gid);
	return 0;
}

static uid_t
worker_sqlite_geteuid(void)
{
	return worker_replay ? worker_euid : geteuid();
}

/*
 * A file SQLite deletes at start-up (the rollback journal, when the
 * first connection switches the database to WAL) is forgotten: a later
 * connection must not find it.
 */
static int
worker_sqlite_unlink(const char *path)
{
	struct worker_file *f;

	if (worker_replay) {
		errno = EACCES;
		return -1;
	}
	while ((f = worker_file_by_path(path)) != NULL) {
		if (!f->busy)
			(void)close(f->fd);
		free(f->path);
		*f = worker_files[--worker_nfiles];
	}
	return unlink(path);
}

static ssize_t
worker_sqlite_readlink(const char *path, char *buf, size_t len)
{
	if (!worker_replay)
		return readlink(path, buf, len);
	errno = EINVAL;
	return -1;
}

static char *
worker_sqlite_getcwd(char *buf, size_t len)
{
	if (!worker_replay)
		return getcwd(buf, len);
	errno = EACCES;
	return NULL;
}

/* Put the worker between SQLite and the kernel; see above. */
static void
worker_sqlite_record(void)
{
	static const struct {
		const char		*name;
		sqlite3_syscall_ptr	 fn;
	} calls[] = {
		{ "open",	(sqlite3_syscall_ptr)worker_sqlite_open },
		{ "close",	(sqlite3_syscall_ptr)worker_sqlite_close },
		{ "stat",	(sqlite3_syscall_ptr)worker_sqlite_stat },
		{ "lstat",	(sqlite3_syscall_ptr)worker_sqlite_lstat },
		{ "access",	(sqlite3_syscall_ptr)worker_sqlite_access },
		{ "fchmod",	(sqlite3_syscall_ptr)worker_sqlite_fchmod },
		{ "fchown",	(sqlite3_syscall_ptr)worker_sqlite_fchown },
		{ "geteuid",	(sqlite3_syscall_ptr)worker_sqlite_geteuid },
		{ "unlink",	(sqlite3_syscall_ptr)worker_sqlite_unlink },
		{ "readlink",	(sqlite3_syscall_ptr)worker_sqlite_readlink },
		{ "getcwd",	(sqlite3_syscall_ptr)worker_sqlite_getcwd },
	};
	sqlite3_vfs *vfs;
	size_t i;

	if ((vfs = sqlite3_vfs_find(NULL)) == NULL || vfs->iVersion < 3 ||
	    vfs->xSetSystemCall == NULL)
		fatal_f("cannot take the file calls from SQLite's VFS");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (vfs->xSetSystemCall(vfs, calls[i].name, calls[i].fn) !=
		    SQLITE_OK)
			fatal_f("cannot take \"%s\" from SQLite's VFS",
			    calls[i].name);
	}
}

/* From now on SQLite opens no file: see above.  After the drop. */
static void
worker_sqlite_replay(void)
{
	size_t i;

	worker_euid = geteuid();
	worker_replay = 1;
	for (i = 0; i < worker_nfiles; i++)
		debug_f("recorded %s, mode %d, fd %d%s", worker_files[i].path,
		    worker_files[i].accmode, worker_files[i].fd,
		    worker_files[i].busy ? ", in use" : "");
}

/*
 * What SQLite would do at the WAL's first sync: make the directory entries
 * of the database and its -wal and -shm files durable, now, while the
 * directory can still be opened.
 */
static void
worker_sync_dir(const char *database)
{
	char dir[PS_PATH_MAX + 1];
	const char *slash;
	size_t len;
	int fd;

	if ((slash = strrchr(database, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else {
		len = slash == database ? 1 : (size_t)(slash - database);
		if (len >= sizeof(dir))
			fatal_f("database path too long");
		memcpy(dir, database, len);
		dir[len] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		error_f("cannot open the database's directory: %s",
		    strerror(errno));
		return;
	}
	if (fsync(fd) != 0)
		debug_f("fsync of the database's directory: %s",
		    strerror(errno));
	(void)close(fd);
}

/* CPU seconds used so far, rounded up. */
static unsigned long
worker_cpu_used(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (unsigned long)ts.tv_sec + (ts.tv_nsec > 0 ? 1 : 0);
}

/*
 * Arm the CPU cap for the next call: the soft limit at what has been used
 * plus budget seconds, under the fixed hard limit.  Returns -1 if the
 * call would not fit under the hard limit.
 */
static int
worker_cpu_cap(unsigned long budget)
{
	/* The soft limit in force: most calls leave it where it is. */
	static unsigned long armed;
	struct rlimit rl;
	unsigned long soft;

	soft = worker_cpu_used() + budget;
	if (soft > WORKER_CPU_LIFE)
		return -1;
	if (soft == armed)
		return 0;
	rl.rlim_cur = (rlim_t)soft;
	rl.rlim_max = (rlim_t)WORKER_CPU_LIFE;
	if (setrlimit(RLIMIT_CPU, &rl) != 0)
		fatal_f("setrlimit(RLIMIT_CPU, %lu): %s", soft,
		    strerror(errno));
	armed = soft;
	return 0;
}

#if MCPD_TEST_HOOKS
/*
 * Test builds only (never installed): the tool "test_violate" makes the
 * forbidden system call named by its argument "what" (see
 * sandbox_test_violate), or with "cpu" spins until the CPU cap kills the
 * worker.  If the call comes back, the answer says so.
 */
static void
worker_test_violate(const char *args, size_t argslen, char **textp,
    int *is_errorp)
{
	json_t *root, *ans;
	json_error_t jerr;
	const char *what = NULL;
	volatile unsigned long spin = 0;
	int e = 0;

	*is_errorp = 1;
	*textp = NULL;
	if ((root = json_loadb(args, argslen, 0, &jerr)) != NULL)
		what = json_string_value(json_object_get(root, "what"));
	if (what == NULL) {
		*textp = xstrdup("invalid arguments");
		json_decref(root);
		return;
	}
	logit_f("test hook: attempting %s", what);
	if (strcmp(what, "cpu") == 0) {
		for (;;)
			spin++;
	}
	if (sandbox_test_violate(what, &e) != 0) {
		*textp = xstrdup("unknown violation");
		json_decref(root);
		return;
	}
	if ((ans = json_pack("{s:b,s:s,s:i}", "survived", 1, "what", what,
	    "errno", e)) == NULL ||
	    (*textp = json_dumps(ans, JSON_COMPACT)) == NULL)
		fatal_f("out of memory");
	*is_errorp = 0;
	json_decref(ans);
	json_decref(root);
}
#endif

/* What a handler of the monitor's messages works with. */
struct worker_ctx {
	int		 fd;	/* the monitor channel */
	struct sqltools	*t;
	struct sbuf	*ans;
};

/* Serve one PS_EXEC_REQ (in m) and answer it on the monitor channel. */
static void
worker_exec(void *arg, struct sbuf *m)
{
	struct worker_ctx *w = arg;
	struct sqltools *t = w->t;
	struct sbuf *ans = w->ans;
	uint32_t callid;
	char *tool = NULL, *text = NULL, reason[PS_REASON_MAX + 1];
	uint8_t *args = NULL;
	size_t argslen = 0;
	int r, is_error = 1;

	if ((r = sbuf_get_u32(m, &callid)) != SBUF_OK ||
	    (r = sbuf_get_cstring(m, &tool, PS_NAME_MAX)) != SBUF_OK ||
	    (r = sbuf_get_string(m, &args, &argslen, PS_ARGS_MAX)) !=
	    SBUF_OK ||
	    (r = sbuf_expect_end(m)) != SBUF_OK)
		fatal_f("malformed exec request: %s", sbuf_strerror(r));

#if MCPD_TEST_HOOKS
	if (strcmp(tool, "test_violate") == 0) {
		worker_test_violate((const char *)args, argslen, &text,
		    &is_error);
		r = SQLT_OK;
	} else
#endif
	r = sqltools_exec(t, tool, (const char *)args, argslen, &text,
	    &is_error);
	/*
	 * The precise reason of an error goes to the monitor for the audit
	 * record, apart from the generic text the client sees.
	 */
	reason[0] = '\0';
	if (r != SQLT_OK) {
		error_f("call %u (%s): sqltools_exec failed: %d", callid, tool,
		    r);
		text = NULL;
		is_error = 1;
		(void)snprintf(reason, sizeof(reason), "internal error %d", r);
	} else if (is_error) {
		debug_f("call %u (%s): %s", callid, tool, sqltools_detail(t));
		(void)snprintf(reason, sizeof(reason), "%s",
		    sqltools_detail(t));
	}

	/* Arguments and results may hold data worth keeping out of RAM. */
	freezero(args, argslen);
	sbuf_reset(ans);
	if ((r = sbuf_put_u32(ans, callid)) != SBUF_OK ||
	    (r = sbuf_put_u32(ans, PS_F_FINAL)) != SBUF_OK ||
	    (r = sbuf_put_u32(ans, is_error ? 1 : 0)) != SBUF_OK ||
	    (r = sbuf_put_cstring(ans, text != NULL ? text :
	    WORKER_MSG_INTERNAL)) != SBUF_OK ||
	    (r = sbuf_put_cstring(ans, reason)) != SBUF_OK)
		fatal_f("composing the answer to call %u: %s", callid,
		    sbuf_strerror(r));
	strfreezero(text);
	explicit_bzero(reason, sizeof(reason));
	free(tool);
	if (pmsg_write_fd(w->fd, PS_EXEC_ANS, ans) != PMSG_OK)
		fatal_f("cannot answer the monitor");
	sbuf_reset(ans);
}

/* A message from the monitor that the table refuses: never expected. */
static void __attribute__((noreturn))
worker_violation(void *arg, const char *what)
{
	fatal_f("unexpected message from the monitor: %s", what);
}

/* The worker serves one call at a time: the monitor's state says when. */
static const struct ps_dispatch worker_ent[] = {
	{ PS_EXEC_REQ, PS_TR_ANY, PS_STATE_ANY, 0, worker_exec },
};
static const struct ps_table worker_table = PS_TABLE("worker", worker_ent,
    worker_violation, NULL);

void
worker_main(int fd)
{
	/* Its answers are the same whatever the transport of the clients. */
	struct ps_chan chan = { PS_TR_ANY, PS_STATE_ANY, 0 };
	struct worker_ctx ctx;
	struct worker_init wi;
	struct sqltools *t;
	struct sbuf *m, *ans;
	struct evbuffer *in;
	char err[256];
	unsigned long budget;
	size_t seed;
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
	/*
	 * jansson's hash seed, now: jansson would otherwise open
	 * /dev/urandom when the first call's arguments are parsed, after
	 * the sandbox is on.  From the kernel, not guessable: arguments
	 * fill jansson's hash tables.
	 */
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		fatal_f("getrandom: %s", strerror(errno));
	json_object_seed(seed);
	worker_sqlite_record();
	if ((t = sqltools_open(wi.database, wi.max_rows, wi.timeout_ms,
	    wi.max_result, err, sizeof(err))) == NULL)
		fatal("worker: %s", err);
	if (!sqltools_writable(t)) {
		logit("worker: the database is read-only to the tools; "
		    "execute_sql, drop_table and delete_users will fail");
		debug_f("read-write connection: %s", sqltools_detail(t));
	}
	worker_sync_dir(wi.database);
	free(wi.database);
	wi.database = NULL;

	if (wi.drop)
		privdrop_permanently(NULL, (uid_t)wi.uid, (gid_t)wi.gid);
	else
		child_check_unprivileged();
	/* Die with the monitor; and do not start if it is already gone. */
	privdrop_die_with_parent(ppid);
	privdrop_rlimit(RLIMIT_NOFILE, WORKER_NOFILE_MAX);
	/*
	 * Not in a sanitizer build (sanitize.h): AddressSanitizer's shadow
	 * memory and valgrind's own mappings are far above the cap.
	 */
	if (sanitize_rlimit_as())
		privdrop_rlimit(RLIMIT_AS, WORKER_AS_MAX);
	/* Already 0 since privdrop_harden_process(); here for the reader. */
	privdrop_rlimit(RLIMIT_CORE, 0);
	/* A worker runs SQLite in-process: it never needs a new process. */
	privdrop_rlimit(RLIMIT_NPROC, 0);
	/*
	 * No RLIMIT_FSIZE: the database and its -wal file must be able to
	 * grow.
	 */
	budget = (wi.timeout_ms + 999) / 1000 + WORKER_CPU_SLACK;
	if (worker_cpu_cap(budget) != 0)
		fatal_f("CPU budget of %lu s above the limit", budget);
	privdrop_no_new_privs();
	worker_sqlite_replay();
	sandbox_worker_apply();
	child_init_done(fd);

	ctx.fd = fd;
	ctx.t = t;
	ctx.ans = ans;
	for (;;) {
		r = pmsg_read_fd(fd, in, &type, m);
		if (r == PMSG_ERR_IO)
			exit(0);	/* the monitor closed the channel */
		if (r != PMSG_OK)
			fatal_f("bad message from the monitor: %d", r);
		(void)ps_dispatch(&worker_table, &chan, &ctx, type, m);
		sbuf_reset(m);
		/* The next call's cap; no call is lost if it cannot fit. */
		if (worker_cpu_cap(budget) != 0) {
			/* Not expected in practice: hours of CPU time. */
			logit("worker: CPU time for its life used up; "
			    "exiting to be replaced");
			exit(0);
		}
	}
}
