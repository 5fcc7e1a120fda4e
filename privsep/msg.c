#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "msg.h"
#include "sbuf.h"

int
pmsg_compose(struct evbuffer *out, uint8_t type, const struct sbuf *payload)
{
	size_t plen = payload == NULL ? 0 : sbuf_len(payload);
	uint8_t hdr[5];
	uint32_t n;

	if (plen >= PMSG_MAX)
		return PMSG_ERR_SIZE;
	n = (uint32_t)plen + 1;
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
	hdr[4] = type;
	if (evbuffer_add(out, hdr, sizeof(hdr)) != 0)
		return PMSG_ERR_ALLOC;
	if (plen > 0 && evbuffer_add(out, sbuf_ptr(payload), plen) != 0)
		return PMSG_ERR_ALLOC;
	return PMSG_OK;
}

int
pmsg_take(struct evbuffer *in, uint8_t *type, struct sbuf *payload)
{
	uint8_t hdr[5];
	uint32_t n;
	size_t have = evbuffer_get_length(in);
	unsigned char *p;

	if (have < sizeof(hdr))
		return PMSG_MORE;
	if (evbuffer_copyout(in, hdr, sizeof(hdr)) != (ev_ssize_t)sizeof(hdr))
		return PMSG_ERR_IO;
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
	if (n == 0 || n > PMSG_MAX || n - 1 > sbuf_max(payload))
		return PMSG_ERR_SIZE;
	if (have - 4 < n)
		return PMSG_MORE;
	sbuf_reset(payload);
	if (n > 1) {
		if ((p = evbuffer_pullup(in, 4 + (ev_ssize_t)n)) == NULL)
			return PMSG_ERR_ALLOC;
		if (sbuf_put(payload, p + 5, n - 1) != SBUF_OK)
			return PMSG_ERR_ALLOC;
	}
	*type = hdr[4];
	if (evbuffer_drain(in, 4 + (size_t)n) != 0)
		return PMSG_ERR_IO;
	return PMSG_OK;
}

int
pmsg_write_fd(int fd, uint8_t type, const struct sbuf *payload)
{
	struct evbuffer *out;
	int r = PMSG_OK;

	if ((out = evbuffer_new()) == NULL)
		return PMSG_ERR_ALLOC;
	if ((r = pmsg_compose(out, type, payload)) != PMSG_OK)
		goto done;
	while (evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, fd) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = PMSG_ERR_IO;
			break;
		}
	}
 done:
	evbuffer_free(out);
	return r;
}

int
pmsg_read_fd(int fd, struct evbuffer *in, uint8_t *type, struct sbuf *payload)
{
	int r, n;

	for (;;) {
		if ((r = pmsg_take(in, type, payload)) != PMSG_MORE)
			return r;
		n = evbuffer_read(in, fd, 65536);
		if (n == 0)
			return PMSG_ERR_IO;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return PMSG_ERR_IO;
	}
}
