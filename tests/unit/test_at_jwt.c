/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_jwt.c - lib/at_jwt.c: the JWS compact serialization (RFC 7515),
 * the pinned header and the JWT claims (RFC 7519, RFC 8725).  One named
 * test per rejection path, each asserting the exact enum at_err.  Every
 * token a test expects to be rejected for its header or claims is signed
 * with the right key, so only the rule under test can reject it.  The
 * clock is always the injected one.
 *
 * With libjwt (HAVE_LIBJWT) tokens are cross-checked both ways.
 *
 * Usage: test_at_jwt RFC_VECTORS_JSON
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#ifdef HAVE_LIBJWT
#include <jwt.h>
#endif

#include "at.h"
#include "test_common.h"
#include "unit_test.h"

/* The injected time: 2023-11-14T22:13:20Z. */
#define NOW    1700000000
#define LEEWAY 30
#define HDR    "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
/* exp = NOW + 300 */
#define GOOD_PAYLOAD "{\"sub\":\"alice\",\"exp\":1700000300}"

static const char *rfc_path;

static int
setup(void **state)
{
	struct unit_verifier *f = unit_verifier_new(NOW);

	if (f == NULL)
		return -1;
	f->cfg.leeway = LEEWAY;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	unit_verifier_free(*state);
	return 0;
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

static char *
b64(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	assert_non_null(out);
	at_b64url_encode(data, len, out);
	return out;
}

/* "h.p." plus the base64url HMAC of "h.p" under key: the segments are
 * used as given, so they may be malformed on purpose. */
static char *
sign_segments(const char *h, const char *p, const char *key)
{
	char *input = xasprintf("%s.%s", h, p), *sig, *tok;
	unsigned char mac[AT_MAC_LEN];

	assert_at(at_hmac_sha256(key, strlen(key), input, strlen(input), mac),
		  AT_OK);
	sig = b64(mac, sizeof(mac));
	tok = xasprintf("%s.%s", input, sig);
	free(input);
	free(sig);
	return tok;
}

/* Sign header and payload given as raw bytes (may hold NUL). */
static char *
sign_raw(const void *hdr, size_t hlen, const void *payload, size_t plen)
{
	char *h = b64(hdr, hlen), *p = b64(payload, plen);
	char *tok = sign_segments(h, p, TEST_SECRET);

	free(h);
	free(p);
	return tok;
}

static enum at_err
verify_tok(struct unit_verifier *f, const char *tok)
{
	at_claims_clear(&f->claims);
	return at_jwt_verify(f->v, tok, strlen(tok), &f->claims);
}

/* Verify a token built from header and payload JSON, signed right. */
static enum at_err
verify_hp(struct unit_verifier *f, const char *hdr, const char *payload)
{
	char *tok =
		test_jws_sign(hdr, payload, TEST_SECRET, strlen(TEST_SECRET));
	enum at_err r = verify_tok(f, tok);

	free(tok);
	return r;
}

static enum at_err
verify_payload(struct unit_verifier *f, const char *payload)
{
	return verify_hp(f, HDR, payload);
}

/* Split a token into its three segments (malloc'd). */
static void
split(const char *tok, char **h, char **p, char **s)
{
	const char *d1 = strchr(tok, '.'), *d2;

	assert_non_null(d1);
	d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	*h = strndup(tok, (size_t)(d1 - tok));
	*p = strndup(d1 + 1, (size_t)(d2 - d1 - 1));
	*s = strdup(d2 + 1);
	assert_true(*h != NULL && *p != NULL && *s != NULL);
}

static int
b64_value(char c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
				       "nopqrstuvwxyz0123456789-_";
	const char *p = strchr(alphabet, c);

	assert_non_null(p);
	return (int)(p - alphabet);
}

/* Set an unused low bit in the last character of a segment whose length
 * is 2 or 3 mod 4: same decoded bytes, second spelling. */
static void
make_noncanonical(char *seg)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
				       "nopqrstuvwxyz0123456789-_";
	size_t n = strlen(seg);
	int v;

	assert_true(n % 4 == 2 || n % 4 == 3);
	v = b64_value(seg[n - 1]);
	assert_int_equal(v & (n % 4 == 2 ? 0x0f : 0x03), 0);
	seg[n - 1] = alphabet[v | 1];
}

/* ------------------------------------------------------------------ */
/* the good path */

static void
test_valid_token(void **state)
{
	struct unit_verifier *f = *state;
	unsigned char *payload = NULL;
	size_t plen = 0;
	char *tok = test_jws_sign(HDR, GOOD_PAYLOAD, TEST_SECRET,
				  strlen(TEST_SECRET));

	assert_at(at_jws_verify(f->v, tok, strlen(tok), &f->claims, &payload,
				&plen),
		  AT_OK);
	assert_int_equal(plen, strlen(GOOD_PAYLOAD));
	assert_memory_equal(payload, GOOD_PAYLOAD, plen);
	assert_int_equal(payload[plen], '\0');
	assert_int_equal(f->claims.secret_index, 0);
	assert_null(f->claims.kid);
	at_freezero(payload, plen + 1);

	assert_at(verify_tok(f, tok), AT_OK);
	assert_string_equal(f->claims.sub, "alice");
	assert_true(f->claims.has_exp);
	assert_true(f->claims.exp == 1700000300.0);
	assert_false(f->claims.has_nbf);
	assert_false(f->claims.has_iat);
	assert_null(f->claims.iss);
	assert_null(f->claims.email);
	free(tok);
}

static void
test_all_claims_reported(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_payload(f,
				 "{\"sub\":\"agent-7\",\"iat\":1699999990,"
				 "\"nbf\":1699999995,\"exp\":1700000100,"
				 "\"iss\":\"https://issuer.example\","
				 "\"email\":\"a@example.com\",\"name\":\"Ann\","
				 "\"extra\":{\"nested\":[1,2,3]}}"),
		  AT_OK);
	assert_string_equal(f->claims.sub, "agent-7");
	assert_true(f->claims.has_iat && f->claims.iat == 1699999990.0);
	assert_true(f->claims.has_nbf && f->claims.nbf == 1699999995.0);
	assert_true(f->claims.has_exp && f->claims.exp == 1700000100.0);
	assert_string_equal(f->claims.iss, "https://issuer.example");
	assert_string_equal(f->claims.email, "a@example.com");
	assert_string_equal(f->claims.name, "Ann");
}

static void
test_clock_is_the_injected_one(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 10, TEST_SECRET);

	assert_int_equal(at_verifier_now(f->v), NOW);
	assert_at(verify_tok(f, tok), AT_OK);
	f->now = NOW + 10 + LEEWAY;
	assert_int_equal(at_verifier_now(f->v), NOW + 10 + LEEWAY);
	assert_at(verify_tok(f, tok), AT_ERR_EXPIRED);
	f->now = NOW;
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
}

/* ------------------------------------------------------------------ */
/* JWS segments */

static void
test_jws_one_segment(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_tok(f, "eyJhbGciOiJIUzI1NiJ9"), AT_ERR_FORMAT);
}

static void
test_jws_two_segments(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *last = strrchr(tok, '.');

	*last = '\0';
	assert_at(verify_tok(f, tok), AT_ERR_FORMAT);
	free(tok);
}

static void
test_jws_four_segments(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *four = xasprintf("%s.", tok), *four2 = xasprintf("%s.AAAA", tok);

	assert_at(verify_tok(f, tok), AT_OK);
	assert_at(verify_tok(f, four), AT_ERR_FORMAT);
	assert_at(verify_tok(f, four2), AT_ERR_FORMAT);
	assert_at(verify_tok(f, "a.b.c.d"), AT_ERR_FORMAT);
	free(tok);
	free(four);
	free(four2);
}

static void
test_jws_too_long(void **state)
{
	struct unit_verifier *f = *state;
	unsigned char *payload = NULL;
	size_t plen = 0;
	char *tok = malloc(AT_MAX_CREDENTIAL + 2);

	assert_non_null(tok);
	memset(tok, 'A', AT_MAX_CREDENTIAL + 1);
	/* Segments of 8, 8 and 4079/4078 characters. */
	tok[8] = '.';
	tok[17] = '.';
	tok[AT_MAX_CREDENTIAL + 1] = '\0';
	assert_at(at_jws_verify(f->v, tok, AT_MAX_CREDENTIAL + 1, &f->claims,
				&payload, &plen),
		  AT_ERR_TOO_LONG);
	assert_null(payload);
	/* One byte shorter, the same bytes fail later, not on length. */
	assert_at(at_jws_verify(f->v, tok, AT_MAX_CREDENTIAL, &f->claims,
				&payload, &plen),
		  AT_ERR_SIG_LENGTH);
	free(tok);
}

/* base64url: padding */

