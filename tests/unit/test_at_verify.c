/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_verify.c - lib/at_verify.c: at_verify_credential(), the whole
 * pipeline for one credential presented for one local user: trimming and
 * shape, the mode, and the identity rules (sub vs user, the user map,
 * HMAC candidates, key rotation).  The clock is always the injected one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at.h"
#include "test_common.h"
#include "unit_test.h"

#define NOW 1700000000
#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static int
setup(void **state)
{
	struct unit_verifier *f = unit_verifier_new(NOW);

	if (f == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	unit_verifier_free(*state);
	return 0;
}

static enum at_err
verify_n(struct unit_verifier *f, const char *cred, size_t len,
	 const char *user)
{
	return at_verify_credential(f->v, cred, len, user, &f->claims);
}

static enum at_err
verify(struct unit_verifier *f, const char *cred, const char *user)
{
	return verify_n(f, cred, strlen(cred), user);
}

/* A fresh token for sub, valid at NOW; free the result. */
static char *
jwt_for(const char *sub)
{
	return test_token(sub, NOW - 10, NOW + 300, TEST_SECRET);
}

static char *
hmac_for(const char *id)
{
	return test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET), id);
}

static void
add_map(struct unit_verifier *f, const char *id, const char *user)
{
	assert_at(at_verifier_add_mapping(f->v, id, user), AT_OK);
}

/*
 * A correctly signed token of exactly total bytes: the payload carries a
 * "pad" claim sized so the compact form has that length.
 */
static char *
token_of_length(size_t total)
{
	static const char prefix[] = "{\"sub\":\"alice\",\"exp\":1700000300,"
				     "\"pad\":\"";
	/* header 36 + '.' + payload + '.' + 43 */
	size_t b64_payload = total - 36 - 2 - 43, plen, padlen;
	char *payload, *tok;

	assert_true(b64_payload % 4 != 1);
	plen = b64_payload / 4 * 3 +
	       (b64_payload % 4 ? b64_payload % 4 - 1 : 0);
	padlen = plen - strlen(prefix) - 2;
	/* abort(), not assert_non_null(): gcc -O2 (ASan build) must know
	 * that the memset below never sees NULL. */
	if ((payload = malloc(plen + 1)) == NULL)
		abort();
	memcpy(payload, prefix, strlen(prefix));
	memset(payload + strlen(prefix), 'p', padlen);
	memcpy(payload + strlen(prefix) + padlen, "\"}", 3);
	assert_int_equal(strlen(payload), plen);
	tok = test_jws_sign(HDR, payload, TEST_SECRET, strlen(TEST_SECRET));
	free(payload);
	assert_int_equal(strlen(tok), total);
	return tok;
}

/* ------------------------------------------------------------------ */
/* shape */

static void
test_shape_empty(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify(f, "", "alice"), AT_ERR_EMPTY);
	assert_string_equal(at_err_reason(AT_ERR_EMPTY), "empty");
	assert_int_equal(f->claims.method, AT_METHOD_NONE);
}

static void
test_shape_whitespace_only(void **state)
{
	assert_at(verify(*state, " \t\r\n\v\f ", "alice"), AT_ERR_EMPTY);
}

static void
test_shape_too_long(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = token_of_length(AT_MAX_CREDENTIAL + 1);

	assert_at(verify(f, tok, "alice"), AT_ERR_TOO_LONG);
	assert_string_equal(at_err_reason(AT_ERR_TOO_LONG), "too_long");
	free(tok);
}

static void
test_shape_too_long_junk(void **state)
{
	struct unit_verifier *f = *state;
	char *junk = malloc(AT_MAX_CREDENTIAL + 2);

	assert_non_null(junk);
	memset(junk, 'a', AT_MAX_CREDENTIAL + 1);
	junk[AT_MAX_CREDENTIAL + 1] = '\0';
	assert_at(verify(f, junk, "alice"), AT_ERR_TOO_LONG);
	/* The limit is after trimming: 4096 bytes are not too long. */
	assert_at(verify_n(f, junk, AT_MAX_CREDENTIAL, "alice"), AT_ERR_FORMAT);
	free(junk);
}

