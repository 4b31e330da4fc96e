/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_oom.c - fail closed when memory runs out.
 *
 * Every allocation the verification path makes is made to fail in turn:
 * lib's own (malloc, calloc, realloc, reallocarray, strdup, strndup,
 * wrapped at link time with -Wl,--wrap), jansson's (json_set_alloc_funcs)
 * and OpenSSL's (CRYPTO_set_mem_functions).  For the n-th allocation
 * failing, n = 1, 2, ..., the whole scenario must end in an error, never
 * AT_OK; once n is past the last allocation it must succeed.  This is the
 * "out of memory never authenticates" rule, checked on every allocation
 * site rather than a sample.
 *
 * OpenSSL absorbs some of its own allocation failures (its name map and
 * method caches are best-effort): when the failed allocation was
 * OpenSSL's and OpenSSL still reported success, a good credential may
 * still verify, correctly.  A bad credential must fail whichever
 * allocation fails.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "unit_test.h"

#define SECRET "oom-test-secret-0123456789-abcdefghijklmn"
#define NOW 1790000000

/* Allocation failure injection: the countdown-th allocation fails. */
static long countdown = -1; /* -1: disarmed */
static unsigned long seen_lib, seen_jansson, seen_openssl;
static const unsigned long *injected; /* which allocator failed, or NULL */

