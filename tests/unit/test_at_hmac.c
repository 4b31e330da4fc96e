/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_hmac.c - lib/at_hmac.c against external vectors: RFC 4231
 * test cases 1-7 and every Wycheproof HMAC-SHA256 test (libsodium's
 * test/default/auth.c pins RFC 4231 the same way).
 *
 * Usage: test_at_hmac RFC_VECTORS_JSON WYCHEPROOF_JSON
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "at.h"
#include "test_common.h"
#include "unit_test.h"

#define WYCHEPROOF_TESTS 174

static const char *rfc_path;
static const char *wycheproof_path;

/* A hex string from the vector files, decoded into a new buffer. */
struct bytes {
	unsigned char *p;
	size_t len;
};

static struct bytes
hex_bytes(const char *hex)
{
	struct bytes b;
	size_t n;

	assert_non_null(hex);
	n = strlen(hex);
	assert_int_equal(n % 2, 0);
	b.len = n / 2;
	b.p = malloc(b.len + 1);
	assert_non_null(b.p);
	assert_at(at_hex_decode(hex, n, b.p, b.len), AT_OK);
	return b;
}

static const char *
get_str(json_t *obj, const char *key)
{
	json_t *j = json_object_get(obj, key);

	if (!json_is_string(j))
		fail_msg("vector field \"%s\" missing or not a string", key);
	return json_string_value(j);
}

static json_t *
load_json(const char *path)
{
	json_error_t err;
	json_t *j;

	if (path == NULL)
		fail_msg("vector path not given on the command line");
	j = json_load_file(path, 0, &err);
	if (j == NULL)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return j;
}

static int
setup_rfc(void **state)
{
	json_t *root = load_json(rfc_path);

	*state = root;
	return 0;
}

static int
teardown_json(void **state)
{
	json_decref(*state);
	return 0;
}

static json_t *
rfc4231_case(void **state, size_t n)
{
	json_t *list = json_object_get(*state, "hmac_sha256");
	json_t *tc;
	char want[64];

	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 7);
	tc = json_array_get(list, n - 1);
	snprintf(want, sizeof(want), "(Test Case %zu)", n);
	assert_non_null(strstr(get_str(tc, "source"), want));
	return tc;
}

/*
 * One RFC 4231 case with a full 32-byte value: the one-shot function,
 * a reused keyed state (twice, to show it restarts cleanly) and verify,
 * which must also refuse the value with any single bit flipped.
 */
static void
check_rfc4231_full(json_t *tc)
{
	struct bytes key = hex_bytes(get_str(tc, "key_hex"));
	struct bytes msg = hex_bytes(get_str(tc, "data_hex"));
	struct bytes want = hex_bytes(get_str(tc, "expected"));
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN], bad[AT_MAC_LEN];
	size_t bit;

	assert_int_equal(want.len, AT_MAC_LEN);
	assert_at(at_hmac_sha256(key.p, key.len, msg.p, msg.len, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);

	assert_at(at_hmac_key_new(&k, key.p, key.len), AT_OK);
	assert_non_null(k);
	assert_at(at_hmac_key_mac(k, msg.p, msg.len, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);
	assert_at(at_hmac_key_verify(k, msg.p, msg.len, want.p, want.len),
		  AT_OK);
	for (bit = 0; bit < 8 * AT_MAC_LEN; bit += 37) {
		memcpy(bad, want.p, AT_MAC_LEN);
		bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_at(
			at_hmac_key_verify(k, msg.p, msg.len, bad, sizeof(bad)),
			AT_ERR_SIGNATURE);
	}
	/* After failed verifies the state still restarts from the key. */
	assert_at(at_hmac_key_mac(k, msg.p, msg.len, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);
	at_hmac_key_free(k);
	free(key.p);
	free(msg.p);
	free(want.p);
}

static void
test_rfc4231_case1(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 1));
}

static void
test_rfc4231_case2(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 2));
}

static void
test_rfc4231_case3(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 3));
}

static void
test_rfc4231_case4(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 4));
}

/* RFC 4231 4.6: the RFC prints only 128 bits; a verifier that insists on
 * the full tag must refuse them, and the full value must match. */
