/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_store_redis.c - lib/at_store_redis.c against a real
 * redis-server that each test starts itself (tests/common/test_redis.h:
 * a unix socket in a temp dir, a loopback port when asked, no
 * persistence) and stops: every verdict of at_store_check() over the
 * unix socket and TCP, the prefix and the database, hostile ids through
 * revoke and list, and the faults: a stopped, frozen (SIGSTOP) and
 * restarted server, a wrong password, ACL refusals, OOM, and 16
 * processes racing for one token.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "at.h"
#include "at_store.h"
#include "test_common.h"
#include "test_redis.h"
#include "unit_test.h"

#define FP1 "0123456789abcdef0123456789abcdef"
#define FP2 "fedcba9876543210fedcba9876543210"

struct fx {
	bool tcp; /* the prestate: TCP, else the unix socket */
	struct test_redis r;
	struct unit_log ul;
	struct at_config cfg;
	struct at_store *s;
	char *dir; /* password files */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->tcp = *state != NULL && *(const bool *)*state;
	unit_log_init(&f->ul);
	at_config_init(&f->cfg);
	f->dir = test_mkdtemp();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	at_store_close(f->s);
	at_config_clear(&f->cfg);
	test_redis_destroy(&f->r);
	test_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
start(struct fx *f, const char *conf)
{
	assert_int_equal(test_redis_start(&f->r, f->tcp, conf), 0);
}

/* The store= URL of the fixture's server, with tail (e.g. "/3"). */
static void
url(const struct fx *f, const char *user, const char *tail, char *out,
    size_t size)
{
	if (f->tcp)
		snprintf(out, size, "redis://%s%s127.0.0.1:%u%s",
			 user != NULL ? user : "", user != NULL ? "@" : "",
			 f->r.port, tail != NULL ? tail : "");
	else if (user != NULL)
		snprintf(out, size, "redis+unix://%s@%s%s", user, f->r.socket,
			 tail != NULL ? tail : "");
	else
		snprintf(out, size, "%s%s", f->r.url, tail != NULL ? tail : "");
}

/*
 * Open a store on store_url with the given password (NULL: no password
 * file), prefix (NULL: default) and timeout (0: default).
 */
static enum at_err
open_opts(struct fx *f, const char *store_url, const char *password,
	  const char *prefix, unsigned int timeout_ms, struct at_store **s)
{
	char *pwfile = test_path(f->dir, "redis.pw"), num[16];
	enum at_err r;

	at_config_clear(&f->cfg);
	at_config_init(&f->cfg);
	assert_at(at_config_set(&f->cfg, "store", store_url, &f->ul.log),
		  AT_OK);
	if (password != NULL) {
		char line[256];

		snprintf(line, sizeof(line), "%s\n", password);
		assert_int_equal(test_write_file(pwfile, line, 0600), 0);
		assert_at(at_config_set(&f->cfg, "store_password_file", pwfile,
					&f->ul.log),
			  AT_OK);
	}
	if (prefix != NULL)
		assert_at(at_config_set(&f->cfg, "store_prefix", prefix,
					&f->ul.log),
			  AT_OK);
	if (timeout_ms != 0) {
		snprintf(num, sizeof(num), "%u", timeout_ms);
		assert_at(at_config_set(&f->cfg, "store_timeout_ms", num,
					&f->ul.log),
			  AT_OK);
	}
	r = at_store_open(&f->cfg, getuid(), &f->ul.log, s);
	free(pwfile);
	return r;
}

/* The fixture's store on its own server, default options. */
static void
open_default(struct fx *f)
{
	char u[256];

	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_OK);
	assert_string_equal(at_store_backend_name(f->s), "redis");
}

/* iat < 0: none.  fp, use may be NULL. */
static enum at_err
ask(struct at_store *s, const char *sub, long long iat, const char *fp,
    const char *use, int64_t until)
{
	struct at_store_query q = {0};

	q.sub = sub;
	q.has_iat = iat >= 0;
	q.iat = iat;
	q.fp = fp;
	q.use_key = use;
	q.use_until = until;
	q.now = (int64_t)time(NULL);
	return at_store_check(s, &q);
}

static char *
dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	assert_non_null(d = strdup(s));
	return d;
}

static enum at_err
revoke_one(struct at_store *s, enum at_revocation_kind kind, const char *id,
	   int64_t before_or_expires, const char *reason, const char *sub)
{
	struct at_revocation r = {0};
	enum at_err e;

	r.kind = kind;
	r.id = dup_or_null(id);
	if (kind == AT_REVOKE_SUB)
		r.before = before_or_expires;
	else
		r.expires = before_or_expires;
	r.created = 1700000000;
	r.reason = dup_or_null(reason);
	r.sub = dup_or_null(sub);
	e = at_store_revoke(s, &r);
	free(r.id);
	free(r.reason);
	free(r.sub);
	return e;
}

/* redis-cli on the fixture's server; it must succeed. */
#define cli(f, out, size, ...)                                                 \
	assert_int_equal(                                                      \
		test_redis_cli(&(f)->r, out, size, __VA_ARGS__, (char *)NULL), \
		0)

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Verdicts */

