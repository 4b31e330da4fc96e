/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_policy.c - lib/at_policy.c: the strict login.defs UID_MIN /
 * UID_MAX reader (one test per rejection path, and the shapes shadow
 * writes) and the local-account policy (root, uids outside
 * UID_MIN..UID_MAX, uids up to 99, nobody and the invalid uids refused
 * unless user_map or allow_system_users).
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
	char *path; /* dir/login.defs */
	struct unit_log ulog;
	struct at_config cfg;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = test_mkdtemp();
	f->path = test_path(f->dir, "login.defs");
	unit_log_init(&f->ulog);
	at_config_init(&f->cfg);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_config_clear(&f->cfg);
	test_rmdir(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* at_login_defs_parse() of a C string; *range as it left it. */
static enum at_err
parse(struct fixture *f, const char *text, struct at_uid_range *range)
{
	f->ulog.buf[0] = '\0';
	range->min = range->max = 4242; /* must be overwritten */
	return at_login_defs_parse(text, strlen(text), "test.defs",
				   &f->ulog.log, range);
}

static void
assert_range(struct fixture *f, const char *text, uid_t min, uid_t max)
{
	struct at_uid_range got;

	assert_at(parse(f, text, &got), AT_OK);
	assert_int_equal(got.min, min);
	assert_int_equal(got.max, max);
}

static void
assert_uid_min(struct fixture *f, const char *text, uid_t want)
{
	assert_range(f, text, want, AT_DEFAULT_UID_MAX);
}

/* Refused, with *range left at the defaults, and logged. */
static void
assert_refused(struct fixture *f, const char *text, const char *log)
{
	struct at_uid_range got;

	assert_at(parse(f, text, &got), AT_ERR_FILE);
	assert_int_equal(got.min, AT_DEFAULT_UID_MIN);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
	if (strstr(f->ulog.buf, log) == NULL)
		fail_msg("want \"%s\" in the log, got: %s", log, f->ulog.buf);
}

/* ------------------------------------------------------------------ */
/* the reader: what it accepts */

static void
test_defs_debian(void **state)
{
	/* The lines around UID_MIN in Debian 12's /etc/login.defs. */
	assert_range(*state,
		       "#\n# Min/max values for automatic uid selection in "
		       "useradd(8)\n#\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\n"
		       "# System accounts\n#SYS_UID_MIN\t\t  100\n"
		       "#SYS_UID_MAX\t\t  999\n",
		       1000, 60000);
}

static void
test_defs_value(void **state)
{
	struct fixture *f = *state;

	assert_uid_min(f, "UID_MIN 500\n", 500);
	assert_uid_min(f, "UID_MIN 0\n", 0);
	assert_range(f, "UID_MIN 4294967294\nUID_MAX 4294967294\n",
		     4294967294U, 4294967294U);
	assert_uid_min(f, "UID_MIN 60000\n", 60000);
	/* Leading and trailing blanks, CRLF, no final newline. */
	assert_uid_min(f, "  \tUID_MIN \t 2000 \t\r\n", 2000);
	assert_uid_min(f, "UID_MIN 3000", 3000);
}

static void
test_defs_default(void **state)
{
	struct fixture *f = *state;

	assert_uid_min(f, "", AT_DEFAULT_UID_MIN);
	assert_uid_min(f, "\n\n# UID_MIN 5\n   # UID_MIN 6\n",
		       AT_DEFAULT_UID_MIN);
	/* Other keys, including ones that start like it, are not it. */
	assert_uid_min(f, "SYS_UID_MAX 999\nSYS_UID_MIN 100\nUID_MINIMUM 7\n"
			  "UID_MAXIMUM 8\n",
		       AT_DEFAULT_UID_MIN);
	/* shadow's name ends at a blank: "UID_MIN=5" is another name. */
	assert_uid_min(f, "UID_MIN=5\n", AT_DEFAULT_UID_MIN);
	/* Anything goes on lines that are not UID_MIN. */
	assert_uid_min(f, "ENV_PATH \"PATH=/bin\" \x7f\xff\nUID_MIN 1200\n",
		       1200);
	assert_uid_min(f, "uid_min 5\n", AT_DEFAULT_UID_MIN);
	assert_uid_min(f, "uid_max 5\nUID_MAX=5\n", AT_DEFAULT_UID_MIN);
}

/* UID_MAX: the same value rules as UID_MIN. */
static void
test_defs_uid_max(void **state)
{
	struct fixture *f = *state;

	assert_range(f, "UID_MAX 70000\n", 1000, 70000);
	assert_range(f, "  UID_MAX\t 4294967294 \r\nUID_MIN 5", 5,
		     4294967294U);
	/* Either order; the range may be one uid. */
	assert_range(f, "UID_MAX 2000\nUID_MIN 2000\n", 2000, 2000);
	assert_range(f, "UID_MIN 0\nUID_MAX 0\n", 0, 0);
	assert_range(f, "UID_MAX 1000\n", 1000, 1000);
}

/* ------------------------------------------------------------------ */
/* the reader: every rejection */

static void
test_defs_no_value(void **state)
{
	assert_refused(*state, "UID_MIN\n", "test.defs:1: UID_MIN is not");
	assert_refused(*state, "UID_MIN   \t\n", "test.defs:1: UID_MIN is not");
}

static void
test_defs_not_decimal(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, "UID_MIN 0x3e8\n", "UID_MIN is not a decimal uid");
	assert_refused(f, "UID_MIN -1\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN +1000\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 1e3\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN \"1000\"\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 1000 # users\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 1 000\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN abc\n", "test.defs:1: UID_MIN is not");
	if (strstr(f->ulog.buf, "abc") != NULL)
		fail_msg("the value was logged: %s", f->ulog.buf);
}

