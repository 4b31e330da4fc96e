/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_check.c - agentictrust check: lint a pam_agentictrust configuration
 * (module arguments, config file, secret file, user map) and, with
 * --service, its place in a pam.d stack.
 *
 *   agentictrust check [--service NAME [--pam-dir DIR]] [MODULE-ARGUMENT...]
 *
 * Prints "error: ...", "warning: ..." and "ok: ..." lines.  Exit status 0
 * when there is no error (warnings allowed), 1 when there is one, 2 on a
 * usage error.
 *
 * lib stays the authority: the configuration is loaded with
 * at_config_load() and the files read with at_file_read(), whose own
 * messages become the error lines, and at_verifier_from_config() finally
 * confirms that the module can use what passed.  Nothing a file holds is
 * printed (it may be no configuration at all: user_map=/etc/shadow):
 * only file names, line numbers, lengths and counts.
 */
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "at_store.h"
#include "cli.h"

/* Room for "hmac_secret_file PATH" with a path of AT_MAX_LINE bytes. */
#define PATH_MAX_SHOWN (AT_MAX_LINE + 64)

#define CHECK_CLEAN 0
#define CHECK_ERRORS 1
#define CHECK_USAGE 2

#define LEEWAY_WARN 120	/* seconds: longer is allowed, but warned about */

/* Why one secret must not serve both credential kinds. */
#define CROSS_PROTOCOL_WHY                                                     \
	"an HMAC credential for an id containing '.' is a valid JWT "          \
	"signature (any sub, any exp) for whoever can make the backend HMAC "  \
	"that id"
#define BACKEND_RULE "never let the backend HMAC an id containing '.'"

enum lint_level {
	LINT_OK,
	LINT_NOTE,	/* worth knowing; counts as neither */
	LINT_WARNING,
	LINT_ERROR,
};

struct lint {
	struct at_log log;	/* lib's messages: error lines, or held */
	unsigned int errors;
	unsigned int warnings;
	bool hold;		/* keep lib's messages in held[] */
	char held[2048];
};

static void say(struct lint *l, enum lint_level level, const char *fmt, ...)
	AT_PRINTF(3, 4);

static void
say(struct lint *l, enum lint_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LINT_ERROR)
		l->errors++;
	else if (level == LINT_WARNING)
		l->warnings++;
	fputs(level == LINT_ERROR	? "error: " :
	      level == LINT_WARNING ? "warning: " :
	      level == LINT_NOTE    ? "note: " :
				      "ok: ",
	      stdout);
	char msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Paths and words come from files: no control byte reaches the
	 * terminal. */
	pamd_scrub(msg);
	puts(msg);
}

/* The accepted range, for lib's "malformed value" messages. */
static const char *
hint_for(const char *msg)
{
	static const struct {
		const char *prefix;
		const char *hint;
	} hints[] = {
		{ "option leeway:", " (leeway is 0..300 s; the library "
				    "refuses more)" },
		{ "option max_ttl:", " (max_ttl is 1..31536000 s)" },
		{ "option mode:", " (mode is any, jwt or hmac)" },
	};
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strncmp(msg, hints[i].prefix, strlen(hints[i].prefix)) ==
		    0)
			return hints[i].hint;
	return "";
}

static void lint_log(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

/* lib's log sink: its errors are ours, with the message it gives. */
static void
lint_log(void *ctx, int prio, const char *fmt, va_list ap)
{
	struct lint *l = ctx;
	char msg[1024];
	size_t used;

	if (prio == LOG_DEBUG)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (l->hold) {
		used = strlen(l->held);
		snprintf(l->held + used, sizeof(l->held) - used, "%s\n", msg);
		return;
	}
	if (prio <= LOG_ERR)
		say(l, LINT_ERROR, "%s%s", msg, hint_for(msg));
	else
		say(l, LINT_WARNING, "%s", msg);
}

/* Print what was held as error lines and forget it. */
static void
flush_held(struct lint *l)
{
	char *line = l->held, *nl;

	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		say(l, LINT_ERROR, "%s", line);
		line = nl + 1;
	}
	l->held[0] = '\0';
}

static void
check_usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust check [--service NAME [--pam-dir DIR]] "
		"[MODULE-ARGUMENT...]\n"
		"\n"
		"Lint the pam_agentictrust configuration given by "
		"MODULE-ARGUMENTs (and the\n"
		"config file), or, with --service, by the "
		"pam_agentictrust.so auth line(s) of\n"
		"/etc/pam.d/NAME (or DIR/NAME) with MODULE-ARGUMENTs "
		"appended.  Prints\n"
		"error:/warning:/ok: lines; exit status 0 without errors, 1 "
		"with, 2 on\n"
		"a usage error.\n");
}

