#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/sshd.sh MODULE CLI SRCDIR
#
# The real OpenSSH server (/usr/sbin/sshd) with the shipped PAM stack
# (conf/pam.d/sshd) and the shipped sshd_config drop-in
# (conf/sshd_config.d/agentictrust.conf), driven by the real ssh client
# with SSH_ASKPASS=agentictrust-askpass: keyboard-interactive and password
# authentication, good and bad credentials, an unknown user, root, and the
# client's 1023-byte answer limit; a user's hostile ~/.pam_environment
# read by pam_env in the session stack, and also in the auth stack (whose
# setcred sshd runs again in the session child).  Everything runs in a
# private mount and PID namespace (common.sh); needs root, else exits 77.
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(/usr/sbin/sshd /usr/bin/ssh ssh-keygen ss)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
rt_main sshd "$@"

# ------------------------------------------ inside the private namespaces
SVC=sshd-agentictrust
U=atalice$RANDOM	# the user who logs in
O=atbob$RANDOM		# another existing user
NOBODY=atnobody$RANDOM	# never created
SSHD_LINK=$RT_TMP/bin/$SVC
SSHD_PID=
WANT_OUT_JWT="sub=$U method=jwt email=unset seal=unset"
WANT_OUT_JWT_EMAIL="sub=$U method=jwt email=$U@example.com seal=unset"
WANT_OUT_HMAC="sub=$U method=hmac email=unset seal=unset"
# shellcheck disable=SC2016 # expanded by the remote shell
REMOTE_CMD='echo "sub=$AGENTICTRUST_SUB method=$AGENTICTRUST_METHOD email=${AGENTICTRUST_EMAIL-unset} seal=${AGENTICTRUST_SEAL-unset}"'
ONEWRITE=$RT_TMP/bin/onewrite-askpass

rt_useradd "$U"
rt_useradd "$O"
# What U's own ~/.pam_environment says: the shipped stack's pam_env line
# (user_readenv=1) reads it after auth.  pam_env.conf syntax, "\@" for a
# literal "@".  The module's session line must undo all of it.
cat >"$RT_TMP/home/$U/.pam_environment" <<'ENV'
AGENTICTRUST_SUB OVERRIDE=root
AGENTICTRUST_EMAIL OVERRIDE=evil\@x
AGENTICTRUST_METHOD OVERRIDE=jwt
ENV
chown "$U:" "$RT_TMP/home/$U/.pam_environment"
rt_agentictrust_files any
ln -s "$RT_SRC/conf/pam.d/sshd" "/etc/pam.d/$SVC" || rt_bail "pam.d link"
rt_askpass
ASKPASS=$RT_ASKPASS
# For probing the client's own limit only: hands ssh the token file in ONE
# write(2), no newline, so what ssh keeps does not depend on timing.
cat >"$ONEWRITE" <<EOF
#!$RT_PY
import os
os.write(1, open(os.environ["AGENTICTRUST_TOKEN_FILE"], "rb").read().rstrip(b"\\n"))
EOF
chmod 0755 "$ONEWRITE"
mkdir -m 0700 "$RT_TMP/ssh" "$RT_TMP/client"
ssh-keygen -q -t ed25519 -N '' -C at-real -f "$RT_TMP/ssh/host_ed25519_key" ||
	rt_bail "ssh-keygen"
# OpenSSH takes __progname (basename of argv[0]) as the PAM service name.
ln -s /usr/sbin/sshd "$SSHD_LINK"

PORT=
for i in 1 2 3 4 5; do
	PORT=$(rt_free_port) && rt_port_is_free "$PORT" && break
	PORT=
done
[ -n "$PORT" ] || rt_bail "no free port on 127.0.0.1"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$RT_TMP/ssh/host_ed25519_key.pub")" \
	>"$RT_TMP/client/known_hosts"
: >"$RT_TMP/client/empty_known_hosts"

rt_diag "sshd: $(/usr/sbin/sshd -V 2>&1 | head -n1); client: $(ssh -V 2>&1)" \
	"service $SVC on 127.0.0.1:$PORT, users $U $O, askpass $RT_ASKPASS"

# ------------------------------------------------------------ sshd control

