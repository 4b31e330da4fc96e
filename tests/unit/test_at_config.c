/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_config.c - lib/at_config.c: every option of the table through
 * at_config_set(), each malformed value, and at_config_load()'s order
 * (config= first, then the file, then the arguments over it) with a
 * default-config path inside a private temp directory.
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

#include "at_store.h"
#include "test_common.h"
#include "unit_test.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct fixture {
	struct at_config cfg;
	struct unit_log ulog;
	char *dir;
	char *default_config; /* dir/agentictrust.conf, not created */
	char *other_config;   /* dir/other.conf, not created */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	at_config_init(&f->cfg);
	unit_log_init(&f->ulog);
	f->dir = test_mkdtemp();
	f->default_config = test_path(f->dir, "agentictrust.conf");
	f->other_config = test_path(f->dir, "other.conf");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_config_clear(&f->cfg);
	test_rmdir(f->dir);
	free(f->dir);
	free(f->default_config);
	free(f->other_config);
	free(f);
	return 0;
}

static enum at_err
set(struct fixture *f, const char *key, const char *value)
{
	return at_config_set(&f->cfg, key, value, &f->ulog.log);
}

static void
write_config(const char *path, const char *content, mode_t mode)
{
	assert_int_equal(test_write_file(path, content, mode), 0);
}

static enum at_err
load(struct fixture *f, int argc, const char **argv)
{
	return at_config_load(&f->cfg, argc, argv, f->default_config, getuid(),
			      &f->ulog.log);
}

/* ------------------------------------------------------------------ */
/* defaults */

static void
test_defaults(void **state)
{
	struct fixture *f = *state;

	assert_null(f->cfg.config_file);
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.hmac_secret_file);
	assert_null(f->cfg.jwt_secret_file);
	assert_null(f->cfg.issuer);
	assert_null(f->cfg.audience);
	assert_null(f->cfg.user_map);
	assert_null(f->cfg.prompt);
	assert_int_equal(f->cfg.mode, AT_MODE_ANY);
	assert_int_equal(f->cfg.leeway, AT_DEFAULT_LEEWAY);
	assert_int_equal(f->cfg.max_ttl, 0);
	assert_false(f->cfg.allow_no_exp);
	assert_false(f->cfg.use_first_pass);
	assert_false(f->cfg.try_first_pass);
	assert_false(f->cfg.debug);
	assert_false(f->cfg.accounts_any);
}

static void
test_free_resets(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "secret_file", "/etc/s"), AT_OK);
	assert_at(set(f, "hmac_secret_file", "/etc/h"), AT_OK);
	assert_at(set(f, "jwt_secret_file", "/etc/j"), AT_OK);
	assert_at(set(f, "leeway", "5"), AT_OK);
	at_config_clear(&f->cfg);
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.hmac_secret_file);
	assert_null(f->cfg.jwt_secret_file);
	assert_int_equal(f->cfg.leeway, AT_DEFAULT_LEEWAY);
	at_config_clear(NULL);
}

static void
test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(at_mode_name(AT_MODE_ANY), "any");
	assert_string_equal(at_mode_name(AT_MODE_JWT), "jwt");
	assert_string_equal(at_mode_name(AT_MODE_HMAC), "hmac");
}

/* ------------------------------------------------------------------ */
/* every option of the table */

static void
test_opt_secret_file(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "secret_file", "/etc/security/at.secret"), AT_OK);
	assert_string_equal(f->cfg.secret_file, "/etc/security/at.secret");
	/* A second value replaces the first. */
	assert_at(set(f, "secret_file", "/etc/other"), AT_OK);
	assert_string_equal(f->cfg.secret_file, "/etc/other");
}

static void
test_opt_hmac_secret_file(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "hmac_secret_file", "/etc/security/hmac.secret"),
		  AT_OK);
	assert_string_equal(f->cfg.hmac_secret_file,
			    "/etc/security/hmac.secret");
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.jwt_secret_file);
	assert_at(set(f, "hmac_secret_file", "/etc/other"), AT_OK);
	assert_string_equal(f->cfg.hmac_secret_file, "/etc/other");
}

static void
test_opt_jwt_secret_file(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "jwt_secret_file", "/etc/security/jwt.secret"),
		  AT_OK);
	assert_string_equal(f->cfg.jwt_secret_file,
			    "/etc/security/jwt.secret");
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.hmac_secret_file);
}

/*
 * Which file serves which method: a method's own file when set (its only
 * source), secret_file otherwise, nothing for a method mode refuses.
 */
