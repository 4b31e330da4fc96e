/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_compare.c - the in-process figures of scripts/bench.sh: the floor,
 * libagentictrust, libjwt, token size, number of secrets, peak RSS.
 * Prints figures; asserts nothing about speed.  Uses only the public API
 * of libagentictrust.so (agentictrust.h), as a program of the library's
 * users would, so that it measures what they get whatever the internals.
 *
 *   bench_compare secret            the benchmark's secret, one line
 *   bench_compare token SUB [BYTES] an HS256 JWT for SUB (exp in a day),
 *                                   padded by a "pad" claim to about BYTES
 *   bench_compare micro [quick]     the table rows, one per line:
 *       tokenlen BYTES
 *       row KEY NS BASE_NS RATIO    KEY and its baseline timed in
 *                                   interleaved rounds: the round with
 *                                   the median ratio
 *   bench_compare rss jwt|floor N   N verifications (or N floor
 *                                   operations), then "rss KIB N"
 *
 * The floor is the least any HS256 verifier must do: a pre-keyed
 * HMAC-SHA256 over the signing input (OpenSSL EVP_MAC, keyed once),
 * base64url-decoding the signature, and a constant-time compare.  For an
 * HMAC credential it is the same MAC over the id, a hex decode and the
 * compare.  Times are CPU time, or wall time with AT_BENCH_CLOCK=wall
 * (bench_clock.h).  Every op is checked: a run in which anything fails to
 * verify exits 1, since a fast refusal measures nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#ifdef HAVE_LIBJWT
#include <jwt.h>
#endif

#include "agentictrust.h"
#include "bench.h"
#include "bench_clock.h"

#define SECRET	   "bench-secret-0123456789-abcdefghijklmnopqrstuv"
#define USER	   "user-42"
#define MAX_ROUNDS 15

static long failures;

/* ---- making credentials ---- */

/* RFC 7515 2: base64url without padding.  out holds 4 * ceil(n / 3) + 1. */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	int i;

	for (i = 0; i < len; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
}

/*
 * A JWT with jsonwebtoken's header; payload is the JSON text as given.
 * Owned by the caller: free().
 */
static char *
make_jwt(const char *payload, const char *secret)
{
	static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char mac[AT_MAC_LEN];
	size_t plen = strlen(payload), n;
	char *tok;

	n = 4 * ((sizeof(hdr) + 2) / 3) + 4 * ((plen + 2) / 3) + 64;
	if ((tok = malloc(n)) == NULL)
		abort();
	b64url((const unsigned char *)hdr, sizeof(hdr) - 1, tok);
	strcat(tok, ".");
	b64url((const unsigned char *)payload, plen, tok + strlen(tok));
	if (at_hmac_sha256(secret, strlen(secret), tok, strlen(tok), mac) !=
	    AT_OK)
		abort();
	strcat(tok, ".");
	b64url(mac, sizeof(mac), tok + strlen(tok));
	return tok;
}

/*
 * A token for sub, valid for a day from now.  With bytes > 0 the payload
 * is {sub, iat, exp, pad} with pad grown until the token has about that
 * many bytes (base64url moves in steps of 4); else it is the {sub, email,
 * name, iat, exp} a vendor backend typically signs (~209 bytes).
 */
static char *
make_token(const char *sub, size_t bytes)
{
	long now = (long)time(NULL);
	char *payload = NULL, *tok = NULL, *next, *pad;
	size_t padlen = 0;

	if (bytes == 0) {
		if (asprintf(&payload,
			     "{\"sub\":\"%s\",\"email\":\"user@example.com\","
			     "\"name\":\"Jane Doe\",\"iat\":%ld,\"exp\":%ld}",
			     sub, now, now + 86400) < 0)
			abort();
		tok = make_jwt(payload, SECRET);
		free(payload);
		return tok;
	}
	/* Jump close with a first estimate, then grow by one byte while the
	 * token still fits: the longest token of at most `bytes`. */
	for (;;) {
		if ((pad = malloc(padlen + 1)) == NULL)
			abort();
		memset(pad, 'p', padlen);
		pad[padlen] = '\0';
		if (asprintf(&payload,
			     "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			     "\"pad\":\"%s\"}",
			     sub, now, now + 86400, pad) < 0)
			abort();
		free(pad);
		next = make_jwt(payload, SECRET);
		free(payload);
		if (tok != NULL && strlen(next) > bytes) {
			free(next);
			return tok;
		}
		free(tok);
		tok = next;
		if (strlen(tok) > bytes)
			return tok; /* cannot be that short */
		padlen += strlen(tok) + 8 < bytes
				  ? (bytes - strlen(tok)) * 3 / 4 - 4
				  : 1;
	}
}

