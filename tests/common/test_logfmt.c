/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_logfmt.c - see test_logfmt.h.  Deliberately independent of lib/:
 * it reads what the documentation says a line is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_logfmt.h"

static bool
is_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '@' || c == '/' || c == '+';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* uppercase is not canonical */
}

void
logfmt_value_free(struct logfmt_value *v)
{
	free(v->text);
	v->text = NULL;
	v->len = 0;
	v->cut = false;
}

static int
read_bare(const char **p, struct logfmt_value *v)
{
	const char *s = *p;
	size_t n = 0;

	while (is_safe((unsigned char)s[n]))
		n++;
	if (n == 0)
		return -1;
	*p = s + n;
	if (n == 1 && s[0] == '-')
		return 0; /* NULL */
	if ((v->text = malloc(n + 1)) == NULL)
		return -1;
	memcpy(v->text, s, n);
	v->text[n] = '\0';
	v->len = n;
	return 0;
}

static int
read_quoted(const char **p, struct logfmt_value *v)
{
	const char *s = *p + 1, *end;
	size_t n = 0, i, rawlen;
	bool all_safe = true;
	char *out;
	int hi, lo;

	/* The raw text runs to the first unescaped quote. */
	for (end = s; *end != '"'; end++) {
		if (*end == '\0')
			return -1;
		if (*end == '\\' && end[1] != '\0')
			end++;
	}
	rawlen = (size_t)(end - s);
	if ((out = malloc(rawlen + 1)) == NULL)
		return -1;
	/* Cut: the raw text ends in three literal dots. */
	if (rawlen >= 3 && memcmp(end - 3, "...", 3) == 0) {
		v->cut = true;
		rawlen -= 3;
	}
	for (i = 0; i < rawlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			goto bad;
		if (c != '\\') {
			if (c == '"')
				goto bad;
			out[n++] = (char)c;
			all_safe = all_safe && is_safe(c);
			continue;
		}
		if (i + 1 >= rawlen)
			goto bad;
		c = (unsigned char)s[++i];
		if (c == '"' || c == '\\') {
			out[n++] = (char)c;
			all_safe = false;
			continue;
		}
		if (c != 'x' || i + 2 >= rawlen ||
		    (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
			goto bad;
		i += 2;
		c = (unsigned char)(hi << 4 | lo);
		/* Only bytes that need it are escaped, and "." only as the
		 * last byte of a complete value. */
		if (c >= 0x20 && c <= 0x7e && c != '.')
			goto bad;
		if (c == '.') {
			if (v->cut || i + 1 != rawlen)
				goto bad;
		}
		out[n++] = (char)c;
		all_safe = all_safe && is_safe(c);
	}
	/* A complete value never ends in a literal "." (no escape ends in
	 * one; it could read as cut), and one that could be bare is bare. */
	if (!v->cut && rawlen > 0 && s[rawlen - 1] == '.')
		goto bad;
	if (!v->cut && n > 0 && all_safe && !(n == 1 && out[0] == '-'))
		goto bad;
	out[n] = '\0';
	v->text = out;
	v->len = n;
	*p = end + 1;
	return 0;
bad:
	free(out);
	v->cut = false;
	return -1;
}

int
logfmt_read_value(const char **p, struct logfmt_value *v)
{
	v->text = NULL;
	v->len = 0;
	v->cut = false;
	if (**p == '"')
		return read_quoted(p, v);
	return read_bare(p, v);
}

/* [a-z_]+ into buf (size cap); advances *p. */
static int
read_word(const char **p, char *buf, size_t cap)
{
	size_t n = 0;

	while (((**p >= 'a' && **p <= 'z') || **p == '_') && n + 1 < cap)
		buf[n++] = *(*p)++;
	buf[n] = '\0';
	if ((**p >= 'a' && **p <= 'z') || **p == '_')
		return -1; /* too long */
	return n > 0 ? 0 : -1;
}

void
logfmt_free(struct logfmt_line *l)
{
	size_t i;

	logfmt_value_free(&l->service);
	for (i = 0; i < l->nfields; i++)
		logfmt_value_free(&l->fields[i].value);
	l->nfields = 0;
	free(l->text);
	l->text = NULL;
}

int
logfmt_parse(const char *line, struct logfmt_line *out)
{
	const char *p = line;
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	/* module: [a-z0-9_]+ up to "(" */
	while (((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		*p == '_') &&
	       n + 1 < sizeof(out->module))
		out->module[n++] = *p++;
	if (n == 0 || *p++ != '(')
		goto bad;
	if (logfmt_read_value(&p, &out->service) != 0 || *p++ != ':')
		goto bad;
	if (read_word(&p, out->phase, sizeof(out->phase)) != 0 ||
	    strncmp(p, "): ", 3) != 0)
		goto bad;
	p += 3;
	if (read_word(&p, out->verdict, sizeof(out->verdict)) != 0)
		goto bad;
	while (*p == ' ') {
		p++;
		if (out->nfields == LOGFMT_MAX_FIELDS)
			goto bad;
		if (read_word(&p, out->fields[out->nfields].key,
			      sizeof(out->fields[0].key)) != 0 ||
		    *p++ != '=')
			goto bad;
		for (i = 0; i < out->nfields; i++)
			if (strcmp(out->fields[i].key,
				   out->fields[out->nfields].key) == 0)
				goto bad; /* a key appears once */
		if (logfmt_read_value(&p, &out->fields[out->nfields].value) !=
		    0)
			goto bad;
		out->nfields++;
	}
	if (*p == ':') {
		if (p[1] != ' ' || (out->text = strdup(p + 2)) == NULL)
			goto bad;
		for (i = 0; out->text[i] != '\0'; i++)
			if ((unsigned char)out->text[i] < 0x20 ||
			    (unsigned char)out->text[i] > 0x7e)
				goto bad;
		p += strlen(p);
	}
	if (*p != '\0')
		goto bad;
	return 0;
bad:
	logfmt_free(out);
	return -1;
}

const struct logfmt_value *
logfmt_get(const struct logfmt_line *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->nfields; i++)
		if (strcmp(l->fields[i].key, key) == 0)
			return &l->fields[i].value;
	return NULL;
}

bool
logfmt_value_is(const struct logfmt_value *v, const char *s, size_t len)
{
	if (v == NULL)
		return false;
	if (s == NULL)
		return v->text == NULL;
	return v->text != NULL && !v->cut && v->len == len &&
	       memcmp(v->text, s, len) == 0;
}