static void
test_secret_file_for_method(void **state)
{
	struct fixture *f = *state;
	const char *opt = "x";

	assert_null(at_config_secret_file(&f->cfg, AT_METHOD_HMAC, &opt));
	assert_null(opt);
	assert_at(set(f, "secret_file", "/s"), AT_OK);
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_HMAC,
						  &opt),
			    "/s");
	assert_string_equal(opt, "secret_file");
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_JWT,
						  &opt),
			    "/s");
	assert_at(set(f, "jwt_secret_file", "/j"), AT_OK);
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_JWT,
						  &opt),
			    "/j");
	assert_string_equal(opt, "jwt_secret_file");
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_HMAC,
						  NULL),
			    "/s");
	assert_at(set(f, "hmac_secret_file", "/h"), AT_OK);
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_HMAC,
						  &opt),
			    "/h");
	assert_string_equal(opt, "hmac_secret_file");
	assert_at(set(f, "mode", "jwt"), AT_OK);
	assert_null(at_config_secret_file(&f->cfg, AT_METHOD_HMAC, &opt));
	assert_null(opt);
	assert_string_equal(at_config_secret_file(&f->cfg, AT_METHOD_JWT,
						  NULL),
			    "/j");
	assert_at(set(f, "mode", "hmac"), AT_OK);
	assert_null(at_config_secret_file(&f->cfg, AT_METHOD_JWT, NULL));
	assert_null(at_config_secret_file(&f->cfg, AT_METHOD_NONE, &opt));
	assert_false(at_mode_allows(AT_MODE_HMAC, AT_METHOD_JWT));
	assert_true(at_mode_allows(AT_MODE_HMAC, AT_METHOD_HMAC));
	assert_true(at_mode_allows(AT_MODE_ANY, AT_METHOD_JWT));
	assert_true(at_mode_allows(AT_MODE_ANY, AT_METHOD_HMAC));
	assert_false(at_mode_allows(AT_MODE_JWT, AT_METHOD_HMAC));
	assert_false(at_mode_allows(AT_MODE_ANY, AT_METHOD_NONE));
}

static void
test_opt_config(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "config", "/etc/security/at.conf"), AT_OK);
	assert_string_equal(f->cfg.config_file, "/etc/security/at.conf");
}

static void
test_opt_mode(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "mode", "jwt"), AT_OK);
	assert_int_equal(f->cfg.mode, AT_MODE_JWT);
	assert_at(set(f, "mode", "hmac"), AT_OK);
	assert_int_equal(f->cfg.mode, AT_MODE_HMAC);
	assert_at(set(f, "mode", "any"), AT_OK);
	assert_int_equal(f->cfg.mode, AT_MODE_ANY);
}

static void
test_opt_leeway(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "leeway", "0"), AT_OK);
	assert_int_equal(f->cfg.leeway, 0);
	assert_at(set(f, "leeway", "300"), AT_OK);
	assert_int_equal(f->cfg.leeway, 300);
	assert_at(set(f, "leeway", "17"), AT_OK);
	assert_int_equal(f->cfg.leeway, 17);
}

static void
test_opt_issuer(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "issuer", "https://idp.example/realm 1"), AT_OK);
	assert_string_equal(f->cfg.issuer, "https://idp.example/realm 1");
}

static void
test_opt_audience(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "audience", "pam-host"), AT_OK);
	assert_string_equal(f->cfg.audience, "pam-host");
}

static void
test_opt_max_ttl(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "max_ttl", "1"), AT_OK);
	assert_int_equal(f->cfg.max_ttl, 1);
	assert_at(set(f, "max_ttl", "31536000"), AT_OK);
	assert_int_equal(f->cfg.max_ttl, AT_MAX_TTL_LIMIT);
}

static void
test_opt_allow_no_exp(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "allow_no_exp", NULL), AT_OK);
	assert_true(f->cfg.allow_no_exp);
	assert_at(set(f, "allow_no_exp", "false"), AT_OK);
	assert_false(f->cfg.allow_no_exp);
	assert_at(set(f, "allow_no_exp", "true"), AT_OK);
	assert_true(f->cfg.allow_no_exp);
}

static void
test_opt_user_map(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "user_map", "/etc/security/at.map"), AT_OK);
	assert_string_equal(f->cfg.user_map, "/etc/security/at.map");
}

static void
test_opt_prompt(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "prompt", "Token: "), AT_OK);
	assert_string_equal(f->cfg.prompt, "Token: ");
}

static void
test_opt_use_first_pass(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "use_first_pass", NULL), AT_OK);
	assert_true(f->cfg.use_first_pass);
	assert_false(f->cfg.try_first_pass);
}

