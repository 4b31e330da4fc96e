/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_store_sqlite.c - lib/at_store_sqlite.c through at_store.h, on
 * real SQLite files in a private temporary directory: the file and
 * directory rules, the schema, every verdict of at_store_check(), the
 * prune, revocations with hostile text, a corrupt or newer file, a file
 * locked by another writer, a full and a read-only file system (in a
 * private mount namespace), and 16 processes racing for one token.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "at_store.h"
#include "test_common.h"
#include "unit_test.h"

#define NOW	   INT64_C(1790000000)
#define TIMEOUT_MS 300

struct fixture {
	char *dir;
	char *path; /* dir/state.db */
	struct unit_log ulog;
	struct at_store *s;
};

/* rm of the fixture directory: the db, its -wal/-shm and the few
 * files and directories the tests make. */
static void
rm_fixture(const char *dir)
{
	static const char *const subs[] = {"sub", "ro", NULL};
	size_t i;
	char *p;

	for (i = 0; subs[i] != NULL; i++) {
		p = test_path(dir, subs[i]);
		chmod(p, 0700);
		test_rmdir(p);
		free(p);
	}
	test_rmdir(dir);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = test_mkdtemp();
	f->path = test_path(f->dir, "state.db");
	unit_log_init(&f->ulog);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_store_close(f->s);
	rm_fixture(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* at_store_open() of sqlite:path with timeout_ms. */
static enum at_err
open_path(const char *path, unsigned int timeout_ms, const struct at_log *log,
	  struct at_store **s)
{
	struct at_config cfg;
	enum at_err r;
	size_t n = strlen(path) + 8;

	at_config_init(&cfg);
	if ((cfg.store = malloc(n)) == NULL)
		return AT_ERR_NOMEM;
	snprintf(cfg.store, n, "sqlite:%s", path);
	cfg.store_timeout_ms = timeout_ms;
	r = at_store_open(&cfg, geteuid(), log, s);
	at_config_clear(&cfg);
	return r;
}

static void
open_ok(struct fixture *f)
{
	enum at_err r = open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s);

	if (r != AT_OK)
		fail_msg("open: %s: %s", at_err_reason(r), f->ulog.buf);
}

/* The query of a JWT sub with iat (has_iat), fp (may be NULL), use_key
 * (may be NULL) kept until use_until, at now. */
static struct at_store_query
query(const char *sub, bool has_iat, int64_t iat, const char *fp,
      const char *use_key, int64_t use_until, int64_t now)
{
	struct at_store_query q = {
		.sub = sub,
		.has_iat = has_iat,
		.iat = iat,
		.fp = fp,
		.use_key = use_key,
		.use_until = use_until,
		.now = now,
	};

	return q;
}

/* An HMAC credential's query: no iat, no fingerprint, never consumed. */
static enum at_err
check_hmac(struct at_store *s, const char *sub, int64_t now)
{
	struct at_store_query q = query(sub, false, 0, NULL, NULL, 0, now);

	return at_store_check(s, &q);
}

static enum at_err
check_jwt(struct at_store *s, const char *sub, int64_t iat, const char *fp,
	  const char *use_key, int64_t use_until, int64_t now)
{
	struct at_store_query q =
		query(sub, true, iat, fp, use_key, use_until, now);

	return at_store_check(s, &q);
}

static enum at_err
revoke_sub(struct at_store *s, const char *id, int64_t before,
	   const char *reason)
{
	struct at_revocation r = {
		.kind = AT_REVOKE_SUB,
		.id = (char *)(uintptr_t)id,
		.before = before,
		.created = NOW,
		.reason = (char *)(uintptr_t)reason,
	};

	return at_store_revoke(s, &r);
}

static enum at_err
revoke_token(struct at_store *s, const char *fp, int64_t expires,
	     const char *reason, const char *sub)
{
	struct at_revocation r = {
		.kind = AT_REVOKE_TOKEN,
		.id = (char *)(uintptr_t)fp,
		.expires = expires,
		.created = NOW,
		.reason = (char *)(uintptr_t)reason,
		.sub = (char *)(uintptr_t)sub,
	};

	return at_store_revoke(s, &r);
}

/* One integer from the file, through a connection of the test's own. */
static int64_t
db_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Text of one row of a pragma, copied into buf. */
static void
db_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, size, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
assert_log_has(const struct fixture *f, const char *needle)
{
	if (strstr(f->ulog.buf, needle) == NULL)
		fail_msg("log lacks \"%s\":\n%s", needle, f->ulog.buf);
}

static bool
exists(const char *dir, const char *name)
{
	char *p = test_path(dir, name);
	struct stat st;
	bool r = lstat(p, &st) == 0;

	free(p);
	return r;
}

static mode_t
mode_of(const char *dir, const char *name)
{
	char *p = test_path(dir, name);
	struct stat st;

	if (lstat(p, &st) != 0)
		fail_msg("stat %s: %s", p, strerror(errno));
	free(p);
	return st.st_mode & 07777;
}

/* A child's write or read whose failure the parent sees anyway. */
static void
ignore(ssize_t r)
{
	(void)r;
}

static double
elapsed_s(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ */
/* The file */

static void
test_fresh_file(void **state)
{
	struct fixture *f = *state;
	char buf[32];
	mode_t old = umask(022);

	open_ok(f);
	umask(old);
	assert_string_equal(at_store_backend_name(f->s), "sqlite");
	assert_int_equal(mode_of(f->dir, "state.db"), 0600);
	assert_int_equal(db_int(f->path, "PRAGMA user_version"), 1);
	db_text(f->path, "PRAGMA journal_mode", buf, sizeof(buf));
	assert_string_equal(buf, "wal");
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM sqlite_schema"
					 " WHERE type = 'table'"),
			 3);
	/* A second open of a made file changes nothing. */
	at_store_close(f->s);
	f->s = NULL;
	open_ok(f);
	assert_at(check_jwt(f->s, "agent-7", NOW, NULL, "jti:a", NOW + 60, NOW),
		  AT_OK);
	assert_string_equal(f->ulog.buf, "");
}

