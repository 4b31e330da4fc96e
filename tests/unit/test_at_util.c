/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_util.c - lib/at_util.c: reason tags, logging, log values read
 * back by the documented grammar (tests/common/test_logfmt.c), wiping, strict
 * base64url (RFC 7515 section 2, RFC 4648 section 5), hex, printable
 * checks and trimming.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "at.h"
#include "test_common.h"
#include "test_logfmt.h"
#include "unit_test.h"

/* ------------------------------------------------------------------ */
/* reason tags */

static void
test_reason_tags_stable(void **state)
{
	(void)state;
	/* Operators grep for these: a rename must break this test. */
	assert_string_equal(at_err_reason(AT_OK), "ok");
	assert_string_equal(at_err_reason(AT_ERR_EXPIRED), "expired");
	assert_string_equal(at_err_reason(AT_ERR_SIGNATURE), "bad_signature");
	assert_string_equal(at_err_reason(AT_ERR_ALG), "alg_not_allowed");
	assert_string_equal(at_err_reason(AT_ERR_NOT_MAPPED),
			    "user_not_mapped");
	assert_string_equal(at_err_reason(AT_ERR_USER_MISMATCH),
			    "user_mismatch");
	assert_string_equal(at_err_reason(AT_ERR_SIG_LENGTH),
			    "bad_signature_length");
	assert_string_equal(at_err_reason(AT_ERR_CONFIG), "bad_config");
}

static const enum at_err all_errs[] = {
	AT_OK,
	AT_ERR_INTERNAL,
	AT_ERR_NOMEM,
	AT_ERR_CRYPTO,
	AT_ERR_CONFIG,
	AT_ERR_FILE,
	AT_ERR_SECRET,
	AT_ERR_SECRET_SHORT,
	AT_ERR_EMPTY,
	AT_ERR_TOO_LONG,
	AT_ERR_FORMAT,
	AT_ERR_METHOD,
	AT_ERR_BASE64,
	AT_ERR_SIG_LENGTH,
	AT_ERR_SIGNATURE,
	AT_ERR_JSON,
	AT_ERR_DUPLICATE_KEY,
	AT_ERR_NOT_OBJECT,
	AT_ERR_ALG,
	AT_ERR_TYP,
	AT_ERR_HEADER,
	AT_ERR_SUB,
	AT_ERR_TIME_CLAIM,
	AT_ERR_EXPIRED,
	AT_ERR_NO_EXP,
	AT_ERR_NOT_YET,
	AT_ERR_IAT_FUTURE,
	AT_ERR_ISSUER,
	AT_ERR_AUDIENCE,
	AT_ERR_TTL,
	AT_ERR_NO_IAT,
	AT_ERR_CLAIM,
	AT_ERR_USER_MISMATCH,
	AT_ERR_NOT_MAPPED,
};

static void
test_reason_tags_distinct(void **state)
{
	size_t n = sizeof(all_errs) / sizeof(all_errs[0]), i, j;

	(void)state;
	for (i = 0; i < n; i++) {
		const char *tag = at_err_reason(all_errs[i]);

		assert_non_null(tag);
		assert_non_null(at_strerror(all_errs[i]));
		assert_true(strlen(at_strerror(all_errs[i])) > 0);
		/* Only AT_ERR_INTERNAL may use the fallback tag. */
		if (all_errs[i] != AT_ERR_INTERNAL)
			assert_string_not_equal(tag, "internal");
		for (j = 0; j < i; j++)
			assert_string_not_equal(tag,
						at_err_reason(all_errs[j]));
	}
}

static void
test_reason_unknown_code(void **state)
{
	(void)state;
	assert_string_equal(at_err_reason((enum at_err) - 999), "internal");
	assert_string_equal(at_strerror((enum at_err) - 999), "internal error");
}

/* ------------------------------------------------------------------ */
/* logging */

struct capture {
	int calls;
	int prio;
	char text[256];
};

