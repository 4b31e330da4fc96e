/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_store.c - what the state store (issue 8) adds to one
 * authentication.  Prints figures; asserts nothing about speed (run by
 * `meson test --benchmark`, never by `meson test`).
 *
 * Every row verifies the same typical JWT, as the module does, and then
 * asks the store what the module asks:
 *   none       verification only: the path without store=
 *   sqlite     store=sqlite:PATH on a file in TMPDIR (its file system is
 *              printed: fsync cost depends on it)
 *   redis-unix store=redis+unix://SOCKET, a private redis-server
 *   redis-tcp  store=redis://127.0.0.1:PORT, the same server
 * each in two shapes:
 *   open+check at_store_open + at_store_check + at_store_close per
 *              authentication: what the module does (a PAM handle lives
 *              for one login; sshd forks per connection)
 *   check      at_store_check on a store kept open (the store's own cost)
 * and two queries:
 *   revoke     single_use off: the revocation lookups only
 *   consume    single_use on: the lookups plus consuming a fresh key
 *              (every iteration a new jti, as every login a new token)
 * One revoked id and one revoked token (neither ours) sit in the store so
 * that the lookups search something.  The redis-server is started by
 * this program (tests/common/test_redis.c: temp dir, no persistence,
 * stopped by pid), never the machine's own.  Redis rows are skipped with
 * a line saying why when redis-server cannot start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "at_store.h"
#include "bench.h"
#include "test_common.h"
#include "test_redis.h"

#define SUB "user-42"

static int failures;

/* Store errors go to stderr: a benchmark that fails should say why. */
static void
log_stderr(void *ctx, int prio, const char *fmt, va_list ap)
{
	(void)ctx;
	(void)prio;
	fputs("bench_store: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static const struct at_log errlog = { log_stderr, NULL, false };

struct bench {
	struct at_verifier *v;
	const char *jwt;
	struct at_claims claims;
	double verify_us;	/* the no-store path, this run */
	long n;			/* iterations per store row */
	unsigned long seq;	/* makes every consumed key new */
};

/* One authentication: verify, then (cfg != NULL) ask the store. */
static int
one_auth(struct bench *b, const struct at_config *cfg, struct at_store *open,
	 bool consume)
{
	char keybuf[AT_STORE_MAX_USE_KEY + 1];
	struct at_store_query q;
	struct at_store *st = open;
	enum at_err r;

	if (at_verify_credential(b->v, b->jwt, strlen(b->jwt), SUB,
				 &b->claims) != AT_OK)
		return -1;
	if (cfg == NULL)
		return 0;
	if (at_store_query_from_claims(cfg, &b->claims, false, time(NULL),
				       keybuf, &q) != AT_OK)
		return -1;
	if (consume) {
		/* A new token per login: its own jti, kept an hour. */
		snprintf(keybuf, sizeof(keybuf), "jti:bench-%lu-%ld",
			 b->seq++, (long)getpid());
		q.use_key = keybuf;
		q.use_until = q.now + 3600;
	}
	if (st == NULL && at_store_open(cfg, geteuid(), &errlog, &st) != AT_OK)
		return -1;
	r = at_store_check(st, &q);
	if (open == NULL)
		at_store_close(st);
	return r == AT_OK ? 0 : -1;
}

static void
row(struct bench *b, const char *store, const char *shape,
    const struct at_config *cfg, bool keep_open, bool consume)
{
	struct at_store *st = NULL;
	double t0, us;
	long i, bad = 0;

	if (keep_open &&
	    at_store_open(cfg, geteuid(), &errlog, &st) != AT_OK) {
		printf("%-10s %-10s %-8s cannot open the store (above)\n",
		       store, shape, consume ? "consume" : "revoke");
		failures++;
		return;
	}
	t0 = bench_now_s();
	/* The first failure ends the row: its cause is logged above. */
	for (i = 0; i < b->n && bad == 0; i++)
		if (one_auth(b, cfg, st, consume) != 0)
			bad++;
	us = (bench_now_s() - t0) / (double)b->n * 1e6;
	at_store_close(st);
	if (bad != 0) {
		printf("%-10s %-10s %-8s authentication %ld failed (above)\n",
		       store, shape, consume ? "consume" : "revoke", i);
		failures++;
		return;
	}
	printf("%-10s %-10s %-8s %10.1f us/auth  %8.1f x verify\n", store,
	       shape, consume ? "consume" : "revoke", us, us / b->verify_us);
	fflush(stdout);
}

/* A revoked id and a revoked token that are not ours. */
static void
populate(const struct at_config *cfg, const char *store)
{
	struct at_revocation rid = { AT_REVOKE_SUB, "agent-rogue", 0, 0,
				     1790000000, "bench", NULL };
	struct at_revocation rtok = {
		AT_REVOKE_TOKEN, "00112233445566778899aabbccddeeff", 0, 0,
		1790000000, "bench", "agent-leaked"
	};
	struct at_store *st = NULL;

	if (at_store_open(cfg, geteuid(), &errlog, &st) != AT_OK ||
	    at_store_revoke(st, &rid) != AT_OK ||
	    at_store_revoke(st, &rtok) != AT_OK) {
		printf("%-10s cannot populate the store (above)\n", store);
		failures++;
	}
	at_store_close(st);
}

static void
store_rows(struct bench *b, const char *store, const char *url)
{
	struct at_config cfg;

	at_config_init(&cfg);
	if (at_config_set(&cfg, "store", url, &errlog) != AT_OK) {
		printf("%-10s bad store URL %s\n", store, url);
		failures++;
		return;
	}
	populate(&cfg, store);
	row(b, store, "open+check", &cfg, false, false);
	row(b, store, "open+check", &cfg, false, true);
	row(b, store, "check", &cfg, true, false);
	row(b, store, "check", &cfg, true, true);
	at_config_clear(&cfg);
}

static const char *
fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) != 0)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:
		return "ext2/3/4";
	case 0x01021994UL:
		return "tmpfs";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x794c7630UL:
		return "overlayfs";
	default:
		return "other";
	}
}

