/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_store_lib.c - the store backends' libraries, dlopen()ed on the
 * first open of a store of their kind (at_store.h, struct at_store_lib):
 * a library that cannot be loaded, or lacks a symbol, fails the open
 * closed (AT_ERR_STORE, never AT_ERR_STORE_UNAVAILABLE, which
 * store_unavailable=allow would let through) with one log line naming the
 * library or symbol and dlerror()'s text, on every open; and the build's
 * library loads once for threads opening at the same moment.
 *
 * The load happens once per process, so each case runs in a child of its
 * own; this executable does not link SQLite or hiredis itself, so the
 * positive case goes through dlopen() for real.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_store.h"
#include "test_common.h"
#include "unit_test.h"

#define MISSING "libat-test-no-such-library.so.0"

/* In a child: a failed check says why on stderr and exits 1. */
#define CHILD_CHECK(cond, ...)                                                 \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);        \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			_exit(1);                                              \
		}                                                              \
	} while (0)

/* Run fn(arg) in a child; the test fails unless it exits 0. */
static void
in_child(void (*fn)(const char *), const char *arg)
{
	pid_t pid;
	int status = 0;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A crash kills the child, which the parent reports; not
		 * cmocka's handler, which would run the next tests in it. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child died of signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* at_store_open() of url; the log captured in ul. */
static enum at_err
open_url(const char *url, struct unit_log *ul, struct at_store **s)
{
	struct at_config cfg;
	enum at_err r;

	at_config_init(&cfg);
	cfg.store = strdup(url);
	CHILD_CHECK(cfg.store != NULL, "strdup");
	cfg.store_timeout_ms = 300;
	unit_log_init(ul);
	r = at_store_open(&cfg, geteuid(), &ul->log, s);
	at_config_clear(&cfg);
	return r;
}

static size_t
count_lines(const char *buf)
{
	size_t n = 0;

	for (; *buf != '\0'; buf++)
		n += *buf == '\n';
	return n;
}

/*
 * url's store cannot load its library (soname set by the test hook):
 * AT_ERR_STORE, no handle, exactly one line containing each of want[],
 * and the same again on a second open (the failure is remembered, and
 * said every time).
 */
static void
expect_fail(const char *url, const char *const *want)
{
	struct unit_log ul;
	struct at_store *s = (struct at_store *)&ul; /* must be cleared */
	enum at_err r;
	size_t i;
	int round;

	for (round = 0; round < 2; round++) {
		r = open_url(url, &ul, &s);
		CHILD_CHECK(r == AT_ERR_STORE,
			    "round %d: got %d (%s), want "
			    "store_error",
			    round, (int)r, at_err_reason(r));
		CHILD_CHECK(s == NULL, "round %d: a handle on failure", round);
		CHILD_CHECK(count_lines(ul.buf) == 1,
			    "round %d: want one log line, got: %s", round,
			    ul.buf);
		for (i = 0; want[i] != NULL; i++)
			CHILD_CHECK(strstr(ul.buf, want[i]) != NULL,
				    "round %d: no \"%s\" in the log: %s", round,
				    want[i], ul.buf);
		fprintf(stderr, "logged: %s", ul.buf);
	}
}

static void
sqlite_missing(const char *dir)
{
	static const char *const want[] = {"store: cannot load " MISSING,
					   "cannot open shared object file",
					   NULL};
	char url[4096];

	at_store_test_set_soname(AT_STORE_SQLITE, MISSING);
	snprintf(url, sizeof(url), "sqlite:%s/state.db", dir);
	expect_fail(url, want);
	/* Refused before the file was touched. */
	snprintf(url, sizeof(url), "%s/state.db", dir);
	CHILD_CHECK(access(url, F_OK) != 0, "the database was created");
}

/* libc is there but has no sqlite3_* or redis* function. */
static void
sqlite_no_symbol(const char *dir)
{
	static const char *const want[] = {"libc.so.6: no symbol sqlite3_",
					   "undefined symbol", NULL};
	char url[4096];

	at_store_test_set_soname(AT_STORE_SQLITE, "libc.so.6");
	snprintf(url, sizeof(url), "sqlite:%s/state.db", dir);
	expect_fail(url, want);
}

static void
redis_missing(const char *arg)
{
	static const char *const want[] = {"store: cannot load " MISSING,
					   "cannot open shared object file",
					   NULL};

	(void)arg;
	at_store_test_set_soname(AT_STORE_REDIS_TCP, MISSING);
	/* Nothing listens on port 1: were the library loaded, this would
	 * be store_unavailable, not store_error. */
	expect_fail("redis://127.0.0.1:1", want);
	expect_fail("redis+unix:///nonexistent/redis.sock", want);
}

static void
redis_no_symbol(const char *arg)
{
	static const char *const want[] = {"libc.so.6: no symbol ",
					   "undefined symbol", NULL};

	(void)arg;
	at_store_test_set_soname(AT_STORE_REDIS_TCP, "libc.so.6");
	expect_fail("redis://127.0.0.1:1", want);
}

/* The build's libraries, first loaded by 8 threads at once. */
#define NTHREADS 8
struct opener {
	char url[4096];
	enum at_err r;
	struct unit_log ul;
};

static void *
open_thread(void *arg)
{
	struct opener *o = arg;
	struct at_store *s = NULL;

	o->r = open_url(o->url, &o->ul, &s);
	at_store_close(s);
	return NULL;
}

static void
build_libs_threads(const char *dir)
{
	static struct opener o[NTHREADS];
	pthread_t t[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		/* Half sqlite (one file each: no lock waits), half redis
		 * where nothing listens: loaded, then unavailable. */
		if (i % 2 == 0)
			snprintf(o[i].url, sizeof(o[i].url),
				 "sqlite:%s/state%d.db", dir, i);
		else
			snprintf(o[i].url, sizeof(o[i].url),
				 "redis://127.0.0.1:1");
		CHILD_CHECK(pthread_create(&t[i], NULL, open_thread, &o[i]) ==
				    0,
			    "pthread_create");
	}
	for (i = 0; i < NTHREADS; i++)
		CHILD_CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
	for (i = 0; i < NTHREADS; i++) {
		if (i % 2 == 0)
			CHILD_CHECK(o[i].r == AT_OK, "sqlite: %s: %s",
				    at_err_reason(o[i].r), o[i].ul.buf);
		else
			CHILD_CHECK(o[i].r == AT_ERR_STORE_UNAVAILABLE &&
					    strstr(o[i].ul.buf,
						   "cannot connect") != NULL,
				    "redis: %s: %s", at_err_reason(o[i].r),
				    o[i].ul.buf);
	}
}

static void
run(void (*fn)(const char *))
{
	char *dir = test_mkdtemp();

	in_child(fn, dir);
	test_rmdir(dir); /* the databases, their -wal and -shm */
	free(dir);
}

static void
test_sqlite_missing(void **state)
{
	(void)state;
	run(sqlite_missing);
}

static void
test_sqlite_no_symbol(void **state)
{
	(void)state;
	run(sqlite_no_symbol);
}

static void
test_redis_missing(void **state)
{
	(void)state;
	run(redis_missing);
}

static void
test_redis_no_symbol(void **state)
{
	(void)state;
	run(redis_no_symbol);
}

static void
test_build_libs_threads(void **state)
{
	(void)state;
	run(build_libs_threads);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_missing),
		cmocka_unit_test(test_sqlite_no_symbol),
		cmocka_unit_test(test_redis_missing),
		cmocka_unit_test(test_redis_no_symbol),
		cmocka_unit_test(test_build_libs_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
