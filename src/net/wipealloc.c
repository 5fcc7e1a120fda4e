/*
 * Wiping allocation (see wipealloc.h).  glibc tells the usable size of a
 * block, so a free can clear all of it; realloc is malloc, copy and a
 * wiping free, because glibc's own realloc may leave the old bytes behind
 * when it moves a block.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "wipealloc.h"

static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		wipe_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	/* Shrinking in place keeps the block: clear what is let go. */
	if (n <= old) {
		explicit_bzero((char *)p + n, old - n);
		return p;
	}
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old);
	wipe_free(p);
	return q;
}

static void *
wipe_ossl_malloc(size_t n, const char *file, int line)
{
	return malloc(n);
}

static void *
wipe_ossl_realloc(void *p, size_t n, const char *file, int line)
{
	return wipe_realloc(p, n);
}

static void
wipe_ossl_free(void *p, const char *file, int line)
{
	wipe_free(p);
}

int
wipealloc_install(void)
{
	event_set_mem_functions(malloc, wipe_realloc, wipe_free);
	json_set_alloc_funcs(malloc, wipe_free);
	if (CRYPTO_set_mem_functions(wipe_ossl_malloc, wipe_ossl_realloc,
	    wipe_ossl_free) != 1)
		return -1;
	return 0;
}
