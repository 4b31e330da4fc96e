/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_store.c - the state store from the command line (issue 8):
 *
 *   agentictrust revoke   STORE (--sub ID [--before TIME] | --token - |
 *                         --fp FP) [--reason TEXT]
 *   agentictrust unrevoke STORE (--sub ID | --token - | --fp FP)
 *   agentictrust revoked  STORE [--json]
 *   agentictrust fingerprint [--config PATH | --service NAME
 *                         [--pam-dir DIR]] [--secret-file FILE] < TOKEN
 *
 * STORE is what the module reads: --config PATH (default
 * /etc/security/agentictrust.conf) or --service NAME (the first
 * pam_agentictrust.so auth line of /etc/pam.d/NAME), or --store URL
 * alone (no file read); --store-password-file, --store-prefix and
 * --store-timeout-ms override what the file says.
 *
 * A token is read from stdin, never from argv (argv is visible in ps),
 * and is fingerprinted only once its MAC verified against the JWT secret
 * of the configuration (or --secret-file): the input may be anything an
 * operator pasted, a Unix password included, and a hash of a password in
 * a store or on a terminal is a dictionary attack waiting to happen.
 * Nothing read from stdin is ever printed.  Every value read from the
 * store is printed through at_log_value(), so a hostile id or reason
 * cannot drive the terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "at_store.h"
#include "cli.h"

/* Exit statuses, as the other subcommands. */
#define STORE_OK 0
#define STORE_FAILED 1	/* refused, not found, store or file error */
#define STORE_USAGE 2	/* usage or configuration error */

/* Room for any id, reason or sub through at_log_value(): every byte may
 * become \xHH, plus the quotes. */
#define SHOWN_MAX (4 * AT_MAX_SUB + 16)

/* The largest --before: 9999-12-31T23:59:59Z. */
#define BEFORE_MAX ((unsigned long long)CLI_TIME_MAX)

/* What the options say about where the store and the secrets are. */
struct store_opts {
	const char *config;		/* borrowed: argv; --config */
	const char *store;		/* --store URL */
	const char *password_file;	/* --store-password-file */
	const char *prefix;		/* --store-prefix */
	const char *timeout_ms;		/* --store-timeout-ms */
	const char *secret_file;	/* --secret-file: JWT secrets */
	const char *service;		/* --service */
	const char *pam_dir;		/* --pam-dir */
};

/* Long options shared by the four subcommands. */
#define OPT_CONFIG 'c'
#define OPT_STORE 'S'
#define OPT_PASSWORD 'P'
#define OPT_PREFIX 'X'
#define OPT_TIMEOUT 'T'
#define OPT_SECRET 'k'
#define OPT_SERVICE 's'
#define OPT_PAM_DIR 'd'

#define STORE_LONG_OPTS                                                        \
	{ "config", required_argument, NULL, OPT_CONFIG },                     \
	{ "store", required_argument, NULL, OPT_STORE },                       \
	{ "store-password-file", required_argument, NULL, OPT_PASSWORD },      \
	{ "store-prefix", required_argument, NULL, OPT_PREFIX },               \
	{ "store-timeout-ms", required_argument, NULL, OPT_TIMEOUT },          \
	{ "secret-file", required_argument, NULL, OPT_SECRET },                \
	{ "service", required_argument, NULL, OPT_SERVICE },                   \
	{ "pam-dir", required_argument, NULL, OPT_PAM_DIR },                   \
	{ "help", no_argument, NULL, 'h' }

#define STORE_USAGE_TEXT                                                       \
	"STORE: --config PATH (default " AT_DEFAULT_CONFIG ")\n"               \
	"     | --service NAME [--pam-dir DIR]  (its first "                   \
	"pam_agentictrust.so auth line)\n"                                     \
	"     | --store URL                     (no file read)\n"              \
	"  [--store-password-file FILE] [--store-prefix PREFIX] "              \
	"[--store-timeout-ms N]\n"                                             \
	"  [--secret-file FILE]   the JWT secrets, for --token -\n"

