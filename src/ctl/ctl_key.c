/*
 * mcpctl key new | list | revoke (mcpctl(1), API KEYS).
 *
 * mcpctl is a command-line tool, not a daemon: messages go to stderr with
 * an "mcpctl: " prefix, and stdout carries only what the command
 * produces (the new key, or the table), so that scripts can capture it.
 *
 * Every value is checked by the parser the daemon uses (authkeys.c), so a
 * line that mcpctl writes is a line that mcpd accepts.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "apikey.h"
#include "authkeys.h"
#include "ctl.h"
#include "fileio.h"
#include "strv.h"
#include "hex.h"
#include "xmalloc.h"

#define KEY_MAX_LINE		8192			/* as authkeys.c */
#define KEY_MAX_FILE		(16 * 1024 * 1024)	/* as authkeys.c */
#define KEY_MAX_TRIES		16	/* fresh ids tried on a collision */
#define KEY_ERRLEN		512

#define EXIT_USAGE		2

enum {
	LOPT_USER = 256,
	LOPT_ROLES,
	LOPT_FROM,
	LOPT_EXPIRES
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mcpctl key new --user ID --roles R1,R2 "
	    "[--from CIDR[,CIDR]] [--expires YYYYMMDD[HHMM]] -f FILE\n"
	    "       mcpctl key list -f FILE\n"
	    "       mcpctl key revoke KEYID -f FILE\n");
}


/* A bounded string builder for one AuthorizedKeysFile line. */
struct linebuf {
	char	 s[KEY_MAX_LINE + 1];
	size_t	 len;
	int	 overflow;
};

static void
lb_add(struct linebuf *lb, const char *s, size_t n)
{
	if (lb->overflow || n > KEY_MAX_LINE - lb->len) {
		lb->overflow = 1;
		return;
	}
	memcpy(lb->s + lb->len, s, n);
	lb->len += n;
	lb->s[lb->len] = '\0';
}

static void
lb_str(struct linebuf *lb, const char *s)
{
	lb_add(lb, s, strlen(s));
}

