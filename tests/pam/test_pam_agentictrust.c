/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pam_agentictrust.c - the module through libpam, under pam_wrapper
 * (STYLE 22): run_pamtest() tables against the services in services/,
 * which load pam_module_test (its default config path points into the
 * build tree).  Every option is shown to have its effect through PAM.
 *
 * The PAM user is atagent (uid 1500) of the user database that
 * nss_wrapper serves from tests/data/nss (meson sets LD_PRELOAD and
 * NSS_WRAPPER_PASSWD/GROUP), not the user running the test, who is root in
 * CI; root and a system account are explicit cases.  Secrets, maps, config
 * files and login.defs are written into AT_TEST_DIR, created by each
 * test's setup and removed by its teardown.
 *
 * syslog capture: pam_wrapper (PAM_WRAPPER_USE_SYSLOG=1) hands pam_syslog
 * to libpam's pam_vsyslog, which calls __syslog_chk().  This executable
 * defines that and its siblings (exported with export_dynamic), so with
 * pam_wrapper's RTLD_DEEPBIND disabled they interpose on libc's and every
 * line the module logs lands in captured[] instead of the system log.
 */

/* This file defines syslog() itself: no fortify inline wrappers. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <acl/libacl.h>
#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include <sqlite3.h>

#include "at.h"
#include "at_store.h"
#include "test_common.h"
#include "test_syslog.h"
#include "test_logfmt.h"

#ifndef AT_TEST_DIR
#error "AT_TEST_DIR must be defined by the build"
#endif
#ifndef AT_TEST_DEFAULT_CONFIG
#error "AT_TEST_DEFAULT_CONFIG must be defined by the build"
#endif
#ifndef AT_TEST_MODULE
#error "AT_TEST_MODULE must be defined by the build"
#endif
#ifndef AT_TEST_LOGIN_DEFS
#error "AT_TEST_LOGIN_DEFS must be defined by the build"
#endif

/* Users of tests/data/nss/passwd (nss_wrapper). */
#define TEST_USER	"atagent"	/* uid 1500 */
#define SYSTEM_USER	"atsys"		/* uid 999: below UID_MIN 1000 */
#define EDGE_USER	"atedge"	/* uid 1000: UID_MIN itself */
#define NOBODY_USER	"nobody"	/* uid 65534: the overflow uid */
#define HIGH_USER	"athigh"	/* uid 70000: above UID_MAX 60000 */

#define NO_SUCH_USER "at-no-such-user"
#define JWT_HEADER   "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* ------------------------------------------------------------------ */
/* syslog capture */

#define CAPTURE_MAX 256
#define CAPTURE_LEN 2048

static struct {
	int prio; /* LOG_ERR ... LOG_DEBUG, facility masked off */
	char text[CAPTURE_LEN];
} captured[CAPTURE_MAX];
static size_t ncaptured;
static bool capture_overflow;

void
test_syslog_capture(int prio, const char *fmt, va_list ap)
{
	int n;

	if (ncaptured == CAPTURE_MAX) {
		capture_overflow = true;
		return;
	}
	n = vsnprintf(captured[ncaptured].text, CAPTURE_LEN, fmt, ap);
	if (n < 0 || n >= CAPTURE_LEN)
		capture_overflow = true;
	captured[ncaptured].prio = LOG_PRI(prio);
	ncaptured++;
}

static void
capture_reset(void)
{
	ncaptured = 0;
	capture_overflow = false;
}

static void
capture_dump(void)
{
	size_t i;

	for (i = 0; i < ncaptured; i++)
		print_message("  syslog[%zu] <%d> %s\n", i, captured[i].prio,
			      captured[i].text);
}

/* The value of "reason=" in line, up to a space, colon or the end. */
static bool
line_has_reason(const char *line, const char *tag)
{
	const char *p = strstr(line, " reason=");
	size_t n = strlen(tag);

	if (p == NULL)
		return false;
	p += strlen(" reason=");
	return strncmp(p, tag, n) == 0 &&
	       (p[n] == '\0' || p[n] == ' ' || p[n] == ':');
}

/* The last captured line carries reason=tag. */
static void
assert_last_reason(const char *tag)
{
	assert_false(capture_overflow);
	if (ncaptured == 0 ||
	    !line_has_reason(captured[ncaptured - 1].text, tag)) {
		print_error("want the last syslog line to have reason=%s\n",
			    tag);
		capture_dump();
		fail();
	}
}

/* Some captured line contains needle. */
static bool
logged(const char *needle)
{
	size_t i;

	for (i = 0; i < ncaptured; i++)
		if (strstr(captured[i].text, needle) != NULL)
			return true;
	return false;
}

static void
assert_logged(const char *needle)
{
	if (!logged(needle)) {
		print_error("want a syslog line with \"%s\"\n", needle);
		capture_dump();
		fail();
	}
}

/*
 * Neither the credential, nor the signature of a JWT, nor the secret is
 * in any captured line.
 */
static void
assert_not_logged(const char *cred)
{
	const char *sig = strrchr(cred, '.');

	assert_false(capture_overflow);
	if (logged(cred) ||
	    (sig != NULL && strlen(sig + 1) >= 16 && logged(sig + 1)) ||
	    logged(TEST_SECRET)) {
		print_error("a credential or secret reached syslog\n");
		capture_dump();
		fail();
	}
}

static size_t
count_prio(int prio)
{
	size_t i, n = 0;

	for (i = 0; i < ncaptured; i++)
		if (captured[i].prio == prio)
			n++;
	return n;
}

/*
 * No captured line at LOG_ERR or more severe (LOG_EMERG..LOG_ERR are the
 * numerically smallest): an error level is for errors, and alerts keyed
 * on authpriv.err must not fire on a normal authentication.
 */
static void
assert_no_error_lines(void)
{
	size_t i;

	assert_false(capture_overflow);
	for (i = 0; i < ncaptured; i++) {
		if (captured[i].prio <= LOG_ERR) {
			print_error("want no line at LOG_ERR or worse\n");
			capture_dump();
			fail();
		}
	}
}

/* ------------------------------------------------------------------ */
/* fixtures */

static const char *user = TEST_USER; /* exists through nss_wrapper */

struct fixture {
	char *secret;	 /* AT_TEST_DIR/secret */
	char *path_map;	 /* AT_TEST_DIR/user_map */
	char *path_conf; /* AT_TEST_DIR/agentictrust.conf */
	time_t now;
	/* Credentials minted by the test, freed by teardown even when an
	 * assertion ends the test early (no leak reports under ASan). */
	char *owned[16];
	size_t nowned;
	char **env; /* a PAMTEST_GETENVLIST result, freed by teardown */
};

/* Remove dir, its files and its empty subdirectories. */
static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *p;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			p = test_path(dir, e->d_name);
			if (unlink(p) != 0)
				(void)rmdir(p);
			free(p);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

static int
group_setup(void **state)
{
	struct passwd *pw;
	char parent[sizeof(AT_TEST_DIR)];

	(void)state;
	if (getenv("PAM_WRAPPER_RUNTIME_DIR") == NULL) {
		print_error("not running under pam_wrapper: set LD_PRELOAD="
			    "libpam_wrapper.so PAM_WRAPPER=1 "
			    "PAM_WRAPPER_SERVICE_DIR (meson test does)\n");
		return -1;
	}
	/* Without it pam_wrapper keeps pam_syslog lines to itself. */
	if (getenv("PAM_WRAPPER_USE_SYSLOG") == NULL ||
	    strcmp(getenv("PAM_WRAPPER_USE_SYSLOG"), "1") != 0) {
		print_error("set PAM_WRAPPER_USE_SYSLOG=1 (meson test does)\n");
		return -1;
	}
	/* The users must come from tests/data/nss, not from the machine. */
	pw = getpwnam(TEST_USER);
	if (getenv("NSS_WRAPPER_PASSWD") == NULL || pw == NULL ||
	    pw->pw_uid != 1500 || (pw = getpwnam(SYSTEM_USER)) == NULL ||
	    pw->pw_uid != 999) {
		print_error("not running under nss_wrapper with "
			    "tests/data/nss: set LD_PRELOAD=... "
			    "libnss_wrapper.so NSS_WRAPPER_PASSWD "
			    "NSS_WRAPPER_GROUP (meson test does)\n");
		return -1;
	}
	/* The module checks every directory above AT_TEST_DIR (a 0700
	 * directory made by each test): say so once, not in every test. */
	strcpy(parent, AT_TEST_DIR);
	*strrchr(parent, '/') = '\0';
	if (test_check_dirs(parent) != 0)
		return -1;
	/* pam_set_items copies these into PAM items: start clean. */
	unsetenv("PAM_AUTHTOK");
	unsetenv("PAM_USER");
	unsetenv("PAM_SERVICE");
	unsetenv("PAM_OLDAUTHTOK");
	unlink(AT_TEST_DEFAULT_CONFIG);
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	remove_tree(AT_TEST_DIR);
	if (mkdir(AT_TEST_DIR, 0700) != 0) {
		print_error("mkdir %s: %s\n", AT_TEST_DIR, strerror(errno));
		free(f);
		return -1;
	}
	f->secret = test_path(AT_TEST_DIR, "secret");
	f->path_map = test_path(AT_TEST_DIR, "user_map");
	f->path_conf = test_path(AT_TEST_DIR, "agentictrust.conf");
	f->now = time(NULL);
	capture_reset();
	*state = f;
	return test_write_file(f->secret, TEST_SECRET "\n", 0600);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(AT_TEST_DEFAULT_CONFIG);
	unsetenv("PAM_AUTHTOK");
	remove_tree(AT_TEST_DIR);
	if (f != NULL) {
		while (f->nowned > 0)
			free(f->owned[--f->nowned]);
		pamtest_free_env(f->env);
		free(f->secret);
		free(f->path_map);
		free(f->path_conf);
		free(f);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* credentials */

/* Hand p to the fixture: teardown frees it. */
static char *
own(struct fixture *f, char *p)
{
	assert_non_null(p);
	assert_true(f->nowned < sizeof(f->owned) / sizeof(f->owned[0]));
	f->owned[f->nowned++] = p;
	return p;
}

/* HS256 JWT over a printf-built payload, signed with key. */
static char *mint_with(struct fixture *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *
mint_with(struct fixture *f, const char *key, const char *fmt, ...)
{
	char payload[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(payload, sizeof(payload), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(payload));
	return own(f, test_jws_sign(JWT_HEADER, payload, key, strlen(key)));
}

/* {"sub":sub,"iat":iat,"exp":exp} (no exp when exp < 0), signed with key. */
static char *
token(struct fixture *f, const char *sub, long iat, long exp, const char *key)
{
	return own(f, test_token(sub, iat, exp, key));
}

/* A good token for sub, valid for five minutes. */
static char *
good_token(struct fixture *f, const char *sub)
{
	return token(f, sub, (long)f->now, (long)f->now + 300, TEST_SECRET);
}

/* The HMAC credential for external id `id`. */
static char *
good_hmac(struct fixture *f, const char *id)
{
	return own(f, test_hmac_hex(TEST_SECRET, strlen(TEST_SECRET), id));
}

/* ------------------------------------------------------------------ */
/* running PAM */

/* perr must be PAMTEST_ERR_OK; otherwise say which case got what. */
#define assert_pamtest(perr, tests)                                            \
	do {                                                                   \
		enum pamtest_err perr_ = (perr);                               \
		const struct pam_testcase *fc_ = pamtest_failed_case(tests);   \
		if (perr_ != PAMTEST_ERR_OK) {                                 \
			print_error("pamtest: %s\n", pamtest_strerror(perr_)); \
			if (fc_ != NULL)                                       \
				print_error(                                   \
					"  op %d returned %d (%s), "           \
					"expected %d (%s)\n",                  \
					(int)fc_->pam_operation, fc_->op_rv,   \
					pam_strerror(NULL, fc_->op_rv),        \
					fc_->expected_rv,                      \
					pam_strerror(NULL, fc_->expected_rv)); \
			capture_dump();                                        \
		}                                                              \
		assert_int_equal(perr_, PAMTEST_ERR_OK);                       \
	} while (0)

/*
 * A conversation that records what it is asked: answers[i] is the reply
 * to the i-th prompt (NULL: no response text), rv when not PAM_SUCCESS is
 * returned instead of any reply.
 */
#define SCRIPT_ANSWERS 4
struct conv_script {
	const char *answers[SCRIPT_ANSWERS];
	int rv;
	int prompts;	  /* prompts seen */
	int style;	  /* style of the last one */
	char prompt[256]; /* text of the last one */
};

static int
script_conv(int num_msg, const struct pam_message **msg,
	    struct pam_response **resp, void *appdata)
{
	struct conv_script *cs = appdata;
	struct pam_response *reply;
	const char *a;
	int i, j;

	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((reply = calloc((size_t)num_msg, sizeof(*reply))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		cs->style = msg[i]->msg_style;
		snprintf(cs->prompt, sizeof(cs->prompt), "%s", msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		a = cs->prompts < SCRIPT_ANSWERS ? cs->answers[cs->prompts]
						 : NULL;
		cs->prompts++;
		if (cs->rv != PAM_SUCCESS || a == NULL)
			continue;
		if ((reply[i].resp = strdup(a)) == NULL) {
			for (j = 0; j < i; j++)
				free(reply[j].resp);
			free(reply);
			return PAM_BUF_ERR;
		}
	}
	if (cs->rv != PAM_SUCCESS) {
		free(reply);
		return cs->rv;
	}
	*resp = reply;
	return PAM_SUCCESS;
}

/* Authenticate as pam_user through service with cred, expect want. */
static void
auth_one(const char *service, const char *pam_user, const char *cred, int want)
{
	const char *in[] = {cred, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, want),
	};

	assert_pamtest(run_pamtest(service, pam_user, &conv, tests, NULL),
		       tests);
}

static const char *
env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* accepted credentials */

static void
test_jwt_accepted_env_exported(void **state)
{
	struct fixture *f = *state;
	char *tok = mint_with(f, TEST_SECRET,
			      "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			      "\"email\":\"agent@example.com\","
			      "\"name\":\"Build Agent 7\"}",
			      user, (long)f->now, (long)f->now + 300);
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	char **env;

	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[1].case_out.envlist;
	assert_non_null(env);
	assert_non_null(env_get(env, "AGENTICTRUST_SUB"));
	assert_string_equal(env_get(env, "AGENTICTRUST_SUB"), user);
	assert_string_equal(env_get(env, "AGENTICTRUST_METHOD"), "jwt");
	assert_non_null(env_get(env, "AGENTICTRUST_EMAIL"));
	assert_string_equal(env_get(env, "AGENTICTRUST_EMAIL"),
			    "agent@example.com");
	assert_non_null(env_get(env, "AGENTICTRUST_NAME"));
	assert_string_equal(env_get(env, "AGENTICTRUST_NAME"), "Build Agent 7");

	assert_last_reason("ok");
	assert_logged("accepted user=");
	assert_logged("method=jwt");
	assert_not_logged(tok);
}

static void
test_jwt_control_char_name_not_exported(void **state)
{
	struct fixture *f = *state;
	/* JSON "\n": a real newline in the claim once decoded. */
	char *tok = mint_with(f, TEST_SECRET,
			      "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			      "\"email\":\"agent@example.com\","
			      "\"name\":\"Evil\\nAGENTICTRUST_SUB=root\"}",
			      user, (long)f->now, (long)f->now + 300);
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	char **env;

	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[1].case_out.envlist;
	assert_non_null(env);
	assert_null(env_get(env, "AGENTICTRUST_NAME"));
	assert_non_null(env_get(env, "AGENTICTRUST_SUB"));
	assert_string_equal(env_get(env, "AGENTICTRUST_SUB"), user);
	assert_non_null(env_get(env, "AGENTICTRUST_EMAIL"));
	/* Said in the log, at LOG_NOTICE, before the verdict. */
	assert_logged("claim_dropped user=" TEST_USER
		      " claim=name cause=unprintable");
	assert_false(logged("claim=email"));
	assert_last_reason("ok");
	assert_false(logged("Evil"));
}

/*
 * A display claim longer than AT_MAX_CLAIM used to refuse the whole token
 * (bad_claim) while one with a control character was accepted and not
 * exported: both are now accepted, not exported, and logged as dropped.
 */
static void
test_jwt_long_display_claims_dropped(void **state)
{
	struct fixture *f = *state;
	char name[AT_MAX_CLAIM + 2], email[AT_MAX_CLAIM + 1], *tok;
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	const char *in[2] = {NULL, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	char **env;
	size_t i;

	/* name: one byte over the limit; email: exactly at it. */
	memset(name, 'n', AT_MAX_CLAIM + 1);
	name[AT_MAX_CLAIM + 1] = '\0';
	memset(email, 'e', AT_MAX_CLAIM);
	memcpy(email + AT_MAX_CLAIM - 12, "@example.com", 12);
	email[AT_MAX_CLAIM] = '\0';
	tok = mint_with(f, TEST_SECRET,
			"{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			"\"email\":\"%s\",\"name\":\"%s\"}",
			user, (long)f->now, (long)f->now + 300, email, name);
	in[0] = tok;
	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[1].case_out.envlist;
	assert_non_null(env);
	assert_null(env_get(env, "AGENTICTRUST_NAME"));
	assert_non_null(env_get(env, "AGENTICTRUST_EMAIL"));
	assert_string_equal(env_get(env, "AGENTICTRUST_EMAIL"), email);
	assert_non_null(env_get(env, "AGENTICTRUST_SUB"));
	assert_logged("claim_dropped user=" TEST_USER
		      " claim=name cause=too_long");
	assert_false(logged("claim=email"));
	assert_last_reason("ok");
	assert_not_logged(tok);
	for (i = 0; i < ncaptured; i++)
		assert_null(strstr(captured[i].text, "nnnnnnnn"));

	/* Both over the limit: both dropped, each said once. */
	email[AT_MAX_CLAIM - 12] = 'e';
	tok = mint_with(f, TEST_SECRET,
			"{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			"\"email\":\"%s@example.com\",\"name\":\"%s\"}",
			user, (long)f->now, (long)f->now + 300, email, name);
	capture_reset();
	in[0] = tok;
	pamtest_free_env(f->env);
	f->env = NULL;
	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[1].case_out.envlist;
	assert_null(env_get(env, "AGENTICTRUST_NAME"));
	assert_null(env_get(env, "AGENTICTRUST_EMAIL"));
	assert_logged("claim_dropped user=" TEST_USER
		      " claim=email cause=too_long");
	assert_logged("claim_dropped user=" TEST_USER
		      " claim=name cause=too_long");
	assert_int_equal(count_prio(LOG_NOTICE), 2);
	assert_last_reason("ok");

	/* A name that is not a string is a malformed token, not a drop. */
	tok = mint_with(f, TEST_SECRET,
			"{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			"\"name\":[\"x\"]}",
			user, (long)f->now, (long)f->now + 300);
	auth_one("at_default", user, tok, PAM_AUTH_ERR);
	assert_last_reason("bad_claim");
}

static void
test_hmac_accepted(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	const char *in[] = {hex, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	char **env;

	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[1].case_out.envlist;
	assert_non_null(env);
	assert_non_null(env_get(env, "AGENTICTRUST_METHOD"));
	assert_string_equal(env_get(env, "AGENTICTRUST_METHOD"), "hmac");
	assert_non_null(env_get(env, "AGENTICTRUST_SUB"));
	assert_string_equal(env_get(env, "AGENTICTRUST_SUB"), user);
	assert_null(env_get(env, "AGENTICTRUST_EMAIL"));
	assert_last_reason("ok");
	assert_logged("method=hmac");
	assert_not_logged(hex);
}

/* ------------------------------------------------------------------ */
/* rejected credentials */

static void
test_expired(void **state)
{
	struct fixture *f = *state;
	char *tok = token(f, user, (long)f->now - 7200, (long)f->now - 3600,
			  TEST_SECRET);
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
	};

	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	assert_last_reason("expired");
	assert_logged("rejected user=");
	assert_not_logged(tok);
}

static void
test_bad_signature(void **state)
{
	struct fixture *f = *state;
	char *tok =
		token(f, user, (long)f->now, (long)f->now + 300, TEST_SECRET2);
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
	};
	char payload[1024];
	unsigned char mac[AT_MAC_LEN];
	char *flipped;
	const char *dot;

	assert_pamtest(run_pamtest("at_default", user, &conv, tests, NULL),
		       tests);
	assert_last_reason("bad_signature");
	assert_not_logged(tok);

	/* The right MAC with only its last bit flipped: all 32 bytes count. */
	snprintf(payload, sizeof(payload),
		 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld}", user, (long)f->now,
		 (long)f->now + 300);
	tok = token(f, user, (long)f->now, (long)f->now + 300, TEST_SECRET);
	dot = strrchr(tok, '.');
	assert_non_null(dot);
	assert_int_equal(at_hmac_sha256(TEST_SECRET, strlen(TEST_SECRET), tok,
					(size_t)(dot - tok), mac),
			 AT_OK);
	mac[AT_MAC_LEN - 1] ^= 1;
	flipped = own(f,
		      test_jws_with_sig(JWT_HEADER, payload, mac, sizeof(mac)));
	assert_int_equal(strncmp(flipped, tok, (size_t)(dot - tok)), 0);
	auth_one("at_default", user, flipped, PAM_AUTH_ERR);
	assert_last_reason("bad_signature");
	assert_not_logged(flipped);
}

static void
test_alg_none(void **state)
{
	struct fixture *f = *state;
	char payload[1024];
	char *unsigned_tok, *signed_tok;

	snprintf(payload, sizeof(payload),
		 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld}", user, (long)f->now,
		 (long)f->now + 300);
	/* RFC 7519 6.1 unsecured JWT: empty signature. */
	unsigned_tok = own(f, test_jws_with_sig("{\"alg\":\"none\"}", payload,
						(const unsigned char *)"", 0));
	/* Even MAC'd with the real secret, "none" is not HS256. */
	signed_tok = own(f, test_jws_sign("{\"alg\":\"none\",\"typ\":\"JWT\"}",
					  payload, TEST_SECRET,
					  strlen(TEST_SECRET)));

	auth_one("at_default", user, unsigned_tok, PAM_AUTH_ERR);
	assert_last_reason("bad_signature_length");
	assert_not_logged(unsigned_tok);

	auth_one("at_default", user, signed_tok, PAM_AUTH_ERR);
	assert_last_reason("alg_not_allowed");
	assert_not_logged(signed_tok);
}

static void
test_wrong_user(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, "someone-else");
	char *hex = good_hmac(f, "someone-else");

	/* A valid token, for another user. */
	auth_one("at_default", user, tok, PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	assert_not_logged(tok);
	/* A valid HMAC id, of another user. */
	auth_one("at_default", user, hex, PAM_AUTH_ERR);
	assert_last_reason("bad_signature");
	assert_not_logged(hex);
}

static void
test_unknown_user(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, NO_SUCH_USER);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_USER_UNKNOWN),
	};

	assert_pamtest(_pamtest_conv("at_default", NO_SUCH_USER, script_conv,
				     &cs, tests, 1, NULL),
		       tests);
	/* Prompted all the same: the conversation does not tell. */
	assert_int_equal(cs.prompts, 1);
	assert_last_reason("user_unknown");
	assert_not_logged(tok);
}

