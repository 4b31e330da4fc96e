/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store_sqlite.c - store=sqlite:PATH, the state store of one host
 * (at_store.h): a SQLite file in WAL mode, no server.
 *
 * Every authentication is one BEGIN IMMEDIATE transaction: the write lock
 * is taken first, so two processes presenting the same token serialize
 * on it and exactly one INSERT of the use key succeeds.  A process that
 * cannot get the lock within store_timeout_ms (the busy timeout) is
 * answered store_unavailable, never "not revoked".
 *
 * Values reach SQL only as bound parameters; no statement is ever built
 * from data.  The file is opened the way at_file_read() opens a secret
 * (directories walked with openat, O_NOFOLLOW, fstat the handle) before
 * SQLite opens the same path, and the two are compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <pthread.h>
#include <sqlite3.h>

#include "at_store.h"

/*
 * libsqlite3, loaded when the first sqlite store is opened (at_store.h,
 * struct at_store_lib).  Every function this file calls, and only
 * through this table.
 */
static struct {
	AT_STORE_FN(sqlite3_bind_int);
	AT_STORE_FN(sqlite3_bind_int64);
	AT_STORE_FN(sqlite3_bind_null);
	AT_STORE_FN(sqlite3_bind_text);
	AT_STORE_FN(sqlite3_busy_timeout);
	AT_STORE_FN(sqlite3_changes);
	AT_STORE_FN(sqlite3_clear_bindings);
	AT_STORE_FN(sqlite3_close_v2);
	AT_STORE_FN(sqlite3_column_bytes);
	AT_STORE_FN(sqlite3_column_int64);
	AT_STORE_FN(sqlite3_column_text);
	AT_STORE_FN(sqlite3_column_type);
	AT_STORE_FN(sqlite3_db_config);
	AT_STORE_FN(sqlite3_errcode);
	AT_STORE_FN(sqlite3_errmsg);
	AT_STORE_FN(sqlite3_errstr);
	AT_STORE_FN(sqlite3_exec);
	AT_STORE_FN(sqlite3_extended_result_codes);
	AT_STORE_FN(sqlite3_finalize);
	AT_STORE_FN(sqlite3_get_autocommit);
	AT_STORE_FN(sqlite3_open_v2);
	AT_STORE_FN(sqlite3_prepare_v2);
	AT_STORE_FN(sqlite3_prepare_v3);
	AT_STORE_FN(sqlite3_reset);
	AT_STORE_FN(sqlite3_sleep);
	AT_STORE_FN(sqlite3_step);
} sq;

/* clang-format off */
#define SYM(f) { #f, &sq.f }
/* clang-format on */
static const struct at_store_sym sq_syms[] = {
	SYM(sqlite3_bind_int),	     SYM(sqlite3_bind_int64),
	SYM(sqlite3_bind_null),	     SYM(sqlite3_bind_text),
	SYM(sqlite3_busy_timeout),   SYM(sqlite3_changes),
	SYM(sqlite3_clear_bindings), SYM(sqlite3_close_v2),
	SYM(sqlite3_column_bytes),   SYM(sqlite3_column_int64),
	SYM(sqlite3_column_text),    SYM(sqlite3_column_type),
	SYM(sqlite3_db_config),	     SYM(sqlite3_errcode),
	SYM(sqlite3_errmsg),	     SYM(sqlite3_errstr),
	SYM(sqlite3_exec),	     SYM(sqlite3_extended_result_codes),
	SYM(sqlite3_finalize),	     SYM(sqlite3_get_autocommit),
	SYM(sqlite3_open_v2),	     SYM(sqlite3_prepare_v2),
	SYM(sqlite3_prepare_v3),     SYM(sqlite3_reset),
	SYM(sqlite3_sleep),	     SYM(sqlite3_step),
};
#undef SYM

static struct at_store_lib sq_lib = {
	.kind = AT_STORE_SQLITE,
	.soname = AT_SQLITE_SONAME,
	.syms = sq_syms,
	.nsyms = sizeof(sq_syms) / sizeof(sq_syms[0]),
};
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

static void
sq_load(void)
{
	at_store_lib_load(&sq_lib);
}

/*
 * The schema, PRAGMA user_version 1.  WITHOUT ROWID: each table is looked
 * up by its text key only, so the key is the b-tree's key and no second
 * index is kept.  The partial index on used_tokens.until makes the prune
 * of expired keys a range scan instead of a scan of the table.
 *   used_tokens     a single-use key consumed, kept until `until`
 *                   (0: forever)
 *   revoked_ids     an external id; cutoff 0 refuses everything, T > 0
 *                   refuses what was issued before T ("before" is an
 *                   SQL keyword, hence cutoff)
 *   revoked_tokens  a token's fingerprint, refused until `expires`
 *                   (0: forever); sub is the token's id, for the list
 */
