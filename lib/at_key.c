/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_key.c - the verifier object: secrets (keyed HMAC state derived once
 * per secret, as libsodium's crypto_auth_hmacsha256_state) and the clock;
 * the user map is at_user_map.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at.h"
#include "at_internal.h"

/* Static text of a number macro, for messages: AT_XSTR(AT_MAX_LINE). */
#define AT_STR(x) #x
#define AT_XSTR(x) AT_STR(x)

static time_t
clock_system(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

enum at_err
at_verifier_new(struct at_verifier **out, const struct at_config *cfg,
		const struct at_log *log)
{
	struct at_verifier *v;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return AT_ERR_NOMEM;
	v->cfg = cfg;
	v->log = log;
	v->clock = clock_system;
	*out = v;
	return AT_OK;
}

/* Wipe and forget every secret after the first n (and their set slots). */
static void
drop_secrets(struct at_verifier *v, size_t n)
{
	size_t i;

	while (v->hmac.n > 0 && v->hmac.idx[v->hmac.n - 1] >= n)
		v->hmac.n--;
	while (v->jwt.n > 0 && v->jwt.idx[v->jwt.n - 1] >= n)
		v->jwt.n--;
	for (i = n; i < v->nsecrets; i++) {
		at_hmac_key_free(v->secrets[i].key);
		free(v->secrets[i].path);
		memset(&v->secrets[i], 0, sizeof(v->secrets[i]));
	}
	v->nsecrets = n;
}

void
at_verifier_free(struct at_verifier *v)
{
	if (v == NULL)
		return;
	if (v->cache != NULL)
		at_cache_give(v);	/* takes the secrets, if still the files' */
	drop_secrets(v, 0);
	at_verifier_map_clear(v);
	at_sha256_free(v->sha256);
	at_freezero(v, sizeof(*v));
}

void
at_verifier_set_clock(struct at_verifier *v, at_clock_fn fn, void *ctx)
{
	v->clock = fn != NULL ? fn : clock_system;
	v->clock_ctx = ctx;
}

time_t
at_verifier_now(const struct at_verifier *v)
{
	return v->clock(v->clock_ctx);
}

size_t
at_verifier_secret_count(const struct at_verifier *v)
{
	return v->nsecrets;
}

/* The set that verifies method, or NULL for another method. */
static const struct at_keyset *
keyset_of(const struct at_verifier *v, enum at_method method)
{
	switch (method) {
	case AT_METHOD_HMAC:
		return &v->hmac;
	case AT_METHOD_JWT:
		return &v->jwt;
	case AT_METHOD_NONE:
		break;
	}
	return NULL;
}

size_t
at_verifier_method_secret_count(const struct at_verifier *v,
				enum at_method method)
{
	const struct at_keyset *set = keyset_of(v, method);

	return set != NULL ? set->n : 0;
}

bool
at_verifier_secret_origin(const struct at_verifier *v, enum at_method method,
			  int index, const char **path, unsigned int *line)
{
	const struct at_keyset *set = keyset_of(v, method);
	const struct at_secret *s;

	*path = NULL;
	*line = 0;
	if (set == NULL || index < 0 || (size_t)index >= set->n)
		return false;
	s = &v->secrets[set->idx[index]];
	*path = s->path;
	*line = s->line;
	return true;
}

/*
 * Add one secret to the HMAC set, the JWT set or both (at least one), as
 * read from path:line (path NULL: added through the API).
 */
static enum at_err
add_secret(struct at_verifier *v, bool hmac, bool jwt, const void *key,
	   size_t keylen, const char *path, unsigned int line)
{
	enum at_err r = AT_ERR_INTERNAL;
	struct at_secret *s;

	if (!hmac && !jwt)
		goto out;
	r = AT_ERR_SECRET_SHORT;
	if (keylen < AT_MIN_SECRET)
		goto out;
	r = AT_ERR_SECRET;
	if (keylen > AT_MAX_SECRET ||
	    (hmac && v->hmac.n >= AT_MAX_SECRETS) ||
	    (jwt && v->jwt.n >= AT_MAX_SECRETS) ||
	    v->nsecrets >= sizeof(v->secrets) / sizeof(v->secrets[0]))
		goto out;
	s = &v->secrets[v->nsecrets];
	r = AT_ERR_NOMEM;
	if (path != NULL && (s->path = strdup(path)) == NULL)
		goto out;
	if ((r = at_hmac_key_new(&s->key, key, keylen)) != AT_OK) {
		free(s->path);
		s->path = NULL;
		goto out;
	}
	s->line = line;
	if (hmac)
		v->hmac.idx[v->hmac.n++] = v->nsecrets;
	if (jwt)
		v->jwt.idx[v->jwt.n++] = v->nsecrets;
	v->nsecrets++;
	r = AT_OK;
out:
	return r;
}

enum at_err
at_verifier_add_secret(struct at_verifier *v, const void *key, size_t keylen)
{
	return add_secret(v, true, true, key, keylen, NULL, 0);
}

enum at_err
at_verifier_add_method_secret(struct at_verifier *v, enum at_method method,
			      const void *key, size_t keylen)
{
	if (keyset_of(v, method) == NULL)
		return AT_ERR_INTERNAL;
	return add_secret(v, method == AT_METHOD_HMAC, method == AT_METHOD_JWT,
			  key, keylen, NULL, 0);
}

/* ASCII white space ('\n' ends the line). */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A byte a secret may begin and end with: printable ASCII, not a space. */
static bool
is_edge_ok(char c)
{
	return (unsigned char)c >= 0x21 && (unsigned char)c <= 0x7e;
}

#define AT_NOT_PRINTABLE_WHY                                                   \
	"a byte that is not printable ASCII (a control character, or "         \
	"Unicode such as a no-break, zero-width or bidi character copied "     \
	"from a web page): a dashboard secret is printable ASCII"

/*
 * Why a non-empty line that is not a column-1 comment is no secret, or
 * NULL when it may be one.  The rule: its first and last bytes are
 * printable ASCII other than the space (0x21-0x7e); inside, every byte
 * is a key byte.  The known mistakes get their own words (a line of white
 * space, an indented comment, white space before or after the secret);
 * the byte order mark is at_secret_next_line()'s.  Static text, never the
 * line's bytes.
 */
static const char *
secret_line_fault(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(l[i]))
		i++;
	if (i == n)
		return "line of only white space: make it empty or delete it";
	if (l[i] == '#')
		return "indented comment: '#' must be the first byte of a "
		       "comment line";
	if (i > 0)
		return "white space before the secret: a secret never starts "
		       "with white space (a copy-paste or editor artefact?)";
	if (is_blank(l[n - 1]))
		return "white space after the secret: a secret never ends "
		       "with white space (a copy-paste or editor artefact?)";
	if (!is_edge_ok(l[0]))
		return "begins with " AT_NOT_PRINTABLE_WHY;
	if (!is_edge_ok(l[n - 1]))
		return "ends with " AT_NOT_PRINTABLE_WHY;
	return NULL;
}

int
at_secret_next_line(const char *buf, size_t len, size_t *pos,
		    unsigned int *lineno, const char **line, size_t *linelen,
		    const char **why)
{
	static const char bom[] = "\xef\xbb\xbf";
	int more;

	*why = NULL;
	while ((more = at_file_next_line(buf, len, pos, line, linelen)) != 0) {
		(*lineno)++;
		if (more < 0)
			*why = "line too long (over " AT_XSTR(AT_MAX_LINE) " "
			       "bytes) or with a NUL byte";
		else if (*linelen >= 3 && memcmp(*line, bom, 3) == 0)
			*why = "starts with a UTF-8 byte order mark (EF BB "
			       "BF): save the file without it";
		else if (*linelen == 0 || (*line)[0] == '#')
			continue;
		else
			*why = secret_line_fault(*line, *linelen);
		if (*why != NULL) {
			*line = NULL;
			*linelen = 0;
			return AT_ERR_SECRET;
		}
		return 1;
	}
	return 0;
}

/* Why add_secret() refused a line, for the log. */
static const char *
add_fault(enum at_err r)
{
	if (r == AT_ERR_SECRET)
		return "more than " AT_XSTR(AT_MAX_SECRETS) " secrets, or a "
		       "secret longer than " AT_XSTR(AT_MAX_SECRET) " bytes";
	return at_strerror(r);
}

/*
 * Add the secrets of buf (len bytes read from path) to the HMAC set, the
 * JWT set or both.  A refused file leaves the verifier as it was.
 */
static enum at_err
parse_secrets(struct at_verifier *v, bool hmac, bool jwt, const char *path,
	      const char *buf, size_t len)
{
	enum at_err r;
	const char *line, *why = NULL;
	size_t pos = 0, linelen, before = v->nsecrets;
	unsigned int lineno = 0, found = 0;
	int more;

	while ((more = at_secret_next_line(buf, len, &pos, &lineno, &line,
					   &linelen, &why)) != 0) {
		if (more < 0) {
			/* The line's number and what is wrong, never its
			 * bytes. */
			at_log(v->log, LOG_ERR, "secret file %s:%u: %s", path,
			       lineno, why);
			r = AT_ERR_SECRET;
			goto out;
		}
		r = add_secret(v, hmac, jwt, line, linelen, path, lineno);
		if (r != AT_OK) {
			at_log(v->log, LOG_ERR, "secret file %s:%u: %s", path,
			       lineno, add_fault(r));
			goto out;
		}
		found++;
	}
	if (found == 0) {
		at_log(v->log, LOG_ERR, "secret file %s: no secret in it", path);
		r = AT_ERR_SECRET;
		goto out;
	}
	at_log(v->log, LOG_DEBUG, "secret file %s: %u secret(s) for %s", path,
	       found, hmac && jwt ? "HMAC and JWT" : hmac ? "HMAC" : "JWT");
	r = AT_OK;
out:
	if (r != AT_OK)
		drop_secrets(v, before);
	return r;
}

/* Read path (every check of at_file_read()) and parse_secrets() it. */
static enum at_err
load_secrets(struct at_verifier *v, bool hmac, bool jwt, const char *path,
	     uid_t owner_uid)
{
	enum at_err r;
	size_t len = 0;
	char *buf = NULL;

	r = at_file_read(path, AT_FILE_SECRET, owner_uid, false, v->log, &buf,
			 &len);
	if (r == AT_OK)
		r = parse_secrets(v, hmac, jwt, path, buf, len);
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_verifier_load_secrets(struct at_verifier *v, const char *path,
			 uid_t owner_uid)
{
	return load_secrets(v, true, true, path, owner_uid);
}

enum at_err
at_verifier_load_method_secrets(struct at_verifier *v, enum at_method method,
				const char *path, uid_t owner_uid)
{
	if (keyset_of(v, method) == NULL)
		return AT_ERR_INTERNAL;
	return load_secrets(v, method == AT_METHOD_HMAC,
			    method == AT_METHOD_JWT, path, owner_uid);
}

enum at_err
at_secret_file_get(const char *path, uid_t owner_uid,
		   const struct at_log *log, unsigned int n,
		   unsigned char **key, size_t *keylen)
{
	enum at_err r;
	const char *line, *why = NULL;
	size_t len = 0, pos = 0, linelen;
	unsigned int lineno = 0, found = 0;
	char *buf = NULL;
	int more;

	*key = NULL;
	*keylen = 0;
	r = at_file_read(path, AT_FILE_SECRET, owner_uid, false, log, &buf,
			 &len);
	if (r != AT_OK)
		goto out;
	/* Every line, not only up to the n-th secret: a file the module
	 * refuses mints nothing either. */
	while ((more = at_secret_next_line(buf, len, &pos, &lineno, &line,
					   &linelen, &why)) != 0) {
		r = AT_ERR_SECRET;
		if (more < 0) {
			at_log(log, LOG_ERR, "secret file %s:%u: %s", path,
			       lineno, why);
			goto out;
		}
		if (linelen < AT_MIN_SECRET)
			r = AT_ERR_SECRET_SHORT;
		else if (linelen <= AT_MAX_SECRET && found < AT_MAX_SECRETS)
			r = AT_OK;
		if (r != AT_OK) {
			at_log(log, LOG_ERR, "secret file %s:%u: %s", path,
			       lineno, add_fault(r));
			goto out;
		}
		if (found++ != n)
			continue;
		if ((*key = malloc(linelen)) == NULL) {
			r = AT_ERR_NOMEM;
			goto out;
		}
		memcpy(*key, line, linelen);
		*keylen = linelen;
	}
	r = AT_ERR_SECRET;
	if (*key == NULL) {
		at_log(log, LOG_ERR, "secret file %s: no secret number %u",
		       path, n);
		goto out;
	}
	r = AT_OK;
out:
	if (r != AT_OK && *key != NULL) {
		at_freezero(*key, *keylen);
		*key = NULL;
		*keylen = 0;
	}
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

/*
 * The cached path of load_files(): read every file with all its checks,
 * and take the keyed secrets from the cache when the bytes are those it
 * keyed, else parse them; either way v->cache is set, so that
 * at_verifier_free() gives the secrets to the cache.  files[i] serves
 * HMAC credentials when hmac[i], JWTs when jwt[i].
 */
static enum at_err
load_files_cached(struct at_verifier *v, const char *const files[],
		  const bool hmac[], const bool jwt[], size_t n,
		  uid_t owner_uid)
{
	enum at_err r = AT_ERR_INTERNAL;
	struct at_cache_tag *tag = NULL;
	char *bufs[2] = { NULL, NULL }, *key = NULL, uid[24];
	size_t lens[2] = { 0, 0 }, keylen = 0, pathlen, off, i;
	int uidlen;

	if (n > 2)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = at_file_read(files[i], AT_FILE_SECRET, owner_uid,
				      false, v->log, &bufs[i], &lens[i])) !=
		    AT_OK)
			goto out;
	/* The key: which uid checked which file for which sets, as
	 * uid { NUL H|- J|- path }.  Paths hold no NUL, so the fields
	 * cannot run into each other. */
	r = AT_ERR_INTERNAL;
	uidlen = snprintf(uid, sizeof(uid), "%lu", (unsigned long)owner_uid);
	if (uidlen <= 0 || (size_t)uidlen >= sizeof(uid))
		goto out;
	keylen = (size_t)uidlen;
	for (i = 0; i < n; i++)
		keylen += 3 + strlen(files[i]);
	r = AT_ERR_NOMEM;
	if ((key = malloc(keylen)) == NULL)
		goto out;
	memcpy(key, uid, (size_t)uidlen);
	off = (size_t)uidlen;
	for (i = 0; i < n; i++) {
		key[off++] = '\0';
		key[off++] = hmac[i] ? 'H' : '-';
		key[off++] = jwt[i] ? 'J' : '-';
		pathlen = strlen(files[i]);
		memcpy(key + off, files[i], pathlen);
		off += pathlen;
	}
	if ((r = at_cache_tag_new(&tag, key, keylen,
				  (const char *const *)bufs, lens, n)) !=
	    AT_OK)
		goto out;
	if (!at_cache_take(tag, v)) {
		for (i = 0; i < n; i++)
			if ((r = parse_secrets(v, hmac[i], jwt[i], files[i],
					       bufs[i], lens[i])) != AT_OK)
				goto out;
	} else if (v->log != NULL && v->log->debug) {
		at_log(v->log, LOG_DEBUG, "secret file %s: unchanged, %zu "
		       "keyed secret(s) reused", files[0], v->nsecrets);
	}
	tag->nsecrets = v->nsecrets;
	v->cache = tag;
	tag = NULL; /* transferred */
	r = AT_OK;
out:
	free(key);
	at_cache_tag_free(tag);
	for (i = 0; i < 2; i++)
		if (bufs[i] != NULL)
			at_freezero(bufs[i], lens[i] + 1);
	return r;
}

static enum at_err
from_config(struct at_verifier **out, const struct at_config *cfg,
	    uid_t owner_uid, const struct at_log *log, bool cached)
{
	enum at_err r;
	struct at_verifier *v = NULL;
	const char *mode = at_mode_name(cfg->mode), *hmac_path, *jwt_path;
	const char *files[2];
	bool need_hmac = at_mode_allows(cfg->mode, AT_METHOD_HMAC);
	bool need_jwt = at_mode_allows(cfg->mode, AT_METHOD_JWT);
	bool hmac[2], jwt[2];
	size_t n = 0, i;

	*out = NULL;
	if ((r = at_verifier_new(&v, cfg, log)) != AT_OK)
		goto out;
	/* NULL for a method that mode refuses: its own file, if any, is
	 * never opened. */
	hmac_path = at_config_secret_file(cfg, AT_METHOD_HMAC, NULL);
	jwt_path = at_config_secret_file(cfg, AT_METHOD_JWT, NULL);
	r = AT_ERR_CONFIG;
	if (need_hmac && hmac_path == NULL && need_jwt && jwt_path == NULL) {
		at_log(log, LOG_ERR,
		       "mode=%s accepts HMAC credentials and JWTs but no "
		       "secret file serves them: set secret_file, or "
		       "hmac_secret_file and jwt_secret_file",
		       mode);
		goto out;
	}
	if (need_hmac && hmac_path == NULL) {
		at_log(log, LOG_ERR,
		       "mode=%s accepts HMAC credentials but no secret file "
		       "serves them: set hmac_secret_file or secret_file",
		       mode);
		goto out;
	}
	if (need_jwt && jwt_path == NULL) {
		at_log(log, LOG_ERR,
		       "mode=%s accepts JWTs but no secret file serves them: "
		       "set jwt_secret_file or secret_file",
		       mode);
		goto out;
	}
	/* Paths, not secrets: one file named for both methods is read
	 * once. */
	if (hmac_path != NULL && jwt_path != NULL &&
	    strcmp(hmac_path, jwt_path) == 0) {
		files[n] = hmac_path;
		hmac[n] = jwt[n] = true;
		n++;
	} else {
		if (hmac_path != NULL) {
			files[n] = hmac_path;
			hmac[n] = true;
			jwt[n] = false;
			n++;
		}
		if (jwt_path != NULL) {
			files[n] = jwt_path;
			hmac[n] = false;
			jwt[n] = true;
			n++;
		}
	}
	r = AT_OK;
	if (cached && n > 0)
		r = load_files_cached(v, files, hmac, jwt, n, owner_uid);
	else
		for (i = 0; i < n && r == AT_OK; i++)
			r = load_secrets(v, hmac[i], jwt[i], files[i],
					 owner_uid);
	if (r != AT_OK)
		goto out;
	if (cfg->user_map != NULL &&
	    (r = at_verifier_load_user_map(v, cfg->user_map, owner_uid)) !=
		    AT_OK)
		goto out;
	*out = v;
	v = NULL; /* transferred */
	r = AT_OK;
out:
	at_verifier_free(v);
	return r;
}

enum at_err
at_verifier_from_config(struct at_verifier **out, const struct at_config *cfg,
			uid_t owner_uid, const struct at_log *log)
{
	return from_config(out, cfg, owner_uid, log, false);
}

enum at_err
at_verifier_from_config_cached(struct at_verifier **out,
			       const struct at_config *cfg, uid_t owner_uid,
			       const struct at_log *log)
{
	return from_config(out, cfg, owner_uid, log, true);
}

enum at_err
at_verifier_check_mac(struct at_verifier *v, enum at_method method,
		      const void *data, size_t datalen,
		      const unsigned char *tag, size_t taglen, int *index)
{
	const struct at_keyset *set = keyset_of(v, method);
	enum at_err r = AT_ERR_SIGNATURE, one;
	size_t i;

	*index = -1;
	if (set == NULL)
		return AT_ERR_INTERNAL;
	if (taglen != AT_MAC_LEN)
		return AT_ERR_SIG_LENGTH;
	/* Only method's own set: a secret that verifies HMAC credentials
	 * never verifies a JWS signature, unless it is in both sets.  Try
	 * every secret so the time taken does not say which matched. */
	for (i = 0; i < set->n; i++) {
		one = at_hmac_key_verify(v->secrets[set->idx[i]].key, data,
					 datalen, tag, taglen);
		if (one == AT_OK && *index < 0) {
			*index = (int)i;
			r = AT_OK;
		} else if (one != AT_OK && one != AT_ERR_SIGNATURE) {
			*index = -1;
			return one;
		}
	}
	return r;
}
