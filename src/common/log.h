/*
 * Logging for all mcpd processes.  Messages are escaped before they leave
 * the process so that nothing a client sent can forge or split a log line.
 * The _f forms prefix the function name, as OpenSSH's do.
 */
#ifndef MCPD_LOG_H
#define MCPD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_QUIET = 0,
	LOG_LVL_FATAL,
	LOG_LVL_ERROR,
	LOG_LVL_INFO,
	LOG_LVL_VERBOSE,
	LOG_LVL_DEBUG1,
	LOG_LVL_DEBUG2,
	LOG_LVL_DEBUG3
};

/* Where a confined process sends its messages instead (the monitor). */
typedef void (*log_handler_fn)(int level, const char *msg, void *ctx);

void	log_init(const char *progname, int level, int to_stderr);
void	log_set_level(int level);
int	log_get_level(void);
void	log_set_handler(log_handler_fn, void *ctx);
/* Emit an already formatted message as this process's own (monitor side). */
void	log_emit(int level, const char *msg);
/* Run once on fatal(), before exit, in the process that died. */
void	log_set_fatal_cleanup(void (*)(void));

void	mcpd_log(const char *func, int showfunc, int level, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
void	mcpd_fatal(const char *func, int showfunc, const char *fmt, ...)
	    __attribute__((noreturn)) __attribute__((format(printf, 3, 4)));

#define fatal(...)	mcpd_fatal(__func__, 0, __VA_ARGS__)
#define fatal_f(...)	mcpd_fatal(__func__, 1, __VA_ARGS__)
#define error(...)	mcpd_log(__func__, 0, LOG_LVL_ERROR, __VA_ARGS__)
#define error_f(...)	mcpd_log(__func__, 1, LOG_LVL_ERROR, __VA_ARGS__)
#define logit(...)	mcpd_log(__func__, 0, LOG_LVL_INFO, __VA_ARGS__)
#define logit_f(...)	mcpd_log(__func__, 1, LOG_LVL_INFO, __VA_ARGS__)
#define verbose(...)	mcpd_log(__func__, 0, LOG_LVL_VERBOSE, __VA_ARGS__)
#define verbose_f(...)	mcpd_log(__func__, 1, LOG_LVL_VERBOSE, __VA_ARGS__)
#define debug(...)	mcpd_log(__func__, 0, LOG_LVL_DEBUG1, __VA_ARGS__)
#define debug_f(...)	mcpd_log(__func__, 1, LOG_LVL_DEBUG1, __VA_ARGS__)
#define debug2_f(...)	mcpd_log(__func__, 1, LOG_LVL_DEBUG2, __VA_ARGS__)
#define debug3_f(...)	mcpd_log(__func__, 1, LOG_LVL_DEBUG3, __VA_ARGS__)

#endif /* MCPD_LOG_H */
