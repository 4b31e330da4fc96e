/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_api.c - the heap objects and accessors of lib/at_api.c, through
 * which programs linking libagentictrust.so see the opaque struct
 * at_config and struct at_claims: defaults equal at_config_init(), the
 * free functions take NULL, and every accessor returns what a real
 * verification (JWT and HMAC, accepted and refused) put there.
 */
#include <unistd.h>

#include "unit_test.h"

#define NOW 1790000000

/* A verifier made the way a program linking the library makes one: a
 * heap config, two secrets (rotation), one mapping, the fixed clock. */
struct api {
	struct at_config *cfg;
	struct at_verifier *v;
	struct at_claims *claims;
	time_t now;
};

static int
setup(void **state)
{
	struct api *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -1;
	a->now = NOW;
	if (at_config_new(&a->cfg) != AT_OK ||
	    at_config_set(a->cfg, "issuer", "https://issuer.example", NULL) !=
		    AT_OK ||
	    at_verifier_new(&a->v, a->cfg, NULL) != AT_OK ||
	    at_verifier_add_secret(a->v, TEST_SECRET, strlen(TEST_SECRET)) !=
		    AT_OK ||
	    at_verifier_add_secret(a->v, TEST_SECRET2, strlen(TEST_SECRET2)) !=
		    AT_OK ||
	    at_verifier_add_mapping(a->v, "ext-alice", "alice") != AT_OK ||
	    at_claims_new(&a->claims) != AT_OK) {
		at_claims_free(a->claims);
		at_verifier_free(a->v);
		at_config_free(a->cfg);
		free(a);
		return -1;
	}
	at_verifier_set_clock(a->v, unit_fixed_clock, &a->now);
	*state = a;
	return 0;
}

static int
teardown(void **state)
{
	struct api *a = *state;

	at_claims_free(a->claims);
	at_verifier_free(a->v);
	at_config_free(a->cfg);
	free(a);
	return 0;
}

/* The JWT every accessor test reads: signed with the second secret. */
static char *
full_jwt(void)
{
	return test_jws_sign(
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k-2026\"}",
		"{\"sub\":\"ext-alice\",\"email\":\"alice@example.org\","
		"\"name\":\"Alice A\",\"iss\":\"https://issuer.example\","
		"\"iat\":1789999990,\"nbf\":1789999995.5,"
		"\"exp\":1790000300.25}",
		TEST_SECRET2, strlen(TEST_SECRET2));
}

static void
test_config_new_has_the_defaults(void **state)
{
	struct at_config *cfg = NULL, init;

	(void)state;
	assert_at(at_config_new(&cfg), AT_OK);
	assert_non_null(cfg);
	at_config_init(&init);
	/* Both start from zeroed memory: padding compares equal too. */
	assert_memory_equal(cfg, &init, sizeof(init));
	assert_int_equal(at_config_leeway(cfg), AT_DEFAULT_LEEWAY);
	at_config_free(cfg);
}

static void
test_config_leeway_reads_the_option(void **state)
{
	struct at_config *cfg = NULL;
	const char *argv[] = {"leeway=7"};

	(void)state;
	assert_at(at_config_new(&cfg), AT_OK);
	assert_at(at_config_load(cfg, 1, argv, "/nonexistent", geteuid(), NULL),
		  AT_OK);
	assert_int_equal(at_config_leeway(cfg), 7);
	assert_at(at_config_set(cfg, "leeway", "0", NULL), AT_OK);
	assert_int_equal(at_config_leeway(cfg), 0);
	/* Owned strings set on a heap config are freed with it (valgrind). */
	assert_at(at_config_set(cfg, "secret_file", "/x/secret", NULL), AT_OK);
	at_config_free(cfg);
}

