/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_key.c - lib/at_key.c: the verifier object, its secrets (added
 * directly or from a secret file), key rotation in at_verifier_check_mac,
 * the user map and the injected clock.
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
#include "at_internal.h"
#include "test_common.h"
#include "unit_test.h"

#define NOW 1700000000

/* 37 bytes with spaces inside: key bytes, kept as they are. */
#define SPACED_SECRET "spaced secret 0123456789 abcdefghijkl"

struct fixture {
	struct at_config cfg;
	struct at_verifier *v;
	struct unit_log ulog;
	char *dir;
	time_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	at_config_init(&f->cfg);
	unit_log_init(&f->ulog);
	if (at_verifier_new(&f->v, &f->cfg, &f->ulog.log) != AT_OK)
		return -1;
	f->now = NOW;
	at_verifier_set_clock(f->v, unit_fixed_clock, &f->now);
	f->dir = test_mkdtemp();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_verifier_free(f->v);
	at_config_clear(&f->cfg);
	test_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Which secret of method's set authenticates msg under key?  -1: none. */
static int
method_index_for(struct fixture *f, enum at_method method, const void *key,
		 size_t keylen, const char *msg)
{
	unsigned char mac[AT_MAC_LEN];
	int index = 99;
	enum at_err r;

	assert_at(at_hmac_sha256(key, keylen, msg, strlen(msg), mac), AT_OK);
	r = at_verifier_check_mac(f->v, method, msg, strlen(msg), mac,
				  sizeof(mac), &index);
	if (r == AT_OK) {
		assert_true(index >= 0);
		return index;
	}
	assert_at(r, AT_ERR_SIGNATURE);
	assert_int_equal(index, -1);
	return -1;
}

/*
 * The same for secrets meant for both methods (at_verifier_add_secret(),
 * at_verifier_load_secrets()): both sets must give the same answer.
 */
static int
index_for(struct fixture *f, const void *key, size_t keylen, const char *msg)
{
	int hmac = method_index_for(f, AT_METHOD_HMAC, key, keylen, msg);

	assert_int_equal(method_index_for(f, AT_METHOD_JWT, key, keylen, msg),
			 hmac);
	return hmac;
}

static char *
write_file(struct fixture *f, const char *name, const char *content,
	   mode_t mode)
{
	char *path = test_path(f->dir, name);

	assert_int_equal(test_write_file(path, content, mode), 0);
	return path;
}

static enum at_err
load_secrets(struct fixture *f, const char *content, mode_t mode)
{
	char *path = write_file(f, "secret", content, mode);
	enum at_err r = at_verifier_load_secrets(f->v, path, getuid());

	free(path);
	return r;
}

/* Entries in v's map; 0 without one. */
static size_t
map_n(const struct at_verifier *v)
{
	return v->map != NULL ? at_user_map_count(v->map) : 0;
}

/* The next id of user in v's map (at_verifier_map_next_id() succeeds). */
static const char *
next_id(struct at_verifier *v, const char *user, size_t *pos)
{
	const char *id = NULL;

	assert_int_equal(at_verifier_map_next_id(v, user, pos, &id), AT_OK);
	return id;
}

/* The local user v's map sends id to, or NULL. */
static const char *
mapped(struct at_verifier *v, const char *id)
{
	static char user[AT_MAX_SUB + 1];
	enum at_err r = at_verifier_map_find(v, id, user, sizeof(user));

	assert_true(r == AT_OK || r == AT_ERR_NOT_MAPPED);
	return r == AT_OK ? user : NULL;
}

static enum at_err
load_map(struct fixture *f, const char *content, mode_t mode)
{
	char *path = write_file(f, "map", content, mode);
	enum at_err r = at_verifier_load_user_map(f->v, path, getuid());

	free(path);
	return r;
}

/* ------------------------------------------------------------------ */
/* the object and the clock */

static void
test_new_verifier_is_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(at_verifier_secret_count(f->v), 0);
	assert_false(f->v->has_map);
	assert_int_equal(map_n(f->v), 0);
	assert_ptr_equal(f->v->cfg, &f->cfg);
	/* No secret: nothing verifies. */
	assert_int_equal(index_for(f, TEST_SECRET, strlen(TEST_SECRET), "x"),
			 -1);
	at_verifier_free(NULL);
}

static void
test_clock_injected(void **state)
{
	struct fixture *f = *state;
	time_t other = 42;

	assert_int_equal(at_verifier_now(f->v), NOW);
	f->now = NOW + 5;
	assert_int_equal(at_verifier_now(f->v), NOW + 5);
	at_verifier_set_clock(f->v, unit_fixed_clock, &other);
	assert_int_equal(at_verifier_now(f->v), 42);
	/* NULL restores the system clock (not called here). */
	at_verifier_set_clock(f->v, NULL, NULL);
	assert_non_null(f->v->clock);
	assert_true(f->v->clock != unit_fixed_clock);
	assert_null(f->v->clock_ctx);
}

/* ------------------------------------------------------------------ */
/* at_verifier_add_secret */

static void
test_secret_31_bytes_too_short(void **state)
{
	struct fixture *f = *state;
	char key[AT_MIN_SECRET];

	memset(key, 'k', sizeof(key));
	assert_at(at_verifier_add_secret(f->v, key, AT_MIN_SECRET - 1),
		  AT_ERR_SECRET_SHORT);
	assert_at(at_verifier_add_secret(f->v, "", 0), AT_ERR_SECRET_SHORT);
	assert_int_equal(at_verifier_secret_count(f->v), 0);
	assert_string_equal(at_err_reason(AT_ERR_SECRET_SHORT),
			    "secret_too_short");
}

static void
test_secret_32_bytes_ok(void **state)
{
	struct fixture *f = *state;
	char key[AT_MIN_SECRET];

	memset(key, 'k', sizeof(key));
	assert_at(at_verifier_add_secret(f->v, key, sizeof(key)), AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 1);
	assert_int_equal(index_for(f, key, sizeof(key), "alice"), 0);
}

static void
test_secret_too_long(void **state)
{
	struct fixture *f = *state;
	char *key = malloc(AT_MAX_SECRET + 1);

	assert_non_null(key);
	memset(key, 'k', AT_MAX_SECRET + 1);
	assert_at(at_verifier_add_secret(f->v, key, AT_MAX_SECRET + 1),
		  AT_ERR_SECRET);
	assert_at(at_verifier_add_secret(f->v, key, AT_MAX_SECRET), AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 1);
	free(key);
}

static void
test_secret_too_many(void **state)
{
	struct fixture *f = *state;
	char key[40];
	int i;

	for (i = 0; i < AT_MAX_SECRETS; i++) {
		snprintf(key, sizeof(key),
			 "secret-number-%02d-0123456789abcdef", i);
		assert_at(at_verifier_add_secret(f->v, key, strlen(key)),
			  AT_OK);
	}
	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), AT_MAX_SECRETS);
}

