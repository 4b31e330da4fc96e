/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_store.c - the store's backend-independent parts: store= URLs
 * (at_store_url_parse(), every accepted form and the refusals, with what
 * the log line says and never says), the query a verified credential
 * asks (at_store_query_from_claims()), and at_store_open()'s refusals
 * before any backend is reached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_store.h"
#include "test_common.h"
#include "unit_test.h"

/* ------------------------------------------------------------------ */
/* store= URLs */

static void
parse_ok(const char *url, struct at_store_url *u)
{
	struct unit_log ul;
	enum at_err r;

	unit_log_init(&ul);
	r = at_store_url_parse(url, &ul.log, u);
	if (r != AT_OK)
		fail_msg("%s: %s: %s", url, at_err_reason(r), ul.buf);
	assert_string_equal(ul.buf, "");
}

/* Refused with AT_ERR_CONFIG and one log line holding why; returns
 * nothing, the parsed struct is cleared. */
static void
parse_bad(const char *url, const char *why)
{
	struct at_store_url u;
	struct unit_log ul;
	enum at_err r;
	const char *nl;

	unit_log_init(&ul);
	r = at_store_url_parse(url, &ul.log, &u);
	if (r != AT_ERR_CONFIG)
		fail_msg("\"%s\": got %s, want bad_config", url,
			 at_err_reason(r));
	if (strstr(ul.buf, why) == NULL)
		fail_msg("\"%s\": log lacks \"%s\": %s", url, why, ul.buf);
	nl = strchr(ul.buf, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, ""); /* one line */
	at_store_url_clear(&u);
}

static void
test_url_sqlite(void **state)
{
	struct at_store_url u;

	(void)state;
	parse_ok("sqlite:/var/lib/agentictrust/state.db", &u);
	assert_int_equal(u.kind, AT_STORE_SQLITE);
	assert_string_equal(u.path, "/var/lib/agentictrust/state.db");
	assert_null(u.host);
	assert_null(u.user);
	at_store_url_clear(&u);
	parse_ok("sqlite:/s", &u);
	assert_string_equal(u.path, "/s");
	at_store_url_clear(&u);
	/* Dots inside names are names. */
	parse_ok("sqlite:/a/.hidden/..x/x../state.db", &u);
	assert_string_equal(u.path, "/a/.hidden/..x/x../state.db");
	at_store_url_clear(&u);
	at_store_url_clear(&u); /* twice is fine */
}

static void
test_url_sqlite_refused(void **state)
{
	(void)state;
	parse_bad("sqlite:", "must be absolute");
	parse_bad("sqlite:/", "must be absolute");
	parse_bad("sqlite:state.db", "must be absolute");
	parse_bad("sqlite:./state.db", "must be absolute");
	parse_bad("sqlite:/var/lib/", "must be absolute");
	parse_bad("sqlite://var/state.db", "must be absolute");
	parse_bad("sqlite:/var//state.db", "must be absolute");
	parse_bad("sqlite:/var/./state.db", "must be absolute");
	parse_bad("sqlite:/var/../etc/state.db", "must be absolute");
	parse_bad("sqlite:/var/..", "must be absolute");
	parse_bad("sqlite:/var/.", "must be absolute");
	parse_bad("sqlite:/var/%2e%2e/state.db", "must be absolute");
	parse_bad("sqlite:/var/state.db?mode=ro", "must be absolute");
	parse_bad("sqlite:/var/state.db#x", "must be absolute");
	parse_bad("sqlite:/var/my state.db", "must be absolute");
	parse_bad("sqlite:/var/\xc3\xa9.db", "must be absolute");
	parse_bad("sqlite:/var/a\nb", "not printable");
	parse_bad("sqlite:/var/a\x1b[2J", "not printable");
	parse_bad("sqlite:/var/a\x7f", "not printable");
	parse_bad("sqlite:/var/a\xc2\x85", "not printable");
	parse_bad("SQLITE:/var/state.db", "unknown scheme");
	parse_bad("file:/var/state.db", "unknown scheme");
	parse_bad("", "unknown scheme");
}