static void capture_log(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
capture_log(void *ctx, int prio, const char *fmt, va_list ap)
{
	struct capture *c = ctx;

	c->calls++;
	c->prio = prio;
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
}

static void
test_log_formats_and_gates_debug(void **state)
{
	struct capture c = {0};
	struct at_log log = {capture_log, &c, false};

	(void)state;
	at_log(&log, LOG_ERR, "reason=%s n=%d", "expired", 7);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.prio, LOG_ERR);
	assert_string_equal(c.text, "reason=expired n=7");
	/* LOG_DEBUG only with debug set. */
	at_log(&log, LOG_DEBUG, "hidden");
	assert_int_equal(c.calls, 1);
	log.debug = true;
	at_log(&log, LOG_DEBUG, "shown");
	assert_int_equal(c.calls, 2);
	assert_string_equal(c.text, "shown");
	/* No sink: messages are dropped, nothing is called. */
	log.fn = NULL;
	at_log(&log, LOG_ERR, "dropped");
	at_log(NULL, LOG_ERR, "dropped");
	assert_int_equal(c.calls, 2);
}

/* ------------------------------------------------------------------ */
/* log values */

static const char *
lv(char *buf, const char *s)
{
	return at_log_value(buf, AT_LOG_VALUE_SIZE, s);
}

static void
test_log_value_examples(void **state)
{
	char b[AT_LOG_VALUE_SIZE];

	(void)state;
	assert_string_equal(lv(b, NULL), "-");
	assert_string_equal(lv(b, "alice"), "alice");
	assert_string_equal(lv(b, "agent-7.f_3@example.com/x+y"),
			    "agent-7.f_3@example.com/x+y");
	assert_string_equal(lv(b, "ends.in.dots..."), "ends.in.dots...");
	/* Distinguishable from NULL, and from nothing. */
	assert_string_equal(lv(b, "-"), "\"-\"");
	assert_string_equal(lv(b, ""), "\"\"");
	/* Anything outside the bare set is quoted. */
	assert_string_equal(lv(b, "a b"), "\"a b\"");
	assert_string_equal(lv(b, "reason=ok"), "\"reason=ok\"");
	assert_string_equal(lv(b, "x:y"), "\"x:y\"");
	assert_string_equal(lv(b, "a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(lv(b, "a\nb\r\t\x7f"),
			    "\"a\\x0ab\\x0d\\x09\\x7f\"");
	/* U+202E RIGHT-TO-LEFT OVERRIDE, overlong "/" (C0 AF), raw bytes. */
	assert_string_equal(lv(b, "\xe2\x80\xae" "toor"),
			    "\"\\xe2\\x80\\xaetoor\"");
	assert_string_equal(lv(b, "\xc0\xaf"), "\"\\xc0\\xaf\"");
	assert_string_equal(lv(b, "\xff\x80"), "\"\\xff\\x80\"");
	/* A quoted value never ends in a literal ".". */
	assert_string_equal(lv(b, "a b."), "\"a b\\x2e\"");
	assert_string_equal(lv(b, "a b..."), "\"a b..\\x2e\"");
}

/* Every output is printable ASCII, at most size - 1 characters. */
static void
assert_printable_ascii(const char *s, size_t size)
{
	size_t i, n = strlen(s);

	assert_true(n < size);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			fail_msg("byte 0x%02x at %zu of \"%s\"",
				 (unsigned char)s[i], i, s);
}

/* at_log_value(s) read back gives s, or a prefix of s marked cut, and
 * nothing of the output is left over. */
static void
check_round_trip(const char *s, size_t size)
{
	char *b = malloc(size);
	const char *p;
	struct logfmt_value v;

	assert_non_null(b);
	at_log_value(b, size, s);
	assert_printable_ascii(b, size);
	p = b;
	if (logfmt_read_value(&p, &v) != 0 || *p != '\0')
		fail_msg("not one value of the grammar: %s", b);
	if (s == NULL) {
		assert_null(v.text);
	} else if (v.cut) {
		assert_non_null(v.text);
		assert_true(v.len < strlen(s));
		assert_memory_equal(v.text, s, v.len);
		/* Cut only when the whole value did not fit. */
		assert_true(strlen(b) + 4 >= size - 1);
	} else {
		assert_true(logfmt_value_is(&v, s, strlen(s)));
	}
	logfmt_value_free(&v);
	free(b);
}

static const char *const hostile[] = {
	NULL, "", "-", "--", "root", "alice reason=ok sub=root",
	"x\" reason=ok", "back\\slash", "\\", "\"", "a\nrefused user=root",
	"tab\there", "\r", "\x1b[31mred", "\xe2\x80\xae" "toor",
	"\xc0\xaf", "\xff\xfe", "\xc2\x85", "nbsp\xc2\xa0", "dot.", ".",
	"...", "a b...", "key=", "=", ":", "x: y", "\x7f", "user=-",
};

static void
test_log_value_round_trip(void **state)
{
	char s[400];
	uint32_t x = 2463534242u; /* xorshift32: a fixed sequence */
	size_t i, j, n, sizes[] = {AT_LOG_VALUE_MIN, 9, 16, 33,
				   AT_LOG_VALUE_SIZE, 1024};

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
			check_round_trip(hostile[i], sizes[j]);
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x % 300;
		for (j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* Half the strings from the bare set and a few
			 * specials, so bare, quoted and cut all occur. */
			if (i % 2)
				s[j] = (char)(1 + x % 255);
			else
				s[j] = "aZ9._-@/+ .\"\\="[x % 15];
		}
		s[n] = '\0';
		check_round_trip(s, sizes[i % (sizeof(sizes) /
					       sizeof(sizes[0]))]);
	}
}

