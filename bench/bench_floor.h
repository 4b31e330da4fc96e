/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_floor.h - the floor every verification figure is divided by: the
 * least work any HS256 or HMAC-SHA256 verifier must do, written here with
 * OpenSSL alone so that it shares no code with lib/.
 *
 *   JWT   pre-keyed HMAC-SHA256 over the signing input, base64url decode
 *         of the 43-character signature, constant-time compare
 *   HMAC  hex decode of the 64-digit tag, pre-keyed HMAC-SHA256 over the
 *         id, constant-time compare
 *
 * "Pre-keyed" is the fastest OpenSSL 3.0 way measured on Debian 12: one
 * EVP_MAC_CTX keyed once, restarted with EVP_MAC_init(ctx, NULL, 0, NULL)
 * for each message (EVP_MAC_CTX_dup of a keyed template, re-keying and
 * HMAC() one-shot were all slower).  No JSON, no claims, no bounds beyond
 * what memory safety needs: a floor, not a verifier.  Header-only so that
 * every benchmark measures the same floor.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct bench_floor {
	EVP_MAC_CTX *ctx;	 /* owned: bench_floor_free() */
	signed char b64[256]; /* base64url value of each byte, or -1 */
	signed char hex[256]; /* hex digit value of each byte, or -1 */
};

/* Key the floor once.  Returns false on an OpenSSL failure. */
static inline bool
bench_floor_init(struct bench_floor *f, const void *key, size_t keylen)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	EVP_MAC *mac;
	OSSL_PARAM params[2];
	int i;

	f->ctx = NULL;
	memset(f->b64, -1, sizeof(f->b64));
	for (i = 0; i < 64; i++)
		f->b64[(unsigned char)alphabet[i]] = (signed char)i;
	memset(f->hex, -1, sizeof(f->hex));
	for (i = 0; i < 256; i++)
		f->hex[i] = (signed char)OPENSSL_hexchar2int((unsigned char)i);
	if ((mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return false;
	f->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (f->ctx == NULL)
		return false;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	return EVP_MAC_init(f->ctx, key, keylen, params) == 1;
}

static inline void
bench_floor_free(struct bench_floor *f)
{
	EVP_MAC_CTX_free(f->ctx);
	f->ctx = NULL;
}

static inline bool
bench_floor_mac(struct bench_floor *f, const void *msg, size_t len,
		unsigned char mac[32])
{
	size_t outlen = 0;

	return EVP_MAC_init(f->ctx, NULL, 0, NULL) == 1 &&
	       EVP_MAC_update(f->ctx, msg, len) == 1 &&
	       EVP_MAC_final(f->ctx, mac, &outlen, 32) == 1 && outlen == 32;
}

/* A compact HS256 JWS: true when its signature verifies. */
static inline bool
bench_floor_jwt(struct bench_floor *f, const char *tok, size_t len)
{
	unsigned char mac[32], sig[33];
	const char *dot = NULL;
	unsigned int acc = 0, bits = 0;
	size_t i, n = 0;
	int v;

	for (i = len; i > 0; i--)
		if (tok[i - 1] == '.') {
			dot = tok + i - 1;
			break;
		}
	if (dot == NULL || len - (size_t)(dot - tok) - 1 != 43)
		return false;
	for (i = 0; i < 43; i++) {
		if ((v = f->b64[(unsigned char)dot[1 + i]]) < 0)
			return false;
		acc = (acc << 6) | (unsigned int)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			sig[n++] = (unsigned char)(acc >> bits);
		}
	}
	return bench_floor_mac(f, tok, (size_t)(dot - tok), mac) &&
	       CRYPTO_memcmp(mac, sig, 32) == 0;
}

/* A 64-hex-digit HMAC credential for id: true when it verifies. */
static inline bool
bench_floor_hmac(struct bench_floor *f, const char *hex, const char *id,
		 size_t idlen)
{
	unsigned char mac[32], tag[32];
	int hi, lo;
	size_t i;

	for (i = 0; i < 32; i++) {
		hi = f->hex[(unsigned char)hex[2 * i]];
		lo = f->hex[(unsigned char)hex[2 * i + 1]];
		if (hi < 0 || lo < 0)
			return false;
		tag[i] = (unsigned char)(hi << 4 | lo);
	}
	return bench_floor_mac(f, id, idlen, mac) &&
	       CRYPTO_memcmp(mac, tag, 32) == 0;
}

#endif /* BENCH_FLOOR_H */
