/*
 * Fuzz target: the inputSchema validator (src/net/schema.c).
 *
 * Input: SCHEMA '\0' INSTANCE, both JSON text: the schema goes through
 * schema_load (parse and schema_check), the instance is validated against
 * it.  Without a NUL the whole input is an instance (a tools/call
 * "arguments" value), validated against every schema of the built-in
 * tool catalog, the ones clients really meet.
 *
 * Properties checked beyond "no crash, no leak, no UB": a valid instance
 * yields no message, an invalid one 1..SCHEMA_ERRORS_MAX; every message
 * is NUL-terminated inside its slot, valid UTF-8, and starts with "/" or
 * "(root): ".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "schema.h"
#include "toolcatalog.h"

static json_t **catalog;
static size_t ncatalog;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	size_t i;

	fuzz_init();
	ncatalog = toolcat_count();
	catalog = calloc(ncatalog, sizeof(*catalog));
	FUZZ_ASSERT(catalog != NULL, "calloc");
	for (i = 0; i < ncatalog; i++) {
		catalog[i] = schema_load(toolcat_get(i)->input_schema, err,
		    sizeof(err));
		FUZZ_ASSERT(catalog[i] != NULL, "a catalog schema loads");
	}
	return 0;
}

static void
check(const json_t *schema, const json_t *inst)
{
	struct schema_errors errs;
	size_t i, len;
	int r;

	memset(&errs, 0xa5, sizeof(errs));
	r = schema_validate(schema, inst, &errs);
	FUZZ_ASSERT(r == 0 || r == -1, "schema_validate returns 0 or -1");
	if (r == 0) {
		FUZZ_ASSERT(errs.n == 0, "no message for a valid instance");
		return;
	}
	FUZZ_ASSERT(errs.n >= 1 && errs.n <= SCHEMA_ERRORS_MAX,
	    "1..SCHEMA_ERRORS_MAX messages for an invalid instance");
	for (i = 0; i < errs.n; i++) {
		len = strnlen(errs.msg[i], SCHEMA_MSG_MAX);
		FUZZ_ASSERT(len < SCHEMA_MSG_MAX, "message NUL-terminated");
		FUZZ_ASSERT(fuzz_utf8_valid(errs.msg[i], len),
		    "message is UTF-8");
		FUZZ_ASSERT(errs.msg[i][0] == '/' ||
		    strncmp(errs.msg[i], "(root): ", 8) == 0,
		    "message starts with a pointer");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	json_t *schema, *inst;
	json_error_t jerr;
	char err[256], *text;
	size_t i, slen;

	if (nul == NULL) {
		if ((inst = json_loadb((const char *)data, size,
		    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr)) == NULL)
			return 0;
		for (i = 0; i < ncatalog; i++)
			check(catalog[i], inst);
		json_decref(inst);
		return 0;
	}
	slen = (size_t)(nul - data);
	text = fuzz_strndup(data, slen);
	err[0] = '\0';
	schema = schema_load(text, err, sizeof(err));
	free(text);
	if (schema == NULL) {
		FUZZ_ASSERT(err[0] != '\0', "schema_load says why it failed");
		return 0;
	}
	if ((inst = json_loadb((const char *)nul + 1, size - slen - 1,
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
		check(schema, inst);
		json_decref(inst);
	}
	json_decref(schema);
	return 0;
}
