/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_seal.c - lib/at_seal.c: the sealed copy of the auth phase's
 * exports that the session phase trusts.  A seal opens only with its
 * key, for its service, user and handle, with its text and expiry, before
 * that expiry; anything else is refused.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "unit_test.h"

#define ENTRIES "AGENTICTRUST_SUB=alice\nAGENTICTRUST_METHOD=jwt"
#define SVC	"sshd"
/* A handle number as the module passes one (a pam_handle_t address). */
#define H	((uint64_t)0x000055d0c0ffee10u)
/* The injected clock: 2026-09-21, and the seal's expiry 300 s later. */
#define NOW	((time_t)1790000000)
#define EXP	((int64_t)NOW + AT_SEAL_TTL)

static unsigned char key[AT_SEAL_KEY_LEN], key2[AT_SEAL_KEY_LEN];

static int
setup(void **state)
{
	(void)state;
	if (at_seal_keygen(key) != AT_OK || at_seal_keygen(key2) != AT_OK)
		return -1;
	return 0;
}

/* Seal text for alice of SVC in handle H until EXP. */
static char *
make(const char *text)
{
	char *seal = NULL;

	assert_at(at_seal_make(key, SVC, "alice", H, EXP, text, &seal), AT_OK);
	assert_non_null(seal);
	return seal;
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
	char *seal = NULL, *out = NULL, want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		seal = make(texts[i]);
		/* The expiry is readable in the seal: "entries.EXP.mac". */
		snprintf(want, sizeof(want), ".%lld.", (long long)EXP);
		assert_non_null(strstr(seal, want));
		assert_at(at_seal_open(key, SVC, "alice", H, NOW, seal, &out),
			  AT_OK);
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
	seal = make(ENTRIES);
	assert_at(at_seal_open(key2, SVC, "alice", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	assert_at(at_seal_open(key, SVC, "bob", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, SVC, "alice ", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, SVC, "", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	/* Another text under this seal's MAC. */
	other = make("AGENTICTRUST_SUB=root\nAGENTICTRUST_METHOD=jwt");
	dot = strchr(seal, '.');
	odot = strchr(other, '.');
	assert_true(asprintf(&forged, "%.*s%s", (int)(odot - other), other,
			     dot) > 0);
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, forged, &out),
		  AT_ERR_SIGNATURE);
	free(forged);
	/* The user and the text are not one string: "alic" + "e\n..." is
	 * not "alice" + "\n...". */
	free(other);
	assert_at(at_seal_make(key, SVC, "alic", H, EXP, "e" ENTRIES, &other),
		  AT_OK);
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, other, &out),
		  AT_ERR_SIGNATURE);
	free(other);
	/* Every bit of the MAC counts: flip one character of it. */
	forged = strdup(seal);
	assert_non_null(forged);
	forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B'
									: 'A';
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, forged, &out),
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
	seal = make(ENTRIES);
	assert_at(at_seal_open(key, "sshd", "alice", H, NOW, seal, &out),
		  AT_OK);
	free(out);
	out = NULL;
	assert_at(at_seal_open(key, "sudo", "alice", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, "sshd ", "alice", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_at(at_seal_open(key, "", "alice", H, NOW, seal, &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	/* "ssh" + "dalice" is not "sshd" + "alice". */
	assert_at(at_seal_make(key, "ssh", "dalice", H, EXP, ENTRIES, &other),
		  AT_OK);
	assert_at(at_seal_open(key, "sshd", "alice", H, NOW, other, &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	free(other);
	free(seal);
}

/*
 * The second review's replay (F1): a seal made in one handle opens in no
 * other handle of the process, same key, service and user.  Every bit of
 * the handle number counts.
 */
static void
test_other_handle(void **state)
{
	const uint64_t others[] = {
		H + 1, H - 1, H ^ ((uint64_t)1 << 63), H ^ 1, 0, UINT64_MAX,
		H << 8, H >> 8,
	};
	char *seal = NULL, *out = NULL;
	size_t i;

	(void)state;
	seal = make(ENTRIES);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_at(at_seal_open(key, SVC, "alice", others[i], NOW, seal,
				       &out),
			  AT_ERR_SIGNATURE);
		assert_null(out);
	}
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, seal, &out), AT_OK);
	free(out);
	free(seal);
}

/*
 * A seal opens until its expiry, not at it nor after, and the expiry in
 * the seal is under the MAC: writing a later one breaks the seal.
 */
static void
test_expired(void **state)
{
	char *seal = NULL, *out = NULL, *forged = NULL, *p;
	const char *dot, *dot2;

	(void)state;
	seal = make(ENTRIES);
	assert_at(at_seal_open(key, SVC, "alice", H, (time_t)EXP - 1, seal,
			       &out),
		  AT_OK);
	free(out);
	out = NULL;
	assert_at(at_seal_open(key, SVC, "alice", H, (time_t)EXP, seal, &out),
		  AT_ERR_EXPIRED);
	assert_null(out);
	assert_at(at_seal_open(key, SVC, "alice", H, (time_t)EXP + 86400,
			       seal, &out),
		  AT_ERR_EXPIRED);
	assert_null(out);
	/* The same seal with its expiry moved a day later. */
	dot = strchr(seal, '.');
	dot2 = strchr(dot + 1, '.');
	assert_true(asprintf(&forged, "%.*s.%lld%s", (int)(dot - seal), seal,
			     (long long)EXP + 86400, dot2) > 0);
	assert_at(at_seal_open(key, SVC, "alice", H, (time_t)EXP, forged,
			       &out),
		  AT_ERR_SIGNATURE);
	assert_null(out);
	free(forged);
	/* ... or a digit of it changed in place. */
	forged = strdup(seal);
	assert_non_null(forged);
	p = forged + (dot2 - seal) - 1;
	*p = *p == '9' ? '8' : (char)(*p + 1);
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, forged, &out),
		  AT_ERR_SIGNATURE);
	free(forged);
	free(seal);
	/* An expiry in the past never opens; a negative one is not made. */
	assert_at(at_seal_make(key, SVC, "alice", H, 0, ENTRIES, &seal), AT_OK);
	assert_at(at_seal_open(key, SVC, "alice", H, 0, seal, &out),
		  AT_ERR_EXPIRED);
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, seal, &out),
		  AT_ERR_EXPIRED);
	free(seal);
	seal = NULL;
	assert_at(at_seal_make(key, SVC, "alice", H, -1, ENTRIES, &seal),
		  AT_ERR_INTERNAL);
	assert_null(seal);
	/* The largest expiry round-trips. */
	assert_at(at_seal_make(key, SVC, "alice", H, INT64_MAX, ENTRIES, &seal),
		  AT_OK);
	assert_non_null(strstr(seal, ".9223372036854775807."));
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, seal, &out), AT_OK);
	free(out);
	free(seal);
}

