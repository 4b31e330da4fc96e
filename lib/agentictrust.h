/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agentictrust.h - the public API of libagentictrust, the Agentic Trust
 * credential verification library (pkg-config: agentictrust).
 *
 * A verifier holds secrets and policy; at_verify_credential() checks an
 * HMAC-SHA256 hex credential or an HS256 JWT for a local user:
 *
 *	struct at_config *cfg = NULL;
 *	struct at_verifier *v = NULL;
 *	struct at_claims *claims = NULL;
 *	bool ok = false;
 *
 *	if (at_config_new(&cfg) == AT_OK &&
 *	    at_config_load(cfg, argc, argv, AT_DEFAULT_CONFIG, geteuid(),
 *			   NULL) == AT_OK &&
 *	    at_verifier_from_config(&v, cfg, geteuid(), NULL) == AT_OK &&
 *	    at_claims_new(&claims) == AT_OK &&
 *	    at_verify_credential(v, cred, len, user, claims) == AT_OK)
 *		ok = true;
 *	at_claims_free(claims);
 *	at_verifier_free(v);
 *	at_config_free(cfg);
 *
 * struct at_config and struct at_claims are opaque: they are made by
 * at_config_new() / at_claims_new(), read through accessors (after the
 * above, at_claims_sub(claims) is the verified external id) and freed by
 * at_config_free() / at_claims_free(), which take NULL.  Their fields can
 * grow without changing the SONAME.
 *
 * The library never includes PAM headers: the PAM module, the CLI, the
 * tests and the benchmark all drive the same functions.  Every fallible
 * function returns enum at_err: AT_OK (0) on success, a negative value on
 * failure.  Only the PAM module maps these to PAM codes.
 *
 * Ownership is stated at each function.  Nothing here is thread-safe per
 * object: one struct at_verifier belongs to one thread at a time (it keeps
 * keyed HMAC state that each verification reuses).
 */
#ifndef AGENTICTRUST_H
#define AGENTICTRUST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define AT_WUR __attribute__((warn_unused_result))
#define AT_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define AT_PRINTF(f, a) __attribute__((format(printf, f, a)))

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is exported from libagentictrust.so; the rest
 * of the library is built with hidden visibility. */
#pragma GCC visibility push(default)

/* Limits.  Every input is bounded before it is decoded. */
#define AT_MAX_CREDENTIAL 4096	/* bytes, after trimming white space */
#define AT_HMAC_HEX_LEN 64	/* HMAC-SHA256 as hex */
#define AT_MAC_LEN 32		/* HMAC-SHA256 output, bytes */
#define AT_MIN_SECRET 32	/* RFC 7518 3.2: key >= hash output size */
#define AT_MAX_SECRET 1024	/* bytes of one secret line */
#define AT_MAX_SECRETS 16	/* lines in a secret file */
#define AT_MAX_SUB 256		/* bytes of an external id (JWT sub) */
#define AT_MAX_CLAIM 1024	/* bytes of iss; of email / name, or dropped */
#define AT_MAX_FILE 65536	/* bytes of a config or secret file (a user
				 * map: 256 MiB, see pam_agentictrust(8)) */
#define AT_MAX_LINE 4096	/* bytes of one line in those files */
#define AT_MAX_LEEWAY 300	/* seconds */
#define AT_DEFAULT_LEEWAY 60	/* seconds */
#define AT_MAX_TTL_LIMIT 31536000 /* max_ttl upper bound: one year */
#define AT_MAX_TIME_CLAIM 9007199254740992.0 /* 2^53, exclusive */
#define AT_FP_LEN 32		/* hex digits of a token fingerprint */

#ifndef AT_DEFAULT_CONFIG
#define AT_DEFAULT_CONFIG "/etc/security/agentictrust.conf"
#endif
#define AT_DEFAULT_PROMPT "Agentic Trust token: "