# write_config VARIANT: kbdint (the drop-in as shipped) or password (the
# password-auth overrides first: sshd_config is first-match-wins).
write_config() {
	local cfg=$RT_TMP/ssh/sshd_config.$1
	{
		echo "# tests/real/sshd.sh ($1)"
		echo "ListenAddress 127.0.0.1"
		echo "Port $PORT"
		echo "HostKey $RT_TMP/ssh/host_ed25519_key"
		echo "PidFile $RT_TMP/ssh/sshd.pid"
		echo "LogLevel VERBOSE"
		echo "LoginGraceTime 30"
		echo "MaxAuthTries 3"
		if [ "$1" = password ]; then
			echo "PasswordAuthentication yes"
			echo "KbdInteractiveAuthentication no"
			echo "AuthenticationMethods password"
		fi
		echo "Include $RT_SRC/conf/sshd_config.d/agentictrust.conf"
	} >"$cfg"
	printf '%s\n' "$cfg"
}

# start_sshd VARIANT [LOG NAME]
start_sshd() {
	local cfg i
	VARIANT=$1
	cfg=$(write_config "$1")
	SSHD_LOG=$RT_TMP/sshd-${2:-$1}.log
	: >"$SSHD_LOG"
	rt_port_is_free "$PORT" || rt_bail "port $PORT was taken"
	"$SSHD_LINK" -D -f "$cfg" -E "$SSHD_LOG" </dev/null &
	SSHD_PID=$!
	RT_BG_PIDS+=("$SSHD_PID")
	for i in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $PORT" "$SSHD_LOG" && break
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "Server listening on 127.0.0.1 port $PORT" "$SSHD_LOG" ||
		rt_bail "sshd ($1) did not start" "$(cat "$SSHD_LOG")"
}

stop_sshd() {
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}

# effective SETTING...: sshd -T's lines for the settings, for the checks.
effective() {
	local re
	re=$(printf '%s|' "$@")
	"$SSHD_LINK" -T -f "$RT_TMP/ssh/sshd_config.$VARIANT" \
		-C "user=$U,host=localhost,addr=127.0.0.1" 2>&1 |
		grep -E "^(${re%|}) " | sort | tr '\n' ';'
}

# ---------------------------------------------------------------- the client

# run_ssh PREFAUTH USER CRED_FILE [KNOWN_HOSTS [StrictHostKeyChecking]]:
# sets SSH_RC, SSH_OUT (stdout), SSH_ERR (file with stderr).  No tty: the
# credential only ever comes from SSH_ASKPASS.
run_ssh() {
	local kh=${4:-$RT_TMP/client/known_hosts} strict=${5:-yes}
	SSH_ERR=$RT_TMP/client/stderr
	SSH_OUT=$(env -i PATH=/usr/bin:/bin HOME="$RT_TMP/client" \
		SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force \
		AGENTICTRUST_TOKEN_FILE="$3" \
		timeout -k 5 30 setsid /usr/bin/ssh -F /dev/null -T \
		-p "$PORT" -l "$2" \
		-o BatchMode=no \
		-o PreferredAuthentications="$1" \
		-o NumberOfPasswordPrompts=1 \
		-o UserKnownHostsFile="$kh" \
		-o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking="$strict" \
		-o UpdateHostKeys=no -o CheckHostIP=no \
		-o HostKeyAlgorithms=ssh-ed25519 \
		-o ConnectTimeout=10 -o LogLevel=ERROR \
		127.0.0.1 "$REMOTE_CMD" </dev/null 2>"$SSH_ERR")
	SSH_RC=$?
}

