#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/su.sh MODULE CLI SRCDIR
#
# The real su (util-linux /bin/su) with an /etc/pam.d/su that asks for an
# Agentic Trust credential (private /etc), run by a throwaway user with
# the credential on stdin (and, for a valid and a forged JWT, typed at the
# prompt on a pseudo-terminal: tests/real/su-pty.py; the terminal output
# must not echo it): a valid JWT opens a normal throwaway account,
# while a valid JWT for a system account (useradd -r) or for root is
# refused as system_user (issue 7, item 6), unless allow_system_users is
# on the line.  Every verdict is checked in the captured syslog by its
# reason tag.  Everything runs in a private mount and PID namespace
# (common.sh); needs root, else exits 77.
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(/bin/su)
# The stack it edits in the private /etc (its digest is in rt_state).
# shellcheck disable=SC2034 # read by rt_check_real_system in common.sh
RT_PAMD_FILE=/etc/pam.d/su
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
rt_main su "$@"

# ------------------------------------------ inside the private namespaces
SVC=su
R=ateve$RANDOM		# runs su
N=atfrank$RANDOM	# a normal account (uid >= UID_MIN)
S=atsys$RANDOM		# a system account (useradd -r)

rt_useradd "$R"
rt_useradd "$N"
rt_useradd_system "$S"
HOME_R=$RT_TMP/home/$R
rt_agentictrust_files any	# the su stack narrows it: mode=jwt

uid_s=$(id -u "$S")
uid_min=$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs)
uid_min=${uid_min:-1000}
if [ "$uid_s" -lt "$uid_min" ] && [ "$(id -u "$N")" -ge "$uid_min" ]; then
	rt_ok "setup: $S (uid $uid_s) is below UID_MIN $uid_min, $N (uid $(id -u "$N")) is not"
else
	rt_bail "useradd -r gave $S uid $uid_s, not below UID_MIN $uid_min"
fi

# write_stack [EXTRA-ARGUMENT...]: /etc/pam.d/su (the private copy), the
# module in place of common-auth, Debian's session lines kept.
write_stack() {
	cat >/etc/pam.d/su <<EOF2
# tests/real/su.sh: su asks for an Agentic Trust credential
auth       sufficient pam_rootok.so
auth       required   pam_agentictrust.so config=/etc/security/agentictrust.conf mode=jwt max_ttl=900 $*
account    required   pam_agentictrust.so config=/etc/security/agentictrust.conf
@include common-account
session    required   pam_env.so readenv=1
session    required   pam_limits.so
@include common-session
EOF2
}
write_stack

rt_diag "$(su --version 2>&1 | head -n1); runner $R, normal $N, system $S (uid $uid_s), root"

# run_su TARGET CRED: R runs "su TARGET -c 'id -un'" with CRED on stdin,
# no controlling tty.  Sets SU_RC and SU_OUT; stderr in SU_ERR.
run_su() {
	SU_ERR=$RT_TMP/su.stderr
	SU_OUT=$(printf '%s\n' "$2" |
		env -i PATH=/usr/bin:/bin HOME="$HOME_R" LANG=C.UTF-8 \
		timeout -k 5 30 setsid setpriv --reuid="$R" --regid="$R" \
		--init-groups -- /bin/su "$1" -c 'id -un' 2>"$SU_ERR")
	SU_RC=$?
}

# su_ok DESCRIPTION TARGET CRED
su_ok() {
	local d=$1 target=$2 cred=$3
	rt_log_mark
	run_su "$target" "$cred"
	if [ $SU_RC -eq 0 ] && [ "$SU_OUT" = "$target" ]; then
		rt_ok "$d: su $target runs id -un as $target"
	else
		rt_not_ok "$d: su $target runs id -un as $target" \
			"exit $SU_RC, stdout '$SU_OUT'" "$(cat "$SU_ERR")"
	fi
	rt_expect_log "$d: logged accepted user=$target reason=ok" \
		"$SVC" accepted "$target" jwt "ok sub=$target kid=- secret=0 fp=[0-9a-f]{32}"
}

# su_refused DESCRIPTION TARGET CRED REASON
su_refused() {
	local d=$1 target=$2 cred=$3 reason=$4
	rt_log_mark
	run_su "$target" "$cred"
	if [ $SU_RC -ne 0 ] && [ -z "$SU_OUT" ]; then
		rt_ok "$d: su $target refuses (exit $SU_RC, command not run)"
	else
		rt_not_ok "$d: su $target refuses (exit $SU_RC, command not run)" \
			"stdout '$SU_OUT'" "$(cat "$SU_ERR")"
	fi
	# The credential itself was good: the line names its sub and secret.
	rt_expect_log "$d: logged rejected user=$target reason=$reason" \
		"$SVC" rejected "$target" jwt "$reason sub=$target kid=- secret=0 fp=[0-9a-f]{32}"
}

# ------------------------------------------------------------- credentials
TOK_N=$(rt_jwt "$RT_SECRET_FILE" "$N" --ttl 300) || rt_bail "mint a token for $N"
TOK_S=$(rt_jwt "$RT_SECRET_FILE" "$S" --ttl 300) || rt_bail "mint a token for $S"
TOK_ROOT=$(rt_jwt "$RT_SECRET_FILE" root --ttl 300) || rt_bail "mint a token for root"
FORGED=$(rt_jwt "$RT_OTHER_SECRET" "$N" --ttl 300) || rt_bail "mint a forged token"

