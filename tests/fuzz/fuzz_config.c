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
 * nothing behind (LeakSanitizer).
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

static void
finish(struct mcpd_config *cfg)
{
	char err[1024];

	config_fill_defaults(cfg);
	err[0] = '\0';
	if (config_validate(cfg, err, sizeof(err)) != 0)
		FUZZ_ASSERT(err[0] != '\0', "config_validate says why");
	config_dump(cfg, devnull);
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
