/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_pam.c - what the module adds to one libpam transaction in a
 * long-lived process (an Apache worker, a Python service): pam_start,
 * pam_authenticate with a valid JWT, pam_acct_mgmt, pam_end, repeated in
 * one process, for a stack of the module alone and for pam_permit alone.
 * Real libpam (pam_start_confdir(), no pam_wrapper), real syslog(3).
 * Prints medians of rounds and their ratio, measured in this run; asserts
 * nothing about speed.
 *
 *   bench_pam MODULE [N [ROUNDS [USER]]]
 *
 * MODULE is the built pam_agentictrust.so.  USER defaults to the first
 * passwd entry with a uid in [1000, 60000) (a Unix account, as for sshd
 * or su), else "bench-agent", no Unix account (accounts=any, the Apache
 * recipe).  The module asks NSS about the user once per authentication;
 * for a name that NSS does not know, systemd's NSS module walks its
 * userdb directories, which can cost more than the whole module (~300 us
 * in a container without systemd): pass such a name to see it.  A
 * transaction that fails aborts the run: a fast refusal measures
 * nothing.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#include "bench.h"
#include "test_common.h"

#define PERMIT "/usr/lib/x86_64-linux-gnu/security/pam_permit.so"

static const char *answer, *bench_user = "bench-agent";

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *ctx)
{
	struct pam_response *r;
	int i;

	(void)msg;
	(void)ctx;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if ((r[i].resp = strdup(answer)) == NULL)
			abort();
	*resp = r;
	return PAM_SUCCESS;
}

/* One transaction; aborts unless both phases succeed. */
static void
transaction(const char *service, const char *confdir)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *h = NULL;
	int ret;

	if ((ret = pam_start_confdir(service, bench_user, &c, confdir, &h)) !=
		    PAM_SUCCESS ||
	    (ret = pam_authenticate(h, 0)) != PAM_SUCCESS ||
	    (ret = pam_acct_mgmt(h, 0)) != PAM_SUCCESS) {
		fprintf(stderr, "bench_pam: %s: %s\n", service,
			pam_strerror(h, ret));
		exit(1);
	}
	pam_end(h, PAM_SUCCESS);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over rounds of the mean time of n transactions, in seconds. */
static double
run(const char *service, const char *confdir, long n, int rounds)
{
	double t[64], t0;
	long i;
	int k;

	for (i = 0; i < n / 10 + 1; i++) /* warm up */
		transaction(service, confdir);
	for (k = 0; k < rounds; k++) {
		t0 = bench_now_s();
		for (i = 0; i < n; i++)
			transaction(service, confdir);
		t[k] = (bench_now_s() - t0) / (double)n;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp_double);
	return t[rounds / 2];
}

int
main(int argc, char **argv)
{
	char *dir, *secret, *svc, *content = NULL;
	const char *module;
	double at[64], permit[64], ratio[64], a, p;
	long n = argc > 2 ? atol(argv[2]) : 2000;
	int rounds = argc > 3 ? atoi(argv[3]) : 7, k;

	if (argc < 2 || n < 1 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: bench_pam MODULE [N [ROUNDS<=64]]\n");
		return 2;
	}
	module = argv[1];
	if (argc > 4) {
		bench_user = argv[4];
	} else {
		struct passwd *pw;

		while ((pw = getpwent()) != NULL)
			if (pw->pw_uid >= 1000 && pw->pw_uid < 60000) {
				bench_user = strdup(pw->pw_name);
				break;
			}
		endpwent();
	}
	dir = test_mkdtemp();
	secret = test_path(dir, "secret");
	if (test_write_file(secret, TEST_SECRET "\n", 0600) != 0)
		return 1;
	if (asprintf(&content,
		     "auth required %s accounts=any secret_file=%s\n"
		     "account required %s accounts=any secret_file=%s\n",
		     module, secret, module, secret) < 0)
		return 1;
	svc = test_path(dir, "at");
	if (test_write_file(svc, content, 0644) != 0)
		return 1;
	free(svc);
	svc = test_path(dir, "permit");
	if (test_write_file(svc, "auth required " PERMIT "\n"
				 "account required " PERMIT "\n", 0644) != 0)
		return 1;
	free(svc);
	/* libpam logs every pam_start() of a directory without "other". */
	svc = test_path(dir, "other");
	if (test_write_file(svc, "auth required /usr/lib/x86_64-linux-gnu/"
				 "security/pam_deny.so\n", 0644) != 0)
		return 1;
	free(svc);
	answer = test_token(bench_user, (long)time(NULL) - 10,
			    (long)time(NULL) + 86400, TEST_SECRET);

	/* Interleaved rounds, so drift hits both alike; the ratio is taken
	 * per round and its median reported. */
	for (k = 0; k < rounds; k++) {
		permit[k] = run("permit", dir, n, 1);
		at[k] = run("at", dir, n, 1);
		ratio[k] = at[k] / permit[k];
	}
	qsort(at, (size_t)rounds, sizeof(at[0]), cmp_double);
	qsort(permit, (size_t)rounds, sizeof(permit[0]), cmp_double);
	qsort(ratio, (size_t)rounds, sizeof(ratio[0]), cmp_double);
	a = at[rounds / 2];
	p = permit[rounds / 2];
	printf("libpam transaction (start, authenticate JWT, acct_mgmt, end), "
	       "one process, %ld x %d rounds, user %s, medians:\n", n, rounds,
	       bench_user);
	printf("  pam_permit        %8.1f us\n", p * 1e6);
	printf("  pam_agentictrust  %8.1f us  (+%.1f us)\n", a * 1e6,
	       (a - p) * 1e6);
	printf("  ratio             %8.2fx  (median of per-round ratios)\n",
	       ratio[rounds / 2]);
	free(content);
	free(secret);
	test_rmdir(dir);
	free(dir);
	return 0;
}
