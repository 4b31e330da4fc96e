/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at.h - libagentictrust internals: the public API (agentictrust.h) plus
 * the parsers and building blocks that the library, the PAM module, the
 * CLI, the tests and the fuzzers share.  Not installed; these symbols are
 * hidden in libagentictrust.so and in pam_agentictrust.so.
 */
#ifndef AT_H
#define AT_H

#include <sys/stat.h>
#include <time.h>

#include "agentictrust.h"

/* ------------------------------------------------------------------ */
/* The layouts that agentictrust.h keeps opaque.  Only code built against
 * this header (the library, the module, the CLI, the tests, the fuzzers
 * and the benchmark) uses them directly, on the stack; programs linking
 * libagentictrust.so go through at_config_new() / at_claims_new() and the
 * accessors, so fields may be added here freely. */

/*
 * Every option of the module, parsed once.  String fields are owned and
 * freed by at_config_clear().  Defaults come from at_config_init().
 */
struct at_config {
	char *config_file;	/* owned: at_config_clear(); NULL = default */
	char *secret_file;	/* owned: at_config_clear(); both methods */
	/* owned: at_config_clear(); NULL: secret_file serves the method */
	char *hmac_secret_file;
	char *jwt_secret_file;
	char *issuer;		/* owned: at_config_clear(); NULL = unchecked */
	char *audience;		/* owned: at_config_clear(); NULL = unchecked */
	char *user_map;		/* owned: at_config_clear(); NULL = no map */
	char *prompt;		/* owned: at_config_clear() */
	enum at_mode mode;
	unsigned int leeway;	/* seconds, 0..AT_MAX_LEEWAY */
	unsigned long max_ttl;	/* seconds; 0 = unchecked */
	bool allow_no_exp;
	bool use_first_pass;
	bool try_first_pass;
	bool debug;
	/* Without user_map, let credentials open root and the system
	 * accounts (outside UID_MIN..UID_MAX, nobody); see
	 * at_user_policy(). */
	bool allow_system_users;
	/* accounts=any: a PAM user with no passwd entry may authenticate
	 * (it has no uid, so the system-account policy has nothing to
	 * classify); accounts=unix, the default, refuses it (user_unknown). */
	bool accounts_any;
	/* The state store (at_store.h): NULL = none, no single use, no
	 * revocation. */
	char *store;		/* owned: at_config_clear(); the URL */
	char *store_password_file; /* owned: at_config_clear() */
	char *store_prefix;	/* owned: at_config_clear(); NULL = default */
	unsigned int store_timeout_ms; /* 1..AT_STORE_MAX_TIMEOUT_MS */
	bool store_unavailable_allow; /* store_unavailable=allow */
	bool single_use;	/* a JWT succeeds once (needs store, mode=jwt) */
};

/* Set defaults on an embedded struct.  Always succeeds; pair with
 * at_config_clear(). */
void at_config_init(struct at_config *cfg) AT_NONNULL(1);
/* Free owned strings and reset to defaults; the struct itself is not
 * freed (that is at_config_free(), for at_config_new() objects only).
 * cfg may be NULL. */
void at_config_clear(struct at_config *cfg);

/*
 * Why an optional display claim (email, name) was not kept: the token is
 * still accepted, the claim is simply NULL in struct at_claims.
 */
enum at_drop {
	AT_DROP_NONE = 0,	/* absent from the token, or kept */
	AT_DROP_TOO_LONG,	/* longer than AT_MAX_CLAIM bytes */
	AT_DROP_UNPRINTABLE,	/* a control character (or NUL) in it */
};

/*
 * What a verification found.  Filled progressively: fields are set only
 * once the MAC has been verified, so nothing in here is ever an
 * unauthenticated value.  Strings are owned: at_claims_clear().
 */
struct at_claims {
	enum at_method method;
	int secret_index;	/* which secret line matched; -1 = none */
	char *sub;		/* external id (JWT sub or the HMAC'd id) */
	char *email;		/* JWT email claim or NULL (see email_drop) */
	char *name;		/* JWT name claim or NULL (see name_drop) */
	char *iss;		/* JWT iss claim or NULL */
	char *kid;		/* JWT kid header when printable, else NULL */
	char *local_user;	/* user the external id maps to */
	char *jti;		/* JWT jti claim (printable) or NULL */
	/* at_token_fingerprint() of a JWT whose MAC verified, else "". */
	char fp[AT_FP_LEN + 1];
	bool has_exp, has_nbf, has_iat;
	double exp, nbf, iat;	/* seconds since the epoch */
	enum at_drop email_drop; /* why email is NULL although sent */
	enum at_drop name_drop;	/* why name is NULL although sent */
};

/* Initialise an embedded struct to empty (method NONE, index -1). */
void at_claims_init(struct at_claims *c) AT_NONNULL(1);
/* Free owned strings and re-initialise; the struct itself is not freed.
 * c may be NULL. */
void at_claims_clear(struct at_claims *c);

/*
 * The allocations behind at_config_new() / at_claims_new(): calloc plus
 * init, NULL when out of memory.  GCC is told that at_config_free() /
 * at_claims_free() release what they return, so passing those a pointer
 * to a stack or static struct (the pre-0.3.0 meaning of the names, now
 * at_config_clear() / at_claims_clear()) is a -Wfree-nonheap-object
 * warning: an error with -Dwerror=true.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define AT_DEALLOC(f) __attribute__((malloc, malloc(f, 1)))
#else
#define AT_DEALLOC(f) __attribute__((malloc))
#endif
struct at_config *at_config_alloc(void) AT_WUR AT_DEALLOC(at_config_free);
struct at_claims *at_claims_alloc(void) AT_WUR AT_DEALLOC(at_claims_free);

/* ------------------------------------------------------------------ */
/* at_util.c */

