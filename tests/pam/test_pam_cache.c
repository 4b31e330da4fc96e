/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pam_cache.c - the module's process-wide secret cache (lib/at_cache.c)
 * in ONE long-lived process, as an Apache worker or a Python service
 * runs it: many libpam transactions (pam_start, pam_authenticate,
 * pam_acct_mgmt, pam_end) through the same loaded module (-z nodelete),
 * and between two of them the secret or config file is rewritten,
 * replaced by rename, chmod'ed, chown'ed, given an ACL, truncated, or
 * rewritten with the same size and mtime.  Each change must take effect
 * on the very next transaction.  Then threads authenticate while another
 * thread swaps the secret file between two secrets: every answer must be
 * one of the two states', and a token signed with a secret that was
 * never in the file is never accepted.
 *
 * Runs under pam_wrapper and nss_wrapper like test_pam_agentictrust; this
 * executable defines syslog() and friends to read the verdict lines.
 */

/* This file defines syslog() itself: no fortify inline wrappers. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <acl/libacl.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <sys/acl.h>

#include "test_common.h"
#include "test_conv.h"
#include "test_syslog.h"

#ifndef AT_CACHE_DIR
#error "AT_CACHE_DIR must be defined by the build"
#endif

#define SERVICE "at_cache"	/* reads AT_CACHE_DIR/cache.conf */
#define TEST_USER "atagent"	/* uid 1500 of tests/data/nss */
#define TEST_UID 1500
/* Three secrets of the same length: a rewrite keeps the size. */
#define SECRET_A "cache-secret-A-0123456789-abcdefghijklmn"
#define SECRET_B "cache-secret-B-0123456789-abcdefghijklmn"
#define SECRET_C "cache-secret-C-0123456789-abcdefghijklmn"

/* ------------------------------------------------------------------ */
/* syslog capture: per thread, the reason= of the last verdict line and
 * whether the cache said it reused keyed secrets */

static __thread char last_reason[64];
static __thread bool saw_reuse, saw_options_reused;
static atomic_uint verdict_lines;

