/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOADed in front of cwrap's nss_wrapper by the pam and cli tests.
 *
 * glibc answers "no such user" with getpwnam_r() == 0 and no record, and
 * getpwnam() == NULL with errno 0.  nss_wrapper answers ENOENT instead,
 * which to glibc means "a source was unavailable" (nss-pam-ldapd's errno
 * when nslcd is down).  The module and the CLI treat only glibc's answer
 * as a definite "not a Unix account" (accounts=any), so under
 * nss_wrapper every name would look like a failed lookup.  This shim
 * turns nss_wrapper's ENOENT into glibc's not-found answer, unless
 * AT_TEST_NSS_UNAVAILABLE is set in the environment: then the ENOENT
 * goes through, which is how a test plays an unavailable directory.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t len,
	       struct passwd **result);
struct passwd *getpwnam(const char *name);

static int
unavailable(void)
{
	return getenv("AT_TEST_NSS_UNAVAILABLE") != NULL;
}

int
getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t len,
	   struct passwd **result)
{
	int (*next)(const char *, struct passwd *, char *, size_t,
		    struct passwd **);
	int rc;

	*(void **)&next = dlsym(RTLD_NEXT, "getpwnam_r");
	if (next == NULL)
		return EIO;
	rc = next(name, pwd, buf, len, result);
	if (rc == ENOENT && *result == NULL && !unavailable())
		rc = 0;
	return rc;
}

struct passwd *
getpwnam(const char *name)
{
	struct passwd *(*next)(const char *);
	struct passwd *pw;

	*(void **)&next = dlsym(RTLD_NEXT, "getpwnam");
	if (next == NULL) {
		errno = EIO;
		return NULL;
	}
	pw = next(name);
	if (pw == NULL && errno == ENOENT && !unavailable())
		errno = 0;
	return pw;
}
