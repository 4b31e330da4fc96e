/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_cache.c - lib/at_cache.c through at_verifier_from_config_cached():
 * identical bytes are served from the cache (and still verify), changed
 * bytes never are, secrets added through the API never go into it, and
 * its bounds hold (AT_CACHE_ENTRIES file sets, AT_CACHE_IDLE keyrings
 * each).  The PAM-level behaviour (rewrite, rename, chmod, ACL, threads)
 * is tests/pam/test_pam_cache.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "at.h"
#include "at_internal.h"
#include "test_common.h"

#define SECRET_A "cache-unit-secret-A-0123456789-abcdefghij"
#define SECRET_B "cache-unit-secret-B-0123456789-abcdefghij"
#define SECRET_X "cache-unit-secret-X-0123456789-abcdefghij"

struct fixture {
	struct at_config cfg;
	char *dir;
	char *secret;
	char *tok_a, *tok_b, *tok_x;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	time_t now = time(NULL);

	if (f == NULL)
		return -1;
	at_cache_flush();
	at_config_init(&f->cfg);
	f->dir = test_mkdtemp();
	f->secret = test_path(f->dir, "secret");
	if (test_write_file(f->secret, SECRET_A "\n", 0600) != 0 ||
	    at_config_set(&f->cfg, "secret_file", f->secret, NULL) != AT_OK)
		return -1;
	f->tok_a = test_token("alice", (long)now, (long)now + 300, SECRET_A);
	f->tok_b = test_token("alice", (long)now, (long)now + 300, SECRET_B);
	f->tok_x = test_token("alice", (long)now, (long)now + 300, SECRET_X);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_cache_flush();
	at_config_clear(&f->cfg);
	test_rmdir(f->dir);
	free(f->dir);
	free(f->secret);
	free(f->tok_a);
	free(f->tok_b);
	free(f->tok_x);
	free(f);
	return 0;
}

/* A cached verifier's answer to tok. */
static enum at_err
verify_with(struct fixture *f, const char *tok)
{
	struct at_verifier *v = NULL;
	struct at_claims c;
	enum at_err r;

	at_claims_init(&c);
	r = at_verifier_from_config_cached(&v, &f->cfg, geteuid(), NULL);
	assert_int_equal(r, AT_OK);
	r = at_verify_credential(v, tok, strlen(tok), "alice", &c);
	at_claims_clear(&c);
	at_verifier_free(v);
	return r;
}

static unsigned long
hits(void)
{
	size_t rings;
	unsigned long n;

	at_cache_stats(&rings, &n);
	return n;
}

static size_t
keyrings(void)
{
	size_t rings;
	unsigned long n;

	at_cache_stats(&rings, &n);
	return rings;
}

static void
test_hit_then_miss_on_change(void **state)
{
	struct fixture *f = *state;
	unsigned long h0 = hits();

	assert_int_equal(verify_with(f, f->tok_a), AT_OK);
	assert_int_equal(hits(), h0);		/* first: keyed */
	assert_int_equal(keyrings(), 1);
	assert_int_equal(verify_with(f, f->tok_a), AT_OK);
	assert_int_equal(hits(), h0 + 1);	/* second: reused */
	assert_int_equal(verify_with(f, f->tok_b), AT_ERR_SIGNATURE);
	assert_int_equal(hits(), h0 + 2);
	/* The same length, other bytes: never a hit. */
	assert_int_equal(test_write_file(f->secret, SECRET_B "\n", 0600), 0);
	assert_int_equal(verify_with(f, f->tok_a), AT_ERR_SIGNATURE);
	assert_int_equal(hits(), h0 + 2);
	assert_int_equal(verify_with(f, f->tok_b), AT_OK);
	assert_int_equal(hits(), h0 + 3);
	/* The old entry's keyring was wiped, not kept beside. */
	assert_int_equal(keyrings(), 1);
}

