/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_at_user_map.c - lib/at_user_map.c: the parsed map (hash index each
 * way, duplicates by line, the seed, a 1M-entry map), the compiled index
 * MAP.cdb (current, stale, rewritten within the racy window, corrupt,
 * unsafe) and the process-wide cache (rewrite, chmod between loads).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cdb.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "at.h"
#include "at_internal.h"
#include "test_common.h"
#include "unit_test.h"

struct fixture {
	struct at_config cfg;
	struct at_verifier *v;
	struct unit_log ulog;
	char *dir;
	char *map;	/* dir/map */
	char *cdb;	/* dir/map.cdb */
};

#define SECRET "unit-secret-0123456789-abcdefghijklmnop"

/* The racy rule's clock, when a test moves it. */
static struct timespec fake_now;

static struct timespec
fake_clock(void)
{
	return fake_now;
}

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
	f->dir = test_mkdtemp();
	f->map = test_path(f->dir, "map");
	f->cdb = test_path(f->dir, "map.cdb");
	at_user_map_cache_clear();
	at_user_map_set_clock(NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	at_verifier_free(f->v);
	at_config_clear(&f->cfg);
	at_user_map_cache_clear();
	at_user_map_set_clock(NULL);
	test_rmdir(f->dir);
	free(f->dir);
	free(f->map);
	free(f->cdb);
	free(f);
	return 0;
}

static void
write_map(struct fixture *f, const char *content)
{
	assert_int_equal(test_write_file(f->map, content, 0644), 0);
}

/* A fresh verifier with its own log, the map of f loaded into it. */
static enum at_err
reload(struct fixture *f)
{
	at_verifier_free(f->v);
	f->v = NULL;
	unit_log_init(&f->ulog);
	assert_at(at_verifier_new(&f->v, &f->cfg, &f->ulog.log), AT_OK);
	return at_verifier_load_user_map(f->v, f->map, getuid());
}

/* The form a load without the cache uses; AT_OK asserted. */
static enum at_map_form
form_of(struct fixture *f)
{
	struct at_user_map *m = NULL;
	enum at_map_form form = AT_MAP_TEXT;

	assert_at(at_user_map_load(f->map, getuid(), &f->ulog.log,
				   AT_MAP_LOAD_NOCACHE, &m, &form),
		  AT_OK);
	at_user_map_unref(m);
	return form;
}

static const char *
mapped(struct fixture *f, const char *id)
{
	static char user[AT_MAX_SUB + 1];
	enum at_err r = at_verifier_map_find(f->v, id, user, sizeof(user));

	assert_true(r == AT_OK || r == AT_ERR_NOT_MAPPED);
	return r == AT_OK ? user : NULL;
}

static const char *
next_id(struct fixture *f, const char *user, size_t *pos)
{
	const char *id = (const char *)1;

	assert_at(at_verifier_map_next_id(f->v, user, pos, &id), AT_OK);
	return id;
}

static void
compile(struct fixture *f, size_t expect)
{
	size_t n = 0;

	assert_at(at_user_map_compile(f->map, getuid(), &f->ulog.log, &n),
		  AT_OK);
	assert_int_equal(n, expect);
}

/* ------------------------------------------------------------------ */
/* the parsed map */

static void
test_duplicate_names_both_lines(void **state)
{
	struct fixture *f = *state;

	write_map(f, "a alice\nb bob\n\n# c carol\na mallory\n");
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf,
			       ":5: duplicate external id (first on line 1)"));
	/* Case and white space make other ids, not duplicates. */
	write_map(f, "a alice\nA bob\n\ta\tcarol\n");
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, ":3: duplicate external id "
					    "(first on line 1)"));
	write_map(f, "a alice\nA bob\n");
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "A"), "bob");
}

static void
test_bad_lines_named(void **state)
{
	struct fixture *f = *state;

	write_map(f, "a alice\nb\n");
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, ":2: expected EXTERNAL_ID "
					    "LOCAL_USER"));
	write_map(f, "a alice\n\nb bob\x01\n");
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, ":3: a field is empty"));
}