static void
test_defs_max_not_decimal(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, "UID_MAX\n", "test.defs:1: UID_MAX is not");
	assert_refused(f, "UID_MAX \t\n", "test.defs:1: UID_MAX is not");
	assert_refused(f, "UID_MAX 0xea60\n", "UID_MAX is not a decimal uid");
	assert_refused(f, "UID_MAX -1\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX +60000\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 6e4\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 60000 # users\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 060000\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 00\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 4294967295\n", "UID_MAX is not");
	assert_refused(f, "UID_MAX 18446744073709551617\n", "UID_MAX is not");
	assert_refused(f, "UID_MIN 1000\nUID_MAX lots\n",
		       "test.defs:2: UID_MAX is not a decimal uid");
	if (strstr(f->ulog.buf, "lots") != NULL)
		fail_msg("the value was logged: %s", f->ulog.buf);
}

/*
 * The value of a refused line is file content: it never reaches the log,
 * not a byte of it (a terminal escape, a bell, a fake field), and every
 * logged line is printable ASCII.
 */
static void
test_defs_value_not_logged(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"\x1b[2J\x07",
		"6\x1b[2J0000\x07",
		"~|^\x7f}\\",
		"\x1b]0;x\x07 reason=ok\xc2\x9b",
	};
	char text[128];
	const char *v, *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "UID_MIN 1000\nUID_MAX %s\n",
			 bad[i]);
		assert_refused(f, text,
			       "test.defs:2: UID_MAX is not a decimal uid");
		for (p = f->ulog.buf; *p != '\0'; p++)
			if (*p != '\n' && (*p < 0x20 || *p > 0x7e))
				fail_msg("value %zu: byte 0x%02x logged", i,
					 (unsigned int)(unsigned char)*p);
		/* None of the value's bytes that the message itself does
		 * not need ('6', '0', ' ', words) is there. */
		for (v = bad[i]; *v != '\0'; v++)
			if (strchr("\x1b\x07[J~|^\x7f}\\]=;", *v) != NULL &&
			    strchr(f->ulog.buf, *v) != NULL)
				fail_msg("value %zu: byte 0x%02x of the value "
					 "logged: %s",
					 i, (unsigned int)(unsigned char)*v,
					 f->ulog.buf);
		if (strstr(f->ulog.buf, "reason=") != NULL ||
		    strstr(f->ulog.buf, "0000") != NULL)
			fail_msg("value %zu logged: %s", i, f->ulog.buf);
	}
}

static void
test_defs_max_twice(void **state)
{
	assert_refused(*state, "UID_MAX 60000\nUID_MIN 1000\nUID_MAX 60000\n",
		       "test.defs:3: UID_MAX given again (first on line 1)");
	assert_refused(*state, "UID_MAX 60000\nUID_MAX\n", "given again");
}

/* An empty range: every uid would be a system account.  A malformed
 * file, as for shadow's useradd; the message says where each end came
 * from. */