/*
 * The expiry the module gives a seal: the JWT's exp plus leeway when that
 * comes first, else AT_SEAL_TTL from now; HMAC credentials and JWTs
 * without exp always the bound.  It ends exactly where at_exp_check()
 * starts refusing the token.
 */
static void
test_expiry(void **state)
{
	struct at_claims c;
	const double exps[] = {
		(double)NOW + 100, (double)NOW + 10.5, (double)NOW - 30,
		(double)NOW + 238.25,
	};
	time_t t;
	int64_t e;
	size_t i;

	(void)state;
	at_claims_init(&c);
	c.method = AT_METHOD_HMAC;
	assert_int_equal(at_seal_expiry(&c, 60, NOW), EXP);
	c.method = AT_METHOD_JWT;
	assert_int_equal(at_seal_expiry(&c, 60, NOW), EXP);
	c.has_exp = true;
	c.exp = (double)NOW + 100;
	assert_int_equal(at_seal_expiry(&c, 60, NOW), (int64_t)NOW + 160);
	assert_int_equal(at_seal_expiry(&c, 0, NOW), (int64_t)NOW + 100);
	c.exp = (double)NOW + 3600;
	assert_int_equal(at_seal_expiry(&c, 60, NOW), EXP);
	c.exp = (double)NOW + AT_SEAL_TTL;
	assert_int_equal(at_seal_expiry(&c, 0, NOW), EXP);
	c.exp = 1e300;
	assert_int_equal(at_seal_expiry(&c, 300, NOW), EXP);
	c.exp = -1e300;
	assert_int_equal(at_seal_expiry(&c, 300, NOW), 0);
	c.exp = 0.0 / 0.0;
	assert_int_equal(at_seal_expiry(&c, 300, NOW), EXP);
	/* Where at_exp_check() turns: the seal's expiry. */
	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		c.exp = exps[i];
		e = at_seal_expiry(&c, 60, NOW);
		assert_true(e < EXP);
		for (t = NOW - 100; t < NOW + AT_SEAL_TTL; t++)
			assert_int_equal(at_exp_check(c.exp, 60, t) == AT_OK,
					 (int64_t)t < e);
	}
	c.method = AT_METHOD_HMAC;
	c.exp = (double)NOW;
	assert_int_equal(at_seal_expiry(&c, 0, NOW), EXP);
}

