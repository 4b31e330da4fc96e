/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_file.c - read config, map and secret files the way sshd reads a
 * private key: every directory on the path safe (OpenSSH misc.c
 * safe_path, walked with openat so that nothing checked can be swapped),
 * no symlink, a regular file, a trusted owner, no loose permissions,
 * bounded size (pam-u2f open_safely, OpenSSH sshkey_perm_ok), and no
 * POSIX ACL on a secret file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <acl/libacl.h>

#include "at.h"

/* The physical directory a walk has reached, for log lines. */
static bool
shown_push(char *shown, const char *comp)
{
	size_t n = strlen(shown), c = strlen(comp);

	if (n + 1 + c >= PATH_MAX)
		return false;
	if (n > 1)
		shown[n++] = '/';
	memcpy(shown + n, comp, c + 1);
	return true;
}

static void
shown_pop(char *shown)
{
	char *slash = strrchr(shown, '/');

	if (slash == NULL || slash == shown)
		shown[1] = '\0';
	else
		*slash = '\0';
}

/* The rule of at_path_open_dir() for one directory; logs why not. */
static bool
dir_ok(const struct stat *st, const char *shown, const char *what,
       const char *path, uid_t owner_uid, const struct at_log *log)
{
	if (st->st_uid != 0 && st->st_uid != owner_uid) {
		at_log(log, LOG_ERR,
		       "%s %s: directory %s: owned by uid %lu, not root or "
		       "%lu (mode %04o)",
		       what, path, shown, (unsigned long)st->st_uid,
		       (unsigned long)owner_uid,
		       (unsigned int)(st->st_mode & 07777));
		return false;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(st->st_uid == 0 && (st->st_mode & S_ISVTX) != 0)) {
		at_log(log, LOG_ERR,
		       "%s %s: directory %s: mode %04o is group or world "
		       "writable (owner uid %lu; only a root-owned sticky "
		       "directory may be)",
		       what, path, shown, (unsigned int)(st->st_mode & 07777),
		       (unsigned long)st->st_uid);
		return false;
	}
	return true;
}

/*
 * The walk memo of this thread (at_walk_memo_begin()): the directory the
 * last walk reached, as an O_PATH descriptor that passed every check,
 * and the directory part of the path that named it.
 */
struct walk_memo {
	bool active;
	int dirfd;		/* owned; -1: none kept */
	uid_t owner_uid;	/* the rule it was checked against */
	size_t dirlen;
	char dir[PATH_MAX];	/* path up to and with its last '/' */
};
static __thread struct walk_memo memo = { .dirfd = -1 };

static void
memo_drop(void)
{
	if (memo.dirfd >= 0)
		close(memo.dirfd);
	memo.dirfd = -1;
}

void
at_walk_memo_begin(void)
{
	memo_drop();
	memo.active = true;
}

void
at_walk_memo_end(void)
{
	memo_drop();
	memo.active = false;
}

/* Keep a walk's result (the memo owns dirfd now) for the next path in
 * that directory. */
static void
memo_keep(const char *path, size_t dirlen, uid_t owner_uid, int dirfd)
{
	memo_drop();
	memo.dirfd = dirfd;
	memo.owner_uid = owner_uid;
	memo.dirlen = dirlen;
	memcpy(memo.dir, path, dirlen);
}

/*
 * The kept directory for path, when path is in it: the same descriptor
 * (not found again by its name, so nothing can have been swapped in since
 * it was walked, and still owned by the memo), its owner and mode checked
 * again with fstat.  1: *dirfd set; 0: not kept, walk; -1: refused
 * (logged).
 */
static int
memo_reuse(const char *path, size_t dirlen, const char *what,
	   uid_t owner_uid, const struct at_log *log, int *dirfd,
	   bool *sticky)
{
	char shown[PATH_MAX];
	struct stat st;
	int fd;

	if (!memo.active || memo.dirfd < 0 || memo.owner_uid != owner_uid ||
	    memo.dirlen != dirlen || memcmp(memo.dir, path, dirlen) != 0)
		return 0;
	fd = memo.dirfd;
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
		memo_drop();
		return 0;
	}
	/* The directory as the path names it, for the log line. */
	memcpy(shown, path, dirlen);
	shown[dirlen > 1 ? dirlen - 1 : dirlen] = '\0';
	if (!dir_ok(&st, shown, what, path, owner_uid, log)) {
		memo_drop();
		return -1;
	}
	*dirfd = fd;
	*sticky = st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0;
	return 1;
}

