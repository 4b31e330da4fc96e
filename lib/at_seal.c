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
 * ever learns it.  The MAC binds the PAM service and the user, so that a
 * seal made in one handle opens in no handle of another service or user
 * of the same process.
 *
 *   seal = b64url(entries) "." b64url(HMAC-SHA256(key, AT_SEAL_LABEL NUL
 *          service NUL user NUL entries))
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "at.h"

#define AT_SEAL_LABEL "agentictrust-seal-2"

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

/* HMAC-SHA256(key, label NUL service NUL user NUL entries) into mac.
 * Neither service nor user holds a NUL, so the fields cannot shift. */
static enum at_err
seal_mac(const unsigned char key[AT_SEAL_KEY_LEN], const char *service,
	 const char *user, const char *entries, size_t entrieslen,
	 unsigned char mac[AT_MAC_LEN])
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
	n = sizeof(AT_SEAL_LABEL) + svclen + 1 + userlen + 1 + entrieslen;
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
	memcpy(msg + off, entries, entrieslen);
	if ((r = at_hmac_sha256(key, AT_SEAL_KEY_LEN, msg, n, mac)) != AT_OK)
		goto out;
	r = AT_OK;
out:
	at_freezero(msg, n);
	return r;
}

enum at_err
at_seal_make(const unsigned char key[AT_SEAL_KEY_LEN], const char *service,
	     const char *user, const char *entries, char **out)
{
	enum at_err r = AT_ERR_INTERNAL;
	size_t len = strlen(entries), elen;
	unsigned char mac[AT_MAC_LEN];
	char *seal = NULL;

	*out = NULL;
	if (len > AT_SEAL_MAX) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	if ((r = seal_mac(key, service, user, entries, len, mac)) != AT_OK)
		goto out;
	elen = (len + 2) / 3 * 4;
	if ((seal = malloc(elen + 1 + (AT_MAC_LEN + 2) / 3 * 4 + 1)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	at_b64url_encode((const unsigned char *)entries, len, seal);
	elen = strlen(seal);
	seal[elen] = '.';
	at_b64url_encode(mac, AT_MAC_LEN, seal + elen + 1);
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
	     const char *user, const char *seal, char **entries)
{
	enum at_err r = AT_ERR_INTERNAL;
	const char *dot;
	size_t len = strnlen(seal, AT_SEAL_MAX + 1), elen, n = 0, maclen = 0;
	unsigned char mac[AT_MAC_LEN], tag[AT_MAC_LEN + 3];
	char *buf = NULL;

	*entries = NULL;
	if (len > AT_SEAL_MAX) {
		r = AT_ERR_TOO_LONG;
		goto out;
	}
	r = AT_ERR_FORMAT;
	if ((dot = memchr(seal, '.', len)) == NULL ||
	    memchr(dot + 1, '.', len - (size_t)(dot - seal) - 1) != NULL)
		goto out;
	elen = (size_t)(dot - seal);
	if (at_b64url_decode(dot + 1, len - elen - 1, tag, sizeof(tag),
			     &maclen) != AT_OK ||
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
	if ((r = seal_mac(key, service, user, buf, n, mac)) != AT_OK)
		goto out;
	r = AT_ERR_SIGNATURE;
	if (CRYPTO_memcmp(mac, tag, AT_MAC_LEN) != 0)
		goto out;
	*entries = buf;
	buf = NULL; /* transferred */
	r = AT_OK;
out:
	at_wipe(mac, sizeof(mac));
	free(buf);
	return r;
}
