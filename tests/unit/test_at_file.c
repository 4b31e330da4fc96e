/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_file.c - lib/at_file.c: at_file_read()'s open/fstat rules
 * (no symlink, regular file, trusted owner, modes, size) for both file
 * kinds, POSIX ACLs (refused on a secret file; named in the message of a
 * writable config file), the directory rule of at_path_open_dir() (every
 * directory from "/" down), and at_file_next_line().
 *
 * The fixture directory is a private mkdtemp() directory under $TMPDIR
 * (else /tmp): its parents must pass the directory rule themselves (/tmp
 * is a root-owned sticky directory); the log line of a failing test names
 * the directory that does not.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <acl/libacl.h>
#include <cmocka.h>

#include "at.h"
#include "test_common.h"
#include "unit_test.h"

struct fixture {
	char *dir;
	struct unit_log ulog;
	char *buf;
	size_t len;
	char tmp_a[64], tmp_b[64]; /* files directly in /tmp, or "" */
	char *tmp_dir;		   /* a directory directly in /tmp, or NULL */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = test_mkdtemp();
	unit_log_init(&f->ulog);
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

/* rm -r of a fixture directory, not following symbolic links. */
static void
rm_tree(const char *dir)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	if (f->tmp_a[0] != '\0')
		unlink(f->tmp_a);
	if (f->tmp_b[0] != '\0')
		unlink(f->tmp_b);
	if (f->tmp_dir != NULL)
		rm_tree(f->tmp_dir);
	free(f->tmp_dir);
	rm_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Write name with content and mode, then at_file_read() it. */
static enum at_err
read_as(struct fixture *f, const char *content, mode_t mode,
	enum at_file_kind kind)
{
	char *path = test_path(f->dir, "file");
	enum at_err r;

	assert_int_equal(test_write_file(path, content, mode), 0);
	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	f->buf = NULL;
	r = at_file_read(path, kind, getuid(), false, &f->ulog.log, &f->buf,
			 &f->len);
	free(path);
	return r;
}

/* ------------------------------------------------------------------ */
/* config kind */

static void
test_config_0644_ok(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "a = b\n", 0644, AT_FILE_CONFIG), AT_OK);
	assert_non_null(f->buf);
	assert_int_equal(f->len, 6);
	assert_string_equal(f->buf, "a = b\n");
}

static void
test_config_0600_and_0444_ok(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "x", 0600, AT_FILE_CONFIG), AT_OK);
	assert_at(read_as(f, "x", 0444, AT_FILE_CONFIG), AT_OK);
}

static void
test_config_group_writable(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "x", 0664, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_null(f->buf);
	assert_int_equal(f->len, 0);
	assert_non_null(strstr(f->ulog.buf, "writable"));
	assert_at(read_as(f, "x", 0620, AT_FILE_CONFIG), AT_ERR_FILE);
}

static void
test_config_other_writable(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "x", 0646, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_at(read_as(f, "x", 0602, AT_FILE_CONFIG), AT_ERR_FILE);
}

static void
test_config_empty_file_ok(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "", 0644, AT_FILE_CONFIG), AT_OK);
	assert_non_null(f->buf);
	assert_int_equal(f->len, 0);
	assert_int_equal(f->buf[0], '\0');
}

/* ------------------------------------------------------------------ */
/* secret kind */

static void
test_secret_0600_ok(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "s\n", 0600, AT_FILE_SECRET), AT_OK);
	assert_string_equal(f->buf, "s\n");
	assert_at(read_as(f, "s\n", 0400, AT_FILE_SECRET), AT_OK);
}

static void
test_secret_0640_ok(void **state)
{
	assert_at(read_as(*state, "s\n", 0640, AT_FILE_SECRET), AT_OK);
}

static void
test_secret_0604_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(read_as(f, "s\n", 0604, AT_FILE_SECRET), AT_ERR_SECRET);
	assert_null(f->buf);
	assert_non_null(strstr(f->ulog.buf, "others access"));
}

static void
test_secret_0620_refused(void **state)
{
	assert_at(read_as(*state, "s\n", 0620, AT_FILE_SECRET), AT_ERR_SECRET);
}

static void
test_secret_0602_refused(void **state)
{
	assert_at(read_as(*state, "s\n", 0602, AT_FILE_SECRET), AT_ERR_SECRET);
}

static void
test_secret_0601_refused(void **state)
{
	assert_at(read_as(*state, "s\n", 0601, AT_FILE_SECRET), AT_ERR_SECRET);
}

static void
test_config_kind_allows_other_read(void **state)
{
	/* The same 0604 that a secret may not have is fine for config. */
	assert_at(read_as(*state, "s\n", 0604, AT_FILE_CONFIG), AT_OK);
}

/* ------------------------------------------------------------------ */
/* POSIX ACLs: with one, the group bits of the mode are the ACL's mask */

/*
 * Write path with content and mode, then give it the access ACL text
 * (acl(5) short form), as setfacl would.  Skips the test on a file system
 * without POSIX ACLs.  Returns the mode the file has then.
 */
