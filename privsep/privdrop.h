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
 * If dir is not NULL, chroot(dir) and chdir("/").  Then setgroups to gid
 * alone, setresgid and setresuid, and check that root (or the old ids)
 * cannot be regained.
 */
void	privdrop_permanently(const char *dir, uid_t uid, gid_t gid);
/* PR_SET_NO_NEW_PRIVS. */
void	privdrop_no_new_privs(void);
/* Set a resource limit to value (both soft and hard). */
void	privdrop_rlimit(int resource, unsigned long value);

#endif /* MCPD_PRIVDROP_H */