void
test_syslog_capture(int prio, const char *fmt, va_list ap)
{
	char line[2048];
	const char *r;
	size_t n;

	(void)prio;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "keyed secret(s) reused") != NULL)
		saw_reuse = true;
	if (strstr(line, "options of the auth phase reused") != NULL)
		saw_options_reused = true;
	if ((r = strstr(line, " reason=")) == NULL)
		return;
	atomic_fetch_add(&verdict_lines, 1);
	r += strlen(" reason=");
	n = strcspn(r, " ");
	if (n >= sizeof(last_reason))
		n = sizeof(last_reason) - 1;
	memcpy(last_reason, r, n);
	last_reason[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* files and transactions */

/* The secret lives in AT_CACHE_DIR/keys, so that its directory can be
 * loosened without touching the config's. */
static char keys_dir[512], secret_path[600], conf_path[512], tmp_path[600];

/* Rewrite path in place (same inode, O_TRUNC), keeping its mode. */
static void
rewrite(const char *path, const char *content)
{
	size_t len = strlen(content);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Replace path by a new file renamed over it (a new inode). */
static void
replace(const char *path, const char *content)
{
	assert_int_equal(test_write_file(tmp_path, content, 0600), 0);
	assert_int_equal(rename(tmp_path, path), 0);
}

static void
write_conf(const char *extra)
{
	char conf[1024];

	/* allow_system_users: the test module's login.defs is
	 * test_pam_agentictrust's, which rewrites it while this test runs
	 * (the unit test covers the login.defs cache). */
	snprintf(conf, sizeof(conf),
		 "secret_file = %s\ndebug = true\nallow_system_users = true\n%s",
		 secret_path, extra);
	assert_int_equal(test_write_file(conf_path, conf, 0644), 0);
}

/*
 * One whole transaction with cred: pam_authenticate()'s code, after
 * pam_acct_mgmt() (asserted to agree) when it succeeded.  The verdict's
 * reason is left in last_reason.
 */
typedef int conv_fn(int, const struct pam_message **,
		    struct pam_response **, void *);

static int
transaction_conv(const char *service, char *cred, void (*between)(void),
		 conv_fn *fn)
{
	struct pam_conv conv = { fn, cred };
	pam_handle_t *h = NULL;
	int rc, arc;

	last_reason[0] = '\0';
	saw_reuse = false;
	saw_options_reused = false;
	if (pam_start(service, TEST_USER, &conv, &h) != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(h, 0);
	if (rc == PAM_SUCCESS && between != NULL)
		between();
	if (rc == PAM_SUCCESS && (arc = pam_acct_mgmt(h, 0)) != PAM_SUCCESS)
		rc = -2 - arc;
	pam_end(h, rc);
	return rc;
}

static int
transaction_of(const char *service, char *cred, void (*between)(void))
{
	return transaction_conv(service, cred, between, test_token_conv);
}

static int
transaction(char *cred)
{
	return transaction_of(SERVICE, cred, NULL);
}

static char *tok_a, *tok_b, *tok_c, *hmac_a;

static void
expect(char *cred, int want, const char *reason)
{
	int rc = transaction(cred);

	if (rc != want || strcmp(last_reason, reason) != 0)
		print_error("got %d reason=%s, want %d reason=%s\n", rc,
			    last_reason, want, reason);
	assert_int_equal(rc, want);
	assert_string_equal(last_reason, reason);
}

static int
setup(void **state)
{
	(void)state;
	(void)mkdir(AT_CACHE_DIR, 0700);
	assert_int_equal(chmod(AT_CACHE_DIR, 0700), 0);
	snprintf(keys_dir, sizeof(keys_dir), "%s/keys", AT_CACHE_DIR);
	(void)mkdir(keys_dir, 0700);
	assert_int_equal(chmod(keys_dir, 0700), 0);
	snprintf(secret_path, sizeof(secret_path), "%s/secret", keys_dir);
	snprintf(tmp_path, sizeof(tmp_path), "%s/secret.new", keys_dir);
	snprintf(conf_path, sizeof(conf_path), "%s/cache.conf", AT_CACHE_DIR);
	if (test_check_dirs(AT_CACHE_DIR) != 0)
		return -1;
	assert_int_equal(test_write_file(secret_path, SECRET_A "\n", 0600), 0);
	write_conf("mode = any\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(secret_path);
	unlink(tmp_path);
	unlink(conf_path);
	(void)rmdir(keys_dir);
	return 0;
}

/* ------------------------------------------------------------------ */
/* one change between two transactions */

/* The cache is in use at all: the second transaction reuses the keyed
 * secrets (the debug line), and still verifies. */
static void
test_reused(void **state)
{
	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_true(saw_reuse);
	expect(tok_b, PAM_AUTH_ERR, "bad_signature");
	assert_true(saw_reuse);
}

/* Rotation in place: the old token is refused by the next transaction. */
static void
test_rotation_rewrite(void **state)
{
	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	rewrite(secret_path, SECRET_B "\n");
	expect(tok_a, PAM_AUTH_ERR, "bad_signature");
	assert_false(saw_reuse);
	expect(tok_b, PAM_SUCCESS, "ok");
	/* Both during an overlap, then A alone again. */
	rewrite(secret_path, SECRET_B "\n" SECRET_A "\n");
	expect(tok_a, PAM_SUCCESS, "ok");
	expect(tok_b, PAM_SUCCESS, "ok");
	rewrite(secret_path, SECRET_A "\n");
	expect(tok_b, PAM_AUTH_ERR, "bad_signature");
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* Rotation by rename over the file (a new inode). */
static void
test_rotation_rename(void **state)
{
	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	replace(secret_path, SECRET_B "\n");
	expect(tok_a, PAM_AUTH_ERR, "bad_signature");
	expect(tok_b, PAM_SUCCESS, "ok");
}

/*
 * The same size and the same mtime (touch -d back, or a write within one
 * timestamp tick): only the bytes tell.  A cache keyed by size and mtime
 * (or by inode) would accept the old token here.
 */
static void
test_same_size_and_mtime(void **state)
{
	struct stat before, after;
	struct timespec times[2];

	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_int_equal(stat(secret_path, &before), 0);
	rewrite(secret_path, SECRET_B "\n");
	times[0] = before.st_atim;
	times[1] = before.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, secret_path, times, 0), 0);
	assert_int_equal(stat(secret_path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	expect(tok_a, PAM_AUTH_ERR, "bad_signature");
	expect(tok_b, PAM_SUCCESS, "ok");
}

/* chmod 0644: refused by the next transaction although the bytes are
 * those the cache keyed; 0600 again: accepted. */
static void
test_chmod(void **state)
{
	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_int_equal(chmod(secret_path, 0644), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	assert_int_equal(chmod(secret_path, 0640), 0);
	expect(tok_a, PAM_SUCCESS, "ok");
	/* Its directory too. */
	assert_int_equal(chmod(keys_dir, 0777), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	assert_int_equal(chmod(keys_dir, 0700), 0);
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* chown to another user (needs root): refused next transaction. */
static void
test_chown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_int_equal(chown(secret_path, TEST_UID, (gid_t)-1), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	assert_int_equal(chown(secret_path, 0, (gid_t)-1), 0);
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* A POSIX ACL naming a user: refused next transaction (when the file
 * system has ACLs). */
static void
test_acl(void **state)
{
	acl_t acl;
	int rc;

	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	acl = acl_from_text("u::rw-,u:1500:r--,g::---,m::r--,o::---");
	assert_non_null(acl);
	rc = acl_set_file(secret_path, ACL_TYPE_ACCESS, acl);
	acl_free(acl);
	if (rc != 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		skip();
	assert_int_equal(rc, 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	acl = acl_from_text("u::rw-,g::---,o::---");
	assert_int_equal(acl_set_file(secret_path, ACL_TYPE_ACCESS, acl), 0);
	acl_free(acl);
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* Truncated: refused (no secret in it); written back: accepted. */
static void
test_truncate(void **state)
{
	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_int_equal(truncate(secret_path, 0), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	/* Cut inside the secret: too short to be one. */
	rewrite(secret_path, "cache-secret-A\n");
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_too_short");
	rewrite(secret_path, SECRET_A "\n");
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* Removed, then a symbolic link in its place: refused. */
static void
test_unlink_symlink(void **state)
{
	char target[700];

	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	snprintf(target, sizeof(target), "%s.real", secret_path);
	assert_int_equal(rename(secret_path, target), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	assert_int_equal(symlink(target, secret_path), 0);
	expect(tok_a, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
	assert_int_equal(unlink(secret_path), 0);
	assert_int_equal(rename(target, secret_path), 0);
	expect(tok_a, PAM_SUCCESS, "ok");
}

/* The config rewritten: mode=hmac refuses a JWT next transaction, and
 * a config naming another secret file is followed at once. */
static void
test_config_rewrite(void **state)
{
	char conf[2048], other[600];

	(void)state;
	expect(tok_a, PAM_SUCCESS, "ok");
	expect(hmac_a, PAM_SUCCESS, "ok");
	write_conf("mode = hmac\n");
	expect(tok_a, PAM_AUTH_ERR, "method_not_allowed");
	expect(hmac_a, PAM_SUCCESS, "ok");
	write_conf("mode = jwt\n");
	expect(hmac_a, PAM_AUTH_ERR, "method_not_allowed");
	expect(tok_a, PAM_SUCCESS, "ok");
	/* Another file with the other secret. */
	snprintf(other, sizeof(other), "%s/other-secret", AT_CACHE_DIR);
	assert_int_equal(test_write_file(other, SECRET_B "\n", 0600), 0);
	snprintf(conf, sizeof(conf),
		 "secret_file = %s\ndebug = true\nallow_system_users = true\n",
		 other);
	assert_int_equal(test_write_file(conf_path, conf, 0644), 0);
	expect(tok_a, PAM_AUTH_ERR, "bad_signature");
	expect(tok_b, PAM_SUCCESS, "ok");
	/* Split files: HMAC from one, JWT from the other. */
	snprintf(conf, sizeof(conf),
		 "hmac_secret_file = %s\njwt_secret_file = %s\n"
		 "allow_system_users = true\n",
		 secret_path, other);
	assert_int_equal(test_write_file(conf_path, conf, 0644), 0);
	expect(hmac_a, PAM_SUCCESS, "ok");
	expect(tok_a, PAM_AUTH_ERR, "bad_signature");
	expect(tok_b, PAM_SUCCESS, "ok");
	unlink(other);
	expect(tok_b, PAM_AUTHINFO_UNAVAIL, "secret_unusable");
}

/* More file sets than the cache keeps (AT_CACHE_ENTRIES, 8): every one
 * still verifies right, evicted or not. */
static void
test_many_files(void **state)
{
	char conf[2048], path[600];
	int i, round;

	(void)state;
	for (round = 0; round < 3; round++)
		for (i = 0; i < 12; i++) {
			snprintf(path, sizeof(path), "%s/s%d", AT_CACHE_DIR, i);
			if (round == 0)
				assert_int_equal(
					test_write_file(path,
							i % 2 ? SECRET_B "\n"
							      : SECRET_A "\n",
							0600),
					0);
			snprintf(conf, sizeof(conf),
				 "secret_file = %s\nallow_system_users = true\n",
				 path);
			assert_int_equal(test_write_file(conf_path, conf,
							 0644),
					 0);
			expect(i % 2 ? tok_b : tok_a, PAM_SUCCESS, "ok");
			expect(i % 2 ? tok_a : tok_b, PAM_AUTH_ERR,
			       "bad_signature");
		}
	for (i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "%s/s%d", AT_CACHE_DIR, i);
		unlink(path);
	}
}

/* ------------------------------------------------------------------ */
/* the account phase and the auth phase's options */

/* Wait until the config file's last change is CONFIG_SETTLED (2) seconds
 * old, with a second to spare. */
static void
wait_settled(void)
{
	struct stat st;

	assert_int_equal(stat(conf_path, &st), 0);
	while (time(NULL) < st.st_ctime + 3)
		usleep(100 * 1000);
}

static void
break_conf(void)
{
	/* An unknown key: loading these options fails. */
	write_conf("no_such_option = 1\n");
}

/* The user answers the prompt only after the config file was rewritten
 * and has become settled. */
static int
conv_after_rewrite(int n, const struct pam_message **msg,
		   struct pam_response **resp, void *data)
{
	break_conf();
	wait_settled();
	return test_token_conv(n, msg, resp, data);
}

/*
 * The account phase uses the options its auth phase loaded in the same
 * handle (one config read per transaction), but only from a settled,
 * unchanged config file and for an account line with the same arguments.
 */
static void
test_account_reuses_options(void **state)
{
	(void)state;
	/* Just written: not settled, loaded again by the account phase. */
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_false(saw_options_reused);
	wait_settled();
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_true(saw_options_reused);
	/* Rewritten between the two phases: the account phase sees it. */
	assert_int_equal(transaction_of(SERVICE, tok_a, break_conf),
			 -2 - PAM_SERVICE_ERR);
	assert_false(saw_options_reused);
	assert_string_equal(last_reason, "bad_config");
	/* And so does the next transaction's auth phase. */
	expect(tok_a, PAM_SERVICE_ERR, "bad_config");
	write_conf("mode = any\n");
	wait_settled();
	/* Other arguments on the account line: its own options. */
	assert_int_equal(transaction_of("at_cache_acct_args", tok_a, NULL),
			 PAM_SUCCESS);
	assert_false(saw_options_reused);
	assert_int_equal(transaction_of("at_cache_acct_args", tok_a,
					break_conf),
			 -2 - PAM_SERVICE_ERR);
	/* Rewritten while the prompt was open: the options were read before
	 * it, so the identity kept is the old file's, and the account phase
	 * reads the new one (found in review: the identity was taken after
	 * the conversation). */
	write_conf("mode = any\n");
	wait_settled();
	assert_int_equal(transaction_conv(SERVICE, tok_a, NULL,
					  conv_after_rewrite),
			 -2 - PAM_SERVICE_ERR);
	assert_false(saw_options_reused);
	assert_string_equal(last_reason, "bad_config");
	/* A failed authentication keeps nothing. */
	write_conf("mode = any\n");
	wait_settled();
	expect(tok_b, PAM_AUTH_ERR, "bad_signature");
	expect(tok_a, PAM_SUCCESS, "ok");
	assert_true(saw_options_reused);
}

/* ------------------------------------------------------------------ */
/* threads */

#define THREADS 4
#define PER_THREAD 150

static atomic_bool stop;
static atomic_uint accepted_a, accepted_b, wrong;

static void *
worker(void *arg)
{
	unsigned int i, seed = (unsigned int)(uintptr_t)arg;
	char *cred;
	int rc, which;

	for (i = 0; i < PER_THREAD; i++) {
		which = (int)((seed + i) % 3);
		cred = which == 0 ? tok_a : which == 1 ? tok_b : tok_c;
		rc = transaction(cred);
		if (rc == PAM_SUCCESS && which == 0)
			atomic_fetch_add(&accepted_a, 1);
		else if (rc == PAM_SUCCESS && which == 1)
			atomic_fetch_add(&accepted_b, 1);
		else if (rc != PAM_AUTH_ERR ||
			 strcmp(last_reason, "bad_signature") != 0) {
			/* C accepted, or anything but a bad signature. */
			print_error("thread %u: token %d: rc %d reason=%s\n",
				    seed, which, rc, last_reason);
			atomic_fetch_add(&wrong, 1);
		}
	}
	return NULL;
}

static void *
writer(void *arg)
{
	unsigned int n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		/* rename: the file is always one of the two states. */
		if (test_write_file(tmp_path, n++ % 2 ? SECRET_A "\n"
						     : SECRET_B "\n",
				    0600) != 0 ||
		    rename(tmp_path, secret_path) != 0)
			atomic_fetch_add(&wrong, 1);
		usleep(500);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[THREADS], w;
	unsigned int i;

	(void)state;
	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&w, NULL, writer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker,
						(void *)(uintptr_t)i),
				 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	atomic_store(&stop, true);
	assert_int_equal(pthread_join(w, NULL), 0);
	print_message("threads: %u A and %u B accepted, %u wrong\n",
		      atomic_load(&accepted_a), atomic_load(&accepted_b),
		      atomic_load(&wrong));
	assert_int_equal(atomic_load(&wrong), 0);
	assert_true(atomic_load(&accepted_a) > 0);
	assert_true(atomic_load(&accepted_b) > 0);
	/* Both states again, from this thread, after the storm. */
	replace(secret_path, SECRET_A "\n");
	expect(tok_a, PAM_SUCCESS, "ok");
	expect(tok_b, PAM_AUTH_ERR, "bad_signature");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_rewrite, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation_rename, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_size_and_mtime,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chmod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unlink_symlink, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_rewrite, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_account_reuses_options,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};
	time_t now = time(NULL);
	int rc;

	if (getenv("PAM_WRAPPER_RUNTIME_DIR") == NULL) {
		fprintf(stderr, "not running under pam_wrapper (meson test "
				"sets it up)\n");
		return 1;
	}
	tok_a = test_token(TEST_USER, (long)now, (long)now + 3600, SECRET_A);
	tok_b = test_token(TEST_USER, (long)now, (long)now + 3600, SECRET_B);
	tok_c = test_token(TEST_USER, (long)now, (long)now + 3600, SECRET_C);
	hmac_a = test_hmac_hex(SECRET_A, strlen(SECRET_A), TEST_USER);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(tok_a);
	free(tok_b);
	free(tok_c);
	free(hmac_a);
	(void)rmdir(AT_CACHE_DIR);
	return rc;
}