/* keep_going reports and counts every bad line, and keeps the good. */
static void
test_parse_keep_going(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "a x\nb\na y\nc z\nc w\n";
	struct at_user_map *m = NULL;
	unsigned int bad = 0;

	assert_at(at_user_map_new(&m), AT_OK);
	assert_at(at_user_map_parse(m, text, strlen(text), "t", &f->ulog.log,
				    true, &bad),
		  AT_ERR_FILE);
	assert_int_equal(bad, 3);
	assert_int_equal(at_user_map_count(m), 2);
	at_user_map_unref(m);
}

static void
test_lookups_both_ways(void **state)
{
	struct fixture *f = *state;
	size_t pos = 0;

	write_map(f, "agent-7 alice\nagent-8 bob\nagent-9 alice\n"
		     "agent-10 Alice\nagent-11 alicex\n");
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "alice");
	assert_string_equal(mapped(f, "agent-10"), "Alice");
	assert_null(mapped(f, "agent-1"));
	assert_null(mapped(f, "agent-70"));
	assert_string_equal(next_id(f, "alice", &pos), "agent-7");
	assert_string_equal(next_id(f, "alice", &pos), "agent-9");
	assert_null(next_id(f, "alice", &pos));
	assert_null(next_id(f, "alice", &pos));
	pos = 0;
	assert_string_equal(next_id(f, "Alice", &pos), "agent-10");
	assert_null(next_id(f, "Alice", &pos));
	pos = 0;
	assert_null(next_id(f, "alic", &pos));
	/* A position handed out for another user is refused. */
	pos = 0;
	assert_non_null(next_id(f, "bob", &pos));
	pos = 1;
	{
		const char *id;

		assert_at(at_verifier_map_next_id(f->v, "bob", &pos, &id),
			  AT_ERR_INTERNAL);
	}
}

/* Each map hashes with its own seed; within one map the hash is a
 * function. */
static void
test_hash_seed(void **state)
{
	struct at_user_map *a = NULL, *b = NULL;

	(void)state;
	assert_at(at_user_map_new(&a), AT_OK);
	assert_at(at_user_map_new(&b), AT_OK);
	assert_true(at_user_map_hash(a, "agent-7", 7) ==
		    at_user_map_hash(a, "agent-7", 7));
	assert_true(at_user_map_hash(a, "agent-7", 7) !=
		    at_user_map_hash(b, "agent-7", 7));
	assert_true(at_user_map_hash(a, "agent-7", 7) !=
		    at_user_map_hash(a, "agent-8", 7));
	/* The length is hashed: a prefix is another key. */
	assert_true(at_user_map_hash(a, "agent-7", 6) !=
		    at_user_map_hash(a, "agent-7", 7));
	at_user_map_unref(a);
	at_user_map_unref(b);
}

/* Many ids that share their first bytes still resolve (probing). */
static void
test_many_entries_add(void **state)
{
	struct at_user_map *m = NULL;
	char id[32], user[32], got[AT_MAX_SUB + 1];
	unsigned int first;
	bool dup;
	unsigned int i;

	(void)state;
	assert_at(at_user_map_new(&m), AT_OK);
	for (i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "id-%u", i);
		snprintf(user, sizeof(user), "u%u", i % 7);
		assert_at(at_user_map_add(m, id, strlen(id), user, strlen(user),
					  i + 1, &first, &dup),
			  AT_OK);
		assert_int_equal(first, i < 7 ? 0 : (i % 7) + 1);
	}
	assert_at(at_user_map_add(m, "id-19999", 8, "x", 1, 1, &first, &dup),
		  AT_ERR_FILE);
	assert_true(dup);
	assert_int_equal(first, 20000);
	for (i = 0; i < 20000; i += 997) {
		snprintf(id, sizeof(id), "id-%u", i);
		assert_at(at_user_map_find(m, id, got, sizeof(got)), AT_OK);
		snprintf(user, sizeof(user), "u%u", i % 7);
		assert_string_equal(got, user);
	}
	assert_at(at_user_map_find(m, "id-20000", got, sizeof(got)),
		  AT_ERR_NOT_MAPPED);
	at_user_map_unref(m);
}

/* 1M entries, past the old 64 KiB cap: loads (no timing asserted), both
 * lookups work, and compiled too. */
