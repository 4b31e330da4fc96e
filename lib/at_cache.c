/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_cache.c - the process-wide cache of keyed secrets for a long-lived
 * process (the PAM module, linked -z nodelete, in an Apache worker or a
 * Python service).
 *
 * What it saves is parsing and keying, never a check: the caller has
 * opened every file with all of at_file_read()'s checks and read its
 * bytes in this transaction, and a keyring is reused only when the
 * SHA-256 of those bytes (with the paths, which set each file serves and
 * the owner uid) equals the one it was built from.  So a rewrite, a
 * rename over the file or a truncation is seen by the next transaction
 * whatever the file's size or mtime, and a chmod, chown or ACL by the
 * checks before the cache is asked.
 *
 * Ownership: a keyring's HMAC states are mutable (EVP_MAC_init() restarts
 * them on every verification), so a keyring is never shared.  take moves
 * an idle one into a verifier, give moves it back when the verifier is
 * freed; a transaction running while another thread evicts or replaces
 * the entry it came from keeps its own keyring, which is wiped when it
 * comes back to an entry that no longer matches.  One mutex guards the
 * table; nothing slow (no file, no keying, no wiping) runs under it.
 *
 * Bounds: AT_CACHE_ENTRIES file sets (least recently used goes), each
 * with at most AT_CACHE_IDLE idle keyrings.  Everything dropped is wiped
 * (at_hmac_key_free() cleanses the HMAC state).
 *
 * Beside the secrets, the UID_MIN/UID_MAX parsed from the last login.defs
 * (at_cache_defs_*: parsing 12 KiB of Debian's file costs more than the
 * rest of the policy), under the same rule: read and checked every time,
 * reused only for identical bytes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "at.h"
#include "at_internal.h"

struct entry {
	char *key;		/* owned; NULL: a free slot */
	size_t keylen;
	unsigned char digest[AT_CACHE_DIGEST_LEN];
	struct at_keyring *idle[AT_CACHE_IDLE]; /* owned */
	size_t nidle;
	unsigned long used;	/* lru_clock at the last take or give */
};

/* The last login.defs parsed (at_cache_defs_*), under lock. */
static struct {
	char *path;	/* owned; NULL: none */
	uid_t owner_uid;
	char *bytes;	/* owned: len bytes */
	size_t len;
	struct at_uid_range range;
} defs;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry entries[AT_CACHE_ENTRIES];	/* under lock */
static unsigned long lru_clock, hits;		/* under lock */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * fork() while another thread holds the lock would leave it held forever
 * in the child (a threaded server whose child authenticates).  The
 * handlers live in the module, which is never unloaded (-z nodelete).
 */
static void
fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void
fork_release(void)
{
	pthread_mutex_unlock(&lock);
}

static void
register_atfork(void)
{
	(void)pthread_atfork(fork_prepare, fork_release, fork_release);
}

static void
keyring_free(struct at_keyring *ring)
{
	size_t i;

	if (ring == NULL)
		return;
	for (i = 0; i < ring->nsecrets; i++) {
		at_hmac_key_free(ring->secrets[i].key);
		free(ring->secrets[i].path);
	}
	at_freezero(ring, sizeof(*ring));
}

enum at_err
at_cache_tag_new(struct at_cache_tag **out, const char *key, size_t keylen,
		 const char *const bufs[], const size_t lens[], size_t n)
{
	enum at_err r = AT_ERR_NOMEM;
	struct at_cache_tag *t = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char len8[8];
	unsigned int dlen = 0;
	size_t i, j;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->key = malloc(keylen)) == NULL)
		goto out;
	memcpy(t->key, key, keylen);
	t->keylen = keylen;
	r = AT_ERR_CRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    at_sha256_md() == NULL ||
	    EVP_DigestInit_ex2(md, at_sha256_md(), NULL) != 1 ||
	    EVP_DigestUpdate(md, key, keylen) != 1)
		goto out;
	for (i = 0; i < n; i++) {
		/* Lengths first: no two sets of buffers hash alike. */
		for (j = 0; j < sizeof(len8); j++)
			len8[j] = (unsigned char)((uint64_t)lens[i] >> (8 * j));
		if (EVP_DigestUpdate(md, len8, sizeof(len8)) != 1 ||
		    (lens[i] > 0 &&
		     EVP_DigestUpdate(md, bufs[i], lens[i]) != 1))
			goto out;
	}
	if (EVP_DigestFinal_ex(md, t->digest, &dlen) != 1 ||
	    dlen != AT_CACHE_DIGEST_LEN)
		goto out;
	*out = t;
	t = NULL; /* transferred */
	r = AT_OK;