static void
test_claims_new_is_empty(void **state)
{
	struct at_claims *c = NULL;
	double t = 42;

	(void)state;
	assert_at(at_claims_new(&c), AT_OK);
	assert_non_null(c);
	assert_int_equal(at_claims_method(c), AT_METHOD_NONE);
	assert_int_equal(at_claims_secret_index(c), -1);
	assert_null(at_claims_sub(c));
	assert_null(at_claims_email(c));
	assert_null(at_claims_name(c));
	assert_null(at_claims_iss(c));
	assert_null(at_claims_kid(c));
	assert_null(at_claims_local_user(c));
	assert_false(at_claims_exp(c, &t));
	assert_true(t == 0);
	t = 42;
	assert_false(at_claims_nbf(c, &t));
	assert_true(t == 0);
	t = 42;
	assert_false(at_claims_iat(c, &t));
	assert_true(t == 0);
	at_claims_free(c);
}

static void
test_free_functions_take_null(void **state)
{
	struct at_config *cfg = NULL;
	struct at_claims *c = NULL;

	(void)state;
	at_config_free(NULL);
	at_claims_free(NULL);
	/* The pattern of agentictrust.h's opening comment: free whatever
	 * was made, NULL included, after an early failure. */
	at_config_free(cfg);
	at_claims_free(c);
	assert_null(cfg);
	assert_null(c);
}

static void
test_accessors_after_a_jwt(void **state)
{
	struct api *a = *state;
	char *tok = full_jwt();
	double t = -1;

	assert_at(at_verify_credential(a->v, tok, strlen(tok), "alice",
				       a->claims),
		  AT_OK);
	assert_int_equal(at_claims_method(a->claims), AT_METHOD_JWT);
	assert_int_equal(at_claims_secret_index(a->claims), 1);
	assert_string_equal(at_claims_sub(a->claims), "ext-alice");
	assert_string_equal(at_claims_email(a->claims), "alice@example.org");
	assert_string_equal(at_claims_name(a->claims), "Alice A");
	assert_string_equal(at_claims_iss(a->claims), "https://issuer.example");
	assert_string_equal(at_claims_kid(a->claims), "k-2026");
	assert_string_equal(at_claims_local_user(a->claims), "alice");
	assert_true(at_claims_exp(a->claims, &t));
	assert_true(t == 1790000300.25);
	assert_true(at_claims_nbf(a->claims, &t));
	assert_true(t == 1789999995.5);
	assert_true(at_claims_iat(a->claims, &t));
	assert_true(t == 1789999990.0);
	/* What the account phase does with them. */
	assert_true(at_claims_exp(a->claims, &t));
	assert_at(at_exp_check(t, at_config_leeway(a->cfg), a->now), AT_OK);
	assert_at(at_exp_check(t, at_config_leeway(a->cfg),
			       NOW + 300 + AT_DEFAULT_LEEWAY + 1),
		  AT_ERR_EXPIRED);
	free(tok);
}

static void
test_accessors_after_an_hmac_reusing_the_claims(void **state)
{
	struct api *a = *state;
	char *tok = full_jwt();
	char *hex =
		test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET), "ext-alice");
	double t = -1;

	/* Fill every field first: at_verify_credential() must empty the
	 * object before the HMAC, which has no JWT claims. */
	assert_at(at_verify_credential(a->v, tok, strlen(tok), "alice",
				       a->claims),
		  AT_OK);
	assert_at(at_verify_credential(a->v, hex, strlen(hex), "alice",
				       a->claims),
		  AT_OK);
	assert_int_equal(at_claims_method(a->claims), AT_METHOD_HMAC);
	assert_int_equal(at_claims_secret_index(a->claims), 0);
	assert_string_equal(at_claims_sub(a->claims), "ext-alice");
	assert_string_equal(at_claims_local_user(a->claims), "alice");
	assert_null(at_claims_email(a->claims));
	assert_null(at_claims_name(a->claims));
	assert_null(at_claims_iss(a->claims));
	assert_null(at_claims_kid(a->claims));
	assert_false(at_claims_exp(a->claims, &t));
	assert_true(t == 0);
	t = -1;
	assert_false(at_claims_nbf(a->claims, &t));
	assert_true(t == 0);
	t = -1;
	assert_false(at_claims_iat(a->claims, &t));
	assert_true(t == 0);
	free(hex);
	free(tok);
}

