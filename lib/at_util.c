/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_util.c - reason tags, logging and log values, wiping, base64url and
 * hex.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "at.h"

static const struct {
	enum at_err err;
	const char *reason;
	const char *text;
} at_err_table[] = {
	{ AT_OK, "ok", "accepted" },
	{ AT_ERR_INTERNAL, "internal", "internal error" },
	{ AT_ERR_NOMEM, "out_of_memory", "out of memory" },
	{ AT_ERR_CRYPTO, "crypto_error", "cryptographic library error" },
	{ AT_ERR_CONFIG, "bad_config", "configuration error" },
	{ AT_ERR_FILE, "file_unusable",
	  "config, user map or login.defs file unusable" },
	{ AT_ERR_SECRET, "secret_unusable", "secret file unusable" },
	{ AT_ERR_SECRET_SHORT, "secret_too_short",
	  "secret shorter than 32 bytes" },
	{ AT_ERR_STORE_UNAVAILABLE, "store_unavailable",
	  "state store unreachable, timed out or busy" },
	{ AT_ERR_STORE, "store_error", "state store answered with an error" },
	{ AT_ERR_EMPTY, "empty", "empty credential" },
	{ AT_ERR_TOO_LONG, "too_long", "credential longer than 4096 bytes" },
	{ AT_ERR_FORMAT, "malformed",
	  "credential is neither a 64-digit hex HMAC nor a compact JWT" },
	{ AT_ERR_METHOD, "method_not_allowed",
	  "credential kind not allowed by mode" },
	{ AT_ERR_BASE64, "bad_base64", "JWT segment is not strict base64url" },
	{ AT_ERR_SIG_LENGTH, "bad_signature_length",
	  "signature is not 32 bytes" },
	{ AT_ERR_SIGNATURE, "bad_signature",
	  "signature does not match any secret" },
	{ AT_ERR_JSON, "bad_json", "JWT header or payload is not valid JSON" },
	{ AT_ERR_DUPLICATE_KEY, "duplicate_key",
	  "JWT header or payload repeats a key" },
	{ AT_ERR_NOT_OBJECT, "not_object",
	  "JWT header or payload is not a JSON object" },
	{ AT_ERR_ALG, "alg_not_allowed", "alg is not exactly HS256" },
	{ AT_ERR_TYP, "bad_typ", "typ is not JWT" },
	{ AT_ERR_HEADER, "forbidden_header",
	  "header carries a parameter this verifier refuses" },
	{ AT_ERR_SUB, "bad_sub", "sub missing, empty, too long or unprintable" },
	{ AT_ERR_TIME_CLAIM, "bad_time_claim",
	  "exp, nbf or iat is not a number in [0, 2^53)" },
	{ AT_ERR_EXPIRED, "expired", "token has expired" },
	{ AT_ERR_NO_EXP, "missing_exp", "token has no exp claim" },
	{ AT_ERR_NOT_YET, "not_yet_valid", "token is not valid yet (nbf)" },
	{ AT_ERR_IAT_FUTURE, "issued_in_future", "iat is in the future" },
	{ AT_ERR_ISSUER, "bad_issuer", "iss does not match issuer" },
	{ AT_ERR_AUDIENCE, "bad_audience", "aud does not contain audience" },
	{ AT_ERR_TTL, "ttl_too_long", "exp - iat exceeds max_ttl" },
	{ AT_ERR_NO_IAT, "missing_iat", "max_ttl set but iat or exp missing" },
	{ AT_ERR_CLAIM, "bad_claim",
	  "email or name is not a string, or jti not a printable string of "
	  "1 to 256 bytes" },
	{ AT_ERR_USER_MISMATCH, "user_mismatch",
	  "credential is for another user" },
	{ AT_ERR_NOT_MAPPED, "user_not_mapped",
	  "external id is not in the user map" },
	{ AT_ERR_SYSTEM_USER, "system_user",
	  "local account is root or a system account (uid outside "
	  "UID_MIN..UID_MAX, or nobody)" },
	{ AT_ERR_REVOKED, "revoked", "external id or token is revoked" },
	{ AT_ERR_REPLAYED, "replayed", "single-use token was already used" },
};

