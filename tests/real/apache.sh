#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/apache.sh MODULE CLI SRCDIR
#
# The real Apache 2.4 (/usr/sbin/apache2, event MPM, workers running as
# www-data) with libapache2-mod-authnz-pam, on a free 127.0.0.1 port, and
# the shipped files unchanged: conf/pam.d/apache2, the module config
# conf/apache2/agentictrust-apache2.conf (accounts = any) with its secret
# root:www-data 0640, and the site snippet conf/apache2/agentictrust-site.conf
# (AuthBasicProvider PAM, AuthPAMService apache2) included by a minimal
# httpd.conf in the temp dir.  Through curl: a JWT and an HMAC accepted
# (200) for a Unix user and for a web user that is no Unix account;
# forged, expired, another user's and no credential refused (401); a valid
# credential for www-data (a system account) refused; "Require
# pam-account" alone denies.  Every verdict is checked in the captured
# syslog by its reason tag.  Then a bounded load run (2,000 requests, 16
# concurrent, good and bad credentials mixed): no wrong answer, no worker
# crash or replacement, worker RSS stable after warm-up.  Then the length
# limits: the module's 4096 bytes, and the longest credential Apache
# (LimitRequestFieldSize 8190) passes to PAM.  Everything runs in a
# private mount and PID namespace (common.sh); needs root, else exits 77.
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(/usr/sbin/apache2 curl ss)
# shellcheck disable=SC2034 # read by rt_check_real_system in common.sh
RT_PAMD_FILE=/etc/pam.d/apache2
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
RT_PRIVATE_PATHS+=(/etc/pam.d/apache2 /etc/security/agentictrust-apache2.conf
	/etc/security/agentictrust-apache2.secret)
rt_main apache "$@"

# ------------------------------------------ inside the private namespaces
SVC=apache2
U=atalice$RANDOM	# a Unix account (uid >= UID_MIN)
O=atbob$RANDOM		# another Unix account
W=web-agent-$RANDOM	# a web user: no passwd entry (accounts = any)
MODDIR=/usr/lib/apache2/modules
AP=$RT_TMP/apache	# ServerRoot: httpd.conf, htdocs, logs, run
N_LOAD=${AT_APACHE_LOAD:-2000} N_CONC=16 N_WARM=${AT_APACHE_WARMUP:-500}	# env: longer runs by hand
# Allowed growth of each worker's RSS from request N_WARM to N_LOAD: 2 MiB
# over 1,500 requests (about 750 a worker) catches a leak of some 2.7 KiB
# a request, what losing a PAM handle, a config or secret buffer or a
# conversation reply would cost.  Smaller leaks are for the sanitizer and
# valgrind runs.  Measured: at most 0.7 MiB (the first use of the glibc
# arenas of threads the warm-up did not reach), levelling off in longer
# runs (AT_APACHE_LOAD=40000 AT_APACHE_WARMUP=20000: 0.4 MiB).
RSS_MAX_KIB=2048

rt_useradd "$U"
rt_useradd "$O"
getent passwd "$W" >/dev/null && rt_bail "$W is a Unix account"
rt_service_files "$SVC" www-data

# The shipped files, as installed.
if [ "$(stat -c '%U:%G %a' "$RT_SECRET_FILE")" = "root:www-data 640" ] &&
	[ "$(stat -c '%U:%G %a' /etc/security/agentictrust-$SVC.conf)" = "root:root 644" ] &&
	cmp -s "$RT_SRC/conf/pam.d/$SVC" "/etc/pam.d/$SVC"; then
	rt_ok "setup: shipped conf/pam.d/$SVC and config installed, secret root:www-data 0640"
else
	rt_bail "setup: shipped files not installed as expected" \
		"$(ls -l "$RT_SECRET_FILE" /etc/security/agentictrust-$SVC.conf "/etc/pam.d/$SVC")"
fi
rt_check_service_clean "$SVC"