# login_ok LABEL DESCRIPTION CRED WANT_OUT METHOD: CRED logs U in.
login_ok() {
	local label=$1 d=$2 cred=$3 want=$4 method=$5 f accepted fp
	f=$(rt_cred_file "$label" "$cred")
	rt_log_mark
	run_ssh "$PREFAUTH" "$U" "$f"
	if [ $SSH_RC -eq 0 ] && [ "$SSH_OUT" = "$want" ]; then
		rt_ok "$VARIANT: $d: ssh exits 0, session env is the verified one despite ~/.pam_environment: $SSH_OUT"
	else
		rt_not_ok "$VARIANT: $d: ssh exits 0, session env is the verified one despite ~/.pam_environment: $want" \
			"exit $SSH_RC, stdout '$SSH_OUT'" "$(cat "$SSH_ERR")" \
			"$(tail -n 5 "$SSHD_LOG")"
	fi
	# fp: the fingerprint of a JWT whose MAC verified, never of an HMAC.
	if [ "$method" = jwt ]; then fp='[0-9a-f]{32}'; else fp=-; fi
	rt_expect_log "$VARIANT: $d: logged accepted user=$U method=$method reason=ok sub=$U secret=0 fp=" \
		"$SVC" accepted "$U" "$method" "ok sub=$U kid=- secret=0 fp=$fp"
	if rt_log_wait "pam_agentictrust\\($SVC:session\\): session user=$U service=$SVC reason=restored changed=[1-9][0-9]* removed=[0-9]+\$"; then
		rt_ok "$VARIANT: $d: the session phase logged that it restored the verified values"
	else
		rt_not_ok "$VARIANT: $d: the session phase logged that it restored the verified values" \
			"$(rt_log_new | grep -o 'pam_agentictrust(.*')"
	fi
	rt_expect_no_errors "$VARIANT: $d"
	accepted="Accepted $ACCEPT_METHOD for $U from 127.0.0.1"
	if grep -qF "$accepted" "$SSHD_LOG"; then
		rt_ok "$VARIANT: $d: sshd logged '$accepted'"
	else
		rt_not_ok "$VARIANT: $d: sshd logged '$accepted'" "$(tail -n 5 "$SSHD_LOG")"
	fi
}

# login_refused LABEL DESCRIPTION USER CRED VERDICT METHOD REASON
login_refused() {
	local label=$1 d=$2 user=$3 cred=$4 verdict=$5 method=$6 reason=$7 f
	f=$(rt_cred_file "$label" "$cred")
	rt_log_mark
	run_ssh "$PREFAUTH" "$user" "$f"
	if [ $SSH_RC -eq 255 ] && [ -z "$SSH_OUT" ] &&
		grep -q 'Permission denied' "$SSH_ERR"; then
		rt_ok "$VARIANT: $d: ssh refused (exit 255, Permission denied)"
	else
		rt_not_ok "$VARIANT: $d: ssh refused (exit 255, Permission denied)" \
			"exit $SSH_RC, stdout '$SSH_OUT'" "$(cat "$SSH_ERR")"
	fi
	rt_expect_log "$VARIANT: $d: logged $verdict user=$user reason=$reason" \
		"$SVC" "$verdict" "$user" "$method" "$reason"
}

# ------------------------------------------------------------- credentials
GOOD=$(rt_jwt "$RT_SECRET_FILE" "$U" --email "$U@example.com" --name "Real Test") ||
	rt_bail "mint a token"