const char *
at_err_reason(enum at_err e)
{
	size_t i;

	for (i = 0; i < sizeof(at_err_table) / sizeof(at_err_table[0]); i++)
		if (at_err_table[i].err == e)
			return at_err_table[i].reason;
	return "internal";
}

const char *
at_strerror(enum at_err e)
{
	size_t i;

	for (i = 0; i < sizeof(at_err_table) / sizeof(at_err_table[0]); i++)
		if (at_err_table[i].err == e)
			return at_err_table[i].text;
	return "internal error";
}

const char *
at_drop_name(enum at_drop d)
{
	switch (d) {
	case AT_DROP_TOO_LONG:
		return "too_long";
	case AT_DROP_UNPRINTABLE:
		return "unprintable";
	case AT_DROP_NONE:
		break;
	}
	return "none";
}

void
at_log(const struct at_log *log, int prio, const char *fmt, ...)
{
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	if (prio == LOG_DEBUG && !log->debug)
		return;
	va_start(ap, fmt);
	log->fn(log->ctx, prio, fmt, ap);
	va_end(ap);
}

void
at_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void
at_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	at_wipe(p, n);
	free(p);
}

void
at_strfreezero(char *s)
{
	if (s == NULL)
		return;
	at_freezero(s, strlen(s));
}

/*
 * Base64url value of each byte (RFC 4648 section 5, table 2), or X (0xff)
 * for a byte outside the alphabet: '=', '+', '/', white space, NUL and
 * every byte >= 0x80 included.  A valid value is below 64, so OR-ing the
 * values of a group tests all of them at once (bit 0x40 set: one was X).
 */
#define X 0xff
static const unsigned char b64url_table[256] = {
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, 62,  X,  X,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61,  X,  X,  X,  X,  X,  X,
	 X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,  X,  X,  X,  X, 63,
	 X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
};
#undef X

size_t
at_b64url_decoded_len(size_t len)
{
	return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/*
 * The one pass behind at_b64url_check() and at_b64url_decode(): out NULL
 * only validates.  Whole groups of 4 characters first, then the final 2
 * or 3; the caller has checked len and the room in out.
 */
static enum at_err
b64url_pass(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t i, n = 0, whole = len - len % 4;
	unsigned int a, b, c, d;

	for (i = 0; i < whole; i += 4) {
		a = b64url_table[in[i]];
		b = b64url_table[in[i + 1]];
		c = b64url_table[in[i + 2]];
		d = b64url_table[in[i + 3]];
		if ((a | b | c | d) & 0x40)
			return AT_ERR_BASE64;
		if (out != NULL) {
			out[n] = (unsigned char)(a << 2 | b >> 4);
			out[n + 1] = (unsigned char)(b << 4 | c >> 2);
			out[n + 2] = (unsigned char)(c << 6 | d);
		}
		n += 3;
	}
	/*
	 * Canonical form: a final group of 2 characters carries 8 bits (4 low
	 * bits unused), of 3 characters 16 bits (2 unused).  Non-zero unused
	 * bits give a second spelling of the same bytes; refuse it so each
	 * token has exactly one encoding (RFC 4648 section 3.5).
	 */
	switch (len % 4) {
	case 2:
		a = b64url_table[in[i]];
		b = b64url_table[in[i + 1]];
		if ((a | b) & 0x40 || (b & 0x0f) != 0)
			return AT_ERR_BASE64;
		if (out != NULL)
			out[n] = (unsigned char)(a << 2 | b >> 4);
		break;
	case 3:
		a = b64url_table[in[i]];
		b = b64url_table[in[i + 1]];
		c = b64url_table[in[i + 2]];
		if ((a | b | c) & 0x40 || (c & 0x03) != 0)
			return AT_ERR_BASE64;
		if (out != NULL) {
			out[n] = (unsigned char)(a << 2 | b >> 4);
			out[n + 1] = (unsigned char)(b << 4 | c >> 2);
		}
		break;
	default:
		break;
	}
	return AT_OK;
}

enum at_err
at_b64url_check(const char *in, size_t len)
{
	if (in == NULL || len % 4 == 1)
		return AT_ERR_BASE64;
	return b64url_pass((const unsigned char *)in, len, NULL);
}

enum at_err
at_b64url_decode(const char *in, size_t len, unsigned char *out,
		 size_t outcap, size_t *outlen)
{
	size_t n;

	*outlen = 0;
	if (in == NULL || len % 4 == 1)
		return AT_ERR_BASE64;
	if ((n = at_b64url_decoded_len(len)) > outcap)
		return AT_ERR_BASE64;
	if (b64url_pass((const unsigned char *)in, len, out) != AT_OK) {
		/* Decoded before the bad byte was seen: leave none of it. */
		at_wipe(out, n);
		return AT_ERR_BASE64;
	}
	*outlen = n;
	return AT_OK;
}

void
at_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = alphabet[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[n++] = alphabet[(acc << (6 - bits)) & 0x3f];
	out[n] = '\0';
}

/* Hex digit value of each byte, either case, or X (0xff): bit 0x10 set. */
#define X 0xff
static const unsigned char hex_table[256] = {
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  X,  X,  X,  X,  X,  X,
	 X, 10, 11, 12, 13, 14, 15,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X, 10, 11, 12, 13, 14, 15,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	 X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
};
#undef X

enum at_err
at_hex_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)in;
	unsigned int hi, lo, bad = 0;
	size_t i;

	if (in == NULL || out == NULL || inlen != 2 * outlen)
		return AT_ERR_FORMAT;
	/* One table-driven pass; the verdict once, after it. */
	for (i = 0; i < outlen; i++) {
		hi = hex_table[u[2 * i]];
		lo = hex_table[u[2 * i + 1]];
		bad |= hi | lo;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	if (bad & 0x10) {
		at_wipe(out, outlen);
		return AT_ERR_FORMAT;
	}
	return AT_OK;
}