/* SQLite gives -wal and -shm the database file's mode (and owner). */
static void
test_wal_files_take_the_file_mode(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->path, "", 0640), 0);
	open_ok(f);
	assert_at(check_jwt(f->s, "agent-7", NOW, NULL, "jti:a", NOW + 60, NOW),
		  AT_OK);
	assert_true(exists(f->dir, "state.db-wal"));
	assert_true(exists(f->dir, "state.db-shm"));
	assert_int_equal(mode_of(f->dir, "state.db"), 0640);
	assert_int_equal(mode_of(f->dir, "state.db-wal"), 0640);
	assert_int_equal(mode_of(f->dir, "state.db-shm"), 0640);
}

static void
assert_refused_unopened(struct fixture *f, const char *why)
{
	assert_at(open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_null(f->s);
	assert_log_has(f, why);
	/* SQLite never touched it. */
	assert_false(exists(f->dir, "state.db-wal"));
	assert_false(exists(f->dir, "state.db-shm"));
	assert_false(exists(f->dir, "state.db-journal"));
}

static void
test_group_writable_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->path, "", 0620), 0);
	assert_refused_unopened(f, "mode 0620 is group or world writable");
}

static void
test_world_writable_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(test_write_file(f->path, "", 0602), 0);
	assert_refused_unopened(f, "mode 0602 is group or world writable");
}

static void
test_symlink_file(void **state)
{
	struct fixture *f = *state;
	char *real = test_path(f->dir, "real.db");

	assert_int_equal(test_write_file(real, "", 0600), 0);
	assert_int_equal(symlink(real, f->path), 0);
	assert_refused_unopened(f, "is a symbolic link");
	assert_false(exists(f->dir, "real.db-wal"));
	free(real);
}

static void
test_hard_links(void **state)
{
	struct fixture *f = *state;
	char *other = test_path(f->dir, "other.db");

	assert_int_equal(test_write_file(f->path, "", 0600), 0);
	assert_int_equal(link(f->path, other), 0);
	assert_refused_unopened(f, "has 2 hard links");
	free(other);
}

static void
test_not_a_regular_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_refused_unopened(f, "not a regular file");
}

static void
test_foreign_owner(void **state)
{
	struct fixture *f = *state;

	if (geteuid() != 0) {
		print_message("skipped: chown to another uid needs root\n");
		skip();
	}
	assert_int_equal(test_write_file(f->path, "", 0600), 0);
	assert_int_equal(chown(f->path, 4242, 4242), 0);
	assert_refused_unopened(f, "owned by uid 4242, not root or");
}

