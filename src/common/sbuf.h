/*
 * sbuf: the one bounds-checked buffer through which mcpd serialises and
 * parses every privsep message.  Every buffer carries a hard size cap; every
 * read checks that the bytes are there before touching them.  Functions
 * return SBUF_OK (0) or a negative SBUF_ERR_* code and never abort, so that
 * callers in the monitor can treat a bad message as a compromise of the
 * sender rather than crashing themselves.
 */
#ifndef MCPD_SBUF_H
#define MCPD_SBUF_H

#include <stddef.h>
#include <stdint.h>

#define SBUF_OK			0
#define SBUF_ERR_ALLOC		-1	/* out of memory */
#define SBUF_ERR_LIMIT		-2	/* would grow past the buffer's cap */
#define SBUF_ERR_SHORT		-3	/* fewer bytes left than the field needs */
#define SBUF_ERR_FORMAT		-4	/* field present but malformed */
#define SBUF_ERR_INVAL		-5	/* bad argument */

/* Absolute ceiling for any buffer, whatever its creator asks for. */
#define SBUF_SIZE_MAX		(64U * 1024 * 1024)

struct sbuf;

struct sbuf	*sbuf_new(size_t max);
void		 sbuf_free(struct sbuf *);	/* wipes contents */
void		 sbuf_reset(struct sbuf *);	/* wipes, keeps storage */
size_t		 sbuf_len(const struct sbuf *);	/* unread bytes */
size_t		 sbuf_max(const struct sbuf *);
const uint8_t	*sbuf_ptr(const struct sbuf *);	/* first unread byte */
const char	*sbuf_strerror(int);

int	sbuf_put(struct sbuf *, const void *, size_t);
int	sbuf_put_u8(struct sbuf *, uint8_t);
int	sbuf_put_u32(struct sbuf *, uint32_t);
int	sbuf_put_u64(struct sbuf *, uint64_t);
/* u32 length, then the bytes. */
int	sbuf_put_string(struct sbuf *, const void *, size_t);
/* Same wire form; NULL is sent as the empty string. */
int	sbuf_put_cstring(struct sbuf *, const char *);

int	sbuf_consume(struct sbuf *, size_t);
int	sbuf_get(struct sbuf *, void *, size_t);
int	sbuf_get_u8(struct sbuf *, uint8_t *);
int	sbuf_get_u32(struct sbuf *, uint32_t *);
int	sbuf_get_u64(struct sbuf *, uint64_t *);
/*
 * Length-prefixed byte string, at most maxlen bytes, copied into a fresh
 * allocation that is NUL-terminated for convenience (the NUL is not counted
 * in *lenp).  valp or lenp may be NULL to skip the field.
 */
int	sbuf_get_string(struct sbuf *, uint8_t **valp, size_t *lenp,
	    size_t maxlen);
/* As sbuf_get_string, but an embedded NUL is SBUF_ERR_FORMAT. */
int	sbuf_get_cstring(struct sbuf *, char **valp, size_t maxlen);
/* Points into the buffer instead of copying; valid until the next call. */
int	sbuf_get_string_direct(struct sbuf *, const uint8_t **valp,
	    size_t *lenp, size_t maxlen);
/* Fails with SBUF_ERR_FORMAT unless every byte has been read. */
int	sbuf_expect_end(const struct sbuf *);

#endif /* MCPD_SBUF_H */
