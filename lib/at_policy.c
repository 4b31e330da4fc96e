/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_policy.c - which local accounts a verified credential may open.
 *
 * Without user_map the app's external ids and the local user names are one
 * namespace: an app user who registers as "root", "postgres" or "backup"
 * would hold a credential for that local account.  So root and the system
 * accounts are refused unless the administrator says otherwise
 * (allow_system_users), and with a user map the map alone decides.  A
 * normal account has a uid in UID_MIN..UID_MAX of /etc/login.defs, the
 * range shadow's useradd gives normal users; everything else is a system
 * account: below UID_MIN (useradd -r), above UID_MAX (systemd's dynamic
 * service users, 61184-65519, and container ranges sit there), and,
 * whatever login.defs says, root, uids up to 99 and nobody (65534, the
 * overflow uid), as Linux-PAM's pam_usertype decides, and the uids that
 * mean "no uid" ((uid_t)-1 and the 16-bit 65535, refused by systemd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "at.h"
#include "at_internal.h"

/* A login.defs line that sets one of the range's ends. */
struct defs_key {
	const char *name;
	size_t len;
	uid_t *value;
	unsigned int line;	/* where it was set; 0: the default */
};

/* The value of a UID_MIN/UID_MAX line: "0", or [1-9][0-9]*, at most
 * (uid_t)-2: (uid_t)-1 means "no uid" to chown(2) and setreuid(2). */
static bool
parse_uid(const char *s, size_t len, uid_t *out)
{
	uint64_t v;

	if (!at_parse_decimal(s, len, (uint64_t)(uid_t)-2, &v))
		return false;
	*out = (uid_t)v;
	return true;
}

/* "line N" or "the default", for the UID_MAX < UID_MIN message. */
static const char *
where(const struct defs_key *k, char *buf, size_t size)
{
	if (k->line == 0)
		return "the default";
	snprintf(buf, size, "line %u", k->line);
	return buf;
}

enum at_err
at_login_defs_parse(const char *buf, size_t len, const char *path,
		    const struct at_log *log, struct at_uid_range *range)
{
	enum at_err r = AT_ERR_FILE;
	uid_t min = AT_DEFAULT_UID_MIN, max = AT_DEFAULT_UID_MAX;
	struct defs_key keys[] = {
		{ "UID_MIN", sizeof("UID_MIN") - 1, &min, 0 },
		{ "UID_MAX", sizeof("UID_MAX") - 1, &max, 0 },
	};
	struct defs_key *k;
	const char *line, *p;
	char wmin[32], wmax[32];
	size_t pos = 0, linelen, n, keylen, i;
	unsigned int lineno = 0;
	int more;

	range->min = AT_DEFAULT_UID_MIN;
	range->max = AT_DEFAULT_UID_MAX;
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
		k = NULL;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keylen == keys[i].len &&
			    memcmp(p, keys[i].name, keylen) == 0)
				k = &keys[i];
		if (k == NULL)
			continue;
		/* The same limit twice could say two things: refuse. */
		if (k->line != 0) {
			at_log(log, LOG_ERR,
			       "%s:%u: %s given again (first on line %u)", path,
			       lineno, k->name, k->line);
			goto out;
		}
		k->line = lineno;
		p += keylen;
		n -= keylen;
		at_trim(&p, &n);
		if (!parse_uid(p, n, k->value)) {
			/* Never the value: it is file content, and could be
			 * anything (a terminal escape, a fake field). */
			at_log(log, LOG_ERR,
			       "%s:%u: %s is not a decimal uid (0, or 1 to "
			       "4294967294 without a leading zero, alone on "
			       "the line)",
			       path, lineno, k->name);
			goto out;
		}
	}
	/* An empty range: shadow's useradd refuses it too. */
	if (max < min) {
		at_log(log, LOG_ERR,
		       "%s: UID_MAX %lu (%s) is below UID_MIN %lu (%s)", path,
		       (unsigned long)max, where(&keys[1], wmax, sizeof(wmax)),
		       (unsigned long)min, where(&keys[0], wmin, sizeof(wmin)));
		goto out;
	}
	range->min = min;
	range->max = max;
	r = AT_OK;
out:
	return r;
}

/*
 * at_login_defs_read(); cached: the range parsed from bytes identical to
 * the ones just read (with all of at_file_read()'s checks) is reused from
 * the process-wide cache (at_cache.c) instead of parsing the file again.
 */
static enum at_err
login_defs_read(const char *path, uid_t owner_uid, const struct at_log *log,
		struct at_uid_range *range, bool cached)
{
	enum at_err r;
	char *buf = NULL;
	size_t len = 0;