#define SCHEMA_VERSION 1
static const char schema_sql[] =
	"CREATE TABLE used_tokens ("
	" use_key TEXT PRIMARY KEY NOT NULL,"
	" until INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX used_tokens_until ON used_tokens(until)"
	" WHERE until <> 0;"
	"CREATE TABLE revoked_ids ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" cutoff INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" reason TEXT"
	") WITHOUT ROWID;"
	"CREATE TABLE revoked_tokens ("
	" fp TEXT PRIMARY KEY NOT NULL,"
	" expires INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" reason TEXT,"
	" sub TEXT"
	") WITHOUT ROWID;"
	"CREATE INDEX revoked_tokens_expires ON revoked_tokens(expires)"
	" WHERE expires <> 0;"
	"PRAGMA user_version = 1;";

/* The statements, prepared once at open. */
enum stmt_id {
	ST_BEGIN_IMMEDIATE,
	ST_BEGIN,
	ST_COMMIT,
	ST_PRUNE_USED,
	ST_PRUNE_TOKENS,
	ST_GET_ID,
	ST_GET_TOKEN,
	ST_CONSUME,
	ST_REVOKE_ID,
	ST_REVOKE_TOKEN,
	ST_UNREVOKE_ID,
	ST_UNREVOKE_TOKEN,
	ST_LIST_IDS,
	ST_LIST_TOKENS,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[ST_BEGIN] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	/* "until < now": a key stays while now <= until, the last second
	 * at which any host's leeway still accepts the token. */
	[ST_PRUNE_USED] = "DELETE FROM used_tokens WHERE use_key IN"
			  " (SELECT use_key FROM used_tokens"
			  " WHERE until <> 0 AND until < ?1 LIMIT ?2)",
	[ST_PRUNE_TOKENS] = "DELETE FROM revoked_tokens WHERE fp IN"
			    " (SELECT fp FROM revoked_tokens"
			    " WHERE expires <> 0 AND expires < ?1 LIMIT ?2)",
	[ST_GET_ID] = "SELECT cutoff FROM revoked_ids WHERE id = ?1",
	[ST_GET_TOKEN] = "SELECT 1 FROM revoked_tokens WHERE fp = ?1"
			 " AND (expires = 0 OR expires >= ?2)",
	/* A row left by a key whose time is over (not yet pruned) is
	 * taken over; a live one is not: sqlite3_changes() is then 0. */
	[ST_CONSUME] = "INSERT INTO used_tokens (use_key, until)"
		       " VALUES (?1, ?2) ON CONFLICT (use_key) DO UPDATE"
		       " SET until = excluded.until"
		       " WHERE used_tokens.until <> 0"
		       " AND used_tokens.until < ?3",
	[ST_REVOKE_ID] = "INSERT OR REPLACE INTO revoked_ids"
			 " (id, cutoff, created, reason)"
			 " VALUES (?1, ?2, ?3, ?4)",
	[ST_REVOKE_TOKEN] = "INSERT OR REPLACE INTO revoked_tokens"
			    " (fp, expires, created, reason, sub)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_UNREVOKE_ID] = "DELETE FROM revoked_ids WHERE id = ?1",
	[ST_UNREVOKE_TOKEN] = "DELETE FROM revoked_tokens WHERE fp = ?1",
	[ST_LIST_IDS] = "SELECT id, cutoff, created, reason"
			" FROM revoked_ids ORDER BY id",
	[ST_LIST_TOKENS] = "SELECT fp, expires, created, reason, sub"
			   " FROM revoked_tokens"
			   " WHERE expires = 0 OR expires >= ?1 ORDER BY fp",
};

struct sqlite_be {
	sqlite3 *db;
	char *path; /* owned */
	sqlite3_stmt *st[ST_COUNT];
};

/* ------------------------------------------------------------------ */
/* Errors */

/*
 * What an SQLite result code means to the caller: the lock not granted
 * within the busy timeout is the store being unavailable (store_
 * unavailable=allow may let that through); memory is memory; anything
 * else (corrupt, not a database, read-only, full, I/O, cannot open,
 * permission, a schema that is not ours) is the store answering with an
 * error, always refused.
 */
static enum at_err
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return AT_ERR_STORE_UNAVAILABLE;
	case SQLITE_NOMEM:
		return AT_ERR_NOMEM;
	default:
		return AT_ERR_STORE;
	}
}

/* One LOG_ERR line: the path, what was being done and SQLite's message
 * (escaped: it may quote bytes of the file). */
static void
log_msg(const struct at_store *s, const char *path, const char *what,
	const char *msg)
{
	char pbuf[AT_LOG_VALUE_SIZE], mbuf[AT_LOG_VALUE_SIZE];

	at_log(s->log, LOG_ERR, "store: sqlite %s: %s: %s",
	       at_log_value(pbuf, sizeof(pbuf), path), what,
	       at_log_value(mbuf, sizeof(mbuf), msg));
}

