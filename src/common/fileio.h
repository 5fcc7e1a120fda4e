/*
 * Reading a whole file into memory through a cap on its size, for the
 * files mcpd and mcpctl read at once and then parse: AuthorizedKeysFile,
 * the audit key, the JWKS, the TLS key and certificates.  Library code:
 * it returns codes and sets errno, and neither logs nor exits, so that
 * each caller words its own message (or takes read_fd_capped_err's).
 */
#ifndef MCPD_FILEIO_H
#define MCPD_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read fd from its current offset to end of file into a new buffer.
 * Returns 0 with the buffer in *bufp (never NULL, even for an empty file)
 * and the number of bytes read in *lenp.  Returns -1 with *bufp NULL,
 * *lenp 0 and errno set: EFBIG when there are more than max bytes (at most
 * max + 1 are read to notice), ENOMEM, EINVAL for a NULL pointer or a max
 * of SIZE_MAX, or the errno of read(2); an interrupted read is retried.
 *
 * The file may hold secrets: on failure, whatever was read is wiped before
 * it is freed; on success the caller wipes and frees the buffer, with
 * freezero(*bufp, *lenp) (only the first *lenp bytes ever held file data).
 */
int	read_fd_capped(int fd, size_t max, uint8_t **bufp, size_t *lenp);
/*
 * read_fd_capped for library code that reads path: on failure, -1 with
 * "PATH: larger than MAX bytes" or "PATH: read: ERROR" in err.
 */
int	read_fd_capped_err(int fd, size_t max, const char *path,
	    uint8_t **bufp, size_t *lenp, char *err, size_t errlen);

/*
 * Open the directory that holds path (O_RDONLY | O_DIRECTORY), for a
 * check of its owner and mode or an fsync after a rename in it, and put
 * its name in dir ("." for a path without a slash).  Returns the
 * descriptor, or -1 with errno set: ENAMETOOLONG when the name does not
 * fit in dirlen bytes, or the errno of open(2).
 */
int	open_parent_dir(const char *path, char *dir, size_t dirlen);

#endif /* MCPD_FILEIO_H */