static void
test_million_entries(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->map, "w");
	unsigned int i;
	size_t pos = 0;

	assert_non_null(fp);
	for (i = 0; i < 1000000; i++)
		fprintf(fp, "agent-%07u user%u\n", i, i % 50000);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f->map, 0644), 0);
	assert_at(reload(f), AT_OK);
	assert_int_equal(at_user_map_count(f->v->map), 1000000);
	assert_string_equal(mapped(f, "agent-0999999"), "user49999");
	assert_string_equal(mapped(f, "agent-0000000"), "user0");
	assert_null(mapped(f, "agent-1000000"));
	assert_string_equal(next_id(f, "user3", &pos), "agent-0000003");
	assert_string_equal(next_id(f, "user3", &pos), "agent-0050003");
	compile(f, 1000000);
	assert_at(reload(f), AT_OK);
	assert_true(at_user_map_compiled(f->v->map));
	assert_string_equal(mapped(f, "agent-0999999"), "user49999");
	pos = 0;
	assert_string_equal(next_id(f, "user3", &pos), "agent-0000003");
	assert_string_equal(next_id(f, "user3", &pos), "agent-0050003");
}

/* The documented maximum: a larger file is refused before it is read. */
static void
test_over_maximum(void **state)
{
	struct fixture *f = *state;
	int fd;

	write_map(f, "a b\n");
	fd = open(f->map, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)AT_MAP_MAX_FILE + 1), 0);
	close(fd);
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "larger than 268435456 bytes"));
	fd = open(f->map, O_WRONLY | O_CLOEXEC);
	assert_int_equal(ftruncate(fd, (off_t)AT_MAP_MAX_FILE), 0);
	close(fd);
	/* At the maximum the size passes; the NULs then fail the line. */
	assert_at(reload(f), AT_ERR_FILE);
	assert_null(strstr(f->ulog.buf, "larger than"));
}

/* at_verifier_add_mapping() after a load joins that map (a copy: the
 * cached one is shared), and a load after adds joins them. */
static void
test_add_and_load_join(void **state)
{
	struct fixture *f = *state;

	write_map(f, "a alice\n");
	assert_at(reload(f), AT_OK);
	assert_at(at_verifier_add_mapping(f->v, "b", "bob"), AT_OK);
	assert_at(at_verifier_add_mapping(f->v, "a", "bob"), AT_ERR_FILE);
	assert_string_equal(mapped(f, "a"), "alice");
	assert_string_equal(mapped(f, "b"), "bob");
	/* The cached map did not change. */
	assert_at(reload(f), AT_OK);
	assert_null(mapped(f, "b"));
	at_verifier_free(f->v);
	assert_at(at_verifier_new(&f->v, &f->cfg, &f->ulog.log), AT_OK);
	assert_at(at_verifier_add_mapping(f->v, "c", "carol"), AT_OK);
	assert_at(at_verifier_load_user_map(f->v, f->map, getuid()), AT_OK);
	assert_string_equal(mapped(f, "a"), "alice");
	assert_string_equal(mapped(f, "c"), "carol");
	assert_at(at_verifier_add_mapping(f->v, "a", "x"), AT_ERR_FILE);
}

/* ------------------------------------------------------------------ */
/* the compiled index */