/* Log rc (the connection's message when it is about rc) and map it.
 * Call it right after the failing call, before anything else touches
 * the connection. */
static enum at_err
fail(const struct at_store *s, sqlite3 *db, const char *path, const char *what,
     int rc)
{
	const char *msg = sq.sqlite3_errstr(rc);

	if (db != NULL && sq.sqlite3_errcode(db) == rc)
		msg = sq.sqlite3_errmsg(db);
	log_msg(s, path, what, msg);
	return map_rc(rc);
}

/* Leave no transaction open and no statement running, whatever failed.
 * SQLite rolls some failures back by itself (SQLITE_FULL, IOERR, BUSY,
 * NOMEM); get_autocommit says whether a transaction is still open. */
static void
end_failed(struct sqlite_be *be)
{
	size_t i;

	for (i = 0; i < ST_COUNT; i++) {
		if (be->st[i] != NULL) {
			sq.sqlite3_reset(be->st[i]);
			sq.sqlite3_clear_bindings(be->st[i]);
		}
	}
	if (!sq.sqlite3_get_autocommit(be->db))
		(void)sq.sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Run a statement that returns no row (or whose rows are not wanted
 * past the first); reset it.  SQLITE_DONE or SQLITE_ROW become
 * SQLITE_OK. */
static int
step_done(sqlite3_stmt *st)
{
	int rc = sq.sqlite3_step(st);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK)
		return rc; /* the caller logs, then resets */
	sq.sqlite3_reset(st);
	return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Opening */

/*
 * Open (creating when missing, mode 0600 before the umask) the file at
 * path the way at_file_read() opens a secret: every directory walked from
 * "/" with openat (at_path_open_dir()), the file itself with O_NOFOLLOW,
 * then fstat on the handle: a regular file owned by root or owner_uid,
 * not group or other writable (a POSIX ACL's named entries are capped by
 * its mask, which the group bits show), one link (another name could
 * reach the file through a directory we did not check).  On AT_OK *fd is
 * the open file and *st its stat.
 */
static enum at_err
open_file(const struct at_store *s, const char *path, uid_t owner_uid, int *fd,
	  struct stat *st)
{
	enum at_err r = AT_ERR_STORE;
	const char *name;
	bool sticky;
	int dirfd = -1;

	*fd = -1;
	if (at_path_open_dir(path, "store database", owner_uid, false, s->log,
			     &dirfd, &name, &sticky) != AT_OK)
		goto out; /* logged: the directory and why */
	/* SQLite opens PATH-wal, PATH-shm and PATH-journal by name, without
	 * these checks: in a sticky directory (/tmp) anyone may create them
	 * first, and whoever owns PATH-wal writes the database (revocations
	 * gone, used tokens forgotten). */
	if (sticky) {
		at_log(s->log, LOG_ERR,
		       "store database %s: in a world-writable sticky "
		       "directory, where anyone can create its -wal, -shm "
		       "and -journal files: give it a directory of its own",
		       path);
		goto out;
	}
	*fd = openat(dirfd, name,
		     O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			     O_NONBLOCK,
		     0600);
	if (*fd < 0) {
		at_log(s->log, LOG_ERR, "store database %s: cannot open: %s",
		       path,
		       errno == ELOOP ? "is a symbolic link" : strerror(errno));
		r = errno == ENOMEM ? AT_ERR_NOMEM : AT_ERR_STORE;
		goto out;
	}
	if (fstat(*fd, st) != 0) {
		at_log(s->log, LOG_ERR, "store database %s: fstat: %s", path,
		       strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		at_log(s->log, LOG_ERR, "store database %s: not a regular file",
		       path);
		goto out;
	}
	if (st->st_uid != 0 && st->st_uid != owner_uid) {
		at_log(s->log, LOG_ERR,
		       "store database %s: owned by uid %lu, not root or %lu "
		       "(mode %04o)",
		       path, (unsigned long)st->st_uid,
		       (unsigned long)owner_uid,
		       (unsigned int)(st->st_mode & 07777));
		goto out;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		at_log(s->log, LOG_ERR,
		       "store database %s: mode %04o is group or world "
		       "writable (owner uid %lu; chmod go-w)",
		       path, (unsigned int)(st->st_mode & 07777),
		       (unsigned long)st->st_uid);
		goto out;
	}
	if (st->st_nlink != 1) {
		at_log(s->log, LOG_ERR,
		       "store database %s: has %lu hard links, not 1 (owner "
		       "uid %lu, mode %04o)",
		       path, (unsigned long)st->st_nlink,
		       (unsigned long)st->st_uid,
		       (unsigned int)(st->st_mode & 07777));
		goto out;
	}
	r = AT_OK;
out:
	if (r != AT_OK && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

/* Run sql (no values in it: constant text only) and log a failure. */
static enum at_err
exec_sql(const struct at_store *s, struct sqlite_be *be, const char *what,
	 const char *sql)
{
	int rc = sq.sqlite3_exec(be->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail(s, be->db, be->path, what, rc);
	return AT_OK;
}

/* The one integer a "PRAGMA name" answers. */
static enum at_err
pragma_int(const struct at_store *s, struct sqlite_be *be, const char *sql,
	   int64_t *out)
{
	sqlite3_stmt *st = NULL;
	enum at_err r;
	int rc;

	*out = 0;
	if ((rc = sq.sqlite3_prepare_v2(be->db, sql, -1, &st, NULL)) !=
	    SQLITE_OK)
		return fail(s, be->db, be->path, sql, rc);
	rc = sq.sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sq.sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	r = rc == SQLITE_OK ? AT_OK : fail(s, be->db, be->path, sql, rc);
	sq.sqlite3_finalize(st);
	return r;
}

/* Create the schema on first use; refuse a version we do not know. */
static enum at_err
ensure_schema(const struct at_store *s, struct sqlite_be *be)
{
	enum at_err r;
	int64_t v;

	if ((r = pragma_int(s, be, "PRAGMA user_version", &v)) != AT_OK)
		return r;
	if (v == SCHEMA_VERSION)
		return AT_OK;
	if (v != 0)
		goto newer;
	/* First use.  Under the write lock, and looked at again: another
	 * process may have created it since. */
	if ((r = exec_sql(s, be, "create the schema", "BEGIN IMMEDIATE")) !=
	    AT_OK)
		return r;
	if ((r = pragma_int(s, be, "PRAGMA user_version", &v)) != AT_OK)
		goto fail;
	if (v == 0 &&
	    (r = exec_sql(s, be, "create the schema", schema_sql)) != AT_OK)
		goto fail;
	if ((r = exec_sql(s, be, "create the schema", "COMMIT")) != AT_OK)
		goto fail;
	if (v == 0 || v == SCHEMA_VERSION)
		return AT_OK;
newer:
	at_log(s->log, LOG_ERR,
	       "store: sqlite %s: schema version %" PRId64 " is not %d, the "
	       "one this build knows (a newer pam_agentictrust made it?)",
	       be->path, v, SCHEMA_VERSION);
	return AT_ERR_STORE;
fail:
	end_failed(be);
	return r;
}

/*
 * WAL, once: the mode is kept in the file, so only a new file (or one
 * another program switched back) needs "PRAGMA journal_mode = WAL".  That
 * takes an exclusive lock which SQLite does not wait for through the busy
 * handler: a crowd of first logins on a new file would turn all but one
 * away.  So read the mode first, and on SQLITE_BUSY wait and look again,
 * within the store's timeout.  Setting it answers the mode in force: a
 * file system without shared memory for the -shm file may keep another.
 */
static enum at_err
set_wal(const struct at_store *s, struct sqlite_be *be)
{
	char mbuf[AT_LOG_VALUE_SIZE];
	sqlite3_stmt *st = NULL;
	const char *mode;
	unsigned int waited = 0;
	int rc;
	bool set = false;

	for (;;) {
		rc = sq.sqlite3_prepare_v2(be->db,
					   set ? "PRAGMA journal_mode = WAL"
					       : "PRAGMA journal_mode",
					   -1, &st, NULL);
		if (rc == SQLITE_OK &&
		    (rc = sq.sqlite3_step(st)) == SQLITE_ROW) {
			mode = (const char *)sq.sqlite3_column_text(st, 0);
			if (mode != NULL && strcmp(mode, "wal") == 0)
				break;
			if (set) {
				at_log(s->log, LOG_WARNING,
				       "store: sqlite %s: journal mode %s, not "
				       "wal: readers wait for writers",
				       be->path,
				       at_log_value(mbuf, sizeof(mbuf), mode));
				break;
			}
			set = true;
		} else if ((rc & 0xff) == SQLITE_BUSY &&
			   waited < s->timeout_ms) {
			sq.sqlite3_finalize(st);
			st = NULL;
			sq.sqlite3_sleep(5);
			waited += 5;
			set = false; /* another login may have set it */
			continue;
		} else {
			sq.sqlite3_finalize(st);
			return fail(s, be->db, be->path, "PRAGMA journal_mode",
				    rc);
		}
		sq.sqlite3_finalize(st);
		st = NULL;
	}
	sq.sqlite3_finalize(st);
	return AT_OK;
}

static const struct at_store_ops sqlite_ops;

static void
be_free(struct sqlite_be *be)
{
	size_t i;

	if (be == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sq.sqlite3_finalize(be->st[i]);
	/* _v2: closes even if a statement were left; never fails then. */
	sq.sqlite3_close_v2(be->db);
	free(be->path);
	free(be);
}

enum at_err
at_store_sqlite_open(struct at_store *s, const struct at_store_url *u,
		     uid_t owner_uid)
{
	struct sqlite_be *be = NULL;
	struct stat st, st2;
	enum at_err r = AT_ERR_INTERNAL;
	int fd = -1, rc;
	size_t i;

	if (u->kind != AT_STORE_SQLITE || u->path == NULL)
		goto out;
	if (pthread_once(&sq_once, sq_load) != 0 ||
	    (r = at_store_lib_ready(&sq_lib, s->log)) != AT_OK) {
		r = AT_ERR_STORE;
		goto out;
	}
	if ((r = open_file(s, u->path, owner_uid, &fd, &st)) != AT_OK)
		goto out;
	r = AT_ERR_NOMEM;
	if ((be = calloc(1, sizeof(*be))) == NULL ||
	    (be->path = strdup(u->path)) == NULL)
		goto out;
	/*
	 * FULLMUTEX (serialized): the module runs inside a program we do
	 * not write (sshd, sudo, a threaded PAM client), with whatever
	 * threading mode its libsqlite3 defaults to; an uncontended mutex
	 * per call is nothing next to a commit's fsync.  One store is still
	 * used by one caller at a time: a transaction spans several calls.
	 * NOFOLLOW: SQLite itself refuses a symbolic link as the file.
	 */
	rc = sq.sqlite3_open_v2(u->path, &be->db,
				SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
					SQLITE_OPEN_FULLMUTEX,
				NULL);
	if (rc != SQLITE_OK) {
		r = fail(s, be->db, be->path, "open", rc);
		goto out;
	}
	/* The file SQLite opened is the one checked: its name might have
	 * been swapped between our open and SQLite's. */
	if (stat(u->path, &st2) != 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		at_log(s->log, LOG_ERR,
		       "store database %s: replaced while it was opened",
		       u->path);
		r = AT_ERR_STORE;
		goto out;
	}
	close(fd);
	fd = -1;
	sq.sqlite3_extended_result_codes(be->db, 1);
	/* The file is data, not code: no schema trick (a trigger or view
	 * calling a function with side effects) runs, and nothing may
	 * write the schema table directly. */
	sq.sqlite3_db_config(be->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sq.sqlite3_db_config(be->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sq.sqlite3_busy_timeout(be->db, (int)s->timeout_ms);
	/*
	 * WAL (persistent, kept in the file): readers (the account phase,
	 * `agentictrust revoked`) never wait for the writer.  synchronous=
	 * FULL: each COMMIT is fsync'd before the answer, so a token
	 * consumed on a successful login is still consumed after a crash
	 * or power loss; NORMAL could lose the last commits in WAL mode
	 * and re-open a replay.  No foreign keys in the schema, so
	 * PRAGMA foreign_keys is moot; no secure_delete: nothing stored is
	 * a secret (a jti, a fingerprint, an id and a reason).
	 */
	if ((r = set_wal(s, be)) != AT_OK)
		goto out;
	if ((r = exec_sql(s, be, "PRAGMA synchronous",
			  "PRAGMA synchronous = FULL")) != AT_OK)
		goto out;
	if ((r = ensure_schema(s, be)) != AT_OK)
		goto out;
	for (i = 0; i < ST_COUNT; i++) {
		rc = sq.sqlite3_prepare_v3(be->db, stmt_sql[i], -1,
					   SQLITE_PREPARE_PERSISTENT,
					   &be->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = fail(s, be->db, be->path, "prepare", rc);
			goto out;
		}
	}
	s->ops = &sqlite_ops;
	s->be = be;
	be = NULL; /* transferred */
	r = AT_OK;
out:
	if (fd >= 0)
		close(fd);
	be_free(be);
	return r;
}

/* ------------------------------------------------------------------ */
/* The question of an authentication */

/* Bind a C string (borrowed: SQLITE_STATIC; it outlives the step). */
static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sq.sqlite3_bind_null(st, i);
	return sq.sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/*
 * Inside the transaction: *verdict AT_OK, AT_ERR_REVOKED or
 * AT_ERR_REPLAYED.  Returns an SQLite code; *what says which step
 * failed.
 */
static int
check_in_tx(struct sqlite_be *be, const struct at_store_query *q,
	    enum at_err *verdict, const char **what)
{
	sqlite3_stmt *st;
	int64_t cutoff;
	int rc;

	*verdict = AT_ERR_REVOKED;
	/* Prune first: the file stays small without a cron job. */
	*what = "prune";
	st = be->st[ST_PRUNE_USED];
	if ((rc = sq.sqlite3_bind_int64(st, 1, q->now)) != SQLITE_OK ||
	    (rc = sq.sqlite3_bind_int(st, 2, AT_STORE_PRUNE_BATCH)) !=
		    SQLITE_OK ||
	    (rc = step_done(st)) != SQLITE_OK)
		return rc;
	st = be->st[ST_PRUNE_TOKENS];
	if ((rc = sq.sqlite3_bind_int64(st, 1, q->now)) != SQLITE_OK ||
	    (rc = sq.sqlite3_bind_int(st, 2, AT_STORE_PRUNE_BATCH)) !=
		    SQLITE_OK ||
	    (rc = step_done(st)) != SQLITE_OK)
		return rc;

	/* The id: cutoff 0 refuses all; T refuses what has no iat (an
	 * HMAC credential, a JWT without iat) and what was issued before
	 * T. */
	*what = "revoked id";
	st = be->st[ST_GET_ID];
	if ((rc = bind_text(st, 1, q->sub)) != SQLITE_OK)
		return rc;
	rc = sq.sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cutoff = sq.sqlite3_column_int64(st, 0);
		sq.sqlite3_reset(st);
		if (cutoff <= 0 || !q->has_iat || q->iat < cutoff)
			return SQLITE_OK; /* revoked */
	} else if (rc == SQLITE_DONE) {
		sq.sqlite3_reset(st);
	} else {
		return rc;
	}

	/* The token, while its revocation lasts. */
	if (q->fp != NULL) {
		*what = "revoked token";
		st = be->st[ST_GET_TOKEN];
		if ((rc = bind_text(st, 1, q->fp)) != SQLITE_OK ||
		    (rc = sq.sqlite3_bind_int64(st, 2, q->now)) != SQLITE_OK)
			return rc;
		rc = sq.sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			sq.sqlite3_reset(st);
			return SQLITE_OK; /* revoked */
		}
		if (rc != SQLITE_DONE)
			return rc;
		sq.sqlite3_reset(st);
	}

	*verdict = AT_OK;
	if (q->use_key == NULL)
		return SQLITE_OK;
	*what = "consume";
	st = be->st[ST_CONSUME];
	if ((rc = bind_text(st, 1, q->use_key)) != SQLITE_OK ||
	    (rc = sq.sqlite3_bind_int64(st, 2, q->use_until)) != SQLITE_OK ||
	    (rc = sq.sqlite3_bind_int64(st, 3, q->now)) != SQLITE_OK ||
	    (rc = step_done(st)) != SQLITE_OK)
		return rc;
	if (sq.sqlite3_changes(be->db) != 1)
		*verdict = AT_ERR_REPLAYED;
	return SQLITE_OK;
}

static enum at_err
sqlite_check(struct at_store *s, const struct at_store_query *q)
{
	struct sqlite_be *be = s->be;
	enum at_err verdict = AT_ERR_INTERNAL;
	const char *what = "begin";
	int rc;

	/* IMMEDIATE: the write lock now, so that the answer and the
	 * consume are one step for every process sharing the file. */
	if ((rc = step_done(be->st[ST_BEGIN_IMMEDIATE])) != SQLITE_OK)
		goto fail;
	if ((rc = check_in_tx(be, q, &verdict, &what)) != SQLITE_OK)
		goto fail;
	/* A refusal commits too: it may have pruned.  Nothing was
	 * consumed then (check_in_tx consumes only on AT_OK). */
	what = "commit";
	if ((rc = step_done(be->st[ST_COMMIT])) != SQLITE_OK)
		goto fail;
	/* No statement keeps a pointer into the caller's query. */
	sq.sqlite3_clear_bindings(be->st[ST_GET_ID]);
	sq.sqlite3_clear_bindings(be->st[ST_GET_TOKEN]);
	sq.sqlite3_clear_bindings(be->st[ST_CONSUME]);
	return verdict;
fail:
	verdict = fail(s, be->db, be->path, what, rc);
	end_failed(be);
	return verdict;
}

/* ------------------------------------------------------------------ */
/* Revocations */

static enum at_err
sqlite_revoke(struct at_store *s, const struct at_revocation *r)
{
	struct sqlite_be *be = s->be;
	sqlite3_stmt *st;
	enum at_err e;
	int rc;

	if (r->kind == AT_REVOKE_SUB) {
		st = be->st[ST_REVOKE_ID];
		if ((rc = bind_text(st, 1, r->id)) != SQLITE_OK ||
		    (rc = sq.sqlite3_bind_int64(st, 2, r->before)) !=
			    SQLITE_OK ||
		    (rc = sq.sqlite3_bind_int64(st, 3, r->created)) !=
			    SQLITE_OK ||
		    (rc = bind_text(st, 4, r->reason)) != SQLITE_OK)
			goto fail;
	} else if (r->kind == AT_REVOKE_TOKEN) {
		st = be->st[ST_REVOKE_TOKEN];
		if ((rc = bind_text(st, 1, r->id)) != SQLITE_OK ||
		    (rc = sq.sqlite3_bind_int64(st, 2, r->expires)) !=
			    SQLITE_OK ||
		    (rc = sq.sqlite3_bind_int64(st, 3, r->created)) !=
			    SQLITE_OK ||
		    (rc = bind_text(st, 4, r->reason)) != SQLITE_OK ||
		    (rc = bind_text(st, 5, r->sub)) != SQLITE_OK)
			goto fail;
	} else {
		return AT_ERR_INTERNAL;
	}
	/* One statement: its own transaction, under the busy timeout. */
	if ((rc = step_done(st)) == SQLITE_OK) {
		sq.sqlite3_clear_bindings(st);
		return AT_OK;
	}
fail:
	e = fail(s, be->db, be->path, "revoke", rc);
	end_failed(be);
	return e;
}

static enum at_err
sqlite_unrevoke(struct at_store *s, enum at_revocation_kind kind,
		const char *id, bool *found)
{
	struct sqlite_be *be = s->be;
	sqlite3_stmt *st;
	enum at_err e;
	int rc;

	*found = false;
	if (kind == AT_REVOKE_SUB)
		st = be->st[ST_UNREVOKE_ID];
	else if (kind == AT_REVOKE_TOKEN)
		st = be->st[ST_UNREVOKE_TOKEN];
	else
		return AT_ERR_INTERNAL;
	if ((rc = bind_text(st, 1, id)) == SQLITE_OK &&
	    (rc = step_done(st)) == SQLITE_OK) {
		*found = sq.sqlite3_changes(be->db) > 0;
		sq.sqlite3_clear_bindings(st);
		return AT_OK;
	}
	e = fail(s, be->db, be->path, "unrevoke", rc);
	end_failed(be);
	return e;
}

/*
 * A text column as an owned string: NULL stays NULL when null_ok, else
 * it is an error; the stores keep only printable text of bounded length
 * (at_store_revoke() checks), so anything else is a file edited by hand
 * or damaged, refused rather than shown.
 */
static bool
column_str(sqlite3_stmt *st, int i, size_t max, bool null_ok, char **out)
{
	const unsigned char *v;
	int n;

	*out = NULL;
	if (sq.sqlite3_column_type(st, i) == SQLITE_NULL)
		return null_ok;
	if (sq.sqlite3_column_type(st, i) != SQLITE_TEXT)
		return false;
	v = sq.sqlite3_column_text(st, i);
	n = sq.sqlite3_column_bytes(st, i);
	if (v == NULL || n < 0 || (size_t)n > max ||
	    !at_str_printable((const char *)v, (size_t)n) ||
	    (n == 0 && !null_ok))
		return false;
	if ((*out = strndup((const char *)v, (size_t)n)) == NULL)
		return false;
	return true;
}

/* Append the current row of a list statement to *list. */
static enum at_err
list_row(const struct at_store *s, struct sqlite_be *be, sqlite3_stmt *st,
	 enum at_revocation_kind kind, struct at_revocation **list, size_t *n,
	 size_t *cap)
{
	struct at_revocation *rv, *grown;
	size_t ncap;

	if (*n == *cap) {
		ncap = *cap == 0 ? 16 : *cap * 2;
		if (ncap > SIZE_MAX / sizeof(**list) ||
		    (grown = realloc(*list, ncap * sizeof(**list))) == NULL)
			return AT_ERR_NOMEM;
		*list = grown;
		*cap = ncap;
	}
	rv = &(*list)[*n];
	memset(rv, 0, sizeof(*rv));
	(*n)++; /* counted now, so that at_revocations_free() sees it */
	rv->kind = kind;
	if (sq.sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
	    sq.sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
	    !column_str(st, 0, kind == AT_REVOKE_SUB ? AT_MAX_SUB : AT_FP_LEN,
			false, &rv->id) ||
	    !column_str(st, 3, AT_STORE_MAX_REASON, true, &rv->reason) ||
	    (kind == AT_REVOKE_TOKEN &&
	     !column_str(st, 4, AT_MAX_SUB, true, &rv->sub))) {
		/* strndup's ENOMEM and a bad row look alike here; a bad
		 * row is the likelier, and both are refused. */
		at_log(s->log, LOG_ERR,
		       "store: sqlite %s: a %s row holds a value this build "
		       "never writes (edited or damaged file?)",
		       be->path,
		       kind == AT_REVOKE_SUB ? "revoked_ids"
					     : "revoked_tokens");
		return AT_ERR_STORE;
	}
	if (kind == AT_REVOKE_SUB)
		rv->before = sq.sqlite3_column_int64(st, 1);
	else
		rv->expires = sq.sqlite3_column_int64(st, 1);
	rv->created = sq.sqlite3_column_int64(st, 2);
	return AT_OK;
}

static enum at_err
sqlite_list(struct at_store *s, time_t now, struct at_revocation **list,
	    size_t *n)
{
	struct sqlite_be *be = s->be;
	struct at_revocation *out = NULL;
	size_t nout = 0, cap = 0;
	const char *what = "list";
	enum at_err e = AT_ERR_INTERNAL;
	sqlite3_stmt *st;
	int rc, pass;

	/* One read transaction: the ids and the tokens of one moment. */
	if ((rc = step_done(be->st[ST_BEGIN])) != SQLITE_OK)
		goto fail;
	for (pass = 0; pass < 2; pass++) {
		st = be->st[pass == 0 ? ST_LIST_IDS : ST_LIST_TOKENS];
		if (pass == 1 && (rc = sq.sqlite3_bind_int64(
					  st, 1, (int64_t)now)) != SQLITE_OK)
			goto fail;
		while ((rc = sq.sqlite3_step(st)) == SQLITE_ROW) {
			e = list_row(s, be, st,
				     pass == 0 ? AT_REVOKE_SUB
					       : AT_REVOKE_TOKEN,
				     &out, &nout, &cap);
			if (e != AT_OK)
				goto out;
		}
		if (rc != SQLITE_DONE)
			goto fail;
		sq.sqlite3_reset(st);
	}
	what = "commit";
	if ((rc = step_done(be->st[ST_COMMIT])) != SQLITE_OK)
		goto fail;
	*list = out;
	*n = nout;
	out = NULL; /* transferred */
	nout = 0;
	e = AT_OK;
	goto out;
fail:
	e = fail(s, be->db, be->path, what, rc);
out:
	if (e != AT_OK)
		end_failed(be);
	at_revocations_free(out, nout);
	return e;
}

/* ------------------------------------------------------------------ */
/* `agentictrust check` */

/* SELECT count(*) of a table (constant name, never data). */
static enum at_err
count_rows(const struct at_store *s, struct sqlite_be *be, const char *sql,
	   int64_t *out)
{
	return pragma_int(s, be, sql, out);
}

static enum at_err
sqlite_probe(struct at_store *s, at_store_report_fn fn, void *ctx)
{
	struct sqlite_be *be = s->be;
	char text[512], mbuf[AT_LOG_VALUE_SIZE], pbuf[AT_LOG_VALUE_SIZE];
	sqlite3_stmt *st = NULL;
	const char *mode;
	int64_t version, pages, pagesize, used, ids, tokens;
	struct stat sb;
	enum at_err e;
	int rc;

	at_log_value(pbuf, sizeof(pbuf), be->path);
	rc = sq.sqlite3_prepare_v2(be->db, "PRAGMA journal_mode", -1, &st,
				   NULL);
	if (rc == SQLITE_OK && (rc = sq.sqlite3_step(st)) == SQLITE_ROW) {
		mode = (const char *)sq.sqlite3_column_text(st, 0);
		if (mode != NULL && strcmp(mode, "wal") == 0) {
			snprintf(text, sizeof(text),
				 "sqlite %s: journal mode wal", pbuf);
			fn(ctx, false, text);
		} else {
			snprintf(text, sizeof(text),
				 "sqlite %s: journal mode %s, not wal: "
				 "readers and writers wait for each other",
				 pbuf, at_log_value(mbuf, sizeof(mbuf), mode));
			fn(ctx, true, text);
		}
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		e = fail(s, be->db, be->path, "PRAGMA journal_mode", rc);
		sq.sqlite3_finalize(st);
		return e;
	}
	sq.sqlite3_finalize(st);
	if ((e = pragma_int(s, be, "PRAGMA user_version", &version)) != AT_OK ||
	    (e = pragma_int(s, be, "PRAGMA page_count", &pages)) != AT_OK ||
	    (e = pragma_int(s, be, "PRAGMA page_size", &pagesize)) != AT_OK ||
	    (e = count_rows(s, be, "SELECT count(*) FROM used_tokens",
			    &used)) != AT_OK ||
	    (e = count_rows(s, be, "SELECT count(*) FROM revoked_ids", &ids)) !=
		    AT_OK ||
	    (e = count_rows(s, be, "SELECT count(*) FROM revoked_tokens",
			    &tokens)) != AT_OK)
		return e;
	snprintf(text, sizeof(text), "sqlite %s: schema version %" PRId64, pbuf,
		 version);
	fn(ctx, false, text);
	if (stat(be->path, &sb) != 0)
		sb.st_size = -1;
	snprintf(text, sizeof(text),
		 "sqlite %s: %" PRId64 " pages of %" PRId64 " bytes, file %lld "
		 "bytes",
		 pbuf, pages, pagesize, (long long)sb.st_size);
	fn(ctx, false, text);
	snprintf(text, sizeof(text),
		 "sqlite %s: %" PRId64 " used token keys kept, %" PRId64
		 " revoked ids, %" PRId64 " revoked tokens",
		 pbuf, used, ids, tokens);
	fn(ctx, false, text);
	return AT_OK;
}

static void
sqlite_close(struct at_store *s)
{
	be_free(s->be);
	s->be = NULL;
}

static const struct at_store_ops sqlite_ops = {
	.name = "sqlite",
	.check = sqlite_check,
	.revoke = sqlite_revoke,
	.unrevoke = sqlite_unrevoke,
	.list = sqlite_list,
	.probe = sqlite_probe,
	.close = sqlite_close,
};
