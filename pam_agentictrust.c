/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_agentictrust.c - PAM glue over lib/: parse options, get the user and
 * the credential, make one library call, map its result to a PAM code and
 * say why in syslog.  All verification logic lives in lib/.
 *
 * auth:    verify the credential (pam_sm_authenticate).
 * setcred: as the session phase (pam_sm_setcred): pam_env in the auth
 *          stack re-reads its files on every pam_setcred(), which OpenSSH
 *          and login(1) call after the session opened.
 * account: re-check the exp of the JWT the auth phase accepted in this
 *          handle (pam_sm_acct_mgmt), and with store= its revocation;
 *          PAM_IGNORE when there is nothing to refuse.  Removes the
 *          AGENTICTRUST_* variables verified for another user.
 * session: put back the AGENTICTRUST_* variables the auth phase exported
 *          and remove every other one (pam_sm_open_session), after
 *          pam_env or anything else in the stack changed them.
 *
 * What auth verified belongs to the user it verified: a later phase
 * whose PAM user is another (and whose PAM_RUSER does not name that user
 * either) treats it as not verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "lib/at.h"
#include "lib/at_store.h"

/*
 * The phase running in this thread ("auth", "setcred", "account",
 * "session"), set by each entry point: the prefix of a line that
 * mod_vsyslog() writes itself.
 */
static __thread const char *cur_phase = "auth";

static void mod_vsyslog(pam_handle_t *pamh, int prio, const char *fmt,
			va_list ap) AT_PRINTF(3, 0);
static void mod_syslog(pam_handle_t *pamh, int prio, const char *fmt, ...)
	AT_PRINTF(3, 4);

/*
 * Every line the module logs.  pam_vsyslog() prefixes it with
 * "module(service:phase):", the service name raw: fine for a name that
 * at_log_value() prints bare (every real one), but an application's
 * service name with a space, ':', ')' or a newline would make that prefix
 * fake a line of ours.  Such a name gets the same prefix with the name
 * quoted, written to syslog(3) directly (the facility and ident are what
 * pam_vsyslog() would use; no openlog()).
 */
static void
mod_vsyslog(pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	const void *item = NULL;
	char svc[AT_LOG_VALUE_SIZE], *msg = NULL;

	if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
		item = NULL;
	at_log_value(svc, sizeof(svc), item);
	if (item != NULL && strcmp(svc, item) == 0) {
		pam_vsyslog(pamh, prio, fmt, ap);
		return;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	syslog(LOG_AUTHPRIV | prio, "pam_agentictrust(%s:%s): %s", svc,
	       cur_phase, msg != NULL ? msg : "log line lost: out of memory");
	free(msg);
}

static void
mod_syslog(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mod_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

static void log_to_pam(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
log_to_pam(void *ctx, int prio, const char *fmt, va_list ap)
{
	mod_vsyslog((pam_handle_t *)ctx, prio, fmt, ap);
}

/* The one place that turns library results into PAM codes. */
static int
at_err_to_pam(enum at_err r)
{
	switch (r) {
	case AT_OK:
		return PAM_SUCCESS;
	case AT_ERR_NOMEM:
		return PAM_BUF_ERR;
	case AT_ERR_CONFIG:
	case AT_ERR_FILE:
		return PAM_SERVICE_ERR;
	case AT_ERR_SECRET:
	case AT_ERR_SECRET_SHORT:
	/* The store cannot say whether the credential is still good. */
	case AT_ERR_STORE_UNAVAILABLE:
	case AT_ERR_STORE:
		return PAM_AUTHINFO_UNAVAIL;
	case AT_ERR_INTERNAL:
	case AT_ERR_CRYPTO:
		return PAM_SYSTEM_ERR;
	case AT_ERR_NOT_MAPPED:
		return PAM_USER_UNKNOWN;
	default:
		/* Every other code is a credential that does not prove the
		 * user.  Anything unlisted also lands here: never success. */
		return PAM_AUTH_ERR;
	}
}

/*
 * pam_set_data() key: what the account phase re-checks of the JWT the
 * auth phase accepted, with the leeway in force then (so that the
 * account line's own options, or their failure to load, cannot change
 * the verdict).
 */
#define AT_DATA_EXP "pam_agentictrust_exp"
struct exp_data {
	double exp;		/* the JWT's exp claim */
	unsigned int leeway;	/* seconds, from the auth line */
	char user[];		/* the PAM user it was accepted for */
};

/*
 * pam_set_data() key: the options the auth phase loaded, kept for the
 * account phase of the same handle (kept_options()), so that one
 * transaction reads and checks its config file once, not once per
 * phase.  Reused only by an account line with the same arguments in a
 * process with the same euid, and only while the config file is the one
 * that was read: same identity (at_file_ident: device, inode, size,
 * mtime, ctime, which a chmod or chown moves; or still missing) as the
 * descriptor it was read from, which was
 * settled when it was read (its ctime at least AT_MAP_RACY_SECONDS
 * earlier: a same-size rewrite in the same tick of the file system's
 * clock cannot hide).  Otherwise the account phase
 * loads its options itself, as it does in a handle whose auth phase
 * ended elsewhere (sshd's child).
 */
#define AT_DATA_CONFIG "pam_agentictrust_config"
struct kept_config {
	struct at_config cfg;	/* owned: at_config_clear() */
	/* The config file's as read, when !missing (the user map's rule:
	 * at_file_ident_settled()). */
	struct at_file_ident ident;
	bool missing;		/* the default config file did not exist */
	uid_t euid;
	size_t argslen;
	char args[];		/* argv, each argument with its NUL */
};

/*
 * The PAM environment's AGENTICTRUST_ names belong to this module: the
 * variables export_claims() sets, the seal, and nothing else.  The session
 * phase removes any other one, whoever set it.  FP (a JWT's fingerprint)
 * and IAT (its iat, whole seconds) tell the session which token it was,
 * and give an account phase in another process (sshd's monitor, through
 * the seal) what it needs to re-check the token's revocation.
 */
#define AT_ENV_PREFIX "AGENTICTRUST_"
static const char *const claim_vars[] = {
	"AGENTICTRUST_SUB", "AGENTICTRUST_METHOD", "AGENTICTRUST_EMAIL",
	"AGENTICTRUST_NAME", "AGENTICTRUST_FP", "AGENTICTRUST_IAT",
};
#define NCLAIM_VARS (sizeof(claim_vars) / sizeof(claim_vars[0]))

/*
 * What the auth phase exported, "NAME=value" lines joined by "\n": kept
 * with pam_set_data() under AT_DATA_ENV, with the user it was verified
 * for, for a later phase of this handle, and sealed into AT_SEAL_VAR for
 * one in another process that imported the PAM environment (sshd:
 * keyboard-interactive auth runs in a forked child, whose pam_set_data()
 * items the parent never sees).  The seal opens only in this handle (its
 * address: the child forked after pam_start() has the parent's) and only
 * until its expiry (at_seal_expiry()), which bounds a later handle that
 * happens to get a freed one's address.  The first later phase that
 * opens the seal removes it and keeps its text under AT_DATA_ENV for the
 * phases after it (sshd calls pam_setcred() again in the forked session
 * child).
 */
#define AT_DATA_ENV "pam_agentictrust_env"
#define AT_SEAL_VAR "AGENTICTRUST_SEAL"
struct env_data {
	char *entries;	/* into this allocation, after user */
	char user[];	/* the PAM user they were verified for */
};

/*
 * The seal key: random per process, made when libpam first loads the
 * module (pam_start), so that a child forked afterwards shares it; never
 * leaves the process.  The module is linked -z nodelete, so the key lives
 * until the process exits, and in a long-lived process a later handle
 * may get a freed one's address.  So the number a seal binds for its
 * handle (seal_handle()) is the address together with how many handles
 * that held this module's data have ended in the process: a seal made in
 * a handle that has ended opens in no later handle, whatever its address.
 * (A handle in which the module set no data, such as the sshd monitor's
 * before it opened the seal of its child, is not counted when it ends;
 * the seal's expiry, at_seal_expiry(), bounds that case.)
 */
static unsigned char seal_key[AT_SEAL_KEY_LEN];
static bool seal_key_ok;

__attribute__((constructor)) static void
seal_key_init(void)
{
	/*
	 * libcrypto's first use initialises it; do it here with two flags
	 * that only make a short-lived process (sudo, su, sshd's per-login
	 * children) pay less: no error strings (nothing here prints
	 * OpenSSL's), and no atexit() cleanup (the process is exiting; the
	 * module is never unloaded, -z nodelete).  A process that already
	 * initialised libcrypto keeps its own settings; the configuration
	 * file (openssl.cnf, FIPS) is loaded as before.
	 */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
				      OPENSSL_INIT_NO_ATEXIT,
				  NULL);
	seal_key_ok = at_seal_keygen(seal_key) == AT_OK;
}

__attribute__((destructor)) static void
seal_key_wipe(void)
{
	at_wipe(seal_key, sizeof(seal_key));
	seal_key_ok = false;
	/* The keyed secrets the process kept (at_verifier_from_config_cached)
	 * and the keyed seal HMAC: wiped at exit like the seal key. */
	at_cache_flush();
	at_seal_flush();
}

static _Atomic uint64_t handles_ended;

/*
 * The handle number a seal binds: SHA-256(address, handles_ended), through
 * the process's fetched SHA-256 (at_sha256_md()).  false when it cannot be
 * computed: no seal is made or opened then.
 */
static bool
seal_handle(pam_handle_t *pamh, uint64_t *h)
{
	unsigned char in[16], md[EVP_MAX_MD_SIZE];
	uint64_t addr = (uint64_t)(uintptr_t)pamh;
	uint64_t ended = atomic_load(&handles_ended);
	unsigned int mdlen = 0;

	memcpy(in, &addr, sizeof(addr));
	memcpy(in + sizeof(addr), &ended, sizeof(ended));
	if (at_sha256_md() == NULL ||
	    EVP_Digest(in, sizeof(in), md, &mdlen, at_sha256_md(), NULL) !=
		    1 ||
	    mdlen < sizeof(*h))
		return false;
	memcpy(h, md, sizeof(*h));
	return true;
}

static void
free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	/* pam_end(), not pam_set_data() replacing the item: a handle that
	 * held our data has ended and its address may be handed out again
	 * (seal_handle()). */
	if (!(error_status & PAM_DATA_REPLACE))
		atomic_fetch_add(&handles_ended, 1);
	free(data);
}

/* Remember an accepted JWT's exp, and for whom, for the account phase. */
static int
remember_exp(pam_handle_t *pamh, const char *user, const struct at_claims *c,
	     unsigned int leeway)
{
	struct exp_data *d;
	size_t ulen = strlen(user);
	int ret;

	if (c->method != AT_METHOD_JWT || !c->has_exp)
		return PAM_SUCCESS;
	if ((d = malloc(sizeof(*d) + ulen + 1)) == NULL)
		return PAM_BUF_ERR;
	d->exp = c->exp;
	d->leeway = leeway;
	memcpy(d->user, user, ulen + 1);
	if ((ret = pam_set_data(pamh, AT_DATA_EXP, d, free_data)) !=
	    PAM_SUCCESS)
		free(d);
	return ret;
}

/* Remember the verified entries, and for whom, for the later phases. */
static int
remember_entries(pam_handle_t *pamh, const char *user, const char *entries)
{
	struct env_data *d;
	size_t ulen = strlen(user), elen = strlen(entries);
	int ret;

	if ((d = malloc(sizeof(*d) + ulen + 1 + elen + 1)) == NULL)
		return PAM_BUF_ERR;
	memcpy(d->user, user, ulen + 1);
	d->entries = d->user + ulen + 1;
	memcpy(d->entries, entries, elen + 1);
	if ((ret = pam_set_data(pamh, AT_DATA_ENV, d, free_data)) !=
	    PAM_SUCCESS)
		free(d);
	return ret;
}

/* argv as kept_config.args: each argument followed by its NUL. */
static size_t
args_len(int argc, const char **argv)
{
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	return n;
}

static bool
args_equal(const struct kept_config *k, int argc, const char **argv)
{
	size_t off = 0, n;
	int i;

	if (args_len(argc, argv) != k->argslen)
		return false;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		if (memcmp(k->args + off, argv[i], n) != 0)
			return false;
		off += n;
	}
	return true;
}

