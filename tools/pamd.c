/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamd.c - read a pam.d service the way Linux-PAM does, bounded, without
 * loading anything.  Line assembly follows libpam's _pam_assemble_line()
 * (leading blanks dropped, '#' to the end of the line is a comment and
 * ends the logical line, a trailing '\' joins the next line with a
 * space), tokens follow _pam_StrTok() ("[...]" is one token, "\]" inside
 * it a literal ']'), controls _pam_parse_control(), and jumps
 * _pam_dispatch_aux().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamd.h"

#define PAMD_UNDEF (-6)

/* Linux-PAM's return value names (pam_tokens.h), index = PAM code. */
static const char *const pamd_returns[] = {
	"success",	     "open_err",	 "symbol_err",
	"service_err",	     "system_err",	 "buf_err",
	"perm_denied",	     "auth_err",	 "cred_insufficient",
	"authinfo_unavail",  "user_unknown",	 "maxtries",
	"new_authtok_reqd",  "acct_expired",	 "session_err",
	"cred_unavail",	     "cred_expired",	 "cred_err",
	"no_module_data",    "conv_err",	 "authtok_err",
	"authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging",
	"try_again",	     "ignore",		 "abort",
	"authtok_expired",   "module_unknown",	 "bad_item",
	"conv_again",	     "incomplete",
};
#define PAMD_NRETURNS (sizeof(pamd_returns) / sizeof(pamd_returns[0]))
#define PAMD_RET_SUCCESS 0
#define PAMD_RET_AUTH_ERR 7
#define PAMD_RET_NEW_AUTHTOK_REQD 12
#define PAMD_RET_IGNORE 25

/* Action names, index = -action (pam_tokens.h _pam_token_actions). */
static const char *const pamd_actions[] = {
	"ignore", "ok", "done", "bad", "die", "reset",
};

static const char *const pamd_types[] = {
	"auth", "account", "password", "session",
};

/* State of one pamd_load() call. */
struct pamd_ctx {
	struct pamd_stack *st;
	const char *dir;
	char *err;
	size_t errlen;
	const char *chain[PAMD_MAX_DEPTH + 1]; /* borrowed: files being read */
	unsigned int nfiles;
};

