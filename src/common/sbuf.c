/*
 * Bounds-checked growable buffer.  See sbuf.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "xmalloc.h"

struct sbuf {
	uint8_t	*d;	/* storage */
	size_t	 off;	/* first unread byte */
	size_t	 size;	/* end of written data */
	size_t	 alloc;	/* storage size */
	size_t	 max;	/* cap on size */
	/*
	 * The storage below this offset may hold bytes written since the
	 * last wipe: sbuf_reset() wipes that much, not the whole allocation,
	 * so that one large message does not make every later reset clear
	 * megabytes.
	 */
	size_t	 dirty;
};

#define SBUF_INITIAL	256

struct sbuf *
sbuf_new(size_t max)
{
	struct sbuf *b;

	if (max == 0 || max > SBUF_SIZE_MAX)
		max = SBUF_SIZE_MAX;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

void
sbuf_free(struct sbuf *b)
{
	if (b == NULL)
		return;
	freezero(b->d, b->alloc);
	freezero(b, sizeof(*b));
}

void
sbuf_reset(struct sbuf *b)
{
	if (b->d != NULL)
		explicit_bzero(b->d, b->dirty);
	b->off = b->size = b->dirty = 0;
}

size_t
sbuf_len(const struct sbuf *b)
{
	return b->size - b->off;
}

size_t
sbuf_max(const struct sbuf *b)
{
	return b->max;
}

const uint8_t *
sbuf_ptr(const struct sbuf *b)
{
	return b->d == NULL ? (const uint8_t *)"" : b->d + b->off;
}

const char *
sbuf_strerror(int r)
{
	switch (r) {
	case SBUF_OK:
		return "success";
	case SBUF_ERR_ALLOC:
		return "out of memory";
	case SBUF_ERR_LIMIT:
		return "buffer size limit exceeded";
	case SBUF_ERR_SHORT:
		return "message incomplete";
	case SBUF_ERR_FORMAT:
		return "invalid format";
	case SBUF_ERR_INVAL:
		return "invalid argument";
	default:
		return "unknown error";
	}
}

/*
 * Make room for len more bytes.  Read data is compacted away first so that
 * a buffer used as a queue does not grow without bound.  Old storage is
 * wiped rather than handed back to malloc with its contents.
 */
static int
sbuf_reserve(struct sbuf *b, size_t len, uint8_t **dpp)
{
	size_t need, nalloc;
	uint8_t *nd;

	if (len > b->max || sbuf_len(b) > b->max - len)
		return SBUF_ERR_LIMIT;
	if (b->off > 0) {
		memmove(b->d, b->d + b->off, b->size - b->off);
		b->size -= b->off;
		explicit_bzero(b->d + b->size, b->off);
		b->off = 0;
	}
	need = b->size + len;
	if (need > b->alloc) {
		nalloc = b->alloc < SBUF_INITIAL ? SBUF_INITIAL : b->alloc;
		while (nalloc < need)
			nalloc = nalloc > b->max / 2 ? b->max : nalloc * 2;
		if ((nd = malloc(nalloc)) == NULL)
			return SBUF_ERR_ALLOC;
		if (b->d != NULL) {
			memcpy(nd, b->d, b->size);
			freezero(b->d, b->alloc);
		}
		b->d = nd;
		b->alloc = nalloc;
	}
	*dpp = b->d + b->size;
	b->size += len;
	if (b->size > b->dirty)
		b->dirty = b->size;
	return SBUF_OK;
}

int
sbuf_put(struct sbuf *b, const void *v, size_t len)
{
	uint8_t *p;
	int r;

	if (len == 0)
		return SBUF_OK;
	if (v == NULL)
		return SBUF_ERR_INVAL;
	if ((r = sbuf_reserve(b, len, &p)) != SBUF_OK)
		return r;
	memcpy(p, v, len);
	return SBUF_OK;
}

int
sbuf_put_u8(struct sbuf *b, uint8_t v)
{
	return sbuf_put(b, &v, 1);
}

int
sbuf_put_u32(struct sbuf *b, uint32_t v)
{
	uint8_t p[4];

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return sbuf_put(b, p, sizeof(p));
}

int
sbuf_put_u64(struct sbuf *b, uint64_t v)
{
	int r;

	if ((r = sbuf_put_u32(b, (uint32_t)(v >> 32))) != SBUF_OK)
		return r;
	return sbuf_put_u32(b, (uint32_t)v);
}

int
sbuf_put_string(struct sbuf *b, const void *v, size_t len)
{
	int r;

	if (len > UINT32_MAX || len > b->max)
		return SBUF_ERR_LIMIT;
	if ((r = sbuf_put_u32(b, (uint32_t)len)) != SBUF_OK)
		return r;
	return sbuf_put(b, v, len);
}

int
sbuf_put_cstring(struct sbuf *b, const char *s)
{
	if (s == NULL)
		s = "";
	return sbuf_put_string(b, s, strlen(s));
}

int
sbuf_consume(struct sbuf *b, size_t len)
{
	if (len > sbuf_len(b))
		return SBUF_ERR_SHORT;
	b->off += len;
	if (b->off == b->size)
		b->off = b->size = 0;
	return SBUF_OK;
}

int
sbuf_get(struct sbuf *b, void *v, size_t len)
{
	if (len > sbuf_len(b))
		return SBUF_ERR_SHORT;
	if (v != NULL && len > 0)
		memcpy(v, b->d + b->off, len);
	return sbuf_consume(b, len);
}

int
sbuf_get_u8(struct sbuf *b, uint8_t *v)
{
	return sbuf_get(b, v, 1);
}

int
sbuf_get_u32(struct sbuf *b, uint32_t *v)
{
	uint8_t p[4];
	int r;

	if ((r = sbuf_get(b, p, sizeof(p))) != SBUF_OK)
		return r;
	if (v != NULL)
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	return SBUF_OK;
}

int
sbuf_get_u64(struct sbuf *b, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	if (sbuf_len(b) < 8)
		return SBUF_ERR_SHORT;
	if ((r = sbuf_get_u32(b, &hi)) != SBUF_OK ||
	    (r = sbuf_get_u32(b, &lo)) != SBUF_OK)
		return r;
	if (v != NULL)
		*v = (uint64_t)hi << 32 | lo;
	return SBUF_OK;
}

int
sbuf_get_string_direct(struct sbuf *b, const uint8_t **valp, size_t *lenp,
    size_t maxlen)
{
	const uint8_t *p;
	uint32_t len;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if (sbuf_len(b) < 4)
		return SBUF_ERR_SHORT;
	p = b->d + b->off;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (len > maxlen)
		return SBUF_ERR_FORMAT;
	if (len > sbuf_len(b) - 4)
		return SBUF_ERR_SHORT;
	if (valp != NULL)
		*valp = p + 4;
	if (lenp != NULL)
		*lenp = len;
	return sbuf_consume(b, 4 + (size_t)len);
}

/* A copy of p[0..len) with a NUL after it, or NULL. */
static void *
copy_nul(const uint8_t *p, size_t len)
{
	uint8_t *v;

	if ((v = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(v, p, len);
	v[len] = '\0';
	return v;
}

int
sbuf_get_string(struct sbuf *b, uint8_t **valp, size_t *lenp, size_t maxlen)
{
	const uint8_t *p;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = sbuf_get_string_direct(b, &p, &len, maxlen)) != SBUF_OK)
		return r;
	if (valp != NULL && (*valp = copy_nul(p, len)) == NULL)
		return SBUF_ERR_ALLOC;
	if (lenp != NULL)
		*lenp = len;
	return SBUF_OK;
}

int
sbuf_get_cstring(struct sbuf *b, char **valp, size_t maxlen)
{
	const uint8_t *p;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if ((r = sbuf_get_string_direct(b, &p, &len, maxlen)) != SBUF_OK)
		return r;
	if (len > 0 && memchr(p, '\0', len) != NULL)
		return SBUF_ERR_FORMAT;
	if (valp != NULL && (*valp = copy_nul(p, len)) == NULL)
		return SBUF_ERR_ALLOC;
	return SBUF_OK;
}

int
sbuf_expect_end(const struct sbuf *b)
{
	return sbuf_len(b) == 0 ? SBUF_OK : SBUF_ERR_FORMAT;
}