/*
 * Error codes.  Each has a stable reason tag (at_err_reason()) that the
 * module logs as "reason=<tag>"; operators grep for these, so never rename
 * one.
 */
enum at_err {
	AT_OK = 0,
	/* system, configuration and files */
	AT_ERR_INTERNAL = -1,	/* "internal" */
	AT_ERR_NOMEM = -2,	/* "out_of_memory" */
	AT_ERR_CRYPTO = -3,	/* "crypto_error" */
	AT_ERR_CONFIG = -4,	/* "bad_config" */
	AT_ERR_FILE = -5,	/* "file_unusable": config or user map */
	AT_ERR_SECRET = -6,	/* "secret_unusable" */
	AT_ERR_SECRET_SHORT = -7, /* "secret_too_short" */
	/* the state store (store=): the module's, not the verifier's */
	AT_ERR_STORE_UNAVAILABLE = -8, /* "store_unavailable": unreachable,
					* timed out, busy past the timeout */
	AT_ERR_STORE = -9,	/* "store_error": it answered with an error */
	/* credential shape */
	AT_ERR_EMPTY = -20,	/* "empty" */
	AT_ERR_TOO_LONG = -21,	/* "too_long" */
	AT_ERR_FORMAT = -22,	/* "malformed" */
	AT_ERR_METHOD = -23,	/* "method_not_allowed" */
	AT_ERR_BASE64 = -24,	/* "bad_base64" */
	AT_ERR_SIG_LENGTH = -25, /* "bad_signature_length" */
	AT_ERR_SIGNATURE = -26,	/* "bad_signature" */
	/* after the MAC check: JSON and header */
	AT_ERR_JSON = -40,	/* "bad_json" */
	AT_ERR_DUPLICATE_KEY = -41, /* "duplicate_key" */
	AT_ERR_NOT_OBJECT = -42, /* "not_object" */
	AT_ERR_ALG = -43,	/* "alg_not_allowed" */
	AT_ERR_TYP = -44,	/* "bad_typ" */
	AT_ERR_HEADER = -45,	/* "forbidden_header" */
	/* claims */
	AT_ERR_SUB = -60,	/* "bad_sub" */
	AT_ERR_TIME_CLAIM = -61, /* "bad_time_claim" */
	AT_ERR_EXPIRED = -62,	/* "expired" */
	AT_ERR_NO_EXP = -63,	/* "missing_exp" */
	AT_ERR_NOT_YET = -64,	/* "not_yet_valid" */
	AT_ERR_IAT_FUTURE = -65, /* "issued_in_future" */
	AT_ERR_ISSUER = -66,	/* "bad_issuer" */
	AT_ERR_AUDIENCE = -67,	/* "bad_audience" */
	AT_ERR_TTL = -68,	/* "ttl_too_long" */
	AT_ERR_NO_IAT = -69,	/* "missing_iat" */
	AT_ERR_CLAIM = -70,	/* "bad_claim": email / name / jti not a
				 * string, or a bad jti */
	/* identity */
	AT_ERR_USER_MISMATCH = -80, /* "user_mismatch" */
	AT_ERR_NOT_MAPPED = -81, /* "user_not_mapped" */
	AT_ERR_SYSTEM_USER = -82, /* "system_user": root or a system account */
	/* the state store's verdicts */
	AT_ERR_REVOKED = -83,	/* "revoked": the id or the token is revoked */
	AT_ERR_REPLAYED = -84,	/* "replayed": a single-use token used before */
};

/* Stable reason tag, e.g. "expired".  Never NULL; static storage. */
const char *at_err_reason(enum at_err e);
/* One-line English description.  Never NULL; static storage. */
const char *at_strerror(enum at_err e);

/*
 * Logging.  lib never calls syslog itself: the caller passes a sink
 * (pam_vsyslog in the module, stderr in the CLI, a capture in tests).
 * prio is a syslog priority (LOG_ERR ... LOG_DEBUG).  LOG_DEBUG lines are
 * emitted only when debug is true.  Messages never contain a credential,
 * signature or secret.
 */
