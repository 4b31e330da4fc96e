/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_redis.h - a real redis-server for the store tests (never the
 * machine's own): started on a unix socket in a private temp directory,
 * with no persistence and no TCP port unless asked, stopped by pid.
 */
#ifndef TEST_REDIS_H
#define TEST_REDIS_H

#include <stdbool.h>
#include <sys/types.h>

struct test_redis {
	pid_t pid;		/* the server; 0 when stopped */
	char *dir;		/* owned: the temp directory (socket, conf) */
	char *socket;		/* owned: dir/redis.sock */
	unsigned int port;	/* TCP port on 127.0.0.1, 0 = none */
	char *url;		/* owned: "redis+unix://" socket */
};

/*
 * Start redis-server (REDIS_SERVER in the environment, else
 * "redis-server" on PATH) with its own config file in a fresh temp dir:
 * unixsocket dir/redis.sock (mode 700), save "", appendonly no, and
 * port 0, or with tcp a free port on 127.0.0.1.  extra_conf (may be
 * NULL) is appended to the config file verbatim (requirepass, ACL user
 * lines, maxmemory ...).  Waits until it answers PING.  Returns 0, or -1
 * when redis-server is missing or did not come up within 10 s (the test
 * should then fail, not skip: the CI installs it).
 */
int test_redis_start(struct test_redis *r, bool tcp, const char *extra_conf);
/* Start again after test_redis_stop() with the same dir, socket, port
 * and config (a restart).  Returns 0 or -1. */
int test_redis_restart(struct test_redis *r);
/* SIGTERM, wait for the pid (SIGKILL after 5 s).  Keeps the dir. */
void test_redis_stop(struct test_redis *r);
/* Stop when running, remove the dir, free the strings. */
void test_redis_destroy(struct test_redis *r);
/* Run one command through redis-cli on the socket (argv-style, NULL
 * terminated, no shell), its stdout into out (size bytes, NUL-ended,
 * trailing newline removed) when out is not NULL.  Returns redis-cli's
 * exit status, or -1. */
int test_redis_cli(const struct test_redis *r, char *out, size_t size, ...);

#endif
