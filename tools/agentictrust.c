/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agentictrust - mint and check Agentic Trust credentials.
 *
 *   agentictrust hmac   --secret-file F USER
 *   agentictrust token  --secret-file F --sub ID [--email E] [--name N]
 *                       [--ttl SECONDS | --exp TIME] [--nbf TIME]
 *                       [--iss ISS] [--aud AUD] [--jti ID|random]
 *                       [--compact]
 *   agentictrust verify --user U [--service NAME [--pam-dir DIR]]
 *                       [MODULE-ARGUMENT...]   < credential
 *   agentictrust check  [--service NAME [--pam-dir DIR]] [MODULE-ARGUMENT...]
 *   agentictrust map    compile|check MAP
 *   agentictrust revoke STORE (--sub ID [--before TIME] | --token - |
 *                       --fp FP) [--reason TEXT]
 *   agentictrust unrevoke STORE (--sub ID | --token - | --fp FP)
 *   agentictrust revoked STORE [--json]
 *   agentictrust fingerprint [--config PATH | --service NAME] < TOKEN
 *   agentictrust askpass [PROMPT]
 *
 * verify (cmd_verify.c) runs the very code path of pam_agentictrust.so
 * (at_config_load, at_verifier_from_config, at_verify_credential) and
 * prints the verdict, the reason tag the module would log and the
 * verified claims; check (cmd_check.c) lints a configuration and its
 * pam.d stack (pamd.c); revoke, unrevoke, revoked and fingerprint
 * (cmd_store.c) work on the state store the module reads; askpass
 * (cmd_askpass.c) answers ssh's and sudo's prompt.  Tokens are minted
 * with libjwt, the one job Debian 12's libjwt is safe for; a --compact
 * one is assembled here, as libjwt 1.10 always writes "typ".
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jwt.h>

#include "at.h"
#include "cli.h"

#define DEFAULT_TTL 3600
/* --jti random: 16 bytes from getrandom(), as 32 hex digits. */
#define JTI_RANDOM_LEN 16

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust hmac --secret-file FILE USER_ID\n"
		"       agentictrust token --secret-file FILE --sub ID [--email "
		"EMAIL]\n"
		"                          [--name NAME] [--ttl SECONDS | "
		"--exp TIME] [--nbf TIME]\n"
		"                          [--iss ISS] [--aud AUD] [--jti "
		"ID|random] [--compact]\n"
		"       agentictrust verify --user USER [--service NAME "
		"[--pam-dir DIR]]\n"
		"                           [MODULE-ARGUMENT...] < "
		"CREDENTIAL\n"
		"       agentictrust check [--service NAME [--pam-dir DIR]] "
		"[MODULE-ARGUMENT...]\n"
		"       agentictrust map compile|check MAP\n"
		"       agentictrust revoke STORE (--sub ID [--before TIME] | "
		"--token - | --fp FP)\n"
		"                           [--reason TEXT]\n"
		"       agentictrust unrevoke STORE (--sub ID | --token - | "
		"--fp FP)\n"
		"       agentictrust revoked STORE [--json]\n"
		"       agentictrust fingerprint [--config PATH | --service "
		"NAME] [--secret-file FILE]\n"
		"                                < TOKEN\n"
		"       agentictrust askpass [PROMPT]\n"
		"STORE: --config PATH (default " AT_DEFAULT_CONFIG ") | "
		"--service NAME | --store URL\n"
		"\n"
		"hmac    print HMAC-SHA256(secret, USER_ID) as hex (the first "
		"secret of FILE)\n"
		"token   print an HS256 JWT signed with the first secret of "
		"FILE; TIME is\n"
		"        now, Unix seconds, YYYY-MM-DDTHH:MM:SSZ or +N/-N with "
		"a unit s, m, h, d;\n"
		"        --compact leaves out typ and iat; --jti random: 32 "
		"random hex digits\n"
		"verify  check a credential read from stdin exactly as "
		"pam_agentictrust.so\n"
		"        would for USER, given the same module arguments "
		"(secret_file=...)\n"
		"        or those of /etc/pam.d/NAME (--service); explains "
		"the verdict\n"
		"check   lint the module arguments, config, secret file, user "
		"map and,\n"
		"        with --service, the pam.d stack and the state store; "
		"exit 1 on any\n"
		"        error\n"
		"map     compile the user map MAP into MAP.cdb beside it "
		"(for big maps), or\n"
		"        check MAP and say which form the module uses\n"
		"revoke  refuse an id's credentials (all, or JWTs issued "
		"before TIME), or one\n"
		"        JWT (read from stdin, its MAC verified; or by its "
		"fingerprint)\n"
		"unrevoke  lift a revocation\n"
		"revoked   list the revocations in force\n"
		"fingerprint  print the fp= of the JWT on stdin, once its MAC "
		"verifies\n"
		"askpass  print the credential of $AGENTICTRUST_TOKEN_FILE or "
		"\n"
		"        $AGENTICTRUST_TOKEN_COMMAND (SSH_ASKPASS, SUDO_ASKPASS; "
		"also run as\n"
		"        " ASKPASS_PROGNAME ")\n"
		"A relative --secret-file is taken from the current "
		"directory.\n"
		"Run agentictrust COMMAND --help for a command's options.\n");
}