out:
	EVP_MD_CTX_free(md);
	at_cache_tag_free(t);
	return r;
}

void
at_cache_tag_free(struct at_cache_tag *t)
{
	if (t == NULL)
		return;
	free(t->key);
	at_freezero(t, sizeof(*t));
}

/* The entry for key, or NULL.  Under lock. */
static struct entry *
find(const char *key, size_t keylen)
{
	size_t i;

	for (i = 0; i < AT_CACHE_ENTRIES; i++)
		if (entries[i].key != NULL && entries[i].keylen == keylen &&
		    memcmp(entries[i].key, key, keylen) == 0)
			return &entries[i];
	return NULL;
}

/*
 * Empty e: its idle keyrings move to *drop (at most AT_CACHE_IDLE, wiped
 * by the caller outside the lock), its key to *dropkey.  Under lock.
 */
static void
empty_entry(struct entry *e, struct at_keyring **drop, size_t *ndrop,
	    char **dropkey)
{
	while (e->nidle > 0)
		drop[(*ndrop)++] = e->idle[--e->nidle];
	if (dropkey != NULL) {
		*dropkey = e->key;
		e->key = NULL;
		e->keylen = 0;
		at_wipe(e->digest, sizeof(e->digest));
	}
}

bool
at_cache_take(const struct at_cache_tag *t, struct at_verifier *v)
{
	struct at_keyring *ring = NULL;
	struct entry *e;

	(void)pthread_once(&atfork_once, register_atfork);
	if (v->nsecrets != 0)
		return false;
	pthread_mutex_lock(&lock);
	e = find(t->key, t->keylen);
	/* The digest of secret bytes: compared in constant time. */
	if (e != NULL && e->nidle > 0 &&
	    CRYPTO_memcmp(e->digest, t->digest, sizeof(e->digest)) == 0) {
		ring = e->idle[--e->nidle];
		e->idle[e->nidle] = NULL;
		e->used = ++lru_clock;
		hits++;
	}
	pthread_mutex_unlock(&lock);
	if (ring == NULL)
		return false;
	memcpy(v->secrets, ring->secrets, sizeof(v->secrets));
	v->nsecrets = ring->nsecrets;
	v->hmac = ring->hmac;
	v->jwt = ring->jwt;
	/* The keys and paths now belong to v. */
	ring->nsecrets = 0;
	keyring_free(ring);
	return true;
}

