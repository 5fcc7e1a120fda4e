/*
 * sandbox_export() (sandbox.h): any profile as libseccomp's pseudo filter
 * code, for tests/bench/syscalls.sh.  It names every profile, so it is in
 * a file of its own that no process's image links.
 */
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_int.h"

int
sandbox_export(enum sandbox_kind kind, int fd)
{
	const struct sandbox_profile *profile;
	scmp_filter_ctx ctx;
	int r;

	switch (kind) {
	case SANDBOX_NET:
		profile = &sandbox_net_profile;
		break;
	case SANDBOX_NET_HTTP:
		profile = &sandbox_net_http_profile;
		break;
	case SANDBOX_WORKER:
		profile = &sandbox_worker_profile;
		break;
	default:
		error_f("unknown sandbox kind %d", (int)kind);
		return -1;
	}
	if ((ctx = sandbox_build(profile, getpid())) == NULL)
		return -1;
	r = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return r == 0 ? 0 : -1;
}
