/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_map.c - agentictrust map compile|check MAP: the user map's compiled
 * index (MAP.cdb, lib/at_user_map.c), for services that start a process
 * per login (sshd, sudo, su) and would otherwise parse the whole map on
 * every authentication.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "at.h"
#include "cli.h"

#define MAP_OK 0
#define MAP_ERRORS 1
#define MAP_USAGE 2
#define MAP_STALE 3

static void
map_usage(FILE *f)
{
	fprintf(f,
		"usage: agentictrust map compile MAP\n"
		"       agentictrust map check MAP\n"
		"\n"
		"compile  parse the user map MAP (every rule the module "
		"applies) and write its\n"
		"         compiled index MAP" AT_MAP_CDB_SUFFIX " beside it "
		"(a new file renamed into place,\n"
		"         with MAP's mode); the module uses it only while it "
		"was built from\n"
		"         exactly the current text.  Run it again after every "
		"change to MAP.\n"
		"check    report every bad line of MAP, its entries, and "
		"which form the module\n"
		"         uses: the text, the compiled index (current), or "
		"the text because the\n"
		"         index is stale.  Exit 0, 1 on an error, 3 when the "
		"index is stale.\n"
		"Both check MAP and MAP" AT_MAP_CDB_SUFFIX " as the module "
		"does: owned by root or you, no\n"
		"group/other write, safe directories.\n");
}

static int
map_compile(const char *path)
{
	enum at_err r;
	size_t n = 0;

	r = at_user_map_compile(path, geteuid(), &cli_log, &n);
	if (r != AT_OK) {
		fprintf(stderr, "agentictrust: map compile %s: %s\n",
			cli_printable(path), at_strerror(r));
		return MAP_ERRORS;
	}
	printf("ok: %s" AT_MAP_CDB_SUFFIX ": %zu entr%s compiled from %s\n",
	       cli_printable(path), n, n == 1 ? "y" : "ies",
	       cli_printable(path));
	return MAP_OK;
}

static int
map_check(const char *path)
{
	enum at_err r;
	struct at_user_map *m = NULL;
	enum at_map_form form;
	struct stat st;
	const char *id, *user;
	char *buf = NULL;
	size_t len = 0, k, users = 0;
	unsigned int bad = 0, line, first;
	int fd = -1, ret = MAP_ERRORS;

	r = at_file_open(path, AT_FILE_CONFIG, geteuid(), false, &cli_log, &fd,
			 &st);
	if (r != AT_OK)
		goto out;
	r = at_file_read_fd(fd, &st, AT_MAP_MAX_FILE, path, AT_FILE_CONFIG,
			    &cli_log, &buf, &len);
	if (r != AT_OK || (r = at_user_map_new(&m)) != AT_OK)
		goto out;
	/* Every bad line, not only the first (the module stops there). */
	r = at_user_map_parse(m, buf, len, path, &cli_log, true, &bad);
	if (r != AT_OK && r != AT_ERR_FILE)
		goto out;
	if (bad > 0) {
		printf("error: user map %s: %u bad line%s: the module refuses "
		       "it\n",
		       cli_printable(path), bad, bad == 1 ? "" : "s");
		goto out;
	}
	for (k = 0; at_user_map_entry(m, k, &id, &user, &line, &first); k++)
		if (first == 0)
			users++;
	printf("ok: user map %s: %zu entr%s, %zu local user%s\n",
	       cli_printable(path), at_user_map_count(m),
	       at_user_map_count(m) == 1 ? "y" : "ies", users,
	       users == 1 ? "" : "s");
	at_user_map_unref(m);
	m = NULL;
	/* What the module would do now, without the process cache. */
	r = at_user_map_load(path, geteuid(), &cli_log, AT_MAP_LOAD_NOCACHE,
			     &m, &form);
	if (r != AT_OK)
		goto out;
	switch (form) {
	case AT_MAP_TEXT:
		printf("ok: the module reads the text (no %s" AT_MAP_CDB_SUFFIX
		       ")\n",
		       cli_printable(path));
		ret = MAP_OK;
		break;
	case AT_MAP_COMPILED:
		printf("ok: the module uses the compiled index %s"
		       AT_MAP_CDB_SUFFIX " (built from this text)\n",
		       cli_printable(path));
		ret = MAP_OK;
		break;
	case AT_MAP_STALE:
		printf("warning: %s" AT_MAP_CDB_SUFFIX " was built from other "
		       "text: the module reads the text on every "
		       "authentication; run agentictrust map compile %s\n",
		       cli_printable(path), cli_printable(path));
		ret = MAP_STALE;
		break;
	}
out:
	at_user_map_unref(m);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int
cmd_map(int argc, char **argv)
{
	char *abs = NULL;
	int ret;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		map_usage(stdout);
		return MAP_OK;
	}
	if (argc != 3 || (strcmp(argv[1], "compile") != 0 &&
			  strcmp(argv[1], "check") != 0)) {
		map_usage(stderr);
		return MAP_USAGE;
	}
	if ((abs = cli_abs_path(argv[2], "MAP")) == NULL)
		return MAP_ERRORS;
	ret = strcmp(argv[1], "compile") == 0 ? map_compile(abs)
					      : map_check(abs);
	free(abs);
	return ret;
}
