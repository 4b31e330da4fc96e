/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * consumer.c - a program of someone else's, built by the install test
 * against the INSTALLED agentictrust.h and agentictrust.pc and run against
 * the installed libagentictrust.so.1: proves the public API alone is
 * enough to verify a credential.  struct at_config and struct at_claims
 * are opaque there, so this uses only the heap objects and accessors.
 *
 *   consumer SECRET_FILE USER < CREDENTIAL
 *
 * Prints "accepted method=... sub=... local=... index=N exp=yes|no
 * secrets=N" or "rejected reason=TAG"; exit 0 / 1 / 2.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <agentictrust.h>

int
main(int argc, char **argv)
{
	struct at_config *cfg = NULL;
	struct at_verifier *v = NULL;
	struct at_claims *claims = NULL;
	char cred[AT_MAX_CREDENTIAL + 2];
	const char *args[2];
	char arg[4096];
	double exp;
	size_t n;
	enum at_err r;
	int ret = 2;

	if (argc != 3)
		return 2;
	snprintf(arg, sizeof(arg), "secret_file=%s", argv[1]);
	args[0] = arg;
	args[1] = "mode=any";
	/* No default config file: a path that does not exist. */
	if ((r = at_config_new(&cfg)) != AT_OK ||
	    (r = at_claims_new(&claims)) != AT_OK ||
	    (r = at_config_load(cfg, 2, args, "/nonexistent/at.conf", geteuid(),
				NULL)) != AT_OK ||
	    (r = at_verifier_from_config(&v, cfg, geteuid(), NULL)) != AT_OK) {
		printf("setup failed: %s\n", at_err_reason(r));
		goto out;
	}
	n = fread(cred, 1, sizeof(cred) - 1, stdin);
	cred[n] = '\0';
	r = at_verify_credential(v, cred, n, argv[2], claims);
	if (r == AT_OK)
		printf("accepted method=%s sub=%s local=%s index=%d exp=%s "
		       "secrets=%zu\n",
		       at_method_name(at_claims_method(claims)),
		       at_claims_sub(claims), at_claims_local_user(claims),
		       at_claims_secret_index(claims),
		       at_claims_exp(claims, &exp) ? "yes" : "no",
		       at_verifier_secret_count(v));
	else
		printf("rejected reason=%s\n", at_err_reason(r));
	ret = r == AT_OK ? 0 : 1;
out:
	at_wipe(cred, sizeof(cred));
	at_claims_free(claims);
	at_verifier_free(v);
	at_config_free(cfg);
	return ret;
}
