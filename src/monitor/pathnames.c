/*
 * The directory of the programs the monitor executes (mcpd-net,
 * mcpd-worker).  The Makefile compiles this file twice: with the build
 * tree, for the mcpd that the tests run there, and with LIBEXECDIR, for
 * the mcpd that "make install" installs.
 */
#include "spawn.h"

#ifndef MCPD_LIBEXECDIR
#error "MCPD_LIBEXECDIR must be defined (see the Makefile)"
#endif

const char spawn_libexec_dir[] = MCPD_LIBEXECDIR;
