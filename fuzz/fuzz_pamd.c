/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pamd.c - the CLI's pam.d reader (tools/pamd.c): the input is split
 * at its first NUL into two files of a private directory, "svc" and
 * "common" (so "@include common", "auth include svc" and loops reach real
 * files), "svc" is loaded for every type and for "auth", and every
 * pamd_skips() pair of the result is evaluated.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void
remove_dir(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/svc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/common", dir);
	unlink(path);
	rmdir(dir);
}

static void
write_file(const char *name, const uint8_t *p, size_t n)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void
load(const char *type)
{
	struct pamd_stack st;
	char err[512];
	size_t i, j;

	pamd_stack_init(&st);
	if (pamd_load(&st, dir, "svc", type, err, sizeof(err)) == 0) {
		for (i = 0; i < st.n; i++)
			for (j = i + 1; j < st.n && j < i + 64; j++)
				(void)pamd_skips(&st, i, j);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		abort(); /* the reason must be a terminated string */
	}
	pamd_stack_free(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t first = nul != NULL ? (size_t)(nul - data) : size;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/at-fuzz-pamd-%ld",
			 (long)getpid());
		if (mkdir(dir, 0700) != 0)
			abort();
		atexit(remove_dir);
	}
	write_file("svc", data, first);
	write_file("common", nul != NULL ? nul + 1 : data,
		   nul != NULL ? size - first - 1 : 0);
	load(NULL);
	load("auth");
	return 0;
}