static void
test_b64_padding_header(void **state)
{
	struct unit_verifier *f = *state;
	/* A 28-byte header is 38 characters; standard base64 pads it to 40
	 * with "==". */
	char *h = b64(HDR " ", strlen(HDR) + 1), *hp, *p, *tok;

	assert_int_equal(strlen(h) % 4, 2);
	hp = xasprintf("%s==", h);
	p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	tok = sign_segments(hp, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	/* Control: the unpadded header is fine. */
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
	free(h);
	free(hp);
	free(p);
}

static void
test_b64_padding_payload(void **state)
{
	struct unit_verifier *f = *state;
	char *h = b64(HDR, strlen(HDR)), *p, *pp, *tok;

	p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	assert_true(strlen(p) % 4 != 0);
	pp = xasprintf("%s%s", p, strlen(p) % 4 == 2 ? "==" : "=");
	tok = sign_segments(h, pp, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
	free(pp);
}

static void
test_b64_padding_signature(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *padded = xasprintf("%s=", tok);

	/* 43 characters for 32 bytes: one "=" of standard padding. */
	assert_int_equal(strlen(strrchr(tok, '.') + 1), 43);
	assert_at(verify_tok(f, padded), AT_ERR_BASE64);
	free(tok);
	free(padded);
}

/* base64url: the standard alphabet's '+' and '/' */

static void
check_char_in_segment(struct unit_verifier *f, int seg, char c)
{
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *h, *p, *s, *bad;

	split(tok, &h, &p, &s);
	if (seg == 0) {
		h[5] = c;
		bad = sign_segments(h, p, TEST_SECRET);
	} else if (seg == 1) {
		p[5] = c;
		bad = sign_segments(h, p, TEST_SECRET);
	} else {
		s[5] = c;
		bad = xasprintf("%s.%s.%s", h, p, s);
	}
	assert_at(verify_tok(f, bad), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
	free(s);
	free(bad);
}

static void
test_b64_plus_slash_header(void **state)
{
	check_char_in_segment(*state, 0, '+');
	check_char_in_segment(*state, 0, '/');
}

static void
test_b64_plus_slash_payload(void **state)
{
	check_char_in_segment(*state, 1, '+');
	check_char_in_segment(*state, 1, '/');
}

static void
test_b64_plus_slash_signature(void **state)
{
	check_char_in_segment(*state, 2, '+');
	check_char_in_segment(*state, 2, '/');
}

/* base64url: white space */

static void
test_b64_whitespace_header(void **state)
{
	check_char_in_segment(*state, 0, ' ');
	check_char_in_segment(*state, 0, '\n');
}

static void
test_b64_whitespace_payload(void **state)
{
	check_char_in_segment(*state, 1, ' ');
	check_char_in_segment(*state, 1, '\t');
}

static void
test_b64_whitespace_signature(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *trailing = xasprintf("%s\n", tok);

	check_char_in_segment(f, 2, ' ');
	check_char_in_segment(f, 2, '\r');
	/* at_jws_verify does not trim: that is at_verify_credential's job. */
	assert_at(verify_tok(f, trailing), AT_ERR_BASE64);
	free(tok);
	free(trailing);
}

/* base64url: length mod 4 == 1 */

static void
test_b64_len_mod4_header(void **state)
{
	struct unit_verifier *f = *state;
	char *h = b64(HDR, strlen(HDR)), *h1, *p, *tok;

	assert_int_equal(strlen(h) % 4, 0);
	h1 = xasprintf("%sA", h);
	p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	tok = sign_segments(h1, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(h1);
	free(p);
}

static void
test_b64_len_mod4_payload(void **state)
{
	struct unit_verifier *f = *state;
	/* 33 bytes: 44 characters, a 45th makes 1 mod 4. */
	static const char payload[] = "{\"sub\":\"alice\",\"exp\":1700000300} ";
	char *h = b64(HDR, strlen(HDR)), *p = b64(payload, strlen(payload));
	char *p1, *tok;

	assert_int_equal(strlen(p) % 4, 0);
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
	p1 = xasprintf("%sA", p);
	tok = sign_segments(h, p1, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
	free(p1);
}

static void
test_b64_len_mod4_signature(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *bad = xasprintf("%sAA", tok);

	/* 43 + 2 = 45 characters. */
	assert_at(verify_tok(f, bad), AT_ERR_BASE64);
	free(tok);
	free(bad);
}

/* base64url: non-canonical final character */

static void
test_b64_noncanonical_header(void **state)
{
	struct unit_verifier *f = *state;
	/* 38 bytes: 51 characters, 3 mod 4, two unused bits. */
	static const char hdr[] =
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
	char *h = b64(hdr, strlen(hdr)), *p, *tok;

	p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
	make_noncanonical(h);
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	/* 28 bytes: 38 characters, 2 mod 4, four unused bits. */
	h = b64(HDR " ", strlen(HDR) + 1);
	assert_int_equal(strlen(h) % 4, 2);
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
	make_noncanonical(h);
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
}

static void
test_b64_noncanonical_payload(void **state)
{
	struct unit_verifier *f = *state;
	char *h = b64(HDR, strlen(HDR)), *p, *tok;

	p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	make_noncanonical(p);
	tok = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, tok), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
}

static void
test_b64_noncanonical_signature(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *h, *p, *s, *bad;

	split(tok, &h, &p, &s);
	/* The same 32 MAC bytes spelt differently: a lax decoder accepts. */
	make_noncanonical(s);
	bad = xasprintf("%s.%s.%s", h, p, s);
	assert_at(verify_tok(f, bad), AT_ERR_BASE64);
	free(tok);
	free(h);
	free(p);
	free(s);
	free(bad);
}

/* signature length */

static enum at_err
verify_with_sig_len(struct unit_verifier *f, size_t n)
{
	unsigned char sig[64];
	char *tok;
	enum at_err r;

	assert_true(n <= sizeof(sig));
	/* The right MAC's prefix, then zeros. */
	memset(sig, 0, sizeof(sig));
	{
		char *good = test_jws_sign(HDR, GOOD_PAYLOAD, TEST_SECRET,
					   strlen(TEST_SECRET));
		size_t got = 0;
		char *dot = strrchr(good, '.');

		assert_at(at_b64url_decode(dot + 1, strlen(dot + 1), sig,
					   sizeof(sig), &got),
			  AT_OK);
		assert_int_equal(got, AT_MAC_LEN);
		free(good);
	}
	tok = test_jws_with_sig(HDR, GOOD_PAYLOAD, sig, n);
	r = verify_tok(f, tok);
	free(tok);
	return r;
}

static void
test_sig_length_31(void **state)
{
	assert_at(verify_with_sig_len(*state, 31), AT_ERR_SIG_LENGTH);
}

static void
test_sig_length_33(void **state)
{
	assert_at(verify_with_sig_len(*state, 33), AT_ERR_SIG_LENGTH);
}

static void
test_sig_length_16_truncated(void **state)
{
	/* The first 16 bytes of the right MAC (a truncated tag). */
	assert_at(verify_with_sig_len(*state, 16), AT_ERR_SIG_LENGTH);
}

static void
test_sig_length_0_and_64(void **state)
{
	assert_at(verify_with_sig_len(*state, 0), AT_ERR_SIG_LENGTH);
	assert_at(verify_with_sig_len(*state, 64), AT_ERR_SIG_LENGTH);
	/* Control: 32 bytes of the same construction verify. */
	assert_at(verify_with_sig_len(*state, 32), AT_OK);
}

/* signature value */

static void
test_sig_wrong_key(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET2);

	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	assert_int_equal(f->claims.secret_index, -1);
	assert_null(f->claims.sub);
	free(tok);
}

static void
test_sig_flipped_bit(void **state)
{
	struct unit_verifier *f = *state;
	unsigned char sig[AT_MAC_LEN];
	char *good = test_jws_sign(HDR, GOOD_PAYLOAD, TEST_SECRET,
				   strlen(TEST_SECRET));
	char *dot = strrchr(good, '.'), *tok;
	size_t n = 0, bit;

	assert_at(at_b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof(sig),
				   &n),
		  AT_OK);
	for (bit = 0; bit < 8 * AT_MAC_LEN; bit += 17) {
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		tok = test_jws_with_sig(HDR, GOOD_PAYLOAD, sig, sizeof(sig));
		assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
		free(tok);
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	tok = test_jws_with_sig(HDR, GOOD_PAYLOAD, sig, sizeof(sig));
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
	free(good);
}

static void
test_sig_flipped_payload_bit(void **state)
{
	struct unit_verifier *f = *state;
	/* "alice" -> "alicd": one bit of the payload, old signature. */
	char *good = test_jws_sign(HDR, GOOD_PAYLOAD, TEST_SECRET,
				   strlen(TEST_SECRET));
	char *h, *p, *s, *p2, *tok;
	char payload[] = GOOD_PAYLOAD;

	split(good, &h, &p, &s);
	payload[12] ^= 0x01;
	assert_memory_equal(payload, "{\"sub\":\"alicd\"", 14);
	p2 = b64(payload, strlen(payload));
	tok = xasprintf("%s.%s.%s", h, p2, s);
	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	free(good);
	free(h);
	free(p);
	free(s);
	free(p2);
	free(tok);
}

/* MAC before JSON (RFC 8725 3.1) */

static void
test_mac_before_json_garbage_header_wrong_sig(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_jws_sign("this is not json", GOOD_PAYLOAD,
				  TEST_SECRET2, strlen(TEST_SECRET2));

	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	free(tok);
}

static void
test_mac_before_json_garbage_header_right_sig(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_hp(f, "this is not json", GOOD_PAYLOAD), AT_ERR_JSON);
	/* Only now is the secret index known. */
	assert_int_equal(f->claims.secret_index, 0);
}

static void
test_mac_before_json_garbage_payload_wrong_sig(void **state)
{
	struct unit_verifier *f = *state;
	char *tok =
		test_jws_sign(HDR, "{{{", TEST_SECRET2, strlen(TEST_SECRET2));

	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	free(tok);
	assert_at(verify_payload(f, "{{{"), AT_ERR_JSON);
}

static void
test_mac_before_json_array_header_wrong_sig(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_jws_sign("[\"HS256\"]", GOOD_PAYLOAD, TEST_SECRET2,
				  strlen(TEST_SECRET2));

	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	free(tok);
}

static void
test_header_is_array(void **state)
{
	assert_at(verify_hp(*state, "[\"alg\",\"HS256\"]", GOOD_PAYLOAD),
		  AT_ERR_NOT_OBJECT);
}

static void
test_header_is_string(void **state)
{
	assert_at(verify_hp(*state, "\"HS256\"", GOOD_PAYLOAD),
		  AT_ERR_NOT_OBJECT);
}

static void
test_header_trailing_garbage(void **state)
{
	assert_at(verify_hp(*state, HDR "x", GOOD_PAYLOAD), AT_ERR_JSON);
	assert_at(verify_hp(*state, HDR HDR, GOOD_PAYLOAD), AT_ERR_JSON);
}

static void
test_header_trailing_nul(void **state)
{
	struct unit_verifier *f = *state;
	static const char hdr[] = HDR; /* sizeof includes the NUL */
	char *tok =
		sign_raw(hdr, sizeof(hdr), GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));

	assert_at(verify_tok(f, tok), AT_ERR_JSON);
	free(tok);
}

static void
test_header_invalid_utf8(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"x\":\"\xff\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_JSON);
}

/* ------------------------------------------------------------------ */
/* header: the one jsonwebtoken emits is not parsed; every other one is */

/* The segment at_jwt.c compares against: b64url(HDR), 36 characters. */
#define HDR_SEGMENT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

static void
test_common_header_segment(void **state)
{
	struct unit_verifier *f = *state;
	char *h = b64(HDR, strlen(HDR)), *tok;

	assert_string_equal(h, HDR_SEGMENT);
	free(h);
	/* Verified without its parse: what the parse would have proved. */
	tok = test_jws_sign(HDR, GOOD_PAYLOAD, TEST_SECRET,
			    strlen(TEST_SECRET));
	assert_at(verify_tok(f, tok), AT_OK);
	assert_null(f->claims.kid);
	assert_int_equal(f->claims.secret_index, 0);
	assert_string_equal(f->claims.sub, "alice");
	free(tok);
}

/* The fast path skips only the header's parse: never the MAC, never the
 * payload's parse or claims. */
static void
test_common_header_still_checked(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = sign_segments(HDR_SEGMENT, "e30", "wrong key, 32 bytes "
						      "long, at least......");

	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	free(tok);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300"),
		  AT_ERR_JSON);
	assert_at(verify_payload(f, "[\"alice\"]"), AT_ERR_NOT_OBJECT);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1}"),
		  AT_ERR_EXPIRED);
	assert_at(verify_payload(f, "{\"exp\":1700000300}"), AT_ERR_SUB);
}