/*
 * The first secret of --secret-file path, copied; at_freezero(*key,
 * *keylen).  A relative path is resolved against the current directory
 * and every message names the resolved path.
 */
static int
first_secret(const char *path, unsigned char **key, size_t *keylen)
{
	enum at_err r;
	char *abs;

	*key = NULL;
	*keylen = 0;
	if ((abs = cli_abs_path(path, "--secret-file")) == NULL)
		return -1;
	r = at_secret_file_get(abs, geteuid(), &cli_log, 0, key, keylen);
	if (r != AT_OK)
		fprintf(stderr, "agentictrust: %s: %s\n", abs, at_strerror(r));
	free(abs);
	return r == AT_OK ? 0 : -1;
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

/*
 * RFC 7515 7.1 compact serialisation of a JWS with the protected header
 * {"alg":"HS256"} (no "typ": RFC 7519 5.1 makes it optional) over the
 * claims of jwt: what libjwt 1.10 cannot write.  Returns the token
 * (owned: at_strfreezero()), or NULL.
 */
static char *
encode_compact(jwt_t *jwt, const unsigned char *key, size_t keylen)
{
	static const char hdr[] = "{\"alg\":\"HS256\"}";
	unsigned char mac[AT_MAC_LEN];
	char *claims = NULL, *tok = NULL, *ret = NULL;
	size_t clen, hlen, plen, cap;

	if ((claims = jwt_get_grants_json(jwt, NULL)) == NULL)
		goto out;
	clen = strlen(claims);
	hlen = 4 * ((sizeof(hdr) - 1 + 2) / 3);
	plen = 4 * ((clen + 2) / 3);
	cap = hlen + 1 + plen + 1 + 4 * ((AT_MAC_LEN + 2) / 3) + 1;
	if ((tok = calloc(1, cap)) == NULL)
		goto out;
	at_b64url_encode((const unsigned char *)hdr, sizeof(hdr) - 1, tok);
	hlen = strlen(tok);
	tok[hlen] = '.';
	at_b64url_encode((const unsigned char *)claims, clen, tok + hlen + 1);
	plen = strlen(tok);
	/* RFC 7515 5.1: the MAC is over ASCII(header "." payload). */
	if (at_hmac_sha256(key, keylen, tok, plen, mac) != AT_OK)
		goto out;
	tok[plen] = '.';
	at_b64url_encode(mac, sizeof(mac), tok + plen + 1);
	ret = tok;
	tok = NULL; /* transferred */
out:
	at_wipe(mac, sizeof(mac));
	if (claims != NULL)
		free(claims);
	if (tok != NULL)
		at_freezero(tok, cap);
	return ret;
}

/* --jti: printable, 1..AT_MAX_SUB bytes (what the module accepts), or
 * "random": 16 bytes of getrandom() as hex into buf. */
static const char *
token_jti(const char *arg, char buf[2 * JTI_RANDOM_LEN + 1])
{
	unsigned char rnd[JTI_RANDOM_LEN];

	if (strcmp(arg, "random") == 0) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			fprintf(stderr, "agentictrust: --jti random: "
					"getrandom: %s\n",
				strerror(errno));
			return NULL;
		}
		at_hex_encode(rnd, sizeof(rnd), buf);
		return buf;
	}
	if (arg[0] == '\0' || strlen(arg) > AT_MAX_SUB ||
	    !at_str_printable(arg, strlen(arg))) {
		fprintf(stderr,
			"agentictrust: --jti: 1..%d printable bytes, or "
			"random\n",
			AT_MAX_SUB);
		return NULL;
	}
	return arg;
}

enum {
	OPT_EXP = 256,
	OPT_NBF,
	OPT_JTI,
	OPT_COMPACT,
};

