/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_api.c - the heap objects and accessors through which programs linking
 * libagentictrust.so use struct at_config and struct at_claims, whose
 * layouts agentictrust.h keeps opaque (at.h has them), so that fields can
 * be added without a SONAME change.
 */
#include <stdlib.h>

#include "at.h"

struct at_config *
at_config_alloc(void)
{
	struct at_config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	at_config_init(cfg);
	return cfg;
}

enum at_err
at_config_new(struct at_config **out)
{
	if ((*out = at_config_alloc()) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

void
at_config_free(struct at_config *cfg)
{
	at_config_clear(cfg);
	free(cfg);
}

unsigned int
at_config_leeway(const struct at_config *cfg)
{
	return cfg->leeway;
}

struct at_claims *
at_claims_alloc(void)
{
	struct at_claims *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	at_claims_init(c);
	return c;
}

enum at_err
at_claims_new(struct at_claims **out)
{
	if ((*out = at_claims_alloc()) == NULL)
		return AT_ERR_NOMEM;
	return AT_OK;
}

void
at_claims_free(struct at_claims *c)
{
	at_claims_clear(c);
	free(c);
}

enum at_method
at_claims_method(const struct at_claims *c)
{
	return c->method;
}

int
at_claims_secret_index(const struct at_claims *c)
{
	return c->secret_index;
}

const char *
at_claims_fingerprint(const struct at_claims *c)
{
	return c->fp[0] != '\0' ? c->fp : NULL;
}

const char *
at_claims_sub(const struct at_claims *c)
{
	return c->sub;
}

const char *
at_claims_email(const struct at_claims *c)
{
	return c->email;
}

const char *
at_claims_name(const struct at_claims *c)
{
	return c->name;
}

const char *
at_claims_iss(const struct at_claims *c)
{
	return c->iss;
}

const char *
at_claims_kid(const struct at_claims *c)
{
	return c->kid;
}

const char *
at_claims_local_user(const struct at_claims *c)
{
	return c->local_user;
}

/* A time claim and its presence; *t is 0 when absent. */
static bool
time_claim(bool has, double value, double *t)
{
	*t = has ? value : 0;
	return has;
}

bool
at_claims_exp(const struct at_claims *c, double *t)
{
	return time_claim(c->has_exp, c->exp, t);
}

bool
at_claims_nbf(const struct at_claims *c, double *t)
{
	return time_claim(c->has_nbf, c->nbf, t);
}

bool
at_claims_iat(const struct at_claims *c, double *t)
{
	return time_claim(c->has_iat, c->iat, t);
}