/*
 * A token's fingerprint: the first AT_FP_LEN / 2 bytes of SHA-256 over
 * the len bytes at tok, as AT_FP_LEN lowercase hex digits and a NUL in
 * out.  128 bits: short enough for a log line, long enough that two
 * tokens never share one, so it also names a token in the state store
 * (revocation by token, single use without jti).  Call it only on a token
 * whose MAC verified: unverified input may be a user's Unix password.
 * Returns AT_OK or AT_ERR_CRYPTO.
 */
enum at_err at_token_fingerprint(const char *tok, size_t len,
				 char out[AT_FP_LEN + 1]) AT_WUR
	AT_NONNULL(3);

/*
 * Strict base64url (RFC 7515 section 2 / RFC 4648 section 5): alphabet
 * A-Za-z0-9-_ only, no padding, no white space, length mod 4 != 1, and the
 * unused low bits of the last character zero (canonical encoding).
 * at_b64url_check() validates without decoding.
 * at_b64url_decode() validates and decodes in one table-driven pass into
 * the caller's out (a stack buffer will do: no allocation), writing at
 * most outcap bytes and the decoded length to *outlen.  Returns AT_OK or
 * AT_ERR_BASE64 (also when outcap is too small); on failure *outlen is 0
 * and out holds none of the decoded bytes.
 */
enum at_err at_b64url_check(const char *in, size_t len) AT_WUR;
enum at_err at_b64url_decode(const char *in, size_t len, unsigned char *out,
			     size_t outcap, size_t *outlen)
	AT_WUR AT_NONNULL(3, 5);
/* Decoded size of a valid base64url string of len characters. */
size_t at_b64url_decoded_len(size_t len);
/* Unpadded base64url encoding.  out must hold 4*ceil(len/3)+1 bytes. */
void at_b64url_encode(const unsigned char *in, size_t len, char *out);

/*
 * Hex.  at_hex_decode() takes exactly 2*outlen hex digits, either case.
 * Returns AT_OK or AT_ERR_FORMAT (then out holds no decoded byte).
 * at_hex_encode() writes 2*len lowercase digits and a NUL.
 */
enum at_err at_hex_decode(const char *in, size_t inlen, unsigned char *out,
			  size_t outlen) AT_WUR;
void at_hex_encode(const unsigned char *in, size_t len, char *out);

/*
 * True when the len bytes at s are all printable: no C0 control byte, no
 * DEL, no NUL and no C1 control (U+0080..U+009F, UTF-8 C2 80..C2 9F).
 * Used before a value reaches a log line or the PAM environment.
 */
bool at_str_printable(const char *s, size_t len);

/* Strip leading and trailing ASCII white space: updates *s and *len. */
void at_trim(const char **s, size_t *len);

/*
 * A strict decimal number of the len bytes at s: one or more ASCII
 * digits, no sign, no white space, no leading zero (shadow reads "010" as
 * octal), at most max.  True with *out set; false otherwise, *out
 * untouched.  Shared by the login.defs reader and the seal's expiry.
 */
bool at_parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
	AT_WUR AT_NONNULL(4);

/*
 * One value of a log line, quoted logfmt style, so that no value can fake
 * another field or another line, whatever bytes it holds.  Writes into
 * buf (size bytes, at least AT_LOG_VALUE_MIN; a smaller buffer gets "")
 * and returns buf:
 *   s NULL                        -
 *   1 or more bytes, all of A-Z a-z 0-9 . _ - @ / +, other than "-"
 *                                 as is (bare)
 *   anything else (empty, "-", space, = " \ :, a control byte, DEL, any
 *   byte >= 0x80: UTF-8, overlong forms, bidi controls such as U+202E)
 *                                 in double quotes, with " as \", \ as
 *                                 \\, every byte outside printable ASCII
 *                                 as \xHH (lowercase hex), and a final "."
 *                                 as \x2e
 * A value that does not fit is quoted and cut at a whole byte, its text
 * ending in "..." (which a complete value never does).  The result is
 * printable ASCII, at most size - 1 characters.
 */
#define AT_LOG_VALUE_MIN 8
#define AT_LOG_VALUE_SIZE 160	/* what the module gives each value */
const char *at_log_value(char *buf, size_t size, const char *s)
	AT_NONNULL(1);

/* ------------------------------------------------------------------ */
/* at_file.c */

/* What the file is, for at_file_read()'s permission rules. */
enum at_file_kind {
	AT_FILE_CONFIG,	/* no group/other write */
	AT_FILE_SECRET,	/* also no other read/write/exec */
};

/*
 * The directory rule for every file that holds or points at a secret
 * (sshd StrictModes: OpenSSH misc.c safe_path), in one race-free walk.
 * path must be absolute.  Starting at "/", each component of path's
 * directory part is opened with openat(O_PATH|O_NOFOLLOW) relative to the
 * directory before it and fstat()ed on that descriptor, so nothing
 * checked can be swapped for something unchecked:
 *   - every directory reached (including "/", and each one a ".." or a
 *     link passes through) must be owned by root or owner_uid and not be
 *     group or other writable, except that a directory owned by root
 *     with the sticky bit (/tmp) may be: there only root and an entry's
 *     owner can rename or remove the entry, and the next component is
 *     itself checked;
 *   - a symbolic link is followed (at most AT_MAX_SYMLINKS) when it is
 *     owned by root or owner_uid: the directory holding it was checked,
 *     and its target is walked the same way (Debian's merged /usr: /lib
 *     is root's link to usr/lib);
 *   - the last component must be a name, not "", "." or "..".
 * Unlike safe_path(), which checks the realpath() of the file, the
 * directories of the path as written are checked too, and a group or
 * other writable directory is allowed only as root's sticky one.
 *
 * at_path_open_dir(): on AT_OK *dirfd is an O_PATH descriptor of the
 * directory holding the last component (owned: close()), *name points at
 * that component inside path, and *sticky says whether that directory is
 * root's sticky one.  When missing_ok is set and a directory does not
 * exist, returns AT_OK with *dirfd -1 and nothing logged.  Open the file
 * with openat(*dirfd, *name, ...|O_NOFOLLOW).
 * at_path_check_dirs(): the same walk for a caller that must open path by
 * name (SQLite); a missing directory is an error.
 * what names the file in the log line ("secret file", "database").
 * Errors: AT_ERR_FILE, with one LOG_ERR line naming the directory (or
 * link) and why: its owner uid, its mode.
 */
