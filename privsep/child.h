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
/*
 * The log handler child_log_to_monitor() installs (PS_LOG_REQ on that
 * fd), for a child whose own handler treats some lines otherwise and
 * passes the rest on.
 */
void	child_log_handler(int level, const char *msg, void *ctx);
/*
 * The first thing a child's main() does: refuse to run unless started as
 * mcpd starts it (no argument, the monitor channel a Unix stream socket
 * at PS_CHANNEL_FD), name the process name (for ps and pkill), harden it
 * (privdrop_harden_process) and route its log to the monitor.  Exits 1
 * with a message on stderr otherwise.
 */
void	child_start(const char *name, int argc);
/*
 * Called when the monitor's init says "do not drop": that is only for a
 * monitor that is not root itself, so a child that has root in any of its
 * ids refuses to go on unconfined, whoever sent the message.
 */
void	child_check_unprivileged(void);

#endif /* MCPD_CHILD_H */
