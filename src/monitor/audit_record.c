/*
 * An audit record's body (doc/audit.md, section 2): the fields of a
 * struct audit_rec as one line of compact, pure-ASCII JSON, with the
 * client's text sanitized and, when the whole would pass AUDIT_LINE_MAX,
 * its long fields cut.  The writer (audit.c) chains, MACs and appends it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "audit_int.h"
#include "auditchain.h"

/* Bytes kept of each long field when a record would pass AUDIT_LINE_MAX. */
#define AUDIT_FIELD_TRUNC	4096
/* More roles than any policy could hold; only a cap against abuse. */
#define AUDIT_ROLES_MAX		1024

#define AUDIT_DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
				 JSON_ENSURE_ASCII)

int
audit_format_ts(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int r;

	if (len < AUDIT_TS_LEN + 1 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= 1000000000L)
		return -1;
	t = ts->tv_sec;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	/* RFC 3339 has four-digit years only. */
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	r = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts->tv_nsec / 1000000L));
	if (r != AUDIT_TS_LEN)
		return -1;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence that starts at s (n bytes
 * available), or 0 if none does.  The rules are RFC 3629's, which are also
 * jansson's: no overlong forms, no surrogates, nothing above U+10FFFF.  NUL
 * is refused too, since jansson will not put it in a string either.
 */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t len, i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string holding s (len bytes) as valid UTF-8, each invalid byte
 * (and NUL) replaced by U+FFFD, and cut at a character boundary to at most
 * keep bytes.  NULL on allocation failure.
 */
