/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_internal.h - the verifier's layout, shared by lib/ files only.
 * Callers use the functions in at.h.
 */
#ifndef AT_INTERNAL_H
#define AT_INTERNAL_H

#include "at.h"

/* One secret the verifier holds, and where it was read from. */
struct at_secret {
	struct at_hmac_key *key;	/* owned */
	char *path;		/* owned; NULL: added by at_verifier_add_* */
	unsigned int line;	/* its line in path; 0 when not from a file */
};

/*
 * The secrets one credential kind is verified with: indices into
 * at_verifier.secrets, in load order.  A secret in both sets (one
 * secret_file for both methods) is held, and its HMAC state derived,
 * once.
 */
struct at_keyset {
	size_t idx[AT_MAX_SECRETS];
	size_t n;
};

/*
 * The keyed secrets of one verifier, as its secret files produced them:
 * what the process-wide cache (at_cache.c) keeps between transactions.
 * The HMAC states inside are mutable (each verification restarts them),
 * so a keyring is used by one verifier at a time: the cache hands it out
 * and takes it back, it never shares it.
 */
struct at_keyring {
	/* Every secret is in at least one set, so two full sets fit. */
	struct at_secret secrets[2 * AT_MAX_SECRETS]; /* owned, load order */
	size_t nsecrets;
	struct at_keyset hmac;		/* HMAC credentials: only these */
	struct at_keyset jwt;		/* JWS signatures: only these */
};

/* What a verifier's secrets were read from (see at_cache.c). */
struct at_cache_tag {
	char *key;		/* owned: uid, paths, sets; keylen bytes */
	size_t keylen;
	unsigned char digest[AT_CACHE_DIGEST_LEN]; /* of key and the bytes */
	size_t nsecrets;	/* the verifier's count when loaded */
};

struct at_verifier {
	const struct at_config *cfg;	/* borrowed: outlives the verifier */
	const struct at_log *log;	/* borrowed: may be NULL */
	/* Every secret is in at least one set, so two full sets fit. */
	struct at_secret secrets[2 * AT_MAX_SECRETS]; /* owned, load order */
	size_t nsecrets;
	struct at_keyset hmac;		/* HMAC credentials: only these */
	struct at_keyset jwt;		/* JWS signatures: only these */
	/* owned; non-NULL when the secrets above came from, or go to, the
	 * process-wide cache: at_verifier_free() gives them back to it. */
	struct at_cache_tag *cache;
	struct at_user_map *map;	/* owned reference; NULL: none */
	struct at_map_ids *map_ids;	/* owned: at_verifier_map_clear() */
	bool has_map;			/* a user map is in force */
	at_clock_fn clock;
	void *clock_ctx;		/* borrowed */
	struct at_sha256 *sha256;	/* owned: token fingerprints; made by
					 * the first JWT whose MAC verified */
};

/*
 * The process-wide cache of keyed secrets (at_cache.c), used only through
 * at_verifier_from_config_cached().  A tag names the files (their paths,
 * which sets each serves, the owner uid) and the SHA-256 of the bytes
 * read from them in this transaction: at_cache_tag_new() hashes key and
 * the n buffers (each preceded by its length).
 */
enum at_err at_cache_tag_new(struct at_cache_tag **out, const char *key,
			     size_t keylen, const char *const bufs[],
			     const size_t lens[], size_t n);
void at_cache_tag_free(struct at_cache_tag *t);
/* Move an idle keyring built from exactly t's bytes into v's (empty)
 * secrets; false (v untouched) when the cache has none. */
bool at_cache_take(const struct at_cache_tag *t, struct at_verifier *v);
/* Move v's secrets into the cache under v->cache (or wipe them when they
 * no longer match what the tag was made for); frees the tag. */
void at_cache_give(struct at_verifier *v);
/*
 * The range at_login_defs_parse() found in exactly these len bytes of
 * path, checked for owner_uid (login.defs is public: the bytes are kept
 * and compared as they are); false when the cache holds no such parse.
 * put records a successful parse (one file: the last one wins).
 */
bool at_cache_defs_get(const char *path, uid_t owner_uid, const char *buf,
		       size_t len, struct at_uid_range *range);
void at_cache_defs_put(const char *path, uid_t owner_uid, const char *buf,
		       size_t len, const struct at_uid_range *range);

#endif /* AT_INTERNAL_H */
