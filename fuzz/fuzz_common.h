/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_common.h - the verifier every fuzz target uses: one fixed secret,
 * a fixed clock, the default policy, a two-line user map.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "at.h"

#define FUZZ_SECRET "fuzz-secret-0123456789-abcdefghijklmnop"
#define FUZZ_NOW 1790000000

static inline time_t
fuzz_clock(void *ctx)
{
	(void)ctx;
	return FUZZ_NOW;
}

/* Built once per process; abort() on failure (a broken harness). */
static inline struct at_verifier *
fuzz_verifier(const struct at_config *cfg)
{
	struct at_verifier *v = NULL;

	if (at_verifier_new(&v, cfg, NULL) != AT_OK ||
	    at_verifier_add_secret(v, FUZZ_SECRET, strlen(FUZZ_SECRET)) !=
		    AT_OK ||
	    at_verifier_add_mapping(v, "user-42", "alice") != AT_OK ||
	    at_verifier_add_mapping(v, "agent-7", "alice") != AT_OK)
		abort();
	at_verifier_set_clock(v, fuzz_clock, NULL);
	return v;
}

#endif
