/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agentictrust askpass [PROMPT] - answer an SSH_ASKPASS / SUDO_ASKPASS
 * prompt with an Agentic Trust credential, so an agent logs in without a
 * terminal:
 *
 *   SSH_ASKPASS=/usr/bin/agentictrust-askpass SSH_ASKPASS_REQUIRE=force \
 *   AGENTICTRUST_TOKEN_FILE=~/.config/agentictrust/token ssh host
 *
 * ssh and sudo run the askpass program with the prompt as its only
 * argument, so the same code also runs when invoked as
 * "agentictrust-askpass" (an installed symlink).
 *
 * The credential comes from $AGENTICTRUST_TOKEN_FILE (a regular file owned
 * by the caller with no group/other access, as ssh wants of a private key)
 * or from the standard output of $AGENTICTRUST_TOKEN_COMMAND.  A prompt
 * that is a yes/no question or asks for a key passphrase gets no answer:
 * a token must never be typed into a host-key confirmation.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "at.h"
#include "cli.h"

/* Read at most this much: a credential is at most AT_MAX_CREDENTIAL. */
#define ASKPASS_READ_MAX (AT_MAX_CREDENTIAL + 2)
/* How long $AGENTICTRUST_TOKEN_COMMAND may take, and how long its output
 * may trail the shell's exit. */
#define ASKPASS_COMMAND_TIMEOUT_MS 30000
#define ASKPASS_COMMAND_GRACE_MS 200

static void askpass_error(const char *fmt, ...) AT_PRINTF(1, 2);

