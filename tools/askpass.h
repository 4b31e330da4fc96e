/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef AT_TOOLS_ASKPASS_H
#define AT_TOOLS_ASKPASS_H

#include <stdbool.h>

/* The name that makes the binary behave as "agentictrust askpass". */
#define ASKPASS_PROGNAME "agentictrust-askpass"

/*
 * agentictrust askpass [PROMPT]: print the credential from
 * $AGENTICTRUST_TOKEN_FILE or $AGENTICTRUST_TOKEN_COMMAND on stdout.
 * argv[0] is the command name.  Returns 0 when a credential was printed,
 * 1 when none was (refused prompt, bad file, failed command), 2 on usage
 * errors.
 */
int cmd_askpass(int argc, char **argv);

/*
 * True when prompt (may be NULL) must not be answered with a credential:
 * kind (SSH_ASKPASS_PROMPT, may be NULL) is "confirm" or "none", or the
 * text asks a yes/no question or for a passphrase.
 */
bool askpass_prompt_refused(const char *prompt, const char *kind);

#endif