/* The config file's identity now: 1 found, 0 missing, -1 cannot tell. */
static int
config_identity(const struct at_config *cfg, struct stat *st)
{
	const char *path = cfg->config_file != NULL ? cfg->config_file
						    : AT_DEFAULT_CONFIG;

	if (fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static void
free_kept_config(pam_handle_t *pamh, void *data, int error_status)
{
	struct kept_config *k = data;

	at_config_clear(&k->cfg);
	free_data(pamh, k, error_status);
}

/*
 * Keep the auth phase's options for the account phase (AT_DATA_CONFIG);
 * *cfg is moved into the kept copy and left empty.  Best effort: options
 * that cannot be kept are loaded again by the account phase, so nothing
 * here fails the authentication.
 */
static void
keep_options(pam_handle_t *pamh, struct at_config *cfg,
	     const struct at_config_file_id *id, uid_t euid, int argc,
	     const char **argv)
{
	struct kept_config *k;
	struct at_file_ident ident;
	size_t alen = args_len(argc, argv), off = 0, n;
	int i;

	memset(&ident, 0, sizeof(ident));

	/* The identity is that of the descriptor the options were read
	 * from (at_config_load_id), not of a later lookup: a rewrite during
	 * the conversation leaves a new identity the account phase sees. */
	if (id->found) {
		at_file_ident_of(&ident, &id->st);
		if (!at_file_ident_settled(&ident, (int64_t)id->read_at, 0))
			return;
	}
	if ((k = calloc(1, sizeof(*k) + alen)) == NULL)
		return;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		memcpy(k->args + off, argv[i], n);
		off += n;
	}
	k->argslen = alen;
	k->euid = euid;
	k->missing = !id->found;
	k->ident = ident;
	k->cfg = *cfg; /* moved: the strings now belong to k */
	at_config_init(cfg);
	if (pam_set_data(pamh, AT_DATA_CONFIG, k, free_kept_config) !=
	    PAM_SUCCESS) {
		*cfg = k->cfg; /* moved back, freed by the caller */
		free(k);
	}
}

/*
 * The options the auth phase of this handle kept for an account line
 * with these arguments, when its config file is still the one it read;
 * else NULL (the caller loads them).
 */
static const struct at_config *
kept_options(pam_handle_t *pamh, uid_t euid, int argc, const char **argv)
{
	const void *data = NULL;
	const struct kept_config *k;
	struct at_file_ident now;
	struct stat st;
	int found;

	if (pam_get_data(pamh, AT_DATA_CONFIG, &data) != PAM_SUCCESS ||
	    data == NULL)
		return NULL;
	k = data;
	if (k->euid != euid || !args_equal(k, argc, argv))
		return NULL;
	found = config_identity(&k->cfg, &st);
	if (found < 0 || (found == 0) != k->missing)
		return NULL;
	if (found == 1) {
		at_file_ident_of(&now, &st);
		if (!at_file_ident_equal(&now, &k->ident))
			return NULL;
	}
	return &k->cfg;
}

/*
 * Whether what the auth phase verified for vuser belongs to this request:
 * the PAM user is vuser, or the application names vuser as the user who
 * makes the request (PAM_RUSER).  sudo authenticates the invoking user,
 * sets PAM_RUSER to that user, and sets PAM_USER to the target account
 * before setcred and the session.  An application that authenticates
 * another user in the same handle through another module (which the
 * module never sees, so nothing of the first user's is cleared) has
 * changed PAM_USER: not this request's.
 */
static bool
belongs_to_request(pam_handle_t *pamh, const char *vuser)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS &&
	    item != NULL && strcmp(item, vuser) == 0)
		return true;
	item = NULL;
	return pam_get_item(pamh, PAM_RUSER, &item) == PAM_SUCCESS &&
	       item != NULL && strcmp(item, vuser) == 0;
}