/* Options that lib accepts together but that do not mean what they say. */
static void
check_options(struct lint *l, const struct at_config *cfg,
	      const char *service)
{
	if (cfg->mode == AT_MODE_HMAC) {
		if (cfg->issuer != NULL)
			say(l, LINT_ERROR,
			    "issuer is set but mode=hmac: HMAC credentials "
			    "carry no iss, so it is never checked");
		if (cfg->audience != NULL)
			say(l, LINT_ERROR,
			    "audience is set but mode=hmac: HMAC credentials "
			    "carry no aud, so it is never checked");
		if (cfg->max_ttl > 0)
			say(l, LINT_ERROR,
			    "max_ttl is set but mode=hmac: HMAC credentials "
			    "carry no iat or exp and never expire");
		if (cfg->allow_no_exp)
			say(l, LINT_WARNING,
			    "allow_no_exp has no effect with mode=hmac");
	} else {
		if (cfg->allow_no_exp && cfg->max_ttl > 0)
			say(l, LINT_WARNING,
			    "allow_no_exp has no effect: max_ttl requires "
			    "exp and iat, so a JWT without exp is refused");
		else if (cfg->allow_no_exp)
			say(l, LINT_WARNING,
			    "allow_no_exp: a JWT without exp never expires");
		if (cfg->mode == AT_MODE_ANY &&
		    (cfg->issuer != NULL || cfg->audience != NULL ||
		     cfg->max_ttl > 0))
			say(l, LINT_WARNING,
			    "mode=any also accepts HMAC credentials, which "
			    "carry no iss, aud or exp: issuer, audience and "
			    "max_ttl do not restrict them (use mode=jwt)");
	}
	if (cfg->leeway > LEEWAY_WARN && cfg->mode != AT_MODE_HMAC)
		say(l, LINT_WARNING,
		    "leeway %u s is long: a token stays valid %u s past its "
		    "exp (keep it at most %d s)",
		    cfg->leeway, cfg->leeway, LEEWAY_WARN);
	if (cfg->use_first_pass && cfg->prompt != NULL &&
	    strcmp(cfg->prompt, AT_DEFAULT_PROMPT) != 0)
		say(l, LINT_WARNING,
		    "prompt has no effect with use_first_pass (the module "
		    "never prompts)");
	if (service != NULL && strncmp(service, "sudo", 4) == 0 &&
	    cfg->mode != AT_MODE_JWT)
		say(l, LINT_WARNING,
		    "service %s: mode=%s accepts HMAC credentials, and HMAC "
		    "credentials never expire: use mode=jwt with max_ttl for "
		    "sudo",
		    cli_printable(service), at_mode_name(cfg->mode));
}

/*
 * Which local accounts a credential may open (the module's
 * at_user_policy_check()): with user_map the map alone; else root and
 * the system accounts (at_uid_classify(): outside UID_MIN..UID_MAX of
 * login.defs, uid 1-99, nobody) are refused
 * unless allow_system_users, which is a risk worth saying.
 */
static void
check_accounts(struct lint *l, const struct at_config *cfg)
{
	struct at_uid_range range;

	/* Names with no passwd entry have no uid: the policy below is for
	 * Unix accounts only, and the rest of the stack must cope. */
	if (cfg->accounts_any)
		say(l, LINT_NOTE,
		    "accounts=any: a PAM user that is not a Unix account may "
		    "authenticate (the external id must still be that name "
		    "or map to it); it has no uid, so the system-account "
		    "check below applies only to names that are Unix "
		    "accounts; the account stack must not need one "
		    "(pam_unix's account phase refuses such a name)");
	if (cfg->user_map != NULL) {
		if (cfg->allow_system_users)
			say(l, LINT_WARNING,
			    "allow_system_users has no effect with user_map: "
			    "the map alone decides which local accounts a "
			    "credential opens");
		else
			say(l, LINT_OK,
			    "local accounts: the user map alone decides which "
			    "ones a credential opens (root or a system "
			    "account too, when the map names it)");
		return;
	}
	if (cfg->allow_system_users) {
		say(l, LINT_WARNING,
		    "allow_system_users without user_map: an app user whose "
		    "id is root, postgres, backup or any other system "
		    "account's name holds a credential for that local "
		    "account (name the accounts agents may open in a "
		    "user_map instead)");
		return;
	}
	if (at_login_defs_read(AT_DEFAULT_LOGIN_DEFS, geteuid(), &l->log,
			       &range) != AT_OK) {
		say(l, LINT_ERROR,
		    "%s is unusable: the module refuses every valid "
		    "credential (reason=file_unusable)",
		    AT_DEFAULT_LOGIN_DEFS);
		return;
	}
	say(l, LINT_OK,
	    "local accounts: external ids are local user names; root and "
	    "system accounts (uid below UID_MIN %lu or above UID_MAX %lu of "
	    "%s, uid 1-%d, nobody) are refused (reason=system_user)",
	    (unsigned long)range.min, (unsigned long)range.max,
	    AT_DEFAULT_LOGIN_DEFS, AT_RESERVED_UID_MAX);
}

