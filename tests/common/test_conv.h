/* SPDX-License-Identifier: BSD-3-Clause */
/* A PAM conversation for the pam test programs (tests/common/test_conv.c). */
#ifndef TEST_CONV_H
#define TEST_CONV_H

#include <security/pam_appl.h>

/* Answers every PAM_PROMPT_ECHO_OFF prompt with the string appdata. */
int test_token_conv(int num_msg, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata);

#endif /* TEST_CONV_H */