static void
test_revoked_id(void **state)
{
	struct fx *f = *state;
	bool found = true;

	start(f, NULL);
	open_default(f);
	assert_at(ask(f->s, "agent-7", 1000, FP1, NULL, 0), AT_OK);
	assert_at(ask(f->s, "agent-7", -1, NULL, NULL, 0), AT_OK);
	/* before 0: every credential of the id. */
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-7", 0, "leaked", NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 5000000000LL, FP1, NULL, 0),
		  AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", -1, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", -1, NULL, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-8", 1000, FP1, NULL, 0), AT_OK);
	/* A cut-off replaces it: iat below refused, equal and above not,
	 * no iat refused, HMAC (no iat, no fp) refused. */
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-7", 1000, NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 999, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", 0, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", 1000, FP1, NULL, 0), AT_OK);
	assert_at(ask(f->s, "agent-7", 1001, FP1, NULL, 0), AT_OK);
	assert_at(ask(f->s, "agent-7", 99999, FP1, NULL, 0), AT_OK);
	assert_at(ask(f->s, "agent-7", -1, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", -1, NULL, NULL, 0), AT_ERR_REVOKED);
	/* Beyond 2^53 the comparison is still exact. */
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-9", 9007199254740993LL,
			     NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-9", 9007199254740992LL, FP1, NULL, 0),
		  AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-9", 9007199254740993LL, FP1, NULL, 0),
		  AT_OK);
	/* Unrevoke: found once. */
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_true(found);
	assert_at(ask(f->s, "agent-7", -1, NULL, NULL, 0), AT_OK);
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_false(found);
	assert_string_equal(f->ul.buf, "");
}

static void
test_revoked_token(void **state)
{
	struct fx *f = *state;
	char out[64];
	bool found = false;

	start(f, NULL);
	open_default(f);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP1, 0, "seen in a log",
			     "agent-7"),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", 1000, FP2, NULL, 0), AT_OK);
	/* Only that token: the HMAC path (no fp) is not touched. */
	assert_at(ask(f->s, "agent-7", -1, NULL, NULL, 0), AT_OK);
	cli(f, out, sizeof(out), "TTL", "agentictrust:rtok:" FP1, NULL, NULL);
	assert_string_equal(out, "-1");
	/* With an expiry: the key carries it, and once the key goes (a
	 * 1 ms PEXPIRE stands in for the wait) the token is accepted. */
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP2,
			     (int64_t)time(NULL) + 3600, NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP2, NULL, 0), AT_ERR_REVOKED);
	cli(f, out, sizeof(out), "TTL", "agentictrust:rtok:" FP2, NULL, NULL);
	assert_true(atoi(out) > 3500 && atoi(out) <= 3601);
	cli(f, out, sizeof(out), "PEXPIRE", "agentictrust:rtok:" FP2, "1",
	    NULL);
	usleep(50 * 1000);
	assert_at(ask(f->s, "agent-7", 1000, FP2, NULL, 0), AT_OK);
	/* A revocation past its expiry by the host's clock, even while
	 * the key is still there (server clock behind): not in force. */
	cli(f, NULL, 0, "HSET", "agentictrust:rtok:" FP2, "expires", "1000");
	cli(f, NULL, 0, "HSET", "agentictrust:rtok:" FP2, "created", "999");
	assert_at(ask(f->s, "agent-7", 1000, FP2, NULL, 0), AT_OK);
	/* Already expired when revoked: nothing kept. */
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP2, 1000, NULL, NULL),
		  AT_OK);
	cli(f, out, sizeof(out), "EXISTS", "agentictrust:rtok:" FP2, NULL,
	    NULL);
	assert_string_equal(out, "0");
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_TOKEN, FP1, &found), AT_OK);
	assert_true(found);
	assert_at(ask(f->s, "agent-7", 1000, FP1, NULL, 0), AT_OK);
	assert_string_equal(f->ul.buf, "");
}

/*
 * The last second a key is kept in, as the SQLite store keeps it (while
 * now <= until): the module accepts a token with exp 100.9 and leeway
 * 300 at 400, its use key kept until floor(exp) + 300 = 400.  A key
 * that expired at the first millisecond of 400 let it in twice then;
 * a token revocation kept until 400 likewise.
 */
static void
test_kept_through_until(void **state)
{
	struct fx *f = *state;
	int64_t now;

	start(f, NULL);
	open_default(f);
	/* At the start of a second: the steps below all see now. */
	now = (int64_t)time(NULL);
	while ((int64_t)time(NULL) == now)
		usleep(1000);
	now = (int64_t)time(NULL);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:last", now), AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:last", now),
		  AT_ERR_REPLAYED);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP2, now, NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP2, NULL, 0), AT_ERR_REVOKED);
	assert_string_equal(f->ul.buf, "");
}

static void
test_replayed(void **state)
{
	struct fx *f = *state;
	char out[64], want[32];
	int64_t until = (int64_t)time(NULL) + 600;

	start(f, NULL);
	open_default(f);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:abc", until), AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:abc", until),
		  AT_ERR_REPLAYED);
	/* Another sub cannot use it either: the key is the token's. */
	assert_at(ask(f->s, "agent-8", 1000, FP1, "jti:abc", until),
		  AT_ERR_REPLAYED);
	assert_at(ask(f->s, "agent-7", 1000, FP2, "fp:" FP2, until), AT_OK);
	/* Kept through the second `until` (EXPIRETIME, Redis 7). */
	cli(f, out, sizeof(out), "EXPIRETIME", "agentictrust:use:jti:abc", NULL,
	    NULL);
	snprintf(want, sizeof(want), "%lld", (long long)until + 1);
	assert_string_equal(out, want);
	/* until 0: forever. */
	assert_at(ask(f->s, "agent-7", -1, FP1, "jti:forever", 0), AT_OK);
	cli(f, out, sizeof(out), "TTL", "agentictrust:use:jti:forever", NULL,
	    NULL);
	assert_string_equal(out, "-1");
	assert_at(ask(f->s, "agent-7", -1, FP1, "jti:forever", 0),
		  AT_ERR_REPLAYED);
	/* The revocation check alone (account phase) consumes nothing. */
	assert_at(ask(f->s, "agent-7", 1000, FP1, NULL, 0), AT_OK);
	assert_string_equal(f->ul.buf, "");
}

static void
test_revoked_consumes_nothing(void **state)
{
	struct fx *f = *state;
	char out[64];
	bool found;
	int64_t until = (int64_t)time(NULL) + 600;

	start(f, NULL);
	open_default(f);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-7", 0, NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:t1", until),
		  AT_ERR_REVOKED);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP2, 0, NULL, NULL), AT_OK);
	assert_at(ask(f->s, "agent-8", 1000, FP2, "jti:t2", until),
		  AT_ERR_REVOKED);
	cli(f, out, sizeof(out), "EXISTS", "agentictrust:use:jti:t1",
	    "agentictrust:use:jti:t2", NULL);
	assert_string_equal(out, "0");
	/* Once unrevoked, the token is still good, once. */
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:t1", until), AT_OK);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:t1", until),
		  AT_ERR_REPLAYED);
}

