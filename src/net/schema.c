/*
 * JSON Schema subset validator.  See schema.h for what is supported.
 *
 * The schemas are ours (compiled into the tool catalog) and are checked
 * once at start-up; the instances are client input, so validation never
 * recurses deeper than the checked schema allows and never copies more of
 * the input into a message than a bounded prefix of its JSON pointer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "schema.h"

/* Room for the pointer while walking; longer pointers are cut. */
#define SCHEMA_PATH_BUF		256

struct spath {
	char	buf[SCHEMA_PATH_BUF];
	size_t	len;
	int	cut;		/* some components did not fit */
};

struct vstate {
	struct schema_errors	*errs;
	struct spath		 path;
};

struct spath_mark {
	size_t	len;
	int	cut;
};

static int	check_node(const json_t *, int, char *, size_t);
static void	validate_node(struct vstate *, const json_t *, const json_t *,
		    int);

static int __attribute__((format(printf, 3, 4)))
check_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_type_name(const char *t)
{
	static const char *const names[] = {
		"string", "integer", "number", "boolean", "object", "array",
		"null", NULL
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(t, names[i]) == 0)
			return 1;
	return 0;
}

static int
check_type(const json_t *t, char *err, size_t errlen)
{
	const json_t *a, *b;
	size_t i, j;

	if (json_is_string(t)) {
		if (!is_type_name(json_string_value(t)))
			return check_fail(err, errlen, "unknown type \"%.32s\"",
			    json_string_value(t));
		return 0;
	}
	if (!json_is_array(t) || json_array_size(t) == 0)
		return check_fail(err, errlen,
		    "\"type\" is not a name or a non-empty array");
	for (i = 0; i < json_array_size(t); i++) {
		a = json_array_get(t, i);
		if (!json_is_string(a) || !is_type_name(json_string_value(a)))
			return check_fail(err, errlen,
			    "\"type\" array holds an unknown type");
		for (j = 0; j < i; j++) {
			b = json_array_get(t, j);
			if (json_equal(a, b))
				return check_fail(err, errlen,
				    "\"type\" array repeats a type");
		}
	}
	return 0;
}