void
at_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

bool
at_str_printable(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		/* UTF-8 for U+0080..U+009F is C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return false;
	}
	return true;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

bool
at_parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (s == NULL || len == 0 || (s[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (uint64_t)(s[i] - '0');
		/* v * 10 + d <= max, without wrapping. */
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void
at_trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*s)[*len - 1]))
		(*len)--;
}

/* The bare set of at_log_value(): never needs quoting in a logfmt line. */
static bool
log_bare_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '@' || c == '/' || c == '+';
}

/* The quoted form of byte c (last: the value's final byte) into out (at
 * least 5 bytes); returns its length, 1 to 4. */
static size_t
log_escape_byte(unsigned char c, bool last, char *out)
{
	static const char digits[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	/* A final "." is escaped so that a complete value never ends in
	 * "...", the mark of a cut one. */
	if (c >= 0x20 && c <= 0x7e && !(last && c == '.')) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = digits[c >> 4];
	out[3] = digits[c & 0x0f];
	return 4;
}

const char *
at_log_value(char *buf, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i, need, pos, k;
	char esc[5];
	bool bare;

	if (size < AT_LOG_VALUE_MIN) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	if (s == NULL) {
		memcpy(buf, "-", 2);
		return buf;
	}
	n = strlen(s);
	bare = n > 0 && !(n == 1 && s[0] == '-') && n < size;
	for (i = 0; bare && i < n; i++)
		bare = log_bare_byte(u[i]);
	if (bare) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	/* Quoted: does all of it fit, with both quotes and the NUL? */
	for (i = 0, need = 3; i < n && need <= size; i++)
		need += log_escape_byte(u[i], i + 1 == n, esc);
	pos = 0;
	buf[pos++] = '"';
	if (need <= size) {
		for (i = 0; i < n; i++) {
			k = log_escape_byte(u[i], i + 1 == n, esc);
			memcpy(buf + pos, esc, k);
			pos += k;
		}
	} else {
		/* Cut: whole bytes, leaving room for '..."' and the NUL. */
		for (i = 0; i < n; i++) {
			k = log_escape_byte(u[i], false, esc);
			if (pos + k + 5 > size)
				break;
			memcpy(buf + pos, esc, k);
			pos += k;
		}
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	buf[pos++] = '"';
	buf[pos] = '\0';
	return buf;
}

enum at_err
at_token_fingerprint(const char *tok, size_t len, char out[AT_FP_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (at_sha256_md() == NULL ||
	    EVP_Digest(tok, len, md, &mdlen, at_sha256_md(), NULL) != 1 ||
	    mdlen < AT_FP_LEN / 2)
		return AT_ERR_CRYPTO;
	at_hex_encode(md, AT_FP_LEN / 2, out);
	return AT_OK;
}
