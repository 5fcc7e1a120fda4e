/*
 * The monitor's decisions on tools: which tools a caller sees
 * (PS_TOOLLIST_REQ), and whether a tool call runs (PS_TOOLCALL_REQ): past
 * the gate, the tool's existence, authorization by role and scope, the
 * net process's inputSchema verdict, and the audit record written before
 * the call is queued for a worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit.h"
#include "auditredact.h"
#include "authn.h"
#include "config.h"
#include "hex.h"
#include "log.h"
#include "monitor_int.h"
#include "policy.h"
#include "proto.h"
#include "sbuf.h"
#include "toolcatalog.h"
#include "xmalloc.h"

void
mon_toollist(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct identity id;
	struct audit_rec rec;
	struct mon_conn *conn;
	const struct tool_def *t;
	const uint8_t *cred;
	size_t credlen, i, n = 0;
	uint32_t callid, connid, status, retry;
	char *req, *request_id = NULL, *client = NULL;
	int all = mon->cfg->tool_listing == TOOLLIST_ALL;

	/* cred points into the storage of m, which reads never move. */
	if (mon_check(mon, sbuf_get_u32(m, &callid), "toollist callid") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "toollist connid") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "toollist credential") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &request_id, PS_ID_MAX),
	    "toollist request id") != 0 ||
	    mon_check(mon, sbuf_get_cstring(m, &client, PS_CLIENT_MAX),
	    "toollist client") != 0 ||
	    mon_check(mon, sbuf_expect_end(m), "toollist") != 0 ||
	    mon_conn_of(mon, connid, &conn) != 0) {
		free(request_id);
		free(client);
		return;
	}
	status = mon_gate(mon, "tools/list", conn, client, cred, credlen, NULL,
	    request_id, NULL, &id, &retry);
	if (status == PS_ST_OK) {
		memset(&rec, 0, sizeof(rec));
		rec.event = "tools/list";
		rec.decision = AUDIT_ALLOWED;
		rec.reason = all ? "listing all tools" :
		    "listing permitted tools";
		rec.request_id = request_id;
		rec.source = conn != NULL ? conn->source : NULL;
		rec.client = client;
		rec.duration_ms = -1;
		mon_rec_identity(&rec, &id);
		if (mon_audit(mon, &rec) != 0)
			status = PS_ST_INTERNAL;
	}
	sbuf_reset(mon->ans);
	mon_put(mon, sbuf_put_u32(mon->ans, callid));
	mon_put(mon, sbuf_put_u32(mon->ans, status));
	if (status == PS_ST_OK) {
		for (i = 0; i < toolcat_count(); i++) {
			t = toolcat_get(i);
			if (all || policy_permits(mon->cfg, id.roles, id.nroles,
			    t->name))
				n++;
		}
	}
	mon_put(mon, sbuf_put_u32(mon->ans, (uint32_t)n));
	for (i = 0; n > 0 && i < toolcat_count(); i++) {
		t = toolcat_get(i);
		if (!all && !policy_permits(mon->cfg, id.roles, id.nroles,
		    t->name))
			continue;
		req = all ? policy_required_roles(mon->cfg, t->name) : NULL;
		mon_put(mon, sbuf_put_cstring(mon->ans, t->name));
		mon_put_list(mon, req);
		free(req);
	}
	(void)mon_send(mon, mon->net_bev, PS_TOOLLIST_ANS);
	identity_clear(&id);
	free(request_id);
	free(client);
}