static void
test_defs_empty_range(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, "UID_MIN 1000\nUID_MAX 999\n",
		       "test.defs: UID_MAX 999 (line 2) is below UID_MIN 1000 "
		       "(line 1)");
	assert_refused(f, "UID_MAX 999\n",
		       "test.defs: UID_MAX 999 (line 1) is below UID_MIN 1000 "
		       "(the default)");
	assert_refused(f, "#\nUID_MIN 60001\n",
		       "test.defs: UID_MAX 60000 (the default) is below "
		       "UID_MIN 60001 (line 2)");
	assert_refused(f, "UID_MIN 4294967294\n", "is below UID_MIN");
}

/* shadow reads 01000 as octal (512): never guess which one is meant. */
static void
test_defs_leading_zero(void **state)
{
	assert_refused(*state, "UID_MIN 01000\n", "UID_MIN is not");
	assert_refused(*state, "UID_MIN 00\n", "UID_MIN is not");
}

static void
test_defs_out_of_range(void **state)
{
	struct fixture *f = *state;

	/* (uid_t)-1 is "no uid"; anything above does not fit. */
	assert_refused(f, "UID_MIN 4294967295\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 4294967296\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 99999999999\n", "UID_MIN is not");
	assert_refused(f, "UID_MIN 18446744073709551617\n", "UID_MIN is not");
}

static void
test_defs_twice(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, "UID_MIN 1000\n#\nUID_MIN 1000\n",
		       "test.defs:3: UID_MIN given again (first on line 1)");
	/* Even when the second one has no value. */
	assert_refused(f, "UID_MIN 1000\nUID_MIN\n", "given again");
}

static void
test_defs_long_line(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(AT_MAX_LINE + 32);
	struct at_uid_range got;

	assert_non_null(text);
	memset(text, '#', AT_MAX_LINE + 1);
	strcpy(text + AT_MAX_LINE + 1, "\nUID_MIN 5\n");
	assert_at(parse(f, text, &got), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "test.defs:1: line longer than"));
	/* AT_MAX_LINE itself is fine. */
	strcpy(text + AT_MAX_LINE, "\nUID_MIN 5\n");
	assert_uid_min(f, text, 5);
	free(text);
}

