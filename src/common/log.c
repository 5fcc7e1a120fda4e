#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define LOG_MSG_MAX	1024

static const char *log_progname = "mcpd";
static int log_level = LOG_LVL_INFO;
static int log_stderr = 1;
static log_handler_fn log_handler;
static void *log_handler_ctx;
static void (*log_fatal_cleanup)(void);

void
log_init(const char *progname, int level, int to_stderr)
{
	if (progname != NULL)
		log_progname = progname;
	log_level = level;
	log_stderr = to_stderr;
	if (!log_stderr)
		openlog(log_progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

void
log_set_handler(log_handler_fn fn, void *ctx)
{
	log_handler = fn;
	log_handler_ctx = ctx;
}

void
log_set_fatal_cleanup(void (*fn)(void))
{
	log_fatal_cleanup = fn;
}

static int
syslog_prio(int level)
{
	switch (level) {
	case LOG_LVL_FATAL:
		return LOG_CRIT;
	case LOG_LVL_ERROR:
		return LOG_ERR;
	case LOG_LVL_INFO:
	case LOG_LVL_VERBOSE:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

/*
 * Replace every byte that is not printable ASCII with a \ooo escape, in
 * place of the usual strnvis(3): client-controlled text (tool names, ids)
 * reaches the log, and must never start a new line there.
 */
static void
log_escape(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;
	unsigned char c;

	for (; *src != '\0' && o + 5 < dstlen; src++) {
		c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else if (c == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			dst[o++] = '\\';
			dst[o++] = (char)('0' + ((c >> 6) & 7));
			dst[o++] = (char)('0' + ((c >> 3) & 7));
			dst[o++] = (char)('0' + (c & 7));
		}
	}
	dst[o] = '\0';
}

void
log_emit(int level, const char *msg)
{
	char esc[LOG_MSG_MAX * 4 + 8];
	int saved_errno = errno;

	if (level > log_level)
		return;
	log_escape(esc, sizeof(esc), msg);
	if (log_handler != NULL)
		log_handler(level, esc, log_handler_ctx);
	else if (log_stderr)
		dprintf(STDERR_FILENO, "%s[%ld]: %s\n", log_progname,
		    (long)getpid(), esc);
	else
		syslog(syslog_prio(level), "%s", esc);
	errno = saved_errno;
}

static void
log_vformat(const char *func, int showfunc, int level, const char *fmt,
    va_list ap)
{
	char msg[LOG_MSG_MAX], full[LOG_MSG_MAX + 64];
	const char *pfx = "";

	if (level > log_level)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level == LOG_LVL_FATAL)
		pfx = "fatal: ";
	else if (level == LOG_LVL_ERROR)
		pfx = "error: ";
	else if (level >= LOG_LVL_DEBUG1)
		pfx = "debug: ";
	if (showfunc)
		(void)snprintf(full, sizeof(full), "%s%s: %s", pfx, func, msg);
	else
		(void)snprintf(full, sizeof(full), "%s%s", pfx, msg);
	log_emit(level, full);
}

void
mcpd_log(const char *func, int showfunc, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vformat(func, showfunc, level, fmt, ap);
	va_end(ap);
}

void
mcpd_fatal(const char *func, int showfunc, const char *fmt, ...)
{
	va_list ap;
	void (*cleanup)(void) = log_fatal_cleanup;

	va_start(ap, fmt);
	log_vformat(func, showfunc, LOG_LVL_FATAL, fmt, ap);
	va_end(ap);
	log_fatal_cleanup = NULL;
	if (cleanup != NULL)
		cleanup();
	_exit(1);
}
