/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_seal.c - a sealed copy of what the auth phase exported, so that a
 * later phase in another process can tell the verified AGENTICTRUST_*
 * values from ones that a user's ~/.pam_environment (pam_env
 * user_readenv=1) or anything else put into the PAM environment.
 *
 * sshd runs keyboard-interactive authentication in a forked child and
 * imports only the child's PAM environment, not its pam_set_data() items,
 * into the handle that opens the session.  The key is random per loaded
 * module: the parent and the child share it because the module is loaded
 * (pam_start) before the child is forked, and nothing outside the process
 * ever learns it.  The MAC binds the PAM service, the user and the handle
 * (the caller's number for it: the module passes the pam_handle_t
 * address, which the child inherits unchanged), so that a seal made in
 * one handle opens in no other handle of the process.  It also binds an
 * expiry carried in the seal, so that a seal copied into a later handle
 * that happens to reuse a freed handle's address opens only as long as
 * the credential was good and at most AT_SEAL_TTL seconds after it was
 * made.
 *
 *   seal = b64url(entries) "." expires "." b64url(HMAC-SHA256(key,
 *          AT_SEAL_LABEL NUL service NUL user NUL handle expires entries))
 *
 * expires is decimal text in the seal, a big-endian 64-bit integer under
 * the MAC, as is handle.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "at.h"

#define AT_SEAL_LABEL "agentictrust-seal-3"
/* Digits of the largest expiry, INT64_MAX. */
#define AT_SEAL_EXP_DIGITS 19

enum at_err
at_seal_keygen(unsigned char key[AT_SEAL_KEY_LEN])
{
	size_t got = 0;
	ssize_t n;

	while (got < AT_SEAL_KEY_LEN) {
		n = getrandom(key + got, AT_SEAL_KEY_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			at_wipe(key, AT_SEAL_KEY_LEN);
			return AT_ERR_CRYPTO;
		}
		got += (size_t)n;
	}
	return AT_OK;
}

/*
 * The HMAC keyed with the last seal key used, kept for the next seal: a
 * process makes and opens all its seals with its one key (the module's),
 * and keying HMAC-SHA256 through OpenSSL costs several times the MAC of
 * a seal.  A keyed state is mutable, so one thread at a time uses it; a
 * thread that finds it busy keys a copy of its own for that seal, so no
 * thread waits, and a child forked while another thread held the lock
 * keys its own for good.  at_seal_flush() wipes it.
 */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct at_hmac_key *kept_hmac;	/* keyed with kept_raw */
static unsigned char kept_raw[AT_SEAL_KEY_LEN];

static enum at_err
seal_hmac(const unsigned char key[AT_SEAL_KEY_LEN], const void *msg,
	  size_t len, unsigned char mac[AT_MAC_LEN])
{
	enum at_err r;

	if (pthread_mutex_trylock(&kept_lock) != 0)
		return at_hmac_sha256(key, AT_SEAL_KEY_LEN, msg, len, mac);
	if (kept_hmac == NULL ||
	    CRYPTO_memcmp(kept_raw, key, AT_SEAL_KEY_LEN) != 0) {
		at_hmac_key_free(kept_hmac);
		kept_hmac = NULL;
		at_wipe(kept_raw, sizeof(kept_raw));
		if ((r = at_hmac_key_new(&kept_hmac, key, AT_SEAL_KEY_LEN)) !=
		    AT_OK)
			goto out;
		memcpy(kept_raw, key, AT_SEAL_KEY_LEN);
	}
	r = at_hmac_key_mac(kept_hmac, msg, len, mac);
out:
	pthread_mutex_unlock(&kept_lock);
	return r;
}

void
at_seal_flush(void)
{
	/* At exit: a thread still sealing keeps it (the process ends). */
	if (pthread_mutex_trylock(&kept_lock) != 0)
		return;
	at_hmac_key_free(kept_hmac);
	kept_hmac = NULL;
	at_wipe(kept_raw, sizeof(kept_raw));
	pthread_mutex_unlock(&kept_lock);
}

/* v as 8 big-endian bytes at p. */
static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* HMAC-SHA256(key, label NUL service NUL user NUL handle expires entries)
 * into mac.  Neither service nor user holds a NUL and handle and expires
 * have a fixed size, so the fields cannot shift. */
