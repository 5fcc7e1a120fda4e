/*
 * The workers' seccomp profile (mcpd-worker only): what a worker may call
 * on top of what every confined process may (sandbox.c).  Each entry says
 * why it is there; the lists were measured (tests/bench/syscalls.sh).
 */
#include <sys/resource.h>

#include <fcntl.h>
#include <stddef.h>

#include "sandbox.h"
#include "sandbox_int.h"

/*
 * A worker: SQLite on the database, -wal and -shm files it opened before
 * it dropped privileges, one call at a time, blocking on the channel.
 */
static const char *const sandbox_worker_calls[] = {
	"pread64",		/* SQLite reads pages, the WAL */
	"pwrite64",		/* SQLite writes pages, the WAL, the -shm */
	"fdatasync",		/* SQLite: a commit, a checkpoint */
	"ftruncate",		/* SQLite: the -shm and WAL sizes */
	"newfstatat",		/* SQLite: a file's size (fstat(3)) */
	"clock_nanosleep",	/* SQLite's busy handler waits for a lock */
	NULL
};

/* The workers. */
static const struct sandbox_rule sandbox_worker_rules[] = {
	/*
	 * SQLite's POSIX advisory locks on the database and the -shm
	 * file: set, and test (for a hot journal and the WAL's readers).
	 */
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_SETLK, 0) } },
	{ SCMP_SYS(fcntl), 1, { SB_ARG(1, SCMP_CMP_EQ, F_GETLK, 0) } },
	/*
	 * The per-call CPU cap: the worker lowers and raises its own
	 * RLIMIT_CPU soft limit (never past the hard one, which only root
	 * could raise), and nothing else, in no other process.
	 */
	{ SCMP_SYS(prlimit64), 2, { SB_ARG(0, SCMP_CMP_EQ, 0, 0),
	    SB_ARG(1, SCMP_CMP_EQ, RLIMIT_CPU, 0) } },
	{ 0, 0, { { 0 } } }
};

const struct sandbox_profile sandbox_worker_profile = {
	sandbox_worker_calls, sandbox_worker_rules, NULL
};

void
sandbox_worker_apply(void)
{
	sandbox_apply(&sandbox_worker_profile);
}