typedef void (*at_log_fn)(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);
struct at_log {
	at_log_fn fn;	/* may be NULL: messages are dropped */
	void *ctx;	/* borrowed: passed to fn */
	bool debug;
};
void at_log(const struct at_log *log, int prio, const char *fmt, ...)
	AT_PRINTF(3, 4);

/* ------------------------------------------------------------------ */
/* Secrets in memory */

/* Overwrite n bytes at p in a way the compiler cannot elide. */
void at_wipe(void *p, size_t n);
/* at_wipe() then free(); p may be NULL. */
void at_freezero(void *p, size_t n);
/* at_wipe(s, strlen(s)) then free(); s may be NULL. */
void at_strfreezero(char *s);

/* ------------------------------------------------------------------ */
/* Options: struct at_config */

enum at_mode {
	AT_MODE_ANY = 0,
	AT_MODE_JWT,
	AT_MODE_HMAC,
};

/*
 * Every option of the module, parsed once.  Opaque: its fields are private
 * to the library and may grow in any release.
 */
struct at_config;

/*
 * A new config with the defaults (mode any, leeway AT_DEFAULT_LEEWAY, no
 * secret file, issuer, audience or user map).  *out is owned:
 * at_config_free().  Errors: AT_ERR_NOMEM (*out is then NULL).
 */
enum at_err at_config_new(struct at_config **out) AT_WUR AT_NONNULL(1);
/* Free cfg and every string it owns; cfg may be NULL.  A verifier made
 * from cfg borrows it: free the verifier first. */
void at_config_free(struct at_config *cfg);

/*
 * Apply one option.  value is NULL for a bare flag ("debug").  Returns
 * AT_OK, AT_ERR_CONFIG for an unknown key or malformed value (logged at
 * LOG_ERR), or AT_ERR_NOMEM.  "config" is accepted only from argv.
 */
enum at_err at_config_set(struct at_config *cfg, const char *key,
			  const char *value, const struct at_log *log)
	AT_WUR AT_NONNULL(1, 2);

/*
 * Parse module arguments the way the module does: first find config=,
 * then read that file (or default_config, AT_DEFAULT_CONFIG in the
 * installed module, when it exists), then apply
 * the arguments over it.  Fails with AT_ERR_CONFIG on any unknown or
 * malformed option, a missing explicit config file, a config file that is
 * unsafe or unreadable (logged by at_file_read); AT_ERR_NOMEM.  A
 * missing secret_file is left to at_verifier_from_config(), so that the
 * account phase, which needs no secret, loads the same options.
 */
enum at_err at_config_load(struct at_config *cfg, int argc, const char **argv,
			   const char *default_config, uid_t owner_uid,
			   const struct at_log *log) AT_WUR AT_NONNULL(1, 4);

/* "any", "jwt" or "hmac". */
const char *at_mode_name(enum at_mode mode);

/*
 * The leeway option, in seconds (0..AT_MAX_LEEWAY), for at_exp_check():
 * a caller that keeps a verified exp re-checks it later with the same
 * leeway the verification used, as the module's account phase does.
 */
unsigned int at_config_leeway(const struct at_config *cfg) AT_NONNULL(1);

/* ------------------------------------------------------------------ */
/* HMAC-SHA256 */

/* One-shot HMAC-SHA256 for tools and tests. */
enum at_err at_hmac_sha256(const void *key, size_t keylen, const void *msg,
			   size_t msglen, unsigned char mac[AT_MAC_LEN])
	AT_WUR;

/* ------------------------------------------------------------------ */
/* The verifier: secrets, user map, clock */

struct at_verifier;

/* A clock: returns the current Unix time.  Tests inject a fixed one. */
typedef time_t (*at_clock_fn)(void *ctx);

