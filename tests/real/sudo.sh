#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/sudo.sh MODULE CLI SRCDIR
#
# The real sudo (/usr/bin/sudo) with the shipped PAM stack (conf/pam.d/sudo:
# mode=jwt max_ttl=900), chosen per user by "Defaults:USER pam_service=" in
# a sudoers drop-in: the credential on stdin (sudo -S) and through
# SUDO_ASKPASS=agentictrust-askpass (sudo -A); good, forged, expired,
# other-user, HMAC and over-long-ttl tokens, sudo's 511-byte answer
# limit, and a system account (useradd -r) whose own valid token is
# refused as system_user.  Everything runs in a private mount and PID namespace
# (common.sh); needs root, else exits 77.
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(/usr/bin/sudo visudo)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
rt_main sudo "$@"

# ------------------------------------------ inside the private namespaces
SVC=sudo-agentictrust
U=atcarol$RANDOM	# runs sudo
O=atdave$RANDOM		# another existing user
SYSU=atsys$RANDOM	# a system account (useradd -r) that runs sudo too
SUDOERS=/etc/sudoers.d/agentictrust-real-test

rt_useradd "$U"
rt_useradd "$O"
rt_useradd_system "$SYSU"
HOME_U=$RT_TMP/home/$U
rt_agentictrust_files any	# conf/pam.d/sudo narrows it: mode=jwt max_ttl=900
ln -s "$RT_SRC/conf/pam.d/sudo" "/etc/pam.d/$SVC" || rt_bail "pam.d link"
rt_askpass

# No mail on a bad password (Debian's sudoers sets mail_badpass), no
# cached credentials, one try, no lecture.
cat >"$SUDOERS.tmp" <<EOF
# tests/real/sudo.sh: $U authenticates through /etc/pam.d/$SVC
Defaults:$U pam_service=$SVC
Defaults:$U !lecture, !mail_badpass, !requiretty
Defaults:$U passwd_tries=1, timestamp_timeout=0
$U ALL=(root) /usr/bin/id, /usr/bin/printenv
Defaults:$SYSU pam_service=$SVC
Defaults:$SYSU !lecture, !mail_badpass, !requiretty
Defaults:$SYSU passwd_tries=1, timestamp_timeout=0
$SYSU ALL=(root) /usr/bin/id
EOF
chmod 0440 "$SUDOERS.tmp"
visudo -cqf "$SUDOERS.tmp" || rt_bail "visudo rejects the drop-in"
mv "$SUDOERS.tmp" "$SUDOERS"
visudo -cq >/dev/null || rt_bail "visudo -c fails with the drop-in"

rt_diag "$(sudo -V | head -n1); service $SVC, users $U $O, askpass $RT_ASKPASS"

# run_sudo MODE CRED SUDO-ARGS...: MODE "stdin" (sudo -S, credential on
# stdin) or "askpass" (sudo -A, credential in a 0600 file of U's).  No
# controlling tty (setsid).  Sets SUDO_RC, SUDO_OUT; stderr in SUDO_ERR.
# Run by U, or by $SUDO_RUNNER when set.
run_sudo() {
	local mode=$1 cred=$2 f U=${SUDO_RUNNER:-$U}
	local HOME_U=$RT_TMP/home/$U
	shift 2
	SUDO_ERR=$RT_TMP/sudo.stderr
	if [ "$mode" = stdin ]; then
		SUDO_OUT=$(printf '%s\n' "$cred" |
			env -i PATH=/usr/bin:/bin HOME="$HOME_U" LANG=C.UTF-8 \
			timeout -k 5 30 setsid setpriv --reuid="$U" --regid="$U" \
			--init-groups -- /usr/bin/sudo -S -k -p '' "$@" 2>"$SUDO_ERR")
	else
		f=$HOME_U/token
		(umask 077; printf '%s\n' "$cred" >"$f")
		chown "$U:" "$f"
		SUDO_OUT=$(env -i PATH=/usr/bin:/bin HOME="$HOME_U" LANG=C.UTF-8 \
			SUDO_ASKPASS="$RT_ASKPASS" AGENTICTRUST_TOKEN_FILE="$f" \
			timeout -k 5 30 setsid setpriv --reuid="$U" --regid="$U" \
			--init-groups -- /usr/bin/sudo -A -k "$@" \
			</dev/null 2>"$SUDO_ERR")
		SUDO_RC=$?
		rm -f "$f"
		return
	fi
	SUDO_RC=$?
}