static void
test_opt_try_first_pass(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "try_first_pass", NULL), AT_OK);
	assert_true(f->cfg.try_first_pass);
	assert_false(f->cfg.use_first_pass);
}

static void
test_opt_debug(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "debug", NULL), AT_OK);
	assert_true(f->cfg.debug);
	assert_at(set(f, "debug", "false"), AT_OK);
	assert_false(f->cfg.debug);
}

/* ------------------------------------------------------------------ */
/* malformed options */

static void
test_opt_unknown(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "secretfile", "/etc/s"), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "unknown option"));
	assert_at(set(f, "DEBUG", NULL), AT_ERR_CONFIG);
	assert_at(set(f, "", NULL), AT_ERR_CONFIG);
	assert_at(set(f, "nullok", NULL), AT_ERR_CONFIG);
}

static void
test_opt_leeway_301(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "leeway", "301"), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.leeway, AT_DEFAULT_LEEWAY);
}

static void
test_opt_leeway_negative(void **state)
{
	assert_at(set(*state, "leeway", "-1"), AT_ERR_CONFIG);
}

static void
test_opt_leeway_abc(void **state)
{
	assert_at(set(*state, "leeway", "abc"), AT_ERR_CONFIG);
}

static void
test_opt_leeway_empty(void **state)
{
	assert_at(set(*state, "leeway", ""), AT_ERR_CONFIG);
}

static void
test_opt_leeway_other_forms(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "leeway", NULL), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", "+5"), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", " 5"), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", "5 "), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", "5s"), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", "0x10"), AT_ERR_CONFIG);
	assert_at(set(f, "leeway", "99999999999999999999999"), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.leeway, AT_DEFAULT_LEEWAY);
}

static void
test_opt_max_ttl_zero(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "max_ttl", "0"), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.max_ttl, 0);
}

static void
test_opt_max_ttl_over_limit(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "max_ttl", "31536001"), AT_ERR_CONFIG);
	assert_at(set(f, "max_ttl", "-5"), AT_ERR_CONFIG);
	assert_at(set(f, "max_ttl", NULL), AT_ERR_CONFIG);
}

static void
test_opt_accounts(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "accounts", "any"), AT_OK);
	assert_true(f->cfg.accounts_any);
	assert_at(set(f, "accounts", "unix"), AT_OK);
	assert_false(f->cfg.accounts_any);
}

/* Only the two words: no flag form, no case folding, and a bad value
 * leaves the setting as it was. */
static void
test_opt_accounts_bad(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "accounts", "ANY"), AT_ERR_CONFIG);
	assert_at(set(f, "accounts", "all"), AT_ERR_CONFIG);
	assert_at(set(f, "accounts", "true"), AT_ERR_CONFIG);
	assert_at(set(f, "accounts", ""), AT_ERR_CONFIG);
	assert_at(set(f, "accounts", NULL), AT_ERR_CONFIG);
	assert_false(f->cfg.accounts_any);
	assert_at(set(f, "accounts", "any"), AT_OK);
	assert_at(set(f, "accounts", "unix "), AT_ERR_CONFIG);
	assert_true(f->cfg.accounts_any);
}

static void
test_opt_mode_xyz(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "mode", "xyz"), AT_ERR_CONFIG);
	assert_at(set(f, "mode", "JWT"), AT_ERR_CONFIG);
	assert_at(set(f, "mode", ""), AT_ERR_CONFIG);
	assert_at(set(f, "mode", NULL), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.mode, AT_MODE_ANY);
}

static void
test_opt_path_empty(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "secret_file", ""), AT_ERR_CONFIG);
	assert_at(set(f, "hmac_secret_file", ""), AT_ERR_CONFIG);
	assert_at(set(f, "jwt_secret_file", ""), AT_ERR_CONFIG);
	assert_at(set(f, "user_map", ""), AT_ERR_CONFIG);
	assert_at(set(f, "config", ""), AT_ERR_CONFIG);
	assert_at(set(f, "secret_file", NULL), AT_ERR_CONFIG);
	assert_at(set(f, "jwt_secret_file", NULL), AT_ERR_CONFIG);
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.hmac_secret_file);
	assert_null(f->cfg.jwt_secret_file);
}

