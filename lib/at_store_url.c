/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store_url.c - store= URLs (at_store.h): parsed when the options load,
 * so a bad URL is a configuration error before any credential is read.
 * Part of libat, with no dependency on the backends' libraries.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at_store.h"

void
at_store_url_clear(struct at_store_url *u)
{
	if (u == NULL)
		return;
	free(u->path);
	free(u->host);
	free(u->user);
	memset(u, 0, sizeof(*u));
}

static bool
skip_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* A decimal in [min, max] of exactly the len bytes at s. */
static bool
url_number(const char *s, size_t len, uint64_t min, uint64_t max,
	   unsigned int *out)
{
	uint64_t v;

	if (!at_parse_decimal(s, len, max, &v) || v < min)
		return false;
	*out = (unsigned int)v;
	return true;
}

/*
 * An absolute path as the store takes it: printable ASCII, no "//",
 * "/./", "/../" or trailing "/" (the path the directory walk checks is
 * the path opened), no '%', '?' or '#' (nothing URL-ish that a reader
 * could decode differently).
 */
static bool
url_path_ok(const char *p, size_t len)
{
	size_t i, seg;

	if (len < 2 || p[0] != '/' || p[len - 1] == '/')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '%' || ch == '?' ||
		    ch == '#')
			return false;
	}
	/* Each segment between slashes: not empty, not "." or "..". */
	for (i = 1; i <= len; i += seg + 1) {
		for (seg = 0; i + seg < len && p[i + seg] != '/'; seg++)
			;
		if (seg == 0 || (seg == 1 && p[i] == '.') ||
		    (seg == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
	}
	return true;
}

/* A Redis ACL user name as we accept it in a URL. */
static bool
url_user_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > AT_MAX_SUB)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr("@:/?#[]%", ch) != NULL)
			return false;
	}
	return true;
}

/* A host: a DNS name or IPv4 address (letters, digits, '-', '.'), or the
 * inside of an IPv6 literal (hex digits, ':', '.'). */