/*
 * The value of the line "name=value" in entries (NULL: no lines), or
 * NULL; *vlen is its length.
 */
static const char *
entry_value(const char *entries, const char *name, size_t namelen,
	    size_t *vlen)
{
	const char *p = entries, *nl;
	size_t n;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > namelen && p[namelen] == '=' &&
		    memcmp(p, name, namelen) == 0) {
			*vlen = n - namelen - 1;
			return p + namelen + 1;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

/*
 * entries, as read back from a seal, are what export_claims() writes:
 * lines "NAME=value", NAME one of claim_vars[] at most once, value
 * printable.
 */
static bool
entries_valid(const char *entries)
{
	const char *p = entries, *nl, *eq;
	size_t i, n, vlen;
	bool seen[NCLAIM_VARS] = {false};

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if ((eq = memchr(p, '=', n)) == NULL)
			return false;
		for (i = 0; i < NCLAIM_VARS; i++)
			if (strlen(claim_vars[i]) == (size_t)(eq - p) &&
			    memcmp(claim_vars[i], p, (size_t)(eq - p)) == 0)
				break;
		vlen = n - (size_t)(eq - p) - 1;
		if (i == NCLAIM_VARS || seen[i] ||
		    !at_str_printable(eq + 1, vlen))
			return false;
		seen[i] = true;
		if (nl == NULL)
			break;
		p = nl + 1;
		if (*p == '\0')
			return false; /* no empty last line */
	}
	return true;
}

/*
 * Make the AGENTICTRUST_* variables of the PAM environment exactly the
 * lines of entries (NULL: none): delete every other one, and set each line
 * whose variable is missing or differs.  Deletes only what is set (libpam
 * logs deleting an unset variable at LOG_ERR).  *changed counts the
 * variables set, *removed those deleted but the seal (removing it is the
 * normal course).  Returns a PAM code.
 */
static int
set_env(pam_handle_t *pamh, const char *entries, unsigned int *changed,
	unsigned int *removed)
{
	char **env = NULL, *item = NULL;
	const char *p = entries, *nl, *eq, *cur;
	size_t i, n, vlen;
	int ret = PAM_BUF_ERR;

	*changed = 0;
	*removed = 0;
	if ((env = pam_getenvlist(pamh)) == NULL)
		goto out;
	for (i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], AT_ENV_PREFIX, sizeof(AT_ENV_PREFIX) - 1) !=
		    0)
			continue;
		eq = strchr(env[i], '=');
		n = eq != NULL ? (size_t)(eq - env[i]) : strlen(env[i]);
		if (entry_value(entries, env[i], n, &vlen) != NULL)
			continue; /* set below when it differs */
		if ((item = strndup(env[i], n)) == NULL)
			goto out;
		/* A bare name deletes. */
		if ((ret = pam_putenv(pamh, item)) != PAM_SUCCESS)
			goto out;
		ret = PAM_BUF_ERR;
		if (strcmp(item, AT_SEAL_VAR) != 0)
			(*removed)++;
		free(item);
		item = NULL;
	}
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if ((item = strndup(p, n)) == NULL)
			goto out;
		eq = strchr(item, '=');
		if (eq == NULL) {
			ret = PAM_SYSTEM_ERR;
			goto out;
		}
		item[eq - item] = '\0';
		cur = pam_getenv(pamh, item);
		item[eq - item] = '=';
		if (cur == NULL || strcmp(cur, eq + 1) != 0) {
			if ((ret = pam_putenv(pamh, item)) != PAM_SUCCESS)
				goto out;
			(*changed)++;
		}
		ret = PAM_BUF_ERR;
		free(item);
		item = NULL;
		p = nl != NULL ? nl + 1 : NULL;
	}
	ret = PAM_SUCCESS;
out:
	free(item);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
	return ret;
}

/* The reason tag for a failed change of the PAM environment. */
static const char *
env_fail_reason(int ret)
{
	return ret == PAM_BUF_ERR ? "out_of_memory" : "pam_env";
}

/*
 * A new authentication in this handle starts from nothing: no exp for the
 * account phase, no remembered exports, no AGENTICTRUST_* variables.
 */
static int
forget_previous(pam_handle_t *pamh)
{
	unsigned int changed, removed;
	int ret;

	if ((ret = pam_set_data(pamh, AT_DATA_EXP, NULL, NULL)) !=
		    PAM_SUCCESS ||
	    (ret = pam_set_data(pamh, AT_DATA_ENV, NULL, NULL)) !=
		    PAM_SUCCESS ||
	    (ret = pam_set_data(pamh, AT_DATA_CONFIG, NULL, NULL)) !=
		    PAM_SUCCESS)
		return ret;
	return set_env(pamh, NULL, &changed, &removed);
}

/*
 * The verdict line.  Every value goes through at_log_value(): whatever
 * bytes a user name, service, sub or kid holds, the line reads back as
 * exactly these fields (README "Results and log lines").
 */
static void
log_result(pam_handle_t *pamh, int prio, const char *verdict,
	   const char *user, const char *reason, const struct at_claims *c)
{
	const void *service = NULL;
	char u[AT_LOG_VALUE_SIZE], sv[AT_LOG_VALUE_SIZE], m[AT_LOG_VALUE_SIZE],
		r[AT_LOG_VALUE_SIZE], sb[AT_LOG_VALUE_SIZE],
		k[AT_LOG_VALUE_SIZE], fp[AT_LOG_VALUE_SIZE];

	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
		service = NULL;
	/* Never the credential, signature or secret: only who and why.  fp
	 * is set by lib only for a JWT whose MAC verified (an unverified
	 * credential may be a user's Unix password): "-" otherwise. */
	mod_syslog(pamh, prio,
		   "%s user=%s service=%s method=%s reason=%s sub=%s kid=%s "
		   "secret=%d fp=%s",
		   verdict, at_log_value(u, sizeof(u), user),
		   at_log_value(sv, sizeof(sv), service),
		   at_log_value(m, sizeof(m), at_method_name(c->method)),
		   at_log_value(r, sizeof(r), reason),
		   at_log_value(sb, sizeof(sb), c->sub),
		   at_log_value(k, sizeof(k), c->kid), c->secret_index,
		   at_log_value(fp, sizeof(fp),
				c->fp[0] != '\0' ? c->fp : NULL));
}

/* ------------------------------------------------------------------ */
/* The state store (store=): revocation and single use */

/*
 * The store's verdict on a credential verified for this request (claims
 * c; consume in the auth phase, which uses up a single-use token).  The
 * store is opened for this one question and closed: nothing of it
 * outlives the call, whatever the application does with the handle or
 * its processes.  Logs the verdict line for anything but a plain yes
 * (lib has logged why a store failed) and returns:
 *   PAM_SUCCESS   not revoked (and now consumed), or store_unavailable
 *                 under store_unavailable=allow: the "unchecked" line
 *                 at LOG_WARNING, then the caller goes on
 *   revoked_code  revoked or replayed: the "rejected" line
 *   otherwise     the store's error mapped by at_err_to_pam(): the
 *                 "refused" line; store_error is never let through
 */
static int
store_verdict(pam_handle_t *pamh, const struct at_config *cfg,
	      const struct at_log *log, const char *user,
	      const struct at_claims *c, bool consume, int revoked_code)
{
	char keybuf[AT_STORE_MAX_USE_KEY + 1];
	struct at_store_query q;
	struct at_store *st = NULL;
	enum at_err r;

	if ((r = at_store_query_from_claims(cfg, c, consume, time(NULL),
					    keybuf, &q)) == AT_OK &&
	    (r = at_store_open(cfg, geteuid(), log, &st)) == AT_OK)
		r = at_store_check(st, &q);
	at_store_close(st);
	switch (r) {
	case AT_OK:
		return PAM_SUCCESS;
	case AT_ERR_REVOKED:
	case AT_ERR_REPLAYED:
		log_result(pamh, LOG_NOTICE, "rejected", user,
			   at_err_reason(r), c);
		return revoked_code;
	case AT_ERR_STORE_UNAVAILABLE:
		if (!cfg->store_unavailable_allow)
			break;
		log_result(pamh, LOG_WARNING, "unchecked", user,
			   at_err_reason(r), c);
		return PAM_SUCCESS;
	default:
		break;
	}
	log_result(pamh, LOG_ERR, "refused", user, at_err_reason(r), c);
	return at_err_to_pam(r);
}

