/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_verify.c - the whole pipeline on hostile bytes, as the module sees
 * them: at_verify_credential() for user "alice".  Most inputs die at the
 * MAC; fuzz_signed.c reaches the JSON behind it.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct at_config cfg;
	static struct at_verifier *v;
	struct at_claims claims;

	if (v == NULL) {
		at_config_init(&cfg);
		v = fuzz_verifier(&cfg);
	}
	at_claims_init(&claims);
	(void)at_verify_credential(v, (const char *)data, size, "alice",
				   &claims);
	at_claims_clear(&claims);
	return 0;
}