# ---------------------------------------------------------------- httpd
mkdir -m 0755 "$AP" "$AP/htdocs" "$AP/logs" "$AP/run" || rt_bail "mkdir $AP"
printf 'ok\n' >"$AP/htdocs/ok.txt"
chmod 0644 "$AP/htdocs/ok.txt"
PORT=$(rt_free_port) || rt_bail "no free port"
rt_port_is_free "$PORT" || rt_bail "port $PORT taken"

cat >"$AP/httpd.conf" <<EOF
# tests/real/apache.sh: a minimal Apache 2.4, event MPM, on 127.0.0.1:$PORT
ServerRoot "$AP"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$AP/run/httpd.pid"
DefaultRuntimeDir "$AP/run"
ErrorLog "$AP/logs/error.log"
LogLevel warn
User www-data
Group www-data

LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authn_core_module $MODDIR/mod_authn_core.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule authz_user_module $MODDIR/mod_authz_user.so
LoadModule auth_basic_module $MODDIR/mod_auth_basic.so
LoadModule authnz_pam_module $MODDIR/mod_authnz_pam.so

# Two workers of 25 threads from the start, and no reason to start or stop
# one during the test: 16 concurrent requests leave more than
# MinSpareThreads idle, MaxSpareThreads is above the 50 threads, and
# MaxConnectionsPerChild 0 never recycles one.  So a worker that is not
# there at the end died.
StartServers 2
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
MinSpareThreads 25
MaxSpareThreads 100
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0

DocumentRoot "$AP/htdocs"
<Directory />
	Require all denied
</Directory>
<Directory "$AP/htdocs">
	Require all granted
</Directory>

Include "$RT_SRC/conf/apache2/agentictrust-site.conf"

# Not shipped: the account phase alone, in a handle of its own.
<Location "/pam-account">
	Require pam-account $SVC
</Location>
EOF
chmod 0644 "$AP/httpd.conf"
mkdir -m 0755 "$AP/htdocs/pam-account"
printf 'ok\n' >"$AP/htdocs/pam-account/ok.txt"
chmod 0644 "$AP/htdocs/pam-account/ok.txt"

out=$(/usr/sbin/apache2 -t -f "$AP/httpd.conf" 2>&1) ||
	rt_bail "apache2 -t rejects the config" "$out"

/usr/sbin/apache2 -f "$AP/httpd.conf" -DFOREGROUND </dev/null \
	>"$AP/logs/stdout.log" 2>&1 &
HTTPD=$!
RT_BG_PIDS+=("$HTTPD")
for _ in $(seq 100); do
	ss -Htln "sport = :$PORT" 2>/dev/null | grep -q . && break
	kill -0 "$HTTPD" 2>/dev/null || break
	sleep 0.1
done
ss -Htln "sport = :$PORT" | grep -q . ||
	rt_bail "apache2 did not listen on 127.0.0.1:$PORT" \
		"$(cat "$AP/logs/stdout.log" "$AP/logs/error.log" 2>/dev/null)"
rt_diag "$(/usr/sbin/apache2 -v | head -n1), pid $HTTPD, port $PORT, users $U $O (Unix), $W (web)"

# worker_pids: MAINPID's children (the event MPM's worker processes).
worker_pids() {
	local f
	for f in /proc/[0-9]*/stat; do
		awk -v p="$HTTPD" '$4 == p { print $1 }' "$f" 2>/dev/null
	done | sort -n | tr '\n' ' '
}
# The listener is bound before the workers are forked: wait for both
# (StartServers 2).
for _ in $(seq 100); do
	WORKERS0=$(worker_pids)
	[ "$(echo "$WORKERS0" | wc -w)" -eq 2 ] && break
	sleep 0.1
done
if [ "$(echo "$WORKERS0" | wc -w)" -eq 2 ] && [ "$(stat -c %U "/proc/${WORKERS0%% *}")" = www-data ]; then
	rt_ok "setup: workers ${WORKERS0}run as www-data"