/*
 * The secret file: lib's at_file_read() rules (regular file, owner, no
 * group/other write, nothing for others), lib's line rules
 * (at_secret_next_line(): every refused line is reported, by number and
 * reason, never its bytes), then each secret's length and the count.
 * Group read is allowed by lib (a service account in a dedicated group,
 * as Debian's ssl-cert): said, with the group, since every member of it
 * can mint credentials.
 */
static void
check_secret_file(struct lint *l, const char *path)
{
	struct stat st;
	struct group *gr;
	const char *line, *why;
	char *buf = NULL;
	size_t len = 0, pos = 0, linelen;
	unsigned int lineno = 0, count = 0, bad = 0;
	int more;

	if (at_file_read(path, AT_FILE_SECRET, geteuid(), false, &l->log, &buf,
			 &len) != AT_OK)
		return;
	while ((more = at_secret_next_line(buf, len, &pos, &lineno, &line,
					   &linelen, &why)) != 0) {
		if (more < 0) {
			say(l, LINT_ERROR, "secret file %s:%u: %s", path,
			    lineno, why);
			bad++;
			continue;
		}
		count++;
		if (linelen < AT_MIN_SECRET) {
			say(l, LINT_ERROR,
			    "secret file %s:%u: secret #%u is %zu bytes, "
			    "fewer than %d (RFC 7518 3.2)",
			    path, lineno, count, linelen, AT_MIN_SECRET);
			bad++;
		} else if (linelen > AT_MAX_SECRET) {
			say(l, LINT_ERROR,
			    "secret file %s:%u: secret #%u is longer than %d "
			    "bytes",
			    path, lineno, count, AT_MAX_SECRET);
			bad++;
		}
	}
	if (count == 0 && bad == 0) {
		say(l, LINT_ERROR, "secret file %s: no secret in it", path);
		bad++;
	}
	if (count > AT_MAX_SECRETS) {
		say(l, LINT_ERROR,
		    "secret file %s: %u secrets, more than %d", path, count,
		    AT_MAX_SECRETS);
		bad++;
	}
	if (lstat(path, &st) == 0 && (st.st_mode & S_IRGRP) != 0) {
		gr = getgrgid(st.st_gid);
		say(l, LINT_WARNING,
		    "secret file %s: mode %04o lets group \"%s\" (gid %lu) "
		    "read it: every member of that group can mint credentials "
		    "for every user (allowed for a service account that reads "
		    "the file through that group; otherwise chmod g-r)",
		    path, (unsigned int)(st.st_mode & 07777),
		    gr != NULL ? cli_printable(gr->gr_name) : "(no name)",
		    (unsigned long)st.st_gid);
	}
	if (bad == 0 && lstat(path, &st) == 0)
		say(l, LINT_OK,
		    "secret file %s: %u secret(s), mode %04o, owner uid %lu",
		    path, count, (unsigned int)(st.st_mode & 07777),
		    (unsigned long)st.st_uid);
	at_freezero(buf, len + 1);
}

/* The secret lines of one file, read quietly (check_secret_file()
 * reports its problems). */
struct secret_lines {
	char *buf;		/* owned: at_freezero(buf, len + 1) */
	size_t len;
	size_t n;
	const char *line[AT_MAX_SECRETS];	/* into buf */
	size_t linelen[AT_MAX_SECRETS];
	unsigned int lineno[AT_MAX_SECRETS];
};

/* Returns 0, or -1 when the file is unusable (nothing to compare). */
static int
secret_lines_read(struct secret_lines *sl, const char *path)
{
	const char *line, *why;
	size_t pos = 0, linelen;
	unsigned int lineno = 0;
	int more;

	memset(sl, 0, sizeof(*sl));
	if (at_file_read(path, AT_FILE_SECRET, geteuid(), false, NULL,
			 &sl->buf, &sl->len) != AT_OK)
		return -1;
	while ((more = at_secret_next_line(sl->buf, sl->len, &pos, &lineno,
					   &line, &linelen, &why)) > 0 &&
	       sl->n < AT_MAX_SECRETS) {
		sl->line[sl->n] = line;
		sl->linelen[sl->n] = linelen;
		sl->lineno[sl->n] = lineno;
		sl->n++;
	}
	return more < 0 ? -1 : 0;
}

static void
secret_lines_free(struct secret_lines *sl)
{
	if (sl->buf != NULL)
		at_freezero(sl->buf, sl->len + 1);
	memset(sl, 0, sizeof(*sl));
}

/*
 * The HMAC secrets and the JWT secrets come from two files: a secret in
 * both serves both methods all the same.  Byte comparison of local
 * files: a lint, not a verification.
 */