static void
test_shape_exactly_4096_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = token_of_length(AT_MAX_CREDENTIAL);

	assert_at(verify(f, tok, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_JWT);
	free(tok);
}

static void
test_shape_4096_after_trim_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = token_of_length(AT_MAX_CREDENTIAL), *padded;

	assert_true(asprintf(&padded, "  \t%s\r\n ", tok) > 0);
	assert_true(strlen(padded) > AT_MAX_CREDENTIAL);
	assert_at(verify(f, padded, "alice"), AT_OK);
	free(tok);
	free(padded);
}

static void
test_shape_neither_hex_nor_jwt(void **state)
{
	struct unit_verifier *f = *state;
	/* 64 characters, but not all hex. */
	static const char almost[] = "0123456789abcdef0123456789abcdef012345678"
				     "9abcdef0123456789abcdeg";

	assert_int_equal(strlen(almost), 64);
	assert_at(verify(f, "hunter2", "alice"), AT_ERR_FORMAT);
	assert_at(verify(f, almost, "alice"), AT_ERR_FORMAT);
	assert_string_equal(at_err_reason(AT_ERR_FORMAT), "malformed");
}

static void
test_shape_63_hex(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	hex[63] = '\0';
	assert_at(verify(f, hex, "alice"), AT_ERR_FORMAT);
	free(hex);
}

static void
test_shape_65_hex(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice"), *longer;

	assert_true(asprintf(&longer, "%s0", hex) > 0);
	assert_at(verify(f, longer, "alice"), AT_ERR_FORMAT);
	free(hex);
	free(longer);
}

static void
test_shape_trimmed_hmac_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice"), *padded;

	assert_true(asprintf(&padded, " \t%s\r\n", hex) > 0);
	assert_at(verify(f, padded, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_HMAC);
	free(hex);
	free(padded);
}

static void
test_shape_trimmed_jwt_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice"), *padded;

	assert_true(asprintf(&padded, "\n  %s \n", tok) > 0);
	assert_at(verify(f, padded, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_JWT);
	free(tok);
	free(padded);
}

static void
test_shape_embedded_nul_hmac(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice"), buf[AT_HMAC_HEX_LEN + 8];

	/* NUL replacing a digit, within the given length. */
	memcpy(buf, hex, AT_HMAC_HEX_LEN);
	buf[20] = '\0';
	assert_at(verify_n(f, buf, AT_HMAC_HEX_LEN, "alice"), AT_ERR_FORMAT);
	/* The right 64 digits followed by a NUL and more. */
	memcpy(buf, hex, AT_HMAC_HEX_LEN);
	memcpy(buf + AT_HMAC_HEX_LEN, "\0ab", 3);
	assert_at(verify_n(f, buf, AT_HMAC_HEX_LEN + 3, "alice"),
		  AT_ERR_FORMAT);
	/* Control: the 64 digits alone. */
	assert_at(verify_n(f, buf, AT_HMAC_HEX_LEN, "alice"), AT_OK);
	free(hex);
}

