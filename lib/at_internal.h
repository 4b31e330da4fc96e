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

struct at_verifier {
	const struct at_config *cfg;	/* borrowed: outlives the verifier */
	const struct at_log *log;	/* borrowed: may be NULL */
	struct at_hmac_key *keys[AT_MAX_SECRETS]; /* owned, file order */
	size_t nkeys;
	struct at_mapping *map;		/* owned array of nmap entries */
	size_t nmap;
	bool has_map;			/* a user map is in force */
	at_clock_fn clock;
	void *clock_ctx;		/* borrowed */
};

#endif /* AT_INTERNAL_H */