/* ------------------------------------------------------------------ */
/* log levels */

/*
 * A normal authentication, accepted or rejected, through the real libpam
 * logs nothing at LOG_ERR or worse, from any source (the module, or
 * libpam on the module's behalf, e.g. pam_putenv deleting a variable that
 * was never set).  Twice in one handle too: the second run starts by
 * forgetting the first one's variables.
 */
static void
test_no_error_lines(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);
	char *bad = token(f, user, (long)f->now, (long)f->now + 300,
			  TEST_SECRET2);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok, bad, hex},
				 .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	auth_one("at_default", user, tok, PAM_SUCCESS);
	assert_last_reason("ok");
	assert_no_error_lines();
	capture_reset();
	auth_one("at_default", user, bad, PAM_AUTH_ERR);
	assert_last_reason("bad_signature");
	assert_no_error_lines();
	capture_reset();
	auth_one("at_default", user, "garbage", PAM_AUTH_ERR);
	assert_last_reason("malformed");
	assert_no_error_lines();

	capture_reset();
	assert_int_equal(pam_start("at_default", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_last_reason("ok");
	assert_no_error_lines();
}

/* ------------------------------------------------------------------ */
/* log lines read back: hostile users, subs, kids and services */

static bool
is_verdict(const char *v)
{
	return strcmp(v, "accepted") == 0 || strcmp(v, "rejected") == 0 ||
	       strcmp(v, "refused") == 0 ||
	       strcmp(v, "first_pass_rejected") == 0;
}

/*
 * Every captured line reads back by the documented grammar, and exactly
 * one of them is a verdict: parsed into *l (the caller frees it).
 */
static void
read_one_verdict(struct logfmt_line *l)
{
	struct logfmt_line tmp;
	size_t i, verdicts = 0;

	assert_false(capture_overflow);
	for (i = 0; i < ncaptured; i++) {
		if (logfmt_parse(captured[i].text, &tmp) != 0) {
			print_error("syslog[%zu] does not read back\n", i);
			capture_dump();
			fail();
		}
		if (is_verdict(tmp.verdict)) {
			verdicts++;
			*l = tmp;
		} else {
			logfmt_free(&tmp);
		}
	}
	if (verdicts != 1) {
		print_error("want one verdict line, got %zu\n", verdicts);
		capture_dump();
		if (verdicts > 1)
			logfmt_free(l);
		fail();
	}
}

/* The field key of l holds exactly s (NULL: "-"). */
static void
assert_field(const struct logfmt_line *l, const char *key, const char *s)
{
	const struct logfmt_value *v = logfmt_get(l, key);

	if (v == NULL || !logfmt_value_is(v, s, s == NULL ? 0 : strlen(s))) {
		print_error("field %s: want the exact value (%zu bytes)\n",
			    key, s == NULL ? 0 : strlen(s));
		capture_dump();
		fail();
	}
}

/* User names, subs, kids and services an attacker would choose. */
static const char *const hostile_names[] = {
	"alice reason=ok sub=root",
	"x\" reason=ok sub=\"root",
	"back\\slash\\",
	"\xe2\x80\xae" "toor",	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	"-",
	"evil: accepted user=root",
	"dot.",
};

/* Only in PAM user names: bytes a JSON claim cannot carry. */
static const char *const hostile_users[] = {
	"a\nrefused user=root reason=ok",
	"tab\tx\r",
	"\xc0\xaf" "etc",		/* overlong "/" */
	"\xff\xfe\x80",
	"\x1b[1mbold",
};

static void
check_hostile_user(const char *name)
{
	struct logfmt_line l;

	capture_reset();
	auth_one("at_default", name, "whatever", PAM_USER_UNKNOWN);
	read_one_verdict(&l);
	assert_string_equal(l.verdict, "rejected");
	assert_field(&l, "user", name);
	assert_field(&l, "reason", "user_unknown");
	assert_field(&l, "service", "at_default");
	assert_true(logfmt_value_is(&l.service, "at_default", 10));
	assert_field(&l, "sub", NULL);
	logfmt_free(&l);
}

/* sshd hands PAM the names of users that do not exist: remote input. */
static void
test_log_hostile_user(void **state)
{
	char longname[1001];
	struct logfmt_line l;
	const struct logfmt_value *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile_names) / sizeof(hostile_names[0]); i++)
		check_hostile_user(hostile_names[i]);
	for (i = 0; i < sizeof(hostile_users) / sizeof(hostile_users[0]); i++)
		check_hostile_user(hostile_users[i]);

	/* Too long for a line: cut, and marked so. */
	memset(longname, 'x', sizeof(longname) - 1);
	memcpy(longname + 10, " reason=ok", 10);
	longname[sizeof(longname) - 1] = '\0';
	capture_reset();
	auth_one("at_default", longname, "whatever", PAM_USER_UNKNOWN);
	read_one_verdict(&l);
	v = logfmt_get(&l, "user");
	assert_non_null(v);
	assert_true(v->cut);
	assert_true(v->len > 20 && v->len < 200);
	assert_memory_equal(v->text, longname, v->len);
	assert_field(&l, "reason", "user_unknown");
	assert_true(strlen(captured[ncaptured - 1].text) < 1024);
	logfmt_free(&l);
}

/* No user name at all: the no_user line reads back too. */
static void
test_log_no_user(void **state)
{
	struct logfmt_line l;

	(void)state;
	auth_one("at_default", "", "whatever", PAM_USER_UNKNOWN);
	read_one_verdict(&l);
	assert_string_equal(l.verdict, "refused");
	assert_field(&l, "user", NULL);
	assert_field(&l, "reason", "no_user");
	assert_field(&l, "service", "at_default");
	assert_field(&l, "error", pam_strerror(NULL, PAM_USER_UNKNOWN));
	assert_null(l.text);
	logfmt_free(&l);
}

/* JSON string of s (no control bytes in s). */
static void
json_quote(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	out[n++] = '"';
	for (; *s != '\0' && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	assert_true(*s == '\0');
	out[n++] = '"';
	out[n] = '\0';
}

/* A validly signed token with this sub and kid. */
static char *
signed_with(struct fixture *f, const char *sub, const char *kid)
{
	char header[640], payload[1024], qsub[256], qkid[256];

	json_quote(qsub, sizeof(qsub), sub);
	json_quote(qkid, sizeof(qkid), kid);
	snprintf(header, sizeof(header),
		 "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":%s}", qkid);
	snprintf(payload, sizeof(payload),
		 "{\"sub\":%s,\"iat\":%ld,\"exp\":%ld}", qsub, (long)f->now,
		 (long)f->now + 300);
	return own(f, test_jws_sign(header, payload, TEST_SECRET,
				    strlen(TEST_SECRET)));
}

/* sub and kid are logged once the MAC has verified them: whoever can
 * get a token signed (the app's own users choose their ids) picks them. */
static void
test_log_hostile_sub_kid(void **state)
{
	struct fixture *f = *state;
	struct logfmt_line l;
	size_t i, n = sizeof(hostile_names) / sizeof(hostile_names[0]);

	for (i = 0; i < n; i++) {
		const char *sub = hostile_names[i];
		const char *kid = hostile_names[(i + 1) % n];

		/* Signed, but for another user than the PAM user. */
		capture_reset();
		auth_one("at_default", user, signed_with(f, sub, kid),
			 PAM_AUTH_ERR);
		read_one_verdict(&l);
		assert_string_equal(l.verdict, "rejected");
		assert_field(&l, "user", user);
		assert_field(&l, "reason", "user_mismatch");
		assert_field(&l, "sub", sub);
		assert_field(&l, "kid", kid);
		assert_field(&l, "method", "jwt");
		assert_field(&l, "secret", "0");
		logfmt_free(&l);

		/* Accepted, with a hostile kid. */
		capture_reset();
		auth_one("at_default", user, signed_with(f, user, kid),
			 PAM_SUCCESS);
		read_one_verdict(&l);
		assert_string_equal(l.verdict, "accepted");
		assert_field(&l, "user", user);
		assert_field(&l, "reason", "ok");
		assert_field(&l, "sub", user);
		assert_field(&l, "kid", kid);
		logfmt_free(&l);
	}
}

/*
 * A service name is the application's choice (sshd's program name, a
 * sudoers pam_service): libpam prints it raw into its "module(service:
 * phase):" prefix.  pam_wrapper reads the stacks from
 * PAM_WRAPPER_RUNTIME_DIR, so a stack of any name can be added there.
 */
static void
test_log_hostile_service(void **state)
{
	struct fixture *f = *state;
	const char *dir = getenv("PAM_WRAPPER_RUNTIME_DIR");
	const char *names[] = {
		"sshd reason=ok user=root",
		"x\" user=\"root",
		"back\\slash",
		"a\nrefused user=root reason=ok",
		"\xe2\x80\xae" "dhss",
		"svc): accepted user=root reason=ok method=jwt",
		"-",
	};
	char stack[1024], *path, *tok = good_token(f, user);
	struct logfmt_line l;
	size_t i;

	assert_non_null(dir);
	snprintf(stack, sizeof(stack), "auth required %s secret_file=%s\n",
		 AT_TEST_MODULE, f->secret);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path = test_path(dir, names[i]);
		assert_int_equal(test_write_file(path, stack, 0644), 0);
		capture_reset();
		auth_one(names[i], user, tok, PAM_SUCCESS);
		unlink(path);
		free(path);
		read_one_verdict(&l);
		assert_string_equal(l.verdict, "accepted");
		assert_true(logfmt_value_is(&l.service, names[i],
					    strlen(names[i])));
		assert_string_equal(l.phase, "auth");
		assert_field(&l, "service", names[i]);
		assert_field(&l, "user", user);
		assert_field(&l, "reason", "ok");
		assert_field(&l, "method", "jwt");
		logfmt_free(&l);
	}
}

/* ------------------------------------------------------------------ */
/* mode= */

static void
test_mode_jwt(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);
	const char *in[] = {hex, tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};

	assert_pamtest(run_pamtest("at_jwt", user, &conv, tests, NULL), tests);
	assert_logged("reason=method_not_allowed");
	assert_last_reason("ok");
}

static void
test_mode_hmac(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);
	const char *in[] = {tok, hex, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};

	assert_pamtest(run_pamtest("at_hmac", user, &conv, tests, NULL), tests);
	assert_logged("reason=method_not_allowed");
	assert_last_reason("ok");
}

/* ------------------------------------------------------------------ */
/* claim policy: leeway, issuer, audience, max_ttl, allow_no_exp */

static void
test_leeway(void **state)
{
	struct fixture *f = *state;
	/* Expired 30 s ago: inside the default 60 s, outside leeway=0. */
	char *t30 = token(f, user, (long)f->now - 600, (long)f->now - 30,
			  TEST_SECRET);
	/* Expired 90 s ago: outside the default, inside leeway=120. */
	char *t90 = token(f, user, (long)f->now - 600, (long)f->now - 90,
			  TEST_SECRET);

	auth_one("at_default", user, t30, PAM_SUCCESS);
	auth_one("at_leeway0", user, t30, PAM_AUTH_ERR);
	assert_last_reason("expired");
	auth_one("at_default", user, t90, PAM_AUTH_ERR);
	assert_last_reason("expired");
	auth_one("at_leeway120", user, t90, PAM_SUCCESS);
	auth_one("at_leeway300", user, t90, PAM_SUCCESS);
}

#define ISS_FMT "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,\"iss\":\"%s\"}"
#define AUD_FMT "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,\"aud\":%s}"

