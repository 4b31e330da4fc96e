/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * agentictrust - mint and check Agentic Trust credentials.
 *
 *   agentictrust hmac   --secret-file F USER
 *   agentictrust token  --secret-file F --sub ID [--email E] [--name N]
 *                       [--ttl SECONDS] [--iss ISS] [--aud AUD]
 *   agentictrust verify --user U [--service NAME [--pam-dir DIR]]
 *                       [MODULE-ARGUMENT...]   < credential
 *   agentictrust check  [--service NAME [--pam-dir DIR]] [MODULE-ARGUMENT...]
 *   agentictrust revoke STORE (--sub ID [--before TIME] | --token - |
 *                       --fp FP) [--reason TEXT]
 *   agentictrust unrevoke STORE (--sub ID | --token - | --fp FP)
 *   agentictrust revoked STORE [--json]
 *   agentictrust fingerprint [--config PATH | --service NAME] < TOKEN
 *
 * verify (cmd_verify.c) runs the very code path of pam_agentictrust.so
 * (at_config_load, at_verifier_from_config, at_verify_credential) and
 * prints the verdict, the reason tag the module would log and the
 * verified claims; check (cmd_check.c) lints a configuration and its
 * pam.d stack (pamd.c); revoke, unrevoke, revoked and fingerprint
 * (cmd_store.c) work on the state store the module reads.  Tokens are minted with libjwt, the one job
 * Debian 12's libjwt is safe for.
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

#include "at.h"
#include "cli.h"

#define DEFAULT_TTL 3600

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust hmac --secret-file FILE USER_ID\n"
		"       agentictrust token --secret-file FILE --sub ID [--email "
		"EMAIL]\n"
		"                          [--name NAME] [--ttl SECONDS] "
		"[--iss ISS] [--aud AUD]\n"
		"       agentictrust verify --user USER [--service NAME "
		"[--pam-dir DIR]]\n"
		"                           [MODULE-ARGUMENT...] < "
		"CREDENTIAL\n"
		"       agentictrust check [--service NAME [--pam-dir DIR]] "
		"[MODULE-ARGUMENT...]\n"
		"       agentictrust revoke STORE (--sub ID [--before TIME] | "
		"--token - | --fp FP)\n"
		"                           [--reason TEXT]\n"
		"       agentictrust unrevoke STORE (--sub ID | --token - | "
		"--fp FP)\n"
		"       agentictrust revoked STORE [--json]\n"
		"       agentictrust fingerprint [--config PATH | --service "
		"NAME] [--secret-file FILE]\n"
		"                                < TOKEN\n"
		"STORE: --config PATH (default " AT_DEFAULT_CONFIG ") | "
		"--service NAME | --store URL\n"
		"\n"
		"hmac    print HMAC-SHA256(secret, USER_ID) as hex (the first "
		"secret of FILE)\n"
		"token   print an HS256 JWT signed with the first secret of "
		"FILE\n"
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
		"revoke  refuse an id's credentials (all, or JWTs issued "
		"before TIME), or one\n"
		"        JWT (read from stdin, its MAC verified; or by its "
		"fingerprint)\n"
		"unrevoke  lift a revocation\n"
		"revoked   list the revocations in force\n"
		"fingerprint  print the fp= of the JWT on stdin, once its MAC "
		"verifies\n"
		"Run agentictrust COMMAND --help for a command's options.\n");
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