	range->min = AT_DEFAULT_UID_MIN;
	range->max = AT_DEFAULT_UID_MAX;
	r = at_file_read(path, AT_FILE_CONFIG, owner_uid, true, log, &buf,
			 &len);
	if (r != AT_OK)
		goto out;
	if (buf == NULL) {
		at_log(log, LOG_DEBUG, "no %s: UID_MIN %d, UID_MAX %d", path,
		       AT_DEFAULT_UID_MIN, AT_DEFAULT_UID_MAX);
		goto out;
	}
	if (cached && at_cache_defs_get(path, owner_uid, buf, len, range))
		goto out;
	r = at_login_defs_parse(buf, len, path, log, range);
	if (cached && r == AT_OK)
		at_cache_defs_put(path, owner_uid, buf, len, range);
out:
	if (buf != NULL)
		at_freezero(buf, len + 1);
	return r;
}

enum at_err
at_login_defs_read(const char *path, uid_t owner_uid, const struct at_log *log,
		   struct at_uid_range *range)
{
	return login_defs_read(path, owner_uid, log, range, false);
}

enum at_uid_class
at_uid_classify(uid_t uid, const struct at_uid_range *range)
{
	if (uid == 0)
		return AT_UID_ROOT;
	if (uid == (uid_t)-1 || uid == (uid_t)65535)
		return AT_UID_INVALID;
	if (uid == AT_NOBODY_UID)
		return AT_UID_NOBODY;
	if (uid <= AT_RESERVED_UID_MAX)
		return AT_UID_RESERVED;
	if (uid < range->min)
		return AT_UID_BELOW_MIN;
	if (uid > range->max)
		return AT_UID_ABOVE_MAX;
	return AT_UID_NORMAL;
}

enum at_err
at_user_policy(const struct at_config *cfg, bool has_map, uid_t uid,
	       const struct at_uid_range *range)
{
	/* The map names each local account an id may open: mapping an id
	 * to root is an explicit decision of the administrator. */
	if (has_map || cfg->allow_system_users)
		return AT_OK;
	if (at_uid_classify(uid, range) != AT_UID_NORMAL)
		return AT_ERR_SYSTEM_USER;
	return AT_OK;
}

/* Why a class is no normal account, for the debug line. */
static const char *
class_why(enum at_uid_class c)
{
	switch (c) {
	case AT_UID_ROOT:
		return "root";
	case AT_UID_INVALID:
		return "not a valid uid";
	case AT_UID_NOBODY:
		return "nobody, the overflow uid";
	case AT_UID_RESERVED:
		return "reserved for the system (1-99)";
	case AT_UID_BELOW_MIN:
		return "below UID_MIN";
	case AT_UID_ABOVE_MAX:
		return "above UID_MAX";
	case AT_UID_NORMAL:
		break;
	}
	return "a normal account";
}

static enum at_err
policy_check(const struct at_config *cfg, bool has_map, uid_t uid,
	     const char *login_defs, uid_t owner_uid, const struct at_log *log,
	     bool cached)
{
	enum at_err r = AT_ERR_INTERNAL;
	struct at_uid_range range = { AT_DEFAULT_UID_MIN, AT_DEFAULT_UID_MAX };

	if (!has_map && !cfg->allow_system_users &&
	    (r = login_defs_read(login_defs, owner_uid, log, &range,
				 cached)) != AT_OK)
		goto out;
	r = at_user_policy(cfg, has_map, uid, &range);
	if (r == AT_ERR_SYSTEM_USER)
		at_log(log, LOG_DEBUG,
		       "uid %lu is %s (normal accounts: UID_MIN %lu to "
		       "UID_MAX %lu of %s): a system account, and neither "
		       "user_map nor allow_system_users is set",
		       (unsigned long)uid,
		       class_why(at_uid_classify(uid, &range)),
		       (unsigned long)range.min, (unsigned long)range.max,
		       login_defs);
out:
	return r;
}

enum at_err
at_user_policy_check(const struct at_config *cfg, bool has_map, uid_t uid,
		     const char *login_defs, uid_t owner_uid,
		     const struct at_log *log)
{
	return policy_check(cfg, has_map, uid, login_defs, owner_uid, log,
			    false);
}

enum at_err
at_user_policy_check_cached(const struct at_config *cfg, bool has_map,
			    uid_t uid, const char *login_defs,
			    uid_t owner_uid, const struct at_log *log)
{
	return policy_check(cfg, has_map, uid, login_defs, owner_uid, log,
			    true);
}
