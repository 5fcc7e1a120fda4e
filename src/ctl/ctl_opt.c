/*
 * Option parsing shared by the mcpctl subcommands: getopt_long with its
 * state reset, so that a subcommand can run more than once in one
 * process (the unit tests do), and the messages for a bad option.
 */
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"

/*
 * The caller's option string starts with '-' (operands come back in order
 * as option 1, whatever POSIXLY_CORRECT says) and ':' (a missing argument
 * is reported as ':' instead of printed by getopt).
 */
void
ctl_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

void
ctl_bad_option(int ch, char **argv)
{
	if (ch == ':')
		fprintf(stderr, "mcpctl: option %s requires an argument\n",
		    argv[optind - 1]);
	else if (optopt != 0)
		fprintf(stderr, "mcpctl: unknown option -%c\n", optopt);
	else
		fprintf(stderr, "mcpctl: unknown option %s\n",
		    argv[optind - 1]);
}

int
ctl_set_once(const char **slot, const char *val, const char *name)
{
	if (*slot != NULL) {
		fprintf(stderr, "mcpctl: %s given more than once\n", name);
		return -1;
	}
	*slot = val;
	return 0;
}