static void
test_group_writable_dir(void **state)
{
	struct fixture *f = *state;
	char *sub = test_path(f->dir, "sub");
	char *path = test_path(sub, "state.db");

	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 0770), 0);
	assert_at(open_path(path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_null(f->s);
	assert_log_has(f, "is group or world writable");
	assert_false(exists(sub, "state.db")); /* not even created */
	free(path);
	free(sub);
}

/* Root's sticky /tmp: anyone could plant state.db-wal there before
 * SQLite opens it and so write the database; refused, nothing made. */
static void
test_sticky_dir(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char path[64];

	if (stat("/tmp", &st) != 0 || st.st_uid != 0 ||
	    (st.st_mode & S_ISVTX) == 0 || (st.st_mode & S_IWOTH) == 0) {
		print_message("skipped: /tmp is not root's sticky directory\n");
		skip();
	}
	snprintf(path, sizeof(path), "/tmp/at-sticky-%ld.db", (long)getpid());
	unlink(path);
	assert_at(open_path(path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_null(f->s);
	assert_log_has(f, "sticky directory");
	assert_int_equal(access(path, F_OK), -1);
	unlink(path);
}

static void
test_garbage_file(void **state)
{
	struct fixture *f = *state;
	char junk[8192];
	size_t i;

	for (i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)('!' + (i * 7919) % 90);
	junk[sizeof(junk) - 1] = '\0';
	assert_int_equal(test_write_file(f->path, junk, 0600), 0);
	assert_at(open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_null(f->s);
	assert_log_has(f, "store: sqlite ");
	assert_log_has(f, "file is not a database");
}

/* A real database cut short: the schema (page 1) still points at pages
 * that are gone. */
static void
test_truncated_file(void **state)
{
	struct fixture *f = *state;
	struct at_revocation *list = NULL;
	size_t n = 0;
	char id[64];
	enum at_err r;
	int i;

	open_ok(f);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "agent-%04d-padding-padding", i);
		assert_at(revoke_sub(f->s, id, 0,
				     "a reason long enough to "
				     "take room in the pages"),
			  AT_OK);
	}
	at_store_close(f->s); /* the last close checkpoints the WAL */
	f->s = NULL;
	assert_false(exists(f->dir, "state.db-wal"));
	assert_int_equal(truncate(f->path, 2 * 4096), 0);
	r = open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s);
	if (r == AT_OK) {
		/* The header and the schema page are intact: the damage
		 * shows on the first read of a table. */
		assert_at(at_store_list(f->s, NOW, &list, &n), AT_ERR_STORE);
		assert_null(list);
		assert_at(check_hmac(f->s, "agent-0001-padding-padding", NOW),
			  AT_ERR_STORE);
	} else {
		assert_at(r, AT_ERR_STORE);
	}
	assert_log_has(f, "malformed");
	at_store_close(f->s);
	f->s = NULL;

	/* Cut inside the header. */
	assert_int_equal(truncate(f->path, 50), 0);
	assert_at(open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
}

static void
test_newer_schema(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;

	assert_int_equal(test_write_file(f->path, "", 0600), 0);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	assert_at(open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_log_has(f, "schema version 2 is not 1");
}

/* A file of version 1 without our tables (another program's). */
static void
test_foreign_schema(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;

	assert_int_equal(test_write_file(f->path, "", 0600), 0);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t (x); "
				      "PRAGMA user_version = 1",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_at(open_path(f->path, TIMEOUT_MS, &f->ulog.log, &f->s),
		  AT_ERR_STORE);
	assert_log_has(f, "no such table");
}

/* ------------------------------------------------------------------ */
/* Verdicts */

static void
test_revoked_id_everything(void **state)
{
	struct fixture *f = *state;

	open_ok(f);
	assert_at(revoke_sub(f->s, "agent-7", 0, "leaked"), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp1", NULL, 0, NOW),
		  AT_ERR_REVOKED);
	assert_at(check_jwt(f->s, "agent-7", NOW + 1000, NULL, NULL, 0,
			    NOW + 2000),
		  AT_ERR_REVOKED);
	assert_at(check_hmac(f->s, "agent-7", NOW), AT_ERR_REVOKED);
	/* Another id, or one that merely starts the same, is not. */
	assert_at(check_hmac(f->s, "agent-77", NOW), AT_OK);
	assert_at(check_hmac(f->s, "agent-", NOW), AT_OK);
	assert_at(check_jwt(f->s, "agent-8", NOW, "fp1", NULL, 0, NOW), AT_OK);
	assert_string_equal(f->ulog.buf, "");
}

static void
test_revoked_id_cutoff(void **state)
{
	struct fixture *f = *state;
	struct at_store_query q;
	const int64_t t = NOW - 100;

	open_ok(f);
	assert_at(revoke_sub(f->s, "agent-7", t, NULL), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", t - 1, NULL, NULL, 0, NOW),
		  AT_ERR_REVOKED);
	assert_at(check_jwt(f->s, "agent-7", t, NULL, NULL, 0, NOW), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", t + 1, NULL, NULL, 0, NOW), AT_OK);
	/* A JWT without iat counts as issued before the cut-off. */
	q = query("agent-7", false, 0, "fp", NULL, 0, NOW);
	assert_at(at_store_check(f->s, &q), AT_ERR_REVOKED);
	/* An HMAC credential has no issue time: refused. */
	assert_at(check_hmac(f->s, "agent-7", NOW), AT_ERR_REVOKED);
	/* A new revocation of the id replaces the old one. */
	assert_at(revoke_sub(f->s, "agent-7", t + 50, NULL), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", t + 1, NULL, NULL, 0, NOW),
		  AT_ERR_REVOKED);
	assert_at(revoke_sub(f->s, "agent-7", 0, NULL), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW + 5, NULL, NULL, 0, NOW),
		  AT_ERR_REVOKED);
}

static void
test_revoked_token(void **state)
{
	struct fixture *f = *state;
	const char *fp = "0123456789abcdef0123456789abcdef";
	const char *fp2 = "fedcba9876543210fedcba9876543210";
	const int64_t e = NOW + 600;

	open_ok(f);
	assert_at(revoke_token(f->s, fp, e, "seen in a transcript", "agent-7"),
		  AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, NULL, 0, NOW),
		  AT_ERR_REVOKED);
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, NULL, 0, e),
		  AT_ERR_REVOKED);
	/* Another token of the same id is not. */
	assert_at(check_jwt(f->s, "agent-7", NOW, fp2, NULL, 0, NOW), AT_OK);
	/* Past expires the revocation is over (and pruned). */
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, NULL, 0, e + 1), AT_OK);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM revoked_tokens"),
			 0);
	/* expires 0: forever. */
	assert_at(revoke_token(f->s, fp2, 0, NULL, NULL), AT_OK);
	assert_at(
		check_jwt(f->s, "agent-7", NOW, fp2, NULL, 0, NOW + 100000000),
		AT_ERR_REVOKED);
}