static char *
make_hmac(const char *id)
{
	unsigned char mac[AT_MAC_LEN];
	char *hex;
	size_t i;

	if (at_hmac_sha256(SECRET, strlen(SECRET), id, strlen(id), mac) !=
		    AT_OK ||
	    (hex = malloc(2 * sizeof(mac) + 1)) == NULL)
		abort();
	for (i = 0; i < sizeof(mac); i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return hex;
}

/* ---- the floor ---- */

static signed char b64url_val[256];
static signed char hex_val[256];

static void
tables_init(void)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
				"uvwxyz0123456789-_";
	int i;

	memset(b64url_val, -1, sizeof(b64url_val));
	memset(hex_val, -1, sizeof(hex_val));
	for (i = 0; i < 64; i++)
		b64url_val[(unsigned char)a[i]] = (signed char)i;
	for (i = 0; i < 10; i++)
		hex_val['0' + i] = (signed char)i;
	for (i = 0; i < 6; i++)
		hex_val['a' + i] = (signed char)(10 + i);
}

struct floor {
	EVP_MAC_CTX *ctx; /* keyed once; EVP_MAC_init(NULL key) reuses */
	const char *cred;
	size_t len;
};

static void
floor_init(struct floor *f, const char *cred)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (f->ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(f->ctx, (const unsigned char *)SECRET, strlen(SECRET),
			 params) != 1)
		abort();
	EVP_MAC_free(mac);
	f->cred = cred;
	f->len = strlen(cred);
}

static bool
floor_mac(struct floor *f, const void *msg, size_t n,
	  unsigned char out[AT_MAC_LEN])
{
	size_t outlen = 0;

	return EVP_MAC_init(f->ctx, NULL, 0, NULL) == 1 &&
	       EVP_MAC_update(f->ctx, msg, n) == 1 &&
	       EVP_MAC_final(f->ctx, out, &outlen, AT_MAC_LEN) == 1 &&
	       outlen == AT_MAC_LEN;
}

/* Signing input up to the last '.', the signature's 43 characters after. */
static bool
op_floor_jwt(void *ctx)
{
	struct floor *f = ctx;
	unsigned char mac[AT_MAC_LEN], sig[AT_MAC_LEN];
	const char *dot = memrchr(f->cred, '.', f->len), *s;
	unsigned int acc = 0, bits = 0;
	size_t n = 0;
	int c;

	if (dot == NULL || f->len - (size_t)(dot + 1 - f->cred) != 43)
		return false;
	for (s = dot + 1; s < f->cred + f->len; s++) {
		if ((c = b64url_val[(unsigned char)*s]) < 0)
			return false;
		acc = (acc << 6) | (unsigned int)c;
		if ((bits += 6) >= 8) {
			bits -= 8;
			sig[n++] = (unsigned char)(acc >> bits);
		}
	}
	return floor_mac(f, f->cred, (size_t)(dot - f->cred), mac) &&
	       CRYPTO_memcmp(mac, sig, sizeof(mac)) == 0;
}

