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

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auditchain.h"
#include "auditkey.h"
#include "errbuf.h"
#include "fileio.h"
#include "hex.h"
#include "secretfile.h"

#define MAC_PREFIX	",\"mac\":\""
#define MAC_PREFIX_LEN	(sizeof(MAC_PREFIX) - 1)

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
	hex_encode(md, mdlen, out);
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
	hex_encode(md, mdlen, out);
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

	mac[0] = '\0';
	/* At least "{" and one character of a member before the mac. */
	if (line == NULL || len < AUDIT_MAC_SUFFIX_LEN + 2 || line[0] != '{')
		return -1;
	s = line + len - AUDIT_MAC_SUFFIX_LEN;
	if (memcmp(s, MAC_PREFIX, MAC_PREFIX_LEN) != 0)
		return -1;
	s += MAC_PREFIX_LEN;
	/* Only lower-case hex: the writer never emits anything else. */
	if (!auditchain_is_hex64(s, AUDIT_HEX_LEN))
		return -1;
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

static int
add(json_t *o, const char *name, json_t *v)
{
	/* json_object_set_new releases v even when it fails. */
	return v == NULL || json_object_set_new(o, name, v) != 0 ? -1 : 0;
}

int
auditchain_marker_line(const struct audit_marker *m, const uint8_t *key,
    size_t keylen, char **linep, size_t *linelenp,
    char hash[AUDIT_HEX_LEN + 1], char *err, size_t errlen)
{
	char mac[AUDIT_HEX_LEN + 1], *body = NULL, *line = NULL;
	size_t bodylen, linelen;
	json_t *o;
	int ret = -1, chainstart;

	*linep = NULL;
	*linelenp = 0;
	chainstart = strcmp(m->event, AUDIT_EVENT_CHAIN_START) == 0;
	if ((o = json_object()) == NULL ||
	    add(o, "ts", json_string(m->ts)) != 0 ||
	    add(o, "seq", json_integer(m->seq)) != 0 ||
	    add(o, "event", json_string(m->event)) != 0 ||
	    add(o, "instance", json_string(m->instance)) != 0 ||
	    add(o, "epoch", json_integer((json_int_t)m->epoch)) != 0 ||
	    (!chainstart &&
	    add(o, "records", json_integer(m->records)) != 0) ||
	    (chainstart && (add(o, "reason", json_string(m->reason)) != 0 ||
	    add(o, "old_file", m->old_file == NULL ? json_null() :
	    json_string(m->old_file)) != 0 ||
	    add(o, "old_seq", json_integer(m->old_seq)) != 0 ||
	    add(o, "old_hash", json_string(m->old_hash)) != 0)) ||
	    add(o, "prev", json_string(m->prev)) != 0) {
		seterr(err, errlen, "cannot encode %s record (a name that is "
		    "not UTF-8?)", m->event);
		goto out;
	}
	if ((body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII)) == NULL) {
		seterr(err, errlen, "cannot serialise %s record", m->event);
		goto out;
	}
	bodylen = strlen(body);
	/* Records never hold a raw DEL (jansson leaves it unescaped). */
	if (memchr(body, 0x7f, bodylen) != NULL || bodylen < 2 ||
	    bodylen - 1 + AUDIT_MAC_SUFFIX_LEN > AUDIT_LINE_MAX) {
		seterr(err, errlen, "cannot encode %s record", m->event);
		goto out;
	}
	linelen = bodylen - 1 + AUDIT_MAC_SUFFIX_LEN;
	if (auditchain_mac(key, keylen, body, bodylen, mac) != 0 ||
	    (line = malloc(linelen + 2)) == NULL) {
		seterr(err, errlen, "cannot seal %s record", m->event);
		goto out;
	}
	memcpy(line, body, bodylen - 1);
	if (snprintf(line + bodylen - 1, AUDIT_MAC_SUFFIX_LEN + 2,
	    ",\"mac\":\"%s\"}\n", mac) != AUDIT_MAC_SUFFIX_LEN + 1 ||
	    auditchain_hash(line, linelen, hash) != 0) {
		seterr(err, errlen, "cannot seal %s record", m->event);
		goto out;
	}
	*linep = line;
	*linelenp = linelen;
	line = NULL;
	ret = 0;
 out:
	free(line);
	free(body);
	json_decref(o);
	return ret;
}

int
auditchain_is_hex64(const char *s, size_t len)
{
	return len == AUDIT_HEX_LEN && hex_is_lower(s, len);
}

int
auditchain_classify(const char *line, size_t len, long long *seqp,
    int *kindp, uint64_t *epochp, char prev[AUDIT_HEX_LEN + 1])
{
	json_error_t jerr;
	json_t *o, *j;
	const char *ev;
	int ret = -1;

	*kindp = AUDIT_KIND_RECORD;
	*epochp = 0;
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return -1;
	if (!json_is_object(o))
		goto out;
	j = json_object_get(o, "seq");
	if (!json_is_integer(j) || json_integer_value(j) < 1 ||
	    json_integer_value(j) == LLONG_MAX)
		goto out;
	*seqp = json_integer_value(j);
	if (prev != NULL) {
		j = json_object_get(o, "prev");
		if (!json_is_string(j) ||
		    !auditchain_is_hex64(json_string_value(j),
		    json_string_length(j)))
			goto out;
		memcpy(prev, json_string_value(j), AUDIT_HEX_LEN + 1);
	}
	j = json_object_get(o, "event");
	ev = json_is_string(j) ? json_string_value(j) : "";
	if (strcmp(ev, AUDIT_EVENT_CHECKPOINT) == 0)
		*kindp = AUDIT_KIND_CHECKPOINT;
	else if (strcmp(ev, AUDIT_EVENT_CHAIN_START) == 0)
		*kindp = AUDIT_KIND_CHAIN_START;
	if (*kindp != AUDIT_KIND_RECORD) {
		/* A marker without a sane epoch is not one of ours. */
		j = json_object_get(o, "epoch");
		if (!json_is_integer(j) || json_integer_value(j) < 0 ||
		    (unsigned long long)json_integer_value(j) >
		    AUDITKEY_EPOCH_MAX)
			goto out;
		*epochp = (uint64_t)json_integer_value(j);
	}
	ret = 0;
 out:
	json_decref(o);
	return ret;
}