static void
check_same_secret(struct lint *l, const char *hpath, const char *hopt,
		  const char *jpath, const char *jopt)
{
	struct secret_lines h, j;
	size_t a, b;

	/* Both set before either is read: a failed first read skips the
	 * second, and both are freed. */
	memset(&h, 0, sizeof(h));
	memset(&j, 0, sizeof(j));
	if (secret_lines_read(&h, hpath) == 0 &&
	    secret_lines_read(&j, jpath) == 0) {
		for (a = 0; a < h.n; a++) {
			for (b = 0; b < j.n; b++)
				if (h.linelen[a] == j.linelen[b] &&
				    memcmp(h.line[a], j.line[b],
					   h.linelen[a]) == 0)
					break;
			if (b < j.n)
				say(l, LINT_WARNING,
				    "%s:%u (%s) and %s:%u (%s) hold the same "
				    "secret: " CROSS_PROTOCOL_WHY "; use "
				    "different secrets, and " BACKEND_RULE,
				    hpath, h.lineno[a], hopt, jpath,
				    j.lineno[b], jopt);
		}
	}
	secret_lines_free(&h);
	secret_lines_free(&j);
}

/*
 * Which file serves which credential kind (lib's rule,
 * at_config_secret_file()), each one linted once, and whether one secret
 * serves both kinds.
 */
static void
check_secrets(struct lint *l, const struct at_config *cfg)
{
	const char *hopt, *jopt, *mode = at_mode_name(cfg->mode);
	const char *hpath = at_config_secret_file(cfg, AT_METHOD_HMAC, &hopt);
	const char *jpath = at_config_secret_file(cfg, AT_METHOD_JWT, &jopt);
	char hwhat[PATH_MAX_SHOWN], jwhat[PATH_MAX_SHOWN];

	if (!at_mode_allows(cfg->mode, AT_METHOD_HMAC))
		snprintf(hwhat, sizeof(hwhat), "refused by mode=%s", mode);
	else if (hpath == NULL)
		snprintf(hwhat, sizeof(hwhat), "no secret file");
	else
		snprintf(hwhat, sizeof(hwhat), "%s %s", hopt, hpath);
	if (!at_mode_allows(cfg->mode, AT_METHOD_JWT))
		snprintf(jwhat, sizeof(jwhat), "refused by mode=%s", mode);
	else if (jpath == NULL)
		snprintf(jwhat, sizeof(jwhat), "no secret file");
	else
		snprintf(jwhat, sizeof(jwhat), "%s %s", jopt, jpath);
	say(l, LINT_OK, "HMAC credentials: %s; JWTs: %s", hwhat, jwhat);
	if (!at_mode_allows(cfg->mode, AT_METHOD_HMAC) &&
	    cfg->hmac_secret_file != NULL)
		say(l, LINT_WARNING,
		    "hmac_secret_file %s is set but mode=%s refuses HMAC "
		    "credentials: the module does not read it",
		    cfg->hmac_secret_file, mode);
	if (!at_mode_allows(cfg->mode, AT_METHOD_JWT) &&
	    cfg->jwt_secret_file != NULL)
		say(l, LINT_WARNING,
		    "jwt_secret_file %s is set but mode=%s refuses JWTs: the "
		    "module does not read it",
		    cfg->jwt_secret_file, mode);
	/* Without any, at_verifier_from_config() says which is missing. */
	if (hpath != NULL)
		check_secret_file(l, hpath);
	if (jpath != NULL && (hpath == NULL || strcmp(hpath, jpath) != 0))
		check_secret_file(l, jpath);
	/* mode=jwt keeps HMAC credentials out of this host, not out of the
	 * backend: if secret_file is the dashboard secret, the widget's HMAC
	 * of a chosen id still signs a JWT.  Only a separate JWT secret
	 * closes that, and check cannot tell whose secret this is. */
	if (hpath == NULL && jpath != NULL && cfg->jwt_secret_file == NULL)
		say(l, LINT_NOTE,
		    "JWTs are verified with %s %s: if this is the dashboard "
		    "secret that the widget's HMAC credentials also use, JWTs "
		    "can be forged through the HMAC path (an HMAC credential "
		    "for an id containing '.' is a valid JWT signature), "
		    "whatever mode says here; sign JWTs with a separate "
		    "secret and name it in jwt_secret_file",
		    jopt, jpath);
	if (hpath == NULL || jpath == NULL)
		return;
	if (strcmp(hpath, jpath) == 0 && strcmp(hopt, jopt) == 0)
		say(l, LINT_WARNING,
		    "%s %s serves both HMAC credentials and JWTs: "
		    CROSS_PROTOCOL_WHY "; give JWTs their own secret "
		    "(jwt_secret_file), and " BACKEND_RULE,
		    hopt, hpath);
	else
		check_same_secret(l, hpath, hopt, jpath, jopt);
}

/* Per-entry warnings printed for one kind before a summary line. */
#define MAP_SHOWN 20
/* Local users looked up with getpwnam() (NSS may be remote). */
#define MAP_LOOKUPS 10000

/* One kind of per-entry finding: the first MAP_SHOWN are printed. */
struct map_kind {
	unsigned long n;
	enum lint_level level;
	const char *what;
};

static bool
map_show(struct lint *l, struct map_kind *k)
{
	(void)l;
	return ++k->n <= MAP_SHOWN;
}

static void
map_more(struct lint *l, const struct map_kind *k, const char *path)
{
	if (k->n > MAP_SHOWN)
		say(l, k->level, "user map %s: %lu more entr%s %s", path,
		    k->n - MAP_SHOWN, k->n - MAP_SHOWN == 1 ? "y" : "ies",
		    k->what);
}