static mode_t
write_with_acl(const char *path, const char *content, mode_t mode,
	       const char *text)
{
	struct stat st;
	acl_t acl;
	int rc;

	assert_int_equal(test_write_file(path, content, mode), 0);
	acl = acl_from_text(text);
	assert_non_null(acl);
	rc = acl_set_file(path, ACL_TYPE_ACCESS, acl);
	acl_free(acl);
	if (rc != 0 && errno == ENOTSUP) {
		print_message("no POSIX ACLs on this file system\n");
		skip();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* at_file_read() of path as kind, into the fixture's buffer. */
static enum at_err
read_acl_file(struct fixture *f, const char *path, enum at_file_kind kind)
{
	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	f->buf = NULL;
	f->ulog.buf[0] = '\0';
	return at_file_read(path, kind, getuid(), false, &f->ulog.log, &f->buf,
			    &f->len);
}

/* The log names the ACL and how to see and remove it, not the group. */
static void
assert_acl_refusal(struct fixture *f, const char *path)
{
	char want[PATH_MAX + 64];

	snprintf(want, sizeof(want),
		 "secret file %s: has an extended POSIX ACL", path);
	if (strstr(f->ulog.buf, want) == NULL ||
	    strstr(f->ulog.buf, "getfacl") == NULL ||
	    strstr(f->ulog.buf, "setfacl -b") == NULL)
		fail_msg("want \"%s\", getfacl and setfacl -b in: %s", want,
			 f->ulog.buf);
	assert_null(strstr(f->ulog.buf, "group or world"));
	assert_null(strstr(f->ulog.buf, "others access"));
	/* Refused for what it is, not for whom it lets read: with a mask
	 * of --- (test_secret_acl_mask_only) nobody else may. */
	assert_null(strstr(f->ulog.buf, "may read it"));
}

/* The reviewer's case: u:nobody:r-- makes a 0600 file look like 0640
 * (the mask r-- shows in the group bits), and nobody can read it. */
static void
test_secret_acl_named_user(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "secret");

	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,u:65534:r--,g::---,m::r--,"
					"o::---"),
			 0640);
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_ERR_SECRET);
	assert_null(f->buf);
	assert_int_equal(f->len, 0);
	assert_acl_refusal(f, path);
	/* Even with a mask that grants nothing. */
	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,u:65534:r--,g::---,m::---,"
					"o::---"),
			 0600);
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_ERR_SECRET);
	assert_acl_refusal(f, path);
	free(path);
}

static void
test_secret_acl_named_group(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "secret");

	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,g::---,g:65534:r--,m::r--,"
					"o::---"),
			 0640);
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_ERR_SECRET);
	assert_acl_refusal(f, path);
	free(path);
}

/* A mask alone is an extended ACL too (the group bits are the mask). */
static void
test_secret_acl_mask_only(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "secret");

	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,g::r--,m::---,o::---"),
			 0600);
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_ERR_SECRET);
	assert_acl_refusal(f, path);
	free(path);
}

/* The three base entries are the mode: not an extended ACL. */
static void
test_secret_acl_base_ok(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "secret");

	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,g::r--,o::---"),
			 0640);
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_OK);
	assert_string_equal(f->buf, "s\n");
	/* setfacl -b: the fix the message gives. */
	assert_int_equal(write_with_acl(path, "s\n", 0600,
					"u::rw-,u:65534:r--,g::---,m::r--,"
					"o::---"),
			 0640);
	{
		acl_t base = acl_from_mode(0600);

		assert_non_null(base);
		assert_int_equal(acl_set_file(path, ACL_TYPE_ACCESS, base), 0);
		acl_free(base);
	}
	assert_at(read_acl_file(f, path, AT_FILE_SECRET), AT_OK);
	free(path);
}

/*
 * A config file (or user map, or login.defs) may be read by anyone, so a
 * named-user read entry is fine; a named-user write entry shows in the
 * mask, so the group bits say group writable: refused, and the message
 * says an ACL is behind it.
 */
