/*
 * Privilege drop, verified.  Modelled on the checks OpenSSH's uidswap.c
 * makes after permanently_set_uid(): having dropped, try to go back, and
 * die if that works.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

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
}
