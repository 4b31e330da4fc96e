/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_verify.c - agentictrust verify: judge a credential exactly as
 * pam_agentictrust.so would (at_config_load, at_verifier_from_config,
 * at_verify_credential) and explain the verdict: the reason tag the
 * module logs, the method, the secret that matched, the decoded header
 * and claims, the dates and the local user.
 *
 *   agentictrust verify --user USER [--service NAME [--pam-dir DIR]]
 *                       [MODULE-ARGUMENT...] < CREDENTIAL
 *
 * With --service the module arguments come from the service's
 * pam_agentictrust.so auth line(s) in /etc/pam.d (tools/pamd.c), the
 * command-line ones appended after them.  Every such line is explained,
 * in stack order.
 *
 * The credential is what stdin holds up to its first NUL byte, as the
 * module sees a PAM conversation's answer; anything after it is ignored,
 * with a note.
 *
 * Nothing from the token is shown as a fact before its MAC has verified.
 * A token whose MAC failed may have its header and claims shown, labelled
 * UNVERIFIED, when both decode to JSON; the JSON is re-encoded ASCII-only.
 * The raw token, its signature and the secret are never printed.
 *
 * With store= the store is asked what the module asks it after every
 * other check passed (is the id or the token revoked?), but nothing is
 * consumed: verify is a dry run, so under single_use it cannot say
 * whether the token was used before.  The store has no read-only use
 * check on purpose: its answer would be stale the moment it is printed,
 * and only the atomic check-and-consume of an authentication is the
 * truth.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "at_store.h"
#include "cli.h"

/* Exit statuses. */
#define VERIFY_ACCEPTED 0
#define VERIFY_REJECTED 1
#define VERIFY_ERROR 2	/* usage, configuration or system error */

#define JSON_SHOWN_MAX 1024	/* bytes of header / claims JSON printed */

struct verify_run {
	const char *user;	/* borrowed: argv */
	const char *service;	/* borrowed: argv; NULL without --service */
	const char *cred;	/* borrowed: the stdin buffer */
	size_t credlen;		/* bytes before the first NUL */
	size_t ignored;		/* bytes from the first NUL on */
	int nextra;		/* command-line module arguments */
	char **extra;		/* borrowed: argv */
};

static void
verify_usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust verify --user USER [--service NAME "
		"[--pam-dir DIR]]\n"
		"                           [MODULE-ARGUMENT...] < "
		"CREDENTIAL\n"
		"\n"
		"Check the credential on stdin exactly as pam_agentictrust.so "
		"would for USER.\n"
		"--service NAME  take the module arguments from the "
		"pam_agentictrust.so auth\n"
		"                line(s) of /etc/pam.d/NAME (or DIR/NAME); "
		"MODULE-ARGUMENTs\n"
		"                given here are appended and override them\n"
		"Exit status: 0 accepted (by every pam_agentictrust line), 1 "
		"rejected,\n"
		"2 usage or configuration error.\n");
}

/* "45 s", "3 min", "5 h", "12 d": a coarse length of time. */
static void
fmt_span(double secs, char *buf, size_t len)
{
	long long s = (long long)(secs < 0 ? -secs : secs);

	if (s < 120)
		snprintf(buf, len, "%lld s", s);
	else if (s < 120 * 60)
		snprintf(buf, len, "%lld min", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, len, "%lld h", s / 3600);
	else
		snprintf(buf, len, "%lld d", s / 86400);
}

/* A NumericDate as a local date, "2026-11-25 13:02:11 CET". */
static void
fmt_date(double t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "%.0f", t);
}