static void
test_config_acl(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "conf");

	assert_int_equal(write_with_acl(path, "a = b\n", 0644,
					"u::rw-,u:65534:r--,g::r--,m::r--,"
					"o::r--"),
			 0644);
	assert_at(read_acl_file(f, path, AT_FILE_CONFIG), AT_OK);
	assert_int_equal(write_with_acl(path, "a = b\n", 0644,
					"u::rw-,u:65534:rw-,g::r--,m::rw-,"
					"o::r--"),
			 0664);
	assert_at(read_acl_file(f, path, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_null(f->buf);
	assert_non_null(strstr(f->ulog.buf, "mode 0664 is group or world "
					    "writable"));
	assert_non_null(strstr(f->ulog.buf, "POSIX ACL"));
	assert_non_null(strstr(f->ulog.buf, "getfacl"));
	/* Named group write: the same. */
	assert_int_equal(write_with_acl(path, "a = b\n", 0644,
					"u::rw-,g::r--,g:65534:rw-,m::rw-,"
					"o::r--"),
			 0664);
	assert_at(read_acl_file(f, path, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "POSIX ACL"));
	/* Plain group write names no ACL. */
	f->ulog.buf[0] = '\0';
	assert_at(read_as(f, "x", 0664, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "group or world writable"));
	assert_null(strstr(f->ulog.buf, "ACL"));
	free(path);
}

/* ------------------------------------------------------------------ */
/* what the path points at */

static void
test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char *target = test_path(f->dir, "target");
	char *link = test_path(f->dir, "link");

	assert_int_equal(test_write_file(target, "s\n", 0600), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_at(at_file_read(link, AT_FILE_SECRET, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_SECRET);
	assert_at(at_file_read(link, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_null(f->buf);
	assert_non_null(strstr(f->ulog.buf, "symbolic link"));
	/* The target itself is fine. */
	assert_at(at_file_read(target, AT_FILE_SECRET, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	free(target);
	free(link);
}

static void
test_directory_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(at_file_read(f->dir, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_at(at_file_read(f->dir, AT_FILE_SECRET, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_SECRET);
	assert_null(f->buf);
}

static void
test_fifo_refused(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "fifo");

	/* Opening a FIFO must neither block nor be accepted. */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "not a regular file"));
	free(path);
}

static void
test_missing_refused(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "missing");

	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_at(at_file_read(path, AT_FILE_SECRET, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_SECRET);
	free(path);
}

static void
test_missing_ok(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "missing");

	f->len = 99;
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	assert_null(f->buf);
	assert_int_equal(f->len, 0);
	free(path);
}

static void
test_missing_ok_does_not_excuse_unsafe(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "file");

	assert_int_equal(test_write_file(path, "x", 0666), 0);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	free(path);
}

static void
test_relative_path_refused(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "file");

	assert_int_equal(test_write_file(path, "x", 0600), 0);
	/* Even when the relative name exists from the current directory. */
	assert_int_equal(chdir(f->dir), 0);
	assert_at(at_file_read("file", AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_at(at_file_read("./file", AT_FILE_SECRET, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_SECRET);
	assert_at(at_file_read("", AT_FILE_CONFIG, getuid(), true, &f->ulog.log,
			       &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "not absolute"));
	assert_int_equal(chdir("/"), 0);
	free(path);
}

static void
test_owner_checked(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "file");
	uid_t other = 54321;

	assert_int_equal(test_write_file(path, "x", 0600), 0);
	if (getuid() == 0) {
		/* Root-owned files are always trusted: hand it to another
		 * uid, then only that uid (or root) may own it. */
		assert_int_equal(chown(path, other, (gid_t)-1), 0);
		assert_at(at_file_read(path, AT_FILE_SECRET, 0, false,
				       &f->ulog.log, &f->buf, &f->len),
			  AT_ERR_SECRET);
		assert_at(at_file_read(path, AT_FILE_CONFIG, 0, false,
				       &f->ulog.log, &f->buf, &f->len),
			  AT_ERR_FILE);
		assert_non_null(strstr(f->ulog.buf, "owned by uid 54321"));
		assert_at(at_file_read(path, AT_FILE_SECRET, other, false,
				       &f->ulog.log, &f->buf, &f->len),
			  AT_OK);
	} else {
		/* Ours, but the caller expects another owner. */
		assert_at(at_file_read(path, AT_FILE_SECRET, getuid() + 1,
				       false, &f->ulog.log, &f->buf, &f->len),
			  AT_ERR_SECRET);
		assert_at(at_file_read(path, AT_FILE_SECRET, getuid(), false,
				       &f->ulog.log, &f->buf, &f->len),
			  AT_OK);
	}
	free(path);
}

static void
test_size_limit(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(AT_MAX_FILE + 2);

	assert_non_null(big);
	memset(big, 'x', AT_MAX_FILE + 1);
	big[AT_MAX_FILE] = '\0';
	assert_at(read_as(f, big, 0600, AT_FILE_CONFIG), AT_OK);
	assert_int_equal(f->len, AT_MAX_FILE);
	big[AT_MAX_FILE] = 'x';
	big[AT_MAX_FILE + 1] = '\0';
	assert_at(read_as(f, big, 0600, AT_FILE_CONFIG), AT_ERR_FILE);
	assert_at(read_as(f, big, 0600, AT_FILE_SECRET), AT_ERR_SECRET);
	free(big);
}

static void
test_embedded_nul_read_whole(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "file");
	FILE *fp;

	/* The buffer holds every byte; the line reader rejects the NUL. */
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite("a\0b\n", 1, 4, fp), 4);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	assert_int_equal(f->len, 4);
	assert_memory_equal(f->buf, "a\0b\n", 5);
	free(path);
}

/* ------------------------------------------------------------------ */
/* the directories on the path (sshd StrictModes) */

/* An unused uid: not in the passwd database. */
static uid_t
unused_uid(void)
{
	uid_t u = 54321;

	while (getpwuid(u) != NULL)
		u++;
	return u;
}

/* mkdir dir/name with exactly mode (chmod after mkdir: the umask). */
static char *
mkdir_mode(const char *dir, const char *name, mode_t mode)
{
	char *p = test_path(dir, name);

	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

/* Write dir/name (0600) and at_file_read() it through path. */
static enum at_err
read_path(struct fixture *f, const char *dir, const char *path,
	  enum at_file_kind kind, uid_t owner)
{
	char *file = test_path(dir, "file");

	unlink(file);
	assert_int_equal(test_write_file(file, "k = v\n", 0600), 0);
	free(file);
	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	f->buf = NULL;
	f->ulog.buf[0] = '\0';
	return at_file_read(path, kind, owner, false, &f->ulog.log, &f->buf,
			    &f->len);
}

/* dir/file through at_file_read(), both kinds; returns the secret kind's
 * result after checking that the config kind agrees. */
static enum at_err
read_in(struct fixture *f, const char *dir, uid_t owner)
{
	char *path = test_path(dir, "file");
	enum at_err r, rc;

	r = read_path(f, dir, path, AT_FILE_SECRET, owner);
	rc = read_path(f, dir, path, AT_FILE_CONFIG, owner);
	free(path);
	if (r == AT_OK)
		assert_at(rc, AT_OK);
	else
		assert_at(rc, AT_ERR_FILE);
	return r;
}

/* The capture holds a line naming dir and containing what. */
static void
assert_logged(const struct fixture *f, const char *dir, const char *what)
{
	char needle[PATH_MAX + 32];

	snprintf(needle, sizeof(needle), "directory %s:", dir);
	if (strstr(f->ulog.buf, needle) == NULL ||
	    strstr(f->ulog.buf, what) == NULL)
		fail_msg("want \"%s\" and \"%s\" in the log, got: %s", needle,
			 what, f->ulog.buf);
}

static void
test_dir_private_ok(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "d", 0755);

	assert_at(read_in(f, d, getuid()), AT_OK);
	assert_string_equal(f->buf, "k = v\n");
	free(d);
}

static void
test_dir_group_writable(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "d", 0770);

	assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	assert_null(f->buf);
	assert_logged(f, d, "mode 0770");
	/* setgid does not change that. */
	assert_int_equal(chmod(d, 02775), 0);
	assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	assert_logged(f, d, "mode 2775");
	free(d);
}

static void
test_dir_other_writable(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "d", 0757);

	assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	assert_logged(f, d, "mode 0757");
	assert_int_equal(chmod(d, 0703), 0);
	assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	assert_logged(f, d, "mode 0703");
	free(d);
}

