/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_internal.h - the verifier's layout, shared by lib/ files only.
 * Callers use the functions in at.h.
 */
#ifndef AT_INTERNAL_H
#define AT_INTERNAL_H

#include "at.h"

struct at_mapping {
	char *external_id;	/* owned */
	char *local_user;	/* owned */
};

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

struct at_verifier {
	const struct at_config *cfg;	/* borrowed: outlives the verifier */
	const struct at_log *log;	/* borrowed: may be NULL */
	/* Every secret is in at least one set, so two full sets fit. */
	struct at_secret secrets[2 * AT_MAX_SECRETS]; /* owned, load order */
	size_t nsecrets;
	struct at_keyset hmac;		/* HMAC credentials: only these */
	struct at_keyset jwt;		/* JWS signatures: only these */
	struct at_mapping *map;		/* owned array of nmap entries */
	size_t nmap;
	bool has_map;			/* a user map is in force */
	at_clock_fn clock;
	void *clock_ctx;		/* borrowed */
	struct at_sha256 *sha256;	/* owned: token fingerprints; made by
					 * the first JWT whose MAC verified */
};

#endif /* AT_INTERNAL_H */
