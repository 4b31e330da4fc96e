/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_store_url.c - at_store_url_parse() on any bytes (up to the first
 * NUL): no crash, no leak, one log line on a refusal and none on success,
 * and every URL it accepts holds what at_store.h promises: an absolute,
 * plain, printable path; a host of the allowed characters; a port in
 * 1..65535 and a database in 0..15.  An accepted URL rebuilt from its
 * parts parses to the same parts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int lines;

static void fuzz_log(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
fuzz_log(void *ctx, int prio, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t i;

	(void)ctx;
	(void)prio;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] > 0x7e)
			abort();
	lines++;
}

static const struct at_log flog = {fuzz_log, NULL, false};

/* The rules url_path_ok() promises. */
static void
check_path(const char *p)
{
	size_t n = strlen(p), i;

	if (n < 2 || p[0] != '/' || p[n - 1] == '/' ||
	    strstr(p, "//") != NULL || strstr(p, "/./") != NULL ||
	    strstr(p, "/../") != NULL || strpbrk(p, "%?#") != NULL ||
	    (n >= 2 && strcmp(p + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(p + n - 3, "/..") == 0))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			abort();
}

static void
same(const struct at_store_url *a, const struct at_store_url *b)
{
	if (a->kind != b->kind || a->port != b->port || a->db != b->db ||
	    a->tls != b->tls || (a->path == NULL) != (b->path == NULL) ||
	    (a->host == NULL) != (b->host == NULL) ||
	    (a->user == NULL) != (b->user == NULL) ||
	    (a->path != NULL && strcmp(a->path, b->path) != 0) ||
	    (a->host != NULL && strcmp(a->host, b->host) != 0) ||
	    (a->user != NULL && strcmp(a->user, b->user) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct at_store_url u, again;
	char *url, rebuilt[AT_STORE_MAX_URL * 2 + 64];
	enum at_err r;

	if ((url = malloc(size + 1)) == NULL)
		abort();
	memcpy(url, data, size);
	url[size] = '\0';
	lines = 0;
	r = at_store_url_parse(url, &flog, &u);
	if (r != AT_OK) {
		if ((r != AT_ERR_CONFIG && r != AT_ERR_NOMEM) ||
		    (r == AT_ERR_CONFIG && lines != 1))
			abort();
		at_store_url_clear(&u);
		free(url);
		return 0;
	}
	if (lines != 0 || strlen(url) > AT_STORE_MAX_URL || u.db > 15)
		abort();
	switch (u.kind) {
	case AT_STORE_SQLITE:
		if (u.path == NULL || u.host != NULL || u.user != NULL ||
		    strcmp(u.path, url + strlen("sqlite:")) != 0)
			abort();
		check_path(u.path);
		snprintf(rebuilt, sizeof(rebuilt), "sqlite:%s", u.path);
		break;
	case AT_STORE_REDIS_UNIX:
		if (u.path == NULL || u.host != NULL ||
		    (u.user != NULL && (u.user[0] == '\0' ||
					strpbrk(u.user, "@:/?#[]% ") != NULL)))
			abort();
		check_path(u.path);
		snprintf(rebuilt, sizeof(rebuilt), "redis+unix://%s%s%s?db=%u",
			 u.user != NULL ? u.user : "",
			 u.user != NULL ? "@" : "", u.path, u.db);
		break;
	case AT_STORE_REDIS_TCP:
		if (u.host == NULL || u.path != NULL || u.host[0] == '\0' ||
		    u.port < 1 || u.port > 65535 ||
		    strspn(u.host,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
			   "QRSTUVWXYZ0123456789-.:") != strlen(u.host) ||
		    (u.user != NULL && (u.user[0] == '\0' ||
					strpbrk(u.user, "@:/?#[]% ") != NULL)))
			abort();
		snprintf(rebuilt, sizeof(rebuilt), "%s://%s%s%s%s%s:%u/%u",
			 u.tls ? "rediss" : "redis",
			 u.user != NULL ? u.user : "",
			 u.user != NULL ? "@" : "",
			 strchr(u.host, ':') != NULL ? "[" : "", u.host,
			 strchr(u.host, ':') != NULL ? "]" : "", u.port, u.db);
		break;
	default:
		abort();
	}
	/* Rebuilt, it may be longer than the limit; else it must agree. */
	if (strlen(rebuilt) <= AT_STORE_MAX_URL) {
		if (at_store_url_parse(rebuilt, &flog, &again) != AT_OK)
			abort();
		same(&u, &again);
		at_store_url_clear(&again);
	}
	at_store_url_clear(&u);
	free(url);
	return 0;
}