static void
askpass_error(const char *fmt, ...)
{
	va_list ap;

	fputs("agentictrust askpass: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Case-insensitive substring search, for prompt classification. */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/*
 * True for prompts a credential must not answer.  ssh tells confirmation
 * and notification prompts apart with SSH_ASKPASS_PROMPT (ssh 8.4+); the
 * text checks catch the rest (older clients, sudo, host keys, key
 * passphrases).
 */
bool
askpass_prompt_refused(const char *prompt, const char *kind)
{
	static const char *const refused[] = {
		"yes/no", "(yes", "fingerprint", "passphrase", "continue connecting",
	};
	size_t i;
	const char *p;

	if (kind != NULL && (strcmp(kind, "confirm") == 0 ||
			     strcmp(kind, "none") == 0))
		return true;
	if (prompt == NULL)
		return false;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (contains_nocase(prompt, refused[i]))
			return true;
	/* A FIDO or PKCS#11 PIN ("Enter PIN for ..."): a wrong answer costs
	 * one of the device's few retries.  Upper case, as a word. */
	for (p = prompt; (p = strstr(p, "PIN")) != NULL; p += 3)
		if ((p == prompt || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)p[3]))
			return true;
	return false;
}

/*
 * Read up to ASKPASS_READ_MAX bytes from fd into a new buffer (owned:
 * at_freezero(*buf, ASKPASS_READ_MAX + 1)).  Returns 0, or -1 with errno
 * set; more input than the limit is EFBIG.
 */
static int
read_bounded(int fd, char **buf, size_t *len)
{
	char *b, extra;
	size_t n = 0;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	if ((b = calloc(1, ASKPASS_READ_MAX + 1)) == NULL)
		return -1;
	while (n < ASKPASS_READ_MAX) {
		r = read(fd, b + n, ASKPASS_READ_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == ASKPASS_READ_MAX) {
		do
			r = read(fd, &extra, 1);
		while (r < 0 && errno == EINTR);
		if (r != 0) {
			errno = r < 0 ? errno : EFBIG;
			goto fail;
		}
	}
	*buf = b;
	*len = n;
	return 0;
fail:
	at_freezero(b, ASKPASS_READ_MAX + 1);
	return -1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The token file: regular, ours, no group/other access (like ~/.ssh/id_*). */
static int
read_token_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	int fd, ret = -1;

	/* O_NONBLOCK: a FIFO must not block the open before fstat says it
	 * is not a regular file. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			     O_NONBLOCK)) < 0) {
		askpass_error("cannot open $AGENTICTRUST_TOKEN_FILE: %s",
			      strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		askpass_error("cannot stat $AGENTICTRUST_TOKEN_FILE: %s",
			      strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		askpass_error("%s", "$AGENTICTRUST_TOKEN_FILE is not a regular "
				    "file");
		goto out;
	}
	if (st.st_uid != getuid()) {
		askpass_error("%s", "$AGENTICTRUST_TOKEN_FILE is not owned by "
				    "you");
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		askpass_error("%s", "$AGENTICTRUST_TOKEN_FILE is accessible by "
				    "group or others (chmod 600 it)");
		goto out;
	}
	if (read_bounded(fd, buf, len) != 0) {
		askpass_error("cannot read $AGENTICTRUST_TOKEN_FILE: %s",
			      strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* Milliseconds on CLOCK_MONOTONIC. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The standard output of /bin/sh -c command, which must exit 0 within
 * ASKPASS_COMMAND_TIMEOUT_MS.  The command runs in its own process group:
 * output is complete at EOF, or ASKPASS_COMMAND_GRACE_MS after the shell
 * has exited (a background process it left may hold the pipe open); then
 * whatever is left of the group is killed, so ssh or sudo never hangs on
 * us.  *buf as read_bounded().
 */
static int
read_token_command(const char *command, char **buf, size_t *len)
{
	int pipefd[2], status = 0, ret = -1, devnull;
	long long deadline, exited_at = -1;
	struct pollfd pfd;
	bool exited = false;
	char *b = NULL;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	*buf = NULL;
	*len = 0;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		askpass_error("pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		askpass_error("fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		/* stdout becomes the pipe; stdin is /dev/null so the command
		 * cannot swallow ssh's or sudo's input. */
		(void)setpgid(0, 0);
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || devnull < 0 ||
		    dup2(devnull, STDIN_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(pid, pid); /* whichever of the two runs first */
	close(pipefd[1]);
	if ((b = calloc(1, ASKPASS_READ_MAX + 1)) == NULL) {
		askpass_error("%s", "out of memory");
		goto out;
	}
	deadline = now_ms() + ASKPASS_COMMAND_TIMEOUT_MS;
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	for (;;) {
		if (now_ms() >= deadline) {
			askpass_error("$AGENTICTRUST_TOKEN_COMMAND did not finish "
				      "within %d s", ASKPASS_COMMAND_TIMEOUT_MS /
							   1000);
			goto out;
		}
		r = poll(&pfd, 1, 50);
		if (r < 0 && errno != EINTR) {
			askpass_error("poll: %s", strerror(errno));
			goto out;
		}
		if (r > 0) {
			if (n == ASKPASS_READ_MAX) {
				askpass_error("%s", "$AGENTICTRUST_TOKEN_COMMAND "
						    "printed too much");
				goto out;
			}
			r = read(pipefd[0], b + n, ASKPASS_READ_MAX - n);
			if (r < 0 && errno != EINTR) {
				askpass_error("reading $AGENTICTRUST_TOKEN_"
					      "COMMAND: %s", strerror(errno));
				goto out;
			}
			if (r == 0)
				break; /* EOF */
			if (r > 0)
				n += (size_t)r;
			continue;
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			exited_at = now_ms();
		}
		if (exited && now_ms() - exited_at >= ASKPASS_COMMAND_GRACE_MS)
			break;
	}
	ret = 0;
out:
	close(pipefd[0]);
	(void)kill(-pid, SIGKILL); /* what is left of the command's group */
	while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		askpass_error("%s", "$AGENTICTRUST_TOKEN_COMMAND failed");
		ret = -1;
	}
	if (ret == 0) {
		*buf = b;
		*len = n;
	} else if (b != NULL) {
		at_freezero(b, ASKPASS_READ_MAX + 1);
	}
	return ret;
}

int
cmd_askpass(int argc, char **argv)
{
	const char *file = getenv("AGENTICTRUST_TOKEN_FILE");
	const char *command = getenv("AGENTICTRUST_TOKEN_COMMAND");
	const char *prompt = argc > 1 ? argv[1] : NULL;
	const char *cred;
	char *buf = NULL;
	size_t len = 0, credlen;
	int ret = 1;

	if (argc > 2) {
		askpass_error("%s", "usage: agentictrust askpass [PROMPT]");
		return 2;
	}
	if (askpass_prompt_refused(prompt, getenv("SSH_ASKPASS_PROMPT"))) {
		/* The prompt is attacker-influenced text from a server. */
		askpass_error("%s", "not answering a prompt that is not a "
				    "credential prompt (yes/no question, key "
				    "passphrase or PIN)");
		return 1;
	}
	if ((file == NULL || *file == '\0') &&
	    (command == NULL || *command == '\0')) {
		askpass_error("%s", "set $AGENTICTRUST_TOKEN_FILE or "
				    "$AGENTICTRUST_TOKEN_COMMAND");
		return 2;
	}
	if (file != NULL && *file != '\0' && command != NULL && *command != '\0') {
		askpass_error("%s", "set only one of $AGENTICTRUST_TOKEN_FILE "
				    "and $AGENTICTRUST_TOKEN_COMMAND");
		return 2;
	}
	if (file != NULL && *file != '\0') {
		if (read_token_file(file, &buf, &len) != 0)
			goto out;
	} else if (read_token_command(command, &buf, &len) != 0) {
		goto out;
	}

	cred = buf;
	credlen = len;
	at_trim(&cred, &credlen);
	if (credlen == 0) {
		askpass_error("%s", "the credential is empty");
		goto out;
	}
	if (credlen > AT_MAX_CREDENTIAL) {
		askpass_error("%s", "the credential is longer than 4096 bytes");
		goto out;
	}
	/* JWTs and hex MACs are printable ASCII; anything else (a second
	 * line, a NUL) would be sent as part of the answer. */
	if (!at_str_printable(cred, credlen) || memchr(cred, ' ', credlen)) {
		askpass_error("%s", "the credential has spaces or control "
				    "characters (one line, no spaces)");
		goto out;
	}
	/* Too long for both clients askpass serves (sudo: 511 bytes). */
	if (credlen > 1023)
		askpass_error("warning: the credential is %zu bytes; ssh cuts "
			      "answers at 1023 bytes and sudo refuses them over "
			      "511", credlen);
	/*
	 * One write(2) of credential and newline: ssh reads at most 1023
	 * bytes and closes the pipe, so a separate newline write could fail
	 * with EPIPE after a complete answer.  Not stdio: no copy is left
	 * in a stdio buffer.  buf has room: credlen <= AT_MAX_CREDENTIAL.
	 */
	memmove(buf, cred, credlen);
	buf[credlen] = '\n';
	if (write_all(STDOUT_FILENO, buf, credlen + 1) != 0) {
		askpass_error("writing the credential: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (buf != NULL)
		at_freezero(buf, ASKPASS_READ_MAX + 1);
	return ret;
}
