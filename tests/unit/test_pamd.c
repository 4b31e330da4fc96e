/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pamd.c - tools/pamd.c, the pam.d reader of agentictrust verify
 * --service and check: line assembly (comments, continuations), tokens
 * ("[...]" with blanks and "\]"), controls, types, @include / include /
 * substack, every bound (depth, loops, line and file size, entries,
 * arguments, files) and the jump logic of pamd_skips().
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pamd.h"
#include "test_common.h"

struct fixture {
	char *dir;
	struct pamd_stack st;
	char err[8192];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = test_mkdtemp();
	pamd_stack_init(&f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pamd_stack_free(&f->st);
	test_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Write dir/name. */
static void
put(struct fixture *f, const char *name, const char *content)
{
	char *path = test_path(f->dir, name);

	assert_int_equal(test_write_file(path, content, 0644), 0);
	free(path);
}

/* pamd_load() of service with type filter; returns its result. */
static int
load(struct fixture *f, const char *service, const char *type)
{
	return pamd_load(&f->st, f->dir, service, type, f->err,
			 sizeof(f->err));
}

/* Loading fails, the stack is empty and err contains want. */
static void
assert_fails(struct fixture *f, const char *service, const char *want)
{
	assert_int_equal(load(f, service, "auth"), -1);
	assert_int_equal(f->st.n, 0);
	assert_null(f->st.entries);
	if (strstr(f->err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", f->err, want);
}

/* ------------------------------------------------------------------ */
/* lines and tokens */

static void
test_basic_entry(void **state)
{
	struct fixture *f = *state;
	const struct pamd_entry *e;
	char *path = test_path(f->dir, "svc");

	put(f, "svc", "auth required pam_agentictrust.so secret_file=/s "
		      "mode=jwt\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	e = &f->st.entries[0];
	assert_int_equal(e->kind, PAMD_MODULE);
	assert_string_equal(e->type, "auth");
	assert_false(e->silent);
	assert_string_equal(e->control, "required");
	assert_false(e->bracketed);
	assert_int_equal(e->on_success, PAMD_OK);
	assert_int_equal(e->on_auth_err, PAMD_BAD);
	assert_string_equal(e->module, "pam_agentictrust.so");
	assert_int_equal(e->argc, 2);
	assert_string_equal(e->argv[0], "secret_file=/s");
	assert_string_equal(e->argv[1], "mode=jwt");
	assert_null(e->argv[2]);
	assert_string_equal(e->file, path);
	assert_int_equal(e->line, 1);
	assert_int_equal(e->level, 0);
	free(path);
}

static void
test_comments(void **state)
{
	struct fixture *f = *state;
	const struct pamd_entry *e;

	put(f, "svc", "#%PAM-1.0\n"
		      "   # indented comment\n"
		      "\n"
		      "\t\n"
		      "auth required pam_x.so a # b c\n"
		      "auth required pam_y.so#glued\n");
	assert_int_equal(load(f, "svc", NULL), 0);
	assert_int_equal(f->st.n, 2);
	e = &f->st.entries[0];
	assert_int_equal(e->line, 5);
	assert_int_equal(e->argc, 1);
	assert_string_equal(e->argv[0], "a");
	assert_string_equal(f->st.entries[1].module, "pam_y.so");
	assert_int_equal(f->st.entries[1].argc, 0);
}

/* libpam cuts at the first '#', even inside "[...]". */
static void
test_hash_inside_brackets(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth required pam_x.so [prompt=a#b]\n");
	assert_fails(f, "svc", "svc:1: '[' without ']'");
}

static void
test_continuations(void **state)
{
	struct fixture *f = *state;
	const struct pamd_entry *e;

	put(f, "svc", "# first\n"
		      "auth \\\n"
		      "   required \\  \n"
		      "\tpam_x.so a\\\n"
		      "b [c \\\n"
		      "   d]\n"
		      "auth required pam_y.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 2);
	e = &f->st.entries[0];
	assert_int_equal(e->line, 2);
	assert_string_equal(e->control, "required");
	assert_string_equal(e->module, "pam_x.so");
	assert_int_equal(e->argc, 3);
	assert_string_equal(e->argv[0], "a");
	assert_string_equal(e->argv[1], "b");
	assert_string_equal(e->argv[2], "c  d");
	assert_int_equal(f->st.entries[1].line, 7);
}

/* A comment ends a continued line ('#' wins over '\'). */
static void
test_continuation_ended_by_comment(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth required pam_x.so a \\\n"
		      "# comment \\\n"
		      "auth required pam_y.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 2);
	assert_int_equal(f->st.entries[0].argc, 1);
	assert_string_equal(f->st.entries[1].module, "pam_y.so");
	assert_int_equal(f->st.entries[1].line, 3);
}

static void
test_continuation_at_eof(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth required pam_x.so \\\n");
	assert_fails(f, "svc", "svc:1: '\\' continues past the end");
	put(f, "svc", "auth required pam_x.so \\");
	assert_fails(f, "svc", "continues past the end");
}

static void
test_brackets_with_spaces(void **state)
{
	struct fixture *f = *state;
	const struct pamd_entry *e;

	put(f, "svc", "auth [success=done  new_authtok_reqd=done "
		      "default=ignore] pam_x.so [prompt=Token \\] here: ] "
		      "[a b]c [] last\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	e = &f->st.entries[0];
	assert_true(e->bracketed);
	assert_string_equal(e->control, "success=done  "
					"new_authtok_reqd=done default=ignore");
	assert_int_equal(e->on_success, PAMD_DONE);
	assert_int_equal(e->on_auth_err, PAMD_IGNORE);
	assert_int_equal(e->argc, 5);
	assert_string_equal(e->argv[0], "prompt=Token ] here: ");
	assert_string_equal(e->argv[1], "a b");
	assert_string_equal(e->argv[2], "c");
	assert_string_equal(e->argv[3], "");
	assert_string_equal(e->argv[4], "last");
}

static void
test_unterminated_bracket(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth [success=ok pam_x.so\n");
	assert_fails(f, "svc", "svc:1: '[' without ']'");
	put(f, "svc", "auth required pam_x.so [a\n");
	assert_fails(f, "svc", "svc:1: '[' without ']'");
}

static void
test_carriage_return(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth required pam_x.so\r\n");
	assert_fails(f, "svc", "svc:1: carriage return");
}

/* ------------------------------------------------------------------ */
/* types and controls */

static void
test_types(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "AUTH Required pam_a.so\n"
		      "-auth sufficient /lib/security/pam_b.so\n"
		      "account required pam_c.so\n"
		      "-session optional pam_d.so\n"
		      "Password requisite pam_e.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 2);
	assert_string_equal(f->st.entries[0].type, "auth");
	assert_false(f->st.entries[0].silent);
	assert_true(f->st.entries[1].silent);
	assert_string_equal(pamd_basename(f->st.entries[1].module),
			    "pam_b.so");
	assert_int_equal(load(f, "svc", NULL), 0);
	assert_int_equal(f->st.n, 5);
	assert_string_equal(f->st.entries[3].type, "session");
	assert_true(f->st.entries[3].silent);
	assert_string_equal(f->st.entries[4].type, "password");
	assert_int_equal(f->st.entries[4].on_auth_err, PAMD_DIE);
}

static void
test_bad_lines(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auht required pam_x.so\n");
	assert_fails(f, "svc", "svc:1: unknown module type (not auth, "
			       "account, password or session)");
	assert_null(strstr(f->err, "auht"));
	put(f, "svc", "\n\nauth\n");
	assert_fails(f, "svc", "svc:3: no control field");
	put(f, "svc", "auth required\n");
	assert_fails(f, "svc", "svc:1: no module path");
	put(f, "svc", "auth binding pam_x.so\n");
	assert_fails(f, "svc", "svc:1: bad control field: unknown control");
	assert_null(strstr(f->err, "binding"));
	put(f, "svc", "auth [success=maybe] pam_x.so\n");
	assert_fails(f, "svc", "unknown action");
	put(f, "svc", "auth [bogus=ok] pam_x.so\n");
	assert_fails(f, "svc", "unknown return value name");
	put(f, "svc", "auth [success=0] pam_x.so\n");
	assert_fails(f, "svc", "unknown action");
	put(f, "svc", "auth [success=1001] pam_x.so\n");
	assert_fails(f, "svc", "unknown action");
	put(f, "svc", "auth [success ok] pam_x.so\n");
	assert_fails(f, "svc", "expecting '='");
	put(f, "svc", "@include\n");
	assert_fails(f, "svc", "svc:1: @include without a file");
}

/* A malformed line of another type is not looked at, as in libpam. */
static void
test_other_type_not_parsed(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "session [bogus] pam_x.so\n"
		      "auth required pam_y.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	assert_int_equal(load(f, "svc", NULL), -1);
}

static void
test_parse_control(void **state)
{
	const char *why = NULL;
	int s = 99, a = 99;

	(void)state;
	assert_int_equal(pamd_parse_control("requisite", false, &s, &a, &why),
			 0);
	assert_int_equal(s, PAMD_OK);
	assert_int_equal(a, PAMD_DIE);
	assert_int_equal(pamd_parse_control("OPTIONAL", false, &s, &a, &why),
			 0);
	assert_int_equal(s, PAMD_OK);
	assert_int_equal(a, PAMD_IGNORE);
	assert_int_equal(pamd_parse_control("sufficient", false, &s, &a,
					    &why),
			 0);
	assert_int_equal(s, PAMD_DONE);
	assert_int_equal(a, PAMD_IGNORE);
	/* default fills only what is unset when it is read... */
	assert_int_equal(pamd_parse_control("auth_err=bad default=ignore",
					    true, &s, &a, &why),
			 0);
	assert_int_equal(s, PAMD_IGNORE);
	assert_int_equal(a, PAMD_BAD);
	/* ...and a later value overrides it. */
	assert_int_equal(pamd_parse_control("default=die success = 2", true,
					    &s, &a, &why),
			 0);
	assert_int_equal(s, 2);
	assert_int_equal(a, PAMD_DIE);
	/* Unset after all that: bad. */
	assert_int_equal(pamd_parse_control("success=ok", true, &s, &a, &why),
			 0);
	assert_int_equal(a, PAMD_BAD);
	assert_int_equal(pamd_parse_control("", true, &s, &a, &why), 0);
	assert_int_equal(s, PAMD_BAD);
	/* libpam reads a bare "value=action" word as a control, too. */
	assert_int_equal(pamd_parse_control("success=done", false, &s, &a,
					    &why),
			 0);
	assert_int_equal(s, PAMD_DONE);
	assert_int_equal(pamd_parse_control("success=reset", true, &s, &a,
					    &why),
			 0);
	assert_int_equal(s, PAMD_RESET);
	assert_int_equal(pamd_parse_control("success=", true, &s, &a, &why),
			 -1);
	assert_non_null(why);
}

static void
test_action_name(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(pamd_action_name(PAMD_OK, buf, sizeof(buf)),
			    "ok");
	assert_string_equal(pamd_action_name(PAMD_RESET, buf, sizeof(buf)),
			    "reset");
	assert_string_equal(pamd_action_name(3, buf, sizeof(buf)), "jump 3");
	assert_string_equal(pamd_action_name(-9, buf, sizeof(buf)),
			    "undefined");
}

/* ------------------------------------------------------------------ */
/* includes */

static void
test_at_include(void **state)
{
	struct fixture *f = *state;
	char *common = test_path(f->dir, "common-auth");

	put(f, "common-auth", "auth [success=1 default=ignore] pam_unix.so\n"
			      "auth requisite pam_deny.so\n"
			      "account required pam_permit.so\n");
	put(f, "svc", "auth required pam_env.so\n"
		      "@include common-auth\n"
		      "auth required pam_agentictrust.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 4);
	assert_string_equal(f->st.entries[1].file, common);
	assert_int_equal(f->st.entries[1].line, 1);
	assert_int_equal(f->st.entries[1].on_success, 1);
	assert_int_equal(f->st.entries[3].line, 3);
	/* @include keeps every type when no filter is asked for. */
	assert_int_equal(load(f, "svc", NULL), 0);
	assert_int_equal(f->st.n, 5);
	free(common);
}

/* "auth include X" reads only X's auth lines, whatever is asked for. */
static void
test_type_include(void **state)
{
	struct fixture *f = *state;

	put(f, "common", "auth required pam_a.so\n"
			 "account required pam_b.so\n"
			 "session required pam_c.so\n");
	put(f, "svc", "auth include common\n"
		      "account include common\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	assert_string_equal(f->st.entries[0].module, "pam_a.so");
	assert_int_equal(load(f, "svc", NULL), 0);
	assert_int_equal(f->st.n, 2);
	assert_string_equal(f->st.entries[1].module, "pam_b.so");
}

static void
test_absolute_include(void **state)
{
	struct fixture *f = *state;
	char *abs = test_path(f->dir, "elsewhere");
	char line[4200];

	put(f, "elsewhere", "auth required pam_a.so\n");
	snprintf(line, sizeof(line), "@include %s\n", abs);
	put(f, "svc", line);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	assert_string_equal(f->st.entries[0].file, abs);
	free(abs);
}

static void
test_substack(void **state)
{
	struct fixture *f = *state;

	put(f, "inner", "auth sufficient pam_a.so\n"
			"auth required pam_b.so\n");
	put(f, "svc", "auth substack inner\n"
		      "auth required pam_agentictrust.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 4);
	assert_int_equal(f->st.entries[0].kind, PAMD_SUBSTACK);
	assert_string_equal(f->st.entries[0].module, "inner");
	assert_int_equal(f->st.entries[0].level, 0);
	assert_int_equal(f->st.entries[1].level, 1);
	assert_int_equal(f->st.entries[2].level, 1);
	assert_int_equal(f->st.entries[3].level, 0);
}

static void
test_include_loop(void **state)
{
	struct fixture *f = *state;

	put(f, "a", "auth required pam_x.so\n@include b\n");
	put(f, "b", "auth include a\n");
	assert_fails(f, "a", "b:1: include loop: the file it includes is "
			     "already being read");
	put(f, "self", "@include self\n");
	assert_fails(f, "self", "self:1: include loop");
	put(f, "sub", "auth substack sub\n");
	assert_fails(f, "sub", "include loop");
}

/* Including the same file twice, side by side, is not a loop. */
static void
test_include_twice(void **state)
{
	struct fixture *f = *state;

	put(f, "common", "auth required pam_a.so\n");
	put(f, "svc", "@include common\n@include common\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 2);
}

/* s0 includes s1 ... includes s<last>, which holds one module. */
static void
chain(struct fixture *f, unsigned int last)
{
	char name[16], text[64];
	unsigned int i;

	for (i = 0; i < last; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		snprintf(text, sizeof(text), "@include s%u\n", i + 1);
		put(f, name, text);
	}
	snprintf(name, sizeof(name), "s%u", last);
	put(f, name, "auth required pam_deep.so\n");
}

static void
test_depth_limit(void **state)
{
	struct fixture *f = *state;

	chain(f, PAMD_MAX_DEPTH);
	assert_int_equal(load(f, "s0", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	chain(f, PAMD_MAX_DEPTH + 1);
	assert_fails(f, "s0", "s8:1: includes nested deeper than 8");
}

static void
test_too_many_files(void **state)
{
	struct fixture *f = *state;
	char *text;
	size_t i, n = 0;

	put(f, "one", "auth required pam_a.so\n");
	text = calloc(PAMD_MAX_FILES + 1, sizeof("@include one\n"));
	assert_non_null(text);
	for (i = 0; i < PAMD_MAX_FILES - 1; i++)
		n += (size_t)sprintf(text + n, "@include one\n");
	put(f, "svc", text);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, PAMD_MAX_FILES - 1);
	sprintf(text + n, "@include one\n");
	put(f, "svc", text);
	assert_fails(f, "svc", "more than 64 files");
	free(text);
}

static void
test_missing_files(void **state)
{
	struct fixture *f = *state;

	assert_fails(f, "nope", "cannot open ");
	assert_true(strstr(f->err, "/nope: No such file or directory") !=
		    NULL);
	put(f, "svc", "auth required pam_a.so\n@include gone\n");
	assert_fails(f, "svc", "svc:2: cannot open the included file: No such "
			       "file or directory");
	assert_null(strstr(f->err, "gone"));
	put(f, "svc", "auth include gone\n");
	assert_fails(f, "svc", "svc:1: cannot open the included file: ");
}

static void
test_not_regular(void **state)
{
	struct fixture *f = *state;
	char *sub = test_path(f->dir, "adir");

	assert_int_equal(mkdir(sub, 0700), 0);
	put(f, "svc", "@include adir\n");
	assert_fails(f, "svc", "svc:1: the included file is not a regular "
			       "file");
	assert_null(strstr(f->err, "adir"));
	assert_int_equal(rmdir(sub), 0);
	free(sub);
}

static void
test_service_names(void **state)
{
	struct fixture *f = *state;

	assert_fails(f, "", "plain file name");
	assert_fails(f, "a/b", "plain file name");
	assert_fails(f, "..", "plain file name");
	assert_fails(f, ".", "plain file name");
}

/* ------------------------------------------------------------------ */
/* bounds */

static void
test_line_length(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(3 * PAMD_MAX_LINE);
	size_t prefix = strlen("auth required pam_x.so ");

	assert_non_null(text);
	/* Exactly PAMD_MAX_LINE bytes: fine. */
	memcpy(text, "auth required pam_x.so ", prefix);
	memset(text + prefix, 'a', PAMD_MAX_LINE - prefix);
	strcpy(text + PAMD_MAX_LINE, "\n");
	put(f, "svc", text);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(strlen(f->st.entries[0].argv[0]),
			 PAMD_MAX_LINE - prefix);
	/* One more: refused, not cut. */
	memset(text + prefix, 'a', PAMD_MAX_LINE - prefix + 1);
	strcpy(text + PAMD_MAX_LINE + 1, "\n");
	put(f, "svc", text);
	assert_fails(f, "svc", "svc:1: line longer than 4096 bytes");
	/* A comment line is a line too. */
	text[0] = '#';
	put(f, "svc", text);
	assert_fails(f, "svc", "line longer than 4096 bytes");
	/* Continuations: each part short, the whole too long. */
	memset(text, 'b', 3000);
	memcpy(text, "auth required pam_x.so ", prefix);
	strcpy(text + 3000, " \\\n");
	memset(text + 3003, 'c', 3000);
	strcpy(text + 6003, "\n");
	put(f, "svc", text);
	assert_fails(f, "svc", "svc:1: line longer than 4096 bytes");
	free(text);
}

static void
test_file_size(void **state)
{
	struct fixture *f = *state;
	char *text = malloc(PAMD_MAX_FILE + 2);
	size_t i;

	assert_non_null(text);
	/* Exactly PAMD_MAX_FILE bytes of comment lines: fine. */
	memset(text, '#', PAMD_MAX_FILE);
	for (i = 99; i < PAMD_MAX_FILE; i += 100)
		text[i] = '\n';
	text[PAMD_MAX_FILE] = '\0';
	put(f, "svc", text);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, 0);
	text[PAMD_MAX_FILE] = '#';
	text[PAMD_MAX_FILE + 1] = '\0';
	put(f, "svc", text);
	assert_fails(f, "svc", "larger than 65536 bytes");
	free(text);
}

static void
test_nul_byte(void **state)
{
	struct fixture *f = *state;
	char *path = test_path(f->dir, "svc");
	static const char text[] = "auth required pam_x.so\0 debug\n";
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
			 (ssize_t)(sizeof(text) - 1));
	assert_int_equal(close(fd), 0);
	assert_fails(f, "svc", "contains a NUL byte");
	free(path);
}

static void
test_entry_limit(void **state)
{
	struct fixture *f = *state;
	char *text = malloc((PAMD_MAX_ENTRIES + 1) * 32);
	size_t i, n = 0;

	assert_non_null(text);
	for (i = 0; i < PAMD_MAX_ENTRIES; i++)
		n += (size_t)sprintf(text + n, "auth optional pam_%zu.so\n", i);
	put(f, "svc", text);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.n, PAMD_MAX_ENTRIES);
	sprintf(text + n, "auth optional pam_last.so\n");
	put(f, "svc", text);
	assert_fails(f, "svc", "svc:257: more than 256 auth entries");
	free(text);
}

static void
test_argument_limit(void **state)
{
	struct fixture *f = *state;
	char text[1024];
	size_t i, n;

	n = (size_t)sprintf(text, "auth required pam_x.so");
	for (i = 0; i < PAMD_MAX_ARGS; i++)
		n += (size_t)sprintf(text + n, " a");
	strcpy(text + n, "\n");
	put(f, "svc", text);
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_int_equal(f->st.entries[0].argc, PAMD_MAX_ARGS);
	strcpy(text + n, " a\n");
	put(f, "svc", text);
	assert_fails(f, "svc", "svc:1: more than 128 arguments");
}

/* A failed load empties a stack that held entries. */
static void
test_failure_empties(void **state)
{
	struct fixture *f = *state;

	put(f, "good", "auth required pam_a.so\n");
	put(f, "bad", "auth required pam_a.so\nauth\n");
	assert_int_equal(load(f, "good", "auth"), 0);
	assert_int_equal(f->st.n, 1);
	assert_fails(f, "bad", "bad:2: no control field");
}

/* ------------------------------------------------------------------ */
/* pamd_skips(): which earlier success bypasses a later module */

static void
test_skips_done_and_die(void **state)
{
	struct fixture *f = *state;

	put(f, "svc", "auth sufficient pam_a.so\n"
		      "auth [success=die default=ignore] pam_b.so\n"
		      "auth required pam_c.so\n"
		      "auth required pam_agentictrust.so\n"
		      "auth sufficient pam_after.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_true(pamd_skips(&f->st, 0, 3));
	assert_true(pamd_skips(&f->st, 1, 3));
	assert_false(pamd_skips(&f->st, 2, 3));
	assert_false(pamd_skips(&f->st, 4, 3));
	assert_false(pamd_skips(&f->st, 3, 3));
	assert_false(pamd_skips(&f->st, 0, 99));
}

static void
test_skips_jumps(void **state)
{
	struct fixture *f = *state;

	/* Debian's common-auth: success jumps over pam_deny only. */
	put(f, "svc", "auth [success=1 default=ignore] pam_unix.so\n"
		      "auth requisite pam_deny.so\n"
		      "auth required pam_agentictrust.so\n"
		      "auth [success=2 default=ignore] pam_x.so\n"
		      "auth requisite pam_deny.so\n"
		      "auth required pam_agentictrust.so\n"
		      "auth required pam_permit.so\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	assert_true(pamd_skips(&f->st, 0, 1));
	assert_false(pamd_skips(&f->st, 0, 2));
	assert_true(pamd_skips(&f->st, 3, 5));
	assert_false(pamd_skips(&f->st, 3, 6));
	assert_false(pamd_skips(&f->st, 1, 2)); /* requisite: success ok */
}

static void
test_skips_substack(void **state)
{
	struct fixture *f = *state;

	/* done inside a substack ends the substack only. */
	put(f, "inner", "auth sufficient pam_a.so\n"
			"auth required pam_in.so\n");
	put(f, "svc", "auth [success=1 default=ignore] pam_j.so\n"
		      "auth substack inner\n"
		      "auth required pam_agentictrust.so\n"
		      "auth substack inner\n");
	assert_int_equal(load(f, "svc", "auth"), 0);
	/* 0 j, 1 substack, 2 a, 3 in, 4 agentictrust, 5 substack, 6 a, 7 in */
	assert_int_equal(f->st.n, 8);
	assert_true(pamd_skips(&f->st, 2, 3));
	assert_false(pamd_skips(&f->st, 2, 4));
	/* A jump passes over the whole substack as one module. */
	assert_true(pamd_skips(&f->st, 0, 1));
	assert_true(pamd_skips(&f->st, 0, 3));
	assert_false(pamd_skips(&f->st, 0, 4));
	/* A substack marker never acts by itself. */
	assert_false(pamd_skips(&f->st, 1, 2));
}

/*
 * Nothing of a file that fails to parse reaches the error: only file
 * names, line numbers and what was wrong (--pam-dir /etc --service shadow
 * once printed a line of /etc/shadow).  Each line below fails alone.
 */
static void
test_error_never_shows_file_content(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
		/* /etc/shadow's shape: short words, no blank */
		"AtLeakCanary:*:19000:0:::\n",
		"AtLeakCanary x y\n",
		"-AtLeakCanary required pam_x.so\n",
		"auth AtLeakCanary pam_x.so\n",
		"auth [AtLeakCanary=ok] pam_x.so\n",
		"auth [success=AtLeakCanary] pam_x.so\n",
		"auth [success AtLeakCanary] pam_x.so\n",
		"auth [AtLeakCanary pam_x.so\n",
		"auth required [AtLeakCanary\n",
		"@include AtLeakCanary\n",
		"auth include AtLeakCanary\n",
		"auth substack AtLeakCanary\n",
		"@include /AtLeakCanary/x\n",
		"AtLeakCanary \\\n",
		"AtLeakCanary\r\n",
	};
	char *dir = test_path(f->dir, "AtLeakCanaryDir");
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		put(f, "svc", lines[i]);
		assert_int_equal(load(f, "svc", "auth"), -1);
		if (strstr(f->err, "svc:1: ") == NULL ||
		    strstr(f->err, "AtLeakCanary") != NULL)
			fail_msg("line %zu: error \"%s\" must name svc:1 and "
				 "nothing of the line",
				 i, f->err);
	}
	/* Included files that cannot be read: not named either. */
	assert_int_equal(mkdir(dir, 0700), 0);
	put(f, "svc", "@include AtLeakCanaryDir\n");
	assert_fails(f, "svc", "svc:1: the included file is not a regular");
	assert_null(strstr(f->err, "AtLeakCanary"));
	/* A loop through files named by the lines. */
	put(f, "AtLeakCanaryA", "@include AtLeakCanaryB\n");
	put(f, "AtLeakCanaryB", "@include AtLeakCanaryA\n");
	put(f, "svc", "@include AtLeakCanaryA\n");
	assert_fails(f, "svc", "include loop");
	assert_null(strstr(f->err, "AtLeakCanaryA is"));
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

/* Control bytes from a file never reach the message (a terminal). */
static void
test_error_has_no_control_bytes(void **state)
{
	struct fixture *f = *state;
	const char *p;

	put(f, "svc", "@include \x1b]0;owned\x07\x1b[2J\n");
	assert_fails(f, "svc", "cannot open the included file");
	for (p = f->err; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	put(f, "svc2", "au\x1b[2Jth required pam_x.so\n");
	assert_fails(f, "svc2", "svc2:1: unknown module type");
	assert_null(strstr(f->err, "[2J"));
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_basic_entry),
		T(test_comments),
		T(test_hash_inside_brackets),
		T(test_continuations),
		T(test_continuation_ended_by_comment),
		T(test_continuation_at_eof),
		T(test_brackets_with_spaces),
		T(test_unterminated_bracket),
		T(test_carriage_return),
		T(test_types),
		T(test_bad_lines),
		T(test_other_type_not_parsed),
		cmocka_unit_test(test_parse_control),
		cmocka_unit_test(test_action_name),
		T(test_at_include),
		T(test_type_include),
		T(test_absolute_include),
		T(test_substack),
		T(test_include_loop),
		T(test_include_twice),
		T(test_depth_limit),
		T(test_too_many_files),
		T(test_missing_files),
		T(test_not_regular),
		T(test_service_names),
		T(test_line_length),
		T(test_file_size),
		T(test_nul_byte),
		T(test_entry_limit),
		T(test_argument_limit),
		T(test_failure_empties),
		T(test_skips_done_and_die),
		T(test_skips_jumps),
		T(test_skips_substack),
		T(test_error_never_shows_file_content),
		T(test_error_has_no_control_bytes),
	};
#undef T

	return cmocka_run_group_tests_name("pamd", tests, NULL, NULL);
}
