/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * at_store_sqlite.c - the sqlite backend of the state store (at_store.h).
 * Placeholder while the backend is written: it refuses to open, so a
 * store= of this kind fails closed (store_error).
 */
#include <syslog.h>

#include "at_store.h"

enum at_err
at_store_sqlite_open(struct at_store *s, const struct at_store_url *u,
		     uid_t owner_uid)
{
	(void)u;
	(void)owner_uid;
	at_log(s->log, LOG_ERR, "store: the sqlite backend is not built yet");
	return AT_ERR_STORE;
}