int
main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct at_config vcfg;
	struct test_redis r = { 0 };
	char *dir = NULL, *db = NULL, *url = NULL, *jwt;
	long nverify, i;
	time_t t = 1790000000;
	double t0;
	size_t n;

	b.n = argc > 1 ? atol(argv[1]) : 2000;
	nverify = b.n * 20;
	if (b.n <= 0)
		return 2;
	at_config_init(&vcfg);
	at_claims_init(&b.claims);
	if (at_verifier_new(&b.v, &vcfg, NULL) != AT_OK ||
	    at_verifier_add_secret(b.v, TEST_SECRET, strlen(TEST_SECRET)) !=
		    AT_OK)
		return 1;
	at_verifier_set_clock(b.v, bench_fixed_clock, &t);
	jwt = test_jws_sign(
		"{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
		"{\"sub\":\"" SUB "\",\"email\":\"user@example.com\","
		"\"name\":\"Jane Doe\",\"iat\":1789999000,\"exp\":1790002600,"
		"\"jti\":\"4f1c2a9e-0d7b-4c33-9a55-2b8f6e1d0c7a\"}",
		TEST_SECRET, strlen(TEST_SECRET));
	b.jwt = jwt;

	dir = test_mkdtemp();
	db = test_path(dir, "state.db");
	n = strlen("sqlite:") + strlen(db) + 1;
	url = malloc(n);
	if (url == NULL)
		return 1;
	snprintf(url, n, "sqlite:%s", db);

	printf("bench_store: %ld authentications per store row, %ld for "
	       "verify; JWT of %zu bytes\n",
	       b.n, nverify, strlen(jwt));
	printf("sqlite file in %s (%s)\n", dir, fs_name(dir));

	t0 = bench_now_s();
	for (i = 0; i < nverify; i++)
		if (one_auth(&b, NULL, NULL, false) != 0)
			failures++;
	b.verify_us = (bench_now_s() - t0) / (double)nverify * 1e6;
	printf("%-10s %-10s %-8s %10.1f us/auth  %8.1f x verify\n", "none",
	       "verify", "-", b.verify_us, 1.0);

	store_rows(&b, "sqlite", url);
	free(url);
	url = NULL;

	if (test_redis_start(&r, true, NULL) != 0) {
		printf("redis      skipped: redis-server did not start\n");
	} else {
		store_rows(&b, "redis-unix", r.url);
		n = strlen("redis://127.0.0.1:65535") + 1;
		url = malloc(n);
		if (url == NULL)
			return 1;
		snprintf(url, n, "redis://127.0.0.1:%u", r.port);
		store_rows(&b, "redis-tcp", url);
		test_redis_destroy(&r);
	}

	free(url);
	unlink(db);
	test_rmdir(dir);
	free(db);
	free(dir);
	at_claims_clear(&b.claims);
	at_verifier_free(b.v);
	at_config_clear(&vcfg);
	free(jwt);
	if (failures != 0)
		fprintf(stderr, "bench_store: %d row(s) failed\n", failures);
	return failures == 0 ? 0 : 1;
}