#define AT_MAX_SYMLINKS 40

/*
 * The walk memo: between at_walk_memo_begin() and at_walk_memo_end(),
 * at_path_open_dir() in this thread keeps the directory its last walk
 * reached (an O_PATH descriptor) and answers a later path in the same
 * directory, spelled the same and checked for the same owner_uid, from
 * that descriptor, its owner and mode checked again with fstat, instead
 * of walking from "/" again: at_file_open() borrows the memo's
 * descriptor, at_path_open_dir() hands its caller a copy.  The auth phase
 * reads its config file and its secret file from one directory
 * (/etc/security): one walk, the second file opened relative to the very
 * directory the first walk checked.  The module ends the memo before the
 * conversation (which may wait as long as the user likes): what is read
 * after it, and every later call, walks every directory again, so that a
 * chmod of any of them takes effect on the next transaction.
 * at_walk_memo_end() closes what was kept; both are no-ops when
 * repeated.
 */
void at_walk_memo_begin(void);
void at_walk_memo_end(void);
enum at_err at_path_open_dir(const char *path, const char *what,
			     uid_t owner_uid, bool missing_ok,
			     const struct at_log *log, int *dirfd,
			     const char **name, bool *sticky)
	AT_WUR AT_NONNULL(1, 2, 6, 7, 8);
enum at_err at_path_check_dirs(const char *path, const char *what,
			       uid_t owner_uid, const struct at_log *log)
	AT_WUR AT_NONNULL(1, 2);

/*
 * Read a whole file safely: the directories on its path per
 * at_path_open_dir(), then the file opened relative to its directory
 * with O_NOFOLLOW|O_CLOEXEC, fstat the handle, require a regular file
 * owned by root or by owner_uid, no group/other write, and for
 * AT_FILE_SECRET no access for others; in root's sticky directory, one
 * link only; size at most AT_MAX_FILE.  On success *buf (owned:
 * at_freezero(*buf, *len + 1)) holds the bytes plus a NUL.  Errors:
 * AT_ERR_FILE (config kind) or AT_ERR_SECRET (secret kind), with the
 * reason logged at LOG_ERR; AT_ERR_NOMEM.  When missing_ok is set and the
 * file (or a directory on its path) does not exist, returns AT_OK with
 * *buf NULL.
 */
enum at_err at_file_read(const char *path, enum at_file_kind kind,
			 uid_t owner_uid, bool missing_ok,
			 const struct at_log *log, char **buf, size_t *len)
	AT_WUR AT_NONNULL(1, 6, 7);

/*
 * The two halves of at_file_read(), for a reader that needs the handle or
 * its own size limit (the user map).  at_file_open(): every check of
 * at_file_read() but the size; on AT_OK *fd (owned: close()) is the open
 * file and *st its fstat(), or *fd is -1 when missing_ok and the file is
 * missing.  at_file_read_fd(): the whole of fd, at most max bytes (else
 * logged, as at_file_read()); *buf as at_file_read()'s.  path and kind
 * only name the file and pick the error code.
 */
struct stat;
enum at_err at_file_open(const char *path, enum at_file_kind kind,
			 uid_t owner_uid, bool missing_ok,
			 const struct at_log *log, int *fd, struct stat *st)
	AT_WUR AT_NONNULL(1, 6, 7);
enum at_err at_file_read_fd(int fd, const struct stat *st, size_t max,
			    const char *path, enum at_file_kind kind,
			    const struct at_log *log, char **buf, size_t *len)
	AT_WUR AT_NONNULL(2, 4, 7, 8);

/*
 * Iterate over the lines of a buffer read by at_file_read(): returns the
 * next line (without "\n" or a trailing "\r") in *line / *linelen and
 * advances *pos.  Returns 1 for a line, 0 at the end, and AT_ERR_FORMAT
 * for a line longer than AT_MAX_LINE or one with a NUL byte.
 */
int at_file_next_line(const char *buf, size_t len, size_t *pos,
		      const char **line, size_t *linelen) AT_WUR;

/* ------------------------------------------------------------------ */
/* at_seal.c: the auth phase's exports, sealed for a later phase */

#define AT_SEAL_KEY_LEN 32
#define AT_SEAL_MAX 8192	/* characters of a seal, bytes of its parts */
#define AT_SEAL_TTL 300		/* seconds a seal opens at most */

/* A fresh random key (getrandom).  Returns AT_OK or AT_ERR_CRYPTO. */
enum at_err at_seal_keygen(unsigned char key[AT_SEAL_KEY_LEN]) AT_WUR
	AT_NONNULL(1);
/*
 * at_seal_make() and at_seal_open() keep the HMAC keyed with the last key
 * they used for the next call (one at a time; a busy one is not waited
 * for).  at_seal_flush() wipes and frees it: at exit, with the key.
 */
