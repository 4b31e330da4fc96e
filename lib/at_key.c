/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_key.c - the verifier object: secrets (keyed HMAC state derived once
 * per secret, as libsodium's crypto_auth_hmacsha256_state), the user map
 * and the clock.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at.h"
#include "at_internal.h"

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

void
at_verifier_free(struct at_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nkeys; i++)
		at_hmac_key_free(v->keys[i]);
	for (i = 0; i < v->nmap; i++) {
		free(v->map[i].external_id);
		free(v->map[i].local_user);
	}
	free(v->map);
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
	return v->nkeys;
}

enum at_err
at_verifier_add_secret(struct at_verifier *v, const void *key, size_t keylen)
{
	enum at_err r;

	if (keylen < AT_MIN_SECRET)
		return AT_ERR_SECRET_SHORT;
	if (keylen > AT_MAX_SECRET || v->nkeys >= AT_MAX_SECRETS)
		return AT_ERR_SECRET;
	r = at_hmac_key_new(&v->keys[v->nkeys], key, keylen);
	if (r != AT_OK)
		return r;
	v->nkeys++;
	return AT_OK;
}

/*
 * Next secret line of a secret file buffer: blank and '#' lines skipped.
 * Returns 1 with *line / *linelen set, 0 at the end, AT_ERR_FORMAT for an
 * over-long line or one with a NUL.  *lineno counts lines read.
 */
static int
next_secret_line(const char *buf, size_t len, size_t *pos,
		 unsigned int *lineno, const char **line, size_t *linelen)
{
	int more;

	while ((more = at_file_next_line(buf, len, pos, line, linelen)) != 0) {
		(*lineno)++;
		if (more < 0)
			return more;
		/* The line's bytes are the key, as-is: spaces are key bytes. */
		if (*linelen == 0 || (*line)[0] == '#')
			continue;
		return 1;
	}
	return 0;
}