static void
store_usage(FILE *f, const char *cmd)
{
	if (strcmp(cmd, "revoke") == 0)
		fprintf(f,
			"usage: agentictrust revoke STORE (--sub ID [--before "
			"TIME] | --token - | --fp FP)\n"
			"                           [--reason TEXT]\n"
			"\n"
			"--sub ID           refuse every credential of ID\n"
			"--before TIME      only JWTs issued before TIME (now, "
			"Unix seconds or\n"
			"                   YYYY-MM-DDTHH:MM:SSZ); JWTs "
			"without iat and HMAC\n"
			"                   credentials are refused too\n"
			"--token -          refuse the JWT read from stdin "
			"(its MAC must verify),\n"
			"                   until its exp + %d s\n"
			"--fp FP            refuse the JWT of that fingerprint "
			"(from fp= in the log),\n"
			"                   until unrevoked\n",
			AT_MAX_LEEWAY);
	else if (strcmp(cmd, "unrevoke") == 0)
		fprintf(f, "usage: agentictrust unrevoke STORE (--sub ID | "
			   "--token - | --fp FP)\n"
			   "Exit status 0 when a revocation was removed, 1 "
			   "when there was none.\n");
	else if (strcmp(cmd, "revoked") == 0)
		fprintf(f, "usage: agentictrust revoked STORE [--json]\n"
			   "List the revocations in force.\n");
	else
		fprintf(f,
			"usage: agentictrust fingerprint [--config PATH | "
			"--service NAME [--pam-dir DIR]]\n"
			"                                [--secret-file FILE] "
			"< TOKEN\n"
			"Print the fingerprint (fp= in the module's log) of "
			"the JWT on stdin, only\n"
			"when its MAC verifies against the JWT secrets.\n");
	if (strcmp(cmd, "fingerprint") != 0)
		fputs(STORE_USAGE_TEXT, f);
}

/* A shared option into o; false when c is not one. */
static bool
store_opt(struct store_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_CONFIG: o->config = arg; break;
	case OPT_STORE: o->store = arg; break;
	case OPT_PASSWORD: o->password_file = arg; break;
	case OPT_PREFIX: o->prefix = arg; break;
	case OPT_TIMEOUT: o->timeout_ms = arg; break;
	case OPT_SECRET: o->secret_file = arg; break;
	case OPT_SERVICE: o->service = arg; break;
	case OPT_PAM_DIR: o->pam_dir = arg; break;
	default: return false;
	}
	return true;
}

/* One option the command line sets over the configuration. */
struct kv {
	const char *key;
	const char *value;
};

/* The "key=value" argument of kv, owned: free(). */
static char *
kv_arg(const struct kv *kv)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%s", kv->key, kv->value) < 0)
		return NULL;
	return s;
}

/*
 * The configuration the options name, loaded as the module loads it:
 *   --config / --service: at_config_load() of that file or pam.d line,
 *     the command-line options applied over it;
 *   --store or --secret-file alone: those options only, no file;
 *   nothing: at_config_load() of AT_DEFAULT_CONFIG, which must exist.
 * Returns 0, or STORE_USAGE with the reason on stderr.
 */