/* The HMAC credential of USER: MAC of the id, hex decode, compare. */
static bool
op_floor_hmac(void *ctx)
{
	struct floor *f = ctx;
	unsigned char mac[AT_MAC_LEN], want[AT_MAC_LEN];
	size_t i;
	int hi, lo;

	if (f->len != 2 * AT_MAC_LEN)
		return false;
	for (i = 0; i < AT_MAC_LEN; i++) {
		if ((hi = hex_val[(unsigned char)f->cred[2 * i]]) < 0 ||
		    (lo = hex_val[(unsigned char)f->cred[2 * i + 1]]) < 0)
			return false;
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	return floor_mac(f, USER, strlen(USER), mac) &&
	       CRYPTO_memcmp(mac, want, sizeof(mac)) == 0;
}

/* ---- libagentictrust ---- */

struct lib {
	struct at_config *cfg;
	struct at_verifier *v;
	struct at_claims *claims;
	const char *cred;
	size_t len;
};

/* A verifier with nsecrets secrets, the one that signed cred last. */
static void
lib_init(struct lib *l, const char *cred, int nsecrets)
{
	char decoy[80];
	int i;

	if (at_config_new(&l->cfg) != AT_OK ||
	    at_verifier_new(&l->v, l->cfg, NULL) != AT_OK ||
	    at_claims_new(&l->claims) != AT_OK)
		abort();
	for (i = 1; i < nsecrets; i++) {
		snprintf(decoy, sizeof(decoy),
			 "bench-decoy-%02d-0123456789-abcdefghijklmnop", i);
		if (at_verifier_add_secret(l->v, decoy, strlen(decoy)) != AT_OK)
			abort();
	}
	if (at_verifier_add_secret(l->v, SECRET, strlen(SECRET)) != AT_OK)
		abort();
	l->cred = cred;
	l->len = strlen(cred);
}

static void
lib_free(struct lib *l)
{
	at_claims_free(l->claims);
	at_verifier_free(l->v);
	at_config_free(l->cfg);
}

/* What the module does per credential, with the verifier's real clock. */
static bool
op_lib(void *ctx)
{
	struct lib *l = ctx;

	return at_verify_credential(l->v, l->cred, l->len, USER, l->claims) ==
	       AT_OK;
}

/* ---- libjwt ---- */

#ifdef HAVE_LIBJWT
/* jwt_decode() checks the signature and parses; the alg pin and an exp
 * check are the least a caller must add (STYLE 9). */
static bool
op_libjwt(void *ctx)
{
	struct floor *f = ctx; /* only cred is used */
	jwt_t *jwt = NULL;
	bool ok;

	ok = jwt_decode(&jwt, f->cred, (const unsigned char *)SECRET,
			(int)strlen(SECRET)) == 0 &&
	     jwt_get_alg(jwt) == JWT_ALG_HS256 &&
	     jwt_get_grant_int(jwt, "exp") > (long)time(NULL);
	jwt_free(jwt);
	return ok;
}
#endif

/* ---- timing ---- */

typedef bool (*bench_op)(void *ctx);

static int rounds = 9;
static double round_s = 0.06; /* target length of one timed loop */

static double
time_loop(bench_op op, void *ctx, long n)
{
	double t0 = bench_clock_s();
	long i;

	for (i = 0; i < n; i++)
		if (!op(ctx))
			failures++;
	return bench_clock_s() - t0;
}

/* How many ops make a loop of about round_s (after a warm-up). */
static long
calibrate(bench_op op, void *ctx)
{
	long n = 1;
	double t;

	for (;;) {
		t = time_loop(op, ctx, n);
		if (t >= round_s / 8 || n >= 1L << 30)
			break;
		n *= 4;
	}
	n = (long)((double)n * round_s / (t > 0 ? t : 1e-9));
	return n > 0 ? n : 1;
}


/*
 * KEY against its baseline, in interleaved rounds so that drift (a
 * neighbour on a shared core, frequency changes) hits both alike.  A NULL
 * baseline prints KEY alone with ratio 1.
 */
static void
row(const char *key, bench_op op, void *ctx, bench_op bop, void *bctx)
{
	double a[MAX_ROUNDS], b[MAX_ROUNDS], r[MAX_ROUNDS];
	long n, bn = 0;
	int k;

	n = calibrate(op, ctx);
	if (bop != NULL)
		bn = calibrate(bop, bctx);
	for (k = 0; k < rounds; k++) {
		a[k] = time_loop(op, ctx, n) / (double)n;
		b[k] = bop != NULL ? time_loop(bop, bctx, bn) / (double)bn
				   : a[k];
		r[k] = a[k] / b[k];
	}
	k = bench_median_round(bop != NULL ? r : a, rounds);
	printf("row %s %.1f %.1f %.3f\n", key, a[k] * 1e9, b[k] * 1e9, r[k]);
	fflush(stdout);
}

/* ---- modes ---- */

static int
micro(bool quick)
{
	static const size_t sizes[] = {200, 512, 1024, 2048, 4096};
	static const int nsecrets[] = {1, 4, 16};
	char *jwt = make_token(USER, 0), *hmac = make_hmac(USER);
	struct floor fj, fh, fs[5];
	struct lib lj, lh, ls[5], sj[3], sh[3];
	char *stok[5], key[64];
	size_t i;

	if (quick) {
		rounds = 3;
		round_s = 0.002;
	}
	printf("tokenlen %zu\n", strlen(jwt));
	floor_init(&fj, jwt);
	floor_init(&fh, hmac);
	lib_init(&lj, jwt, 1);
	lib_init(&lh, hmac, 1);
	/* Everything must verify before anything is timed. */
	if (!op_floor_jwt(&fj) || !op_floor_hmac(&fh) || !op_lib(&lj) ||
	    !op_lib(&lh)) {
		fprintf(stderr,
			"bench_compare: a credential does not verify\n");
		return 1;
	}
	row("floor_jwt", op_floor_jwt, &fj, NULL, NULL);
	row("floor_hmac", op_floor_hmac, &fh, NULL, NULL);
	row("lib_jwt", op_lib, &lj, op_floor_jwt, &fj);
	row("lib_hmac", op_lib, &lh, op_floor_hmac, &fh);
#ifdef HAVE_LIBJWT
	if (!op_libjwt(&fj)) {
		fprintf(stderr, "bench_compare: libjwt refuses the token\n");
		return 1;
	}
	row("libjwt", op_libjwt, &fj, op_floor_jwt, &fj);
#else
	printf("nolibjwt\n");
#endif

	for (i = 0; i < 5; i++) {
		stok[i] = make_token(USER, sizes[i]);
		floor_init(&fs[i], stok[i]);
		lib_init(&ls[i], stok[i], 1);
		if (!op_floor_jwt(&fs[i]) || !op_lib(&ls[i])) {
			fprintf(stderr,
				"bench_compare: the %zu-byte token "
				"does not verify\n",
				strlen(stok[i]));
			return 1;
		}
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "size_floor_%zu", strlen(stok[i]));
		row(key, op_floor_jwt, &fs[i], op_floor_jwt, &fs[0]);
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "size_lib_%zu", strlen(stok[i]));
		row(key, op_lib, &ls[i], op_lib, &ls[0]);
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "size_libfloor_%zu",
			 strlen(stok[i]));
		row(key, op_lib, &ls[i], op_floor_jwt, &fs[i]);
	}

	for (i = 0; i < 3; i++) {
		lib_init(&sj[i], jwt, nsecrets[i]);
		lib_init(&sh[i], hmac, nsecrets[i]);
		if (!op_lib(&sj[i]) || !op_lib(&sh[i])) {
			fprintf(stderr,
				"bench_compare: %d secrets: does not "
				"verify\n",
				nsecrets[i]);
			return 1;
		}
	}
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "secrets_jwt_%d", nsecrets[i]);
		row(key, op_lib, &sj[i], op_lib, &sj[0]);
	}
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "secrets_hmac_%d", nsecrets[i]);
		row(key, op_lib, &sh[i], op_lib, &sh[0]);
	}

	for (i = 0; i < 5; i++) {
		lib_free(&ls[i]);
		EVP_MAC_CTX_free(fs[i].ctx);
		free(stok[i]);
	}
	for (i = 0; i < 3; i++) {
		lib_free(&sj[i]);
		lib_free(&sh[i]);
	}
	lib_free(&lj);
	lib_free(&lh);
	EVP_MAC_CTX_free(fj.ctx);
	EVP_MAC_CTX_free(fh.ctx);
	free(jwt);
	free(hmac);
	if (failures != 0) {
		fprintf(stderr, "bench_compare: %ld operation(s) failed\n",
			failures);
		return 1;
	}
	return 0;
}

