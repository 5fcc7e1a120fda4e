/*
 * Privilege drop for the confined children, verified by trying to undo it
 * (as OpenSSH's permanently_set_uid() does).  Every function here is fatal
 * on failure: a child that cannot confine itself must not run.
 */
#ifndef MCPD_PRIVDROP_H
#define MCPD_PRIVDROP_H

#include <sys/types.h>

/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0: every mcpd process calls this. */
void	privdrop_harden_process(void);
/*
 * If dir is not NULL, chroot(dir) and chdir("/").  Then empty the
 * capability bounding set, setgroups to gid alone, setresgid and
 * setresuid, clear the inheritable and ambient capabilities, and check
 * that neither root (or the old ids) nor any capability can be regained.
 */
void	privdrop_permanently(const char *dir, uid_t uid, gid_t gid);
/*
 * Die with SIGKILL when the parent (the monitor, whose pid was ppid at
 * start-up) dies; exit(0) at once if it is already gone.  Call it after
 * the last credential change: the kernel clears the death signal on a
 * change of uid or gid.
 */
void	privdrop_die_with_parent(pid_t ppid);
/* PR_SET_NO_NEW_PRIVS. */
void	privdrop_no_new_privs(void);
/* Set a resource limit to value (both soft and hard). */
void	privdrop_rlimit(int resource, unsigned long value);

#endif /* MCPD_PRIVDROP_H */
