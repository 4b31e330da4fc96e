/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_logfmt.h - a strict reader of the module's log lines, written from
 * the documented format (README "Results and log lines"), not from the
 * module's code: the tests read every line back with it and compare the
 * fields with what really happened.
 *
 *   line    = module "(" value ":" phase "):" SP verdict *(SP key "=" value)
 *             [":" SP text]
 *   value   = "-"                      (no value: NULL)
 *           / 1*safe                   (bare; never exactly "-")
 *           / DQUOTE *qchar DQUOTE     (quoted)
 *   safe    = ALPHA / DIGIT / "." / "_" / "-" / "@" / "/" / "+"
 *   qchar   = printable ASCII but DQUOTE and "\" / "\" DQUOTE / "\\"
 *           / "\x" 2(lowercase hex digit)
 *
 * A quoted value whose text ends in "..." was cut: the value starts with
 * what precedes the dots.  The writer never ends a complete quoted value
 * with a literal ".", so this cannot happen by accident.  Keys and the
 * verdict are [a-z_]+; a key may appear once.
 */
#ifndef TEST_LOGFMT_H
#define TEST_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>

#define LOGFMT_MAX_FIELDS 16

struct logfmt_value {
	char *text;	/* owned; NULL for "-" */
	size_t len;	/* bytes of text (it may hold a NUL only if escaped) */
	bool cut;	/* the writer truncated it: text is a prefix */
};

struct logfmt_line {
	char module[64];
	struct logfmt_value service;	/* from the prefix */
	char phase[16];
	char verdict[32];
	size_t nfields;
	struct {
		char key[32];
		struct logfmt_value value;
	} fields[LOGFMT_MAX_FIELDS];
	char *text;	/* owned: what follows ": " at the end, or NULL */
};

/*
 * Read one value at *p (advanced past it).  Returns 0, or -1 when the
 * bytes are not a value of the grammar, or not in the canonical form the
 * writer emits (a quoted value that could be bare, uppercase hex, an
 * escape of a byte that needs none).
 */
int logfmt_read_value(const char **p, struct logfmt_value *v);

/* Parse a whole line.  Returns 0 or -1 (and frees what it allocated). */
int logfmt_parse(const char *line, struct logfmt_line *out);
void logfmt_free(struct logfmt_line *l);
void logfmt_value_free(struct logfmt_value *v);

/* The field's value, or NULL when the key is absent. */
const struct logfmt_value *logfmt_get(const struct logfmt_line *l,
				      const char *key);

/* True when v holds exactly the len bytes of s (a NULL s: v is "-"). */
bool logfmt_value_is(const struct logfmt_value *v, const char *s,
		     size_t len);

#endif
