/*
 * AuthorizedKeysFile (mcpctl(1), AUTHORIZED KEYS FILE FORMAT), read and
 * checked by the monitor:
 *
 *	[options] KEYID sha256:HEX
 *
 * in the spirit of sshd's authorized_keys.  The file holds only SHA-256
 * hashes of keys, but those are still secrets worth keeping (an attacker
 * who has them can mount an offline search), so every buffer that held
 * file contents is wiped before it is freed.
 *
 * This is library code: it returns error codes and writes its messages
 * into the caller's buffer; it neither logs nor exits.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "apikey.h"
#include "authkeys.h"
#include "errbuf.h"
#include "fileio.h"
#include "hex.h"
#include "secretfile.h"
#include "strv.h"
#include "xmalloc.h"

#define AUTHKEYS_MAX_LINE	8192		/* bytes, without '\n' */
#define AUTHKEYS_MAX_FILE	(16 * 1024 * 1024)	/* bytes */
#define AUTHKEYS_MAX_ROLES	64
#define AUTHKEYS_MAX_OPTNAME	32
#define AUTHKEYS_HASH_PREFIX	"sha256:"
#define AUTHKEYS_CIDR_MAXLEN	(INET6_ADDRSTRLEN + 4)

/* Which options a line has set, to refuse duplicates. */
#define OPT_USER	0x01
#define OPT_ROLES	0x02
#define OPT_FROM	0x04
#define OPT_EXPIRY	0x08


const char *
authkeys_result_str(int r)
{
	switch (r) {
	case AUTHKEY_OK:
		return "ok";
	case AUTHKEY_MALFORMED:
		return "malformed key";
	case AUTHKEY_UNKNOWN:
		return "unknown key id";
	case AUTHKEY_MISMATCH:
		return "wrong secret";
	case AUTHKEY_EXPIRED:
		return "key expired";
	case AUTHKEY_FROM:
		return "source not permitted by from=";
	default:
		return "unknown result";
	}
}

/* CIDR handling. */