static void
test_secret_bytes_copied(void **state)
{
	struct fixture *f = *state;
	char key[] = TEST_SECRET;

	assert_at(at_verifier_add_secret(f->v, key, strlen(key)), AT_OK);
	/* The caller wipes its own copy; the verifier is unaffected. */
	at_wipe(key, strlen(key));
	assert_int_equal(index_for(f, TEST_SECRET, strlen(TEST_SECRET), "u"),
			 0);
}

/* ------------------------------------------------------------------ */
/* at_verifier_check_mac: rotation */

static void
test_rotation_index(void **state)
{
	struct fixture *f = *state;

	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(at_verifier_add_secret(f->v, TEST_SECRET2,
					 strlen(TEST_SECRET2)),
		  AT_OK);
	assert_int_equal(index_for(f, TEST_SECRET, strlen(TEST_SECRET), "m"),
			 0);
	assert_int_equal(index_for(f, TEST_SECRET2, strlen(TEST_SECRET2), "m"),
			 1);
	assert_int_equal(
		index_for(f, "not-a-loaded-secret-0123456789abc", 33, "m"), -1);
}

static void
test_rotation_same_secret_twice_first_wins(void **state)
{
	struct fixture *f = *state;

	assert_at(at_verifier_add_secret(f->v, TEST_SECRET2,
					 strlen(TEST_SECRET2)),
		  AT_OK);
	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_int_equal(index_for(f, TEST_SECRET, strlen(TEST_SECRET), "m"),
			 1);
}

static void
test_check_mac_tag_length(void **state)
{
	struct fixture *f = *state;
	unsigned char mac[AT_MAC_LEN + 1];
	int index = 7;

	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(at_hmac_sha256(TEST_SECRET, strlen(TEST_SECRET), "m", 1, mac),
		  AT_OK);
	assert_at(at_verifier_check_mac(f->v, AT_METHOD_JWT, "m", 1, mac, 16,
					&index),
		  AT_ERR_SIG_LENGTH);
	assert_int_equal(index, -1);
	assert_at(at_verifier_check_mac(f->v, AT_METHOD_HMAC, "m", 1, mac,
					AT_MAC_LEN + 1, &index),
		  AT_ERR_SIG_LENGTH);
	assert_at(at_verifier_check_mac(f->v, AT_METHOD_JWT, "m", 1, mac,
					AT_MAC_LEN, &index),
		  AT_OK);
	assert_int_equal(index, 0);
	/* No set for "none": an internal error, never a match. */
	index = 7;
	assert_at(at_verifier_check_mac(f->v, AT_METHOD_NONE, "m", 1, mac,
					AT_MAC_LEN, &index),
		  AT_ERR_INTERNAL);
	assert_int_equal(index, -1);
}

/* ------------------------------------------------------------------ */
/* per-method secrets */

/* A secret for one method never verifies the other. */
static void
test_method_secrets_separate(void **state)
{
	struct fixture *f = *state;

	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_HMAC,
						TEST_SECRET,
						strlen(TEST_SECRET)),
		  AT_OK);
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_JWT,
						TEST_SECRET2,
						strlen(TEST_SECRET2)),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 2);
	assert_int_equal(at_verifier_method_secret_count(f->v, AT_METHOD_HMAC),
			 1);
	assert_int_equal(at_verifier_method_secret_count(f->v, AT_METHOD_JWT),
			 1);
	assert_int_equal(method_index_for(f, AT_METHOD_HMAC, TEST_SECRET,
					  strlen(TEST_SECRET), "h.p"),
			 0);
	assert_int_equal(method_index_for(f, AT_METHOD_JWT, TEST_SECRET,
					  strlen(TEST_SECRET), "h.p"),
			 -1);
	assert_int_equal(method_index_for(f, AT_METHOD_JWT, TEST_SECRET2,
					  strlen(TEST_SECRET2), "h.p"),
			 0);
	assert_int_equal(method_index_for(f, AT_METHOD_HMAC, TEST_SECRET2,
					  strlen(TEST_SECRET2), "h.p"),
			 -1);
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_NONE,
						TEST_SECRET,
						strlen(TEST_SECRET)),
		  AT_ERR_INTERNAL);
	assert_int_equal(at_verifier_secret_count(f->v), 2);
}

/* A secret for both methods is held once and sits in both sets. */
static void
test_method_secrets_both(void **state)
{
	struct fixture *f = *state;

	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_JWT,
						TEST_SECRET2,
						strlen(TEST_SECRET2)),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 2);
	assert_int_equal(at_verifier_method_secret_count(f->v, AT_METHOD_HMAC),
			 1);
	assert_int_equal(at_verifier_method_secret_count(f->v, AT_METHOD_JWT),
			 2);
	assert_int_equal(method_index_for(f, AT_METHOD_JWT, TEST_SECRET2,
					  strlen(TEST_SECRET2), "m"),
			 1);
	assert_int_equal(method_index_for(f, AT_METHOD_HMAC, TEST_SECRET2,
					  strlen(TEST_SECRET2), "m"),
			 -1);
	assert_int_equal(index_for(f, TEST_SECRET, strlen(TEST_SECRET), "m"),
			 0);
}

/* Each set holds AT_MAX_SECRETS, whatever the other holds. */
static void
test_method_secrets_limit_per_set(void **state)
{
	struct fixture *f = *state;
	char key[40];
	int i;

	for (i = 0; i < AT_MAX_SECRETS; i++) {
		snprintf(key, sizeof(key),
			 "jwt-secret-%02d-0123456789abcdefghijk", i);
		assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_JWT,
							key, strlen(key)),
			  AT_OK);
	}
	/* The JWT set is full, the verifier is not. */
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_JWT, key,
						strlen(key)),
		  AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), AT_MAX_SECRETS);
	for (i = 0; i < AT_MAX_SECRETS; i++) {
		snprintf(key, sizeof(key),
			 "hmac-secret-%02d-0123456789abcdefghij", i);
		assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_HMAC,
							key, strlen(key)),
			  AT_OK);
	}
	assert_int_equal(at_verifier_secret_count(f->v), 2 * AT_MAX_SECRETS);
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_HMAC, key,
						strlen(key)),
		  AT_ERR_SECRET);
	assert_at(at_verifier_add_secret(f->v, key, strlen(key)),
		  AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 2 * AT_MAX_SECRETS);
}

/* Per-method files: each method's set from its own file; the origin
 * (file and line) of a matching secret is known for the CLI. */