/* iat, nbf and exp against the verifier's clock and the leeway. */
static void
explain_times(const struct at_config *cfg, const struct at_claims *c,
	      time_t now)
{
	double tnow = (double)now, lw = (double)cfg->leeway;
	char date[64], span[32];

	if (c->has_iat) {
		fmt_date(c->iat, date, sizeof(date));
		fmt_span(tnow - c->iat, span, sizeof(span));
		if (c->iat <= tnow)
			printf("  iat: %s (issued %s ago)\n", date, span);
		else
			printf("  iat: %s (issued %s in the future, %s leeway "
			       "%u s)\n",
			       date, span,
			       c->iat <= tnow + lw ? "within" : "beyond",
			       cfg->leeway);
	}
	if (c->has_nbf) {
		fmt_date(c->nbf, date, sizeof(date));
		fmt_span(tnow - c->nbf, span, sizeof(span));
		if (c->nbf <= tnow)
			printf("  nbf: %s (valid since %s)\n", date, span);
		else if (c->nbf <= tnow + lw)
			printf("  nbf: %s (valid in %s, accepted within leeway "
			       "%u s)\n",
			       date, span, cfg->leeway);
		else
			printf("  nbf: %s (not valid for another %s, leeway "
			       "%u s)\n",
			       date, span, cfg->leeway);
	}
	if (c->has_exp) {
		fmt_date(c->exp, date, sizeof(date));
		fmt_span(tnow - c->exp, span, sizeof(span));
		if (tnow < c->exp)
			printf("  exp: %s (expires in %s, leeway %u s)\n", date,
			       span, cfg->leeway);
		else if (tnow < c->exp + lw)
			printf("  exp: %s (expired %s ago, accepted within "
			       "leeway %u s)\n",
			       date, span, cfg->leeway);
		else
			printf("  exp: %s (expired %s ago, leeway %u s)\n",
			       date, span, cfg->leeway);
	}
	if (cfg->max_ttl > 0 && c->has_exp && c->has_iat)
		printf("  ttl: exp - iat = %.0f s (max_ttl %lu s)\n",
		       c->exp - c->iat, cfg->max_ttl);
}

/*
 * The header of a token whose MAC failed is never trusted, but the
 * signature's length alone tells the usual mistakes apart: an HS384/HS512
 * backend, or an unsigned alg "none".
 */
static void
explain_signature_length(const char *cred, size_t len)
{
	const char *sig;
	size_t siglen;

	at_trim(&cred, &len);
	sig = memrchr(cred, '.', len);
	if (sig == NULL)
		return;
	sig++;
	siglen = at_b64url_decoded_len(len - (size_t)(sig - cred));
	if (siglen == 0)
		printf("  hint: the token is unsigned (alg \"none\"?); only "
		       "HS256 is accepted\n");
	else if (siglen == 48 || siglen == 64)
		printf("  hint: a %zu-byte signature looks like HS%zu; only "
		       "HS256 is accepted\n",
		       siglen, siglen * 8);
	else
		printf("  hint: the signature is %zu bytes, HS256 gives 32; "
		       "was the token cut short?\n",
		       siglen);
}

/*
 * The module's hint for a credential whose length is a client's buffer
 * size (at_truncation_hint()), for the same errors it logs it for.
 */
static void
explain_length(enum at_err r, const char *cred, size_t len)
{
	const char *clients;

	if (r == AT_ERR_NOMEM || r == AT_ERR_CRYPTO || r == AT_ERR_INTERNAL ||
	    r == AT_ERR_NOT_MAPPED)
		return;
	at_trim(&cred, &len);
	if ((clients = at_truncation_hint(len)) != NULL)
		printf("  hint: the credential is exactly %zu bytes, probably "
		       "truncated by the client (%s)\n",
		       len, clients);
}

/*
 * The JSON one base64url segment decodes to, re-encoded compact and
 * ASCII-only (every byte printable), cut to JSON_SHOWN_MAX bytes.  NULL
 * when the segment is not strict base64url of JSON without duplicate
 * keys.  Owned: free().
 */
static char *
segment_json(const char *seg, size_t len)
{
	json_error_t jerr;
	json_t *j;
	unsigned char *raw;
	size_t cap, rawlen = 0;
	char *out = NULL;

	if (at_b64url_check(seg, len) != AT_OK)
		return NULL;
	cap = at_b64url_decoded_len(len) + 1;
	if ((raw = malloc(cap)) == NULL)
		return NULL;
	if (at_b64url_decode(seg, len, raw, cap, &rawlen) != AT_OK)
		goto out;
	memset(&jerr, 0, sizeof(jerr));
	j = json_loadb((const char *)raw, rawlen,
		       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL)
		goto out;
	out = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	json_decref(j);
	if (out != NULL && strlen(out) > JSON_SHOWN_MAX)
		memcpy(out + JSON_SHOWN_MAX - 4, " ...", 5);
out:
	at_freezero(raw, cap);
	return out;
}

/*
 * Header and claims of a compact JWS.  verified: its MAC has verified,
 * so they are what the issuer signed; otherwise they are shown only when
 * both decode to JSON, each line labelled UNVERIFIED.
 */
