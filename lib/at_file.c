/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_file.c - read config, map and secret files the way sshd reads a
 * private key: no symlink, a regular file, a trusted owner, no loose
 * permissions, bounded size (pam-u2f open_safely, OpenSSH
 * sshkey_perm_ok).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "at.h"

enum at_err
at_file_read(const char *path, enum at_file_kind kind, uid_t owner_uid,
	     bool missing_ok, const struct at_log *log, char **buf, size_t *len)
{
	enum at_err fail = kind == AT_FILE_SECRET ? AT_ERR_SECRET : AT_ERR_FILE;
	enum at_err r = fail;
	const char *what = kind == AT_FILE_SECRET ? "secret file" : "file";
	struct stat st;
	char *data = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;
	int fd = -1;

	*buf = NULL;
	*len = 0;
	if (path[0] != '/') {
		at_log(log, LOG_ERR, "%s %s: path is not absolute", what, path);
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
				O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok) {
			r = AT_OK;
			goto out;
		}
		at_log(log, LOG_ERR, "%s %s: cannot open: %s", what, path,
		       errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		at_log(log, LOG_ERR, "%s %s: fstat: %s", what, path,
		       strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		at_log(log, LOG_ERR, "%s %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != owner_uid) {
		at_log(log, LOG_ERR, "%s %s: owned by uid %lu, not root or %lu",
		       what, path, (unsigned long)st.st_uid,
		       (unsigned long)owner_uid);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		at_log(log, LOG_ERR,
		       "%s %s: mode %04o is group or world writable", what,
		       path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	if (kind == AT_FILE_SECRET && (st.st_mode & S_IRWXO) != 0) {
		at_log(log, LOG_ERR,
		       "%s %s: mode %04o gives others access (chmod o-rwx)",
		       what, path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > AT_MAX_FILE) {
		at_log(log, LOG_ERR, "%s %s: larger than %d bytes", what, path,
		       AT_MAX_FILE);
		goto out;
	}
	/* st_size can change under us: read until EOF, bounded by cap. */
	cap = (size_t)st.st_size + 1;
	if ((data = malloc(cap)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (n == cap - 1) {
			char probe;

			got = read(fd, &probe, 1);
			if (got == 0)
				break;
			if (got < 0 && errno == EINTR)
				continue;
			at_log(log, LOG_ERR, "%s %s: changed while read", what,
			       path);
			goto out;
		}
		got = read(fd, data + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			at_log(log, LOG_ERR, "%s %s: read: %s", what, path,
			       strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	data[n] = '\0';
	*buf = data;
	*len = n;
	data = NULL; /* transferred */
	r = AT_OK;
out:
	if (data != NULL)
		at_freezero(data, cap);
	if (fd >= 0)
		close(fd);
	return r;
}

int
at_file_next_line(const char *buf, size_t len, size_t *pos,
		  const char **line, size_t *linelen)
{
	const char *start, *nl;
	size_t n;

	*line = NULL;
	*linelen = 0;
	if (*pos >= len)
		return 0;
	start = buf + *pos;
	nl = memchr(start, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - start) : len - *pos;
	*pos += n + (nl != NULL ? 1 : 0);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > AT_MAX_LINE || memchr(start, '\0', n) != NULL)
		return AT_ERR_FORMAT;
	*line = start;
	*linelen = n;
	return 1;
}