# sudo_ok MODE DESCRIPTION CRED
sudo_ok() {
	local mode=$1 d=$2 cred=$3
	rt_log_mark
	run_sudo "$mode" "$cred" /usr/bin/id -u
	if [ $SUDO_RC -eq 0 ] && [ "$SUDO_OUT" = 0 ]; then
		rt_ok "$mode: $d: sudo id -u prints 0"
	else
		rt_not_ok "$mode: $d: sudo id -u prints 0" \
			"exit $SUDO_RC, stdout '$SUDO_OUT'" "$(cat "$SUDO_ERR")"
	fi
	rt_expect_log "$mode: $d: logged accepted user=$U service=$SVC method=jwt sub=$U" \
		"$SVC" accepted "$U" jwt "ok sub=$U kid=- secret=0 fp=[0-9a-f]{32}"
	if rt_log_wait "sudo(\[[0-9]+\])?: +$U : .*USER=root ; COMMAND=/usr/bin/id -u" 3; then
		rt_ok "$mode: $d: sudo logged the command to syslog"
	else
		rt_not_ok "$mode: $d: sudo logged the command to syslog" \
			"$(rt_log_new | grep -v pam_agentictrust)"
	fi
	rt_expect_no_errors "$mode: $d"
}

# sudo_refused MODE DESCRIPTION CRED VERDICT METHOD REASON
sudo_refused() {
	local mode=$1 d=$2 cred=$3 verdict=$4 method=$5 reason=$6
	rt_log_mark
	run_sudo "$mode" "$cred" /usr/bin/id -u
	if [ $SUDO_RC -eq 1 ] && [ -z "$SUDO_OUT" ]; then
		rt_ok "$mode: $d: sudo refuses (exit 1, command not run)"
	else
		rt_not_ok "$mode: $d: sudo refuses (exit 1, command not run)" \
			"exit $SUDO_RC, stdout '$SUDO_OUT'" "$(cat "$SUDO_ERR")"
	fi
	rt_expect_log "$mode: $d: logged $verdict user=$U reason=$reason" \
		"$SVC" "$verdict" "$U" "$method" "$reason"
}

# ------------------------------------------------------------- credentials
GOOD=$(rt_jwt "$RT_SECRET_FILE" "$U" --ttl 300 --email "$U@example.com") ||
	rt_bail "mint a token"