static void
test_rfc4231_case5_truncated(void **state)
{
	json_t *tc = rfc4231_case(state, 5);
	struct bytes key = hex_bytes(get_str(tc, "key_hex"));
	struct bytes msg = hex_bytes(get_str(tc, "data_hex"));
	struct bytes trunc = hex_bytes(get_str(tc, "expected"));
	const char *note = get_str(tc, "note"), *p;
	struct bytes full;
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN];
	char hex[2 * AT_HMAC_HEX_LEN + 1];

	assert_int_equal(
		json_integer_value(json_object_get(tc, "truncated_to_bits")),
		128);
	assert_int_equal(trunc.len, 16);
	p = strstr(note, "full HMAC-SHA256 is ");
	assert_non_null(p);
	p += strlen("full HMAC-SHA256 is ");
	assert_true(strlen(p) >= AT_HMAC_HEX_LEN);
	memcpy(hex, p, AT_HMAC_HEX_LEN);
	hex[AT_HMAC_HEX_LEN] = '\0';
	full = hex_bytes(hex);
	/* The truncated value is a prefix of the full one. */
	assert_memory_equal(full.p, trunc.p, 16);

	assert_at(at_hmac_sha256(key.p, key.len, msg.p, msg.len, mac), AT_OK);
	assert_memory_equal(mac, full.p, AT_MAC_LEN);
	assert_at(at_hmac_key_new(&k, key.p, key.len), AT_OK);
	assert_at(at_hmac_key_verify(k, msg.p, msg.len, trunc.p, trunc.len),
		  AT_ERR_SIG_LENGTH);
	/* Even the right 16 bytes passed as if 16 long must be refused. */
	assert_at(at_hmac_key_verify(k, msg.p, msg.len, full.p, 16),
		  AT_ERR_SIG_LENGTH);
	assert_at(at_hmac_key_verify(k, msg.p, msg.len, full.p, full.len),
		  AT_OK);
	at_hmac_key_free(k);
	free(key.p);
	free(msg.p);
	free(trunc.p);
	free(full.p);
}

static void
test_rfc4231_case6(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 6));
}

static void
test_rfc4231_case7(void **state)
{
	check_rfc4231_full(rfc4231_case(state, 7));
}

/*
 * Every Wycheproof test.  tagSize 256: verify accepts iff "valid", and an
 * invalid tag is a signature mismatch.  tagSize 128: the truncated tag is
 * refused whatever its value, while our full MAC's first 16 bytes equal it
 * iff "valid" (so the computation is still checked for those keys).
 */
static void
test_wycheproof_hmac_sha256(void **state)
{
	json_t *root = load_json(wycheproof_path), *groups, *g, *tests, *t;
	size_t gi, ti, ran = 0, ran256 = 0, ran128 = 0, valid256 = 0,
		       valid128 = 0;

	(void)state;
	assert_string_equal(get_str(root, "algorithm"), "HMACSHA256");
	assert_int_equal(
		json_integer_value(json_object_get(root, "numberOfTests")),
		WYCHEPROOF_TESTS);
	groups = json_object_get(root, "testGroups");
	assert_true(json_is_array(groups));
	json_array_foreach(groups, gi, g)
	{
		json_int_t tag_bits =
			json_integer_value(json_object_get(g, "tagSize"));
		json_int_t key_bits =
			json_integer_value(json_object_get(g, "keySize"));

		assert_true(tag_bits == 256 || tag_bits == 128);
		tests = json_object_get(g, "tests");
		assert_true(json_is_array(tests));
		json_array_foreach(tests, ti, t)
		{
			struct bytes key = hex_bytes(get_str(t, "key"));
			struct bytes msg = hex_bytes(get_str(t, "msg"));
			struct bytes tag = hex_bytes(get_str(t, "tag"));
			const char *result = get_str(t, "result");
			bool valid = strcmp(result, "valid") == 0;
			struct at_hmac_key *k = NULL;
			unsigned char mac[AT_MAC_LEN];
			enum at_err r;

			assert_true(valid || strcmp(result, "invalid") == 0);
			assert_int_equal(key.len * 8, key_bits);
			assert_int_equal(tag.len * 8, tag_bits);
			assert_at(at_hmac_key_new(&k, key.p, key.len), AT_OK);
			r = at_hmac_key_verify(k, msg.p, msg.len, tag.p,
					       tag.len);
			assert_at(at_hmac_key_mac(k, msg.p, msg.len, mac),
				  AT_OK);
			if (tag_bits == 256) {
				if (valid)
					assert_at(r, AT_OK);
				else
					assert_at(r, AT_ERR_SIGNATURE);
				assert_int_equal(
					CRYPTO_memcmp(mac, tag.p, AT_MAC_LEN) == 0,
					valid);
				ran256++;
				valid256 += valid;
			} else {
				assert_at(r, AT_ERR_SIG_LENGTH);
				assert_int_equal(CRYPTO_memcmp(mac, tag.p, 16) == 0,
						 valid);
				ran128++;
				valid128 += valid;
			}
			ran++;
			at_hmac_key_free(k);
			free(key.p);
			free(msg.p);
			free(tag.p);
		}
	}
	/* SOURCES.md: 174 tests, 87 per tag size, 33 valid in each. */
	assert_int_equal(ran, WYCHEPROOF_TESTS);
	assert_int_equal(ran256, 87);
	assert_int_equal(ran128, 87);
	assert_int_equal(valid256, 33);
	assert_int_equal(valid128, 33);
	print_message("wycheproof: ran %zu tests (%zu tagSize 256, %zu "
		      "tagSize 128)\n",
		      ran, ran256, ran128);
	json_decref(root);
}

