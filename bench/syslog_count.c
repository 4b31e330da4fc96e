/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * syslog_count.c - LD_PRELOAD counter of the syslog(3) calls a process
 * makes (syslog, vsyslog and their _FORTIFY_SOURCE forms), passed on to
 * libc; the count is printed to stderr at exit.  For bench_pam: how many
 * lines one authentication logs.  SYSLOG_COUNT_SHOW=1 also prints each
 * line's format to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static atomic_ulong calls;

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap);
void __syslog_chk(int prio, int flag, const char *fmt, ...);

static void
pass_on(int prio, const char *fmt, va_list ap)
{
	void (*real)(int, const char *, va_list) =
		(void (*)(int, const char *, va_list))dlsym(RTLD_NEXT,
							    "vsyslog");

	atomic_fetch_add(&calls, 1);
	if (getenv("SYSLOG_COUNT_SHOW") != NULL) {
		char line[1024];
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(line, sizeof(line), fmt, copy);
		va_end(copy);
		fprintf(stderr, "syslog_count: <%d> %s\n", prio, line);
	}
	if (real != NULL)
		real(prio, fmt, ap);
}

void
vsyslog(int prio, const char *fmt, va_list ap)
{
	pass_on(prio, fmt, ap);
}

void
__vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	pass_on(prio, fmt, ap);
}

void
syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass_on(prio, fmt, ap);
	va_end(ap);
}

void
__syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	pass_on(prio, fmt, ap);
	va_end(ap);
}

__attribute__((destructor)) static void
report(void)
{
	fprintf(stderr, "syslog_count: %lu syslog calls\n",
		(unsigned long)atomic_load(&calls));
}