static void
test_method_secret_files_and_origin(void **state)
{
	struct fixture *f = *state;
	char *hmac = write_file(f, "hmac", "# h\n" TEST_SECRET "\n", 0600);
	char *jwt = write_file(f, "jwt", "# j\n\n" TEST_SECRET2 "\n", 0600);
	const char *path = NULL;
	unsigned int line = 99;

	assert_at(at_verifier_load_method_secrets(f->v, AT_METHOD_HMAC, hmac,
						  getuid()),
		  AT_OK);
	assert_at(at_verifier_load_method_secrets(f->v, AT_METHOD_JWT, jwt,
						  getuid()),
		  AT_OK);
	assert_int_equal(method_index_for(f, AT_METHOD_JWT, TEST_SECRET,
					  strlen(TEST_SECRET), "h.p"),
			 -1);
	assert_int_equal(method_index_for(f, AT_METHOD_JWT, TEST_SECRET2,
					  strlen(TEST_SECRET2), "h.p"),
			 0);
	assert_true(at_verifier_secret_origin(f->v, AT_METHOD_JWT, 0, &path,
					      &line));
	assert_string_equal(path, jwt);
	assert_int_equal(line, 3);
	assert_true(at_verifier_secret_origin(f->v, AT_METHOD_HMAC, 0, &path,
					      &line));
	assert_string_equal(path, hmac);
	assert_int_equal(line, 2);
	assert_false(at_verifier_secret_origin(f->v, AT_METHOD_HMAC, 1, &path,
					       &line));
	assert_null(path);
	assert_int_equal(line, 0);
	assert_false(at_verifier_secret_origin(f->v, AT_METHOD_JWT, -1, &path,
					       &line));
	assert_at(at_verifier_load_method_secrets(f->v, AT_METHOD_NONE, jwt,
						  getuid()),
		  AT_ERR_INTERNAL);
	/* Added through the API: no file, no line. */
	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_JWT,
						TEST_SECRET,
						strlen(TEST_SECRET)),
		  AT_OK);
	assert_true(at_verifier_secret_origin(f->v, AT_METHOD_JWT, 1, &path,
					      &line));
	assert_null(path);
	assert_int_equal(line, 0);
	free(hmac);
	free(jwt);
}

/* A refused file leaves the verifier as it was, other sets included. */
static void
test_method_secret_file_refused_keeps_earlier(void **state)
{
	struct fixture *f = *state;
	char *bad = write_file(f, "bad", TEST_SECRET2 "\n \n", 0600);

	assert_at(at_verifier_add_method_secret(f->v, AT_METHOD_HMAC,
						TEST_SECRET,
						strlen(TEST_SECRET)),
		  AT_OK);
	assert_at(at_verifier_load_method_secrets(f->v, AT_METHOD_JWT, bad,
						  getuid()),
		  AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 1);
	assert_int_equal(at_verifier_method_secret_count(f->v, AT_METHOD_JWT),
			 0);
	assert_int_equal(method_index_for(f, AT_METHOD_HMAC, TEST_SECRET,
					  strlen(TEST_SECRET), "m"),
			 0);
	free(bad);
}

/* ------------------------------------------------------------------ */
/* at_verifier_load_secrets */

static void
test_secret_file_rules(void **state)
{
	struct fixture *f = *state;
	/* Comments and blank lines skipped; a trailing \r stripped; the
	 * rest of each line is the key, spaces included. */
	static const char content[] = "# rotation: newest last\n"
				      "\n"
				      "crlf-secret-0123456789abcdefghijklmn\r\n"
				      "\r\n" SPACED_SECRET "\n"
				      "#" TEST_SECRET "\n" TEST_SECRET2;

	assert_at(load_secrets(f, content, 0600), AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 3);
	assert_int_equal(index_for(f, "crlf-secret-0123456789abcdefghijklmn",
				   36, "alice"),
			 0);
	assert_int_equal(index_for(f, "crlf-secret-0123456789abcdefghijklmn\r",
				   37, "alice"),
			 -1);
	assert_int_equal(
		index_for(f, SPACED_SECRET, strlen(SPACED_SECRET), "alice"), 1);
	/* The inner spaces are not removed. */
	assert_int_equal(
		index_for(f, "spacedsecret0123456789abcdefghijkl", 34, "alice"),
		-1);
	/* The commented-out secret is not loaded; the unterminated last
	 * line is. */
	assert_int_equal(
		index_for(f, TEST_SECRET, strlen(TEST_SECRET), "alice"), -1);
	assert_int_equal(
		index_for(f, TEST_SECRET2, strlen(TEST_SECRET2), "alice"), 2);
}

static void
test_secret_file_0600_ok(void **state)
{
	assert_at(load_secrets(*state, TEST_SECRET "\n", 0600), AT_OK);
}

static void
test_secret_file_0640_ok(void **state)
{
	assert_at(load_secrets(*state, TEST_SECRET "\n", 0640), AT_OK);
}

static void
test_secret_file_0604_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(load_secrets(f, TEST_SECRET "\n", 0604), AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 0);
}

static void
test_secret_file_0620_refused(void **state)
{
	assert_at(load_secrets(*state, TEST_SECRET "\n", 0620), AT_ERR_SECRET);
}

static void
test_secret_file_0602_refused(void **state)
{
	assert_at(load_secrets(*state, TEST_SECRET "\n", 0602), AT_ERR_SECRET);
}

static void
test_secret_file_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char *target = write_file(f, "target", TEST_SECRET "\n", 0600);
	char *link = test_path(f->dir, "link");

	assert_int_equal(symlink(target, link), 0);
	assert_at(at_verifier_load_secrets(f->v, link, getuid()),
		  AT_ERR_SECRET);
	assert_at(at_verifier_load_secrets(f->v, target, getuid()), AT_OK);
	free(target);
	free(link);
}

static void
test_secret_file_directory_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(at_verifier_load_secrets(f->v, f->dir, getuid()),
		  AT_ERR_SECRET);
}

static void
test_secret_file_missing_refused(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "missing");

	assert_at(at_verifier_load_secrets(f->v, path, getuid()),
		  AT_ERR_SECRET);
	free(path);
}

static void
test_secret_file_empty_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(load_secrets(f, "", 0600), AT_ERR_SECRET);
	assert_non_null(strstr(f->ulog.buf, "no secret"));
}

static void
test_secret_file_comments_only_refused(void **state)
{
	struct fixture *f = *state;

	assert_at(load_secrets(f, "# one\n\n#two\r\n\n", 0600), AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 0);
}

static void
test_secret_file_relative_refused(void **state)
{
	struct fixture *f = *state;
	char *path = write_file(f, "secret", TEST_SECRET "\n", 0600);

	assert_int_equal(chdir(f->dir), 0);
	assert_at(at_verifier_load_secrets(f->v, "secret", getuid()),
		  AT_ERR_SECRET);
	assert_int_equal(chdir("/"), 0);
	free(path);
}

static void
test_secret_file_short_line(void **state)
{
	struct fixture *f = *state;
	static const char short_key[] = "short-key-31-bytes-0123456789ab";

	assert_int_equal(strlen(short_key), 31);
	assert_at(load_secrets(f,
			       "# c\n" TEST_SECRET "\n"
			       "short-key-31-bytes-"
			       "0123456789ab\n",
			       0600),
		  AT_ERR_SECRET_SHORT);
	/* The line number is logged, the secret never. */
	assert_non_null(strstr(f->ulog.buf, ":3:"));
	assert_null(strstr(f->ulog.buf, short_key));
	assert_null(strstr(f->ulog.buf, TEST_SECRET));
}