/* "/" as the start of a walk: an O_PATH descriptor, checked. */
static int
open_root(const char *what, const char *path, uid_t owner_uid,
	  const struct at_log *log, bool *sticky)
{
	struct stat st;
	int fd;

	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		at_log(log, LOG_ERR, "%s %s: directory /: %s", what, path,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!dir_ok(&st, "/", what, path, owner_uid, log)) {
		close(fd);
		return -1;
	}
	*sticky = st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0;
	return fd;
}

/*
 * at_path_open_dir() for at_file_open(): with the memo on, *dirfd is the
 * memo's (kept: the caller must not close it), else the caller's.
 */
static enum at_err
path_open_dir(const char *path, const char *what, uid_t owner_uid,
	      bool missing_ok, const struct at_log *log, int *dirfd,
	      const char **name, bool *sticky, bool *kept)
{
	enum at_err r = AT_ERR_FILE;
	char rest[PATH_MAX], shown[PATH_MAX], target[PATH_MAX];
	const char *last;
	char *p, *comp;
	struct stat st;
	size_t len, remain;
	ssize_t got;
	unsigned int links = 0;
	bool dotdot;
	int fd = -1, next = -1;

	*dirfd = -1;
	*name = NULL;
	*sticky = false;
	*kept = false;
	if (path[0] != '/') {
		at_log(log, LOG_ERR, "%s %s: path is not absolute", what, path);
		goto out;
	}
	if ((len = strlen(path)) >= PATH_MAX) {
		at_log(log, LOG_ERR, "%s %s: path longer than %d bytes", what,
		       path, PATH_MAX - 1);
		goto out;
	}
	last = strrchr(path, '/') + 1;
	if (last[0] == '\0' || strcmp(last, ".") == 0 ||
	    strcmp(last, "..") == 0) {
		at_log(log, LOG_ERR, "%s %s: path does not name a file", what,
		       path);
		goto out;
	}
	/* The directory part; components are cut out of rest in place. */
	len = (size_t)(last - path);
	switch (memo_reuse(path, len, what, owner_uid, log, dirfd, sticky)) {
	case 1:
		*name = last;
		*kept = true;
		r = AT_OK;
		goto out;
	case -1:
		goto out;
	}
	memcpy(rest, path, len);
	rest[len] = '\0';
	if ((fd = open_root(what, path, owner_uid, log, sticky)) < 0)
		goto out;
	strcpy(shown, "/");
	p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		comp = p;
		p += strcspn(p, "/");
		if (*p == '/')
			*p++ = '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		dotdot = strcmp(comp, "..") == 0;
		if (dotdot)
			shown_pop(shown);
		else if (!shown_push(shown, comp)) {
			at_log(log, LOG_ERR,
			       "%s %s: resolved path longer than %d bytes",
			       what, path, PATH_MAX - 1);
			goto out;
		}
		next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			if (errno == ENOENT && missing_ok) {
				r = AT_OK; /* no file: *dirfd stays -1 */
				goto out;
			}
			at_log(log, LOG_ERR, "%s %s: directory %s: %s", what,
			       path, shown, strerror(errno));
			goto out;
		}
		if (fstat(next, &st) != 0) {
			at_log(log, LOG_ERR, "%s %s: directory %s: fstat: %s",
			       what, path, shown, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			/* Its directory is checked: it cannot be swapped.
			 * In root's sticky one, anyone may have made it. */
			if (st.st_uid != 0 && st.st_uid != owner_uid) {
				at_log(log, LOG_ERR,
				       "%s %s: symbolic link %s: owned by uid "
				       "%lu, not root or %lu",
				       what, path, shown,
				       (unsigned long)st.st_uid,
				       (unsigned long)owner_uid);
				goto out;
			}
			if (++links > AT_MAX_SYMLINKS) {
				at_log(log, LOG_ERR,
				       "%s %s: more than %d symbolic links",
				       what, path, AT_MAX_SYMLINKS);
				goto out;
			}
			got = readlinkat(next, "", target, sizeof(target));
			if (got <= 0 || (size_t)got >= sizeof(target)) {
				at_log(log, LOG_ERR,
				       "%s %s: symbolic link %s: %s", what,
				       path, shown,
				       got < 0 ? strerror(errno)
					       : "empty or too long");
				goto out;
			}
			close(next);
			next = -1;
			shown_pop(shown);
			/* rest becomes target "/" what was left of rest. */
			remain = strlen(p);
			if ((size_t)got + 1 + remain >= sizeof(rest)) {
				at_log(log, LOG_ERR,
				       "%s %s: resolved path longer than %d "
				       "bytes",
				       what, path, PATH_MAX - 1);
				goto out;
			}
			memmove(rest + got + 1, p, remain + 1);
			memcpy(rest, target, (size_t)got);
			rest[got] = '/';
			p = rest;
			if (target[0] == '/') {
				close(fd);
				fd = open_root(what, path, owner_uid, log,
					       sticky);
				if (fd < 0)
					goto out;
				strcpy(shown, "/");
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			at_log(log, LOG_ERR, "%s %s: %s is not a directory",
			       what, path, shown);
			goto out;
		}
		if (!dir_ok(&st, shown, what, path, owner_uid, log))
			goto out;
		*sticky = st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0;
		close(fd);
		fd = next;
		next = -1;
	}
	*dirfd = fd;
	*name = last;
	fd = -1; /* transferred */
	r = AT_OK;
	if (memo.active) {
		memo_keep(path, len, owner_uid, *dirfd);
		*kept = true;
	}
out:
	if (*dirfd < 0)
		*sticky = false;
	if (next >= 0)
		close(next);
	if (fd >= 0)
		close(fd);
	return r;
}

