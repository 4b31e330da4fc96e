/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_floor.c - the floor PAM module of scripts/bench.sh: the least work
 * any PAM module that meets issue 10's own rules does per
 * authentication, so that the benchmark can show how far from pam_permit
 * an ideal module would be, in the same run as pam_agentictrust.
 *
 * NEVER INSTALL IT: it is not a verifier.  It checks nothing but the
 * signature of the token, and is built only into the build directory.
 *
 * Per pam_authenticate (config=PATH secret_file=PATH):
 *   - the config and the secret file: open (O_NOFOLLOW), fstat, read, close
 *     each: a module that re-reads its small files on every transaction
 *     and reuses keyed state only for identical bytes (issue 10, "What to
 *     build" 1).  Nothing is parsed; no parent directory is checked
 *     (pam_agentictrust walks every directory from "/", see
 *     lib/at_file.c): the floor leaves that out;
 *   - the credential: the conversation, one prompt, like the module;
 *   - the account: getpwnam_r() of the PAM user;
 *   - the verification: bench_floor.h (OpenSSL's HMAC-SHA256 keyed once
 *     per secret, base64url, CRYPTO_memcmp);
 *   - one syslog line.
 * pam_acct_mgmt returns PAM_SUCCESS and does nothing.
 *
 * In a new process (pamtester) the floor also pays what loading libcrypto
 * and its first HMAC cost: the least any OpenSSL-based module pays.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "bench_floor.h"

#define FLOOR_MAX_FILE 4096

/* The keyed MAC, kept for as long as the secret file's bytes are the
 * same (the module is linked -z nodelete like pam_agentictrust).  A
 * benchmark module: single-threaded use only. */
static struct bench_floor floor_mac;
static unsigned char floor_key[FLOOR_MAX_FILE];
static size_t floor_keylen;
static bool floor_keyed;

/* Read a whole small file into buf (at most FLOOR_MAX_FILE - 1 bytes). */
static ssize_t
read_small(const char *path, char *buf)
{
	struct stat st;
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size >= FLOOR_MAX_FILE) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + got, FLOOR_MAX_FILE - 1 - (size_t)got)) >
	       0)
		got += n;
	close(fd);
	if (n < 0)
		return -1;
	buf[got] = '\0';
	return got;
}

static const char *
arg_value(int argc, const char **argv, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
		    const char **argv)
{
	const char *config = arg_value(argc, argv, "config");
	const char *secret = arg_value(argc, argv, "secret_file");
	char buf[FLOOR_MAX_FILE], pwbuf[4096], *cred = NULL;
	const char *user = NULL;
	struct passwd pw, *pwp = NULL;
	ssize_t len;
	size_t keylen;
	bool ok;

	(void)flags;
	if (config == NULL || secret == NULL ||
	    pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_SERVICE_ERR;
	if (read_small(config, buf) < 0)
		return PAM_SERVICE_ERR;
	/* The first line of the secret file is the key. */
	if ((len = read_small(secret, buf)) < 0)
		return PAM_SERVICE_ERR;
	keylen = strcspn(buf, "\n");
	if (!floor_keyed || keylen != floor_keylen ||
	    CRYPTO_memcmp(buf, floor_key, keylen) != 0) {
		if (floor_keyed)
			bench_floor_free(&floor_mac);
		floor_keyed = bench_floor_init(&floor_mac, buf, keylen);
		memcpy(floor_key, buf, keylen);
		floor_keylen = keylen;
	}
	OPENSSL_cleanse(buf, (size_t)len);
	if (!floor_keyed)
		return PAM_SERVICE_ERR;
	if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &cred, "%s",
		       "Agentic Trust token: ") != PAM_SUCCESS ||
	    cred == NULL)
		return PAM_AUTH_ERR;
	if (getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0)
		pwp = NULL;
	ok = bench_floor_jwt(&floor_mac, cred, strlen(cred));
	OPENSSL_cleanse(cred, strlen(cred));
	free(cred);
	pam_syslog(pamh, LOG_INFO, "%s user=%s account=%s",
		   ok ? "accepted" : "rejected", user,
		   pwp != NULL ? "unix" : "none");
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