static void
test_url_redis_tcp(void **state)
{
	struct at_store_url u;

	(void)state;
	parse_ok("redis://localhost", &u);
	assert_int_equal(u.kind, AT_STORE_REDIS_TCP);
	assert_string_equal(u.host, "localhost");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_null(u.user);
	assert_null(u.path);
	assert_false(u.tls);
	at_store_url_clear(&u);

	parse_ok("redis://agentictrust@redis.example.org:6380/15", &u);
	assert_string_equal(u.user, "agentictrust");
	assert_string_equal(u.host, "redis.example.org");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 15);
	at_store_url_clear(&u);

	parse_ok("redis://127.0.0.1:1/0", &u);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 1);
	at_store_url_clear(&u);

	parse_ok("redis://h:65535", &u);
	assert_int_equal(u.port, 65535);
	at_store_url_clear(&u);

	parse_ok("redis://h/7", &u);
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 7);
	at_store_url_clear(&u);

	parse_ok("redis://[::1]:7000/2", &u);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.db, 2);
	at_store_url_clear(&u);

	parse_ok("redis://u-1.x_y@[fe80::1:2]", &u);
	assert_string_equal(u.user, "u-1.x_y");
	assert_string_equal(u.host, "fe80::1:2");
	at_store_url_clear(&u);
}

static void
test_url_redis_tcp_refused(void **state)
{
	(void)state;
	parse_bad("redis://", "bad host");
	parse_bad("redis://ho_st", "bad host");
	parse_bad("redis://ho st", "bad host");
	parse_bad("redis://[::1", "unclosed");
	parse_bad("redis://[zz::1]", "bad host");
	parse_bad("redis://[]", "bad host");
	parse_bad("redis://@host", "bad user name");
	parse_bad("redis://a[b@host", "bad user name");
	parse_bad("redis://h:0", "port not 1..65535");
	parse_bad("redis://h:65536", "port not 1..65535");
	parse_bad("redis://h:99999999999999999999999", "port not 1..65535");
	parse_bad("redis://h:", "port not 1..65535");
	parse_bad("redis://h:06379", "port not 1..65535");
	parse_bad("redis://h:-1", "port not 1..65535");
	parse_bad("redis://h:+1", "port not 1..65535");
	parse_bad("redis://h:port", "port not 1..65535");
	parse_bad("redis://h/16", "database not 0..15");
	parse_bad("redis://h/", "database not 0..15");
	parse_bad("redis://h/01", "database not 0..15");
	parse_bad("redis://h/-1", "database not 0..15");
	parse_bad("redis://h/a", "database not 0..15");
	parse_bad("redis://h/1/2", "unexpected text");
	parse_bad("redis://h:1x", "unexpected text");
	parse_bad("redis://[::1]x", "unexpected text");
	parse_bad("redis://h?db=1", "no query, fragment or '%'");
	parse_bad("redis://h#x", "no query, fragment or '%'");
	parse_bad("redis://h%41", "no query, fragment or '%'");
	parse_bad("redis://us%65r@h", "no query, fragment or '%'");
	parse_bad("REDIS://h", "unknown scheme");
	parse_bad("redis:/h", "unknown scheme");
	parse_bad("redis:h", "unknown scheme");
	parse_bad("redis://h\t", "not printable");
}

/* A password in the URL is refused, and the log line never repeats it
 * (nor the user-info around it). */
static void
test_url_password_refused(void **state)
{
	static const char *const urls[] = {
		"redis://user:hunter2secret@host",
		"redis://:hunter2secret@host:6379/0",
		"redis://user:hunter2secret@[::1]",
		"redis://us:er:hunter2secret@host",
	};
	struct at_store_url u;
	struct unit_log ul;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		unit_log_init(&ul);
		assert_at(at_store_url_parse(urls[i], &ul.log, &u),
			  AT_ERR_CONFIG);
		assert_non_null(strstr(ul.buf, "holds a password"));
		assert_non_null(strstr(ul.buf, "store_password_file="));
		assert_null(strstr(ul.buf, "hunter2"));
		assert_null(u.user);
		assert_null(u.host);
		at_store_url_clear(&u);
	}
}

static void
test_url_rediss(void **state)
{
	(void)state;
#ifdef AT_HAVE_HIREDIS_SSL
	{
		struct at_store_url u;

		parse_ok("rediss://h:6380", &u);
		assert_true(u.tls);
		at_store_url_clear(&u);
	}
#else
	parse_bad("rediss://h:6380", "needs hiredis with TLS");
	parse_bad("rediss://h", "TLS tunnel");
	parse_bad("rediss://user:pw@h", "rediss://");
#endif
}

