/*
 * The seccomp deny list of a stdio upstream (mcpd-launch only; DESIGN.md
 * section 11).  Unlike the profiles of mcpd's own processes this is not an
 * allowlist: an upstream is any program (node, python, a Go binary), whose
 * system calls nobody can list.  So everything is allowed but the calls
 * below, none of which an MCP server needs and each of which reaches the
 * kernel, other processes or the machine's state beyond what the upstream's
 * uid, Landlock and its network namespace already bound.
 *
 * A denied call fails with EPERM rather than killing: the call is refused
 * either way, and a program that probes for a feature (a runtime trying
 * userfaultfd, io_uring or perf_event_open) goes on without it instead of
 * dying.  clone3 fails with ENOSYS: its flags are in memory, out of a
 * filter's reach, and ENOSYS is what makes the C libraries fall back to
 * clone, whose flags the filter sees.  A call through a foreign
 * architecture's entry point (i386 int 0x80, x32) kills the process: its
 * numbers are not the ones this list names, so it would bypass the list.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

/* Refused whatever their arguments, with EPERM. */
static const char *const sandbox_launch_denied[] = {
	/* Reading or writing another process's memory and registers. */
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"pidfd_getfd",		/* another process's descriptors */
	"kcmp",			/* compares other processes' kernel objects */
	/* The file system's shape: mounts, the root, quotas, swap. */
	"mount",
	"umount2",
	"pivot_root",
	"chroot",
	"fsopen",		/* the new mount API: mount by other means */
	"fsconfig",
	"fsmount",
	"fspick",
	"move_mount",
	"open_tree",
	"mount_setattr",
	"quotactl",
	"quotactl_fd",
	"swapon",
	"swapoff",
	/* The kernel itself: programs, modules, a new kernel, its log. */
	"bpf",
	"init_module",
	"finit_module",
	"delete_module",
	"kexec_load",
	"kexec_file_load",
	"syslog",
	"perf_event_open",	/* kernel and hardware profiling */
	"iopl",			/* raw I/O ports */
	"ioperm",
	"reboot",
	"acct",			/* process accounting to a file */
	/* The kernel keyrings, shared beyond the process. */
	"keyctl",
	"add_key",
	"request_key",
	/* Joining another process's namespaces. */
	"setns",
	/*
	 * userfaultfd stalls the kernel inside a copy at a moment the
	 * caller picks: a classic exploit primitive.
	 */
	"userfaultfd",
	/* A file by handle, around every path check (and Landlock). */
	"open_by_handle_at",
	"name_to_handle_at",
	/* The machine's clock. */
	"settimeofday",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	/*
	 * io_uring performs reads, writes, opens and connects in the
	 * kernel without these system calls: seccomp never sees them.
	 */
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"vhangup",		/* hangs up the terminal */
	"uselib",		/* an obsolete loader path */
	NULL
};

/*
 * The namespace flags of clone(2) and unshare(2): a new user namespace
 * hands the caller every capability inside it, the kernel's largest
 * attack surface for an unprivileged process, and each other namespace
 * would let the upstream rearrange what it sees (a new network namespace
 * does not need one: network=none gave it one already).  CLONE_NEWTIME
 * shares its bit with clone's exit signal, so it is checked on unshare
 * only.
 */
static const unsigned long sandbox_launch_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET
};
#define SANDBOX_LAUNCH_NNS \
	(sizeof(sandbox_launch_ns_flags) / sizeof(sandbox_launch_ns_flags[0]))
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

/* Refuse nr with EPERM when any one namespace flag is set in arg 0. */
static int
sandbox_launch_ns_rules(scmp_filter_ctx ctx, int nr, int with_time)
{
	unsigned long f;
	size_t i;
	int r;

	for (i = 0; i <= SANDBOX_LAUNCH_NNS; i++) {
		if (i == SANDBOX_LAUNCH_NNS && !with_time)
			break;
		f = i < SANDBOX_LAUNCH_NNS ? sandbox_launch_ns_flags[i] :
		    CLONE_NEWTIME;
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, f, f))) != 0) {
			error_f("seccomp_rule_add %d: %s", nr, strerror(-r));
			return -1;
		}
	}
	return 0;
}

void
sandbox_launch_apply(void)
{
	const char *const *name;
	scmp_filter_ctx ctx;
	int nr, r;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatal_f("no_new_privs is not set");
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fatal_f("seccomp_init failed");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) != 0)
		fatal_f("seccomp_attr_set: %s", strerror(-r));
	for (name = sandbox_launch_denied; *name != NULL; name++) {
		if ((nr = seccomp_syscall_resolve_name(*name)) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr,
		    0)) != 0)
			fatal_f("seccomp_rule_add %s: %s", *name,
			    strerror(-r));
	}
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0)) != 0)
		fatal_f("seccomp_rule_add clone3: %s", strerror(-r));
	if (sandbox_launch_ns_rules(ctx, SCMP_SYS(clone), 0) != 0 ||
	    sandbox_launch_ns_rules(ctx, SCMP_SYS(unshare), 1) != 0)
		fatal_f("cannot build the seccomp filter");
	if ((r = seccomp_load(ctx)) != 0)
		fatal_f("seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
}
