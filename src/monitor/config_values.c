/*
 * mcpd.conf(5): the syntax of values, the same whichever keyword takes
 * them: numbers, times and sizes with their units and ranges, choices
 * from a list, names, identities and scopes, Listen addresses, URLs and
 * origins, comma-separated lists; and the setters that keep the first
 * value a keyword gets.  Each parser that can fail says why through the
 * line's context (config_lex.c), naming the keyword.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_int.h"
#include "strv.h"

/* Role and tool names. */
#define CONFIG_NAME_MAX		128
/* RateLimit and AuthFailureLimit, per minute. */
#define RATE_MIN		1
#define RATE_MAX		1000000
/* Cap on any time value while it is being summed, to rule out overflow. */
#define TIME_SUM_MAX_MS		(1000ULL * 1000 * 1000 * 1000)

/* Character classes and names. */

/* Role and tool names: [A-Za-z0-9_.-]+. */
int
cfg_valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CONFIG_NAME_MAX)
			return 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return 0;
	}
	return i > 0;
}

/*
 * 1 to max characters of printable ASCII, without blanks or any of the
 * characters in forbid.
 */
static int
printable_word(const char *s, size_t max, const char *forbid)
{
	size_t i;
	unsigned char c;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return 0;
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr(forbid, c) != NULL)
			return 0;
	}
	return i > 0;
}

/*
 * Identities and other free-form names: printable ASCII except the
 * characters that would make a list, a log line or a quoted string
 * ambiguous (space, comma, quotes, backslash).
 */
int
cfg_valid_id(const char *s)
{
	return printable_word(s, CONFIG_ID_MAX, ",\"'\\");
}

/*
 * An OAuth scope-token (RFC 6749 section 3.3): printable ASCII without
 * blanks, double quotes or backslashes, so that it needs no escaping in a
 * WWW-Authenticate header.
 */
int
cfg_valid_scope(const char *s)
{
	return printable_word(s, SCOPE_MAX, "\"\\");
}

/* JWTAlgorithms is checked for membership by config_validate(). */
int
cfg_valid_alg(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 32 || !isalnum((unsigned char)s[i]))
			return 0;
	return i > 0;
}

