/*
 * Privilege drop, verified.  Modelled on the checks OpenSSH's uidswap.c
 * makes after permanently_set_uid(): having dropped, try to go back, and
 * die if that works.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

/*
 * A bound above every capability a kernel may know: capabilities are
 * numbered in two 32-bit words.  The kernel answers EINVAL past its last
 * one (/proc/sys/kernel/cap_last_cap), which the loops below take as the
 * end, so that a kernel newer than our headers loses its new
 * capabilities too.
 */
#define PRIVDROP_CAP_BOUND	64

void
privdrop_harden_process(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal_f("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	privdrop_rlimit(RLIMIT_CORE, 0);
}

void
privdrop_rlimit(int resource, unsigned long value)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = (rlim_t)value;
	if (setrlimit(resource, &rl) != 0)
		fatal_f("setrlimit(%d, %lu): %s", resource, value,
		    strerror(errno));
}

void
privdrop_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal_f("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
}

/*
 * Empty the bounding set while we still hold CAP_SETPCAP, so that nothing
 * this process ever executes can be granted a capability, whatever file
 * capabilities or set-uid bits it finds.
 */
static void
privdrop_bounding_set(void)
{
	int cap;

	for (cap = 0; cap < PRIVDROP_CAP_BOUND; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL && cap > CAP_SETPCAP)
			break;		/* past the kernel's last capability */
		fatal_f("prctl(PR_CAPBSET_DROP, %d): %s", cap,
		    strerror(errno));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		fatal_f("prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
}

/*
 * After the uid change: the kernel has emptied the permitted and effective
 * sets; the inheritable set survives a uid change, so empty it too.  Then
 * check all three, and the bounding set, capability by capability.
 */
static void
privdrop_check_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	size_t i;
	int cap, r;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, data) != 0)
		fatal_f("capget: %s", strerror(errno));
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].inheritable != 0)
			break;
	}
	if (i < _LINUX_CAPABILITY_U32S_3) {
		memset(data, 0, sizeof(data));
		if (syscall(SYS_capset, &hdr, data) != 0)
			fatal_f("capset: %s", strerror(errno));
		if (syscall(SYS_capget, &hdr, data) != 0)
			fatal_f("capget: %s", strerror(errno));
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0)
			fatal_f("capabilities left after the uid change");
	}
	for (cap = 0; cap < PRIVDROP_CAP_BOUND; cap++) {
		if ((r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == 0)
			continue;
		if (r == -1 && errno == EINVAL && cap > CAP_SETPCAP)
			break;
		fatal_f("capability %d still in the bounding set", cap);
	}
	if ((r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 0,
	    0)) != 0)
		fatal_f("ambient capabilities left (%d)", r);
}

void
privdrop_permanently(const char *dir, uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[1];

	if (uid == 0 || gid == 0)
		fatal_f("refusing to \"drop\" to uid %u gid %u",
		    (unsigned)uid, (unsigned)gid);
	if (dir != NULL) {
		if (chroot(dir) != 0)
			fatal_f("chroot(\"%s\"): %s", dir, strerror(errno));
		if (chdir("/") != 0)
			fatal_f("chdir(\"/\"): %s", strerror(errno));
	}
	privdrop_bounding_set();
	groups[0] = gid;
	if (setgroups(1, groups) != 0)
		fatal_f("setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		fatal_f("setresgid %u: %s", (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		fatal_f("setresuid %u: %s", (unsigned)uid, strerror(errno));

	/* Verify every id, then that none of the old ones can come back. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		fatal_f("getresuid/getresgid: %s", strerror(errno));
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid)
		fatal_f("ids not set as requested");
	if (getgroups(1, groups) != 1 || groups[0] != gid)
		fatal_f("supplementary groups not dropped");
	if (setgid(0) != -1 || setegid(0) != -1)
		fatal_f("was able to restore gid 0");
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatal_f("was able to restore uid 0");
	groups[0] = 0;
	if (setgroups(1, groups) != -1)
		fatal_f("was able to restore supplementary groups");
	privdrop_check_caps();
}

void
privdrop_die_with_parent(pid_t ppid)
{
	int sig = 0;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		fatal_f("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0 || sig != SIGKILL)
		fatal_f("parent-death signal not set");
	/*
	 * The monitor may have died before the signal was armed; then we
	 * were re-parented and nobody would ever kill us.  Nothing may go
	 * to stdout, which belongs to the client: no exit handlers.
	 */
	if (getppid() != ppid)
		_exit(0);
}
