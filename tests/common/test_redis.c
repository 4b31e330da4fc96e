/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_redis.c - start and stop a private redis-server (test_redis.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_common.h"
#include "test_redis.h"

/* A free TCP port on 127.0.0.1: bind to 0, read it back, close. */
static unsigned int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	unsigned int port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool
socket_answers(const char *path)
{
	struct sockaddr_un a;
	bool ok;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int
spawn(struct test_redis *r)
{
	const char *bin = getenv("REDIS_SERVER");
	char *conf = test_path(r->dir, "redis.conf");
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, devnull;
	pid_t pid;

	if (bin == NULL || bin[0] == '\0')
		bin = "redis-server";
	unlink(r->socket);
	if ((pid = fork()) < 0) {
		free(conf);
		return -1;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		execlp(bin, bin, conf, (char *)NULL);
		fprintf(stderr, "test_redis: cannot run %s: %s\n", bin,
			strerror(errno));
		_exit(127);
	}
	free(conf);
	r->pid = pid;
	for (i = 0; i < 500; i++) {
		if (socket_answers(r->socket))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			r->pid = 0;
			fprintf(stderr, "test_redis: redis-server exited\n");
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "test_redis: redis-server did not come up\n");
	test_redis_stop(r);
	return -1;
}

int
test_redis_start(struct test_redis *r, bool tcp, const char *extra_conf)
{
	char *conf;
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->dir = test_mkdtemp();
	r->socket = test_path(r->dir, "redis.sock");
	if (tcp && (r->port = free_port()) == 0)
		return -1;
	if (asprintf(&r->url, "redis+unix://%s", r->socket) < 0) {
		r->url = NULL;
		return -1;
	}
	conf = test_path(r->dir, "redis.conf");
	if ((f = fopen(conf, "w")) == NULL) {
		free(conf);
		return -1;
	}
	fprintf(f,
		"port %u\n"
		"bind 127.0.0.1\n"
		"unixsocket %s\n"
		"unixsocketperm 700\n"
		"save \"\"\n"
		"appendonly no\n"
		"dir %s\n"
		"daemonize no\n"
		"loglevel warning\n"
		"logfile \"\"\n"
		"%s\n",
		r->port, r->socket, r->dir,
		extra_conf != NULL ? extra_conf : "");
	fclose(f);
	free(conf);
	return spawn(r);
}

int
test_redis_restart(struct test_redis *r)
{
	if (r->pid != 0)
		test_redis_stop(r);
	return spawn(r);
}

void
test_redis_stop(struct test_redis *r)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	if (r->pid <= 0)
		return;
	/* A frozen server (SIGSTOP in a test) must die too. */
	kill(r->pid, SIGCONT);
	kill(r->pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return;
		}
		nanosleep(&ts, NULL);
	}
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

void
test_redis_destroy(struct test_redis *r)
{
	test_redis_stop(r);
	if (r->dir != NULL) {
		test_rmdir(r->dir);
		free(r->dir);
	}
	free(r->socket);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

int
test_redis_cli(const struct test_redis *r, char *out, size_t size, ...)
{
	char *argv[64];
	const char *a;
	int argc = 0, i, pfd[2], status;
	size_t got = 0;
	ssize_t n;
	va_list ap;
	pid_t pid;

	/* execvp() takes char *const[]: copies, freed below. */
	argv[argc++] = strdup("redis-cli");
	argv[argc++] = strdup("-s");
	argv[argc++] = strdup(r->socket);
	va_start(ap, size);
	while (argc < 63 && (a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	pid = -1;
	if (pipe2(pfd, O_CLOEXEC) == 0 && (pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	if (pid < 0) {
		for (i = 0; i < argc; i++)
			free(argv[i]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execvp("redis-cli", argv);
		_exit(127);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	close(pfd[1]);
	while (out != NULL && got + 1 < size &&
	       (n = read(pfd[0], out + got, size - 1 - got)) > 0)
		got += (size_t)n;
	if (out != NULL) {
		out[got] = '\0';
		while (got > 0 && out[got - 1] == '\n')
			out[--got] = '\0';
	}
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