/*
 * Headers a byte or so away from the common one: each is parsed and
 * checked in full, with the verdict it had before the fast path existed
 * (this table passes against the code of commit fca62a5).
 */
static void
test_common_header_neighbours(void **state)
{
	static const struct {
		const char *hdr;
		size_t len; /* 0: strlen */
		enum at_err want;
	} v[] = {
		{ "{\"alg\":\"HS256\", \"typ\":\"JWT\"}", 0, AT_OK },
		{ "{ \"alg\":\"HS256\",\"typ\":\"JWT\"}", 0, AT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}\n", 0, AT_OK },
		{ "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", 0, AT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", 0, AT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"J\\u0057T\"}", 0, AT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k\"}", 0,
		  AT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWS\"}", 0, AT_ERR_TYP },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT \"}", 0, AT_ERR_TYP },
		{ "{\"alg\":\"HS257\",\"typ\":\"JWT\"}", 0, AT_ERR_ALG },
		{ "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", 0, AT_ERR_ALG },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}", 0,
		  AT_ERR_DUPLICATE_KEY },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}", 0,
		  AT_ERR_HEADER },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":1}", 0,
		  AT_ERR_HEADER },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"|", 0, AT_ERR_JSON },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}x", 0, AT_ERR_JSON },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}{}", 0, AT_ERR_JSON },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}\0", 28, AT_ERR_JSON },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\0\"}", 27, AT_ERR_JSON },
		{ "[\"alg\",\"HS256\",\"typ\",\"JWT\"]", 0, AT_ERR_NOT_OBJECT },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"", 0, AT_ERR_JSON },
		{ "\"alg\":\"HS256\",\"typ\":\"JWT\"}", 0, AT_ERR_JSON },
	};
	struct unit_verifier *f = *state;
	size_t i, len;
	char *tok;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		len = v[i].len != 0 ? v[i].len : strlen(v[i].hdr);
		tok = sign_raw(v[i].hdr, len, GOOD_PAYLOAD,
			       strlen(GOOD_PAYLOAD));
		if (verify_tok(f, tok) != v[i].want)
			fail_msg("header %zu: %s, want %s", i,
				 at_err_reason(verify_tok(f, tok)),
				 at_err_reason(v[i].want));
		free(tok);
	}
}

/* The common segment with its last character changed: one byte off
 * ("|" for the closing brace), so the parse runs and refuses it. */
static void
test_common_header_last_character(void **state)
{
	char seg[] = HDR_SEGMENT;
	char *tok;

	seg[sizeof(seg) - 2] = '8';
	tok = sign_segments(seg, "eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDMwMH0",
			    TEST_SECRET);
	assert_at(verify_tok(*state, tok), AT_ERR_JSON);
	free(tok);
}

/* The fingerprint of a verified token, from the verifier's reused digest
 * state, is at_token_fingerprint()'s, token after token. */
static void
test_fingerprint_reused_state(void **state)
{
	struct unit_verifier *f = *state;
	char want[AT_FP_LEN + 1], *tok;
	int i;

	for (i = 0; i < 3; i++) {
		tok = test_jws_sign(i == 1 ? "{\"alg\":\"HS256\"}" : HDR,
				    i == 2 ? "{\"sub\":\"bob\",\"exp\":1700000300}"
					   : GOOD_PAYLOAD,
				    TEST_SECRET, strlen(TEST_SECRET));
		assert_at(verify_tok(f, tok), AT_OK);
		assert_at(at_token_fingerprint(tok, strlen(tok), want), AT_OK);
		assert_int_equal(strlen(f->claims.fp), AT_FP_LEN);
		assert_string_equal(f->claims.fp, want);
		free(tok);
	}
}

/* ------------------------------------------------------------------ */
/* header: alg pinned to HS256 even when signed with the right key */

#define ALG_TEST(name, hdr)                                                    \
	static void test_alg_##name(void **state)                              \
	{                                                                      \
		assert_at(verify_hp(*state, hdr, GOOD_PAYLOAD), AT_ERR_ALG);   \
	}

ALG_TEST(none, "{\"alg\":\"none\",\"typ\":\"JWT\"}")
ALG_TEST(hs384, "{\"alg\":\"HS384\",\"typ\":\"JWT\"}")
ALG_TEST(hs512, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}")
ALG_TEST(rs256, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}")
ALG_TEST(lowercase_hs256, "{\"alg\":\"hs256\",\"typ\":\"JWT\"}")
ALG_TEST(missing, "{\"typ\":\"JWT\"}")
ALG_TEST(integer, "{\"alg\":123,\"typ\":\"JWT\"}")
ALG_TEST(null, "{\"alg\":null,\"typ\":\"JWT\"}")
ALG_TEST(array, "{\"alg\":[\"HS256\"]}")
ALG_TEST(empty, "{\"alg\":\"\"}")
ALG_TEST(trailing_space, "{\"alg\":\"HS256 \"}")
ALG_TEST(prefix_match, "{\"alg\":\"HS2560\"}")