/* A bare "debug" among the module's arguments. */
static bool
has_debug_arg(int argc, const char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "debug") == 0)
			return true;
	return false;
}

/*
 * The options of this call (at_config_load: config file, then argv), and
 * in *id which config file was read.  A bare "debug" argument also covers
 * the parsing itself.  On failure the reason is logged and the PAM code
 * returned.
 */
static int
load_options(pam_handle_t *pamh, int argc, const char **argv, uid_t euid,
	     struct at_config *cfg, struct at_log *log,
	     struct at_config_file_id *id)
{
	struct at_claims none;
	enum at_err r;

	if (has_debug_arg(argc, argv))
		log->debug = true;
	if ((r = at_config_load_id(cfg, argc, argv, AT_DEFAULT_CONFIG, euid,
				   log, id)) != AT_OK) {
		at_claims_init(&none);
		log_result(pamh, LOG_ERR, "refused", NULL, at_err_reason(r),
			   &none);
		return at_err_to_pam(r);
	}
	log->debug = cfg->debug;
	return PAM_SUCCESS;
}

/*
 * Get the credential: PAM_AUTHTOK from an earlier module, or the
 * conversation.  *cred is owned by the caller: at_strfreezero().
 */
static int
read_credential(pam_handle_t *pamh, const struct at_config *cfg,
		bool from_stack, char **cred)
{
	const void *item = NULL;
	char *resp = NULL;
	int ret;

	*cred = NULL;
	if (from_stack) {
		ret = pam_get_item(pamh, PAM_AUTHTOK, &item);
		if (ret != PAM_SUCCESS || item == NULL)
			return PAM_AUTHTOK_RECOVERY_ERR;
		if ((*cred = strdup(item)) == NULL)
			return PAM_BUF_ERR;
		return PAM_SUCCESS;
	}
	ret = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", cfg->prompt);
	if (ret == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (ret != PAM_SUCCESS) {
		at_strfreezero(resp);
		return ret;
	}
	/* An application that answers with no response sent nothing. */
	if (resp == NULL && (resp = strdup("")) == NULL)
		return PAM_BUF_ERR;
	*cred = resp;
	return PAM_SUCCESS;
}

/*
 * Export what was proven to the session (pam_getenvlist), remember it for
 * the later phases of this handle (AT_DATA_ENV) and seal it, for this
 * service, user and handle, until at_seal_expiry(), for one in another
 * process (AT_SEAL_VAR).  On failure *why is the reason tag to log:
 * out_of_memory, crypto_error (no seal key), internal (no service name,
 * or one too long to seal), pam_data or pam_env (libpam refused).
 */
static int
export_claims(pam_handle_t *pamh, const char *user, const struct at_claims *c,
	      unsigned int leeway, const char **why)
{
	char iat[24] = "";
	/* In the order of claim_vars[]. */
	const char *values[] = {
		c->sub, at_method_name(c->method), c->email, c->name,
		c->fp[0] != '\0' ? c->fp : NULL,
		c->method == AT_METHOD_JWT && c->has_iat ? iat : NULL,
	};
	const void *service = NULL;
	char *entries = NULL, *seal = NULL, *var = NULL;
	unsigned int changed, removed;
	uint64_t handle;
	size_t seallen;
	size_t i, len = 1;
	enum at_err r;
	int ret = PAM_BUF_ERR;

	_Static_assert(sizeof(values) / sizeof(values[0]) == NCLAIM_VARS,
		       "one value per claim_vars[] name");
	/* lib keeps iat in [0, 2^53): whole seconds, as the store's
	 * cut-off compares them (at_store_query_from_claims()). */
	if (c->method == AT_METHOD_JWT && c->has_iat)
		snprintf(iat, sizeof(iat), "%" PRId64, (int64_t)floor(c->iat));
	*why = "out_of_memory";
	for (i = 0; i < NCLAIM_VARS; i++)
		if (values[i] != NULL)
			len += strlen(claim_vars[i]) + strlen(values[i]) + 2;
	if ((entries = calloc(1, len)) == NULL)
		goto out;
	for (i = 0; i < NCLAIM_VARS; i++) {
		/* Control characters could forge lines in a shell or log. */
		if (values[i] == NULL ||
		    !at_str_printable(values[i], strlen(values[i])))
			continue;
		if (entries[0] != '\0')
			strcat(entries, "\n");
		strcat(entries, claim_vars[i]);
		strcat(entries, "=");
		strcat(entries, values[i]);
	}
	ret = PAM_SYSTEM_ERR;
	if (!seal_key_ok) {
		*why = "crypto_error";
		goto out;
	}
	*why = "internal";
	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
	    service == NULL)
		goto out;
	/* The handle's number (seal_handle()): the same in a child forked
	 * after pam_start() (sshd's keyboard-interactive authentication). */
	if (!seal_handle(pamh, &handle)) {
		*why = "crypto_error";
		goto out;
	}
	if ((r = at_seal_make(seal_key, service, user, handle,
			      at_seal_expiry(c, leeway, time(NULL)), entries,
			      &seal)) != AT_OK) {
		if (r == AT_ERR_NOMEM) {
			ret = PAM_BUF_ERR;
			*why = "out_of_memory";
		} else if (r == AT_ERR_CRYPTO) {
			*why = "crypto_error";
		}
		goto out;
	}
	/* AT_SEAL_VAR "=" seal (no printf: the seal is a few hundred
	 * bytes, and asprintf() cost more than the seal's MAC). */
	seallen = strlen(seal);
	if ((var = malloc(sizeof(AT_SEAL_VAR) + seallen + 1)) == NULL) {
		ret = PAM_BUF_ERR;
		*why = "out_of_memory";
		goto out;
	}
	memcpy(var, AT_SEAL_VAR "=", sizeof(AT_SEAL_VAR));
	memcpy(var + sizeof(AT_SEAL_VAR), seal, seallen + 1);
	if ((ret = remember_entries(pamh, user, entries)) != PAM_SUCCESS) {
		*why = ret == PAM_BUF_ERR ? "out_of_memory" : "pam_data";
		goto out;
	}
	if ((ret = set_env(pamh, entries, &changed, &removed)) != PAM_SUCCESS ||
	    (ret = pam_putenv(pamh, var)) != PAM_SUCCESS) {
		*why = env_fail_reason(ret);
		goto out;
	}
	ret = PAM_SUCCESS;
out:
	free(entries);
	free(seal);
	free(var);
	return ret;
}

/*
 * Errors that say "this credential does not prove the user": worth a
 * second credential under try_first_pass.  System errors are not.
 */
static bool
is_credential_error(enum at_err r)
{
	return at_err_to_pam(r) == PAM_AUTH_ERR;
}

/*
 * The most confusing failure: a client cut the credential at its buffer
 * size, so a good token fails as a bad signature.  Say so.
 */
static void
log_truncation_hint(pam_handle_t *pamh, const char *user, enum at_err r,
		    size_t len)
{
	const char *clients = at_truncation_hint(len);
	char u[AT_LOG_VALUE_SIZE];

	if (clients == NULL || !is_credential_error(r))
		return;
	mod_syslog(pamh, LOG_NOTICE,
		   "hint user=%s: the credential is exactly %zu bytes, "
		   "probably truncated by the client (%s): use a shorter token",
		   at_log_value(u, sizeof(u), user), len, clients);
}

/*
 * sudo answers PAM_CONV_ERR, without passing anything on, when the answer
 * is 512 bytes or more (PAM_MAX_RESP_SIZE): the only trace of a token too
 * long for sudo is this conversation error.  sudo reports a cancelled or
 * timed-out prompt the same way, hence "if".
 */
