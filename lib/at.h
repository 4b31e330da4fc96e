/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at.h - libagentictrust internals: the public API (agentictrust.h) plus
 * the parsers and building blocks that the library, the PAM module, the
 * CLI, the tests and the fuzzers share.  Not installed; these symbols are
 * hidden in libagentictrust.so and in pam_agentictrust.so.
 */
#ifndef AT_H
#define AT_H

#include "agentictrust.h"

/* ------------------------------------------------------------------ */
/* at_util.c */

/*
 * Strict base64url (RFC 7515 section 2 / RFC 4648 section 5): alphabet
 * A-Za-z0-9-_ only, no padding, no white space, length mod 4 != 1, and the
 * unused low bits of the last character zero (canonical encoding).
 * at_b64url_check() validates without decoding.
 * at_b64url_decode() writes at most outcap bytes to out and the decoded
 * length to *outlen.  Returns AT_OK or AT_ERR_BASE64 (also when outcap is
 * too small).
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
 * Returns AT_OK or AT_ERR_FORMAT.  at_hex_encode() writes 2*len lowercase
 * digits and a NUL.
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
 * Read a whole file safely: open with O_NOFOLLOW|O_CLOEXEC, fstat the
 * handle, require a regular file owned by root or by owner_uid, no
 * group/other write, and for AT_FILE_SECRET no access for others; size at
 * most AT_MAX_FILE.  On success *buf (owned: at_freezero(*buf, *len + 1))
 * holds the bytes plus a NUL.  Errors: AT_ERR_FILE (config kind) or
 * AT_ERR_SECRET (secret kind), with the reason logged at LOG_ERR;
 * AT_ERR_NOMEM.  When missing_ok is set and the file does not exist,
 * returns AT_OK with *buf NULL.
 */
enum at_err at_file_read(const char *path, enum at_file_kind kind,
			 uid_t owner_uid, bool missing_ok,
			 const struct at_log *log, char **buf, size_t *len)
	AT_WUR AT_NONNULL(1, 6, 7);

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

/* A fresh random key (getrandom).  Returns AT_OK or AT_ERR_CRYPTO. */
enum at_err at_seal_keygen(unsigned char key[AT_SEAL_KEY_LEN]) AT_WUR
	AT_NONNULL(1);

/*
 * Seal entries (text without NUL, the "NAME=value" lines the auth phase
 * exported) for user: *out (owned: free()) is
 * b64url(entries) "." b64url(HMAC-SHA256(key, "agentictrust-seal-1" NUL
 * user NUL entries)).  Errors: AT_ERR_TOO_LONG (entries or user longer
 * than AT_SEAL_MAX), AT_ERR_NOMEM, AT_ERR_CRYPTO.
 */
enum at_err at_seal_make(const unsigned char key[AT_SEAL_KEY_LEN],
			 const char *user, const char *entries, char **out)
	AT_WUR AT_NONNULL(1, 2, 3, 4);

/*
 * Check a seal (hostile input: any bytes) made with key for user.  On
 * AT_OK *entries (owned: free()) holds the sealed text.  Errors:
 * AT_ERR_TOO_LONG, AT_ERR_FORMAT (not two strict base64url parts, a MAC
 * that is not 32 bytes, a NUL in the text), AT_ERR_SIGNATURE (another
 * key, user or text; compared in constant time), AT_ERR_NOMEM,
 * AT_ERR_CRYPTO.
 */
enum at_err at_seal_open(const unsigned char key[AT_SEAL_KEY_LEN],
			 const char *user, const char *seal, char **entries)
	AT_WUR AT_NONNULL(1, 2, 3, 4);

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

/* ------------------------------------------------------------------ */
/* at_key.c */

/*
 * Find which secret authenticates data: on AT_OK *index is the secret's
 * position (0-based, file order).  Every secret is tried, each with a
 * constant-time comparison.  Returns AT_OK, AT_ERR_SIGNATURE,
 * AT_ERR_SIG_LENGTH or AT_ERR_CRYPTO.
 */
enum at_err at_verifier_check_mac(struct at_verifier *v, const void *data,
				  size_t datalen, const unsigned char *tag,
				  size_t taglen, int *index) AT_WUR
	AT_NONNULL(1, 6);

/* ------------------------------------------------------------------ */
/* at_jwt.c: the layers under at_jwt_verify() */

/*
 * JWS layer (RFC 7515 compact serialization): exactly three strict
 * base64url segments, a 32-byte signature, the MAC verified over the raw
 * signing input against every secret BEFORE any JSON is parsed, then the
 * header parsed with duplicate keys rejected and checked: alg exactly
 * "HS256", typ absent or "JWT" (any case), no crit/jku/x5u/jwk/x5c/cty/
 * enc/zip/b64.  On AT_OK, *payload (owned: at_freezero(*payload,
 * *payload_len + 1)) holds the decoded payload bytes plus a NUL, and
 * claims->secret_index / kid are set.
 */
enum at_err at_jws_verify(struct at_verifier *v, const char *tok, size_t len,
			  struct at_claims *claims, unsigned char **payload,
			  size_t *payload_len) AT_WUR AT_NONNULL(1, 2, 4, 5, 6);

/*
 * JWT claims (RFC 7519 section 4.1, RFC 8725): payload must be a JSON
 * object without duplicate keys; sub a printable string of 1..AT_MAX_SUB
 * bytes; exp/nbf/iat numbers in [0, 2^53); exp required unless
 * allow_no_exp; time checks against now with the configured leeway;
 * iss, aud and max_ttl per the policy; email/name optional strings.
 */
enum at_err at_jwt_check_claims(const struct at_config *cfg,
				const unsigned char *payload,
				size_t payload_len, time_t now,
				struct at_claims *claims) AT_WUR
	AT_NONNULL(1, 2, 5);

#endif /* AT_H */
