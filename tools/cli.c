/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.c - helpers shared by the agentictrust subcommands (cli.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

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

char *
cli_abs_path(const char *path, const char *opt)
{
	char cwd[PATH_MAX], *out;
	size_t clen, plen;

	if (path[0] == '\0') {
		fprintf(stderr, "agentictrust: %s: empty path\n", opt);
		return NULL;
	}
	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr,
			"agentictrust: %s %s: cannot resolve against the "
			"current directory: %s\n",
			opt, cli_printable(path), strerror(errno));
		return NULL;
	}
	/* Too long a result is the library's to refuse, by its name. */
	clen = strlen(cwd);
	plen = strlen(path);
	if ((out = malloc(clen + 1 + plen + 1)) == NULL)
		return NULL;
	memcpy(out, cwd, clen);
	/* getcwd() gives "/" for the root: no "//" in what is shown. */
	if (clen > 0 && cwd[clen - 1] == '/')
		clen--;
	out[clen] = '/';
	memcpy(out + clen + 1, path, plen + 1);
	return out;
}

/* n decimal digits at s, into *v; false on anything else. */
static bool
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * "+90s", "-5m", "+2h", "+1d" from now.  The unit is required: a bare
 * "+90" would be a guess between seconds and minutes.
 */
static bool
parse_relative(const char *s, time_t now, int64_t *out)
{
	uint64_t v, unit;
	size_t len = strlen(s);
	int64_t t;

	if (len < 3 || (s[0] != '+' && s[0] != '-'))
		return false;
	switch (s[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return false;
	}
	if (!at_parse_decimal(s + 1, len - 2, CLI_REL_MAX / unit, &v))
		return false;
	t = (int64_t)now + (s[0] == '-' ? -1 : 1) * (int64_t)(v * unit);
	if (t < 1 || t > CLI_TIME_MAX)
		return false;
	*out = t;
	return true;
}

/*
 * Nothing but the forms documented in cli.h: a local time or a date
 * without a time would be a guess about which second was meant, and a
 * wrong cut-off either locks an agent out or lets a leaked token in.
 */
bool
cli_parse_time(const char *s, time_t now, bool relative, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	struct tm tm;
	uint64_t v;
	int y, mo, d, h, mi, sec, dim;
	time_t t;

	if (strcmp(s, "now") == 0) {
		*out = (int64_t)now;
		return true;
	}
	if (relative && (s[0] == '+' || s[0] == '-'))
		return parse_relative(s, now, out);
	if (at_parse_decimal(s, strlen(s), (uint64_t)CLI_TIME_MAX, &v)) {
		if (v == 0)
			return false;
		*out = (int64_t)v;
		return true;
	}
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
	    !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59)
		return false;
	dim = mdays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0);
	if (d < 1 || d > dim)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) <= 0)
		return false;
	*out = (int64_t)t;
	return true;
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

void
cli_fmt_iso(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}