static void
test_url_redis_unix(void **state)
{
	struct at_store_url u;

	(void)state;
	parse_ok("redis+unix:///run/redis/redis-server.sock", &u);
	assert_int_equal(u.kind, AT_STORE_REDIS_UNIX);
	assert_string_equal(u.path, "/run/redis/redis-server.sock");
	assert_int_equal(u.db, 0);
	assert_null(u.host);
	at_store_url_clear(&u);
	parse_ok("redis+unix:///run/r.sock?db=15", &u);
	assert_string_equal(u.path, "/run/r.sock");
	assert_int_equal(u.db, 15);
	at_store_url_clear(&u);

	parse_bad("redis+unix://", "must be absolute");
	parse_bad("redis+unix://run/r.sock", "must be absolute");
	parse_bad("redis+unix://localhost/run/r.sock", "must be absolute");
	parse_bad("redis+unix:////run/r.sock", "must be absolute");
	parse_bad("redis+unix:///run/../r.sock", "must be absolute");
	parse_bad("redis+unix:///run/r.sock/", "must be absolute");
	parse_bad("redis+unix:///run/r%2esock", "must be absolute");
	parse_bad("redis+unix:///run/r.sock#x", "must be absolute");
	parse_bad("redis+unix:///run/r.sock?db=16", "the only query");
	parse_bad("redis+unix:///run/r.sock?db=", "the only query");
	parse_bad("redis+unix:///run/r.sock?db=01", "the only query");
	parse_bad("redis+unix:///run/r.sock?db=1&x=2", "the only query");
	parse_bad("redis+unix:///run/r.sock?password=x", "the only query");
	parse_bad("redis+unix:///run/r.sock?", "the only query");
}

static void
test_url_length(void **state)
{
	char url[AT_STORE_MAX_URL + 2];
	struct at_store_url u;
	size_t n = strlen("sqlite:/");

	(void)state;
	memcpy(url, "sqlite:/", n);
	memset(url + n, 'a', AT_STORE_MAX_URL - n);
	url[AT_STORE_MAX_URL] = '\0';
	parse_ok(url, &u);
	assert_int_equal(strlen(u.path), AT_STORE_MAX_URL - strlen("sqlite:"));
	at_store_url_clear(&u);
	url[AT_STORE_MAX_URL] = 'a';
	url[AT_STORE_MAX_URL + 1] = '\0';
	parse_bad(url, "too long");
}

/* ------------------------------------------------------------------ */
/* The query of a verified credential */

#define FP "00112233445566778899aabbccddeeff"

struct qfix {
	struct at_config cfg;
	struct at_claims c;
	char keybuf[AT_STORE_MAX_USE_KEY + 1];
	struct at_store_query q;
};

static int
qsetup(void **state)
{
	struct qfix *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	at_config_init(&f->cfg);
	f->cfg.single_use = true;
	at_claims_init(&f->c);
	f->c.method = AT_METHOD_JWT;
	f->c.sub = strdup("agent-7");
	memcpy(f->c.fp, FP, sizeof(FP));
	f->c.has_exp = true;
	f->c.exp = 1790000600.9;
	f->c.has_iat = true;
	f->c.iat = 1789999999.7;
	*state = f;
	return f->c.sub != NULL ? 0 : -1;
}

static int
qteardown(void **state)
{
	struct qfix *f = *state;

	at_claims_clear(&f->c);
	at_config_clear(&f->cfg);
	free(f);
	return 0;
}

static enum at_err
ask(struct qfix *f, bool consume)
{
	memset(&f->q, 0xa5, sizeof(f->q)); /* every field must be set */
	memset(f->keybuf, 'z', sizeof(f->keybuf));
	return at_store_query_from_claims(&f->cfg, &f->c, consume, 1790000000,
					  f->keybuf, &f->q);
}

static void
test_query_jti(void **state)
{
	struct qfix *f = *state;

	f->c.jti = strdup("0f6e-jti");
	assert_non_null(f->c.jti);
	assert_at(ask(f, true), AT_OK);
	assert_string_equal(f->q.sub, "agent-7");
	assert_true(f->q.has_iat);
	assert_int_equal(f->q.iat, 1789999999);
	assert_string_equal(f->q.fp, FP);
	assert_string_equal(f->q.use_key, "jti:0f6e-jti");
	assert_ptr_equal(f->q.use_key, f->keybuf);
	/* floor(exp) + AT_MAX_LEEWAY, whatever this host's leeway. */
	assert_int_equal(f->q.use_until, 1790000600 + AT_MAX_LEEWAY);
	assert_int_equal(f->q.now, 1790000000);
}

static void
test_query_fp(void **state)
{
	struct qfix *f = *state;

	assert_at(ask(f, true), AT_OK);
	assert_string_equal(f->q.use_key, "fp:" FP);
	assert_int_equal(f->q.use_until, 1790000600 + AT_MAX_LEEWAY);
}

static void
test_query_no_exp(void **state)
{
	struct qfix *f = *state;

	f->c.has_exp = false;
	f->c.has_iat = false;
	assert_at(ask(f, true), AT_OK);
	assert_string_equal(f->q.use_key, "fp:" FP);
	assert_int_equal(f->q.use_until, 0); /* forever */
	assert_false(f->q.has_iat);
	assert_int_equal(f->q.iat, 0);
}