static void
test_dir_other_owner(void **state)
{
	struct fixture *f = *state;
	uid_t other = unused_uid();
	char *d, want[64];

	if (geteuid() != 0) {
		/* Only root can give a directory to another uid. */
		print_message("SKIP test_dir_other_owner: needs root to chown "
			      "a directory to an unused uid (running as uid "
			      "%lu)\n",
			      (unsigned long)geteuid());
		skip();
	}
	d = mkdir_mode(f->dir, "d", 0755);
	assert_int_equal(chown(d, other, (gid_t)-1), 0);
	assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	snprintf(want, sizeof(want), "owned by uid %lu", (unsigned long)other);
	assert_logged(f, d, want);
	/* That uid is the trusted owner: the directory is fine, the file
	 * (root's) too. */
	assert_at(read_in(f, d, other), AT_OK);
	free(d);
}

static void
test_dir_grandparent(void **state)
{
	struct fixture *f = *state;
	char *a = mkdir_mode(f->dir, "a", 0775);
	char *b = mkdir_mode(a, "b", 0700);

	assert_at(read_in(f, b, getuid()), AT_ERR_SECRET);
	assert_logged(f, a, "mode 0775");
	/* Fixed above, the file is read. */
	assert_int_equal(chmod(a, 0755), 0);
	assert_at(read_in(f, b, getuid()), AT_OK);
	free(a);
	free(b);
}

static void
test_dir_sticky_root_ok(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char *priv, *d;

	/* /tmp, root's and sticky, holding a private directory. */
	if (stat("/tmp", &st) != 0 || st.st_uid != 0 ||
	    (st.st_mode & 01777) != 01777) {
		print_message("SKIP test_dir_sticky_root_ok: /tmp is not a "
			      "root-owned mode 1777 directory here\n");
		skip();
	}
	priv = f->tmp_dir = strdup("/tmp/at-test-sticky-XXXXXX");
	assert_non_null(priv);
	assert_non_null(mkdtemp(priv));
	assert_at(read_in(f, priv, getuid()), AT_OK);
	if (geteuid() == 0) {
		/* Root's sticky directories, group or world writable. */
		d = mkdir_mode(f->dir, "sticky", 01777);
		assert_at(read_in(f, d, getuid()), AT_OK);
		assert_int_equal(chmod(d, 01770), 0);
		assert_at(read_in(f, d, getuid()), AT_OK);
		free(d);
	}
}

static void
test_dir_sticky_not_root_refused(void **state)
{
	struct fixture *f = *state;
	uid_t other = unused_uid();
	char *d = mkdir_mode(f->dir, "sticky", 01777);

	if (geteuid() == 0) {
		/* Another uid's sticky directory: that uid can rename what
		 * is in it. */
		assert_int_equal(chown(d, other, (gid_t)-1), 0);
		assert_at(read_in(f, d, other), AT_ERR_SECRET);
	} else {
		/* Even the trusted owner's own: only root's may be. */
		assert_at(read_in(f, d, getuid()), AT_ERR_SECRET);
	}
	assert_logged(f, d, "mode 1777");
	free(d);
}