static void
test_replayed(void **state)
{
	struct fixture *f = *state;

	open_ok(f);
	assert_at(
		check_jwt(f->s, "agent-7", NOW, "fp", "jti:one", NOW + 60, NOW),
		AT_OK);
	assert_at(
		check_jwt(f->s, "agent-7", NOW, "fp", "jti:one", NOW + 60, NOW),
		AT_ERR_REPLAYED);
	/* The key alone decides, whoever presents it. */
	assert_at(check_jwt(f->s, "agent-8", NOW, "fp2", "jti:one", NOW + 60,
			    NOW + 60),
		  AT_ERR_REPLAYED);
	assert_at(
		check_jwt(f->s, "agent-7", NOW, "fp", "jti:two", NOW + 60, NOW),
		AT_OK);
	/* The account phase asks without a key: never a replay. */
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", NULL, 0, NOW), AT_OK);
	/* Once its time is over the key is forgotten (the token itself is
	 * refused as expired by then). */
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "jti:one", NOW + 200,
			    NOW + 61),
		  AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "jti:one", NOW + 200,
			    NOW + 62),
		  AT_ERR_REPLAYED);
	/* use_until 0: a token without exp, kept forever. */
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "fp:forever", 0, NOW),
		  AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "fp:forever", 0,
			    NOW + 1000000000),
		  AT_ERR_REPLAYED);
	assert_string_equal(f->ulog.buf, "");
}

/* A refused credential consumes nothing: the same key succeeds once
 * the revocation is lifted. */
static void
test_revoked_consumes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *fp = "0123456789abcdef0123456789abcdef";
	bool found = false;

	open_ok(f);
	assert_at(revoke_sub(f->s, "agent-7", 0, NULL), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, "jti:k", NOW + 60, NOW),
		  AT_ERR_REVOKED);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 0);
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_true(found);
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "agent-7", &found),
		  AT_OK);
	assert_false(found);

	assert_at(revoke_token(f->s, fp, 0, NULL, NULL), AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, "jti:k", NOW + 60, NOW),
		  AT_ERR_REVOKED);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 0);
	assert_at(at_store_unrevoke(f->s, AT_REVOKE_TOKEN, fp, &found), AT_OK);
	assert_true(found);

	assert_at(check_jwt(f->s, "agent-7", NOW, fp, "jti:k", NOW + 60, NOW),
		  AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, fp, "jti:k", NOW + 60, NOW),
		  AT_ERR_REPLAYED);
}

/* ------------------------------------------------------------------ */
/* Prune */

static void
test_prune_batch(void **state)
{
	struct fixture *f = *state;
	char key[64];
	int i;

	open_ok(f);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "jti:k%d", i);
		assert_at(check_jwt(f->s, "a", NOW, NULL, key, NOW + 100, NOW),
			  AT_OK);
	}
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 200);
	/* At the last second of their time nothing goes. */
	assert_at(check_hmac(f->s, "a", NOW + 100), AT_OK);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 200);
	/* Far ahead: AT_STORE_PRUNE_BATCH per call. */
	assert_at(check_hmac(f->s, "a", NOW + 100000), AT_OK);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 200 - AT_STORE_PRUNE_BATCH);
	for (i = 0; i < 3; i++)
		assert_at(check_hmac(f->s, "a", NOW + 100000), AT_OK);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 0);
}

/* 1000 single-use logins, each key expired by the next: the file keeps
 * its size. */
static void
test_file_does_not_grow(void **state)
{
	struct fixture *f = *state;
	char key[300];
	int64_t now, pages_100 = 0, pages;
	struct stat st;
	int i;

	open_ok(f);
	memset(key, 'x', sizeof(key));
	for (i = 0; i < 1000; i++) {
		now = NOW + (int64_t)i * 1000;
		/* Long keys, so that growth would show in pages. */
		snprintf(key, sizeof(key), "jti:%d-%0200d", i, i);
		assert_at(check_jwt(f->s, "a", NOW, NULL, key, now + 500, now),
			  AT_OK);
		if (i == 99)
			pages_100 = db_int(f->path, "PRAGMA page_count");
	}
	pages = db_int(f->path, "PRAGMA page_count");
	assert_true(pages_100 > 0);
	assert_true(pages <= pages_100);
	assert_true(db_int(f->path, "SELECT count(*) FROM used_tokens") <= 2);
	at_store_close(f->s);
	f->s = NULL;
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size <= 16 * 4096);
	print_message("pages after 100 uses: %lld, after 1000: %lld, file "
		      "%lld bytes\n",
		      (long long)pages_100, (long long)pages,
		      (long long)st.st_size);
}

/* ------------------------------------------------------------------ */
/* Revocations with hostile text */

