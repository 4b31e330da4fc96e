#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/fleet.sh MODULE CLI SRCDIR
#
# Issue 8 end to end: two "hosts", each a real /usr/sbin/sshd with the
# shipped PAM stack (conf/pam.d/sshd) and sshd drop-in, sharing ONE
# redis-server that this script starts (and stops, by pid): single use
# across the fleet (a token used on A is refused on B as replayed, with
# the same fp= on both lines), revocation by id made with the CLI on A and
# obeyed by B, a cut-off (--before) that lets tokens issued after it
# through, unrevoke; then the store's faults on one host: redis-server
# stopped (denied, store_unavailable; accepted with an "unchecked" warning
# under store_unavailable=allow), redis-server frozen with SIGSTOP (the
# login is decided within store_timeout_ms plus a margin), redis-server
# restarted (the next login reconnects).  Needs root, else exits 77.
#
# Namespace layout (common.sh builds the first level):
#
#   outer            rt_main: temp dir, real-system state before/after,
#                    no process left that names the temp dir
#   fleet ns         pid 1 of a private PID + mount namespace; its /etc is
#                    a copy (the test user is added there, so both hosts
#                    get the same uid), /dev/log is the syslog receiver
#                    both hosts log to (one "log collector"), and it runs
#                    redis-server (127.0.0.1:REDIS_PORT and a unix socket
#                    in $RT_TMP/shared, no persistence) and the ssh client
#   host A, host B   each a nested "unshare --mount" held open by a
#                    sleeping holder process; /etc there is the host's
#                    own copy of the fleet /etc (same users, same secret,
#                    its own agentictrust.conf and /etc/at-host name);
#                    sshd and the CLI run in it through nsenter.  A has
#                    store=redis://127.0.0.1:REDIS_PORT, B the same server
#                    through store=redis+unix://$RT_TMP/shared/redis.sock;
#                    both mode=jwt single_use=true.  Each sshd has its own
#                    host key, port and PAM service name (sshd-fleeta,
#                    sshd-fleetb: the name is sshd's argv[0]).
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(/usr/sbin/sshd /usr/bin/ssh ssh-keygen ss nsenter redis-server redis-cli)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
RT_PRIVATE_PATHS+=(/etc/pam.d/sshd-fleeta /etc/pam.d/sshd-fleetb /etc/at-host)
# shellcheck disable=SC2034 # read by rt_check_real_system in common.sh
RT_PAMD_FILE=/etc/pam.d/sshd-fleeta
rt_main fleet "$@"

# ------------------------------------------ inside the private namespaces
U=ateve$RANDOM		# the agent's account on every host
SHARED=$RT_TMP/shared	# what both hosts (and redis) see
REDIS_PID=
REDIS_SOCK=$SHARED/redis.sock
CLI=$RT_TMP/bin/agentictrust
CONF=/etc/security/agentictrust.conf
# shellcheck disable=SC2016 # expanded by the remote shell
REMOTE_CMD='echo "host=$(cat /etc/at-host) sub=$AGENTICTRUST_SUB method=$AGENTICTRUST_METHOD"'
declare -A HOLDER SSHD_PID PORT SVC STORE SSHD_LOG

rt_useradd "$U"
rt_agentictrust_files jwt
rt_askpass
mkdir -m 0700 "$SHARED" "$SHARED/redis" "$RT_TMP/ssh" "$RT_TMP/client"

fleet_port() {
	local i p
	for i in 1 2 3 4 5; do
		p=$(rt_free_port) && rt_port_is_free "$p" && { echo "$p"; return 0; }
	done
	return 1
}
REDIS_PORT=$(fleet_port) || rt_bail "no free port on 127.0.0.1"

# ----------------------------------------------------------------- redis

cat >"$SHARED/redis.conf" <<EOF
# tests/real/fleet.sh: a private redis-server, loopback only, no persistence
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
unixsocket $REDIS_SOCK
unixsocketperm 700
dir $SHARED/redis
save ""
appendonly no
daemonize no
maxmemory-policy noeviction
logfile $RT_TMP/redis.log
EOF

rcli() {
	redis-cli -s "$REDIS_SOCK" "$@"
}

redis_start() {
	local i
	redis-server "$SHARED/redis.conf" </dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	RT_BG_PIDS+=("$REDIS_PID")
	for i in $(seq 100); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$REDIS_PID" 2>/dev/null || break
		sleep 0.1
	done
	rt_bail "redis-server did not start" "$(tail -n 5 "$RT_TMP/redis.log")"
}