static int
store_config(const struct store_opts *o, struct at_config *cfg)
{
	struct kv kv[8];
	struct pamd_stack st;
	const struct pamd_entry *e = NULL;
	const char **margv = NULL;
	char *extra[8], err[PAMD_MAX_LINE + 256], *secret_abs = NULL;
	size_t nkv = 0, i, *idx = NULL, n = 0;
	int margc = 0, ret = STORE_USAGE;
	enum at_err r = AT_ERR_INTERNAL;
	bool file = o->config != NULL || o->service != NULL ||
		    (o->store == NULL && o->secret_file == NULL);

	memset(extra, 0, sizeof(extra));
	pamd_stack_init(&st);
	if (o->pam_dir != NULL && o->service == NULL) {
		fprintf(stderr, "agentictrust: --pam-dir needs --service\n");
		goto out;
	}
	if (o->config != NULL)
		kv[nkv++] = (struct kv){ "config", o->config };
	else if (file && o->service == NULL)
		kv[nkv++] = (struct kv){ "config", AT_DEFAULT_CONFIG };
	if (o->store != NULL)
		kv[nkv++] = (struct kv){ "store", o->store };
	if (o->password_file != NULL)
		kv[nkv++] = (struct kv){ "store_password_file",
					 o->password_file };
	if (o->prefix != NULL)
		kv[nkv++] = (struct kv){ "store_prefix", o->prefix };
	if (o->timeout_ms != NULL)
		kv[nkv++] = (struct kv){ "store_timeout_ms", o->timeout_ms };
	if (o->secret_file != NULL) {
		/* The module's option wants an absolute path; the command
		 * line's is taken relative to the current directory. */
		if ((secret_abs = cli_abs_path(o->secret_file,
					       "--secret-file")) == NULL)
			goto out;
		kv[nkv++] = (struct kv){ "jwt_secret_file", secret_abs };
	}

	if (!file) {
		/* --store / --secret-file alone: what the command line says,
		 * with the module's rules between the store options. */
		for (i = 0; i < nkv; i++)
			if ((r = at_config_set(cfg, kv[i].key, kv[i].value,
					       &cli_log)) != AT_OK)
				break;
		if (r == AT_OK)
			r = at_config_check_store(cfg, &cli_log);
	} else {
		if (o->service != NULL) {
			if (cli_find_modules(o->pam_dir, o->service, &st, &idx,
					     &n, err, sizeof(err)) != 0) {
				fprintf(stderr, "agentictrust: %s\n", err);
				goto out;
			}
			if (n == 0) {
				fprintf(stderr,
					"agentictrust: service %s: no auth "
					"line for %s\n",
					cli_printable(o->service),
					CLI_MODULE_NAME);
				goto out;
			}
			e = &st.entries[idx[0]];
		}
		for (i = 0; i < nkv; i++)
			if ((extra[i] = kv_arg(&kv[i])) == NULL) {
				fprintf(stderr,
					"agentictrust: out of memory\n");
				goto out;
			}
		if ((margv = cli_module_argv(e, (int)nkv, extra, &margc)) ==
		    NULL) {
			fprintf(stderr, "agentictrust: out of memory\n");
			goto out;
		}
		r = at_config_load(cfg, margc, margv, AT_DEFAULT_CONFIG,
				   geteuid(), &cli_log);
	}
	if (r != AT_OK) {
		fprintf(stderr, "agentictrust: the configuration is refused "
				"(reason=%s)\n",
			at_err_reason(r));
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		free(extra[i]);
	free(margv);
	free(idx);
	free(secret_abs);
	pamd_stack_free(&st);
	return ret;
}

/* Open the store of cfg.  Returns 0, or STORE_FAILED / STORE_USAGE. */
static int
store_open(const struct at_config *cfg, struct at_store **s)
{
	enum at_err r;

	*s = NULL;
	if (cfg->store == NULL) {
		fprintf(stderr, "agentictrust: no store: the configuration "
				"sets no store= (or give --store URL)\n");
		return STORE_USAGE;
	}
	/* lib's one line says why; this one says what it means here. */
	if ((r = at_store_open(cfg, geteuid(), &cli_log, s)) != AT_OK) {
		fprintf(stderr, "agentictrust: cannot open the store %s "
				"(reason=%s)\n",
			cli_printable(cfg->store), at_err_reason(r));
		return r == AT_ERR_CONFIG ? STORE_USAGE : STORE_FAILED;
	}
	return 0;
}

/* A store answer other than AT_OK, on stderr. */
static void
store_failed(const char *what, enum at_err r)
{
	fprintf(stderr, "agentictrust: %s failed (reason=%s: %s)\n", what,
		at_err_reason(r), at_strerror(r));
}

/* An id for --sub: what a JWT sub may be. */
static bool
sub_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > AT_MAX_SUB || !at_str_printable(s, len)) {
		fprintf(stderr, "agentictrust: --sub: 1..%d printable bytes\n",
			AT_MAX_SUB);
		return false;
	}
	return true;
}