/* A revocation key this program did not write is an error, not "no". */
static void
test_malformed_revocation(void **state)
{
	struct fx *f = *state;
	struct at_revocation *list = NULL;
	size_t n = 0;

	start(f, NULL);
	open_default(f);
	cli(f, NULL, 0, "HSET", "agentictrust:rid:agent-7", "before", "12x");
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:m", 0), AT_ERR_STORE);
	assert_non_null(strstr(f->ul.buf, "malformed revocation"));
	cli(f, NULL, 0, "DEL", "agentictrust:rid:agent-7", NULL);
	cli(f, NULL, 0, "HSET", "agentictrust:rid:agent-7", "other", "1");
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:m", 0), AT_ERR_STORE);
	cli(f, NULL, 0, "SET", "agentictrust:rtok:" FP1, "x", NULL);
	cli(f, NULL, 0, "DEL", "agentictrust:rid:agent-7", NULL);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:m", 0), AT_ERR_STORE);
	assert_non_null(strstr(f->ul.buf, "WRONGTYPE"));
	/* Nothing was consumed by the refused checks. */
	cli(f, NULL, 0, "DEL", "agentictrust:rtok:" FP1, NULL);
	assert_at(ask(f->s, "agent-7", 1000, FP1, "jti:m", 0), AT_OK);
	/* list refuses what it cannot read. */
	cli(f, NULL, 0, "HSET", "agentictrust:rid:agent-7", "before", "-1");
	f->ul.buf[0] = '\0';
	assert_at(at_store_list(f->s, time(NULL), &list, &n), AT_ERR_STORE);
	assert_null(list);
	assert_non_null(strstr(f->ul.buf, "malformed revocation agent-7"));
}

/* ------------------------------------------------------------------ */
/* Prefix, database, hostile ids, list */

static void
test_prefix(void **state)
{
	struct fx *f = *state;
	char u[256], out[512];
	struct at_store *s2 = NULL;

	start(f, NULL);
	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, NULL, "t1.x-y_z:", 0, &f->s), AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "a", 0, NULL, NULL), AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP1, 0, NULL, NULL), AT_OK);
	assert_at(ask(f->s, "b", 1, FP2, "jti:j", 0), AT_OK);
	cli(f, out, sizeof(out), "--no-raw", "KEYS", "*", NULL);
	/* Exactly the three keys, all under the prefix. */
	assert_non_null(strstr(out, "\"t1.x-y_z:rid:a\""));
	assert_non_null(strstr(out, "\"t1.x-y_z:rtok:" FP1 "\""));
	assert_non_null(strstr(out, "\"t1.x-y_z:use:jti:j\""));
	assert_null(strstr(out, "4)"));
	/* Another prefix sees none of it. */
	assert_at(open_opts(f, u, NULL, NULL, 0, &s2), AT_OK);
	assert_at(ask(s2, "a", 1, FP1, "jti:j", 0), AT_OK);
	at_store_close(s2);
}

static void
test_database(void **state)
{
	struct fx *f = *state;
	char u[256], out[256];

	start(f, NULL);
	url(f, NULL, f->tcp ? "/3" : "?db=3", u, sizeof(u));
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_OK);
	assert_at(ask(f->s, "a", 1, FP1, "jti:db", 0), AT_OK);
	cli(f, out, sizeof(out), "-n", "3", "KEYS", "*");
	assert_string_equal(out, "agentictrust:use:jti:db");
	cli(f, out, sizeof(out), "-n", "0", "DBSIZE", NULL);
	assert_string_equal(out, "0");
}

static void
test_hostile_ids(void **state)
{
	struct fx *f = *state;
	static const char *const ids[] = {
		"agent 7",     "a\"b'c",
		"*",	       "a*",
		"x:rid:y",     "[a-z]?\\",
		"caf\xc3\xa9", "agentictrust:rid:agent-7",
	};
	size_t nids = sizeof(ids) / sizeof(ids[0]), i, n = 0;
	char longid[AT_MAX_SUB + 1], toolong[AT_MAX_SUB + 2];
	struct at_revocation *list = NULL;

	memset(longid, 'L', AT_MAX_SUB);
	longid[AT_MAX_SUB] = '\0';
	memset(toolong, 'L', AT_MAX_SUB + 1);
	toolong[AT_MAX_SUB + 1] = '\0';
	start(f, NULL);
	open_default(f);
	for (i = 0; i < nids; i++)
		assert_at(revoke_one(f->s, AT_REVOKE_SUB, ids[i], 0, ids[i],
				     NULL),
			  AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, longid, 7, NULL, NULL),
		  AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP2, 0, "r", "agent 7"),
		  AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP1, 0, NULL, "*"), AT_OK);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, toolong, 0, NULL, NULL),
		  AT_ERR_INTERNAL);
	/* Exact keys: "*" and "a*" do not reach "a" or "ab". */
	assert_at(ask(f->s, "a", 1, FP1 "x", NULL, 0), AT_OK);
	assert_at(ask(f->s, "ab", 1, NULL, NULL, 0), AT_OK);
	assert_at(ask(f->s, "agent-7", 1, NULL, NULL, 0), AT_OK);
	for (i = 0; i < nids; i++)
		assert_at(ask(f->s, ids[i], 1, NULL, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, longid, 6, NULL, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, longid, 7, NULL, NULL, 0), AT_OK);
	assert_at(ask(f->s, toolong, 7, NULL, NULL, 0), AT_ERR_INTERNAL);
	/* list: ids sorted by bytes, then tokens; every string intact. */
	f->ul.buf[0] = '\0';
	assert_at(at_store_list(f->s, time(NULL), &list, &n), AT_OK);
	assert_int_equal(n, nids + 1 + 2);
	for (i = 0; i + 1 < n; i++) {
		if (list[i].kind == list[i + 1].kind)
			assert_true(strcmp(list[i].id, list[i + 1].id) < 0);
		else
			assert_int_equal(list[i].kind, AT_REVOKE_SUB);
	}
	for (i = 0; i < nids + 1; i++) {
		size_t j;
		bool seen = false;

		assert_int_equal(list[i].kind, AT_REVOKE_SUB);
		assert_int_equal(list[i].created, 1700000000);
		if (strcmp(list[i].id, longid) == 0) {
			assert_int_equal(list[i].before, 7);
			assert_null(list[i].reason);
			continue;
		}
		for (j = 0; j < nids; j++)
			seen |= strcmp(list[i].id, ids[j]) == 0;
		assert_true(seen);
		assert_string_equal(list[i].reason, list[i].id);
		assert_int_equal(list[i].before, 0);
	}
	assert_int_equal(list[n - 2].kind, AT_REVOKE_TOKEN);
	assert_string_equal(list[n - 2].id, FP1);
	assert_string_equal(list[n - 2].sub, "*");
	assert_null(list[n - 2].reason);
	assert_string_equal(list[n - 1].id, FP2);
	assert_string_equal(list[n - 1].sub, "agent 7");
	assert_string_equal(list[n - 1].reason, "r");
	at_revocations_free(list, n);
	assert_string_equal(f->ul.buf, "");
}

