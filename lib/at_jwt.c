/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_jwt.c - HS256 JWS compact serialization (RFC 7515) and JWT claims
 * (RFC 7519), verified the way RFC 8725 asks: the algorithm pinned, the
 * MAC checked over the raw signing input before any JSON is parsed, and
 * every claim type-checked.
 *
 * libjwt is deliberately not used here: Debian 12's libjwt 1.10.2 parses
 * before verifying, accepts HS384/HS512, skips verification for an empty
 * key and keeps the last of duplicate keys.  It only mints tokens (tools/)
 * and cross-checks this code in tests.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <jansson.h>

#include "at.h"
#include "at_internal.h"

#define AT_MAX_KID 128

/* Header parameters that change how a JWS is processed (RFC 7515 4.1,
 * RFC 7516, RFC 7797): a verifier pinned to HS256 never honours them. */
static const char *const forbidden_headers[] = {
	"crit", "jku", "x5u", "jwk", "x5c", "cty", "enc", "zip", "b64",
};

void
at_claims_init(struct at_claims *c)
{
	memset(c, 0, sizeof(*c));
	c->method = AT_METHOD_NONE;
	c->secret_index = -1;
}

void
at_claims_clear(struct at_claims *c)
{
	if (c == NULL)
		return;
	free(c->sub);
	free(c->email);
	free(c->name);
	free(c->iss);
	free(c->kid);
	free(c->local_user);
	free(c->jti);
	at_claims_init(c);
}

/*
 * Parse JSON bytes that must form one object: no duplicate keys, no NUL
 * inside strings (jansson's default), nothing after the value.
 */