/* A secret added through the API after loading stays that verifier's. */
static void
test_api_secret_not_cached(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;

	assert_int_equal(verify_with(f, f->tok_a), AT_OK);
	assert_int_equal(at_verifier_from_config_cached(&v, &f->cfg,
							geteuid(), NULL),
			 AT_OK);
	assert_int_equal(keyrings(), 0);	/* v holds the only one */
	assert_int_equal(at_verifier_add_secret(v, SECRET_X,
						strlen(SECRET_X)),
			 AT_OK);
	at_verifier_free(v);
	assert_int_equal(keyrings(), 0);	/* not given back */
	assert_int_equal(verify_with(f, f->tok_x), AT_ERR_SIGNATURE);
	assert_int_equal(verify_with(f, f->tok_a), AT_OK);
}

/* Two verifiers at once get two keyrings; both come back. */
static void
test_concurrent_holders(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v[AT_CACHE_IDLE + 4];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(at_verifier_from_config_cached(
					 &v[i], &f->cfg, geteuid(), NULL),
				 AT_OK);
	for (i = 1; i < sizeof(v) / sizeof(v[0]); i++)
		assert_ptr_not_equal(v[i]->secrets[0].key,
				     v[0]->secrets[0].key);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		at_verifier_free(v[i]);
	assert_int_equal(keyrings(), AT_CACHE_IDLE);
}

/* More file sets than entries: the least recently used goes. */
static void
test_entries_bounded(void **state)
{
	struct fixture *f = *state;
	char name[32], *path;
	int i;

	for (i = 0; i < AT_CACHE_ENTRIES + 4; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		path = test_path(f->dir, name);
		assert_int_equal(test_write_file(path, SECRET_A "\n", 0600),
				 0);
		assert_int_equal(at_config_set(&f->cfg, "secret_file", path,
					       NULL),
				 AT_OK);
		assert_int_equal(verify_with(f, f->tok_a), AT_OK);
		free(path);
	}
	assert_int_equal(keyrings(), AT_CACHE_ENTRIES);
	at_cache_flush();
	assert_int_equal(keyrings(), 0);
}

/* A refused file leaves nothing behind, and the uncached API is the
 * same as ever (nothing goes into the cache). */
static void
test_refused_and_uncached(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;

	assert_int_equal(chmod(f->secret, 0644), 0);
	assert_int_equal(at_verifier_from_config_cached(&v, &f->cfg,
							geteuid(), NULL),
			 AT_ERR_SECRET);
	assert_null(v);
	assert_int_equal(keyrings(), 0);
	assert_int_equal(chmod(f->secret, 0600), 0);
	assert_int_equal(at_verifier_from_config(&v, &f->cfg, geteuid(),
						 NULL),
			 AT_OK);
	assert_null(v->cache);
	at_verifier_free(v);
	assert_int_equal(keyrings(), 0);
}

/* login.defs: parsed once for identical bytes; a rewrite of the same
 * size is parsed again; a chmod is refused although the bytes match. */
static void
test_login_defs(void **state)
{
	struct fixture *f = *state;
	char *defs = test_path(f->dir, "login.defs");
	unsigned long h0;

	assert_int_equal(test_write_file(defs, "UID_MIN 1000\nUID_MAX 60000\n",
					 0644),
			 0);
	assert_int_equal(at_user_policy_check_cached(&f->cfg, false, 1500, defs,
						     geteuid(), NULL),
			 AT_OK);
	h0 = hits();
	assert_int_equal(at_user_policy_check_cached(&f->cfg, false, 1500, defs,
						     geteuid(), NULL),
			 AT_OK);
	assert_int_equal(hits(), h0 + 1);
	assert_int_equal(test_write_file(defs, "UID_MIN 2000\nUID_MAX 60000\n",
					 0644),
			 0);
	assert_int_equal(at_user_policy_check_cached(&f->cfg, false, 1500, defs,
						     geteuid(), NULL),
			 AT_ERR_SYSTEM_USER);
	assert_int_equal(hits(), h0 + 1);
	assert_int_equal(chmod(defs, 0666), 0);
	assert_int_equal(at_user_policy_check_cached(&f->cfg, false, 1500, defs,
						     geteuid(), NULL),
			 AT_ERR_FILE);
	free(defs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_then_miss_on_change,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_secret_not_cached,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_holders,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_uncached,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_defs, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
