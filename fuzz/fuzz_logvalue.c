/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_logvalue.c - at_log_value() read back by the documented grammar
 * (tests/common/test_logfmt.c): the first input byte picks the buffer
 * size, the rest up to a NUL is the value.  The output must be printable
 * ASCII shorter than the buffer, one value of the grammar, and give back
 * the input (or a prefix of it, marked cut).  The whole input is also fed
 * to the line parser, which must not crash on anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"
#include "test_logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *buf, *line;
	const char *p;
	size_t cap, i, n;
	struct logfmt_value v;
	struct logfmt_line l;

	if (size == 0)
		return 0;
	cap = AT_LOG_VALUE_MIN + data[0] % 248;
	if ((s = malloc(size)) == NULL || (buf = malloc(cap)) == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	n = strlen(s);
	at_log_value(buf, cap, data[0] == 0xff ? NULL : s);
	if (strlen(buf) >= cap)
		abort();
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] > 0x7e)
			abort();
	p = buf;
	if (logfmt_read_value(&p, &v) != 0 || *p != '\0')
		abort();
	if (data[0] == 0xff) {
		if (v.text != NULL)
			abort();
	} else if (v.text == NULL || v.len > n ||
		   memcmp(v.text, s, v.len) != 0 || (!v.cut && v.len != n)) {
		abort();
	}
	logfmt_value_free(&v);

	if ((line = malloc(size + 1)) == NULL)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	if (logfmt_parse(line, &l) == 0)
		logfmt_free(&l);
	free(line);
	free(buf);
	free(s);
	return 0;
}