/*
 * Create a verifier bound to the policy in cfg (borrowed: cfg must outlive
 * the verifier) with no secret yet.  *out is owned: at_verifier_free().
 * Errors: AT_ERR_NOMEM.
 */
enum at_err at_verifier_new(struct at_verifier **out,
			    const struct at_config *cfg,
			    const struct at_log *log) AT_WUR AT_NONNULL(1, 2);
/* Wipe every key and free; v may be NULL. */
void at_verifier_free(struct at_verifier *v);

/* Replace the clock (default: time(NULL)).  ctx is borrowed. */
void at_verifier_set_clock(struct at_verifier *v, at_clock_fn fn, void *ctx)
	AT_NONNULL(1);
/* The verifier's current time. */
time_t at_verifier_now(const struct at_verifier *v) AT_NONNULL(1);

/*
 * Add one secret (bytes copied, caller keeps and wipes its own copy) for
 * both credential kinds: it verifies HMAC credentials and JWS signatures
 * (see at_verifier_add_method_secret() for one kind only, and why).
 * The verifier derives its keyed HMAC state here, once.
 * Errors: AT_ERR_SECRET_SHORT (< AT_MIN_SECRET bytes), AT_ERR_SECRET
 * (> AT_MAX_SECRET bytes or more than AT_MAX_SECRETS for a kind),
 * AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_verifier_add_secret(struct at_verifier *v, const void *key,
				   size_t keylen) AT_WUR AT_NONNULL(1, 2);

/*
 * Load every secret line of path (at_file_read() rules, AT_FILE_SECRET)
 * for both credential kinds: empty lines and lines whose first byte is
 * '#' skipped, a trailing "\r" stripped, each other line's bytes a key
 * as-is.  A file with a line that cannot be meant as a key is refused as
 * a whole: a UTF-8 byte order mark at the start of a line, a line of only
 * white space, a comment indented by white space, white space before or
 * after a secret.  On any error no secret of the file is kept.  The file
 * buffer is wiped.  Errors: AT_ERR_SECRET (unusable file, no secret in
 * it, a refused line, a line too long), AT_ERR_SECRET_SHORT,
 * AT_ERR_NOMEM, AT_ERR_CRYPTO; the reason is logged with the file name and
 * line number, never the secret or the line's bytes.
 */
enum at_err at_verifier_load_secrets(struct at_verifier *v, const char *path,
				     uid_t owner_uid) AT_WUR AT_NONNULL(1, 2);

/*
 * Copy out the n-th secret (0-based, blank and '#' lines not counted) of
 * a secret file, for tools that mint credentials.  The whole file must
 * pass at_verifier_load_secrets()'s line rules.  *key is owned:
 * at_freezero(*key, *keylen).  Errors as at_verifier_load_secrets().
 */
enum at_err at_secret_file_get(const char *path, uid_t owner_uid,
			       const struct at_log *log, unsigned int n,
			       unsigned char **key, size_t *keylen) AT_WUR
	AT_NONNULL(1, 5, 6);

/*
 * The verifier the module uses: at_verifier_new(), then the secrets and,
 * when set, the map of cfg->user_map, all with owner_uid as the trusted
 * non-root owner.  Each credential kind that cfg->mode accepts gets its
 * secrets from its own file when one is set (cfg->hmac_secret_file,
 * cfg->jwt_secret_file), and from cfg->secret_file otherwise; a kind that
 * mode refuses gets none, and its own file is not opened.  *out owned:
 * at_verifier_free().  Errors: those of the calls above; AT_ERR_CONFIG
 * (logged, naming the kind) when a kind that mode accepts has no file.
 */
enum at_err at_verifier_from_config(struct at_verifier **out,
				    const struct at_config *cfg,
				    uid_t owner_uid, const struct at_log *log)
	AT_WUR AT_NONNULL(1, 2);

/* Number of distinct secrets loaded (a secret for both kinds counts once). */
size_t at_verifier_secret_count(const struct at_verifier *v) AT_NONNULL(1);

