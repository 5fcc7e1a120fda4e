/*
 * Checks of strings from outside (strcheck.h).
 */
#include "strcheck.h"

int
str_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}