/* name="value", escaping '"' as sshd's authorized_keys does. */
static void
lb_option(struct linebuf *lb, const char *name, const char *val)
{
	const char *p;

	if (lb->len > 0)
		lb_str(lb, ",");
	lb_str(lb, name);
	lb_str(lb, "=\"");
	for (p = val; *p != '\0'; p++) {
		if (*p == '"')
			lb_str(lb, "\\\"");
		else
			lb_add(lb, p, 1);
	}
	lb_str(lb, "\"");
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t r;

	while (len > 0) {
		if ((r = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The directory part of path, for fsync and the temporary file. */
static int
dir_of(const char *path, char *dir, size_t dirlen)
{
	const char *slash;
	size_t n;

	if ((slash = strrchr(path, '/')) == NULL) {
		if (dirlen < 2)
			return -1;
		memcpy(dir, ".", 2);
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirlen)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/* Make a new directory entry durable. */
static int
fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int dfd;

	if (dir_of(path, dir, sizeof(dir)) != 0) {
		fprintf(stderr, "mcpctl: %s: path too long\n", path);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (fsync(dfd) == -1) {
		fprintf(stderr, "mcpctl: %s: fsync: %s\n", dir,
		    strerror(errno));
		(void)close(dfd);	/* already failing */
		return -1;
	}
	if (close(dfd) == -1) {
		fprintf(stderr, "mcpctl: %s: close: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Whether the file whose fstat is wst (open write-only, so it cannot be
 * read through) ends in a newline; the read-only descriptor opened here
 * is checked to be the same file.  An empty file counts as yes.
 */
static int
ends_in_newline(const char *path, const struct stat *wst, int *yes)
{
	struct stat st;
	char c;
	ssize_t r;
	int fd, ret = -1;

	*yes = 1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		fprintf(stderr, "mcpctl: %s: fstat: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (st.st_dev != wst->st_dev || st.st_ino != wst->st_ino) {
		fprintf(stderr, "mcpctl: %s: file replaced while in use\n",
		    path);
		goto out;
	}
	if (st.st_size > 0) {
		if ((r = pread(fd, &c, 1, st.st_size - 1)) != 1) {
			fprintf(stderr, "mcpctl: %s: read: %s\n", path,
			    r == -1 ? strerror(errno) : "short read");
			goto out;
		}
		*yes = c == '\n';
	}
	ret = 0;
 out:
	if (close(fd) == -1 && ret == 0) {
		fprintf(stderr, "mcpctl: %s: close: %s\n", path,
		    strerror(errno));
		ret = -1;
	}
	return ret;
}

/*
 * The status of the open file fd (path, for messages), which must be a
 * regular file: 0, or -1 after a message.
 */
static int
fstat_regular(int fd, const char *path, struct stat *st)
{
	if (fstat(fd, st) == -1) {
		fprintf(stderr, "mcpctl: %s: fstat: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		fprintf(stderr, "mcpctl: %s: not a regular file\n", path);
		return -1;
	}
	return 0;
}

static int
id_in_use(const struct authkeys *ak, const char *id)
{
	size_t i;

	for (i = 0; ak != NULL && i < ak->nkeys; i++) {
		if (strcmp(ak->keys[i].keyid, id) == 0)
			return 1;
	}
	return 0;
}

/* Whether the parsed roles, joined by commas, spell the given string. */
static int
roles_equal(const struct authkey *k, const char *roles)
{
	const char *p = roles;
	size_t i, n;

	for (i = 0; i < k->nroles; i++) {
		if (i > 0) {
			if (*p != ',')
				return 0;
			p++;
		}
		n = strlen(k->roles[i]);
		if (strncmp(p, k->roles[i], n) != 0)
			return 0;
		p += n;
	}
	return *p == '\0';
}

/*
 * Parse the line built in lb with the daemon's parser and check that it
 * fits one line and says what the command line asked for.
 */
static int
check_line(const struct linebuf *lb, const char *user, const char *roles,
    const char *expires)
{
	const char *line = lb->s;
	struct authkey k;
	char err[KEY_ERRLEN];
	int ret = -1;

	if (lb->overflow) {
		fprintf(stderr, "mcpctl: options too long for one line\n");
		return -1;
	}
	if (authkeys_parse_line(line, &k, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		return -1;
	}
	if (k.user == NULL || strcmp(k.user, user) != 0) {
		fprintf(stderr, "mcpctl: --user: value cannot be written "
		    "as given\n");
		goto out;
	}
	if (!roles_equal(&k, roles)) {
		fprintf(stderr, "mcpctl: --roles: value cannot be written "
		    "as given\n");
		goto out;
	}
	if (k.expiry != 0 && k.expiry <= time(NULL)) {
		fprintf(stderr, "mcpctl: --expires: %s is in the past\n",
		    expires);
		goto out;
	}
	ret = 0;
 out:
	authkey_clear(&k);
	return ret;
}

static int
key_new(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "user",	required_argument,	NULL,	LOPT_USER },
		{ "roles",	required_argument,	NULL,	LOPT_ROLES },
		{ "from",	required_argument,	NULL,	LOPT_FROM },
		{ "expires",	required_argument,	NULL,	LOPT_EXPIRES },
		{ "file",	required_argument,	NULL,	'f' },
		{ NULL,		0,			NULL,	0 }
	};
	const char *user = NULL, *roles = NULL, *from = NULL;
	const char *expires = NULL, *path = NULL;
	const struct ctl_stropt sopts[] = {
		{ LOPT_USER,	&user,		"--user" },
		{ LOPT_ROLES,	&roles,		"--roles" },
		{ LOPT_FROM,	&from,		"--from" },
		{ LOPT_EXPIRES,	&expires,	"--expires" },
		{ 'f',		&path,		"-f" },
		{ 0,		NULL,		NULL }
	};
	char key[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1], hex[65];
	char err[KEY_ERRLEN];
	struct linebuf *opts = NULL, *line = NULL;
	struct authkeys *ak = NULL;
	struct stat st;
	uint8_t h[32];
	int fd = -1, created = 0, nl = 1, tries, ret = 1;
	const int oflags = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	memset(key, 0, sizeof(key));
	if (ctl_getopt_strings(argc, argv, "-:f:", lopts, sopts) != 0)
		goto usage;
	if (user == NULL || roles == NULL || path == NULL) {
		fprintf(stderr, "mcpctl: key new needs --user, --roles "
		    "and -f\n");
		goto usage;
	}

	if ((opts = calloc(1, sizeof(*opts))) == NULL ||
	    (line = calloc(1, sizeof(*line))) == NULL) {
		fprintf(stderr, "mcpctl: out of memory\n");
		goto out;
	}
	lb_option(opts, "user", user);
	lb_option(opts, "roles", roles);
	if (from != NULL)
		lb_option(opts, "from", from);
	if (expires != NULL)
		lb_option(opts, "expiry-time", expires);
	if (opts->overflow) {
		fprintf(stderr, "mcpctl: options too long for one line\n");
		goto out;
	}
	/*
	 * Check the values before touching the file, with a stand-in id and
	 * hash; the real line is checked again below.
	 */
	lb_add(line, opts->s, opts->len);
	lb_str(line, " aaaaaaaa sha256:");
	memset(hex, '0', 64);
	hex[64] = '\0';
	lb_str(line, hex);
	if (check_line(line, user, roles, expires) != 0)
		goto out;
	memset(line, 0, sizeof(*line));

	/*
	 * Open (or create) the file before making a key, so that nothing is
	 * generated for a file that cannot take it.  O_NONBLOCK keeps a FIFO
	 * at the path from blocking; it does not affect a regular file.
	 */
	if ((fd = open(path, oflags | O_EXCL, 0600)) != -1)
		created = 1;
	else if (errno == EEXIST)
		fd = open(path, oflags, 0600);
	if (fd == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (fstat_regular(fd, path, &st) != 0)
		goto out;
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		fprintf(stderr, "mcpctl: %s: refusing to use a file that "
		    "group or others can access (mode %04o); "
		    "chmod 600 %s\n", path, (unsigned int)(st.st_mode & 07777),
		    path);
		goto out;
	}
	/* The file as it stands must be one the daemon would accept. */
	if (authkeys_load(path, &ak, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		goto out;
	}
	if (ak->nkeys >= AUTHKEYS_MAX_ENTRIES) {
		fprintf(stderr, "mcpctl: %s: already holds %d keys\n", path,
		    AUTHKEYS_MAX_ENTRIES);
		goto out;
	}
	if (!created && ends_in_newline(path, &st, &nl) != 0)
		goto out;

	for (tries = 0;; tries++) {
		if (tries == KEY_MAX_TRIES) {
			fprintf(stderr, "mcpctl: could not find an unused "
			    "key id\n");
			goto out;
		}
		if (apikey_generate(key, sizeof(key), id, sizeof(id)) != 0) {
			fprintf(stderr, "mcpctl: key generation failed\n");
			goto out;
		}
		if (!id_in_use(ak, id))
			break;
	}
	if (apikey_hash(key, APIKEY_LEN, h) != 0) {
		fprintf(stderr, "mcpctl: SHA-256 failed\n");
		goto out;
	}
	hex_encode(h, sizeof(h), hex);

	lb_add(line, opts->s, opts->len);
	lb_str(line, " ");
	lb_str(line, id);
	lb_str(line, " sha256:");
	lb_str(line, hex);
	/* Parse back exactly what will be written, with the daemon's parser. */
	if (check_line(line, user, roles, expires) != 0)
		goto out;

	/* The previous last line must not run into ours. */
	if ((!nl && write_all(fd, "\n", 1) != 0) ||
	    write_all(fd, line->s, line->len) != 0 ||
	    write_all(fd, "\n", 1) != 0) {
		fprintf(stderr, "mcpctl: %s: write: %s (the file may now end "
		    "in a partial line)\n", path, strerror(errno));
		goto out;
	}
	if (fsync(fd) == -1) {
		fprintf(stderr, "mcpctl: %s: fsync: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		fprintf(stderr, "mcpctl: %s: close: %s\n", path,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (created && fsync_dir(path) != 0)
		goto out;

	/* Only now that the hash is on disk does the key exist. */
	if (printf("%s\n", key) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "mcpctl: could not write the key to standard "
		    "output; revoke key id %s\n", id);
		goto out;
	}
	ret = 0;
	goto out;
 usage:
	usage();
	ret = EXIT_USAGE;
 out:
	if (fd != -1 && close(fd) == -1 && ret == 0)
		ret = 1;
	authkeys_free(ak);
	freezero(opts, sizeof(*opts));
	freezero(line, sizeof(*line));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(hex, sizeof(hex));
	return ret;
}

/* Parse "-f FILE" and, when want_id, exactly one KEYID operand. */
static int
parse_file_args(int argc, char **argv, const char **path,
    const char **keyid)
{
	static const struct option lopts[] = {
		{ "file",	required_argument,	NULL,	'f' },
		{ NULL,		0,			NULL,	0 }
	};
	int ch;

	*path = NULL;
	if (keyid != NULL)
		*keyid = NULL;
	ctl_getopt_reset();
	while ((ch = getopt_long(argc, argv, "-:f:", lopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (ctl_set_once(path, optarg, "-f") != 0)
				return -1;
			break;
		case 1:
			if (keyid == NULL || *keyid != NULL) {
				fprintf(stderr, "mcpctl: unexpected argument "
				    "\"%s\"\n", optarg);
				return -1;
			}
			*keyid = optarg;
			break;
		default:
			ctl_bad_option(ch, argv);
			return -1;
		}
	}
	if (*path == NULL) {
		fprintf(stderr, "mcpctl: -f FILE is required\n");
		return -1;
	}
	if (keyid != NULL && *keyid == NULL) {
		fprintf(stderr, "mcpctl: a key id is required\n");
		return -1;
	}
	return 0;
}

static char *
fmt_roles(const struct authkey *k)
{
	char *s, *p;
	size_t i, len = 0;

	if (k->nroles == 0)
		return strdup("-");
	for (i = 0; i < k->nroles; i++)
		len += strlen(k->roles[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (p = s, i = 0; i < k->nroles; i++) {
		if (i > 0)
			*p++ = ',';
		len = strlen(k->roles[i]);
		memcpy(p, k->roles[i], len);
		p += len;
	}
	*p = '\0';
	return s;
}

static char *
fmt_from(const struct authkey *k)
{
	/* An address, '/', up to three digits, a comma. */
	const size_t each = INET6_ADDRSTRLEN + 5;
	char addr[INET6_ADDRSTRLEN], *s;
	size_t i, len = 0;
	int n, full;

	if (k->nfrom == 0)
		return strdup("any");
	if ((s = calloc(k->nfrom, each)) == NULL)
		return NULL;
	for (i = 0; i < k->nfrom; i++) {
		if (inet_ntop(k->from[i].family, k->from[i].addr, addr,
		    sizeof(addr)) == NULL) {
			free(s);
			return NULL;
		}
		full = k->from[i].family == AF_INET ? 32 : 128;
		if (k->from[i].bits == full)
			n = snprintf(s + len, k->nfrom * each - len, "%s%s",
			    i > 0 ? "," : "", addr);
		else
			n = snprintf(s + len, k->nfrom * each - len, "%s%s/%d",
			    i > 0 ? "," : "", addr, k->from[i].bits);
		if (n < 0 || (size_t)n >= k->nfrom * each - len) {
			free(s);
			return NULL;
		}
		len += (size_t)n;
	}
	return s;
}

static char *
fmt_expiry(time_t t)
{
	struct tm tm;
	char buf[64];

	if (t == 0)
		return strdup("never");
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%MZ", &tm) == 0)
		return NULL;
	return strdup(buf);
}

#define LIST_COLS	5

static int
key_list(int argc, char **argv)
{
	static const char *hdr[LIST_COLS] = {
		"KEYID", "USER", "ROLES", "FROM", "EXPIRES"
	};
	struct authkeys *ak = NULL;
	const struct authkey *k;
	const char *path;
	char err[KEY_ERRLEN], **cells = NULL;
	size_t i, c, w, width[LIST_COLS];
	int ret = 1, bad = 0;

	if (parse_file_args(argc, argv, &path, NULL) != 0) {
		usage();
		return EXIT_USAGE;
	}
	if (authkeys_load(path, &ak, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcpctl: %s\n", err);
		return 1;
	}
	if (ak->nkeys > 0 &&
	    (cells = calloc(ak->nkeys * LIST_COLS, sizeof(*cells))) == NULL) {
		fprintf(stderr, "mcpctl: out of memory\n");
		goto out;
	}
	for (c = 0; c < LIST_COLS; c++)
		width[c] = strlen(hdr[c]);
	for (i = 0; i < ak->nkeys; i++) {
		k = &ak->keys[i];
		cells[i * LIST_COLS + 0] = strdup(k->keyid);
		cells[i * LIST_COLS + 1] = strdup(k->user != NULL ?
		    k->user : "-");
		cells[i * LIST_COLS + 2] = fmt_roles(k);
		cells[i * LIST_COLS + 3] = fmt_from(k);
		cells[i * LIST_COLS + 4] = fmt_expiry(k->expiry);
		for (c = 0; c < LIST_COLS; c++) {
			if (cells[i * LIST_COLS + c] == NULL) {
				fprintf(stderr, "mcpctl: out of memory\n");
				goto out;
			}
			if ((w = strlen(cells[i * LIST_COLS + c])) > width[c])
				width[c] = w;
		}
	}
	if (width[0] > INT_MAX || width[1] > INT_MAX || width[2] > INT_MAX ||
	    width[3] > INT_MAX) {
		fprintf(stderr, "mcpctl: field too wide\n");
		goto out;
	}
	if (printf("%-*s  %-*s  %-*s  %-*s  %s\n", (int)width[0], hdr[0],
	    (int)width[1], hdr[1], (int)width[2], hdr[2], (int)width[3],
	    hdr[3], hdr[4]) < 0)
		bad = 1;
	for (i = 0; i < ak->nkeys && !bad; i++) {
		if (printf("%-*s  %-*s  %-*s  %-*s  %s\n",
		    (int)width[0], cells[i * LIST_COLS + 0],
		    (int)width[1], cells[i * LIST_COLS + 1],
		    (int)width[2], cells[i * LIST_COLS + 2],
		    (int)width[3], cells[i * LIST_COLS + 3],
		    cells[i * LIST_COLS + 4]) < 0)
			bad = 1;
	}
	if (bad || fflush(stdout) == EOF) {
		fprintf(stderr, "mcpctl: standard output: %s\n",
		    strerror(errno));
		goto out;
	}
	ret = 0;
 out:
	strv_free(cells, ak->nkeys * LIST_COLS);
	authkeys_free(ak);
	return ret;
}

static int
key_revoke(int argc, char **argv)
{
	char tmp[PATH_MAX], dir[PATH_MAX], err[KEY_ERRLEN];
	char *out = NULL, *line = NULL;
	const char *path, *keyid, *base, *p, *end, *nl;
	uint8_t *buf = NULL;
	struct authkey k;
	struct stat st;
	size_t len = 0, olen = 0, llen, next;
	int fd = -1, tfd = -1, linenum = 0, found = 0, ret = 1, r, n;
	mode_t mode;

	memset(&k, 0, sizeof(k));
	tmp[0] = '\0';
	if (parse_file_args(argc, argv, &path, &keyid) != 0) {
		usage();
		return EXIT_USAGE;
	}
	if (!apikey_valid_id(keyid)) {
		fprintf(stderr, "mcpctl: not a key id: \"%s\" (expected %d "
		    "characters a-z, 0-9)\n", keyid, APIKEY_ID_LEN);
		return 1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		return 1;
	}
	if (fstat_regular(fd, path, &st) != 0)
		goto done;
	if (read_fd_capped(fd, KEY_MAX_FILE, &buf, &len) != 0) {
		if (errno == EFBIG)
			fprintf(stderr, "mcpctl: %s: larger than %d bytes\n",
			    path, KEY_MAX_FILE);
		else if (errno == ENOMEM)
			fprintf(stderr, "mcpctl: out of memory\n");
		else
			fprintf(stderr, "mcpctl: %s: read: %s\n", path,
			    strerror(errno));
		goto done;
	}
	if ((out = malloc(len + 1)) == NULL ||
	    (line = malloc(KEY_MAX_LINE + 1)) == NULL) {
		fprintf(stderr, "mcpctl: out of memory\n");
		goto done;
	}

	/*
	 * Every line but the revoked key's is copied byte for byte,
	 * comments, blank lines and lines mcpctl cannot parse included.
	 */
	for (p = (const char *)buf, end = p + len; p < end; p += next) {
		linenum++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		next = nl < end ? llen + 1 : llen;
		if (llen <= KEY_MAX_LINE && memchr(p, '\0', llen) == NULL) {
			memcpy(line, p, llen);
			line[llen] = '\0';
			r = authkeys_parse_line(line, &k, err, sizeof(err));
			if (r == 0 && strcmp(k.keyid, keyid) == 0) {
				found++;
				authkey_clear(&k);
				continue;
			}
			authkey_clear(&k);
			if (r == -1)
				fprintf(stderr, "mcpctl: warning: %s line %d: "
				    "%s (line kept)\n", path, linenum, err);
		} else
			fprintf(stderr, "mcpctl: warning: %s line %d: "
			    "unparseable (line kept)\n", path, linenum);
		memcpy(out + olen, p, next);
		olen += next;
	}
	if (found == 0) {
		fprintf(stderr, "mcpctl: key id %s not found in %s\n", keyid,
		    path);
		goto done;
	}

	/*
	 * Replace the file atomically: a temporary file in the same
	 * directory (mkstemp creates it 0600), written, fsynced, renamed.
	 */
	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	if (dir_of(path, dir, sizeof(dir)) != 0 ||
	    (n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base)) < 0 ||
	    (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "mcpctl: %s: path too long\n", path);
		tmp[0] = '\0';
		goto done;
	}
	if ((tfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		fprintf(stderr, "mcpctl: %s: %s\n", tmp, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	/*
	 * Keep the owner and the mode the administrator chose, but never
	 * let the new file be writable by group or others.
	 */
	if (geteuid() == 0 && fchown(tfd, st.st_uid, st.st_gid) == -1) {
		fprintf(stderr, "mcpctl: %s: fchown: %s\n", tmp,
		    strerror(errno));
		goto done;
	}
	mode = st.st_mode & (S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH);
	if (fchmod(tfd, mode) == -1) {
		fprintf(stderr, "mcpctl: %s: fchmod: %s\n", tmp,
		    strerror(errno));
		goto done;
	}
	if (write_all(tfd, out, olen) != 0) {
		fprintf(stderr, "mcpctl: %s: write: %s\n", tmp,
		    strerror(errno));
		goto done;
	}
	if (fsync(tfd) == -1) {
		fprintf(stderr, "mcpctl: %s: fsync: %s\n", tmp,
		    strerror(errno));
		goto done;
	}
	r = close(tfd);
	tfd = -1;
	if (r == -1) {
		fprintf(stderr, "mcpctl: %s: close: %s\n", tmp,
		    strerror(errno));
		goto done;
	}
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "mcpctl: rename %s to %s: %s\n", tmp, path,
		    strerror(errno));
		goto done;
	}
	tmp[0] = '\0';
	if (fsync_dir(path) != 0)
		goto done;
	ret = 0;
 done:
	if (tfd != -1 && close(tfd) == -1 && ret == 0)
		ret = 1;
	if (tmp[0] != '\0' && unlink(tmp) == -1)
		fprintf(stderr, "mcpctl: %s: unlink: %s\n", tmp,
		    strerror(errno));
	if (fd != -1 && close(fd) == -1 && ret == 0) {
		fprintf(stderr, "mcpctl: %s: close: %s\n", path,
		    strerror(errno));
		ret = 1;
	}
	freezero(buf, len);
	freezero(out, len + 1);
	freezero(line, KEY_MAX_LINE + 1);
	return ret;
}

int
ctl_key_main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "new") == 0)
		return key_new(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return key_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return key_revoke(argc - 1, argv + 1);
	fprintf(stderr, "mcpctl: unknown key command \"%s\"\n", argv[1]);
	usage();
	return EXIT_USAGE;
}