/*
 * Load the user map (lines "EXTERNAL_ID LOCAL_USER", '#' comments) from
 * path with the AT_FILE_CONFIG rules.  Errors: AT_ERR_FILE (unusable file,
 * malformed line, duplicate id), AT_ERR_NOMEM.
 */
enum at_err at_verifier_load_user_map(struct at_verifier *v, const char *path,
				      uid_t owner_uid) AT_WUR AT_NONNULL(1, 2);

/*
 * Add one map entry (strings copied).  Errors: AT_ERR_FILE for an empty,
 * over-long or non-printable field or a duplicate external id,
 * AT_ERR_NOMEM.
 */
enum at_err at_verifier_add_mapping(struct at_verifier *v,
				    const char *external_id,
				    const char *local_user) AT_WUR
	AT_NONNULL(1, 2, 3);

/* ------------------------------------------------------------------ */
/* Credentials */

enum at_method {
	AT_METHOD_NONE = 0,
	AT_METHOD_JWT,
	AT_METHOD_HMAC,
};

/*
 * What a verification found.  Opaque: read it through the accessors
 * below.  Filled progressively: fields are set only once the MAC has been
 * verified, so nothing in here is ever an unauthenticated value.  After a
 * failed verification it holds what was verified before the failure (the
 * sub of an expired JWT, for example).
 */
struct at_claims;

/*
 * A new, empty claims object (method AT_METHOD_NONE, secret index -1, no
 * string, no time claim).  *out is owned: at_claims_free().
 * Errors: AT_ERR_NOMEM (*out is then NULL).
 */
enum at_err at_claims_new(struct at_claims **out) AT_WUR AT_NONNULL(1);
/* Free c and every string it owns; c may be NULL. */
void at_claims_free(struct at_claims *c);

/* Which kind of credential it was; AT_METHOD_NONE before the shape check. */
enum at_method at_claims_method(const struct at_claims *c) AT_NONNULL(1);
/* Which secret (0-based, file order) verified the MAC; -1 = none. */
int at_claims_secret_index(const struct at_claims *c) AT_NONNULL(1);
/*
 * A JWT's fingerprint, once its MAC verified: AT_FP_LEN lowercase hex
 * digits of SHA-256 over the token as verified (without surrounding white
 * space), the value the module logs as fp= and `agentictrust fingerprint`
 * prints; NULL for an HMAC credential or before the MAC verified.
 * Borrowed from c.  Since 0.4.0.
 */
const char *at_claims_fingerprint(const struct at_claims *c) AT_NONNULL(1);

/*
 * The strings, NUL-terminated, or NULL when not (yet) known.  Each is
 * borrowed from c: valid until at_claims_free(c) or the next verification
 * into c.
 *   sub         the external id: a JWT's sub (printable, at most
 *               AT_MAX_SUB bytes), or the id an HMAC matched (a user map
 *               entry's, or without a map the user passed in)
 *   email, name the JWT email / name claims: NULL also when the token
 *               carried one longer than AT_MAX_CLAIM bytes or with a
 *               control character (dropped; the token is still valid)
 *   iss         the JWT iss claim
 *   kid         the JWT kid header, only when printable
 *   local_user  the local user the external id maps to (a user map
 *               entry's, or a JWT's sub without a map), also when that
 *               is not the user asked for (AT_ERR_USER_MISMATCH)
 * email and name are printable (no control byte, at most AT_MAX_CLAIM
 * bytes).  iss is the issuer's string as signed, at most AT_MAX_CLAIM
 * bytes without NUL but not checked for control bytes: escape it before
 * it reaches a log line or a terminal.
 */
const char *at_claims_sub(const struct at_claims *c) AT_NONNULL(1);
const char *at_claims_email(const struct at_claims *c) AT_NONNULL(1);
const char *at_claims_name(const struct at_claims *c) AT_NONNULL(1);
const char *at_claims_iss(const struct at_claims *c) AT_NONNULL(1);
const char *at_claims_kid(const struct at_claims *c) AT_NONNULL(1);
const char *at_claims_local_user(const struct at_claims *c) AT_NONNULL(1);