static void
test_malformed(void **state)
{
	char *seal = NULL, *out = NULL, *bad, *big;
	unsigned char mac[AT_MAC_LEN];
	char macb64[64], nulb64[16];
	const char *cases[] = {
		"", ".", "..", "abc", "a.b.c", "a.1.c.d", "QUJD", "QUJD.",
		".QUJD", "QUJD.1", "QUJD..QUJD", "QUJD=.1.QUJD", "QU JD.1.QUJD",
		"QUJD.1.QUJD\n",
		/* 31 and 33 bytes of MAC */
		"QUJD.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"QUJD.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	/* Expiry fields that are not plain decimal without a leading zero,
	 * up to INT64_MAX. */
	const char *exps[] = {
		"", "01", "00", "+1", "-1", " 1", "1 ", "1a", "0x1", "1.5",
		"9223372036854775808", "18446744073709551616",
		"99999999999999999999", "1e9",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_at(at_seal_open(key, SVC, "alice", H, NOW, cases[i],
				       &out),
			  AT_ERR_FORMAT);
		assert_null(out);
	}
	memset(mac, 0, sizeof(mac));
	at_b64url_encode(mac, sizeof(mac), macb64);
	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		assert_true(asprintf(&bad, "QUJD.%s.%s", exps[i], macb64) > 0);
		assert_at(at_seal_open(key, SVC, "alice", H, NOW, bad, &out),
			  AT_ERR_FORMAT);
		free(bad);
	}
	/* Well-formed expiries reach the MAC, which fails. */
	for (i = 0; i < 3; i++) {
		assert_true(asprintf(&bad, "QUJD.%s.%s",
				     i == 0   ? "0"
				     : i == 1 ? "9223372036854775807"
					      : "1790000300",
				     macb64) > 0);
		assert_at(at_seal_open(key, SVC, "alice", H, NOW, bad, &out),
			  AT_ERR_SIGNATURE);
		free(bad);
	}
	/* A NUL inside the text is refused before any MAC is computed. */
	at_b64url_encode((const unsigned char *)"a\0b", 3, nulb64);
	assert_true(asprintf(&bad, "%s.1.%s", nulb64, macb64) > 0);
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, bad, &out),
		  AT_ERR_FORMAT);
	free(bad);
	/* Too long: refused before decoding. */
	big = malloc(AT_SEAL_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', AT_SEAL_MAX + 1);
	big[AT_SEAL_MAX + 1] = '\0';
	assert_at(at_seal_open(key, SVC, "alice", H, NOW, big, &out),
		  AT_ERR_TOO_LONG);
	assert_at(at_seal_make(key, SVC, "alice", H, EXP, big, &seal),
		  AT_ERR_TOO_LONG);
	assert_null(seal);
	/* A service or user name too long to seal. */
	assert_at(at_seal_make(key, big, "alice", H, EXP, ENTRIES, &seal),
		  AT_ERR_TOO_LONG);
	assert_at(at_seal_make(key, SVC, big, H, EXP, ENTRIES, &seal),
		  AT_ERR_TOO_LONG);
	assert_null(seal);
	free(big);
}

/*
 * Threads sealing at once with two keys: the kept keyed HMAC is used by
 * one thread at a time and rekeyed when the key changes, the others key
 * their own; every seal opens with its key and with no other.
 */
#define SEAL_THREADS 4
#define SEAL_ROUNDS 300

static atomic_uint seal_wrong;

static void *
seal_worker(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, i;
	const unsigned char *k, *other;
	char *seal, *out;

	for (i = 0; i < SEAL_ROUNDS; i++) {
		k = (i + id) % 2 ? key : key2;
		other = k == key ? key2 : key;
		seal = out = NULL;
		if (at_seal_make(k, SVC, "alice", H + id, EXP, ENTRIES,
				 &seal) != AT_OK ||
		    at_seal_open(k, SVC, "alice", H + id, NOW, seal, &out) !=
			    AT_OK ||
		    strcmp(out, ENTRIES) != 0)
			atomic_fetch_add(&seal_wrong, 1);
		free(out);
		out = NULL;
		if (seal != NULL &&
		    at_seal_open(other, SVC, "alice", H + id, NOW, seal,
				 &out) != AT_ERR_SIGNATURE)
			atomic_fetch_add(&seal_wrong, 1);
		free(out);
		free(seal);
	}
	return NULL;
}

static void
test_threads_two_keys(void **state)
{
	pthread_t t[SEAL_THREADS];
	unsigned int i;

	(void)state;
	for (i = 0; i < SEAL_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, seal_worker,
						(void *)(uintptr_t)i),
				 0);
	for (i = 0; i < SEAL_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(atomic_load(&seal_wrong), 0);
	/* Wiped and freed; the next seal keys again. */
	at_seal_flush();
	free(make(ENTRIES));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_random),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_key_user_or_text),
		cmocka_unit_test(test_other_service),
		cmocka_unit_test(test_other_handle),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_threads_two_keys),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
