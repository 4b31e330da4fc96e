/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_verify.c - the whole pipeline for one credential presented for one
 * local user: bound it, classify it, verify its MAC, check its claims and
 * map its external id to the local user.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at.h"
#include "at_internal.h"

const char *
at_method_name(enum at_method m)
{
	switch (m) {
	case AT_METHOD_JWT:
		return "jwt";
	case AT_METHOD_HMAC:
		return "hmac";
	case AT_METHOD_NONE:
		break;
	}
	return "none";
}

/*
 * HMAC credential: HMAC-SHA256(secret, external_id) for an external id
 * that belongs to user.  Only ids the map sends to user are tried (or the
 * user name itself when there is no map), so a valid HMAC for somebody
 * else never matches.
 */
static enum at_err
verify_hmac(struct at_verifier *v, const unsigned char tag[AT_MAC_LEN],
	    const char *user, struct at_claims *claims)
{
	enum at_err r = AT_ERR_SIGNATURE;
	const char *id = NULL, *cand;
	char mapped[AT_MAX_SUB + 1];
	size_t pos = 0;
	int index = -1;
	bool candidate = false;

	if (!v->has_map) {
		candidate = true;
		if ((r = at_verifier_check_mac(v, AT_METHOD_HMAC, user,
					       strlen(user), tag, AT_MAC_LEN,
					       &index)) == AT_OK)
			id = user;
	} else {
		/* The user's ids through the map's reverse index. */
		while (id == NULL) {
			enum at_err nr = at_verifier_map_next_id(v, user, &pos,
								 &cand);

			if (nr != AT_OK) {
				r = nr;
				goto out;
			}
			if (cand == NULL)
				break;
			candidate = true;
			r = at_verifier_check_mac(v, AT_METHOD_HMAC, cand,
						  strlen(cand), tag,
						  AT_MAC_LEN, &index);
			if (r == AT_OK)
				id = cand;
			else if (r != AT_ERR_SIGNATURE)
				goto out;
		}
	}
	if (!candidate) {
		r = AT_ERR_NOT_MAPPED;
		goto out;
	}
	if (id == NULL) {
		if (r == AT_OK)
			r = AT_ERR_INTERNAL;
		goto out;
	}
	/* The reverse index named id for user; the forward one must agree
	 * (a compiled index is input too). */
	if (v->has_map &&
	    ((r = at_verifier_map_find(v, id, mapped, sizeof(mapped))) !=
		     AT_OK ||
	     strcmp(mapped, user) != 0)) {
		if (r == AT_OK || r == AT_ERR_NOT_MAPPED) {
			at_log(v->log, LOG_ERR,
			       "user map: the two indexes disagree (run "
			       "agentictrust map compile again)");
			r = AT_ERR_FILE;
		}
		goto out;
	}
	r = AT_ERR_NOMEM;
	claims->secret_index = index;
	if ((claims->sub = strdup(id)) == NULL ||
	    (claims->local_user = strdup(user)) == NULL)
		goto out;
	r = AT_OK;
out:
	return r;
}

/* JWT credential: verified token whose sub maps to user. */
static enum at_err
verify_jwt(struct at_verifier *v, const char *tok, size_t len,
	   const char *user, struct at_claims *claims)
{
	enum at_err r;
	const char *local = NULL;
	char mapped[AT_MAX_SUB + 1];

	if ((r = at_jwt_verify(v, tok, len, claims)) != AT_OK)
		goto out;
	if (v->has_map) {
		r = at_verifier_map_find(v, claims->sub, mapped,
					 sizeof(mapped));
		if (r != AT_OK)
			goto out;
		local = mapped;
	} else {
		local = claims->sub;
	}
	if ((claims->local_user = strdup(local)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	r = AT_ERR_USER_MISMATCH;
	if (strcmp(local, user) != 0)
		goto out;
	r = AT_OK;
out:
	return r;
}

enum at_err
at_verify_credential(struct at_verifier *v, const char *cred, size_t len,
		     const char *user, struct at_claims *claims)
{
	enum at_err r = AT_ERR_INTERNAL;
	enum at_mode mode = v->cfg->mode;
	unsigned char tag[AT_MAC_LEN];

	at_claims_clear(claims);
	at_trim(&cred, &len);
	if (len == 0) {
		r = AT_ERR_EMPTY;
		goto out;
	}
	if (len > AT_MAX_CREDENTIAL) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	/* A PAM conversation answer ends at its first NUL: a caller that
	 * passes bytes after one would judge what the module never sees. */
	if (memchr(cred, '\0', len) != NULL) {
		r = AT_ERR_FORMAT;
		goto out;
	}
	/* 64 hex digits are an HMAC credential: classified and decoded in
	 * one pass. */
	if (len == AT_HMAC_HEX_LEN &&
	    at_hex_decode(cred, len, tag, sizeof(tag)) == AT_OK)
		claims->method = AT_METHOD_HMAC;
	else if (memchr(cred, '.', len) != NULL)
		claims->method = AT_METHOD_JWT;
	else {
		r = AT_ERR_FORMAT;
		goto out;
	}
	if ((claims->method == AT_METHOD_HMAC && mode == AT_MODE_JWT) ||
	    (claims->method == AT_METHOD_JWT && mode == AT_MODE_HMAC)) {
		r = AT_ERR_METHOD;
		goto out;
	}
	if (claims->method == AT_METHOD_HMAC)
		r = verify_hmac(v, tag, user, claims);
	else
		r = verify_jwt(v, cred, len, user, claims);
out:
	at_wipe(tag, sizeof(tag));
	return r;
}

const char *
at_truncation_hint(size_t len)
{
	/* A buffer size minus its NUL.  PAM_MAX_RESP_SIZE is 512. */
	switch (len) {
	case 255:
		return "getpass-style clients send at most 255 bytes";
	case 511:
		return "clients with PAM_MAX_RESP_SIZE buffers send at most 511 "
		       "bytes; sudo refuses longer answers";
	case 1023:
		return "OpenSSH's ssh sends at most 1023 bytes";
	case 4095:
		return "a terminal in canonical mode passes at most 4095 bytes "
		       "per line";
	default:
		return NULL;
	}
}