/*
 * The user map, every line (lib's loader stops at the first problem):
 * syntax, fields, duplicate ids (errors, through lib's own parser), local
 * users that do not exist or are system accounts, several ids for one
 * local user (warnings, the first MAP_SHOWN of each), and which form the
 * module uses (the text, the compiled index, or the text because the
 * index is stale).
 */
static void
check_user_map(struct lint *l, const struct at_config *cfg)
{
	struct at_user_map *m = NULL;
	enum at_map_form form;
	const struct passwd *pw;
	struct at_uid_range range;
	struct stat st;
	const char *path = cfg->user_map, *id, *user;
	char *buf = NULL;
	size_t len = 0, k;
	unsigned int bad = 0, line, first;
	unsigned long looked = 0, skipped = 0;
	struct map_kind same = { 0, LINT_WARNING,
				 "map to the same local user as an earlier "
				 "line" };
	struct map_kind nounix = { 0, LINT_NOTE,
				   "name a local user that is not a Unix "
				   "account (accounts=any)" };
	struct map_kind missing = { 0, LINT_WARNING,
				    "name a local user that does not exist "
				    "on this system" };
	struct map_kind system = { 0, LINT_WARNING,
				   "name root or a system account" };
	enum at_err r;
	int fd = -1;

	if (at_file_open(path, AT_FILE_CONFIG, geteuid(), false, &l->log, &fd,
			 &st) != AT_OK ||
	    at_file_read_fd(fd, &st, AT_MAP_MAX_FILE, path, AT_FILE_CONFIG,
			    &l->log, &buf, &len) != AT_OK)
		goto out;
	if (at_user_map_new(&m) != AT_OK)
		goto nomem;
	/* Each bad line is an error line through l->log. */
	r = at_user_map_parse(m, buf, len, path, &l->log, true, &bad);
	if (r == AT_ERR_NOMEM)
		goto nomem;
	if (at_login_defs_read(AT_DEFAULT_LOGIN_DEFS, geteuid(), NULL,
			       &range) != AT_OK) {
		range.min = AT_DEFAULT_UID_MIN;
		range.max = AT_DEFAULT_UID_MAX;
	}
	for (k = 0; at_user_map_entry(m, k, &id, &user, &line, &first); k++) {
		if (first != 0) {
			if (map_show(l, &same))
				say(l, LINT_WARNING,
				    "user map %s:%u: maps to the same local "
				    "user as line %u",
				    path, line, first);
			continue; /* the user was looked up at its first */
		}
		if (looked >= MAP_LOOKUPS) {
			skipped++;
			continue;
		}
		looked++;
		if ((pw = getpwnam(user)) == NULL && cfg->accounts_any) {
			if (map_show(l, &nounix))
				say(l, LINT_NOTE,
				    "user map %s:%u: the local user is not a "
				    "Unix account (accounts=any)",
				    path, line);
		} else if (pw == NULL) {
			if (map_show(l, &missing))
				say(l, LINT_WARNING,
				    "user map %s:%u: the local user does not "
				    "exist on this system",
				    path, line);
		} else if (at_uid_classify(pw->pw_uid, &range) !=
			   AT_UID_NORMAL) {
			if (map_show(l, &system))
				say(l, LINT_WARNING,
				    "user map %s:%u: the local user is %s (uid "
				    "%lu): allowed, since the map is the only "
				    "authority",
				    path, line,
				    pw->pw_uid == 0 ? "root"
						    : "a system account",
				    (unsigned long)pw->pw_uid);
		}
	}
	map_more(l, &same, path);
	map_more(l, &nounix, path);
	map_more(l, &missing, path);
	map_more(l, &system, path);
	if (skipped > 0)
		say(l, LINT_NOTE,
		    "user map %s: the local users of %lu more entr%s not "
		    "looked up (only the first %d)",
		    path, skipped, skipped == 1 ? "y is" : "ies are",
		    MAP_LOOKUPS);
	if (bad > 0)
		goto out;
	say(l, LINT_OK, "user map %s: %zu entr%s", path, at_user_map_count(m),
	    at_user_map_count(m) == 1 ? "y" : "ies");
	at_user_map_unref(m);
	m = NULL;
	/* The form the module uses now (a bad MAP.cdb: lib's error). */
	if (at_user_map_load(path, geteuid(), &l->log, AT_MAP_LOAD_NOCACHE,
			     &m, &form) != AT_OK)
		goto out;
	if (form == AT_MAP_COMPILED)
		say(l, LINT_OK,
		    "user map %s: the module uses the compiled index "
		    "%s" AT_MAP_CDB_SUFFIX " (built from this text)",
		    path, path);
	else if (form == AT_MAP_STALE)
		say(l, LINT_WARNING,
		    "user map %s: the compiled index %s" AT_MAP_CDB_SUFFIX
		    " was built from other text: the module reads the text "
		    "on every authentication; run agentictrust map compile "
		    "%s",
		    path, path, path);
	else
		say(l, LINT_OK,
		    "user map %s: the module reads the text (no compiled "
		    "index%s)",
		    path,
		    at_user_map_count(m) > 10000
			    ? "; a map this size: agentictrust map compile"
			    : "");
	goto out;
nomem:
	say(l, LINT_ERROR, "out of memory");
out:
	at_user_map_unref(m);
	if (fd >= 0)
		close(fd);
	free(buf);
}