# Stop by pid (SIGCONT first: a frozen server cannot act on SIGTERM).
redis_stop() {
	[ -n "$REDIS_PID" ] || return 0
	kill -CONT "$REDIS_PID" 2>/dev/null
	kill "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

# ----------------------------------------------------------------- hosts

# make_host NAME STORE [EXTRA CONF LINES...]: the host's /etc, its holder
# namespace, its sshd config (not started).
make_host() {
	local h=$1 etc=$RT_TMP/host-$1/etc i
	shift
	mkdir -m 0755 "$RT_TMP/host-$h" || rt_bail "mkdir host-$h"
	cp -a /etc "$etc" || rt_bail "copy /etc for host $h"
	echo "$h" >"$etc/at-host"
	chmod 0644 "$etc/at-host"
	STORE[$h]=$1
	shift
	write_host_conf "$h" "$@"
	SVC[$h]=sshd-fleet$h
	ln -s "$RT_SRC/conf/pam.d/sshd" "$etc/pam.d/${SVC[$h]}" ||
		rt_bail "pam.d link on $h"
	ln -s /usr/sbin/sshd "$RT_TMP/bin/${SVC[$h]}"
	ssh-keygen -q -t ed25519 -N '' -C "at-fleet-$h" \
		-f "$RT_TMP/ssh/host_$h" || rt_bail "ssh-keygen $h"
	PORT[$h]=$(fleet_port) || rt_bail "no free port for $h"
	echo "[127.0.0.1]:${PORT[$h]} $(cut -d' ' -f1,2 "$RT_TMP/ssh/host_$h.pub")" \
		>>"$RT_TMP/client/known_hosts"
	cat >"$RT_TMP/ssh/sshd_config.$h" <<EOF
# tests/real/fleet.sh: host $h
ListenAddress 127.0.0.1
Port ${PORT[$h]}
HostKey $RT_TMP/ssh/host_$h
PidFile $RT_TMP/ssh/sshd-$h.pid
LogLevel VERBOSE
LoginGraceTime 30
MaxAuthTries 3
Include $RT_SRC/conf/sshd_config.d/agentictrust.conf
EOF
	# The holder: a mount namespace of the host's own, with its /etc.
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$1" /etc && exec sleep 100000' sh "$etc" \
		</dev/null >/dev/null 2>&1 &
	HOLDER[$h]=$!
	RT_BG_PIDS+=("${HOLDER[$h]}")
	for i in $(seq 50); do
		[ "$(on "$h" cat /etc/at-host 2>/dev/null)" = "$h" ] && break
		sleep 0.1
	done
	[ "$(on "$h" cat /etc/at-host 2>/dev/null)" = "$h" ] ||
		rt_bail "host $h's namespace did not come up"
	[ "$(readlink "/proc/${HOLDER[$h]}/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
		rt_bail "host $h shares the fleet's mount namespace"
}

# write_host_conf NAME [EXTRA LINES...]: the host's agentictrust.conf:
# the shipped example (mode = jwt, from rt_agentictrust_files) plus the
# store lines.
write_host_conf() {
	local h=$1 f=$RT_TMP/host-$1/etc/security/agentictrust.conf l
	shift
	{
		cat "$CONF"
		echo
		echo "# tests/real/fleet.sh: host $h"
		echo "store = ${STORE[$h]}"
		echo "single_use = true"
		for l in "$@"; do
			echo "$l"
		done
	} >"$f.tmp" || rt_bail "write $f"
	chmod 0600 "$f.tmp"
	mv "$f.tmp" "$f"
}

# on HOST COMMAND...: run COMMAND in the host's mount namespace.
on() {
	local h=$1
	shift
	nsenter --mount="/proc/${HOLDER[$h]}/ns/mnt" -- "$@"
}

start_sshd() {
	local h=$1 i
	SSHD_LOG[$h]=$RT_TMP/sshd-$h.log
	: >"${SSHD_LOG[$h]}"
	rt_port_is_free "${PORT[$h]}" || rt_bail "port ${PORT[$h]} was taken"
	on "$h" "$RT_TMP/bin/${SVC[$h]}" -D -f "$RT_TMP/ssh/sshd_config.$h" \
		-E "${SSHD_LOG[$h]}" </dev/null &
	SSHD_PID[$h]=$!
	RT_BG_PIDS+=("${SSHD_PID[$h]}")
	for i in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port ${PORT[$h]}" "${SSHD_LOG[$h]}" && break
		kill -0 "${SSHD_PID[$h]}" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "Server listening on 127.0.0.1 port ${PORT[$h]}" "${SSHD_LOG[$h]}" ||
		rt_bail "sshd on host $h did not start" "$(cat "${SSHD_LOG[$h]}")"
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# ---------------------------------------------------------------- tokens

# fleet_jwt SUB [JTI [IAT_OFFSET]]: a fresh token signed with the fleet's
# secret, iat now + IAT_OFFSET, exp 10 minutes later, a random nonce claim
# so that two tokens of the same second differ (the CLI's token verb has
# no jti); with JTI a jti claim.
fleet_jwt() {
	local t
	t=$("$RT_PY" - "$RT_SECRET_FILE" "$1" "${2:-}" "${3:-0}" <<'PY'
import base64, hashlib, hmac, json, secrets, sys, time
key = open(sys.argv[1], "rb").read().split(b"\n")[0]
def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time()) + int(sys.argv[4])
claims = {"sub": sys.argv[2], "iat": now, "exp": now + 600,
          "name": "fleet-" + secrets.token_hex(4)}
if sys.argv[3]:
    claims["jti"] = sys.argv[3]
h = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
p = b64(json.dumps(claims, separators=(",", ":")).encode())
sig = hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest()
print(h + "." + p + "." + b64(sig))
PY
) || return 1
	rt_register "$t"
	printf '%s\n' "$t"
}

# ---------------------------------------------------------------- logins

N_CRED=0
# ssh_login HOST CRED: sets SSH_RC, SSH_OUT, SSH_ERR, SSH_MS (wall time of
# the whole client run, milliseconds).
ssh_login() {
	local h=$1 f t0 t1
	N_CRED=$((N_CRED + 1))
	f=$(rt_cred_file "c$N_CRED" "$2")
	SSH_ERR=$RT_TMP/client/stderr
	rt_log_mark
	t0=$(date +%s%N)
	SSH_OUT=$(env -i PATH=/usr/bin:/bin HOME="$RT_TMP/client" \
		SSH_ASKPASS="$RT_ASKPASS" SSH_ASKPASS_REQUIRE=force \
		AGENTICTRUST_TOKEN_FILE="$f" \
		timeout -k 5 30 setsid /usr/bin/ssh -F /dev/null -T \
		-p "${PORT[$h]}" -l "$U" \
		-o BatchMode=no \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 \
		-o UserKnownHostsFile="$RT_TMP/client/known_hosts" \
		-o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=yes \
		-o UpdateHostKeys=no -o CheckHostIP=no \
		-o HostKeyAlgorithms=ssh-ed25519 \
		-o ConnectTimeout=10 -o LogLevel=ERROR \
		127.0.0.1 "$REMOTE_CMD" </dev/null 2>"$SSH_ERR")
	SSH_RC=$?
	t1=$(date +%s%N)
	SSH_MS=$(( (t1 - t0) / 1000000 ))
	rm -f "$f"
}

# verdict_re HOST VERDICT REASON: the ERE of the module's auth verdict.
verdict_re() {
	printf 'pam_agentictrust\\(%s:auth\\): %s user=%s service=%s method=jwt reason=%s ' \
		"${SVC[$1]}" "$2" "$U" "${SVC[$1]}" "$3"
}

# verdict_fp ERE: LAST_LINE = the first line since the mark matching ERE,
# FP = its fp= value ("" when none).
LAST_LINE=
verdict_fp() {
	LAST_LINE=$(rt_log_new | grep -E -- "$1" | head -n1)
	FP=$(printf '%s\n' "$LAST_LINE" |
		sed -n 's/.* fp=\([0-9a-f]\{32\}\)\( .*\)\{0,1\}$/\1/p')
}

module_lines() {
	rt_log_new | grep -o 'pam_agentictrust(.*'
}

# login_ok HOST DESCRIPTION CRED: logged in on HOST; sets FP.
login_ok() {
	local h=$1 d=$2 re
	ssh_login "$h" "$3"
	re=$(verdict_re "$h" accepted ok)
	if [ $SSH_RC -eq 0 ] && [ "$SSH_OUT" = "host=$h sub=$U method=jwt" ] &&
		rt_log_wait "$re"; then
		verdict_fp "$re"
		if [ -n "$FP" ]; then
			rt_ok "host $h: $d: accepted ($SSH_OUT), logged fp=$FP (${SSH_MS} ms)"
			return 0
		fi
		rt_not_ok "host $h: $d: the accepted line carries fp= (32 hex)" \
			"$LAST_LINE"
		return 1
	fi
	FP=
	rt_not_ok "host $h: $d: accepted" "exit $SSH_RC, stdout '$SSH_OUT'" \
		"$(cat "$SSH_ERR")" "$(module_lines)"
	return 1
}

# login_refused HOST DESCRIPTION CRED REASON: refused on HOST with REASON;
# sets FP from the line.
login_refused() {
	local h=$1 d=$2 reason=$4 re
	ssh_login "$h" "$3"
	re=$(verdict_re "$h" '(rejected|refused)' "$reason")
	FP=
	if [ $SSH_RC -eq 255 ] && [ -z "$SSH_OUT" ] &&
		grep -q 'Permission denied' "$SSH_ERR" && rt_log_wait "$re"; then
		verdict_fp "$re"
		if rt_log_new | grep -Eq -- "$(verdict_re "$h" accepted ok)"; then
			rt_not_ok "host $h: $d: refused, reason=$reason" \
				"the module also logged accepted" "$(module_lines)"
			return 1
		fi
		rt_ok "host $h: $d: refused, reason=$reason${FP:+ fp=$FP} (${SSH_MS} ms)"
		return 0
	fi
	rt_not_ok "host $h: $d: refused, reason=$reason" \
		"exit $SSH_RC, stdout '$SSH_OUT'" "$(cat "$SSH_ERR")" \
		"module lines since the mark:" "$(module_lines)"
	return 1
}

# cli_on HOST ARGS...: the CLI in HOST's namespace, stdin from $CLI_IN
# (a token) or /dev/null; sets CLI_RC, CLI_OUT (stdout and stderr).
CLI_IN=
cli_on() {
	local h=$1
	shift
	if [ -n "$CLI_IN" ]; then
		CLI_OUT=$(printf '%s\n' "$CLI_IN" | on "$h" "$CLI" "$@" 2>&1)
	else
		CLI_OUT=$(on "$h" "$CLI" "$@" 2>&1 </dev/null)
	fi
	CLI_RC=$?
}

cli_check() {
	local d=$1 h=$2
	shift 2
	cli_on "$h" "$@"
	if [ $CLI_RC -eq 0 ]; then
		rt_ok "on $h: agentictrust $*: $d"
		return 0
	fi
	rt_not_ok "on $h: agentictrust $*: $d (exit $CLI_RC)" "$CLI_OUT"
	return 1
}

# ------------------------------------------------------------------- setup

FLEET_START=$SECONDS
redis_start
URL_A=redis://127.0.0.1:$REDIS_PORT
URL_B=redis+unix://$REDIS_SOCK
make_host a "$URL_A" "store_timeout_ms = 300"
make_host b "$URL_B"
start_sshd a
start_sshd b

if [ "$(on a id -u "$U")" = "$(on b id -u "$U")" ] &&
	[ -n "$(on a id -u "$U")" ] &&
	on a cmp -s "$RT_SECRET_FILE" "$RT_TMP/host-b$RT_SECRET_FILE" &&
	! on a cmp -s "$CONF" "$RT_TMP/host-b$CONF"; then
	rt_ok "hosts a and b: own /etc (own agentictrust.conf), same uid $(on a id -u "$U") for $U, same secret"
else
	rt_not_ok "hosts a and b: own /etc, same uid, same secret"
fi
rt_diag "redis $(redis-server --version | cut -d' ' -f3) on 127.0.0.1:$REDIS_PORT and $REDIS_SOCK (pid $REDIS_PID)" \
	"host a: sshd pid ${SSHD_PID[a]} port ${PORT[a]} store=$URL_A" \
	"host b: sshd pid ${SSHD_PID[b]} port ${PORT[b]} store=$URL_B" \
	"user $U, CLI $CLI"

# ---------------------------------------------------------- single use

T1=$(fleet_jwt "$U") || rt_bail "mint a token"
login_ok a "fresh token without jti" "$T1"
FP_A=$FP
login_refused b "the token A accepted, presented on B" "$T1" replayed
if [ -n "$FP_A" ] && [ "$FP" = "$FP_A" ]; then
	rt_ok "B's replayed line names the token A accepted: fp=$FP"
else
	rt_not_ok "B's replayed line carries A's fp=" "A: fp=$FP_A" "B: fp=$FP" "$LAST_LINE"
fi
CLI_IN=$T1 cli_on a fingerprint --config "$CONF"
if [ -n "$FP_A" ] && [ $CLI_RC -eq 0 ] && [ "$CLI_OUT" = "$FP_A" ]; then
	rt_ok "on a: agentictrust fingerprint prints the logged fp=$CLI_OUT"
else
	rt_not_ok "on a: agentictrust fingerprint prints the logged fp (exit $CLI_RC)" \
		"logged: $FP_A" "CLI: $CLI_OUT"
fi
login_refused a "the same token again on A" "$T1" replayed

# With a jti the key is the jti: another token with the same jti (other
# bytes, other fp) is a replay too.
JTI=fleet-$RANDOM$RANDOM
T2=$(fleet_jwt "$U" "$JTI") || rt_bail "mint a token"
T2B=$(fleet_jwt "$U" "$JTI") || rt_bail "mint a token"
login_ok b "fresh token with jti" "$T2"
login_refused a "another token with the same jti, on A" "$T2B" replayed

n=$(rcli --scan --pattern 'agentictrust:*' | wc -l)
if [ "$n" -ge 2 ]; then
	rt_ok "the shared redis-server holds the used tokens ($n keys under agentictrust:)"
else
	rt_not_ok "the shared redis-server holds the used tokens ($n keys under agentictrust:)" \
		"$(rcli --scan | head -n 10)"
fi

# ---------------------------------------------------------- revocation

T_BEFORE=$(fleet_jwt "$U" "" -5) || rt_bail "mint a token"	# unused
cli_check "revokes every credential of $U" a \
	revoke --store "$URL_A" --sub "$U" --reason "fleet test: agent misbehaved"
T3=$(fleet_jwt "$U") || rt_bail "mint a token"
login_refused b "fresh token after 'revoke --sub' on A" "$T3" revoked
login_refused a "fresh token after 'revoke --sub' on A" "$T3" revoked
cli_on b revoked --store "$URL_B"
if [ $CLI_RC -eq 0 ] && printf '%s\n' "$CLI_OUT" | grep -F -- "$U" |
	grep -qF 'fleet test: agent misbehaved'; then
	rt_ok "on b: agentictrust revoked lists $U with the reason"
else
	rt_not_ok "on b: agentictrust revoked lists $U with the reason (exit $CLI_RC)" "$CLI_OUT"
fi

# A cut-off: what was issued before it stays refused, what is issued
# after it (the next second) passes, on both hosts.
cli_check "a cut-off (replaces the full revocation)" a \
	revoke --store "$URL_A" --sub "$U" --before now
login_refused b "token issued before the cut-off" "$T_BEFORE" revoked
sleep 1
T4=$(fleet_jwt "$U") || rt_bail "mint a token"
T5=$(fleet_jwt "$U") || rt_bail "mint a token"
login_ok a "token issued after the cut-off" "$T4"
login_ok b "another token issued after the cut-off" "$T5"

cli_check "removes the revocation" a unrevoke --store "$URL_A" --sub "$U"
login_ok b "token issued before the old cut-off, after unrevoke" "$T_BEFORE"
cli_on a revoked --store "$URL_A"
if [ $CLI_RC -eq 0 ] && ! printf '%s\n' "$CLI_OUT" | grep -qF -- "$U"; then
	rt_ok "on a: agentictrust revoked no longer lists $U"
else
	rt_not_ok "on a: agentictrust revoked no longer lists $U (exit $CLI_RC)" "$CLI_OUT"
fi

# One token revoked (read from stdin on A, its MAC verified with A's
# secret: --config), refused on B; another token of the id still passes.
T10=$(fleet_jwt "$U") || rt_bail "mint a token"
T11=$(fleet_jwt "$U") || rt_bail "mint a token"
CLI_IN=$T10 cli_check "revokes one token (stdin)" a \
	revoke --config "$CONF" --token - --reason "leaked in a transcript"
login_refused b "the revoked token" "$T10" revoked
login_ok b "another token of the same id" "$T11"

# ---------------------------------------------------------------- faults

redis_stop
T6=$(fleet_jwt "$U") || rt_bail "mint a token"
login_refused a "redis-server stopped" "$T6" store_unavailable
write_host_conf b "store_unavailable = allow"
login_ok b "redis-server stopped, store_unavailable=allow" "$T6"
if rt_log_new | grep -E "pam_agentictrust\\(${SVC[b]}:auth\\): " |
	grep -E "unchecked .*user=$U( |$)" | grep -q 'reason=store_unavailable'; then
	rt_ok "host b: the login let through is logged as unchecked, reason=store_unavailable"
else
	rt_not_ok "host b: the login let through is logged as unchecked, reason=store_unavailable" \
		"$(module_lines)"
fi
if rt_log_new | grep -E "pam_agentictrust\\(${SVC[b]}:auth\\): .*unchecked" |
	grep -q '^<8[0-4]>'; then
	rt_ok "host b: the unchecked line is a warning (or worse) at authpriv"
else
	rt_not_ok "host b: the unchecked line is a warning (or worse) at authpriv" \
		"$(rt_log_new | grep unchecked)"
fi
write_host_conf b

redis_start
T7=$(fleet_jwt "$U") || rt_bail "mint a token"
login_ok a "redis-server restarted: the next login reconnects" "$T7"

# Frozen: the TCP connect succeeds (the kernel queues it), the command
# never answers; store_timeout_ms = 300 on host a.
T8=$(fleet_jwt "$U") || rt_bail "mint a token"
ssh_login a "$T8"	# baseline: a normal login's client time
BASE_MS=$SSH_MS
kill -STOP "$REDIS_PID"
T9=$(fleet_jwt "$U") || rt_bail "mint a token"
login_refused a "redis-server frozen (SIGSTOP), store_timeout_ms=300" "$T9" store_unavailable
FROZEN_MS=$SSH_MS
kill -CONT "$REDIS_PID"
if [ "$FROZEN_MS" -lt 5000 ]; then
	rt_ok "host a: the frozen-store login was decided in ${FROZEN_MS} ms (< 5000; a normal login took ${BASE_MS} ms)"
else
	rt_not_ok "host a: the frozen-store login was decided in ${FROZEN_MS} ms (want < 5000; a normal login took ${BASE_MS} ms)"
fi
# The EVAL that timed out sat in the frozen server's socket buffer: once
# thawed, the server may still run it, so the denied token may be spent
# (the safe side: denied and spent, never accepted twice).
ssh_login a "$T9"
if [ $SSH_RC -eq 0 ]; then
	login_refused a "redis-server thawed: the frozen-store token, used once, again" "$T9" replayed
elif rt_log_wait "$(verdict_re a '(rejected|refused)' replayed)"; then
	rt_ok "host a: redis-server thawed: the frozen-store token was spent by the EVAL the server ran late (replayed)"
else
	rt_not_ok "host a: redis-server thawed: the frozen-store token is accepted once or replayed" \
		"exit $SSH_RC" "$(module_lines)"
fi
T12=$(fleet_jwt "$U") || rt_bail "mint a token"
login_ok a "redis-server thawed (SIGCONT): the next login works" "$T12"

# --------------------------------------------------------------- cleanup

stop_pid "${SSHD_PID[a]}"
stop_pid "${SSHD_PID[b]}"
P_REDIS=$REDIS_PID
redis_stop
stop_pid "${HOLDER[a]}"
stop_pid "${HOLDER[b]}"
left=
for p in "${SSHD_PID[a]}" "${SSHD_PID[b]}" "$P_REDIS" "${HOLDER[a]}" "${HOLDER[b]}"; do
	kill -0 "$p" 2>/dev/null && left="$left $p"
done
if [ -z "$left" ]; then
	rt_ok "sshd a, sshd b, redis-server and the host holders stopped (by pid)"
else
	rt_not_ok "sshd a, sshd b, redis-server and the host holders stopped (by pid): still running:$left"
fi
rt_check_no_leak "$RT_SYSLOG" "$RT_TMP"/sshd-*.log "$RT_TMP/redis.log"
rt_diag "fleet.sh inner run: $((SECONDS - FLEET_START)) s"