static bool
should_fail(unsigned long *seen)
{
	(*seen)++;
	if (countdown < 0)
		return false;
	if (--countdown == 0) {
		injected = seen;
		return true;
	}
	return false;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t m, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_reallocarray(void *p, size_t m, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *
__wrap_malloc(size_t n)
{
	return should_fail(&seen_lib) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t m, size_t n)
{
	return should_fail(&seen_lib) ? NULL : __real_calloc(m, n);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return should_fail(&seen_lib) ? NULL : __real_realloc(p, n);
}

void *
__wrap_reallocarray(void *p, size_t m, size_t n)
{
	return should_fail(&seen_lib) ? NULL : __real_reallocarray(p, m, n);
}

char *
__wrap_strdup(const char *s)
{
	return should_fail(&seen_lib) ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return should_fail(&seen_lib) ? NULL : __real_strndup(s, n);
}

static void *
jansson_malloc(size_t n)
{
	return should_fail(&seen_jansson) ? NULL : __real_malloc(n);
}

static void
jansson_free(void *p)
{
	free(p);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return should_fail(&seen_openssl) ? NULL : __real_malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return should_fail(&seen_openssl) ? NULL : __real_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* ------------------------------------------------------------------ */

struct oom_case {
	char *dir;
	char *secret_path, *map_path, *config_path;
	/* The same options with per-method secret files (hmac_secret_file
	 * = secret_path, jwt_secret_file = jwt_secret_path). */
	char *jwt_secret_path, *split_config_path;
	bool split;	/* the scenario reads split_config_path */
	char *jwt, *hmac;
};

static int
write_private(const char *path, const char *content)
{
	return test_write_file(path, content, 0600);
}

static int
setup(void **state)
{
	struct oom_case *c = calloc(1, sizeof(*c));
	char conf[1024];

	if (c == NULL)
		return -1;
	c->dir = test_mkdtemp();
	c->secret_path = test_path(c->dir, "secret");
	c->map_path = test_path(c->dir, "map");
	c->config_path = test_path(c->dir, "conf");
	c->jwt_secret_path = test_path(c->dir, "jwt-secret");
	c->split_config_path = test_path(c->dir, "conf-split");
	snprintf(conf, sizeof(conf),
		 "hmac_secret_file = %s\njwt_secret_file = %s\n"
		 "user_map = %s\nmode = any\nleeway = 30\nissuer = iss-1\n"
		 "audience = ssh\nmax_ttl = 3600\n",
		 c->secret_path, c->jwt_secret_path, c->map_path);
	if (write_private(c->split_config_path, conf) != 0 ||
	    write_private(c->jwt_secret_path, "# JWT only\n" SECRET "\n") !=
		    0)
		return -1;
	snprintf(conf, sizeof(conf),
		 "# every option\nsecret_file = %s\nuser_map = %s\n"
		 "mode = any\nleeway = 30\nissuer = iss-1\naudience = ssh\n"
		 "max_ttl = 3600\nallow_no_exp = false\nprompt = Token:\n"
		 "debug = true\n",
		 c->secret_path, c->map_path);
	if (write_private(c->secret_path, "# rotation\nold-secret-"
					  "0123456789-abcdefghijklmnop\n" SECRET
					  "\n") != 0 ||
	    write_private(c->map_path, "user-42 alice\nagent-7 alice\n"
				       "other-1 bob\n") != 0 ||
	    write_private(c->config_path, conf) != 0)
		return -1;
	c->jwt = test_jws_sign(
		"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}",
		"{\"sub\":\"user-42\",\"email\":\"u@example.com\","
		"\"name\":\"Jane\",\"iss\":\"iss-1\",\"aud\":[\"x\",\"ssh\"],"
		"\"iat\":1789999000,\"exp\":1790002000}",
		SECRET, strlen(SECRET));
	c->hmac = test_hmac_hex(SECRET, strlen(SECRET), "agent-7");
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct oom_case *c = *state;

	test_rmdir(c->dir);
	free(c->dir);
	free(c->secret_path);
	free(c->map_path);
	free(c->config_path);
	free(c->jwt_secret_path);
	free(c->split_config_path);
	free(c->jwt);
	free(c->hmac);
	free(c);
	return 0;
}

/* What the module does, from its arguments to the verdict. */
static enum at_err
scenario(const struct oom_case *c, const char *cred)
{
	const char *argv[2];
	char arg[512];
	struct at_config cfg;
	struct at_claims claims;
	struct at_verifier *v = NULL;
	time_t now = NOW;
	enum at_err r;

	snprintf(arg, sizeof(arg), "config=%s",
		 c->split ? c->split_config_path : c->config_path);
	argv[0] = arg;
	argv[1] = "leeway=60";
	at_config_init(&cfg);
	at_claims_init(&claims);
	if ((r = at_config_load(&cfg, 2, argv, "/nonexistent", geteuid(),
				NULL)) != AT_OK)
		goto out;
	if ((r = at_verifier_from_config(&v, &cfg, geteuid(), NULL)) != AT_OK)
		goto out;
	at_verifier_set_clock(v, unit_fixed_clock, &now);
	r = at_verify_credential(v, cred, strlen(cred), "alice", &claims);
out:
	at_claims_clear(&claims);
	at_verifier_free(v);
	at_config_clear(&cfg);
	return r;
}

/*
 * Fail allocation 1, 2, ... until the scenario makes no more.  A good
 * credential must be refused whenever lib's or jansson's allocation
 * failed; a bad one whenever anything failed.  The first run without a
 * failure gives the unarmed verdict.
 */
static void
fail_each_allocation(const struct oom_case *c, const char *cred, bool good)
{
	unsigned long lib0 = seen_lib, jansson0 = seen_jansson,
		      openssl0 = seen_openssl;
	long n, failed_ours = 0, absorbed = 0;
	enum at_err r, unarmed = scenario(c, cred);

	assert_true(good ? unarmed == AT_OK : unarmed != AT_OK);
	for (n = 1; n < 100000; n++) {
		injected = NULL;
		countdown = n;
		r = scenario(c, cred);
		countdown = -1;
		if (injected == NULL) {
			assert_at(r, unarmed);
			break;
		}
		if (r != AT_OK) {
			if (injected != &seen_openssl)
				failed_ours++;
			continue;
		}
		if (!good || injected != &seen_openssl)
			fail_msg("allocation %ld (%s) failed, yet AT_OK", n,
				 injected == &seen_lib ? "lib" : "jansson");
		absorbed++;
	}
	print_message("%ld allocations failed in turn: %ld in lib/jansson "
		      "refused, %ld absorbed by OpenSSL, none wrongly "
		      "accepted\n",
		      n - 1, failed_ours, absorbed);
	/* The hooks must see all three allocators, or the test is blind. */
	assert_true(seen_lib > lib0);
	assert_true(seen_openssl > openssl0);
	assert_true(failed_ours > 5);
	(void)jansson0;
}

static void
test_oom_good_jwt_never_accepted_on_our_failures(void **state)
{
	struct oom_case *c = *state;

	fail_each_allocation(c, c->jwt, true);
	/* The JWT path parses JSON: jansson's allocator was exercised. */
	assert_true(seen_jansson > 0);
}

static void
test_oom_good_hmac_never_accepted_on_our_failures(void **state)
{
	struct oom_case *c = *state;

	fail_each_allocation(c, c->hmac, true);
}

static void
test_oom_forged_jwt_never_accepted(void **state)
{
	struct oom_case *c = *state;
	size_t len = strlen(c->jwt);

	/* Flip the last signature character: a forgery. */
	c->jwt[len - 1] = c->jwt[len - 1] == 'A' ? 'Q' : 'A';
	fail_each_allocation(c, c->jwt, false);
}

static void
test_oom_forged_hmac_never_accepted(void **state)
{
	struct oom_case *c = *state;

	c->hmac[0] = c->hmac[0] == '0' ? '1' : '0';
	fail_each_allocation(c, c->hmac, false);
}

/*
 * The local-account policy reads login.defs (at_user_policy_check()):
 * for a uid it allows, each allocation failing in turn must end in
 * AT_ERR_NOMEM, never in a verdict made without UID_MIN and UID_MAX.
 */
static void
test_oom_policy_fails_closed(void **state)
{
	struct oom_case *c = *state;
	struct at_config cfg;
	char *defs = test_path(c->dir, "login.defs");
	enum at_err r;
	long n;

	assert_int_equal(test_write_file(defs, "UID_MIN 1000\n", 0644), 0);
	at_config_init(&cfg);
	assert_at(at_user_policy_check(&cfg, false, 1500, defs, geteuid(),
				       NULL),
		  AT_OK);
	for (n = 1; n < 1000; n++) {
		injected = NULL;
		countdown = n;
		r = at_user_policy_check(&cfg, false, 1500, defs, geteuid(),
					 NULL);
		countdown = -1;
		if (injected == NULL) {
			assert_at(r, AT_OK);
			break;
		}
		assert_at(r, AT_ERR_NOMEM);
	}
	/* at_file_read() allocates: at least one failure was injected. */
	assert_true(n > 1);
	at_config_clear(&cfg);
	free(defs);
}

/* at_config_new() / at_claims_new() out of memory: AT_ERR_NOMEM and
 * *out NULL, so the caller's free of *out is safe. */
static void
test_oom_new_objects(void **state)
{
	/* Non-NULL sentinels (never dereferenced): the failure must write
	 * NULL. */
	struct at_config *cfg = (void *)&cfg;
	struct at_claims *claims = (void *)&claims;

	(void)state;
	injected = NULL;
	countdown = 1;
	assert_at(at_config_new(&cfg), AT_ERR_NOMEM);
	countdown = -1;
	assert_ptr_equal(injected, &seen_lib);
	assert_null(cfg);
	injected = NULL;
	countdown = 1;
	assert_at(at_claims_new(&claims), AT_ERR_NOMEM);
	countdown = -1;
	assert_ptr_equal(injected, &seen_lib);
	assert_null(claims);
	at_config_free(cfg);
	at_claims_free(claims);
	assert_at(at_config_new(&cfg), AT_OK);
	assert_at(at_claims_new(&claims), AT_OK);
	at_claims_free(claims);
	at_config_free(cfg);
}

/* The same with per-method secret files: two files, two sets. */
static void
test_oom_split_good_jwt_never_accepted_on_our_failures(void **state)
{
	struct oom_case *c = *state;

	c->split = true;
	fail_each_allocation(c, c->jwt, true);
}

static void
test_oom_split_good_hmac_never_accepted_on_our_failures(void **state)
{
	struct oom_case *c = *state;

	c->split = true;
	fail_each_allocation(c, c->hmac, true);
}

/*
 * The session phase's seal: a forged seal never opens, and a good one
 * opens only when nothing of ours failed, whichever allocation fails.
 */
static void
seal_each_allocation(const char *seal, bool good)
{
	static const unsigned char key[AT_SEAL_KEY_LEN] = "oom-seal-key";
	char *out = NULL;
	long n;
	enum at_err r;

	for (n = 1; n < 100000; n++) {
		injected = NULL;
		countdown = n;
		r = at_seal_open(key, "sshd", "alice", 0x1000, 1790000000,
				 seal, &out);
		countdown = -1;
		if ((r == AT_OK) != (out != NULL))
			fail_msg("allocation %ld: result and output disagree",
				 n);
		free(out);
		out = NULL;
		if (injected == NULL) {
			assert_at(r, good ? AT_OK : AT_ERR_SIGNATURE);
			break;
		}
		if (r == AT_OK && (!good || injected != &seen_openssl))
			fail_msg("allocation %ld failed, yet the seal opened",
				 n);
	}
	assert_true(n > 1);
}

static void
test_oom_seal(void **state)
{
	static const unsigned char key[AT_SEAL_KEY_LEN] = "oom-seal-key";
	char *seal = NULL;
	size_t len;

	(void)state;
	assert_at(at_seal_make(key, "sshd", "alice", 0x1000, 1790000300,
			       "AGENTICTRUST_SUB=alice", &seal),
		  AT_OK);
	seal_each_allocation(seal, true);
	len = strlen(seal);
	seal[len - 1] = seal[len - 1] == 'A' ? 'Q' : 'A';
	seal_each_allocation(seal, false);
	free(seal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_new_objects),
		cmocka_unit_test_setup_teardown(
			test_oom_good_jwt_never_accepted_on_our_failures, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_oom_good_hmac_never_accepted_on_our_failures, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_oom_forged_jwt_never_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_oom_forged_hmac_never_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_oom_split_good_jwt_never_accepted_on_our_failures,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_oom_split_good_hmac_never_accepted_on_our_failures,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_policy_fails_closed,
						setup, teardown),
		cmocka_unit_test(test_oom_seal),
	};

	/* Before OpenSSL allocates anything: it refuses later changes. */
	if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) !=
	    1) {
		fprintf(stderr, "cannot hook OpenSSL allocations\n");
		return 1;
	}
	json_set_alloc_funcs(jansson_malloc, jansson_free);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