#define TIME_FORMS                                                             \
	"now, Unix seconds, YYYY-MM-DDTHH:MM:SSZ (UTC) or +N/-N with a "       \
	"unit s, m, h or d"

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
		{ "exp", required_argument, NULL, OPT_EXP },
		{ "nbf", required_argument, NULL, OPT_NBF },
		{ "jti", required_argument, NULL, OPT_JTI },
		{ "compact", no_argument, NULL, OPT_COMPACT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *secret_file = NULL, *sub = NULL, *email = NULL;
	const char *name = NULL, *iss = NULL, *aud = NULL, *jti = NULL;
	char jtibuf[2 * JTI_RANDOM_LEN + 1], when[32];
	unsigned char *key = NULL;
	size_t keylen = 0;
	long ttl = DEFAULT_TTL;
	time_t now = time(NULL);
	int64_t exp = 0, nbf = 0;
	bool have_ttl = false, have_exp = false, have_nbf = false;
	bool compact = false;
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
		case OPT_JTI:
			if ((jti = token_jti(optarg, jtibuf)) == NULL)
				return 2;
			break;
		case OPT_COMPACT: compact = true; break;
		case 't':
			if (parse_ttl(optarg, &ttl) != 0) {
				fprintf(stderr,
					"agentictrust: --ttl: 1..%d seconds\n",
					AT_MAX_TTL_LIMIT);
				return 2;
			}
			have_ttl = true;
			break;
		case OPT_EXP:
		case OPT_NBF:
			if (!cli_parse_time(optarg, now, true,
					    c == OPT_EXP ? &exp : &nbf)) {
				fprintf(stderr,
					"agentictrust: --%s: " TIME_FORMS "\n",
					c == OPT_EXP ? "exp" : "nbf");
				return 2;
			}
			if (c == OPT_EXP)
				have_exp = true;
			else
				have_nbf = true;
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
	if (have_exp && have_ttl) {
		fprintf(stderr, "agentictrust: --exp and --ttl are exclusive\n");
		return 2;
	}
	if (!have_exp)
		exp = (int64_t)now + ttl;
	/* A token valid at no instant tests nothing the module does. */
	if (have_nbf && nbf >= exp) {
		fprintf(stderr, "agentictrust: --nbf must be before exp (give "
				"--exp or --ttl)\n");
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
	 * 1.10.2 would turn an empty key into alg "none".  --compact: no
	 * iat (RFC 7519 4.1.6 makes it optional).
	 */
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)keylen) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    (email != NULL && jwt_add_grant(jwt, "email", email) != 0) ||
	    (name != NULL && jwt_add_grant(jwt, "name", name) != 0) ||
	    (iss != NULL && jwt_add_grant(jwt, "iss", iss) != 0) ||
	    (aud != NULL && jwt_add_grant(jwt, "aud", aud) != 0) ||
	    (jti != NULL && jwt_add_grant(jwt, "jti", jti) != 0) ||
	    (!compact && jwt_add_grant_int(jwt, "iat", (long)now) != 0) ||
	    (have_nbf && jwt_add_grant_int(jwt, "nbf", (long)nbf) != 0) ||
	    jwt_add_grant_int(jwt, "exp", (long)exp) != 0) {
		fprintf(stderr, "agentictrust: cannot build the token\n");
		goto out;
	}
	tok = compact ? encode_compact(jwt, key, keylen) : jwt_encode_str(jwt);
	if (tok == NULL) {
		fprintf(stderr, "agentictrust: cannot sign the token\n");
		goto out;
	}
	printf("%s\n", tok);
	/* Said on stderr, so that $(agentictrust token ...) is the token. */
	if (exp <= (int64_t)now) {
		cli_fmt_iso(exp, when, sizeof(when));
		fprintf(stderr,
			"agentictrust: note: this token has already expired "
			"(exp %s, %lld s ago; a verifier may still allow its "
			"leeway)\n",
			when, (long long)((int64_t)now - exp));
	}
	if (have_nbf && nbf > (int64_t)now) {
		cli_fmt_iso(nbf, when, sizeof(when));
		fprintf(stderr,
			"agentictrust: note: this token is not valid yet "
			"(nbf %s, in %lld s; a verifier may still allow its "
			"leeway)\n",
			when, (long long)(nbf - (int64_t)now));
	}
	ret = 0;
out:
	if (tok != NULL)
		at_strfreezero(tok); /* libjwt 1.10 has no jwt_free_str */
	jwt_free(jwt);
	at_freezero(key, keylen);
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
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "map") == 0)
		return cmd_map(argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0 ||
	    strcmp(argv[1], "unrevoke") == 0 ||
	    strcmp(argv[1], "revoked") == 0 ||
	    strcmp(argv[1], "fingerprint") == 0)
		return cmd_store(argv[1], argc - 1, argv + 1);
	if (strcmp(argv[1], "askpass") == 0)
		return cmd_askpass(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