static void
test_secret_file_line_over_max_secret(void **state)
{
	struct fixture *f = *state;
	char *content = malloc(AT_MAX_SECRET + 2);

	assert_non_null(content);
	memset(content, 'k', AT_MAX_SECRET + 1);
	content[AT_MAX_SECRET + 1] = '\0';
	assert_at(load_secrets(f, content, 0600), AT_ERR_SECRET);
	content[AT_MAX_SECRET] = '\0';
	assert_at(load_secrets(f, content, 0600), AT_OK);
	free(content);
}

static void
test_secret_file_line_over_max_line(void **state)
{
	struct fixture *f = *state;
	char *content = malloc(AT_MAX_LINE + 2);

	assert_non_null(content);
	memset(content, 'k', AT_MAX_LINE + 1);
	content[AT_MAX_LINE + 1] = '\0';
	assert_at(load_secrets(f, content, 0600), AT_ERR_SECRET);
	assert_non_null(strstr(f->ulog.buf, "too long"));
	free(content);
}

static void
test_secret_file_too_many_lines(void **state)
{
	struct fixture *f = *state;
	char content[AT_MAX_SECRETS * 48 + 64], line[48];
	int i;

	content[0] = '\0';
	for (i = 0; i <= AT_MAX_SECRETS; i++) {
		snprintf(line, sizeof(line),
			 "secret-number-%02d-0123456789abcdef\n", i);
		strcat(content, line);
	}
	assert_at(load_secrets(f, content, 0600), AT_ERR_SECRET);
}

static void
test_secret_file_appends_to_loaded_verifier(void **state)
{
	struct fixture *f = *state;

	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(load_secrets(f, "# next\n" TEST_SECRET2 "\n", 0600), AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 2);
	assert_int_equal(
		index_for(f, TEST_SECRET2, strlen(TEST_SECRET2), "alice"), 1);
}

static void
test_secret_file_without_secret_refused_when_keys_loaded(void **state)
{
	struct fixture *f = *state;

	/* "No secret in it" is about the file, not the verifier. */
	assert_at(
		at_verifier_add_secret(f->v, TEST_SECRET, strlen(TEST_SECRET)),
		AT_OK);
	assert_at(load_secrets(f, "# nothing here\n\n", 0600), AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 1);
}

/* ------------------------------------------------------------------ */
/* secret files that mean something else: refused as a whole */

#define BOM "\xef\xbb\xbf"

/*
 * content is refused as a whole (AT_ERR_SECRET, no key kept, even one
 * from a good line before the bad one), and the log names the file, the
 * line lineno and why, never the bytes of a secret or of the line.
 */
static void
assert_refused_at(struct fixture *f, const char *content, unsigned int lineno,
		  const char *why)
{
	char where[64];

	f->ulog.buf[0] = '\0';
	assert_at(load_secrets(f, content, 0600), AT_ERR_SECRET);
	assert_int_equal(at_verifier_secret_count(f->v), 0);
	snprintf(where, sizeof(where), "/secret:%u: ", lineno);
	if (strstr(f->ulog.buf, where) == NULL ||
	    strstr(f->ulog.buf, why) == NULL)
		fail_msg("want \"%s\" and \"%s\" in the log:\n%s", where, why,
			 f->ulog.buf);
	assert_null(strstr(f->ulog.buf, TEST_SECRET));
	assert_null(strstr(f->ulog.buf, TEST_SECRET2));
	assert_null(strstr(f->ulog.buf, "secret-0123456789"));
}

static void
test_secret_file_bom_at_start_refused(void **state)
{
	assert_refused_at(*state, BOM TEST_SECRET "\n", 1, "byte order mark");
}

static void
test_secret_file_bom_on_later_line_refused(void **state)
{
	assert_refused_at(*state, "# rotation\n" TEST_SECRET "\n" BOM
				  TEST_SECRET2 "\n",
			  3, "byte order mark");
}

/* A BOM before a comment: the '#' is not the line's first byte. */
static void
test_secret_file_bom_before_comment_refused(void **state)
{
	assert_refused_at(*state, BOM "# secrets\n" TEST_SECRET "\n", 1,
			  "byte order mark");
}

static void
test_secret_file_white_space_line_refused(void **state)
{
	struct fixture *f = *state;

	assert_refused_at(f, TEST_SECRET "\n  \t \n", 2, "only white space");
	assert_refused_at(f, TEST_SECRET "\r\n \r\n", 2, "only white space");
	assert_refused_at(f, "\t\n" TEST_SECRET "\n", 1, "only white space");
	assert_refused_at(f, TEST_SECRET "\n\r\r\n", 2, "only white space");
}

static void
test_secret_file_indented_comment_refused(void **state)
{
	struct fixture *f = *state;

	assert_refused_at(f, "  # old: " TEST_SECRET2 "\n" TEST_SECRET "\n", 1,
			  "indented comment");
	assert_refused_at(f, TEST_SECRET "\n\t#" TEST_SECRET2 "\n", 2,
			  "indented comment");
}

static void
test_secret_file_leading_white_space_refused(void **state)
{
	struct fixture *f = *state;

	assert_refused_at(f, " " TEST_SECRET "\n", 1, "white space before");
	assert_refused_at(f, "# c\n\t" TEST_SECRET "\n", 2,
			  "white space before");
}

static void
test_secret_file_trailing_white_space_refused(void **state)
{
	struct fixture *f = *state;

	assert_refused_at(f, TEST_SECRET " \n", 1, "white space after");
	assert_refused_at(f, TEST_SECRET2 "\n" TEST_SECRET "\t", 2,
			  "white space after");
	/* One trailing \r is the line end (CRLF); a second is a key byte
	 * nobody meant. */
	assert_refused_at(f, TEST_SECRET "\r\r\n", 1, "white space after");
}

/*
 * Unicode white space and invisible characters at either end of a line,
 * as a copy from a web dashboard brings them (review F6): refused, since
 * a secret line begins and ends with printable ASCII, and the log shows
 * none of their bytes.
 */
