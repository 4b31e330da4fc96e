/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pam tests read what the module logs: libpam's pam_syslog() ends in
 * syslog(3), which tests/common/test_syslog.c defines in the test
 * executable (openlog, closelog, syslog, vsyslog and glibc's _chk
 * variants), so that every line reaches test_syslog_capture(), which
 * each test program defines.  Needs PAM_WRAPPER_USE_SYSLOG and no
 * RTLD_DEEPBIND (tests/pam/meson.build).
 */
#ifndef TEST_SYSLOG_H
#define TEST_SYSLOG_H

#include <stdarg.h>

void test_syslog_capture(int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif /* TEST_SYSLOG_H */