else
	rt_bail "apache2 has not 2 workers running as www-data ($WORKERS0)"
fi

# ----------------------------------------------------------------- curl
# http USER CRED [PATH]: the status of GET PATH with Basic USER:CRED (no
# credential when USER is empty), through a curl -K config on stdin (the
# credential never on a command line).  Also sets HTTP_HDRS.
HTTP_HDRS=$RT_TMP/curl.headers
http() {
	local u=$1 c=$2 path=${3:-/ok.txt}
	{
		[ -n "$u" ] && printf 'user = "%s:%s"\n' "$u" "$c"
		printf 'url = "http://127.0.0.1:%s%s"\n' "$PORT" "$path"
	} | curl -sS -o /dev/null -D "$HTTP_HDRS" -w '%{http_code}' \
		--max-time 20 -K - 2>"$RT_TMP/curl.err"
}

# accepted DESCRIPTION USER CRED METHOD
accepted() {
	local d=$1 u=$2 c=$3 m=$4 code
	rt_log_mark
	code=$(http "$u" "$c")
	if [ "$code" = 200 ]; then
		rt_ok "$d: 200"
	else
		rt_not_ok "$d: 200 (got $code)" "$(cat "$RT_TMP/curl.err")" \
			"$(tail -n 3 "$AP/logs/error.log")"
	fi
	rt_expect_log "$d: logged accepted user=$u method=$m sub=$u" \
		"$SVC" accepted "$u" "$m" "ok sub=$u kid=- secret=0 fp=([0-9a-f]{32}|-)"
}

# refused DESCRIPTION USER CRED METHOD REASON
refused() {
	local d=$1 u=$2 c=$3 m=$4 reason=$5 code
	rt_log_mark
	code=$(http "$u" "$c")
	if [ "$code" = 401 ]; then
		rt_ok "$d: 401"
	else
		rt_not_ok "$d: 401 (got $code)" "$(cat "$RT_TMP/curl.err")"
	fi
	rt_expect_log "$d: logged rejected user=$u reason=$reason" \
		"$SVC" rejected "$u" "$m" "$reason"
}

U_JWT=$(rt_jwt "$RT_SECRET_FILE" "$U" --ttl 600) || rt_bail "mint a JWT"
U_HMAC=$(rt_hmac "$RT_SECRET_FILE" "$U") || rt_bail "mint an HMAC"
W_JWT=$(rt_jwt "$RT_SECRET_FILE" "$W" --ttl 600) || rt_bail "mint a JWT for $W"
W_HMAC=$(rt_hmac "$RT_SECRET_FILE" "$W") || rt_bail "mint an HMAC for $W"
FORGED=$(rt_jwt "$RT_OTHER_SECRET" "$U" --ttl 600) || rt_bail "mint a forged JWT"
W_FORGED=$(rt_hmac "$RT_OTHER_SECRET" "$W") || rt_bail "mint a forged HMAC"
EXPIRED=$(rt_jwt "$RT_SECRET_FILE" "$U" --exp -1h) || rt_bail "mint an expired JWT"
W_EXPIRED=$(rt_jwt "$RT_SECRET_FILE" "$W" --exp -1h) || rt_bail "mint an expired JWT"
OTHER=$(rt_jwt "$RT_SECRET_FILE" "$O" --ttl 600) || rt_bail "mint a JWT for $O"
SYS_JWT=$(rt_jwt "$RT_SECRET_FILE" www-data --ttl 600) || rt_bail "mint a JWT for www-data"

accepted "JWT for Unix user $U" "$U" "$U_JWT" jwt
if grep -qi '^www-authenticate: Basic realm="Agentic Trust"' "$HTTP_HDRS"; then
	rt_not_ok "a 200 carries no WWW-Authenticate challenge"
else
	rt_ok "a 200 carries no WWW-Authenticate challenge"
