/*
 * The claims of an OAuth bearer token whose signature is good
 * (mcpd.conf(5), JWTIssuer, JWTAudience, JWTLeeway, JWTRolesClaim): the
 * dates, issuer, audience and subject, and the roles, scopes and
 * certificate binding (cnf) the token carries, into a jwt_result.
 *
 * The payload is parsed as JSON only after the signature has been found
 * good: doc/privsep.md, section 1, allows the monitor to parse client JSON in
 * that one case.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "b64url.h"
#include "errbuf.h"
#include "jwt.h"
#include "jwt_int.h"
#include "strcheck.h"

/* Numeric dates beyond this are refused (no overflow in arithmetic). */
#define JWT_DATE_MAX		((int64_t)1 << 52)

/* A NumericDate (RFC 7519 2): 0, or -1 if not a number, -2 if absurd. */
static int
numeric_date(json_t *o, int64_t *t)
{
	double d;

	if (json_is_integer(o)) {
		*t = (int64_t)json_integer_value(o);
	} else if (json_is_real(o)) {
		d = json_real_value(o);
		if (!(d > -(double)JWT_DATE_MAX && d < (double)JWT_DATE_MAX))
			return -2;
		*t = (int64_t)floor(d);
	} else
		return -1;
	if (*t <= -JWT_DATE_MAX || *t >= JWT_DATE_MAX)
		return -2;
	return 0;
}

/* A claim that must be a NumericDate if present; 1 if absent. */
static int
date_claim(json_t *c, const char *name, int64_t *t, char *reason,
    size_t reasonlen)
{
	json_t *o;
	int r;

	if ((o = json_object_get(c, name)) == NULL)
		return 1;
	if ((r = numeric_date(o, t)) == -1) {
		seterr(reason, reasonlen, "oauth: %s not a number", name);
		return -1;
	}
	if (r != 0) {
		seterr(reason, reasonlen, "oauth: %s out of range", name);
		return -1;
	}
	return 0;
}

int
jwt_valid_sub(const char *s, size_t len)
{
	return len > 0 && len <= JWT_SUB_MAX && !str_has_control(s);
}

static int
check_audience(const struct jwt_verifier *v, json_t *c, char *reason,
    size_t reasonlen)
{
	json_t *aud, *a;
	size_t i;
	int found = 0;

	if ((aud = json_object_get(c, "aud")) == NULL) {
		seterr(reason, reasonlen, "oauth: aud missing");
		return -1;
	}
	if (json_is_string(aud)) {
		found = strcmp(json_string_value(aud), v->audience) == 0;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, a) {
			if (!json_is_string(a)) {
				seterr(reason, reasonlen, "oauth: aud not a "
				    "string or an array of strings");
				return -1;
			}
			if (strcmp(json_string_value(a), v->audience) == 0)
				found = 1;
		}
	} else {
		seterr(reason, reasonlen, "oauth: aud not a string or an "
		    "array of strings");
		return -1;
	}
	if (!found) {
		seterr(reason, reasonlen, "oauth: audience mismatch");
		return -1;
	}
	return 0;
}

static int
roles_claim(const struct jwt_verifier *v, json_t *c, struct jwt_result *res,
    char *reason, size_t reasonlen)
{
	json_t *roles, *r;
	size_t i, n;

	if ((roles = json_object_get(c, v->roles_claim)) == NULL)
		return 0;
	if (!json_is_array(roles)) {
		seterr(reason, reasonlen, "oauth: roles claim not an array of "
		    "strings");
		return -1;
	}
	if ((n = json_array_size(roles)) > JWT_MAX_ROLES) {
		seterr(reason, reasonlen, "oauth: roles claim too large "
		    "(%zu entries, at most %d)", n, JWT_MAX_ROLES);
		return -1;
	}
	json_array_foreach(roles, i, r) {
		if (!json_is_string(r)) {
			seterr(reason, reasonlen, "oauth: roles claim not an "
			    "array of strings");
			return -1;
		}
		/*
		 * A role is a policy name: a longer one matches no Role line
		 * and would only make every answer that names it too large.
		 */
		if (json_string_length(r) > JWT_ROLE_MAX) {
			seterr(reason, reasonlen, "oauth: role longer than %d "
			    "bytes in the roles claim", JWT_ROLE_MAX);
			return -1;
		}
	}
	res->has_roles = 1;
	if (n == 0)
		return 0;
	if ((res->roles = calloc(n, sizeof(*res->roles))) == NULL)
		goto nomem;
	json_array_foreach(roles, i, r) {
		if ((res->roles[i] = strdup(json_string_value(r))) == NULL)
			goto nomem;
		res->nroles = i + 1;
	}
	return 0;
 nomem:
	seterr(reason, reasonlen, "oauth: out of memory");
	return -1;
}

/*
 * The next of the space-separated scopes from *pp on: its start, with its
 * length in *lenp and *pp moved past it; NULL when none is left.
 */
static const char *
next_scope(const char **pp, size_t *lenp)
{
	const char *p = *pp, *end;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	for (end = p; *end != '\0' && *end != ' '; end++)
		;
	*pp = end;
	*lenp = (size_t)(end - p);
	return p;
}

