/*
 * The built-in tools (mcpd.conf(5), BUILT-IN TOOLS): names, descriptions and
 * input schemas.  The net process validates arguments against the schemas;
 * the monitor uses only the names; the workers implement them.  The schemas
 * are ours, compiled in, never client input.
 */
#ifndef MCPD_TOOLCATALOG_H
#define MCPD_TOOLCATALOG_H

#include <stddef.h>

struct tool_def {
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*input_schema;	/* JSON Schema, as JSON text */
	int		 read_only;	/* readOnlyHint */
	int		 destructive;	/* destructiveHint */
};

size_t			 toolcat_count(void);
const struct tool_def	*toolcat_get(size_t);
const struct tool_def	*toolcat_find(const char *name);

#endif /* MCPD_TOOLCATALOG_H */