static void
log_conversation_hint(pam_handle_t *pamh, const char *user)
{
	char u[AT_LOG_VALUE_SIZE];

	if (strcmp(program_invocation_short_name, "sudo") != 0)
		return;
	mod_syslog(pamh, LOG_NOTICE,
		   "hint user=%s: if the credential was 512 bytes or more, "
		   "sudo refused it as too long for sudo (at most 511 bytes "
		   "pass): mint a shorter token",
		   at_log_value(u, sizeof(u), user));
}

/*
 * An accepted JWT's email or name that lib dropped (too long, or with a
 * control character): the token is good, the variable is not exported.
 * The value itself is never logged.
 */
static void
log_dropped(pam_handle_t *pamh, const char *user, const char *claim,
	    enum at_drop why)
{
	char u[AT_LOG_VALUE_SIZE];

	if (why == AT_DROP_NONE)
		return;
	mod_syslog(pamh, LOG_NOTICE, "claim_dropped user=%s claim=%s cause=%s",
		   at_log_value(u, sizeof(u), user), claim, at_drop_name(why));
}

/* No user name to judge: say so, with libpam's words for why. */
static void
log_no_user(pam_handle_t *pamh, int ret)
{
	const void *service = NULL;
	char sv[AT_LOG_VALUE_SIZE], e[AT_LOG_VALUE_SIZE];

	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
		service = NULL;
	mod_syslog(pamh, LOG_ERR,
		   "refused user=- service=%s reason=no_user error=%s",
		   at_log_value(sv, sizeof(sv), service),
		   at_log_value(e, sizeof(e), pam_strerror(pamh, ret)));
}

/* What the passwd database says of the PAM user (see lookup_account()). */
enum account {
	ACCOUNT_UNIX,	 /* a passwd entry: *uid is its uid */
	ACCOUNT_NONE,	 /* definitely no entry: not a Unix account */
	ACCOUNT_UNKNOWN, /* no entry found, and no definite "none" either */
};

/* The largest getpwnam_r() buffer tried (glibc's own cap is similar). */
#define AT_PW_BUF_MAX (1024 * 1024)

/*
 * Is user a Unix account?  One getpwnam_r() per authentication (an NSS
 * module such as systemd's walks several directories for a name it does
 * not know, which an Apache user always is).  Only glibc's definite
 * answer (0, no record: every source answered "not found") makes a name
 * ACCOUNT_NONE.  Any error stays ACCOUNT_UNKNOWN (fail closed:
 * user_unknown under either accounts= value), never a name with no uid
 * that skips the system-account refusal; ENOENT too, which glibc returns
 * for a source that was unavailable (nss-pam-ldapd when nslcd is down),
 * not for "no such user".  Under accounts=unix ACCOUNT_NONE is refused as
 * user_unknown too.
 */
static enum account
lookup_account(const char *user, uid_t *uid)
{
	struct passwd pwbuf, *res = NULL;
	enum account a = ACCOUNT_UNKNOWN;
	size_t size = 16384;
	char *buf = NULL;
	int rc;

	*uid = (uid_t)-1;
	for (;;) {
		if ((buf = malloc(size)) == NULL)
			goto out;
		rc = getpwnam_r(user, &pwbuf, buf, size, &res);
		if (rc != ERANGE || size >= AT_PW_BUF_MAX)
			break;
		free(buf);
		buf = NULL;
		size *= 2;
	}
	if (rc == 0 && res != NULL) {
		*uid = res->pw_uid;
		a = ACCOUNT_UNIX;
	} else if (rc == 0 && res == NULL)
		a = ACCOUNT_NONE;
out:
	free(buf);
	return a;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct at_log log = { log_to_pam, pamh, false };
	struct at_config cfg;
	struct at_claims claims;
	struct at_verifier *v = NULL;
	enum at_err r = AT_ERR_INTERNAL;
	const char *user = NULL, *why = NULL;
	char *cred = NULL, e[AT_LOG_VALUE_SIZE];
	int ret = PAM_SERVICE_ERR, pass;
	uid_t uid = (uid_t)-1;
	struct at_config_file_id cfg_id;
	uid_t euid = geteuid();
	enum account acct;

	(void)flags;
	cur_phase = "auth";
	at_config_init(&cfg);
	at_claims_init(&claims);
	/* The config file and the secret file usually share a directory:
	 * one walk from "/" for both, before the conversation
	 * (at_walk_memo_begin). */
	at_walk_memo_begin();
	if ((ret = forget_previous(pamh)) != PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", NULL,
			   env_fail_reason(ret), &claims);
		goto out;
	}
	if ((ret = load_options(pamh, argc, argv, euid, &cfg, &log, &cfg_id)) !=
	    PAM_SUCCESS)
		goto out;

	ret = pam_get_user(pamh, &user, NULL);
	if (ret == PAM_CONV_AGAIN)
		ret = PAM_INCOMPLETE;
	if (ret != PAM_SUCCESS || user == NULL || user[0] == '\0') {
		if (ret == PAM_SUCCESS)
			ret = PAM_USER_UNKNOWN;
		log_no_user(pamh, ret);
		goto out;
	}

	if ((r = at_verifier_from_config_cached(&v, &cfg, euid, &log)) !=
	    AT_OK) {
		log_result(pamh, LOG_ERR, "refused", user, at_err_reason(r),
			   &claims);
		ret = at_err_to_pam(r);
		goto out;
	}

	/* No directory stays open across the conversation, which may wait
	 * as long as the user likes: what is read after it walks again. */
	at_walk_memo_end();

	/* Asked before the prompt, acted on after: an unknown user is still
	 * prompted, so the conversation does not tell who exists. */
	acct = lookup_account(user, &uid);

	/*
	 * Pass 0 takes PAM_AUTHTOK under use_first_pass/try_first_pass; pass
	 * 1 prompts, unless use_first_pass forbids it.  r turns AT_OK only
	 * in at_verify_credential(): a pass that verifies nothing cannot
	 * leave an earlier AT_OK behind.
	 */
	r = AT_ERR_INTERNAL;
	for (pass = cfg.use_first_pass || cfg.try_first_pass ? 0 : 1;
	     pass < 2; pass++) {
		at_strfreezero(cred);
		ret = read_credential(pamh, &cfg, pass == 0, &cred);
		/* Only a missing PAM_AUTHTOK moves on to the prompt; a
		 * conversation that fails is a failure. */
		if (pass == 0 && ret == PAM_AUTHTOK_RECOVERY_ERR &&
		    cfg.try_first_pass)
			continue;
		if (ret != PAM_SUCCESS) {
			log_result(pamh, LOG_ERR, "refused", user,
				   pass == 0 ? "no_authtok" : "conversation",
				   &claims);
			if (pass == 1 && ret == PAM_CONV_ERR)
				log_conversation_hint(pamh, user);
			if (ret == PAM_AUTHTOK_RECOVERY_ERR)
				ret = PAM_AUTH_ERR;
			goto out;
		}
		if (acct == ACCOUNT_UNKNOWN ||
		    (acct == ACCOUNT_NONE && !cfg.accounts_any)) {
			log_result(pamh, LOG_NOTICE, "rejected", user,
				   "user_unknown", &claims);
			ret = PAM_USER_UNKNOWN;
			goto out;
		}
		r = at_verify_credential(v, cred, strlen(cred), user, &claims);
		if (r == AT_OK || !is_credential_error(r) || cfg.use_first_pass)
			break;
		if (pass == 0)
			log_result(pamh, LOG_NOTICE, "first_pass_rejected",
				   user, at_err_reason(r), &claims);
	}
	if (r != AT_OK) {
		log_result(pamh, LOG_NOTICE, "rejected", user,
			   at_err_reason(r), &claims);
		if (cred != NULL)
			log_truncation_hint(pamh, user, r, strlen(cred));
		ret = at_err_to_pam(r);
		goto out;
	}
	/*
	 * A credential that proves the user still opens no root or system
	 * account unless user_map or allow_system_users says so.  A name
	 * with no passwd entry (accounts=any) has no uid to classify: it is
	 * no system account, and is not given one (not 0, not -1).
	 */
	if (acct == ACCOUNT_NONE) {
		if (cfg.debug)
			mod_syslog(pamh, LOG_DEBUG,
				   "user %s is not a Unix account "
				   "(accounts=any): no system-account check",
				   at_log_value(e, sizeof(e), user));
	} else if ((r = at_user_policy_check_cached(
			    &cfg, cfg.user_map != NULL, uid,
			    AT_DEFAULT_LOGIN_DEFS, euid, &log)) != AT_OK) {
		if (r == AT_ERR_SYSTEM_USER)
			log_result(pamh, LOG_NOTICE, "rejected", user,
				   at_err_reason(r), &claims);
		else
			log_result(pamh, LOG_ERR, "refused", user,
				   at_err_reason(r), &claims);
		ret = at_err_to_pam(r);
		goto out;
	}
	/* Only a credential that passed every other check reaches the
	 * store, so a typo or another user's token never uses up a
	 * single-use token. */
	if (cfg.store != NULL &&
	    (ret = store_verdict(pamh, &cfg, &log, user, &claims, true,
				 PAM_AUTH_ERR)) != PAM_SUCCESS)
		goto out;
	if ((ret = remember_exp(pamh, user, &claims, cfg.leeway)) !=
	    PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", user, "pam_data", &claims);
		goto out;
	}
	if ((ret = export_claims(pamh, user, &claims, cfg.leeway, &why)) !=
	    PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", user, why, &claims);
		(void)forget_previous(pamh);
		goto out;
	}
	log_dropped(pamh, user, "email", claims.email_drop);
	log_dropped(pamh, user, "name", claims.name_drop);
	log_result(pamh, LOG_INFO, "accepted", user, "ok", &claims);
	keep_options(pamh, &cfg, &cfg_id, euid, argc, argv);
	ret = PAM_SUCCESS;
