/*
 * Secret files and secret memory (see secretfile.h).
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "fileio.h"
#include "secretfile.h"
#include "xmalloc.h"


int
secret_file_check(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	uid_t euid;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	/*
	 * Whoever owns the file can change its mode and contents: only
	 * root, who can do so anyway, and the user mcpd runs as may.
	 */
	euid = geteuid();
	if (st.st_uid != 0 && st.st_uid != euid) {
		seterr(err, errlen, "%s is owned by uid %lu, not root or the "
		    "running user", path, (unsigned long)st.st_uid);
		return -1;
	}
	/*
	 * Read access lets others steal the secret (forge audit records,
	 * search the key hashes offline), write access lets them plant
	 * their own: refuse any group or other bit, as sshd refuses an
	 * unprotected private key.
	 */
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		seterr(err, errlen, "UNPROTECTED SECRET FILE: %s is accessible "
		    "by group or others (mode %04o); it must be 0600 or "
		    "stricter", path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
secret_owner_check(int fd, const char *path, const char *what, char *err,
    size_t errlen)
{
	struct stat st;
	uid_t euid;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s %s: fstat: %s", what, path,
		    strerror(errno));
		return -1;
	}
	/* The same owners as a secret file, for the same reason. */
	euid = geteuid();
	if (st.st_uid != 0 && st.st_uid != euid) {
		seterr(err, errlen, "%s %s is owned by uid %lu, not root or "
		    "the running user", what, path, (unsigned long)st.st_uid);
		return -1;
	}
	/*
	 * Whoever else may write it can cut or replace what it holds (or,
	 * for a directory, rename the file away and put another in its
	 * place): refuse, as sshd refuses a group-writable home.
	 */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		seterr(err, errlen, "%s %s is writable by group or others "
		    "(mode %04o); it must not be", what, path,
		    (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

void
secret_file_open_error(const char *path, int errnum, char *err,
    size_t errlen)
{
	if (errnum == ELOOP)
		seterr(err, errlen, "%s: is a symbolic link", path);
	else
		seterr(err, errlen, "%s: %s", path, strerror(errnum));
}

int
secret_file_read(const char *path, size_t max, uint8_t **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	int fd, ret = -1;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, SECRET_FILE_OPEN_FLAGS)) == -1) {
		secret_file_open_error(path, errno, err, errlen);
		return -1;
	}
	if (secret_file_check(fd, path, err, errlen) == 0 &&
	    read_fd_capped_err(fd, max, path, bufp, lenp, err, errlen) == 0)
		ret = 0;
	if (close(fd) == -1 && ret == 0) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		freezero(*bufp, *lenp);
		*bufp = NULL;
		*lenp = 0;
		ret = -1;
	}
	return ret;
}

/*
 * Locked regions.  mlock(2) works on whole pages and locks do not nest:
 * one munlock() unlocks a page however many secrets share it.  So every
 * region locked is recorded, and unlocking one releases only the pages no
 * other recorded region touches.  The monitor is single-threaded; so is
 * this table.
 */
struct locked_region {
	uintptr_t	 start;
	size_t		 len;
};

static struct locked_region regions[SECRET_LOCK_MAX_REGIONS];
static size_t nregions;
static unsigned int lock_failures;
static int lock_first_errno;

static uintptr_t
page_size(void)
{
	long ps;

	/* POSIX requires a positive page size; 4096 is a safe fallback. */
	if ((ps = sysconf(_SC_PAGESIZE)) <= 0)
		ps = 4096;
	return (uintptr_t)ps;
}

static void
record_failure(int errnum)
{
	if (lock_failures == 0)
		lock_first_errno = errnum;
	if (lock_failures < UINT32_MAX)
		lock_failures++;
}

int
secret_lock(void *p, size_t len)
{
	if (p == NULL || len == 0)
		return 0;
	if (nregions >= SECRET_LOCK_MAX_REGIONS ||
	    len > UINTPTR_MAX - (uintptr_t)p) {
		/*
		 * Locking without recording would let a later unlock of a
		 * neighbour release these pages behind our back.
		 */
		record_failure(ENOMEM);
		errno = ENOMEM;
		return -1;
	}
	if (mlock(p, len) == -1) {
		record_failure(errno);
		return -1;
	}
	regions[nregions].start = (uintptr_t)p;
	regions[nregions].len = len;
	nregions++;
	return 0;
}

/* Whether a recorded region touches the page at pg. */
static int
page_in_use(uintptr_t pg, uintptr_t ps)
{
	uintptr_t first, last;
	size_t i;

	for (i = 0; i < nregions; i++) {
		first = regions[i].start & ~(ps - 1);
		last = (regions[i].start + regions[i].len - 1) & ~(ps - 1);
		if (pg >= first && pg <= last)
			return 1;
	}
	return 0;
}

void
secret_unlock_wipe(void *p, size_t len)
{
	uintptr_t ps, pg, first, last, run = 0;
	size_t i;
	int found = 0;

	if (p == NULL || len == 0)
		return;
	explicit_bzero(p, len);
	for (i = 0; i < nregions; i++) {
		if (regions[i].start == (uintptr_t)p && regions[i].len == len) {
			regions[i] = regions[--nregions];
			found = 1;
			break;
		}
	}
	if (!found)
		return;
	ps = page_size();
	first = (uintptr_t)p & ~(ps - 1);
	last = ((uintptr_t)p + len - 1) & ~(ps - 1);
	/* Unlock each run of pages that no other region touches. */
	for (pg = first;; pg += ps) {
		if (!page_in_use(pg, ps)) {
			if (run == 0)
				run = pg;
		} else if (run != 0) {
			/* Cannot fail on pages this process has mapped. */
			(void)munlock((void *)run, pg - run);
			run = 0;
		}
		if (pg == last)
			break;
	}
	if (run != 0)
		(void)munlock((void *)run, last + ps - run);
}

unsigned int
secret_lock_failures(int *first_errno)
{
	if (first_errno != NULL)
		*first_errno = lock_first_errno;
	return lock_failures;
}