static void
test_hostile_text(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = {
		"'; DROP TABLE revoked_ids; --",
		"\"quoted\" id",
		"Robert'); DROP TABLE used_tokens;--",
		"agent\\7",
		"%s%n%x",
		"\xc3\xa9t\xc3\xa9",
	};
	static const char *const reasons[] = {
		"it's \"bad\"; DELETE FROM revoked_ids",
		NULL,
		"x' OR '1'='1",
		"",
		"%s%s%s",
		"r\xc3\xa9sum\xc3\xa9",
	};
	const size_t nids = sizeof(ids) / sizeof(ids[0]);
	const char *fp = "0123456789abcdef0123456789abcdef";
	struct at_revocation *list = NULL;
	size_t n = 0, i, j;
	bool seen;

	open_ok(f);
	for (i = 0; i < nids; i++)
		assert_at(revoke_sub(f->s, ids[i], (int64_t)i, reasons[i]),
			  AT_OK);
	assert_at(revoke_token(f->s, fp, NOW + 10, "token'--", "sub'--"),
		  AT_OK);
	/* Refused before the store: a newline, a control byte. */
	assert_at(revoke_sub(f->s, "line\nbreak", 0, NULL), AT_ERR_INTERNAL);
	assert_at(revoke_sub(f->s, "id", 0, "two\nlines"), AT_ERR_INTERNAL);
	assert_at(revoke_sub(f->s, "esc\x1b[2J", 0, NULL), AT_ERR_INTERNAL);
	assert_at(revoke_sub(f->s, "", 0, NULL), AT_ERR_INTERNAL);
	assert_at(revoke_sub(f->s, "id", -1, NULL), AT_ERR_INTERNAL);
	{
		char big[AT_STORE_MAX_REASON + 2];

		memset(big, 'r', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_at(revoke_sub(f->s, "id", 0, big), AT_ERR_INTERNAL);
		big[AT_STORE_MAX_REASON] = '\0'; /* the longest reason */
		assert_at(revoke_sub(f->s, "long-reason", 0, big), AT_OK);
		assert_at(at_store_unrevoke(f->s, AT_REVOKE_SUB, "long-reason",
					    &seen),
			  AT_OK);
		assert_true(seen);
	}

	for (i = 0; i < nids; i++)
		assert_at(check_hmac(f->s, ids[i], NOW), AT_ERR_REVOKED);
	assert_at(at_store_list(f->s, NOW, &list, &n), AT_OK);
	assert_int_equal(n, nids + 1);
	for (i = 0; i + 1 < nids; i++)
		assert_true(strcmp(list[i].id, list[i + 1].id) < 0);
	for (i = 0; i < nids; i++) {
		seen = false;
		for (j = 0; j < nids; j++) {
			if (strcmp(list[j].id, ids[i]) != 0)
				continue;
			seen = true;
			assert_int_equal(list[j].kind, AT_REVOKE_SUB);
			assert_int_equal(list[j].before, (int64_t)i);
			assert_int_equal(list[j].created, NOW);
			if (reasons[i] == NULL)
				assert_null(list[j].reason);
			else
				assert_string_equal(list[j].reason, reasons[i]);
		}
		assert_true(seen);
	}
	assert_int_equal(list[nids].kind, AT_REVOKE_TOKEN);
	assert_string_equal(list[nids].id, fp);
	assert_int_equal(list[nids].expires, NOW + 10);
	assert_string_equal(list[nids].reason, "token'--");
	assert_string_equal(list[nids].sub, "sub'--");
	at_revocations_free(list, n);
	list = NULL;

	/* Every table is still there and holds what it should. */
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM revoked_ids"),
			 (int64_t)nids);
	assert_int_equal(db_int(f->path, "SELECT count(*) FROM used_tokens"),
			 0);

	/* An expired token revocation is left out of the list. */
	assert_at(at_store_list(f->s, NOW + 11, &list, &n), AT_OK);
	assert_int_equal(n, nids);
	at_revocations_free(list, n);
}

static void
test_list_empty_and_order(void **state)
{
	struct fixture *f = *state;
	struct at_revocation *list = NULL;
	size_t n = 99;

	open_ok(f);
	assert_at(at_store_list(f->s, NOW, &list, &n), AT_OK);
	assert_int_equal(n, 0);
	at_revocations_free(list, n);
	assert_at(revoke_token(f->s, "bb", 0, NULL, NULL), AT_OK);
	assert_at(revoke_token(f->s, "aa", 0, NULL, NULL), AT_OK);
	assert_at(revoke_sub(f->s, "zz", 0, NULL), AT_OK);
	assert_at(revoke_sub(f->s, "b", 0, NULL), AT_OK);
	assert_at(at_store_list(f->s, NOW, &list, &n), AT_OK);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].id, "b");
	assert_string_equal(list[1].id, "zz");
	assert_string_equal(list[2].id, "aa");
	assert_string_equal(list[3].id, "bb");
	assert_int_equal(list[3].kind, AT_REVOKE_TOKEN);
	at_revocations_free(list, n);
}

/* A row written behind our back with a control byte is refused, not
 * shown to the operator's terminal. */
static void
test_list_refuses_bad_row(void **state)
{
	struct fixture *f = *state;
	struct at_revocation *list = NULL;
	size_t n = 0;
	sqlite3 *db = NULL;

	open_ok(f);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO revoked_ids VALUES "
				      "('evil' || char(27) || '[2J', 0, 0, "
				      "NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_at(at_store_list(f->s, NOW, &list, &n), AT_ERR_STORE);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_log_has(f, "never writes");
	/* The store still works after the refusal. */
	assert_at(check_hmac(f->s, "other", NOW), AT_OK);
}