static void
test_issuer(void **state)
{
	struct fixture *f = *state;
	char *right = mint_with(f, TEST_SECRET, ISS_FMT, user, (long)f->now,
				(long)f->now + 300, "https://issuer.example");
	char *wrong = mint_with(f, TEST_SECRET, ISS_FMT, user, (long)f->now,
				(long)f->now + 300, "https://evil.example");
	char *none = good_token(f, user);

	auth_one("at_issuer", user, right, PAM_SUCCESS);
	auth_one("at_issuer", user, wrong, PAM_AUTH_ERR);
	assert_last_reason("bad_issuer");
	auth_one("at_issuer", user, none, PAM_AUTH_ERR);
	assert_last_reason("bad_issuer");
	/* Without issuer=, iss is not checked. */
	auth_one("at_default", user, wrong, PAM_SUCCESS);
}

static void
test_audience(void **state)
{
	struct fixture *f = *state;
	char *one = mint_with(f, TEST_SECRET, AUD_FMT, user, (long)f->now,
			      (long)f->now + 300, "\"pam-test\"");
	char *list = mint_with(f, TEST_SECRET, AUD_FMT, user, (long)f->now,
			       (long)f->now + 300, "[\"other\",\"pam-test\"]");
	char *wrong = mint_with(f, TEST_SECRET, AUD_FMT, user, (long)f->now,
				(long)f->now + 300, "\"other\"");
	char *none = good_token(f, user);

	auth_one("at_audience", user, one, PAM_SUCCESS);
	auth_one("at_audience", user, list, PAM_SUCCESS);
	auth_one("at_audience", user, wrong, PAM_AUTH_ERR);
	assert_last_reason("bad_audience");
	auth_one("at_audience", user, none, PAM_AUTH_ERR);
	assert_last_reason("bad_audience");
	auth_one("at_default", user, wrong, PAM_SUCCESS);
}

static void
test_max_ttl(void **state)
{
	struct fixture *f = *state;
	char *short_tok =
		token(f, user, (long)f->now, (long)f->now + 600, TEST_SECRET);
	char *long_tok =
		token(f, user, (long)f->now, (long)f->now + 3600, TEST_SECRET);
	char *no_iat = mint_with(f, TEST_SECRET, "{\"sub\":\"%s\",\"exp\":%ld}",
				 user, (long)f->now + 300);

	auth_one("at_max_ttl", user, short_tok, PAM_SUCCESS);
	auth_one("at_max_ttl", user, long_tok, PAM_AUTH_ERR);
	assert_last_reason("ttl_too_long");
	auth_one("at_max_ttl", user, no_iat, PAM_AUTH_ERR);
	assert_last_reason("missing_iat");
	auth_one("at_default", user, long_tok, PAM_SUCCESS);
	auth_one("at_default", user, no_iat, PAM_SUCCESS);
}

static void
test_allow_no_exp(void **state)
{
	struct fixture *f = *state;
	char *tok = token(f, user, (long)f->now, -1, TEST_SECRET);

	auth_one("at_default", user, tok, PAM_AUTH_ERR);
	assert_last_reason("missing_exp");
	auth_one("at_allow_no_exp", user, tok, PAM_SUCCESS);
	assert_last_reason("ok");
}

/* ------------------------------------------------------------------ */
/* user_map= */

static void
test_user_map_mapped(void **state)
{
	struct fixture *f = *state;
	char map[1024];
	char *tok = good_token(f, "agent-42");
	char *hex = good_hmac(f, "agent-42");
	const char *in[] = {tok, hex, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	char **env;

	snprintf(map, sizeof(map), "# external local\nagent-42 %s\n", user);
	assert_int_equal(test_write_file(f->path_map, map, 0644), 0);
	assert_pamtest(run_pamtest("at_user_map", user, &conv, tests, NULL),
		       tests);
	env = f->env = tests[2].case_out.envlist;
	assert_non_null(env_get(env, "AGENTICTRUST_SUB"));
	/* The external id is exported, not the local name. */
	assert_string_equal(env_get(env, "AGENTICTRUST_SUB"), "agent-42");
	assert_string_equal(env_get(env, "AGENTICTRUST_METHOD"), "hmac");

	/* Without the map, agent-42 is just somebody else. */
	auth_one("at_default", user, tok, PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
}

static void
test_user_map_unmapped(void **state)
{
	struct fixture *f = *state;
	char map[1024];
	char *tok = good_token(f, "agent-99");
	char *self = good_token(f, user);

	snprintf(map, sizeof(map), "agent-42 %s\n", user);
	assert_int_equal(test_write_file(f->path_map, map, 0644), 0);
	auth_one("at_user_map", user, tok, PAM_USER_UNKNOWN);
	assert_last_reason("user_not_mapped");
	/* With a map, the local name itself is no longer an external id. */
	auth_one("at_user_map", user, self, PAM_USER_UNKNOWN);
	assert_last_reason("user_not_mapped");
}


/* Compile f's map into MAP.cdb as `agentictrust map compile` does. */
static void
map_compile(struct fixture *f)
{
	size_t n = 0;

	assert_int_equal(at_user_map_compile(f->path_map, geteuid(), NULL, &n),
			 AT_OK);
}

/*
 * In one process, each transaction sees the map as it is now: rewritten
 * (other user, same size), an id added, an id removed, with or without a
 * compiled MAP.cdb beside it (stale after a rewrite until compiled
 * again), and a MAP.cdb that turns unsafe or corrupt fails closed.
 */
static void
user_map_rewrites(struct fixture *f, bool compiled)
{
	char *hex42 = good_hmac(f, "agent-42"), *tok42 = good_token(f, "agent-42");
	char *tok43 = good_token(f, "agent-43");
	char *cdb = own(f, test_path(AT_TEST_DIR, "user_map.cdb"));
	char map[256];

	snprintf(map, sizeof(map), "agent-42 %s\nagent-43 %s\n", user,
		 EDGE_USER);
	assert_int_equal(test_write_file(f->path_map, map, 0644), 0);
	if (compiled)
		map_compile(f);
	auth_one("at_user_map", user, tok42, PAM_SUCCESS);
	auth_one("at_user_map", user, hex42, PAM_SUCCESS);
	auth_one("at_user_map", user, tok43, PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	/* The same size, the two users swapped, right away. */
	snprintf(map, sizeof(map), "agent-42 %s\nagent-43 %s\n", EDGE_USER,
		 user);
	assert_int_equal(test_write_file(f->path_map, map, 0644), 0);
	auth_one("at_user_map", user, tok42, PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	auth_one("at_user_map", user, hex42, PAM_AUTH_ERR);
	auth_one("at_user_map", user, tok43, PAM_SUCCESS);
	if (compiled) {
		map_compile(f);
		auth_one("at_user_map", user, tok43, PAM_SUCCESS);
		auth_one("at_user_map", user, tok42, PAM_AUTH_ERR);
	}
	/* An id removed. */
	snprintf(map, sizeof(map), "agent-42 %s\n", EDGE_USER);
	assert_int_equal(test_write_file(f->path_map, map, 0644), 0);
	auth_one("at_user_map", user, tok43, PAM_USER_UNKNOWN);
	assert_last_reason("user_not_mapped");
	if (!compiled)
		return;
	map_compile(f);
	auth_one("at_user_map", user, tok43, PAM_USER_UNKNOWN);
	/* MAP.cdb made group writable: refused, not skipped. */
	assert_int_equal(chmod(cdb, 0664), 0);
	capture_reset();
	auth_one("at_user_map", EDGE_USER, tok42, PAM_SERVICE_ERR);
	assert_last_reason("file_unusable");
	assert_logged("user_map.cdb: mode 0664 is group or world writable");
	assert_int_equal(chmod(cdb, 0644), 0);
	auth_one("at_user_map", EDGE_USER, tok42, PAM_SUCCESS);
	/* Corrupt: refused. */
	assert_int_equal(truncate(cdb, 100), 0);
	capture_reset();
	auth_one("at_user_map", EDGE_USER, tok42, PAM_SERVICE_ERR);
	assert_last_reason("file_unusable");
	assert_logged("corrupt");
	/* Gone: the text again. */
	assert_int_equal(unlink(cdb), 0);
	auth_one("at_user_map", EDGE_USER, tok42, PAM_SUCCESS);
}

static void
test_user_map_rewrite_text(void **state)
{
	user_map_rewrites(*state, false);
}

static void
test_user_map_rewrite_compiled(void **state)
{
	user_map_rewrites(*state, true);
}

/* ------------------------------------------------------------------ */
/* local accounts: root and system accounts (issue 7, item 6) */

/* Write the login.defs that the test module reads. */
static void
write_login_defs(const char *content, mode_t mode)
{
	assert_int_equal(test_write_file(AT_TEST_LOGIN_DEFS, content, mode), 0);
}

/* A valid credential for root or a system account is refused. */
static void
test_system_user_root_refused(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, "root");
	char *hex = good_hmac(f, "root");
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	char fp[AT_FP_LEN + 1], line[512];

	/* No login.defs at all: UID_MIN 1000, and root is refused anyway. */
	assert_pamtest(run_pamtest("at_default", "root", &conv, tests, NULL),
		       tests);
	f->env = tests[1].case_out.envlist;
	assert_null(env_get(f->env, "AGENTICTRUST_SUB"));
	assert_last_reason("system_user");
	/* The line says that the credential was good: its sub, secret and
	 * fingerprint (the whole line, up to its end). */
	assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp), AT_OK);
	snprintf(line, sizeof(line),
		 "rejected user=root service=at_default method=jwt "
		 "reason=system_user sub=root kid=- secret=0 fp=%s",
		 fp);
	assert_non_null(strstr(captured[ncaptured - 1].text, line));
	assert_string_equal(strstr(captured[ncaptured - 1].text, line) +
				    strlen(line),
			    "");
	assert_int_equal(captured[ncaptured - 1].prio, LOG_NOTICE);
	assert_false(logged("accepted"));
	assert_not_logged(tok);

	capture_reset();
	auth_one("at_default", "root", hex, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	assert_logged("method=hmac reason=system_user sub=root ");
	assert_not_logged(hex);

	/* Whatever UID_MIN says: even 0. */
	write_login_defs("UID_MIN 0\n", 0644);
	auth_one("at_default", "root", tok, PAM_AUTH_ERR);
	assert_last_reason("system_user");
}

static void
test_system_user_below_uid_min(void **state)
{
	struct fixture *f = *state;
	char *sys = good_token(f, SYSTEM_USER);
	char *edge = good_token(f, EDGE_USER);

	/* Default UID_MIN 1000 (no login.defs): 999 is a system account,
	 * 1000 the first normal one. */
	auth_one("at_default", SYSTEM_USER, sys, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	assert_logged("rejected user=" SYSTEM_USER " ");
	auth_one("at_default", EDGE_USER, edge, PAM_SUCCESS);
	assert_last_reason("ok");

	/* A login.defs without UID_MIN: the same default. */
	write_login_defs("# shadow\nUID_MAX 60000\nSYS_UID_MIN 100\n", 0644);
	auth_one("at_default", SYSTEM_USER, sys, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	auth_one("at_default", EDGE_USER, edge, PAM_SUCCESS);
}

/* UID_MIN is read from login.defs, as shadow's useradd reads it. */
static void
test_system_user_login_defs(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user); /* atagent: uid 1500 */
	char *sys = good_token(f, SYSTEM_USER);

	write_login_defs("# comment\n  UID_MIN\t 1501 \nUID_MAX 60000\n",
			 0644);
	auth_one("at_default", user, tok, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	write_login_defs("UID_MIN 1500\n", 0644);
	auth_one("at_default", user, tok, PAM_SUCCESS);
	write_login_defs("UID_MIN 500\n", 0644);
	auth_one("at_default", SYSTEM_USER, sys, PAM_SUCCESS);
}

/*
 * Above UID_MAX (default 60000, as Debian's login.defs: systemd's dynamic
 * users live there) and nobody, the overflow uid, are no accounts for an
 * agent either.
 */
static void
test_system_user_above_uid_max(void **state)
{
	struct fixture *f = *state;
	char *nobody = good_token(f, NOBODY_USER);
	char *high = good_token(f, HIGH_USER);

	/* No login.defs: UID_MAX 60000. */
	auth_one("at_default", HIGH_USER, high, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	assert_logged("rejected user=" HIGH_USER " service=at_default "
		      "method=jwt reason=system_user sub=" HIGH_USER " ");
	auth_one("at_default", NOBODY_USER, nobody, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	assert_logged("rejected user=" NOBODY_USER " service=at_default "
		      "method=jwt reason=system_user sub=" NOBODY_USER " ");
	auth_one("at_default", NOBODY_USER, good_hmac(f, NOBODY_USER),
		 PAM_AUTH_ERR);
	assert_last_reason("system_user");
	/* Debian's lines. */
	write_login_defs("UID_MIN 1000\nUID_MAX 60000\n", 0644);
	auth_one("at_default", HIGH_USER, high, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	/* A UID_MAX that takes 70000 in: athigh opens, nobody still not. */
	write_login_defs("UID_MIN 1000\nUID_MAX 70000\n", 0644);
	auth_one("at_default", HIGH_USER, high, PAM_SUCCESS);
	assert_last_reason("ok");
	auth_one("at_default", user, good_token(f, user), PAM_SUCCESS);
	auth_one("at_default", NOBODY_USER, nobody, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	write_login_defs("UID_MIN 1000\nUID_MAX 69999\n", 0644);
	auth_one("at_default", HIGH_USER, high, PAM_AUTH_ERR);
	assert_last_reason("system_user");
	/* The flag and the map open them, as they open root. */
	auth_one("at_allow_system_users", NOBODY_USER, nobody, PAM_SUCCESS);
	auth_one("at_allow_system_users", HIGH_USER, high, PAM_SUCCESS);
}

/* A login.defs the module cannot trust fails closed. */
static void
test_system_user_login_defs_bad(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	static const struct {
		const char *content;
		mode_t mode;
		const char *log;
	} bad[] = {
		{ "UID_MIN 0x3e8\n", 0644, "login.defs:1: UID_MIN is not" },
		{ "UID_MIN 01000\n", 0644, "login.defs:1: UID_MIN is not" },
		{ "UID_MIN\n", 0644, "login.defs:1: UID_MIN is not" },
		{ "UID_MIN 1000\nUID_MIN 2000\n", 0644,
		  "login.defs:2: UID_MIN given again" },
		{ "UID_MIN 1000\n", 0666, "group or world writable" },
		{ "UID_MAX 6e4\n", 0644, "login.defs:1: UID_MAX is not" },
		{ "UID_MAX 60000\nUID_MAX 60000\n", 0644,
		  "login.defs:2: UID_MAX given again" },
		{ "UID_MIN 1000\nUID_MAX 999\n", 0644,
		  "UID_MAX 999 (line 2) is below UID_MIN 1000 (line 1)" },
		{ "UID_MIN 70000\n", 0644,
		  "UID_MAX 60000 (the default) is below UID_MIN 70000" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_reset();
		write_login_defs(bad[i].content, bad[i].mode);
		auth_one("at_default", user, tok, PAM_SERVICE_ERR);
		assert_last_reason("file_unusable");
		assert_logged(bad[i].log);
		assert_logged("refused user=" TEST_USER " ");
		assert_false(logged("accepted"));
	}
	/* A symlink is not followed. */
	assert_int_equal(unlink(AT_TEST_LOGIN_DEFS), 0);
	assert_int_equal(symlink("/etc/login.defs", AT_TEST_LOGIN_DEFS), 0);
	capture_reset();
	auth_one("at_default", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("file_unusable");
	assert_logged("is a symbolic link");
	/* Not read when the policy is not in force. */
	auth_one("at_allow_system_users", user, tok, PAM_SUCCESS);
}

/* allow_system_users, on the line or in the config file. */
static void
test_system_user_allowed(void **state)
{
	struct fixture *f = *state;
	char conf[1024];
	char *tok = good_token(f, "root");
	char *sys = good_token(f, SYSTEM_USER);

	auth_one("at_allow_system_users", "root", tok, PAM_SUCCESS);
	assert_last_reason("ok");
	assert_logged("accepted user=root ");
	auth_one("at_allow_system_users", SYSTEM_USER, sys, PAM_SUCCESS);
	auth_one("at_allow_system_users", user, good_token(f, user),
		 PAM_SUCCESS);

	snprintf(conf, sizeof(conf),
		 "secret_file = %s\nallow_system_users = true\n", f->secret);
	assert_int_equal(test_write_file(f->path_conf, conf, 0644), 0);
	auth_one("at_config", "root", tok, PAM_SUCCESS);
	snprintf(conf, sizeof(conf),
		 "secret_file = %s\nallow_system_users = false\n", f->secret);
	assert_int_equal(test_write_file(f->path_conf, conf, 0644), 0);
	auth_one("at_config", "root", tok, PAM_AUTH_ERR);
	assert_last_reason("system_user");
}

/* With a user map, the map is the only authority: no uid check. */
static void
test_system_user_user_map(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, "ops-admin");
	char *hex = good_hmac(f, "ops-admin");
	char *sys = good_token(f, "backup-agent");

	assert_int_equal(test_write_file(f->path_map,
					 "ops-admin root\n"
					 "backup-agent " SYSTEM_USER "\n"
					 "nfs-agent " NOBODY_USER "\n",
					 0644),
			 0);
	/* Even a login.defs that would refuse everyone is not consulted. */
	write_login_defs("UID_MIN 4000000000\nUID_MAX 4000000000\n", 0644);
	auth_one("at_user_map", "root", tok, PAM_SUCCESS);
	assert_logged("accepted user=root service=at_user_map method=jwt "
		      "reason=ok sub=ops-admin ");
	auth_one("at_user_map", "root", hex, PAM_SUCCESS);
	auth_one("at_user_map", SYSTEM_USER, sys, PAM_SUCCESS);
	auth_one("at_user_map", NOBODY_USER, good_token(f, "nfs-agent"),
		 PAM_SUCCESS);
	/* The map decides: "root" itself is not an id in it. */
	auth_one("at_user_map", "root", good_token(f, "root"),
		 PAM_USER_UNKNOWN);
	assert_last_reason("user_not_mapped");
	/* Without the map, the same login.defs refuses atagent. */
	auth_one("at_default", user, good_token(f, user), PAM_AUTH_ERR);
	assert_last_reason("system_user");
}

/* ------------------------------------------------------------------ */
/* the conversation: prompt=, use_first_pass, try_first_pass */

static void
test_prompt_custom(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};

	assert_pamtest(_pamtest_conv("at_prompt", user, script_conv, &cs, tests,
				     1, NULL),
		       tests);
	assert_int_equal(cs.prompts, 1);
	assert_int_equal(cs.style, PAM_PROMPT_ECHO_OFF);
	assert_string_equal(cs.prompt, "Agent token: ");
}

static void
test_prompt_default(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};

	assert_pamtest(_pamtest_conv("at_default", user, script_conv, &cs,
				     tests, 1, NULL),
		       tests);
	assert_int_equal(cs.prompts, 1);
	assert_int_equal(cs.style, PAM_PROMPT_ECHO_OFF);
	assert_string_equal(cs.prompt, "Agentic Trust token: ");
}

/* Authenticate through service with PAM_AUTHTOK stacked (NULL: none)
 * and the conversation answering answer; return the prompt count. */
static int
auth_stacked(const char *service, const char *authtok, const char *answer,
	     int want)
{
	struct conv_script cs = {.answers = {answer}, .rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, want),
	};

	if (authtok != NULL)
		assert_int_equal(setenv("PAM_AUTHTOK", authtok, 1), 0);
	else
		unsetenv("PAM_AUTHTOK");
	assert_pamtest(
		_pamtest_conv(service, user, script_conv, &cs, tests, 1, NULL),
		tests);
	unsetenv("PAM_AUTHTOK");
	return cs.prompts;
}

static void
test_use_first_pass(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *bad =
		token(f, user, (long)f->now, (long)f->now + 300, TEST_SECRET2);

	/* No stacked token: fail, and never ask. */
	assert_int_equal(
		auth_stacked("at_use_first_pass", NULL, tok, PAM_AUTH_ERR), 0);
	assert_last_reason("no_authtok");
	/* A bad stacked token: fail, and never ask. */
	assert_int_equal(
		auth_stacked("at_use_first_pass", bad, tok, PAM_AUTH_ERR), 0);
	assert_last_reason("bad_signature");
	/* A good stacked token: accepted without a prompt. */
	assert_int_equal(
		auth_stacked("at_use_first_pass", tok, NULL, PAM_SUCCESS), 0);
	assert_last_reason("ok");
	assert_not_logged(tok);
	assert_not_logged(bad);
}

static void
test_try_first_pass(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *bad =
		token(f, user, (long)f->now, (long)f->now + 300, TEST_SECRET2);

	/* A bad stacked token: falls back to the prompt. */
	assert_int_equal(
		auth_stacked("at_try_first_pass", bad, tok, PAM_SUCCESS), 1);
	assert_logged("first_pass_rejected");
	assert_last_reason("ok");
	/* ... whose answer is checked as well. */
	assert_int_equal(
		auth_stacked("at_try_first_pass", bad, bad, PAM_AUTH_ERR), 1);
	assert_last_reason("bad_signature");
	/* No stacked token: the prompt. */
	assert_int_equal(
		auth_stacked("at_try_first_pass", NULL, tok, PAM_SUCCESS), 1);
	/* A good stacked token: no prompt. */
	assert_int_equal(
		auth_stacked("at_try_first_pass", tok, NULL, PAM_SUCCESS), 0);
	/* Without either option the stacked token is ignored. */
	assert_int_equal(setenv("PAM_AUTHTOK", tok, 1), 0);
	{
		struct conv_script cs = {.answers = {bad}, .rv = PAM_SUCCESS};
		struct pam_testcase tests[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
		};

		assert_pamtest(_pamtest_conv("at_default", user, script_conv,
					     &cs, tests, 1, NULL),
			       tests);
		assert_int_equal(cs.prompts, 1);
	}
	unsetenv("PAM_AUTHTOK");
	assert_not_logged(tok);
	assert_not_logged(bad);
}

/*
 * Regression: under try_first_pass, a conversation that itself returns
 * PAM_AUTHTOK_RECOVERY_ERR once let the loop end with nothing verified
 * and an earlier AT_OK still standing (accepted, no credential), and
 * after a rejected stacked token it crashed on a NULL credential.
 */
static void
test_try_first_pass_conversation_recovery_err(void **state)
{
	struct fixture *f = *state;
	char *bad =
		token(f, user, (long)f->now, (long)f->now + 300, TEST_SECRET2);
	const char *stacked[] = {NULL, bad};
	size_t i;

	for (i = 0; i < sizeof(stacked) / sizeof(stacked[0]); i++) {
		struct conv_script cs = {.rv = PAM_AUTHTOK_RECOVERY_ERR};
		struct pam_testcase tests[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
		};

		if (stacked[i] != NULL)
			assert_int_equal(setenv("PAM_AUTHTOK", stacked[i], 1),
					 0);
		else
			unsetenv("PAM_AUTHTOK");
		capture_reset();
		assert_pamtest(_pamtest_conv("at_try_first_pass", user,
					     script_conv, &cs, tests, 1, NULL),
			       tests);
		unsetenv("PAM_AUTHTOK");
		assert_int_equal(cs.prompts, 1);
		assert_last_reason("conversation");
		assert_false(logged("accepted"));
	}
	assert_not_logged(bad);
}

/* A failed second authentication in the same handle leaves nothing of
 * the first one: no AGENTICTRUST_* variables. */
static void
test_second_auth_clears_env(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok, "garbage"},
				 .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	(void)f;
	assert_int_equal(pam_start("at_default", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SUB"));
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	assert_null(pam_getenv(pamh, "AGENTICTRUST_SUB"));
	assert_null(pam_getenv(pamh, "AGENTICTRUST_METHOD"));
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

static void
test_conversation_error(void **state)
{
	struct conv_script cs = {.rv = PAM_CONV_ERR};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_CONV_ERR),
	};

	(void)state;
	assert_pamtest(_pamtest_conv("at_default", user, script_conv, &cs,
				     tests, 1, NULL),
		       tests);
	assert_int_equal(cs.prompts, 1);
	assert_int_not_equal(tests[0].op_rv, PAM_SUCCESS);
	assert_last_reason("conversation");
}

static void
test_conversation_again(void **state)
{
	struct conv_script cs = {.rv = PAM_CONV_AGAIN};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_INCOMPLETE),
	};

	(void)state;
	assert_pamtest(_pamtest_conv("at_default", user, script_conv, &cs,
				     tests, 1, NULL),
		       tests);
}

static void
test_conversation_no_response(void **state)
{
	/* The application answers PAM_SUCCESS without any text. */
	struct conv_script cs = {.answers = {NULL}, .rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
	};

	(void)state;
	assert_pamtest(_pamtest_conv("at_default", user, script_conv, &cs,
				     tests, 1, NULL),
		       tests);
	assert_last_reason("empty");
}

/* ------------------------------------------------------------------ */
/* debug */

static void
test_debug(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);

	auth_one("at_default", user, tok, PAM_SUCCESS);
	assert_int_equal(count_prio(LOG_DEBUG), 0);
	capture_reset();
	auth_one("at_debug", user, tok, PAM_SUCCESS);
	if (count_prio(LOG_DEBUG) == 0) {
		capture_dump();
		fail_msg("debug logged no LOG_DEBUG line");
	}
	assert_logged("secret(s)");
	assert_last_reason("ok");
	assert_not_logged(tok);
}

/* ------------------------------------------------------------------ */
/* config= and the default config file */

static void
test_config_file_read(void **state)
{
	struct fixture *f = *state;
	char conf[1024];
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);

	snprintf(conf, sizeof(conf), "# test\nsecret_file = %s\nmode = hmac\n",
		 f->secret);
	assert_int_equal(test_write_file(f->path_conf, conf, 0644), 0);
	/* The file's mode=hmac refuses a JWT ... */
	auth_one("at_config", user, tok, PAM_AUTH_ERR);
	assert_last_reason("method_not_allowed");
	/* ... and its secret_file verifies an HMAC. */
	auth_one("at_config", user, hex, PAM_SUCCESS);
}

static void
test_config_argv_overrides_file(void **state)
{
	struct fixture *f = *state;
	char conf[1024];
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);

	snprintf(conf, sizeof(conf), "secret_file = %s\nmode = hmac\n",
		 f->secret);
	assert_int_equal(test_write_file(f->path_conf, conf, 0644), 0);
	/* argv mode=jwt wins over the file's mode = hmac. */
	auth_one("at_config_override", user, tok, PAM_SUCCESS);
	auth_one("at_config_override", user, hex, PAM_AUTH_ERR);
	assert_last_reason("method_not_allowed");
}

static void
test_config_explicit_missing(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);

	auth_one("at_config_missing", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
}

static void
test_config_explicit_unsafe(void **state)
{
	struct fixture *f = *state;
	char conf[1024];
	char *tok = good_token(f, user);

	snprintf(conf, sizeof(conf), "secret_file = %s\n", f->secret);
	assert_int_equal(test_write_file(f->path_conf, conf, 0666), 0);
	auth_one("at_config", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
	assert_int_equal(chmod(f->path_conf, 0644), 0);
	auth_one("at_config", user, tok, PAM_SUCCESS);
}

static void
test_default_config(void **state)
{
	struct fixture *f = *state;
	char conf[1024];
	char *tok = good_token(f, user);
	char *hex = good_hmac(f, user);

	/* No default file and no arguments: no secret file. */
	unlink(AT_TEST_DEFAULT_CONFIG);
	auth_one("at_no_args", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
	assert_logged("mode=any accepts HMAC credentials and JWTs but no "
		      "secret file serves them");

	/* With it, everything comes from the file. */
	snprintf(conf, sizeof(conf), "secret_file = %s\nmode = jwt\n",
		 f->secret);
	assert_int_equal(test_write_file(AT_TEST_DEFAULT_CONFIG, conf, 0644),
			 0);
	auth_one("at_no_args", user, tok, PAM_SUCCESS);
	auth_one("at_no_args", user, hex, PAM_AUTH_ERR);
	assert_last_reason("method_not_allowed");
	/* Arguments still win over the default file. */
	auth_one("at_hmac", user, hex, PAM_SUCCESS);

	/* An unsafe default file is a configuration error. */
	assert_int_equal(chmod(AT_TEST_DEFAULT_CONFIG, 0666), 0);
	auth_one("at_no_args", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
	assert_int_equal(unlink(AT_TEST_DEFAULT_CONFIG), 0);
}

/* ------------------------------------------------------------------ */
/* secret_file= */

/* The secret file is unusable: PAM_AUTHINFO_UNAVAIL, before any prompt. */
static void
expect_secret_refused(const char *reason)
{
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTHINFO_UNAVAIL),
	};

	assert_pamtest(_pamtest_conv("at_default", user, script_conv, &cs,
				     tests, 1, NULL),
		       tests);
	assert_int_equal(cs.prompts, 0);
	assert_last_reason(reason);
	assert_not_logged("0123456789-abcdefghijklmnop");
}

static void
rewrite_secret(const struct fixture *f, mode_t mode)
{
	assert_int_equal(test_write_file(f->secret, TEST_SECRET "\n", mode), 0);
}

static void
test_secret_mode_0644(void **state)
{
	rewrite_secret(*state, 0644);
	expect_secret_refused("secret_unusable");
	assert_logged("gives others access");
}

static void
test_secret_mode_0660(void **state)
{
	rewrite_secret(*state, 0660);
	expect_secret_refused("secret_unusable");
	assert_logged("group or world writable");
}

static void
test_secret_mode_0602(void **state)
{
	rewrite_secret(*state, 0602);
	expect_secret_refused("secret_unusable");
}

static void
test_secret_symlink(void **state)
{
	struct fixture *f = *state;
	char *real = test_path(AT_TEST_DIR, "real-secret");

	assert_int_equal(test_write_file(real, TEST_SECRET "\n", 0600), 0);
	assert_int_equal(unlink(f->secret), 0);
	assert_int_equal(symlink(real, f->secret), 0);
	expect_secret_refused("secret_unusable");
	assert_logged("symbolic link");
	free(real);
}

/* The directory holding the secret is group writable: anyone in its
 * group could rename a file they know into its place.  The log line names
 * the directory. */
static void
test_secret_parent_dir_unsafe(void **state)
{
	struct fixture *f = *state;
	char want[sizeof(AT_TEST_DIR) + 64], *tok = good_token(f, user);

	assert_int_equal(chmod(AT_TEST_DIR, 0770), 0);
	expect_secret_refused("secret_unusable");
	snprintf(want, sizeof(want), "directory %s: mode 0770 is group",
		 AT_TEST_DIR);
	assert_logged(want);
	/* The same secret once the directory is fixed. */
	assert_int_equal(chmod(AT_TEST_DIR, 0700), 0);
	auth_one("at_default", user, tok, PAM_SUCCESS);
}

static void
test_secret_directory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unlink(f->secret), 0);
	assert_int_equal(mkdir(f->secret, 0700), 0);
	expect_secret_refused("secret_unusable");
	assert_logged("not a regular file");
}

