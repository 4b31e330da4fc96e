/* SPDX-License-Identifier: BSD-3-Clause */
/* syslog(3) in the test executable: every line to test_syslog_capture(). */
#include <syslog.h>

#include "test_syslog.h"

void __syslog_chk(int prio, int flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

void
openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

void
closelog(void)
{
}

void
vsyslog(int prio, const char *fmt, va_list ap)
{
	test_syslog_capture(prio, fmt, ap);
}

void
syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_syslog_capture(prio, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	test_syslog_capture(prio, fmt, ap);
}

void
__syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	test_syslog_capture(prio, fmt, ap);
	va_end(ap);
}