struct probe_seen {
	int warn, info;
	char text[1024];
};

static void
probe_cb(void *ctx, bool warn, const char *text)
{
	struct probe_seen *p = ctx;

	if (warn)
		p->warn++;
	else
		p->info++;
	strncat(p->text, text, sizeof(p->text) - strlen(p->text) - 2);
	strcat(p->text, "\n");
}

static void
test_probe(void **state)
{
	struct fixture *f = *state;
	struct probe_seen p = {0};

	open_ok(f);
	assert_at(revoke_sub(f->s, "x", 0, NULL), AT_OK);
	assert_at(at_store_probe(f->s, probe_cb, &p), AT_OK);
	assert_int_equal(p.warn, 0);
	assert_true(p.info >= 3);
	assert_non_null(strstr(p.text, "journal mode wal"));
	assert_non_null(strstr(p.text, "schema version 1"));
	assert_non_null(strstr(p.text, "1 revoked ids"));
}

/* ------------------------------------------------------------------ */
/* Another writer */

static void
test_locked_by_another_writer(void **state)
{
	struct fixture *f = *state;
	int locked[2], release[2], status;
	struct timespec t0;
	double took;
	pid_t pid;
	char c;

	open_ok(f);
	assert_int_equal(pipe(locked), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;

		close(locked[0]);
		close(release[1]);
		if (sqlite3_open(f->path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) !=
			    SQLITE_OK ||
		    write(locked[1], "L", 1) != 1)
			_exit(2);
		ignore(read(release[0], &c, 1));
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(locked[1]);
	close(release[0]);
	assert_int_equal(read(locked[0], &c, 1), 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "jti:k", NOW + 60, NOW),
		  AT_ERR_STORE_UNAVAILABLE);
	took = elapsed_s(&t0);
	print_message("locked: refused after %.3f s (busy timeout %d ms)\n",
		      took, TIMEOUT_MS);
	assert_true(took < 3.0);
	assert_log_has(f, "database is locked");
	/* Revocations wait the same way. */
	assert_at(revoke_sub(f->s, "x", 0, NULL), AT_ERR_STORE_UNAVAILABLE);

	assert_int_equal(write(release[1], "R", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(locked[0]);
	close(release[1]);
	/* Nothing was consumed: the key succeeds, once. */
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "jti:k", NOW + 60, NOW),
		  AT_OK);
	assert_at(check_jwt(f->s, "agent-7", NOW, "fp", "jti:k", NOW + 60, NOW),
		  AT_ERR_REPLAYED);
}

/* ------------------------------------------------------------------ */
/* 16 processes, one token */

#define RACERS 16
#define ROUNDS 20

/*
 * Wait for every racer of a round: each must exit 0 (accepted) or 1
 * (replayed), and exactly one was accepted.
 */
static void
reap_racers(const pid_t pids[RACERS], int round)
{
	int i, status, ok = 0, replayed = 0;

	for (i = 0; i < RACERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			ok++;
		else if (WEXITSTATUS(status) == 1)
			replayed++;
		else
			fail_msg("round %d: a racer exited %d", round,
				 WEXITSTATUS(status));
	}
	assert_int_equal(ok, 1);
	assert_int_equal(replayed, RACERS - 1);
}

static void
test_race(void **state)
{
	struct fixture *f = *state;
	int round, i, nready, ready[2], go[2];
	pid_t pids[RACERS];
	char key[64], c;

	for (round = 0; round < ROUNDS; round++) {
		snprintf(key, sizeof(key), "jti:race-%d", round);
		assert_int_equal(pipe(ready), 0);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] != 0)
				continue;
			{
				struct at_store *s = NULL;
				enum at_err r;

				close(ready[0]);
				close(go[1]);
				f->ulog.buf[0] = '\0';
				/* A generous timeout: this tests the answer,
				 * not the waiting. */
				r = open_path(f->path, 10000, &f->ulog.log, &s);
				if (r != AT_OK) {
					fprintf(stderr,
						"racer %d: open: %s: %s", i,
						at_err_reason(r), f->ulog.buf);
					_exit(10);
				}
				/* Ready, and the end of this racer's write
				 * side: a racer that died before this point
				 * cannot leave the parent waiting. */
				if (write(ready[1], "r", 1) != 1)
					_exit(11);
				close(ready[1]);
				ignore(read(go[0], &c, 1)); /* EOF: go */
				r = check_jwt(s, "agent-7", NOW, "fp", key,
					      NOW + 60, NOW);
				if (r != AT_OK && r != AT_ERR_REPLAYED)
					fprintf(stderr,
						"racer %d: check: %s: "
						"%s",
						i, at_err_reason(r),
						f->ulog.buf);
				at_store_close(s);
				_exit(r == AT_OK	     ? 0
				      : r == AT_ERR_REPLAYED ? 1
							     : 20 - r);
			}
		}
		close(ready[1]);
		close(go[0]);
		/* Until every racer is ready or gone (EOF), then go:
		 * everyone reads EOF at once. */
		nready = 0;
		while (read(ready[0], &c, 1) == 1)
			nready++;
		close(go[1]);
		reap_racers(pids, round);
		close(ready[0]);
		assert_int_equal(nready, RACERS);
	}
}