/* Keywords that annotate and constrain nothing. */
static int
is_annotation(const char *k)
{
	static const char *const names[] = {
		"$schema", "$comment", "title", "description", "default",
		"examples", NULL
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

static int
check_node(const json_t *s, int depth, char *err, size_t errlen)
{
	const char *key;
	json_t *val, *sub;
	const char *pkey;
	size_t i;

	/* true and false are schemas too (JSON Schema 2019-09 and later). */
	if (json_is_boolean(s))
		return 0;
	if (!json_is_object(s))
		return check_fail(err, errlen,
		    "schema is neither an object nor a boolean");
	if (depth > SCHEMA_DEPTH_MAX)
		return check_fail(err, errlen, "schema nested too deeply");
	json_object_foreach((json_t *)s, key, val) {
		if (strcmp(key, "type") == 0) {
			if (check_type(val, err, errlen) != 0)
				return -1;
		} else if (strcmp(key, "properties") == 0) {
			if (!json_is_object(val))
				return check_fail(err, errlen,
				    "\"properties\" is not an object");
			json_object_foreach(val, pkey, sub) {
				if (check_node(sub, depth + 1, err,
				    errlen) != 0)
					return -1;
			}
		} else if (strcmp(key, "required") == 0) {
			if (!json_is_array(val))
				return check_fail(err, errlen,
				    "\"required\" is not an array");
			for (i = 0; i < json_array_size(val); i++)
				if (!json_is_string(json_array_get(val, i)))
					return check_fail(err, errlen,
					    "\"required\" holds a non-string");
		} else if (strcmp(key, "additionalProperties") == 0 ||
		    strcmp(key, "items") == 0) {
			/* An array "items" (tuples) is not supported. */
			if (check_node(val, depth + 1, err, errlen) != 0)
				return -1;
		} else if (strcmp(key, "enum") == 0) {
			if (!json_is_array(val) || json_array_size(val) == 0)
				return check_fail(err, errlen,
				    "\"enum\" is not a non-empty array");
		} else if (strcmp(key, "const") == 0) {
			continue;
		} else if (strcmp(key, "minLength") == 0 ||
		    strcmp(key, "maxLength") == 0 ||
		    strcmp(key, "minItems") == 0 ||
		    strcmp(key, "maxItems") == 0) {
			if (!json_is_integer(val) ||
			    json_integer_value(val) < 0)
				return check_fail(err, errlen,
				    "\"%s\" is not a non-negative integer",
				    key);
		} else if (strcmp(key, "minimum") == 0 ||
		    strcmp(key, "maximum") == 0 ||
		    strcmp(key, "exclusiveMinimum") == 0 ||
		    strcmp(key, "exclusiveMaximum") == 0) {
			/* The boolean form of draft 4 is refused here too. */
			if (!json_is_number(val))
				return check_fail(err, errlen,
				    "\"%s\" is not a number", key);
		} else if (!is_annotation(key))
			return check_fail(err, errlen,
			    "unsupported keyword \"%.64s\"", key);
	}
	return 0;
}

int
schema_check(const json_t *schema, char *err, size_t errlen)
{
	if (schema == NULL)
		return check_fail(err, errlen, "no schema");
	return check_node(schema, 0, err, errlen);
}

json_t *
schema_load(const char *text, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *s;

	if (text == NULL) {
		(void)check_fail(err, errlen, "no schema");
		return NULL;
	}
	/* Our own compiled-in text: jansson's message is safe to log. */
	if ((s = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr)) == NULL) {
		(void)check_fail(err, errlen, "line %d: %s", jerr.line,
		    jerr.text);
		return NULL;
	}
	if (schema_check(s, err, errlen) != 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static struct spath_mark
path_mark(const struct spath *p)
{
	struct spath_mark m;

	m.len = p->len;
	m.cut = p->cut;
	return m;
}

static void
path_restore(struct spath *p, struct spath_mark m)
{
	p->len = m.len;
	p->cut = m.cut;
	p->buf[p->len] = '\0';
}

/*
 * Append "/" and comp with "~" and "/" escaped as RFC 6901 says.  What
 * does not fit is cut, never dropped: as much of comp as fits stays (whole
 * escapes and whole UTF-8 characters only), so that a message still names
 * where it is, and the pointer is marked cut.
 */
static void
path_push(struct spath *p, const char *comp, size_t complen)
{
	size_t i, w;

	if (p->cut)
		return;
	if (p->len + 1 >= sizeof(p->buf)) {
		p->cut = 1;
		return;
	}
	p->buf[p->len++] = '/';
	for (i = 0; i < complen; i++) {
		w = (comp[i] == '~' || comp[i] == '/') ? 2 : 1;
		if (p->len + w >= sizeof(p->buf)) {
			/*
			 * In the middle of a character: take back the
			 * bytes of it already written, its lead byte too.
			 */
			if (((unsigned char)comp[i] & 0xc0) == 0x80) {
				while (p->len > 0 && ((unsigned char)
				    p->buf[p->len - 1] & 0xc0) == 0x80)
					p->len--;
				if (p->len > 0 && ((unsigned char)
				    p->buf[p->len - 1] & 0xc0) == 0xc0)
					p->len--;
			}
			p->cut = 1;
			break;
		}
		if (comp[i] == '~') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = '0';
		} else if (comp[i] == '/') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = '1';
		} else
			p->buf[p->len++] = comp[i];
	}
	p->buf[p->len] = '\0';
}

static void
path_push_index(struct spath *p, size_t idx)
{
	char num[32];
	int n;

	n = snprintf(num, sizeof(num), "%zu", idx);
	if (n < 0 || (size_t)n >= sizeof(num)) {
		p->cut = 1;
		return;
	}
	path_push(p, num, (size_t)n);
}

static int
errs_full(const struct vstate *v)
{
	return v->errs->n >= SCHEMA_ERRORS_MAX;
}

static void __attribute__((format(printf, 2, 3)))
verr(struct vstate *v, const char *fmt, ...)
{
	char what[SCHEMA_MSG_MAX - SCHEMA_PATH_SHOW - 8];
	const struct spath *p = &v->path;
	size_t show = p->len;
	int cut = p->cut;
	va_list ap;

	if (errs_full(v))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* Cut long pointers at a character boundary: output is UTF-8. */
	if (show > SCHEMA_PATH_SHOW) {
		show = SCHEMA_PATH_SHOW;
		while (show > 0 &&
		    ((unsigned char)p->buf[show] & 0xc0) == 0x80)
			show--;
		cut = 1;
	}
	if (show == 0 && !cut)
		(void)snprintf(v->errs->msg[v->errs->n], SCHEMA_MSG_MAX,
		    "(root): %s", what);
	else
		(void)snprintf(v->errs->msg[v->errs->n], SCHEMA_MSG_MAX,
		    "%.*s%s: %s", (int)show, p->buf, cut ? "..." : "", what);
	v->errs->n++;
}

static int
type_matches(const char *t, const json_t *v)
{
	if (strcmp(t, "string") == 0)
		return json_is_string(v);
	if (strcmp(t, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(t, "number") == 0)
		return json_is_number(v);
	if (strcmp(t, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(t, "object") == 0)
		return json_is_object(v);
	if (strcmp(t, "array") == 0)
		return json_is_array(v);
	if (strcmp(t, "null") == 0)
		return json_is_null(v);
	return 0;
}

/* Returns 1 if inst has one of the types; else fills what for the error. */
static int
check_instance_type(const json_t *t, const json_t *inst, char *what,
    size_t whatlen)
{
	const char *name;
	size_t i, len = 0;
	int n;

	if (json_is_string(t)) {
		if (type_matches(json_string_value(t), inst))
			return 1;
		(void)snprintf(what, whatlen, "%s", json_string_value(t));
		return 0;
	}
	for (i = 0; i < json_array_size(t); i++)
		if (type_matches(json_string_value(json_array_get(t, i)),
		    inst))
			return 1;
	what[0] = '\0';
	for (i = 0; i < json_array_size(t); i++) {
		name = json_string_value(json_array_get(t, i));
		n = snprintf(what + len, whatlen - len, "%s%s",
		    i == 0 ? "" : " or ", name);
		if (n < 0 || (size_t)n >= whatlen - len)
			break;
		len += (size_t)n;
	}
	return 0;
}

/* Code points in a string jansson has already checked to be UTF-8. */
static size_t
utf8_count(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void
check_string(struct vstate *v, const json_t *s, const json_t *inst)
{
	const json_t *k;
	size_t n;

	n = utf8_count(json_string_value(inst), json_string_length(inst));
	if ((k = json_object_get(s, "minLength")) != NULL &&
	    (json_int_t)n < json_integer_value(k))
		verr(v, "shorter than %" JSON_INTEGER_FORMAT " characters",
		    json_integer_value(k));
	if ((k = json_object_get(s, "maxLength")) != NULL &&
	    (json_int_t)n > json_integer_value(k))
		verr(v, "longer than %" JSON_INTEGER_FORMAT " characters",
		    json_integer_value(k));
}

/* -1, 0, 1 as a is below, equal to, above b; integers compare exactly. */
static int
num_cmp(const json_t *a, const json_t *b)
{
	long double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t i = json_integer_value(a), j = json_integer_value(b);

		return i < j ? -1 : (i > j ? 1 : 0);
	}
	x = json_is_integer(a) ? (long double)json_integer_value(a) :
	    (long double)json_real_value(a);
	y = json_is_integer(b) ? (long double)json_integer_value(b) :
	    (long double)json_real_value(b);
	return x < y ? -1 : (x > y ? 1 : 0);
}

static void
num_str(const json_t *n, char *buf, size_t len)
{
	if (json_is_integer(n))
		(void)snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(n));
	else
		(void)snprintf(buf, len, "%.17g", json_real_value(n));
}

static void
check_number(struct vstate *v, const json_t *s, const json_t *inst)
{
	const json_t *k;
	char num[40];

	if ((k = json_object_get(s, "minimum")) != NULL &&
	    num_cmp(inst, k) < 0) {
		num_str(k, num, sizeof(num));
		verr(v, "less than the minimum %s", num);
	}
	if ((k = json_object_get(s, "maximum")) != NULL &&
	    num_cmp(inst, k) > 0) {
		num_str(k, num, sizeof(num));
		verr(v, "greater than the maximum %s", num);
	}
	if ((k = json_object_get(s, "exclusiveMinimum")) != NULL &&
	    num_cmp(inst, k) <= 0) {
		num_str(k, num, sizeof(num));
		verr(v, "not greater than %s", num);
	}
	if ((k = json_object_get(s, "exclusiveMaximum")) != NULL &&
	    num_cmp(inst, k) >= 0) {
		num_str(k, num, sizeof(num));
		verr(v, "not less than %s", num);
	}
}

static void
check_array(struct vstate *v, const json_t *s, const json_t *inst, int depth)
{
	const json_t *k, *items;
	struct spath_mark m;
	size_t i, n = json_array_size(inst);

	if ((k = json_object_get(s, "minItems")) != NULL &&
	    (json_int_t)n < json_integer_value(k))
		verr(v, "fewer than %" JSON_INTEGER_FORMAT " items",
		    json_integer_value(k));
	if ((k = json_object_get(s, "maxItems")) != NULL &&
	    (json_int_t)n > json_integer_value(k))
		verr(v, "more than %" JSON_INTEGER_FORMAT " items",
		    json_integer_value(k));
	if ((items = json_object_get(s, "items")) == NULL)
		return;
	for (i = 0; i < n && !errs_full(v); i++) {
		m = path_mark(&v->path);
		path_push_index(&v->path, i);
		validate_node(v, items, json_array_get(inst, i), depth + 1);
		path_restore(&v->path, m);
	}
}

static void
check_object(struct vstate *v, const json_t *s, const json_t *inst,
    int depth)
{
	const json_t *props, *req, *addl, *sub;
	struct spath_mark m;
	const char *key, *name;
	json_t *val;
	size_t i;

	props = json_object_get(s, "properties");
	addl = json_object_get(s, "additionalProperties");
	if ((req = json_object_get(s, "required")) != NULL) {
		for (i = 0; i < json_array_size(req) && !errs_full(v); i++) {
			name = json_string_value(json_array_get(req, i));
			if (json_object_get(inst, name) != NULL)
				continue;
			m = path_mark(&v->path);
			path_push(&v->path, name, strlen(name));
			verr(v, "required property missing");
			path_restore(&v->path, m);
		}
	}
	json_object_foreach((json_t *)inst, key, val) {
		if (errs_full(v))
			break;
		sub = props != NULL ? json_object_get(props, key) : NULL;
		if (sub == NULL && addl == NULL)
			continue;
		m = path_mark(&v->path);
		path_push(&v->path, key, strlen(key));
		if (sub != NULL)
			validate_node(v, sub, val, depth + 1);
		else if (json_is_false(addl))
			verr(v, "unexpected property");
		else
			validate_node(v, addl, val, depth + 1);
		path_restore(&v->path, m);
	}
}

static void
validate_node(struct vstate *v, const json_t *s, const json_t *inst,
    int depth)
{
	const json_t *k;
	char what[96];
	size_t i;
	int found;

	if (errs_full(v) || json_is_true(s))
		return;
	if (json_is_false(s)) {
		verr(v, "not allowed");
		return;
	}
	if (depth > SCHEMA_DEPTH_MAX) {
		verr(v, "nested too deeply");
		return;
	}
	/* A value of the wrong type gets one message, not one per keyword. */
	if ((k = json_object_get(s, "type")) != NULL &&
	    !check_instance_type(k, inst, what, sizeof(what))) {
		verr(v, "expected %s", what);
		return;
	}
	if ((k = json_object_get(s, "enum")) != NULL) {
		found = 0;
		for (i = 0; i < json_array_size(k) && !found; i++)
			found = json_equal(json_array_get(k, i), inst);
		if (!found)
			verr(v, "not one of the allowed values");
	}
	if ((k = json_object_get(s, "const")) != NULL && !json_equal(k, inst))
		verr(v, "not the allowed value");
	if (json_is_string(inst))
		check_string(v, s, inst);
	else if (json_is_number(inst))
		check_number(v, s, inst);
	else if (json_is_array(inst))
		check_array(v, s, inst, depth);
	else if (json_is_object(inst))
		check_object(v, s, inst, depth);
}

int
schema_validate(const json_t *schema, const json_t *instance,
    struct schema_errors *errs)
{
	struct vstate v;

	memset(&v, 0, sizeof(v));
	errs->n = 0;
	v.errs = errs;
	if (schema == NULL || instance == NULL) {
		verr(&v, "no value");
		return -1;
	}
	validate_node(&v, schema, instance, 0);
	return errs->n == 0 ? 0 : -1;
}
