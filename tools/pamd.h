/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamd.h - a small, bounded reader of /etc/pam.d service files for the
 * agentictrust CLI (verify --service, check).  It reads a service the
 * way Linux-PAM's _pam_parse_conf_file() does (Debian's "@include FILE",
 * the "include" and "substack" controls, "[...]" controls and arguments,
 * "#" comments, "\" line continuations, "-type" lines) and returns the
 * module lines of one type, in stack order, with where each came from.
 *
 * It never loads a module.  Everything is bounded: PAMD_MAX_FILE bytes per
 * file, PAMD_MAX_LINE bytes per line, PAMD_MAX_ENTRIES entries,
 * PAMD_MAX_DEPTH nested includes and PAMD_MAX_FILES files in all; going
 * over any bound is an error, never a silent cut.
 */
#ifndef PAMD_H
#define PAMD_H

#include <stdbool.h>
#include <stddef.h>

#define PAMD_WUR __attribute__((warn_unused_result))
#define PAMD_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))

#define PAMD_MAX_FILE 65536	/* bytes of one pam.d file */
#define PAMD_MAX_LINE 4096	/* bytes of one line, continuations joined */
#define PAMD_MAX_ENTRIES 256	/* entries returned */
#define PAMD_MAX_DEPTH 8	/* nested @include / include / substack */
#define PAMD_MAX_FILES 64	/* files read for one service */
#define PAMD_MAX_ARGS 128	/* arguments of one module line */
#define PAMD_MAX_JUMP 1000	/* largest "[value=N]" jump accepted */
#define PAMD_DEFAULT_DIR "/etc/pam.d"

/*
 * What libpam does with a module's return value, in Linux-PAM's encoding
 * (_PAM_ACTION_*): a value > 0 jumps over that many modules.
 */
enum pamd_action {
	PAMD_IGNORE = 0,
	PAMD_OK = -1,
	PAMD_DONE = -2,
	PAMD_BAD = -3,
	PAMD_DIE = -4,
	PAMD_RESET = -5,
};

enum pamd_kind {
	PAMD_MODULE,	/* a module line */
	PAMD_SUBSTACK,	/* a "substack FILE" line; its modules follow, one
			 * level deeper */
};

struct pamd_entry {
	enum pamd_kind kind;
	char *type;		/* owned: "auth", "account", "password" or
				 * "session" (lower case, without the '-') */
	bool silent;		/* written "-type": libpam does not log a
				 * module that fails to load */
	char *control;		/* owned: as written; the text inside the
				 * brackets when bracketed */
	bool bracketed;
	int on_success;		/* action for PAM_SUCCESS (enum pamd_action
				 * or a jump > 0) */
	int on_auth_err;	/* action for PAM_AUTH_ERR */
	char *module;		/* owned: module path as written, or the
				 * substack's file name */
	int argc;
	char **argv;		/* owned: argc strings, then NULL; brackets
				 * of "[...]" arguments removed */
	char *file;		/* owned: path of the file holding the line */
	unsigned int line;	/* first physical line of the entry, 1-based */
	unsigned int level;	/* substack depth: 0 = the service's stack */
};

struct pamd_stack {
	struct pamd_entry *entries;	/* owned: pamd_stack_free() */
	size_t n;
};

/* Empty stack.  Always succeeds; pair with pamd_stack_free(). */
void pamd_stack_init(struct pamd_stack *st) PAMD_NONNULL(1);
/* Free every entry and re-initialise; st may be NULL. */
void pamd_stack_free(struct pamd_stack *st);

/*
 * Read DIR/SERVICE (dir NULL: PAMD_DEFAULT_DIR) and every file it
 * includes, keeping the entries whose type equals type (NULL: all types;
 * "include" and "substack" lines still pass their own type down, as
 * libpam does).  Relative include names are resolved in dir; absolute
 * ones are used as they are.  service must be a plain file name (no '/',
 * not "." or "..").
 *
 * On success returns 0 and st (initialised by the caller, emptied first)
 * owns the entries.  On failure returns -1, st is empty and err holds a
 * one-line reason, "FILE:LINE: what" where a line is at fault: a file that
 * cannot be opened or is not a regular file, one over PAMD_MAX_FILE bytes
 * or with a NUL byte, a line over PAMD_MAX_LINE bytes, a carriage return,
 * a "\" continuation at the end of a file, an unknown module type, a
 * missing control or module, a malformed control, an unterminated "[",
 * more than PAMD_MAX_ARGS arguments,
 * includes nested deeper than PAMD_MAX_DEPTH, an include loop, more than
 * PAMD_MAX_FILES files or PAMD_MAX_ENTRIES entries, or out of memory.
 */
int pamd_load(struct pamd_stack *st, const char *dir, const char *service,
	      const char *type, char *err, size_t errlen) PAMD_WUR
	PAMD_NONNULL(1, 3, 5);

/*
 * Parse a control field the way libpam does: a keyword (required,
 * requisite, optional, sufficient; any case) or, bracketed or not, a list
 * of "value=action" pairs with "default=action" filling what is unset and
 * "bad" what is still unset after that.  Sets *on_success and
 * *on_auth_err.  Returns 0, or -1 with *why set (static string) for a
 * malformed control; "include" and "substack" are not controls here.
 */
int pamd_parse_control(const char *control, bool bracketed, int *on_success,
		       int *on_auth_err, const char **why) PAMD_WUR
	PAMD_NONNULL(1, 3, 4, 5);

/*
 * True when entry `from`, on PAM_SUCCESS, makes libpam skip entry
 * `target` (from < target): "done" or "die" ends the stack level `from`
 * is on, and a jump of N passes over N modules of that level (a substack
 * counts as one), as in Linux-PAM's _pam_dispatch_aux().  Substack
 * markers never act.  False when target is not after from.
 */
bool pamd_skips(const struct pamd_stack *st, size_t from, size_t target)
	PAMD_NONNULL(1);

/* The part of path after its last '/'. */
const char *pamd_basename(const char *path) PAMD_NONNULL(1);

/*
 * Replace, in place, every byte that could drive a terminal (C0 controls,
 * DEL, C1 controls as UTF-8) with '?'.  For messages that quote paths and
 * words from files.
 */
void pamd_scrub(char *s) PAMD_NONNULL(1);

/*
 * "ok", "done", "jump 2", ... for an action; writes into buf (at least 16
 * bytes) and returns it.
 */
const char *pamd_action_name(int action, char *buf, size_t len)
	PAMD_NONNULL(2);

#endif /* PAMD_H */