/* Many revocations (several SCAN steps); expired token ones left out. */
static void
test_list_many(void **state)
{
	struct fx *f = *state;
	struct at_revocation *list = NULL;
	size_t n = 0, i;
	char id[32];
	time_t now = time(NULL);

	start(f, NULL);
	open_default(f);
	for (i = 0; i < 2500; i++) {
		snprintf(id, sizeof(id), "agent-%05zu", i);
		assert_at(revoke_one(f->s, AT_REVOKE_SUB, id, (int64_t)i, NULL,
				     NULL),
			  AT_OK);
	}
	assert_at(revoke_one(f->s, AT_REVOKE_TOKEN, FP1, (int64_t)now + 100,
			     NULL, NULL),
		  AT_OK);
	/* In force at now and through now + 100, not at now + 101 (as
	 * the SQLite store). */
	assert_at(at_store_list(f->s, now, &list, &n), AT_OK);
	assert_int_equal(n, 2501);
	for (i = 0; i < 2500; i++) {
		snprintf(id, sizeof(id), "agent-%05zu", i);
		assert_string_equal(list[i].id, id);
		assert_int_equal(list[i].before, (int64_t)i);
	}
	assert_string_equal(list[2500].id, FP1);
	assert_int_equal(list[2500].expires, (int64_t)now + 100);
	at_revocations_free(list, n);
	assert_at(at_store_list(f->s, now + 100, &list, &n), AT_OK);
	assert_int_equal(n, 2501);
	at_revocations_free(list, n);
	assert_at(at_store_list(f->s, now + 101, &list, &n), AT_OK);
	assert_int_equal(n, 2500);
	at_revocations_free(list, n);
}

static void
report_collect(void *ctx, bool warn, const char *text)
{
	char *buf = ctx;
	size_t used = strlen(buf);

	snprintf(buf + used, 4096 - used, "%s %s\n", warn ? "W" : "I", text);
}

static void
test_probe(void **state)
{
	struct fx *f = *state;
	char rep[4096] = "";
	struct at_store *s2 = NULL;
	char u[256];

	start(f, NULL);
	open_default(f);
	assert_at(at_store_probe(f->s, report_collect, rep), AT_OK);
	print_message("%s", rep);
	assert_non_null(strstr(rep, "I maxmemory-policy noeviction\n"));
	assert_non_null(strstr(rep, "W no persistence"));
	assert_non_null(strstr(rep, "I redis version 7."));
	cli(f, NULL, 0, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
	/* (RDB rather than AOF: AOF would write a directory now.) */
	cli(f, NULL, 0, "CONFIG", "SET", "save", "900 1");
	rep[0] = '\0';
	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, NULL, NULL, 0, &s2), AT_OK);
	assert_at(at_store_probe(s2, report_collect, rep), AT_OK);
	at_store_close(s2);
	assert_non_null(strstr(rep, "W maxmemory-policy is allkeys-lru, "
				    "not noeviction: an evicted key re-opens "
				    "a replay window"));
	assert_non_null(strstr(rep, "I persistence: RDB save \"900 1\"\n"));
	assert_null(strstr(rep, "W no persistence"));
	cli(f, NULL, 0, "CONFIG", "SET", "save", "");
}

/* ------------------------------------------------------------------ */
/* Who may answer on the socket's path */

/* An impostor: a listening unix socket at dir/redis.sock. */
static int
listen_at(const char *dir, char *path, size_t size)
{
	struct sockaddr_un a;
	int fd;

	snprintf(path, size, "%s/redis.sock", dir);
	assert_true(strlen(path) < sizeof(a.sun_path));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* Did anyone connect to the impostor?  (Closes what it accepted.) */
static bool
was_reached(int lfd)
{
	int c = accept(lfd, NULL, NULL);

	if (c < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return false;
	}
	close(c);
	return true;
}

/*
 * A socket in a directory others may write (/tmp, sticky or not): any
 * local user could have bound it while redis-server was down, and would
 * get AUTH with the password.  Refused before connecting.
 */
static void
test_unix_dir_writable_by_others(void **state)
{
	struct fx *f = *state;
	static const mode_t modes[] = {01777, 0777, 0703};
	char *dir = test_mkdtemp(), path[256], u[300], want[1024];
	struct at_store *s = NULL;
	size_t i;
	int lfd;

	lfd = listen_at(dir, path, sizeof(path));
	snprintf(u, sizeof(u), "redis+unix://%s", path);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(dir, modes[i]), 0);
		f->ul.buf[0] = '\0';
		assert_at(open_opts(f, u, "pw-SECRET-1", NULL, 300, &s),
			  AT_ERR_STORE);
		print_message("%s", f->ul.buf);
		snprintf(want, sizeof(want),
			 "store: redis %s: socket directory %s is writable by "
			 "others (owner uid %lu, mode %04o)",
			 path, dir, (unsigned long)geteuid(),
			 (unsigned int)modes[i]);
		assert_non_null(strstr(f->ul.buf, want));
		assert_null(strchr(strchr(f->ul.buf, '\n') + 1, '\n'));
		assert_null(strstr(f->ul.buf, "SECRET"));
		assert_false(was_reached(lfd));
	}
	/* The same socket in a directory only its owner writes: reached
	 * (so the refusals above were the directory's doing). */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_at(open_opts(f, u, NULL, NULL, 300, &s), AT_OK);
	assert_true(was_reached(lfd));
	at_store_close(s);
	close(lfd);
	test_rmdir(dir);
	free(dir);
}

/* What is at the path must be a socket (not a file, not a link). */
static void
test_unix_not_a_socket(void **state)
{
	struct fx *f = *state;
	char *file, *link, u[300];

	start(f, NULL);
	file = test_path(f->dir, "redis.sock");
	link = test_path(f->dir, "link.sock");
	assert_int_equal(test_write_file(file, "x", 0600), 0);
	snprintf(u, sizeof(u), "redis+unix://%s", file);
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, ": not a socket"));
	/* A link, even to the real socket, in a safe directory. */
	f->ul.buf[0] = '\0';
	assert_int_equal(symlink(f->r.socket, link), 0);
	snprintf(u, sizeof(u), "redis+unix://%s", link);
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_ERR_STORE);
	assert_non_null(strstr(f->ul.buf, ": not a socket"));
	unlink(link);
	free(file);
	free(link);
}

/*
 * Accepted: the test server's directory (0700, ours), the same as
 * Debian's /run/redis (group writable, setgid), and, as root, a
 * directory and socket of another user (redis's own).  Refused: a
 * socket of a user who owns neither it nor the directory.
 */
