/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_common.h - helpers shared by the unit and PAM tests: mint JWS
 * tokens from arbitrary header/payload JSON (so tests can build every
 * malformed token they need), HMAC ids, and write files with exact modes.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stddef.h>
#include <sys/types.h>

/* A 40-byte test secret (>= 32 bytes, as the verifier requires). */
#define TEST_SECRET "test-secret-0123456789-abcdefghijklmnop"
#define TEST_SECRET2 "second-secret-for-rotation-0123456789-xyz"

/*
 * b64url(header) "." b64url(payload) "." b64url(HMAC-SHA256(key, input)).
 * header and payload are used byte for byte.  Returns a malloc'd string;
 * aborts on failure (tests only).
 */
char *test_jws_sign(const char *header, const char *payload, const void *key,
		    size_t keylen);
/* Same, with a caller-given signature (sig may be any length). */
char *test_jws_with_sig(const char *header, const char *payload,
			const unsigned char *sig, size_t siglen);
/* Lowercase hex HMAC-SHA256(key, msg) as a malloc'd string. */
char *test_hmac_hex(const void *key, size_t keylen, const char *msg);
/*
 * The cross-protocol forgery: the HMAC credential a backend computes for
 * the id b64url(header) "." b64url(payload) under hmac_key (hex of
 * HMAC-SHA256(hmac_key, id)), turned into that JWT's signature.  No JWT
 * key is involved.  Returns a malloc'd token.
 */
char *test_forge_jwt_from_hmac(const char *header, const char *payload,
			       const void *hmac_key, size_t keylen);
/* A standard Agentic Trust token: {"alg":"HS256","typ":"JWT"} and
 * {"sub":sub,"iat":iat,"exp":exp} (exp omitted when exp < 0). */
char *test_token(const char *sub, long iat, long exp, const char *key);

/* Write content to path with exactly mode (fchmod after create).
 * Returns 0 or -1. */
int test_write_file(const char *path, const char *content, mode_t mode);
/* Create a fresh private directory under $TMPDIR; malloc'd path.  Aborts,
 * naming the directory at fault, when its parents fail the library's
 * directory rule (test_check_dirs()). */
char *test_mkdtemp(void);
/* 0 when a file in dir would pass at_path_check_dirs() for the euid;
 * else -1, after printing to stderr which directory fails and why. */
int test_check_dirs(const char *dir);
/* rm -r of a directory created by test_mkdtemp (one level of files). */
void test_rmdir(const char *dir);
/* malloc'd "dir/name". */
char *test_path(const char *dir, const char *name);

#endif