static void
test_opt_path_relative(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "secret_file", "etc/secret"), AT_ERR_CONFIG);
	assert_at(set(f, "hmac_secret_file", "hmac.secret"), AT_ERR_CONFIG);
	assert_at(set(f, "jwt_secret_file", "./jwt.secret"), AT_ERR_CONFIG);
	assert_null(f->cfg.hmac_secret_file);
	assert_null(f->cfg.jwt_secret_file);
	assert_at(set(f, "user_map", "./map"), AT_ERR_CONFIG);
	assert_at(set(f, "config", "at.conf"), AT_ERR_CONFIG);
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.user_map);
	assert_null(f->cfg.config_file);
}

/* Every byte of the log is printable ASCII or the newline between lines. */
static void
assert_log_printable(const struct fixture *f)
{
	const char *p;

	for (p = f->ulog.buf; *p != '\0'; p++)
		if (*p != '\n' && (*p < 0x20 || *p > 0x7e))
			fail_msg("byte 0x%02x in the log: %s",
				 (unsigned int)(unsigned char)*p, f->ulog.buf);
}

/*
 * A path is printed in every message about its file: one with a control
 * byte (a terminal escape, a newline that starts a fake line) is
 * malformed, from the arguments or the config file, and a value or key
 * that is not printable is never shown, not even from the arguments.
 */
static void
test_opt_path_unprintable(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	assert_at(set(f, "secret_file", "/etc/\x1b[2Jsecret"), AT_ERR_CONFIG);
	assert_at(set(f, "hmac_secret_file", "/etc/a\nb"), AT_ERR_CONFIG);
	assert_at(set(f, "jwt_secret_file", "/etc/\x07"), AT_ERR_CONFIG);
	assert_at(set(f, "user_map", "/etc/\x7fmap"), AT_ERR_CONFIG);
	assert_at(set(f, "config", "/etc/\xc2\x9b" "2J"), AT_ERR_CONFIG);
	assert_null(f->cfg.secret_file);
	assert_null(f->cfg.hmac_secret_file);
	assert_null(f->cfg.jwt_secret_file);
	assert_null(f->cfg.user_map);
	assert_null(f->cfg.config_file);
	assert_non_null(strstr(f->ulog.buf,
			       "option secret_file: malformed value"));
	assert_log_printable(f);
	/* A value or a key from the arguments that is not printable. */
	f->ulog.buf[0] = '\0';
	assert_at(set(f, "leeway", "\x1b[2J"), AT_ERR_CONFIG);
	assert_at(set(f, "\x1b[2Jkey", "1"), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "option leeway: malformed value"));
	assert_non_null(strstr(f->ulog.buf, "unknown option"));
	assert_log_printable(f);
	/* From the config file. */
	write_config(f->default_config, "user_map = /etc/\x1b[2Jmap\n", 0644);
	f->ulog.buf[0] = '\0';
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, ":1: rejected"));
	assert_log_printable(f);
	/* UTF-8 in a path is a name like any other. */
	assert_at(set(f, "secret_file", "/etc/s\xc3\xa9" "cret"), AT_OK);
}

static void
test_opt_text_malformed(void **state)
{
	struct fixture *f = *state;
	char *long_value = malloc(AT_MAX_CLAIM + 2);

	assert_non_null(long_value);
	assert_at(set(f, "issuer", ""), AT_ERR_CONFIG);
	assert_at(set(f, "issuer", NULL), AT_ERR_CONFIG);
	assert_at(set(f, "audience", "a\nb"), AT_ERR_CONFIG);
	assert_at(set(f, "prompt", "\x1b[2J"), AT_ERR_CONFIG);
	memset(long_value, 'i', AT_MAX_CLAIM + 1);
	long_value[AT_MAX_CLAIM + 1] = '\0';
	assert_at(set(f, "issuer", long_value), AT_ERR_CONFIG);
	long_value[AT_MAX_CLAIM] = '\0';
	assert_at(set(f, "issuer", long_value), AT_OK);
	free(long_value);
}

static void
test_opt_flag_malformed(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "debug", "yes"), AT_ERR_CONFIG);
	assert_at(set(f, "debug", "1"), AT_ERR_CONFIG);
	assert_at(set(f, "use_first_pass", "TRUE"), AT_ERR_CONFIG);
	assert_at(set(f, "allow_no_exp", ""), AT_ERR_CONFIG);
	assert_false(f->cfg.debug);
	assert_false(f->cfg.allow_no_exp);
}

/* ------------------------------------------------------------------ */
/* at_config_load */