static const char *const unicode_blanks[] = {
	"\xc2\xa0",	  /* U+00A0 no-break space */
	"\xc2\x85",	  /* U+0085 next line */
	"\xe1\x9a\x80", /* U+1680 ogham space mark */
	"\xe1\xa0\x8e", /* U+180E mongolian vowel separator */
	"\xe2\x80\x80", /* U+2000 en quad */
	"\xe2\x80\x8a", /* U+200A hair space */
	"\xe2\x80\x8b", /* U+200B zero width space */
	"\xe2\x80\x8c", /* U+200C zero width non-joiner */
	"\xe2\x80\x8d", /* U+200D zero width joiner */
	"\xe2\x80\xa8", /* U+2028 line separator */
	"\xe2\x80\xa9", /* U+2029 paragraph separator */
	"\xe2\x80\xaf", /* U+202F narrow no-break space */
	"\xe2\x81\x9f", /* U+205F medium mathematical space */
	"\xe2\x81\xa0", /* U+2060 word joiner */
	"\xe3\x80\x80", /* U+3000 ideographic space */
	"\xef\xbb\xbf", /* U+FEFF zero width no-break space (BOM) */
};

/* No byte of the line reached the log: it is printable ASCII. */
static void
assert_log_ascii(const struct fixture *f)
{
	const unsigned char *p;

	for (p = (const unsigned char *)f->ulog.buf; *p != '\0'; p++)
		if (*p >= 0x80 || (*p < 0x20 && *p != '\n'))
			fail_msg("byte 0x%02x in the log:\n%s", *p,
				 f->ulog.buf);
}

static void
test_secret_file_unicode_space_refused(void **state)
{
	struct fixture *f = *state;
	char content[256];
	size_t i;

	for (i = 0; i < sizeof(unicode_blanks) / sizeof(unicode_blanks[0]);
	     i++) {
		const char *u = unicode_blanks[i];

		/* U+FEFF first on a line is the byte order mark case. */
		if (strcmp(u, "\xef\xbb\xbf") != 0) {
			snprintf(content, sizeof(content), "%s%s\n", u,
				 TEST_SECRET);
			assert_refused_at(f, content, 1,
					  "begins with a byte that is not "
					  "printable ASCII");
			assert_log_ascii(f);
		}
		snprintf(content, sizeof(content), "# rotation\n%s%s\n",
			 TEST_SECRET, u);
		assert_refused_at(f, content, 2,
				  "ends with a byte that is not printable "
				  "ASCII");
		assert_log_ascii(f);
		/* Behind the CR of a CRLF line too. */
		snprintf(content, sizeof(content), "%s%s\r\n", TEST_SECRET, u);
		assert_refused_at(f, content, 1, "ends with a byte");
		/* Mixed with ASCII white space. */
		snprintf(content, sizeof(content), "%s %s\n", TEST_SECRET, u);
		assert_refused_at(f, content, 1, "ends with a byte");
		snprintf(content, sizeof(content), "%s\n\t%s%s\n", TEST_SECRET,
			 u, TEST_SECRET2);
		assert_refused_at(f, content, 2, "white space before");
	}
}

/*
 * One rule for the ends of a secret line: its first and last bytes are
 * printable ASCII (0x21-0x7e), as every dashboard secret is.  No list of
 * Unicode characters to keep complete: soft hyphen, bidi marks and
 * isolates, invisible operators, a lone Latin-1 no-break space, C0
 * controls, DEL, and any other byte are refused at either end, the line
 * named, none of its bytes logged.
 */
static const char *const edge_bytes[] = {
	"\xc2\xad",	  /* U+00AD soft hyphen */
	"\xe2\x80\x8e", /* U+200E left-to-right mark */
	"\xe2\x80\x8f", /* U+200F right-to-left mark */
	"\xe2\x81\xa1", /* U+2061 function application */
	"\xe2\x81\xa2", /* U+2062 invisible times */
	"\xe2\x81\xa3", /* U+2063 invisible separator */
	"\xe2\x81\xa4", /* U+2064 invisible plus */
	"\xe2\x81\xa6", /* U+2066 left-to-right isolate */
	"\xe2\x81\xa7", /* U+2067 right-to-left isolate */
	"\xe2\x81\xa8", /* U+2068 first strong isolate */
	"\xe2\x81\xa9", /* U+2069 pop directional isolate */
	"\xe2\x80\xae", /* U+202E right-to-left override */
	"\xc3\xa9",	  /* U+00E9: a letter, but no dashboard's */
	"\xa0",		  /* a lone Latin-1 no-break space */
	"\x80",
	"\xff",
	"\x01",
	"\x1b",
	"\x1f",
	"\x7f",
};

static void
test_secret_file_edge_not_printable_refused(void **state)
{
	struct fixture *f = *state;
	char content[256];
	size_t i;

	for (i = 0; i < sizeof(edge_bytes) / sizeof(edge_bytes[0]); i++) {
		const char *u = edge_bytes[i];

		snprintf(content, sizeof(content), "%s%s\n", u, TEST_SECRET);
		assert_refused_at(f, content, 1,
				  "begins with a byte that is not printable "
				  "ASCII");
		assert_log_ascii(f);
		snprintf(content, sizeof(content), "# rotation\n%s%s\n",
			 TEST_SECRET, u);
		assert_refused_at(f, content, 2,
				  "ends with a byte that is not printable "
				  "ASCII");
		assert_log_ascii(f);
		/* Behind the CR of a CRLF line too. */
		snprintf(content, sizeof(content), "%s\n%s%s\r\n",
			 TEST_SECRET2, TEST_SECRET, u);
		assert_refused_at(f, content, 2,
				  "ends with a byte that is not printable "
				  "ASCII");
		assert_log_ascii(f);
	}
}

/* Lines of Unicode white space alone, or before a '#': the first byte is
 * not printable ASCII, the message says so. */
static void
test_secret_file_unicode_space_line_refused(void **state)
{
	struct fixture *f = *state;

	assert_refused_at(f, TEST_SECRET "\n\xc2\xa0\n", 2,
			  "begins with a byte that is not printable ASCII");
	assert_refused_at(f, TEST_SECRET "\n\xe2\x80\x8b\xe2\x80\x8b\n", 2,
			  "begins with a byte that is not printable ASCII");
	assert_refused_at(f, TEST_SECRET "\n \xe3\x80\x80\t\r\n", 2,
			  "white space before the secret");
	assert_refused_at(f, "\xc2\xa0# old\n" TEST_SECRET "\n", 1,
			  "begins with a byte that is not printable ASCII");
	assert_refused_at(f, TEST_SECRET "\n\xe2\x81\xa0#x\n", 2,
			  "begins with a byte that is not printable ASCII");
	assert_log_ascii(f);
}

/* Only the ends: bytes inside a secret are key bytes, whatever they are;
 * at an end even a byte that is only part of a character is refused. */
static void
test_secret_file_unicode_inside_loads(void **state)
{
	struct fixture *f = *state;
	static const char inner[] = "secret-0123456789\xc2\xa0"
				    "abcdefghijklmnop\xe2\x80\x8bqrstuvw";
	static const char edges[] = "\xa0secret-0123456789-abcdefghijklmno"
				    "\xe2\x80";
	char content[256];

	snprintf(content, sizeof(content), "%s\n%s\n", inner, edges);
	assert_refused_at(f, content, 2,
			  "begins with a byte that is not printable ASCII");
	snprintf(content, sizeof(content), "%s\n", inner);
	assert_at(load_secrets(f, content, 0600), AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 1);
	assert_int_equal(index_for(f, inner, strlen(inner), "alice"), 0);
}

