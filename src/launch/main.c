/*
 * mcpd-launch: starts one stdio upstream MCP server confined (DESIGN.md
 * section 11; doc/privsep.md section 1).  Whoever starts an upstream
 * executes it with a Unix stream socket at PS_CHANNEL_FD and the
 * upstream's stdin, stdout and stderr at fds 0, 1 and 2; it reads one
 * PS_LAUNCH_REQ there, confines itself as that says, answers
 * PS_LAUNCH_ANS and executes the upstream.  It reads nothing from its
 * command line or environment.
 */
#include "child.h"
#include "launch.h"
#include "proto.h"

int
main(int argc, char **argv)
{
	child_start("mcpd-launch", argc);
	launch_main(PS_CHANNEL_FD);
}