static void
test_load_every_key_from_file(void **state)
{
	struct fixture *f = *state;

	write_config(f->default_config,
		     "# Agentic Trust\n"
		     "\n"
		     "secret_file = /etc/security/at.secret\n"
		     "hmac_secret_file = /etc/security/h.secret\n"
		     "jwt_secret_file=/etc/security/j.secret\n"
		     "  mode=jwt  \n"
		     "leeway\t=\t10\r\n"
		     "issuer = https://idp.example\n"
		     "audience = pam-host\n"
		     "max_ttl = 600\n"
		     "allow_no_exp = true\n"
		     "user_map = /etc/security/at.map\n"
		     "prompt = Agent token: x=y\n"
		     "try_first_pass = true\n"
		     "use_first_pass = false\n"
		     "debug = true\n"
		     "accounts = any\n",
		     0644);
	assert_at(load(f, 0, NULL), AT_OK);
	assert_true(f->cfg.accounts_any);
	assert_string_equal(f->cfg.secret_file, "/etc/security/at.secret");
	assert_string_equal(f->cfg.hmac_secret_file, "/etc/security/h.secret");
	assert_string_equal(f->cfg.jwt_secret_file, "/etc/security/j.secret");
	assert_int_equal(f->cfg.mode, AT_MODE_JWT);
	assert_int_equal(f->cfg.leeway, 10);
	assert_string_equal(f->cfg.issuer, "https://idp.example");
	assert_string_equal(f->cfg.audience, "pam-host");
	assert_int_equal(f->cfg.max_ttl, 600);
	assert_true(f->cfg.allow_no_exp);
	assert_string_equal(f->cfg.user_map, "/etc/security/at.map");
	assert_string_equal(f->cfg.prompt, "Agent token: x=y");
	assert_true(f->cfg.try_first_pass);
	assert_false(f->cfg.use_first_pass);
	assert_true(f->cfg.debug);
	assert_null(f->cfg.config_file);
}

static void
test_load_argv_overrides_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"leeway=20", "mode=hmac", "debug",
			      "secret_file=/etc/argv.secret",
			      "issuer=argv-issuer"};

	write_config(f->default_config,
		     "secret_file = /etc/file.secret\n"
		     "leeway = 10\n"
		     "mode = jwt\n"
		     "debug = false\n"
		     "issuer = file-issuer\n"
		     "audience = file-audience\n",
		     0644);
	assert_at(load(f, ARGC(argv), argv), AT_OK);
	assert_int_equal(f->cfg.leeway, 20);
	assert_int_equal(f->cfg.mode, AT_MODE_HMAC);
	assert_true(f->cfg.debug);
	assert_string_equal(f->cfg.secret_file, "/etc/argv.secret");
	assert_string_equal(f->cfg.issuer, "argv-issuer");
	/* Not overridden: kept from the file. */
	assert_string_equal(f->cfg.audience, "file-audience");
}

static void
test_load_argv_flag_false_overrides_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"debug=false", "allow_no_exp=false"};

	write_config(
		f->default_config,
		"secret_file = /etc/s\ndebug = true\nallow_no_exp = true\n",
		0644);
	assert_at(load(f, ARGC(argv), argv), AT_OK);
	assert_false(f->cfg.debug);
	assert_false(f->cfg.allow_no_exp);
}

static void
test_load_explicit_config(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"debug", NULL};
	char *arg;

	/* The default is not read when config= is given: it is broken. */
	write_config(f->default_config, "this line is broken\n", 0644);
	write_config(f->other_config,
		     "secret_file = /etc/other.secret\n"
		     "leeway = 42\n",
		     0644);
	assert_true(asprintf(&arg, "config=%s", f->other_config) > 0);
	/* config= applies first wherever it is in argv. */
	argv[1] = arg;
	assert_at(load(f, ARGC(argv), argv), AT_OK);
	assert_string_equal(f->cfg.config_file, f->other_config);
	assert_string_equal(f->cfg.secret_file, "/etc/other.secret");
	assert_int_equal(f->cfg.leeway, 42);
	assert_true(f->cfg.debug);
	free(arg);
}

static void
test_load_explicit_config_missing(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {NULL, "secret_file=/etc/s"};
	char *arg;

	assert_true(asprintf(&arg, "config=%s", f->other_config) > 0);
	argv[0] = arg;
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	free(arg);
}

static void
test_load_explicit_config_relative(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"config=at.conf", "secret_file=/etc/s"};

	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_default_config_missing_ok(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	assert_at(load(f, ARGC(argv), argv), AT_OK);
	assert_string_equal(f->cfg.secret_file, "/etc/s");
	/* at_config_load fills in the default prompt. */
	assert_string_equal(f->cfg.prompt, AT_DEFAULT_PROMPT);
}

static void
test_load_config_line_in_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};
	char *content;

	write_config(f->other_config, "secret_file = /etc/s\n", 0644);
	assert_true(asprintf(&content, "config = %s\n", f->other_config) > 0);
	write_config(f->default_config, content, 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	free(content);
}