void at_seal_flush(void);

/*
 * The expiry of a seal made at now of what c proved: the first second at
 * which it no longer opens.  now + AT_SEAL_TTL, or for a JWT with exp,
 * the first second at which at_exp_check(exp, leeway) refuses it if that
 * is earlier (0 for an exp before 1970).
 */
int64_t at_seal_expiry(const struct at_claims *c, unsigned int leeway,
		       time_t now) AT_NONNULL(1);

/*
 * Seal entries (text without NUL, the "NAME=value" lines the auth phase
 * exported) for user of the PAM service in the handle numbered handle (the
 * caller's choice: the module uses the pam_handle_t address), opening
 * until expires (seconds since the epoch, >= 0): *out (owned: free()) is
 * b64url(entries) "." expires "." b64url(HMAC-SHA256(key,
 * "agentictrust-seal-3" NUL service NUL user NUL handle expires entries)),
 * expires in decimal in the seal and handle and expires as big-endian
 * 64-bit integers under the MAC.  Errors: AT_ERR_TOO_LONG (entries,
 * service or user longer than AT_SEAL_MAX), AT_ERR_INTERNAL (a negative
 * expires), AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_seal_make(const unsigned char key[AT_SEAL_KEY_LEN],
			 const char *service, const char *user,
			 uint64_t handle, int64_t expires,
			 const char *entries, char **out)
	AT_WUR AT_NONNULL(1, 2, 3, 6, 7);

/*
 * Check a seal (hostile input: any bytes) made with key for user of the
 * PAM service in the handle numbered handle, at time now.  On AT_OK
 * *entries (owned: free()) holds the sealed text.  Errors:
 * AT_ERR_TOO_LONG, AT_ERR_FORMAT (not three strict parts: base64url, a
 * decimal expiry without leading zeros up to INT64_MAX, base64url; a MAC
 * that is not 32 bytes, a NUL in the text), AT_ERR_SIGNATURE (another
 * key, service, user, handle, expiry or text; compared in constant time),
 * AT_ERR_EXPIRED (an authentic seal, now at or after its expiry),
 * AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_seal_open(const unsigned char key[AT_SEAL_KEY_LEN],
			 const char *service, const char *user,
			 uint64_t handle, time_t now, const char *seal,
			 char **entries) AT_WUR AT_NONNULL(1, 2, 3, 6, 7);

/* ------------------------------------------------------------------ */
/* at_config.c */

/* True when mode accepts credentials of kind method. */
bool at_mode_allows(enum at_mode mode, enum at_method method);

/*
 * The secret file that serves method under cfg: NULL when cfg->mode
 * refuses the method or no file is set; else the method's own file
 * (hmac_secret_file, jwt_secret_file) when set, and secret_file
 * otherwise.  *option (may be NULL) receives the option's name, static.
 * The one rule at_verifier_from_config() and the CLI share.
 */
const char *at_config_secret_file(const struct at_config *cfg,
				  enum at_method method, const char **option)
	AT_NONNULL(1);

/*
 * at_config_load() that also says which config file it read: *id gets
 * the fstat() of the very descriptor it read (found), or found false
 * when the default file does not exist, and read_at the time just before
 * the read.  The PAM module keeps the options for the account phase of
 * the same handle only while the file by that name still has this
 * identity (pam_agentictrust.c, kept_options()).
 */
struct at_config_file_id {
	bool found;
	struct stat st;		/* when found */
	time_t read_at;
};
enum at_err at_config_load_id(struct at_config *cfg, int argc,
			      const char **argv, const char *default_config,
			      uid_t owner_uid, const struct at_log *log,
			      struct at_config_file_id *id)
	AT_WUR AT_NONNULL(1, 7);

/*
 * The rules between the store options, applied by at_config_load() after
 * every option is in: single_use needs mode=jwt (an HMAC credential never
 * changes) and store=; store_password_file and store_prefix need store=.
 * Returns AT_OK or AT_ERR_CONFIG (logged, saying what to set).
 */
enum at_err at_config_check_store(const struct at_config *cfg,
				  const struct at_log *log) AT_WUR
	AT_NONNULL(1);

/* ------------------------------------------------------------------ */
/* at_hmac.c: keyed HMAC-SHA256 state through OpenSSL EVP_MAC */

struct at_hmac_key;

/*
 * Derive keyed HMAC-SHA256 state from key (any length, copied; the copy
 * is wiped when freed).  *out is owned: at_hmac_key_free().
 * Errors: AT_ERR_NOMEM, AT_ERR_CRYPTO, AT_ERR_INTERNAL (NULL key with a
 * non-zero length).
 */
enum at_err at_hmac_key_new(struct at_hmac_key **out, const void *key,
			    size_t keylen) AT_WUR AT_NONNULL(1);
/* Wipe and free; k may be NULL. */
void at_hmac_key_free(struct at_hmac_key *k);

/* mac = HMAC-SHA256(key, msg).  Returns AT_OK or AT_ERR_CRYPTO. */
enum at_err at_hmac_key_mac(struct at_hmac_key *k, const void *msg,
			    size_t msglen, unsigned char mac[AT_MAC_LEN])
	AT_WUR AT_NONNULL(1, 4);

/*
 * Constant-time check of tag against HMAC-SHA256(key, msg).  A tag whose
 * length is not AT_MAC_LEN (a truncated tag) is always refused.
 * Returns AT_OK, AT_ERR_SIGNATURE, AT_ERR_SIG_LENGTH or AT_ERR_CRYPTO.
 */