static void
test_log_value_cut(void **state)
{
	char b[AT_LOG_VALUE_SIZE], s[1000];

	(void)state;
	/* A bare value too long for the buffer is quoted and cut. */
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	lv(b, s);
	assert_int_equal(strlen(b), AT_LOG_VALUE_SIZE - 1);
	assert_int_equal(b[0], '"');
	assert_string_equal(b + strlen(b) - 4, "...\"");
	/* Exactly what fits stays bare and whole. */
	s[AT_LOG_VALUE_SIZE - 1] = '\0';
	assert_string_equal(lv(b, s), s);
	s[AT_LOG_VALUE_SIZE - 2] = '\0';
	assert_string_equal(lv(b, s), s);
	/* An escape is never split. */
	memset(s, '\n', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	lv(b, s);
	assert_string_equal(b + strlen(b) - 8, "\\x0a...\"");
	/* The smallest buffer still says "cut", and a smaller one gets
	 * nothing rather than a wrong value. */
	at_log_value(b, AT_LOG_VALUE_MIN, "a b c d e");
	assert_string_equal(b, "\"a ...\"");
	at_log_value(b, AT_LOG_VALUE_MIN - 1, "abc");
	assert_string_equal(b, "");
}

/* A whole line built like the module's, read back field by field. */
static void
test_log_line_round_trip(void **state)
{
	char line[2048], u[AT_LOG_VALUE_SIZE], sv[AT_LOG_VALUE_SIZE],
		sb[AT_LOG_VALUE_SIZE], k[AT_LOG_VALUE_SIZE];
	struct logfmt_line l;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *svc = hostile[(i + 3) % (sizeof(hostile) /
						     sizeof(hostile[0]))];
		const char *sub = hostile[(i + 7) % (sizeof(hostile) /
						     sizeof(hostile[0]))];

		lv(sv, svc == NULL ? "sshd" : svc);
		snprintf(line, sizeof(line),
			 "pam_agentictrust(%s:auth): rejected user=%s "
			 "service=%s method=jwt reason=user_mismatch sub=%s "
			 "kid=%s secret=0",
			 sv, lv(u, hostile[i]), sv, lv(sb, sub),
			 lv(k, hostile[i]));
		if (logfmt_parse(line, &l) != 0)
			fail_msg("unreadable: %s", line);
		assert_string_equal(l.verdict, "rejected");
		assert_int_equal(l.nfields, 7);
		assert_true(logfmt_value_is(
			logfmt_get(&l, "user"), hostile[i],
			hostile[i] == NULL ? 0 : strlen(hostile[i])));
		assert_true(logfmt_value_is(logfmt_get(&l, "kid"), hostile[i],
					    hostile[i] == NULL
						    ? 0
						    : strlen(hostile[i])));
		assert_true(logfmt_value_is(logfmt_get(&l, "sub"), sub,
					    sub == NULL ? 0 : strlen(sub)));
		assert_true(logfmt_value_is(logfmt_get(&l, "reason"),
					    "user_mismatch", 13));
		assert_true(logfmt_value_is(&l.service,
					    svc == NULL ? "sshd" : svc,
					    svc == NULL ? 4 : strlen(svc)));
		for (j = 0; j < l.nfields; j++)
			assert_false(l.fields[j].value.cut);
		logfmt_free(&l);
	}
	/* The raw values of today's line would have faked fields. */
	assert_int_equal(
		logfmt_parse("m(s:auth): rejected user=a reason=ok sub=root "
			     "reason=user_unknown",
			     &l),
		-1);
}