static void
test_dir_symlink_component_ok(void **state)
{
	struct fixture *f = *state;
	char *real = mkdir_mode(f->dir, "real", 0700);
	char *link = test_path(f->dir, "link");
	char *rel = test_path(f->dir, "rel");
	char *path;

	/* A link to a directory, in a safe directory: followed. */
	assert_int_equal(symlink(real, link), 0);
	path = test_path(link, "file");
	assert_at(read_path(f, real, path, AT_FILE_SECRET, getuid()), AT_OK);
	assert_string_equal(f->buf, "k = v\n");
	free(path);
	/* A relative target, with "..". */
	assert_int_equal(symlink("sub/../real", rel), 0);
	free(mkdir_mode(f->dir, "sub", 0755));
	path = test_path(rel, "file");
	assert_at(read_path(f, real, path, AT_FILE_CONFIG, getuid()), AT_OK);
	free(path);
	free(real);
	free(link);
	free(rel);
}

static void
test_dir_merged_usr(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	int dirfd = -1;
	const char *name = NULL;
	bool sticky = true;

	/* Debian 12: /lib -> usr/lib, root's link in root's "/". */
	if (lstat("/lib", &st) != 0 || !S_ISLNK(st.st_mode) ||
	    stat("/usr/lib/os-release", &st) != 0) {
		print_message("SKIP test_dir_merged_usr: /lib is not a "
			      "symbolic link (merged /usr) or there is no "
			      "/usr/lib/os-release\n");
		skip();
	}
	assert_at(at_file_read("/lib/os-release", AT_FILE_CONFIG, getuid(),
			       false, &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	assert_non_null(f->buf);
	assert_at(at_path_open_dir("/lib/os-release", "file", getuid(), false,
				   &f->ulog.log, &dirfd, &name, &sticky),
		  AT_OK);
	assert_true(dirfd >= 0);
	assert_string_equal(name, "os-release");
	assert_false(sticky);
	assert_int_equal(fstat(dirfd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(dirfd);
	assert_at(at_path_check_dirs("/lib/no-such-file", "file", getuid(),
				     &f->ulog.log),
		  AT_OK);
}

static void
test_dir_symlink_in_unsafe_dir(void **state)
{
	struct fixture *f = *state;
	char *real = mkdir_mode(f->dir, "real", 0700);
	char *gw = mkdir_mode(f->dir, "gw", 0775);
	char *link = test_path(gw, "link");
	char *path = test_path(link, "file");

	/* realpath() alone would check only real's parents: the directory
	 * that holds the link is on the path too. */
	assert_int_equal(symlink(real, link), 0);
	assert_at(read_path(f, real, path, AT_FILE_SECRET, getuid()),
		  AT_ERR_SECRET);
	assert_logged(f, gw, "mode 0775");
	free(real);
	free(gw);
	free(link);
	free(path);
}

static void
test_dir_symlink_to_unsafe_dir(void **state)
{
	struct fixture *f = *state;
	char *bad = mkdir_mode(f->dir, "bad", 0777);
	char *link = test_path(f->dir, "link");
	char *path = test_path(link, "file");

	assert_int_equal(symlink(bad, link), 0);
	assert_at(read_path(f, bad, path, AT_FILE_SECRET, getuid()),
		  AT_ERR_SECRET);
	assert_logged(f, bad, "mode 0777");
	free(bad);
	free(link);
	free(path);
}

static void
test_dir_symlink_owner(void **state)
{
	struct fixture *f = *state;
	uid_t other = unused_uid();
	char *st, *real, *link, *path, want[PATH_MAX + 64];

	if (geteuid() != 0) {
		print_message("SKIP test_dir_symlink_owner: needs root to "
			      "lchown a link to an unused uid (running as uid "
			      "%lu)\n",
			      (unsigned long)geteuid());
		skip();
	}
	/* In root's sticky directory anyone can add a link; only root's
	 * and the owner's are followed. */
	st = mkdir_mode(f->dir, "sticky", 01777);
	real = mkdir_mode(f->dir, "real", 0700);
	link = test_path(st, "link");
	path = test_path(link, "file");
	assert_int_equal(symlink(real, link), 0);
	assert_at(read_path(f, real, path, AT_FILE_SECRET, 0), AT_OK);
	assert_int_equal(lchown(link, other, (gid_t)-1), 0);
	assert_at(read_path(f, real, path, AT_FILE_SECRET, 0), AT_ERR_SECRET);
	snprintf(want, sizeof(want), "symbolic link %s: owned by uid %lu", link,
		 (unsigned long)other);
	if (strstr(f->ulog.buf, want) == NULL)
		fail_msg("want \"%s\" in the log, got: %s", want, f->ulog.buf);
	free(st);
	free(real);
	free(link);
	free(path);
}

static void
test_dir_symlink_loop(void **state)
{
	struct fixture *f = *state;
	char *a = test_path(f->dir, "a"), *b = test_path(f->dir, "b");
	char *path = test_path(a, "file");

	assert_int_equal(symlink("b", a), 0);
	assert_int_equal(symlink("a", b), 0);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "symbolic links"));
	free(a);
	free(b);
	free(path);
}

static void
test_dir_symlink_chain(void **state)
{
	struct fixture *f = *state;
	char *real = mkdir_mode(f->dir, "real", 0700);
	char name[32], to[32], *link, *path;
	int i;

	/* l1 -> l2 -> ... -> l40 -> real: 40 links, as many as the kernel
	 * follows; l0 makes 41. */
	for (i = 0; i <= AT_MAX_SYMLINKS; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		if (i == AT_MAX_SYMLINKS)
			snprintf(to, sizeof(to), "real");
		else
			snprintf(to, sizeof(to), "l%d", i + 1);
		link = test_path(f->dir, name);
		assert_int_equal(symlink(to, link), 0);
		free(link);
	}
	assert_int_equal(AT_MAX_SYMLINKS, 40);
	link = test_path(f->dir, "l1");
	path = test_path(link, "file");
	assert_at(read_path(f, real, path, AT_FILE_CONFIG, getuid()), AT_OK);
	free(link);
	free(path);
	link = test_path(f->dir, "l0");
	path = test_path(link, "file");
	assert_at(read_path(f, real, path, AT_FILE_CONFIG, getuid()),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "more than 40 symbolic links"));
	free(link);
	free(path);
	free(real);
}

static void
test_dir_not_a_directory(void **state)
{
	struct fixture *f = *state;
	char *file = test_path(f->dir, "plain");
	char *path = test_path(file, "file");

	assert_int_equal(test_write_file(file, "x", 0600), 0);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "not a directory"));
	free(file);
	free(path);
}