static void
test_secret_missing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(unlink(f->secret), 0);
	expect_secret_refused("secret_unusable");
}

static void
test_secret_too_short(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->secret, "short\n", 0600), 0);
	expect_secret_refused("secret_too_short");
}

/* A POSIX ACL naming another user: the mode says 0640, but it is that
 * user, not the group, who can read the secret.  Refused, and the log
 * line says so. */
static void
test_secret_acl(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	acl_t acl;
	int rc;

	rewrite_secret(f, 0600);
	acl = acl_from_text("u::rw-,u:65534:r--,g::---,m::r--,o::---");
	assert_non_null(acl);
	rc = acl_set_file(f->secret, ACL_TYPE_ACCESS, acl);
	acl_free(acl);
	if (rc != 0 && errno == ENOTSUP)
		skip();
	assert_int_equal(rc, 0);
	expect_secret_refused("secret_unusable");
	assert_logged("has an extended POSIX ACL");
	assert_logged("setfacl -b");
	assert_not_logged("group or world");
	/* setfacl -b: the base entries only, and the file is usable. */
	acl = acl_from_mode(0600);
	assert_non_null(acl);
	assert_int_equal(acl_set_file(f->secret, ACL_TYPE_ACCESS, acl), 0);
	acl_free(acl);
	auth_one("at_default", user, tok, PAM_SUCCESS);
}

/* The refusals above are about the mode: group read is allowed. */
static void
test_secret_modes_allowed(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);

	rewrite_secret(f, 0640);
	auth_one("at_default", user, tok, PAM_SUCCESS);
	rewrite_secret(f, 0400);
	auth_one("at_default", user, tok, PAM_SUCCESS);
}

static void expect_service_err(const char *service, const char *logged_text);

/* A secret file that means something else is refused, line named. */
static void
test_secret_trailing_white_space(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->secret, TEST_SECRET " \n", 0600),
			 0);
	expect_secret_refused("secret_unusable");
	assert_logged("/secret:1: white space after the secret");
}

/* ------------------------------------------------------------------ */
/* per-method secrets: hmac_secret_file and jwt_secret_file */

/* Authenticate through service with cred, expect want and reason. */
static void
auth_reason(const char *service, const char *cred, int want,
	    const char *reason)
{
	capture_reset();
	auth_one(service, user, cred, want);
	assert_last_reason(reason);
	assert_not_logged(cred);
	assert_false(logged(TEST_SECRET2));
}

/*
 * at_split: HMAC credentials under TEST_SECRET, JWTs under TEST_SECRET2.
 * The HMAC credential the backend would hand out for the id
 * "<header>.<payload>" is refused as a JWT (bad_signature), while the
 * same forgery passes a stack whose one secret_file serves both methods
 * (at_default): the known cross-protocol risk this option closes.
 */
static void
test_split_secrets(void **state)
{
	struct fixture *f = *state;
	char payload[512], *forged;
	char *hmac_secret = test_path(AT_TEST_DIR, "hmac_secret");
	char *jwt_secret = test_path(AT_TEST_DIR, "jwt_secret");

	assert_int_equal(test_write_file(hmac_secret, TEST_SECRET "\n", 0600),
			 0);
	assert_int_equal(test_write_file(jwt_secret, TEST_SECRET2 "\n", 0600),
			 0);
	snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"exp\":%ld}",
		 user, (long)f->now + 300);
	forged = own(f, test_forge_jwt_from_hmac(JWT_HEADER, payload,
						 TEST_SECRET,
						 strlen(TEST_SECRET)));

	auth_reason("at_split",
		    token(f, user, (long)f->now, (long)f->now + 300,
			  TEST_SECRET2),
		    PAM_SUCCESS, "ok");
	assert_logged("method=jwt");
	auth_reason("at_split", good_hmac(f, user), PAM_SUCCESS, "ok");
	assert_logged("method=hmac");
	auth_reason("at_split", forged, PAM_AUTH_ERR, "bad_signature");
	auth_reason("at_split", good_token(f, user), PAM_AUTH_ERR,
		    "bad_signature");
	auth_reason("at_split",
		    own(f, test_hmac_hex(TEST_SECRET2, strlen(TEST_SECRET2),
					 user)),
		    PAM_AUTH_ERR, "bad_signature");
	/* The same forgery through one secret_file for both: accepted. */
	auth_reason("at_default", forged, PAM_SUCCESS, "ok");
	free(hmac_secret);
	free(jwt_secret);
}