static bool
url_host_ok(const char *s, size_t len, bool v6)
{
	size_t i;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (v6 ? !(strchr("0123456789abcdefABCDEF:.", ch) != NULL &&
			   ch != '\0')
		       : !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

static enum at_err
url_bad(const struct at_log *log, const char *why)
{
	at_log(log, LOG_ERR, "store: %s", why);
	return AT_ERR_CONFIG;
}

/* redis://[USER@]HOST[:PORT][/DB], rest after "redis://". */
static enum at_err
parse_redis_tcp(const char *rest, const struct at_log *log,
		struct at_store_url *u)
{
	const char *at, *host, *hend, *p, *end = rest + strlen(rest);
	const char *slash;
	bool v6 = false;

	u->kind = AT_STORE_REDIS_TCP;
	u->port = 6379;
	slash = strchr(rest, '/');
	if (strpbrk(rest, "?#%") != NULL)
		return url_bad(log, "redis URL: no query, fragment or '%' "
				    "escapes are accepted");
	/* user-info ends at the last '@' before the path. */
	at = memchr(rest, '@', (size_t)((slash != NULL ? slash : end) - rest));
	host = rest;
	if (at != NULL) {
		if (memchr(rest, ':', (size_t)(at - rest)) != NULL)
			return url_bad(log,
				       "redis URL holds a password: refused "
				       "(a pam.d line is world-readable); put "
				       "it in store_password_file=");
		if (!url_user_ok(rest, (size_t)(at - rest)))
			return url_bad(log, "redis URL: bad user name");
		if ((u->user = strndup(rest, (size_t)(at - rest))) == NULL)
			return AT_ERR_NOMEM;
		host = at + 1;
	}
	if (host[0] == '[') {
		v6 = true;
		host++;
		if ((hend = strchr(host, ']')) == NULL)
			return url_bad(log, "redis URL: unclosed '['");
		p = hend + 1;
	} else {
		for (hend = host; *hend != '\0' && *hend != ':' &&
				  *hend != '/';
		     hend++)
			;
		p = hend;
	}
	if (!url_host_ok(host, (size_t)(hend - host), v6))
		return url_bad(log, "redis URL: bad host");
	if ((u->host = strndup(host, (size_t)(hend - host))) == NULL)
		return AT_ERR_NOMEM;
	if (*p == ':') {
		const char *q = p + 1;

		for (p = q; *p >= '0' && *p <= '9'; p++)
			;
		if (!url_number(q, (size_t)(p - q), 1, 65535, &u->port))
			return url_bad(log, "redis URL: port not 1..65535");
	}
	if (*p == '/') {
		const char *q = p + 1;

		for (p = q; *p >= '0' && *p <= '9'; p++)
			;
		if (!url_number(q, (size_t)(p - q), 0, 15, &u->db))
			return url_bad(log, "redis URL: database not 0..15");
	}
	if (*p != '\0')
		return url_bad(log, "redis URL: unexpected text after the "
				    "host, port or database");
	return AT_OK;
}

/*
 * redis+unix://[USER@]/PATH[?db=N], rest after "redis+unix://": the
 * user-info form of redis-py's unix:// URLs, so that a socket login can
 * name an ACL user too.
 */
static enum at_err
parse_redis_unix(const char *rest, const struct at_log *log,
		 struct at_store_url *u)
{
	const char *q, *at = strchr(rest, '@'), *slash = strchr(rest, '/');
	size_t plen;

	u->kind = AT_STORE_REDIS_UNIX;
	if (at != NULL && (slash == NULL || at < slash)) {
		if (memchr(rest, ':', (size_t)(at - rest)) != NULL)
			return url_bad(log,
				       "redis+unix URL holds a password: refused "
				       "(a pam.d line is world-readable); put "
				       "it in store_password_file=");
		if (!url_user_ok(rest, (size_t)(at - rest)))
			return url_bad(log, "redis+unix URL: bad user name");
		if ((u->user = strndup(rest, (size_t)(at - rest))) == NULL)
			return AT_ERR_NOMEM;
		rest = at + 1;
	}
	q = strchr(rest, '?');
	plen = q != NULL ? (size_t)(q - rest) : strlen(rest);
	if (!url_path_ok(rest, plen))
		return url_bad(log, "redis+unix URL: the socket path must be "
				    "absolute and plain "
				    "(redis+unix://[USER@]/PATH)");
	if (q != NULL) {
		if (!skip_prefix(q, "?db=", &q) ||
		    !url_number(q, strlen(q), 0, 15, &u->db))
			return url_bad(log, "redis+unix URL: the only query is "
					    "?db=N, N in 0..15");
	}
	if ((u->path = strndup(rest, plen)) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

enum at_err
at_store_url_parse(const char *url, const struct at_log *log,
		   struct at_store_url *out)
{
	const char *rest;
	enum at_err r;

	memset(out, 0, sizeof(*out));
	if (strlen(url) > AT_STORE_MAX_URL ||
	    !at_str_printable(url, strlen(url)))
		return url_bad(log, "URL too long or not printable");
	if (skip_prefix(url, "sqlite:", &rest)) {
		out->kind = AT_STORE_SQLITE;
		if (!url_path_ok(rest, strlen(rest)))
			return url_bad(log, "sqlite: the path must be absolute "
					    "and plain (sqlite:/var/lib/"
					    "agentictrust/state.db)");
		if ((out->path = strdup(rest)) == NULL)
			return AT_ERR_NOMEM;
		return AT_OK;
	}
	if (skip_prefix(url, "redis+unix://", &rest))
		r = parse_redis_unix(rest, log, out);
	else if (skip_prefix(url, "redis://", &rest))
		r = parse_redis_tcp(rest, log, out);
	else if (skip_prefix(url, "rediss://", &rest)) {
#ifdef AT_HAVE_HIREDIS_SSL
		r = parse_redis_tcp(rest, log, out);
		out->tls = true;
#else
		return url_bad(log,
			       "rediss:// needs hiredis with TLS (hiredis >= "
			       "1.0 built with hiredis_ssl); this build has "
			       "none (Debian 12 ships hiredis 0.14): reach "
			       "Redis through a TLS tunnel on a loopback port "
			       "(README, \"Redis across a fleet\")");
#endif
	} else {
		return url_bad(log, "unknown scheme: use sqlite:PATH, "
				    "redis://HOST[:PORT][/DB] or "
				    "redis+unix:///PATH");
	}
	return r;
}
