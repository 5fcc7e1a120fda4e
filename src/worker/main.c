/*
 * mcpd-worker: a tool worker, started by the monitor (mcpd(8)) from its
 * libexec directory with the monitor channel at PS_CHANNEL_FD.  It runs
 * one tool call at a time as ToolUser, under its seccomp profile.  It
 * reads nothing from its command line or environment: the monitor's init
 * message says everything.
 */
#include "child.h"
#include "proto.h"
#include "worker.h"

int
main(int argc, char **argv)
{
	child_start("mcpd-worker", argc);
	worker_main(PS_CHANNEL_FD);
}