# ------------------------------------------------------------------ cases
su_ok "normal account" "$N" "$TOK_N"
su_refused "system account ($S, useradd -r)" "$S" "$TOK_S" system_user
su_refused "root" root "$TOK_ROOT" system_user
rt_log_mark
run_su "$N" "$FORGED"
if [ $SU_RC -ne 0 ] && [ -z "$SU_OUT" ]; then
	rt_ok "forged JWT: su $N refuses"
else
	rt_not_ok "forged JWT: su $N refuses" "exit $SU_RC, stdout '$SU_OUT'"
fi
rt_expect_log "forged JWT: logged bad_signature" "$SVC" rejected "$N" jwt bad_signature

# ------------------------------------------------------- through a pty
# As a person types at su's prompt: su-pty.py runs su on a new
# pseudo-terminal (its controlling tty) as $R, waits for the prompt and
# for echo off, types the credential and reads the terminal to the end.
PTY_N=0
PTY_FILES=()
# su_pty TARGET CRED: sets PTY_RES (su-pty.py's summary line), PTY_RC and
# PTY_OUT (the terminal output, CRs removed).
su_pty() {
	local f
	f=$(rt_cred_file pty "$2")
	PTY_N=$((PTY_N + 1))
	PTY_T=$RT_TMP/su-pty-$PTY_N.transcript
	PTY_FILES+=("$PTY_T")
	PTY_RES=$("$RT_PY" "$RT_SRC/tests/real/su-pty.py" "$R" "$1" \
		"Agentic Trust token: " "$f" "$PTY_T" 2>"$RT_TMP/su-pty.err")
	PTY_RC=$?
	rm -f "$f"
	PTY_OUT=$(tr -d '\r' <"$PTY_T")
}

rt_log_mark
su_pty "$N" "$TOK_N"
if [ $PTY_RC -eq 0 ] && [ "$PTY_RES" = "exit=0 prompt=1 echo_off=1 echoed=0" ] &&
	[ "$(printf '%s\n' "$PTY_OUT" | grep -v '^$' | tail -n1)" = "$N" ]; then
	rt_ok "pty: valid JWT typed at su's prompt: su $N runs id -un as $N ($PTY_RES)"
else
	rt_not_ok "pty: valid JWT typed at su's prompt: su $N runs id -un as $N" \
		"su-pty.py: exit $PTY_RC, $PTY_RES" "terminal: $PTY_OUT" \
		"$(cat "$RT_TMP/su-pty.err")"
fi
rt_expect_log "pty: valid JWT: logged accepted user=$N reason=ok" \
	"$SVC" accepted "$N" jwt "ok sub=$N kid=- secret=0 fp=[0-9a-f]{32}"

rt_log_mark
su_pty "$N" "$FORGED"
case $PTY_RES in
"exit=0 "*) pty_exit_ok=0 ;;
"exit="*" prompt=1 echo_off=1 echoed=0") pty_exit_ok=1 ;;
*) pty_exit_ok=0 ;;
esac
if [ $PTY_RC -eq 0 ] && [ $pty_exit_ok -eq 1 ] &&
	printf '%s\n' "$PTY_OUT" | grep -q '^su: Authentication failure$' &&
	! printf '%s\n' "$PTY_OUT" | grep -qx "$N"; then
	rt_ok "pty: forged JWT typed at su's prompt: su $N says 'su: Authentication failure', command not run ($PTY_RES)"
else
	rt_not_ok "pty: forged JWT typed at su's prompt: su $N refuses" \
		"su-pty.py: exit $PTY_RC, $PTY_RES" "terminal: $PTY_OUT" \
		"$(cat "$RT_TMP/su-pty.err")"
fi
rt_expect_log "pty: forged JWT: logged bad_signature" "$SVC" rejected "$N" jwt bad_signature

# The CLI, reading the same config and login.defs, gives the same verdict.
for t in "$S:$TOK_S:system_user" "root:$TOK_ROOT:system_user" "$N:$TOK_N:"; do
	u=${t%%:*}
	rest=${t#*:}
	tok=${rest%:*}
	want=${rest##*:}
	got=$(rt_cli_reason "$tok" "$u" config=/etc/security/agentictrust.conf mode=jwt)
	if [ "$got" = "$want" ]; then
		rt_ok "agentictrust verify --user $u: ${want:-accepted}, as the module"
	else
		rt_not_ok "agentictrust verify --user $u: ${want:-accepted}, as the module" "got '$got'"
	fi
done

# allow_system_users on the line: the administrator lets system accounts in.
write_stack allow_system_users
su_ok "allow_system_users: system account" "$S" "$TOK_S"
su_ok "allow_system_users: normal account" "$N" "$TOK_N"

rt_check_service_lines "su reads /etc/pam.d/su" "$SVC"
rt_check_no_leak "$RT_SYSLOG" "${PTY_FILES[@]}"
