/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store_redis.c - the redis backend of the state store (at_store.h).
 * Placeholder while the backend is written: it refuses to open, so a
 * store= of this kind fails closed (store_error).
 */
#include <syslog.h>

#include "at_store.h"

enum at_err
at_store_redis_open(struct at_store *s, const struct at_store_url *u,
		    const char *password, size_t passwordlen)
{
	(void)u;
	(void)password;
	(void)passwordlen;
	at_log(s->log, LOG_ERR, "store: the redis backend is not built yet");
	return AT_ERR_STORE;
}