HMAC=$(rt_hmac "$RT_SECRET_FILE" "$U") || rt_bail "mint an HMAC"
EXPIRED=$(rt_jwt_expired "$RT_SECRET_FILE" "$U") || rt_bail "craft an expired token"
OTHER=$(rt_jwt "$RT_SECRET_FILE" "$O") || rt_bail "mint a token for $O"
FORGED=$(rt_jwt "$RT_OTHER_SECRET" "$U") || rt_bail "mint a forged token"
NOBODY_TOK=$(rt_jwt "$RT_SECRET_FILE" "$NOBODY") || rt_bail "mint a token for $NOBODY"
ROOT_TOK=$(rt_jwt "$RT_SECRET_FILE" root) || rt_bail "mint a token for root"
LONG_OK=$(rt_jwt_len 1023 "$RT_SECRET_FILE" "$U") || rt_bail "mint a 1023-byte token"
LONG_CUT=$(rt_jwt_len 1024 "$RT_SECRET_FILE" "$U") || rt_bail "mint a 1024-byte token"
LONGER_CUT=$(rt_jwt_len 1100 "$RT_SECRET_FILE" "$U") || rt_bail "mint a 1100-byte token"
rt_diag "token lengths: good ${#GOOD}, long ${#LONG_OK}/${#LONG_CUT}/${#LONGER_CUT} bytes; hmac ${#HMAC}"
[ ${#LONG_OK} -eq 1023 ] && [ ${#LONG_CUT} -eq 1024 ] ||
	rt_bail "could not mint tokens of exactly 1023 and 1024 bytes"
# What the module must conclude about the first 1023 bytes of a longer
# token (the CLI's verify runs the module's code path).
CUT_REASON=$(rt_cli_reason "${LONG_CUT:0:1023}" "$U" "secret_file=$RT_SECRET_FILE")
CUTTER_REASON=$(rt_cli_reason "${LONGER_CUT:0:1023}" "$U" "secret_file=$RT_SECRET_FILE")
[ -n "$CUT_REASON" ] && [ -n "$CUTTER_REASON" ] ||
	rt_bail "agentictrust verify gave no reason for a cut token"

# ------------------------------------------------------------------ cases

run_variant() {
	start_sshd "$1"
	local want
	if [ "$1" = kbdint ]; then
		PREFAUTH=keyboard-interactive
		ACCEPT_METHOD=keyboard-interactive/pam
		want="authenticationmethods keyboard-interactive;kbdinteractiveauthentication yes;passwordauthentication no;permitrootlogin no;usepam yes;"
	else
		PREFAUTH=password
		ACCEPT_METHOD=password
		want="authenticationmethods password;kbdinteractiveauthentication no;passwordauthentication yes;permitrootlogin no;usepam yes;"
	fi
	local got
	got=$(effective usepam kbdinteractiveauthentication \
		passwordauthentication authenticationmethods permitrootlogin)
	if [ "$got" = "$want" ]; then
		rt_ok "$1: sshd -T with the shipped drop-in: $want"
	else
		rt_not_ok "$1: sshd -T with the shipped drop-in" "want: $want" "got:  $got"
	fi

	login_ok "$1-good" "good JWT" "$GOOD" "$WANT_OUT_JWT_EMAIL" jwt
	login_ok "$1-hmac" "good HMAC" "$HMAC" "$WANT_OUT_HMAC" hmac
	login_refused "$1-garbage" "garbage credential" "$U" "not-a-token" \
		rejected none malformed
	login_refused "$1-expired" "expired JWT" "$U" "$EXPIRED" \
		rejected jwt expired
	login_refused "$1-other" "valid JWT for another user ($O)" "$U" "$OTHER" \
		rejected jwt user_mismatch
	login_refused "$1-forged" "JWT signed with another secret" "$U" "$FORGED" \
		rejected jwt bad_signature
	login_refused "$1-nobody" "user that does not exist ($NOBODY), valid JWT for that name" \
		"$NOBODY" "$NOBODY_TOK" rejected none user_unknown
	if grep -q "Invalid user $NOBODY from 127.0.0.1" "$SSHD_LOG"; then
		rt_ok "$1: sshd logged 'Invalid user $NOBODY'"
	else
		rt_not_ok "$1: sshd logged 'Invalid user $NOBODY'"
	fi

	# root, PermitRootLogin no (from the drop-in): sshd hands PAM a fake
	# password ("\b\n\r\177INCORRECT" repeated to the answer's length)
	# instead of the answer, in both modes.
	login_refused "$1-root" "root with a valid JWT for root (PermitRootLogin no; sshd substitutes a bad password)" \
		root "$ROOT_TOK" rejected none malformed
	if grep -q "Failed $ACCEPT_METHOD for root from 127.0.0.1" "$SSHD_LOG"; then
		rt_ok "$1: sshd logged 'Failed $ACCEPT_METHOD for root'"
	else
		rt_not_ok "$1: sshd logged 'Failed $ACCEPT_METHOD for root'" "$(tail -n 3 "$SSHD_LOG")"
	fi

	# The client's answer buffer (char buf[1024]): 1023 bytes pass, a
	# longer answer is cut to 1023.  Probed with a one-write askpass.
	ASKPASS=$ONEWRITE
	login_ok "$1-1023" "valid JWT of exactly 1023 bytes (one-write askpass)" \
		"$LONG_OK" "$WANT_OUT_JWT" jwt
	long_cut "$1-1024" "valid JWT of 1024 bytes (one-write askpass)" "$LONG_CUT" "$CUT_REASON"
	long_cut "$1-1100" "valid JWT of 1100 bytes (one-write askpass)" "$LONGER_CUT" "$CUTTER_REASON"
	ASKPASS=$RT_ASKPASS

	# The same 1023-byte token through agentictrust-askpass.
	# ssh reads at most 1023 bytes and closes the pipe, so this also
	# checks that the askpass does not fail on writing the newline after
	# them (tried 10 times: it is a race when it does).
	local i n=0 f first=
	f=$(rt_cred_file "$1-1023-real" "$LONG_OK")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run_ssh "$PREFAUTH" "$U" "$f"
		if [ $SSH_RC -eq 0 ] && [ "$SSH_OUT" = "$WANT_OUT_JWT" ]; then
			n=$((n + 1))
		elif [ -z "$first" ]; then
			first="exit $SSH_RC: $(tr '\n' ' ' <"$SSH_ERR")"
		fi
	done
	if [ $n -eq 10 ]; then
		rt_ok "$1: valid JWT of exactly 1023 bytes through agentictrust-askpass logs in (10 of 10)"
	else
		rt_not_ok "$1: valid JWT of exactly 1023 bytes through agentictrust-askpass logs in ($n of 10)" \
			"first failure: $first"
	fi

	stop_sshd
}

# long_cut LABEL DESCRIPTION CRED REASON: ssh sends the first 1023 bytes,
# which fail with REASON (what agentictrust verify says of those bytes);
# the module must also log that 1023 bytes look cut.
long_cut() {
	local label=$1 d=$2 cred=$3 reason=$4 re
	login_refused "$label" "$d (the client sends only 1023)" "$U" "$cred" \
		rejected '[a-z]+' "$reason"
	re="pam_agentictrust\\($SVC:auth\\): hint user=${U}: the credential is exactly 1023 bytes, probably truncated by the client"
	if rt_log_new | grep -Eq -- "$re"; then
		rt_ok "$VARIANT: $d: the log hints the 1023-byte credential was truncated by the client"
	else
		rt_not_ok "$VARIANT: $d: the log hints the 1023-byte credential was truncated by the client" \
			"$(rt_log_new | grep -o 'pam_agentictrust(.*')"
	fi
}

run_variant kbdint
run_variant password

# A host-key question goes to SSH_ASKPASS too: agentictrust-askpass must
# refuse it (no credential typed into a yes/no prompt), so no
# authentication happens at all.
start_sshd kbdint hostkey
PREFAUTH=keyboard-interactive
f=$(rt_cred_file hostkey "$GOOD")
rt_log_mark
run_ssh keyboard-interactive "$U" "$f" "$RT_TMP/client/empty_known_hosts" ask
sleep 0.5
if [ $SSH_RC -eq 255 ] && grep -q 'Host key verification failed' "$SSH_ERR" &&
	! rt_log_new | grep -q 'pam_agentictrust('; then
	rt_ok "unknown host key: askpass refuses the yes/no question, ssh stops before authentication (no module line)"
else
	rt_not_ok "unknown host key: askpass refuses the yes/no question" \
		"exit $SSH_RC" "$(cat "$SSH_ERR")" "$(rt_log_new | grep -o 'pam_agentictrust(.*')"
fi
stop_sshd

# The PAM service is the program name: every module line says
# sshd-agentictrust, none says plain sshd.
rt_check_service_lines "PAM service name = sshd's program name (run as $SVC)" "$SVC"

# The same stack without the module's session line.  sshd calls
# pam_setcred() in the forked session child after the session opened, and
# the module's setcred puts the verified values back (and removes the
# seal) there too, so even this stack hands the shell the verified values.
# (sudo calls setcred before it opens the session: there the session line
# is what counts.)  Another service name, hence after the service-name
# check.
SVC_NOSESSION=sshd-atnosession
grep -v '^session .*pam_agentictrust\.so' "$RT_SRC/conf/pam.d/sshd" \
	>"/etc/pam.d/$SVC_NOSESSION" || rt_bail "write /etc/pam.d/$SVC_NOSESSION"
grep -q pam_agentictrust "/etc/pam.d/$SVC_NOSESSION" &&
	! grep -q '^session .*pam_agentictrust' "/etc/pam.d/$SVC_NOSESSION" ||
	rt_bail "conf/pam.d/sshd has no session line of the module to drop"
SSHD_LINK=$RT_TMP/bin/$SVC_NOSESSION
ln -s /usr/sbin/sshd "$SSHD_LINK"
start_sshd kbdint nosession
f=$(rt_cred_file nosession "$HMAC")
rt_log_mark
run_ssh keyboard-interactive "$U" "$f"
if [ $SSH_RC -eq 0 ] && [ "$SSH_OUT" = "$WANT_OUT_HMAC" ] &&
	rt_log_wait "pam_agentictrust\\($SVC_NOSESSION:setcred\\): session user=$U service=$SVC_NOSESSION reason=restored changed=[1-9]"; then
	rt_ok "without the module's session line, sshd's setcred in the session child puts the verified values back: $SSH_OUT"
else
	rt_not_ok "without the module's session line, sshd's setcred in the session child puts the verified values back" \
		"exit $SSH_RC, stdout '$SSH_OUT'" "$(cat "$SSH_ERR")" \
		"$(rt_log_new | grep -o 'pam_agentictrust(.*')"
fi
stop_sshd

# An auth-stack pam_env AFTER the module's auth line: its setcred runs
# after the module's and has the last word, so U's ~/.pam_environment
# reaches the shell.  Why the README says "before"; and proof that the
# file is one pam_env reads, so the checks around this one can fail.
SVC_LATEENV=sshd-atlateenv
awk '{ print } /^auth .*pam_agentictrust\.so/ && !done {
	print "auth       optional     pam_env.so user_readenv=1"; done = 1 }' \
	"$RT_SRC/conf/pam.d/sshd" >"/etc/pam.d/$SVC_LATEENV" ||
	rt_bail "write /etc/pam.d/$SVC_LATEENV"
[ "$(grep -E '^auth ' "/etc/pam.d/$SVC_LATEENV" | awk '{ print $3 }' | tr '\n' ' ')" = \
	"pam_nologin.so pam_agentictrust.so pam_env.so " ] ||
	rt_bail "conf/pam.d/sshd: no auth line of the module to put pam_env after"
SSHD_LINK=$RT_TMP/bin/$SVC_LATEENV
ln -s /usr/sbin/sshd "$SSHD_LINK"
start_sshd kbdint lateenv
f=$(rt_cred_file lateenv "$HMAC")
run_ssh keyboard-interactive "$U" "$f"
if [ $SSH_RC -eq 0 ] && [ "$SSH_OUT" = "sub=root method=jwt email=evil@x seal=unset" ]; then
	rt_ok "auth-stack pam_env after the module's auth line: ~/.pam_environment has the last word: $SSH_OUT"
else
	rt_not_ok "auth-stack pam_env after the module's auth line: ~/.pam_environment has the last word" \
		"exit $SSH_RC, stdout '$SSH_OUT'" "$(cat "$SSH_ERR")"
fi
stop_sshd

# pam_env in the AUTH stack too (Debian stacks of other services have
# "auth optional pam_env.so"), before the module's auth line as the
# README says it must be.  pam_env's setcred re-reads U's own
# ~/.pam_environment on every pam_setcred(), and sshd calls it in the
# monitor and again in the forked session child after the session opened,
# just before it builds the shell's environment: the module's setcred has
# to put the verified values back each time.
SVC_AUTHENV=sshd-atauthenv
awk '/^auth .*pam_agentictrust\.so/ && !done {
	print "auth       optional     pam_env.so user_readenv=1"; done = 1 }
	{ print }' "$RT_SRC/conf/pam.d/sshd" >"/etc/pam.d/$SVC_AUTHENV" ||
	rt_bail "write /etc/pam.d/$SVC_AUTHENV"