/* --fp: AT_FP_LEN hex digits, lowercased into out. */
static bool
fp_ok(const char *s, char out[AT_FP_LEN + 1])
{
	size_t i;

	if (strlen(s) != AT_FP_LEN)
		goto bad;
	for (i = 0; i < AT_FP_LEN; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			out[i] = s[i];
		else if (s[i] >= 'a' && s[i] <= 'f')
			out[i] = s[i];
		else if (s[i] >= 'A' && s[i] <= 'F')
			out[i] = (char)(s[i] - 'A' + 'a');
		else
			goto bad;
	}
	out[AT_FP_LEN] = '\0';
	return true;
bad:
	fprintf(stderr, "agentictrust: --fp: %d hex digits, as fp= in the "
			"module's log\n",
		AT_FP_LEN);
	return false;
}

/* --token takes "-" only: a token on the command line is in ps. */
static bool
token_arg_ok(const char *arg)
{
	if (strcmp(arg, "-") == 0)
		return true;
	/* The argument is not echoed: it may be the token. */
	fprintf(stderr, "agentictrust: --token reads the token from stdin: "
			"give --token - (a token in the arguments is visible "
			"to every user through ps)\n");
	return false;
}

/*
 * Whether r, from at_jwt_verify() after the MAC verified, is this
 * configuration's policy (the token is well formed and another host's
 * configuration, or this one later, might accept it) rather than a token
 * that no module accepts.
 */
static bool
policy_refusal(enum at_err r)
{
	switch (r) {
	case AT_OK:
	case AT_ERR_EXPIRED:
	case AT_ERR_NO_EXP:
	case AT_ERR_NOT_YET:
	case AT_ERR_IAT_FUTURE:
	case AT_ERR_ISSUER:
	case AT_ERR_AUDIENCE:
	case AT_ERR_TTL:
	case AT_ERR_NO_IAT:
		return true;
	default:
		return false;
	}
}

/*
 * Read one token from stdin and verify it with the JWT secrets of cfg
 * into claims (initialised by the caller).  Returns 0 when its MAC
 * verified (claims->fp set; *verdict is at_jwt_verify()'s answer, which
 * may be a claim refusal), else STORE_FAILED / STORE_USAGE with the
 * reason on stderr.  Nothing read is printed, and nothing is hashed
 * before the MAC verified (at_jws_verify() computes the fingerprint).
 */
static int
read_verified_token(const struct at_config *cfg, struct at_claims *claims,
		    enum at_err *verdict)
{
	struct at_verifier *v = NULL;
	const char *path, *option = NULL, *tok;
	char *buf = NULL;
	size_t buflen = 0, len;
	enum at_err r;
	int ret = STORE_USAGE;

	*verdict = AT_ERR_INTERNAL;
	path = at_config_secret_file(cfg, AT_METHOD_JWT, &option);
	if (path == NULL) {
		fprintf(stderr,
			"agentictrust: no JWT secret to verify the token with "
			"(mode=%s; give --secret-file, or a configuration "
			"with secret_file= or jwt_secret_file=)\n",
			at_mode_name(cfg->mode));
		goto out;
	}
	if (at_verifier_new(&v, cfg, &cli_log) != AT_OK ||
	    (r = at_verifier_load_method_secrets(v, AT_METHOD_JWT, path,
						 geteuid())) == AT_ERR_NOMEM) {
		fprintf(stderr, "agentictrust: out of memory\n");
		goto out;
	}
	if (r != AT_OK) {
		fprintf(stderr, "agentictrust: %s %s: %s\n", option,
			cli_printable(path), at_strerror(r));
		goto out;
	}
	ret = STORE_FAILED;
	if (cli_read_stdin(&buf, &buflen) != 0) {
		fprintf(stderr, "agentictrust: cannot read stdin (or more "
				"than %d bytes)\n",
			CLI_MAX_STDIN);
		goto out;
	}
	tok = buf;
	len = buflen;
	at_trim(&tok, &len);
	if (len == 0) {
		fprintf(stderr, "agentictrust: no token on stdin\n");
		goto out;
	}
	r = AT_ERR_FORMAT;
	if (memchr(tok, '\0', len) == NULL)
		r = at_jwt_verify(v, tok, len, claims);
	if (claims->fp[0] == '\0') {
		/* Only the reason tag, as the module logs it for any
		 * credential (malformed, bad_base64, bad_signature_length,
		 * bad_signature): the shape of the input at most, never
		 * its bytes or a hash of them. */
		fprintf(stderr,
			"agentictrust: refused: the input is not a JWT whose "
			"MAC verifies against %s %s (reason=%s): nothing was "
			"fingerprinted\n",
			option, cli_printable(path), at_err_reason(r));
		goto out;
	}
	*verdict = r;
	ret = 0;
out:
	if (buf != NULL)
		at_freezero(buf, buflen + 1);
	at_verifier_free(v);
	return ret;
}