static void
test_shape_embedded_nul_jwt(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice"), *buf;
	size_t n = strlen(tok);

	buf = malloc(n + 8);
	assert_non_null(buf);
	/* The right token, then a NUL and more inside the length: what a
	 * PAM conversation would cut to the token is refused whole, so no
	 * caller can judge other bytes than the module sees. */
	memcpy(buf, tok, n);
	memcpy(buf + n, "\0xyz", 4);
	assert_at(verify_n(f, buf, n + 4, "alice"), AT_ERR_FORMAT);
	assert_string_equal(at_err_reason(AT_ERR_FORMAT), "malformed");
	/* A NUL in the middle of the payload segment. */
	memcpy(buf, tok, n);
	buf[strchr(tok, '.') - tok + 3] = '\0';
	assert_at(verify_n(f, buf, n, "alice"), AT_ERR_FORMAT);
	/* In the header, first, last (trailing NUL inside the length). */
	memcpy(buf, tok, n);
	buf[2] = '\0';
	assert_at(verify_n(f, buf, n, "alice"), AT_ERR_FORMAT);
	buf[0] = '\0';
	memcpy(buf + 1, tok, n);
	assert_at(verify_n(f, buf, n + 1, "alice"), AT_ERR_FORMAT);
	memcpy(buf, tok, n);
	buf[n] = '\0';
	assert_at(verify_n(f, buf, n + 1, "alice"), AT_ERR_FORMAT);
	/* White space around a NUL is trimmed; the NUL is not. */
	assert_at(verify_n(f, " \0 ", 3, "alice"), AT_ERR_FORMAT);
	assert_at(verify_n(f, "\0", 1, "alice"), AT_ERR_FORMAT);
	assert_int_equal(f->claims.method, AT_METHOD_NONE);
	/* Control. */
	memcpy(buf, tok, n);
	assert_at(verify_n(f, buf, n, "alice"), AT_OK);
	free(tok);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* mode */

static void
test_mode_jwt_refuses_hmac(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	f->cfg.mode = AT_MODE_JWT;
	assert_at(verify(f, hex, "alice"), AT_ERR_METHOD);
	assert_string_equal(at_err_reason(AT_ERR_METHOD), "method_not_allowed");
	f->cfg.mode = AT_MODE_ANY;
	assert_at(verify(f, hex, "alice"), AT_OK);
	free(hex);
}

static void
test_mode_hmac_refuses_jwt(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	f->cfg.mode = AT_MODE_HMAC;
	assert_at(verify(f, tok, "alice"), AT_ERR_METHOD);
	f->cfg.mode = AT_MODE_ANY;
	assert_at(verify(f, tok, "alice"), AT_OK);
	free(tok);
}

static void
test_mode_matching_kind_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice"), *hex = hmac_for("alice");

	f->cfg.mode = AT_MODE_JWT;
	assert_at(verify(f, tok, "alice"), AT_OK);
	f->cfg.mode = AT_MODE_HMAC;
	assert_at(verify(f, hex, "alice"), AT_OK);
	free(tok);
	free(hex);
}

/* ------------------------------------------------------------------ */
/* JWT identity */

static void
test_jwt_no_map_sub_is_user(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	assert_at(verify(f, tok, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_JWT);
	assert_string_equal(f->claims.sub, "alice");
	assert_string_equal(f->claims.local_user, "alice");
	assert_int_equal(f->claims.secret_index, 0);
	free(tok);
}

static void
test_jwt_no_map_case_differs(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	assert_at(verify(f, tok, "Alice"), AT_ERR_USER_MISMATCH);
	assert_string_equal(at_err_reason(AT_ERR_USER_MISMATCH),
			    "user_mismatch");
	assert_at(verify(f, tok, "alice "), AT_ERR_USER_MISMATCH);
	assert_at(verify(f, tok, "alic"), AT_ERR_USER_MISMATCH);
	assert_at(verify(f, tok, "bob"), AT_ERR_USER_MISMATCH);
	free(tok);
}

static void
test_jwt_map_sub_not_mapped(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	add_map(f, "agent-7", "bob");
	/* sub equals the user name, but a map is in force. */
	assert_at(verify(f, tok, "alice"), AT_ERR_NOT_MAPPED);
	assert_string_equal(at_err_reason(AT_ERR_NOT_MAPPED),
			    "user_not_mapped");
	free(tok);
}

static void
test_jwt_map_mapped_to_other_user(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("agent-7");

	add_map(f, "agent-7", "bob");
	add_map(f, "agent-8", "alice");
	assert_at(verify(f, tok, "alice"), AT_ERR_USER_MISMATCH);
	free(tok);
}

static void
test_jwt_map_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("agent-8");

	add_map(f, "agent-7", "bob");
	add_map(f, "agent-8", "alice");
	assert_at(verify(f, tok, "alice"), AT_OK);
	assert_string_equal(f->claims.sub, "agent-8");
	assert_string_equal(f->claims.local_user, "alice");
	assert_int_equal(f->claims.secret_index, 0);
	free(tok);
}

static void
test_jwt_map_id_case_sensitive(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("Agent-8");

	add_map(f, "agent-8", "alice");
	assert_at(verify(f, tok, "alice"), AT_ERR_NOT_MAPPED);
	free(tok);
}