out:
	at_walk_memo_end();
	at_strfreezero(cred);
	at_claims_clear(&claims);
	at_verifier_free(v);
	at_config_clear(&cfg);
	return ret;
}

/*
 * The session line: one line saying what the session phase changed, when
 * it changed anything (or could not); the account phase uses it too.
 */
static void
log_session(pam_handle_t *pamh, int prio, const char *verdict,
	    const char *reason, unsigned int changed, unsigned int removed)
{
	const void *service = NULL, *user = NULL;
	char u[AT_LOG_VALUE_SIZE], sv[AT_LOG_VALUE_SIZE], r[AT_LOG_VALUE_SIZE];

	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
		service = NULL;
	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS)
		user = NULL;
	mod_syslog(pamh, prio,
		   "%s user=%s service=%s reason=%s changed=%u removed=%u",
		   verdict, at_log_value(u, sizeof(u), user),
		   at_log_value(sv, sizeof(sv), service),
		   at_log_value(r, sizeof(r), reason), changed, removed);
}

/* What a later phase finds of the auth phase's work. */
enum env_state {
	ENV_NONE,	/* nothing verified in this handle, no seal */
	ENV_VERIFIED,	/* verified for this request: the entries */
	ENV_BAD_SEAL,	/* a seal that does not open (key, service, user,
			 * handle, expired) */
	ENV_OTHER_USER, /* verified for another user than this request's */
};

/*
 * What the auth phase verified for this request, as "NAME=value" lines in
 * *entries (owned: free()), or *entries NULL when nothing was: this
 * handle's AT_DATA_ENV copy, else the seal in the PAM environment
 * (imported from a child process that authenticated), which must open
 * for this service, this handle and the PAM user or PAM_RUSER, and must
 * not have expired.  A seal that opens is
 * remembered under AT_DATA_ENV, since set_env() then removes it.
 * *state says which case it was.  Returns a PAM code.
 */
static int
verified_entries(pam_handle_t *pamh, char **entries, enum env_state *state)
{
	const void *data = NULL, *service = NULL, *who = NULL;
	const struct env_data *d;
	const char *seal;
	uint64_t handle;
	enum at_err r;
	int i, ret;

	*entries = NULL;
	*state = ENV_NONE;
	if (pam_get_data(pamh, AT_DATA_ENV, &data) == PAM_SUCCESS &&
	    data != NULL) {
		d = data;
		if (!belongs_to_request(pamh, d->user)) {
			*state = ENV_OTHER_USER;
			return PAM_SUCCESS;
		}
		if ((*entries = strdup(d->entries)) == NULL)
			return PAM_BUF_ERR;
		*state = ENV_VERIFIED;
		return PAM_SUCCESS;
	}
	if ((seal = pam_getenv(pamh, AT_SEAL_VAR)) == NULL)
		return PAM_SUCCESS;
	*state = ENV_BAD_SEAL;
	if (!seal_key_ok ||
	    pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
	    service == NULL || !seal_handle(pamh, &handle))
		return PAM_SUCCESS;
	for (i = 0; i < 2; i++) {
		who = NULL;
		if (pam_get_item(pamh, i == 0 ? PAM_USER : PAM_RUSER, &who) !=
			    PAM_SUCCESS ||
		    who == NULL)
			continue;
		/* Made in this handle (its address), not yet expired. */
		r = at_seal_open(seal_key, service, who, handle, time(NULL),
				 seal, entries);
		if (r == AT_ERR_NOMEM)
			return PAM_BUF_ERR;
		if (r == AT_OK && entries_valid(*entries)) {
			if ((ret = remember_entries(pamh, who, *entries)) !=
			    PAM_SUCCESS) {
				free(*entries);
				*entries = NULL;
				return ret;
			}
			*state = ENV_VERIFIED;
			return PAM_SUCCESS;
		}
		free(*entries);
		*entries = NULL;
	}
	return PAM_SUCCESS;
}

/* entry_value() of a claim_vars[] name given as a literal. */
#define ENTRY_VALUE(entries, name, vlen) \
	entry_value((entries), (name), sizeof(name) - 1, (vlen))

/*
 * The claims the store asks about, from entries that were verified for
 * this request (what export_claims() wrote): sub, method, and for a JWT
 * its fingerprint and iat.  c must be empty (at_claims_init()); its sub
 * is owned: at_claims_clear().  Returns AT_OK, AT_ERR_NOMEM, or
 * AT_ERR_INTERNAL for entries export_claims() never writes (no sub or
 * method, a malformed fingerprint or iat).
 */