static int
cmd_fingerprint(int argc, char **argv)
{
	static const struct option opts[] = {
		STORE_LONG_OPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts o;
	struct at_config cfg;
	struct at_claims claims;
	enum at_err verdict;
	int c, ret = STORE_USAGE;

	memset(&o, 0, sizeof(o));
	at_config_init(&cfg);
	at_claims_init(&claims);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			store_usage(stdout, "fingerprint");
			ret = STORE_OK;
			goto out;
		}
		if (!store_opt(&o, c, optarg) || c == OPT_STORE ||
		    c == OPT_PASSWORD || c == OPT_PREFIX || c == OPT_TIMEOUT) {
			store_usage(stderr, "fingerprint");
			goto out;
		}
	}
	if (optind != argc) {
		store_usage(stderr, "fingerprint");
		goto out;
	}
	if ((ret = store_config(&o, &cfg)) != 0)
		goto out;
	if ((ret = read_verified_token(&cfg, &claims, &verdict)) != 0)
		goto out;
	printf("%s\n", claims.fp);
	if (verdict != AT_OK)
		fprintf(stderr,
			"agentictrust: note: the MAC verifies, but this "
			"configuration refuses the token (reason=%s: %s)\n",
			at_err_reason(verdict), at_strerror(verdict));
	ret = STORE_OK;
out:
	at_claims_clear(&claims);
	at_config_clear(&cfg);
	return ret;
}

/* What the revoke and unrevoke options chose. */
struct target {
	char *sub;		/* borrowed: argv; --sub */
	char *before;		/* --before */
	bool token;		/* --token - */
	char *fp;		/* --fp */
	char *reason;		/* --reason */
};

/* Exactly one of --sub, --token -, --fp. */
static bool
one_target(const struct target *t)
{
	return (t->sub != NULL) + t->token + (t->fp != NULL) == 1;
}

/*
 * The arguments of revoke and unrevoke (cmd names the command; opts is
 * its option table, so unrevoke never sees --before or --reason) into o
 * and t.  Returns -1 when they parsed and name one target, else the exit
 * status: STORE_OK after --help, STORE_USAGE (usage printed, or a token
 * on the command line refused).
 */
static int
target_args(int argc, char **argv, const struct option *opts,
	    const char *cmd, struct store_opts *o, struct target *t)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': t->sub = optarg; break;
		case 'b': t->before = optarg; break;
		case 'f': t->fp = optarg; break;
		case 'r': t->reason = optarg; break;
		case 't':
			if (!token_arg_ok(optarg))
				return STORE_USAGE;
			t->token = true;
			break;
		case 'h':
			store_usage(stdout, cmd);
			return STORE_OK;
		default:
			if (!store_opt(o, c, optarg)) {
				store_usage(stderr, cmd);
				return STORE_USAGE;
			}
		}
	}
	if (optind != argc || !one_target(t) ||
	    (t->before != NULL && t->sub == NULL)) {
		store_usage(stderr, cmd);
		return STORE_USAGE;
	}
	return -1;
}

