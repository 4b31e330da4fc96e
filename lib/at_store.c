/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store.c - the state store's front: store= URLs, the query a verified
 * credential asks, and dispatch to the backend (at_store_sqlite.c,
 * at_store_redis.c).  See at_store.h.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at_store.h"

/* ------------------------------------------------------------------ */
/* The backends' libraries (at_store.h, struct at_store_lib) */

/* at_store_test_set_soname(): by kind, NULL = the build's. */
static const char *test_soname[AT_STORE_REDIS_UNIX + 1];

void
at_store_test_set_soname(enum at_store_kind kind, const char *soname)
{
	/* One library for both Redis kinds: hr_lib's kind is REDIS_TCP. */
	if (kind == AT_STORE_REDIS_UNIX)
		kind = AT_STORE_REDIS_TCP;
	if ((int)kind > 0 &&
	    (size_t)kind < sizeof(test_soname) / sizeof(test_soname[0]))
		test_soname[kind] = soname;
}

void
at_store_lib_load(struct at_store_lib *lib)
{
	const char *soname = lib->soname, *err;
	void *h, *p;
	size_t i;

	/* Each table member holds what dlsym() returned, bit for bit. */
	_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
		       "a function pointer is as wide as a data pointer");
	lib->ok = false;
	if ((size_t)lib->kind < sizeof(test_soname) / sizeof(test_soname[0]) &&
	    test_soname[lib->kind] != NULL)
		soname = test_soname[lib->kind];
	/* RTLD_LOCAL: its symbols stay out of the host's namespace. */
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		snprintf(lib->why, sizeof(lib->why), "cannot load %s", soname);
		snprintf(lib->err, sizeof(lib->err), "%s",
			 err != NULL ? err : "unknown error");
		return;
	}
	for (i = 0; i < lib->nsyms; i++) {
		(void)dlerror();
		p = dlsym(h, lib->syms[i].name);
		memcpy(lib->syms[i].fn, &p, sizeof(p));
		if (p == NULL) {
			err = dlerror();
			snprintf(lib->why, sizeof(lib->why), "%s: no symbol %s",
				 soname, lib->syms[i].name);
			snprintf(lib->err, sizeof(lib->err), "%s",
				 err != NULL ? err : "it is NULL");
			goto fail;
		}
	}
	/* Never dlclose()d: the table points into it for good. */
	lib->ok = true;
	return;
fail:
	p = NULL;
	for (i = 0; i < lib->nsyms; i++)
		memcpy(lib->syms[i].fn, &p, sizeof(p));
	/* Still not closed: a library half-used by another caller in the
	 * process is not ours to unmap. */
}

enum at_err
at_store_lib_ready(const struct at_store_lib *lib, const struct at_log *log)
{
	char v[2 * sizeof(lib->err)];

	if (lib->ok)
		return AT_OK;
	/* why is the build's soname and symbol; err is ld.so's text,
	 * which quotes file names: escaped. */
	at_log(log, LOG_ERR, "store: %s (%s)",
	       lib->why[0] != '\0' ? lib->why : "library not loaded",
	       at_log_value(v, sizeof(v), lib->err));
	return AT_ERR_STORE;
}

/* ------------------------------------------------------------------ */

/* Read the one-line password file (AT_FILE_SECRET rules). */
static enum at_err
read_password(const char *path, uid_t owner_uid, const struct at_log *log,
	      char **pw, size_t *pwlen)
{
	char *buf = NULL;
	size_t len = 0, pos = 0, linelen = 0, pwline_len = 0, extra_len = 0;
	unsigned int lineno = 0;
	const char *line = NULL, *pwline = NULL, *extra = NULL, *why = NULL;
	enum at_err r;
	int more;

	*pw = NULL;
	*pwlen = 0;
	if ((r = at_file_read(path, AT_FILE_SECRET, owner_uid, false, log, &buf,
			      &len)) != AT_OK)
		return r;
	r = AT_ERR_SECRET;
	/* The secret file's line rules: one line, no stray white space. */
	more = at_secret_next_line(buf, len, &pos, &lineno, &line, &linelen,
				   &why);
	if (more != 1) {
		at_log(log, LOG_ERR, "%s:%u: %s", path, lineno,
		       more == 0 ? "no password in the file" : why);
		goto out;
	}
	pwline = line;
	pwline_len = linelen;
	if ((more = at_secret_next_line(buf, len, &pos, &lineno, &extra,
					&extra_len, &why)) != 0) {
		at_log(log, LOG_ERR, "%s:%u: %s", path, lineno,
		       more > 0 ? "more than one password line" : why);
		goto out;
	}
	r = AT_ERR_NOMEM;
	if ((*pw = malloc(pwline_len + 1)) == NULL)
		goto out;
	memcpy(*pw, pwline, pwline_len);
	(*pw)[pwline_len] = '\0';
	linelen = pwline_len;
	*pwlen = linelen;
	r = AT_OK;
out:
	at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_store_open(const struct at_config *cfg, uid_t owner_uid,
	      const struct at_log *log, struct at_store **out)
{
	struct at_store_url u = {0};
	struct at_store *s = NULL;
	char *pw = NULL;
	size_t pwlen = 0;
	enum at_err r = AT_ERR_INTERNAL;

	*out = NULL;
	if (cfg->store == NULL)
		goto out;
	if ((r = at_store_url_parse(cfg->store, log, &u)) != AT_OK)
		goto out;
	r = AT_ERR_NOMEM;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->prefix = strdup(cfg->store_prefix != NULL
					? cfg->store_prefix
					: AT_STORE_DEFAULT_PREFIX)) == NULL)
		goto out;
	s->log = log;
	s->timeout_ms = cfg->store_timeout_ms;
	if (u.kind == AT_STORE_SQLITE) {
		if (cfg->store_password_file != NULL) {
			at_log(log, LOG_ERR,
			       "store: store_password_file is "
			       "for Redis; a sqlite store has "
			       "none");
			r = AT_ERR_CONFIG;
			goto out;
		}
		r = at_store_sqlite_open(s, &u, owner_uid);
	} else {
		if (cfg->store_password_file != NULL &&
		    (r = read_password(cfg->store_password_file, owner_uid, log,
				       &pw, &pwlen)) != AT_OK)
			goto out;
		r = at_store_redis_open(s, &u, pw, pwlen);
	}
	if (r != AT_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	if (pw != NULL)
		at_freezero(pw, pwlen + 1);
	at_store_url_clear(&u);
	if (s != NULL) {
		free(s->prefix);
		free(s);
	}
	return r;
}

