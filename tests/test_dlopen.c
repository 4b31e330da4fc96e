/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dlopen.c - load the built module the way libpam does (RTLD_NOW, so
 * any unresolved symbol fails here, not in sshd), check the PAM entry
 * points resolve and that no library symbol leaks out of the version
 * script (Linux-PAM tests/tst-dlopen.c, pam-u2f tests/dlsym_check.c).
 */
#include <dlfcn.h>
#include <stdio.h>

static const char *const exported[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
	"pam_sm_acct_mgmt",
	"pam_sm_open_session",
	"pam_sm_close_session",
};
static const char *const hidden[] = {
	"at_verify_credential", "at_config_load", "at_hmac_sha256",
	"at_b64url_decode",	"at_err_reason",  "at_log",
	"log_to_pam",		"at_err_to_pam",
	"remember_exp",		"at_truncation_hint",
	"at_log_value",		"at_seal_open",
	"seal_key",		"set_env",
};

int
main(int argc, char **argv)
{
	void *h;
	size_t i;
	int failed = 0, passed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
		return 2;
	}
	if ((h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (i = 0; i < sizeof(exported) / sizeof(*exported); i++) {
		if (dlsym(h, exported[i]) == NULL) {
			fprintf(stderr, "missing export %s\n", exported[i]);
			failed++;
		} else {
			passed++;
		}
	}
	for (i = 0; i < sizeof(hidden) / sizeof(*hidden); i++) {
		if (dlsym(h, hidden[i]) != NULL) {
			fprintf(stderr, "leaked symbol %s\n", hidden[i]);
			failed++;
		} else {
			passed++;
		}
	}
	dlclose(h);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
