/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_file.c - lib/at_file.c: at_file_read()'s open/fstat rules
 * (no symlink, regular file, trusted owner, modes, size) for both file
 * kinds, and at_file_next_line().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "at.h"
#include "test_common.h"
#include "unit_test.h"

struct fixture {
	char *dir;
	struct unit_log ulog;
	char *buf;
	size_t len;
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
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->buf != NULL)
		at_freezero(f->buf, f->len + 1);
	test_rmdir(f->dir);
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
		cmocka_unit_test(test_lines_basic),
		cmocka_unit_test(test_lines_only_one_cr_stripped),
		cmocka_unit_test(test_lines_empty_buffer),
		cmocka_unit_test(test_lines_too_long),
		cmocka_unit_test(test_lines_nul),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
