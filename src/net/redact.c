/*
 * AuditRedact (mcpd.conf(5)): which process redacts, and why here.
 *
 * The monitor writes the audit log but never parses JSON that came from
 * a client (doc/privsep.md, section 1): a parser bug there would be a bug in
 * the process that holds every secret.  The net process parses the arguments
 * anyway (to check them against the tool's schema), is confined, and gets the
 * rules from the monitor at start-up; so it renders the redacted text, and
 * sends it beside the arguments in PS_TOOLCALL_REQ.  The monitor checks that
 * a tool a rule names always comes with that text (and no other tool does),
 * so that the raw arguments of such a tool never reach the log; and the
 * record's args_sha256 is still the monitor's own digest of the arguments the
 * worker runs.  A compromised net process could render a false text, as it
 * could send false arguments in the first place; the digest binds the record
 * to what ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auditredact.h"
#include "hex.h"
#include "log.h"
#include "redact.h"

#define REDACT_PREFIX		"sha256:"
#define REDACT_TOO_LARGE \
	"{\"_redacted\":\"the redacted arguments are too large to show\"}"

/* "sha256:" and the hex digest of len bytes at p, into out. */
static void
redact_digest(const void *p, size_t len, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32 || outlen < sizeof(REDACT_PREFIX) + 64)
		fatal_f("SHA-256 failed");
	memcpy(out, REDACT_PREFIX, sizeof(REDACT_PREFIX) - 1);
	hex_encode(md, mdlen, out + sizeof(REDACT_PREFIX) - 1);
}

void
redact_init(void)
{
	char digest[sizeof(REDACT_PREFIX) + 64];

	/*
	 * No clean-up at exit: over stdio nothing else starts OpenSSL in
	 * the net process, and its exit handler would then make system
	 * calls (futex) that the sandbox kills.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1)
		fatal_f("OpenSSL initialisation failed");
	redact_digest("", 0, digest, sizeof(digest));
}

char *
redact_args(char *const *rules, size_t n, const char *tool,
    const json_t *args)
{
	char digest[sizeof(REDACT_PREFIX) + 64], *text;
	const char *field;
	json_t *copy, *v;
	size_t i;

	if (!auditredact_names_tool(rules, n, tool))
		return NULL;
	if (!json_is_object(args) || (copy = json_deep_copy(args)) == NULL)
		fatal_f("cannot copy the arguments");
	for (i = 0; i < n; i++) {
		if ((field = auditredact_field(rules[i], tool)) == NULL ||
		    (v = json_object_get(copy, field)) == NULL)
			continue;
		if (json_is_string(v))
			redact_digest(json_string_value(v),
			    json_string_length(v), digest, sizeof(digest));
		else {
			if ((text = json_dumps(v, JSON_COMPACT |
			    JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
				fatal_f("out of memory");
			redact_digest(text, strlen(text), digest,
			    sizeof(digest));
			free(text);
		}
		if (json_object_set_new(copy, field,
		    json_string(digest)) != 0)
			fatal_f("out of memory");
	}
	if ((text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatal_f("out of memory");
	json_decref(copy);
	if (strlen(text) > REDACT_TEXT_MAX) {
		free(text);
		if ((text = strdup(REDACT_TOO_LARGE)) == NULL)
			fatal_f("out of memory");
	}
	return text;
}
