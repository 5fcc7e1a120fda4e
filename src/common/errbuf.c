#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	r = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (r < 0)
		err[0] = '\0';
}