static enum at_err
seal_mac(const unsigned char key[AT_SEAL_KEY_LEN], const char *service,
	 const char *user, uint64_t handle, int64_t expires,
	 const char *entries, size_t entrieslen, unsigned char mac[AT_MAC_LEN])
{
	enum at_err r = AT_ERR_INTERNAL;
	size_t svclen = strnlen(service, AT_SEAL_MAX + 1);
	size_t userlen = strnlen(user, AT_SEAL_MAX + 1), n = 0, off;
	unsigned char *msg = NULL;

	if (svclen > AT_SEAL_MAX || userlen > AT_SEAL_MAX ||
	    entrieslen > AT_SEAL_MAX) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	n = sizeof(AT_SEAL_LABEL) + svclen + 1 + userlen + 1 + 16 + entrieslen;
	if ((msg = malloc(n)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	memcpy(msg, AT_SEAL_LABEL, sizeof(AT_SEAL_LABEL));
	off = sizeof(AT_SEAL_LABEL);
	memcpy(msg + off, service, svclen + 1);
	off += svclen + 1;
	memcpy(msg + off, user, userlen + 1);
	off += userlen + 1;
	put_be64(msg + off, handle);
	put_be64(msg + off + 8, (uint64_t)expires);
	off += 16;
	memcpy(msg + off, entries, entrieslen);
	if ((r = seal_hmac(key, msg, n, mac)) != AT_OK)
		goto out;
	r = AT_OK;
out:
	at_freezero(msg, n);
	return r;
}

/*
 * The expiry field of a seal: decimal digits, no leading zero, at most
 * INT64_MAX.  AT_OK or AT_ERR_FORMAT.
 */
static enum at_err
parse_expires(const char *s, size_t len, int64_t *expires)
{
	uint64_t v;

	*expires = 0;
	if (!at_parse_decimal(s, len, (uint64_t)INT64_MAX, &v))
		return AT_ERR_FORMAT;
	*expires = (int64_t)v;
	return AT_OK;
}

int64_t
at_seal_expiry(const struct at_claims *c, unsigned int leeway, time_t now)
{
	int64_t bound = (int64_t)now + AT_SEAL_TTL, t;
	double end;

	if (c->method != AT_METHOD_JWT || !c->has_exp)
		return bound;
	end = c->exp + (double)leeway;
	/* Also a NaN exp: the bound. */
	if (!(end < (double)bound))
		return bound;
	if (!(end > 0))
		return 0;
	/* The first whole second at which at_exp_check() refuses: ceil. */
	t = (int64_t)end;
	if ((double)t < end)
		t++;
	return t;
}

enum at_err
at_seal_make(const unsigned char key[AT_SEAL_KEY_LEN], const char *service,
	     const char *user, uint64_t handle, int64_t expires,
	     const char *entries, char **out)
{
	enum at_err r = AT_ERR_INTERNAL;
	size_t len = strlen(entries), elen;
	unsigned char mac[AT_MAC_LEN];
	char *seal = NULL;
	int n;

	*out = NULL;
	if (len > AT_SEAL_MAX) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	if (expires < 0)
		goto out;
	if ((r = seal_mac(key, service, user, handle, expires, entries, len,
			  mac)) != AT_OK)
		goto out;
	r = AT_ERR_NOMEM;
	elen = (len + 2) / 3 * 4;
	if ((seal = malloc(elen + 1 + AT_SEAL_EXP_DIGITS + 1 +
			   (AT_MAC_LEN + 2) / 3 * 4 + 1)) == NULL)
		goto out;
	at_b64url_encode((const unsigned char *)entries, len, seal);
	elen = strlen(seal);
	r = AT_ERR_INTERNAL;
	n = snprintf(seal + elen, AT_SEAL_EXP_DIGITS + 3, ".%lld.",
		     (long long)expires);
	if (n < 3 || n > AT_SEAL_EXP_DIGITS + 2)
		goto out;
	at_b64url_encode(mac, AT_MAC_LEN, seal + elen + (size_t)n);
	*out = seal;
	seal = NULL; /* transferred */
	r = AT_OK;
out:
	at_wipe(mac, sizeof(mac));
	free(seal);
	return r;
}

enum at_err
at_seal_open(const unsigned char key[AT_SEAL_KEY_LEN], const char *service,
	     const char *user, uint64_t handle, time_t now, const char *seal,
	     char **entries)
{
	enum at_err r = AT_ERR_INTERNAL;
	const char *dot, *dot2;
	size_t len = strnlen(seal, AT_SEAL_MAX + 1), elen, n = 0, maclen = 0;
	unsigned char mac[AT_MAC_LEN], tag[AT_MAC_LEN + 3];
	int64_t expires = 0;
	char *buf = NULL;

	*entries = NULL;
	if (len > AT_SEAL_MAX) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	r = AT_ERR_FORMAT;
	if ((dot = memchr(seal, '.', len)) == NULL)
		goto out;
	elen = (size_t)(dot - seal);
	if ((dot2 = memchr(dot + 1, '.', len - elen - 1)) == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 - seal) - 1) != NULL)
		goto out;
	if (parse_expires(dot + 1, (size_t)(dot2 - dot - 1), &expires) != AT_OK)
		goto out;
	if (at_b64url_decode(dot2 + 1, len - (size_t)(dot2 - seal) - 1, tag,
			     sizeof(tag), &maclen) != AT_OK ||
	    maclen != AT_MAC_LEN)
		goto out;
	if (at_b64url_check(seal, elen) != AT_OK)
		goto out;
	if ((buf = malloc(at_b64url_decoded_len(elen) + 1)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	if (at_b64url_decode(seal, elen, (unsigned char *)buf,
			     at_b64url_decoded_len(elen), &n) != AT_OK ||
	    memchr(buf, '\0', n) != NULL)
		goto out;
	buf[n] = '\0';
	if ((r = seal_mac(key, service, user, handle, expires, buf, n, mac)) !=
	    AT_OK)
		goto out;
	r = AT_ERR_SIGNATURE;
	if (CRYPTO_memcmp(mac, tag, AT_MAC_LEN) != 0)
		goto out;
	/* Authentic, so the expiry is the one the maker wrote. */
	r = AT_ERR_EXPIRED;
	if ((int64_t)now >= expires)
		goto out;
	*entries = buf;
	buf = NULL; /* transferred */
	r = AT_OK;
out:
	at_wipe(mac, sizeof(mac));
	free(buf);
	return r;
}