static void
mon_args_digest(const uint8_t *args, size_t len, char out[65])
{
	/* Fetched once: EVP_sha256() is looked up again on every use. */
	static EVP_MD *sha256;
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);

	if (sha256 == NULL &&
	    (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatal_f("EVP_MD_fetch SHA256 failed");
	if (EVP_Digest(args, len, md, &mdlen, sha256, NULL) != 1)
		fatal_f("EVP_Digest failed");
	hex_encode(md, sizeof(md), out);
}

/*
 * Whether the net process's audit_args contradict the configuration:
 * present though no AuditRedact rule names the tool, or missing though
 * one does.  The monitor does not parse them (client JSON); it only makes
 * sure a tool with a rule never has its raw arguments logged.
 */
static int
mon_audit_args_bad(struct monitor *mon, const char *tool,
    const char *audit_args)
{
	const struct mcpd_config *cfg = mon->cfg;

	return auditredact_names_tool(cfg->audit_redact, cfg->naudit_redact,
	    tool) != (*audit_args != '\0');
}

/* A tool call refused before it was recorded: free what was decoded. */
static void
mon_toolcall_discard(struct mon_call *c, uint8_t *cred, size_t credlen,
    char *schema_error, char *audit_args)
{
	freezero(cred, credlen);
	free(c->request_id);
	free(c->tool);
	free(c->args);
	free(c->client);
	free(schema_error);
	freezero(audit_args, audit_args != NULL ? strlen(audit_args) : 0);
	free(c);
}

void
mon_toolcall(void *arg, struct sbuf *m)
{
	struct monitor *mon = arg;
	struct mon_call *c;
	struct mon_conn *conn;
	struct audit_rec rec;
	const uint8_t *cred;
	size_t credlen;
	uint32_t status, retry, connid;
	char *required = NULL, *scopes = NULL, *schema_error = NULL;
	char *audit_args = NULL;
	const char *reason;
	int r;

	c = xcalloc(1, sizeof(*c));
	if (mon_check(mon, sbuf_get_u32(m, &c->callid), "call id") != 0 ||
	    mon_check(mon, sbuf_get_u32(m, &connid), "connection id") != 0 ||
	    mon_check(mon, sbuf_get_string_direct(m, &cred, &credlen,
	    PS_CRED_MAX), "credential") != 0) {
		free(c);
		return;
	}
	/* Copy the credential out first: the fields after it move m. */
	{
		uint8_t *credcopy = NULL;

		if (credlen > 0) {
			credcopy = xmalloc(credlen);
			memcpy(credcopy, cred, credlen);
		}
		if ((r = sbuf_get_cstring(m, &c->request_id,
		    PS_ID_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &c->tool,
		    PS_NAME_MAX)) != SBUF_OK ||
		    (r = sbuf_get_string(m, &c->args, &c->argslen,
		    PS_ARGS_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &c->client,
		    PS_CLIENT_MAX)) != SBUF_OK ||
		    (r = sbuf_get_u32(m, &c->scope)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &schema_error,
		    PS_SCHEMA_ERR_MAX)) != SBUF_OK ||
		    (r = sbuf_get_cstring(m, &audit_args,
		    PS_AUDIT_ARGS_MAX)) != SBUF_OK ||
		    (r = sbuf_expect_end(m)) != SBUF_OK ||
		    mon_conn_of(mon, connid, &conn) != 0 ||
		    mon_scope_check(mon, c->scope) != 0) {
			mon_toolcall_discard(c, credcopy, credlen,
			    schema_error, audit_args);
			if (r != SBUF_OK)
				(void)mon_check(mon, r, "tool call");
			return;
		}
		if (mon->ncalls >= mon->max_calls ||
		    mon_call_find(mon, c->callid) != NULL ||
		    mon_audit_args_bad(mon, c->tool, audit_args)) {
			mon_toolcall_discard(c, credcopy, credlen,
			    schema_error, audit_args);
			mon_net_violation(mon, "call id reused, too many "
			    "calls in flight, or audit_args where no "
			    "AuditRedact rule asks for them");
			return;
		}
		TAILQ_INSERT_TAIL(&mon->calls, c, entry);
		mon->ncalls++;
		c->connid = connid;
		c->start_ms = monotime_ms();
		if (mon->cfg->audit_arguments != AUDIT_ARGS_NONE)
			mon_args_digest(c->args, c->argslen, c->args_sha256);
		(void)snprintf(c->source, sizeof(c->source), "%s",
		    conn != NULL ? conn->source : MON_SOURCE_STDIO);
		status = mon_gate(mon, "tools/call", conn, c->client, credcopy,
		    credlen, c->tool, c->request_id, mon_args_field(c), &c->id,
		    &retry);
		freezero(credcopy, credlen);
	}
	if (status != PS_ST_OK) {
		mon_answer_call(mon, c->callid, status, NULL, NULL, retry,
		    NULL, 0);
		goto done;
	}

	memset(&rec, 0, sizeof(rec));
	rec.event = "tools/call";
	mon_rec_identity(&rec, &c->id);
	rec.tool = c->tool;
	rec.request_id = c->request_id;
	rec.args_sha256 = mon_args_field(c);
	rec.source = c->source;
	rec.client = c->client;
	rec.duration_ms = -1;
	/*
	 * The arguments as the net process redacted them where an
	 * AuditRedact rule names the tool (mon_audit_args_bad() made sure
	 * they are there then, and only then); args_sha256 is still the
	 * monitor's own digest of the arguments the worker gets.
	 */
	if (mon->cfg->audit_arguments == AUDIT_ARGS_FULL)
		rec.args = *audit_args != '\0' ? audit_args :
		    (const char *)c->args;

	if (toolcat_find(c->tool) == NULL) {
		status = PS_ST_UNKNOWN_TOOL;
		rec.decision = AUDIT_DENIED;
		rec.reason = "unknown tool";
	} else if (!policy_permits(mon->cfg, c->id.roles, c->id.nroles,
	    c->tool)) {
		required = policy_required_roles(mon->cfg, c->tool);
		rec.decision = AUDIT_DENIED;
		rec.required = required;
		/* A token that lacks a scope is told which (RFC 6750 3.1). */
		if ((scopes = policy_missing_scopes(mon->cfg, &c->id,
		    c->tool)) != NULL) {
			status = PS_ST_SCOPE;
			rec.reason = "insufficient scope";
		} else {
			status = PS_ST_DENIED;
			rec.reason = "no role permits the tool";
		}
	} else if (*schema_error != '\0') {
		/*
		 * Allowed, but the arguments fail the tool's inputSchema:
		 * a tool error naming the failed constraints (MCP
		 * 2025-11-25), and the call never reaches a worker.  The
		 * net process's word is enough to refuse a call, never to
		 * run one: the worker checks the arguments again.
		 */
		status = PS_ST_TOOL_ERROR;
		rec.decision = AUDIT_ERROR;
		rec.reason = schema_error;
	} else {
		status = PS_ST_OK;
		rec.decision = AUDIT_ALLOWED;
	}
	if (mon_audit(mon, &rec) != 0)
		status = PS_ST_INTERNAL;
	if (status == PS_ST_TOOL_ERROR) {
		mon_answer_call(mon, c->callid, status, NULL,
		    mon_first_role(&c->id), 0, schema_error,
		    strlen(schema_error));
		goto done;
	}
	if (status != PS_ST_OK) {
		if (status == PS_ST_SCOPE)
			reason = scopes;
		else
			reason = required != NULL && *required != '\0' ?
			    required : "none";
		mon_answer_call(mon, c->callid, status, reason,
		    mon_first_role(&c->id), 0, NULL, 0);
		free(required);
		free(scopes);
		goto done;
	}
	free(required);
	c->queued = 1;
	TAILQ_INSERT_TAIL(&mon->queue, c, qentry);
	mon_schedule(mon);
	c = NULL;	/* the queue's now */
 done:
	free(schema_error);
	freezero(audit_args, strlen(audit_args));
	if (c != NULL)
		mon_call_free(mon, c);
}