static void
explain_json(const char *cred, size_t len, bool verified)
{
	const char *tok = cred, *dot1, *dot2;
	size_t hlen, plen;
	char *header = NULL, *claims = NULL;

	at_trim(&tok, &len);
	if (len > AT_MAX_CREDENTIAL ||
	    (dot1 = memchr(tok, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 - tok) - 1)) ==
		    NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 - tok) - 1) != NULL)
		return;
	hlen = (size_t)(dot1 - tok);
	plen = (size_t)(dot2 - dot1 - 1);
	header = segment_json(tok, hlen);
	claims = segment_json(dot1 + 1, plen);
	if (verified) {
		printf("  header %s\n",
		       header != NULL ? header : "(not valid JSON)");
		printf("  claims %s\n",
		       claims != NULL ? claims : "(not valid JSON)");
	} else if (header != NULL && claims != NULL) {
		printf("  UNVERIFIED header %s\n", header);
		printf("  UNVERIFIED claims %s\n", claims);
		printf("  (the MAC did not verify: the lines above are what "
		       "the token says, not facts)\n");
	}
	free(header);
	free(claims);
}

/* Which service line the arguments came from, and the arguments. */
static void
print_context(const struct verify_run *run, const struct pamd_entry *e,
	      size_t nth, size_t total, int margc, const char **margv)
{
	char buf[PAMD_MAX_LINE + 64];

	if (run->service == NULL || e == NULL)
		return;
	cli_entry_str(e, buf, sizeof(buf));
	printf("  service %s: %s:%u: %s", cli_printable(run->service),
	       cli_printable(e->file), e->line, buf);
	if (total > 1)
		printf(" (pam_agentictrust line %zu of %zu)", nth, total);
	cli_args_str(margc, margv, buf, sizeof(buf));
	printf("\n  arguments %s", buf);
	if (run->nextra > 0)
		printf(" (the last %d from the command line)", run->nextra);
	printf("\n");
}

/*
 * The module's check after a credential verified: may it open this local
 * account?  Root and the system accounts (outside UID_MIN..UID_MAX,
 * nobody) only with user_map or allow_system_users
 * (at_user_policy_check(), the module's call).  An unknown user is left
 * to the note at the end.  Returns the module's verdict: AT_OK,
 * AT_ERR_SYSTEM_USER, or a login.defs error (logged on stderr), which the
 * module logs as "refused".
 */
static enum at_err
account_verdict(const struct verify_run *run, const struct at_config *cfg)
{
	const struct passwd *pw = getpwnam(run->user);

	if (pw == NULL)
		return AT_OK;
	return at_user_policy_check(cfg, cfg->user_map != NULL, pw->pw_uid,
				    AT_DEFAULT_LOGIN_DEFS, geteuid(),
				    &cli_log);
}

/* Why account_verdict() said what it said, for root and system accounts. */
static void
explain_account(const struct verify_run *run, const struct at_config *cfg,
		enum at_err r)
{
	const struct passwd *pw = getpwnam(run->user);
	struct at_uid_range range;
	char what[160];

	if (pw == NULL || (r != AT_OK && r != AT_ERR_SYSTEM_USER))
		return;
	/* Unreadable (only with a map or the flag, which skip it): name
	 * only the classes that do not depend on it. */
	if (at_login_defs_read(AT_DEFAULT_LOGIN_DEFS, geteuid(), NULL,
			       &range) != AT_OK) {
		range.min = 0;
		range.max = (uid_t)-2;
	}
	switch (at_uid_classify(pw->pw_uid, &range)) {
	case AT_UID_ROOT:
		snprintf(what, sizeof(what), "root");
		break;
	case AT_UID_INVALID:
		snprintf(what, sizeof(what),
			 "a system account (uid %lu: not a valid uid)",
			 (unsigned long)pw->pw_uid);
		break;
	case AT_UID_NOBODY:
		snprintf(what, sizeof(what),
			 "a system account (uid %d, nobody: the overflow uid)",
			 AT_NOBODY_UID);
		break;
	case AT_UID_RESERVED:
		snprintf(what, sizeof(what),
			 "a system account (uid 1-%d, reserved for the "
			 "system)",
			 AT_RESERVED_UID_MAX);
		break;
	case AT_UID_BELOW_MIN:
		snprintf(what, sizeof(what),
			 "a system account (uid below UID_MIN %lu of %s)",
			 (unsigned long)range.min, AT_DEFAULT_LOGIN_DEFS);
		break;
	case AT_UID_ABOVE_MAX:
		snprintf(what, sizeof(what),
			 "a system account (uid above UID_MAX %lu of %s)",
			 (unsigned long)range.max, AT_DEFAULT_LOGIN_DEFS);
		break;
	case AT_UID_NORMAL:
	default:
		return;
	}
	if (r == AT_ERR_SYSTEM_USER)
		printf("  local user %s (uid %lu) is %s: refused without "
		       "user_map or allow_system_users\n",
		       cli_printable(run->user), (unsigned long)pw->pw_uid,
		       what);
	else
		printf("  note: local user %s (uid %lu) is %s: allowed because "
		       "%s\n",
		       cli_printable(run->user), (unsigned long)pw->pw_uid,
		       what,
		       cfg->user_map != NULL ?
			       "user_map is set (the map is the only authority)" :
			       "allow_system_users is set");
}