static void
test_alg_hs256_without_typ_ok(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\"}", GOOD_PAYLOAD),
		  AT_OK);
}

/* header: typ */

static void
test_typ_jwt_ok(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
			    GOOD_PAYLOAD),
		  AT_OK);
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"jwt\"}",
			    GOOD_PAYLOAD),
		  AT_OK);
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"Jwt\"}",
			    GOOD_PAYLOAD),
		  AT_OK);
}

static void
test_typ_jose(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
}

static void
test_typ_integer(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":1}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
}

static void
test_typ_other_forms(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":null}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"typ\":\"JWTX\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
	assert_at(verify_hp(*state,
			    "{\"alg\":\"HS256\",\"typ\":\"application/jwt\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_TYP);
}

/* header: parameters a pinned HS256 verifier never honours */

#define HEADER_TEST(name, json)                                                \
	static void test_header_##name(void **state)                           \
	{                                                                      \
		assert_at(verify_hp(*state,                                    \
				    "{\"alg\":\"HS256\",\"" #name "\":" json   \
				    "}",                                       \
				    GOOD_PAYLOAD),                             \
			  AT_ERR_HEADER);                                      \
	}

HEADER_TEST(crit, "[\"exp\"]")
HEADER_TEST(jku, "\"https://attacker.example/jwks\"")
HEADER_TEST(x5u, "\"https://attacker.example/cert\"")
HEADER_TEST(jwk, "{\"kty\":\"oct\",\"k\":\"AAAA\"}")
HEADER_TEST(x5c, "[\"MIIB\"]")
HEADER_TEST(cty, "\"JWT\"")
HEADER_TEST(enc, "\"A128GCM\"")
HEADER_TEST(zip, "\"DEF\"")
HEADER_TEST(b64, "false")

/* header: kid labels log lines only */

static void
test_kid_present_ok(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_hp(f, "{\"alg\":\"HS256\",\"kid\":\"key-2024\"}",
			    GOOD_PAYLOAD),
		  AT_OK);
	assert_non_null(f->claims.kid);
	assert_string_equal(f->claims.kid, "key-2024");
}

static void
test_kid_not_string(void **state)
{
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"kid\":7}",
			    GOOD_PAYLOAD),
		  AT_ERR_HEADER);
}

static void
test_kid_unprintable_not_kept(void **state)
{
	struct unit_verifier *f = *state;
	char kid[200], *hdr;

	assert_at(verify_hp(f, "{\"alg\":\"HS256\",\"kid\":\"a\\nb\"}",
			    GOOD_PAYLOAD),
		  AT_OK);
	assert_null(f->claims.kid);
	memset(kid, 'k', 129);
	kid[129] = '\0';
	hdr = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\"}", kid);
	assert_at(verify_hp(f, hdr, GOOD_PAYLOAD), AT_OK);
	assert_null(f->claims.kid);
	free(hdr);
	kid[128] = '\0';
	hdr = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\"}", kid);
	assert_at(verify_hp(f, hdr, GOOD_PAYLOAD), AT_OK);
	assert_non_null(f->claims.kid);
	assert_int_equal(strlen(f->claims.kid), 128);
	free(hdr);
}

static void
test_header_duplicate_alg(void **state)
{
	/* A parser keeping the last one would see HS256. */
	assert_at(verify_hp(*state, "{\"alg\":\"none\",\"alg\":\"HS256\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_DUPLICATE_KEY);
	assert_at(verify_hp(*state, "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_DUPLICATE_KEY);
}

static void
test_header_duplicate_typ(void **state)
{
	assert_at(verify_hp(*state,
			    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"x\"}",
			    GOOD_PAYLOAD),
		  AT_ERR_DUPLICATE_KEY);
}

/* ------------------------------------------------------------------ */
/* claims: sub */

static void
test_sub_missing(void **state)
{
	assert_at(verify_payload(*state, "{\"exp\":1700000300}"), AT_ERR_SUB);
}

static void
test_sub_empty(void **state)
{
	assert_at(verify_payload(*state, "{\"sub\":\"\",\"exp\":1700000300}"),
		  AT_ERR_SUB);
}

static enum at_err
verify_sub_of_len(struct unit_verifier *f, size_t n)
{
	char *sub = malloc(n + 1), *payload;
	enum at_err r;

	assert_non_null(sub);
	memset(sub, 's', n);
	sub[n] = '\0';
	payload = xasprintf("{\"sub\":\"%s\",\"exp\":1700000300}", sub);
	r = verify_payload(f, payload);
	free(sub);
	free(payload);
	return r;
}

static void
test_sub_257_bytes(void **state)
{
	assert_at(verify_sub_of_len(*state, AT_MAX_SUB + 1), AT_ERR_SUB);
}

static void
test_sub_256_bytes_ok(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_sub_of_len(f, AT_MAX_SUB), AT_OK);
	assert_int_equal(strlen(f->claims.sub), AT_MAX_SUB);
}

static void
test_sub_control_u0001(void **state)
{
	assert_at(
		verify_payload(*state,
			       "{\"sub\":\"ali\\u0001ce\",\"exp\":1700000300}"),
		AT_ERR_SUB);
}

static void
test_sub_control_u007f(void **state)
{
	assert_at(
		verify_payload(*state,
			       "{\"sub\":\"alice\\u007f\",\"exp\":1700000300}"),
		AT_ERR_SUB);
}

static void
test_sub_control_u0085(void **state)
{
	assert_at(
		verify_payload(*state,
			       "{\"sub\":\"\\u0085alice\",\"exp\":1700000300}"),
		AT_ERR_SUB);
}

static void
test_sub_newline(void **state)
{
	assert_at(
		verify_payload(*state,
			       "{\"sub\":\"alice\\nroot\",\"exp\":1700000300}"),
		AT_ERR_SUB);
}

static void
test_sub_nul_escape(void **state)
{
	/* jansson refuses \u0000 unless JSON_ALLOW_NUL: not JSON to us. */
	assert_at(verify_payload(
			  *state,
			  "{\"sub\":\"alice\\u0000x\",\"exp\":1700000300}"),
		  AT_ERR_JSON);
}

static void
test_sub_not_string(void **state)
{
	assert_at(verify_payload(*state, "{\"sub\":42,\"exp\":1700000300}"),
		  AT_ERR_SUB);
	assert_at(verify_payload(*state, "{\"sub\":null,\"exp\":1700000300}"),
		  AT_ERR_SUB);
	assert_at(verify_payload(*state,
				 "{\"sub\":[\"alice\"],\"exp\":1700000300}"),
		  AT_ERR_SUB);
	assert_at(verify_payload(*state, "{\"sub\":true,\"exp\":1700000300}"),
		  AT_ERR_SUB);
}

static void
test_sub_utf8_ok(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(
		verify_payload(f, "{\"sub\":\"z\\u00f6e\",\"exp\":1700000300}"),
		AT_OK);
	assert_string_equal(f->claims.sub, "z\303\266e");
}

/* claims: NumericDate types (RFC 7519 section 2) */

#define TIME_TEST(name, payload)                                               \
	static void test_time_##name(void **state)                             \
	{                                                                      \
		assert_at(verify_payload(*state, payload), AT_ERR_TIME_CLAIM); \
	}

#define P_EXP(v) "{\"sub\":\"alice\",\"exp\":" v "}"
#define P_NBF(v) "{\"sub\":\"alice\",\"exp\":1700000300,\"nbf\":" v "}"
#define P_IAT(v) "{\"sub\":\"alice\",\"exp\":1700000300,\"iat\":" v "}"

TIME_TEST(exp_string, P_EXP("\"1700000300\""))
TIME_TEST(exp_bool, P_EXP("true"))
TIME_TEST(exp_null, P_EXP("null"))
TIME_TEST(exp_negative, P_EXP("-1"))
TIME_TEST(exp_negative_real, P_EXP("-0.5"))
TIME_TEST(exp_2p53, P_EXP("9007199254740992"))
TIME_TEST(exp_2p53_real, P_EXP("9007199254740992.0"))
TIME_TEST(exp_huge_real, P_EXP("1e300"))
TIME_TEST(exp_array, P_EXP("[1700000300]"))
TIME_TEST(nbf_string, P_NBF("\"0\""))
TIME_TEST(nbf_bool, P_NBF("false"))
TIME_TEST(nbf_null, P_NBF("null"))
TIME_TEST(nbf_negative, P_NBF("-1"))
TIME_TEST(nbf_2p53, P_NBF("9007199254740992"))
TIME_TEST(iat_string, P_IAT("\"1700000000\""))
TIME_TEST(iat_bool, P_IAT("true"))
TIME_TEST(iat_null, P_IAT("null"))
TIME_TEST(iat_negative, P_IAT("-1"))
TIME_TEST(iat_2p53, P_IAT("9007199254740992"))

static void
test_time_below_2p53_ok(void **state)
{
	struct unit_verifier *f = *state;

	assert_at(verify_payload(f, P_EXP("9007199254740991")), AT_OK);
	assert_true(f->claims.exp == 9007199254740991.0);
	/* nbf/iat of 0 are well-formed and in the past. */
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"nbf\":0,\"iat\":0}"),
		  AT_OK);
}

static void
test_exp_fractional_ok(void **state)
{
	struct unit_verifier *f = *state;

	f->cfg.leeway = 0;
	assert_at(verify_payload(f, P_EXP("1700000000.5")), AT_OK);
	assert_true(f->claims.exp == 1700000000.5);
	assert_at(verify_payload(f, P_EXP("1699999999.5")), AT_ERR_EXPIRED);
}

/* claims: time checks against the injected clock and the leeway */

static void
test_exp_boundary_expired(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_EXP("%d"), NOW - LEEWAY);

	/* now == exp + leeway */
	assert_at(verify_payload(f, payload), AT_ERR_EXPIRED);
	assert_string_equal(at_err_reason(AT_ERR_EXPIRED), "expired");
	free(payload);
}