enum at_err
at_path_open_dir(const char *path, const char *what, uid_t owner_uid,
		 bool missing_ok, const struct at_log *log, int *dirfd,
		 const char **name, bool *sticky)
{
	enum at_err r;
	bool kept;
	int fd;

	r = path_open_dir(path, what, owner_uid, missing_ok, log, &fd, name,
			  sticky, &kept);
	/* The caller owns what it gets: a copy of the memo's. */
	if (r == AT_OK && fd >= 0 && kept &&
	    (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		at_log(log, LOG_ERR, "%s %s: directory: %s", what, path,
		       strerror(errno));
		*name = NULL;
		*sticky = false;
		r = AT_ERR_FILE;
	}
	*dirfd = fd;
	return r;
}

enum at_err
at_path_check_dirs(const char *path, const char *what, uid_t owner_uid,
		   const struct at_log *log)
{
	enum at_err r = AT_ERR_INTERNAL;
	const char *name;
	bool sticky;
	int dirfd = -1;

	r = at_path_open_dir(path, what, owner_uid, false, log, &dirfd, &name,
			     &sticky);
	if (r != AT_OK)
		goto out;
	r = AT_OK;
out:
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

/*
 * Does fd carry an extended POSIX ACL (named users or groups, a mask)?
 * libacl's acl_extended_fd(): an access ACL longer than the three base
 * entries, which the mode bits already show.  With such an ACL the group
 * bits of st_mode are the mask, so a user named in it passes every mode
 * check.  A file system without POSIX ACLs has none.  1: yes, 0: no, -1:
 * could not tell (errno).
 */
static int
has_extended_acl(int fd)
{
	int r = acl_extended_fd(fd);

	if (r < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return 0;
	return r < 0 ? -1 : r > 0;
}

enum at_err
at_file_open(const char *path, enum at_file_kind kind, uid_t owner_uid,
	     bool missing_ok, const struct at_log *log, int *fdp,
	     struct stat *stp)
{
	enum at_err fail = kind == AT_FILE_SECRET ? AT_ERR_SECRET : AT_ERR_FILE;
	enum at_err r = fail;
	const char *what = kind == AT_FILE_SECRET ? "secret file" : "file";
	struct stat st;
	const char *name;
	bool sticky, kept = false;
	int fd = -1, dirfd = -1, acl;

	*fdp = -1;
	memset(stp, 0, sizeof(*stp));
	if (path_open_dir(path, what, owner_uid, missing_ok, log, &dirfd,
			  &name, &sticky, &kept) != AT_OK)
		goto out;
	if (dirfd < 0) {
		r = AT_OK; /* a directory on the path is missing */
		goto out;
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
	/* Before the mode: with an ACL the group bits are its mask, and a
	 * message about the group would blame the wrong thing. */
	if (kind == AT_FILE_SECRET && (acl = has_extended_acl(fd)) != 0) {
		if (acl < 0)
			at_log(log, LOG_ERR, "%s %s: cannot read its ACL: %s",
			       what, path, strerror(errno));
		else
			at_log(log, LOG_ERR,
			       "%s %s: has an extended POSIX ACL (entries for "
			       "a named user or group, or a mask), refused "
			       "whatever it grants: the group bits of its mode "
			       "(%04o) are the ACL's mask, not the group's "
			       "access; see getfacl %s, remove it with "
			       "setfacl -b %s",
			       what, path, (unsigned int)(st.st_mode & 07777),
			       path, path);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		/* A config file may have an ACL; name it when its mask is
		 * what makes the file group writable. */
		acl = (st.st_mode & S_IWGRP) != 0 ? has_extended_acl(fd) : 0;
		at_log(log, LOG_ERR,
		       "%s %s: mode %04o is group or world writable%s%s%s",
		       what, path, (unsigned int)(st.st_mode & 07777),
		       acl > 0 ? " (the group bits are a POSIX ACL's mask: a "
				 "named user or group may write; see getfacl "
			       : "",
		       acl > 0 ? path : "", acl > 0 ? ")" : "");
		goto out;
	}
	/* Root's sticky directory lets anyone add a name: a hard link to a
	 * file of root's would pass every check above. */
	if (sticky && st.st_nlink != 1) {
		at_log(log, LOG_ERR,
		       "%s %s: has %lu hard links in a sticky directory", what,
		       path, (unsigned long)st.st_nlink);
		goto out;
	}
	if (kind == AT_FILE_SECRET && (st.st_mode & S_IRWXO) != 0) {
		at_log(log, LOG_ERR,
		       "%s %s: mode %04o gives others access (chmod o-rwx)",
		       what, path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	*fdp = fd;
	*stp = st;
	fd = -1; /* transferred */
	r = AT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0 && !kept)
		close(dirfd);
	return r;
}

enum at_err
at_file_read_fd(int fd, const struct stat *st, size_t max, const char *path,
		enum at_file_kind kind, const struct at_log *log, char **buf,
		size_t *len)
{
	enum at_err r = kind == AT_FILE_SECRET ? AT_ERR_SECRET : AT_ERR_FILE;
	const char *what = kind == AT_FILE_SECRET ? "secret file" : "file";
	char *data = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;

	*buf = NULL;
	*len = 0;
	if (st->st_size < 0 || (uintmax_t)st->st_size > max) {
		at_log(log, LOG_ERR, "%s %s: larger than %zu bytes", what, path,
		       max);
		goto out;
	}
	/* st_size can change under us: read until EOF, bounded by cap. */
	cap = (size_t)st->st_size + 1;
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
	return r;
}

enum at_err
at_file_read(const char *path, enum at_file_kind kind, uid_t owner_uid,
	     bool missing_ok, const struct at_log *log, char **buf, size_t *len)
{
	enum at_err r;
	struct stat st;
	int fd = -1;

	*buf = NULL;
	*len = 0;
	r = at_file_open(path, kind, owner_uid, missing_ok, log, &fd, &st);
	if (r != AT_OK || fd < 0)
		goto out;
	r = at_file_read_fd(fd, &st, AT_MAX_FILE, path, kind, log, buf, len);
out:
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
