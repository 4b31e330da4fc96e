/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_signed.c - what lies behind the MAC.  The input is taken as a JWS
 * signing input (header "." payload, any bytes); the harness appends the
 * correct HMAC-SHA256 signature and runs the pipeline, so base64url
 * decoding, jansson parsing, header and claim checks and the user mapping
 * all see fuzzer-chosen data.
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
	unsigned char mac[AT_MAC_LEN];
	struct at_claims claims;
	char tok[AT_MAX_CREDENTIAL + 64];
	size_t n;

	if (v == NULL) {
		at_config_init(&cfg);
		cfg.max_ttl = 86400;
		cfg.audience = (char *)"ssh";
		v = fuzz_verifier(&cfg);
	}
	if (size > AT_MAX_CREDENTIAL - 44)
		return 0;
	if (at_hmac_sha256(FUZZ_SECRET, strlen(FUZZ_SECRET), data, size,
			   mac) != AT_OK)
		abort();
	memcpy(tok, data, size);
	tok[size] = '.';
	at_b64url_encode(mac, sizeof(mac), tok + size + 1);
	n = strlen(tok + size + 1) + size + 1;
	at_claims_init(&claims);
	(void)at_verify_credential(v, tok, n, "alice", &claims);
	at_claims_clear(&claims);
	return 0;
}
