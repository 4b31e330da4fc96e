/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_store_race.c - single use holds under a race, through libpam
 * (issue 8, "How we will know"): for each of ROUNDS rounds a fresh
 * single-use token is minted, CHILDREN processes each pam_start() the
 * service and block on a pipe barrier, the parent releases them all at
 * once (closing the pipe), and each pam_authenticate()s with the token.
 * Exactly one must succeed (reason=ok); every other one must fail with
 * PAM_AUTH_ERR and reason=replayed, read from its own captured log lines.
 *
 * argv[1] is the store kind: "sqlite" (a file in the test's directory) or
 * "redis" (a redis-server this test starts on a unix socket and stops).
 * Even rounds carry a jti (use key "jti:..."), odd ones none (use key
 * "fp:" + the token's fingerprint).
 *
 * Runs under pam_wrapper like test_pam_agentictrust (meson sets the
 * environment); the syslog capture is that test's: this executable
 * defines syslog() and friends, so each child's lines stay in its memory.
 */

/* This file defines syslog() itself: no fortify inline wrappers. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "test_common.h"
#include "test_conv.h"
#include "test_syslog.h"
#include "test_redis.h"

#ifndef AT_RACE_DIR
#error "AT_RACE_DIR must be defined by the build"
#endif

#define ROUNDS 20
#define CHILDREN 16
#define TEST_USER "atagent" /* uid 1500 of tests/data/nss */
#define JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* ------------------------------------------------------------------ */
/* syslog capture (as in test_pam_agentictrust.c) */

#define CAPTURE_MAX 32
#define CAPTURE_LEN 2048

static char captured[CAPTURE_MAX][CAPTURE_LEN];
static size_t ncaptured;


void
test_syslog_capture(int prio, const char *fmt, va_list ap)
{
	(void)prio;
	if (ncaptured == CAPTURE_MAX)
		return;
	vsnprintf(captured[ncaptured++], CAPTURE_LEN, fmt, ap);
}

/* ------------------------------------------------------------------ */
/* the race */

static const char *kind;	/* argv[1] */
static char dir[512];		/* AT_RACE_DIR "-" kind */
static char service[64];	/* "at_race_" kind */
static struct test_redis redis;

/* What a child reports through the result pipe (< PIPE_BUF: atomic). */
struct result {
	int rc;			/* pam_authenticate() */
	int verdicts;		/* verdict lines it logged */
	char reason[32];	/* reason= of its last verdict line */
	char first[512];	/* its first log line, for a failure */
};

/* The verdict lines among the captured ones, and the last one's reason. */
static void
read_verdicts(struct result *res)
{
	static const char *const verdicts[] = {
		"): accepted ", "): rejected ", "): refused ", "): unchecked ",
	};
	const char *p;
	size_t i, j, n;

	if (ncaptured > 0)
		snprintf(res->first, sizeof(res->first), "%.*s",
			 (int)sizeof(res->first) - 1, captured[0]);
	for (i = 0; i < ncaptured; i++) {
		for (j = 0; j < sizeof(verdicts) / sizeof(verdicts[0]); j++)
			if (strstr(captured[i], verdicts[j]) != NULL)
				break;
		if (j == sizeof(verdicts) / sizeof(verdicts[0]))
			continue;
		res->verdicts++;
		if ((p = strstr(captured[i], " reason=")) == NULL)
			continue;
		p += strlen(" reason=");
		n = strcspn(p, " ");
		if (n >= sizeof(res->reason))
			n = sizeof(res->reason) - 1;
		memcpy(res->reason, p, n);
		res->reason[n] = '\0';
	}
}

static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		p += n;
		len -= (size_t)n;
	}
}

/*
 * One racer, in a child forked after its handle was made: ready, wait
 * for the barrier to open, authenticate, report.  The handle comes from
 * the parent as sshd's come to its forked child: pam_wrapper forgets in
 * a child that it set itself up, and a pam_start() there would make
 * each child copy the services into a /tmp/pam.X of its own, racing its
 * siblings for the names (lstat, then mkdir).  _exit(): nothing of the
 * parent's (pam_wrapper's directory) is torn down.
 */
