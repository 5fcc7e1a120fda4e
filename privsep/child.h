/*
 * The child side of process start-up, shared by the net process and the
 * workers: read the monitor's PS_INIT_REQ (blocking) and acknowledge it.
 */
#ifndef MCPD_CHILD_H
#define MCPD_CHILD_H

#include <stdint.h>

struct sbuf;

/*
 * Read PS_INIT_REQ from fd into payload (the version and kind fields are
 * checked and consumed; log_level is consumed and applied).  Fatal on any
 * error.
 */
void	child_read_init(int fd, uint32_t kind, struct sbuf *payload);
/* Send PS_INIT_ANS.  Fatal on error. */
void	child_init_done(int fd);
/* Route this process's log lines to the monitor over fd (blocking). */
void	child_log_to_monitor(int fd);

#endif /* MCPD_CHILD_H */
