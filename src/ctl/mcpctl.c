/*
 * mcpctl: the administrator's tool for mcpd: API keys, the audit log, and
 * OAuth test tokens and JWKS.
 * It runs as the administrator, never inside the daemon.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int
usage(void)
{
	fprintf(stderr,
"usage: mcpctl key new --user ID --roles R1,R2 [--from CIDR]\n"
"                      [--expires YYYYMMDD[HHMM]] -f FILE\n"
"       mcpctl key list -f FILE\n"
"       mcpctl key revoke KEYID -f FILE\n"
"       mcpctl audit verify FILE --key-file KEYFILE [--continued]\n"
"       mcpctl audit show FILE\n"
"       mcpctl token --key PEM [--kid K] --iss I --aud A --sub S\n"
"                    [--roles R1,R2] [--roles-claim NAME] [--scope \"S1 S2\"]\n"
"                    [--ttl 15m] [--alg PS256]\n"
"       mcpctl jwks [--kid K ...] [--alg A ...] PUB.pem ...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "key") == 0)
		return ctl_key_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return ctl_audit_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return ctl_token_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "jwks") == 0)
		return ctl_jwks_main(argc - 1, argv + 1);
	return usage();
}
