/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "at.h"
#include "test_common.h"

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		abort();
	return p;
}

static char *
b64(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	at_b64url_encode(data, len, out);
	return out;
}

char *
test_jws_with_sig(const char *header, const char *payload,
		  const unsigned char *sig, size_t siglen)
{
	char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
	char *s = b64(sig, siglen);
	size_t n = strlen(h) + strlen(p) + strlen(s) + 3;
	char *tok = xmalloc(n);

	snprintf(tok, n, "%s.%s.%s", h, p, s);
	free(h);
	free(p);
	free(s);
	return tok;
}

char *
test_jws_sign(const char *header, const char *payload, const void *key,
	      size_t keylen)
{
	char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *input = xmalloc(n), *tok, *s;
	unsigned char mac[AT_MAC_LEN];

	snprintf(input, n, "%s.%s", h, p);
	if (at_hmac_sha256(key, keylen, input, strlen(input), mac) != AT_OK)
		abort();
	s = b64(mac, sizeof(mac));
	tok = xmalloc(n + strlen(s) + 1);
	snprintf(tok, n + strlen(s) + 1, "%s.%s", input, s);
	free(h);
	free(p);
	free(s);
	free(input);
	return tok;
}

char *
test_hmac_hex(const void *key, size_t keylen, const char *msg)
{
	unsigned char mac[AT_MAC_LEN];
	char *hex = xmalloc(2 * AT_MAC_LEN + 1);

	if (at_hmac_sha256(key, keylen, msg, strlen(msg), mac) != AT_OK)
		abort();
	at_hex_encode(mac, sizeof(mac), hex);
	return hex;
}

char *
test_forge_jwt_from_hmac(const char *header, const char *payload,
			 const void *hmac_key, size_t keylen)
{
	char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *id = xmalloc(n), *hex, *tok;
	unsigned char sig[AT_MAC_LEN];

	/* The id the attacker registers: the JWS signing input. */
	snprintf(id, n, "%s.%s", h, p);
	/* What the backend hands out for that id: its HMAC credential. */
	hex = test_hmac_hex(hmac_key, keylen, id);
	/* The same 32 bytes, base64url: the token's signature. */
	if (at_hex_decode(hex, strlen(hex), sig, sizeof(sig)) != AT_OK)
		abort();
	tok = test_jws_with_sig(header, payload, sig, sizeof(sig));
	free(h);
	free(p);
	free(id);
	free(hex);
	return tok;
}

char *
test_token(const char *sub, long iat, long exp, const char *key)
{
	char payload[1024];

	if (exp >= 0)
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld}", sub, iat,
			 exp);
	else
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"%s\",\"iat\":%ld}", sub, iat);
	return test_jws_sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload,
			     key, strlen(key));
}

int
test_write_file(const char *path, const char *content, mode_t mode)
{
	size_t len = strlen(content);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, content, len) != (ssize_t)len || fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void test_log_stderr(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
test_log_stderr(void *ctx, int prio, const char *fmt, va_list ap)
{
	(void)ctx;
	(void)prio;
	fputs("  ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
test_check_dirs(const char *dir)
{
	struct at_log log = { test_log_stderr, NULL, false };
	char *probe = test_path(dir, "probe");
	enum at_err r;

	r = at_path_check_dirs(probe, "test file", geteuid(), &log);
	free(probe);
	if (r == AT_OK)
		return 0;
	fprintf(stderr,
		"the test directory %s fails the library's directory rule "
		"(the line above names the directory): every directory from "
		"/ down to a secret, config or map file must be owned by root "
		"or uid %lu and not be group or world writable, unless it is "
		"root's sticky directory like /tmp.  Run the tests from a "
		"build directory (and with a TMPDIR) whose parents are.\n",
		dir, (unsigned long)geteuid());
	return -1;
}

char *
test_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;
	size_t n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	n = strlen(tmp) + 32;
	dir = xmalloc(n);
	snprintf(dir, n, "%s/at-test-XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		abort();
	if (test_check_dirs(dir) != 0) {
		rmdir(dir);
		abort();
	}
	return dir;
}

void
test_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *p;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = test_path(dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

char *
test_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}