fi
accepted "HMAC for Unix user $U" "$U" "$U_HMAC" hmac
accepted "JWT for web user $W (no passwd entry)" "$W" "$W_JWT" jwt
accepted "HMAC for web user $W (no passwd entry)" "$W" "$W_HMAC" hmac
refused "JWT for $U signed with another secret" "$U" "$FORGED" jwt bad_signature
if grep -qi '^www-authenticate: Basic realm="Agentic Trust"' "$HTTP_HDRS"; then
	rt_ok "a 401 asks for Basic credentials (realm \"Agentic Trust\")"
else
	rt_not_ok "a 401 asks for Basic credentials" "$(cat "$HTTP_HDRS")"
fi
rt_diag "Apache's error log on that refusal:" \
	"$(grep -F "user $U" "$AP/logs/error.log" | tail -n 2 | sed 's/^\[[^]]*\] //')"
refused "HMAC for $W computed with another secret" "$W" "$W_FORGED" hmac bad_signature
refused "JWT for $U expired an hour ago (agentictrust token --exp -1h)" \
	"$U" "$EXPIRED" jwt expired
refused "JWT for $W expired an hour ago" "$W" "$W_EXPIRED" jwt expired
refused "valid JWT of $O sent as $U" "$U" "$OTHER" jwt user_mismatch
refused "valid JWT of $U sent as $W" "$W" "$U_JWT" jwt user_mismatch
refused "valid JWT for www-data (a system account, accounts = any)" \
	www-data "$SYS_JWT" jwt system_user
refused "garbage credential" "$U" "not-a-token" none malformed

rt_log_mark
code=$(http "" "")
if [ "$code" = 401 ]; then
	rt_ok "no credentials: 401"
else
	rt_not_ok "no credentials: 401 (got $code)" "$(cat "$RT_TMP/curl.err")"
fi
sleep 0.3
if rt_log_new | grep -q 'pam_agentictrust('; then
	rt_not_ok "no credentials: PAM not called (no module line)" \
		"$(rt_log_new | grep 'pam_agentictrust(')"
else
	rt_ok "no credentials: PAM not called (no module line)"
fi

# "Require pam-account apache2" alone: a PAM handle of its own, with no
# auth phase, so the module's account line has verified nothing there.
rt_log_mark
code=$(http "$U" "$U_JWT" /pam-account/ok.txt)
if [ "$code" = 401 ] && rt_log_wait "$(rt_module_line "$SVC" accepted "$U" jwt ok)" &&
	! rt_log_new | grep -qE "pam_agentictrust\\($SVC:account\\): (refused|rejected)" &&
	grep -q "AH01631: user $U: authorization failure for \"/pam-account/ok.txt\"" \
		"$AP/logs/error.log"; then
	rt_ok "Require pam-account $SVC (the account phase alone, in a handle of its own): 401 after auth accepted, AH01631 authorization failure"
else
	rt_not_ok "Require pam-account $SVC: 401 after auth accepted, AH01631 (got $code)" \
		"$(tail -n 3 "$AP/logs/error.log")"
fi

# ------------------------------------------------------------ load run
CASES=$RT_TMP/cred/cases.json
"$RT_PY" - "$CASES" "$U" "$W" "$O" <<EOF || rt_bail "write the load cases"
import json, sys
f, u, w, o = sys.argv[1:5]
cases = [
    ["u_jwt", u, """$U_JWT""", 200],
    ["forged", u, """$FORGED""", 401],
    ["w_hmac", w, """$W_HMAC""", 200],
    ["expired", u, """$EXPIRED""", 401],
    ["u_hmac", u, """$U_HMAC""", 200],
    ["other_user", u, """$OTHER""", 401],
    ["w_jwt", w, """$W_JWT""", 200],
    ["none", None, None, 401],
]
with open(f, "w") as fh:
    json.dump(cases, fh)