/*
 * Which secret verified the MAC: its file, the option that names the
 * file for this method, its line, and its number among the file's
 * secrets.  Numbers count from 1 for people, from 0 in the module's log.
 */
static void
explain_secret(const struct at_verifier *v, const struct at_config *cfg,
	       const struct at_claims *claims)
{
	const char *path = NULL, *option = NULL;
	unsigned int line = 0;

	(void)at_config_secret_file(cfg, claims->method, &option);
	if (at_verifier_secret_origin(v, claims->method, claims->secret_index,
				      &path, &line) &&
	    path != NULL)
		printf("  method %s, line %u of %s (%s, secret #%d) matched "
		       "(logged as secret=%d)\n",
		       at_method_name(claims->method), line,
		       cli_printable(path),
		       option != NULL ? option : "secret file",
		       claims->secret_index + 1, claims->secret_index);
	else
		printf("  method %s, secret #%d matched (logged as "
		       "secret=%d)\n",
		       at_method_name(claims->method),
		       claims->secret_index + 1, claims->secret_index);
}

/* What lib found, printed only from values that passed the MAC check. */
static void
explain_claims(const struct at_verifier *v, const struct at_config *cfg,
	       const struct at_claims *claims, enum at_err r, time_t now)
{
	explain_secret(v, cfg, claims);
	if (claims->kid != NULL)
		printf("  kid    %s\n", cli_printable(claims->kid));
	/* Set only once the MAC verified: the module's fp= value. */
	if (claims->fp[0] != '\0')
		printf("  fp     %s\n", claims->fp);
	if (claims->sub != NULL)
		printf("  sub    %s\n", cli_printable(claims->sub));
	if (claims->local_user != NULL)
		printf("  maps to local user %s (%s)\n",
		       cli_printable(claims->local_user),
		       getpwnam(claims->local_user) != NULL ? "exists" :
		       cfg->accounts_any ? "not a Unix account (accounts=any)" :
					   "no such user on this system");
	else if (r == AT_ERR_NOT_MAPPED)
		printf("  maps to no local user (not in the user map)\n");
	else if (claims->sub != NULL)
		printf("  maps to local user: not reached (rejected before "
		       "the user mapping)\n");
	if (claims->email != NULL)
		printf("  email  %s\n", cli_printable(claims->email));
	else if (claims->email_drop != AT_DROP_NONE)
		printf("  email  dropped (%s): not exported, logged as "
		       "claim_dropped\n",
		       claims->email_drop == AT_DROP_TOO_LONG ?
			       "longer than 1024 bytes" :
			       "has a control character");
	if (claims->name != NULL)
		printf("  name   %s\n", cli_printable(claims->name));
	else if (claims->name_drop != AT_DROP_NONE)
		printf("  name   dropped (%s): not exported, logged as "
		       "claim_dropped\n",
		       claims->name_drop == AT_DROP_TOO_LONG ?
			       "longer than 1024 bytes" :
			       "has a control character");
	if (claims->iss != NULL)
		printf("  iss    %s\n", cli_printable(claims->iss));
	explain_times(cfg, claims, now);
}

/*
 * The store's word on a credential that passed every other check, as the
 * module asks it in the auth phase, but without consuming a single-use
 * token (at_store_query_from_claims() with consume false).  Returns
 * AT_OK, AT_ERR_REVOKED or the store's error (logged on stderr);
 * *allowed is set when the store was unavailable and store_unavailable=
 * allow lets the module accept anyway (then AT_OK).
 */