static json_t *
json_sanitized(const char *s, size_t len, size_t keep)
{
	static const char repl[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t cap, i = 0, o = 0, l;
	const void *src;
	json_t *j;
	char *buf;

	/* Output grows by at most 3 bytes per input byte (U+FFFD). */
	cap = len > keep / 3 ? keep : len * 3;
	if ((buf = malloc(cap + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((l = utf8_seqlen(u + i, len - i)) == 0) {
			src = repl;
			l = 3;
		} else
			src = u + i;
		if (o + l > cap)
			break;
		memcpy(buf + o, src, l);
		o += l;
		i += src == repl ? 1 : l;
	}
	buf[o] = '\0';
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* Attach name: string or null.  0, or -1 with err. */
static int
set_str(json_t *o, const char *name, const char *val, size_t keep,
    char *err, size_t errlen)
{
	json_t *j;

	if (val == NULL)
		j = json_null();
	else
		j = json_sanitized(val, strnlen(val, AUDIT_LINE_MAX + 1),
		    keep);
	/* json_object_set_new takes j and releases it even on failure. */
	if (j == NULL || json_object_set_new(o, name, j) != 0) {
		snprintf(err, errlen, "cannot encode audit field %s", name);
		return -1;
	}
	return 0;
}

static int
set_json(json_t *o, const char *name, json_t *j, char *err, size_t errlen)
{
	if (j == NULL || json_object_set_new(o, name, j) != 0) {
		snprintf(err, errlen, "cannot encode audit field %s", name);
		return -1;
	}
	return 0;
}

/*
 * jansson escapes C0 controls but leaves DEL (0x7f) raw.  In its output a
 * 0x7f byte can only be inside a string, where \u007f means the same, so
 * replace each one: the log is then free of every control character.
 * Takes body, returns the new one (or body itself), NULL on failure.
 */
static char *
escape_del(char *body)
{
	size_t n = 0, len, i, o;
	char *nb;

	len = strlen(body);
	for (i = 0; i < len; i++)
		n += body[i] == 0x7f;
	if (n == 0)
		return body;
	if ((nb = malloc(len + 5 * n + 1)) == NULL) {
		free(body);
		return NULL;
	}
	for (i = o = 0; i < len; i++) {
		if (body[i] != 0x7f) {
			nb[o++] = body[i];
			continue;
		}
		memcpy(nb + o, "\\u007f", 6);
		o += 6;
	}
	nb[o] = '\0';
	free(body);
	return nb;
}

/*
 * Serialise the record without its mac, fields in the fixed order of
 * doc/audit.md, section 2.  With truncate, the fields that carry client text
 * of unbounded size are cut to AUDIT_FIELD_TRUNC bytes.  Returns the body
 * (malloc'd, ends in '}') or NULL with err.
 */
char *
audit_record_body(const struct audit_rec *rec, const char *ts,
    long long seq, const char *prev, int truncate, char *err, size_t errlen)
{
	size_t full = SIZE_MAX, trunc = truncate ? AUDIT_FIELD_TRUNC : SIZE_MAX;
	json_t *o, *roles;
	char *body = NULL;
	size_t i;

	if ((o = json_object()) == NULL) {
		snprintf(err, errlen, "cannot allocate audit record");
		return NULL;
	}
	if (set_str(o, "ts", ts, full, err, errlen) == -1 ||
	    set_json(o, "seq", json_integer(seq), err, errlen) == -1 ||
	    set_str(o, "event", rec->event, full, err, errlen) == -1 ||
	    set_str(o, "decision", rec->decision, full, err, errlen) == -1 ||
	    set_str(o, "user", rec->user, full, err, errlen) == -1)
		goto out;
	if ((roles = json_array()) == NULL ||
	    json_object_set_new(o, "roles", roles) != 0) {
		snprintf(err, errlen, "cannot encode audit field roles");
		goto out;
	}
	for (i = 0; rec->roles != NULL && i < rec->nroles; i++) {
		if (rec->roles[i] == NULL)
			continue;
		if (json_array_append_new(roles, json_sanitized(rec->roles[i],
		    strnlen(rec->roles[i], AUDIT_LINE_MAX + 1), full)) != 0) {
			snprintf(err, errlen, "cannot encode audit field "
			    "roles");
			goto out;
		}
	}
	if (set_str(o, "method", rec->method, full, err, errlen) == -1 ||
	    set_str(o, "credential", rec->credential, full, err,
	    errlen) == -1 ||
	    set_str(o, "tool", rec->tool, trunc, err, errlen) == -1 ||
	    set_str(o, "required", rec->required, full, err, errlen) == -1 ||
	    set_str(o, "reason", rec->reason, trunc, err, errlen) == -1 ||
	    set_str(o, "source", rec->source, full, err, errlen) == -1 ||
	    set_str(o, "client", rec->client, trunc, err, errlen) == -1 ||
	    set_str(o, "request_id", rec->request_id, trunc, err,
	    errlen) == -1 ||
	    set_str(o, "args_sha256", rec->args_sha256, full, err,
	    errlen) == -1)
		goto out;
	if (rec->args != NULL &&
	    set_str(o, "args", rec->args, trunc, err, errlen) == -1)
		goto out;
	if ((rec->cancelled_by != NULL && set_str(o, "cancelled_by",
	    rec->cancelled_by, full, err, errlen) == -1) ||
	    (rec->owner != NULL &&
	    set_str(o, "owner", rec->owner, full, err, errlen) == -1))
		goto out;
	if (rec->count > 0 &&
	    (set_json(o, "count", json_integer(rec->count), err,
	    errlen) == -1 ||
	    set_str(o, "since", rec->since, full, err, errlen) == -1))
		goto out;
	if (set_json(o, "duration_ms", rec->duration_ms < 0 ? json_null() :
	    json_integer(rec->duration_ms), err, errlen) == -1 ||
	    set_str(o, "prev", prev, full, err, errlen) == -1)
		goto out;
	if ((body = json_dumps(o, AUDIT_DUMP_FLAGS)) == NULL)
		snprintf(err, errlen, "cannot serialise audit record");
	else if ((body = escape_del(body)) == NULL)
		snprintf(err, errlen, "out of memory serialising audit record");
 out:
	json_decref(o);
	return body;
}

/*
 * Decide whether the record can be written whole, and whether the long
 * fields must be cut.  The escaped JSON of a field is never shorter than
 * its raw bytes, so raw lengths that already pass AUDIT_LINE_MAX mean
 * truncation (or, for a field we do not cut, failure).
 */
int
audit_record_fits(const struct audit_rec *rec, int *truncate, char *err,
    size_t errlen)
{
	const struct {
		const char	*name;
		const char	*val;
		int		 cut;
	} f[] = {
		{ "event", rec->event, 0 },
		{ "decision", rec->decision, 0 },
		{ "user", rec->user, 0 },
		{ "method", rec->method, 0 },
		{ "credential", rec->credential, 0 },
		{ "tool", rec->tool, 1 },
		{ "required", rec->required, 0 },
		{ "reason", rec->reason, 1 },
		{ "source", rec->source, 0 },
		{ "client", rec->client, 1 },
		{ "request_id", rec->request_id, 1 },
		{ "args_sha256", rec->args_sha256, 0 },
		{ "args", rec->args, 1 },
		{ "cancelled_by", rec->cancelled_by, 0 },
		{ "owner", rec->owner, 0 },
		{ "since", rec->count > 0 ? rec->since : NULL, 0 },
	};
	size_t i, l, total = 0, keep = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].val == NULL)
			continue;
		l = strnlen(f[i].val, AUDIT_LINE_MAX + 1);
		if (l > AUDIT_LINE_MAX && !f[i].cut) {
			snprintf(err, errlen, "audit field %s too long",
			    f[i].name);
			return -1;
		}
		total += l;
		keep += f[i].cut ? (l < AUDIT_FIELD_TRUNC ? l :
		    AUDIT_FIELD_TRUNC) : l;
	}
	if (rec->nroles > AUDIT_ROLES_MAX) {
		snprintf(err, errlen, "audit record has too many roles (%zu)",
		    rec->nroles);
		return -1;
	}
	for (i = 0; rec->roles != NULL && i < rec->nroles; i++) {
		if (rec->roles[i] == NULL)
			continue;
		l = strnlen(rec->roles[i], AUDIT_LINE_MAX + 1);
		total += l;
		keep += l;
	}
	if (keep > AUDIT_LINE_MAX) {
		snprintf(err, errlen, "audit record too long");
		return -1;
	}
	*truncate = total > AUDIT_LINE_MAX;
	return 0;
}