static void
test_unix_dir_accepted(void **state)
{
	struct fx *f = *state;
	char *top, *dir, path[256], u[300];
	struct at_store *s = NULL;
	int lfd;

	start(f, NULL);
	open_default(f);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_OK);
	at_store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->r.dir, 02775), 0);
	open_default(f);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_ERR_REPLAYED);
	assert_string_equal(f->ul.buf, "");
	if (geteuid() != 0) {
		print_message("not root: socket owners not tested\n");
		return;
	}
	/* Debian's /run/redis under root's /run (not in sticky /tmp,
	 * where anyone may have made it: test_unix_path_above_dir). */
	top = test_mkdtemp();
	assert_int_equal(chmod(top, 0755), 0);
	dir = test_path(top, "run");
	assert_int_equal(mkdir(dir, 0755), 0);
	lfd = listen_at(dir, path, sizeof(path));
	snprintf(u, sizeof(u), "redis+unix://%s", path);
	/* Someone else's socket in our (root's) directory. */
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_at(open_opts(f, u, NULL, NULL, 300, &s), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "socket owned by uid 65534, not "
					  "root, uid 0 or the owner of "));
	assert_false(was_reached(lfd));
	/* The directory's owner's socket: redis:redis 2775, as Debian. */
	f->ul.buf[0] = '\0';
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(chmod(dir, 02775), 0);
	assert_at(open_opts(f, u, NULL, NULL, 300, &s), AT_OK);
	assert_true(was_reached(lfd));
	assert_string_equal(f->ul.buf, "");
	at_store_close(s);
	close(lfd);
	test_rmdir(top);
	free(dir);
	free(top);
}

/*
 * The directories above the socket's: a user who owns one of them, or a
 * link on the path, or who made the socket's directory in root's sticky
 * /tmp, chooses who listens (and receives AUTH).  As root only (another
 * user's files).
 */
static void
test_unix_path_above_dir(void **state)
{
	struct fx *f = *state;
	char *base, *evil, *sub, *lnk, path[256], u[300];
	struct at_store *s = NULL;
	int lfd;

	(void)f;
	if (geteuid() != 0) {
		skip();
		return;
	}
	/* A directory another user made in /tmp, its socket his. */
	evil = test_mkdtemp();
	lfd = listen_at(evil, path, sizeof(path));
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(chown(evil, 65534, 65534), 0);
	assert_int_equal(chmod(evil, 0755), 0);
	snprintf(u, sizeof(u), "redis+unix://%s", path);
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, "pw-SECRET-1", NULL, 300, &s), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "sticky"));
	assert_null(strchr(strchr(f->ul.buf, '\n') + 1, '\n'));
	assert_false(was_reached(lfd));
	close(lfd);
	test_rmdir(evil);
	/* Root's directory, reached through another user's directory:
	 * base/lnk -> evil (his, 0755), evil/sub/redis.sock his. */
	base = test_mkdtemp();
	assert_int_equal(mkdir(evil, 0755), 0);
	sub = test_path(evil, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	lfd = listen_at(sub, path, sizeof(path));
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(chown(sub, 65534, 65534), 0);
	assert_int_equal(chown(evil, 65534, 65534), 0);
	lnk = test_path(base, "lnk");
	assert_int_equal(symlink(evil, lnk), 0);
	snprintf(u, sizeof(u), "redis+unix://%s/sub/redis.sock", lnk);
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, "pw-SECRET-1", NULL, 300, &s), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "owned by uid 65534"));
	assert_false(was_reached(lfd));
	/* The link itself another user's, to root's directory. */
	assert_int_equal(lchown(lnk, 65534, 65534), 0);
	assert_int_equal(chown(evil, 0, 0), 0);
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, "pw-SECRET-1", NULL, 300, &s), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "symbolic link"));
	assert_false(was_reached(lfd));
	/* All root's but the last directory and its socket (as /run
	 * and redis's /run/redis): accepted. */
	unlink(lnk);
	assert_int_equal(symlink(evil, lnk), 0);
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, NULL, NULL, 300, &s), AT_OK);
	assert_true(was_reached(lfd));
	at_store_close(s);
	close(lfd);
	unlink(lnk);
	test_rmdir(evil);
	test_rmdir(base);
	free(sub);
	free(lnk);
	free(base);
	free(evil);
}

/*
 * Who listens, asked of the kernel after connect() (SO_PEERCRED): a
 * socket swapped after the check (here: another user's listener whose
 * file root chowned, as a rename would leave it) is refused before AUTH.
 */
static void
test_unix_peer_checked(void **state)
{
	struct fx *f = *state;
	char *dir, path[256], u[300];
	struct at_store *s = NULL;
	int sync[2], lfd, st;
	enum at_err r;
	pid_t pid;
	char c;

	if (geteuid() != 0) {
		skip();
		return;
	}
	dir = test_mkdtemp();
	snprintf(path, sizeof(path), "%s/redis.sock", dir);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(pipe(sync), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sync[0]);
		/* Not the test's output: a TAP reader waits for its EOF. */
		(void)!freopen("/dev/null", "w", stdout);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(1);
		lfd = listen_at(dir, path, sizeof(path));
		(void)lfd;
		(void)!write(sync[1], "r", 1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 1);
	close(sync[0]);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chown(path, 0, 0), 0);
	snprintf(u, sizeof(u), "redis+unix://%s", path);
	f->ul.buf[0] = '\0';
	r = open_opts(f, u, "pw-SECRET-1", NULL, 300, &s);
	/* The listener goes before any assertion can leave. */
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	print_message("%s", f->ul.buf);
	if (r == AT_OK)
		at_store_close(s);
	assert_at(r, AT_ERR_STORE);
	assert_non_null(strstr(f->ul.buf, "served by uid 65534"));
	assert_null(strchr(strchr(f->ul.buf, '\n') + 1, '\n'));
	assert_null(strstr(f->ul.buf, "SECRET"));
	test_rmdir(dir);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Faults */

static void
test_server_stopped(void **state)
{
	struct fx *f = *state;
	char u[256];

	start(f, NULL);
	url(f, NULL, NULL, u, sizeof(u));
	/* Stopped between open and check. */
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_OK);
	test_redis_stop(&f->r);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_ERR_STORE_UNAVAILABLE);
	assert_non_null(strstr(f->ul.buf, "store: redis "));
	assert_non_null(strstr(f->ul.buf, "check: connection lost"));
	/* And the broken connection is not used again. */
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_ERR_STORE_UNAVAILABLE);
	at_store_close(f->s);
	f->s = NULL;
	/* Stopped before open: no connection at all. */
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s),
		  AT_ERR_STORE_UNAVAILABLE);
	assert_null(f->s);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "cannot connect"));
	/* One line. */
	assert_ptr_equal(strchr(f->ul.buf, '\n'),
			 f->ul.buf + strlen(f->ul.buf) - 1);
}