static void
test_exp_boundary_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_EXP("%d"), NOW - LEEWAY + 1);

	/* now == exp + leeway - 1 */
	assert_at(verify_payload(f, payload), AT_OK);
	free(payload);
}

static void
test_exp_boundary_zero_leeway(void **state)
{
	struct unit_verifier *f = *state;

	f->cfg.leeway = 0;
	assert_at(verify_payload(f, P_EXP("1700000000")), AT_ERR_EXPIRED);
	assert_at(verify_payload(f, P_EXP("1700000001")), AT_OK);
}

static void
test_exp_missing(void **state)
{
	assert_at(verify_payload(*state, "{\"sub\":\"alice\"}"), AT_ERR_NO_EXP);
	assert_string_equal(at_err_reason(AT_ERR_NO_EXP), "missing_exp");
}

static void
test_exp_missing_allowed(void **state)
{
	struct unit_verifier *f = *state;

	f->cfg.allow_no_exp = true;
	assert_at(verify_payload(f, "{\"sub\":\"alice\"}"), AT_OK);
	assert_false(f->claims.has_exp);
	/* allow_no_exp does not allow an expired exp. */
	assert_at(verify_payload(f, P_EXP("1")), AT_ERR_EXPIRED);
}

static void
test_nbf_in_future(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_NBF("%d"), NOW + LEEWAY + 1);

	assert_at(verify_payload(f, payload), AT_ERR_NOT_YET);
	free(payload);
}

static void
test_nbf_boundary_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_NBF("%d"), NOW + LEEWAY);

	/* nbf == now + leeway */
	assert_at(verify_payload(f, payload), AT_OK);
	free(payload);
}

static void
test_iat_in_future(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_IAT("%d"), NOW + LEEWAY + 1);

	assert_at(verify_payload(f, payload), AT_ERR_IAT_FUTURE);
	free(payload);
}

static void
test_iat_boundary_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *payload = xasprintf(P_IAT("%d"), NOW + LEEWAY);

	assert_at(verify_payload(f, payload), AT_OK);
	free(payload);
}

/* claims: iss */

static void
set_issuer(struct unit_verifier *f)
{
	assert_at(at_config_set(&f->cfg, "issuer", "https://idp.example", NULL),
		  AT_OK);
}

static void
test_iss_matches(void **state)
{
	struct unit_verifier *f = *state;

	set_issuer(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":\"https://idp.example\"}"),
		  AT_OK);
	assert_string_equal(f->claims.iss, "https://idp.example");
}

static void
test_iss_missing(void **state)
{
	struct unit_verifier *f = *state;

	set_issuer(f);
	assert_at(verify_payload(f, GOOD_PAYLOAD), AT_ERR_ISSUER);
}

static void
test_iss_different(void **state)
{
	struct unit_verifier *f = *state;

	set_issuer(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":\"https://evil.example\"}"),
		  AT_ERR_ISSUER);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":\"https://idp.example/\"}"),
		  AT_ERR_ISSUER);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":\"https://IDP.example\"}"),
		  AT_ERR_ISSUER);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":\"https://idp.exampl\"}"),
		  AT_ERR_ISSUER);
}

static void
test_iss_not_string(void **state)
{
	struct unit_verifier *f = *state;

	set_issuer(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":[\"https://idp.example\"]}"),
		  AT_ERR_ISSUER);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"iss\":null}"),
		  AT_ERR_ISSUER);
}

/* claims: aud (RFC 7519 4.1.3) */

static void
set_audience(struct unit_verifier *f)
{
	assert_at(at_config_set(&f->cfg, "audience", "pam-host", NULL), AT_OK);
}

static void
test_aud_string_equal_ok(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":\"pam-host\"}"),
		  AT_OK);
}

static void
test_aud_array_containing_ok(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":[\"other\",\"pam-host\"]}"),
		  AT_OK);
}

static void
test_aud_string_different(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":\"pam-hos\"}"),
		  AT_ERR_AUDIENCE);
}

static void
test_aud_array_without(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":[\"other\",\"PAM-HOST\"]}"),
		  AT_ERR_AUDIENCE);
}

static void
test_aud_empty_array(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":[]}"),
		  AT_ERR_AUDIENCE);
}

static void
test_aud_missing(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, GOOD_PAYLOAD), AT_ERR_AUDIENCE);
}

static void
test_aud_not_string(void **state)
{
	struct unit_verifier *f = *state;

	set_audience(f);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":7}"),
		  AT_ERR_AUDIENCE);
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":{\"pam-host\":true}}"),
		  AT_ERR_AUDIENCE);
	/* A non-string element spoils the array even next to a match. */
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"aud\":[\"pam-host\",7]}"),
		  AT_ERR_AUDIENCE);
}

static void
test_aud_unchecked_without_policy(void **state)
{
	/* No audience configured: aud is not looked at. */
	assert_at(verify_payload(*state,
				 "{\"sub\":\"alice\",\"exp\":1700000300,"
				 "\"aud\":\"anything\"}"),
		  AT_OK);
}

/* claims: max_ttl */

static void
test_ttl_missing_iat(void **state)
{
	struct unit_verifier *f = *state;

	f->cfg.max_ttl = 600;
	assert_at(verify_payload(f, GOOD_PAYLOAD), AT_ERR_NO_IAT);
}

static void
test_ttl_too_long(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW - 1, NOW - 1 + 601, TEST_SECRET);

	f->cfg.max_ttl = 600;
	assert_at(verify_tok(f, tok), AT_ERR_TTL);
	free(tok);
}

static void
test_ttl_equal_ok(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = test_token("alice", NOW - 1, NOW - 1 + 600, TEST_SECRET);

	f->cfg.max_ttl = 600;
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
}

static void
test_ttl_unchecked_when_zero(void **state)
{
	struct unit_verifier *f = *state;
	char *tok =
		test_token("alice", NOW - 1, NOW + 86400 * 365, TEST_SECRET);

	assert_int_equal(f->cfg.max_ttl, 0);
	assert_at(verify_tok(f, tok), AT_OK);
	free(tok);
}

/* claims: optional strings */

static void
test_email_not_string(void **state)
{
	assert_at(verify_payload(*state,
				 "{\"sub\":\"alice\",\"exp\":1700000300,"
				 "\"email\":42}"),
		  AT_ERR_CLAIM);
}

static void
test_name_not_string(void **state)
{
	assert_at(verify_payload(*state,
				 "{\"sub\":\"alice\",\"exp\":1700000300,"
				 "\"name\":{\"first\":\"A\"}}"),
		  AT_ERR_CLAIM);
}

static void
test_null_name_is_not_string(void **state)
{
	assert_at(verify_payload(*state,
				 "{\"sub\":\"alice\",\"exp\":1700000300,"
				 "\"name\":null}"),
		  AT_ERR_CLAIM);
}

/*
 * Display claims (email, name) that are too long or carry a control
 * character are dropped, not fatal: the token is accepted, the field is
 * NULL and *_drop says why.  One byte over AT_MAX_CLAIM is dropped,
 * exactly AT_MAX_CLAIM is kept.
 */
