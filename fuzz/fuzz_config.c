/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c - config file, user map, secret file and login.defs
 * parsing: the input is written to a private file (mode 0600) and loaded
 * as a config file, as a user map, as a secret file
 * (at_verifier_load_secrets() and at_secret_file_get(), the line rules of
 * at_secret_next_line()) and as login.defs (at_login_defs_read(), and
 * at_login_defs_parse() on the raw bytes, NULs included).
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[2] = { NULL, "secret_file=/nonexistent" };
	char arg[96];
	struct at_config cfg;
	struct at_verifier *v = NULL;
	unsigned char *key = NULL;
	size_t keylen = 0;
	struct at_uid_range range, again;
	enum at_err r;
	int fd;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/at-fuzz-config-%ld",
			 (long)getpid());
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	snprintf(arg, sizeof(arg), "config=%s", path);
	argv[0] = arg;
	at_config_init(&cfg);
	(void)at_config_load(&cfg, 2, argv, "/nonexistent", geteuid(), NULL);
	if (at_verifier_new(&v, &cfg, NULL) == AT_OK) {
		(void)at_verifier_load_user_map(v, path, geteuid());
		(void)at_verifier_load_secrets(v, path, geteuid());
		(void)at_verifier_load_method_secrets(v, AT_METHOD_JWT, path,
						      geteuid());
	}
	at_verifier_free(v);
	if (at_secret_file_get(path, geteuid(), NULL, 1, &key, &keylen) ==
	    AT_OK)
		at_freezero(key, keylen);
	at_config_clear(&cfg);
	/* A refusal leaves the default behind, and the file and the buffer
	 * agree (but over AT_MAX_FILE bytes, where only the file is
	 * refused). */
	r = at_login_defs_read(path, geteuid(), NULL, &range);
	if (r != AT_OK && (range.min != AT_DEFAULT_UID_MIN ||
			   range.max != AT_DEFAULT_UID_MAX))
		abort();
	/* An accepted range is never empty. */
	if (r == AT_OK && range.max < range.min)
		abort();
	if (size <= AT_MAX_FILE &&
	    (at_login_defs_parse((const char *)data, size, path, NULL,
				 &again) != r ||
	     again.min != range.min || again.max != range.max))
		abort();
	/* The policy never opens root, nobody or (uid_t)-1. */
	if (r == AT_OK &&
	    (at_uid_classify(0, &range) == AT_UID_NORMAL ||
	     at_uid_classify(AT_NOBODY_UID, &range) == AT_UID_NORMAL ||
	     at_uid_classify((uid_t)-1, &range) == AT_UID_NORMAL))
		abort();
	unlink(path);
	return 0;
}