/* Empty lines (LF or CRLF) and column-1 comments stay allowed. */
static void
test_secret_file_clean_blank_and_comment_lines_load(void **state)
{
	struct fixture *f = *state;

	assert_at(load_secrets(f,
			       "# rotation: newest last\n\n" TEST_SECRET
			       "\r\n\r\n#  an indented word after '#' is "
			       "fine\n#\n" TEST_SECRET2 "\n\n",
			       0600),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(f->v), 2);
	assert_int_equal(
		index_for(f, TEST_SECRET, strlen(TEST_SECRET), "alice"), 0);
	assert_int_equal(
		index_for(f, TEST_SECRET2, strlen(TEST_SECRET2), "alice"), 1);
}

/* ------------------------------------------------------------------ */
/* at_secret_file_get */

static enum at_err
secret_get(struct fixture *f, const char *content, mode_t mode, unsigned int n,
	   unsigned char **key, size_t *keylen)
{
	char *path = write_file(f, "secret", content, mode);
	enum at_err r = at_secret_file_get(path, getuid(), &f->ulog.log, n, key,
					   keylen);

	free(path);
	return r;
}

static void
test_secret_get_nth(void **state)
{
	struct fixture *f = *state;
	static const char content[] = "# comment\n"
				      "\n"
				      "crlf-secret-0123456789abcdefghijklmn\r\n"
				      "#" TEST_SECRET "\n" SPACED_SECRET "\n";
	unsigned char *key = NULL;
	size_t keylen = 0;

	assert_at(secret_get(f, content, 0600, 0, &key, &keylen), AT_OK);
	assert_int_equal(keylen, 36);
	assert_memory_equal(key, "crlf-secret-0123456789abcdefghijklmn", 36);
	at_freezero(key, keylen);
	assert_at(secret_get(f, content, 0600, 1, &key, &keylen), AT_OK);
	assert_int_equal(keylen, strlen(SPACED_SECRET));
	assert_memory_equal(key, SPACED_SECRET, keylen);
	/* The verifier loads the same bytes at the same index. */
	assert_at(load_secrets(f, content, 0600), AT_OK);
	assert_int_equal(index_for(f, key, keylen, "alice"), 1);
	at_freezero(key, keylen);
	key = (unsigned char *)f;
	keylen = 5;
	assert_at(secret_get(f, content, 0600, 2, &key, &keylen),
		  AT_ERR_SECRET);
	assert_null(key);
	assert_int_equal(keylen, 0);
}

static void
test_secret_get_short(void **state)
{
	struct fixture *f = *state;
	unsigned char *key = NULL;
	size_t keylen = 0;

	assert_at(secret_get(f, "short\n", 0600, 0, &key, &keylen),
		  AT_ERR_SECRET_SHORT);
	assert_null(key);
}

static void
test_secret_get_unsafe_file(void **state)
{
	struct fixture *f = *state;
	unsigned char *key = NULL;
	size_t keylen = 0;

	assert_at(secret_get(f, TEST_SECRET "\n", 0604, 0, &key, &keylen),
		  AT_ERR_SECRET);
	assert_null(key);
	assert_at(secret_get(f, TEST_SECRET "\n", 0620, 0, &key, &keylen),
		  AT_ERR_SECRET);
}

static void
test_secret_get_too_long(void **state)
{
	struct fixture *f = *state;
	char *content = malloc(AT_MAX_SECRET + 2);
	unsigned char *key = NULL;
	size_t keylen = 0;

	assert_non_null(content);
	memset(content, 'k', AT_MAX_SECRET + 1);
	content[AT_MAX_SECRET + 1] = '\0';
	assert_at(secret_get(f, content, 0600, 0, &key, &keylen),
		  AT_ERR_SECRET);
	assert_null(key);
	free(content);
}

/* The secret asked for is fine, but the file is not: refused. */
static void
test_secret_get_refuses_bad_line_after_nth(void **state)
{
	struct fixture *f = *state;
	unsigned char *key = (unsigned char *)f;
	size_t keylen = 5;

	assert_at(secret_get(f, TEST_SECRET "\n \n", 0600, 0, &key, &keylen),
		  AT_ERR_SECRET);
	assert_null(key);
	assert_int_equal(keylen, 0);
	assert_non_null(strstr(f->ulog.buf, "/secret:2: "));
	assert_null(strstr(f->ulog.buf, TEST_SECRET));
}

static void
test_secret_get_refuses_bom(void **state)
{
	struct fixture *f = *state;
	unsigned char *key = NULL;
	size_t keylen = 0;

	assert_at(secret_get(f, BOM TEST_SECRET "\n", 0600, 0, &key, &keylen),
		  AT_ERR_SECRET);
	assert_null(key);
	assert_non_null(strstr(f->ulog.buf, "byte order mark"));
}

/* ------------------------------------------------------------------ */
/* at_verifier_from_config */

static void
test_from_config_secrets_and_map(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;
	char *secret = write_file(f, "secret",
				  TEST_SECRET "\n" TEST_SECRET2 "\n", 0600);
	char *map = write_file(f, "map", "agent-7 alice\n", 0644);

	assert_at(at_config_set(&f->cfg, "secret_file", secret, NULL), AT_OK);
	assert_at(at_config_set(&f->cfg, "user_map", map, NULL), AT_OK);
	assert_at(at_verifier_from_config(&v, &f->cfg, getuid(), &f->ulog.log),
		  AT_OK);
	assert_non_null(v);
	assert_int_equal(at_verifier_secret_count(v), 2);
	assert_true(v->has_map);
	assert_int_equal(map_n(v), 1);
	assert_ptr_equal(v->cfg, &f->cfg);
	at_verifier_free(v);
	free(secret);
	free(map);
}

static void
test_from_config_no_map(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;
	char *secret = write_file(f, "secret", TEST_SECRET "\n", 0600);

	assert_at(at_config_set(&f->cfg, "secret_file", secret, NULL), AT_OK);
	assert_at(at_verifier_from_config(&v, &f->cfg, getuid(), &f->ulog.log),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(v), 1);
	assert_false(v->has_map);
	at_verifier_free(v);
	free(secret);
}

static void
test_from_config_no_secret_file(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(at_verifier_from_config(&v, &f->cfg, getuid(), &f->ulog.log),
		  AT_ERR_CONFIG);
	assert_null(v);
}

static void
test_from_config_bad_secret_file(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;
	char *secret = write_file(f, "secret", TEST_SECRET "\n", 0644);

	assert_at(at_config_set(&f->cfg, "secret_file", secret, NULL), AT_OK);
	assert_at(at_verifier_from_config(&v, &f->cfg, getuid(), &f->ulog.log),
		  AT_ERR_SECRET);
	assert_null(v);
	free(secret);
}

