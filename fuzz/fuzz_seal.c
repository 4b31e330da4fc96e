/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_seal.c - at_seal_open() on any bytes (what a session phase finds in
 * AGENTICTRUST_SEAL may come from a user's ~/.pam_environment), and the
 * round trip: the input as the text of a seal made and opened again with
 * a fixed key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[AT_SEAL_KEY_LEN] =
	"fuzz-seal-key-0123456789-abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *seal = NULL, *out = NULL;
	enum at_err r;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	r = at_seal_open(key, "sshd", "alice", s, &out);
	if ((r == AT_OK) != (out != NULL))
		abort();
	free(out);
	out = NULL;

	r = at_seal_make(key, "sshd", "alice", s, &seal);
	if (r == AT_OK) {
		if (at_seal_open(key, "sshd", "alice", seal, &out) != AT_OK ||
		    strcmp(out, s) != 0)
			abort();
		free(out);
		out = NULL;
		/* Another user never opens it. */
		r = at_seal_open(key, "sshd", "alicf", seal, &out);
		if (r != AT_ERR_SIGNATURE || out != NULL)
			abort();
		/* Nor another service. */
		r = at_seal_open(key, "sshe", "alice", seal, &out);
		if (r != AT_ERR_SIGNATURE || out != NULL)
			abort();
	} else if (r != AT_ERR_TOO_LONG || seal != NULL) {
		abort();
	}
	free(seal);
	free(s);
	return 0;
}
