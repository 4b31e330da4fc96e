/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_agentictrust.c - PAM glue over lib/: parse options, get the user and
 * the credential, make one library call, map its result to a PAM code and
 * say why in syslog.  All verification logic lives in lib/.
 *
 * auth:    verify the credential (pam_sm_authenticate).
 * account: re-check the exp of the JWT the auth phase accepted in this
 *          handle (pam_sm_acct_mgmt); PAM_IGNORE when there is none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "lib/at.h"

/*
 * The phase running in this thread ("auth", "account", "session"), set by
 * each entry point: the prefix of a line that mod_vsyslog() writes itself.
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
};

/* The variables export_claims() sets. */
static const char *const claim_vars[] = {
	"AGENTICTRUST_SUB", "AGENTICTRUST_METHOD", "AGENTICTRUST_EMAIL",
	"AGENTICTRUST_NAME",
};

static void
free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* Remember an accepted JWT's exp for the account phase. */
static int
remember_exp(pam_handle_t *pamh, const struct at_claims *c,
	     unsigned int leeway)
{
	struct exp_data *d;
	int ret;

	if (c->method != AT_METHOD_JWT || !c->has_exp)
		return PAM_SUCCESS;
	if ((d = malloc(sizeof(*d))) == NULL)
		return PAM_BUF_ERR;
	d->exp = c->exp;
	d->leeway = leeway;
	if ((ret = pam_set_data(pamh, AT_DATA_EXP, d, free_data)) !=
	    PAM_SUCCESS)
		free(d);
	return ret;
}

/*
 * A new authentication in this handle starts from nothing: no exp for the
 * account phase, no AGENTICTRUST_* variables of an earlier success.
 */
static int
forget_previous(pam_handle_t *pamh)
{
	size_t i;
	int ret;

	if ((ret = pam_set_data(pamh, AT_DATA_EXP, NULL, NULL)) != PAM_SUCCESS)
		return ret;
	/* A bare name deletes.  Only what is set: libpam logs deleting an
	 * unset variable at LOG_ERR ("delete non-existent entry"). */
	for (i = 0; i < sizeof(claim_vars) / sizeof(claim_vars[0]); i++) {
		if (pam_getenv(pamh, claim_vars[i]) == NULL)
			continue;
		if ((ret = pam_putenv(pamh, claim_vars[i])) != PAM_SUCCESS)
			return ret;
	}
	return PAM_SUCCESS;
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
		k[AT_LOG_VALUE_SIZE];

	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
		service = NULL;
	/* Never the credential, signature or secret: only who and why. */
	mod_syslog(pamh, prio,
		   "%s user=%s service=%s method=%s reason=%s sub=%s kid=%s "
		   "secret=%d",
		   verdict, at_log_value(u, sizeof(u), user),
		   at_log_value(sv, sizeof(sv), service),
		   at_log_value(m, sizeof(m), at_method_name(c->method)),
		   at_log_value(r, sizeof(r), reason),
		   at_log_value(sb, sizeof(sb), c->sub),
		   at_log_value(k, sizeof(k), c->kid), c->secret_index);
}

/*
 * The options of this call (at_config_load: config file, then argv).  A
 * bare "debug" argument also covers the parsing itself.  On failure the
 * reason is logged and the PAM code returned.
 */