EOF
chmod 0600 "$CASES"
rt_log_mark
"$RT_PY" "$RT_SRC/tests/real/apache-load.py" "$PORT" "$HTTPD" "$CASES" \
	"$N_LOAD" "$N_CONC" "$N_WARM" >"$RT_TMP/load.out" 2>"$RT_TMP/load.err" ||
	rt_not_ok "load run finished" "$(cat "$RT_TMP/load.err")"
load() { sed -n "s/^$1=//p" "$RT_TMP/load.out"; }
rt_diag "load: $(load requests) requests, $N_CONC concurrent, $(load seconds) s, $(load rps) requests/s"
rt_diag "worker RSS (pid:KiB) after $N_WARM requests: $(load rss_before_kib)"
rt_diag "worker RSS (pid:KiB) after $N_LOAD requests: $(load rss_after_kib)"
if [ "$(load requests)" = "$N_LOAD" ] && [ "$(load wrong)" = 0 ] &&
	[ "$(load errors)" = 0 ]; then
	rt_ok "load: $N_LOAD requests, $N_CONC concurrent, mixed credentials: 0 wrong answers, 0 errors"
else
	rt_not_ok "load: $N_LOAD requests with 0 wrong answers and 0 errors" \
		"requests $(load requests), wrong $(load wrong), errors $(load errors)" \
		"$(grep -E '^(wrong|error) ' "$RT_TMP/load.out" | head -n 5)"
fi
# Every request with credentials reached the module once: as many
# accepted lines as good requests, rejected lines as bad ones.
want_acc=$(( $(load sent_u_jwt) + $(load sent_u_hmac) + $(load sent_w_jwt) + $(load sent_w_hmac) ))
want_rej=$(( $(load sent_forged) + $(load sent_expired) + $(load sent_other_user) ))
for _ in $(seq 50); do
	[ "$(rt_log_new | grep -c "pam_agentictrust($SVC:auth): \(accepted\|rejected\) ")" -ge \
		$((want_acc + want_rej)) ] && break
	sleep 0.1
done
got_acc=$(rt_log_new | grep -c "pam_agentictrust($SVC:auth): accepted .* reason=ok ")
got_rej=$(rt_log_new | grep -cE "pam_agentictrust\\($SVC:auth\\): rejected .* reason=(bad_signature|expired|user_mismatch) ")
if [ "$got_acc" -eq "$want_acc" ] && [ "$got_rej" -eq "$want_rej" ]; then
	rt_ok "load: the syslog has one verdict per request with credentials ($got_acc accepted, $got_rej rejected)"
else
	rt_not_ok "load: one verdict per request with credentials" \
		"accepted $got_acc (want $want_acc), rejected $got_rej (want $want_rej)"
fi
before=$(load workers_before | tr ',' ' ')
after=$(load workers_after | tr ',' ' ')
now=$(worker_pids)
if [ "$before " = "$WORKERS0" ] && [ "$after " = "$WORKERS0" ] && [ "$now" = "$WORKERS0" ]; then
	rt_ok "load: the same $(echo "$WORKERS0" | wc -w) workers, children of $HTTPD, before, during and after (none died or was replaced)"
else
	rt_not_ok "load: the same workers throughout" "at start: $WORKERS0" \
		"after warm-up: $before" "at the end: $after" "now: $now"
fi
# RSS: each worker's growth from after the warm-up to the end.
growth=$("$RT_PY" - "$(load rss_before_kib)" "$(load rss_after_kib)" <<'EOF'
import sys
b = dict(x.split(":") for x in sys.argv[1].split(",") if x)
a = dict(x.split(":") for x in sys.argv[2].split(",") if x)
print(max((int(a[p]) - int(b[p]) for p in b if p in a), default=-1))
EOF
)
if [ -n "$growth" ] && [ "$growth" -ge 0 ] && [ "$growth" -lt "$RSS_MAX_KIB" ]; then
	rt_ok "load: worker RSS stable after warm-up (largest growth $growth KiB < $RSS_MAX_KIB KiB over $((N_LOAD - N_WARM)) requests)"
