/*
 * The audit log's forward-secure MAC key and its state file (see
 * auditkey.h).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auditkey.h"
#include "errbuf.h"
#include "fileio.h"
#include "hex.h"
#include "secretfile.h"

#define STATE_MAGIC	"mcpd-audit-keystate 1"
/* The magic line, three short lines and the key in hex, with room. */
#define STATE_MAX	(2 * AUDIT_KEY_MAX + 512)

int
auditkey_evolve(const uint8_t *key, size_t keylen, uint64_t epoch,
    uint8_t out[AUDITKEY_EVOLVED_LEN])
{
	uint8_t msg[sizeof(AUDITKEY_LABEL) + 8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint64_t next;
	size_t i;

	if (key == NULL || keylen == 0 || keylen > INT_MAX ||
	    epoch >= AUDITKEY_EPOCH_MAX)
		return -1;
	next = epoch + 1;
	/* The label with its NUL, then the new epoch, big-endian. */
	memcpy(msg, AUDITKEY_LABEL, sizeof(AUDITKEY_LABEL));
	for (i = 0; i < 8; i++)
		msg[sizeof(AUDITKEY_LABEL) + i] =
		    (uint8_t)(next >> (56 - 8 * i));
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen != AUDITKEY_EVOLVED_LEN) {
		OPENSSL_cleanse(md, sizeof(md));
		return -1;
	}
	memcpy(out, md, AUDITKEY_EVOLVED_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int
auditkey_init(struct auditkey_state *st, const uint8_t *key, size_t keylen)
{
	memset(st, 0, sizeof(*st));
	memset(st->cp_hash, '0', AUDIT_HEX_LEN);
	if (key == NULL || keylen < AUDIT_KEY_MIN || keylen > AUDIT_KEY_MAX)
		return -1;
	/* Room for the longest key, so that evolving never reallocates. */
	if ((st->key = malloc(AUDIT_KEY_MAX)) == NULL)
		return -1;
	/* Not an error if the lock fails: the key still works. */
	(void)secret_lock(st->key, AUDIT_KEY_MAX);
	memcpy(st->key, key, keylen);
	st->keylen = keylen;
	return 0;
}

void
auditkey_clear(struct auditkey_state *st)
{
	if (st->key != NULL) {
		secret_unlock_wipe(st->key, AUDIT_KEY_MAX);
		free(st->key);
	}
	memset(st, 0, sizeof(*st));
}

int
auditkey_advance(struct auditkey_state *st, uint64_t to)
{
	uint8_t next[AUDITKEY_EVOLVED_LEN];

	if (st->key == NULL || to < st->epoch || to > AUDITKEY_EPOCH_MAX)
		return -1;
	while (st->epoch < to) {
		if (auditkey_evolve(st->key, st->keylen, st->epoch,
		    next) != 0) {
			OPENSSL_cleanse(next, sizeof(next));
			return -1;
		}
		/* The old key goes: this is what makes the MAC forward-secure. */
		OPENSSL_cleanse(st->key, AUDIT_KEY_MAX);
		memcpy(st->key, next, sizeof(next));
		st->keylen = sizeof(next);
		st->epoch++;
	}
	OPENSSL_cleanse(next, sizeof(next));
	return 0;
}

int
auditkey_state_path(const char *logpath, char *out, size_t outlen)
{
	int r;

	r = snprintf(out, outlen, "%s%s", logpath, AUDITKEY_STATE_SUFFIX);
	return (r < 0 || (size_t)r >= outlen) ? -1 : 0;
}

/* Next line of buf (NUL-terminated copy of the file); NULL at the end. */
static char *
next_line(char **cur)
{
	char *s = *cur, *nl;

	if (s == NULL || *s == '\0')
		return NULL;
	if ((nl = strchr(s, '\n')) == NULL)
		return NULL;	/* every line ends in a newline */
	*nl = '\0';
	*cur = nl + 1;
	return s;
}

/* A decimal number with no sign, no leading zero, at most max. */
static int
parse_dec(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
parse_state(char *text, struct auditkey_state *st)
{
	unsigned long long epoch, seq;
	char *cur = text, *l, *sp;
	size_t hexlen;

	if ((l = next_line(&cur)) == NULL || strcmp(l, STATE_MAGIC) != 0)
		return -1;
	if ((l = next_line(&cur)) == NULL || strncmp(l, "epoch ", 6) != 0 ||
	    parse_dec(l + 6, AUDITKEY_EPOCH_MAX, &epoch) != 0)
		return -1;
	if ((l = next_line(&cur)) == NULL ||
	    strncmp(l, "checkpoint ", 11) != 0 ||
	    (sp = strchr(l + 11, ' ')) == NULL)
		return -1;
	*sp = '\0';
	if (parse_dec(l + 11, LLONG_MAX - 1, &seq) != 0 ||
	    strlen(sp + 1) != AUDIT_HEX_LEN ||
	    !hex_is_lower(sp + 1, AUDIT_HEX_LEN))
		return -1;
	memcpy(st->cp_hash, sp + 1, AUDIT_HEX_LEN + 1);
	if ((l = next_line(&cur)) == NULL || strncmp(l, "key ", 4) != 0)
		return -1;
	hexlen = strlen(l + 4);
	if (hexlen % 2 != 0 || hexlen / 2 < AUDIT_KEY_MIN ||
	    hexlen / 2 > AUDIT_KEY_MAX || !hex_is_lower(l + 4, hexlen) ||
	    hex_decode(l + 4, st->key, hexlen / 2) != 0)
		return -1;
	if (*cur != '\0')
		return -1;
	st->keylen = hexlen / 2;
	st->epoch = epoch;
	st->cp_seq = (long long)seq;
	return 0;
}

int
auditkey_state_load(const char *path, struct auditkey_state *st,
    char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	char *text = NULL;
	size_t len = 0;
	int fd, r, ret = -1;

	memset(st, 0, sizeof(*st));
	if ((fd = open(path, SECRET_FILE_OPEN_FLAGS)) == -1) {
		if (errno == ENOENT)
			return 1;
		secret_file_open_error(path, errno, err, errlen);
		return -1;
	}
	/* It holds the MAC key: the rules of every secret file apply. */
	if (secret_file_check(fd, path, err, errlen) != 0)
		goto out;
	if (read_fd_capped(fd, STATE_MAX, &buf, &len) != 0) {
		seterr(err, errlen, "cannot read audit key state %s: %s", path,
		    errno == EFBIG ? "file too large" : strerror(errno));
		goto out;
	}
	if ((st->key = malloc(AUDIT_KEY_MAX)) == NULL ||
	    (text = malloc(len + 1)) == NULL) {
		seterr(err, errlen, "out of memory reading %s", path);
		goto out;
	}
	(void)secret_lock(st->key, AUDIT_KEY_MAX);
	/* A C string to parse; a NUL inside is malformed. */
	memcpy(text, buf, len);
	text[len] = '\0';
	r = memchr(buf, '\0', len) != NULL ? -1 : parse_state(text, st);
	if (r != 0) {
		seterr(err, errlen, "audit key state %s is malformed", path);
		goto out;
	}
	ret = 0;
 out:
	if (ret != 0)
		auditkey_clear(st);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	if (text != NULL) {
		OPENSSL_cleanse(text, len + 1);
		free(text);
	}
	(void)close(fd);
	return ret;
}

/* fsync the directory holding path, so that a rename in it is durable. */
static int
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	int fd, r;

	if ((fd = open_parent_dir(path, dir, sizeof(dir))) == -1)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
auditkey_state_store(const char *path, const struct auditkey_state *st,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX], *text = NULL;
	size_t cap, off;
	int fd = -1, r, ret = -1;

	if (st->key == NULL || st->keylen < AUDIT_KEY_MIN ||
	    st->keylen > AUDIT_KEY_MAX) {
		seterr(err, errlen, "no audit key to store in %s", path);
		return -1;
	}
	r = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		seterr(err, errlen, "audit key state path too long: %s", path);
		return -1;
	}
	cap = 2 * st->keylen + 256;
	if ((text = malloc(cap)) == NULL) {
		seterr(err, errlen, "out of memory writing %s", path);
		return -1;
	}
	(void)secret_lock(text, cap);
	r = snprintf(text, cap, "%s\nepoch %" PRIu64 "\ncheckpoint %lld %s\n"
	    "key ", STATE_MAGIC, st->epoch, st->cp_seq, st->cp_hash);
	if (r < 0 || (size_t)r + 2 * st->keylen + 2 > cap) {
		seterr(err, errlen, "cannot format audit key state");
		goto out;
	}
	off = (size_t)r;
	/* The NUL hex_encode ends with fits, and the newline replaces it. */
	hex_encode(st->key, st->keylen, text + off);
	off += 2 * st->keylen;
	text[off++] = '\n';
	/* A temporary left by a crash would make O_EXCL fail forever. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		seterr(err, errlen, "cannot remove %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		seterr(err, errlen, "cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, text, off) != 0 || fsync(fd) != 0) {
		seterr(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r != 0 || rename(tmp, path) != 0) {
		seterr(err, errlen, "cannot replace %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (sync_dir_of(path) != 0) {
		seterr(err, errlen, "cannot sync the directory of %s: %s",
		    path, strerror(errno));
		goto out;
	}
	ret = 0;
 out:
	if (fd != -1) {
		(void)close(fd);
		(void)unlink(tmp);
	}
	secret_unlock_wipe(text, cap);
	free(text);
	return ret;
}
