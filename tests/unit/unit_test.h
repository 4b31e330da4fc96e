/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit_test.h - helpers shared by the cmocka unit tests in tests/unit:
 * assert_at() for enum at_err results, the injected clock, and a log sink
 * that captures what lib logs into a buffer a test can search.
 */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "at.h"
#include "test_common.h"

/* Fail, naming both codes and their reason tags, unless actual == expected. */
#define assert_at(actual, expected)                                            \
	do {                                                                   \
		enum at_err a_ = (actual), e_ = (expected);                    \
		if (a_ != e_)                                                  \
			fail_msg("got %d (%s), want %d (%s)", (int)a_,         \
				 at_err_reason(a_), (int)e_,                   \
				 at_err_reason(e_));                           \
	} while (0)

/*
 * An at_clock_fn for at_verifier_set_clock(): the time is *(time_t *)ctx,
 * so a test moves the clock by changing the time_t it passed.
 */
static inline time_t
unit_fixed_clock(void *ctx)
{
	return *(const time_t *)ctx;
}

/*
 * A log capture: pass &log to lib; every message it emits is appended to
 * buf as one "\n"-terminated line until buf is full (the message that
 * reaches the end is cut short).  Set up with unit_log_init().
 */
struct unit_log {
	struct at_log log;
	char buf[8192];
};

/* The at_log_fn behind struct unit_log; ctx is the struct unit_log. */
static inline void unit_log_sink(void *ctx, int prio, const char *fmt,
				 va_list ap) AT_PRINTF(3, 0);

static inline void
unit_log_sink(void *ctx, int prio, const char *fmt, va_list ap)
{
	struct unit_log *ul = ctx;
	size_t used = strlen(ul->buf);

	(void)prio;
	if (used + 1 < sizeof(ul->buf)) {
		vsnprintf(ul->buf + used, sizeof(ul->buf) - used - 1, fmt, ap);
		strcat(ul->buf, "\n");
	}
}

/* Empty the buffer and route ul->log to it, LOG_DEBUG included. */
static inline void
unit_log_init(struct unit_log *ul)
{
	ul->buf[0] = '\0';
	ul->log.fn = unit_log_sink;
	ul->log.ctx = ul;
	ul->log.debug = true;
}

/*
 * The fixture of the suites that verify credentials (test_at_jwt.c,
 * test_at_verify.c): the default config, a verifier on it holding
 * TEST_SECRET whose clock is the injected one reading now, and claims to
 * verify into.  The verifier borrows cfg, so a test may change the policy
 * after setup.
 */
struct unit_verifier {
	struct at_config cfg;
	struct at_verifier *v;
	struct at_claims claims;
	time_t now;
};

/* Undo unit_verifier_new(); uv may be NULL. */
static inline void
unit_verifier_free(struct unit_verifier *uv)
{
	if (uv == NULL)
		return;
	at_claims_clear(&uv->claims);
	at_verifier_free(uv->v);
	at_config_clear(&uv->cfg);
	free(uv);
}

/* A new fixture with the clock at now; NULL on failure. */
static inline struct unit_verifier *
unit_verifier_new(time_t now)
{
	struct unit_verifier *uv = calloc(1, sizeof(*uv));

	if (uv == NULL)
		return NULL;
	at_config_init(&uv->cfg);
	at_claims_init(&uv->claims);
	if (at_verifier_new(&uv->v, &uv->cfg, NULL) != AT_OK ||
	    at_verifier_add_secret(uv->v, TEST_SECRET, strlen(TEST_SECRET)) !=
		    AT_OK) {
		unit_verifier_free(uv);
		return NULL;
	}
	uv->now = now;
	at_verifier_set_clock(uv->v, unit_fixed_clock, &uv->now);
	return uv;
}

#endif