static void
test_jwt_empty_map_file_maps_nobody(void **state)
{
	struct unit_verifier *f = *state;
	char *dir = test_mkdtemp(), *path = test_path(dir, "map");
	char *tok = jwt_for("alice");

	assert_int_equal(test_write_file(path, "# empty\n", 0644), 0);
	assert_at(at_verifier_load_user_map(f->v, path, getuid()), AT_OK);
	assert_at(verify(f, tok, "alice"), AT_ERR_NOT_MAPPED);
	test_rmdir(dir);
	free(dir);
	free(path);
	free(tok);
}

static void
test_jwt_expired_through_pipeline(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	f->now = NOW + 300 + AT_DEFAULT_LEEWAY;
	assert_at(verify(f, tok, "alice"), AT_ERR_EXPIRED);
	f->now = NOW + 300 + AT_DEFAULT_LEEWAY - 1;
	assert_at(verify(f, tok, "alice"), AT_OK);
	free(tok);
}

static void
test_jwt_bad_signature_through_pipeline(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET2);

	assert_at(verify(f, tok, "alice"), AT_ERR_SIGNATURE);
	assert_null(f->claims.sub);
	assert_null(f->claims.local_user);
	free(tok);
}

/* ------------------------------------------------------------------ */
/* HMAC identity */

static void
test_hmac_no_map_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	assert_at(verify(f, hex, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_HMAC);
	assert_string_equal(f->claims.sub, "alice");
	assert_string_equal(f->claims.local_user, "alice");
	assert_int_equal(f->claims.secret_index, 0);
	free(hex);
}

static void
test_hmac_other_users_id(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("bob");

	assert_at(verify(f, hex, "alice"), AT_ERR_SIGNATURE);
	assert_null(f->claims.sub);
	assert_null(f->claims.local_user);
	assert_int_equal(f->claims.secret_index, -1);
	free(hex);
}

static void
test_hmac_case_of_user_matters(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	assert_at(verify(f, hex, "Alice"), AT_ERR_SIGNATURE);
	free(hex);
}

static void
test_hmac_uppercase_hex_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");
	size_t i;

	for (i = 0; hex[i] != '\0'; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	assert_at(verify(f, hex, "alice"), AT_OK);
	free(hex);
}

static void
test_hmac_wrong_key(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = test_hmac_hex(TEST_SECRET2, strlen(TEST_SECRET2), "alice");

	assert_at(verify(f, hex, "alice"), AT_ERR_SIGNATURE);
	free(hex);
}

static void
test_hmac_flipped_digit(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	hex[40] = hex[40] == '0' ? '1' : '0';
	assert_at(verify(f, hex, "alice"), AT_ERR_SIGNATURE);
	free(hex);
}

static void
test_hmac_map_external_id(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("agent-8");

	add_map(f, "agent-7", "bob");
	add_map(f, "agent-8", "alice");
	assert_at(verify(f, hex, "alice"), AT_OK);
	assert_string_equal(f->claims.sub, "agent-8");
	assert_string_equal(f->claims.local_user, "alice");
	free(hex);
}

static void
test_hmac_map_second_id_of_user(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("agent-9");

	add_map(f, "agent-8", "alice");
	add_map(f, "agent-7", "bob");
	add_map(f, "agent-9", "alice");
	assert_at(verify(f, hex, "alice"), AT_OK);
	assert_string_equal(f->claims.sub, "agent-9");
	free(hex);
}

static void
test_hmac_map_user_name_not_an_id(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("alice");

	/* With a map, the user name itself is no longer a candidate. */
	add_map(f, "agent-8", "alice");
	assert_at(verify(f, hex, "alice"), AT_ERR_SIGNATURE);
	free(hex);
}

static void
test_hmac_map_id_of_other_user(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("agent-7");

	add_map(f, "agent-7", "bob");
	add_map(f, "agent-8", "alice");
	assert_at(verify(f, hex, "alice"), AT_ERR_SIGNATURE);
	/* The same credential is bob's. */
	assert_at(verify(f, hex, "bob"), AT_OK);
	free(hex);
}

static void
test_hmac_map_user_not_in_map(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = hmac_for("carol");

	add_map(f, "agent-7", "bob");
	assert_at(verify(f, hex, "carol"), AT_ERR_NOT_MAPPED);
	free(hex);
}

