#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/threads.sh MODULE CLI SRCDIR
#
# Many PAM transactions at once through the REAL libpam: pam_threads
# (tests/real/pam_threads.c; its path in AT_THREADS_PROG) starts
# AT_THREADS threads (default 8), each running AT_THREADS_N (default
# 10000) transactions - pam_start, pam_authenticate, pam_acct_mgmt after a
# success, pam_end - for its own throwaway Unix user with its own
# conversation, cycling through seven credentials whose result is known:
# a valid JWT and a valid HMAC for the thread's user (PAM_SUCCESS, then
# the account phase PAM_SUCCESS), a forged JWT, another user's JWT, an
# expired JWT, garbage and an empty answer (PAM_AUTH_ERR).  Zero wrong
# answers; then the captured syslog holds exactly one verdict line per
# transaction, counted per reason tag (not checked one by one: 80,000
# lines), every accepted line names the thread's own user as sub, and no
# credential appears in it.  The credentials are minted beforehand by the
# CLI and handed over in a 0600 file; the program never prints one.
#
# In a -Db_sanitize=thread build the same script runs the instrumented
# program and module, with TSAN_OPTIONS from tests/meson.build: a
# ThreadSanitizer report makes the program exit 66, which fails the run.
# There AT_THREADS_PIN=1 makes the program load the module once before its
# threads start (pam_threads.c, -p: why TSan needs it).
#
# Private mount and PID namespace (common.sh); needs root, else exits 77.
set -u
# The stack it writes in the private /etc (its absence outside is checked).
# shellcheck disable=SC2034 # read by rt_check_real_system in common.sh
RT_PAMD_FILE=/etc/pam.d/threads-agentictrust
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
RT_PRIVATE_PATHS+=("$RT_PAMD_FILE")
rt_main threads "$@"

# ------------------------------------------ inside the private namespaces
SVC=threads-agentictrust
PROG=${AT_THREADS_PROG:-}
NT=${AT_THREADS:-8}
NX=${AT_THREADS_N:-10000}
# What the account phase answers after a credential this handle verified.
ACCT_OK=PAM_SUCCESS

if [ -z "$PROG" ] || [ ! -x "$PROG" ]; then
	rt_bail "AT_THREADS_PROG names no program ('$PROG'; meson test sets it)"
fi

USERS=(atalice$RANDOM atbob$RANDOM atcarol$RANDOM atdave$RANDOM)
for u in "${USERS[@]}"; do
	rt_useradd "$u"
done
rt_agentictrust_files any	# the secret: root 0600; mode = any
cat >"$RT_PAMD_FILE" <<EOF2
# tests/real/threads.sh: the module alone, by its absolute path
auth     required  $RT_MODULE config=/etc/security/agentictrust.conf
account  required  $RT_MODULE config=/etc/security/agentictrust.conf
EOF2

# ------------------------------------------------------------- credentials
# USER KIND AUTH ACCOUNT CREDENTIAL, tab-separated (pam_threads.c).
CREDS=$RT_TMP/cred/threads.creds
(umask 077; : >"$CREDS")
cred_line() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$CREDS"
}
n=${#USERS[@]}
for i in "${!USERS[@]}"; do
	u=${USERS[$i]}
	v=${USERS[$(((i + 1) % n))]}
	t=$(rt_jwt "$RT_SECRET_FILE" "$u" --ttl 600) || rt_bail "mint a JWT for $u"
	cred_line "$u" valid_jwt PAM_SUCCESS "$ACCT_OK" "$t"
	t=$(rt_hmac "$RT_SECRET_FILE" "$u") || rt_bail "mint an HMAC for $u"
	cred_line "$u" valid_hmac PAM_SUCCESS "$ACCT_OK" "$t"
	t=$(rt_jwt "$RT_OTHER_SECRET" "$u" --ttl 600) || rt_bail "mint a forged JWT"
	cred_line "$u" forged_jwt PAM_AUTH_ERR - "$t"
	t=$(rt_jwt "$RT_SECRET_FILE" "$v" --ttl 600) || rt_bail "mint a JWT for $v"
	cred_line "$u" other_user_jwt PAM_AUTH_ERR - "$t"
	t=$(rt_jwt "$RT_SECRET_FILE" "$u" --exp -1h 2>/dev/null) ||
		rt_bail "mint an expired JWT"
	cred_line "$u" expired_jwt PAM_AUTH_ERR - "$t"
	cred_line "$u" garbage PAM_AUTH_ERR - "not a credential: garbage %s \\"
	cred_line "$u" empty PAM_AUTH_ERR - ""
done
unset t

# The reason tag the module logs for each kind (method: jwt, hmac or -).
declare -A REASON=(
	[valid_jwt]='accepted method=jwt reason=ok'
	[valid_hmac]='accepted method=hmac reason=ok'
	[forged_jwt]='rejected method=jwt reason=bad_signature'
	[other_user_jwt]='rejected method=jwt reason=user_mismatch'
	[expired_jwt]='rejected method=jwt reason=expired'
	[garbage]='rejected method=[a-z-]+ reason=malformed'
	[empty]='rejected method=[a-z-]+ reason=empty'
)

# ------------------------------------------------------------------- run
rt_diag "pam_threads: $NT threads x $NX transactions, ${#USERS[@]} users, $(wc -l <"$CREDS") credentials; module pinned: ${AT_THREADS_PIN:-0}; TSAN_OPTIONS='${TSAN_OPTIONS:-}'"
OUT=$RT_TMP/threads.out
ERR=$RT_TMP/threads.err
PIN=()
[ "${AT_THREADS_PIN:-0}" = 1 ] && PIN=(-p "$RT_MODULE")
rt_log_mark
"$PROG" "${PIN[@]}" "$SVC" "$CREDS" "$NT" "$NX" >"$OUT" 2>"$ERR"
rc=$?
rt_diag "$(cat "$OUT")"
if [ $rc -eq 0 ] && grep -q "^total: $((NT * NX)) transactions, 0 wrong," "$OUT"; then
	rt_ok "pam_threads: $NT threads x $NX transactions, 0 wrong answers ($(sed -n 's/^total: [0-9]* transactions, 0 wrong, //p' "$OUT"))"
else
	case $rc in
	66) what="ThreadSanitizer report" ;;
	*) what="exit $rc" ;;
	esac
	if [ -s "$ERR" ]; then
		rt_not_ok "pam_threads: $NT threads x $NX transactions, 0 wrong answers ($what)" \
			"$(head -n 80 "$ERR")"
	else
		rt_not_ok "pam_threads: $NT threads x $NX transactions, 0 wrong answers ($what)"
	fi