/* ------------------------------------------------------------------ */
/* API edges */

static void
test_verify_rejects_wrong_tag_lengths(void **state)
{
	static const char key[] = TEST_SECRET;
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN + 1];

	(void)state;
	assert_at(at_hmac_key_new(&k, key, strlen(key)), AT_OK);
	assert_at(at_hmac_key_mac(k, "m", 1, mac), AT_OK);
	mac[AT_MAC_LEN] = 0;
	assert_at(at_hmac_key_verify(k, "m", 1, mac, AT_MAC_LEN), AT_OK);
	assert_at(at_hmac_key_verify(k, "m", 1, mac, AT_MAC_LEN - 1),
		  AT_ERR_SIG_LENGTH);
	assert_at(at_hmac_key_verify(k, "m", 1, mac, AT_MAC_LEN + 1),
		  AT_ERR_SIG_LENGTH);
	assert_at(at_hmac_key_verify(k, "m", 1, mac, 16), AT_ERR_SIG_LENGTH);
	assert_at(at_hmac_key_verify(k, "m", 1, mac, 0), AT_ERR_SIG_LENGTH);
	assert_at(at_hmac_key_verify(k, "m", 1, NULL, AT_MAC_LEN),
		  AT_ERR_SIG_LENGTH);
	at_hmac_key_free(k);
}

static void
test_verify_wrong_message(void **state)
{
	static const char key[] = TEST_SECRET;
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN];

	(void)state;
	assert_at(at_hmac_key_new(&k, key, strlen(key)), AT_OK);
	assert_at(at_hmac_key_mac(k, "alice", 5, mac), AT_OK);
	assert_at(at_hmac_key_verify(k, "alice", 5, mac, sizeof(mac)), AT_OK);
	assert_at(at_hmac_key_verify(k, "Alice", 5, mac, sizeof(mac)),
		  AT_ERR_SIGNATURE);
	assert_at(at_hmac_key_verify(k, "alice", 4, mac, sizeof(mac)),
		  AT_ERR_SIGNATURE);
	assert_at(at_hmac_key_verify(k, "alice\0", 6, mac, sizeof(mac)),
		  AT_ERR_SIGNATURE);
	at_hmac_key_free(k);
}