/* SIGSTOP: decided within the timeout, not hung. */
static void
test_server_frozen(void **state)
{
	struct fx *f = *state;
	char u[256];
	int64_t t0, ms;
	enum at_err r;
	struct at_store *s2 = NULL;

	start(f, "requirepass frozen-pw\n");
	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "frozen-pw", NULL, 300, &f->s), AT_OK);
	assert_int_equal(kill(f->r.pid, SIGSTOP), 0);
	t0 = now_ms();
	r = ask(f->s, "a", 1, FP1, "jti:frozen", 0);
	ms = now_ms() - t0;
	print_message("check against a frozen server (%s): %lld ms\n",
		      f->tcp ? "tcp" : "unix", (long long)ms);
	assert_at(r, AT_ERR_STORE_UNAVAILABLE);
	assert_true(ms < 3000);
	assert_non_null(strstr(f->ul.buf, "no answer within 300 ms"));
	/* open: AUTH sent, no answer. */
	t0 = now_ms();
	r = open_opts(f, u, "frozen-pw", NULL, 300, &s2);
	ms = now_ms() - t0;
	print_message("open against a frozen server (%s): %lld ms\n",
		      f->tcp ? "tcp" : "unix", (long long)ms);
	assert_at(r, AT_ERR_STORE_UNAVAILABLE);
	assert_true(ms < 3000);
	assert_int_equal(kill(f->r.pid, SIGCONT), 0);
	/* Thawed: a new connection works; the timed-out one never
	 * consumed anything it could not report (the script ran later,
	 * or not at all: the key may now exist, which is safe). */
	assert_at(open_opts(f, u, "frozen-pw", NULL, 300, &s2), AT_OK);
	assert_at(ask(s2, "a", 1, FP1, "jti:after", 0), AT_OK);
	at_store_close(s2);
}

/* A server busy in a long script answers BUSY: unavailable, like a
 * stopped one (store_unavailable= decides), not store_error. */
static void
test_server_busy(void **state)
{
	struct fx *f = *state;
	pid_t pid;
	int status;

	start(f, "busy-reply-threshold 100\n");
	open_default(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(test_redis_cli(&f->r, NULL, 0, "EVAL",
				     "while true do end", "0",
				     (char *)NULL) < 0);
	usleep(500 * 1000);
	assert_at(ask(f->s, "a", 1, FP1, "jti:busy", 0),
		  AT_ERR_STORE_UNAVAILABLE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "check refused (\"BUSY "));
	cli(f, NULL, 0, "SCRIPT", "KILL");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* The connection is sound: the error was a whole reply. */
	assert_at(ask(f->s, "a", 1, FP1, "jti:busy", 0), AT_OK);
}

/* Restarted: the next open reconnects; without persistence (the test
 * server's), what the store held is gone. */
static void
test_server_restarted(void **state)
{
	struct fx *f = *state;
	char u[256];

	start(f, NULL);
	open_default(f);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-7", 0, NULL, NULL),
		  AT_OK);
	assert_at(ask(f->s, "b", 1, FP1, "jti:r", 0), AT_OK);
	assert_int_equal(test_redis_restart(&f->r), 0);
	/* The old connection is dead: unavailable, not a wrong answer. */
	assert_at(ask(f->s, "agent-7", 1, NULL, NULL, 0),
		  AT_ERR_STORE_UNAVAILABLE);
	at_store_close(f->s);
	f->s = NULL;
	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, NULL, NULL, 0, &f->s), AT_OK);
	assert_at(ask(f->s, "agent-7", 1, NULL, NULL, 0), AT_OK);
	assert_at(ask(f->s, "b", 1, FP1, "jti:r", 0), AT_OK);
}

static void
test_wrong_password(void **state)
{
	struct fx *f = *state;
	char u[256];
	struct at_store *s2 = NULL;

	start(f, "requirepass right-pw-0123\n");
	url(f, NULL, NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "Wrong-Pw-SECRET-987", NULL, 0, &f->s),
		  AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "AUTH refused"));
	assert_non_null(strstr(f->ul.buf, "WRONGPASS"));
	/* No piece of the password (its digits could be in a free TCP
	 * port the line names: "127.0.0.1:43987", so none are asked). */
	assert_null(strstr(f->ul.buf, "SECRET"));
	assert_null(strstr(f->ul.buf, "Wrong-Pw"));
	/* No password at all: the first command is refused. */
	f->ul.buf[0] = '\0';
	assert_at(open_opts(f, u, NULL, NULL, 0, &s2), AT_OK);
	assert_at(ask(s2, "a", 1, NULL, NULL, 0), AT_ERR_STORE);
	assert_non_null(strstr(f->ul.buf, "check refused (\"NOAUTH"));
	/* (Redis 7 cuts an unauthenticated client's longer command short.) */
	assert_at(ask(s2, "a", 1, FP1, "jti:x", 0), AT_ERR_STORE);
	at_store_close(s2);
	/* The right one. */
	f->ul.buf[0] = '\0';
	url(f, NULL, f->tcp ? "/2" : "?db=2", u, sizeof(u));
	assert_at(open_opts(f, u, "right-pw-0123", NULL, 0, &f->s), AT_OK);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_OK);
	assert_string_equal(f->ul.buf, "");
}

/* The ACL the README recommends: the module's user may only run the
 * check, and may write only the used-token keys (%RW~...use:*): the
 * revocations are read-only to it (%R~); the CLI's admin user also
 * revokes, lists and probes. */
#define ACL_AGENT                                                              \
	"user agent on >agent-pw-1 resetkeys %R~agentictrust:* "               \
	"%RW~agentictrust:use:* resetchannels -@all +eval +hget +exists "      \
	"+set\n"
#define ACL_ADMIN                                                              \
	"user admin on >admin-pw-1 resetkeys ~agentictrust:* resetchannels "   \
	"-@all +eval +hget +exists +set +del +hset +expireat +scan "           \
	"+hgetall +config|get +info\n"