static void
test_cdb_current(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	size_t pos = 0;

	write_map(f, "agent-7 alice\nagent-8 bob\nagent-9 alice\n");
	assert_int_equal(form_of(f), AT_MAP_TEXT);
	compile(f, 3);
	assert_int_equal(stat(f->cdb, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(form_of(f), AT_MAP_COMPILED);
	assert_at(reload(f), AT_OK);
	assert_true(at_user_map_compiled(f->v->map));
	assert_true(f->v->has_map);
	assert_string_equal(mapped(f, "agent-8"), "bob");
	assert_null(mapped(f, "agent-6"));
	assert_null(mapped(f, "agent 8"));
	assert_string_equal(next_id(f, "alice", &pos), "agent-7");
	assert_string_equal(next_id(f, "alice", &pos), "agent-9");
	assert_null(next_id(f, "alice", &pos));
	pos = 0;
	assert_null(next_id(f, "carol", &pos));
	/* A compiled map is not added to. */
	assert_at(at_verifier_add_mapping(f->v, "x", "y"), AT_ERR_INTERNAL);
	/* An empty map compiles and is still a map in force. */
	write_map(f, "# nobody yet\n");
	compile(f, 0);
	assert_at(reload(f), AT_OK);
	assert_true(f->v->has_map);
	assert_null(mapped(f, "agent-8"));
}

static void
test_cdb_stale(void **state)
{
	struct fixture *f = *state;

	write_map(f, "agent-7 alice\n");
	compile(f, 1);
	write_map(f, "agent-7 bob\n");
	assert_int_equal(form_of(f), AT_MAP_STALE);
	assert_at(reload(f), AT_OK);
	assert_false(at_user_map_compiled(f->v->map));
	assert_string_equal(mapped(f, "agent-7"), "bob");
	assert_non_null(strstr(f->ulog.buf, "built from other text"));
	/* The same bytes written again (new ctime, new mtime): the digest
	 * still matches. */
	write_map(f, "agent-7 alice\n");
	assert_int_equal(form_of(f), AT_MAP_COMPILED);
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "alice");
	/* A map whose text goes away is an error, MAP.cdb or not. */
	assert_int_equal(unlink(f->map), 0);
	assert_at(reload(f), AT_ERR_FILE);
}

/* The meta record of a MAP.cdb compiled from the current text with the
 * given compile time, and the text's identity as it is now. */
static void
craft(struct fixture *f, const char *as_if_text, int64_t compiled_sec,
      int64_t compiled_nsec)
{
	struct at_user_map *m = NULL;
	struct at_map_meta meta;
	struct stat st;
	unsigned int bad;
	unsigned int n;

	memset(&meta, 0, sizeof(meta));
	assert_int_equal(stat(f->map, &st), 0);
	at_file_ident_of(&meta.text, &st);
	assert_int_equal(EVP_Digest(as_if_text, strlen(as_if_text),
				    meta.digest, &n, EVP_sha256(), NULL),
			 1);
	meta.compiled_sec = compiled_sec;
	meta.compiled_nsec = compiled_nsec;
	assert_at(at_user_map_new(&m), AT_OK);
	assert_at(at_user_map_parse(m, as_if_text, strlen(as_if_text), "x",
				    NULL, false, &bad),
		  AT_OK);
	meta.entries = at_user_map_count(m);
	assert_at(at_user_map_write_cdb(f->cdb, 0644, m, &meta, NULL), AT_OK);
	at_user_map_unref(m);
}

/*
 * A rewrite of the same size within the same timestamp tick right after
 * compiling keeps the text's identity.  Here the index records the new
 * text's identity but the old text's digest, as such a rewrite would
 * leave it: with the compile time within AT_MAP_RACY_SECONDS of the ctime
 * the identity is not trusted and the digest sees the change; once the
 * ctime is settled, identity alone decides (which is why the rule waits).
 */
static void
test_cdb_rewritten_same_size_same_second(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	write_map(f, "agent-7 bob\n");
	assert_int_equal(stat(f->map, &st), 0);
	/* Compiled in the same second as the ctime. */
	craft(f, "agent-7 eve\n", (int64_t)st.st_ctim.tv_sec,
	      (int64_t)st.st_ctim.tv_nsec);
	assert_int_equal(form_of(f), AT_MAP_STALE);
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "bob");
	/* One second after: still inside the window. */
	craft(f, "agent-7 eve\n", (int64_t)st.st_ctim.tv_sec + 1,
	      (int64_t)st.st_ctim.tv_nsec);
	assert_int_equal(form_of(f), AT_MAP_STALE);
	/* Exactly AT_MAP_RACY_SECONDS after: settled, identity trusted. */
	craft(f, "agent-7 eve\n",
	      (int64_t)st.st_ctim.tv_sec + AT_MAP_RACY_SECONDS,
	      (int64_t)st.st_ctim.tv_nsec);
	assert_int_equal(form_of(f), AT_MAP_COMPILED);
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "eve");
}