/* Peak RSS of a process that has done n verifications (or floor ops). */
static int
rss(const char *what, long n)
{
	char *jwt = make_token(USER, 0);
	struct rusage ru;
	struct floor f;
	struct lib l;
	bool lib = strcmp(what, "jwt") == 0;

	if (!lib && strcmp(what, "floor") != 0)
		return 2;
	if (lib) {
		lib_init(&l, jwt, 1);
		(void)time_loop(op_lib, &l, n);
	} else {
		floor_init(&f, jwt);
		(void)time_loop(op_floor_jwt, &f, n);
	}
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 1;
	printf("rss %ld %ld\n", ru.ru_maxrss, n);
	if (lib)
		lib_free(&l);
	else
		EVP_MAC_CTX_free(f.ctx);
	free(jwt);
	return failures == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char *s;

	tables_init();
	if (argc == 2 && strcmp(argv[1], "secret") == 0) {
		puts(SECRET);
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "token") == 0) {
		s = make_token(argv[2],
			       argc == 4 ? strtoul(argv[3], NULL, 10) : 0);
		puts(s);
		free(s);
		return 0;
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "micro") == 0)
		return micro(argc == 3 && strcmp(argv[2], "quick") == 0);
	if (argc == 4 && strcmp(argv[1], "rss") == 0)
		return rss(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: bench_compare secret | token SUB [BYTES] | "
			"micro [quick] | rss jwt|floor N\n");
	return 2;
}