static void
test_acl(void **state)
{
	struct fx *f = *state;
	char u[256], rep[4096] = "";
	struct at_store *admin = NULL;
	struct at_revocation *list = NULL;
	size_t n = 0;
	bool found = false;

	start(f, ACL_AGENT ACL_ADMIN
	      "user denied on >denied-pw-1 ~other:* +@all\n");
	/* Keys outside the user's pattern: NOPERM, store_error. */
	url(f, "denied", NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "denied-pw-1", NULL, 0, &f->s), AT_OK);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "check refused"));
	assert_non_null(strstr(f->ul.buf, "NOPERM"));
	at_store_close(f->s);
	f->s = NULL;
	/* The minimal users. */
	f->ul.buf[0] = '\0';
	url(f, "admin", NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "admin-pw-1", NULL, 0, &admin), AT_OK);
	url(f, "agent", NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "agent-pw-1", NULL, 0, &f->s), AT_OK);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_OK);
	assert_at(ask(f->s, "a", 1, FP1, "jti:x", 0), AT_ERR_REPLAYED);
	assert_at(revoke_one(admin, AT_REVOKE_SUB, "a", 5, "why", NULL), AT_OK);
	assert_at(revoke_one(admin, AT_REVOKE_TOKEN, FP2, time(NULL) + 60,
			     "why", "a"),
		  AT_OK);
	assert_at(ask(f->s, "a", 4, FP1, "jti:y", 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "b", 9, FP2, "jti:y", 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "a", 9, FP1, "jti:y", 0), AT_OK);
	assert_at(at_store_list(admin, time(NULL), &list, &n), AT_OK);
	assert_int_equal(n, 2);
	at_revocations_free(list, n);
	assert_at(at_store_probe(admin, report_collect, rep), AT_OK);
	assert_null(strstr(rep, "could not read"));
	assert_at(at_store_unrevoke(admin, AT_REVOKE_SUB, "a", &found), AT_OK);
	assert_true(found);
	assert_string_equal(f->ul.buf, "");
	/* The module's user cannot revoke; its probe only warns. */
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "a", 0, NULL, NULL),
		  AT_ERR_STORE);
	/* (Its key is in KEYS[], which EVAL checks for write access.) */
	assert_non_null(strstr(f->ul.buf, "revoke refused (\"NOPERM"));
	rep[0] = '\0';
	assert_at(at_store_probe(f->s, report_collect, rep), AT_OK);
	print_message("%s", rep);
	assert_non_null(strstr(rep, "W could not read maxmemory-policy "
				    "(\"NOPERM"));
	assert_non_null(strstr(rep, "check it by hand"));
	at_store_close(admin);
}