/*
 * A crowd of first logins: 16 processes released at once each open a
 * database that does not exist yet (create, switch to WAL, schema) and
 * present one token.  Exactly one is accepted and none is turned away
 * as unavailable: "PRAGMA journal_mode = WAL" takes a lock the busy
 * handler does not always wait for, so the mode is read first.
 */
static void
test_first_open_crowd(void **state)
{
	struct fixture *f = *state;
	int round, i, go[2];
	pid_t pids[RACERS];
	char *path, name[32], c;

	for (round = 0; round < 5; round++) {
		snprintf(name, sizeof(name), "crowd-%d.db", round);
		path = test_path(f->dir, name);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] != 0)
				continue;
			{
				struct at_store *s = NULL;
				enum at_err r;

				close(go[1]);
				ignore(read(go[0], &c, 1)); /* EOF: go */
				f->ulog.buf[0] = '\0';
				r = open_path(path, 10000, &f->ulog.log, &s);
				if (r == AT_OK)
					r = check_jwt(s, "agent-7", NOW, "fp",
						      "jti:crowd", NOW + 60,
						      NOW);
				if (r != AT_OK && r != AT_ERR_REPLAYED)
					fprintf(stderr, "crowd %d: %s: %s", i,
						at_err_reason(r), f->ulog.buf);
				at_store_close(s);
				_exit(r == AT_OK	     ? 0
				      : r == AT_ERR_REPLAYED ? 1
							     : 2);
			}
		}
		close(go[0]);
		close(go[1]);
		reap_racers(pids, round);
		free(path);
	}
}

/* ------------------------------------------------------------------ */
/* Full and read-only file systems, in a private mount namespace */

/*
 * Run fn in a child that has its own mount namespace, with a small tmpfs
 * mounted on the fixture directory and chroot()ed into it, so that the
 * store's directory walk starts at a "/" the test owns: as root,
 * unshare(CLONE_NEWNS); otherwise a user namespace mapping the euid to 0.
 * Returns fn's exit status, or -1 (with *why) when no namespace could be
 * made.
 */
static int
in_private_tmpfs(struct fixture *f, int (*fn)(struct fixture *), char *why,
		 size_t whysize)
{
	int p[2], status, err;
	pid_t pid;
	char msg[200];
	ssize_t got;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uid_t uid = geteuid();
		gid_t gid = getegid();
		char map[64];
		int fd;

		close(p[0]);
#define BAIL(what)                                                             \
	do {                                                                   \
		err = errno;                                                   \
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));     \
		ignore(write(p[1], msg, strlen(msg)));                         \
		_exit(99);                                                     \
	} while (0)
		if (uid == 0) {
			if (unshare(CLONE_NEWNS) != 0)
				BAIL("unshare(CLONE_NEWNS)");
		} else {
			if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
				BAIL("unshare(CLONE_NEWUSER|CLONE_NEWNS)");
			if ((fd = open("/proc/self/setgroups", O_WRONLY)) >=
			    0) {
				ignore(write(fd, "deny", 4));
				close(fd);
			}
			snprintf(map, sizeof(map), "0 %lu 1",
				 (unsigned long)uid);
			if ((fd = open("/proc/self/uid_map", O_WRONLY)) < 0 ||
			    write(fd, map, strlen(map)) < 0)
				BAIL("uid_map");
			close(fd);
			snprintf(map, sizeof(map), "0 %lu 1",
				 (unsigned long)gid);
			if ((fd = open("/proc/self/gid_map", O_WRONLY)) < 0 ||
			    write(fd, map, strlen(map)) < 0)
				BAIL("gid_map");
			close(fd);
		}
		/* "none": ignored for a propagation change, but valgrind
		 * checks the strings. */
		if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
			BAIL("mount(/, MS_PRIVATE)");
		if (mount("tmpfs", f->dir, "tmpfs", MS_NOSUID | MS_NODEV,
			  "size=256k,mode=0700") != 0)
			BAIL("mount(tmpfs)");
		if (chroot(f->dir) != 0 || chdir("/") != 0)
			BAIL("chroot");
		close(p[1]);
		_exit(fn(f));
#undef BAIL
	}
	close(p[1]);
	got = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
		msg[got > 0 ? got : 0] = '\0';
		snprintf(why, whysize, "%s", msg);
		return -1;
	}
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

static void
run_private(struct fixture *f, int (*fn)(struct fixture *))
{
	char why[256];
	int r = in_private_tmpfs(f, fn, why, sizeof(why));
	const char *ci = getenv("CI");

	if (r < 0) {
		if (ci != NULL && ci[0] != '\0')
			fail_msg("no private mount namespace (%s), and CI is "
				 "set: this test must run",
				 why);
		print_message("skipped: no private mount namespace: %s\n", why);
		skip();
	}
	if (r != 0)
		fail_msg("child exited %d: the step of that number failed (or "
			 "valgrind or a sanitizer found an error)",
			 r);
}

