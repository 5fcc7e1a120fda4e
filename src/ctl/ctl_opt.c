/*
 * Option parsing shared by the mcpctl subcommands: getopt_long with its
 * state reset, so that a subcommand can run more than once in one
 * process (the unit tests do), the messages for a bad option, and the
 * loop of the subcommands whose options are all strings given once.
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

int
ctl_getopt_strings(int argc, char **argv, const char *optstring,
    const struct option *lopts, const struct ctl_stropt *opts)
{
	const struct ctl_stropt *o;
	int ch;

	ctl_getopt_reset();
	while ((ch = getopt_long(argc, argv, optstring, lopts, NULL)) != -1) {
		for (o = opts; o->slot != NULL && o->ch != ch; o++)
			;
		if (o->slot != NULL) {
			if (ctl_set_once(o->slot, optarg, o->name) != 0)
				return -1;
		} else if (ch == 1) {
			fprintf(stderr, "mcpctl: unexpected argument \"%s\"\n",
			    optarg);
			return -1;
		} else {
			ctl_bad_option(ch, argv);
			return -1;
		}
	}
	return 0;
}