void
at_cache_give(struct at_verifier *v)
{
	struct at_keyring *ring = NULL, *drop[AT_CACHE_IDLE + 1];
	struct at_cache_tag *t = v->cache;
	struct entry *e, *slot;
	char *dropkey = NULL;
	size_t i, ndrop = 0;

	v->cache = NULL;
	/* Secrets added through the API after loading are not the files':
	 * such a verifier's secrets are wiped by the caller, not kept. */
	if (t == NULL || v->nsecrets == 0 || v->nsecrets != t->nsecrets ||
	    (ring = calloc(1, sizeof(*ring))) == NULL)
		goto out;
	memcpy(ring->secrets, v->secrets, sizeof(ring->secrets));
	ring->nsecrets = v->nsecrets;
	ring->hmac = v->hmac;
	ring->jwt = v->jwt;
	memset(v->secrets, 0, sizeof(v->secrets));
	v->nsecrets = 0;
	memset(&v->hmac, 0, sizeof(v->hmac));
	memset(&v->jwt, 0, sizeof(v->jwt));

	pthread_mutex_lock(&lock);
	if ((e = find(t->key, t->keylen)) == NULL) {
		/* A free slot, else the least recently used entry. */
		slot = &entries[0];
		for (i = 0; i < AT_CACHE_ENTRIES; i++) {
			if (entries[i].key == NULL) {
				slot = &entries[i];
				break;
			}
			if (entries[i].used < slot->used)
				slot = &entries[i];
		}
		e = slot;
		if (e->key != NULL)
			empty_entry(e, drop, &ndrop, &dropkey);
		e->key = t->key;	/* the tag's key moves in */
		e->keylen = t->keylen;
		t->key = NULL;
		memcpy(e->digest, t->digest, sizeof(e->digest));
	} else if (CRYPTO_memcmp(e->digest, t->digest, sizeof(e->digest)) !=
		   0) {
		/* The files changed since the idle keyrings were made: they
		 * can never be taken again. */
		empty_entry(e, drop, &ndrop, NULL);
		memcpy(e->digest, t->digest, sizeof(e->digest));
	}
	e->used = ++lru_clock;
	if (e->nidle < AT_CACHE_IDLE) {
		e->idle[e->nidle++] = ring;
		ring = NULL;
	}
	pthread_mutex_unlock(&lock);
out:
	keyring_free(ring);
	for (i = 0; i < ndrop; i++)
		keyring_free(drop[i]);
	free(dropkey);
	at_cache_tag_free(t);
}

bool
at_cache_defs_get(const char *path, uid_t owner_uid, const char *buf,
		  size_t len, struct at_uid_range *range)
{
	bool hit;

	(void)pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&lock);
	hit = defs.path != NULL && defs.owner_uid == owner_uid &&
	      defs.len == len && strcmp(defs.path, path) == 0 &&
	      memcmp(defs.bytes, buf, len) == 0;
	if (hit) {
		*range = defs.range;
		hits++;
	}
	pthread_mutex_unlock(&lock);
	return hit;
}

void
at_cache_defs_put(const char *path, uid_t owner_uid, const char *buf,
		  size_t len, const struct at_uid_range *range)
{
	char *p = strdup(path), *b = malloc(len > 0 ? len : 1), *tmp;

	if (p == NULL || b == NULL)
		goto out; /* not kept: parsed again next time */
	memcpy(b, buf, len);
	pthread_mutex_lock(&lock);
	tmp = defs.path;
	defs.path = p;
	p = tmp;
	tmp = defs.bytes;
	defs.bytes = b;
	b = tmp;
	defs.owner_uid = owner_uid;
	defs.len = len;
	defs.range = *range;
	pthread_mutex_unlock(&lock);
out:
	free(p);
	free(b);
}

void
at_cache_flush(void)
{
	struct at_keyring *drop[AT_CACHE_ENTRIES * AT_CACHE_IDLE];
	char *keys[AT_CACHE_ENTRIES];
	size_t i, ndrop = 0, nkeys = 0;

	char *defs_path, *defs_bytes;

	pthread_mutex_lock(&lock);
	for (i = 0; i < AT_CACHE_ENTRIES; i++)
		if (entries[i].key != NULL)
			empty_entry(&entries[i], drop, &ndrop, &keys[nkeys++]);
	defs_path = defs.path;
	defs_bytes = defs.bytes;
	memset(&defs, 0, sizeof(defs));
	pthread_mutex_unlock(&lock);
	free(defs_path);
	free(defs_bytes);
	for (i = 0; i < ndrop; i++)
		keyring_free(drop[i]);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
}

void
at_cache_stats(size_t *keyrings, unsigned long *n_hits)
{
	size_t i;

	pthread_mutex_lock(&lock);
	*keyrings = 0;
	for (i = 0; i < AT_CACHE_ENTRIES; i++)
		*keyrings += entries[i].nidle;
	*n_hits = hits;
	pthread_mutex_unlock(&lock);
}