static void
test_dir_dotdot(void **state)
{
	struct fixture *f = *state;
	char *sub = mkdir_mode(f->dir, "sub", 0755);
	char *gw = mkdir_mode(f->dir, "gw", 0775);
	char path[PATH_MAX];

	/* ".." is the directory's real parent, as for the kernel. */
	snprintf(path, sizeof(path), "%s/sub/../file", f->dir);
	assert_at(read_path(f, f->dir, path, AT_FILE_SECRET, getuid()), AT_OK);
	snprintf(path, sizeof(path), "%s/./sub//.././file", f->dir);
	assert_at(read_path(f, f->dir, path, AT_FILE_SECRET, getuid()), AT_OK);
	snprintf(path, sizeof(path), "/../..%s/file", f->dir);
	assert_at(read_path(f, f->dir, path, AT_FILE_SECRET, getuid()), AT_OK);
	/* Every directory the path passes through is checked, even one
	 * it leaves again. */
	snprintf(path, sizeof(path), "%s/gw/../file", f->dir);
	assert_at(read_path(f, f->dir, path, AT_FILE_SECRET, getuid()),
		  AT_ERR_SECRET);
	assert_logged(f, gw, "mode 0775");
	free(sub);
	free(gw);
}

static void
test_dir_path_names_no_file(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	static const char *const tails[] = { "/", "/.", "/..", "/file/" };
	size_t i;

	snprintf(path, sizeof(path), "%s/file", f->dir);
	assert_int_equal(test_write_file(path, "k = v\n", 0600), 0);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", f->dir, tails[i]);
		f->ulog.buf[0] = '\0';
		assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
				       &f->ulog.log, &f->buf, &f->len),
			  AT_ERR_FILE);
		assert_null(f->buf);
		assert_non_null(strstr(f->ulog.buf, "does not name a file"));
	}
}