fi
if [ -s "$ERR" ]; then
	rt_not_ok "pam_threads wrote nothing to stderr" "$(head -n 40 "$ERR")"
else
	rt_ok "pam_threads wrote nothing to stderr (no sanitizer report)"
fi

# --------------------------------------------------------------- syslog
# The receiver may still be draining the socket: wait until the module's
# lines stop growing for a second (at most a minute).
want_total=$((NT * NX))
prev=-1
still=0
for _ in $(seq 120); do
	got=$(rt_log_new | grep -c 'pam_agentictrust(')
	if [ "$got" -eq "$prev" ]; then
		still=$((still + 1))
		[ $still -ge 2 ] && break
	else
		still=0
	fi
	prev=$got
	sleep 0.5
done
rt_log_new | grep 'pam_agentictrust(' >"$RT_TMP/module.log"
total=$(wc -l <"$RT_TMP/module.log")
# Kinds that share a verdict are counted together (a verdict line says
# nothing about which kind of credential it was).
declare -A WANT=() KINDS=()
for kind in valid_jwt valid_hmac forged_jwt other_user_jwt expired_jwt garbage empty; do
	n=$(sed -n "s/^kind $kind: \([0-9]*\) transactions,.*/\1/p" "$OUT")
	WANT[${REASON[$kind]}]=$(( ${WANT[${REASON[$kind]}]:-0} + ${n:-0} ))
	KINDS[${REASON[$kind]}]="${KINDS[${REASON[$kind]}]:+${KINDS[${REASON[$kind]}]}, }$kind ${n:-?}"
done
counted=0
declare -A SEEN=()
for kind in valid_jwt valid_hmac forged_jwt other_user_jwt expired_jwt garbage empty; do
	verdict=${REASON[$kind]}
	[ -n "${SEEN[$verdict]:-}" ] && continue
	SEEN[$verdict]=1
	want=${WANT[$verdict]}
	re="pam_agentictrust\\($SVC:auth\\): ${verdict%% *} user=[^ ]+ service=$SVC ${verdict#* }( |\$)"
	got=$(grep -cE -- "$re" "$RT_TMP/module.log")
	counted=$((counted + got))
	if [ "$want" -gt 0 ] && [ "$got" -eq "$want" ]; then
		rt_ok "syslog: $got lines '$verdict' for ${KINDS[$verdict]} transactions"
	else
		rt_not_ok "syslog: one '$verdict' line per transaction of ${KINDS[$verdict]}" \
			"wanted $want, got $got"
	fi
done
if [ "$total" -eq "$want_total" ] && [ "$counted" -eq "$total" ]; then
	rt_ok "syslog: $total module lines for $want_total transactions, each one of the verdicts above (no account-phase or error lines)"
else
	rt_not_ok "syslog: exactly one module line per transaction, each an expected verdict" \
		"$total module lines, $counted of them expected verdicts, $want_total transactions" \
		"$(grep -vE -- ' (accepted|rejected) user=' "$RT_TMP/module.log" | sort | uniq -c | sort -rn | head -n 5)"
fi
# A verdict for one thread's transaction never names another thread's
# user: every accepted line's sub is its user, and each user got as many
# as its threads ran (a shared buffer between handles would show here).
bad=$(grep -E ' accepted user=' "$RT_TMP/module.log" |
	sed -nE 's/.* accepted user=([^ ]+) .* sub=([^ ]+) .*/\1 \2/p' |
	awk '$1 != $2' | wc -l)
acc=$(grep -cE ' accepted user=' "$RT_TMP/module.log")
per_user=
for u in "${USERS[@]}"; do
	per_user="$per_user $(grep -cE " accepted user=$u .* sub=$u " "$RT_TMP/module.log")"
done
if [ "$bad" -eq 0 ] && [ "$acc" -gt 0 ]; then
	rt_ok "syslog: all $acc accepted lines have sub = user (per user:$per_user)"
else
	rt_not_ok "syslog: every accepted line has sub = user" "$bad of $acc do not"
fi
rt_check_service_lines "every line names service $SVC" "$SVC"
rt_check_no_leak "$RT_SYSLOG" "$OUT" "$ERR"