static void
test_from_config_bad_map(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;
	char *secret = write_file(f, "secret", TEST_SECRET "\n", 0600);
	char *map = write_file(f, "map", "agent-7 alice bob\n", 0644);

	assert_at(at_config_set(&f->cfg, "secret_file", secret, NULL), AT_OK);
	assert_at(at_config_set(&f->cfg, "user_map", map, NULL), AT_OK);
	assert_at(at_verifier_from_config(&v, &f->cfg, getuid(), &f->ulog.log),
		  AT_ERR_FILE);
	assert_null(v);
	free(secret);
	free(map);
}

/*
 * Per-method secret files: the method that mode admits and no file
 * serves is a configuration error naming that method.
 */
static enum at_err
from_config_split(struct fixture *f, const char *mode, const char *hmac,
		  const char *jwt, const char *both, struct at_verifier **v)
{
	char *path;
	enum at_err r;

	if (mode != NULL)
		assert_at(at_config_set(&f->cfg, "mode", mode, NULL), AT_OK);
	if (hmac != NULL) {
		path = write_file(f, "hmac", hmac, 0600);
		r = at_config_set(&f->cfg, "hmac_secret_file", path, NULL);
		free(path);
		assert_at(r, AT_OK);
	}
	if (jwt != NULL) {
		path = write_file(f, "jwt", jwt, 0600);
		r = at_config_set(&f->cfg, "jwt_secret_file", path, NULL);
		free(path);
		assert_at(r, AT_OK);
	}
	if (both != NULL) {
		path = write_file(f, "both", both, 0600);
		r = at_config_set(&f->cfg, "secret_file", path, NULL);
		free(path);
		assert_at(r, AT_OK);
	}
	f->ulog.buf[0] = '\0';
	return at_verifier_from_config(v, &f->cfg, getuid(), &f->ulog.log);
}

static void
assert_logged_text(struct fixture *f, const char *text)
{
	if (strstr(f->ulog.buf, text) == NULL)
		fail_msg("want \"%s\" in the log:\n%s", text, f->ulog.buf);
}

static void
test_from_config_split_ok(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;

	assert_at(from_config_split(f, NULL, TEST_SECRET "\n",
				    TEST_SECRET2 "\n", NULL, &v),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(v), 2);
	at_verifier_free(v);
}

static void
test_from_config_any_without_jwt_secret(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, NULL, TEST_SECRET "\n", NULL, NULL, &v),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_logged_text(f, "mode=any accepts JWTs but no secret file "
			      "serves them");
	assert_null(strstr(f->ulog.buf, "HMAC"));
}

static void
test_from_config_any_without_hmac_secret(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, "any", NULL, TEST_SECRET "\n", NULL, &v),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_logged_text(f, "mode=any accepts HMAC credentials but no "
			      "secret file serves them");
}

static void
test_from_config_jwt_mode_with_only_hmac_file(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, "jwt", TEST_SECRET "\n", NULL, NULL, &v),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_logged_text(f, "mode=jwt accepts JWTs but no secret file");
}

static void
test_from_config_hmac_mode_with_only_jwt_file(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, "hmac", NULL, TEST_SECRET "\n", NULL,
				    &v),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_logged_text(f, "mode=hmac accepts HMAC credentials but no "
			      "secret file");
}

/*
 * A per-method file for a method that mode refuses is never opened: the
 * stack does not hold a secret it does not use (a shared config file may
 * name both files while one pam.d line says mode=jwt).
 */
static void
test_from_config_excluded_method_file_not_read(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;
	char *unsafe = write_file(f, "unsafe", TEST_SECRET "\n", 0644);

	assert_at(at_config_set(&f->cfg, "hmac_secret_file", unsafe, NULL),
		  AT_OK);
	assert_at(from_config_split(f, "jwt", NULL, TEST_SECRET2 "\n", NULL,
				    &v),
		  AT_OK);
	assert_int_equal(at_verifier_secret_count(v), 1);
	assert_null(strstr(f->ulog.buf, "unsafe"));
	at_verifier_free(v);
	free(unsafe);
}

/* A per-method file is the only source for its method: an unusable one
 * is not replaced by secret_file. */
static void
test_from_config_bad_method_file_no_fallback(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, NULL, NULL, " " TEST_SECRET2 "\n",
				    TEST_SECRET "\n", &v),
		  AT_ERR_SECRET);
	assert_null(v);
	assert_logged_text(f, "/jwt:1: ");
}

/* Neither method has a file: one line naming both. */
static void
test_from_config_no_secret_at_all(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = (struct at_verifier *)f;

	assert_at(from_config_split(f, NULL, NULL, NULL, NULL, &v),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_logged_text(f, "mode=any accepts HMAC credentials and JWTs but "
			      "no secret file serves them");
}

/* ------------------------------------------------------------------ */
/* user map */

static void
test_user_map_loads(void **state)
{
	struct fixture *f = *state;

	assert_at(load_map(f,
			   "# external id      local user\n"
			   "\n"
			   "agent-7 alice\n"
			   "  spiffe://x/y\t\tbob  \r\n"
			   "Agent-7 carol\n",
			   0644),
		  AT_OK);
	assert_true(f->v->has_map);
	assert_int_equal(map_n(f->v), 3);
	assert_string_equal(mapped(f->v, "agent-7"), "alice");
	assert_string_equal(mapped(f->v, "spiffe://x/y"), "bob");
	assert_string_equal(mapped(f->v, "Agent-7"), "carol");
	assert_null(mapped(f->v, "agent-7 "));
	assert_null(mapped(f->v, "AGENT-7"));
}

static void
test_user_map_empty_still_in_force(void **state)
{
	struct fixture *f = *state;

	assert_at(load_map(f, "# nobody yet\n", 0644), AT_OK);
	assert_true(f->v->has_map);
	assert_int_equal(map_n(f->v), 0);
}

static void
test_user_map_one_field(void **state)
{
	struct fixture *f = *state;

	assert_at(load_map(f, "agent-7 alice\nagent-8\n", 0644), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, ":2:"));
}

static void
test_user_map_three_fields(void **state)
{
	assert_at(load_map(*state, "agent-7 alice bob\n", 0644), AT_ERR_FILE);
	assert_at(load_map(*state, "agent-7\talice\tbob\n", 0644), AT_ERR_FILE);
}

static void
test_user_map_duplicate_id(void **state)
{
	assert_at(load_map(*state, "agent-7 alice\nagent-7 bob\n", 0644),
		  AT_ERR_FILE);
}

static void
test_user_map_same_user_twice_ok(void **state)
{
	struct fixture *f = *state;

	/* Two ids for one user is fine; it is the id that must be unique. */
	assert_at(load_map(f, "agent-7 alice\nagent-8 alice\n", 0644), AT_OK);
	assert_int_equal(map_n(f->v), 2);
}