static int
load_options(pam_handle_t *pamh, int argc, const char **argv,
	     struct at_config *cfg, struct at_log *log)
{
	struct at_claims none;
	enum at_err r;
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "debug") == 0)
			log->debug = true;
	if ((r = at_config_load(cfg, argc, argv, AT_DEFAULT_CONFIG, geteuid(),
				log)) != AT_OK) {
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

/* Export what was proven to the session (pam_getenvlist). */
static int
export_claims(pam_handle_t *pamh, const struct at_claims *c)
{
	/* In the order of claim_vars[]. */
	const char *values[] = {
		c->sub, at_method_name(c->method), c->email, c->name,
	};
	char *entry;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(claim_vars) / sizeof(claim_vars[0]); i++) {
		/* Control characters could forge lines in a shell or log. */
		if (values[i] == NULL ||
		    !at_str_printable(values[i], strlen(values[i])))
			continue;
		if (asprintf(&entry, "%s=%s", claim_vars[i], values[i]) < 0)
			return PAM_BUF_ERR;
		ret = pam_putenv(pamh, entry);
		free(entry);
		if (ret != PAM_SUCCESS)
			return ret;
	}
	return PAM_SUCCESS;
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
		   "hint user=%s: the credential is exactly %zu bytes, probably "
		   "truncated by the client (%s): use a shorter token",
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
		   "hint user=%s: if the credential was 512 bytes or more, sudo "
		   "refused it as too long for sudo (at most 511 bytes pass): "
		   "mint a shorter token", at_log_value(u, sizeof(u), user));
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

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct at_log log = { log_to_pam, pamh, false };
	struct at_config cfg;
	struct at_claims claims;
	struct at_verifier *v = NULL;
	enum at_err r = AT_ERR_INTERNAL;
	const char *user = NULL;
	char *cred = NULL;
	int ret = PAM_SERVICE_ERR, pass;
	bool known;

	(void)flags;
	cur_phase = "auth";
	at_config_init(&cfg);
	at_claims_init(&claims);
	if ((ret = forget_previous(pamh)) != PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", NULL, "pam_env", &claims);
		goto out;
	}
	if ((ret = load_options(pamh, argc, argv, &cfg, &log)) != PAM_SUCCESS)
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

	if ((r = at_verifier_from_config(&v, &cfg, geteuid(), &log)) != AT_OK) {
		log_result(pamh, LOG_ERR, "refused", user, at_err_reason(r),
			   &claims);
		ret = at_err_to_pam(r);
		goto out;
	}

	/* Asked before the prompt, acted on after: an unknown user is still
	 * prompted, so the conversation does not tell who exists. */
	known = pam_modutil_getpwnam(pamh, user) != NULL;

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
		if (!known) {
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
	if ((ret = remember_exp(pamh, &claims, cfg.leeway)) != PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", user, "pam_data", &claims);
		goto out;
	}
	if ((ret = export_claims(pamh, &claims)) != PAM_SUCCESS) {
		log_result(pamh, LOG_ERR, "refused", user, "pam_env", &claims);
		(void)forget_previous(pamh);
		goto out;
	}
	log_result(pamh, LOG_INFO, "accepted", user, "ok", &claims);
	ret = PAM_SUCCESS;
out:
	at_strfreezero(cred);
	at_claims_free(&claims);
	at_verifier_free(v);
	at_config_free(&cfg);
	return ret;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/*
 * Account phase: a JWT accepted by the auth phase of this handle must
 * still be unexpired, with the leeway the auth line had, when the account
 * is checked, which for sudo or an sshd password login can be long after
 * the prompt.  That verdict comes first, so that nothing about the account
 * line's own options can hide an expired token.  Nothing to say otherwise
 * (HMAC, no exp, auth by another module or in another handle):
 * PAM_IGNORE, once the options have loaded (a broken configuration fails
 * closed here too; no secret_file is needed).
 */
PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct at_log log = { log_to_pam, pamh, false };
	struct at_config cfg;
	struct at_claims claims;
	const void *data = NULL, *user = NULL;
	const struct exp_data *d;
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
		if (at_exp_check(d->exp, d->leeway, time(NULL)) != AT_OK) {
			claims.method = AT_METHOD_JWT;
			log_result(pamh, LOG_NOTICE, "rejected", user,
				   at_err_reason(AT_ERR_EXPIRED), &claims);
			ret = PAM_PERM_DENIED;
			goto out;
		}
	}
	if ((ret = load_options(pamh, argc, argv, &cfg, &log)) != PAM_SUCCESS)
		goto out;
	if (cfg.debug)
		mod_syslog(pamh, LOG_DEBUG, "%s: ignored",
			   data != NULL ? "JWT still valid"
					: "no JWT accepted in this handle");
	ret = PAM_IGNORE;
out:
	at_claims_free(&claims);
	at_config_free(&cfg);
	return ret;
}
