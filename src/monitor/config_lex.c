/*
 * mcpd.conf(5): reading a line.  The grammar follows sshd_config: one
 * "Keyword arguments" line at a time, the keyword case-insensitive and
 * optionally followed by "=", arguments separated by blanks, a word that
 * begins with '#' starting a comment, and double quotes grouping a word
 * that contains blanks.  This file takes a line apart into its keyword
 * and its words, refusing control characters and overlong lines, and
 * words the messages that say where a bad line came from; what the words
 * mean is config_keywords.c's.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

static void
vseterr(char *err, size_t errlen, const char *where, int linenum,
    const char *fmt, va_list ap)
{
	char msg[512];
	int r;

	if (err == NULL || errlen == 0)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	if (where == NULL)
		where = "configuration";
	if (linenum > 0)
		r = snprintf(err, errlen, "%s line %d: %s", where, linenum,
		    msg);
	else
		r = snprintf(err, errlen, "%s: %s", where, msg);
	if (r < 0)
		err[0] = '\0';
}

void
cfg_perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(p->err, p->errlen, p->where, p->linenum, fmt, ap);
	va_end(ap);
}

int
cfg_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int
cfg_lex_line(struct pctx *p, const char *line, char *buf, char **kwp,
    char **argsp)
{
	char *s, *kw;
	size_t len, i;
	unsigned char c;

	if ((len = strnlen(line, CONFIG_LINE_MAX + 1)) > CONFIG_LINE_MAX) {
		cfg_perr(p, "line too long (more than %d bytes)",
		    CONFIG_LINE_MAX);
		return -1;
	}
	memcpy(buf, line, len + 1);
	/* Trailing blanks, including the "\r\n" of a CRLF file. */
	while (len > 0 && (cfg_is_blank(buf[len - 1]) ||
	    buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	for (i = 0; i < len; i++) {
		c = (unsigned char)buf[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			cfg_perr(p, "invalid character 0x%02x", c);
			return -1;
		}
	}
	s = buf;
	while (cfg_is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;

	/* "Keyword args", "Keyword=args" or "Keyword = args". */
	kw = s;
	while (*s != '\0' && !cfg_is_blank(*s) && *s != '=')
		s++;
	if (s == kw) {
		cfg_perr(p, "missing keyword");
		return -1;
	}
	if (*s != '\0') {
		if (*s == '=') {
			*s++ = '\0';
		} else {
			*s++ = '\0';
			while (cfg_is_blank(*s))
				s++;
			if (*s == '=')
				s++;
		}
	}
	*kwp = kw;
	*argsp = s;
	return 1;
}

/*
 * Split the argument string into words in place.  A word starting with '#'
 * begins a comment; a word in double quotes may hold blanks.
 */
int
cfg_tokenize(struct pctx *p, char *s, char **av, int *acp)
{
	char *start, *end;
	int ac = 0;

	for (;;) {
		while (cfg_is_blank(*s))
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (ac >= CONFIG_ARGS_MAX) {
			cfg_perr(p, "too many arguments (at most %d)",
			    CONFIG_ARGS_MAX);
			return -1;
		}
		if (*s == '"') {
			start = s + 1;
			if ((end = strchr(start, '"')) == NULL) {
				cfg_perr(p, "unterminated quote");
				return -1;
			}
			*end = '\0';
			s = end + 1;
			if (*s != '\0' && !cfg_is_blank(*s)) {
				cfg_perr(p, "garbage after closing quote");
				return -1;
			}
		} else {
			start = s;
			while (*s != '\0' && !cfg_is_blank(*s))
				s++;
			if (*s != '\0')
				*s++ = '\0';
		}
		av[ac++] = start;
	}
	*acp = ac;
	return 0;
}