static void
test_load_unknown_key_in_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	write_config(f->default_config, "leeway = 10\nnullok = true\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, ":2:"));
}

static void
test_load_bad_value_in_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	write_config(f->default_config, "leeway = 301\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

/*
 * A config file's words never reach the log (config=/etc/mysql/x.cnf
 * must not print a password): the file and line, the option's name when
 * it is one, what is wrong.  Arguments (the pam.d line) are shown.
 */
static void
test_load_file_content_not_logged(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};
	static const char *const lines[] = {
		"leeway = AtLeakCanary\n",
		"mode = AtLeakCanary\n",
		"max_ttl = AtLeakCanary\n",
		"debug = AtLeakCanary\n",
		"secret_file = AtLeakCanary\n",
		"AtLeakCanary = 1\n",
		"AtLeakCanary\n",
		"password = AtLeakCanary\n",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		write_config(f->default_config, lines[i], 0644);
		f->ulog.buf[0] = '\0';
		assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
		if (strstr(f->ulog.buf, ":1:") == NULL ||
		    strstr(f->ulog.buf, "AtLeakCanary") != NULL)
			fail_msg("line %zu: log \"%s\" must name line 1 and "
				 "nothing of it",
				 i, f->ulog.buf);
	}
	write_config(f->default_config, "leeway = 301\n", 0644);
	f->ulog.buf[0] = '\0';
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "option leeway: malformed value"));
	/* From the arguments, the value is shown. */
	f->ulog.buf[0] = '\0';
	assert_at(set(f, "leeway", "AtLeakCanary"), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "\"AtLeakCanary\""));
}

static void
test_load_line_without_equals(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	/* Bare flags are for pam.d only: the file says "debug = true". */
	write_config(f->default_config, "debug\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_empty_value_in_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	write_config(f->default_config, "issuer =   \n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	write_config(f->default_config, " = x\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_flag_true_false_in_file(void **state)
{
	struct fixture *f = *state;

	write_config(f->default_config,
		     "secret_file = /etc/s\n"
		     "debug = true\n"
		     "allow_no_exp = false\n"
		     "use_first_pass = true\n"
		     "try_first_pass = false\n",
		     0644);
	assert_at(load(f, 0, NULL), AT_OK);
	assert_true(f->cfg.debug);
	assert_false(f->cfg.allow_no_exp);
	assert_true(f->cfg.use_first_pass);
	assert_false(f->cfg.try_first_pass);
}

static void
test_load_flag_bad_value_in_file(void **state)
{
	struct fixture *f = *state;

	write_config(f->default_config, "secret_file = /etc/s\ndebug = on\n",
		     0644);
	assert_at(load(f, 0, NULL), AT_ERR_CONFIG);
}

static void
test_load_no_secret_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"debug", "mode=jwt"};

	struct at_verifier *v = NULL;

	/* Loads (the account phase needs no secret) ... */
	write_config(f->default_config, "leeway = 10\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_OK);
	assert_null(f->cfg.secret_file);
	assert_int_equal(f->cfg.leeway, 10);
	/* ... but no verifier can be built from it. */
	assert_at(at_verifier_from_config(&v, &f->cfg, geteuid(), &f->ulog.log),
		  AT_ERR_CONFIG);
	assert_null(v);
	assert_non_null(strstr(f->ulog.buf, "mode=jwt accepts JWTs but no "
					    "secret file serves them"));
}

static void
test_load_no_secret_file_no_config(void **state)
{
	struct fixture *f = *state;
	struct at_verifier *v = NULL;

	assert_at(load(f, 0, NULL), AT_OK);
	assert_at(at_verifier_from_config(&v, &f->cfg, geteuid(), &f->ulog.log),
		  AT_ERR_CONFIG);
	assert_null(v);
}

static void
test_load_use_and_try_first_pass(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s", "use_first_pass",
			      "try_first_pass"};

	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_use_and_try_first_pass_mixed(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"try_first_pass"};

	write_config(f->default_config,
		     "secret_file = /etc/s\nuse_first_pass = true\n", 0644);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_unknown_argument(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s", "nullok"};

	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_malformed_argument(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s", "leeway"};

	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

static void
test_load_unsafe_config_file(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};

	/* Group-writable: refused, even though missing would be fine.
	 * at_config_load reports every file problem as AT_ERR_CONFIG. */
	write_config(f->default_config, "leeway = 10\n", 0664);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.leeway, AT_DEFAULT_LEEWAY);
}

static void
test_load_config_file_nul(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = {"secret_file=/etc/s"};
	FILE *fp = fopen(f->default_config, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite("leeway = 1\0 0\n", 1, 14, fp), 14);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f->default_config, 0644), 0);
	assert_at(load(f, ARGC(argv), argv), AT_ERR_CONFIG);
}