static enum at_err
store_verdict(const struct at_config *cfg, const struct at_claims *c,
	      time_t now, bool *allowed)
{
	struct at_store *s = NULL;
	struct at_store_query q;
	char key[AT_STORE_MAX_USE_KEY + 1];
	enum at_err r;

	*allowed = false;
	if ((r = at_store_open(cfg, geteuid(), &cli_log, &s)) == AT_OK &&
	    (r = at_store_query_from_claims(cfg, c, false, now, key, &q)) ==
		    AT_OK)
		r = at_store_check(s, &q);
	at_store_close(s);
	if (r == AT_ERR_STORE_UNAVAILABLE && cfg->store_unavailable_allow) {
		*allowed = true;
		r = AT_OK;
	}
	return r;
}

/* What the store said, under the verdict line. */
static void
explain_store(const struct at_config *cfg, enum at_err r, bool allowed)
{
	if (r == AT_ERR_REVOKED)
		printf("  store %s: the id or this token is revoked "
		       "(agentictrust revoked lists the revocations)\n",
		       cli_printable(cfg->store));
	else if (allowed)
		printf("  store %s: unavailable; store_unavailable=allow lets "
		       "the module accept without asking it (it logs a "
		       "warning)\n",
		       cli_printable(cfg->store));
	else if (r == AT_OK)
		printf("  store %s: neither the id nor this token is "
		       "revoked\n",
		       cli_printable(cfg->store));
	if (cfg->single_use && r == AT_OK)
		printf("  single_use: not checked and not consumed: verify is "
		       "a dry run, and only an authentication tells a first "
		       "use from a replay (it consumes the token)\n");
}

/*
 * Judge the credential with one set of module arguments, as the module
 * does, and explain.  e is the service line (NULL without --service).
 * Returns VERIFY_ACCEPTED, VERIFY_REJECTED or VERIFY_ERROR.
 */