/* mode=any admits JWTs, but no file serves them: a configuration error
 * naming the method, before any prompt. */
static void
test_split_missing_jwt_secret(void **state)
{
	char *hmac_secret = test_path(AT_TEST_DIR, "hmac_secret");

	(void)state;
	assert_int_equal(test_write_file(hmac_secret, TEST_SECRET "\n", 0600),
			 0);
	expect_service_err("at_split_nojwt",
			   "mode=any accepts JWTs but no secret file serves "
			   "them");
	free(hmac_secret);
}

/* ------------------------------------------------------------------ */
/* malformed arguments */

static void
expect_service_err(const char *service, const char *logged_text)
{
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SERVICE_ERR),
	};

	assert_pamtest(
		_pamtest_conv(service, user, script_conv, &cs, tests, 1, NULL),
		tests);
	assert_int_equal(cs.prompts, 0);
	assert_last_reason("bad_config");
	assert_logged(logged_text);
}

/* ------------------------------------------------------------------ */
/* accounts=any: PAM users that are not Unix accounts (issue 9, item 1) */

/* A name absent from tests/data/nss/passwd, with a JWT and an HMAC; the
 * account phase lets it through too (nothing there needs a uid). */
static void
test_accounts_any_accepted(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, NO_SUCH_USER);
	char *hex = good_hmac(f, NO_SUCH_USER);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	assert_int_equal(pam_start("at_accounts_any", NO_SUCH_USER, &pc,
				   &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_logged("accepted user=" NO_SUCH_USER
		      " service=at_accounts_any method=jwt reason=ok sub="
		      NO_SUCH_USER " ");
	assert_int_equal(cs.prompts, 1);
	auth_one("at_accounts_any", NO_SUCH_USER, hex, PAM_SUCCESS);
	assert_logged("accepted user=" NO_SUCH_USER
		      " service=at_accounts_any method=hmac reason=ok");
	assert_not_logged(tok);
	assert_not_logged(hex);
	/* A Unix user is unchanged. */
	auth_one("at_accounts_any", user, good_token(f, user), PAM_SUCCESS);
}

/* The default is accounts=unix: the same credentials are user_unknown. */
static void
test_accounts_unix_default(void **state)
{
	struct fixture *f = *state;

	auth_one("at_default", NO_SUCH_USER, good_token(f, NO_SUCH_USER),
		 PAM_USER_UNKNOWN);
	assert_last_reason("user_unknown");
	auth_one("at_default", NO_SUCH_USER, good_hmac(f, NO_SUCH_USER),
		 PAM_USER_UNKNOWN);
	assert_last_reason("user_unknown");
}

/* The external id must still be the PAM user: another name's token, a
 * Unix user's or another non-Unix name's, is user_mismatch; a bad
 * credential keeps its own reason. */
static void
test_accounts_any_mismatch(void **state)
{
	struct fixture *f = *state;

	auth_one("at_accounts_any", NO_SUCH_USER, good_token(f, user),
		 PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	auth_one("at_accounts_any", NO_SUCH_USER, good_token(f, "other-role"),
		 PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	/* An HMAC names no id: another name's MAC simply does not verify. */
	auth_one("at_accounts_any", NO_SUCH_USER, good_hmac(f, "other-role"),
		 PAM_AUTH_ERR);
	assert_last_reason("bad_signature");
	auth_one("at_accounts_any", user, good_token(f, NO_SUCH_USER),
		 PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
	auth_one("at_accounts_any", NO_SUCH_USER,
		 token(f, NO_SUCH_USER, (long)f->now, (long)f->now + 300,
		       TEST_SECRET2),
		 PAM_AUTH_ERR);
	assert_last_reason("bad_signature");
}

/* A non-Unix name reached through user_map; the map still decides. */
static void
test_accounts_any_user_map(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->path_map,
					 "agent-42 " NO_SUCH_USER "\n", 0644),
			 0);
	auth_one("at_accounts_any_map", NO_SUCH_USER,
		 good_token(f, "agent-42"), PAM_SUCCESS);
	assert_logged("accepted user=" NO_SUCH_USER
		      " service=at_accounts_any_map method=jwt reason=ok "
		      "sub=agent-42 ");
	auth_one("at_accounts_any_map", NO_SUCH_USER,
		 good_hmac(f, "agent-42"), PAM_SUCCESS);
	auth_one("at_accounts_any_map", NO_SUCH_USER,
		 good_token(f, NO_SUCH_USER), PAM_USER_UNKNOWN);
	assert_last_reason("user_not_mapped");
	/* agent-42 opens its own local name, no other non-Unix name. */
	auth_one("at_accounts_any_map", "unmapped-role",
		 good_token(f, "agent-42"), PAM_AUTH_ERR);
	assert_last_reason("user_mismatch");
}

/* Names that are system accounts are still refused: accounts=any only
 * concerns names with no passwd entry. */
static void
test_accounts_any_system_users(void **state)
{
	struct fixture *f = *state;

	auth_one("at_accounts_any", "root", good_token(f, "root"),
		 PAM_AUTH_ERR);
	assert_last_reason("system_user");
	auth_one("at_accounts_any", "root", good_hmac(f, "root"),
		 PAM_AUTH_ERR);
	assert_last_reason("system_user");
	auth_one("at_accounts_any", SYSTEM_USER, good_token(f, SYSTEM_USER),
		 PAM_AUTH_ERR);
	assert_last_reason("system_user");
	auth_one("at_accounts_any", NOBODY_USER, good_token(f, NOBODY_USER),
		 PAM_AUTH_ERR);
	assert_last_reason("system_user");
}

/*
 * A lookup that fails is no "not a Unix account": glibc returns ENOENT
 * (never its "no such user") when a source was unavailable, which is what
 * nss-pam-ldapd reports with nslcd down.  The shim in front of
 * nss_wrapper (tests/common/nss_notfound.c) lets that ENOENT through when
 * AT_TEST_NSS_UNAVAILABLE is set: the name is then user_unknown under
 * accounts=any too, never a name with no uid that skips the
 * system-account check.
 */
static void
test_accounts_any_lookup_fails(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(setenv("AT_TEST_NSS_UNAVAILABLE", "1", 1), 0);
	auth_one("at_accounts_any", NO_SUCH_USER, good_token(f, NO_SUCH_USER),
		 PAM_USER_UNKNOWN);
	assert_int_equal(unsetenv("AT_TEST_NSS_UNAVAILABLE"), 0);
	assert_last_reason("user_unknown");
	/* The same name, the directory back: accepted. */
	auth_one("at_accounts_any", NO_SUCH_USER, good_token(f, NO_SUCH_USER),
		 PAM_SUCCESS);
}

static void
test_accounts_bad_value(void **state)
{
	(void)state;
	expect_service_err("at_accounts_bad",
			   "option accounts: malformed value \"all\"");
}

static void
test_unknown_argument(void **state)
{
	(void)state;
	expect_service_err("at_unknown_arg",
			   "unknown option \"no_such_option\"");
}

static void
test_leeway_not_a_number(void **state)
{
	(void)state;
	expect_service_err("at_leeway_abc", "option leeway: malformed value");
}

static void
test_leeway_out_of_range(void **state)
{
	(void)state;
	expect_service_err("at_leeway301", "option leeway: malformed value");
}

/* ------------------------------------------------------------------ */
/* pam_setcred */

static void
test_setcred(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	const char *in[] = {tok, NULL};
	struct pamtest_conv_data conv = {.in_echo_off = in};
	struct pam_testcase alone[] = {
		pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
	};
	struct pam_testcase after[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
	};

	assert_pamtest(run_pamtest("at_default", user, NULL, alone, NULL),
		       alone);
	assert_pamtest(run_pamtest("at_default", user, &conv, after, NULL),
		       after);
}

/* ------------------------------------------------------------------ */
/* length awareness: a failed credential at a client's buffer limit */

static void
test_truncation_hint(void **state)
{
	struct fixture *f = *state;
	const size_t limits[] = {255, 511, 1023, 4095};
	const size_t others[] = {254, 256, 510, 512, 1024, 4094};
	char payload[2048], name[1001], want[64], *tok, *cut;
	size_t i;

	(void)f;
	/* A real token longer than ssh passes, cut at ssh's 1023 bytes. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(payload, sizeof(payload),
		 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,\"name\":\"%s\"}",
		 user, (long)f->now, (long)f->now + 300, name);
	tok = own(f, test_jws_sign(JWT_HEADER, payload, TEST_SECRET,
				   strlen(TEST_SECRET)));
	assert_true(strlen(tok) > 1100);
	auth_one("at_default", user, tok, PAM_SUCCESS);
	cut = own(f, strndup(tok, 1023));
	capture_reset();
	auth_one("at_default", user, cut, PAM_AUTH_ERR);
	assert_logged("rejected user=");
	assert_logged("the credential is exactly 1023 bytes, probably "
		      "truncated by the client (OpenSSH's ssh sends at most "
		      "1023 bytes)");
	assert_not_logged(cut);
	/* The hint line reads back: fields, then the module's text. */
	{
		struct logfmt_line l;
		size_t k, hints = 0;

		for (k = 0; k < ncaptured; k++) {
			assert_int_equal(logfmt_parse(captured[k].text, &l), 0);
			if (strcmp(l.verdict, "hint") == 0) {
				hints++;
				assert_int_equal(l.nfields, 1);
				assert_field(&l, "user", user);
				assert_non_null(l.text);
				assert_true(strncmp(l.text,
						    "the credential is exactly "
						    "1023 bytes",
						    36) == 0);
			}
			logfmt_free(&l);
		}
		assert_int_equal(hints, 1);
	}

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char *junk = own(f, malloc(limits[i] + 1));

		memset(junk, 'a', limits[i]);
		junk[limits[i]] = '\0';
		capture_reset();
		auth_one("at_default", user, junk, PAM_AUTH_ERR);
		snprintf(want, sizeof(want), "exactly %zu bytes, probably",
			 limits[i]);
		assert_logged(want);
		assert_logged("rejected user=");
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char *junk = malloc(others[i] + 1);

		assert_non_null(junk);
		memset(junk, 'a', others[i]);
		junk[others[i]] = '\0';
		capture_reset();
		auth_one("at_default", user, junk, PAM_AUTH_ERR);
		free(junk);
		assert_logged("rejected user=");
		if (logged("probably truncated")) {
			print_error("hint for %zu bytes\n", others[i]);
			capture_dump();
			fail();
		}
	}
}

/* A good credential of a limit length is not "truncated". */
static void
test_truncation_hint_not_on_success(void **state)
{
	struct fixture *f = *state;
	char payload[1024], name[600], *tok;
	size_t n;

	/* Grow the name until the token is exactly 511 bytes. */
	for (n = 1; n < sizeof(name); n++) {
		memset(name, 'n', n);
		name[n] = '\0';
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"%s\",\"exp\":%ld,\"name\":\"%s\"}", user,
			 (long)f->now + 300, name);
		tok = test_jws_sign(JWT_HEADER, payload, TEST_SECRET,
				    strlen(TEST_SECRET));
		assert_non_null(tok);
		if (strlen(tok) >= 511)
			break;
		free(tok);
	}
	own(f, tok);
	if (strlen(tok) != 511)
		skip(); /* base64 steps of 4: try the next name length */
	auth_one("at_default", user, tok, PAM_SUCCESS);
	assert_false(logged("probably truncated"));
}

/* ------------------------------------------------------------------ */
/* account phase: the accepted JWT's exp, re-checked */

/* Tokens for the account tests expire this many seconds from now: auth
 * and the first account call must finish before exp (leeway=0), which
 * leaves them at least ACCT_TTL - 1 s, even under valgrind on a loaded
 * machine.  With 1 (before) a run that crossed a second boundary between
 * minting and pam_authenticate() failed. */
#define ACCT_TTL 3

/* Sleep until time(NULL) >= t (at most a few seconds in these tests). */
static void
sleep_until(time_t t)
{
	while (time(NULL) < t)
		usleep(50 * 1000);
}