elif [ -n "$growth" ] && [ "$growth" -lt 0 ] && [ "$growth" -ne -1 ]; then
	rt_ok "load: worker RSS stable after warm-up (shrank: $growth KiB)"
else
	rt_not_ok "load: worker RSS stable after warm-up (largest growth ${growth:-?} KiB, bound $RSS_MAX_KIB)"
fi

# ------------------------------------------------------------ lengths
# The module takes up to 4096 bytes; Apache passes a header line of up to
# LimitRequestFieldSize (8190) bytes, "Authorization: Basic " and the
# base64 of USER:CRED included.
LEN_OK=$(rt_jwt_len 4096 "$RT_SECRET_FILE" "$U" --ttl 600) || rt_bail "mint a 4096-byte JWT"
accepted "a ${#LEN_OK}-byte JWT (the module's limit)" "$U" "$LEN_OK" jwt
LEN_BAD=$(rt_jwt_len 4097 "$RT_SECRET_FILE" "$U" --ttl 600) || rt_bail "mint a 4097-byte JWT"
refused "a ${#LEN_BAD}-byte JWT (over the module's limit)" "$U" "$LEN_BAD" none too_long

# The longest credential for USER whose header line fits 8190 bytes.
# base64 makes 4 bytes of every 3 (rounded up): (8190 - 21) / 4 whole
# groups of 3 bytes.
# shellcheck disable=SC2017 # whole groups: integer division first
max_cred() { echo $(( (8190 - 21) / 4 * 3 - ${#1} - 1 )); }
MAXC=$(max_cred "$U")
rt_log_mark
code=$(http "$U" "$(head -c "$MAXC" /dev/zero | tr '\0' x)")
if [ "$code" = 401 ] && rt_log_wait "$(rt_module_line "$SVC" rejected "$U" none too_long)"; then
	# shellcheck disable=SC2017 # ceil(n / 3) * 4: the base64 length
	rt_ok "a $MAXC-byte credential for $U (header line $((21 + (${#U} + 1 + MAXC + 2) / 3 * 4)) bytes) reaches PAM (401, too_long)"
else
	rt_not_ok "a $MAXC-byte credential for $U reaches PAM (got $code)" \
		"$(rt_log_new | grep pam_agentictrust | tail -n 2)"
fi
rt_log_mark
code=$(http "$U" "$(head -c "$((MAXC + 3))" /dev/zero | tr '\0' x)")
sleep 0.3
if [ "$code" = 400 ] && ! rt_log_new | grep -q 'pam_agentictrust('; then
	rt_ok "a $((MAXC + 3))-byte credential (header line over 8190 bytes): 400 from Apache, PAM not called"
else
	rt_not_ok "a $((MAXC + 3))-byte credential: 400, PAM not called (got $code)" \
		"$(rt_log_new | grep pam_agentictrust | tail -n 2)"
fi

# ----------------------------------------------------------------- stop
kill -TERM "$HTTPD"
for _ in $(seq 100); do
	kill -0 "$HTTPD" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$HTTPD" 2>/dev/null; then
	rt_not_ok "apache2 ($HTTPD) stopped on SIGTERM"
else
	wait "$HTTPD" 2>/dev/null
	rt_ok "apache2 ($HTTPD) stopped on SIGTERM"
fi
bad=$(grep -E 'exit signal|Segmentation|AH00052|AH00060|child process .* exited|free\(\)|double free|corrupt' \
	"$AP/logs/error.log" "$AP/logs/stdout.log")
if [ -z "$bad" ]; then
	rt_ok "error log: no worker crash ($(wc -l <"$AP/logs/error.log") lines)"
else
	rt_not_ok "error log: no worker crash" "$(printf '%s\n' "$bad" | head -n 5)"
fi
rt_check_service_lines "syslog" "$SVC"
rt_check_no_leak "$RT_SYSLOG" "$AP/logs/error.log" "$AP/logs/stdout.log"
exit 0