/* ------------------------------------------------------------------ */
/* the state store's options (issue 8) */

static void
test_opt_store(void **state)
{
	struct fixture *f = *state;

	assert_null(f->cfg.store);
	assert_int_equal(f->cfg.store_timeout_ms, AT_STORE_DEFAULT_TIMEOUT_MS);
	assert_false(f->cfg.store_unavailable_allow);
	assert_false(f->cfg.single_use);
	assert_at(set(f, "store", "sqlite:/var/lib/agentictrust/state.db"),
		  AT_OK);
	assert_string_equal(f->cfg.store,
			    "sqlite:/var/lib/agentictrust/state.db");
	assert_at(set(f, "store", "redis://agent@10.0.0.7:6380/2"), AT_OK);
	assert_at(set(f, "store", "redis+unix:///run/redis/r.sock?db=1"),
		  AT_OK);
	assert_string_equal(f->cfg.store, "redis+unix:///run/redis/r.sock?db=1");
	assert_at(set(f, "store", "redis+unix://agentictrust@/run/r.sock"),
		  AT_OK);
	assert_at(set(f, "store", "redis+unix:///run/redis/r.sock?db=1"),
		  AT_OK);
	assert_at(set(f, "store", "redis+unix://a:pw@/run/r.sock"),
		  AT_ERR_CONFIG);
	/* A refused URL leaves the previous value. */
	unit_log_init(&f->ulog);
	assert_at(set(f, "store", "redis://agent:hunter2@10.0.0.7"),
		  AT_ERR_CONFIG);
	assert_string_equal(f->cfg.store, "redis+unix:///run/redis/r.sock?db=1");
	/* Never the password in the log line. */
	assert_null(strstr(f->ulog.buf, "hunter2"));
	assert_non_null(strstr(f->ulog.buf, "store_password_file"));
	assert_at(set(f, "store", "sqlite:state.db"), AT_ERR_CONFIG);
	assert_at(set(f, "store", "sqlite:/var/lib/../state.db"),
		  AT_ERR_CONFIG);
	assert_at(set(f, "store", "mysql://db"), AT_ERR_CONFIG);
	assert_at(set(f, "store", ""), AT_ERR_CONFIG);
	assert_at(set(f, "store", NULL), AT_ERR_CONFIG);
	unit_log_init(&f->ulog);
	assert_at(set(f, "store", "rediss://10.0.0.7"), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "TLS"));
	at_config_clear(&f->cfg);
	assert_null(f->cfg.store);
}

static void
test_opt_store_others(void **state)
{
	struct fixture *f = *state;

	assert_at(set(f, "store_password_file", "/etc/security/redis.pw"),
		  AT_OK);
	assert_string_equal(f->cfg.store_password_file,
			    "/etc/security/redis.pw");
	assert_at(set(f, "store_password_file", "redis.pw"), AT_ERR_CONFIG);
	assert_at(set(f, "store_prefix", "fleet-a:at:"), AT_OK);
	assert_string_equal(f->cfg.store_prefix, "fleet-a:at:");
	assert_at(set(f, "store_prefix", "a b"), AT_ERR_CONFIG);
	assert_at(set(f, "store_prefix", "a*"), AT_ERR_CONFIG);
	assert_at(set(f, "store_prefix", ""), AT_ERR_CONFIG);
	assert_at(set(f, "store_prefix",
		      "0123456789012345678901234567890123456789"
		      "01234567890123456789012345"), AT_ERR_CONFIG);
	assert_string_equal(f->cfg.store_prefix, "fleet-a:at:");
	assert_at(set(f, "store_timeout_ms", "1"), AT_OK);
	assert_at(set(f, "store_timeout_ms", "60000"), AT_OK);
	assert_int_equal(f->cfg.store_timeout_ms, 60000);
	assert_at(set(f, "store_timeout_ms", "0"), AT_ERR_CONFIG);
	assert_at(set(f, "store_timeout_ms", "60001"), AT_ERR_CONFIG);
	assert_at(set(f, "store_timeout_ms", "-5"), AT_ERR_CONFIG);
	assert_int_equal(f->cfg.store_timeout_ms, 60000);
	assert_at(set(f, "store_unavailable", "allow"), AT_OK);
	assert_true(f->cfg.store_unavailable_allow);
	assert_at(set(f, "store_unavailable", "deny"), AT_OK);
	assert_false(f->cfg.store_unavailable_allow);
	assert_at(set(f, "store_unavailable", "ALLOW"), AT_ERR_CONFIG);
	assert_at(set(f, "store_unavailable", NULL), AT_ERR_CONFIG);
	assert_false(f->cfg.store_unavailable_allow);
	assert_at(set(f, "single_use", NULL), AT_OK);
	assert_true(f->cfg.single_use);
	assert_at(set(f, "single_use", "false"), AT_OK);
	assert_false(f->cfg.single_use);
}

