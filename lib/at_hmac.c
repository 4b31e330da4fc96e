/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_hmac.c - HMAC-SHA256 (RFC 2104, RFC 4231) through OpenSSL 3 EVP_MAC.
 *
 * A struct at_hmac_key is keyed once: EVP_MAC_init() with the key hashes
 * the padded key into the inner and outer digest states.  Later
 * EVP_MAC_init() calls with a NULL key restart from those states, so each
 * verification costs two SHA-256 finalisations and no key schedule.
 * (OpenSSL 3.0 still allocates inside, once in the restart and once in
 * the finalisation, duplicating a keyed digest state; this file adds no
 * allocation of its own.  EVP_MAC_CTX_dup of a keyed template (11
 * allocations), re-keying (5) and HMAC() one-shot (13) all measured
 * slower on Debian 12.)
 *
 * A struct at_sha256 is the plain SHA-256 a verifier fingerprints tokens
 * with, restarted for each token.
 *
 * The HMAC and SHA-256 implementations themselves are fetched once per
 * process (at_sha256_md(), hmac_mac()): a fetch by name is a locked
 * method-store lookup, and EVP_sha256() makes one implicitly on every
 * EVP_DigestInit; a PAM transaction keyed one HMAC and hashed three times,
 * each paying it.  Fetched objects are immutable and reference-counted,
 * so threads share them; they are kept until the process exits.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "at.h"

struct at_hmac_key {
	EVP_MAC_CTX *ctx; /* owned: keyed state, freed in at_hmac_key_free */
};

/*
 * Fetched once, published with a compare-and-swap: no lock, so a child
 * forked at any moment finds either the object or NULL and fetches.  Two
 * threads racing both fetch; the loser frees its copy.
 */
static _Atomic(EVP_MD *) sha256_md;
static _Atomic(EVP_MAC *) hmac_impl;

const EVP_MD *
at_sha256_md(void)
{
	EVP_MD *md = atomic_load(&sha256_md), *none = NULL;

	if (md != NULL)
		return md;
	if ((md = EVP_MD_fetch(NULL, OSSL_DIGEST_NAME_SHA2_256, NULL)) == NULL)
		return NULL;
	if (!atomic_compare_exchange_strong(&sha256_md, &none, md)) {
		EVP_MD_free(md);
		md = none;
	}
	return md;
}

static EVP_MAC *
hmac_mac(void)
{
	EVP_MAC *mac = atomic_load(&hmac_impl), *none = NULL;

	if (mac != NULL)
		return mac;
	if ((mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return NULL;
	if (!atomic_compare_exchange_strong(&hmac_impl, &none, mac)) {
		EVP_MAC_free(mac);
		mac = none;
	}
	return mac;
}

enum at_err
at_hmac_key_new(struct at_hmac_key **out, const void *key, size_t keylen)
{
	enum at_err r = AT_ERR_INTERNAL;
	struct at_hmac_key *k = NULL;
	EVP_MAC *mac;
	OSSL_PARAM params[2];
	/* HMAC rejects a NULL key even when empty: point at a dummy byte. */
	static const unsigned char empty_key[1];

	*out = NULL;
	if (key == NULL && keylen != 0)
		goto out;
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	if ((mac = hmac_mac()) == NULL ||
	    (k->ctx = EVP_MAC_CTX_new(mac)) == NULL) {
		r = AT_ERR_CRYPTO;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(k->ctx, keylen > 0 ? key : empty_key, keylen,
			 params) != 1) {
		r = AT_ERR_CRYPTO;
		goto out;
	}
	*out = k;
	k = NULL; /* transferred */
	r = AT_OK;
out:
	at_hmac_key_free(k);
	return r;
}

void
at_hmac_key_free(struct at_hmac_key *k)
{
	if (k == NULL)
		return;
	/* EVP_MAC_CTX_free cleanses the HMAC key state (hmac_free). */
	EVP_MAC_CTX_free(k->ctx);
	free(k);
}

enum at_err
at_hmac_key_mac(struct at_hmac_key *k, const void *msg, size_t msglen,
		unsigned char mac[AT_MAC_LEN])
{
	enum at_err r = AT_ERR_CRYPTO;
	size_t outlen = 0;

	memset(mac, 0, AT_MAC_LEN);
	if (msg == NULL && msglen != 0)
		goto out;
	/* NULL key: restart from the keyed state derived at creation. */
	if (EVP_MAC_init(k->ctx, NULL, 0, NULL) != 1)
		goto out;
	if (msglen > 0 && EVP_MAC_update(k->ctx, msg, msglen) != 1)
		goto out;
	if (EVP_MAC_final(k->ctx, mac, &outlen, AT_MAC_LEN) != 1 ||
	    outlen != AT_MAC_LEN)
		goto out;
	r = AT_OK;
out:
	if (r != AT_OK)
		at_wipe(mac, AT_MAC_LEN);
	return r;
}

enum at_err
at_hmac_key_verify(struct at_hmac_key *k, const void *msg, size_t msglen,
		   const unsigned char *tag, size_t taglen)
{
	enum at_err r = AT_ERR_INTERNAL;
	unsigned char mac[AT_MAC_LEN];

	/* A truncated tag is never acceptable (RFC 4231 case 5, Wycheproof). */
	if (tag == NULL || taglen != AT_MAC_LEN) {
		r = AT_ERR_SIG_LENGTH;
		goto out;
	}
	if ((r = at_hmac_key_mac(k, msg, msglen, mac)) != AT_OK)
		goto out;
	r = AT_ERR_SIGNATURE;
	if (CRYPTO_memcmp(mac, tag, AT_MAC_LEN) != 0)
		goto out;
	r = AT_OK;
out:
	at_wipe(mac, sizeof(mac));
	return r;
}

enum at_err
at_hmac_sha256(const void *key, size_t keylen, const void *msg,
	       size_t msglen, unsigned char mac[AT_MAC_LEN])
{
	enum at_err r;
	struct at_hmac_key *k = NULL;

	if ((r = at_hmac_key_new(&k, key, keylen)) != AT_OK)
		goto out;
	r = at_hmac_key_mac(k, msg, msglen, mac);
out:
	at_hmac_key_free(k);
	return r;
}

struct at_sha256 {
	const EVP_MD *md; /* at_sha256_md(): the process's */
	EVP_MD_CTX *ctx;  /* owned: restarted for each message */
};

enum at_err
at_sha256_new(struct at_sha256 **out)
{
	enum at_err r = AT_ERR_NOMEM;
	struct at_sha256 *h = NULL;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto out;
	r = AT_ERR_CRYPTO;
	if ((h->md = at_sha256_md()) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	*out = h;
	h = NULL; /* transferred */
	r = AT_OK;
out:
	at_sha256_free(h);
	return r;
}

void
at_sha256_free(struct at_sha256 *h)
{
	if (h == NULL)
		return;
	/* EVP_MD_CTX_free cleanses the digest state (sha256_freectx). */
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

enum at_err
at_sha256_fingerprint(struct at_sha256 *h, const char *tok, size_t len,
		      char out[AT_FP_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	/* The same bytes as at_token_fingerprint(): SHA-256, hex prefix. */
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, tok, len) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 ||
	    mdlen < AT_FP_LEN / 2)
		return AT_ERR_CRYPTO;
	at_hex_encode(md, AT_FP_LEN / 2, out);
	return AT_OK;
}
