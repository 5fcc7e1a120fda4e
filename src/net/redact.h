/*
 * AuditRedact, applied in the net process: the arguments of a tool call
 * as the audit log shows them under AuditArguments full.
 */
#ifndef MCPD_REDACT_H
#define MCPD_REDACT_H

#include <stddef.h>

#include <jansson.h>

#include "proto.h"

/* The longest redacted text sent to the monitor (bytes). */
#define REDACT_TEXT_MAX		PS_AUDIT_ARGS_MAX

/*
 * NULL if none of the n rules names tool; else the arguments as compact
 * JSON text with sorted keys, each field a rule names replaced by
 * "sha256:" and the hex SHA-256 of its value (of the string's UTF-8
 * bytes for a string, of its compact JSON text otherwise), allocated.
 * args is not changed.
 */
/*
 * Before the sandbox: OpenSSL's first digest loads its default provider,
 * which may read files.
 */
void	 redact_init(void);
char	*redact_args(char *const *rules, size_t n, const char *tool,
	    const json_t *args);

#endif /* MCPD_REDACT_H */