/* redis-cli as the module's user: its output (an error is on stdout). */
static void
cli_agent(struct fx *f, char *out, size_t size, ...)
{
	const char *a[8];
	va_list ap;
	int n = 0;

	va_start(ap, size);
	while (n < 7 && (a[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	a[n] = NULL;
	out[0] = '\0';
	(void)test_redis_cli(&f->r, out, size, "--no-auth-warning", "--user",
			     "agent", "--pass", "agent-pw-1", a[0], a[1], a[2],
			     a[3], a[4], a[5], a[6], (char *)NULL);
	print_message("agent %s %s: %s\n", a[0], n > 1 ? a[1] : "", out);
}

/*
 * Root on one bastion holds the module's password: with the recommended
 * ACL it must not be able to remove or rewrite a revocation (for the
 * whole fleet), by a command or by a script, while the module's checks
 * still answer revoked / replayed.  It can still reopen a used token
 * (SET use:KEY x PX 1): the README says so.
 */
static void
test_acl_revocations_read_only(void **state)
{
	struct fx *f = *state;
	char u[256], out[512], rep[4096] = "";
	struct at_store *admin = NULL;
	struct at_revocation *list = NULL;
	size_t n = 0;
	bool found = false;

	start(f, ACL_AGENT ACL_ADMIN);
	url(f, "admin", NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "admin-pw-1", NULL, 0, &admin), AT_OK);
	url(f, "agent", NULL, u, sizeof(u));
	assert_at(open_opts(f, u, "agent-pw-1", NULL, 0, &f->s), AT_OK);
	assert_at(revoke_one(admin, AT_REVOKE_SUB, "agent-7", 0, "lost", NULL),
		  AT_OK);
	assert_at(revoke_one(admin, AT_REVOKE_TOKEN, FP2, 0, "leaked", "b"),
		  AT_OK);
	/* Every shape of the check works for the module's user. */
	assert_at(ask(f->s, "agent-7", 1, NULL, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "agent-7", 1, FP1, "jti:a", 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "b", 1, FP2, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "b", 1, FP2, "jti:a", 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "b", 1, FP1, NULL, 0), AT_OK);
	assert_at(ask(f->s, "b", 1, NULL, "jti:a", time(NULL) + 60), AT_OK);
	assert_at(ask(f->s, "b", 1, FP1, "jti:a", 0), AT_ERR_REPLAYED);
	assert_at(ask(f->s, "b", 1, FP1, "fp:" FP1, 0), AT_OK);
	assert_at(ask(f->s, "b", 1, FP1, "fp:" FP1, 0), AT_ERR_REPLAYED);
	assert_string_equal(f->ul.buf, "");
	/* What root on a bastion would try: all refused. */
	cli_agent(f, out, sizeof(out), "SET", "agentictrust:rid:agent-7", "x",
		  "PX", "1", NULL);
	assert_non_null(strstr(out, "NOPERM"));
	cli_agent(f, out, sizeof(out), "DEL", "agentictrust:rid:agent-7", NULL);
	assert_non_null(strstr(out, "NOPERM"));
	cli_agent(f, out, sizeof(out), "HSET", "agentictrust:rtok:" FP2,
		  "expires", "1", NULL);
	assert_non_null(strstr(out, "NOPERM"));
	cli_agent(f, out, sizeof(out), "SET", "agentictrust:rtok:" FP2, "x",
		  "PX", "1", NULL);
	assert_non_null(strstr(out, "NOPERM"));
	cli_agent(f, out, sizeof(out), "EVAL",
		  "return redis.call('SET', KEYS[1], 'x', 'PX', '1')", "1",
		  "agentictrust:rid:agent-7", NULL);
	assert_non_null(strstr(out, "NOPERM"));
	cli_agent(f, out, sizeof(out), "EVAL",
		  "return redis.call('SET', ARGV[1], 'x', 'PX', '1')", "0",
		  "agentictrust:rid:agent-7", NULL);
	assert_non_null(strstr(out, "can't access"));
	cli_agent(f, out, sizeof(out), "EVAL",
		  "return redis.call('SET', KEYS[1], 'x', 'PX', '1')", "1",
		  "agentictrust:use:x", "agentictrust:rtok:" FP2, NULL);
	assert_non_null(strstr(out, "OK"));
	cli_agent(f, out, sizeof(out), "EVAL",
		  "return redis.call('SET', ARGV[1], 'x', 'PX', '1')", "1",
		  "agentictrust:use:x", "agentictrust:rtok:" FP2, NULL);
	assert_non_null(strstr(out, "can't access"));
	cli_agent(f, out, sizeof(out), "HGET", "agentictrust:rid:agent-7",
		  "before", NULL);
	assert_string_equal(out, "0");
	/* Still revoked, for every host. */
	assert_at(ask(f->s, "agent-7", 1, FP1, "jti:b", 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "b", 1, FP2, "jti:b", 0), AT_ERR_REVOKED);
	/* The residual risk the README states: a used token reopened. */
	cli_agent(f, out, sizeof(out), "SET", "agentictrust:use:jti:a", "x",
		  "PX", "1", NULL);
	assert_string_equal(out, "OK");
	usleep(20 * 1000);
	assert_at(ask(f->s, "b", 1, FP1, "jti:a", 0), AT_OK);
	/* The admin user still lists, probes, unrevokes. */
	assert_at(at_store_list(admin, time(NULL), &list, &n), AT_OK);
	assert_int_equal(n, 2);
	at_revocations_free(list, n);
	assert_at(at_store_probe(admin, report_collect, rep), AT_OK);
	assert_null(strstr(rep, "could not read"));
	assert_at(at_store_unrevoke(admin, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_true(found);
	assert_at(at_store_unrevoke(admin, AT_REVOKE_TOKEN, FP2, &found),
		  AT_OK);
	assert_true(found);
	assert_at(ask(f->s, "agent-7", 1, FP2, "jti:c", 0), AT_OK);
	assert_string_equal(f->ul.buf, "");
	at_store_close(admin);
}

static void
test_oom(void **state)
{
	struct fx *f = *state;
	char out[64];

	start(f, "maxmemory 2mb\nmaxmemory-policy noeviction\n"
		 "enable-debug-command yes\n");
	open_default(f);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "agent-7", 0, NULL, NULL),
		  AT_OK);
	cli(f, NULL, 0, "DEBUG", "POPULATE", "50000", "fill");
	assert_at(ask(f->s, "a", 1, FP1, "jti:oom", 0), AT_ERR_STORE);
	print_message("%s", f->ul.buf);
	assert_non_null(strstr(f->ul.buf, "OOM"));
	cli(f, out, sizeof(out), "EXISTS", "agentictrust:use:jti:oom", NULL,
	    NULL);
	assert_string_equal(out, "0");
	/* Reads still answer: revocations hold, the account phase works. */
	f->ul.buf[0] = '\0';
	assert_at(ask(f->s, "agent-7", 1, FP1, NULL, 0), AT_ERR_REVOKED);
	assert_at(ask(f->s, "a", 1, FP1, NULL, 0), AT_OK);
	assert_string_equal(f->ul.buf, "");
}

/* 16 processes, their own connections, one token: exactly one wins. */
static void
test_race(void **state)
{
	struct fx *f = *state;
	char u[256], key[64];
	int round, i, ok, replayed, status, pfd[2];
	pid_t pids[16];

	start(f, NULL);
	url(f, NULL, NULL, u, sizeof(u));
	for (round = 0; round < 20; round++) {
		snprintf(key, sizeof(key), "jti:race-%d", round);
		assert_int_equal(pipe(pfd), 0);
		for (i = 0; i < 16; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct at_store *s = NULL;
				char c;
				enum at_err r;

				close(pfd[1]);
				if (open_opts(f, u, NULL, NULL, 5000, &s) !=
				    AT_OK)
					_exit(10);
				/* The barrier: EOF for everyone at once. */
				if (read(pfd[0], &c, 1) < 0)
					_exit(11);
				r = ask(s, "agent-7", 1, FP1, key, 0);
				at_store_close(s);
				_exit(r == AT_OK	     ? 0
				      : r == AT_ERR_REPLAYED ? 1
							     : 20 - (int)r);
			}
		}
		close(pfd[0]);
		usleep(20 * 1000);
		close(pfd[1]);
		ok = replayed = 0;
		for (i = 0; i < 16; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			if (WEXITSTATUS(status) == 0)
				ok++;
			else if (WEXITSTATUS(status) == 1)
				replayed++;
			else
				fail_msg("child exit %d", WEXITSTATUS(status));
		}
		assert_int_equal(ok, 1);
		assert_int_equal(replayed, 15);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Not a pass/fail figure: the median cost of one check, printed. */
static void
test_latency(void **state)
{
	struct fx *f = *state;
	static int64_t us[1000];
	struct timespec a, b;
	char key[32];
	int i;

	start(f, NULL);
	open_default(f);
	assert_at(revoke_one(f->s, AT_REVOKE_SUB, "other", 0, NULL, NULL),
		  AT_OK);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "jti:lat-%d", i);
		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_at(ask(f->s, "agent-7", 1, FP1, key, 0), AT_OK);
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (int64_t)(b.tv_sec - a.tv_sec) * 1000000 +
			(b.tv_nsec - a.tv_nsec) / 1000;
	}
	qsort(us, 1000, sizeof(us[0]), cmp_i64);
	print_message("check latency (%s): median %lld us, p99 %lld us\n",
		      f->tcp ? "tcp" : "unix", (long long)us[500],
		      (long long)us[990]);
}

/* ------------------------------------------------------------------ */

static bool unix_sock = false, tcp = true;

#define BOTH(fn)                                                               \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown,          \
						 &unix_sock),                  \
		cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown,  \
							 &tcp)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_revoked_id),
		BOTH(test_revoked_token),
		BOTH(test_kept_through_until),
		BOTH(test_replayed),
		BOTH(test_revoked_consumes_nothing),
		cmocka_unit_test_setup_teardown(test_malformed_revocation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
		BOTH(test_database),
		BOTH(test_hostile_ids),
		cmocka_unit_test_setup_teardown(test_list_many, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unix_dir_writable_by_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_not_a_socket, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_path_above_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_peer_checked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unix_dir_accepted, setup,
						teardown),
		BOTH(test_server_stopped),
		BOTH(test_server_frozen),
		cmocka_unit_test_setup_teardown(test_server_busy, setup,
						teardown),
		BOTH(test_server_restarted),
		BOTH(test_wrong_password),
		BOTH(test_acl),
		BOTH(test_acl_revocations_read_only),
		cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race, setup, teardown),
		BOTH(test_latency),
	};

	/* A test's child must not outlive a failed assertion's longjmp. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