enum at_err at_hmac_key_verify(struct at_hmac_key *k, const void *msg,
			       size_t msglen, const unsigned char *tag,
			       size_t taglen) AT_WUR AT_NONNULL(1);

/*
 * OpenSSL's SHA-256, fetched once for the process (at_hmac.c): for
 * EVP_DigestInit_ex2() and EVP_Digest(), instead of EVP_sha256(), which
 * makes a locked fetch by name on every use.  Shared by every thread,
 * never freed by the caller.  NULL when it cannot be fetched.
 */
struct evp_md_st;
const struct evp_md_st *at_sha256_md(void);

/*
 * SHA-256 state for token fingerprints, restarted for each token.  Not
 * thread-safe: one per verifier.  *out is owned: at_sha256_free().
 * Errors: AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
struct at_sha256;

enum at_err at_sha256_new(struct at_sha256 **out) AT_WUR AT_NONNULL(1);
/* Free; h may be NULL. */
void at_sha256_free(struct at_sha256 *h);
/* at_token_fingerprint() through h: the same AT_FP_LEN hex digits. */
enum at_err at_sha256_fingerprint(struct at_sha256 *h, const char *tok,
				  size_t len, char out[AT_FP_LEN + 1])
	AT_WUR AT_NONNULL(1, 4);

/* ------------------------------------------------------------------ */
/* at_key.c */

/*
 * Find which secret of method's set (AT_METHOD_HMAC: HMAC credentials,
 * AT_METHOD_JWT: JWS signatures; no other set is ever tried) authenticates
 * data: on AT_OK *index is the secret's position in that set (0-based,
 * load order: the secret's index in its file).  Every secret of the set
 * is tried, each with a constant-time comparison.  Returns AT_OK,
 * AT_ERR_SIGNATURE, AT_ERR_SIG_LENGTH, AT_ERR_CRYPTO, or AT_ERR_INTERNAL
 * for another method.
 */
enum at_err at_verifier_check_mac(struct at_verifier *v, enum at_method method,
				  const void *data, size_t datalen,
				  const unsigned char *tag, size_t taglen,
				  int *index) AT_WUR AT_NONNULL(1, 7);

/*
 * Where secret index (as at_verifier_check_mac() returns it) of method's
 * set came from: *path (borrowed from the verifier; NULL when the secret
 * was added by at_verifier_add_*secret()) and *line (1-based line in that
 * file; 0 when not from a file).  Returns false for an index out of
 * range.
 */
bool at_verifier_secret_origin(const struct at_verifier *v,
			       enum at_method method, int index,
			       const char **path, unsigned int *line)
	AT_NONNULL(1, 4, 5);

/* Number of secrets in method's set (0 for another method). */
size_t at_verifier_method_secret_count(const struct at_verifier *v,
				       enum at_method method) AT_NONNULL(1);

/*
 * The line rules of a secret file, shared by the loaders and `agentictrust
 * check`: the next line of buf (read by at_file_read()) that holds a
 * secret.  Empty lines (also "\r" alone) and lines whose first byte is '#'
 * are skipped; one trailing "\r" is the line end.  Returns 1 with *line /
 * *linelen set, 0 at the end, or AT_ERR_SECRET with *why set to a static
 * description of what is wrong with the line (never its bytes): over
 * AT_MAX_LINE bytes or with a NUL, a UTF-8 byte order mark at its start,
 * only white space, a comment indented by white space, white space
 * (space, tab, CR, VT, FF) before or after the secret, or a first or last
 * byte that is not printable ASCII (0x21-0x7e: a dashboard secret is
 * printable ASCII; Unicode white space, bidi marks and control
 * characters are such bytes).  *lineno counts the
 * lines read, so after any return it names the last line looked at.  The
 * iteration may continue after an error, to report every bad line.
 */
int at_secret_next_line(const char *buf, size_t len, size_t *pos,
			unsigned int *lineno, const char **line,
			size_t *linelen, const char **why) AT_WUR;

/* ------------------------------------------------------------------ */
/* at_user_map.c: the user map */

/*
 * Limits of a user map (the text), above the AT_MAX_FILE of every other
 * file: 1M entries of typical ids fit several times over.  Lines keep
 * AT_MAX_LINE and fields AT_MAX_SUB.  A compiled index (MAP.cdb) is at
 * most AT_MAP_MAX_CDB bytes.
 */
#define AT_MAP_MAX_FILE (256u * 1024 * 1024)
#define AT_MAP_MAX_ENTRIES 4194304u
#define AT_MAP_MAX_CDB ((uint64_t)1 << 30)
#define AT_MAP_CDB_SUFFIX ".cdb"
/* Identity alone is trusted only for a text whose ctime is this much
 * older than the moment it was read (git's racy-git rule). */
#define AT_MAP_RACY_SECONDS 2
/* Parsed maps the process keeps, by path. */
#define AT_MAP_CACHE_SLOTS 4
#define AT_MAP_DIGEST_LEN 32

struct at_user_map;
struct at_map_ids;

/* What a load used. */
enum at_map_form {
	AT_MAP_TEXT,		/* the text; no compiled index */
	AT_MAP_COMPILED,	/* MAP.cdb, built from exactly this text */
	AT_MAP_STALE,		/* the text: MAP.cdb is from other text */
};

