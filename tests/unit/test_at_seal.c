/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_seal.c - lib/at_seal.c: the sealed copy of the auth phase's
 * exports that the session phase trusts.  A seal opens only with its
 * key, for its service and user, with its text; anything else is
 * refused.
 */
#include "unit_test.h"

#define ENTRIES "AGENTICTRUST_SUB=alice\nAGENTICTRUST_METHOD=jwt"
#define SVC	"sshd"

static unsigned char key[AT_SEAL_KEY_LEN], key2[AT_SEAL_KEY_LEN];

static int
setup(void **state)
{
	(void)state;
	if (at_seal_keygen(key) != AT_OK || at_seal_keygen(key2) != AT_OK)
		return -1;
	return 0;
}

static void
test_keygen_random(void **state)
{
	static const unsigned char zero[AT_SEAL_KEY_LEN];

	(void)state;
	assert_memory_not_equal(key, zero, sizeof(key));
	assert_memory_not_equal(key, key2, sizeof(key));
}

static void
test_round_trip(void **state)
{
	const char *texts[] = {ENTRIES, "", "AGENTICTRUST_NAME=a b=c \"d\""};
	char *seal = NULL, *out = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_at(at_seal_make(key, SVC, "alice", texts[i], &seal),
			  AT_OK);
		assert_non_null(strchr(seal, '.'));
		assert_at(at_seal_open(key, SVC, "alice", seal, &out), AT_OK);
		assert_string_equal(out, texts[i]);
		free(out);
		free(seal);
	}
}

static void
test_other_key_user_or_text(void **state)
{
	char *seal = NULL, *other = NULL, *out = NULL, *forged;
	const char *dot, *odot;

	(void)state;
	assert_at(at_seal_make(key, SVC, "alice", ENTRIES, &seal), AT_OK);
	assert_at(at_seal_open(key2, SVC, "alice", seal, &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	assert_at(at_seal_open(key, SVC, "bob", seal, &out), AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, SVC, "alice ", seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, SVC, "", seal, &out), AT_ERR_SIGNATURE);
	/* Another text under this seal's MAC. */
	assert_at(at_seal_make(key, SVC, "alice",
			       "AGENTICTRUST_SUB=root\nAGENTICTRUST_METHOD=jwt",
			       &other),
		  AT_OK);
	dot = strchr(seal, '.');
	odot = strchr(other, '.');
	assert_true(asprintf(&forged, "%.*s%s", (int)(odot - other), other,
			     dot) > 0);
	assert_at(at_seal_open(key, SVC, "alice", forged, &out),
		  AT_ERR_SIGNATURE);
	free(forged);
	/* The user and the text are not one string: "alic" + "e\n..." is
	 * not "alice" + "\n...". */
	free(other);
	assert_at(at_seal_make(key, SVC, "alic", "e" ENTRIES, &other), AT_OK);
	assert_at(at_seal_open(key, SVC, "alice", other, &out),
		  AT_ERR_SIGNATURE);
	free(other);
	/* Every bit of the MAC counts: flip one character of it. */
	forged = strdup(seal);
	assert_non_null(forged);
	forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B'
									: 'A';
	assert_at(at_seal_open(key, SVC, "alice", forged, &out),
		  AT_ERR_SIGNATURE);
	free(forged);
	free(seal);
	assert_null(out);
}

/* A seal of one PAM service opens in no other, for the same user, and
 * the fields cannot shift into each other. */
static void
test_other_service(void **state)
{
	char *seal = NULL, *other = NULL, *out = NULL;

	(void)state;
	assert_at(at_seal_make(key, "sshd", "alice", ENTRIES, &seal), AT_OK);
	assert_at(at_seal_open(key, "sshd", "alice", seal, &out), AT_OK);
	free(out);
	out = NULL;
	assert_at(at_seal_open(key, "sudo", "alice", seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, "sshd ", "alice", seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, "", "alice", seal, &out), AT_ERR_SIGNATURE);
	assert_null(out);
	/* "ssh" + "dalice" is not "sshd" + "alice". */
	assert_at(at_seal_make(key, "ssh", "dalice", ENTRIES, &other), AT_OK);
	assert_at(at_seal_open(key, "sshd", "alice", other, &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	free(other);
	free(seal);
}

static void
test_malformed(void **state)
{
	char *seal = NULL, *out = NULL, *bad, *big;
	unsigned char mac[AT_MAC_LEN];
	char macb64[64], nulb64[16];
	const char *cases[] = {
		"", ".", "abc", "a.b.c", "QUJD", "QUJD.", ".QUJD",
		"QUJD=.QUJD", "QU JD.QUJD", "QUJD.QUJD\n",
		/* 31 and 33 bytes of MAC */
		"QUJD.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"QUJD.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_at(at_seal_open(key, SVC, "alice", cases[i], &out),
			  AT_ERR_FORMAT);
		assert_null(out);
	}
	/* A NUL inside the text is refused before any MAC is computed. */
	at_b64url_encode((const unsigned char *)"a\0b", 3, nulb64);
	memset(mac, 0, sizeof(mac));
	at_b64url_encode(mac, sizeof(mac), macb64);
	assert_true(asprintf(&bad, "%s.%s", nulb64, macb64) > 0);
	assert_at(at_seal_open(key, SVC, "alice", bad, &out), AT_ERR_FORMAT);
	free(bad);
	/* Too long: refused before decoding. */
	big = malloc(AT_SEAL_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', AT_SEAL_MAX + 1);
	big[AT_SEAL_MAX + 1] = '\0';
	assert_at(at_seal_open(key, SVC, "alice", big, &out), AT_ERR_TOO_LONG);
	assert_at(at_seal_make(key, SVC, "alice", big, &seal), AT_ERR_TOO_LONG);
	assert_null(seal);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_random),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_key_user_or_text),
		cmocka_unit_test(test_other_service),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