/*
 * The reverse lookup (the account phase's "which ids name this user"):
 * every id mapped to the user, in map order, none of another user's, and
 * an exact match of the user name (no prefix, no case folding).
 */
static void
test_user_map_reverse(void **state)
{
	struct fixture *f = *state;
	size_t pos = 0;

	assert_at(load_map(f,
			   "agent-7 alice\nagent-8 bob\nagent-9 alice\n"
			   "agent-10 Alice\nagent-11 alicex\n",
			   0644),
		  AT_OK);
	assert_string_equal(next_id(f->v, "alice", &pos),
			    "agent-7");
	assert_string_equal(next_id(f->v, "alice", &pos),
			    "agent-9");
	assert_null(next_id(f->v, "alice", &pos));
	/* Stays at the end. */
	assert_null(next_id(f->v, "alice", &pos));
	pos = 0;
	assert_string_equal(next_id(f->v, "bob", &pos),
			    "agent-8");
	assert_null(next_id(f->v, "bob", &pos));
	pos = 0;
	assert_null(next_id(f->v, "carol", &pos));
	pos = 0;
	assert_null(next_id(f->v, "alic", &pos));
}

/* Without a map, no id names a user through it. */
static void
test_user_map_reverse_no_map(void **state)
{
	struct fixture *f = *state;
	size_t pos = 0;

	assert_false(f->v->has_map);
	assert_null(next_id(f->v, "alice", &pos));
}

static void
test_user_map_unprintable(void **state)
{
	assert_at(load_map(*state, "agent\x01 alice\n", 0644), AT_ERR_FILE);
	assert_at(load_map(*state, "agent alice\x7f\n", 0644), AT_ERR_FILE);
}

static void
test_user_map_field_too_long(void **state)
{
	struct fixture *f = *state;
	char id[AT_MAX_SUB + 2], *content;

	memset(id, 'i', AT_MAX_SUB + 1);
	id[AT_MAX_SUB + 1] = '\0';
	assert_true(asprintf(&content, "%s alice\n", id) > 0);
	assert_at(load_map(f, content, 0644), AT_ERR_FILE);
	free(content);
}

static void
test_user_map_group_writable(void **state)
{
	assert_at(load_map(*state, "agent-7 alice\n", 0664), AT_ERR_FILE);
}

static void
test_user_map_missing(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "missing");

	assert_at(at_verifier_load_user_map(f->v, path, getuid()), AT_ERR_FILE);
	free(path);
}

static void
test_add_mapping(void **state)
{
	struct fixture *f = *state;

	assert_at(at_verifier_add_mapping(f->v, "agent-7", "alice"), AT_OK);
	assert_true(f->v->has_map);
	assert_at(at_verifier_add_mapping(f->v, "agent-7", "bob"), AT_ERR_FILE);
	assert_at(at_verifier_add_mapping(f->v, "", "bob"), AT_ERR_FILE);
	assert_at(at_verifier_add_mapping(f->v, "agent-8", ""), AT_ERR_FILE);
	assert_at(at_verifier_add_mapping(f->v, "agent\n8", "bob"),
		  AT_ERR_FILE);
	assert_at(at_verifier_add_mapping(f->v, "agent-8", "b\xc2\x85ob"),
		  AT_ERR_FILE);
	assert_at(at_verifier_add_mapping(f->v, "agent-8", "bob"), AT_OK);
	assert_int_equal(map_n(f->v), 2);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_verifier_is_empty),
		T(test_clock_injected),
		T(test_secret_31_bytes_too_short),
		T(test_secret_32_bytes_ok),
		T(test_secret_too_long),
		T(test_secret_too_many),
		T(test_secret_bytes_copied),
		T(test_rotation_index),
		T(test_rotation_same_secret_twice_first_wins),
		T(test_check_mac_tag_length),
		T(test_method_secrets_separate),
		T(test_method_secrets_both),
		T(test_method_secrets_limit_per_set),
		T(test_method_secret_files_and_origin),
		T(test_method_secret_file_refused_keeps_earlier),
		T(test_secret_file_rules),
		T(test_secret_file_0600_ok),
		T(test_secret_file_0640_ok),
		T(test_secret_file_0604_refused),
		T(test_secret_file_0620_refused),
		T(test_secret_file_0602_refused),
		T(test_secret_file_symlink_refused),
		T(test_secret_file_directory_refused),
		T(test_secret_file_missing_refused),
		T(test_secret_file_empty_refused),
		T(test_secret_file_comments_only_refused),
		T(test_secret_file_relative_refused),
		T(test_secret_file_short_line),
		T(test_secret_file_line_over_max_secret),
		T(test_secret_file_line_over_max_line),
		T(test_secret_file_too_many_lines),
		T(test_secret_file_appends_to_loaded_verifier),
		T(test_secret_file_unicode_space_refused),
		T(test_secret_file_edge_not_printable_refused),
		T(test_secret_file_unicode_space_line_refused),
		T(test_secret_file_unicode_inside_loads),
		T(test_secret_file_bom_at_start_refused),
		T(test_secret_file_bom_on_later_line_refused),
		T(test_secret_file_bom_before_comment_refused),
		T(test_secret_file_white_space_line_refused),
		T(test_secret_file_indented_comment_refused),
		T(test_secret_file_leading_white_space_refused),
		T(test_secret_file_trailing_white_space_refused),
		T(test_secret_file_clean_blank_and_comment_lines_load),
		T(test_secret_file_without_secret_refused_when_keys_loaded),
		T(test_secret_get_nth),
		T(test_secret_get_short),
		T(test_secret_get_unsafe_file),
		T(test_secret_get_too_long),
		T(test_secret_get_refuses_bad_line_after_nth),
		T(test_secret_get_refuses_bom),
		T(test_from_config_secrets_and_map),
		T(test_from_config_no_map),
		T(test_from_config_no_secret_file),
		T(test_from_config_bad_secret_file),
		T(test_from_config_bad_map),
		T(test_from_config_split_ok),
		T(test_from_config_any_without_jwt_secret),
		T(test_from_config_any_without_hmac_secret),
		T(test_from_config_jwt_mode_with_only_hmac_file),
		T(test_from_config_hmac_mode_with_only_jwt_file),
		T(test_from_config_excluded_method_file_not_read),
		T(test_from_config_bad_method_file_no_fallback),
		T(test_from_config_no_secret_at_all),
		T(test_user_map_loads),
		T(test_user_map_empty_still_in_force),
		T(test_user_map_one_field),
		T(test_user_map_three_fields),
		T(test_user_map_duplicate_id),
		T(test_user_map_same_user_twice_ok),
		T(test_user_map_reverse),
		T(test_user_map_reverse_no_map),
		T(test_user_map_unprintable),
		T(test_user_map_field_too_long),
		T(test_user_map_group_writable),
		T(test_user_map_missing),
		T(test_add_mapping),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