/* ------------------------------------------------------------------ */
/* key rotation */

static void
test_rotation_jwt_second_secret(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET2);

	assert_at(verify(f, tok, "alice"), AT_ERR_SIGNATURE);
	assert_at(at_verifier_add_secret(f->v, TEST_SECRET2,
					 strlen(TEST_SECRET2)),
		  AT_OK);
	assert_at(verify(f, tok, "alice"), AT_OK);
	assert_int_equal(f->claims.secret_index, 1);
	free(tok);
}

static void
test_rotation_hmac_second_secret(void **state)
{
	struct unit_verifier *f = *state;
	char *hex = test_hmac_hex(TEST_SECRET2, strlen(TEST_SECRET2), "alice");
	char *first = hmac_for("alice");

	assert_at(at_verifier_add_secret(f->v, TEST_SECRET2,
					 strlen(TEST_SECRET2)),
		  AT_OK);
	assert_at(verify(f, hex, "alice"), AT_OK);
	assert_int_equal(f->claims.secret_index, 1);
	assert_at(verify(f, first, "alice"), AT_OK);
	assert_int_equal(f->claims.secret_index, 0);
	free(hex);
	free(first);
}

/* ------------------------------------------------------------------ */
/* one key, two protocols */

#define FORGED_PAYLOAD "{\"sub\":\"alice\",\"exp\":1700000300}"

/*
 * A verifier from a configuration whose secrets come from files in a
 * fresh directory: each of hmac, jwt and both (NULL: option unset) is
 * written to a file of its own and named by hmac_secret_file,
 * jwt_secret_file and secret_file.  The clock reads f->now.
 */
struct split {
	struct at_config cfg;
	struct at_verifier *v;
	struct unit_log ulog;
	char *dir;
};

static enum at_err
split_new(struct split *s, struct unit_verifier *f, const char *hmac,
	  const char *jwt, const char *both)
{
	static const struct {
		const char *option;
		const char *file;
	} files[] = {
		{ "hmac_secret_file", "hmac" },
		{ "jwt_secret_file", "jwt" },
		{ "secret_file", "both" },
	};
	const char *content[3] = { hmac, jwt, both };
	char *path, line[256];
	enum at_err r = AT_OK;
	size_t i;

	memset(s, 0, sizeof(*s));
	at_config_init(&s->cfg);
	unit_log_init(&s->ulog);
	s->dir = test_mkdtemp();
	for (i = 0; i < 3 && r == AT_OK; i++) {
		if (content[i] == NULL)
			continue;
		path = test_path(s->dir, files[i].file);
		snprintf(line, sizeof(line), "%s\n", content[i]);
		assert_int_equal(test_write_file(path, line, 0600), 0);
		r = at_config_set(&s->cfg, files[i].option, path, &s->ulog.log);
		free(path);
	}
	if (r == AT_OK)
		r = at_verifier_from_config(&s->v, &s->cfg, getuid(),
					    &s->ulog.log);
	if (r == AT_OK)
		at_verifier_set_clock(s->v, unit_fixed_clock, &f->now);
	return r;
}

static void
split_free(struct split *s)
{
	at_verifier_free(s->v);
	at_config_clear(&s->cfg);
	test_rmdir(s->dir);
	free(s->dir);
}

/*
 * THE KNOWN CROSS-PROTOCOL RISK, demonstrated.  With one secret for both
 * credential kinds (secret_file alone, or at_verifier_add_secret()), the
 * HMAC credential a backend hands out for the id "<b64url header>.<b64url
 * payload>" is, decoded from hex, a valid HS256 signature of that JWT.
 * Whoever can register or choose such an id (or an app that HMACs any
 * string it is given) gets a JWT for any sub and exp, and mode=jwt does
 * not help: the module cannot tell the two apart.  This test pins that
 * the forgery IS accepted then, so the defence below is not assumed:
 * separate secrets (hmac_secret_file / jwt_secret_file), and a backend
 * that never HMACs an id containing '.'.
 */
