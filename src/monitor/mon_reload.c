/*
 * The reload of the configuration on SIGHUP (caught in monitor.c): the
 * new configuration and key set replace the old ones, with the rate
 * limiters whose limits changed, and the reload is audited.
 */
#include <stdio.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "monitor_int.h"

/*
 * SIGHUP: swap in a new configuration and key set, whole or not at all.
 * Calls in flight carry their own copy of the caller's identity, so they
 * finish as they were decided; the next decision uses the new policy.
 */
void
mon_reload(struct monitor *mon)
{
	struct monitor_params *p = mon->p;
	struct mcpd_config *ncfg, *ocfg = p->cfg;
	struct mon_auth nauth, oauth = p->auth;
	char err[1024], reason[1100];

	if (p->reload(ocfg, &ncfg, &nauth, err, sizeof(err)) != 0) {
		error("reload failed, the running configuration stays in "
		    "force: %s", err);
		(void)snprintf(reason, sizeof(reason), "reload failed: %s",
		    err);
		mon_audit_event(mon, "reload", AUDIT_ERROR, reason);
		return;
	}
	mon_ratelimits(mon, ocfg, ncfg);
	p->cfg = ncfg;
	p->auth = nauth;
	mon->cfg = ncfg;
	mon->authn.cfg = ncfg;
	mon->authn.keys = nauth.keys;
	mon->authn.jwt = nauth.jwt;
	p->release(ocfg, &oauth);
	audit_set_checkpoint(p->audit, ncfg->audit_checkpoint_records,
	    ncfg->audit_checkpoint_seconds);
	logit("configuration reloaded");
	mon_audit_event(mon, "reload", NULL, "configuration reloaded");
}
