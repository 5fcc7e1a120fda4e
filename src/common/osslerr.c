/* OpenSSL's errors as mcpd messages (see osslerr.h). */
#include <openssl/err.h>
#include <openssl/pem.h>

#include "errbuf.h"
#include "osslerr.h"

void
ossl_seterr(char *err, size_t errlen, const char *prefix, const char *what)
{
	char ebuf[256];
	unsigned long e;

	if ((e = ERR_peek_last_error()) != 0) {
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		seterr(err, errlen, "%s%s: %s", prefix, what, ebuf);
	} else
		seterr(err, errlen, "%s%s", prefix, what);
	ERR_clear_error();
}

int
ossl_pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}