static int
verify_one(const struct verify_run *run, const struct pamd_entry *e,
	   size_t nth, size_t total)
{
	struct at_config cfg;
	struct at_claims claims;
	struct at_verifier *v = NULL;
	enum at_err r;
	const char **margv = NULL;
	int margc = 0, i, ret = VERIFY_ERROR;
	bool unknown = false, nonunix = false, asked = false;
	bool allowed = false;

	at_config_init(&cfg);
	at_claims_init(&claims);
	if ((margv = cli_module_argv(e, run->nextra, run->extra, &margc)) ==
	    NULL) {
		fprintf(stderr, "agentictrust: out of memory\n");
		goto out;
	}
	/* As the module: a bare "debug" also covers parsing the options. */
	cli_log.debug = false;
	for (i = 0; i < margc; i++)
		if (strcmp(margv[i], "debug") == 0)
			cli_log.debug = true;
	r = at_config_load(&cfg, margc, margv, AT_DEFAULT_CONFIG, geteuid(),
			   &cli_log);
	if (r == AT_OK) {
		cli_log.debug = cfg.debug;
		r = at_verifier_from_config(&v, &cfg, geteuid(), &cli_log);
	}
	if (r != AT_OK) {
		/* The module logs these as "refused": no credential read. */
		printf("refused: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
		print_context(run, e, nth, total, margc, margv);
		goto out;
	}
	r = at_verify_credential(v, run->cred, run->credlen, run->user,
				 &claims);
	/* A verified credential for root or a system account; login.defs
	 * unusable: the module logs "refused", a system problem. */
	if (r == AT_OK && (r = account_verdict(run, &cfg)) != AT_OK &&
	    r != AT_ERR_SYSTEM_USER) {
		printf("refused: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
		print_context(run, e, nth, total, margc, margv);
		goto out;
	}
	/* The module asks before it prompts, and refuses after: an unknown
	 * user is refused whatever the credential, unless accounts=any lets
	 * a name with no passwd entry through: only glibc's definite "no
	 * such user" (errno 0) counts; any errno, ENOENT included (what
	 * nss-pam-ldapd reports when nslcd is down), stays unknown, as in
	 * the module. */
	errno = 0;
	if (getpwnam(run->user) == NULL) {
		if (cfg.accounts_any && errno == 0)
			nonunix = true;
		else
			unknown = true;
	}
	/* The store last, as the module: only a credential that passed
	 * every other check is asked about. */
	if (r == AT_OK && !unknown && cfg.store != NULL) {
		r = store_verdict(&cfg, &claims, at_verifier_now(v), &allowed);
		asked = true;
	}
	if (unknown)
		printf("rejected: reason=user_unknown (no local user %s: the "
		       "module prompts, then refuses)\n",
		       cli_printable(run->user));
	else if (r == AT_OK)
		printf("accepted: user=%s method=%s\n",
		       cli_printable(run->user), at_method_name(claims.method));
	else
		printf("rejected: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
	print_context(run, e, nth, total, margc, margv);
	if (nonunix)
		printf("  local user %s: not a Unix account (accounts=any): "
		       "no system-account check\n",
		       cli_printable(run->user));
	if (asked)
		explain_store(&cfg, r, allowed);
	if (unknown)
		printf("  the credential itself: %s (reason=%s)\n",
		       r == AT_OK ? "valid for that name" : "refused",
		       at_err_reason(r));
	if (run->ignored > 0)
		printf("  note: input after a NUL byte at offset %zu ignored "
		       "(%zu bytes): the module never sees it (a PAM "
		       "conversation answer ends at its first NUL)\n",
		       run->credlen, run->ignored - 1);
	if (r == AT_ERR_SIG_LENGTH)
		explain_signature_length(run->cred, run->credlen);
	if (r != AT_OK)
		explain_length(r, run->cred, run->credlen);
	if (claims.secret_index >= 0)
		explain_claims(v, &cfg, &claims, r, at_verifier_now(v));
	explain_account(run, &cfg, r);
	if (claims.method == AT_METHOD_JWT)
		explain_json(run->cred, run->credlen, claims.secret_index >= 0);
	ret = r == AT_OK && !unknown ? VERIFY_ACCEPTED : VERIFY_REJECTED;
out:
	at_claims_clear(&claims);
	at_verifier_free(v);
	at_config_clear(&cfg);
	free(margv);
	return ret;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "service", required_argument, NULL, 's' },
		{ "pam-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_run run;
	struct pamd_stack st;
	const char *pam_dir = NULL;
	char *cred = NULL, err[PAMD_MAX_LINE + 256];
	size_t credlen = 0, *idx = NULL, n = 0, i, counts[3] = { 0, 0, 0 };
	int c, one, ret = VERIFY_ERROR;

	memset(&run, 0, sizeof(run));
	pamd_stack_init(&st);
	/* "+": options end at the first module argument. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			run.user = optarg;
			break;
		case 's':
			run.service = optarg;
			break;
		case 'd':
			pam_dir = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			return 0;
		default:
			verify_usage(stderr);
			return VERIFY_ERROR;
		}
	}
	if (run.user == NULL || run.user[0] == '\0' ||
	    (pam_dir != NULL && run.service == NULL)) {
		verify_usage(stderr);
		return VERIFY_ERROR;
	}
	run.nextra = argc - optind;
	run.extra = argv + optind;
	if (run.service != NULL) {
		if (cli_find_modules(pam_dir, run.service, &st, &idx, &n, err,
				     sizeof(err)) != 0) {
			fprintf(stderr, "agentictrust: %s\n", err);
			goto out;
		}
		if (n == 0) {
			fprintf(stderr,
				"agentictrust: service %s (%s/%s): no auth "
				"line for %s\n",
				cli_printable(run.service),
				pam_dir != NULL ? pam_dir : PAMD_DEFAULT_DIR,
				cli_printable(run.service), CLI_MODULE_NAME);
			goto out;
		}
	}
	if (cli_read_stdin(&cred, &credlen) != 0) {
		fprintf(stderr, "agentictrust: cannot read stdin (or more "
				"than %d bytes)\n", CLI_MAX_STDIN);
		goto out;
	}
	/* The module gets a conversation answer, a C string: judge exactly
	 * the bytes it would see. */
	run.cred = cred;
	run.credlen = strnlen(cred, credlen);
	run.ignored = credlen - run.credlen;
	if (run.service == NULL) {
		ret = verify_one(&run, NULL, 1, 1);
		goto out;
	}
	ret = VERIFY_ACCEPTED;
	for (i = 0; i < n; i++) {
		if (i > 0)
			printf("\n");
		one = verify_one(&run, &st.entries[idx[i]], i + 1, n);
		counts[one]++;
		if (one > ret)
			ret = one;
	}
	if (n > 1)
		printf("\nsummary: %zu pam_agentictrust lines: %zu accepted, "
		       "%zu rejected, %zu refused (every line must accept)\n",
		       n, counts[VERIFY_ACCEPTED], counts[VERIFY_REJECTED],
		       counts[VERIFY_ERROR]);
out:
	if (cred != NULL)
		at_freezero(cred, credlen + 1);
	free(idx);
	pamd_stack_free(&st);
	return ret;
}
