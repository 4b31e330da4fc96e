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
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "at.h"
#include "cli.h"

/* Read at most this much: a credential is at most AT_MAX_CREDENTIAL. */
#define ASKPASS_READ_MAX (AT_MAX_CREDENTIAL + 2)

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

	if (kind != NULL && (strcmp(kind, "confirm") == 0 ||
			     strcmp(kind, "none") == 0))
		return true;
	if (prompt == NULL)
		return false;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (contains_nocase(prompt, refused[i]))
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

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0) {
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

/* The standard output of /bin/sh -c command, which must exit 0. */
static int
read_token_command(const char *command, char **buf, size_t *len)
{
	int pipefd[2], status, ret = -1;
	pid_t pid;

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
		/* stdout becomes the pipe; stdin is closed to the helper so
		 * it cannot swallow ssh's or sudo's input. */
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (read_bounded(pipefd[0], buf, len) != 0) {
		askpass_error("reading $AGENTICTRUST_TOKEN_COMMAND: %s",
			      strerror(errno));
		/* It may be blocked writing more: do not wait on it. */
		kill(pid, SIGKILL);
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			askpass_error("waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		askpass_error("%s", "$AGENTICTRUST_TOKEN_COMMAND failed");
		goto out;
	}
	if (*buf != NULL)
		ret = 0;
out:
	if (ret != 0 && *buf != NULL) {
		at_freezero(*buf, ASKPASS_READ_MAX + 1);
		*buf = NULL;
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
				    "credential prompt (yes/no question or key "
				    "passphrase)");
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
