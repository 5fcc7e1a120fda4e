/*
 * Secret files and secret memory, shared by mcpd and mcpctl.
 *
 * A secret file (AuthorizedKeysFile, AuditKeyFile, and later JWKSFile and
 * TLSKey) must be a regular file, owned by root or by the running user,
 * that gives group and others no access at all, as sshd demands of a
 * private key ("UNPROTECTED PRIVATE KEY FILE!").  The check is made on the
 * descriptor the caller opened, so that what is checked is what is read.
 *
 * Key material is kept in locked memory where RLIMIT_MEMLOCK allows, so
 * that it never reaches swap, and is wiped before it is unlocked.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_SECRETFILE_H
#define MCPD_SECRETFILE_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How to open a secret file: no symbolic link as the last component, no
 * descriptor leaked across exec, and O_NONBLOCK so that a FIFO planted at
 * the path cannot block the open (the check then refuses it).
 */
#define SECRET_FILE_OPEN_FLAGS	(O_RDONLY | O_NOFOLLOW | O_CLOEXEC | \
				 O_NOCTTY | O_NONBLOCK)

/* At most this many separately locked regions at once. */
#define SECRET_LOCK_MAX_REGIONS	64

/*
 * Check the open file fd, named path in messages: a regular file, owned
 * by root or by the effective uid, with no group or other permission bit
 * (mode & 077 == 0).  Returns 0, or -1 with one of these in err:
 *
 *	PATH is not a regular file
 *	PATH is owned by uid N, not root or the running user
 *	UNPROTECTED SECRET FILE: PATH is accessible by group or others
 *	    (mode 0640); it must be 0600 or stricter
 *	PATH: fstat: <strerror>
 */
int	secret_file_check(int fd, const char *path, char *err, size_t errlen);

/*
 * The check for files that are not secret but must not be changed behind
 * mcpd's back (the audit log and its directory): the open file or
 * directory fd, named "WHAT PATH" in messages, is owned by root or by the
 * effective uid, and has neither the group nor the other write bit.
 * Returns 0, or -1 with one of these in err:
 *
 *	WHAT PATH is owned by uid N, not root or the running user
 *	WHAT PATH is writable by group or others (mode 0666); it must not be
 */
int	secret_owner_check(int fd, const char *path, const char *what,
	    char *err, size_t errlen);

/*
 * The message for an open(2) of a secret file with SECRET_FILE_OPEN_FLAGS
 * that failed with errnum: "PATH: is a symbolic link" for the ELOOP that
 * O_NOFOLLOW gives, else "PATH: <strerror>".
 */
void	secret_file_open_error(const char *path, int errnum, char *err,
	    size_t errlen);

/*
 * Open path with SECRET_FILE_OPEN_FLAGS, check it with secret_file_check()
 * and read it whole, at most max bytes (read_fd_capped_err()).  Returns 0
 * with the contents in *bufp and their length in *lenp, which the caller
 * wipes and frees with freezero(*bufp, *lenp); or -1 with the message of
 * the step that failed in err.
 */
int	secret_file_read(const char *path, size_t max, uint8_t **bufp,
	    size_t *lenp, char *err, size_t errlen);

/*
 * Lock len bytes at p into memory (mlock(2)).  Returns 0, or -1 with errno
 * set when the memory could not be locked (typically RLIMIT_MEMLOCK, or
 * SECRET_LOCK_MAX_REGIONS regions already locked): not an error for the
 * caller, who keeps the secret in ordinary memory; the failure is counted
 * for secret_lock_failures().  p == NULL or len == 0 is a no-op.
 */
int	secret_lock(void *p, size_t len);

/*
 * Wipe len bytes at p, then unlock the pages that secret_lock(p, len)
 * locked, except those shared with another region still locked (locks do
 * not nest in the kernel).  For memory that secret_lock() did not lock,
 * it only wipes.  The caller frees p afterwards.
 */
void	secret_unlock_wipe(void *p, size_t len);

/*
 * The number of secret_lock() calls that failed so far in this process,
 * and in *first_errno (if not NULL) the errno of the first, so that daemon
 * code can report it once.
 */
unsigned int secret_lock_failures(int *first_errno);

#endif /* MCPD_SECRETFILE_H */
