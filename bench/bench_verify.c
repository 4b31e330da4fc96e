/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_verify.c - what one verification costs.  Prints figures; asserts
 * nothing about speed (run by `meson test --benchmark`, never by `meson
 * test`).
 *
 *   mac      at_hmac_key_mac() on a 140-byte signing input (keyed state
 *            reused), plus how many OpenSSL allocations one call makes
 *   hmac     at_verify_credential() with a 64-hex HMAC credential
 *   jwt      at_verify_credential() with a typical jsonwebtoken-shaped JWT
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

static void
report(const char *what, double secs, long n)
{
	printf("%-8s %10ld ops  %9.3f us/op  %12.0f ops/s\n", what, n,
	       secs / (double)n * 1e6, (double)n / secs);
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
	    at_hmac_key_new(&key, TEST_SECRET, strlen(TEST_SECRET)) != AT_OK)
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

	t0 = bench_now_s();
	for (i = 0; i < n; i++)
		if (at_verify_credential(v, hmac, strlen(hmac), "user-42",
					 &claims) != AT_OK)
			failures++;
	report("hmac", bench_now_s() - t0, n);

	t0 = bench_now_s();
	for (i = 0; i < n; i++)
		if (at_verify_credential(v, jwt, strlen(jwt), "user-42",
					 &claims) != AT_OK)
			failures++;
	jwt_s = (bench_now_s() - t0) / (double)n;
	report("jwt", jwt_s * (double)n, n);

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
	at_verifier_free(v);
	free(jwt);
	free(hmac);
	if (failures != 0)
		fprintf(stderr, "bench_verify: %d verification(s) failed\n",
			failures);
	return failures == 0 ? 0 : 1;
}