/* single_use: a JWT-only stack with a store, and nothing else. */
static void
test_load_single_use_rules(void **state)
{
	struct fixture *f = *state;
	const char *any[] = { "single_use", "store=sqlite:/var/lib/at.db" };
	const char *hmac[] = { "single_use", "mode=hmac",
			       "store=sqlite:/var/lib/at.db" };
	const char *nostore[] = { "single_use", "mode=jwt" };
	const char *ok[] = { "single_use", "mode=jwt",
			     "store=sqlite:/var/lib/at.db" };
	const char *pwfile[] = { "store_password_file=/etc/pw" };
	const char *prefix[] = { "store_prefix=x:" };

	unit_log_init(&f->ulog);
	assert_at(load(f, ARGC(any), any), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "set mode=jwt"));
	at_config_clear(&f->cfg);
	assert_at(load(f, ARGC(hmac), hmac), AT_ERR_CONFIG);
	at_config_clear(&f->cfg);
	unit_log_init(&f->ulog);
	assert_at(load(f, ARGC(nostore), nostore), AT_ERR_CONFIG);
	assert_non_null(strstr(f->ulog.buf, "needs a state store"));
	at_config_clear(&f->cfg);
	assert_at(load(f, ARGC(ok), ok), AT_OK);
	assert_true(f->cfg.single_use);
	at_config_clear(&f->cfg);
	assert_at(load(f, ARGC(pwfile), pwfile), AT_ERR_CONFIG);
	at_config_clear(&f->cfg);
	assert_at(load(f, ARGC(prefix), prefix), AT_ERR_CONFIG);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_free_resets),
		T(test_mode_names),
		T(test_opt_secret_file),
		T(test_opt_hmac_secret_file),
		T(test_opt_jwt_secret_file),
		T(test_secret_file_for_method),
		T(test_opt_config),
		T(test_opt_mode),
		T(test_opt_leeway),
		T(test_opt_issuer),
		T(test_opt_audience),
		T(test_opt_max_ttl),
		T(test_opt_allow_no_exp),
		T(test_opt_user_map),
		T(test_opt_prompt),
		T(test_opt_use_first_pass),
		T(test_opt_try_first_pass),
		T(test_opt_debug),
		T(test_opt_unknown),
		T(test_opt_leeway_301),
		T(test_opt_leeway_negative),
		T(test_opt_leeway_abc),
		T(test_opt_leeway_empty),
		T(test_opt_leeway_other_forms),
		T(test_opt_max_ttl_zero),
		T(test_opt_max_ttl_over_limit),
		T(test_opt_mode_xyz),
		T(test_opt_accounts),
		T(test_opt_accounts_bad),
		T(test_opt_path_empty),
		T(test_opt_path_relative),
		T(test_opt_path_unprintable),
		T(test_opt_text_malformed),
		T(test_opt_flag_malformed),
		T(test_load_every_key_from_file),
		T(test_load_argv_overrides_file),
		T(test_load_argv_flag_false_overrides_file),
		T(test_load_explicit_config),
		T(test_load_explicit_config_missing),
		T(test_load_explicit_config_relative),
		T(test_load_default_config_missing_ok),
		T(test_load_config_line_in_file),
		T(test_load_unknown_key_in_file),
		T(test_load_bad_value_in_file),
		T(test_load_file_content_not_logged),
		T(test_load_line_without_equals),
		T(test_load_empty_value_in_file),
		T(test_load_flag_true_false_in_file),
		T(test_load_flag_bad_value_in_file),
		T(test_load_no_secret_file),
		T(test_load_no_secret_file_no_config),
		T(test_load_use_and_try_first_pass),
		T(test_load_use_and_try_first_pass_mixed),
		T(test_load_unknown_argument),
		T(test_load_malformed_argument),
		T(test_load_unsafe_config_file),
		T(test_load_config_file_nul),
		T(test_opt_store),
		T(test_opt_store_others),
		T(test_load_single_use_rules),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
