/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_policy.c - which local accounts a verified credential may open.
 *
 * Without user_map the app's external ids and the local user names are one
 * namespace: an app user who registers as "root", "postgres" or "backup"
 * would hold a credential for that local account.  So root and the system
 * accounts are refused unless the administrator says otherwise
 * (allow_system_users), and with a user map the map alone decides.  A
 * system account is one below UID_MIN of /etc/login.defs, the line that
 * shadow's useradd draws between system and normal users and that
 * Linux-PAM's pam_usertype reads too.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at.h"

#define UID_MIN_KEY "UID_MIN"

/* The value of a UID_MIN line: "0", or [1-9][0-9]*, at most (uid_t)-2. */
static bool
parse_uid(const char *s, size_t len, uid_t *out)
{
	unsigned long long v = 0;
	size_t i;

	/* 10 digits hold every uid_t; a leading zero is octal to shadow. */
	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	/* (uid_t)-1 means "no uid" to chown(2) and setreuid(2). */
	if (v >= (unsigned long long)(uid_t)-1)
		return false;
	*out = (uid_t)v;
	return true;
}

enum at_err
at_login_defs_parse(const char *buf, size_t len, const char *path,
		    const struct at_log *log, uid_t *uid_min)
{
	enum at_err r = AT_ERR_FILE;
	const char *line, *p;
	size_t pos = 0, linelen, n, keylen;
	unsigned int lineno = 0, found = 0;
	uid_t v = AT_DEFAULT_UID_MIN;
	int more;

	*uid_min = AT_DEFAULT_UID_MIN;
	while ((more = at_file_next_line(buf, len, &pos, &line, &linelen)) !=
	       0) {
		lineno++;
		if (more < 0) {
			at_log(log, LOG_ERR,
			       "%s:%u: line longer than %d bytes or with a NUL "
			       "byte",
			       path, lineno, AT_MAX_LINE);
			goto out;
		}
		p = line;
		n = linelen;
		at_trim(&p, &n);
		if (n == 0 || p[0] == '#')
			continue;
		/* shadow's getdef: the name ends at the first blank. */
		for (keylen = 0;
		     keylen < n && p[keylen] != ' ' && p[keylen] != '\t';
		     keylen++)
			;
		if (keylen != sizeof(UID_MIN_KEY) - 1 ||
		    memcmp(p, UID_MIN_KEY, keylen) != 0)
			continue;
		/* The same limit twice could say two things: refuse. */
		if (found != 0) {
			at_log(log, LOG_ERR,
			       "%s:%u: UID_MIN given again (first on line %u)",
			       path, lineno, found);
			goto out;
		}
		found = lineno;
		p += keylen;
		n -= keylen;
		at_trim(&p, &n);
		if (!parse_uid(p, n, &v)) {
			/* Its value is configuration, not a secret: bounded. */
			at_log(log, LOG_ERR,
			       "%s:%u: UID_MIN is not a decimal uid: \"%.*s\"",
			       path, lineno, (int)(n > 32 ? 32 : n), p);
			goto out;
		}
	}
	*uid_min = v;
	r = AT_OK;
out:
	return r;
}

enum at_err
at_login_defs_uid_min(const char *path, uid_t owner_uid,
		      const struct at_log *log, uid_t *uid_min)
{
	enum at_err r;
	char *buf = NULL;
	size_t len = 0;

	*uid_min = AT_DEFAULT_UID_MIN;
	r = at_file_read(path, AT_FILE_CONFIG, owner_uid, true, log, &buf,
			 &len);
	if (r != AT_OK)
		goto out;
	if (buf == NULL) {
		at_log(log, LOG_DEBUG, "no %s: UID_MIN %d", path,
		       AT_DEFAULT_UID_MIN);
		goto out;
	}
	r = at_login_defs_parse(buf, len, path, log, uid_min);
out:
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_user_policy(const struct at_config *cfg, bool has_map, uid_t uid,
	       uid_t uid_min)
{
	/* The map names each local account an id may open: mapping an id
	 * to root is an explicit decision of the administrator. */
	if (has_map || cfg->allow_system_users)
		return AT_OK;
	if (uid == 0 || uid < uid_min)
		return AT_ERR_SYSTEM_USER;
	return AT_OK;
}

enum at_err
at_user_policy_check(const struct at_config *cfg, bool has_map, uid_t uid,
		     const char *login_defs, uid_t owner_uid,
		     const struct at_log *log)
{
	enum at_err r = AT_ERR_INTERNAL;
	uid_t uid_min = AT_DEFAULT_UID_MIN;

	if (!has_map && !cfg->allow_system_users &&
	    (r = at_login_defs_uid_min(login_defs, owner_uid, log, &uid_min)) !=
		    AT_OK)
		goto out;
	r = at_user_policy(cfg, has_map, uid, uid_min);
	if (r == AT_ERR_SYSTEM_USER)
		at_log(log, LOG_DEBUG,
		       "uid %lu is root or below UID_MIN %lu (%s): a system "
		       "account, and neither user_map nor allow_system_users "
		       "is set",
		       (unsigned long)uid, (unsigned long)uid_min, login_defs);
out:
	return r;
}
