/*
 * Allocation that wipes on free, for the net process.  A client's
 * credential passes through libevent's buffers, evhttp's header strings,
 * jansson's parse and OpenSSL's records on its way to the monitor; when
 * those are freed, the bytes would stay in the heap until reused.  With
 * these installed, every block is cleared as it is freed, so that a
 * compromise of the process later finds no earlier client's secret.
 */
#ifndef MCPD_WIPEALLOC_H
#define MCPD_WIPEALLOC_H

/*
 * Make libevent, jansson and OpenSSL allocate through the wiping
 * functions.  Call first thing, before any of them allocates.  Returns 0,
 * or -1 if a library had allocated already (then it keeps its own).
 */
int	wipealloc_install(void);

#endif /* MCPD_WIPEALLOC_H */
