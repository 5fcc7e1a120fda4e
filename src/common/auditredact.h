/*
 * AuditRedact rules (mcpd.conf(5)): "tool.field", the top-level argument
 * field of a tool whose value the audit log shows only as its SHA-256
 * under AuditArguments full.  tool is a tool name or "*" for every tool.
 * Shared by the config parser, the monitor (which checks that a tool with
 * a rule has its arguments redacted) and the net process (which redacts).
 */
#ifndef MCPD_AUDITREDACT_H
#define MCPD_AUDITREDACT_H

#include <stddef.h>

#define AUDITREDACT_RULES_MAX	64	/* rules in AuditRedact */
#define AUDITREDACT_PART_MAX	64	/* bytes of a tool or field name */

/* 1 if rule is "tool.field" with both parts well-formed, else 0. */
int		 auditredact_valid(const char *rule);
/*
 * The field of rule if the rule applies to tool, else NULL.  The field
 * points into rule.
 */
const char	*auditredact_field(const char *rule, const char *tool);
/* 1 if one of the n rules applies to tool. */
int		 auditredact_names_tool(char *const *rules, size_t n,
		    const char *tool);

#endif /* MCPD_AUDITREDACT_H */
