/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_seal.c - at_seal_open() on any bytes (what a session phase finds in
 * AGENTICTRUST_SEAL may come from a user's ~/.pam_environment), and the
 * round trip: the input as the text of a seal made and opened again with
 * a fixed key, handle and clock, which opens for no other user, service
 * or handle, nor at its expiry.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[AT_SEAL_KEY_LEN] =
	"fuzz-seal-key-0123456789-abcdef";
/* The seeds' handle and clock (tests/data/fuzz/README.md). */
#define HANDLE	((uint64_t)0x55d0c0ffee10u)
#define NOW	((time_t)1790000000)
#define EXPIRES ((int64_t)NOW + AT_SEAL_TTL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *seal = NULL, *out = NULL;
	enum at_err r;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	r = at_seal_open(key, "sshd", "alice", HANDLE, NOW, s, &out);
	if ((r == AT_OK) != (out != NULL))
		abort();
	free(out);
	out = NULL;

	r = at_seal_make(key, "sshd", "alice", HANDLE, EXPIRES, s, &seal);
	if (r == AT_OK) {
		if (at_seal_open(key, "sshd", "alice", HANDLE, EXPIRES - 1,
				 seal, &out) != AT_OK ||
		    strcmp(out, s) != 0)
			abort();
		free(out);
		out = NULL;
		/* Another user never opens it. */
		r = at_seal_open(key, "sshd", "alicf", HANDLE, NOW, seal, &out);
		if (r != AT_ERR_SIGNATURE || out != NULL)
			abort();
		/* Nor another service. */
		r = at_seal_open(key, "sshe", "alice", HANDLE, NOW, seal, &out);
		if (r != AT_ERR_SIGNATURE || out != NULL)
			abort();
		/* Nor another handle. */
		r = at_seal_open(key, "sshd", "alice", HANDLE + 16, NOW, seal,
				 &out);
		if (r != AT_ERR_SIGNATURE || out != NULL)
			abort();
		/* Nor the handle at its expiry. */
		r = at_seal_open(key, "sshd", "alice", HANDLE, EXPIRES, seal,
				 &out);
		if (r != AT_ERR_EXPIRED || out != NULL)
			abort();
	} else if (r != AT_ERR_TOO_LONG || seal != NULL) {
		abort();
	}
	free(seal);
	free(s);
	return 0;
}