static void
test_cdb_corrupt(void **state)
{
	struct fixture *f = *state;
	char buf[4096];
	int fd;

	write_map(f, "agent-7 alice\n");
	compile(f, 1);
	/* Truncated: fails closed, never the text behind it. */
	assert_int_equal(truncate(f->cdb, 1000), 0);
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "corrupt"));
	/* Not a cdb at all. */
	memset(buf, 0xa5, sizeof(buf));
	fd = open(f->cdb, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	assert_at(reload(f), AT_ERR_FILE);
	/* Empty. */
	assert_int_equal(truncate(f->cdb, 0), 0);
	assert_at(reload(f), AT_ERR_FILE);
}

/* A cdb with the given records ("key", "value" pairs) and a meta record
 * for the current text (settled), so that the records are what a lookup
 * reads. */
static void
craft_records(struct fixture *f, const char *const *kv, size_t n)
{
	struct at_map_meta meta;
	unsigned char rec[AT_MAP_META_LEN];
	struct cdb_make mk;
	struct stat st;
	size_t i;
	int fd;

	memset(&meta, 0, sizeof(meta));
	assert_int_equal(stat(f->map, &st), 0);
	at_file_ident_of(&meta.text, &st);
	meta.compiled_sec = (int64_t)st.st_ctim.tv_sec + 100;
	meta.entries = 1;
	at_map_meta_encode(&meta, rec);
	fd = open(f->cdb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(cdb_make_start(&mk, fd), 0);
	assert_int_equal(cdb_make_add(&mk, "m", 1, rec, sizeof(rec)), 0);
	/* A "u" value gets its final NUL; "v" is a "u" key without it. */
	for (i = 0; i + 1 < n; i += 2) {
		char key[64];

		snprintf(key, sizeof(key), "%s", kv[i]);
		if (key[0] == 'v')
			key[0] = 'u';
		assert_int_equal(cdb_make_add(&mk, key,
					      (unsigned int)strlen(key),
					      kv[i + 1],
					      (unsigned int)strlen(kv[i + 1]) +
						      (kv[i][0] == 'u')),
				 0);
	}
	assert_int_equal(cdb_make_finish(&mk), 0);
	close(fd);
}

/* Every record is input: a value the text parser would refuse is a
 * corrupt index, and the two directions must agree. */
static void
test_cdb_bad_records(void **state)
{
	struct fixture *f = *state;
	static const char *const kv[] = {
		"ia", "alice",	  "ib", "bob by",  "ic", "c\x01",
		"id", "",	  "ua", "a",	   "ue", "#e",
		"uf", "b",	  "ub", "b",	   "vg", "x",
		"uh", "",
	};
	char user[AT_MAX_SUB + 1];
	const char *id;
	size_t pos;

	write_map(f, "a alice\n");
	craft_records(f, kv, sizeof(kv) / sizeof(kv[0]));
	assert_at(reload(f), AT_OK);
	assert_true(at_user_map_compiled(f->v->map));
	assert_at(at_verifier_map_find(f->v, "a", user, sizeof(user)), AT_OK);
	assert_string_equal(user, "alice");
	assert_at(at_verifier_map_find(f->v, "b", user, sizeof(user)),
		  AT_ERR_FILE);
	assert_at(at_verifier_map_find(f->v, "c", user, sizeof(user)),
		  AT_ERR_FILE);
	assert_at(at_verifier_map_find(f->v, "d", user, sizeof(user)),
		  AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "corrupt record"));
	/* "a" lists id "a", which maps to alice, not to "a": listed, but an
	 * HMAC credential of id "a" does not open "a". */
	pos = 0;
	assert_at(at_verifier_map_next_id(f->v, "a", &pos, &id), AT_OK);
	assert_string_equal(id, "a");
	{
		struct at_claims c;
		char *hex = test_hmac_hex(SECRET, strlen(SECRET), "a");

		at_claims_init(&c);
		assert_at(at_verifier_add_secret(f->v, SECRET, strlen(SECRET)),
			  AT_OK);
		assert_at(at_verify_credential(f->v, hex, strlen(hex), "a", &c),
			  AT_ERR_FILE);
		assert_non_null(
			strstr(f->ulog.buf, "the two indexes disagree"));
		at_claims_clear(&c);
		free(hex);
	}
	/* An id starting with '#' (a comment in the text). */
	pos = 0;
	assert_at(at_verifier_map_next_id(f->v, "e", &pos, &id), AT_ERR_FILE);
	/* A list that does not end with a NUL, an empty id. */
	pos = 0;
	assert_at(at_verifier_map_next_id(f->v, "g", &pos, &id), AT_ERR_FILE);
	pos = 0;
	assert_at(at_verifier_map_next_id(f->v, "h", &pos, &id), AT_ERR_FILE);
}