static void
test_email_too_long_dropped(void **state)
{
	struct unit_verifier *f = *state;
	char email[AT_MAX_CLAIM + 2], *payload;

	memset(email, 'e', sizeof(email) - 1);
	email[AT_MAX_CLAIM + 1] = '\0';
	payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
			    "\"email\":\"%s\",\"name\":\"Ann\"}",
			    email);
	assert_at(verify_payload(f, payload), AT_OK);
	assert_null(f->claims.email);
	assert_int_equal(f->claims.email_drop, AT_DROP_TOO_LONG);
	assert_string_equal(f->claims.name, "Ann");
	assert_int_equal(f->claims.name_drop, AT_DROP_NONE);
	assert_string_equal(f->claims.sub, "alice");
	free(payload);

	/* Exactly at the limit: kept. */
	email[AT_MAX_CLAIM] = '\0';
	payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
			    "\"email\":\"%s\"}",
			    email);
	assert_at(verify_payload(f, payload), AT_OK);
	assert_non_null(f->claims.email);
	assert_int_equal(strlen(f->claims.email), AT_MAX_CLAIM);
	assert_int_equal(f->claims.email_drop, AT_DROP_NONE);
	free(payload);
}

static void
test_name_too_long_dropped(void **state)
{
	struct unit_verifier *f = *state;
	char name[AT_MAX_CLAIM + 2], *payload;

	memset(name, 'n', sizeof(name) - 1);
	name[AT_MAX_CLAIM + 1] = '\0';
	payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
			    "\"email\":\"a@example.com\",\"name\":\"%s\"}",
			    name);
	assert_at(verify_payload(f, payload), AT_OK);
	assert_null(f->claims.name);
	assert_int_equal(f->claims.name_drop, AT_DROP_TOO_LONG);
	assert_string_equal(f->claims.email, "a@example.com");
	assert_int_equal(f->claims.email_drop, AT_DROP_NONE);
	free(payload);
}

/* A multi-byte UTF-8 claim is measured in bytes, not characters. */
static void
test_name_limit_is_bytes(void **state)
{
	struct unit_verifier *f = *state;
	char name[AT_MAX_CLAIM + 3], *payload;
	size_t i;

	/* 513 two-byte characters (U+00E9): 1026 bytes, 513 characters. */
	for (i = 0; i + 1 < AT_MAX_CLAIM + 2; i += 2) {
		name[i] = (char)0xc3;
		name[i + 1] = (char)0xa9;
	}
	name[i] = '\0';
	payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
			    "\"name\":\"%s\"}",
			    name);
	assert_at(verify_payload(f, payload), AT_OK);
	assert_null(f->claims.name);
	assert_int_equal(f->claims.name_drop, AT_DROP_TOO_LONG);
	free(payload);
}

static void
test_display_control_chars_dropped(void **state)
{
	struct unit_verifier *f = *state;
	static const char *const bad[] = {
		"Evil\\nAGENTICTRUST_SUB=root", /* JSON \n: a newline */
		"tab\\there",
		"del\x7f",
		"c1 \xc2\x85 NEL",
		"esc \\u001b[31m",
	};
	char *payload;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"email\":\"%s\",\"name\":\"%s\"}",
				    bad[i], bad[i]);
		assert_at(verify_payload(f, payload), AT_OK);
		assert_null(f->claims.email);
		assert_null(f->claims.name);
		assert_int_equal(f->claims.email_drop, AT_DROP_UNPRINTABLE);
		assert_int_equal(f->claims.name_drop, AT_DROP_UNPRINTABLE);
		assert_string_equal(f->claims.sub, "alice");
		free(payload);
	}
	/* The limit comes first: a long value with a control character. */
	{
		char name[AT_MAX_CLAIM + 8];

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		memcpy(name, "\\n", 2);
		payload = xasprintf("{\"sub\":\"alice\","
				    "\"exp\":1700000300,\"name\":\"%s\"}",
				    name);
		assert_at(verify_payload(f, payload), AT_OK);
		assert_int_equal(f->claims.name_drop, AT_DROP_TOO_LONG);
		free(payload);
	}
	/* Printable UTF-8 is kept as is. */
	assert_at(verify_payload(f, "{\"sub\":\"alice\",\"exp\":1700000300,"
				    "\"name\":\"Zo\xc3\xab \xe2\x9c\x93\"}"),
		  AT_OK);
	assert_string_equal(f->claims.name, "Zo\xc3\xab \xe2\x9c\x93");
	assert_int_equal(f->claims.name_drop, AT_DROP_NONE);
	/* A drop of one token does not leak into the next verification. */
	assert_at(verify_payload(f, GOOD_PAYLOAD), AT_OK);
	assert_int_equal(f->claims.email_drop, AT_DROP_NONE);
	assert_int_equal(f->claims.name_drop, AT_DROP_NONE);
}

static void
test_iss_too_long_still_refused(void **state)
{
	struct unit_verifier *f = *state;
	char iss[AT_MAX_CLAIM + 2], *payload;

	memset(iss, 'i', sizeof(iss) - 1);
	iss[AT_MAX_CLAIM + 1] = '\0';
	payload = xasprintf("{\"sub\":\"alice\",\"exp\":1700000300,"
			    "\"iss\":\"%s\"}",
			    iss);
	assert_at(verify_payload(f, payload), AT_ERR_ISSUER);
	free(payload);
}

/* claims: JSON shape */

static void
test_payload_duplicate_key(void **state)
{
	assert_at(verify_payload(*state, "{\"sub\":\"alice\",\"sub\":\"root\","
					 "\"exp\":1700000300}"),
		  AT_ERR_DUPLICATE_KEY);
	assert_at(verify_payload(*state, "{\"sub\":\"alice\",\"exp\":1,"
					 "\"exp\":1700000300}"),
		  AT_ERR_DUPLICATE_KEY);
}

static void
test_payload_nested_duplicate_key(void **state)
{
	assert_at(verify_payload(*state,
				 "{\"sub\":\"alice\",\"exp\":1700000300,"
				 "\"x\":{\"a\":1,\"a\":2}}"),
		  AT_ERR_DUPLICATE_KEY);
}

static void
test_payload_trailing_garbage(void **state)
{
	assert_at(verify_payload(*state, GOOD_PAYLOAD "x"), AT_ERR_JSON);
	assert_at(verify_payload(*state, GOOD_PAYLOAD "{}"), AT_ERR_JSON);
	assert_at(verify_payload(*state, GOOD_PAYLOAD ","), AT_ERR_JSON);
}

static void
test_payload_trailing_nul(void **state)
{
	struct unit_verifier *f = *state;
	static const char payload[] = GOOD_PAYLOAD;
	char *tok = sign_raw(HDR, strlen(HDR), payload, sizeof(payload));

	assert_at(verify_tok(f, tok), AT_ERR_JSON);
	free(tok);
}

static void
test_payload_not_object(void **state)
{
	assert_at(verify_payload(*state, "[\"alice\"]"), AT_ERR_NOT_OBJECT);
	assert_at(verify_payload(*state, "\"alice\""), AT_ERR_NOT_OBJECT);
	assert_at(verify_payload(*state, "1700000300"), AT_ERR_NOT_OBJECT);
}

static void
test_payload_not_json(void **state)
{
	assert_at(verify_payload(*state, "sub=alice"), AT_ERR_JSON);
	assert_at(verify_payload(*state, ""), AT_ERR_JSON);
}

static void
test_check_claims_direct(void **state)
{
	struct unit_verifier *f = *state;
	static const char payload[] = GOOD_PAYLOAD;
	struct at_claims c;

	at_claims_init(&c);
	assert_int_equal(c.secret_index, -1);
	assert_int_equal(c.method, AT_METHOD_NONE);
	assert_at(at_jwt_check_claims(&f->cfg, (const unsigned char *)payload,
				      strlen(payload), NOW, &c),
		  AT_OK);
	assert_string_equal(c.sub, "alice");
	at_claims_clear(&c);
	assert_null(c.sub);
	/* The time passed in is the one used. */
	assert_at(at_jwt_check_claims(&f->cfg, (const unsigned char *)payload,
				      strlen(payload), 1700000300 + LEEWAY, &c),
		  AT_ERR_EXPIRED);
	at_claims_clear(&c);
	at_claims_clear(NULL);
}

/* ------------------------------------------------------------------ */
/* RFC vectors */

struct rfc_vector {
	json_t *root;
	json_t *tc;
	unsigned char key[128];
	size_t keylen;
};