static void
test_cross_protocol_one_secret_forgery_accepted(void **state)
{
	struct unit_verifier *f = *state;
	char *forged = test_forge_jwt_from_hmac(HDR, FORGED_PAYLOAD,
						TEST_SECRET,
						strlen(TEST_SECRET));

	f->cfg.mode = AT_MODE_JWT;
	assert_at(verify(f, forged, "alice"), AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_JWT);
	assert_string_equal(f->claims.sub, "alice");
	free(forged);
}

/* Separate files: the HMAC secret never verifies a JWS signature. */
static void
test_cross_protocol_separate_secrets_refuse_forgery(void **state)
{
	struct unit_verifier *f = *state;
	struct split s;
	char *forged = test_forge_jwt_from_hmac(HDR, FORGED_PAYLOAD,
						TEST_SECRET,
						strlen(TEST_SECRET));
	char *jwt_good = test_token("alice", NOW, NOW + 300, TEST_SECRET2);
	char *jwt_hmac_key = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *hmac_good = test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET),
					"alice");
	char *hmac_jwt_key = test_hmac_hex(TEST_SECRET2, strlen(TEST_SECRET2),
					   "alice");

	assert_at(split_new(&s, f, TEST_SECRET, TEST_SECRET2, NULL), AT_OK);
	assert_at(at_verify_credential(s.v, forged, strlen(forged), "alice",
				       &f->claims),
		  AT_ERR_SIGNATURE);
	assert_int_equal(f->claims.secret_index, -1);
	assert_null(f->claims.sub);
	assert_at(at_verify_credential(s.v, jwt_hmac_key, strlen(jwt_hmac_key),
				       "alice", &f->claims),
		  AT_ERR_SIGNATURE);
	assert_at(at_verify_credential(s.v, jwt_good, strlen(jwt_good),
				       "alice", &f->claims),
		  AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_JWT);
	assert_int_equal(f->claims.secret_index, 0);
	/* And the other way round: HMAC credentials only under the HMAC
	 * secret. */
	assert_at(at_verify_credential(s.v, hmac_good, strlen(hmac_good),
				       "alice", &f->claims),
		  AT_OK);
	assert_int_equal(f->claims.method, AT_METHOD_HMAC);
	assert_int_equal(f->claims.secret_index, 0);
	assert_at(at_verify_credential(s.v, hmac_jwt_key, strlen(hmac_jwt_key),
				       "alice", &f->claims),
		  AT_ERR_SIGNATURE);
	split_free(&s);
	free(forged);
	free(jwt_good);
	free(jwt_hmac_key);
	free(hmac_good);
	free(hmac_jwt_key);
}

/*
 * secret_file serves the method that has no file of its own: here HMAC,
 * while JWTs use jwt_secret_file only.
 */
static void
test_cross_protocol_secret_file_serves_the_other_method(void **state)
{
	struct unit_verifier *f = *state;
	struct split s;
	char *forged = test_forge_jwt_from_hmac(HDR, FORGED_PAYLOAD,
						TEST_SECRET,
						strlen(TEST_SECRET));
	char *jwt_good = test_token("alice", NOW, NOW + 300, TEST_SECRET2);
	char *hmac_good = test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET),
					"alice");

	assert_at(split_new(&s, f, NULL, TEST_SECRET2, TEST_SECRET), AT_OK);
	assert_at(at_verify_credential(s.v, forged, strlen(forged), "alice",
				       &f->claims),
		  AT_ERR_SIGNATURE);
	assert_at(at_verify_credential(s.v, jwt_good, strlen(jwt_good),
				       "alice", &f->claims),
		  AT_OK);
	assert_at(at_verify_credential(s.v, hmac_good, strlen(hmac_good),
				       "alice", &f->claims),
		  AT_OK);
	split_free(&s);
	free(forged);
	free(jwt_good);
	free(hmac_good);
}

/* ------------------------------------------------------------------ */
/* claims hygiene */

static void
test_claims_cleared_at_entry(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = jwt_for("alice");

	assert_at(verify(f, tok, "alice"), AT_OK);
	assert_non_null(f->claims.sub);
	/* The next call starts from empty claims. */
	assert_at(verify(f, "", "alice"), AT_ERR_EMPTY);
	assert_null(f->claims.sub);
	assert_null(f->claims.local_user);
	assert_int_equal(f->claims.method, AT_METHOD_NONE);
	assert_int_equal(f->claims.secret_index, -1);
	assert_false(f->claims.has_exp);
	free(tok);
}