enum at_err
at_verifier_load_secrets(struct at_verifier *v, const char *path,
			 uid_t owner_uid)
{
	enum at_err r;
	const char *line;
	size_t len = 0, pos = 0, linelen, before = v->nkeys;
	unsigned int lineno = 0;
	char *buf = NULL;
	int more;

	r = at_file_read(path, AT_FILE_SECRET, owner_uid, false, v->log, &buf,
			 &len);
	if (r != AT_OK)
		goto out;
	while ((more = next_secret_line(buf, len, &pos, &lineno, &line,
					&linelen)) != 0) {
		if (more < 0) {
			at_log(v->log, LOG_ERR,
			       "secret file %s:%u: line too long or has NUL",
			       path, lineno);
			r = AT_ERR_SECRET;
			goto out;
		}
		r = at_verifier_add_secret(v, line, linelen);
		if (r != AT_OK) {
			at_log(v->log, LOG_ERR, "secret file %s:%u: %s", path,
			       lineno, at_strerror(r));
			goto out;
		}
	}
	if (v->nkeys == before) {
		at_log(v->log, LOG_ERR, "secret file %s: no secret in it", path);
		r = AT_ERR_SECRET;
		goto out;
	}
	at_log(v->log, LOG_DEBUG, "secret file %s: %zu secret(s)", path,
	       v->nkeys);
	r = AT_OK;
out:
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_secret_file_get(const char *path, uid_t owner_uid,
		   const struct at_log *log, unsigned int n,
		   unsigned char **key, size_t *keylen)
{
	enum at_err r;
	const char *line;
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
	r = AT_ERR_SECRET;
	while ((more = next_secret_line(buf, len, &pos, &lineno, &line,
					&linelen)) != 0) {
		if (more < 0)
			goto out;
		if (found++ < n)
			continue;
		if (linelen < AT_MIN_SECRET) {
			r = AT_ERR_SECRET_SHORT;
			goto out;
		}
		if (linelen > AT_MAX_SECRET)
			goto out;
		if ((*key = malloc(linelen)) == NULL) {
			r = AT_ERR_NOMEM;
			goto out;
		}
		memcpy(*key, line, linelen);
		*keylen = linelen;
		r = AT_OK;
		goto out;
	}
	at_log(log, LOG_ERR, "secret file %s: no secret number %u", path, n);
out:
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_verifier_from_config(struct at_verifier **out, const struct at_config *cfg,
			uid_t owner_uid, const struct at_log *log)
{
	enum at_err r;
	struct at_verifier *v = NULL;

	*out = NULL;
	if ((r = at_verifier_new(&v, cfg, log)) != AT_OK)
		goto out;
	r = AT_ERR_CONFIG;
	if (cfg->secret_file == NULL) {
		at_log(log, LOG_ERR, "no secret_file given");
		goto out;
	}
	if ((r = at_verifier_load_secrets(v, cfg->secret_file, owner_uid)) !=
	    AT_OK)
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
at_verifier_check_mac(struct at_verifier *v, const void *data, size_t datalen,
		      const unsigned char *tag, size_t taglen, int *index)
{
	enum at_err r = AT_ERR_SIGNATURE, one;
	size_t i;

	*index = -1;
	if (taglen != AT_MAC_LEN)
		return AT_ERR_SIG_LENGTH;
	/* Try every secret so the time taken does not say which matched. */
	for (i = 0; i < v->nkeys; i++) {
		one = at_hmac_key_verify(v->keys[i], data, datalen, tag,
					 taglen);
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

enum at_err
at_verifier_add_mapping(struct at_verifier *v, const char *external_id,
			const char *local_user)
{
	struct at_mapping *grown;
	size_t idlen = strlen(external_id), userlen = strlen(local_user);
	char *id = NULL, *user = NULL;
	size_t i;

	if (idlen == 0 || idlen > AT_MAX_SUB || userlen == 0 ||
	    userlen > AT_MAX_SUB || !at_str_printable(external_id, idlen) ||
	    !at_str_printable(local_user, userlen))
		return AT_ERR_FILE;
	for (i = 0; i < v->nmap; i++)
		if (strcmp(v->map[i].external_id, external_id) == 0)
			return AT_ERR_FILE;
	if ((id = strdup(external_id)) == NULL ||
	    (user = strdup(local_user)) == NULL)
		goto nomem;
	grown = reallocarray(v->map, v->nmap + 1, sizeof(*v->map));
	if (grown == NULL)
		goto nomem;
	v->map = grown;
	v->map[v->nmap].external_id = id;
	v->map[v->nmap].local_user = user;
	v->nmap++;
	v->has_map = true;
	return AT_OK;
nomem:
	free(id);
	free(user);
	return AT_ERR_NOMEM;
}

/* Split one map line into two white-space separated fields. */
static enum at_err
user_map_line(struct at_verifier *v, const char *line, size_t len,
	      const char *path, unsigned int lineno)
{
	enum at_err r = AT_ERR_FILE;
	const char *p = line, *id, *user;
	size_t idlen, userlen;
	char *idz = NULL, *userz = NULL;

	at_trim(&p, &len);
	if (len == 0 || p[0] == '#')
		return AT_OK;
	id = p;
	for (idlen = 0; idlen < len && p[idlen] != ' ' && p[idlen] != '\t';
	     idlen++)
		;
	user = id + idlen;
	userlen = len - idlen;
	at_trim(&user, &userlen);
	if (userlen == 0 || memchr(user, ' ', userlen) != NULL ||
	    memchr(user, '\t', userlen) != NULL) {
		at_log(v->log, LOG_ERR,
		       "user map %s:%u: expected EXTERNAL_ID LOCAL_USER", path,
		       lineno);
		goto out;
	}
	if ((idz = strndup(id, idlen)) == NULL ||
	    (userz = strndup(user, userlen)) == NULL) {
		r = AT_ERR_NOMEM;
		goto out;
	}
	r = at_verifier_add_mapping(v, idz, userz);
	if (r == AT_ERR_FILE)
		at_log(v->log, LOG_ERR,
		       "user map %s:%u: duplicate id, or a field empty, too "
		       "long or unprintable",
		       path, lineno);
out:
	free(idz);
	free(userz);
	return r;
}

enum at_err
at_verifier_load_user_map(struct at_verifier *v, const char *path,
			  uid_t owner_uid)
{
	enum at_err r;
	const char *line;
	size_t len = 0, pos = 0, linelen;
	unsigned int lineno = 0;
	char *buf = NULL;
	int more;

	r = at_file_read(path, AT_FILE_CONFIG, owner_uid, false, v->log, &buf,
			 &len);
	if (r != AT_OK)
		goto out;
	/* A map file with no entries still means "map in force". */
	v->has_map = true;
	while ((more = at_file_next_line(buf, len, &pos, &line, &linelen)) !=
	       0) {
		lineno++;
		if (more < 0) {
			at_log(v->log, LOG_ERR,
			       "user map %s:%u: line too long or has NUL", path,
			       lineno);
			r = AT_ERR_FILE;
			goto out;
		}
		if ((r = user_map_line(v, line, linelen, path, lineno)) !=
		    AT_OK)
			goto out;
	}
	r = AT_OK;
out:
	free(buf);
	return r;
}