int
cidr_parse(const char *s, struct authkey_cidr *c)
{
	char buf[AUTHKEYS_CIDR_MAXLEN + 1], *slash;
	size_t len, i, nbytes;
	unsigned long bits;
	int maxbits;
	uint8_t rem;

	if (s == NULL || c == NULL)
		return -1;
	memset(c, 0, sizeof(*c));
	len = strlen(s);
	if (len == 0 || len > AUTHKEYS_CIDR_MAXLEN)
		return -1;
	memcpy(buf, s, len + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';

	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		maxbits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		maxbits = 128;
	} else
		return -1;

	if (slash == NULL)
		bits = (unsigned long)maxbits;
	else {
		/* One to three digits: no sign, no spaces, no "0x". */
		len = strlen(slash);
		if (len == 0 || len > 3)
			goto bad;
		bits = 0;
		for (i = 0; i < len; i++) {
			if (slash[i] < '0' || slash[i] > '9')
				goto bad;
			bits = bits * 10 + (unsigned long)(slash[i] - '0');
		}
		if (bits > (unsigned long)maxbits)
			goto bad;
	}
	c->bits = (int)bits;

	/*
	 * As OpenSSH does, refuse a network address with host bits set:
	 * "10.1.2.3/8" is more likely a typo than a deliberate "10.0.0.0/8".
	 */
	nbytes = (size_t)maxbits / 8;
	for (i = (size_t)c->bits / 8; i < nbytes; i++) {
		if (i == (size_t)c->bits / 8 && c->bits % 8 != 0) {
			rem = (uint8_t)(0xff >> (c->bits % 8));
			if ((c->addr[i] & rem) != 0)
				goto bad;
		} else if (c->addr[i] != 0)
			goto bad;
	}
	return 0;
 bad:
	memset(c, 0, sizeof(*c));
	return -1;
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (whole > 0 && memcmp(a, b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

int
cidr_match(const struct authkey_cidr *c, const struct sockaddr *addr)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (c == NULL || addr == NULL)
		return 0;
	switch (addr->sa_family) {
	case AF_INET:
		if (c->family != AF_INET)
			return 0;
		sin = (const struct sockaddr_in *)(const void *)addr;
		return prefix_match(c->addr,
		    (const uint8_t *)&sin->sin_addr.s_addr, c->bits);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)addr;
		if (c->family == AF_INET6)
			return prefix_match(c->addr, sin6->sin6_addr.s6_addr,
			    c->bits);
		/*
		 * A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d;
		 * an IPv4 from= pattern must still apply to them.
		 */
		if (c->family == AF_INET &&
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return prefix_match(c->addr,
			    sin6->sin6_addr.s6_addr + 12, c->bits);
		return 0;
	default:
		return 0;
	}
}

/* One line. */

void
authkey_clear(struct authkey *k)
{
	if (k == NULL)
		return;
	free(k->user);
	strv_free(k->roles, k->nroles);
	free(k->from);
	OPENSSL_cleanse(k, sizeof(*k));
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_optname_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/*
 * A user id must be usable as a "User" keyword argument in mcpd.conf, so
 * no white space; bytes from 0x80 up are allowed for UTF-8 addresses.
 */
static int
valid_user(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* Role names: printable ASCII, no white space (they are policy names). */
static int
valid_role(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	}
	return 1;
}

/*
 * A list-valued option ("roles=a,b", "from=10.0.0.0/8,::1"): every comma
 * ends an element, so "a,,b" has an empty second one and "" one empty
 * element, for the caller to refuse.  commalist_init() counts the
 * elements, refusing more than max, so that the caller allocates its
 * array once; commalist_next() then gives each in turn, n times in all.
 */
struct commalist {
	const char	*next;	/* start of the next element */
	size_t		 n;	/* number of elements */
};

static int
commalist_init(struct commalist *cl, const char *val, size_t max)
{
	const char *p;

	cl->next = val;
	cl->n = 1;
	for (p = val; *p != '\0'; p++) {
		if (*p == ',')
			cl->n++;
	}
	return cl->n > max ? -1 : 0;
}

/* The next element, not NUL-terminated, and its length in *lenp. */
static const char *
commalist_next(struct commalist *cl, size_t *lenp)
{
	const char *elem = cl->next, *comma;

	if ((comma = strchr(elem, ',')) == NULL) {
		*lenp = strlen(elem);
		cl->next = elem + *lenp;
	} else {
		*lenp = (size_t)(comma - elem);
		cl->next = comma + 1;
	}
	return elem;
}

static int
parse_roles(const char *val, struct authkey *k, char *err, size_t errlen)
{
	struct commalist cl;
	const char *p;
	size_t len, i;

	if (commalist_init(&cl, val, AUTHKEYS_MAX_ROLES) != 0) {
		seterr(err, errlen, "roles: more than %d roles",
		    AUTHKEYS_MAX_ROLES);
		return -1;
	}
	if ((k->roles = calloc(cl.n, sizeof(*k->roles))) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < cl.n; i++) {
		p = commalist_next(&cl, &len);
		if (!valid_role(p, len)) {
			seterr(err, errlen, "roles: empty or invalid role "
			    "name (number %zu)", i + 1);
			return -1;
		}
		if (len > AUTHKEYS_ROLE_MAX) {
			seterr(err, errlen, "roles: role number %zu longer "
			    "than %d bytes", i + 1, AUTHKEYS_ROLE_MAX);
			return -1;
		}
		if ((k->roles[i] = strndup(p, len)) == NULL) {
			seterr(err, errlen, "out of memory");
			return -1;
		}
		k->nroles = i + 1;
	}
	return 0;
}

static int
parse_from(const char *val, struct authkey *k, char *err, size_t errlen)
{
	char buf[AUTHKEYS_CIDR_MAXLEN + 1];
	struct commalist cl;
	const char *p;
	size_t len, i;

	if (commalist_init(&cl, val, AUTHKEYS_MAX_CIDRS) != 0) {
		seterr(err, errlen, "from: more than %d addresses",
		    AUTHKEYS_MAX_CIDRS);
		return -1;
	}
	if ((k->from = calloc(cl.n, sizeof(*k->from))) == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < cl.n; i++) {
		p = commalist_next(&cl, &len);
		if (len == 0 || len >= sizeof(buf)) {
			seterr(err, errlen, "from: empty or overlong "
			    "address (number %zu)", i + 1);
			return -1;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (cidr_parse(buf, &k->from[i]) != 0) {
			seterr(err, errlen, "from: bad address or CIDR "
			    "\"%s\"", buf);
			return -1;
		}
		k->nfrom = i + 1;
	}
	return 0;
}

static int
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_expiry(const char *val, time_t *out, char *err, size_t errlen)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	struct tm tm;
	size_t len = strlen(val);
	int year, mon, day, hour = 0, min = 0, dim;
	time_t t;

	if ((len != 8 && len != 12) || digits(val, 4, &year) != 0 ||
	    digits(val + 4, 2, &mon) != 0 || digits(val + 6, 2, &day) != 0 ||
	    (len == 12 && (digits(val + 8, 2, &hour) != 0 ||
	    digits(val + 10, 2, &min) != 0))) {
		seterr(err, errlen, "expiry-time: expected YYYYMMDD or "
		    "YYYYMMDDHHMM");
		return -1;
	}
	if (year < 1970 || mon < 1 || mon > 12) {
		seterr(err, errlen, "expiry-time: year or month out of range");
		return -1;
	}
	dim = mdays[mon - 1];
	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		dim = 29;
	if (day < 1 || day > dim || hour > 23 || min > 59) {
		seterr(err, errlen, "expiry-time: day, hour or minute out of "
		    "range");
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	/* An expiry of 0 means "never" in struct authkey: refuse the epoch. */
	if ((t = timegm(&tm)) == (time_t)-1 || t <= 0) {
		seterr(err, errlen, "expiry-time: out of range");
		return -1;
	}
	*out = t;
	return 0;
}

/*
 * Parse the options field at *pp, leaving *pp at the white space that
 * ends it.  val is scratch space at least as long as the rest of the line.
 */
static int
parse_options(const char **pp, char *val, struct authkey *k,
    char *err, size_t errlen)
{
	const char *p = *pp, *name;
	size_t namelen, vlen;
	unsigned int seen = 0, bit;
	char nbuf[AUTHKEYS_MAX_OPTNAME + 1];

	for (;;) {
		name = p;
		while (is_optname_char((unsigned char)*p))
			p++;
		namelen = (size_t)(p - name);
		if (namelen == 0 || *p != '=') {
			seterr(err, errlen, "bad option syntax (expected "
			    "name=\"value\")");
			return -1;
		}
		if (namelen > AUTHKEYS_MAX_OPTNAME) {
			seterr(err, errlen, "unknown option (name too long)");
			return -1;
		}
		memcpy(nbuf, name, namelen);
		nbuf[namelen] = '\0';
		p++;
		if (*p != '"') {
			seterr(err, errlen, "option %s: value must be in "
			    "double quotes", nbuf);
			return -1;
		}
		p++;
		/* As in sshd, only \" is an escape; other '\' are literal. */
		for (vlen = 0; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] == '"')
				p++;
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p == 0x7f) {
				seterr(err, errlen, "option %s: control "
				    "character in value", nbuf);
				return -1;
			}
			val[vlen++] = *p;
		}
		val[vlen] = '\0';
		if (*p != '"') {
			seterr(err, errlen, "option %s: missing closing "
			    "quote", nbuf);
			return -1;
		}
		p++;

		if (strcasecmp(nbuf, "user") == 0)
			bit = OPT_USER;
		else if (strcasecmp(nbuf, "roles") == 0)
			bit = OPT_ROLES;
		else if (strcasecmp(nbuf, "from") == 0)
			bit = OPT_FROM;
		else if (strcasecmp(nbuf, "expiry-time") == 0)
			bit = OPT_EXPIRY;
		else {
			seterr(err, errlen, "unknown option %s", nbuf);
			return -1;
		}
		if ((seen & bit) != 0) {
			seterr(err, errlen, "duplicate option %s", nbuf);
			return -1;
		}
		seen |= bit;

		switch (bit) {
		case OPT_USER:
			if (!valid_user(val)) {
				seterr(err, errlen, "user: empty or contains "
				    "white space");
				return -1;
			}
			if (strlen(val) > AUTHKEYS_USER_MAX) {
				seterr(err, errlen, "user: longer than %d "
				    "bytes", AUTHKEYS_USER_MAX);
				return -1;
			}
			if ((k->user = strdup(val)) == NULL) {
				seterr(err, errlen, "out of memory");
				return -1;
			}
			break;
		case OPT_ROLES:
			if (parse_roles(val, k, err, errlen) != 0)
				return -1;
			break;
		case OPT_FROM:
			if (parse_from(val, k, err, errlen) != 0)
				return -1;
			break;
		case OPT_EXPIRY:
			if (parse_expiry(val, &k->expiry, err, errlen) != 0)
				return -1;
			break;
		}

		if (*p == ',') {
			p++;
			continue;
		}
		if (is_ws((unsigned char)*p))
			break;
		if (*p == '\0')
			seterr(err, errlen, "missing key id after options");
		else
			seterr(err, errlen, "garbage after option %s", nbuf);
		return -1;
	}
	*pp = p;
	return 0;
}

int
authkeys_parse_line(const char *line, struct authkey *out,
    char *err, size_t errlen)
{
	char *buf = NULL, *val = NULL;
	const char *p, *tok;
	size_t len, toklen;
	int ret = -1;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (line == NULL) {
		seterr(err, errlen, "no line");
		return -1;
	}
	if ((len = strnlen(line, AUTHKEYS_MAX_LINE + 2)) >
	    AUTHKEYS_MAX_LINE + 1) {
		seterr(err, errlen, "line longer than %d bytes",
		    AUTHKEYS_MAX_LINE);
		return -1;
	}
	/* Trailing newline, carriage return and blanks are not content. */
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
	    is_ws((unsigned char)line[len - 1])))
		len--;
	if (len > AUTHKEYS_MAX_LINE) {
		seterr(err, errlen, "line longer than %d bytes",
		    AUTHKEYS_MAX_LINE);
		return -1;
	}
	if ((buf = malloc(len + 1)) == NULL ||
	    (val = malloc(len + 1)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';

	for (p = buf; is_ws((unsigned char)*p); p++)
		;
	if (*p == '\0' || *p == '#') {
		ret = 1;
		goto out;
	}

	/* Options begin with name=; a key id never contains '='. */
	for (tok = p; is_optname_char((unsigned char)*tok); tok++)
		;
	if (*tok == '=') {
		if (parse_options(&p, val, out, err, errlen) != 0)
			goto out;
		while (is_ws((unsigned char)*p))
			p++;
	}
	if (*p == '\0') {
		seterr(err, errlen, "missing key id after options");
		goto out;
	}

	for (tok = p; *p != '\0' && !is_ws((unsigned char)*p); p++)
		;
	toklen = (size_t)(p - tok);
	if (toklen != APIKEY_ID_LEN) {
		seterr(err, errlen, "bad key id (expected %d characters "
		    "a-z, 0-9)", APIKEY_ID_LEN);
		goto out;
	}
	memcpy(out->keyid, tok, APIKEY_ID_LEN);
	out->keyid[APIKEY_ID_LEN] = '\0';
	if (!apikey_valid_id(out->keyid)) {
		seterr(err, errlen, "bad key id (expected %d characters "
		    "a-z, 0-9)", APIKEY_ID_LEN);
		goto out;
	}

	while (is_ws((unsigned char)*p))
		p++;
	if (*p == '\0') {
		seterr(err, errlen, "missing key hash after key id");
		goto out;
	}
	for (tok = p; *p != '\0' && !is_ws((unsigned char)*p); p++)
		;
	toklen = (size_t)(p - tok);
	if (toklen != sizeof(AUTHKEYS_HASH_PREFIX) - 1 + 64 ||
	    strncmp(tok, AUTHKEYS_HASH_PREFIX,
	    sizeof(AUTHKEYS_HASH_PREFIX) - 1) != 0) {
		seterr(err, errlen, "bad key hash (expected sha256: and 64 "
		    "hex digits)");
		goto out;
	}
	/* Copy the digits out so hex_decode sees them NUL-terminated. */
	memcpy(val, tok + sizeof(AUTHKEYS_HASH_PREFIX) - 1, 64);
	val[64] = '\0';
	if (hex_decode(val, out->hash, sizeof(out->hash)) != 0) {
		seterr(err, errlen, "bad key hash (expected sha256: and 64 "
		    "hex digits)");
		goto out;
	}

	while (is_ws((unsigned char)*p))
		p++;
	if (*p != '\0') {
		seterr(err, errlen, "trailing garbage after key hash");
		goto out;
	}
	ret = 0;
 out:
	freezero(buf, len + 1);
	freezero(val, len + 1);
	if (ret == -1)
		authkey_clear(out);
	return ret;
}

/* The whole file. */

void
authkeys_free(struct authkeys *ak)
{
	size_t i;

	if (ak == NULL)
		return;
	for (i = 0; i < ak->nkeys; i++)
		authkey_clear(&ak->keys[i]);
	/*
	 * A loaded table is exactly nkeys entries, locked by lock_table();
	 * one still being built is unlocked and at least that long, and the
	 * rest of it was never used.  Either way this wipes and unlocks.
	 */
	if (ak->keys != NULL)
		secret_unlock_wipe(ak->keys, ak->nkeys * sizeof(*ak->keys));
	free(ak->keys);
	freezero(ak, sizeof(*ak));
}

/*
 * Grow a buffer that may hold secrets: realloc() could leave a copy of
 * the old contents behind in freed memory, so copy and wipe instead.
 */
static void *
grow_wiped(void *old, size_t oldsize, size_t newsize)
{
	void *p;

	if ((p = calloc(1, newsize)) == NULL)
		return NULL;
	if (old != NULL) {
		memcpy(p, old, oldsize);
		freezero(old, oldsize);
	}
	return p;
}

/*
 * Move the loaded table into a buffer of exactly nkeys entries (so that
 * authkeys_free() knows its length) and lock that into memory, where
 * RLIMIT_MEMLOCK allows, so that the hashes never reach swap.  A failed
 * lock is not an error: secret_lock() counts it for the daemon to report
 * (secret_lock_failures()).  Returns -1 only when out of memory.
 */
static int
lock_table(struct authkeys *ak)
{
	struct authkey *fit;
	size_t size;

	if (ak->nkeys == 0)
		return 0;
	size = ak->nkeys * sizeof(*ak->keys);
	if ((fit = malloc(size)) == NULL)
		return -1;
	/* Locked before the copy, so the new buffer never pages out. */
	(void)secret_lock(fit, size);
	memcpy(fit, ak->keys, size);
	/* Entries past nkeys were never used: wiping size bytes is enough. */
	freezero(ak->keys, size);
	ak->keys = fit;
	return 0;
}

static int
keyptr_cmp(const void *a, const void *b)
{
	const struct authkey *ka = *(const struct authkey * const *)a;
	const struct authkey *kb = *(const struct authkey * const *)b;
	int r;

	if ((r = strcmp(ka->keyid, kb->keyid)) != 0)
		return r;
	return (ka->linenum > kb->linenum) - (ka->linenum < kb->linenum);
}

/*
 * Two lines with the same key id would make the id ambiguous; refuse the
 * file, naming the first such line.  Sorting keeps this O(n log n) for
 * AUTHKEYS_MAX_ENTRIES keys.
 */
static int
check_duplicates(const struct authkeys *ak, const char *path,
    char *err, size_t errlen)
{
	const struct authkey **v, *dup = NULL, *first = NULL;
	size_t i;

	if (ak->nkeys < 2)
		return 0;
	if ((v = calloc(ak->nkeys, sizeof(*v))) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (i = 0; i < ak->nkeys; i++)
		v[i] = &ak->keys[i];
	qsort(v, ak->nkeys, sizeof(*v), keyptr_cmp);
	for (i = 1; i < ak->nkeys; i++) {
		if (strcmp(v[i - 1]->keyid, v[i]->keyid) != 0)
			continue;
		/*
		 * Runs are sorted by line number, so the smallest v[i] found
		 * here is the second line of its run and v[i - 1] the first.
		 */
		if (dup == NULL || v[i]->linenum < dup->linenum) {
			dup = v[i];
			first = v[i - 1];
		}
	}
	free(v);
	if (dup == NULL)
		return 0;
	seterr(err, errlen, "%s line %d: duplicate key id %s (first on line "
	    "%d)", path, dup->linenum, dup->keyid, first->linenum);
	return -1;
}

static int
parse_buffer(const char *buf, size_t len, const char *path,
    struct authkeys *ak, char *err, size_t errlen)
{
	char line[AUTHKEYS_MAX_LINE + 1], lerr[256];
	const char *p = buf, *end = buf + len, *nl;
	struct authkey *nkeys, k;
	size_t llen, cap = 0;
	int linenum = 0, r, ret = -1;

	while (p < end) {
		linenum++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > AUTHKEYS_MAX_LINE) {
			seterr(err, errlen, "%s line %d: line longer than %d "
			    "bytes", path, linenum, AUTHKEYS_MAX_LINE);
			goto out;
		}
		if (memchr(p, '\0', llen) != NULL) {
			seterr(err, errlen, "%s line %d: NUL character",
			    path, linenum);
			goto out;
		}
		memcpy(line, p, llen);
		line[llen] = '\0';
		p = nl < end ? nl + 1 : end;

		r = authkeys_parse_line(line, &k, lerr, sizeof(lerr));
		if (r == 1)
			continue;
		if (r != 0) {
			seterr(err, errlen, "%s line %d: %s", path, linenum,
			    lerr);
			goto out;
		}
		k.linenum = linenum;
		if (ak->nkeys >= AUTHKEYS_MAX_ENTRIES) {
			authkey_clear(&k);
			seterr(err, errlen, "%s line %d: more than %d keys",
			    path, linenum, AUTHKEYS_MAX_ENTRIES);
			goto out;
		}
		if (ak->nkeys == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if (cap > AUTHKEYS_MAX_ENTRIES)
				cap = AUTHKEYS_MAX_ENTRIES;
			nkeys = grow_wiped(ak->keys,
			    ak->nkeys * sizeof(*ak->keys),
			    cap * sizeof(*ak->keys));
			if (nkeys == NULL) {
				authkey_clear(&k);
				seterr(err, errlen, "%s: out of memory", path);
				goto out;
			}
			ak->keys = nkeys;
		}
		ak->keys[ak->nkeys++] = k;
		OPENSSL_cleanse(&k, sizeof(k));
	}
	if (check_duplicates(ak, path, err, errlen) != 0)
		goto out;
	ret = 0;
 out:
	OPENSSL_cleanse(line, sizeof(line));
	return ret;
}

int
authkeys_load(const char *path, struct authkeys **out,
    char *err, size_t errlen)
{
	struct authkeys *ak = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret = -1;

	if (out != NULL)
		*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || out == NULL) {
		seterr(err, errlen, "authkeys_load: bad arguments");
		return -1;
	}
	/*
	 * The hashes are secrets (an offline search needs only them) and
	 * whoever can write the file can add keys of their own: the file is
	 * checked as every secret file is, on the descriptor read below.
	 */
	if ((fd = open(path, SECRET_FILE_OPEN_FLAGS)) == -1) {
		secret_file_open_error(path, errno, err, errlen);
		return -1;
	}
	if (secret_file_check(fd, path, err, errlen) != 0)
		goto out;
	if (read_fd_capped(fd, AUTHKEYS_MAX_FILE, &buf, &len) != 0) {
		if (errno == EFBIG)
			seterr(err, errlen, "%s: larger than %d bytes", path,
			    AUTHKEYS_MAX_FILE);
		else if (errno == ENOMEM)
			seterr(err, errlen, "%s: out of memory", path);
		else
			seterr(err, errlen, "%s: read: %s", path,
			    strerror(errno));
		goto out;
	}
	if ((ak = calloc(1, sizeof(*ak))) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (parse_buffer((const char *)buf, len, path, ak, err, errlen) != 0)
		goto out;
	if (lock_table(ak) != 0) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	*out = ak;
	ak = NULL;
	ret = 0;
 out:
	authkeys_free(ak);
	freezero(buf, len);
	if (close(fd) == -1 && ret == 0) {
		seterr(err, errlen, "%s: close: %s", path, strerror(errno));
		authkeys_free(*out);
		*out = NULL;
		ret = -1;
	}
	return ret;
}

/* Verification. */

/* 1 if x == 0, else 0, with no branch on x. */
static unsigned int
ct_is_zero(unsigned int x)
{
	return 1 ^ ((x | (0u - x)) >> (sizeof(x) * 8 - 1));
}

/*
 * Compare id and hash against every entry, without early exit and without
 * a branch on the comparisons' results.  Out: whether some entry has the
 * id, whether some entry has both, and the index of such entries.
 */
static void
ct_scan(const struct authkeys *ak, const char *id, const uint8_t *h,
    unsigned int *any_id, unsigned int *any_ok, size_t *idx_ok)
{
	const struct authkey *k;
	unsigned int idm, okm, aid = 0, aok = 0;
	size_t i, mask, idx = 0;

	for (i = 0; ak != NULL && i < ak->nkeys; i++) {
		k = &ak->keys[i];
		idm = ct_is_zero((unsigned int)CRYPTO_memcmp(k->keyid, id,
		    APIKEY_ID_LEN));
		okm = idm & ct_is_zero((unsigned int)CRYPTO_memcmp(k->hash, h,
		    sizeof(k->hash)));
		mask = (size_t)0 - (size_t)okm;
		idx = (idx & ~mask) | (i & mask);
		aid |= idm;
		aok |= okm;
	}
	*any_id = aid;
	*any_ok = aok;
	*idx_ok = idx;
}

static int
from_permits(const struct authkey *k, const struct sockaddr *src)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	size_t i;

	if (k->nfrom == 0)
		return 1;
	if (src != NULL) {
		for (i = 0; i < k->nfrom; i++) {
			if (cidr_match(&k->from[i], src))
				return 1;
		}
		return 0;
	}
	/* stdio: the client is local, as 127.0.0.1 and as ::1. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	for (i = 0; i < k->nfrom; i++) {
		if (cidr_match(&k->from[i], (struct sockaddr *)&sin) ||
		    cidr_match(&k->from[i], (struct sockaddr *)&sin6))
			return 1;
	}
	return 0;
}

int
authkeys_verify(const struct authkeys *ak, const char *key, size_t len,
    const struct sockaddr *src, time_t now, const struct authkey **match)
{
	const struct authkey *k;
	char id[APIKEY_ID_LEN + 1];
	uint8_t h[32];
	unsigned int any_id, any_ok;
	size_t idx;
	int ret;

	if (match != NULL)
		*match = NULL;
	if (key == NULL || apikey_parse(key, len, id, sizeof(id)) != 0) {
		/*
		 * Best effort against timing: spend one hash and one scan as
		 * a well-formed key would.  An all-zero id matches no entry,
		 * since ids are [a-z0-9].
		 */
		memset(id, 0, sizeof(id));
		if (apikey_hash(key != NULL ? key : "", key != NULL ?
		    (len < APIKEY_LEN ? len : APIKEY_LEN) : 0, h) != 0)
			memset(h, 0, sizeof(h));
		ct_scan(ak, id, h, &any_id, &any_ok, &idx);
		OPENSSL_cleanse(h, sizeof(h));
		return AUTHKEY_MALFORMED;
	}
	if (apikey_hash(key, len, h) != 0) {
		/* Cannot happen with a working libcrypto; fail closed. */
		return AUTHKEY_MALFORMED;
	}
	ct_scan(ak, id, h, &any_id, &any_ok, &idx);
	OPENSSL_cleanse(h, sizeof(h));

	if (!any_id)
		return AUTHKEY_UNKNOWN;
	if (!any_ok)
		return AUTHKEY_MISMATCH;
	k = &ak->keys[idx];
	if (k->expiry != 0 && now >= k->expiry)
		ret = AUTHKEY_EXPIRED;
	else if (!from_permits(k, src))
		ret = AUTHKEY_FROM;
	else {
		ret = AUTHKEY_OK;
		if (match != NULL)
			*match = k;
	}
	return ret;
}