/* The longest jti fits the key buffer whole. */
static void
test_query_long_jti(void **state)
{
	struct qfix *f = *state;
	char want[AT_STORE_MAX_USE_KEY + 1];

	assert_non_null(f->c.jti = malloc(AT_MAX_SUB + 1));
	memset(f->c.jti, 'j', AT_MAX_SUB);
	f->c.jti[AT_MAX_SUB] = '\0';
	assert_at(ask(f, true), AT_OK);
	snprintf(want, sizeof(want), "jti:%s", f->c.jti);
	assert_int_equal(strlen(f->q.use_key), AT_STORE_MAX_USE_KEY);
	assert_string_equal(f->q.use_key, want);
}

/* The account phase, or no single_use: revocation only. */
static void
test_query_no_consume(void **state)
{
	struct qfix *f = *state;

	f->c.jti = strdup("j");
	assert_at(ask(f, false), AT_OK);
	assert_null(f->q.use_key);
	assert_int_equal(f->q.use_until, 0);
	assert_string_equal(f->q.fp, FP);
	assert_true(f->q.has_iat);
	assert_string_equal(f->keybuf, "");
	f->cfg.single_use = false;
	assert_at(ask(f, true), AT_OK);
	assert_null(f->q.use_key);
	assert_string_equal(f->q.sub, "agent-7");
}

/* An HMAC credential: an id and nothing else, never consumed. */
static void
test_query_hmac(void **state)
{
	struct qfix *f = *state;

	f->c.method = AT_METHOD_HMAC;
	f->c.fp[0] = '\0';
	f->c.has_exp = f->c.has_iat = false;
	assert_at(ask(f, true), AT_OK);
	assert_string_equal(f->q.sub, "agent-7");
	assert_null(f->q.fp);
	assert_null(f->q.use_key);
	assert_false(f->q.has_iat);
	assert_int_equal(f->q.use_until, 0);
}

static void
test_query_no_sub(void **state)
{
	struct qfix *f = *state;

	free(f->c.sub);
	f->c.sub = NULL;
	assert_at(ask(f, true), AT_ERR_INTERNAL);
	assert_null(f->q.sub);
	assert_null(f->q.use_key);
}

/* A JWT without a fingerprint (its MAC not verified) cannot be
 * consumed: refused rather than keyed on nothing. */
static void
test_query_jwt_without_fp(void **state)
{
	struct qfix *f = *state;

	f->c.fp[0] = '\0';
	assert_at(ask(f, true), AT_ERR_INTERNAL);
	assert_at(ask(f, false), AT_OK);
	assert_null(f->q.fp);
}

/* ------------------------------------------------------------------ */
/* at_store_open() before any backend */

static void
test_open_refusals(void **state)
{
	struct at_config cfg;
	struct at_store *s = (struct at_store *)&cfg;
	struct unit_log ul;

	(void)state;
	unit_log_init(&ul);
	at_config_init(&cfg);
	assert_at(at_store_open(&cfg, getuid(), &ul.log, &s), AT_ERR_INTERNAL);
	assert_null(s);
	assert_non_null(cfg.store = strdup("sqlite:relative.db"));
	assert_at(at_store_open(&cfg, getuid(), &ul.log, &s), AT_ERR_CONFIG);
	assert_null(s);
	free(cfg.store);
	assert_non_null(cfg.store = strdup("sqlite:/nonexistent/x.db"));
	assert_non_null(cfg.store_password_file = strdup("/etc/pw"));
	unit_log_init(&ul);
	assert_at(at_store_open(&cfg, getuid(), &ul.log, &s), AT_ERR_CONFIG);
	assert_null(s);
	assert_non_null(strstr(ul.buf, "store_password_file is for Redis"));
	at_config_clear(&cfg);
	at_store_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_sqlite),
		cmocka_unit_test(test_url_sqlite_refused),
		cmocka_unit_test(test_url_redis_tcp),
		cmocka_unit_test(test_url_redis_tcp_refused),
		cmocka_unit_test(test_url_password_refused),
		cmocka_unit_test(test_url_rediss),
		cmocka_unit_test(test_url_redis_unix),
		cmocka_unit_test(test_url_length),
#define Q(name) cmocka_unit_test_setup_teardown(name, qsetup, qteardown)
		Q(test_query_jti),
		Q(test_query_fp),
		Q(test_query_no_exp),
		Q(test_query_long_jti),
		Q(test_query_no_consume),
		Q(test_query_hmac),
		Q(test_query_no_sub),
		Q(test_query_jwt_without_fp),
#undef Q
		cmocka_unit_test(test_open_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