static enum at_err
claims_from_entries(const char *entries, struct at_claims *c)
{
	const char *v;
	size_t len = 0;
	uint64_t iat;

	if ((v = ENTRY_VALUE(entries, "AGENTICTRUST_METHOD", &len)) == NULL)
		return AT_ERR_INTERNAL;
	if (len == 3 && memcmp(v, "jwt", 3) == 0)
		c->method = AT_METHOD_JWT;
	else if (len == 4 && memcmp(v, "hmac", 4) == 0)
		c->method = AT_METHOD_HMAC;
	else
		return AT_ERR_INTERNAL;
	if ((v = ENTRY_VALUE(entries, "AGENTICTRUST_FP", &len)) != NULL) {
		if (c->method != AT_METHOD_JWT || len != AT_FP_LEN)
			return AT_ERR_INTERNAL;
		memcpy(c->fp, v, len);
		c->fp[len] = '\0';
	}
	if ((v = ENTRY_VALUE(entries, "AGENTICTRUST_IAT", &len)) != NULL) {
		/* lib's bound on a time claim: below 2^53. */
		if (c->method != AT_METHOD_JWT ||
		    !at_parse_decimal(v, len, (UINT64_C(1) << 53) - 1, &iat))
			return AT_ERR_INTERNAL;
		c->has_iat = true;
		c->iat = (double)iat;
	}
	if ((v = ENTRY_VALUE(entries, "AGENTICTRUST_SUB", &len)) == NULL ||
	    len == 0)
		return AT_ERR_INTERNAL;
	if ((c->sub = strndup(v, len)) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

/*
 * Nothing of ours was verified for this request (another module
 * authenticated, sudo's cached timestamp, a bad seal, another user's
 * values): ask the store about every id that names the PAM user (the
 * user itself without user_map, else each external id the map sends to
 * it) as a credential without an issue time, so that a cut-off
 * revocation ("everything the id holds now") refuses too.  Returns
 * PAM_IGNORE, or PAM_PERM_DENIED for a revoked id (the rejected line).
 * A store that cannot answer refuses nothing here (one unchecked line at
 * LOG_WARNING): no credential of ours is involved, and a store outage
 * must not lock out the password path.  A user map that does not load
 * fails closed as in the auth phase.
 */
static int
account_ids_check(pam_handle_t *pamh, const struct at_config *cfg,
		  const struct at_log *log, const char *user)
{
	struct at_verifier *v = NULL;
	struct at_store *st = NULL;
	struct at_store_query q;
	struct at_claims c;
	const char *id = user;
	size_t pos = 0;
	enum at_err r;
	int ret = PAM_SERVICE_ERR;

	at_claims_init(&c);
	if (cfg->user_map != NULL) {
		if ((r = at_verifier_new(&v, cfg, log)) != AT_OK ||
		    (r = at_verifier_load_user_map(v, cfg->user_map,
						   geteuid())) != AT_OK) {
			log_result(pamh, LOG_ERR, "refused", user,
				   at_err_reason(r), &c);
			ret = at_err_to_pam(r);
			goto out;
		}
		if ((r = at_verifier_map_next_id(v, user, &pos, &id)) !=
		    AT_OK) {
			log_result(pamh, LOG_ERR, "refused", user,
				   at_err_reason(r), &c);
			ret = at_err_to_pam(r);
			goto out;
		}
	}
	ret = PAM_IGNORE;
	if (id == NULL)
		goto out; /* no id names the user */
	r = at_store_open(cfg, geteuid(), log, &st);
	while (r == AT_OK && id != NULL) {
		memset(&q, 0, sizeof(q));
		q.sub = id;
		q.now = (int64_t)time(NULL);
		if ((r = at_store_check(st, &q)) != AT_OK)
			break;
		id = NULL;
		if (v != NULL &&
		    (r = at_verifier_map_next_id(v, user, &pos, &id)) != AT_OK)
			break;
	}
	if (r == AT_OK)
		goto out;
	/* The id asked about when the store answered; none when it could
	 * not be opened.  Without memory the line has sub=-. */
	if (st != NULL && id != NULL)
		c.sub = strdup(id);
	switch (r) {
	case AT_ERR_REVOKED:
		log_result(pamh, LOG_NOTICE, "rejected", user,
			   at_err_reason(r), &c);
		ret = PAM_PERM_DENIED;
		break;
	case AT_ERR_STORE_UNAVAILABLE:
	case AT_ERR_STORE:
		log_result(pamh, LOG_WARNING, "unchecked", user,
			   at_err_reason(r), &c);
		ret = PAM_IGNORE;
		break;
	default:
		log_result(pamh, LOG_ERR, "refused", user, at_err_reason(r),
			   &c);
		ret = at_err_to_pam(r);
		break;
	}
out:
	at_store_close(st);
	at_verifier_free(v);
	at_claims_clear(&c);
	return ret;
}

/*
 * The account phase's revocation check (store=): a credential verified
 * for this request (state ENV_VERIFIED, entries what verified_entries()
 * found: this handle's auth phase, or the seal of one in another
 * process) is asked about by its id, iat and fingerprint, as in the auth
 * phase but consuming nothing; the store's failures are then those of
 * the auth phase (store_unavailable=allow lets an unavailable store
 * through with the unchecked line, nothing else).  Otherwise
 * account_ids_check().  Returns PAM_IGNORE when nothing is refused,
 * PAM_PERM_DENIED for a revoked credential, or the PAM code of an error
 * (logged).
 */
static int
account_store_check(pam_handle_t *pamh, const struct at_config *cfg,
		    const struct at_log *log, const char *user,
		    enum env_state state, const char *entries)
{
	struct at_claims c;
	enum at_err r;
	int ret;

	at_claims_init(&c);
	if (user == NULL || user[0] == '\0') {
		ret = PAM_IGNORE; /* nobody to ask about */
		goto out;
	}
	if (state != ENV_VERIFIED) {
		ret = account_ids_check(pamh, cfg, log, user);
		goto out;
	}
	if ((r = claims_from_entries(entries, &c)) != AT_OK) {
		log_result(pamh, LOG_ERR, "refused", user, at_err_reason(r),
			   &c);
		ret = at_err_to_pam(r);
		goto out;
	}
	ret = store_verdict(pamh, cfg, log, user, &c, false, PAM_PERM_DENIED);
	if (ret == PAM_SUCCESS)
		ret = PAM_IGNORE;
out:
	at_claims_clear(&c);
	return ret;
}

/*
 * Whether the credential verified for this request was verified for the
 * PAM user itself, not only for PAM_RUSER (belongs_to_request() admits
 * both): the account phase vouches for the account it is asked about,
 * and sudo's target user is not the one who authenticated.
 */
static bool
verified_for_user(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;

	return user != NULL &&
	       pam_get_data(pamh, AT_DATA_ENV, &data) == PAM_SUCCESS &&
	       data != NULL &&
	       strcmp(((const struct env_data *)data)->user, user) == 0;
}

/*
 * Account phase: a JWT accepted by the auth phase of this handle must
 * still be unexpired, with the leeway the auth line had, when the account
 * is checked, which for sudo or an sshd password login can be long after
 * the prompt.  That verdict comes first, so that nothing about the account
 * line's own options can hide an expired token.
 *
 * PAM_SUCCESS when a credential was verified for this PAM user in this
 * handle (or sealed for it by sshd's authenticating child) and stands:
 * unexpired (above; a seal does not open after the JWT's exp + leeway),
 * and with store= not revoked.  So a stack whose only account line is
 * this one (PostgreSQL, Apache: non-root services where pam_unix's
 * account phase cannot read shadow, or users that are no Unix accounts)
 * admits exactly the logins this module authenticated.  PAM_IGNORE when
 * there is nothing to vouch for (auth by another module or in another
 * handle, sudo's cached timestamp, a credential verified for PAM_RUSER
 * or for another user): the rest of the stack decides, and with no other
 * line libpam denies.  Options are loaded first either way (a broken
 * configuration fails closed here too; no secret_file is needed).
 *
 * Values verified for another user than this request's (an earlier
 * module authenticated a second user in this handle, and libpam's replay
 * of that chain for pam_setcred() may never reach the module's setcred)
 * are removed here too, with the other_user line, before the session
 * phase would: PAM_SYSTEM_ERR or PAM_BUF_ERR when that fails.
 *
 * With store=, revocation too (account_store_check()): made after the
 * auth phase, it refuses the account (PAM_PERM_DENIED), whether our auth
 * phase verified a credential for this request or not (sudo's cached
 * timestamp runs only this phase).
 */
PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct at_log log = { log_to_pam, pamh, false };
	struct at_config cfg;
	const struct at_config *opts;
	struct at_config_file_id cfg_id;
	uid_t euid = geteuid();
	struct at_claims claims;
	const void *data = NULL, *envdata = NULL, *user = NULL;
	const struct exp_data *d;
	unsigned int changed = 0, removed = 0;
	enum env_state state = ENV_NONE;
	char *entries = NULL;
	bool other = false;
	int ret = PAM_SERVICE_ERR;

	(void)flags;
	cur_phase = "account";
	at_config_init(&cfg);
	at_claims_init(&claims);
	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS)
		user = NULL;
	if (pam_get_data(pamh, AT_DATA_EXP, &data) == PAM_SUCCESS &&
	    data != NULL) {
		d = data;
		/* Another user's token says nothing about this account. */
		if (!belongs_to_request(pamh, d->user))
			other = true;
		else if (at_exp_check(d->exp, d->leeway, time(NULL)) !=
			 AT_OK) {
			claims.method = AT_METHOD_JWT;
			log_result(pamh, LOG_NOTICE, "rejected", user,
				   at_err_reason(AT_ERR_EXPIRED), &claims);
			ret = PAM_PERM_DENIED;
			goto out;
		}
	}
	if (pam_get_data(pamh, AT_DATA_ENV, &envdata) == PAM_SUCCESS &&
	    envdata != NULL &&
	    !belongs_to_request(pamh,
				((const struct env_data *)envdata)->user)) {
		if ((ret = set_env(pamh, NULL, &changed, &removed)) !=
		    PAM_SUCCESS) {
			log_session(pamh, LOG_ERR, "refused",
				    env_fail_reason(ret), changed, removed);
			if (ret != PAM_BUF_ERR)
				ret = PAM_SYSTEM_ERR;
			goto out;
		}
		if (removed > 0)
			log_session(pamh, LOG_NOTICE, "session", "other_user",
				    changed, removed);
	}
	/* The auth phase's options when this handle's auth phase read them
	 * and the config file is unchanged; else read them here. */
	if ((opts = kept_options(pamh, euid, argc, argv)) != NULL) {
		log.debug = opts->debug;
		if (opts->debug)
			mod_syslog(pamh, LOG_DEBUG,
				   "options of the auth phase reused");
	} else if ((ret = load_options(pamh, argc, argv, euid, &cfg,
				       &log, &cfg_id)) != PAM_SUCCESS) {
		goto out;
	} else {
		opts = &cfg;
	}
	/* A seal that opens is remembered under AT_DATA_ENV (and stays in
	 * the environment): the setcred and session phases find it there. */
	if ((ret = verified_entries(pamh, &entries, &state)) != PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", user,
			   ret == PAM_BUF_ERR ? "out_of_memory" : "pam_data",
			   &claims);
		if (ret != PAM_BUF_ERR)
			ret = PAM_SYSTEM_ERR;
		goto out;
	}
	if (opts->store != NULL &&
	    (ret = account_store_check(pamh, opts, &log, user, state,
				       entries)) != PAM_IGNORE)
		goto out;
	if (state == ENV_VERIFIED && verified_for_user(pamh, user)) {
		if (opts->debug)
			mod_syslog(pamh, LOG_DEBUG, "%s: success",
				   data != NULL ? "JWT still valid"
						: "credential verified in "
						  "this handle");
		ret = PAM_SUCCESS;
		goto out;
	}
	if (opts->debug)
		mod_syslog(pamh, LOG_DEBUG, "%s: ignored",
			   other ? "JWT accepted for another user"
			   : state == ENV_VERIFIED
				   ? "credential verified for another user "
				     "(PAM_RUSER)"
				   : "no credential verified in this handle");
	ret = PAM_IGNORE;