/* Child side: report a failed step as its number; print the log. */
#define CHILD_EXPECT(step, cond)                                               \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "step %d: %s\nlog:\n%s", step, #cond,  \
				f->ulog.buf);                                  \
			return step;                                           \
		}                                                              \
	} while (0)

static int
child_full(struct fixture *f)
{
	struct at_store *s = NULL;
	char key[300], failed_key[300] = "";
	enum at_err r = AT_OK;
	int i, fd;

	f->ulog.buf[0] = '\0';
	CHILD_EXPECT(1, open_path("/state.db", TIMEOUT_MS, &f->ulog.log, &s) ==
				AT_OK);
	CHILD_EXPECT(2, check_jwt(s, "a", NOW, NULL, "jti:first", NOW + 60,
				  NOW) == AT_OK);
	/* Some room to give back later. */
	fd = open("/filler", O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHILD_EXPECT(3, fd >= 0);
	{
		char block[4096];

		memset(block, 'f', sizeof(block));
		for (i = 0; i < 16; i++)
			if (write(fd, block, sizeof(block)) !=
			    (ssize_t)sizeof(block))
				break;
		close(fd);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "jti:%06d-%0200d", i, i);
		r = check_jwt(s, "a", NOW, NULL, key, NOW + 60, NOW);
		if (r != AT_OK)
			break;
	}
	fprintf(stderr, "full after %d consumes\n", i);
	CHILD_EXPECT(4, r == AT_ERR_STORE);
	CHILD_EXPECT(5, strstr(f->ulog.buf, "full") != NULL);
	snprintf(failed_key, sizeof(failed_key), "%s", key);
	/* Still full: still an error, not a verdict. */
	r = check_jwt(s, "a", NOW, NULL, failed_key, NOW + 60, NOW);
	CHILD_EXPECT(6, r == AT_ERR_STORE);
	/* Room again: the key whose consume failed was not consumed. */
	CHILD_EXPECT(7, unlink("/filler") == 0);
	r = check_jwt(s, "a", NOW, NULL, failed_key, NOW + 60, NOW);
	CHILD_EXPECT(8, r == AT_OK);
	r = check_jwt(s, "a", NOW, NULL, failed_key, NOW + 60, NOW);
	CHILD_EXPECT(9, r == AT_ERR_REPLAYED);
	CHILD_EXPECT(10, check_jwt(s, "a", NOW, NULL, "jti:first", NOW + 60,
				   NOW) == AT_ERR_REPLAYED);
	at_store_close(s);
	return 0;
}

static void
test_full_filesystem(void **state)
{
	run_private(*state, child_full);
}

static int
child_readonly(struct fixture *f)
{
	struct at_store *s = NULL;

	f->ulog.buf[0] = '\0';
	CHILD_EXPECT(1, open_path("/state.db", TIMEOUT_MS, &f->ulog.log, &s) ==
				AT_OK);
	CHILD_EXPECT(2, check_jwt(s, "a", NOW, NULL, "jti:k", NOW + 60, NOW) ==
				AT_OK);
	at_store_close(s);
	s = NULL;
	/* The same file system, read-only, at /ro. */
	CHILD_EXPECT(3, mkdir("/ro", 0700) == 0);
	CHILD_EXPECT(4, mount("/", "/ro", "none", MS_BIND, NULL) == 0);
	CHILD_EXPECT(5, mount("none", "/ro", "none",
			      MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0);
	CHILD_EXPECT(6, open_path("/ro/state.db", TIMEOUT_MS, &f->ulog.log,
				  &s) == AT_ERR_STORE);
	CHILD_EXPECT(7, s == NULL);
	CHILD_EXPECT(8, strstr(f->ulog.buf, "Read-only file system") != NULL);
	/* A file missing there cannot be created either. */
	CHILD_EXPECT(9, open_path("/ro/new.db", TIMEOUT_MS, &f->ulog.log, &s) ==
				AT_ERR_STORE);
	CHILD_EXPECT(10, umount("/ro") == 0);
	return 0;
}

static void
test_readonly_filesystem(void **state)
{
	run_private(*state, child_readonly);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_fresh_file),
		T(test_wal_files_take_the_file_mode),
		T(test_group_writable_file),
		T(test_world_writable_file),
		T(test_symlink_file),
		T(test_hard_links),
		T(test_not_a_regular_file),
		T(test_foreign_owner),
		T(test_group_writable_dir),
		T(test_sticky_dir),
		T(test_garbage_file),
		T(test_truncated_file),
		T(test_newer_schema),
		T(test_foreign_schema),
		T(test_revoked_id_everything),
		T(test_revoked_id_cutoff),
		T(test_revoked_token),
		T(test_replayed),
		T(test_revoked_consumes_nothing),
		T(test_prune_batch),
		T(test_file_does_not_grow),
		T(test_hostile_text),
		T(test_list_empty_and_order),
		T(test_list_refuses_bad_row),
		T(test_probe),
		T(test_locked_by_another_writer),
		T(test_race),
		T(test_first_open_crowd),
		T(test_full_filesystem),
		T(test_readonly_filesystem),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