/* Where the options came from, besides the arguments. */
static void
say_config_file(struct lint *l, const struct at_config *cfg)
{
	struct stat st;

	if (cfg->config_file != NULL)
		say(l, LINT_OK, "config file %s read", cfg->config_file);
	else if (stat(AT_DEFAULT_CONFIG, &st) == 0)
		say(l, LINT_OK, "default config file %s read",
		    AT_DEFAULT_CONFIG);
	else
		say(l, LINT_OK,
		    "no config file (%s does not exist): module arguments "
		    "only",
		    AT_DEFAULT_CONFIG);
}

/* at_store_probe()'s findings: warnings, or notes. */
static void
store_finding(void *ctx, bool warn, const char *text)
{
	struct lint *l = ctx;

	say(l, warn ? LINT_WARNING : LINT_NOTE, "store: %s", text);
}

/*
 * The state store, opened as the module opens it: lib checks the
 * password file (the secret file rules) and, for SQLite, the file and
 * its directories, and its log lines are the error lines.  A reachable
 * store is then probed for what an operator must know (Redis
 * maxmemory-policy, persistence).  Opening a SQLite store creates its
 * file when missing, as the module's first authentication would.
 */
static void
check_store(struct lint *l, const struct at_config *cfg)
{
	struct at_store *s = NULL;
	enum at_err r;

	say(l, LINT_OK,
	    "store %s: single_use=%s, store_timeout_ms=%u, "
	    "store_unavailable=%s",
	    cli_printable(cfg->store), cfg->single_use ? "true" : "false",
	    cfg->store_timeout_ms,
	    cfg->store_unavailable_allow ? "allow" : "deny");
	if (cfg->store_unavailable_allow)
		say(l, LINT_WARNING,
		    "store_unavailable=allow: while the store cannot be "
		    "reached, revoked%s credentials are accepted (the module "
		    "logs a warning each time)",
		    cfg->single_use ? " and replayed" : "");
	if ((r = at_store_open(cfg, geteuid(), &l->log, &s)) != AT_OK) {
		if (r == AT_ERR_STORE_UNAVAILABLE &&
		    cfg->store_unavailable_allow)
			say(l, LINT_ERROR,
			    "store %s: unavailable (reason=%s): the module "
			    "accepts credentials without checking "
			    "revocations%s",
			    cli_printable(cfg->store), at_err_reason(r),
			    cfg->single_use ? " or single use" : "");
		else
			say(l, LINT_ERROR,
			    "store %s: cannot be used (reason=%s): the module "
			    "refuses every credential that passes its other "
			    "checks",
			    cli_printable(cfg->store), at_err_reason(r));
		return;
	}
	say(l, LINT_OK, "store %s: opened (%s)", cli_printable(cfg->store),
	    at_store_backend_name(s));
	if ((r = at_store_probe(s, store_finding, l)) != AT_OK)
		say(l, LINT_ERROR, "store %s: probe failed (reason=%s)",
		    cli_printable(cfg->store), at_err_reason(r));
	at_store_close(s);
}

/* One set of module arguments, as the module would load it. */
static void
check_config(struct lint *l, int argc, const char **argv,
	     const char *service)
{
	struct at_config cfg;
	struct at_verifier *v = NULL;
	unsigned int errors = l->errors;
	enum at_err r;

	at_config_init(&cfg);
	r = at_config_load(&cfg, argc, argv, AT_DEFAULT_CONFIG, geteuid(),
			   &l->log);
	if (r != AT_OK) {
		say(l, LINT_ERROR,
		    "the module refuses this configuration (reason=%s): "
		    "every authentication through it fails",
		    at_err_reason(r));
		goto out;
	}
	say_config_file(l, &cfg);
	say(l, LINT_OK,
	    "configuration loads: mode=%s leeway=%u s max_ttl=%lu%s "
	    "issuer=%s audience=%s user_map=%s",
	    at_mode_name(cfg.mode), cfg.leeway, cfg.max_ttl,
	    cfg.max_ttl > 0 ? " s" : " (unchecked)",
	    cli_printable(cfg.issuer), cli_printable(cfg.audience),
	    cli_printable(cfg.user_map));
	check_options(l, &cfg, service);
	check_accounts(l, &cfg);
	check_secrets(l, &cfg);
	if (cfg.user_map != NULL)
		check_user_map(l, &cfg);
	/* lib has the last word: what the module itself would load. */
	l->hold = true;
	l->held[0] = '\0';
	r = at_verifier_from_config(&v, &cfg, geteuid(), &l->log);
	l->hold = false;
	if (r != AT_OK) {
		if (l->errors == errors)
			flush_held(l);
		say(l, LINT_ERROR,
		    "the module cannot use this configuration (reason=%s)",
		    at_err_reason(r));
	} else {
		say(l, LINT_OK, "the module loads %zu secret(s)%s",
		    at_verifier_secret_count(v),
		    cfg.user_map != NULL ? " and the user map" : "");
	}
	l->held[0] = '\0';
	if (cfg.store != NULL)
		check_store(l, &cfg);
out:
	at_verifier_free(v);
	at_config_clear(&cfg);
}