static void
test_empty_key_and_message(void **state)
{
	/* HMAC-SHA256("", ""): python3 hmac.new(b"", b"", "sha256"). */
	static const char want_hex[] = "b613679a0814d9ec772f95d778c35fc5ff1697c"
				       "493715653c6c712144292c5ad";
	struct bytes want = hex_bytes(want_hex);
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN];

	(void)state;
	assert_at(at_hmac_sha256(NULL, 0, NULL, 0, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);
	assert_at(at_hmac_key_new(&k, "", 0), AT_OK);
	assert_at(at_hmac_key_mac(k, "", 0, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);
	assert_at(at_hmac_key_mac(k, NULL, 0, mac), AT_OK);
	assert_memory_equal(mac, want.p, AT_MAC_LEN);
	at_hmac_key_free(k);
	free(want.p);
}

static void
test_key_state_independent_of_history(void **state)
{
	static const char key[] = TEST_SECRET;
	struct at_hmac_key *k = NULL;
	unsigned char a[AT_MAC_LEN], b[AT_MAC_LEN], c[AT_MAC_LEN];

	(void)state;
	assert_at(at_hmac_key_new(&k, key, strlen(key)), AT_OK);
	assert_at(at_hmac_key_mac(k, "first", 5, a), AT_OK);
	assert_at(at_hmac_key_mac(k, "second", 6, b), AT_OK);
	assert_at(at_hmac_key_mac(k, "first", 5, c), AT_OK);
	assert_memory_equal(a, c, AT_MAC_LEN);
	assert_memory_not_equal(a, b, AT_MAC_LEN);
	/* Same as a fresh one-shot computation. */
	assert_at(at_hmac_sha256(key, strlen(key), "second", 6, c), AT_OK);
	assert_memory_equal(b, c, AT_MAC_LEN);
	at_hmac_key_free(k);
}

static void
test_null_key_with_length_refused(void **state)
{
	struct at_hmac_key *k = (struct at_hmac_key *)&k;

	(void)state;
	assert_true(at_hmac_key_new(&k, NULL, 5) != AT_OK);
	assert_null(k);
}

static void
test_mac_null_message_with_length_refused(void **state)
{
	static const char key[] = TEST_SECRET;
	struct at_hmac_key *k = NULL;
	unsigned char mac[AT_MAC_LEN];
	static const unsigned char zero[AT_MAC_LEN];

	(void)state;
	assert_at(at_hmac_key_new(&k, key, strlen(key)), AT_OK);
	memset(mac, 0xaa, sizeof(mac));
	assert_at(at_hmac_key_mac(k, NULL, 4, mac), AT_ERR_CRYPTO);
	assert_memory_equal(mac, zero, AT_MAC_LEN);
	at_hmac_key_free(k);
	at_hmac_key_free(NULL);
}

/*
 * The fingerprint digest state: FIPS 180-2's "abc" and the 56-byte
 * message (two blocks), then the same state reused for the empty
 * message: each the first AT_FP_LEN hex digits of its SHA-256, and
 * at_token_fingerprint()'s answer.
 */
static void
test_sha256_fingerprint_vectors(void **state)
{
	static const struct {
		const char *msg, *fp;
	} v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb924" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223" },
	};
	struct at_sha256 *h = NULL;
	char got[AT_FP_LEN + 1], ref[AT_FP_LEN + 1];
	size_t i;

	(void)state;
	assert_at(at_sha256_new(&h), AT_OK);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_at(at_sha256_fingerprint(h, v[i].msg, strlen(v[i].msg),
						got),
			  AT_OK);
		assert_string_equal(got, v[i].fp);
		assert_at(at_token_fingerprint(v[i].msg, strlen(v[i].msg),
					       ref),
			  AT_OK);
		assert_string_equal(ref, v[i].fp);
	}
	at_sha256_free(h);
	at_sha256_free(NULL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfc4231_case1, setup_rfc,
						teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case2, setup_rfc,
						teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case3, setup_rfc,
						teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case4, setup_rfc,
						teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case5_truncated,
						setup_rfc, teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case6, setup_rfc,
						teardown_json),
		cmocka_unit_test_setup_teardown(test_rfc4231_case7, setup_rfc,
						teardown_json),
		cmocka_unit_test(test_wycheproof_hmac_sha256),
		cmocka_unit_test(test_verify_rejects_wrong_tag_lengths),
		cmocka_unit_test(test_verify_wrong_message),
		cmocka_unit_test(test_empty_key_and_message),
		cmocka_unit_test(test_key_state_independent_of_history),
		cmocka_unit_test(test_null_key_with_length_refused),
		cmocka_unit_test(test_mac_null_message_with_length_refused),
		cmocka_unit_test(test_sha256_fingerprint_vectors),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s RFC_VECTORS WYCHEPROOF_VECTORS\n",
			argv[0]);
		return 2;
	}
	rfc_path = argv[1];
	wycheproof_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