static void __attribute__((noreturn))
racer(pam_handle_t *pamh, int ready_w, int go_r, int res_w)
{
	struct result res;
	char c = 'r';
	ssize_t n;

	memset(&res, 0, sizeof(res));
	ncaptured = 0;
	write_all(ready_w, &c, 1);
	close(ready_w);
	/* Blocks until the parent closes the write end: all at once. */
	do
		n = read(go_r, &c, 1);
	while (n < 0 && errno == EINTR);
	res.rc = pam_authenticate(pamh, 0);
	read_verdicts(&res);
	pam_end(pamh, res.rc);
	write_all(res_w, &res, sizeof(res));
	_exit(0);
}

static char *
mint(int round)
{
	char payload[512];
	time_t now = time(NULL);

	if (round % 2 == 0)
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			 "\"jti\":\"race-%ld-%d\"}",
			 TEST_USER, (long)now, (long)now + 300, (long)getpid(),
			 round);
	else
		/* No jti: the fingerprint is the key; iat makes it fresh. */
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			 "\"round\":%d}",
			 TEST_USER, (long)now, (long)now + 300, round);
	return test_jws_sign(JWT_HEADER, payload, TEST_SECRET,
			     strlen(TEST_SECRET));
}

static void
one_round(int round)
{
	int ready[2], go[2], res[2], ok = 0, replayed = 0, status, i;
	struct result r[CHILDREN];
	pid_t pids[CHILDREN];
	pam_handle_t *pamh[CHILDREN];
	char *tok = mint(round), c;
	struct pam_conv pc = {test_token_conv, tok};
	size_t got;
	ssize_t n;

	for (i = 0; i < CHILDREN; i++) {
		pamh[i] = NULL;
		assert_int_equal(pam_start(service, TEST_USER, &pc, &pamh[i]),
				 PAM_SUCCESS);
	}
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	for (i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			close(res[0]);
			racer(pamh[i], ready[1], go[0], res[1]);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);
	/* The children have their copies of the handles and the token. */
	for (i = 0; i < CHILDREN; i++)
		pam_end(pamh[i], PAM_SUCCESS);
	free(tok);
	/* Every child has its handle and waits at the barrier. */
	for (i = 0; i < CHILDREN; i++) {
		do
			n = read(ready[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			break;
	}
	if (i < CHILDREN) {
		/* A child ended before the barrier: say how. */
		close(go[1]);
		for (i = 0; i < CHILDREN; i++)
			if (waitpid(pids[i], &status, 0) == pids[i] &&
			    (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
				print_error("round %d: child %d: status %#x\n",
					    round, i, (unsigned int)status);
		fail_msg("round %d: a child ended before the barrier", round);
	}
	close(ready[0]);
	close(go[1]); /* go */
	for (i = 0; i < CHILDREN; i++) {
		for (got = 0; got < sizeof(r[i]); got += (size_t)n) {
			n = read(res[0], (char *)&r[i] + got,
				 sizeof(r[i]) - got);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			assert_true(n > 0);
		}
	}
	close(res[0]);
	for (i = 0; i < CHILDREN; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (i = 0; i < CHILDREN; i++) {
		if (r[i].verdicts != 1)
			fail_msg("round %d: a child (rc %d) logged %d verdict "
				 "lines, first: %s",
				 round, r[i].rc, r[i].verdicts, r[i].first);
		if (r[i].rc == PAM_SUCCESS && strcmp(r[i].reason, "ok") == 0)
			ok++;
		else if (r[i].rc == PAM_AUTH_ERR &&
			 strcmp(r[i].reason, "replayed") == 0)
			replayed++;
		else
			fail_msg("round %d: a child got %d (%s), reason=%s; "
				 "first line: %s",
				 round, r[i].rc, pam_strerror(NULL, r[i].rc),
				 r[i].reason, r[i].first);
	}
	if (ok != 1 || replayed != CHILDREN - 1)
		fail_msg("round %d: %d accepted, %d replayed (want 1, %d)",
			 round, ok, replayed, CHILDREN - 1);
}

static void
test_race(void **state)
{
	struct timespec t0, t1;
	int round;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < ROUNDS; round++)
		one_round(round);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("%s: %d rounds of %d processes, exactly one accepted "
		      "each, in %.2f s\n",
		      kind, ROUNDS, CHILDREN,
		      (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static void
rm_dir(void)
{
	static const char *const files[] = {
		"race.conf", "secret", "store.db", "store.db-wal",
		"store.db-shm", "store.db-journal",
	};
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

static int
group_setup(void **state)
{
	char conf[2048], path[600], url[700];
	struct pam_conv pc = {test_token_conv, NULL};
	pam_handle_t *pamh = NULL;
	char *tok;
	int rc;

	(void)state;
	if (getenv("PAM_WRAPPER_RUNTIME_DIR") == NULL) {
		print_error("not running under pam_wrapper (meson test sets "
			    "the environment)\n");
		return -1;
	}
	rm_dir();
	if (mkdir(dir, 0700) != 0) {
		print_error("mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (strcmp(kind, "redis") == 0) {
		if (test_redis_start(&redis, false, NULL) != 0) {
			print_error("redis-server did not start\n");
			return -1;
		}
		snprintf(url, sizeof(url), "%s", redis.url);
	} else {
		snprintf(url, sizeof(url), "sqlite:%s/store.db", dir);
	}
	snprintf(path, sizeof(path), "%s/secret", dir);
	if (test_write_file(path, TEST_SECRET "\n", 0600) != 0)
		return -1;
	/* A generous timeout: this test is about who wins, not about an
	 * unavailable store (16 processes under valgrind queue for long).
	 * allow_system_users: the module then reads no login.defs, whose
	 * path in the test build is test_pam_agentictrust's directory, and
	 * that test, running beside this one, writes bad ones on purpose. */
	snprintf(conf, sizeof(conf),
		 "secret_file = %s/secret\nmode = jwt\nsingle_use = true\n"
		 "store = %s\nstore_timeout_ms = 30000\n"
		 "allow_system_users = true\n",
		 dir, url);
	snprintf(path, sizeof(path), "%s/race.conf", dir);
	if (test_write_file(path, conf, 0600) != 0)
		return -1;
	/*
	 * One authentication first: a broken setup fails here, not in a
	 * round, and the store exists before the rounds race.  The rounds
	 * test single use; 16 processes creating an SQLite file at once
	 * is the first open's business (unit-store-sqlite), and under
	 * valgrind one of them can get SQLITE_BUSY from the switch to WAL,
	 * which fails closed (store_unavailable).
	 */
	tok = mint(-1);
	pc.appdata_ptr = tok;
	rc = pam_start(service, TEST_USER, &pc, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (pamh != NULL)
		pam_end(pamh, rc);
	free(tok);
	if (rc != PAM_SUCCESS) {
		print_error("%s: the first authentication failed: %s\n",
			    service, pam_strerror(NULL, rc));
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (strcmp(kind, "redis") == 0)
		test_redis_destroy(&redis);
	rm_dir();
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race),
	};

	if (argc != 2 ||
	    (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "redis") != 0)) {
		fprintf(stderr, "usage: %s sqlite|redis\n", argv[0]);
		return 2;
	}
	kind = argv[1];
	snprintf(dir, sizeof(dir), "%s-%s", AT_RACE_DIR, kind);
	snprintf(service, sizeof(service), "at_race_%s", kind);
	return cmocka_run_group_tests_name(kind, tests, group_setup,
					   group_teardown);
}