static void
test_cdb_unsafe(void **state)
{
	struct fixture *f = *state;

	write_map(f, "agent-7 alice\n");
	compile(f, 1);
	assert_int_equal(chmod(f->cdb, 0666), 0);
	assert_at(reload(f), AT_ERR_FILE);
	assert_non_null(strstr(f->ulog.buf, "group or world writable"));
	assert_int_equal(chmod(f->cdb, 0620), 0);
	assert_at(reload(f), AT_ERR_FILE);
	assert_int_equal(chmod(f->cdb, 0600), 0);
	assert_at(reload(f), AT_OK);
	assert_true(at_user_map_compiled(f->v->map));
	/* A symbolic link named MAP.cdb is refused (O_NOFOLLOW). */
	assert_int_equal(rename(f->cdb, f->map), 0);
	write_map(f, "agent-7 alice\n");
	compile(f, 1);
	{
		char *other = test_path(f->dir, "other.cdb");

		assert_int_equal(rename(f->cdb, other), 0);
		assert_int_equal(symlink(other, f->cdb), 0);
		assert_at(reload(f), AT_ERR_FILE);
		assert_non_null(strstr(f->ulog.buf, "symbolic link"));
		free(other);
	}
	/* A directory named MAP.cdb. */
	assert_int_equal(unlink(f->cdb), 0);
	assert_int_equal(mkdir(f->cdb, 0755), 0);
	assert_at(reload(f), AT_ERR_FILE);
	assert_int_equal(rmdir(f->cdb), 0);
	/* Another owner (root runs the tests as someone else's file). */
	if (getuid() == 0) {
		compile(f, 1);
		assert_int_equal(chown(f->cdb, 4242, 4242), 0);
		assert_at(reload(f), AT_ERR_FILE);
		assert_non_null(strstr(f->ulog.buf, "owned by uid 4242"));
	}
}

/* ------------------------------------------------------------------ */
/* the process cache */

static void
test_cache_rewrite_and_chmod(void **state)
{
	struct fixture *f = *state;

	write_map(f, "agent-7 alice\n");
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "from the text"));
	/* Fresh ctime: the digest decides. */
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "cached (same bytes)"));
	write_map(f, "agent-7 bob\n");
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "bob");
	/* The checks run on every load, cached or not. */
	assert_int_equal(chmod(f->map, 0666), 0);
	assert_at(reload(f), AT_ERR_FILE);
	assert_int_equal(chmod(f->map, 0644), 0);
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "bob");
	/* Truncated: an empty map, in force. */
	assert_int_equal(truncate(f->map, 0), 0);
	assert_at(reload(f), AT_OK);
	assert_null(mapped(f, "agent-7"));
	assert_true(f->v->has_map);
}

/* Once the text is settled when read, identity alone reuses it; any
 * change of the identity is read again. */
static void
test_cache_settled_identity(void **state)
{
	struct fixture *f = *state;
	struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	write_map(f, "agent-7 alice\n");
	fake_now.tv_sec = time(NULL) + 3600;
	at_user_map_set_clock(fake_clock);
	assert_at(reload(f), AT_OK);
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "cached (same file)"));
	/* Same size, mtime put back: the ctime still moves.  Read now,
	 * inside the window of its new ctime. */
	fake_now.tv_sec = time(NULL);
	write_map(f, "agent-7 carol\n");
	assert_int_equal(utimensat(AT_FDCWD, f->map, times, 0), 0);
	assert_at(reload(f), AT_OK);
	assert_string_equal(mapped(f, "agent-7"), "carol");
	assert_non_null(strstr(f->ulog.buf, "from the text"));
	/* Read inside the window: identity is not enough, the digest is
	 * taken again. */
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "cached (same bytes)"));
	/* Read again once settled: from then on identity alone. */
	fake_now.tv_sec = time(NULL) + 3600;
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "cached (same bytes)"));
	assert_at(reload(f), AT_OK);
	assert_non_null(strstr(f->ulog.buf, "cached (same file)"));
	assert_string_equal(mapped(f, "agent-7"), "carol");
}