/*
 * The JWT time claims (RFC 7519 4.1.4-4.1.6), seconds since the epoch in
 * [0, 2^53): true and the value in *t when the token had the claim, false
 * and *t = 0 otherwise (always false for an HMAC credential).
 */
bool at_claims_exp(const struct at_claims *c, double *t) AT_NONNULL(1, 2);
bool at_claims_nbf(const struct at_claims *c, double *t) AT_NONNULL(1, 2);
bool at_claims_iat(const struct at_claims *c, double *t) AT_NONNULL(1, 2);

/*
 * RFC 7519 4.1.4 with leeway: AT_ERR_EXPIRED when now >= exp + leeway,
 * else AT_OK.  The auth check and the account phase's re-check share it.
 */
enum at_err at_exp_check(double exp, unsigned int leeway, time_t now) AT_WUR;

/*
 * Verify an HS256 JWT alone (no user mapping) at the verifier's clock.
 * claims must be empty, fresh from at_claims_new(): this function fills
 * it without emptying it first (at_verify_credential() does empty it).
 */
enum at_err at_jwt_verify(struct at_verifier *v, const char *tok, size_t len,
			  struct at_claims *claims) AT_WUR AT_NONNULL(1, 2, 4);

/*
 * Whole pipeline for a credential presented for local user `user`: trim,
 * length and shape checks, the method allowed by mode, MAC verification,
 * claims, and the user mapping.  For HMAC the candidate external ids are
 * those the map sends to user (or user itself without a map).  claims
 * (from at_claims_new(), owned by the caller) is emptied, then filled as
 * far as verification got; it may be reused for the next credential.
 * Returns AT_OK only when the credential proves `user`.  A NUL byte
 * anywhere in the len bytes is AT_ERR_FORMAT: a PAM conversation answer
 * ends at its first NUL, so judge the bytes before it.
 */
enum at_err at_verify_credential(struct at_verifier *v, const char *cred,
				 size_t len, const char *user,
				 struct at_claims *claims) AT_WUR
	AT_NONNULL(1, 2, 4, 5);

/* "jwt", "hmac" or "none". */
const char *at_method_name(enum at_method m);

/*
 * Add one secret for one credential kind only (method AT_METHOD_HMAC or
 * AT_METHOD_JWT).  Why: HMAC-SHA256(secret, id) for an id of the form
 * "<b64url header>.<b64url payload>" IS the HS256 signature of that JWT,
 * so with one secret for both kinds, whoever can have the backend HMAC a
 * chosen id can mint a JWT.  A secret added here for HMAC never verifies
 * a JWS signature, and the reverse.  Errors as at_verifier_add_secret(),
 * and AT_ERR_INTERNAL for another method.
 */
enum at_err at_verifier_add_method_secret(struct at_verifier *v,
					  enum at_method method,
					  const void *key, size_t keylen)
	AT_WUR AT_NONNULL(1, 3);

/*
 * at_verifier_load_secrets() for one credential kind only (method
 * AT_METHOD_HMAC or AT_METHOD_JWT), as at_verifier_add_method_secret().
 * Errors as at_verifier_load_secrets(), and AT_ERR_INTERNAL for another
 * method.
 */
enum at_err at_verifier_load_method_secrets(struct at_verifier *v,
					    enum at_method method,
					    const char *path, uid_t owner_uid)
	AT_WUR AT_NONNULL(1, 3);

/*
 * Clients cut long answers at a fixed buffer size, silently: a credential
 * of exactly 255, 511, 1023 or 4095 bytes that fails to verify was most
 * likely truncated.  Returns which clients stop at that length (static
 * text), or NULL for any other length.
 */
const char *at_truncation_hint(size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* AGENTICTRUST_H */