/* Letters, digits, '.', '-' and '_': a host name or an IPv4 address. */
static int
is_hostchar(int c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* Inside brackets: an IPv6 address, without a zone. */
static int
is_v6char(int c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* "localhost", 127.0.0.0/8 or ::1 (without brackets). */
int
cfg_host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* Numbers, times and sizes. */

/* Number parsing: digits only, no sign, no blanks, checked for overflow. */
int
cfg_parse_ull(const char *s, const char **endp, unsigned long long *out)
{
	char *ep;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &ep, 10);
	if (errno != 0)
		return -1;
	if (endp == NULL && *ep != '\0')
		return -1;
	if (endp != NULL)
		*endp = ep;
	*out = v;
	return 0;
}

int
cfg_parse_range(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long v;

	if (cfg_parse_ull(s, NULL, &v) != 0 || v < (unsigned long long)min ||
	    v > (unsigned long long)max) {
		cfg_perr(p, "%s: bad value '%s' (must be %ld..%ld)",
		    p->kw, s, min, max);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* "N" or "N/min", requests per minute. */
int
cfg_parse_rate(struct pctx *p, const char *s, long *out)
{
	const char *ep;
	unsigned long long v;

	if (cfg_parse_ull(s, &ep, &v) != 0 ||
	    (*ep != '\0' && strcasecmp(ep, "/min") != 0) ||
	    v < RATE_MIN || v > RATE_MAX) {
		cfg_perr(p, "%s: bad value '%s' (must be N/min with N in "
		    "%d..%d)", p->kw, s, RATE_MIN, RATE_MAX);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/*
 * sshd-style time: a sequence of numbers, each with an optional unit
 * (s, m, h, d, w; "ms" too where allow_ms is set); a bare number is
 * seconds.
 * "1m30s" is 90 seconds.  The result is in milliseconds.
 */
static int
parse_time_ms(const char *s, int allow_ms, unsigned long long *out)
{
	const char *ep;
	unsigned long long v, mult, total = 0;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (cfg_parse_ull(s, &ep, &v) != 0)
			return -1;
		s = ep;
		if (allow_ms && (s[0] == 'm' || s[0] == 'M') &&
		    (s[1] == 's' || s[1] == 'S')) {
			mult = 1;
			s += 2;
		} else {
			switch (*s) {
			case '\0':
			case 's':
			case 'S':
				mult = 1000;
				break;
			case 'm':
			case 'M':
				mult = 60 * 1000;
				break;
			case 'h':
			case 'H':
				mult = 60 * 60 * 1000;
				break;
			case 'd':
			case 'D':
				mult = 24 * 60 * 60 * 1000;
				break;
			case 'w':
			case 'W':
				mult = 7 * 24 * 60 * 60 * 1000;
				break;
			default:
				return -1;
			}
			if (*s != '\0')
				s++;
		}
		if (v > TIME_SUM_MAX_MS / mult ||
		    v * mult > TIME_SUM_MAX_MS - total)
			return -1;
		total += v * mult;
	}
	*out = total;
	return 0;
}

int
cfg_parse_seconds(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long ms;

	if (parse_time_ms(s, 0, &ms) != 0 ||
	    ms < (unsigned long long)min * 1000 ||
	    ms > (unsigned long long)max * 1000) {
		cfg_perr(p, "%s: bad time '%s' (must be %ld..%ld seconds)",
		    p->kw, s, min, max);
		return -1;
	}
	*out = (long)(ms / 1000);
	return 0;
}

int
cfg_parse_millis(struct pctx *p, const char *s, long min, long max, long *out)
{
	unsigned long long ms;

	if (parse_time_ms(s, 1, &ms) != 0 || ms < (unsigned long long)min ||
	    ms > (unsigned long long)max) {
		cfg_perr(p, "%s: bad time '%s' (must be %ldms..%lds)",
		    p->kw, s, min, max / 1000);
		return -1;
	}
	*out = (long)ms;
	return 0;
}

/* Bytes with an optional K or M (binary) suffix. */
int
cfg_parse_size(struct pctx *p, const char *s, long min, long max, long *out)
{
	const char *ep;
	unsigned long long v, mult = 1;

	if (cfg_parse_ull(s, &ep, &v) != 0)
		goto bad;
	if (*ep == 'k' || *ep == 'K')
		mult = 1024;
	else if (*ep == 'm' || *ep == 'M')
		mult = 1024 * 1024;
	else if (*ep != '\0')
		goto bad;
	if (mult != 1 && ep[1] != '\0')
		goto bad;
	if (v > (unsigned long long)max / mult || v * mult <
	    (unsigned long long)min)
		goto bad;
	*out = (long)(v * mult);
	return 0;
 bad:
	cfg_perr(p, "%s: bad size '%s' (must be %ld..%ld bytes, K or M suffix "
	    "allowed)", p->kw, s, min, max);
	return -1;
}

int
cfg_parse_choice(struct pctx *p, const char *s, const struct choice *c,
    int *out)
{
	char list[128];
	size_t i, off = 0;
	int r;

	for (i = 0; c[i].name != NULL; i++) {
		if (strcasecmp(s, c[i].name) == 0) {
			*out = c[i].value;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; c[i].name != NULL && off < sizeof(list); i++) {
		r = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? "" : "|", c[i].name);
		if (r < 0)
			break;
		off += (size_t)r;
	}
	cfg_perr(p, "%s: bad value '%s' (must be %s)", p->kw, s, list);
	return -1;
}

/* Addresses and URLs. */

/* "addr:port", "[v6addr]:port" or ":port"; port 1..65535. */
int
cfg_valid_listen(const char *s)
{
	const char *port, *cp, *end;
	unsigned long long v;

	if (strlen(s) > CONFIG_LISTEN_MAX)
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end == s + 1 ||
		    end[1] != ':')
			return 0;
		for (cp = s + 1; cp < end; cp++) {
			/* Hex digits, ':' and '.', and a "%zone" suffix. */
			if (!isalnum((unsigned char)*cp) && *cp != ':' &&
			    *cp != '.' && *cp != '%' && *cp != '_' &&
			    *cp != '-')
				return 0;
		}
		if (memchr(s + 1, ':', (size_t)(end - s - 1)) == NULL)
			return 0;
		port = end + 2;
	} else {
		if ((end = strrchr(s, ':')) == NULL)
			return 0;
		for (cp = s; cp < end; cp++) {
			/* An unbracketed address is IPv4 or a host name. */
			if (!isalnum((unsigned char)*cp) && *cp != '.' &&
			    *cp != '-' && *cp != '_')
				return 0;
		}
		port = end + 1;
	}
	if (cfg_parse_ull(port, NULL, &v) != 0 || v < 1 || v > 65535)
		return 0;
	return 1;
}

/*
 * Returns 0 for an http:// or https:// URL with a host, an optional port
 * (1..65535) and no user information (a URL that names one host in front
 * of an '@' and means another is a classic way to mislead a reader).
 */
int
cfg_url_parse(const char *s, struct url *u)
{
	const char *a, *end, *host, *hend, *ep, *pe, *frag, *cp;
	unsigned long long port;
	size_t hlen;

	memset(u, 0, sizeof(*u));
	if (!cfg_valid_id(s))
		return -1;
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		a = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0)
		a = s + 7;
	else
		return -1;
	end = a + strcspn(a, "/?#");
	if (*a == '[') {
		host = a + 1;
		if ((hend = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -1;
		for (cp = host; cp < hend; cp++)
			if (!is_v6char(*cp))
				return -1;
		ep = hend + 1;
	} else {
		host = a;
		for (hend = a; hend < end && is_hostchar(*hend); hend++)
			;
		ep = hend;
	}
	hlen = (size_t)(hend - host);
	if (hlen == 0 || hlen >= sizeof(u->host))
		return -1;
	if (ep != end && (*ep != ':' ||
	    cfg_parse_ull(ep + 1, &pe, &port) != 0 || pe != end ||
	    port < 1 || port > 65535))
		return -1;
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	frag = strchr(end, '#');
	u->has_fragment = frag != NULL;
	u->has_query = memchr(end, '?', frag != NULL ? (size_t)(frag - end) :
	    strlen(end)) != NULL;
	return 0;
}

/*
 * An origin (RFC 6454) as a browser sends it in the Origin header:
 * scheme "://" host [":" port], without a path.  It is stored in the form
 * browsers serialize it, scheme and host in lower case and without the
 * scheme's default port, so that the net process can compare the header
 * with it byte for byte.  Returns 0 with the normal form in out.
 */
int
cfg_origin_normalize(const char *s, char *out, size_t outlen)
{
	char scheme[32], host[CONFIG_LISTEN_MAX + 1];
	const char *cp, *h, *hend, *pe;
	unsigned long long port = 0;
	size_t len, i;
	int r;

	if (!isalpha((unsigned char)s[0]))
		return -1;
	for (cp = s; isalnum((unsigned char)*cp) || *cp == '+' ||
	    *cp == '-' || *cp == '.'; cp++)
		;
	if ((len = (size_t)(cp - s)) >= sizeof(scheme) ||
	    strncmp(cp, "://", 3) != 0)
		return -1;
	for (i = 0; i < len; i++)
		scheme[i] = (char)tolower((unsigned char)s[i]);
	scheme[len] = '\0';
	h = cp + 3;
	if (*h == '[') {
		for (hend = h + 1; is_v6char(*hend); hend++)
			;
		if (*hend != ']' || hend == h + 1)
			return -1;
		hend++;
	} else {
		for (hend = h; is_hostchar(*hend); hend++)
			;
	}
	if ((len = (size_t)(hend - h)) == 0 || len >= sizeof(host))
		return -1;
	if (*hend == ':') {
		if (cfg_parse_ull(hend + 1, &pe, &port) != 0 || *pe != '\0' ||
		    port < 1 || port > 65535)
			return -1;
	} else if (*hend != '\0')
		return -1;
	for (i = 0; i < len; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[len] = '\0';
	if ((port == 443 && strcmp(scheme, "https") == 0) ||
	    (port == 80 && strcmp(scheme, "http") == 0))
		port = 0;
	if (port == 0)
		r = snprintf(out, outlen, "%s://%s", scheme, host);
	else
		r = snprintf(out, outlen, "%s://%s:%llu", scheme, host, port);
	if (r < 0 || (size_t)r >= outlen)
		return -1;
	return 0;
}

/* Lists. */

int
cfg_list_full(struct pctx *p, size_t n)
{
	if (n < CONFIG_LIST_MAX)
		return 0;
	cfg_perr(p, "%s: too many entries (at most %d)", p->kw,
	    CONFIG_LIST_MAX);
	return 1;
}

/* Append a copy of s to *vp (n entries), capped at CONFIG_LIST_MAX. */
int
cfg_list_add(struct pctx *p, char ***vp, size_t *np, const char *s)
{
	if (cfg_list_full(p, *np))
		return -1;
	if (strv_add(vp, np, s) != 0) {
		cfg_perr(p, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Split a comma-separated list (several words, if the keyword accepts
 * blanks too) into a fresh vector.  Elements must be non-empty, pass
 * valid() and appear once.
 */
int
cfg_split_list(struct pctx *p, char **words, int nwords,
    int (*valid)(const char *), const char *what, char ***outp,
    size_t *noutp)
{
	char **v = NULL, *copy, *cp, *el;
	size_t n = 0;
	int i;

	for (i = 0; i < nwords; i++) {
		if ((copy = strdup(words[i])) == NULL) {
			cfg_perr(p, "out of memory");
			goto fail;
		}
		cp = copy;
		while ((el = strsep(&cp, ",")) != NULL) {
			if (*el == '\0') {
				cfg_perr(p, "%s: empty %s in list '%s'",
				    p->kw, what, words[i]);
				goto fail_copy;
			}
			if (!valid(el)) {
				cfg_perr(p, "%s: invalid %s '%s'", p->kw, what,
				    el);
				goto fail_copy;
			}
			if (strv_has(v, n, el)) {
				cfg_perr(p, "%s: duplicate %s '%s'", p->kw,
				    what, el);
				goto fail_copy;
			}
			if (cfg_list_add(p, &v, &n, el) != 0)
				goto fail_copy;
		}
		free(copy);
	}
	*outp = v;
	*noutp = n;
	return 0;
 fail_copy:
	free(copy);
 fail:
	strv_free(v, n);
	return -1;
}

/* Setters: the first value a keyword gets wins. */

int
cfg_set_string(struct pctx *p, char **field, const char *val,
    int (*valid)(const char *))
{
	if (*val == '\0') {
		cfg_perr(p, "%s: empty argument", p->kw);
		return -1;
	}
	if (valid != NULL && !valid(val)) {
		cfg_perr(p, "%s: invalid value '%s'", p->kw, val);
		return -1;
	}
	if (*field != NULL)
		return 0;	/* first value wins */
	if ((*field = strdup(val)) == NULL) {
		cfg_perr(p, "out of memory");
		return -1;
	}
	return 0;
}

/* First value wins: -1 means unset. */
void
cfg_set_long(long *field, long v)
{
	if (*field == -1)
		*field = v;
}

void
cfg_set_int(int *field, int v)
{
	if (*field == -1)
		*field = v;
}
