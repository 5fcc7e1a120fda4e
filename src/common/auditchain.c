/*
 * The audit log's hash chain and MAC (see auditchain.h), shared by the
 * monitor's writer and mcpctl's verifier so that both sides compute the
 * very same bytes.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auditchain.h"
#include "fileio.h"
#include "secretfile.h"

#define MAC_PREFIX	",\"mac\":\""
#define MAC_PREFIX_LEN	(sizeof(MAC_PREFIX) - 1)

static void
tohex(const uint8_t *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int
auditchain_mac(const uint8_t *key, size_t keylen, const char *body,
    size_t bodylen, char out[AUDIT_HEX_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (key == NULL || keylen == 0 || keylen > INT_MAX || body == NULL)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)body,
	    bodylen, md, &mdlen) == NULL || mdlen * 2 != AUDIT_HEX_LEN) {
		OPENSSL_cleanse(md, sizeof(md));
		return -1;
	}
	tohex(md, mdlen, out);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
auditchain_hash(const char *line, size_t len, char out[AUDIT_HEX_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (line == NULL)
		return -1;
	if (EVP_Digest(line, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != AUDIT_HEX_LEN)
		return -1;
	tohex(md, mdlen, out);
	return 0;
}

/*
 * The body is the line without its ,"mac":"<hex>" member, so it is not a
 * prefix of the line: it is the first *bodylen - 1 bytes of the line
 * followed by the closing '}'.  A verifier that owns a copy of the line
 * may put '}' at line[*bodylen - 1] (where the ',' of the mac member is)
 * to get the body in place, and restore the ',' afterwards.
 */
int
auditchain_split(const char *line, size_t len, size_t *bodylen,
    char mac[AUDIT_HEX_LEN + 1])
{
	const char *s;
	size_t i;

	mac[0] = '\0';
	/* At least "{" and one character of a member before the mac. */
	if (line == NULL || len < AUDIT_MAC_SUFFIX_LEN + 2 || line[0] != '{')
		return -1;
	s = line + len - AUDIT_MAC_SUFFIX_LEN;
	if (memcmp(s, MAC_PREFIX, MAC_PREFIX_LEN) != 0)
		return -1;
	s += MAC_PREFIX_LEN;
	/* Only lower-case hex: the writer never emits anything else. */
	for (i = 0; i < AUDIT_HEX_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	}
	if (s[AUDIT_HEX_LEN] != '"' || s[AUDIT_HEX_LEN + 1] != '}')
		return -1;
	memcpy(mac, s, AUDIT_HEX_LEN);
	mac[AUDIT_HEX_LEN] = '\0';
	*bodylen = len - AUDIT_MAC_SUFFIX_LEN + 1;
	return 0;
}

int
auditchain_load_key(const char *path, uint8_t **keyp, size_t *keylenp,
    char *err, size_t errlen)
{
	struct stat st;
	uint8_t *key = NULL;
	size_t len = 0;
	int fd, r;

	*keyp = NULL;
	*keylenp = 0;
	if ((fd = open(path, SECRET_FILE_OPEN_FLAGS)) == -1) {
		if (errno == ELOOP)
			secret_file_open_error(path, errno, err, errlen);
		else
			snprintf(err, errlen, "cannot open audit key file %s: "
			    "%s", path, strerror(errno));
		return -1;
	}
	/*
	 * Whoever can read the key can forge records, and whoever can
	 * write it can substitute their own.
	 */
	if (secret_file_check(fd, path, err, errlen) != 0)
		goto fail;
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat audit key file %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (st.st_size < AUDIT_KEY_MIN || st.st_size > AUDIT_KEY_MAX) {
		snprintf(err, errlen, "audit key file %s has %lld bytes; "
		    "it must have between %d and %d", path,
		    (long long)st.st_size, AUDIT_KEY_MIN, AUDIT_KEY_MAX);
		goto fail;
	}
	if ((r = read_fd_capped(fd, AUDIT_KEY_MAX, &key, &len)) != 0 &&
	    errno != EFBIG) {
		if (errno == ENOMEM)
			snprintf(err, errlen, "out of memory reading audit key "
			    "file %s", path);
		else
			snprintf(err, errlen, "cannot read audit key file %s: "
			    "%s", path, strerror(errno));
		goto fail;
	}
	/* Too long or too short: it is not the file fstat described. */
	if (r != 0 || len < AUDIT_KEY_MIN) {
		snprintf(err, errlen, "audit key file %s changed while being "
		    "read", path);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "cannot close audit key file %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	*keyp = key;
	*keylenp = len;
	return 0;
 fail:
	if (key != NULL) {
		OPENSSL_cleanse(key, len);
		free(key);
	}
	if (fd != -1)
		(void)close(fd);
	return -1;
}
