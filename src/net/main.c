/*
 * mcpd-net: the net process, started by the monitor (mcpd(8)) from its
 * libexec directory with the monitor channel at PS_CHANNEL_FD.  It parses
 * everything that comes from a client, under its seccomp profile, and
 * holds no secret.  It reads nothing from its command line or
 * environment: the monitor's init message says everything.
 */
#include "child.h"
#include "net.h"
#include "proto.h"

int
main(int argc, char **argv)
{
	child_start("mcpd-net", argc);
	net_main(PS_CHANNEL_FD);
}