static void
load_rfc_jws(struct rfc_vector *rv, size_t index, const char *source)
{
	json_error_t err;
	const char *hex;

	if (rfc_path == NULL)
		fail_msg("vector path not given on the command line");
	rv->root = json_load_file(rfc_path, 0, &err);
	if (rv->root == NULL)
		fail_msg("%s:%d: %s", rfc_path, err.line, err.text);
	rv->tc = json_array_get(json_object_get(rv->root, "jws_hs256"), index);
	assert_non_null(rv->tc);
	assert_non_null(strstr(
		json_string_value(json_object_get(rv->tc, "source")), source));
	hex = json_string_value(json_object_get(rv->tc, "key_hex"));
	assert_non_null(hex);
	rv->keylen = strlen(hex) / 2;
	assert_true(rv->keylen <= sizeof(rv->key));
	assert_at(at_hex_decode(hex, strlen(hex), rv->key, rv->keylen), AT_OK);
}

static const char *
rv_str(struct rfc_vector *rv, const char *key)
{
	const char *s = json_string_value(json_object_get(rv->tc, key));

	assert_non_null(s);
	return s;
}

/* A verifier holding only the vector's key, at the given clock. */
static struct at_verifier *
rfc_verifier(struct unit_verifier *f, struct rfc_vector *rv)
{
	struct at_verifier *v = NULL;

	assert_at(at_verifier_new(&v, &f->cfg, NULL), AT_OK);
	assert_at(at_verifier_add_secret(v, rv->key, rv->keylen), AT_OK);
	at_verifier_set_clock(v, unit_fixed_clock, &f->now);
	return v;
}

static void
test_rfc7515_a1_jws_ok(void **state)
{
	struct unit_verifier *f = *state;
	struct rfc_vector rv;
	struct at_verifier *v;
	const char *tok;
	unsigned char *payload = NULL, mac[AT_MAC_LEN], want[AT_MAC_LEN];
	size_t plen = 0;

	load_rfc_jws(&rv, 0, "RFC 7515 Appendix A.1");
	assert_int_equal(rv.keylen, 64);
	tok = rv_str(&rv, "token");
	/* The signature over the signing input, as printed. */
	assert_at(at_hmac_sha256(rv.key, rv.keylen, rv_str(&rv, "data"),
				 strlen(rv_str(&rv, "data")), mac),
		  AT_OK);
	assert_at(at_hex_decode(rv_str(&rv, "expected_hex"), 64, want,
				sizeof(want)),
		  AT_OK);
	assert_memory_equal(mac, want, AT_MAC_LEN);

	v = rfc_verifier(f, &rv);
	assert_at(
		at_jws_verify(v, tok, strlen(tok), &f->claims, &payload, &plen),
		AT_OK);
	assert_int_equal(f->claims.secret_index, 0);
	assert_int_equal(plen, strlen(rv_str(&rv, "payload")));
	assert_memory_equal(payload, rv_str(&rv, "payload"), plen);
	at_freezero(payload, plen + 1);
	at_verifier_free(v);
	/* Our test secret does not verify it. */
	assert_at(verify_tok(f, tok), AT_ERR_SIGNATURE);
	json_decref(rv.root);
}

static void
test_rfc7515_a1_jwt_no_sub(void **state)
{
	struct unit_verifier *f = *state;
	struct rfc_vector rv;
	struct at_verifier *v;
	const char *tok;

	load_rfc_jws(&rv, 0, "RFC 7515 Appendix A.1");
	tok = rv_str(&rv, "token");
	v = rfc_verifier(f, &rv);
	/* Before its exp (1300819380) the only fault is the missing sub. */
	f->now = 1300819000;
	at_claims_clear(&f->claims);
	assert_at(at_jwt_verify(v, tok, strlen(tok), &f->claims), AT_ERR_SUB);
	assert_int_equal(f->claims.secret_index, 0);
	/* At a current clock too: sub is checked before the time claims. */
	f->now = NOW;
	at_claims_clear(&f->claims);
	assert_at(at_jwt_verify(v, tok, strlen(tok), &f->claims), AT_ERR_SUB);
	at_verifier_free(v);
	json_decref(rv.root);
}

static void
test_rfc7515_a1_claims_with_sub(void **state)
{
	struct unit_verifier *f = *state;
	struct rfc_vector rv;
	const char *payload;
	char *with_sub;
	struct at_claims c;

	load_rfc_jws(&rv, 0, "RFC 7515 Appendix A.1");
	payload = rv_str(&rv, "payload");
	assert_int_equal(payload[0], '{');
	/* The A.1 claims plus a sub: then only the clock decides. */
	with_sub = xasprintf("{\"sub\":\"joe\",\r\n %s", payload + 1);
	at_claims_init(&c);
	assert_at(at_jwt_check_claims(&f->cfg, (unsigned char *)with_sub,
				      strlen(with_sub), 1300819000, &c),
		  AT_OK);
	assert_true(c.exp == 1300819380.0);
	assert_string_equal(c.iss, "joe");
	at_claims_clear(&c);
	assert_at(at_jwt_check_claims(&f->cfg, (unsigned char *)with_sub,
				      strlen(with_sub), NOW, &c),
		  AT_ERR_EXPIRED);
	at_claims_clear(&c);
	free(with_sub);
	json_decref(rv.root);
}

static void
test_rfc7520_4_4(void **state)
{
	struct unit_verifier *f = *state;
	struct rfc_vector rv;
	struct at_verifier *v;
	const char *tok;
	unsigned char *payload = NULL;
	size_t plen = 0;

	load_rfc_jws(&rv, 1, "RFC 7520 section 4.4");
	assert_int_equal(rv.keylen, 32);
	tok = rv_str(&rv, "token");
	v = rfc_verifier(f, &rv);
	assert_at(
		at_jws_verify(v, tok, strlen(tok), &f->claims, &payload, &plen),
		AT_OK);
	assert_string_equal(f->claims.kid,
			    "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
	assert_int_equal(plen, strlen(rv_str(&rv, "payload")));
	assert_memory_equal(payload, rv_str(&rv, "payload"), plen);
	/* Plain text is not a claims set. */
	assert_at(at_jwt_check_claims(&f->cfg, payload, plen, NOW, &f->claims),
		  AT_ERR_JSON);
	at_freezero(payload, plen + 1);
	at_claims_clear(&f->claims);
	assert_at(at_jwt_verify(v, tok, strlen(tok), &f->claims), AT_ERR_JSON);
	at_verifier_free(v);
	json_decref(rv.root);
}

/* ------------------------------------------------------------------ */
/* libjwt 1.10.2 cross-checks */

#ifdef HAVE_LIBJWT
static char *
libjwt_mint(jwt_alg_t alg, const char *sub, long exp)
{
	jwt_t *jwt = NULL;
	char *tok;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_set_alg(jwt, alg,
				     (const unsigned char *)TEST_SECRET,
				     (int)strlen(TEST_SECRET)),
			 0);
	assert_int_equal(jwt_add_grant(jwt, "sub", sub), 0);
	assert_int_equal(jwt_add_grant_int(jwt, "exp", exp), 0);
	tok = jwt_encode_str(jwt);
	assert_non_null(tok);
	jwt_free(jwt);
	return tok;
}

static void
test_libjwt_token_verifies_here(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = libjwt_mint(JWT_ALG_HS256, "alice", NOW + 300);

	assert_at(verify_tok(f, tok), AT_OK);
	assert_string_equal(f->claims.sub, "alice");
	assert_true(f->claims.exp == (double)(NOW + 300));
	free(tok);
}

static void
test_our_token_verifies_in_libjwt(void **state)
{
	char *tok = test_token("alice", NOW, NOW + 300, TEST_SECRET);
	char *other = test_token("alice", NOW, NOW + 300, TEST_SECRET2);
	jwt_t *jwt = NULL;

	(void)state;
	assert_int_equal(jwt_decode(&jwt, tok,
				    (const unsigned char *)TEST_SECRET,
				    (int)strlen(TEST_SECRET)),
			 0);
	assert_non_null(jwt);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_HS256);
	assert_string_equal(jwt_get_grant(jwt, "sub"), "alice");
	assert_int_equal(jwt_get_grant_int(jwt, "exp"), NOW + 300);
	jwt_free(jwt);
	jwt = NULL;
	/* And libjwt does check the MAC of an HS256 token. */
	assert_int_not_equal(jwt_decode(&jwt, other,
					(const unsigned char *)TEST_SECRET,
					(int)strlen(TEST_SECRET)),
			     0);
	jwt_free(jwt);
	free(tok);
	free(other);
}

/*
 * Document test: libjwt 1.10.2 lets the token choose the algorithm, so
 * an HS512 token under the shared secret decodes.  Ours pins HS256: the
 * real HS512 token already fails on its 64-byte MAC (checked before the
 * header is parsed), and the same header over an HS256 MAC fails on alg.
 */