HMAC=$(rt_hmac "$RT_SECRET_FILE" "$U") || rt_bail "mint an HMAC"
EXPIRED=$(rt_jwt_expired "$RT_SECRET_FILE" "$U") || rt_bail "craft an expired token"
OTHER=$(rt_jwt "$RT_SECRET_FILE" "$O" --ttl 300) || rt_bail "mint a token for $O"
FORGED=$(rt_jwt "$RT_OTHER_SECRET" "$U" --ttl 300) || rt_bail "mint a forged token"
LONG_TTL=$(rt_jwt "$RT_SECRET_FILE" "$U" --ttl 3600) || rt_bail "mint a 1-hour token"
LONG_OK=$(rt_jwt_len 511 "$RT_SECRET_FILE" "$U" --ttl 300) || rt_bail "mint a 511-byte token"
LONG_BAD=$(rt_jwt_len 512 "$RT_SECRET_FILE" "$U" --ttl 300) || rt_bail "mint a 512-byte token"
rt_diag "token lengths: good ${#GOOD}, long ${#LONG_OK}/${#LONG_BAD} bytes"
[ ${#LONG_OK} -eq 511 ] && [ ${#LONG_BAD} -eq 512 ] ||
	rt_bail "could not mint tokens of exactly 511 and 512 bytes"

# ------------------------------------------------------------------ cases
sudo_ok stdin "good JWT (ttl 300)" "$GOOD"
sudo_ok askpass "good JWT (ttl 300) through SUDO_ASKPASS=agentictrust-askpass" "$GOOD"
sudo_refused stdin "garbage credential" "not-a-token" rejected none malformed
sudo_refused stdin "JWT signed with another secret" "$FORGED" rejected jwt bad_signature
sudo_refused stdin "expired JWT" "$EXPIRED" rejected jwt expired
sudo_refused stdin "valid JWT for another user ($O)" "$OTHER" rejected jwt user_mismatch
sudo_refused stdin "valid HMAC (mode=jwt in conf/pam.d/sudo)" "$HMAC" \
	rejected hmac method_not_allowed
sudo_refused stdin "valid JWT with ttl 3600 (max_ttl=900 in conf/pam.d/sudo)" \
	"$LONG_TTL" rejected jwt ttl_too_long
sudo_refused askpass "JWT signed with another secret through SUDO_ASKPASS" \
	"$FORGED" rejected jwt bad_signature

# What the session gets: the module's pam_putenv values, and no other
# AGENTICTRUST_* variable (the session line removed the seal).
rt_log_mark
run_sudo stdin "$GOOD" /usr/bin/printenv
got=$(printf '%s\n' "$SUDO_OUT" | grep '^AGENTICTRUST_' | sort | tr '\n' ' ')
# The fingerprint and iat of GOOD (issue 8 exports both for a JWT).
good_fp=$(printf '%s\n' "$GOOD" | "$RT_CLI" fingerprint --secret-file "$RT_SECRET_FILE")
good_iat=$(printf '%s\n' "$GOOD" | "$RT_PY" -c 'import base64, json, sys
p = sys.stdin.read().split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iat"])')
want="AGENTICTRUST_EMAIL=$U@example.com AGENTICTRUST_FP=$good_fp AGENTICTRUST_IAT=$good_iat AGENTICTRUST_METHOD=jwt AGENTICTRUST_SUB=$U "
if [ $SUDO_RC -eq 0 ] && [ "$got" = "$want" ]; then
	rt_ok "stdin: the command's AGENTICTRUST_* environment is exactly $want"
else
	rt_not_ok "stdin: the command's AGENTICTRUST_* environment is exactly $want" \
		"exit $SUDO_RC, got '$got'" "$(cat "$SUDO_ERR")"
fi

# sudo's answer limit: it refuses an answer of PAM_MAX_RESP_SIZE (512)
# bytes or more and returns PAM_CONV_ERR to the module.
for mode in stdin askpass; do
	sudo_ok "$mode" "valid JWT of exactly 511 bytes" "$LONG_OK"
	sudo_refused "$mode" "valid JWT of 512 bytes (sudo refuses answers >= 512)" \
		"$LONG_BAD" refused none conversation
	if rt_log_new | grep -E "pam_agentictrust\($SVC:auth\): hint .*512 bytes or more.*too long for sudo" | grep -q 511; then
		rt_ok "$mode: 512-byte JWT: the module's log says the answer was too long for sudo (511)"
	else
		rt_not_ok "$mode: 512-byte JWT: the module's log says the answer was too long for sudo (511)" \
			"$(rt_log_new | grep -o 'pam_agentictrust(.*')"
	fi
	rt_diag "$mode: sudo said: $(tr '\n' ' ' <"$SUDO_ERR")"
done

# A system account with a valid token of its own (issue 7, item 6): the
# credential verifies, the account is refused.
TOK_SYS=$(rt_jwt "$RT_SECRET_FILE" "$SYSU" --ttl 300) || rt_bail "mint a token for $SYSU"
rt_log_mark
SUDO_RUNNER=$SYSU run_sudo stdin "$TOK_SYS" /usr/bin/id -u
if [ $SUDO_RC -eq 1 ] && [ -z "$SUDO_OUT" ]; then
	rt_ok "stdin: system account $SYSU (uid $(id -u "$SYSU")) with a valid JWT: sudo refuses"
else
	rt_not_ok "stdin: system account $SYSU (uid $(id -u "$SYSU")) with a valid JWT: sudo refuses" \
		"exit $SUDO_RC, stdout '$SUDO_OUT'" "$(cat "$SUDO_ERR")"
fi
rt_expect_log "stdin: system account: logged rejected user=$SYSU reason=system_user" \
	"$SVC" rejected "$SYSU" jwt "system_user sub=$SYSU kid=- secret=0 fp=[0-9a-f]{32}"

rt_check_service_lines "pam_service=$SVC in sudoers selects /etc/pam.d/$SVC" "$SVC"
rt_check_no_leak "$RT_SYSLOG"