out:
	free(entries);
	at_claims_clear(&claims);
	at_config_clear(&cfg);
	return ret;
}

/*
 * The work of the setcred and session phases: make the AGENTICTRUST_*
 * variables exactly what auth verified for this request, none when
 * nothing was, and log what that changed (removing the seal does not
 * count), always for a bad seal or another user's values.  *state,
 * *changed and *removed say what happened.  Returns PAM_SUCCESS, or the
 * PAM code of why the environment could not be fixed (logged:
 * refused ... reason=pam_env or out_of_memory).
 */
static int
reassert_env(pam_handle_t *pamh, enum env_state *state, unsigned int *changed,
	     unsigned int *removed)
{
	char *entries = NULL;
	int ret;

	*changed = 0;
	*removed = 0;
	if ((ret = verified_entries(pamh, &entries, state)) != PAM_SUCCESS ||
	    (ret = set_env(pamh, entries, changed, removed)) != PAM_SUCCESS) {
		log_session(pamh, LOG_ERR, "refused", env_fail_reason(ret),
			    *changed, *removed);
		goto out;
	}
	if (*state == ENV_BAD_SEAL)
		log_session(pamh, LOG_NOTICE, "session", "bad_seal", *changed,
			    *removed);
	else if (*state == ENV_OTHER_USER)
		log_session(pamh, LOG_NOTICE, "session", "other_user",
			    *changed, *removed);
	else if (*changed > 0 || *removed > 0)
		log_session(pamh, LOG_NOTICE, "session",
			    *state == ENV_VERIFIED ? "restored"
						   : "not_verified",
			    *changed, *removed);
	ret = PAM_SUCCESS;
out:
	free(entries);
	return ret;
}

/* With debug: the line for a phase that found nothing to change. */
static void
log_unchanged(pam_handle_t *pamh, enum env_state state, unsigned int changed,
	      unsigned int removed)
{
	if ((state != ENV_VERIFIED && state != ENV_NONE) || changed > 0 ||
	    removed > 0)
		return;
	log_session(pamh, LOG_DEBUG, "session",
		    state == ENV_VERIFIED ? "unchanged" : "not_verified", 0, 0);
}

/*
 * Session phase: pam_env (with user_readenv=1, a user's own
 * ~/.pam_environment) and other session modules run after auth and can
 * set AGENTICTRUST_* variables.  Put back exactly what the auth phase
 * exported for this request, and remove every other AGENTICTRUST_*
 * variable; when no credential was verified for it, remove them all.  The
 * environment is fixed first, then the options are parsed as for the
 * account phase (a broken line fails closed, PAM_SERVICE_ERR).
 * PAM_SUCCESS when a verified credential was put back, PAM_IGNORE when
 * there was none; PAM_SESSION_ERR or PAM_BUF_ERR when the environment
 * could not be fixed.
 */
PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct at_log log = { log_to_pam, pamh, false };
	struct at_config cfg;
	struct at_config_file_id cfg_id;
	uid_t euid = geteuid();
	enum env_state state = ENV_NONE;
	unsigned int changed = 0, removed = 0;
	int ret = PAM_SESSION_ERR;

	(void)flags;
	cur_phase = "session";
	at_config_init(&cfg);
	if ((ret = reassert_env(pamh, &state, &changed, &removed)) !=
	    PAM_SUCCESS) {
		if (ret != PAM_BUF_ERR)
			ret = PAM_SESSION_ERR;
		goto out;
	}
	if ((ret = load_options(pamh, argc, argv, euid, &cfg, &log, &cfg_id)) !=
	    PAM_SUCCESS)
		goto out;
	if (cfg.debug)
		log_unchanged(pamh, state, changed, removed);
	ret = state == ENV_VERIFIED ? PAM_SUCCESS : PAM_IGNORE;
out:
	at_config_clear(&cfg);
	return ret;
}

/*
 * setcred: pam_env in the auth stack re-reads its files (with
 * user_readenv=1, the user's own) on every pam_setcred() whatever the
 * flags, and OpenSSH (in the forked session child) and login(1) call
 * pam_setcred() after the session opened.  So setcred re-asserts exactly
 * as the session phase does; it runs in auth-stack order, so a pam_env
 * auth line must come before the module's.  It reads no options (the
 * environment needs none; a bare "debug" argument adds the debug line), so
 * that no configuration problem can fail a pam_setcred() in a login that
 * never used the module (an sshd publickey login runs it too).
 * PAM_SUCCESS whether or not a credential was verified (PAM_IGNORE could
 * turn into a failure when every auth module ignores setcred, and sshd
 * ends a session whose setcred fails); PAM_CRED_ERR or PAM_BUF_ERR when
 * the environment could not be fixed.  PAM_DELETE_CRED: nothing of ours
 * to delete, PAM_SUCCESS.
 */
PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	enum env_state state = ENV_NONE;
	unsigned int changed = 0, removed = 0;
	int ret = PAM_CRED_ERR;

	cur_phase = "setcred";
	if ((flags & PAM_DELETE_CRED) != 0) {
		ret = PAM_SUCCESS;
		goto out;
	}
	if ((ret = reassert_env(pamh, &state, &changed, &removed)) !=
	    PAM_SUCCESS) {
		if (ret != PAM_BUF_ERR)
			ret = PAM_CRED_ERR;
		goto out;
	}
	if (has_debug_arg(argc, argv))
		log_unchanged(pamh, state, changed, removed);
	ret = PAM_SUCCESS;
out:
	return ret;
}

/* Nothing to undo. */
PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
		     const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