static void
test_acct_expired_meanwhile(void **state)
{
	struct fixture *f = *state;
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	/* One handle, as sudo and sshd use it: auth, account, wait past
	 * exp (leeway=0), account again. */
	assert_int_equal(pam_start("at_acct", user, &pc, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	sleep_until(exp);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_last_reason("expired");
	assert_logged("rejected user=");
	assert_not_logged(tok);
}

/* The auth line's leeway counts, not the account line's: the verdict
 * belongs to the credential the auth phase accepted. */
static void
test_acct_leeway_keeps_valid(void **state)
{
	struct fixture *f = *state;
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	/* auth leeway=60, account leeway=0 */
	assert_int_equal(pam_start("at_acct_leeway", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	sleep_until(exp);
	/* Within the auth line's 60 s: ignored, pam_permit decides. */
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_false(logged("reason=expired"));
}

/* An account line whose options do not load cannot hide an expired
 * token: the expiry verdict comes first. */
static void
test_acct_expired_broken_account_line(void **state)
{
	struct fixture *f = *state;
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	assert_int_equal(pam_start("at_acct_broken", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	/* Before exp: the broken line fails closed. */
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SERVICE_ERR);
	sleep_until(exp);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_last_reason("expired");
}

/* HMAC has no exp; no auth in this handle; a later failed auth drops an
 * earlier JWT's exp: all PAM_IGNORE (pam_permit then decides). */
static void
test_acct_ignored(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	assert_int_equal(pam_start("at_acct", user, &pc, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	cs = (struct conv_script){.answers = {tok, "garbage"},
				  .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_acct", user, &pc, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	sleep_until(exp);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_false(logged("reason=expired"));
}

/*
 * The module's account line alone (at_acct_only, as the shipped
 * PostgreSQL and Apache stacks): it vouches for exactly the credentials
 * it verified for this PAM user in this handle, HMAC or JWT; with
 * nothing verified it returns PAM_IGNORE and libpam, with no line that
 * decided, denies (PAM_PERM_DENIED).
 */
static void
acct_only(const char *cred, int want_auth, int want_acct)
{
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.answers = {cred}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	assert_int_equal(pam_start("at_acct_only", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), want_auth);
	assert_int_equal(pam_acct_mgmt(pamh, 0), want_acct);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

static void
test_acct_only_decides(void **state)
{
	struct fixture *f = *state;
	char *forged = token(f, user, (long)f->now, (long)f->now + 300,
			     "forged-secret-0123456789-abcdefghijklmnop");
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	acct_only(good_token(f, user), PAM_SUCCESS, PAM_SUCCESS);
	acct_only(good_hmac(f, user), PAM_SUCCESS, PAM_SUCCESS);
	acct_only(forged, PAM_AUTH_ERR, PAM_PERM_DENIED);
	acct_only(good_token(f, EDGE_USER), PAM_AUTH_ERR, PAM_PERM_DENIED);

	/* No authentication in this handle: nothing to vouch for. */
	assert_int_equal(pam_start("at_acct_only", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 0);

	/* A later failed authentication forgets the earlier success. */
	cs = (struct conv_script){.answers = {good_token(f, user), forged},
				  .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_acct_only", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * The account asked about must be the one verified: not another PAM
 * user set after auth, and not one named only through PAM_RUSER (sudo's
 * target account, whose values stand for setcred and the session, but
 * whose account the credential says nothing about).
 */
static void
test_acct_only_other_account(void **state)
{
	struct fixture *f = *state;
	struct conv_script cs = {.answers = {good_hmac(f, user)},
				 .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		cs.prompts = 0;
		pamh = NULL;
		assert_int_equal(pam_start("at_acct_only", user, &pc, &pamh),
				 PAM_SUCCESS);
		assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
		if (i == 1)
			assert_int_equal(pam_set_item(pamh, PAM_RUSER, user),
					 PAM_SUCCESS);
		assert_int_equal(pam_set_item(pamh, PAM_USER, EDGE_USER),
				 PAM_SUCCESS);
		assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
		/* Back to the verified user: it stands again (without
		 * PAM_RUSER its AGENTICTRUST_* variables were removed from
		 * the environment, but this handle did verify it). */
		assert_int_equal(pam_set_item(pamh, PAM_USER, user),
				 PAM_SUCCESS);
		assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
		assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	}
}

/* A bare account line needs no secret: with pam_permit after it (as
 * at_acct_noconf has), a host without a configuration is not locked out. */
static void
test_acct_no_config(void **state)
{
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	(void)state;
	assert_int_equal(pam_start("at_acct_noconf", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 0);
}

/* A broken account line fails closed, even with nothing to check. */
static void
test_acct_bad_config(void **state)
{
	pam_handle_t *pamh = NULL;
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};

	(void)state;
	assert_int_equal(pam_start("at_acct_bad", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SERVICE_ERR);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_last_reason("bad_config");
}

/* ------------------------------------------------------------------ */
/* session phase: what pam_env (user_readenv=1) sets cannot stand */

/* What a user's ~/.pam_environment would say (pam_env.conf syntax, in
 * which "@" starts @{ITEM}: a literal one is "\@").  Not "root" for SUB:
 * the tests may run as root. */
#define HOSTILE_PAM_ENV                                                        \
	"AGENTICTRUST_SUB OVERRIDE=someone-else\n"                             \
	"AGENTICTRUST_EMAIL OVERRIDE=evil\\@x\n"                               \
	"AGENTICTRUST_METHOD OVERRIDE=jwt\n"                                   \
	"AGENTICTRUST_ROLE OVERRIDE=admin\n"
#define HOSTILE_SEAL "AGENTICTRUST_SEAL OVERRIDE=forged.AAAA\n"

static void
write_pam_env(const char *content)
{
	char *path = test_path(AT_TEST_DIR, "pam_env.conf");

	assert_int_equal(test_write_file(path, content, 0644), 0);
	free(path);
}

/* The AGENTICTRUST_* part of the handle's environment, "A=1 B=2 ...",
 * in the environment's order. */
static void
at_env(pam_handle_t *pamh, char *out, size_t cap)
{
	char **env = pam_getenvlist(pamh);
	size_t i, n = 0;

	assert_non_null(env);
	out[0] = '\0';
	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], "AGENTICTRUST_", 13) == 0)
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0,
					      "%s%s", n > 0 ? " " : "",
					      env[i]);
		free(env[i]);
	}
	free(env);
	assert_true(n < cap);
}

/* The last captured line is the session line of phase (libpam's name,
 * "session" or "setcred") for the PAM user who: read it back. */
static void
assert_phase_line(const char *phase, const char *who, const char *reason,
		  unsigned int changed, unsigned int removed)
{
	struct logfmt_line l;
	char num[16];

	assert_true(ncaptured > 0);
	if (logfmt_parse(captured[ncaptured - 1].text, &l) != 0) {
		capture_dump();
		fail_msg("the session line does not read back");
	}
	if (strcmp(l.phase, phase) != 0 || strcmp(l.verdict, "session") != 0)
		capture_dump();
	assert_string_equal(l.phase, phase);
	assert_string_equal(l.verdict, "session");
	assert_field(&l, "user", who);
	assert_field(&l, "reason", reason);
	snprintf(num, sizeof(num), "%u", changed);
	assert_field(&l, "changed", num);
	snprintf(num, sizeof(num), "%u", removed);
	assert_field(&l, "removed", num);
	logfmt_free(&l);
}

static void
assert_session_line(const char *reason, unsigned int changed,
		    unsigned int removed)
{
	assert_phase_line("session", user, reason, changed, removed);
}

static void
test_session_restores_verified(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	char *tok = mint_with(f, TEST_SECRET,
			      "{\"sub\":\"%s\",\"exp\":%ld,"
			      "\"email\":\"agent@example.com\"}",
			      user, (long)f->now + 300);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024], want[1024], fp[AT_FP_LEN + 1];

	write_pam_env(HOSTILE_PAM_ENV HOSTILE_SEAL);
	/* HMAC: no email.  pam_env sets five variables after auth. */
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	snprintf(want, sizeof(want),
		 "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=hmac", user);
	assert_string_equal(env, want);
	/* SUB and METHOD put back; EMAIL and ROLE removed (and the forged
	 * seal, which is not counted: removing the seal is normal). */
	assert_session_line("restored", 2, 2);
	assert_no_error_lines();
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* JWT with an email: the token's email comes back. */
	cs = (struct conv_script){.answers = {tok}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	/* The token's fingerprint too (no iat in this token: no IAT). */
	assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp), AT_OK);
	snprintf(want, sizeof(want),
		 "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=jwt "
		 "AGENTICTRUST_EMAIL=agent@example.com AGENTICTRUST_FP=%s",
		 user, fp);
	assert_string_equal(env, want);
	assert_session_line("restored", 2, 1);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* Nothing changed them: the session phase says nothing. */
	write_pam_env("");
	cs = (struct conv_script){.answers = {tok}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	assert_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* Without the module's session line pam_env wins: the test above can
 * fail. */
static void
test_session_without_module_line(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;

	write_pam_env(HOSTILE_PAM_ENV HOSTILE_SEAL);
	assert_int_equal(pam_start("at_session_none", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SUB"));
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"),
			    "someone-else");
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_EMAIL"), "evil@x");
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_METHOD"), "jwt");
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_ROLE"), "admin");
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* Authenticated by another module: no AGENTICTRUST_* survives. */
static void
test_session_not_verified(void **state)
{
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024];

	(void)state;
	write_pam_env(HOSTILE_PAM_ENV);
	assert_int_equal(pam_start("at_session_other", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	/* pam_env succeeds, the module ignores: the session opens. */
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_session_line("not_verified", 0, 4);
	assert_no_error_lines();
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* A seal nobody made: said so, and removed with the rest. */
	write_pam_env(HOSTILE_PAM_ENV HOSTILE_SEAL);
	pamh = NULL;
	assert_int_equal(pam_start("at_session_other", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_session_line("bad_seal", 0, 4);
	assert_no_error_lines();
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* Nothing set, nothing to say, nothing logged at all. */
	write_pam_env("");
	pamh = NULL;
	assert_int_equal(pam_start("at_session_other", user, &pc, &pamh),
			 PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * sshd's keyboard-interactive authentication: pam_authenticate() runs in
 * a child forked after pam_start(), which sends its PAM environment back;
 * the parent pam_putenv()s it and opens the session in its own copy of
 * the handle, where nothing the child remembered with pam_set_data()
 * exists.  The seal in the environment carries the verified values.
 */
static int
auth_in_child(pam_handle_t *pamh, char *got, size_t cap)
{
	int fds[2], status;
	pid_t pid;
	char **env;
	size_t i, n = 0;
	ssize_t r;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (pam_authenticate(pamh, 0) != PAM_SUCCESS)
			_exit(1);
		env = pam_getenvlist(pamh);
		for (i = 0; env != NULL && env[i] != NULL; i++) {
			if (write(fds[1], env[i], strlen(env[i]) + 1) < 0)
				_exit(2);
			free(env[i]);
		}
		free(env);
		_exit(0);
	}
	close(fds[1]);
	while (n < cap && (r = read(fds[0], got + n, cap - n)) > 0)
		n += (size_t)r;
	close(fds[0]);
	assert_true(n < cap);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return (int)n;
}

static void
import_env(pam_handle_t *pamh, const char *got, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += strlen(got + i) + 1)
		assert_int_equal(pam_putenv(pamh, got + i), PAM_SUCCESS);
}

/* sshd: authenticated in a forked child; the parent's account phase has
 * only the imported seal, which vouches as the child's pam_set_data()
 * would have. */
static void
test_acct_only_seal_across_fork(void **state)
{
	struct fixture *f = *state;
	struct conv_script cs = {.answers = {good_token(f, user)},
				 .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192];
	int n;

	assert_int_equal(pam_start("at_acct_only", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	import_env(pamh, got, (size_t)n);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

static void
test_session_seal_across_fork(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], env[1024], want[1024];
	int n;

	write_pam_env(HOSTILE_PAM_ENV);
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	/* The parent never authenticated: only the imported environment. */
	assert_null(pam_getenv(pamh, "AGENTICTRUST_SUB"));
	import_env(pamh, got, (size_t)n);
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	snprintf(want, sizeof(want),
		 "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=hmac", user);
	assert_string_equal(env, want);
	assert_session_line("restored", 2, 2);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* pam_env keeping the imported SUB but replacing the seal with one
	 * of its own: nothing verified is left, everything goes. */
	write_pam_env("AGENTICTRUST_SEAL OVERRIDE=QUJD.AAAAAAAAAAAAAAAAAAAAAAAA"
		      "AAAAAAAAAAAAAAAAAAA\n");
	cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_session_line("bad_seal", 0, 2);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * The module stays loaded for the process (-z nodelete), and so does the
 * seal key: a handle that starts after one that ended may get its
 * address.  A seal made in a handle that has ended opens in no later
 * one, at the same address or not (seal_handle() binds how many handles
 * have ended too).  Needs the allocator to hand the address out again,
 * which glibc's does at once; under ASan or valgrind (freed memory held
 * back) the test has nothing to check and says so.
 */
static void
test_seal_not_after_pam_end(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL, *held[64];
	char var[1024], env[1024];
	const char *seal;
	void *was;
	size_t nheld = 0, i;

	write_pam_env("");
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_non_null(seal = pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_true((size_t)snprintf(var, sizeof(var), "AGENTICTRUST_SEAL=%s",
				     seal) < sizeof(var));
	was = pamh;
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	for (;;) {
		pamh = NULL;
		assert_int_equal(pam_start("at_session", user, &pc, &pamh),
				 PAM_SUCCESS);
		if ((void *)pamh == was || nheld == 64)
			break;
		held[nheld++] = pamh;
	}
	for (i = 0; i < nheld; i++)
		assert_int_equal(pam_end(held[i], PAM_SUCCESS), PAM_SUCCESS);
	if ((void *)pamh != was) {
		assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
		print_message("no handle got the ended one's address "
			      "(allocator holds freed memory back): "
			      "nothing to check\n");
		return;
	}
	/* Same service, same user, same address: the copied seal. */
	assert_int_equal(pam_putenv(pamh, var), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_session_line("bad_seal", 0, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* The normal course under sshd: the imported seal opens, the values
 * stand, the seal goes, and nothing is logged. */
static void
test_session_seal_across_fork_quiet(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], env[1024], want[1024];
	int n;

	write_pam_env("");
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	snprintf(want, sizeof(want),
		 "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=hmac", user);
	assert_string_equal(env, want);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* A seal made for one user does not open for another. */
static void
test_session_seal_other_user(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], env[1024], want[1024];
	int n;

	write_pam_env("");
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	assert_int_equal(pam_set_item(pamh, PAM_USER, NO_SUCH_USER),
			 PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_phase_line("session", NO_SUCH_USER, "bad_seal", 0, 2);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* Unless the application names the verified user as the one who
	 * requests the session (PAM_RUSER, as sudo does). */
	cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_session", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	assert_int_equal(pam_set_item(pamh, PAM_USER, EDGE_USER),
			 PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_RUSER, user), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	snprintf(want, sizeof(want),
		 "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=hmac", user);
	assert_string_equal(env, want);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * The second review's replay (F1): a seal opens only in the handle that
 * made it.  Handle 1 authenticates; an application (or anything that can
 * put variables into a handle's PAM environment) copies its seal into
 * handle 2 of the same process, same service and user, which never
 * authenticated.  Neither its session nor its setcred may restore the
 * values.  Handle 1 stays open, so the two handles have two addresses.
 */
static void
test_seal_other_handle(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct conv_script cs2 = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	struct pam_conv pc2 = {script_conv, &cs2};
	pam_handle_t *pamh = NULL, *pamh2 = NULL;
	char *var = NULL, env[1024];
	int phase;

	write_pam_env("");
	assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_true(asprintf(&var, "AGENTICTRUST_SEAL=%s",
			     pam_getenv(pamh, "AGENTICTRUST_SEAL")) > 0);
	for (phase = 0; phase < 2; phase++) {
		pamh2 = NULL;
		assert_int_equal(pam_start("at_setcred", user, &pc2, &pamh2),
				 PAM_SUCCESS);
		assert_ptr_not_equal(pamh2, pamh);
		assert_int_equal(pam_putenv(pamh2, var), PAM_SUCCESS);
		capture_reset();
		if (phase == 0)
			assert_int_equal(pam_open_session(pamh2, 0),
					 PAM_SUCCESS);
		else
			assert_int_equal(pam_setcred(pamh2,
						     PAM_ESTABLISH_CRED),
					 PAM_SUCCESS);
		at_env(pamh2, env, sizeof(env));
		assert_string_equal(env, "");
		assert_phase_line(phase == 0 ? "session" : "setcred", user,
				  "bad_seal", 0, 0);
		assert_false(logged("reason=restored"));
		assert_int_equal(pam_end(pamh2, PAM_SUCCESS), PAM_SUCCESS);
	}
	assert_int_equal(cs2.prompts, 0);
	/* The handle that made it still opens it. */
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	free(var);
}

/*
 * A seal expires: with a JWT, when the token does (exp + the auth line's
 * leeway, 0 here).  sshd's monitor opening the session after the token
 * expired finds nothing verified, and removes everything.
 */
static void
test_seal_expired(void **state)
{
	struct fixture *f = *state;
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], env[1024];
	int n;

	write_pam_env("");
	assert_int_equal(pam_start("at_other_user", user, &pc, &pamh),
			 PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	sleep_until(exp);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	/* SUB, METHOD, FP and IAT. */
	assert_session_line("bad_seal", 0, 4);
	assert_no_error_lines();
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_not_logged(tok);
}

/*
 * The conversation of test_export_reason: while the module prompts, the
 * application renames the handle's service (pam_set_item(PAM_SERVICE)) to
 * a name longer than AT_SEAL_MAX, which nothing can seal.
 */
struct rename_conv {
	struct conv_script cs;
	pam_handle_t *pamh;
	const char *service;
};

static int
rename_service_conv(int num_msg, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	struct rename_conv *rc = appdata;

	if (pam_set_item(rc->pamh, PAM_SERVICE, rc->service) != PAM_SUCCESS)
		return PAM_CONV_ERR;
	return script_conv(num_msg, msg, resp, &rc->cs);
}

/*
 * The second review's F8: the auth phase failing to export for a cause
 * other than libpam's environment says so (here reason=internal: the
 * seal cannot be made), not reason=pam_env, and fails closed with nothing
 * exported.
 */
static void
test_export_reason(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	char *longsvc = malloc(AT_SEAL_MAX + 2);
	struct rename_conv rc = {.cs = {.answers = {hex}, .rv = PAM_SUCCESS}};
	struct pam_conv pc = {rename_service_conv, &rc};
	pam_handle_t *pamh = NULL;
	char env[1024];

	assert_non_null(longsvc);
	memset(longsvc, 's', AT_SEAL_MAX + 1);
	longsvc[AT_SEAL_MAX + 1] = '\0';
	rc.service = longsvc;
	assert_int_equal(pam_start("at_default", user, &pc, &pamh),
			 PAM_SUCCESS);
	rc.pamh = pamh;
	capture_reset();
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SYSTEM_ERR);
	assert_int_equal(rc.cs.prompts, 1);
	assert_last_reason("internal");
	assert_logged("refused user=");
	assert_false(logged("reason=pam_env"));
	assert_false(logged("accepted"));
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	free(longsvc);
}

/* ------------------------------------------------------------------ */
/* setcred: pam_env in the auth stack re-reads its files on every
 * pam_setcred(), and OpenSSH and login(1) call it after the session
 * opened: the module's setcred re-asserts as the session phase does. */

/* The verified values of an HMAC login of user, as at_env() shows them. */
static void
want_hmac_env(char *want, size_t cap)
{
	snprintf(want, cap, "AGENTICTRUST_SUB=%s AGENTICTRUST_METHOD=hmac",
		 user);
}

/*
 * The reviewer's sequence at libpam level: start, authenticate, setcred
 * ESTABLISH, open_session, setcred REINITIALIZE; the environment is read
 * after each step, and a hostile pam_env file is read by pam_env's auth
 * (setcred) and session lines alike.
 */
static void
test_setcred_restores_verified(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024], want[1024];

	want_hmac_env(want, sizeof(want));
	write_pam_env(HOSTILE_PAM_ENV HOSTILE_SEAL);
	assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	/* pam_env's setcred set five; SUB and METHOD put back, EMAIL and
	 * ROLE removed (the forged seal too, not counted). */
	assert_phase_line("setcred", user, "restored", 2, 2);
	assert_no_error_lines();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_REINITIALIZE_CRED),
			 PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	assert_phase_line("setcred", user, "restored", 2, 2);
	assert_int_equal(pam_setcred(pamh, PAM_REFRESH_CRED), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	assert_no_error_lines();
	/* Deleting credentials ends the session: nothing to re-assert, and
	 * it never fails. */
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_DELETE_CRED), PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* Nothing changed them: setcred says nothing. */
	write_pam_env("");
	cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * sshd: keyboard-interactive auth in a forked child, whose environment
 * (with the seal) the monitor imports; the monitor calls setcred and
 * opens the session; the session child it forks calls setcred again
 * before it reads the environment.  The first of those to open the seal
 * removes it, so it must remember what it found for the others.  Both
 * orders: the session opened first (as the review describes it), and
 * setcred first (OpenSSH 9.2's monitor).  A forked session child shares
 * the handle's memory, so the last setcred runs in this process.
 */
static void
test_setcred_seal_across_fork(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], env[1024], want[1024];
	int n, order;

	want_hmac_env(want, sizeof(want));
	write_pam_env(HOSTILE_PAM_ENV);
	for (order = 0; order < 2; order++) {
		cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
		pamh = NULL;
		assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
				 PAM_SUCCESS);
		n = auth_in_child(pamh, got, sizeof(got));
		import_env(pamh, got, (size_t)n);
		if (order == 1) {
			assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED),
					 PAM_SUCCESS);
			at_env(pamh, env, sizeof(env));
			assert_string_equal(env, want);
		}
		assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
		at_env(pamh, env, sizeof(env));
		assert_string_equal(env, want);
		assert_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
		capture_reset();
		assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED),
				 PAM_SUCCESS);
		at_env(pamh, env, sizeof(env));
		assert_string_equal(env, want);
		assert_phase_line("setcred", user, "restored", 2, 2);
		assert_no_error_lines();
		assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	}
}

/*
 * setcred with nothing verified (no authentication in this handle, as an
 * sshd publickey login calls it): every AGENTICTRUST_* goes, and setcred
 * still succeeds (an auth stack whose modules all ignore setcred would
 * fail it, and sshd ends a session whose setcred fails).
 */
static void
test_setcred_not_verified(void **state)
{
	struct conv_script cs = {.rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024];

	(void)state;
	write_pam_env(HOSTILE_PAM_ENV);
	assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
			 PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_phase_line("setcred", user, "not_verified", 0, 4);
	assert_no_error_lines();
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* A seal nobody made: said so, and removed with the rest. */
	write_pam_env(HOSTILE_PAM_ENV HOSTILE_SEAL);
	pamh = NULL;
	assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
			 PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_REINITIALIZE_CRED),
			 PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_phase_line("setcred", user, "bad_seal", 0, 4);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 0);
}

/* The auth-stack pam_env after the module's auth line has the last word
 * in setcred: why the documentation says "before".  (The session phase
 * still fixes what pam_open_session() hands out.) */
static void
test_setcred_pam_env_after_module(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024], want[1024];

	want_hmac_env(want, sizeof(want));
	write_pam_env(HOSTILE_PAM_ENV);
	assert_int_equal(pam_start("at_setcred_late", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, want);
	assert_int_equal(pam_setcred(pamh, PAM_REINITIALIZE_CRED),
			 PAM_SUCCESS);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"),
			    "someone-else");
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* what was verified for one user never reaches another user's session */

/*
 * The verified user authenticates through the module, then the application
 * sets PAM_USER to EDGE_USER and authenticates again: an earlier line
 * (pam_succeed_if, pam_permit) grants it before the module runs, so the
 * module prompts once only and clears nothing of the first user's.
 */
static void
auth_then_other_user(pam_handle_t *pamh, const struct conv_script *cs)
{
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_USER, EDGE_USER),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(cs->prompts, 1); /* the module did not run again */
}

/*
 * The review's reproduction: atagent authenticates through the module;
 * the application sets PAM_USER=atedge and authenticates again, which
 * pam_succeed_if grants before the module runs, so nothing of atagent's
 * is cleared.  atedge's session must not carry atagent's identity.
 */
static void
test_other_user_session(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024];

	write_pam_env("");
	assert_int_equal(pam_start("at_other_user", user, &pc, &pamh),
			 PAM_SUCCESS);
	auth_then_other_user(pamh, &cs);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	/* SUB, METHOD, FP and IAT removed (the seal too, not counted). */
	assert_phase_line("session", EDGE_USER, "other_user", 0, 4);
	assert_no_error_lines();
	assert_false(logged("reason=restored"));
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * The second review's F2: after atedge authenticated through the
 * sufficient pam_permit line, libpam replays pam_authenticate()'s chain
 * for pam_setcred(), which ends at that line (pam_permit's setcred
 * succeeds): the module's setcred never runs, and atagent's values are
 * still there afterwards.  The account phase, which libpam does not
 * replay, removes them (when the module's account line is reached), and
 * the session phase does in any case.
 */
static void
test_other_user_account_removes(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024];

	write_pam_env("");
	assert_int_equal(pam_start("at_other_user_permit", user, &pc, &pamh),
			 PAM_SUCCESS);
	auth_then_other_user(pamh, &cs);
	capture_reset();
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	/* What the documentation says: setcred is not the module's here. */
	assert_false(logged("setcred"));
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_METHOD"), "hmac");
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	/* SUB and METHOD removed (the seal too, not counted). */
	assert_phase_line("account", EDGE_USER, "other_user", 0, 2);
	assert_no_error_lines();
	capture_reset();
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	at_env(pamh, env, sizeof(env));
	assert_string_equal(env, "");
	assert_phase_line("session", EDGE_USER, "other_user", 0, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);

	/* atagent's own account phase keeps atagent's values. */
	cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_other_user_permit", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_METHOD"), "hmac");
	assert_non_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_int_equal(ncaptured, 0);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/*
 * PAM_USER changed after the module's auth, no new authentication:
 * without PAM_RUSER naming the verified user, setcred and the session
 * treat the values as another user's.  With it (sudo: it authenticates
 * the invoking user, sets PAM_RUSER to that user and PAM_USER to the
 * target account before setcred and the session), the values stand.
 */
static void
test_user_changed_after_auth(void **state)
{
	struct fixture *f = *state;
	char *hex = good_hmac(f, user);
	struct conv_script cs = {.answers = {hex}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char env[1024], want[1024];
	int ruser;

	want_hmac_env(want, sizeof(want));
	write_pam_env(HOSTILE_PAM_ENV);
	for (ruser = 0; ruser < 2; ruser++) {
		cs = (struct conv_script){.answers = {hex}, .rv = PAM_SUCCESS};
		pamh = NULL;
		assert_int_equal(pam_start("at_setcred", user, &pc, &pamh),
				 PAM_SUCCESS);
		if (ruser)
			assert_int_equal(pam_set_item(pamh, PAM_RUSER, user),
					 PAM_SUCCESS);
		assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
		assert_int_equal(pam_set_item(pamh, PAM_USER, EDGE_USER),
				 PAM_SUCCESS);
		capture_reset();
		assert_int_equal(pam_setcred(pamh, PAM_REINITIALIZE_CRED),
				 PAM_SUCCESS);
		at_env(pamh, env, sizeof(env));
		assert_string_equal(env, ruser ? want : "");
		if (ruser)
			assert_phase_line("setcred", EDGE_USER, "restored", 2,
					  2);
		else
			assert_phase_line("setcred", EDGE_USER, "other_user",
					  0, 4);
		capture_reset();
		assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
		at_env(pamh, env, sizeof(env));
		assert_string_equal(env, ruser ? want : "");
		if (ruser)
			assert_phase_line("session", EDGE_USER, "restored", 2,
					  2);
		else
			assert_phase_line("session", EDGE_USER, "other_user",
					  0, 4);
		assert_no_error_lines();
		assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	}
}

/*
 * The account phase: the exp remembered for atagent's JWT is atagent's.
 * After atedge authenticated through pam_succeed_if in the same handle,
 * atagent's token expiring says nothing about atedge: ignored.  The same
 * token with PAM_RUSER naming atagent (sudo) is still refused.
 */
static void
test_other_user_account(void **state)
{
	struct fixture *f = *state;
	time_t exp = time(NULL) + ACCT_TTL;
	char *tok = token(f, user, (long)exp - 60, (long)exp, TEST_SECRET);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct conv_script cs2 = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	struct pam_conv pc2 = {script_conv, &cs2};
	pam_handle_t *pamh = NULL, *pamh2 = NULL;

	assert_int_equal(pam_start("at_other_user", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_USER, EDGE_USER),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_start("at_other_user", user, &pc2, &pamh2),
			 PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh2, PAM_RUSER, user), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh2, 0), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh2, PAM_USER, EDGE_USER),
			 PAM_SUCCESS);
	sleep_until(exp);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_false(logged("reason=expired"));
	assert_int_equal(pam_acct_mgmt(pamh2, 0), PAM_PERM_DENIED);
	assert_last_reason("expired");
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_int_equal(pam_end(pamh2, PAM_SUCCESS), PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* the state store (issue 8): single use and revocation, SQLite */

/* The store the at_store* services name. */
#define STORE_URL "sqlite:" AT_TEST_DIR "/store.db"
#define STORE_PATH AT_TEST_DIR "/store.db"

/* Open the tests' store from the test itself, as the CLI would. */
static struct at_store *
store_open(void)
{
	struct at_config cfg;
	struct at_store *st = NULL;

	at_config_init(&cfg);
	assert_int_equal(at_config_set(&cfg, "store", STORE_URL, NULL), AT_OK);
	assert_int_equal(at_store_open(&cfg, geteuid(), NULL, &st), AT_OK);
	at_config_clear(&cfg);
	return st;
}

/* Revoke (kind, id); for AT_REVOKE_SUB with cut-off before. */
static void
store_revoke(enum at_revocation_kind kind, const char *id, int64_t before)
{
	struct at_store *st = store_open();
	char idbuf[AT_MAX_SUB + 1], why[] = "test";
	struct at_revocation r;

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.id = idbuf;
	r.before = before;
	r.created = (int64_t)time(NULL);
	r.reason = why;
	assert_int_equal(at_store_revoke(st, &r), AT_OK);
	at_store_close(st);
}

static void
store_unrevoke(enum at_revocation_kind kind, const char *id)
{
	struct at_store *st = store_open();
	bool found = false;

	assert_int_equal(at_store_unrevoke(st, kind, id, &found), AT_OK);
	assert_true(found);
	at_store_close(st);
}

/* Revoke one token by its fingerprint. */
static void
store_revoke_token(const char *tok)
{
	char fp[AT_FP_LEN + 1];

	assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp), AT_OK);
	store_revoke(AT_REVOKE_TOKEN, fp, 0);
}

/*
 * The last line of the given phase whose verdict is verdict reads back
 * with these reason, sub and fp fields (fp NULL: "-"; for a token, its
 * fingerprint) and was logged at prio.
 */
static void
assert_verdict(const char *phase, int prio, const char *verdict,
	       const char *reason, const char *sub, const char *tok)
{
	struct logfmt_line l;
	char fp[AT_FP_LEN + 1];
	size_t i;

	assert_false(capture_overflow);
	for (i = ncaptured; i > 0; i--) {
		if (logfmt_parse(captured[i - 1].text, &l) != 0)
			continue;
		if (strcmp(l.phase, phase) == 0 &&
		    strcmp(l.verdict, verdict) == 0)
			break;
		logfmt_free(&l);
	}
	if (i == 0) {
		capture_dump();
		fail_msg("no %s verdict line in phase %s", verdict, phase);
	}
	if (captured[i - 1].prio != prio) {
		capture_dump();
		fail_msg("want %s at <%d>, got <%d>", verdict, prio,
			 captured[i - 1].prio);
	}
	assert_field(&l, "reason", reason);
	assert_field(&l, "sub", sub);
	if (tok != NULL)
		assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp),
				 AT_OK);
	assert_field(&l, "fp", tok != NULL ? fp : NULL);
	logfmt_free(&l);
}

/* A JWT for sub with a jti, or without one (jti NULL). */
static char *
jti_token(struct fixture *f, const char *sub, const char *jti)
{
	if (jti == NULL)
		return mint_with(f, TEST_SECRET,
				 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
				 sub, (long)f->now, (long)f->now + 300);
	return mint_with(f, TEST_SECRET,
			 "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			 "\"jti\":\"%s\"}",
			 sub, (long)f->now, (long)f->now + 300, jti);
}

/* Single use: first accepted, then replayed, with and without a jti. */
static void
test_store_single_use(void **state)
{
	struct fixture *f = *state;
	const char *jtis[] = {"agent-7-0001", NULL};
	char *tok;
	size_t i;

	for (i = 0; i < 2; i++) {
		tok = jti_token(f, user, jtis[i]);
		capture_reset();
		auth_one("at_store_single", user, tok, PAM_SUCCESS);
		assert_verdict("auth", LOG_INFO, "accepted", "ok", user, tok);
		assert_no_error_lines();
		capture_reset();
		auth_one("at_store_single", user, tok, PAM_AUTH_ERR);
		assert_verdict("auth", LOG_NOTICE, "rejected", "replayed",
			       user, tok);
		assert_false(logged("accepted"));
		/* And again: still replayed, never accepted. */
		capture_reset();
		auth_one("at_store_single", user, tok, PAM_AUTH_ERR);
		assert_last_reason("replayed");
		assert_not_logged(tok);
	}
	/* Another token with the same jti is the same single use. */
	tok = mint_with(f, TEST_SECRET,
			"{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			"\"jti\":\"agent-7-0001\",\"name\":\"x\"}",
			user, (long)f->now, (long)f->now + 300);
	capture_reset();
	auth_one("at_store_single", user, tok, PAM_AUTH_ERR);
	assert_last_reason("replayed");
	/* The store outlives the test's handles: it is a file. */
	assert_int_equal(access(STORE_PATH, F_OK), 0);
}

/*
 * Only a credential that passed every other check is consumed: a token
 * presented for another user, a typo in it, or an expired one leave it
 * unused (and an expired one stays "expired", never "replayed").
 */
static void
test_store_single_use_failures_do_not_consume(void **state)
{
	struct fixture *f = *state;
	char *tok = jti_token(f, user, "agent-7-0002"), *typo;
	char *old = mint_with(f, TEST_SECRET,
			      "{\"sub\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
			      "\"jti\":\"agent-7-old\"}",
			      user, (long)f->now - 900, (long)f->now - 600);

	capture_reset();
	auth_one("at_store_single", EDGE_USER, tok, PAM_AUTH_ERR);
	assert_false(logged("reason=replayed"));
	typo = own(f, strdup(tok));
	typo[strlen(typo) - 2] = typo[strlen(typo) - 2] == 'A' ? 'B' : 'A';
	capture_reset();
	auth_one("at_store_single", user, typo, PAM_AUTH_ERR);
	/* An unverified credential gets no fingerprint. */
	assert_verdict("auth", LOG_NOTICE, "rejected", "bad_signature", NULL,
		       NULL);
	capture_reset();
	auth_one("at_store_single", user, tok, PAM_SUCCESS);
	assert_last_reason("ok");
	capture_reset();
	auth_one("at_store_single", user, tok, PAM_AUTH_ERR);
	assert_last_reason("replayed");

	capture_reset();
	auth_one("at_store_single", user, old, PAM_AUTH_ERR);
	assert_last_reason("expired");
	capture_reset();
	auth_one("at_store_single", user, old, PAM_AUTH_ERR);
	assert_last_reason("expired");
}

/* fp=: a JWT whose MAC verified, never an HMAC or a bad signature. */
static void
test_store_fp_field(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user), *hex = good_hmac(f, user);
	char *bad = token(f, user, (long)f->now, (long)f->now + 300,
			  TEST_SECRET2);

	capture_reset();
	auth_one("at_default", user, tok, PAM_SUCCESS);
	assert_verdict("auth", LOG_INFO, "accepted", "ok", user, tok);
	capture_reset();
	auth_one("at_default", user, hex, PAM_SUCCESS);
	assert_verdict("auth", LOG_INFO, "accepted", "ok", user, NULL);
	capture_reset();
	auth_one("at_default", user, bad, PAM_AUTH_ERR);
	assert_verdict("auth", LOG_NOTICE, "rejected", "bad_signature", NULL,
		       NULL);
	/* A verified JWT refused for another reason still names itself. */
	capture_reset();
	auth_one("at_default", EDGE_USER, tok, PAM_AUTH_ERR);
	assert_false(logged(" fp=-"));
	assert_not_logged(tok);
	assert_not_logged(bad);
}

/* Revocation of an id: everything, then nothing once unrevoked. */
static void
test_store_revoked_sub(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user), *hex = good_hmac(f, user);

	auth_one("at_store", user, tok, PAM_SUCCESS);
	store_revoke(AT_REVOKE_SUB, user, 0);
	capture_reset();
	auth_one("at_store", user, tok, PAM_AUTH_ERR);
	assert_verdict("auth", LOG_NOTICE, "rejected", "revoked", user, tok);
	capture_reset();
	auth_one("at_store", user, hex, PAM_AUTH_ERR);
	assert_verdict("auth", LOG_NOTICE, "rejected", "revoked", user, NULL);
	/* Another id is not touched. */
	store_revoke(AT_REVOKE_SUB, "agent-elsewhere", 0);
	store_unrevoke(AT_REVOKE_SUB, user);
	capture_reset();
	auth_one("at_store", user, tok, PAM_SUCCESS);
	auth_one("at_store", user, hex, PAM_SUCCESS);
	assert_no_error_lines();
}

/*
 * A cut-off: JWTs issued before it (or without iat) and HMAC
 * credentials are refused, a JWT issued at or after it is accepted.
 */
static void
test_store_revoked_cutoff(void **state)
{
	struct fixture *f = *state;
	long now = (long)f->now;
	char *before = token(f, user, now - 200, now + 300, TEST_SECRET);
	char *after = token(f, user, now - 100, now + 300, TEST_SECRET);
	char *noiat = mint_with(f, TEST_SECRET, "{\"sub\":\"%s\",\"exp\":%ld}",
				user, now + 300);
	char *hex = good_hmac(f, user);

	store_revoke(AT_REVOKE_SUB, user, (int64_t)now - 100);
	capture_reset();
	auth_one("at_store", user, before, PAM_AUTH_ERR);
	assert_verdict("auth", LOG_NOTICE, "rejected", "revoked", user,
		       before);
	capture_reset();
	auth_one("at_store", user, noiat, PAM_AUTH_ERR);
	assert_last_reason("revoked");
	capture_reset();
	auth_one("at_store", user, hex, PAM_AUTH_ERR);
	assert_last_reason("revoked");
	capture_reset();
	auth_one("at_store", user, after, PAM_SUCCESS);
	assert_verdict("auth", LOG_INFO, "accepted", "ok", user, after);
}

/* Revocation of one token: that one refused, a new one accepted. */
static void
test_store_revoked_token(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char *other = token(f, user, (long)f->now - 1, (long)f->now + 300,
			    TEST_SECRET);

	store_revoke_token(tok);
	capture_reset();
	auth_one("at_store", user, tok, PAM_AUTH_ERR);
	assert_verdict("auth", LOG_NOTICE, "rejected", "revoked", user, tok);
	capture_reset();
	auth_one("at_store", user, other, PAM_SUCCESS);
	assert_last_reason("ok");
}

/* One handle for user: authenticated with cred, then revoke() runs,
 * then pam_acct_mgmt() must return want. */
static void
auth_revoke_account(const char *service, const char *cred,
		    void (*revoke)(const char *), const char *arg, int want)
{
	struct conv_script cs = {.answers = {cred}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;

	assert_int_equal(pam_start(service, user, &pc, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	if (revoke != NULL)
		revoke(arg);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), want);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

static void
revoke_all(const char *id)
{
	store_revoke(AT_REVOKE_SUB, id, 0);
}

static void
revoke_now(const char *id)
{
	store_revoke(AT_REVOKE_SUB, id, (int64_t)time(NULL) + 1);
}

/*
 * Revoked between pam_authenticate() and pam_acct_mgmt() of one handle:
 * the account phase refuses (by id, by token, an HMAC credential under
 * a cut-off); not revoked, it passes to the rest of the account stack.
 */
static void
test_store_account_revoked_after_auth(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user), *hex = good_hmac(f, user);
	char fp[AT_FP_LEN + 1];

	auth_revoke_account("at_store", tok, NULL, NULL, PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);

	auth_revoke_account("at_store", tok, revoke_all, user,
			    PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       tok);
	store_unrevoke(AT_REVOKE_SUB, user);

	auth_revoke_account("at_store", tok, store_revoke_token, tok,
			    PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       tok);
	assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp), AT_OK);
	store_unrevoke(AT_REVOKE_TOKEN, fp);

	/* A JWT issued before a cut-off made after the auth phase. */
	auth_revoke_account("at_store", tok, revoke_now, user,
			    PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       tok);
	store_unrevoke(AT_REVOKE_SUB, user);

	auth_revoke_account("at_store", hex, revoke_now, user,
			    PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       NULL);
	store_unrevoke(AT_REVOKE_SUB, user);
	auth_revoke_account("at_store", hex, NULL, NULL, PAM_SUCCESS);
}

/*
 * sshd: the auth phase ran in a forked child, the account phase in the
 * parent sees only the seal.  A token revoked in between is refused
 * there, from the sealed id, iat and fingerprint; without a revocation
 * the session phase still finds the verified values afterwards.
 */
static void
test_store_account_seal(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;
	char got[8192], fp[AT_FP_LEN + 1];
	int n;

	write_pam_env("");
	assert_int_equal(at_token_fingerprint(tok, strlen(tok), fp), AT_OK);
	assert_int_equal(pam_start("at_store", user, &pc, &pamh), PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_FP"), fp);
	store_revoke_token(tok);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       tok);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	store_unrevoke(AT_REVOKE_TOKEN, fp);

	cs = (struct conv_script){.answers = {tok}, .rv = PAM_SUCCESS};
	pamh = NULL;
	assert_int_equal(pam_start("at_store", user, &pc, &pamh), PAM_SUCCESS);
	n = auth_in_child(pamh, got, sizeof(got));
	import_env(pamh, got, (size_t)n);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	/* The account phase opened the seal and kept its text: setcred
	 * (as the session phase) puts the values back from it. */
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_SUB"), user);
	assert_string_equal(pam_getenv(pamh, "AGENTICTRUST_FP"), fp);
	assert_null(pam_getenv(pamh, "AGENTICTRUST_SEAL"));
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

/* Only the account phase, for user: want. */
static void
account_only(const char *service, const char *who, int want)
{
	struct conv_script cs = {.rv = PAM_CONV_ERR};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;

	assert_int_equal(pam_start(service, who, &pc, &pamh), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), want);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 0);
}

/*
 * sudo's cached timestamp runs only the account phase; another module
 * may have authenticated.  Nothing of ours was verified: the PAM user's
 * own id is asked about, as a credential without an issue time, so a
 * cut-off revocation refuses too.
 */
static void
test_store_account_only(void **state)
{
	struct conv_script cs = {.rv = PAM_CONV_ERR};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;

	(void)state;
	account_only("at_store", user, PAM_SUCCESS);
	assert_int_equal(ncaptured, 0);
	store_revoke(AT_REVOKE_SUB, EDGE_USER, 0);
	account_only("at_store", user, PAM_SUCCESS);
	store_revoke(AT_REVOKE_SUB, user, 0);
	account_only("at_store", user, PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       NULL);
	store_revoke(AT_REVOKE_SUB, user, (int64_t)time(NULL) - 3600);
	account_only("at_store", user, PAM_PERM_DENIED);
	assert_last_reason("revoked");

	/* Another module (pam_permit) authenticated. */
	assert_int_equal(pam_start("at_store_unix_other", user, &pc, &pamh),
			 PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked", user,
		       NULL);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	store_unrevoke(AT_REVOKE_SUB, user);
	account_only("at_store_unix_other", user, PAM_SUCCESS);
}

/*
 * With user_map the ids that name the PAM user are the external ids
 * mapped to it: each is asked about; another user's id is not.
 */
static void
store_account_user_map(struct fixture *f, bool compiled)
{
	char *tok = good_token(f, "agent-7");

	assert_int_equal(test_write_file(f->path_map,
					 "agent-7 " TEST_USER "\n"
					 "agent-8 " TEST_USER "\n"
					 "agent-9 " EDGE_USER "\n",
					 0644),
			 0);
	/* The reverse records of MAP.cdb, when compiled. */
	if (compiled)
		map_compile(f);
	account_only("at_store_map", user, PAM_SUCCESS);
	store_revoke(AT_REVOKE_SUB, "agent-9", 0);
	store_revoke(AT_REVOKE_SUB, user, 0); /* not an id under the map */
	account_only("at_store_map", user, PAM_SUCCESS);
	account_only("at_store_map", EDGE_USER, PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked",
		       "agent-9", NULL);
	store_revoke(AT_REVOKE_SUB, "agent-8", 0);
	account_only("at_store_map", user, PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked",
		       "agent-8", NULL);
	store_unrevoke(AT_REVOKE_SUB, "agent-8");

	/* Through the map in the auth phase too, then revoked after it. */
	capture_reset();
	auth_one("at_store_map", user, tok, PAM_SUCCESS);
	assert_verdict("auth", LOG_INFO, "accepted", "ok", "agent-7", tok);
	auth_revoke_account("at_store_map", tok, revoke_all, "agent-7",
			    PAM_PERM_DENIED);
	assert_verdict("account", LOG_NOTICE, "rejected", "revoked",
		       "agent-7", tok);
	capture_reset();
	auth_one("at_store_map", user, tok, PAM_AUTH_ERR);
	assert_last_reason("revoked");
}

static void
test_store_account_user_map(void **state)
{
	store_account_user_map(*state, false);
}

static void
test_store_account_user_map_compiled(void **state)
{
	store_account_user_map(*state, true);
}

/* Hold the store's write lock from another process until released. */
struct store_lock {
	pid_t pid;
	int release; /* write end: closing it releases the lock */
};

static void
store_lock(struct store_lock *lk)
{
	int ready[2], go[2];
	sqlite3 *db = NULL;
	char c;

	/* The schema first, as the module makes it. */
	at_store_close(store_open());
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	lk->pid = fork();
	assert_true(lk->pid >= 0);
	if (lk->pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (sqlite3_open(STORE_PATH, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) !=
			    SQLITE_OK)
			_exit(1);
		if (write(ready[1], "l", 1) != 1)
			_exit(2);
		(void)read(go[0], &c, 1);
		sqlite3_close(db);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	lk->release = go[1];
}

static void
store_unlock(struct store_lock *lk)
{
	int status;

	close(lk->release);
	assert_int_equal(waitpid(lk->pid, &status, 0), lk->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * An unavailable store (SQLite: the file locked past store_timeout_ms):
 * denied by default (store_unavailable, PAM_AUTHINFO_UNAVAIL), let
 * through with an "unchecked" warning under store_unavailable=allow.
 * The account phase without a verified credential only warns.
 */
static void
test_store_unavailable(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user), *tok2;
	struct store_lock lk;

	tok2 = token(f, user, (long)f->now - 1, (long)f->now + 300,
		     TEST_SECRET);
	store_lock(&lk);
	capture_reset();
	auth_one("at_store", user, tok, PAM_AUTHINFO_UNAVAIL);
	assert_verdict("auth", LOG_ERR, "refused", "store_unavailable", user,
		       tok);
	assert_false(logged("accepted"));

	capture_reset();
	auth_one("at_store_allow", user, tok, PAM_SUCCESS);
	assert_verdict("auth", LOG_WARNING, "unchecked", "store_unavailable",
		       user, tok);
	assert_last_reason("ok");
	assert_int_equal(count_prio(LOG_WARNING), 1);

	/* The account phase: nothing verified, only a warning. */
	account_only("at_store", user, PAM_SUCCESS);
	assert_verdict("account", LOG_WARNING, "unchecked",
		       "store_unavailable", user, NULL);
	store_unlock(&lk);

	/* A verified credential whose account phase finds it locked:
	 * refused by default, unchecked under allow. */
	{
		struct conv_script cs = {.answers = {tok2},
					 .rv = PAM_SUCCESS};
		struct pam_conv pc = {script_conv, &cs};
		pam_handle_t *pamh = NULL;
		const char *svc[] = {"at_store", "at_store_allow"};
		int i;

		for (i = 0; i < 2; i++) {
			cs = (struct conv_script){.answers = {tok2},
						  .rv = PAM_SUCCESS};
			pamh = NULL;
			assert_int_equal(pam_start(svc[i], user, &pc, &pamh),
					 PAM_SUCCESS);
			assert_int_equal(pam_authenticate(pamh, 0),
					 PAM_SUCCESS);
			store_lock(&lk);
			capture_reset();
			assert_int_equal(pam_acct_mgmt(pamh, 0),
					 i == 0 ? PAM_AUTHINFO_UNAVAIL
						: PAM_SUCCESS);
			store_unlock(&lk);
			if (i == 0)
				assert_verdict("account", LOG_ERR, "refused",
					       "store_unavailable", user,
					       tok2);
			else
				assert_verdict("account", LOG_WARNING,
					       "unchecked",
					       "store_unavailable", user,
					       tok2);
			assert_int_equal(pam_end(pamh, PAM_SUCCESS),
					 PAM_SUCCESS);
		}
	}
}

/*
 * Redis down (nothing listens on the socket): store_unavailable, denied
 * by default, unchecked under allow; the account phase of the accepted
 * credential then warns too and lets it through.
 */
static void
test_store_redis_down(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	struct conv_script cs = {.answers = {tok}, .rv = PAM_SUCCESS};
	struct pam_conv pc = {script_conv, &cs};
	pam_handle_t *pamh = NULL;

	capture_reset();
	auth_one("at_store_redis_deny", user, tok, PAM_AUTHINFO_UNAVAIL);
	assert_verdict("auth", LOG_ERR, "refused", "store_unavailable", user,
		       tok);
	assert_false(logged("accepted"));
	account_only("at_store_redis_deny", user, PAM_SUCCESS);
	assert_verdict("account", LOG_WARNING, "unchecked",
		       "store_unavailable", NULL, NULL);

	assert_int_equal(pam_start("at_store_redis_allow", user, &pc, &pamh),
			 PAM_SUCCESS);
	capture_reset();
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_verdict("auth", LOG_WARNING, "unchecked", "store_unavailable",
		       user, tok);
	assert_verdict("auth", LOG_INFO, "accepted", "ok", user, tok);
	capture_reset();
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_verdict("account", LOG_WARNING, "unchecked",
		       "store_unavailable", user, tok);
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
	assert_not_logged(tok);
}

/*
 * A store that answers with an error (SQLite: not a database) is never
 * let through, not even under store_unavailable=allow; the account
 * phase without a verified credential only warns.
 */
static void
test_store_error_never_allowed(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);
	char junk[4096];

	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	assert_int_equal(test_write_file(STORE_PATH, junk, 0600), 0);
	capture_reset();
	auth_one("at_store_allow", user, tok, PAM_AUTHINFO_UNAVAIL);
	assert_verdict("auth", LOG_ERR, "refused", "store_error", user, tok);
	assert_false(logged("unchecked"));
	capture_reset();
	auth_one("at_store", user, tok, PAM_AUTHINFO_UNAVAIL);
	assert_last_reason("store_error");
	/* The store could not be opened: no id on the line. */
	account_only("at_store", user, PAM_SUCCESS);
	assert_verdict("account", LOG_WARNING, "unchecked", "store_error",
		       NULL, NULL);
	assert_not_logged(tok);
}

/* The store options' load-time rules, through PAM. */
static void
test_store_config_errors(void **state)
{
	struct fixture *f = *state;
	char *tok = good_token(f, user);

	capture_reset();
	auth_one("at_store_single_any", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
	assert_logged("set mode=jwt");
	capture_reset();
	auth_one("at_store_pw_nostore", user, tok, PAM_SERVICE_ERR);
	assert_last_reason("bad_config");
	assert_logged("need store=");
	/* Neither store was touched. */
	assert_int_equal(access(STORE_PATH, F_OK), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_jwt_accepted_env_exported),
		T(test_jwt_control_char_name_not_exported),
		T(test_jwt_long_display_claims_dropped),
		T(test_hmac_accepted),
		T(test_expired),
		T(test_bad_signature),
		T(test_alg_none),
		T(test_wrong_user),
		T(test_unknown_user),
		T(test_accounts_any_accepted),
		T(test_accounts_unix_default),
		T(test_accounts_any_mismatch),
		T(test_accounts_any_user_map),
		T(test_accounts_any_system_users),
		T(test_accounts_any_lookup_fails),
		T(test_accounts_bad_value),
		T(test_no_error_lines),
		T(test_log_hostile_user),
		T(test_log_no_user),
		T(test_log_hostile_sub_kid),
		T(test_log_hostile_service),
		T(test_mode_jwt),
		T(test_mode_hmac),
		T(test_leeway),
		T(test_issuer),
		T(test_audience),
		T(test_max_ttl),
		T(test_allow_no_exp),
		T(test_user_map_mapped),
		T(test_user_map_unmapped),
		T(test_user_map_rewrite_text),
		T(test_user_map_rewrite_compiled),
		T(test_system_user_root_refused),
		T(test_system_user_below_uid_min),
		T(test_system_user_login_defs),
		T(test_system_user_above_uid_max),
		T(test_system_user_login_defs_bad),
		T(test_system_user_allowed),
		T(test_system_user_user_map),
		T(test_prompt_custom),
		T(test_prompt_default),
		T(test_use_first_pass),
		T(test_try_first_pass),
		T(test_try_first_pass_conversation_recovery_err),
		T(test_second_auth_clears_env),
		T(test_conversation_error),
		T(test_conversation_again),
		T(test_conversation_no_response),
		T(test_debug),
		T(test_config_file_read),
		T(test_config_argv_overrides_file),
		T(test_config_explicit_missing),
		T(test_config_explicit_unsafe),
		T(test_default_config),
		T(test_secret_mode_0644),
		T(test_secret_mode_0660),
		T(test_secret_mode_0602),
		T(test_secret_symlink),
		T(test_secret_parent_dir_unsafe),
		T(test_secret_directory),
		T(test_secret_missing),
		T(test_secret_too_short),
		T(test_secret_acl),
		T(test_secret_modes_allowed),
		T(test_secret_trailing_white_space),
		T(test_split_secrets),
		T(test_split_missing_jwt_secret),
		T(test_unknown_argument),
		T(test_leeway_not_a_number),
		T(test_leeway_out_of_range),
		T(test_setcred),
		T(test_truncation_hint),
		T(test_truncation_hint_not_on_success),
		T(test_acct_expired_meanwhile),
		T(test_acct_leeway_keeps_valid),
		T(test_acct_ignored),
		T(test_acct_no_config),
		T(test_acct_expired_broken_account_line),
		T(test_acct_bad_config),
		T(test_acct_only_decides),
		T(test_acct_only_other_account),
		T(test_acct_only_seal_across_fork),
		T(test_session_restores_verified),
		T(test_session_without_module_line),
		T(test_session_not_verified),
		T(test_session_seal_across_fork),
		T(test_seal_not_after_pam_end),
		T(test_session_seal_across_fork_quiet),
		T(test_session_seal_other_user),
		T(test_seal_other_handle),
		T(test_seal_expired),
		T(test_export_reason),
		T(test_setcred_restores_verified),
		T(test_setcred_seal_across_fork),
		T(test_setcred_not_verified),
		T(test_setcred_pam_env_after_module),
		T(test_other_user_session),
		T(test_other_user_account_removes),
		T(test_user_changed_after_auth),
		T(test_other_user_account),
		T(test_store_single_use),
		T(test_store_single_use_failures_do_not_consume),
		T(test_store_fp_field),
		T(test_store_revoked_sub),
		T(test_store_revoked_cutoff),
		T(test_store_revoked_token),
		T(test_store_account_revoked_after_auth),
		T(test_store_account_seal),
		T(test_store_account_only),
		T(test_store_account_user_map),
		T(test_store_account_user_map_compiled),
		T(test_store_unavailable),
		T(test_store_error_never_allowed),
		T(test_store_redis_down),
		T(test_store_config_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