static int pamd_fail(struct pamd_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void
pamd_scrub(char *s)
{
	unsigned char *u;

	for (u = (unsigned char *)s; *u != '\0'; u++) {
		if (*u < 0x20 || *u == 0x7f)
			*u = '?';
		else if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			u[0] = u[1] = '?';
	}
}

/*
 * Write the reason into c->err; always returns -1.  A reason names files
 * and line numbers and says what was wrong, never what a line holds: the
 * file may be no PAM service at all (--pam-dir /etc --service shadow).
 * An included file is named only once it has been read: a name on a line
 * that cannot be opened is not shown.  Control bytes (C0, DEL, C1 as
 * UTF-8) in the paths become '?': nothing can drive the terminal.
 */
static int
pamd_fail(struct pamd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	pamd_scrub(c->err);
	return -1;
}

void
pamd_stack_init(struct pamd_stack *st)
{
	st->entries = NULL;
	st->n = 0;
}

static void
entry_free(struct pamd_entry *e)
{
	int i;

	free(e->type);
	free(e->control);
	free(e->module);
	free(e->file);
	if (e->argv != NULL)
		for (i = 0; i < e->argc; i++)
			free(e->argv[i]);
	free(e->argv);
	memset(e, 0, sizeof(*e));
}

void
pamd_stack_free(struct pamd_stack *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		entry_free(&st->entries[i]);
	free(st->entries);
	pamd_stack_init(st);
}

const char *
pamd_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

const char *
pamd_action_name(int action, char *buf, size_t len)
{
	if (action > 0)
		snprintf(buf, len, "jump %d", action);
	else if (action <= 0 && action > PAMD_UNDEF)
		snprintf(buf, len, "%s", pamd_actions[-action]);
	else
		snprintf(buf, len, "undefined");
	return buf;
}

/*
 * Read a whole file: a regular file of at most PAMD_MAX_FILE bytes
 * without NUL bytes.  *buf is owned by the caller (free()) and
 * NUL-terminated.  pam.d files are not secret: no wiping.
 */
static int
read_file(struct pamd_ctx *c, const char *path, const char *from,
	  unsigned int fromline, char **buf, size_t *len)
{
	struct stat st;
	char *data = NULL, what[PAMD_MAX_LINE + 64];
	size_t n = 0;
	ssize_t got;
	int fd = -1, ret = -1;

	*buf = NULL;
	*len = 0;
	/* An included file's name is a word of the including line. */
	if (from != NULL)
		snprintf(what, sizeof(what), "%s:%u: the included file", from,
			 fromline);
	else
		snprintf(what, sizeof(what), "%s", path);
	/* Never open a device or FIFO, even without blocking. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		pamd_fail(c, "%s%s not a regular file", what,
			  from != NULL ? " is" : ":");
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (from != NULL)
			pamd_fail(c, "%s:%u: cannot open the included file: %s",
				  from, fromline, strerror(errno));
		else
			pamd_fail(c, "cannot open %s: %s", path,
				  strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		pamd_fail(c, "%s: fstat: %s", what, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		pamd_fail(c, "%s%s not a regular file", what,
			  from != NULL ? " is" : ":");
		goto out;
	}
	if (st.st_size > PAMD_MAX_FILE) {
		pamd_fail(c, "%s: larger than %d bytes", what, PAMD_MAX_FILE);
		goto out;
	}
	/* One byte more than the limit tells a file that grew meanwhile. */
	if ((data = malloc(PAMD_MAX_FILE + 2)) == NULL) {
		pamd_fail(c, "out of memory");
		goto out;
	}
	for (;;) {
		got = read(fd, data + n, PAMD_MAX_FILE + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			pamd_fail(c, "%s: read: %s", what, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > PAMD_MAX_FILE) {
			pamd_fail(c, "%s: larger than %d bytes", what,
				  PAMD_MAX_FILE);
			goto out;
		}
	}
	if (memchr(data, '\0', n) != NULL) {
		pamd_fail(c, "%s: contains a NUL byte", what);
		goto out;
	}
	data[n] = '\0';
	*buf = data;
	*len = n;
	data = NULL; /* transferred */
	ret = 0;
out:
	free(data);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Next token of a line (modified in place), as _pam_StrTok(): blanks
 * separate tokens; a token starting with '[' runs to the first ']' (not
 * included), "\]" standing for ']'.  Returns 1 with *tok set, 0 at the
 * end, -1 for a '[' without its ']'.
 */
static int
next_token(char **p, char **tok, bool *bracketed)
{
	char *s = *p, *to, *end;

	*tok = NULL;
	*bracketed = false;
	s += strspn(s, " \t");
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	if (*s == '[') {
		s++;
		for (to = end = s; *end != '\0' && *end != ']'; to++, end++) {
			if (*end == '\\' && end[1] == ']')
				end++;
			*to = *end;
		}
		if (*end != ']')
			return -1;
		*p = end + 1;
		*to = '\0';
		*tok = s;
		*bracketed = true;
		return 1;
	}
	end = s + strcspn(s, " \t");
	if (*end != '\0')
		*end++ = '\0';
	*p = end;
	*tok = s;
	return 1;
}

/* Parse "N" of a jump: 1..PAMD_MAX_JUMP, digits only. */
static int
parse_jump(const char *s, size_t len, int *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 4)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > PAMD_MAX_JUMP)
		return -1;
	*out = (int)v;
	return 0;
}

/* Fill every still-undefined action with act (_pam_set_default_control). */
static void
set_default(int *actions, int act)
{
	size_t i;

	for (i = 0; i < PAMD_NRETURNS; i++)
		if (actions[i] == PAMD_UNDEF)
			actions[i] = act;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "value=action ..." pairs into actions[] (_pam_parse_control). */
static int
parse_pairs(const char *s, int *actions, const char **why)
{
	const char *name, *act;
	size_t namelen, actlen, i;
	int a;

	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			return 0;
		name = s;
		while (*s != '\0' && *s != '=' && !is_blank(*s))
			s++;
		namelen = (size_t)(s - name);
		while (is_blank(*s))
			s++;
		if (*s != '=') {
			*why = "expecting '='";
			return -1;
		}
		s++;
		while (is_blank(*s))
			s++;
		act = s;
		while (*s != '\0' && !is_blank(*s))
			s++;
		actlen = (size_t)(s - act);
		if (actlen == 0) {
			*why = "expecting an action";
			return -1;
		}
		a = PAMD_UNDEF;
		for (i = 0; i < sizeof(pamd_actions) / sizeof(*pamd_actions);
		     i++)
			if (strlen(pamd_actions[i]) == actlen &&
			    strncmp(pamd_actions[i], act, actlen) == 0)
				a = -(int)i;
		if (a == PAMD_UNDEF && parse_jump(act, actlen, &a) != 0) {
			*why = "unknown action (ignore, ok, done, bad, die, "
			       "reset or a jump 1..1000)";
			return -1;
		}
		if (namelen == 7 && strncmp(name, "default", 7) == 0) {
			set_default(actions, a);
			continue;
		}
		for (i = 0; i < PAMD_NRETURNS; i++)
			if (strlen(pamd_returns[i]) == namelen &&
			    strncmp(pamd_returns[i], name, namelen) == 0)
				break;
		if (i == PAMD_NRETURNS) {
			*why = "unknown return value name";
			return -1;
		}
		actions[i] = a;
	}
}

int
pamd_parse_control(const char *control, bool bracketed, int *on_success,
		   int *on_auth_err, const char **why)
{
	int actions[PAMD_NRETURNS];
	size_t i;

	*why = NULL;
	for (i = 0; i < PAMD_NRETURNS; i++)
		actions[i] = PAMD_UNDEF;
	if (!bracketed && strcasecmp(control, "required") == 0) {
		actions[PAMD_RET_SUCCESS] = PAMD_OK;
		actions[PAMD_RET_NEW_AUTHTOK_REQD] = PAMD_OK;
		actions[PAMD_RET_IGNORE] = PAMD_IGNORE;
		set_default(actions, PAMD_BAD);
	} else if (!bracketed && strcasecmp(control, "requisite") == 0) {
		actions[PAMD_RET_SUCCESS] = PAMD_OK;
		actions[PAMD_RET_NEW_AUTHTOK_REQD] = PAMD_OK;
		actions[PAMD_RET_IGNORE] = PAMD_IGNORE;
		set_default(actions, PAMD_DIE);
	} else if (!bracketed && strcasecmp(control, "optional") == 0) {
		actions[PAMD_RET_SUCCESS] = PAMD_OK;
		actions[PAMD_RET_NEW_AUTHTOK_REQD] = PAMD_OK;
		set_default(actions, PAMD_IGNORE);
	} else if (!bracketed && strcasecmp(control, "sufficient") == 0) {
		actions[PAMD_RET_SUCCESS] = PAMD_DONE;
		actions[PAMD_RET_NEW_AUTHTOK_REQD] = PAMD_DONE;
		set_default(actions, PAMD_IGNORE);
	} else {
		/* libpam parses any other word as pairs, too. */
		if (!bracketed && strchr(control, '=') == NULL) {
			*why = "unknown control keyword";
			return -1;
		}
		if (parse_pairs(control, actions, why) != 0)
			return -1;
		set_default(actions, PAMD_BAD);
	}
	*on_success = actions[PAMD_RET_SUCCESS];
	*on_auth_err = actions[PAMD_RET_AUTH_ERR];
	return 0;
}

/* dir/name, or name when it is absolute.  NULL when out of memory. */
static char *
resolve(const char *dir, const char *name)
{
	char *p = NULL;

	if (name[0] == '/')
		return strdup(name);
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Append one entry; the strings are copied. */
static int
add_entry(struct pamd_ctx *c, enum pamd_kind kind, const char *type,
	  bool silent, const char *control, bool bracketed, int on_success,
	  int on_auth_err, const char *module, int argc, char *const *argv,
	  const char *file, unsigned int line, unsigned int level)
{
	struct pamd_stack *st = c->st;
	struct pamd_entry *grown, e;
	int i;

	if (st->n >= PAMD_MAX_ENTRIES)
		return pamd_fail(c, "%s:%u: more than %d %s entries", file,
				 line, PAMD_MAX_ENTRIES, type);
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.silent = silent;
	e.bracketed = bracketed;
	e.on_success = on_success;
	e.on_auth_err = on_auth_err;
	e.line = line;
	e.level = level;
	e.argc = argc;
	if ((e.type = strdup(type)) == NULL ||
	    (e.control = strdup(control)) == NULL ||
	    (e.module = strdup(module)) == NULL ||
	    (e.file = strdup(file)) == NULL ||
	    (e.argv = calloc((size_t)argc + 1, sizeof(*e.argv))) == NULL)
		goto nomem;
	for (i = 0; i < argc; i++)
		if ((e.argv[i] = strdup(argv[i])) == NULL)
			goto nomem;
	grown = reallocarray(st->entries, st->n + 1, sizeof(*st->entries));
	if (grown == NULL)
		goto nomem;
	st->entries = grown;
	st->entries[st->n++] = e;
	return 0;
nomem:
	entry_free(&e);
	return pamd_fail(c, "out of memory");
}

static int parse_file(struct pamd_ctx *c, const char *path,
		      const char *filter, unsigned int depth,
		      unsigned int level, const char *from,
		      unsigned int fromline);

/* Read an included file (@include, include, substack). */
static int
include(struct pamd_ctx *c, const char *file, unsigned int line,
	const char *name, const char *filter, unsigned int depth,
	unsigned int level)
{
	char *path;
	unsigned int i;
	int ret;

	if (depth > PAMD_MAX_DEPTH)
		return pamd_fail(c, "%s:%u: includes nested deeper than %d",
				 file, line, PAMD_MAX_DEPTH);
	if ((path = resolve(c->dir, name)) == NULL)
		return pamd_fail(c, "out of memory");
	for (i = 0; i < depth; i++) {
		if (strcmp(c->chain[i], path) == 0) {
			ret = pamd_fail(c, "%s:%u: include loop: the file it "
					   "includes is already being read",
					file, line);
			free(path);
			return ret;
		}
	}
	ret = parse_file(c, path, filter, depth, level, file, line);
	free(path);
	return ret;
}

/* One logical line (modified in place). */
static int
parse_line(struct pamd_ctx *c, const char *file, unsigned int lineno,
	   char *line, const char *filter, unsigned int depth,
	   unsigned int level)
{
	char *p = line, *tok, *type, *control, *module;
	char *args[PAMD_MAX_ARGS];
	const char *canon = NULL, *why = NULL;
	bool bracketed, cbracketed, silent = false, substack;
	int r, argc = 0, on_success = PAMD_BAD, on_auth_err = PAMD_BAD;
	size_t i;

	if ((r = next_token(&p, &type, &bracketed)) <= 0)
		return r == 0 ? 0 :
				pamd_fail(c, "%s:%u: '[' without ']'", file,
					  lineno);
	if (!bracketed && strcmp(type, "@include") == 0) {
		if ((r = next_token(&p, &tok, &bracketed)) <= 0)
			return pamd_fail(c, "%s:%u: @include without a file",
					 file, lineno);
		return include(c, file, lineno, tok, filter, depth + 1, level);
	}
	if (!bracketed && type[0] == '-') {
		silent = true;
		type++;
	}
	for (i = 0; i < sizeof(pamd_types) / sizeof(*pamd_types); i++)
		if (!bracketed && strcasecmp(type, pamd_types[i]) == 0)
			canon = pamd_types[i];
	if (canon == NULL)
		return pamd_fail(c, "%s:%u: unknown module type (not auth, "
				    "account, password or session)",
				 file, lineno);
	/* libpam looks no further at a line of another type. */
	if (filter != NULL && strcmp(canon, filter) != 0)
		return 0;
	if ((r = next_token(&p, &control, &cbracketed)) <= 0)
		return pamd_fail(c, "%s:%u: %s", file, lineno,
				 r == 0 ? "no control field" :
					  "'[' without ']'");
	if ((r = next_token(&p, &module, &bracketed)) <= 0)
		return pamd_fail(c, "%s:%u: %s", file, lineno,
				 r == 0 ? "no module path" :
					  "'[' without ']'");
	if (!cbracketed && (strcasecmp(control, "include") == 0 ||
			    strcasecmp(control, "substack") == 0)) {
		substack = strcasecmp(control, "substack") == 0;
		if (substack &&
		    add_entry(c, PAMD_SUBSTACK, canon, silent, "substack",
			      false, PAMD_IGNORE, PAMD_IGNORE, module, 0, NULL,
			      file, lineno, level) != 0)
			return -1;
		/* Only lines of this line's type, as libpam does. */
		return include(c, file, lineno, module, canon, depth + 1,
			       level + (substack ? 1 : 0));
	}
	if (pamd_parse_control(control, cbracketed, &on_success, &on_auth_err,
			       &why) != 0)
		return pamd_fail(c, "%s:%u: bad control field: %s", file,
				 lineno, why);
	while ((r = next_token(&p, &tok, &bracketed)) > 0) {
		if (argc == PAMD_MAX_ARGS)
			return pamd_fail(c, "%s:%u: more than %d arguments",
					 file, lineno, PAMD_MAX_ARGS);
		args[argc++] = tok;
	}
	if (r < 0)
		return pamd_fail(c, "%s:%u: '[' without ']'", file, lineno);
	return add_entry(c, PAMD_MODULE, canon, silent, control, cbracketed,
			 on_success, on_auth_err, module, argc, args, file,
			 lineno, level);
}

static int
parse_file(struct pamd_ctx *c, const char *path, const char *filter,
	   unsigned int depth, unsigned int level, const char *from,
	   unsigned int fromline)
{
	char *buf = NULL, *logical = NULL;
	const char *phys, *nl;
	size_t len = 0, pos = 0, n, keep, llen = 0, k;
	unsigned int lineno = 0, start = 0;
	bool more;
	int ret = -1;

	if (++c->nfiles > PAMD_MAX_FILES) {
		pamd_fail(c, "%s:%u: more than %d files read", from, fromline,
			  PAMD_MAX_FILES);
		goto out;
	}
	if (read_file(c, path, from, fromline, &buf, &len) != 0)
		goto out;
	if ((logical = malloc(PAMD_MAX_LINE + 2)) == NULL) {
		pamd_fail(c, "out of memory");
		goto out;
	}
	c->chain[depth] = path;
	while (pos < len) {
		phys = buf + pos;
		nl = memchr(phys, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - phys) : len - pos;
		pos += n + (nl != NULL ? 1 : 0);
		lineno++;
		if (n > PAMD_MAX_LINE) {
			pamd_fail(c, "%s:%u: line longer than %d bytes", path,
				  lineno, PAMD_MAX_LINE);
			goto out;
		}
		if (memchr(phys, '\r', n) != NULL) {
			pamd_fail(c, "%s:%u: carriage return (DOS line end?)",
				  path, lineno);
			goto out;
		}
		/* Leading blanks go; '#' starts a comment and ends the
		 * logical line; else a trailing '\' continues it. */
		while (n > 0 && is_blank(*phys)) {
			phys++;
			n--;
		}
		keep = n;
		more = false;
		if ((nl = memchr(phys, '#', n)) != NULL) {
			keep = (size_t)(nl - phys);
		} else {
			for (k = n; k > 0 && is_blank(phys[k - 1]); k--)
				;
			if (k > 0 && phys[k - 1] == '\\') {
				keep = k - 1;
				more = true;
			}
		}
		if (llen == 0)
			start = lineno;
		if (llen + keep + (more ? 1 : 0) > PAMD_MAX_LINE) {
			pamd_fail(c, "%s:%u: line longer than %d bytes", path,
				  start, PAMD_MAX_LINE);
			goto out;
		}
		memcpy(logical + llen, phys, keep);
		llen += keep;
		if (more) {
			logical[llen++] = ' ';
			continue;
		}
		logical[llen] = '\0';
		llen = 0;
		if (parse_line(c, path, start, logical, filter, depth, level) !=
		    0)
			goto out;
	}
	if (llen > 0) {
		pamd_fail(c, "%s:%u: '\\' continues past the end of the file",
			  path, start);
		goto out;
	}
	ret = 0;
out:
	free(logical);
	free(buf);
	return ret;
}

int
pamd_load(struct pamd_stack *st, const char *dir, const char *service,
	  const char *type, char *err, size_t errlen)
{
	struct pamd_ctx c;
	char *path = NULL;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.dir = dir != NULL ? dir : PAMD_DEFAULT_DIR;
	c.err = err;
	c.errlen = errlen;
	err[0] = '\0';
	pamd_stack_free(st);
	if (service[0] == '\0' || strchr(service, '/') != NULL ||
	    strcmp(service, ".") == 0 || strcmp(service, "..") == 0) {
		pamd_fail(&c, "service name must be a plain file name");
		goto out;
	}
	if ((path = resolve(c.dir, service)) == NULL) {
		pamd_fail(&c, "out of memory");
		goto out;
	}
	if (parse_file(&c, path, type, 0, 0, NULL, 0) != 0)
		goto out;
	ret = 0;
out:
	if (ret != 0)
		pamd_stack_free(st);
	free(path);
	return ret;
}

bool
pamd_skips(const struct pamd_stack *st, size_t from, size_t target)
{
	const struct pamd_entry *e;
	unsigned int level;
	size_t h, k;
	int n;

	if (from >= st->n || target >= st->n || target <= from)
		return false;
	e = &st->entries[from];
	if (e->kind != PAMD_MODULE)
		return false;
	level = e->level;
	/* Nothing reaches out of the substack `from` is in. */
	for (k = from + 1; k <= target; k++)
		if (st->entries[k].level < level)
			return false;
	if (e->on_success == PAMD_DONE || e->on_success == PAMD_DIE)
		return true;
	if (e->on_success <= 0)
		return false;
	/* A jump passes over n modules of this level, each with the deeper
	 * entries (a substack's) that follow it. */
	h = from;
	n = e->on_success;
	while (h + 1 < st->n && st->entries[h + 1].level >= level && n > 0) {
		do {
			h++;
		} while (h + 1 < st->n && st->entries[h + 1].level > level);
		n--;
	}
	return target <= h;
}