/* What an earlier module does to pam_agentictrust when it succeeds. */
static void
say_skip(struct lint *l, const struct pamd_entry *m,
	 const struct pamd_entry *e)
{
	char what[PAMD_MAX_LINE + 64], how[64];

	cli_entry_str(m, what, sizeof(what));
	if (m->on_success == PAMD_DONE)
		snprintf(how, sizeof(how), "the stack ends there");
	else if (m->on_success == PAMD_DIE)
		snprintf(how, sizeof(how), "the stack fails there (die)");
	else
		snprintf(how, sizeof(how), "it jumps over %d module(s)",
			 m->on_success);
	say(l, LINT_WARNING,
	    "%s:%u: \"%s\" comes before %s (%s:%u): when it succeeds, %s "
	    "and %s is skipped",
	    cli_printable(m->file), m->line, what, CLI_MODULE_NAME,
	    cli_printable(e->file), e->line, how, CLI_MODULE_NAME);
}

/* The control of a pam_agentictrust line. */
static void
check_control(struct lint *l, const struct pamd_entry *e)
{
	char what[PAMD_MAX_LINE + 64];

	cli_entry_str(e, what, sizeof(what));
	if (!e->bracketed && strcasecmp(e->control, "optional") == 0)
		say(l, LINT_WARNING,
		    "%s:%u: \"%s\": an optional module's result only counts "
		    "when no other module decides, so pam_agentictrust proves "
		    "nothing alone (use required, requisite or sufficient)",
		    cli_printable(e->file), e->line, what);
	else if ((e->on_success == PAMD_OK || e->on_success == PAMD_IGNORE) &&
		 e->on_auth_err == PAMD_IGNORE)
		say(l, LINT_WARNING,
		    "%s:%u: \"%s\": a rejected credential is ignored "
		    "(auth_err=ignore) and success decides nothing, so "
		    "pam_agentictrust proves nothing alone",
		    cli_printable(e->file), e->line, what);
}

/*
 * Whether a pam_env line reads the user's ~/.pam_environment, decided the
 * way Linux-PAM's pam_env _pam_parse() decides it: every argument that
 * begins with "user_readenv=" sets the flag to atoi() of the rest (white
 * space, a sign and digits; whatever follows is ignored), the last one
 * wins, and without one the flag is off (the default since Linux-PAM
 * 1.4.0).  "user_readenv=01", "user_readenv=2" and the "[user_readenv=1 ]"
 * of a bracketed argument all turn it on.  *which is the argument that
 * decided, NULL when none did.
 */
static bool
pam_env_reads_user(const struct pamd_entry *m, const char **which)
{
	static const char key[] = "user_readenv=";
	bool on = false;
	long v;
	int a;

	*which = NULL;
	for (a = 0; a < m->argc; a++) {
		if (strncmp(m->argv[a], key, sizeof(key) - 1) != 0)
			continue;
		/*
		 * glibc's atoi() is (int)strtol(s, NULL, 10): its int is
		 * non-zero exactly when the low 32 bits of the long are.
		 */
		v = strtol(m->argv[a] + sizeof(key) - 1, NULL, 10);
		on = (unsigned int)v != 0;
		*which = m->argv[a];
	}
	return on;
}

/*
 * pam_env with user_readenv on, on an auth line after pam_agentictrust's:
 * libpam runs setcred in auth-stack order, and pam_env's setcred re-reads
 * the user's ~/.pam_environment on every call, after the module's setcred
 * re-asserted the verified AGENTICTRUST_* values.  The user then has the
 * last word (sshd's session child and login call setcred after the
 * session opened).  setcred walks the chain authentication froze: when
 * the module's own success ends the stack or jumps over the pam_env line,
 * a verified login never reaches it; when another line between them does,
 * it is reached whenever that line did not succeed.
 */