static void
test_defs_nul(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "UID_MIN 1000\n# a\0b\n";
	/* A NUL inside the value, which a C string parser would stop at. */
	static const char value[] = "UID_MIN 10\0"
				    "00\n";
	struct at_uid_range got;

	f->ulog.buf[0] = '\0';
	assert_at(at_login_defs_parse(text, sizeof(text) - 1, "test.defs",
				      &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_int_equal(got.min, AT_DEFAULT_UID_MIN);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
	assert_non_null(strstr(f->ulog.buf, "test.defs:2: "));
	assert_at(at_login_defs_parse(value, sizeof(value) - 1, "test.defs",
				      &f->ulog.log, &got),
		  AT_ERR_FILE);
}

/* ------------------------------------------------------------------ */
/* the file: at_file_read() rules, a missing file */

static void
test_file_read(void **state)
{
	struct fixture *f = *state;
	struct at_uid_range got;

	assert_int_equal(test_write_file(f->path, "UID_MIN 1234\n", 0644), 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_OK);
	assert_int_equal(got.min, 1234);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
	assert_int_equal(test_write_file(f->path,
					 "UID_MIN 1234\nUID_MAX 5678\n", 0644),
			 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_OK);
	assert_int_equal(got.min, 1234);
	assert_int_equal(got.max, 5678);
}

static void
test_file_missing(void **state)
{
	struct fixture *f = *state;
	struct at_uid_range got;

	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_OK);
	assert_int_equal(got.min, AT_DEFAULT_UID_MIN);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
}

static void
test_file_unsafe(void **state)
{
	struct fixture *f = *state;
	char *link = test_path(f->dir, "link");
	struct at_uid_range got;

	/* Group or world writable: anyone could widen the range. */
	assert_int_equal(test_write_file(f->path, "UID_MIN 1000\n", 0664), 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_int_equal(got.min, AT_DEFAULT_UID_MIN);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
	assert_non_null(strstr(f->ulog.buf, "group or world writable"));
	/* Another owner (neither root nor owner_uid). */
	assert_int_equal(chmod(f->path, 0644), 0);
	if (getuid() != 0) {
		assert_at(at_login_defs_read(f->path, getuid() + 1,
						&f->ulog.log, &got),
			  AT_ERR_FILE);
	}
	/* A symbolic link. */
	assert_int_equal(symlink(f->path, link), 0);
	assert_at(at_login_defs_read(link, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "is a symbolic link"));
	assert_int_equal(unlink(link), 0);
	free(link);
	/* A directory. */
	assert_at(at_login_defs_read(f->dir, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	/* A relative path. */
	assert_at(at_login_defs_read("login.defs", getuid(), &f->ulog.log,
					&got),
		  AT_ERR_FILE);
}

static void
test_file_too_large(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(AT_MAX_FILE + 2);
	struct at_uid_range got;
	size_t i;

	assert_non_null(text);
	for (i = 0; i < AT_MAX_FILE + 1; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	text[AT_MAX_FILE + 1] = '\0';
	assert_int_equal(test_write_file(f->path, text, 0644), 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "larger than"));
	free(text);
}

static void
test_file_malformed(void **state)
{
	struct fixture *f = *state;
	struct at_uid_range got;

	assert_int_equal(test_write_file(f->path, "\nUID_MIN 1k\n", 0644), 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "login.defs:2: UID_MIN is not"));
	assert_int_equal(test_write_file(f->path, "UID_MAX 1\n", 0644), 0);
	assert_at(at_login_defs_read(f->path, getuid(), &f->ulog.log, &got),
		  AT_ERR_FILE);
	assert_int_equal(got.min, AT_DEFAULT_UID_MIN);
	assert_int_equal(got.max, AT_DEFAULT_UID_MAX);
	assert_non_null(strstr(f->ulog.buf, "login.defs: UID_MAX 1 (line 1) "
					    "is below UID_MIN 1000"));
}

/* ------------------------------------------------------------------ */
/* the policy */

/* Debian's login.defs: UID_MIN 1000, UID_MAX 60000. */
static const struct at_uid_range debian = { 1000, 60000 };

static void
test_classify(void **state)
{
	static const struct at_uid_range wide = { 1, 4294967294U };
	static const struct at_uid_range zero = { 0, 0 };

	(void)state;
	assert_int_equal(at_uid_classify(0, &debian), AT_UID_ROOT);
	assert_int_equal(at_uid_classify(1, &debian), AT_UID_RESERVED);
	assert_int_equal(at_uid_classify(99, &debian), AT_UID_RESERVED);
	assert_int_equal(at_uid_classify(100, &debian), AT_UID_BELOW_MIN);
	assert_int_equal(at_uid_classify(999, &debian), AT_UID_BELOW_MIN);
	assert_int_equal(at_uid_classify(1000, &debian), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify(60000, &debian), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify(60001, &debian), AT_UID_ABOVE_MAX);
	/* systemd's dynamic service users. */
	assert_int_equal(at_uid_classify(61184, &debian), AT_UID_ABOVE_MAX);
	assert_int_equal(at_uid_classify(65519, &debian), AT_UID_ABOVE_MAX);
	assert_int_equal(at_uid_classify(65534, &debian), AT_UID_NOBODY);
	assert_int_equal(at_uid_classify(65535, &debian), AT_UID_INVALID);
	assert_int_equal(at_uid_classify(65536, &debian), AT_UID_ABOVE_MAX);
	assert_int_equal(at_uid_classify((uid_t)-1, &debian), AT_UID_INVALID);
	/* Whatever the range says: root, 1-99, nobody, the invalid ones. */
	assert_int_equal(at_uid_classify(0, &zero), AT_UID_ROOT);
	assert_int_equal(at_uid_classify(0, &wide), AT_UID_ROOT);
	assert_int_equal(at_uid_classify(50, &wide), AT_UID_RESERVED);
	assert_int_equal(at_uid_classify(100, &wide), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify(65533, &wide), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify(65534, &wide), AT_UID_NOBODY);
	assert_int_equal(at_uid_classify(65535, &wide), AT_UID_INVALID);
	assert_int_equal(at_uid_classify(65536, &wide), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify(4294967294U, &wide), AT_UID_NORMAL);
	assert_int_equal(at_uid_classify((uid_t)-1, &wide), AT_UID_INVALID);
}

static void
test_policy_default(void **state)
{
	struct fixture *f = *state;
	static const struct at_uid_range r0 = { 0, 60000 };
	static const struct at_uid_range top = { 4294967294U, 4294967294U };

	assert_at(at_user_policy(&f->cfg, false, 0, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 1, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 999, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 1000, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 60000, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 60001, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 65534, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, (uid_t)-1, &debian),
		  AT_ERR_SYSTEM_USER);
	/* Root is refused whatever UID_MIN says, and so is 1-99. */
	assert_at(at_user_policy(&f->cfg, false, 0, &r0), AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 1, &r0), AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy(&f->cfg, false, 100, &r0), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 4294967294U, &top), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 4294967293U, &top),
		  AT_ERR_SYSTEM_USER);
	assert_string_equal(at_err_reason(AT_ERR_SYSTEM_USER), "system_user");
	assert_non_null(strstr(at_strerror(AT_ERR_SYSTEM_USER), "UID_MIN"));
	assert_non_null(strstr(at_strerror(AT_ERR_SYSTEM_USER), "UID_MAX"));
}

