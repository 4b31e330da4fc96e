/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.c - helpers shared by the agentictrust subcommands (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"

static void log_to_stderr(void *ctx, int prio, const char *fmt, va_list ap)
	AT_PRINTF(3, 0);

static void
log_to_stderr(void *ctx, int prio, const char *fmt, va_list ap)
{
	const char *what = prio <= LOG_ERR ? "error" :
			   prio == LOG_DEBUG ? "debug" : "note";

	(void)ctx;
	fprintf(stderr, "agentictrust: %s: ", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

struct at_log cli_log = { log_to_stderr, NULL, false };

int
cli_read_stdin(char **out, size_t *outlen)
{
	size_t cap = CLI_MAX_STDIN, n;
	char *buf = malloc(cap + 1);

	*out = NULL;
	*outlen = 0;
	if (buf == NULL)
		return -1;
	n = fread(buf, 1, cap, stdin);
	/* All of it or nothing: a credential judged on a cut-off prefix
	 * could be accepted here and refused by the module. */
	if (ferror(stdin) || (n == cap && fgetc(stdin) != EOF)) {
		at_freezero(buf, cap + 1);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

const char *
cli_printable(const char *s)
{
	if (s == NULL)
		return "-";
	if (strlen(s) > 1024 || !at_str_printable(s, strlen(s)))
		return "(unprintable)";
	return s;
}

int
cli_find_modules(const char *dir, const char *service, struct pamd_stack *st,
		 size_t **idx, size_t *n, char *err, size_t errlen)
{
	size_t i, *found = NULL;

	*idx = NULL;
	*n = 0;
	if (pamd_load(st, dir, service, "auth", err, errlen) != 0)
		return -1;
	if ((found = calloc(st->n + 1, sizeof(*found))) == NULL) {
		snprintf(err, errlen, "out of memory");
		pamd_stack_free(st);
		return -1;
	}
	for (i = 0; i < st->n; i++)
		if (st->entries[i].kind == PAMD_MODULE &&
		    strcmp(pamd_basename(st->entries[i].module),
			   CLI_MODULE_NAME) == 0)
			found[(*n)++] = i;
	*idx = found;
	return 0;
}

const char **
cli_module_argv(const struct pamd_entry *e, int nextra, char *const *extra,
		int *argc)
{
	const char **v;
	int i, base = e != NULL ? e->argc : 0;

	*argc = 0;
	if (nextra < 0)
		nextra = 0;
	if ((v = calloc((size_t)base + (size_t)nextra + 1, sizeof(*v))) ==
	    NULL)
		return NULL;
	for (i = 0; i < base; i++)
		v[i] = e->argv[i];
	for (i = 0; i < nextra; i++)
		v[base + i] = extra[i];
	*argc = base + nextra;
	return v;
}

void
cli_entry_str(const struct pamd_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s %s%s%s %s", e->silent ? "-" : "", e->type,
		 e->bracketed ? "[" : "", cli_printable(e->control),
		 e->bracketed ? "]" : "", cli_printable(e->module));
}

void
cli_args_str(int argc, const char *const *argv, char *buf, size_t len)
{
	size_t used = 0;
	int i, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (argc == 0) {
		snprintf(buf, len, "(none)");
		return;
	}
	for (i = 0; i < argc; i++) {
		const char *a = cli_printable(argv[i]);
		bool blank = strchr(a, ' ') != NULL || strchr(a, '\t') != NULL;

		/* Show "[...]" where pam.d needs it: a value with blanks. */
		n = snprintf(buf + used, len - used, "%s%s%s%s",
			     i > 0 ? " " : "", blank ? "[" : "", a,
			     blank ? "]" : "");
		if (n < 0 || (size_t)n >= len - used) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}