static void
test_dir_missing_parent(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	/* A missing directory is a missing file... */
	snprintf(path, sizeof(path), "%s/no-dir/file", f->dir);
	f->len = 9;
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	assert_null(f->buf);
	assert_int_equal(f->len, 0);
	assert_at(at_file_read(path, AT_FILE_SECRET, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_SECRET);
	assert_non_null(strstr(f->ulog.buf, "no-dir"));
	/* ...but not when an unsafe directory comes first. */
	free(mkdir_mode(f->dir, "gw", 0775));
	snprintf(path, sizeof(path), "%s/gw/no-dir/file", f->dir);
	assert_at(at_file_read(path, AT_FILE_CONFIG, getuid(), true,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
}

static void
test_sticky_dir_hard_link(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char *a = f->tmp_a, *b = f->tmp_b, *x, *y;

	/* In a sticky directory anyone may link a file of root's under a
	 * name the administrator meant to create: one link only. */
	if (stat("/tmp", &st) != 0 || st.st_uid != 0 ||
	    (st.st_mode & 01777) != 01777) {
		print_message("SKIP test_sticky_dir_hard_link: /tmp is not a "
			      "root-owned mode 1777 directory here\n");
		skip();
	}
	/* Removed by teardown, even when an assertion fails. */
	snprintf(a, sizeof(f->tmp_a), "/tmp/at-test-link-%ld-a",
		 (long)getpid());
	snprintf(b, sizeof(f->tmp_b), "/tmp/at-test-link-%ld-b",
		 (long)getpid());
	unlink(b);
	assert_int_equal(test_write_file(a, "k = v\n", 0600), 0);
	assert_at(at_file_read(a, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	at_freezero(f->buf, f->len + 1);
	f->buf = NULL;
	assert_int_equal(link(a, b), 0);
	assert_at(at_file_read(b, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "2 hard links"));
	unlink(a);
	unlink(b);
	/* Outside a sticky directory a second link is the owner's doing. */
	x = test_path(f->dir, "x");
	y = test_path(f->dir, "y");
	assert_int_equal(test_write_file(x, "k = v\n", 0600), 0);
	assert_int_equal(link(x, y), 0);
	assert_at(at_file_read(y, AT_FILE_CONFIG, getuid(), false,
			       &f->ulog.log, &f->buf, &f->len),
		  AT_OK);
	free(x);
	free(y);
}

static void
test_path_check_dirs(void **state)
{
	struct fixture *f = *state;
	char *gw = mkdir_mode(f->dir, "gw", 0775);
	char path[PATH_MAX];

	/* The file itself need not exist: only its directories count. */
	snprintf(path, sizeof(path), "%s/state.db", f->dir);
	assert_at(at_path_check_dirs(path, "database", getuid(), &f->ulog.log),
		  AT_OK);
	snprintf(path, sizeof(path), "%s/state.db", gw);
	assert_at(at_path_check_dirs(path, "database", getuid(), &f->ulog.log),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "database "));
	assert_logged(f, gw, "mode 0775");
	/* A missing directory is an error here. */
	snprintf(path, sizeof(path), "%s/none/state.db", f->dir);
	assert_at(at_path_check_dirs(path, "database", getuid(), &f->ulog.log),
		  AT_ERR_FILE);
	assert_at(at_path_check_dirs("state.db", "database", getuid(),
				     &f->ulog.log),
		  AT_ERR_FILE);
	free(gw);
}

/* ------------------------------------------------------------------ */
/* the walk memo (at_walk_memo_begin/end) */

/* How many descriptors this process has open. */
static int
open_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static enum at_err
read_into(struct fixture *f, const char *path)
{
	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	f->buf = NULL;
	return at_file_read(path, AT_FILE_SECRET, getuid(), false,
			    &f->ulog.log, &f->buf, &f->len);
}

/*
 * Within a memo, a second file of the same directory is opened relative
 * to the directory the first walk checked: swapping the directory for
 * another by rename does not redirect it (it reads the first directory's
 * file), and outside the memo the path is walked again.
 */
static void
test_memo_same_directory(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "keys", 0700);
	char *moved = test_path(f->dir, "keys.old");
	char *a = test_path(d, "a"), *b = test_path(d, "b");
	int fds = open_fds();

	assert_int_equal(test_write_file(a, "first\n", 0600), 0);
	assert_int_equal(test_write_file(b, "old b\n", 0600), 0);
	at_walk_memo_begin();
	assert_at(read_into(f, a), AT_OK);
	/* keys is now another directory with another b. */
	assert_int_equal(rename(d, moved), 0);
	free(mkdir_mode(f->dir, "keys", 0700));
	assert_int_equal(test_write_file(b, "new b\n", 0600), 0);
	assert_at(read_into(f, b), AT_OK);
	assert_string_equal(f->buf, "old b\n");
	at_walk_memo_end();
	assert_int_equal(open_fds(), fds);
	assert_at(read_into(f, b), AT_OK);
	assert_string_equal(f->buf, "new b\n");
	/* Repeated ends and a memo that kept nothing are harmless. */
	at_walk_memo_end();
	at_walk_memo_begin();
	at_walk_memo_end();
	assert_int_equal(open_fds(), fds);
	free(a);
	free(b);
	free(moved);
	free(d);
}

/* The kept directory's own owner and mode are checked again on reuse:
 * a chmod between the two reads refuses the second. */
static void
test_memo_rechecks_directory(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "keys", 0700);
	char *a = test_path(d, "a"), *b = test_path(d, "b");

	assert_int_equal(test_write_file(a, "a\n", 0600), 0);
	assert_int_equal(test_write_file(b, "b\n", 0600), 0);
	at_walk_memo_begin();
	assert_at(read_into(f, a), AT_OK);
	assert_int_equal(chmod(d, 0777), 0);
	assert_at(read_into(f, b), AT_ERR_SECRET);
	assert_logged(f, d, "mode 0777");
	at_walk_memo_end();
	assert_int_equal(chmod(d, 0700), 0);
	assert_at(read_into(f, b), AT_OK);
	free(a);
	free(b);
	free(d);
}

/* Only the same directory, spelled the same, is reused: a file in a
 * subdirectory, or the same directory spelled otherwise, is walked. */
static void
test_memo_other_directory_walked(void **state)
{
	struct fixture *f = *state;
	char *d = mkdir_mode(f->dir, "keys", 0700);
	char *sub = mkdir_mode(d, "sub", 0777);
	char *a = test_path(d, "a"), *c = test_path(sub, "c");
	char dotted[PATH_MAX];

	assert_int_equal(test_write_file(a, "a\n", 0600), 0);
	assert_int_equal(test_write_file(c, "c\n", 0600), 0);
	snprintf(dotted, sizeof(dotted), "%s/./a", d);
	at_walk_memo_begin();
	assert_at(read_into(f, a), AT_OK);
	/* sub is world writable: only a walk of it refuses. */
	assert_at(read_into(f, c), AT_ERR_SECRET);
	assert_logged(f, sub, "mode 0777");
	assert_at(read_into(f, dotted), AT_OK);
	at_walk_memo_end();
	free(a);
	free(c);
	free(sub);
	free(d);
}

/* ------------------------------------------------------------------ */
/* at_file_next_line */

static void
test_lines_basic(void **state)
{
	static const char buf[] = "one\r\n\ntwo\nthree";
	const char *line;
	size_t pos = 0, n;

	(void)state;
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 3);
	assert_memory_equal(line, "one", 3);
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 0);
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 3);
	assert_memory_equal(line, "two", 3);
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 5);
	assert_memory_equal(line, "three", 5);
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 0);
	assert_null(line);
	assert_int_equal(n, 0);
}

