/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agentictrust - mint and check Agentic Trust credentials.
 *
 *   agentictrust hmac   --secret-file F USER
 *   agentictrust token  --secret-file F --sub ID [--email E] [--name N]
 *                       [--ttl SECONDS] [--iss ISS] [--aud AUD]
 *   agentictrust verify --user U [MODULE-ARGUMENT...]   < credential
 *
 * verify runs the very code path of pam_agentictrust.so (at_config_load,
 * at_verifier_from_config, at_verify_credential) and prints the verdict,
 * the reason tag the module would log and the verified claims.  Tokens are
 * minted with libjwt, the one job Debian 12's libjwt is safe for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jwt.h>

#include "askpass.h"
#include "at.h"

#define DEFAULT_TTL 3600

static void log_to_stderr(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
log_to_stderr(void *ctx, int prio, const char *fmt, va_list ap)
{
	(void)ctx;
	fprintf(stderr, "agentictrust: %s: ",
		prio <= LOG_ERR ? "error" : prio == LOG_DEBUG ? "debug" : "note");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static struct at_log cli_log = { log_to_stderr, NULL, false };

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust hmac --secret-file FILE USER_ID\n"
		"       agentictrust token --secret-file FILE --sub ID [--email "
		"EMAIL]\n"
		"                          [--name NAME] [--ttl SECONDS] "
		"[--iss ISS] [--aud AUD]\n"
		"       agentictrust verify --user USER [MODULE-ARGUMENT...] < "
		"CREDENTIAL\n"
		"\n"
		"hmac    print HMAC-SHA256(secret, USER_ID) as hex (the first "
		"secret of FILE)\n"
		"token   print an HS256 JWT signed with the first secret of "
		"FILE\n"
		"verify  check a credential read from stdin exactly as "
		"pam_agentictrust.so\n"
		"        would for USER, given the same module arguments "
		"(secret_file=...)\n");
}

/* The first secret of path, copied; at_freezero(*key, *keylen). */
static int
first_secret(const char *path, unsigned char **key, size_t *keylen)
{
	enum at_err r;

	r = at_secret_file_get(path, geteuid(), &cli_log, 0, key, keylen);
	if (r != AT_OK) {
		fprintf(stderr, "agentictrust: %s: %s\n", path, at_strerror(r));
		return -1;
	}
	return 0;
}

static int
cmd_hmac(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *secret_file = NULL;
	unsigned char *key = NULL, mac[AT_MAC_LEN];
	char hex[2 * AT_MAC_LEN + 1];
	size_t keylen = 0;
	int c, ret = 2;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (c == 's') {
			secret_file = optarg;
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (secret_file == NULL || optind != argc - 1 || argv[optind][0] == 0) {
		usage(stderr);
		return 2;
	}
	if (first_secret(secret_file, &key, &keylen) != 0)
		return 1;
	ret = 1;
	if (at_hmac_sha256(key, keylen, argv[optind], strlen(argv[optind]),
			   mac) != AT_OK)
		goto out;
	at_hex_encode(mac, sizeof(mac), hex);
	printf("%s\n", hex);
	ret = 0;
out:
	at_freezero(key, keylen);
	return ret;
}

/* Parse a TTL: 1 .. AT_MAX_TTL_LIMIT seconds. */
static int
parse_ttl(const char *s, long *ttl)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > AT_MAX_TTL_LIMIT)
		return -1;
	*ttl = v;
	return 0;
}

static int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 's' },
		{ "sub", required_argument, NULL, 'u' },
		{ "email", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "ttl", required_argument, NULL, 't' },
		{ "iss", required_argument, NULL, 'i' },
		{ "aud", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *secret_file = NULL, *sub = NULL, *email = NULL;
	const char *name = NULL, *iss = NULL, *aud = NULL;
	unsigned char *key = NULL;
	size_t keylen = 0;
	long ttl = DEFAULT_TTL;
	time_t now = time(NULL);
	jwt_t *jwt = NULL;
	char *tok = NULL;
	int c, ret = 2;

	while ((c = getopt_long(argc, argv, "s:u:e:n:t:i:a:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 's': secret_file = optarg; break;
		case 'u': sub = optarg; break;
		case 'e': email = optarg; break;
		case 'n': name = optarg; break;
		case 'i': iss = optarg; break;
		case 'a': aud = optarg; break;
		case 't':
			if (parse_ttl(optarg, &ttl) != 0) {
				fprintf(stderr,
					"agentictrust: --ttl: 1..%d seconds\n",
					AT_MAX_TTL_LIMIT);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (secret_file == NULL || sub == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sub[0] == '\0' || strlen(sub) > AT_MAX_SUB ||
	    !at_str_printable(sub, strlen(sub))) {
		fprintf(stderr, "agentictrust: --sub: 1..%d printable bytes\n",
			AT_MAX_SUB);
		return 2;
	}
	if (first_secret(secret_file, &key, &keylen) != 0)
		return 1;
	ret = 1;
	/*
	 * jwt_set_alg with a key of at least AT_MIN_SECRET bytes: libjwt
	 * 1.10.2 would turn an empty key into alg "none".
	 */
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)keylen) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    (email != NULL && jwt_add_grant(jwt, "email", email) != 0) ||
	    (name != NULL && jwt_add_grant(jwt, "name", name) != 0) ||
	    (iss != NULL && jwt_add_grant(jwt, "iss", iss) != 0) ||
	    (aud != NULL && jwt_add_grant(jwt, "aud", aud) != 0) ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) != 0) {
		fprintf(stderr, "agentictrust: cannot build the token\n");
		goto out;
	}
	if ((tok = jwt_encode_str(jwt)) == NULL) {
		fprintf(stderr, "agentictrust: cannot sign the token\n");
		goto out;
	}
	printf("%s\n", tok);
	ret = 0;
out:
	if (tok != NULL)
		free(tok); /* libjwt 1.10 has no jwt_free_str */
	jwt_free(jwt);
	at_freezero(key, keylen);
	return ret;
}