static void
test_method_names(void **state)
{
	(void)state;
	assert_string_equal(at_method_name(AT_METHOD_JWT), "jwt");
	assert_string_equal(at_method_name(AT_METHOD_HMAC), "hmac");
	assert_string_equal(at_method_name(AT_METHOD_NONE), "none");
}

/* Exactly the four client buffer limits, nothing next to them. */
static void
test_truncation_hint_lengths(void **state)
{
	size_t n;
	int hints = 0;

	(void)state;
	for (n = 0; n <= 8192; n++) {
		if (at_truncation_hint(n) == NULL)
			continue;
		hints++;
		assert_true(n == 255 || n == 511 || n == 1023 || n == 4095);
	}
	assert_int_equal(hints, 4);
	assert_non_null(strstr(at_truncation_hint(511), "sudo"));
	assert_non_null(strstr(at_truncation_hint(1023), "ssh"));
}

/* exp is exclusive (RFC 7519 4.1.4); leeway extends it by whole seconds. */
static void
test_exp_check(void **state)
{
	(void)state;
	assert_int_equal(at_exp_check(1000, 0, 999), AT_OK);
	assert_int_equal(at_exp_check(1000, 0, 1000), AT_ERR_EXPIRED);
	assert_int_equal(at_exp_check(1000, 60, 1059), AT_OK);
	assert_int_equal(at_exp_check(1000, 60, 1060), AT_ERR_EXPIRED);
	assert_int_equal(at_exp_check(1000.5, 0, 1000), AT_OK);
	assert_int_equal(at_exp_check(0, 300, 0), AT_OK);
	assert_int_equal(at_exp_check(9007199254740991.0, 300, 2000000000),
			 AT_OK);
	assert_int_equal(at_exp_check(NAN, 0, 0), AT_ERR_EXPIRED);
	assert_int_equal(at_exp_check(-INFINITY, 300, 0), AT_ERR_EXPIRED);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_shape_empty),
		T(test_shape_whitespace_only),
		T(test_shape_too_long),
		T(test_shape_too_long_junk),
		T(test_shape_exactly_4096_ok),
		T(test_shape_4096_after_trim_ok),
		T(test_shape_neither_hex_nor_jwt),
		T(test_shape_63_hex),
		T(test_shape_65_hex),
		T(test_shape_trimmed_hmac_ok),
		T(test_shape_trimmed_jwt_ok),
		T(test_shape_embedded_nul_hmac),
		T(test_shape_embedded_nul_jwt),
		T(test_mode_jwt_refuses_hmac),
		T(test_mode_hmac_refuses_jwt),
		T(test_mode_matching_kind_ok),
		T(test_jwt_no_map_sub_is_user),
		T(test_jwt_no_map_case_differs),
		T(test_jwt_map_sub_not_mapped),
		T(test_jwt_map_mapped_to_other_user),
		T(test_jwt_map_ok),
		T(test_jwt_map_id_case_sensitive),
		T(test_jwt_empty_map_file_maps_nobody),
		T(test_jwt_expired_through_pipeline),
		T(test_jwt_bad_signature_through_pipeline),
		T(test_hmac_no_map_ok),
		T(test_hmac_other_users_id),
		T(test_hmac_case_of_user_matters),
		T(test_hmac_uppercase_hex_ok),
		T(test_hmac_wrong_key),
		T(test_hmac_flipped_digit),
		T(test_hmac_map_external_id),
		T(test_hmac_map_second_id_of_user),
		T(test_hmac_map_user_name_not_an_id),
		T(test_hmac_map_id_of_other_user),
		T(test_hmac_map_user_not_in_map),
		T(test_rotation_jwt_second_secret),
		T(test_rotation_hmac_second_secret),
		T(test_cross_protocol_one_secret_forgery_accepted),
		T(test_cross_protocol_separate_secrets_refuse_forgery),
		T(test_cross_protocol_secret_file_serves_the_other_method),
		T(test_claims_cleared_at_entry),
		T(test_method_names),
		T(test_truncation_hint_lengths),
		T(test_exp_check),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
