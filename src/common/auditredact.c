/*
 * AuditRedact rules: parsing and matching.  See auditredact.h.
 */
#include <ctype.h>
#include <string.h>

#include "auditredact.h"

/* [A-Za-z0-9_-]{1,AUDITREDACT_PART_MAX}, the first len bytes of s. */
static int
auditredact_part_ok(const char *s, size_t len, int star)
{
	size_t i;

	if (len == 0 || len > AUDITREDACT_PART_MAX)
		return 0;
	if (star && len == 1 && s[0] == '*')
		return 1;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	}
	return 1;
}

int
auditredact_valid(const char *rule)
{
	const char *dot;

	if (rule == NULL || (dot = strchr(rule, '.')) == NULL)
		return 0;
	return auditredact_part_ok(rule, (size_t)(dot - rule), 1) &&
	    auditredact_part_ok(dot + 1, strlen(dot + 1), 0);
}

const char *
auditredact_field(const char *rule, const char *tool)
{
	const char *dot;
	size_t len;

	if (rule == NULL || tool == NULL ||
	    (dot = strchr(rule, '.')) == NULL)
		return NULL;
	len = (size_t)(dot - rule);
	if ((len == 1 && rule[0] == '*') ||
	    (strlen(tool) == len && strncmp(rule, tool, len) == 0))
		return dot + 1;
	return NULL;
}

int
auditredact_names_tool(char *const *rules, size_t n, const char *tool)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (auditredact_field(rules[i], tool) != NULL)
			return 1;
	}
	return 0;
}