static int
cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		STORE_LONG_OPTS,
		{ "sub", required_argument, NULL, 'u' },
		{ "before", required_argument, NULL, 'b' },
		{ "token", required_argument, NULL, 't' },
		{ "fp", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts o;
	struct target t;
	struct at_config cfg;
	struct at_claims claims;
	struct at_store *s = NULL;
	struct at_revocation rev;
	enum at_err r, verdict = AT_OK;
	char fp[AT_FP_LEN + 1], when[128], until[64];
	char v1[SHOWN_MAX], v2[SHOWN_MAX];
	time_t now = time(NULL);
	int c, ret = STORE_USAGE;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	memset(&rev, 0, sizeof(rev));
	at_config_init(&cfg);
	at_claims_init(&claims);
	if ((c = target_args(argc, argv, opts, "revoke", &o, &t)) >= 0) {
		ret = c;
		goto out;
	}
	if (t.reason != NULL &&
	    (strlen(t.reason) > AT_STORE_MAX_REASON ||
	     !at_str_printable(t.reason, strlen(t.reason)))) {
		fprintf(stderr, "agentictrust: --reason: at most %d printable "
				"bytes\n",
			AT_STORE_MAX_REASON);
		goto out;
	}
	if (t.reason != NULL && t.reason[0] == '\0')
		t.reason = NULL;
	rev.reason = t.reason;
	rev.created = (int64_t)now;
	if (t.sub != NULL) {
		if (!sub_ok(t.sub))
			goto out;
		if (t.before != NULL &&
		    !cli_parse_time(t.before, now, false, &rev.before)) {
			fprintf(stderr,
				"agentictrust: --before: now, Unix seconds "
				"(1..%llu) or YYYY-MM-DDTHH:MM:SSZ (UTC)\n",
				BEFORE_MAX);
			goto out;
		}
		rev.kind = AT_REVOKE_SUB;
		rev.id = t.sub;
	} else if (t.fp != NULL) {
		if (!fp_ok(t.fp, fp))
			goto out;
		rev.kind = AT_REVOKE_TOKEN;
		rev.id = fp;
	}
	if ((ret = store_config(&o, &cfg)) != 0)
		goto out;
	if (t.token) {
		if ((ret = read_verified_token(&cfg, &claims, &verdict)) != 0)
			goto out;
		ret = STORE_FAILED;
		if (!policy_refusal(verdict) || claims.sub == NULL) {
			fprintf(stderr,
				"agentictrust: the MAC verifies, but the token "
				"is malformed (reason=%s: %s): no host accepts "
				"it, nothing to revoke\n",
				at_err_reason(verdict), at_strerror(verdict));
			goto out;
		}
		rev.kind = AT_REVOKE_TOKEN;
		rev.id = claims.fp;
		rev.sub = claims.sub;
		/* Past exp + the largest leeway no host accepts it. */
		rev.expires = claims.has_exp ? (int64_t)floor(claims.exp) +
						       AT_MAX_LEEWAY :
					       0;
	}
	if ((ret = store_open(&cfg, &s)) != 0)
		goto out;
	ret = STORE_FAILED;
	if ((r = at_store_revoke(s, &rev)) != AT_OK) {
		store_failed("revoke", r);
		goto out;
	}
	ret = STORE_OK;
	if (rev.kind == AT_REVOKE_SUB) {
		cli_fmt_iso(rev.before, when, sizeof(when));
		if (rev.before == 0)
			printf("revoked: sub=%s: every credential",
			       at_log_value(v1, sizeof(v1), rev.id));
		else
			printf("revoked: sub=%s: JWTs issued before %s, JWTs "
			       "without iat and HMAC credentials",
			       at_log_value(v1, sizeof(v1), rev.id), when);
	} else {
		if (rev.expires > 0) {
			cli_fmt_iso(rev.expires, until, sizeof(until));
			snprintf(when, sizeof(when), "until %s (exp + %d s)",
				 until, AT_MAX_LEEWAY);
		} else {
			snprintf(when, sizeof(when), "%s",
				 t.token ? "for ever (the token has no exp)" :
					   "until unrevoked");
		}
		printf("revoked: token fp=%s%s%s %s", rev.id,
		       rev.sub != NULL ? " sub=" : "",
		       rev.sub != NULL ? at_log_value(v2, sizeof(v2), rev.sub) :
					 "",
		       when);
	}
	if (rev.reason != NULL)
		printf(" reason=%s", at_log_value(v1, sizeof(v1), rev.reason));
	printf("\n");
	if (rev.kind == AT_REVOKE_SUB && rev.before > (int64_t)now)
		fprintf(stderr, "agentictrust: note: the cut-off is in the "
				"future: credentials issued until then are "
				"refused too\n");
	if (t.token && verdict == AT_ERR_EXPIRED)
		fprintf(stderr, "agentictrust: note: the token has expired: "
				"no host accepts it past exp + its leeway "
				"anyway\n");
	else if (t.token && verdict != AT_OK)
		fprintf(stderr,
			"agentictrust: note: this configuration refuses the "
			"token anyway (reason=%s: %s); revoked for the hosts "
			"that might not\n",
			at_err_reason(verdict), at_strerror(verdict));
out:
	at_store_close(s);
	at_claims_clear(&claims);
	at_config_clear(&cfg);
	return ret;
}