void
at_store_close(struct at_store *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s);
	free(s->prefix);
	free(s);
}

const char *
at_store_backend_name(const struct at_store *s)
{
	return s->ops != NULL ? s->ops->name : "none";
}

enum at_err
at_store_query_from_claims(const struct at_config *cfg,
			   const struct at_claims *c, bool consume, time_t now,
			   char keybuf[AT_STORE_MAX_USE_KEY + 1],
			   struct at_store_query *q)
{
	memset(q, 0, sizeof(*q));
	keybuf[0] = '\0';
	if (c->sub == NULL)
		return AT_ERR_INTERNAL;
	q->sub = c->sub;
	q->now = (int64_t)now;
	if (c->method != AT_METHOD_JWT)
		return AT_OK;
	if (c->has_iat) {
		q->has_iat = true;
		q->iat = (int64_t)floor(c->iat);
	}
	if (c->fp[0] != '\0')
		q->fp = c->fp;
	if (!consume || !cfg->single_use)
		return AT_OK;
	if (c->jti != NULL)
		snprintf(keybuf, AT_STORE_MAX_USE_KEY + 1, "jti:%s", c->jti);
	else if (c->fp[0] != '\0')
		snprintf(keybuf, AT_STORE_MAX_USE_KEY + 1, "fp:%s", c->fp);
	else
		return AT_ERR_INTERNAL;
	q->use_key = keybuf;
	/* Kept past any host's leeway: a shorter one would re-open it. */
	q->use_until = c->has_exp ? (int64_t)floor(c->exp) + AT_MAX_LEEWAY : 0;
	return AT_OK;
}

enum at_err
at_store_check(struct at_store *s, const struct at_store_query *q)
{
	if (q->sub == NULL)
		return AT_ERR_INTERNAL;
	return s->ops->check(s, q);
}

/* A revocation's strings as the stores keep them. */
static bool
revocation_ok(const struct at_revocation *r)
{
	if (r->id == NULL || r->id[0] == '\0' || strlen(r->id) > AT_MAX_SUB ||
	    !at_str_printable(r->id, strlen(r->id)))
		return false;
	if (r->kind != AT_REVOKE_SUB && r->kind != AT_REVOKE_TOKEN)
		return false;
	if (r->reason != NULL &&
	    (strlen(r->reason) > AT_STORE_MAX_REASON ||
	     !at_str_printable(r->reason, strlen(r->reason))))
		return false;
	if (r->sub != NULL && (strlen(r->sub) > AT_MAX_SUB ||
			       !at_str_printable(r->sub, strlen(r->sub))))
		return false;
	return r->before >= 0 && r->expires >= 0;
}

enum at_err
at_store_revoke(struct at_store *s, const struct at_revocation *r)
{
	if (!revocation_ok(r))
		return AT_ERR_INTERNAL;
	return s->ops->revoke(s, r);
}

enum at_err
at_store_unrevoke(struct at_store *s, enum at_revocation_kind kind,
		  const char *id, bool *found)
{
	*found = false;
	if (id[0] == '\0' || strlen(id) > AT_MAX_SUB)
		return AT_ERR_INTERNAL;
	return s->ops->unrevoke(s, kind, id, found);
}

enum at_err
at_store_list(struct at_store *s, time_t now, struct at_revocation **list,
	      size_t *n)
{
	*list = NULL;
	*n = 0;
	return s->ops->list(s, now, list, n);
}

void
at_revocations_free(struct at_revocation *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++) {
		free(list[i].id);
		free(list[i].reason);
		free(list[i].sub);
	}
	free(list);
}

enum at_err
at_store_probe(struct at_store *s, at_store_report_fn fn, void *ctx)
{
	return s->ops->probe(s, fn, ctx);
}