/* ------------------------------------------------------------------ */
/* wiping */

static void
test_wipe_clears(void **state)
{
	unsigned char buf[16];
	size_t i;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	at_wipe(buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	at_wipe(NULL, 10);
	at_freezero(NULL, 10);
	at_strfreezero(NULL);
	at_freezero(strdup("secret"), 6);
	at_strfreezero(strdup("secret"));
}

/* ------------------------------------------------------------------ */
/* base64url */

static void
test_b64url_rfc4648_vectors(void **state)
{
	/* RFC 4648 section 10, without padding. */
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{"", ""},
		{"f", "Zg"},
		{"fo", "Zm8"},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg"},
		{"fooba", "Zm9vYmE"},
		{"foobar", "Zm9vYmFy"},
	};
	char enc[16];
	unsigned char dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		at_b64url_encode((const unsigned char *)v[i].plain,
				 strlen(v[i].plain), enc);
		assert_string_equal(enc, v[i].enc);
		assert_at(at_b64url_decode(v[i].enc, strlen(v[i].enc), dec,
					   sizeof(dec), &n),
			  AT_OK);
		assert_int_equal(n, strlen(v[i].plain));
		assert_int_equal(at_b64url_decoded_len(strlen(v[i].enc)), n);
		assert_memory_equal(dec, v[i].plain, n);
	}
}