static int
cmd_unrevoke(int argc, char **argv)
{
	static const struct option opts[] = {
		STORE_LONG_OPTS,
		{ "sub", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ "fp", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts o;
	struct target t;
	struct at_config cfg;
	struct at_claims claims;
	struct at_store *s = NULL;
	enum at_revocation_kind kind = AT_REVOKE_SUB;
	enum at_err r, verdict;
	const char *id = NULL, *what = "sub";
	char fp[AT_FP_LEN + 1], shown[SHOWN_MAX];
	bool found = false;
	int c, ret = STORE_USAGE;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	at_config_init(&cfg);
	at_claims_init(&claims);
	if ((c = target_args(argc, argv, opts, "unrevoke", &o, &t)) >= 0) {
		ret = c;
		goto out;
	}
	if (t.sub != NULL) {
		if (!sub_ok(t.sub))
			goto out;
		id = t.sub;
	} else if (t.fp != NULL) {
		if (!fp_ok(t.fp, fp))
			goto out;
		kind = AT_REVOKE_TOKEN;
		what = "token fp";
		id = fp;
	}
	if ((ret = store_config(&o, &cfg)) != 0)
		goto out;
	if (t.token) {
		/* Any token whose MAC verifies, malformed or not: lifting a
		 * revocation needs only its name. */
		if ((ret = read_verified_token(&cfg, &claims, &verdict)) != 0)
			goto out;
		kind = AT_REVOKE_TOKEN;
		what = "token fp";
		id = claims.fp;
	}
	if ((ret = store_open(&cfg, &s)) != 0)
		goto out;
	ret = STORE_FAILED;
	if ((r = at_store_unrevoke(s, kind, id, &found)) != AT_OK) {
		store_failed("unrevoke", r);
		goto out;
	}
	if (!found) {
		fprintf(stderr, "agentictrust: %s=%s is not revoked: nothing "
				"removed\n",
			what, at_log_value(shown, sizeof(shown), id));
		goto out;
	}
	printf("unrevoked: %s=%s\n", what,
	       at_log_value(shown, sizeof(shown), id));
	ret = STORE_OK;
out:
	at_store_close(s);
	at_claims_clear(&claims);
	at_config_clear(&cfg);
	return ret;
}

/* A string for JSON: itself when valid UTF-8, else its log form. */
static json_t *
json_text(const char *s)
{
	char shown[SHOWN_MAX];
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	return json_string(at_log_value(shown, sizeof(shown), s));
}

static int
list_json(const struct at_revocation *list, size_t n)
{
	json_t *arr = json_array(), *o;
	char *out = NULL;
	size_t i;
	int ret = STORE_FAILED;

	if (arr == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const struct at_revocation *r = &list[i];

		o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:o}", "kind",
			      r->kind == AT_REVOKE_SUB ? "sub" : "token", "id",
			      json_text(r->id), "before",
			      (json_int_t)r->before, "expires",
			      (json_int_t)r->expires, "created",
			      (json_int_t)r->created, "reason",
			      json_text(r->reason), "sub", json_text(r->sub));
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	out = json_dumps(arr, JSON_INDENT(2) | JSON_ENSURE_ASCII |
				      JSON_PRESERVE_ORDER);
	if (out == NULL)
		goto out;
	printf("%s\n", out);
	ret = STORE_OK;
out:
	if (ret != STORE_OK)
		fprintf(stderr, "agentictrust: out of memory\n");
	free(out);
	json_decref(arr);
	return ret;
}

/* The table's cells of one revocation, every one printable ASCII. */
struct row {
	char id[SHOWN_MAX];
	char cutoff[32];
	char expires[32];
	char created[32];
	char sub[SHOWN_MAX];
	char reason[SHOWN_MAX];
};

static void
row_fill(struct row *w, const struct at_revocation *r)
{
	at_log_value(w->id, sizeof(w->id), r->id != NULL ? r->id : "");
	at_log_value(w->sub, sizeof(w->sub), r->sub);
	at_log_value(w->reason, sizeof(w->reason), r->reason);
	cli_fmt_iso(r->created, w->created, sizeof(w->created));
	if (r->kind == AT_REVOKE_SUB) {
		if (r->before == 0)
			snprintf(w->cutoff, sizeof(w->cutoff), "everything");
		else
			cli_fmt_iso(r->before, w->cutoff, sizeof(w->cutoff));
		snprintf(w->expires, sizeof(w->expires), "never");
	} else {
		snprintf(w->cutoff, sizeof(w->cutoff), "-");
		if (r->expires == 0)
			snprintf(w->expires, sizeof(w->expires), "never");
		else
			cli_fmt_iso(r->expires, w->expires, sizeof(w->expires));
	}
}

#define MAXW(a, b) ((a) > (b) ? (a) : (b))

static int
list_table(const struct at_revocation *list, size_t n)
{
	struct row *rows;
	size_t i, wid = 2, wcut = 7, wexp = 7, wcre = 7, wsub = 3;

	if (n == 0) {
		printf("no revocations\n");
		return STORE_OK;
	}
	if ((rows = calloc(n, sizeof(*rows))) == NULL) {
		fprintf(stderr, "agentictrust: out of memory\n");
		return STORE_FAILED;
	}
	for (i = 0; i < n; i++) {
		row_fill(&rows[i], &list[i]);
		wid = MAXW(wid, strlen(rows[i].id));
		wcut = MAXW(wcut, strlen(rows[i].cutoff));
		wexp = MAXW(wexp, strlen(rows[i].expires));
		wcre = MAXW(wcre, strlen(rows[i].created));
		wsub = MAXW(wsub, strlen(rows[i].sub));
	}
	printf("%-5s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", "KIND", (int)wid,
	       "ID", (int)wcut, "CUT-OFF", (int)wexp, "EXPIRES", (int)wcre,
	       "CREATED", (int)wsub, "SUB", "REASON");
	for (i = 0; i < n; i++)
		printf("%-5s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
		       list[i].kind == AT_REVOKE_SUB ? "sub" : "token",
		       (int)wid, rows[i].id, (int)wcut, rows[i].cutoff,
		       (int)wexp, rows[i].expires, (int)wcre, rows[i].created,
		       (int)wsub, rows[i].sub, rows[i].reason);
	free(rows);
	return STORE_OK;
}

static int
cmd_revoked(int argc, char **argv)
{
	static const struct option opts[] = {
		STORE_LONG_OPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts o;
	struct at_config cfg;
	struct at_store *s = NULL;
	struct at_revocation *list = NULL;
	size_t n = 0;
	enum at_err r;
	bool json = false;
	int c, ret = STORE_USAGE;

	memset(&o, 0, sizeof(o));
	at_config_init(&cfg);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			store_usage(stdout, "revoked");
			ret = STORE_OK;
			goto out;
		} else if (!store_opt(&o, c, optarg)) {
			store_usage(stderr, "revoked");
			goto out;
		}
	}
	if (optind != argc) {
		store_usage(stderr, "revoked");
		goto out;
	}
	if ((ret = store_config(&o, &cfg)) != 0 ||
	    (ret = store_open(&cfg, &s)) != 0)
		goto out;
	ret = STORE_FAILED;
	if ((r = at_store_list(s, time(NULL), &list, &n)) != AT_OK) {
		store_failed("listing the revocations", r);
		goto out;
	}
	ret = json ? list_json(list, n) : list_table(list, n);
out:
	at_revocations_free(list, n);
	at_store_close(s);
	at_config_clear(&cfg);
	return ret;
}

int
cmd_store(const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "revoke") == 0)
		return cmd_revoke(argc, argv);
	if (strcmp(cmd, "unrevoke") == 0)
		return cmd_unrevoke(argc, argv);
	if (strcmp(cmd, "revoked") == 0)
		return cmd_revoked(argc, argv);
	return cmd_fingerprint(argc, argv);
}
