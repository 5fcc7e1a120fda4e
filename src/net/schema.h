/*
 * A validator for the subset of JSON Schema (2020-12 keyword forms) that the
 * tool catalog uses, applied in the net process to the arguments of every
 * tools/call before the call leaves it (mcpd(8), MCP SESSION).
 *
 * Supported keywords: type (a name or an array of names: string, integer,
 * number, boolean, object, array, null), properties, required,
 * additionalProperties (a boolean or a schema), enum, const, minLength and
 * maxLength (in Unicode code points), items (one schema), minItems,
 * maxItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers).
 * Annotations that constrain nothing are accepted: $schema, $comment,
 * title, description, default, examples.  Any other keyword (pattern,
 * format, anyOf, $ref ...) makes schema_check() fail, so that nothing is
 * ever silently left unchecked.
 *
 * Integers are strict: a JSON real is never an "integer", even 1.0, and
 * enum/const compare with json_equal(), for which 1 and 1.0 differ.
 */
#ifndef MCPD_SCHEMA_H
#define MCPD_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#define SCHEMA_DEPTH_MAX	32	/* nesting of schemas, and of values */
#define SCHEMA_ERRORS_MAX	8	/* messages collected per validation */
#define SCHEMA_MSG_MAX		192	/* bytes per message, with the NUL */
#define SCHEMA_PATH_SHOW	96	/* bytes of a pointer in a message */

struct schema_errors {
	size_t	n;
	char	msg[SCHEMA_ERRORS_MAX][SCHEMA_MSG_MAX];
};

/*
 * Check that schema uses only the supported subset, with well-formed
 * values.  Returns 0, or -1 with a message in err.
 */
int	schema_check(const json_t *schema, char *err, size_t errlen);
/*
 * Parse JSON text and schema_check() it.  Returns a new reference, or NULL
 * with a message in err.
 */
json_t	*schema_load(const char *text, char *err, size_t errlen);
/*
 * Validate instance against a schema that passed schema_check().  Returns 0
 * if it is valid, else -1 with errs holding 1 .. SCHEMA_ERRORS_MAX messages
 * of the form "/json/pointer: what is wrong" ("(root): ..." for the value
 * itself).  Messages are valid UTF-8 and never quote the instance's values;
 * long pointers are cut and end in "...".
 */
int	schema_validate(const json_t *schema, const json_t *instance,
	    struct schema_errors *errs);

#endif /* MCPD_SCHEMA_H */