static enum at_err
parse_object(const unsigned char *buf, size_t len, json_t **out)
{
	json_error_t err;
	json_t *j;

	*out = NULL;
	/*
	 * jansson sets the error code (kept in the text's last byte) only
	 * for errors it reports; when lex_init() runs out of memory it
	 * returns NULL with that byte untouched (found by test_at_oom under
	 * valgrind).  Zero it: an unknown code reads as bad_json.
	 */
	memset(&err, 0, sizeof(err));
	j = json_loadb((const char *)buf, len,
		       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (j == NULL) {
		if (json_error_code(&err) == json_error_duplicate_key)
			return AT_ERR_DUPLICATE_KEY;
		if (json_error_code(&err) == json_error_out_of_memory)
			return AT_ERR_NOMEM;
		return AT_ERR_JSON;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return AT_ERR_NOT_OBJECT;
	}
	*out = j;
	return AT_OK;
}

static enum at_err
check_header(json_t *hdr, struct at_claims *claims)
{
	json_t *alg, *typ, *kid;
	size_t i;

	/* RFC 8725 3.1: the verifier, not the token, decides the algorithm. */
	alg = json_object_get(hdr, "alg");
	if (!json_is_string(alg) || json_string_length(alg) != 5 ||
	    strcmp(json_string_value(alg), "HS256") != 0)
		return AT_ERR_ALG;
	/* RFC 7519 5.1: typ, when present, is "JWT" in any case. */
	typ = json_object_get(hdr, "typ");
	if (typ != NULL &&
	    (!json_is_string(typ) || json_string_length(typ) != 3 ||
	     strcasecmp(json_string_value(typ), "JWT") != 0))
		return AT_ERR_TYP;
	for (i = 0; i < sizeof(forbidden_headers) / sizeof(*forbidden_headers);
	     i++)
		if (json_object_get(hdr, forbidden_headers[i]) != NULL)
			return AT_ERR_HEADER;
	/* kid only labels log lines; it never selects a key or a path. */
	kid = json_object_get(hdr, "kid");
	if (kid != NULL && !json_is_string(kid))
		return AT_ERR_HEADER;
	if (kid != NULL && json_string_length(kid) <= AT_MAX_KID &&
	    at_str_printable(json_string_value(kid), json_string_length(kid))) {
		if ((claims->kid = strdup(json_string_value(kid))) == NULL)
			return AT_ERR_NOMEM;
	}
	return AT_OK;
}

/*
 * The header jsonwebtoken emits, {"alg":"HS256","typ":"JWT"}, as its
 * segment.  Strict base64url gives a byte string exactly one spelling, so
 * this segment, and no other, decodes to those 27 bytes; and those bytes
 * parse to alg "HS256", typ "JWT", no other parameter: check_header()'s
 * verdict on them is known (AT_OK, no kid) without jansson.
 */
static const char common_header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/*
 * Room for the decoded header and payload of the longest credential, each
 * followed by a NUL: together they decode from fewer than
 * AT_MAX_CREDENTIAL characters, 3 bytes for every 4.
 */
#define AT_JWS_BUF (AT_MAX_CREDENTIAL / 4 * 3 + 2)

/* Decode one segment into buf at *used, NUL-terminated; advance *used. */
static enum at_err
decode_into(const char *seg, size_t len, unsigned char *buf, size_t cap,
	    size_t *used, size_t *outlen)
{
	if (*used >= cap ||
	    at_b64url_decode(seg, len, buf + *used, cap - *used - 1,
			     outlen) != AT_OK)
		return AT_ERR_BASE64;
	buf[*used + *outlen] = '\0';
	*used += *outlen + 1;
	return AT_OK;
}

/*
 * at_jws_verify() into the caller's buffer (AT_JWS_BUF bytes: no
 * allocation): on AT_OK *payload points into buf.  *used is how much of
 * buf holds decoded bytes, for the caller to wipe, whatever the result.
 */
static enum at_err
jws_verify(struct at_verifier *v, const char *tok, size_t len,
	   struct at_claims *claims, unsigned char *buf, size_t cap,
	   size_t *used, const unsigned char **payload, size_t *payload_len)
{
	enum at_err r = AT_ERR_INTERNAL;
	const char *dot1, *dot2, *hseg, *pseg, *sseg;
	size_t hlen, plen, slen, siglen = 0, hdrlen = 0, poff;
	unsigned char sig[AT_MAC_LEN];
	json_t *hdr = NULL;
	int index = -1;
	bool common;

	*used = 0;
	*payload = NULL;
	*payload_len = 0;
	if (len > AT_MAX_CREDENTIAL) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	/* RFC 7515 7.1: exactly three segments, BASE64URL, '.'-separated. */
	r = AT_ERR_FORMAT;
	hseg = tok;
	if ((dot1 = memchr(tok, '.', len)) == NULL)
		goto out;
	hlen = (size_t)(dot1 - tok);
	pseg = dot1 + 1;
	if ((dot2 = memchr(pseg, '.', len - hlen - 1)) == NULL)
		goto out;
	plen = (size_t)(dot2 - pseg);
	sseg = dot2 + 1;
	slen = len - hlen - plen - 2;
	if (memchr(sseg, '.', slen) != NULL)
		goto out;
	/* Strict base64url, each segment validated and decoded in one pass
	 * (header, payload, signature: the order of the verdicts). */
	common = hlen == sizeof(common_header) - 1 &&
		 memcmp(hseg, common_header, hlen) == 0;
	if (!common &&
	    (r = decode_into(hseg, hlen, buf, cap, used, &hdrlen)) != AT_OK)
		goto out;
	poff = *used;
	if ((r = decode_into(pseg, plen, buf, cap, used, payload_len)) !=
	    AT_OK)
		goto out;
	if (at_b64url_decoded_len(slen) != AT_MAC_LEN) {
		r = at_b64url_check(sseg, slen) == AT_OK ? AT_ERR_SIG_LENGTH :
							   AT_ERR_BASE64;
		goto out;
	}
	if ((r = at_b64url_decode(sseg, slen, sig, sizeof(sig), &siglen)) !=
	    AT_OK)
		goto out;
	/* RFC 7515 5.2 step 8 / RFC 8725 3.1: MAC first, JSON after. */
	/* Only the JWT secrets: an HMAC credential for the id "h.p" is this
	 * very MAC under an HMAC secret (one key, two protocols). */
	r = at_verifier_check_mac(v, AT_METHOD_JWT, tok, hlen + 1 + plen, sig,
				  siglen, &index);
	if (r != AT_OK)
		goto out;
	claims->secret_index = index;
	/* Only now: input whose MAC did not verify may be a password. */
	if (v->sha256 == NULL && (r = at_sha256_new(&v->sha256)) != AT_OK)
		goto out;
	if ((r = at_sha256_fingerprint(v->sha256, tok, len, claims->fp)) !=
	    AT_OK)
		goto out;
	/* Any header but the common one is parsed and checked in full. */
	if (!common) {
		if ((r = parse_object(buf, hdrlen, &hdr)) != AT_OK)
			goto out;
		if ((r = check_header(hdr, claims)) != AT_OK)
			goto out;
	}
	*payload = buf + poff;
	r = AT_OK;
out:
	if (r != AT_OK) {
		*payload = NULL;
		*payload_len = 0;
	}
	at_wipe(sig, sizeof(sig));
	json_decref(hdr);
	return r;
}

enum at_err
at_jws_verify(struct at_verifier *v, const char *tok, size_t len,
	      struct at_claims *claims, unsigned char **payload,
	      size_t *payload_len)
{
	enum at_err r;
	unsigned char buf[AT_JWS_BUF];
	const unsigned char *p = NULL;
	size_t used = 0, plen = 0;

	*payload = NULL;
	*payload_len = 0;
	r = jws_verify(v, tok, len, claims, buf, sizeof(buf), &used, &p,
		       &plen);
	if (r != AT_OK)
		goto out;
	if ((*payload = malloc(plen + 1)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	memcpy(*payload, p, plen + 1);
	*payload_len = plen;
out:
	at_wipe(buf, used);
	return r;
}

/*
 * A NumericDate (RFC 7519 section 2): a JSON number, integer or fraction,
 * finite, in [0, 2^53).  Strings, booleans and null are refused: a
 * verifier that coerces "exp":"9999999999" is a verifier that can be
 * lied to.
 */
static enum at_err
get_time(json_t *obj, const char *name, bool *has, double *val)
{
	json_t *j = json_object_get(obj, name);
	double d;

	*has = false;
	*val = 0;
	if (j == NULL)
		return AT_OK;
	if (json_is_integer(j)) {
		json_int_t i = json_integer_value(j);

		if (i < 0 || (double)i >= AT_MAX_TIME_CLAIM)
			return AT_ERR_TIME_CLAIM;
		d = (double)i;
	} else if (json_is_real(j)) {
		d = json_real_value(j);
		if (!isfinite(d) || d < 0 || d >= AT_MAX_TIME_CLAIM)
			return AT_ERR_TIME_CLAIM;
	} else {
		return AT_ERR_TIME_CLAIM;
	}
	*has = true;
	*val = d;
	return AT_OK;
}

/* An optional string claim of at most AT_MAX_CLAIM bytes, copied: iss. */
static enum at_err
get_string(json_t *obj, const char *name, enum at_err bad, char **out)
{
	json_t *j = json_object_get(obj, name);

	*out = NULL;
	if (j == NULL)
		return AT_OK;
	/* jansson refuses \u0000 by default; the strlen check keeps a C
	 * string copy from silently cutting a value should that change. */
	if (!json_is_string(j) || json_string_length(j) > AT_MAX_CLAIM ||
	    strlen(json_string_value(j)) != json_string_length(j))
		return bad;
	if ((*out = strdup(json_string_value(j))) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

/*
 * An optional display claim (email, name): shown to people and exported
 * to the session, never used to decide anything.  A value that is not a
 * string makes the token malformed (bad_claim).  A string longer than
 * AT_MAX_CLAIM bytes, or one with a control character, is dropped: the
 * token stays valid, *out stays NULL and *drop says why (the module logs
 * it).  jansson refuses \u0000 by default; at_str_printable() would
 * count an inner NUL as a control byte should that change.
 */
static enum at_err
get_display(json_t *obj, const char *name, char **out, enum at_drop *drop)
{
	json_t *j = json_object_get(obj, name);

	*out = NULL;
	*drop = AT_DROP_NONE;
	if (j == NULL)
		return AT_OK;
	if (!json_is_string(j))
		return AT_ERR_CLAIM;
	if (json_string_length(j) > AT_MAX_CLAIM) {
		*drop = AT_DROP_TOO_LONG;
		return AT_OK;
	}
	if (!at_str_printable(json_string_value(j), json_string_length(j))) {
		*drop = AT_DROP_UNPRINTABLE;
		return AT_OK;
	}
	if ((*out = strdup(json_string_value(j))) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

/*
 * RFC 7519 4.1.7: jti, optional.  It names the token in the state store
 * (single_use), so a present jti must be a printable string of 1 to
 * AT_MAX_SUB bytes: anything else is bad_claim rather than silently
 * ignored.
 */
static enum at_err
get_jti(json_t *obj, char **out)
{
	json_t *j = json_object_get(obj, "jti");

	*out = NULL;
	if (j == NULL)
		return AT_OK;
	if (!json_is_string(j) || json_string_length(j) == 0 ||
	    json_string_length(j) > AT_MAX_SUB ||
	    !at_str_printable(json_string_value(j), json_string_length(j)))
		return AT_ERR_CLAIM;
	if ((*out = strdup(json_string_value(j))) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

/* RFC 7519 4.1.3: aud is one string or an array of strings. */
static enum at_err
check_audience(json_t *aud, const char *want)
{
	json_t *item;
	size_t i;
	bool found = false;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0 ?
			       AT_OK :
			       AT_ERR_AUDIENCE;
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return AT_ERR_AUDIENCE;
	json_array_foreach(aud, i, item) {
		if (!json_is_string(item))
			return AT_ERR_AUDIENCE;
		if (strcmp(json_string_value(item), want) == 0)
			found = true;
	}
	return found ? AT_OK : AT_ERR_AUDIENCE;
}

enum at_err
at_jwt_check_claims(const struct at_config *cfg, const unsigned char *payload,
		    size_t payload_len, time_t now, struct at_claims *claims)
{
	enum at_err r;
	json_t *obj = NULL, *sub, *aud;
	double tnow = (double)now, leeway = (double)cfg->leeway;

	if ((r = parse_object(payload, payload_len, &obj)) != AT_OK)
		goto out;
	/* sub: the external id; it names a user, so it must be loggable. */
	r = AT_ERR_SUB;
	sub = json_object_get(obj, "sub");
	if (!json_is_string(sub) || json_string_length(sub) == 0 ||
	    json_string_length(sub) > AT_MAX_SUB ||
	    !at_str_printable(json_string_value(sub), json_string_length(sub)))
		goto out;
	if ((claims->sub = strdup(json_string_value(sub))) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	if ((r = get_time(obj, "exp", &claims->has_exp, &claims->exp)) !=
		    AT_OK ||
	    (r = get_time(obj, "nbf", &claims->has_nbf, &claims->nbf)) !=
		    AT_OK ||
	    (r = get_time(obj, "iat", &claims->has_iat, &claims->iat)) != AT_OK)
		goto out;
	if ((r = get_string(obj, "iss", AT_ERR_ISSUER, &claims->iss)) !=
		    AT_OK ||
	    (r = get_display(obj, "email", &claims->email,
			     &claims->email_drop)) != AT_OK ||
	    (r = get_display(obj, "name", &claims->name,
			     &claims->name_drop)) != AT_OK ||
	    (r = get_jti(obj, &claims->jti)) != AT_OK)
		goto out;
	/* RFC 7519 4.1.4-4.1.6, with leeway for clock skew. */
	r = AT_ERR_NO_EXP;
	if (!claims->has_exp && !cfg->allow_no_exp)
		goto out;
	if (claims->has_exp && (r = at_exp_check(claims->exp, cfg->leeway,
						 now)) != AT_OK)
		goto out;
	r = AT_ERR_NOT_YET;
	if (claims->has_nbf && claims->nbf > tnow + leeway)
		goto out;
	r = AT_ERR_IAT_FUTURE;
	if (claims->has_iat && claims->iat > tnow + leeway)
		goto out;
	if (cfg->max_ttl > 0) {
		r = AT_ERR_NO_IAT;
		if (!claims->has_iat || !claims->has_exp)
			goto out;
		r = AT_ERR_TTL;
		if (claims->exp - claims->iat > (double)cfg->max_ttl)
			goto out;
	}
	r = AT_ERR_ISSUER;
	if (cfg->issuer != NULL &&
	    (claims->iss == NULL || strcmp(claims->iss, cfg->issuer) != 0))
		goto out;
	if (cfg->audience != NULL) {
		aud = json_object_get(obj, "aud");
		if ((r = check_audience(aud, cfg->audience)) != AT_OK)
			goto out;
	}
	r = AT_OK;
out:
	json_decref(obj);
	return r;
}

enum at_err
at_jwt_verify(struct at_verifier *v, const char *tok, size_t len,
	      struct at_claims *claims)
{
	enum at_err r;
	unsigned char buf[AT_JWS_BUF];
	const unsigned char *payload = NULL;
	size_t used = 0, payload_len = 0;

	r = jws_verify(v, tok, len, claims, buf, sizeof(buf), &used, &payload,
		       &payload_len);
	if (r != AT_OK)
		goto out;
	r = at_jwt_check_claims(v->cfg, payload, payload_len,
				at_verifier_now(v), claims);
out:
	at_wipe(buf, used);
	return r;
}

enum at_err
at_exp_check(double exp, unsigned int leeway, time_t now)
{
	/* RFC 7519 4.1.4: the token is invalid on or after exp.  Written so
	 * that a NaN exp (not from lib's parser, which refuses it, but
	 * from a caller of this public function) counts as expired. */
	return (double)now < exp + (double)leeway ? AT_OK : AT_ERR_EXPIRED;
}
