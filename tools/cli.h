/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - what the agentictrust subcommands share: the stderr log sink,
 * reading the credential from stdin, and finding pam_agentictrust.so in a
 * pam.d service (tools/pamd.h).
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "at.h"
#include "pamd.h"

#define CLI_MODULE_NAME "pam_agentictrust.so"

/*
 * lib's log sink for the CLI: "agentictrust: error: ..." on stderr.
 * cli_log.debug follows the module's "debug" option.
 */
extern struct at_log cli_log;

/* The most verify reads from stdin: the module judges all it is given. */
#define CLI_MAX_STDIN 65536

/*
 * Read all of stdin (a credential) into a new NUL-terminated buffer.
 * *out is owned: at_freezero(*out, *outlen + 1).  Returns 0, or -1 on a
 * read error, out of memory or more than CLI_MAX_STDIN bytes.
 */
int cli_read_stdin(char **out, size_t *outlen) AT_WUR AT_NONNULL(1, 2);

/*
 * A path given on the command line, made absolute: path itself when it
 * starts with "/", else getcwd() + "/" + path.  The library's strict
 * checks then walk the result from / as for a module argument; the
 * module itself keeps refusing relative paths (pam.d has no meaningful
 * current directory).  opt ("--secret-file") names the option in the
 * message on stderr.  Returns a new string (owned: free()), or NULL on
 * an empty path, a getcwd() failure or out of memory.
 */
char *cli_abs_path(const char *path, const char *opt) AT_NONNULL(1, 2);

/* The largest time cli_parse_time() accepts: 9999-12-31T23:59:59Z. */
#define CLI_TIME_MAX 253402300799LL
/* The largest relative offset: 100 years of seconds. */
#define CLI_REL_MAX 3155760000ULL

/*
 * A time argument: "now", Unix seconds (1..CLI_TIME_MAX) or exactly
 * YYYY-MM-DDTHH:MM:SSZ (UTC, a real date, no leap second); with relative,
 * also a sign, decimal digits and one unit of s, m, h or d ("+90s",
 * "-5m", "+2h", "+1d"; at most CLI_REL_MAX seconds) from now.  The
 * result is 1..CLI_TIME_MAX.  Returns false on anything else.
 */
bool cli_parse_time(const char *s, time_t now, bool relative, int64_t *out)
	AT_WUR AT_NONNULL(1, 4);

/* Seconds since the epoch as "2026-11-25T12:02:11Z" (UTC), or in
 * decimal when gmtime_r() cannot place it. */
void cli_fmt_iso(int64_t t, char *buf, size_t len) AT_NONNULL(2);

/* s when it is printable and at most 1024 bytes, else "(unprintable)". */
const char *cli_printable(const char *s);

/*
 * The pam_agentictrust.so auth lines of DIR/SERVICE (dir NULL:
 * /etc/pam.d): the stack is loaded into st (initialised by the caller,
 * freed with pamd_stack_free()) and *idx (owned: free()) receives the
 * indices of the lines whose module path's basename is
 * pam_agentictrust.so, *n their number (0 is not an error here).
 * Returns 0, or -1 with the reason in err.
 */
int cli_find_modules(const char *dir, const char *service,
		     struct pamd_stack *st, size_t **idx, size_t *n, char *err,
		     size_t errlen) AT_WUR AT_NONNULL(2, 3, 4, 5, 6);

/*
 * The module's argument vector for one entry: its pam.d arguments, then
 * the nextra command-line ones (which override: at_config_load() applies
 * them in order).  e may be NULL (command-line arguments only).  The
 * strings are borrowed; the array is owned: free().  NULL when out of
 * memory.
 */
const char **cli_module_argv(const struct pamd_entry *e, int nextra,
			     char *const *extra, int *argc) AT_NONNULL(4);

/*
 * "auth required pam_agentictrust.so" or "auth [success=1 ...] ..." into
 * buf (cut short, never overflowed).
 */
void cli_entry_str(const struct pamd_entry *e, char *buf, size_t len)
	AT_NONNULL(1, 2);

/*
 * The arguments into buf, space-separated, "[...]" around one with a
 * blank, unprintable ones replaced; "(none)" for none.  Cut short with
 * "..." when buf is too small.
 */
void cli_args_str(int argc, const char *const *argv, char *buf, size_t len)
	AT_NONNULL(3);

/* Subcommands: argv[0] is the subcommand's name.  Exit status. */
int cmd_verify(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* agentictrust map compile|check MAP (cmd_map.c): 0, 1 on an error, 2 on
 * a usage error, 3 when check finds the compiled index stale. */
int cmd_map(int argc, char **argv);
/*
 * The state store (cmd_store.c): cmd is "revoke", "unrevoke", "revoked"
 * or "fingerprint".
 */
int cmd_store(const char *cmd, int argc, char **argv);

/* The name that makes the binary behave as "agentictrust askpass". */
#define ASKPASS_PROGNAME "agentictrust-askpass"

/*
 * agentictrust askpass [PROMPT]: print the credential from
 * $AGENTICTRUST_TOKEN_FILE or $AGENTICTRUST_TOKEN_COMMAND on stdout.
 * Returns 0 when a credential was printed, 1 when none was (refused
 * prompt, bad file, failed command), 2 on usage errors.
 */
int cmd_askpass(int argc, char **argv);

/*
 * True when prompt (may be NULL) must not be answered with a credential:
 * kind (SSH_ASKPASS_PROMPT, may be NULL) is "confirm" or "none", or the
 * text asks a yes/no question, for a passphrase or for a PIN.
 */
bool askpass_prompt_refused(const char *prompt, const char *kind);

#endif /* CLI_H */