/* "2026-11-25 12:00:00 UTC (in 59 min)" for a NumericDate. */
static void
print_time(const char *label, double t, time_t now)
{
	char buf[64];
	struct tm tm;
	time_t tt = (time_t)t;
	long d = (long)(t - (double)now);
	long ad = d < 0 ? -d : d;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, sizeof(buf), "%.0f", t);
	printf("  %-6s %s (%s%ld s%s)\n", label, buf, d < 0 ? "" : "in ", ad,
	       d < 0 ? " ago" : "");
}

/*
 * The header of a token whose MAC failed is never read (it is not
 * authenticated), but the signature's length alone tells the usual
 * mistakes apart: an HS384/HS512 backend, or an unsigned alg "none".
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

/* Read the credential from stdin, at most AT_MAX_CREDENTIAL + slack. */
static int
read_stdin(char **out, size_t *outlen)
{
	size_t cap = 2 * AT_MAX_CREDENTIAL + 2, n;
	char *buf = malloc(cap + 1);

	*out = NULL;
	*outlen = 0;
	if (buf == NULL)
		return -1;
	n = fread(buf, 1, cap, stdin);
	if (ferror(stdin)) {
		at_freezero(buf, cap + 1);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

static int
cmd_verify(int argc, char **argv)
{
	struct at_config cfg;
	struct at_claims claims;
	struct at_verifier *v = NULL;
	enum at_err r = AT_ERR_INTERNAL;
	const char *user = NULL, **margv = NULL;
	char *cred = NULL;
	size_t credlen = 0;
	int i, ret = 2, first = 1;

	at_config_init(&cfg);
	at_claims_init(&claims);
	/* --user U, then module arguments exactly as in /etc/pam.d. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			user = argv[++i];
			first = i + 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			break;
		}
	}
	if (user == NULL || user[0] == '\0') {
		usage(stderr);
		goto out;
	}
	if ((margv = calloc((size_t)(argc - first) + 1, sizeof(*margv))) ==
	    NULL) {
		ret = 1;
		goto out;
	}
	for (i = first; i < argc; i++)
		margv[i - first] = argv[i];
	r = at_config_load(&cfg, argc - first, margv, AT_DEFAULT_CONFIG,
			   geteuid(), &cli_log);
	if (r != AT_OK) {
		printf("rejected: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
		ret = 1;
		goto out;
	}
	cli_log.debug = cfg.debug;
	if ((r = at_verifier_from_config(&v, &cfg, geteuid(), &cli_log)) !=
	    AT_OK) {
		printf("rejected: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
		ret = 1;
		goto out;
	}
	if (read_stdin(&cred, &credlen) != 0) {
		fprintf(stderr, "agentictrust: cannot read stdin\n");
		ret = 1;
		goto out;
	}
	r = at_verify_credential(v, cred, credlen, user, &claims);
	if (r == AT_OK)
		printf("accepted: user=%s method=%s\n", user,
		       at_method_name(claims.method));
	else
		printf("rejected: reason=%s (%s)\n", at_err_reason(r),
		       at_strerror(r));
	if (r == AT_ERR_SIG_LENGTH)
		explain_signature_length(cred, credlen);
	/* Only values that passed the MAC check are ever in claims. */
	if (claims.secret_index >= 0) {
		time_t now = at_verifier_now(v);

		printf("  method %s, secret line #%d of %s matched\n",
		       at_method_name(claims.method), claims.secret_index + 1,
		       cfg.secret_file);
		if (claims.kid != NULL)
			printf("  kid    %s\n", claims.kid);
		if (claims.sub != NULL)
			printf("  sub    %s\n", claims.sub);
		if (claims.local_user != NULL)
			printf("  maps to local user %s\n", claims.local_user);
		if (claims.email != NULL &&
		    at_str_printable(claims.email, strlen(claims.email)))
			printf("  email  %s\n", claims.email);
		if (claims.name != NULL &&
		    at_str_printable(claims.name, strlen(claims.name)))
			printf("  name   %s\n", claims.name);
		if (claims.iss != NULL &&
		    at_str_printable(claims.iss, strlen(claims.iss)))
			printf("  iss    %s\n", claims.iss);
		if (claims.has_iat)
			print_time("iat", claims.iat, now);
		if (claims.has_nbf)
			print_time("nbf", claims.nbf, now);
		if (claims.has_exp)
			print_time("exp", claims.exp, now);
		if (claims.has_exp || claims.has_nbf || claims.has_iat)
			printf("  leeway %u s\n", cfg.leeway);
	}
	ret = r == AT_OK ? 0 : 1;
out:
	if (cred != NULL)
		at_freezero(cred, credlen + 1);
	at_claims_free(&claims);
	at_verifier_free(v);
	at_config_free(&cfg);
	free(margv);
	return ret;
}

int
main(int argc, char **argv)
{
	const char *slash;

	/* ssh and sudo run askpass programs with only the prompt. */
	slash = argv[0] != NULL ? strrchr(argv[0], '/') : NULL;
	if (argv[0] != NULL &&
	    strcmp(slash != NULL ? slash + 1 : argv[0], ASKPASS_PROGNAME) == 0)
		return cmd_askpass(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "hmac") == 0)
		return cmd_hmac(argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "askpass") == 0)
		return cmd_askpass(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