static void
test_lines_only_one_cr_stripped(void **state)
{
	static const char buf[] = "a\r\r\n \r\n";
	const char *line;
	size_t pos = 0, n;

	(void)state;
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 2);
	assert_memory_equal(line, "a\r", 2);
	/* Spaces are the caller's business. */
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 1);
	assert_int_equal(n, 1);
	assert_int_equal(at_file_next_line(buf, strlen(buf), &pos, &line, &n),
			 0);
}

static void
test_lines_empty_buffer(void **state)
{
	const char *line;
	size_t pos = 0, n;

	(void)state;
	assert_int_equal(at_file_next_line("", 0, &pos, &line, &n), 0);
}

static void
test_lines_too_long(void **state)
{
	char *buf = malloc(2 * AT_MAX_LINE + 8);
	const char *line;
	size_t pos = 0, n;

	(void)state;
	assert_non_null(buf);
	/* AT_MAX_LINE bytes plus "\r\n" is fine; one more byte is not. */
	memset(buf, 'a', AT_MAX_LINE);
	memcpy(buf + AT_MAX_LINE, "\r\n", 2);
	memset(buf + AT_MAX_LINE + 2, 'b', AT_MAX_LINE + 1);
	buf[2 * AT_MAX_LINE + 3] = '\n';
	assert_int_equal(
		at_file_next_line(buf, 2 * AT_MAX_LINE + 4, &pos, &line, &n),
		1);
	assert_int_equal(n, AT_MAX_LINE);
	assert_int_equal(
		at_file_next_line(buf, 2 * AT_MAX_LINE + 4, &pos, &line, &n),
		AT_ERR_FORMAT);
	free(buf);
}

static void
test_lines_nul(void **state)
{
	static const char buf[] = {'o', 'k', '\n', 'a', '\0', 'b', '\n'};
	const char *line;
	size_t pos = 0, n;

	(void)state;
	assert_int_equal(at_file_next_line(buf, sizeof(buf), &pos, &line, &n),
			 1);
	assert_int_equal(at_file_next_line(buf, sizeof(buf), &pos, &line, &n),
			 AT_ERR_FORMAT);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config_0644_ok),
		T(test_config_0600_and_0444_ok),
		T(test_config_group_writable),
		T(test_config_other_writable),
		T(test_config_empty_file_ok),
		T(test_secret_0600_ok),
		T(test_secret_0640_ok),
		T(test_secret_0604_refused),
		T(test_secret_0620_refused),
		T(test_secret_0602_refused),
		T(test_secret_0601_refused),
		T(test_config_kind_allows_other_read),
		T(test_secret_acl_named_user),
		T(test_secret_acl_named_group),
		T(test_secret_acl_mask_only),
		T(test_secret_acl_base_ok),
		T(test_config_acl),
		T(test_symlink_refused),
		T(test_directory_refused),
		T(test_fifo_refused),
		T(test_missing_refused),
		T(test_missing_ok),
		T(test_missing_ok_does_not_excuse_unsafe),
		T(test_relative_path_refused),
		T(test_owner_checked),
		T(test_size_limit),
		T(test_embedded_nul_read_whole),
		T(test_dir_private_ok),
		T(test_dir_group_writable),
		T(test_dir_other_writable),
		T(test_dir_other_owner),
		T(test_dir_grandparent),
		T(test_dir_sticky_root_ok),
		T(test_dir_sticky_not_root_refused),
		T(test_dir_symlink_component_ok),
		T(test_dir_merged_usr),
		T(test_dir_symlink_in_unsafe_dir),
		T(test_dir_symlink_to_unsafe_dir),
		T(test_dir_symlink_owner),
		T(test_dir_symlink_loop),
		T(test_dir_symlink_chain),
		T(test_dir_not_a_directory),
		T(test_dir_dotdot),
		T(test_dir_path_names_no_file),
		T(test_dir_missing_parent),
		T(test_sticky_dir_hard_link),
		T(test_path_check_dirs),
		T(test_memo_same_directory),
		T(test_memo_rechecks_directory),
		T(test_memo_other_directory_walked),
		cmocka_unit_test(test_lines_basic),
		cmocka_unit_test(test_lines_only_one_cr_stripped),
		cmocka_unit_test(test_lines_empty_buffer),
		cmocka_unit_test(test_lines_too_long),
		cmocka_unit_test(test_lines_nul),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