/* A file's identity: what changes when its bytes may have. */
struct at_file_ident {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

/* The compiled index's meta record: the text it was built from. */
struct at_map_meta {
	unsigned char digest[AT_MAP_DIGEST_LEN]; /* SHA-256 of the text */
	struct at_file_ident text;
	int64_t compiled_sec, compiled_nsec;	/* clock before the read */
	uint64_t entries;
};
#define AT_MAP_META_LEN (8 + AT_MAP_DIGEST_LEN + 10 * 8)

/* at_user_map_load() flags. */
#define AT_MAP_LOAD_NOCACHE 0x1u	/* neither use nor fill the cache */
#define AT_MAP_LOAD_NOINDEX 0x2u	/* ignore MAP.cdb */

/*
 * Load the map at path for a lookup: the text checked as a config file
 * (owner root or owner_uid, no group/other write, safe directories) on
 * every call; then MAP.cdb when it is there, passes the same checks and
 * was built from exactly this text (identity equal and settled at
 * compile time, else the SHA-256 of the text equal); else a parsed map
 * from the process-wide cache (identity equal and settled when it was
 * read, else the same SHA-256); else the text parsed, O(n), and cached.
 * A MAP.cdb that is unsafe or corrupt is an error (never skipped).
 * *out owned: at_user_map_unref(); *form says which form.  Errors:
 * AT_ERR_FILE (logged: the file, the line), AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_user_map_load(const char *path, uid_t owner_uid,
			     const struct at_log *log, unsigned int flags,
			     struct at_user_map **out, enum at_map_form *form)
	AT_WUR AT_NONNULL(1, 5, 6);

/* An empty parsed map to at_user_map_add() to (owned: unref). */
enum at_err at_user_map_new(struct at_user_map **out) AT_WUR AT_NONNULL(1);

/* Another reference to m (threads may share a parsed map), and drop one:
 * the last frees it. */
struct at_user_map *at_user_map_ref(struct at_user_map *m);
void at_user_map_unref(struct at_user_map *m);

/* Is m the compiled form, and how many entries it has. */
bool at_user_map_compiled(const struct at_user_map *m) AT_NONNULL(1);
size_t at_user_map_count(const struct at_user_map *m) AT_NONNULL(1);

/*
 * One map field's rule, for the text and for every record of MAP.cdb:
 * 1..AT_MAX_SUB bytes, at_str_printable(), no space; an id does not
 * start with '#' (that line is a comment).
 */
bool at_user_map_field_ok(const char *s, size_t len, bool is_id)
	AT_NONNULL(1);

/*
 * Add one entry to a parsed map that nobody else holds (line: its line,
 * 0 for none).  On a duplicate id: AT_ERR_FILE with *dup set and
 * *first_line the line of the first; on success *first_line is the line
 * of the user's first entry when it has one already, else 0.  Errors:
 * AT_ERR_FILE (a field empty, over AT_MAX_SUB bytes or not
 * at_str_printable(), as at_verifier_add_mapping(); a duplicate),
 * AT_ERR_TOO_LONG (AT_MAP_MAX_ENTRIES), AT_ERR_NOMEM, AT_ERR_INTERNAL (a
 * shared or compiled map).
 */
enum at_err at_user_map_add(struct at_user_map *m, const char *id,
			    size_t idlen, const char *user, size_t userlen,
			    unsigned int line, unsigned int *first_line,
			    bool *dup) AT_WUR AT_NONNULL(1, 2, 4, 7, 8);

/*
 * Entry k (file order) of a parsed map: its id, user and line (borrowed
 * from m), and the line of the user's first entry when this is not it
 * (else 0).  false past the end or for a compiled map.
 */
bool at_user_map_entry(const struct at_user_map *m, size_t k, const char **id,
		       const char **user, unsigned int *line,
		       unsigned int *user_first_line) AT_NONNULL(1, 3, 4, 5, 6);

/*
 * Parse the text buf (len bytes, NUL-terminated) into m: lines
 * "EXTERNAL_ID LOCAL_USER", '#' comments, blank lines.  Each bad line is
 * logged at LOG_ERR with path and its number (a duplicate also names the
 * first line); keep_going: report every bad line, *bad counts them.
 * Returns AT_OK, AT_ERR_FILE, AT_ERR_NOMEM.
 */
enum at_err at_user_map_parse(struct at_user_map *m, const char *buf,
			      size_t len, const char *path,
			      const struct at_log *log, bool keep_going,
			      unsigned int *bad) AT_WUR AT_NONNULL(1, 2, 4, 7);

/*
 * The local user of id into user (usersize at least AT_MAX_SUB + 1).
 * Returns AT_OK, AT_ERR_NOT_MAPPED, AT_ERR_FILE (a corrupt MAP.cdb
 * record), AT_ERR_NOMEM.
 */
enum at_err at_user_map_find(const struct at_user_map *m, const char *id,
			     char *user, size_t usersize) AT_WUR
	AT_NONNULL(1, 2, 3);

/* The record checks of MAP.cdb, for at_user_map_find() and the fuzzer:
 * a local user; a list of NUL-terminated ids (*count of them). */
enum at_err at_user_map_cdb_user(const char *val, size_t len) AT_WUR
	AT_NONNULL(1);
enum at_err at_user_map_cdb_ids(const char *val, size_t len, size_t *count)
	AT_WUR AT_NONNULL(1, 3);

/* The meta record, in its fixed little-endian layout; decode checks the
 * magic, the length and every bound.  Errors: AT_ERR_FILE. */
void at_map_meta_encode(const struct at_map_meta *meta,
			unsigned char out[AT_MAP_META_LEN]) AT_NONNULL(1, 2);
enum at_err at_map_meta_decode(const void *buf, size_t len,
			       struct at_map_meta *meta) AT_WUR
	AT_NONNULL(1, 3);

/* The identity of st; are two the same; is its ctime at least
 * AT_MAP_RACY_SECONDS before (sec, nsec)?  The user map's index and
 * cache use them, and the PAM module for the options it keeps for the
 * account phase. */
void at_file_ident_of(struct at_file_ident *id, const struct stat *st)
	AT_NONNULL(1, 2);
bool at_file_ident_equal(const struct at_file_ident *a,
			 const struct at_file_ident *b) AT_NONNULL(1, 2);
bool at_file_ident_settled(const struct at_file_ident *id, int64_t sec,
			   int64_t nsec) AT_NONNULL(1);

/*
 * `agentictrust map compile`: parse the text at path (checked as for
 * at_user_map_load()), then write path.cdb in the same directory: a
 * temporary file, fsync, rename, with the map's mode (group/other read
 * at most).  *entries: how many.  Errors: AT_ERR_FILE (logged),
 * AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_user_map_compile(const char *path, uid_t owner_uid,
				const struct at_log *log, size_t *entries)
	AT_WUR AT_NONNULL(1, 4);

/* The writing half, for tests that need a crafted meta record. */
enum at_err at_user_map_write_cdb(const char *cdbpath, mode_t mode,
				  const struct at_user_map *m,
				  const struct at_map_meta *meta,
				  const struct at_log *log) AT_WUR
	AT_NONNULL(1, 3, 4);

/* The seeded hash m's index uses (tests: the seed differs per map). */
uint64_t at_user_map_hash(const struct at_user_map *m, const char *s,
			  size_t len) AT_NONNULL(1, 2);

/* Forget every cached map (tests; the library's destructor). */
void at_user_map_cache_clear(void);

/* The clock of the racy rule and of a compile's time (tests: NULL puts
 * CLOCK_REALTIME back). */
void at_user_map_set_clock(struct timespec (*fn)(void));

/*
 * at_verifier_from_config() for a long-lived process (the PAM module):
 * the same files, opened and checked in full every call (owner, mode,
 * ACL, parent directories, no symbolic link), but when the bytes read
 * are exactly those an earlier call keyed (SHA-256 of everything read,
 * with the paths, which set each file serves and owner_uid), the keyed
 * secrets are taken from a process-wide cache instead of being parsed
 * and keyed again; at_verifier_free() gives them back.  A file rewritten,
 * replaced, truncated or made unreadable takes effect on the next call.
 * Thread-safe; at most AT_CACHE_ENTRIES file sets are kept (least
 * recently used goes), each with at most AT_CACHE_IDLE idle keyrings
 * (one per transaction running at once).  Dropped secrets are wiped.
 */
#define AT_CACHE_DIGEST_LEN 32
#define AT_CACHE_ENTRIES 8
#define AT_CACHE_IDLE 16
enum at_err at_verifier_from_config_cached(struct at_verifier **out,
					   const struct at_config *cfg,
					   uid_t owner_uid,
					   const struct at_log *log)
	AT_WUR AT_NONNULL(1, 2);

/* Wipe and free every keyring the cache holds (a process about to exit;
 * the tests).  Verifiers in use keep theirs and give them back later. */
void at_cache_flush(void);

/* Keyrings the cache holds, and lookups answered from it since the
 * process started (the tests). */
void at_cache_stats(size_t *keyrings, unsigned long *hits);

/*
 * The reverse of the user map: the external ids v's map sends to the
 * local user, in file order, one per call.  Start with *pos = 0; each
 * call sets *id to the next such id (borrowed from v, valid until v is
 * freed) and advances *pos, or to NULL when there is no more (always
 * NULL without a map).  The account phase asks the state store about
 * each id that names its user.  Errors: AT_ERR_FILE (a corrupt MAP.cdb
 * record, logged), AT_ERR_NOMEM, AT_ERR_INTERNAL (a *pos not handed out
 * for user).
 */
enum at_err at_verifier_map_next_id(struct at_verifier *v, const char *user,
				    size_t *pos, const char **id) AT_WUR
	AT_NONNULL(1, 2, 3, 4);

/* The local user v's map sends id to (see at_user_map_find()); a
 * corrupt record is logged. */
enum at_err at_verifier_map_find(struct at_verifier *v, const char *id,
				 char *user, size_t usersize) AT_WUR
	AT_NONNULL(1, 2, 3);

/* Drop v's map (at_verifier_free()). */
void at_verifier_map_clear(struct at_verifier *v) AT_NONNULL(1);

/* ------------------------------------------------------------------ */
/* at_jwt.c: the layers under at_jwt_verify() */

/*
 * JWS layer (RFC 7515 compact serialization): exactly three strict
 * base64url segments, a 32-byte signature, the MAC verified over the raw
 * signing input against every secret BEFORE any JSON is parsed, then the
 * header parsed with duplicate keys rejected and checked: alg exactly
 * "HS256", typ absent or "JWT" (any case), no crit/jku/x5u/jwk/x5c/cty/
 * enc/zip/b64.  The one header whose verdict is known without a parse,
 * jsonwebtoken's {"alg":"HS256","typ":"JWT"} byte for byte (its segment
 * compared exactly), is not parsed; any other is.  On AT_OK, *payload
 * (owned: at_freezero(*payload, *payload_len + 1)) holds the decoded
 * payload bytes plus a NUL, and claims->secret_index / kid / fp are set.
 * (at_jwt_verify() runs the same layer with the payload on its stack.)
 */
enum at_err at_jws_verify(struct at_verifier *v, const char *tok, size_t len,
			  struct at_claims *claims, unsigned char **payload,
			  size_t *payload_len) AT_WUR AT_NONNULL(1, 2, 4, 5, 6);

/*
 * JWT claims (RFC 7519 section 4.1, RFC 8725): payload must be a JSON
 * object without duplicate keys; sub a printable string of 1..AT_MAX_SUB
 * bytes; exp/nbf/iat numbers in [0, 2^53); exp required unless
 * allow_no_exp; time checks against now with the configured leeway;
 * iss, aud and max_ttl per the policy; email/name optional strings,
 * dropped (claims->email_drop / name_drop) when too long or unprintable.
 */
enum at_err at_jwt_check_claims(const struct at_config *cfg,
				const unsigned char *payload,
				size_t payload_len, time_t now,
				struct at_claims *claims) AT_WUR
	AT_NONNULL(1, 2, 5);

/* ------------------------------------------------------------------ */
/* at_policy.c: which local accounts a verified credential may open */

/*
 * Where the module and the CLI read UID_MIN and UID_MAX.  The PAM tests'
 * build of the module (pam_module_test) points it into the build tree.
 */
#ifndef AT_DEFAULT_LOGIN_DEFS
#define AT_DEFAULT_LOGIN_DEFS "/etc/login.defs"
#endif
/* shadow's UID_MIN and UID_MAX when login.defs (or the line) is missing. */
#define AT_DEFAULT_UID_MIN 1000
#define AT_DEFAULT_UID_MAX 60000
/* Linux-PAM pam_usertype: uids up to 99 are reserved for the system. */
#define AT_RESERVED_UID_MAX 99
/* nobody: the kernel's overflow uid (/proc/sys/kernel/overflowuid). */
#define AT_NOBODY_UID 65534

/* The uids of normal accounts: UID_MIN..UID_MAX of login.defs. */
struct at_uid_range {
	uid_t min;	/* UID_MIN */
	uid_t max;	/* UID_MAX, >= min */
};

/*
 * UID_MIN and UID_MAX of a login.defs buffer (shadow's format: one "NAME
 * VALUE" per line, blanks between, leading blanks allowed, '#' comments).
 * Strict: each value must be "0" or decimal digits without a leading zero
 * (shadow would read 01000 as octal), nothing else after them but blanks,
 * at most (uid_t)-2; a line without a value, a second line for the same
 * name, an over-long line, a NUL byte, or a UID_MAX below UID_MIN (either
 * from the file or the default, as shadow's useradd refuses it) are
 * errors.  A missing line gives AT_DEFAULT_UID_MIN / AT_DEFAULT_UID_MAX.
 * path only names the file in log lines.  Returns AT_OK or AT_ERR_FILE
 * (logged with path:line at LOG_ERR); *range holds the defaults on error.
 */
enum at_err at_login_defs_parse(const char *buf, size_t len, const char *path,
				const struct at_log *log,
				struct at_uid_range *range) AT_WUR
	AT_NONNULL(1, 3, 5);

/*
 * at_login_defs_parse() of the file at path, read with at_file_read()'s
 * AT_FILE_CONFIG rules (no symlink, a regular file owned by root or
 * owner_uid, no group/other write, at most AT_MAX_FILE bytes).  A missing
 * file gives the defaults.  Errors: AT_ERR_FILE (logged), AT_ERR_NOMEM.
 */
enum at_err at_login_defs_read(const char *path, uid_t owner_uid,
			       const struct at_log *log,
			       struct at_uid_range *range) AT_WUR
	AT_NONNULL(1, 4);

/* What kind of local account a uid is; AT_UID_NORMAL is the only one a
 * credential opens without user_map or allow_system_users. */
enum at_uid_class {
	AT_UID_NORMAL = 0,	/* range->min <= uid <= range->max */
	AT_UID_ROOT,		/* 0 */
	AT_UID_INVALID,		/* (uid_t)-1, and 65535, the 16-bit -1 */
	AT_UID_NOBODY,		/* AT_NOBODY_UID */
	AT_UID_RESERVED,	/* 1..AT_RESERVED_UID_MAX */
	AT_UID_BELOW_MIN,	/* below UID_MIN */
	AT_UID_ABOVE_MAX,	/* above UID_MAX */
};

/* The class of uid under range, tested in the order of the enum. */
enum at_uid_class at_uid_classify(uid_t uid, const struct at_uid_range *range)
	AT_NONNULL(2);

/*
 * May a verified credential open the local account uid?  With a user map
 * (has_map) the map is the only authority: AT_OK.  With
 * cfg->allow_system_users: AT_OK.  Otherwise AT_OK for an AT_UID_NORMAL
 * uid and AT_ERR_SYSTEM_USER for every other class.
 */
enum at_err at_user_policy(const struct at_config *cfg, bool has_map,
			   uid_t uid, const struct at_uid_range *range) AT_WUR
	AT_NONNULL(1, 4);

/*
 * at_user_policy() with the range from at_login_defs_read(login_defs),
 * which is read only when the policy is in force (no map, no
 * allow_system_users).  The one call the module and `agentictrust
 * verify` make, so that both give the same verdict.  Returns AT_OK,
 * AT_ERR_SYSTEM_USER (with a LOG_DEBUG line saying which class), or the
 * errors of at_login_defs_read().
 */
enum at_err at_user_policy_check(const struct at_config *cfg, bool has_map,
				 uid_t uid, const char *login_defs,
				 uid_t owner_uid, const struct at_log *log)
	AT_WUR AT_NONNULL(1, 4);
/* The same for a long-lived process (the module): login_defs is read and
 * checked every call, and parsed only when its bytes differ from those
 * the process-wide cache (at_cache.c) parsed last. */
enum at_err at_user_policy_check_cached(const struct at_config *cfg,
					bool has_map, uid_t uid,
					const char *login_defs,
					uid_t owner_uid,
					const struct at_log *log)
	AT_WUR AT_NONNULL(1, 4);

/* "too_long", "unprintable" or "none": the log's name for a drop. */
const char *at_drop_name(enum at_drop d);

#endif /* AT_H */
