/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store.h - the state store: single-use JWTs and revocation (issue 8).
 *
 * One small interface, one file per backend:
 *   at_store.c         URL parsing, the query a verified credential asks,
 *                      dispatch to the backend
 *   at_store_sqlite.c  store=sqlite:PATH, one host, no server
 *   at_store_redis.c   store=redis://..., store=redis+unix://..., a fleet
 *
 * Internal (not in agentictrust.h, not in libagentictrust.so): linked
 * into the PAM module and the CLI from the static library at_store.
 *
 * What the store keeps, whatever the backend:
 *   - used tokens: a key (at_store_query.use_key) per single-use JWT that
 *     succeeded, kept until use_until (exp + AT_MAX_LEEWAY, so that no
 *     host's leeway re-opens it), then pruned;
 *   - revoked ids: an external id (JWT sub, or the id an HMAC proved)
 *     with a cut-off: 0 refuses every credential of the id; T > 0 refuses
 *     JWTs whose iat < T, JWTs without iat, and HMAC credentials (they
 *     have no issue time: "everything the id holds now");
 *   - revoked tokens: a token's fingerprint (at_token_fingerprint()),
 *     kept until expires (exp + AT_MAX_LEEWAY; 0 = a token without exp:
 *     forever).
 * Each revocation carries when it was made (created, seconds since the
 * epoch) and an optional printable reason (at most AT_STORE_MAX_REASON
 * bytes).
 */
#ifndef AT_STORE_H
#define AT_STORE_H

#include "at.h"

#define AT_STORE_DEFAULT_PREFIX "agentictrust:"
#define AT_STORE_DEFAULT_TIMEOUT_MS 500
#define AT_STORE_MAX_TIMEOUT_MS 60000
#define AT_STORE_MAX_URL 1024	/* bytes of a store= value */
#define AT_STORE_MAX_PREFIX 64	/* bytes of store_prefix= */
#define AT_STORE_MAX_REASON 256	/* bytes of a revocation's reason */
/* A use key: "jti:" + jti (at most AT_MAX_SUB) or "fp:" + fingerprint. */
#define AT_STORE_MAX_USE_KEY (4 + AT_MAX_SUB)

/* ------------------------------------------------------------------ */
/* store= URLs */

enum at_store_kind {
	AT_STORE_SQLITE = 1,	/* sqlite:PATH */
	AT_STORE_REDIS_TCP,	/* redis://[USER@]HOST[:PORT][/DB] */
	AT_STORE_REDIS_UNIX,	/* redis+unix://[USER@]/PATH[?db=N] */
};

/*
 * A parsed store= value.  Strings are owned: at_store_url_clear().
 *   sqlite:PATH            path absolute, printable, no "/./", "/../",
 *                          "//", no trailing "/"
 *   redis://[USER@]HOST[:PORT][/DB]
 *                          HOST a DNS name, an IPv4 address or an IPv6
 *                          address in brackets; PORT 1..65535 (default
 *                          6379); DB 0..15 (default 0); USER a Redis ACL
 *                          user name (printable ASCII without
 *                          "@:/?#[]%" or space).  "USER:PASSWORD@" is
 *                          refused: a password never sits on a pam.d
 *                          line (store_password_file=).
 *   redis+unix://[USER@]/PATH[?db=N]
 *                          PATH absolute; the only query is db=N; USER
 *                          as for redis:// (redis-py's unix:// form).
 *   rediss://...           refused, with a message saying this build's
 *                          hiredis has no TLS and pointing at the README's
 *                          TLS tunnel, unless built with hiredis_ssl
 *                          (AT_HAVE_HIREDIS_SSL).
 * No percent-decoding anywhere: a '%' is refused, so what is checked is
 * what is used.
 */
struct at_store_url {
	enum at_store_kind kind;
	char *path;	/* sqlite file or redis unix socket, else NULL */
	char *host;	/* redis TCP host (without brackets), else NULL */
	char *user;	/* redis ACL user or NULL (the default user) */
	unsigned int port;	/* redis TCP */
	unsigned int db;	/* redis, 0..15 */
	bool tls;	/* rediss:// (only with AT_HAVE_HIREDIS_SSL) */
};

/*
 * Parse url (hostile: any bytes; at most AT_STORE_MAX_URL).  On AT_OK
 * *out is filled (owned strings); on AT_ERR_CONFIG one LOG_ERR line says
 * what is wrong, never echoing the URL's user-info part; AT_ERR_NOMEM.
 * out is always safe to at_store_url_clear().
 */
enum at_err at_store_url_parse(const char *url, const struct at_log *log,
			       struct at_store_url *out) AT_WUR
	AT_NONNULL(1, 3);
void at_store_url_clear(struct at_store_url *u);

/* ------------------------------------------------------------------ */
/* Opening */

struct at_store;

/*
 * Open the store of cfg->store (which must be set), with
 * cfg->store_password_file (read with the AT_FILE_SECRET rules, one
 * line, for Redis AUTH), cfg->store_prefix, cfg->store_timeout_ms.
 * owner_uid is the trusted non-root owner of the files, as for secrets.
 *   SQLite: the directories on the path pass at_path_check_dirs(); the
 *   file is created (mode 0600) when missing; it must be a regular file
 *   owned by root or owner_uid, not group/other writable, one link; WAL
 *   mode, busy timeout = store_timeout_ms, schema created on first use.
 *   Redis: connects (store_timeout_ms covers connect + AUTH + SELECT +
 *   each command), AUTH [user] password when a password file is set,
 *   SELECT db.  hiredis 0.14 cannot time out a connect() to a unix
 *   socket, which never blocks anyway.
 * The log is borrowed and must outlive the store.  *out owned:
 * at_store_close().  Errors (one LOG_ERR line each, never the password):
 * AT_ERR_CONFIG (bad URL), AT_ERR_SECRET (password file unusable),
 * AT_ERR_STORE_UNAVAILABLE (cannot connect / open, timed out, busy),
 * AT_ERR_STORE (the store answered with an error: AUTH refused, ACL,
 * corrupt database, read-only, disk full), AT_ERR_NOMEM.
 */
enum at_err at_store_open(const struct at_config *cfg, uid_t owner_uid,
			  const struct at_log *log, struct at_store **out)
	AT_WUR AT_NONNULL(1, 4);
/* Close and free; s may be NULL.  Wipes the password. */
void at_store_close(struct at_store *s);
/* "sqlite" or "redis" (for log lines and `agentictrust check`). */
const char *at_store_backend_name(const struct at_store *s) AT_NONNULL(1);

/* ------------------------------------------------------------------ */
/* The one question an authentication asks */

/*
 * What a verified credential asks the store, in one atomic step (one
 * SQLite transaction, one Redis round trip): is the id revoked (with
 * iat against the cut-off), is the token revoked, and, when use_key is
 * set, consume it (refused when it was consumed before).  Strings are
 * borrowed.
 */
struct at_store_query {
	const char *sub;	/* the external id; never NULL */
	bool has_iat;		/* JWT with iat */
	int64_t iat;		/* seconds since the epoch, when has_iat */
	const char *fp;		/* a JWT's fingerprint; NULL for HMAC */
	const char *use_key;	/* single use: the key to consume, or NULL */
	int64_t use_until;	/* keep use_key until then; 0 = forever */
	int64_t now;		/* seconds since the epoch (prunes) */
};

/*
 * The query for claims c verified under cfg at now:
 *   sub     c->sub
 *   iat     floor(c->iat) when c->has_iat
 *   fp      c->fp for a JWT
 *   use_key when consume and cfg->single_use and c is a JWT: "jti:" +
 *           c->jti when the token has one, else "fp:" + c->fp; written
 *           into keybuf (AT_STORE_MAX_USE_KEY + 1 bytes)
 *   use_until floor(c->exp) + AT_MAX_LEEWAY when c->has_exp, else 0
 * consume is false for the account phase (revocation only).
 * Returns AT_OK, or AT_ERR_INTERNAL when c has no sub.
 */
enum at_err at_store_query_from_claims(const struct at_config *cfg,
				       const struct at_claims *c,
				       bool consume, time_t now,
				       char keybuf[AT_STORE_MAX_USE_KEY + 1],
				       struct at_store_query *q) AT_WUR
	AT_NONNULL(1, 2, 5, 6);

/*
 * Ask.  Returns AT_OK (not revoked; use_key consumed now when set),
 * AT_ERR_REVOKED (id or token revoked: nothing consumed), AT_ERR_REPLAYED
 * (use_key consumed before), AT_ERR_STORE_UNAVAILABLE, AT_ERR_STORE,
 * AT_ERR_NOMEM.  Errors other than the two verdicts log one LOG_ERR line
 * saying why (the backend's message, escaped).  As a side effect, up to
 * AT_STORE_PRUNE_BATCH expired rows are removed (SQLite; Redis keys carry
 * their own expiry).  Never consumes when the answer is not AT_OK.
 */
#define AT_STORE_PRUNE_BATCH 64
enum at_err at_store_check(struct at_store *s, const struct at_store_query *q)
	AT_WUR AT_NONNULL(1, 2);

/* ------------------------------------------------------------------ */
/* Revocations (the CLI) */

enum at_revocation_kind {
	AT_REVOKE_SUB = 1,	/* an external id */
	AT_REVOKE_TOKEN,	/* a JWT, by fingerprint */
};

struct at_revocation {
	enum at_revocation_kind kind;
	char *id;	/* the external id, or the fingerprint */
	int64_t before;	/* AT_REVOKE_SUB: cut-off, 0 = everything */
	int64_t expires; /* AT_REVOKE_TOKEN: forget then; 0 = never */
	int64_t created; /* when revoked */
	char *reason;	/* printable, or NULL */
	char *sub;	/* AT_REVOKE_TOKEN: the token's sub, or NULL */
};

/*
 * Add or replace the revocation of r->kind and r->id (borrowed).  A new
 * revocation of the same id replaces the old one.  Errors:
 * AT_ERR_STORE_UNAVAILABLE, AT_ERR_STORE, AT_ERR_NOMEM, AT_ERR_INTERNAL
 * (empty id, unprintable reason or id, reason too long).
 */
enum at_err at_store_revoke(struct at_store *s, const struct at_revocation *r)
	AT_WUR AT_NONNULL(1, 2);

/* Remove it; *found says whether there was one.  Errors as above. */
enum at_err at_store_unrevoke(struct at_store *s,
			      enum at_revocation_kind kind, const char *id,
			      bool *found) AT_WUR AT_NONNULL(1, 3, 4);

/*
 * Every revocation in force at now (expired token revocations left out),
 * ids first then tokens, each sorted by id.  *list owned:
 * at_revocations_free(*list, *n).  Errors as above.
 */
enum at_err at_store_list(struct at_store *s, time_t now,
			  struct at_revocation **list, size_t *n) AT_WUR
	AT_NONNULL(1, 3, 4);
void at_revocations_free(struct at_revocation *list, size_t n);

/* ------------------------------------------------------------------ */
/* `agentictrust check` */

/*
 * Things an operator should know about a reachable store, one callback
 * call per finding: warn true for a problem (Redis maxmemory-policy other
 * than noeviction: an evicted key re-opens a replay window; no
 * persistence (neither AOF nor RDB saves): a restart forgets every
 * revocation; SQLite not in WAL mode), false for plain information
 * (persistence on, the Redis version, the SQLite schema version).  Text
 * is printable, without a trailing newline.  Errors as at_store_check().
 */
typedef void (*at_store_report_fn)(void *ctx, bool warn, const char *text);
enum at_err at_store_probe(struct at_store *s, at_store_report_fn fn,
			   void *ctx) AT_WUR AT_NONNULL(1, 2);

/* ------------------------------------------------------------------ */
/* Backends: at_store.c calls these; nothing else does. */

struct at_store_ops {
	const char *name;
	enum at_err (*check)(struct at_store *s,
			     const struct at_store_query *q);
	enum at_err (*revoke)(struct at_store *s,
			      const struct at_revocation *r);
	enum at_err (*unrevoke)(struct at_store *s,
				enum at_revocation_kind kind, const char *id,
				bool *found);
	enum at_err (*list)(struct at_store *s, time_t now,
			    struct at_revocation **list, size_t *n);
	enum at_err (*probe)(struct at_store *s, at_store_report_fn fn,
			     void *ctx);
	void (*close)(struct at_store *s); /* frees s->be only */
};

struct at_store {
	const struct at_store_ops *ops;
	const struct at_log *log;	/* borrowed */
	char *prefix;		/* owned: key prefix (Redis), table-free */
	unsigned int timeout_ms;
	void *be;		/* the backend's state, owned by ops->close */
};

/*
 * A backend's library (libsqlite3, libhiredis), loaded by its soname the
 * first time a store of its kind is opened, not at the module's load:
 * most hosts configure no store=, and every process that loads the
 * module would otherwise map and relocate both (about 0.7 ms of CPU for
 * libsqlite3 alone per sudo or su).  The soname is fixed by the build
 * (lib/meson.build), never taken from the environment or a config file;
 * the loader's normal search finds it (and ignores LD_LIBRARY_PATH in a
 * setuid program).  dlopen(RTLD_NOW | RTLD_LOCAL) once per process
 * (pthread_once: threaded hosts, and a fork keeps what was loaded), every
 * symbol resolved into the backend's table of function pointers, never
 * dlclose()d (the module is -z nodelete: the library stays too).
 *
 * The backend keeps one static struct at_store_lib and its own
 * pthread_once_t whose routine calls at_store_lib_load(); its open calls
 * at_store_lib_ready() after pthread_once().  syms[i].fn points at a
 * member of the backend's table, declared typeof(f) * so that the
 * compiler checks every call against the library's header.
 */
/* A member of a backend's table: f's own type, so calls are checked. */
#define AT_STORE_FN(f) __typeof__(f) *f

struct at_store_sym {
	const char *name;
	/* The table member to fill: dlsym()'s void * is copied into it
	 * with memcpy, never stored through a void ** (a function pointer
	 * object is not a void * object). */
	void *fn;
};

struct at_store_lib {
	enum at_store_kind kind;	/* whose soname (test hook) */
	const char *soname;		/* from the build */
	const struct at_store_sym *syms;
	size_t nsyms;
	bool ok;			/* set once, by at_store_lib_load() */
	char why[128];	/* what failed: the soname, the symbol */
	char err[256];	/* dlerror()'s text */
};

/* The pthread_once routine's work: dlopen, dlsym all, or record why not
 * (and leave every pointer NULL). */
void at_store_lib_load(struct at_store_lib *lib) AT_NONNULL(1);
/* AT_OK when loaded; else one LOG_ERR line (the library or symbol and
 * dlerror()'s text) and AT_ERR_STORE: a broken installation is the
 * store failing, which store_unavailable=allow never lets through. */
enum at_err at_store_lib_ready(const struct at_store_lib *lib,
			       const struct at_log *log) AT_WUR
	AT_NONNULL(1);

/*
 * Tests only (tests/unit/test_at_store_lib.c): load soname instead of the
 * build's for stores of kind, so that the load can be made to fail.  Must
 * be called before the first store of that kind is opened; the string is
 * borrowed for the life of the process.  Not in libagentictrust.so (this
 * library is internal, hidden visibility).
 */
void at_store_test_set_soname(enum at_store_kind kind, const char *soname);

/*
 * Open the backend into s (ops, be set on AT_OK; prefix, timeout_ms and
 * log already set).  password (may be NULL) is borrowed, its length
 * passwordlen; the backend wipes any copy it keeps.
 */
enum at_err at_store_sqlite_open(struct at_store *s,
				 const struct at_store_url *u,
				 uid_t owner_uid) AT_WUR AT_NONNULL(1, 2);
enum at_err at_store_redis_open(struct at_store *s,
				const struct at_store_url *u,
				const char *password, size_t passwordlen)
	AT_WUR AT_NONNULL(1, 2);

#endif /* AT_STORE_H */
