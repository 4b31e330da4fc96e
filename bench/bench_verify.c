/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_verify.c - what one verification costs.  Prints figures; asserts
 * nothing about speed (run by `meson test --benchmark`, never by `meson
 * test`).
 *
 *   mac      at_hmac_key_mac() on a 140-byte signing input (keyed state
 *            reused), plus how many OpenSSL allocations one call makes
 *   floor-jwt, floor-hmac  the floor of bench_floor.h for the same JWT
 *            and HMAC credential
 *   hmac     at_verify_credential() with a 64-hex HMAC credential
 *   jwt      at_verify_credential() with a typical jsonwebtoken-shaped JWT
 *            (these four interleaved in rounds, timed in thread CPU
 *            time: medians, each with its ratio to its floor as the
 *            median of the rounds' ratios, and heap allocations per
 *            operation, every library's, except under a sanitizer)
 *   setup    at_verifier_new + add_secret + free (per-authentication cost)
 *   load     at_verifier_from_config() reading a secret file from disk:
 *            the module's per-authentication file cost, with the
 *            parent-directory walk from / (openat + fstat per component)
 *   walk     at_path_check_dirs() alone on the same path
 *   logvalue at_log_value() on a hostile 64-byte sub (quoted, escaped)
 *            and on a plain one; the module does this for every value of
 *            every log line
 * and the ratios load/jwt and logvalue/jwt, measured in this run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "at.h"
#include "bench.h"
#include "bench_floor.h"
#include "test_common.h"

static size_t ossl_allocs;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/*
 * Every heap allocation in the process (lib, jansson, OpenSSL, libc),
 * counted by interposing malloc; not under a sanitizer, which owns the
 * allocator.
 */
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_MALLOC_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_MALLOC_COUNT 1
#endif
#endif

static size_t heap_allocs;

#ifndef BENCH_NO_MALLOC_COUNT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *
malloc(size_t n)
{
	heap_allocs++;
	return __libc_malloc(n);
}

void *
calloc(size_t m, size_t n)
{
	heap_allocs++;
	return __libc_calloc(m, n);
}

void *
realloc(void *p, size_t n)
{
	heap_allocs++;
	return __libc_realloc(p, n);
}
#endif

/*
 * This thread's CPU time: a verification is CPU-bound, and time spent
 * descheduled on a loaded machine is not its cost.
 */
static double
cpu_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define ROUNDS 31
enum { K_FLOOR_JWT, K_JWT, K_FLOOR_HMAC, K_HMAC, K_N };

static void
report(const char *what, double secs, long n)
{
	printf("%-8s %10ld ops  %9.3f us/op  %12.0f ops/s\n", what, n,
	       secs / (double)n * 1e6, (double)n / secs);
}

/* One operation of kind k; false when it did not verify. */
static bool
one_op(int k, struct at_verifier *v, struct bench_floor *fl, const char *jwt,
       const char *hmac, struct at_claims *claims)
{
	switch (k) {
	case K_FLOOR_JWT:
		return bench_floor_jwt(fl, jwt, strlen(jwt));
	case K_JWT:
		return at_verify_credential(v, jwt, strlen(jwt), "user-42",
					    claims) == AT_OK;
	case K_FLOOR_HMAC:
		return bench_floor_hmac(fl, hmac, "user-42", 7);
	case K_HMAC:
		return at_verify_credential(v, hmac, strlen(hmac), "user-42",
					    claims) == AT_OK;
	}
	return false;
}

int
main(int argc, char **argv)
{
	/* A sub that needs every escape: space, '=', quote, U+202E, C0 AF. */
	static const char hostile[] =
		"x reason=ok sub=\"root\" \xe2\x80\xae\xc0\xaf\\n"
		"padding-padding-padding-padding-padding";
	struct at_config cfg, filecfg;
	struct at_verifier *v = NULL;
	char logbuf[160], *dir = NULL, *path = NULL;
	double jwt_s, load, logvalue;
	double per[K_N][ROUNDS], ratio[2][ROUNDS];
	size_t allocs[K_N];
	struct bench_floor fl;
	int k, round;
	struct at_claims claims;
	struct at_hmac_key *key = NULL;
	unsigned char mac[AT_MAC_LEN];
	char *jwt, *hmac;
	long n = argc > 1 ? atol(argv[1]) : 200000, i;
	time_t t = 1790000000;
	size_t before;
	double t0;
	int failures = 0;

	if (CRYPTO_set_mem_functions(count_malloc, count_realloc,
				     count_free) != 1) {
		fprintf(stderr, "cannot hook OpenSSL allocations\n");
		return 1;
	}
	at_config_init(&cfg);
	at_claims_init(&claims);
	if (at_verifier_new(&v, &cfg, NULL) != AT_OK ||
	    at_verifier_add_secret(v, TEST_SECRET, strlen(TEST_SECRET)) !=
		    AT_OK ||
	    at_hmac_key_new(&key, TEST_SECRET, strlen(TEST_SECRET)) != AT_OK ||
	    !bench_floor_init(&fl, TEST_SECRET, strlen(TEST_SECRET)))
		return 1;
	at_verifier_set_clock(v, bench_fixed_clock, &t);
	jwt = test_jws_sign(
		"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
		"{\"sub\":\"user-42\",\"email\":\"user@example.com\","
		"\"name\":\"Jane Doe\",\"iat\":1789999000,\"exp\":1790002600}",
		TEST_SECRET, strlen(TEST_SECRET));
	hmac = test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET), "user-42");

	printf("bench_verify: %ld iterations, JWT of %zu bytes\n", n,
	       strlen(jwt));

	before = ossl_allocs;
	if (at_hmac_key_mac(key, jwt, 140, mac) != AT_OK)
		failures++;
	printf("mac: %zu OpenSSL allocation(s) per call\n",
	       ossl_allocs - before);
	t0 = bench_now_s();
	for (i = 0; i < n; i++)
		if (at_hmac_key_mac(key, jwt, 140, mac) != AT_OK)
			failures++;
	report("mac", bench_now_s() - t0, n);

	/* Interleaved rounds, so that load from elsewhere on the machine
	 * falls on every kind alike. */
	/* Warm: the first JWT makes the verifier's digest state. */
	for (k = 0; k < K_N; k++) {
		if (!one_op(k, v, &fl, jwt, hmac, &claims))
			failures++;
		allocs[k] = 0;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (k = 0; k < K_N; k++) {
			size_t a0 = heap_allocs;

			t0 = cpu_now_s();
			for (i = 0; i < n / ROUNDS; i++)
				if (!one_op(k, v, &fl, jwt, hmac, &claims))
					failures++;
			per[k][round] = (cpu_now_s() - t0) /
					(double)(n / ROUNDS) * 1e9;
			allocs[k] += heap_allocs - a0;
		}
		ratio[0][round] = per[K_JWT][round] / per[K_FLOOR_JWT][round];
		ratio[1][round] = per[K_HMAC][round] / per[K_FLOOR_HMAC][round];
	}
	jwt_s = 0;
	for (k = 0; k < K_N; k++) {
		static const char *const names[K_N] = { "floor-jwt", "jwt",
							"floor-hmac", "hmac" };
		double med = median(per[k], ROUNDS);

		if (k == K_JWT)
			jwt_s = med / 1e9;
		printf("%-10s %8.0f ns/op CPU (median of %d)", names[k], med,
		       ROUNDS);
#ifndef BENCH_NO_MALLOC_COUNT
		printf("  %.1f allocation(s)/op",
		       (double)allocs[k] / (double)(n / ROUNDS * ROUNDS));
#endif
		if (k == K_JWT || k == K_HMAC)
			printf("  %.2fx its floor",
			       median(ratio[k == K_HMAC], ROUNDS));
		printf("\n");
	}

	t0 = bench_now_s();
	for (i = 0; i < n / 10; i++) {
		struct at_verifier *w = NULL;

		if (at_verifier_new(&w, &cfg, NULL) != AT_OK ||
		    at_verifier_add_secret(w, TEST_SECRET,
					   strlen(TEST_SECRET)) != AT_OK)
			failures++;
		at_verifier_free(w);
	}
	report("setup", bench_now_s() - t0, n / 10);

	/* The files the module reads per authentication, from disk. */
	dir = test_mkdtemp();
	path = dir != NULL ? test_path(dir, "secret") : NULL;
	if (path == NULL || test_write_file(path, TEST_SECRET "\n", 0600) != 0) {
		fprintf(stderr, "bench_verify: cannot write a secret file\n");
		return 1;
	}
	at_config_init(&filecfg);
	if (at_config_set(&filecfg, "secret_file", path, NULL) != AT_OK)
		failures++;
	t0 = bench_now_s();
	for (i = 0; i < n / 10; i++) {
		struct at_verifier *w = NULL;

		if (at_verifier_from_config(&w, &filecfg, geteuid(), NULL) !=
		    AT_OK)
			failures++;
		at_verifier_free(w);
	}
	load = (bench_now_s() - t0) / (double)(n / 10);
	report("load", load * (double)(n / 10), n / 10);
	t0 = bench_now_s();
	for (i = 0; i < n / 10; i++)
		if (at_path_check_dirs(path, "secret file", geteuid(),
				       NULL) != AT_OK)
			failures++;
	report("walk", bench_now_s() - t0, n / 10);

	t0 = bench_now_s();
	for (i = 0; i < n; i++)
		(void)at_log_value(logbuf, sizeof(logbuf), hostile);
	logvalue = (bench_now_s() - t0) / (double)n;
	report("logvalue", logvalue * (double)n, n);
	t0 = bench_now_s();
	for (i = 0; i < n; i++)
		(void)at_log_value(logbuf, sizeof(logbuf), "agent-7f3a");
	report("logplain", bench_now_s() - t0, n);
	printf("ratio    load/jwt %.1f  logvalue/jwt %.3f  (this run)\n",
	       load / jwt_s, logvalue / jwt_s);
	unlink(path);
	test_rmdir(dir);
	free(path);
	free(dir);
	at_config_clear(&filecfg);

	at_claims_clear(&claims);
	at_hmac_key_free(key);
	bench_floor_free(&fl);
	at_verifier_free(v);
	free(jwt);
	free(hmac);
	if (failures != 0)
		fprintf(stderr, "bench_verify: %d verification(s) failed\n",
			failures);
	return failures == 0 ? 0 : 1;
}
