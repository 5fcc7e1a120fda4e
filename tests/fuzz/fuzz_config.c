/*
 * Fuzz target: mcpd.conf(5) parsing (src/monitor/config*.c).
 *
 * Input: the first byte picks the entry point, the rest is the text.
 *   even: the text is a whole mcpd.conf, read by config_load_file, then,
 *         if it loaded, completed with config_fill_defaults, checked by
 *         config_validate and printed by config_dump (as "mcpd -T" does);
 *   odd:  each line of the text is a -o option (config_parse_option),
 *         then the same defaults, validation and dump.
 * Properties: an error always comes with a message; config_free leaves
 * nothing behind (LeakSanitizer); the Upstream and Role lines that
 * config_dump prints read back, and print the same again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"

static char *conf_path;
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	conf_path = fuzz_path("mcpd.conf");
	devnull = fopen("/dev/null", "w");
	FUZZ_ASSERT(devnull != NULL, "fopen /dev/null");
	return 0;
}

/* The "upstream " and "role " lines of cfg's dump, in a new string. */
static char *
dump_lines(const struct mcpd_config *cfg)
{
	char *out = NULL, *sel = NULL, *l, *nl;
	size_t len = 0, slen = 0;
	FILE *f, *s;

	f = open_memstream(&out, &len);
	s = open_memstream(&sel, &slen);
	FUZZ_ASSERT(f != NULL && s != NULL, "open_memstream");
	config_dump(cfg, f);
	FUZZ_ASSERT(fclose(f) == 0, "fclose");
	for (l = out; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		if (strncmp(l, "upstream ", 9) == 0 ||
		    strncmp(l, "role ", 5) == 0)
			FUZZ_ASSERT(fwrite(l, 1, (size_t)(nl - l) + 1, s) ==
			    (size_t)(nl - l) + 1, "fwrite");
	}
	FUZZ_ASSERT(fclose(s) == 0, "fclose");
	free(out);
	return sel;
}

/* The Upstream and Role lines mcpd -T prints read back to themselves. */
static void
roundtrip(const struct mcpd_config *cfg)
{
	struct mcpd_config again;
	char err[1024], *first, *second, *l, *nl;

	first = dump_lines(cfg);
	config_init(&again);
	for (l = first; (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		FUZZ_ASSERT(config_parse_line(&again, l, CFG_SRC_FILE, "dump",
		    1, err, sizeof(err)) == 0, "a printed line reads back");
		*nl = '\n';
	}
	second = dump_lines(&again);
	FUZZ_ASSERT(strcmp(first, second) == 0,
	    "a printed line prints the same again");
	free(first);
	free(second);
	config_free(&again);
}

static void
finish(struct mcpd_config *cfg)
{
	char err[1024];

	config_fill_defaults(cfg);
	err[0] = '\0';
	if (config_validate(cfg, err, sizeof(err)) != 0)
		FUZZ_ASSERT(err[0] != '\0', "config_validate says why");
	config_dump(cfg, devnull);
	roundtrip(cfg);
	(void)config_auth_uses(cfg, AUTH_M_APIKEY);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcpd_config cfg;
	char err[1024], *text, *line, *next;
	int ok = 1;

	if (size < 1)
		return 0;
	config_init(&cfg);
	err[0] = '\0';
	if ((data[0] & 1) == 0) {
		fuzz_write(conf_path, data + 1, size - 1);
		if (config_load_file(&cfg, conf_path, err, sizeof(err)) != 0) {
			FUZZ_ASSERT(err[0] != '\0', "config_load_file says why");
			ok = 0;
		}
	} else {
		text = fuzz_strndup(data + 1, size - 1);
		for (line = text; ok && line != NULL; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (config_parse_option(&cfg, line, err,
			    sizeof(err)) != 0) {
				FUZZ_ASSERT(err[0] != '\0',
				    "config_parse_option says why");
				ok = 0;
			}
		}
		free(text);
	}
	if (ok)
		finish(&cfg);
	config_free(&cfg);
	return 0;
}