static void
test_policy_allow_system_users(void **state)
{
	struct fixture *f = *state;

	assert_at(at_config_set(&f->cfg, "allow_system_users", NULL,
				&f->ulog.log),
		  AT_OK);
	assert_true(f->cfg.allow_system_users);
	assert_at(at_user_policy(&f->cfg, false, 0, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 999, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 65534, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 70000, &debian), AT_OK);
	assert_at(at_config_set(&f->cfg, "allow_system_users", "false",
				&f->ulog.log),
		  AT_OK);
	assert_at(at_user_policy(&f->cfg, false, 0, &debian),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_config_set(&f->cfg, "allow_system_users", "yes",
				&f->ulog.log),
		  AT_ERR_CONFIG);
}

/* With a user map the map is the only authority. */
static void
test_policy_user_map(void **state)
{
	struct fixture *f = *state;
	static const struct at_uid_range top = { 4294967294U, 4294967294U };

	assert_at(at_user_policy(&f->cfg, true, 0, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, true, 999, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, true, 65534, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, true, 70000, &debian), AT_OK);
	assert_at(at_user_policy(&f->cfg, true, 1500, &top), AT_OK);
}

/* The module's and the CLI's call: login.defs read only when needed. */
static void
test_policy_check(void **state)
{
	struct fixture *f = *state;

	/* Missing file: UID_MIN 1000. */
	assert_at(at_user_policy_check(&f->cfg, false, 999, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_non_null(strstr(f->ulog.buf, "uid 999 is below UID_MIN "
					    "(normal accounts: UID_MIN 1000 to "
					    "UID_MAX 60000 of "));
	assert_at(at_user_policy_check(&f->cfg, false, 1000, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	assert_int_equal(test_write_file(f->path, "UID_MIN 2000\n", 0644), 0);
	assert_at(at_user_policy_check(&f->cfg, false, 1500, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy_check(&f->cfg, false, 2000, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	/* A malformed file fails closed, for root too. */
	assert_int_equal(test_write_file(f->path, "UID_MIN x\n", 0644), 0);
	assert_at(at_user_policy_check(&f->cfg, false, 5000, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_FILE);
	assert_at(at_user_policy_check(&f->cfg, false, 0, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_FILE);
	/* ... but is not even read with a map or the flag. */
	assert_at(at_user_policy_check(&f->cfg, true, 0, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	f->cfg.allow_system_users = true;
	assert_at(at_user_policy_check(&f->cfg, false, 0, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
}

/*
 * Above UID_MAX is no normal account either (systemd's dynamic service
 * users, 61184-65519, sit there with Debian's UID_MAX 60000), and nobody
 * (65534, the overflow uid) and (uid_t)-1 never are, whatever login.defs
 * says (Linux-PAM pam_usertype: uid <= 99 and the overflow uid are system
 * accounts).
 */
static void
test_policy_check_uid_max(void **state)
{
	struct fixture *f = *state;
	static const uid_t sys[] = { 0, 1, 99, 999, 60001, 61184, 65519,
				     65534, 65535, 70000, 4294967294U,
				     (uid_t)-1 };
	static const uid_t normal[] = { 1000, 1500, 59999, 60000 };
	size_t i;

	/* No login.defs: UID_MIN 1000, UID_MAX 60000. */
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		f->ulog.buf[0] = '\0';
		if (at_user_policy_check(&f->cfg, false, sys[i], f->path,
					 getuid(), &f->ulog.log) !=
		    AT_ERR_SYSTEM_USER)
			fail_msg("uid %lu accepted", (unsigned long)sys[i]);
	}
	for (i = 0; i < sizeof(normal) / sizeof(normal[0]); i++)
		assert_at(at_user_policy_check(&f->cfg, false, normal[i],
					       f->path, getuid(), &f->ulog.log),
			  AT_OK);
	/* UID_MAX from the file. */
	assert_int_equal(test_write_file(f->path, "UID_MIN 1000\n"
						  "UID_MAX 70000\n",
					 0644),
			 0);
	assert_at(at_user_policy_check(&f->cfg, false, 70000, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	assert_at(at_user_policy_check(&f->cfg, false, 70001, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	/* nobody stays a system account inside a wide range. */
	assert_at(at_user_policy_check(&f->cfg, false, 65534, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_int_equal(test_write_file(f->path, "UID_MIN 100\n"
						  "UID_MAX 4294967294\n",
					 0644),
			 0);
	assert_at(at_user_policy_check(&f->cfg, false, 65534, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy_check(&f->cfg, false, 65535, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy_check(&f->cfg, false, 4294967294U, f->path,
				       getuid(), &f->ulog.log),
		  AT_OK);
	/* uid <= 99 whatever UID_MIN says. */
	assert_int_equal(test_write_file(f->path, "UID_MIN 1\n", 0644), 0);
	assert_at(at_user_policy_check(&f->cfg, false, 99, f->path, getuid(),
				       &f->ulog.log),
		  AT_ERR_SYSTEM_USER);
	assert_at(at_user_policy_check(&f->cfg, false, 100, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	/* With the flag or a map, all of them open. */
	f->cfg.allow_system_users = true;
	assert_at(at_user_policy_check(&f->cfg, false, 65534, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
	f->cfg.allow_system_users = false;
	assert_at(at_user_policy_check(&f->cfg, true, 65534, f->path, getuid(),
				       &f->ulog.log),
		  AT_OK);
}

/* A UID_MAX the reader cannot trust fails closed, as a bad UID_MIN does. */
static void
test_policy_check_uid_max_bad(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		const char *log;
	} bad[] = {
		{ "UID_MAX\n", "login.defs:1: UID_MAX is not a decimal uid" },
		{ "UID_MAX 0x10000\n", "login.defs:1: UID_MAX is not" },
		{ "UID_MAX 060000\n", "login.defs:1: UID_MAX is not" },
		{ "UID_MAX -1\n", "login.defs:1: UID_MAX is not" },
		{ "UID_MAX 60000 # users\n", "login.defs:1: UID_MAX is not" },
		{ "UID_MAX 4294967295\n", "login.defs:1: UID_MAX is not" },
		{ "UID_MAX 60000\nUID_MAX 60000\n",
		  "login.defs:2: UID_MAX given again (first on line 1)" },
		/* shadow's useradd refuses UID_MAX < UID_MIN too. */
		{ "UID_MIN 2000\nUID_MAX 1999\n",
		  "login.defs: UID_MAX 1999 (line 2) is below UID_MIN 2000 "
		  "(line 1)" },
		{ "UID_MAX 999\n",
		  "login.defs: UID_MAX 999 (line 1) is below UID_MIN 1000 "
		  "(the default)" },
		{ "UID_MIN 70000\n",
		  "login.defs: UID_MAX 60000 (the default) is below UID_MIN "
		  "70000 (line 1)" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->ulog.buf[0] = '\0';
		assert_int_equal(test_write_file(f->path, bad[i].text, 0644),
				 0);
		/* A uid that every reading would call normal. */
		assert_at(at_user_policy_check(&f->cfg, false, 1500, f->path,
					       getuid(), &f->ulog.log),
			  AT_ERR_FILE);
		if (strstr(f->ulog.buf, bad[i].log) == NULL)
			fail_msg("%s: want \"%s\" in the log, got: %s",
				 bad[i].text, bad[i].log, f->ulog.buf);
	}
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defs_debian),
		T(test_defs_value),
		T(test_defs_default),
		T(test_defs_uid_max),
		T(test_defs_no_value),
		T(test_defs_not_decimal),
		T(test_defs_leading_zero),
		T(test_defs_out_of_range),
		T(test_defs_twice),
		T(test_defs_max_not_decimal),
		T(test_defs_value_not_logged),
		T(test_defs_max_twice),
		T(test_defs_empty_range),
		T(test_defs_long_line),
		T(test_defs_nul),
		T(test_file_read),
		T(test_file_missing),
		T(test_file_unsafe),
		T(test_file_too_large),
		T(test_file_malformed),
		T(test_classify),
		T(test_policy_default),
		T(test_policy_allow_system_users),
		T(test_policy_user_map),
		T(test_policy_check),
		T(test_policy_check_uid_max),
		T(test_policy_check_uid_max_bad),
	};
#undef T

	return cmocka_run_group_tests_name("at_policy", tests, NULL, NULL);
}
