/*
 * Fuzz target: audit-log verification and display (src/ctl/ctl_audit.c,
 * src/monitor/auditchain.c), through "mcpctl audit verify|show" itself.
 *
 * Input: the first byte picks the command (bit 0: show, else verify;
 * bit 1: verify --continued), the rest is the log file.  The MAC key is
 * FUZZ_AUDIT_KEY, the one mkseeds.c wrote the seed logs with, so that
 * mutations of real, verifying records reach every check of the chain.
 * Properties: the exit status is 0 or 1 (2 means trouble with the key or
 * the file, which a well-formed key and a readable file never are).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "harness.h"

/* The key of the seed logs (tests/fuzz/mkseeds.c); 32 bytes. */
#define FUZZ_AUDIT_KEY	"mcpd-fuzz-audit-key-0123456789ab"

static char *log_path, *key_path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	log_path = fuzz_path("audit.log");
	key_path = fuzz_path("audit.key");
	fuzz_write(key_path, FUZZ_AUDIT_KEY, strlen(FUZZ_AUDIT_KEY));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *verify[] = { "audit", "verify", "-k", key_path, log_path, NULL };
	char *verify_c[] = { "audit", "verify", "-c", "-k", key_path,
	    log_path, NULL };
	char *show[] = { "audit", "show", log_path, NULL };
	int r;

	if (size < 1)
		return 0;
	fuzz_write(log_path, data + 1, size - 1);
	if (data[0] & 1)
		r = ctl_audit_main(3, show);
	else if (data[0] & 2)
		r = ctl_audit_main(6, verify_c);
	else
		r = ctl_audit_main(5, verify);
	FUZZ_ASSERT(r == 0 || r == 1, "audit exits 0 or 1");
	return 0;
}