static void
test_libjwt_accepts_hs512_we_do_not(void **state)
{
	struct unit_verifier *f = *state;
	char *tok = libjwt_mint(JWT_ALG_HS512, "alice", NOW + 300);
	char *h, *p, *s, *ours;
	unsigned char sig[64];
	size_t siglen = 0;
	jwt_t *jwt = NULL;

	assert_int_equal(jwt_decode(&jwt, tok,
				    (const unsigned char *)TEST_SECRET,
				    (int)strlen(TEST_SECRET)),
			 0);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_HS512);
	jwt_free(jwt);

	split(tok, &h, &p, &s);
	assert_at(at_b64url_decode(s, strlen(s), sig, sizeof(sig), &siglen),
		  AT_OK);
	assert_int_equal(siglen, 64);
	assert_at(verify_tok(f, tok), AT_ERR_SIG_LENGTH);
	/* Its header and payload, MACed with HMAC-SHA256: alg decides. */
	ours = sign_segments(h, p, TEST_SECRET);
	assert_at(verify_tok(f, ours), AT_ERR_ALG);
	free(tok);
	free(h);
	free(p);
	free(s);
	free(ours);
}

/*
 * Document test: libjwt 1.10.2's jwt_decode() accepts an unsigned
 * alg "none" token when called without a key (it refuses one when a key
 * is given).  Ours has no unsigned mode: the empty signature is refused
 * before anything else, and a verifier without a secret verifies nothing.
 */
static void
test_libjwt_accepts_alg_none_without_key(void **state)
{
	struct unit_verifier *f = *state;
	char *h = b64("{\"alg\":\"none\"}", 14);
	char *p = b64(GOOD_PAYLOAD, strlen(GOOD_PAYLOAD));
	char *tok = xasprintf("%s.%s.", h, p);
	struct at_verifier *empty = NULL;
	jwt_t *jwt = NULL;

	assert_int_equal(jwt_decode(&jwt, tok, NULL, 0), 0);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_NONE);
	assert_string_equal(jwt_get_grant(jwt, "sub"), "alice");
	jwt_free(jwt);
	jwt = NULL;
	assert_int_not_equal(jwt_decode(&jwt, tok,
					(const unsigned char *)TEST_SECRET,
					(int)strlen(TEST_SECRET)),
			     0);
	jwt_free(jwt);

	assert_at(verify_tok(f, tok), AT_ERR_SIG_LENGTH);
	assert_at(at_verifier_new(&empty, &f->cfg, NULL), AT_OK);
	at_verifier_set_clock(empty, unit_fixed_clock, &f->now);
	at_claims_clear(&f->claims);
	assert_at(at_jwt_verify(empty, tok, strlen(tok), &f->claims),
		  AT_ERR_SIG_LENGTH);
	at_verifier_free(empty);
	free(h);
	free(p);
	free(tok);
}
#endif

int
main(int argc, char **argv)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_common_header_segment,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_common_header_still_checked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_common_header_neighbours,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_common_header_last_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_reused_state,
						setup, teardown),
		T(test_valid_token),
		T(test_all_claims_reported),
		T(test_clock_is_the_injected_one),
		T(test_jws_one_segment),
		T(test_jws_two_segments),
		T(test_jws_four_segments),
		T(test_jws_too_long),
		T(test_b64_padding_header),
		T(test_b64_padding_payload),
		T(test_b64_padding_signature),
		T(test_b64_plus_slash_header),
		T(test_b64_plus_slash_payload),
		T(test_b64_plus_slash_signature),
		T(test_b64_whitespace_header),
		T(test_b64_whitespace_payload),
		T(test_b64_whitespace_signature),
		T(test_b64_len_mod4_header),
		T(test_b64_len_mod4_payload),
		T(test_b64_len_mod4_signature),
		T(test_b64_noncanonical_header),
		T(test_b64_noncanonical_payload),
		T(test_b64_noncanonical_signature),
		T(test_sig_length_31),
		T(test_sig_length_33),
		T(test_sig_length_16_truncated),
		T(test_sig_length_0_and_64),
		T(test_sig_wrong_key),
		T(test_sig_flipped_bit),
		T(test_sig_flipped_payload_bit),
		T(test_mac_before_json_garbage_header_wrong_sig),
		T(test_mac_before_json_garbage_header_right_sig),
		T(test_mac_before_json_garbage_payload_wrong_sig),
		T(test_mac_before_json_array_header_wrong_sig),
		T(test_header_is_array),
		T(test_header_is_string),
		T(test_header_trailing_garbage),
		T(test_header_trailing_nul),
		T(test_header_invalid_utf8),
		T(test_alg_none),
		T(test_alg_hs384),
		T(test_alg_hs512),
		T(test_alg_rs256),
		T(test_alg_lowercase_hs256),
		T(test_alg_missing),
		T(test_alg_integer),
		T(test_alg_null),
		T(test_alg_array),
		T(test_alg_empty),
		T(test_alg_trailing_space),
		T(test_alg_prefix_match),
		T(test_alg_hs256_without_typ_ok),
		T(test_typ_jwt_ok),
		T(test_typ_jose),
		T(test_typ_integer),
		T(test_typ_other_forms),
		T(test_header_crit),
		T(test_header_jku),
		T(test_header_x5u),
		T(test_header_jwk),
		T(test_header_x5c),
		T(test_header_cty),
		T(test_header_enc),
		T(test_header_zip),
		T(test_header_b64),
		T(test_kid_present_ok),
		T(test_kid_not_string),
		T(test_kid_unprintable_not_kept),
		T(test_header_duplicate_alg),
		T(test_header_duplicate_typ),
		T(test_sub_missing),
		T(test_sub_empty),
		T(test_sub_257_bytes),
		T(test_sub_256_bytes_ok),
		T(test_sub_control_u0001),
		T(test_sub_control_u007f),
		T(test_sub_control_u0085),
		T(test_sub_newline),
		T(test_sub_nul_escape),
		T(test_sub_not_string),
		T(test_sub_utf8_ok),
		T(test_time_exp_string),
		T(test_time_exp_bool),
		T(test_time_exp_null),
		T(test_time_exp_negative),
		T(test_time_exp_negative_real),
		T(test_time_exp_2p53),
		T(test_time_exp_2p53_real),
		T(test_time_exp_huge_real),
		T(test_time_exp_array),
		T(test_time_nbf_string),
		T(test_time_nbf_bool),
		T(test_time_nbf_null),
		T(test_time_nbf_negative),
		T(test_time_nbf_2p53),
		T(test_time_iat_string),
		T(test_time_iat_bool),
		T(test_time_iat_null),
		T(test_time_iat_negative),
		T(test_time_iat_2p53),
		T(test_time_below_2p53_ok),
		T(test_exp_fractional_ok),
		T(test_exp_boundary_expired),
		T(test_exp_boundary_ok),
		T(test_exp_boundary_zero_leeway),
		T(test_exp_missing),
		T(test_exp_missing_allowed),
		T(test_nbf_in_future),
		T(test_nbf_boundary_ok),
		T(test_iat_in_future),
		T(test_iat_boundary_ok),
		T(test_iss_matches),
		T(test_iss_missing),
		T(test_iss_different),
		T(test_iss_not_string),
		T(test_aud_string_equal_ok),
		T(test_aud_array_containing_ok),
		T(test_aud_string_different),
		T(test_aud_array_without),
		T(test_aud_empty_array),
		T(test_aud_missing),
		T(test_aud_not_string),
		T(test_aud_unchecked_without_policy),
		T(test_ttl_missing_iat),
		T(test_ttl_too_long),
		T(test_ttl_equal_ok),
		T(test_ttl_unchecked_when_zero),
		T(test_email_not_string),
		T(test_name_not_string),
		T(test_null_name_is_not_string),
		T(test_email_too_long_dropped),
		T(test_name_too_long_dropped),
		T(test_name_limit_is_bytes),
		T(test_display_control_chars_dropped),
		T(test_iss_too_long_still_refused),
		T(test_payload_duplicate_key),
		T(test_payload_nested_duplicate_key),
		T(test_payload_trailing_garbage),
		T(test_payload_trailing_nul),
		T(test_payload_not_object),
		T(test_payload_not_json),
		T(test_check_claims_direct),
		T(test_rfc7515_a1_jws_ok),
		T(test_rfc7515_a1_jwt_no_sub),
		T(test_rfc7515_a1_claims_with_sub),
		T(test_rfc7520_4_4),
#ifdef HAVE_LIBJWT
		T(test_libjwt_token_verifies_here),
		T(test_our_token_verifies_in_libjwt),
		T(test_libjwt_accepts_hs512_we_do_not),
		T(test_libjwt_accepts_alg_none_without_key),
#endif
	};
#undef T

	if (argc != 2) {
		fprintf(stderr, "usage: %s RFC_VECTORS\n", argv[0]);
		return 2;
	}
	rfc_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