static int
scope_claim(json_t *c, struct jwt_result *res, char *reason,
    size_t reasonlen)
{
	json_t *o;
	const char *s, *p, *tok;
	size_t len, n = 0;

	if ((o = json_object_get(c, "scope")) == NULL)
		return 0;
	if (!json_is_string(o)) {
		seterr(reason, reasonlen, "oauth: scope not a string");
		return -1;
	}
	s = json_string_value(o);
	/* Count first, then copy: the claim is bounded by JWT_MAX. */
	for (p = s; next_scope(&p, &len) != NULL; )
		n++;
	if (n > JWT_MAX_SCOPES) {
		seterr(reason, reasonlen, "oauth: too many scopes (%zu, at "
		    "most %d)", n, JWT_MAX_SCOPES);
		return -1;
	}
	if (n == 0)
		return 0;
	if ((res->scopes = calloc(n, sizeof(*res->scopes))) == NULL)
		goto nomem;
	for (p = s; (tok = next_scope(&p, &len)) != NULL; ) {
		if ((res->scopes[res->nscopes] = strndup(tok, len)) == NULL)
			goto nomem;
		res->nscopes++;
	}
	return 0;
 nomem:
	seterr(reason, reasonlen, "oauth: out of memory");
	return -1;
}

/*
 * cnf (RFC 7800) with x5t#S256 (RFC 8705 section 3.1): the certificate
 * the token is bound to.  A cnf that binds the token to anything else
 * (a DPoP key's "jkt", a "jwk") is refused: the monitor cannot check that
 * proof, and a bound token must never be accepted unbound.
 */
static int
cnf_claim(json_t *c, struct jwt_result *res, char *reason, size_t reasonlen)
{
	json_t *cnf, *o;
	uint8_t md[32];
	size_t mdlen;

	if ((cnf = json_object_get(c, "cnf")) == NULL)
		return 0;
	if (!json_is_object(cnf)) {
		seterr(reason, reasonlen, "oauth: cnf not an object");
		return -1;
	}
	if ((o = json_object_get(cnf, "x5t#S256")) == NULL) {
		seterr(reason, reasonlen, "oauth: cnf without x5t#S256 (a "
		    "binding the monitor cannot check)");
		return -1;
	}
	if (!json_is_string(o) || json_string_length(o) != JWT_X5T_LEN ||
	    b64url_decode(json_string_value(o), JWT_X5T_LEN, md,
	    sizeof(md), &mdlen) != 0 || mdlen != sizeof(md)) {
		seterr(reason, reasonlen, "oauth: cnf x5t#S256 not the "
		    "base64url of a SHA-256 digest");
		return -1;
	}
	memcpy(res->x5t, json_string_value(o), JWT_X5T_LEN + 1);
	return 0;
}

/* The claims of a token whose signature is good. */
int
jwt_check_claims(const struct jwt_verifier *v, const uint8_t *pl,
    size_t pllen, time_t now, struct jwt_result *res, char *reason,
    size_t reasonlen)
{
	json_t *c, *o;
	json_error_t jerr;
	int64_t exp, t, tnow = (int64_t)now;
	const char *sub;
	int r, ret = -1;

	if ((c = json_loadb((const char *)pl, pllen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			seterr(reason, reasonlen, "oauth: duplicate claim");
		else
			seterr(reason, reasonlen, "oauth: payload not JSON");
		return -1;
	}
	if (!json_is_object(c)) {
		seterr(reason, reasonlen, "oauth: payload not a JSON object");
		goto out;
	}
	if ((r = date_claim(c, "exp", &exp, reason, reasonlen)) < 0)
		goto out;
	if (r == 1) {
		seterr(reason, reasonlen, "oauth: exp missing");
		goto out;
	}
	if (tnow - v->leeway >= exp) {
		seterr(reason, reasonlen, "oauth: token expired");
		goto out;
	}
	if ((r = date_claim(c, "nbf", &t, reason, reasonlen)) < 0)
		goto out;
	if (r == 0 && t > tnow + v->leeway) {
		seterr(reason, reasonlen, "oauth: token not yet valid (nbf)");
		goto out;
	}
	if ((r = date_claim(c, "iat", &t, reason, reasonlen)) < 0)
		goto out;
	if (r == 0 && t > tnow + v->leeway) {
		seterr(reason, reasonlen, "oauth: token issued in the future "
		    "(iat)");
		goto out;
	}
	if ((o = json_object_get(c, "iss")) == NULL) {
		seterr(reason, reasonlen, "oauth: iss missing");
		goto out;
	}
	if (!json_is_string(o) || strcmp(json_string_value(o),
	    v->issuer) != 0) {
		seterr(reason, reasonlen, "oauth: wrong issuer");
		goto out;
	}
	if (check_audience(v, c, reason, reasonlen) != 0)
		goto out;
	if ((o = json_object_get(c, "sub")) == NULL) {
		seterr(reason, reasonlen, "oauth: sub missing");
		goto out;
	}
	if (!json_is_string(o) ||
	    !jwt_valid_sub(sub = json_string_value(o), json_string_length(o))) {
		seterr(reason, reasonlen, "oauth: bad sub (a non-empty string "
		    "of at most %d bytes without control characters)",
		    JWT_SUB_MAX);
		goto out;
	}
	if ((res->sub = strdup(sub)) == NULL) {
		seterr(reason, reasonlen, "oauth: out of memory");
		goto out;
	}
	if (roles_claim(v, c, res, reason, reasonlen) != 0 ||
	    scope_claim(c, res, reason, reasonlen) != 0 ||
	    cnf_claim(c, res, reason, reasonlen) != 0)
		goto out;
	res->exp = (time_t)exp;
	ret = 0;
 out:
	json_decref(c);
	if (ret != 0)
		jwt_result_clear(res);
	return ret;
}