static void
test_b64url_url_alphabet(void **state)
{
	static const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
	unsigned char dec[3];
	char enc[8];
	size_t n;

	(void)state;
	/* 0xfbffbf is "+/+/" in standard base64, "-_-_" in base64url. */
	at_b64url_encode(bytes, sizeof(bytes), enc);
	assert_string_equal(enc, "-_-_");
	assert_at(at_b64url_decode("-_-_", 4, dec, sizeof(dec), &n), AT_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(dec, bytes, 3);
}

static void
test_b64url_round_trip_all_lengths(void **state)
{
	unsigned char in[64], out[64];
	char enc[4 * 22 + 1];
	size_t len, i, n;

	(void)state;
	for (len = 0; len <= sizeof(in); len++) {
		for (i = 0; i < len; i++)
			in[i] = (unsigned char)(i * 37 + len * 11 + 0x80);
		at_b64url_encode(in, len, enc);
		assert_int_equal(strlen(enc), (len * 4 + 2) / 3);
		assert_at(at_b64url_check(enc, strlen(enc)), AT_OK);
		assert_int_equal(at_b64url_decoded_len(strlen(enc)), len);
		assert_at(at_b64url_decode(enc, strlen(enc), out, sizeof(out),
					   &n),
			  AT_OK);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
	}
}

static void
assert_b64_bad(const char *s)
{
	unsigned char out[64];
	size_t n = 99;

	assert_at(at_b64url_check(s, strlen(s)), AT_ERR_BASE64);
	assert_at(at_b64url_decode(s, strlen(s), out, sizeof(out), &n),
		  AT_ERR_BASE64);
	assert_int_equal(n, 0);
}

static void
test_b64url_rejects_padding(void **state)
{
	(void)state;
	assert_b64_bad("Zg==");
	assert_b64_bad("Zm8=");
	assert_b64_bad("Zg=");
}

static void
test_b64url_rejects_standard_alphabet(void **state)
{
	(void)state;
	assert_b64_bad("+/+/");
	assert_b64_bad("ab+c");
	assert_b64_bad("ab/c");
}

static void
test_b64url_rejects_whitespace(void **state)
{
	(void)state;
	assert_b64_bad("Zm9v Yg");
	assert_b64_bad("Zm9v\nYmFy");
	assert_b64_bad(" Zm9v");
	assert_b64_bad("Zm9v\t");
}

static void
test_b64url_rejects_len_mod4_is_1(void **state)
{
	(void)state;
	assert_b64_bad("Z");
	assert_b64_bad("Zm9vY");
}

static void
test_b64url_rejects_noncanonical_bits(void **state)
{
	(void)state;
	/* "Zg" is canonical for "f"; "Zh".."Zv" set unused low bits. */
	assert_b64_bad("Zh");
	assert_b64_bad("Zv");
	/* "Zm8" is canonical for "fo"; "Zm9" sets an unused bit. */
	assert_b64_bad("Zm9");
	assert_b64_bad("Zm_");
}

static void
test_b64url_rejects_embedded_nul(void **state)
{
	static const char s[] = {'Z', 'm', '\0', 'v'};
	unsigned char out[8];
	size_t n;

	(void)state;
	assert_at(at_b64url_check(s, sizeof(s)), AT_ERR_BASE64);
	assert_at(at_b64url_decode(s, sizeof(s), out, sizeof(out), &n),
		  AT_ERR_BASE64);
}

static void
test_b64url_rejects_null_input(void **state)
{
	(void)state;
	assert_at(at_b64url_check(NULL, 0), AT_ERR_BASE64);
}

static void
test_b64url_decode_outcap_too_small(void **state)
{
	unsigned char out[6];
	size_t n = 99;

	(void)state;
	assert_at(at_b64url_decode("Zm9vYmFy", 8, out, 5, &n), AT_ERR_BASE64);
	assert_int_equal(n, 0);
	assert_at(at_b64url_decode("Zm9vYmFy", 8, out, 6, &n), AT_OK);
	assert_int_equal(n, 6);
}

/*
 * The decoder as it was before the single-pass table (commit fca62a5),
 * kept verbatim as the reference: the table-driven one must accept,
 * refuse and decode exactly as it did.
 */
static int
ref_b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static enum at_err
ref_b64url_check(const char *in, size_t len)
{
	size_t i;
	int last;

	if (in == NULL || len % 4 == 1)
		return AT_ERR_BASE64;
	for (i = 0; i < len; i++)
		if (ref_b64url_value((unsigned char)in[i]) < 0)
			return AT_ERR_BASE64;
	if (len % 4 == 0)
		return AT_OK;
	last = ref_b64url_value((unsigned char)in[len - 1]);
	if (len % 4 == 2 && (last & 0x0f) != 0)
		return AT_ERR_BASE64;
	if (len % 4 == 3 && (last & 0x03) != 0)
		return AT_ERR_BASE64;
	return AT_OK;
}

static enum at_err
ref_b64url_decode(const char *in, size_t len, unsigned char *out,
		  size_t outcap, size_t *outlen)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	*outlen = 0;
	if (ref_b64url_check(in, len) != AT_OK)
		return AT_ERR_BASE64;
	if (at_b64url_decoded_len(len) > outcap)
		return AT_ERR_BASE64;
	for (i = 0; i < len; i++) {
		acc = (acc << 6) |
		      (uint32_t)ref_b64url_value((unsigned char)in[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = n;
	return AT_OK;
}

/* xorshift64: the same inputs on every run, so a failure reproduces. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
test_b64url_differential(void **state)
{
	/* Mostly the alphabet, so that many inputs are valid and reach the
	 * tail checks; then the near misses: padding, the standard
	 * alphabet, white space, '.', NUL, bytes >= 0x80 and neighbours of
	 * the alphabet's ranges. */
	static const char pool[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		"AQgw-_Zz09"
		"=+/ \t\n.@[`{:,\x7f\x80\xc3\xff";
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned char got[40], want[40];
	char in[40];
	size_t i, len, cap, ngot, nwant, valid = 0;
	int round;
	enum at_err rg, rw;

	(void)state;
	for (round = 0; round < 400000; round++) {
		len = (size_t)(next_rand(&x) % sizeof(in));
		for (i = 0; i < len; i++) {
			uint64_t r = next_rand(&x);

			/* Every byte value now and then, NUL included. */
			in[i] = r % 16 == 0 ? (char)(r >> 8) :
					      pool[(r >> 8) % (sizeof(pool) - 1)];
		}
		cap = (size_t)(next_rand(&x) % 32);
		memset(got, 0xa5, sizeof(got));
		memset(want, 0xa5, sizeof(want));
		rg = at_b64url_decode(in, len, got, cap, &ngot);
		rw = ref_b64url_decode(in, len, want, cap, &nwant);
		assert_at(rg, rw);
		assert_int_equal(ngot, nwant);
		assert_at(at_b64url_check(in, len), ref_b64url_check(in, len));
		if (rg == AT_OK) {
			valid++;
			assert_memory_equal(got, want, ngot);
		}
		/* Never a byte past outcap, whatever the input. */
		for (i = cap; i < sizeof(got); i++)
			assert_int_equal(got[i], 0xa5);
	}
	/* The generator must reach both verdicts often, or this test
	 * proves little. */
	assert_true(valid > 10000);
	assert_true(valid < 390000);
}

/* Every 2- and 3-character tail, and a full group, byte by byte. */
static void
test_b64url_differential_exhaustive_tails(void **state)
{
	unsigned char got[8], want[8];
	size_t ngot, nwant;
	char in[4];
	unsigned int a, b, c;

	(void)state;
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = 'Q';
			in[1] = 'Q';
			in[2] = (char)a;
			in[3] = (char)b;
			assert_at(at_b64url_decode(in + 2, 2, got, 8, &ngot),
				  ref_b64url_decode(in + 2, 2, want, 8,
						    &nwant));
			assert_int_equal(ngot, nwant);
			assert_memory_equal(got, want, ngot);
			assert_at(at_b64url_decode(in, 4, got, 8, &ngot),
				  ref_b64url_decode(in, 4, want, 8, &nwant));
			assert_int_equal(ngot, nwant);
			assert_memory_equal(got, want, ngot);
			for (c = 0; c < 256; c += 5) {
				in[0] = (char)c;
				assert_at(at_b64url_decode(in, 3, got, 8,
							   &ngot),
					  ref_b64url_decode(in, 3, want, 8,
							    &nwant));
				assert_int_equal(ngot, nwant);
				assert_memory_equal(got, want, ngot);
			}
		}
}

/* A refused input leaves none of its decoded bytes in out. */
static void
test_b64url_decode_failure_leaves_nothing(void **state)
{
	unsigned char out[16];
	size_t n = 99, i;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	/* Six valid bytes, then '=' in the last group. */
	assert_at(at_b64url_decode("Zm9vYmFyZm8=", 12, out, sizeof(out), &n),
		  AT_ERR_BASE64);
	assert_int_equal(n, 0);
	for (i = 0; i < 9; i++)
		assert_int_equal(out[i], 0);
	for (; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xa5);
	/* Non-canonical tail after a good group. */
	memset(out, 0xa5, sizeof(out));
	assert_at(at_b64url_decode("Zm9vZh", 6, out, sizeof(out), &n),
		  AT_ERR_BASE64);
	for (i = 0; i < 4; i++)
		assert_int_equal(out[i], 0);
	/* The empty string is valid, decodes to nothing; NULL never is. */
	assert_at(at_b64url_decode("", 0, out, 0, &n), AT_OK);
	assert_int_equal(n, 0);
	assert_at(at_b64url_decode(NULL, 0, out, sizeof(out), &n),
		  AT_ERR_BASE64);
}

/* ------------------------------------------------------------------ */
/* hex */

/* The digit rule of the hex decoder before its table (commit fca62a5). */
static int
ref_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Every pair of bytes, alone and after a good pair: the table-driven
 * decoder accepts exactly the pairs the old one did, with the same byte,
 * and leaves nothing decoded when it refuses. */
static void
test_hex_differential_all_pairs(void **state)
{
	unsigned char out[2];
	char in[4] = { 'a', 'B' };
	unsigned int hi, lo;
	bool ok;

	(void)state;
	for (hi = 0; hi < 256; hi++)
		for (lo = 0; lo < 256; lo++) {
			in[2] = (char)hi;
			in[3] = (char)lo;
			ok = ref_hex_value((unsigned char)hi) >= 0 &&
			     ref_hex_value((unsigned char)lo) >= 0;
			memset(out, 0xa5, sizeof(out));
			assert_at(at_hex_decode(in, 4, out, 2),
				  ok ? AT_OK : AT_ERR_FORMAT);
			if (ok) {
				assert_int_equal(out[0], 0xab);
				assert_int_equal(
					out[1],
					ref_hex_value((unsigned char)hi) << 4 |
						ref_hex_value(
							(unsigned char)lo));
			} else {
				assert_int_equal(out[0], 0);
				assert_int_equal(out[1], 0);
			}
			assert_at(at_hex_decode(in + 2, 2, out, 1),
				  ok ? AT_OK : AT_ERR_FORMAT);
		}
}

static void
test_hex_round_trip(void **state)
{
	unsigned char in[256], out[256];
	char hex[513];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	at_hex_encode(in, sizeof(in), hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405", 12);
	assert_string_equal(hex + 500, "fafbfcfdfeff");
	assert_at(at_hex_decode(hex, 512, out, sizeof(out)), AT_OK);
	assert_memory_equal(out, in, sizeof(in));
}

static void
test_hex_decode_either_case(void **state)
{
	unsigned char out[4];
	static const unsigned char want[] = {0xde, 0xad, 0xbe, 0xef};

	(void)state;
	assert_at(at_hex_decode("DEADBEEF", 8, out, 4), AT_OK);
	assert_memory_equal(out, want, 4);
	assert_at(at_hex_decode("deADbeEF", 8, out, 4), AT_OK);
	assert_memory_equal(out, want, 4);
}

static void
test_hex_decode_rejects_bad_digit(void **state)
{
	unsigned char out[4];

	(void)state;
	assert_at(at_hex_decode("deadbeeg", 8, out, 4), AT_ERR_FORMAT);
	assert_at(at_hex_decode("dead beef", 8, out, 4), AT_ERR_FORMAT);
	assert_at(at_hex_decode("0xdeadbe", 8, out, 4), AT_ERR_FORMAT);
	assert_at(at_hex_decode("dead\0eef", 8, out, 4), AT_ERR_FORMAT);
}

static void
test_hex_decode_rejects_wrong_length(void **state)
{
	unsigned char out[4];

	(void)state;
	assert_at(at_hex_decode("deadbee", 7, out, 4), AT_ERR_FORMAT);
	assert_at(at_hex_decode("deadbeef00", 10, out, 4), AT_ERR_FORMAT);
	assert_at(at_hex_decode(NULL, 8, out, 4), AT_ERR_FORMAT);
}

/* ------------------------------------------------------------------ */
/* printable */

static void
test_printable_accepts_text(void **state)
{
	(void)state;
	assert_true(at_str_printable("alice@example.com", 17));
	assert_true(at_str_printable("Zoë Ünal", strlen("Zoë Ünal")));
	/* U+00A0 (C2 A0) is past the C1 range. */
	assert_true(at_str_printable("a\302\240b", 4));
	assert_true(at_str_printable("", 0));
}

static void
test_printable_rejects_controls(void **state)
{
	(void)state;
	assert_false(at_str_printable("a\001b", 3));
	assert_false(at_str_printable("a\nb", 3));
	assert_false(at_str_printable("a\tb", 3));
	assert_false(at_str_printable("a\x1b[31m", 7));
	assert_false(at_str_printable("a\x7f", 2));
	assert_false(at_str_printable("a\0b", 3));
}

static void
test_printable_rejects_c1(void **state)
{
	(void)state;
	assert_false(at_str_printable("a\xc2\x80", 3));
	assert_false(at_str_printable("a\302\205b", 4));
	assert_false(at_str_printable("\xc2\x9f", 2));
}

/* ------------------------------------------------------------------ */
/* trim */

/* The one strict decimal parser (login.defs uids, the seal's expiry). */
static void
test_parse_decimal(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_true(at_parse_decimal("0", 1, 10, &v));
	assert_int_equal(v, 0);
	assert_true(at_parse_decimal("4294967294", 10, 4294967294u, &v));
	assert_int_equal(v, 4294967294u);
	/* One past max, a leading zero, a sign, a space, empty: refused and
	 * *out untouched. */
	v = 7;
	assert_false(at_parse_decimal("4294967295", 10, 4294967294u, &v));
	assert_false(at_parse_decimal("01", 2, 10, &v));
	assert_false(at_parse_decimal("+1", 2, 10, &v));
	assert_false(at_parse_decimal("1 ", 2, 10, &v));
	assert_false(at_parse_decimal("", 0, 10, &v));
	assert_int_equal(v, 7);
	/* At the top of uint64_t: the largest value, and one more, which
	 * must not wrap. */
	assert_true(at_parse_decimal("18446744073709551615", 20, UINT64_MAX,
				     &v));
	assert_true(v == UINT64_MAX);
	assert_false(at_parse_decimal("18446744073709551616", 20, UINT64_MAX,
				      &v));
	assert_false(at_parse_decimal("99999999999999999999", 20, UINT64_MAX,
				      &v));
	/* Only len bytes are read. */
	assert_true(at_parse_decimal("12x", 2, 100, &v));
	assert_int_equal(v, 12);
}

static void
test_trim(void **state)
{
	const char *s;
	size_t len;

	(void)state;
	s = " \t\r\n abc def \v\f\n";
	len = strlen(s);
	at_trim(&s, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(s, "abc def", 7);

	s = "abc";
	len = 3;
	at_trim(&s, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "abc", 3);

	s = " \t\n\r ";
	len = strlen(s);
	at_trim(&s, &len);
	assert_int_equal(len, 0);

	/* Only the given length is looked at. */
	s = "  ab  cd";
	len = 6;
	at_trim(&s, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(s, "ab", 2);

	/* NUL is not white space. */
	s = "\0ab";
	len = 3;
	at_trim(&s, &len);
	assert_int_equal(len, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reason_tags_stable),
		cmocka_unit_test(test_reason_tags_distinct),
		cmocka_unit_test(test_reason_unknown_code),
		cmocka_unit_test(test_log_formats_and_gates_debug),
		cmocka_unit_test(test_log_value_examples),
		cmocka_unit_test(test_log_value_round_trip),
		cmocka_unit_test(test_log_value_cut),
		cmocka_unit_test(test_log_line_round_trip),
		cmocka_unit_test(test_wipe_clears),
		cmocka_unit_test(test_b64url_rfc4648_vectors),
		cmocka_unit_test(test_b64url_differential),
		cmocka_unit_test(test_b64url_differential_exhaustive_tails),
		cmocka_unit_test(test_b64url_decode_failure_leaves_nothing),
		cmocka_unit_test(test_b64url_url_alphabet),
		cmocka_unit_test(test_b64url_round_trip_all_lengths),
		cmocka_unit_test(test_b64url_rejects_padding),
		cmocka_unit_test(test_b64url_rejects_standard_alphabet),
		cmocka_unit_test(test_b64url_rejects_whitespace),
		cmocka_unit_test(test_b64url_rejects_len_mod4_is_1),
		cmocka_unit_test(test_b64url_rejects_noncanonical_bits),
		cmocka_unit_test(test_b64url_rejects_embedded_nul),
		cmocka_unit_test(test_b64url_rejects_null_input),
		cmocka_unit_test(test_b64url_decode_outcap_too_small),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_differential_all_pairs),
		cmocka_unit_test(test_hex_decode_either_case),
		cmocka_unit_test(test_hex_decode_rejects_bad_digit),
		cmocka_unit_test(test_hex_decode_rejects_wrong_length),
		cmocka_unit_test(test_printable_accepts_text),
		cmocka_unit_test(test_printable_rejects_controls),
		cmocka_unit_test(test_printable_rejects_c1),
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