/* A thread that loads the map through the cache until told to stop. */
struct spin {
	const char *path;
	atomic_bool stop;
};

static void *
spin_loads(void *arg)
{
	struct spin *s = arg;
	struct at_user_map *m;
	enum at_map_form form;

	while (!atomic_load(&s->stop)) {
		m = NULL;
		if (at_user_map_load(s->path, getuid(), NULL, 0, &m, &form) ==
		    AT_OK)
			at_user_map_unref(m);
	}
	return NULL;
}

/*
 * A threaded server that forks while another thread holds the map
 * cache's lock: the child's first load must not wait forever for a lock
 * no thread of it will ever release.  Each child gets 5 s (SIGALRM).
 */
static void
test_cache_fork_while_locked(void **state)
{
	struct fixture *f = *state;
	struct spin s = { .path = f->map };
	struct at_user_map *m;
	enum at_map_form form;
	pthread_t t;
	pid_t pid;
	int i, status, hung = 0;

	/* Each child exits with the spinning thread's load in flight, whose
	 * allocations valgrind's leak check (which runs in every forked
	 * child) reports; the plain and sanitizer builds run it. */
	if (getenv("AT_TEST_UNDER_VALGRIND") != NULL)
		skip();
	write_map(f, "agent-7 alice\n");
	atomic_init(&s.stop, false);
	assert_int_equal(pthread_create(&t, NULL, spin_loads, &s), 0);
	for (i = 0; i < 300 && hung == 0; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(5);
			m = NULL;
			if (at_user_map_load(f->map, getuid(), NULL, 0, &m,
					     &form) != AT_OK)
				_exit(1);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hung++;
		else
			assert_true(WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0);
	}
	atomic_store(&s.stop, true);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(hung, 0);
}

static void
test_meta_decode(void **state)
{
	struct at_map_meta meta, back;
	unsigned char rec[AT_MAP_META_LEN];

	(void)state;
	memset(&meta, 0, sizeof(meta));
	meta.text.size = 10;
	meta.text.ctime_nsec = 5;
	meta.compiled_sec = -1;
	meta.entries = 3;
	at_map_meta_encode(&meta, rec);
	assert_at(at_map_meta_decode(rec, sizeof(rec), &back), AT_OK);
	assert_memory_equal(&meta, &back, sizeof(meta));
	assert_at(at_map_meta_decode(rec, sizeof(rec) - 1, &back),
		  AT_ERR_FILE);
	rec[0] ^= 1;
	assert_at(at_map_meta_decode(rec, sizeof(rec), &back), AT_ERR_FILE);
	rec[0] ^= 1;
	meta.entries = AT_MAP_MAX_ENTRIES + 1;
	at_map_meta_encode(&meta, rec);
	assert_at(at_map_meta_decode(rec, sizeof(rec), &back), AT_ERR_FILE);
	meta.entries = 1;
	meta.text.ctime_nsec = 1000000000;
	at_map_meta_encode(&meta, rec);
	assert_at(at_map_meta_decode(rec, sizeof(rec), &back), AT_ERR_FILE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_duplicate_names_both_lines),
		T(test_bad_lines_named),
		T(test_parse_keep_going),
		T(test_lookups_both_ways),
		T(test_hash_seed),
		T(test_many_entries_add),
		T(test_million_entries),
		T(test_over_maximum),
		T(test_add_and_load_join),
		T(test_cdb_current),
		T(test_cdb_stale),
		T(test_cdb_rewritten_same_size_same_second),
		T(test_cdb_corrupt),
		T(test_cdb_bad_records),
		T(test_cdb_unsafe),
		T(test_cache_rewrite_and_chmod),
		T(test_cache_settled_identity),
		T(test_cache_fork_while_locked),
		T(test_meta_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