static void
check_pam_env_after(struct lint *l, const struct pamd_stack *st,
		    const struct pamd_entry *e, size_t at)
{
	const struct pamd_entry *m, *by;
	const char *which;
	char what[PAMD_MAX_LINE + 64], arg[PAMD_MAX_LINE + 64];
	char byw[PAMD_MAX_LINE + 64], when[2 * PAMD_MAX_LINE + 192];
	size_t k, j;

	for (k = at + 1; k < st->n; k++) {
		m = &st->entries[k];
		if (m->kind != PAMD_MODULE ||
		    strcmp(pamd_basename(m->module), "pam_env.so") != 0 ||
		    !pam_env_reads_user(m, &which) || pamd_skips(st, at, k))
			continue;
		by = NULL;
		for (j = at + 1; j < k && by == NULL; j++)
			if (pamd_skips(st, j, k))
				by = &st->entries[j];
		when[0] = '\0';
		if (by != NULL) {
			cli_entry_str(by, byw, sizeof(byw));
			snprintf(when, sizeof(when),
				 " and is reached for setcred when \"%s\" "
				 "(%s:%u) does not succeed: then",
				 byw, cli_printable(by->file), by->line);
		} else {
			snprintf(when, sizeof(when), ":");
		}
		cli_entry_str(m, what, sizeof(what));
		cli_args_str(1, &which, arg, sizeof(arg));
		say(l, LINT_WARNING,
		    "%s:%u: \"%s\" with %s comes after %s (%s:%u)%s its "
		    "setcred re-reads the user's ~/.pam_environment after "
		    "the module re-asserted the verified AGENTICTRUST_* "
		    "values, so the user has the last word: move it before "
		    "the module's auth line",
		    cli_printable(m->file), m->line, what, arg,
		    CLI_MODULE_NAME, cli_printable(e->file), e->line, when);
	}
}

static void
check_service(struct lint *l, const char *dir, const char *service,
	      int nextra, char **extra)
{
	struct pamd_stack st;
	const struct pamd_entry *e;
	const char **margv = NULL;
	char err[PAMD_MAX_LINE + 256], what[PAMD_MAX_LINE + 64];
	char args[PAMD_MAX_LINE + 64];
	size_t *idx = NULL, n = 0, k, m, nauth = 0;
	int margc = 0;

	pamd_stack_init(&st);
	if (cli_find_modules(dir, service, &st, &idx, &n, err, sizeof(err)) !=
	    0) {
		say(l, LINT_ERROR, "service %s: %s", cli_printable(service),
		    err);
		goto out;
	}
	for (k = 0; k < st.n; k++)
		if (st.entries[k].kind == PAMD_MODULE)
			nauth++;
	say(l, LINT_OK, "service %s: %s/%s read, %zu auth module line(s)",
	    cli_printable(service), dir != NULL ? dir : PAMD_DEFAULT_DIR,
	    cli_printable(service), nauth);
	if (n == 0) {
		say(l, LINT_ERROR,
		    "service %s: no auth line for %s: the module is not in "
		    "this stack",
		    cli_printable(service), CLI_MODULE_NAME);
		goto out;
	}
	for (k = 0; k < n; k++) {
		e = &st.entries[idx[k]];
		free(margv);
		if ((margv = cli_module_argv(e, nextra, extra, &margc)) ==
		    NULL) {
			say(l, LINT_ERROR, "out of memory");
			goto out;
		}
		cli_entry_str(e, what, sizeof(what));
		cli_args_str(margc, margv, args, sizeof(args));
		say(l, LINT_OK, "%s:%u: \"%s\"%s%s, arguments: %s",
		    cli_printable(e->file), e->line, what,
		    n > 1 ? " (one of several pam_agentictrust lines)" : "",
		    e->level > 0 ? " (in a substack)" : "", args);
		check_control(l, e);
		for (m = 0; m < idx[k]; m++)
			if (pamd_skips(&st, m, idx[k]))
				say_skip(l, &st.entries[m], e);
		check_pam_env_after(l, &st, e, idx[k]);
		check_config(l, margc, margv, service);
	}
out:
	free(margv);
	free(idx);
	pamd_stack_free(&st);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "pam-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lint l;
	const char *service = NULL, *pam_dir = NULL, **margv = NULL;
	int c, margc = 0;

	memset(&l, 0, sizeof(l));
	l.log.fn = lint_log;
	l.log.ctx = &l;
	l.log.debug = false;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			service = optarg;
			break;
		case 'd':
			pam_dir = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return CHECK_CLEAN;
		default:
			check_usage(stderr);
			return CHECK_USAGE;
		}
	}
	if ((pam_dir != NULL && service == NULL) ||
	    (service != NULL &&
	     (service[0] == '\0' || strchr(service, '/') != NULL ||
	      strcmp(service, ".") == 0 || strcmp(service, "..") == 0))) {
		check_usage(stderr);
		return CHECK_USAGE;
	}
	if (service != NULL) {
		check_service(&l, pam_dir, service, argc - optind,
			      argv + optind);
	} else {
		margv = cli_module_argv(NULL, argc - optind, argv + optind,
					&margc);
		if (margv == NULL) {
			say(&l, LINT_ERROR, "out of memory");
		} else {
			char args[PAMD_MAX_LINE + 64];

			cli_args_str(margc, margv, args, sizeof(args));
			say(&l, LINT_OK, "module arguments: %s", args);
			check_config(&l, margc, margv, NULL);
		}
		free(margv);
	}
	return l.errors > 0 ? CHECK_ERRORS : CHECK_CLEAN;
}
