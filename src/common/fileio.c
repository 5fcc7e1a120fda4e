/*
 * Whole-file reads through a size cap.  See fileio.h for the contract.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "fileio.h"
#include "xmalloc.h"

/* First allocation when fstat gives no size (a pipe, an empty file). */
#define FILEIO_INITIAL	4096

int
read_fd_capped(int fd, size_t max, uint8_t **bufp, size_t *lenp)
{
	struct stat st;
	uint8_t *buf, *nbuf;
	size_t cap, ncap, len = 0;
	ssize_t r;
	int saved;

	if (bufp == NULL || lenp == NULL || max == SIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	*bufp = NULL;
	*lenp = 0;
	/*
	 * The buffer never grows past max + 1 bytes: one byte past the cap
	 * is enough to notice a file over it.  A regular file's size is a
	 * hint only, since the file may change while it is read; should
	 * fstat fail, read(2) reports the error that matters.
	 */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (uintmax_t)st.st_size < max ? (size_t)st.st_size + 1 :
		    max + 1;
	else
		cap = max < FILEIO_INITIAL ? max + 1 : FILEIO_INITIAL;
	if ((buf = malloc(cap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			/*
			 * Copy and wipe rather than realloc(), which could
			 * leave the old contents behind in freed memory.
			 */
			if ((nbuf = malloc(ncap)) == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			memcpy(nbuf, buf, len);
			freezero(buf, cap);
			buf = nbuf;
			cap = ncap;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
 fail:
	saved = errno;
	freezero(buf, cap);
	errno = saved;
	return -1;
}

int
read_fd_capped_err(int fd, size_t max, const char *path, uint8_t **bufp,
    size_t *lenp, char *err, size_t errlen)
{
	if (read_fd_capped(fd, max, bufp, lenp) == 0)
		return 0;
	if (errno == EFBIG)
		seterr(err, errlen, "%s: larger than %zu bytes", path, max);
	else
		seterr(err, errlen, "%s: read: %s", path, strerror(errno));
	return -1;
}

int
open_parent_dir(const char *path, char *dir, size_t dirlen)
{
	const char *slash, *src = path;
	size_t n;

	if ((slash = strrchr(path, '/')) == NULL) {
		src = ".";
		n = 1;
	} else
		n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, src, n);
	dir[n] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