[ "$(grep -E '^auth ' "/etc/pam.d/$SVC_AUTHENV" | awk '{ print $3 }' | tr '\n' ' ')" = \
	"pam_nologin.so pam_env.so pam_agentictrust.so " ] ||
	rt_bail "conf/pam.d/sshd: no auth line of the module to put pam_env before"
SSHD_LINK=$RT_TMP/bin/$SVC_AUTHENV
ln -s /usr/sbin/sshd "$SSHD_LINK"
SVC=$SVC_AUTHENV
for v in kbdint password; do
	start_sshd "$v" "authenv-$v"
	if [ "$v" = kbdint ]; then
		PREFAUTH=keyboard-interactive
		ACCEPT_METHOD=keyboard-interactive/pam
	else
		PREFAUTH=password
		ACCEPT_METHOD=password
	fi
	VARIANT="$v, auth-stack pam_env user_readenv=1"
	login_ok "authenv-$v-good" "good JWT" "$GOOD" "$WANT_OUT_JWT_EMAIL" jwt
	n=$(rt_log_new | grep -cE "pam_agentictrust\\($SVC:setcred\\): session user=$U service=$SVC reason=restored changed=[1-9][0-9]* removed=[0-9]+\$")
	if [ "$n" -ge 1 ]; then
		rt_ok "$VARIANT: good JWT: the setcred phase logged that it restored the verified values ($n times)"
	else
		rt_not_ok "$VARIANT: good JWT: the setcred phase logged that it restored the verified values" \
			"$(rt_log_new | grep -o 'pam_agentictrust(.*')"
	fi
	login_ok "authenv-$v-hmac" "good HMAC" "$HMAC" "$WANT_OUT_HMAC" hmac
	stop_sshd
done
rt_check_no_leak "$RT_SYSLOG" "$RT_TMP"/sshd-*.log