static void
test_accessors_after_an_expired_jwt(void **state)
{
	struct api *a = *state;
	char *tok = test_jws_sign(
		"{\"alg\":\"HS256\"}",
		"{\"sub\":\"ext-alice\",\"iss\":\"https://issuer.example\","
		"\"iat\":1789999400,\"exp\":1789999700}",
		TEST_SECRET, strlen(TEST_SECRET));
	double t = -1;

	/* Refused, yet what was verified before the failure is readable:
	 * the MAC was good, so sub and exp are authenticated values. */
	assert_at(at_verify_credential(a->v, tok, strlen(tok), "alice",
				       a->claims),
		  AT_ERR_EXPIRED);
	assert_int_equal(at_claims_method(a->claims), AT_METHOD_JWT);
	assert_int_equal(at_claims_secret_index(a->claims), 0);
	assert_string_equal(at_claims_sub(a->claims), "ext-alice");
	assert_true(at_claims_exp(a->claims, &t));
	assert_true(t == NOW - 300);
	assert_null(at_claims_local_user(a->claims));
	free(tok);
}

static void
test_accessors_after_another_users_jwt(void **state)
{
	struct api *a = *state;
	char *tok = full_jwt();

	/* ext-alice maps to alice: presented for bob, it is refused, and
	 * local_user says whom it does belong to. */
	assert_at(
		at_verify_credential(a->v, tok, strlen(tok), "bob", a->claims),
		AT_ERR_USER_MISMATCH);
	assert_string_equal(at_claims_sub(a->claims), "ext-alice");
	assert_string_equal(at_claims_local_user(a->claims), "alice");
	free(tok);
}

static void
test_accessors_after_a_forged_jwt(void **state)
{
	struct api *a = *state;
	char *tok = test_token("ext-alice", NOW, NOW + 300,
			       "not-the-secret-0123456789-abcdefghijklmn");
	double t = -1;

	/* A bad MAC leaves nothing but the shape: no unauthenticated
	 * value is ever readable. */
	assert_at(at_verify_credential(a->v, tok, strlen(tok), "alice",
				       a->claims),
		  AT_ERR_SIGNATURE);
	assert_int_equal(at_claims_method(a->claims), AT_METHOD_JWT);
	assert_int_equal(at_claims_secret_index(a->claims), -1);
	assert_null(at_claims_sub(a->claims));
	assert_null(at_claims_kid(a->claims));
	assert_false(at_claims_exp(a->claims, &t));
	assert_true(t == 0);
	free(tok);
}

static void
test_jwt_verify_into_new_claims(void **state)
{
	struct api *a = *state;
	struct at_claims *c = NULL;
	char *tok = full_jwt();
	double t = -1;

	/* at_jwt_verify(): the JWT alone, no mapping, into a fresh object. */
	assert_at(at_claims_new(&c), AT_OK);
	assert_at(at_jwt_verify(a->v, tok, strlen(tok), c), AT_OK);
	assert_string_equal(at_claims_sub(c), "ext-alice");
	assert_int_equal(at_claims_secret_index(c), 1);
	assert_null(at_claims_local_user(c));
	assert_true(at_claims_iat(c, &t));
	assert_true(t == 1789999990.0);
	at_claims_free(c);
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_new_has_the_defaults),
		cmocka_unit_test(test_config_leeway_reads_the_option),
		cmocka_unit_test(test_claims_new_is_empty),
		cmocka_unit_test(test_free_functions_take_null),
		cmocka_unit_test_setup_teardown(test_accessors_after_a_jwt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_accessors_after_an_hmac_reusing_the_claims, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_accessors_after_an_expired_jwt, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_accessors_after_another_users_jwt, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_accessors_after_a_forged_jwt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jwt_verify_into_new_claims,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
