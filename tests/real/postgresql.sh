#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/postgresql.sh MODULE CLI SRCDIR
#
# PostgreSQL 15 (Debian's postgresql-15 binaries) with the "pam"
# authentication method and the shipped files, installed unchanged in the
# private /etc: conf/pam.d/postgresql, conf/postgresql/agentictrust-
# postgresql.conf (root:root 0644) and a secret root:postgres 0640.  The
# test initialises its own cluster as the postgres user in the temp dir,
# listening on 127.0.0.1 (a free port) with the pg_hba.conf line of
# conf/postgresql/pg_hba.conf.example, and its Unix socket in the temp
# dir (peer, for the setup as postgres only).  psql logs in over TCP with
# PGPASSWORD: a role that is a Unix user and a role that is not
# (accounts=any), each with a JWT and an HMAC; refused: a forged JWT, an
# expired one, another role's valid token, the HMAC of another id, and
# any token while the secret is 0600 root (secret_unusable).  Then the
# account phase: a JWT that expires between auth and account is refused
# there, the module's account line alone refuses a login that another
# module authenticated, and pam_unix's (common-account) refuses what the
# module accepted.  Last, the longest credential that reaches the module
# through PGPASSWORD and through psql's password prompt (a pty).  Every
# verdict is checked in the captured syslog by its reason tag.  The server
# is started and stopped by pid.  Needs root, else exits 77.
set -u
PG_BIN=/usr/lib/postgresql/15/bin
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=("$PG_BIN/initdb" "$PG_BIN/postgres" "$PG_BIN/psql" "$PG_BIN/pg_isready" ss)
# shellcheck disable=SC2034 # read by rt_check_real_system in common.sh
RT_PAMD_FILE=/etc/pam.d/postgresql
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
RT_PRIVATE_PATHS+=(/etc/pam.d/postgresql
	/etc/security/agentictrust-postgresql.conf
	/etc/security/agentictrust-postgresql.secret)
rt_main postgresql "$@"

# ------------------------------------------ inside the private namespaces
SVC=postgresql
U=atalice$RANDOM	# a role that is also a Unix user
N=atagent$RANDOM	# a role with no passwd entry
PGDIR=$RT_TMP/pg	# postgres 0700: the cluster, its socket, its log
PG_LOG=$PGDIR/server.log
PG_ERR=$RT_TMP/psql.stderr
PG_PID=

rt_useradd "$U"
getent passwd "$N" >/dev/null && rt_bail "$N is a Unix user"
rt_service_files "$SVC" postgres

got=$(stat -c '%U:%G %a' /etc/pam.d/postgresql /etc/security/agentictrust-postgresql.conf \
	"$RT_SECRET_FILE" | tr '\n' ' ')
if [ "$got" = "root:root 644 root:root 644 root:postgres 640 " ]; then
	rt_ok "setup: shipped stack and config root:root 0644, secret root:postgres 0640"
else
	rt_bail "file owners and modes: $got"
fi

rt_check_service_clean "$SVC"

as_pg() {
	setpriv --reuid=postgres --regid=postgres --init-groups -- \
		env -i PATH=/usr/bin:/bin LANG=C "$@"
}

install -d -m 0700 -o postgres -g postgres "$PGDIR" "$PGDIR/sock" ||
	rt_bail "make $PGDIR"
(umask 077; : >"$PG_LOG")
as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres -E UTF8 --locale=C \
	--auth-local=peer --auth-host=reject >>"$PG_LOG" 2>&1 ||
	rt_bail "initdb" "$(tail -n 5 "$PG_LOG")"

# pg_hba.conf: the shipped line for TCP; peer on the private socket, for
# the setup as postgres only.
hba_line=$(grep -E '^host[[:space:]]' "$RT_SRC/conf/postgresql/pg_hba.conf.example")
if [ "$(printf '%s\n' "$hba_line" | wc -l)" -ne 1 ] ||
	! printf '%s\n' "$hba_line" | grep -q 'pam pamservice=postgresql$'; then
	rt_bail "conf/postgresql/pg_hba.conf.example has no single 'host ... pam pamservice=postgresql' line"
fi
cat >"$PGDIR/data/pg_hba.conf" <<EOF
# tests/real/postgresql.sh
local   all       postgres              peer
$hba_line
EOF
chown postgres:postgres "$PGDIR/data/pg_hba.conf"
chmod 0600 "$PGDIR/data/pg_hba.conf"

PORT=$(rt_free_port)
rt_port_is_free "$PORT" || rt_bail "port $PORT is taken"

pg_start() {
	# Not through as_pg (a function: its background job would be a
	# subshell): $! is setpriv's pid, which env and postgres then keep.
	setpriv --reuid=postgres --regid=postgres --init-groups -- \
		env -i PATH=/usr/bin:/bin LANG=C \
		"$PG_BIN/postgres" -D "$PGDIR/data" -c listen_addresses=127.0.0.1 \
		-c port="$PORT" -c unix_socket_directories="$PGDIR/sock" \
		-c logging_collector=off -c log_connections=on -c fsync=off \
		-c max_connections=20 -c shared_buffers=16MB \
		</dev/null >>"$PG_LOG" 2>&1 &
	PG_PID=$!
	RT_BG_PIDS+=("$PG_PID")
	for _ in $(seq 150); do
		pg_running || break
		"$PG_BIN/pg_isready" -q -h "$PGDIR/sock" -p "$PORT" && return 0
		sleep 0.2
	done
	rt_bail "postgres (pid $PG_PID) did not come up on 127.0.0.1:$PORT" \
		"$(tail -n 10 "$PG_LOG")"
}

# pg_running: the postmaster is alive (not gone, not a zombie: this
# shell is its parent and reaps it only in pg_stop).
pg_running() {
	local st
	st=$(cut -d' ' -f3 "/proc/$PG_PID/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Fast shutdown by pid; 0 when it exited within 30 s.
pg_stop() {
	local i
	kill -INT "$PG_PID" 2>/dev/null || return 1
	for i in $(seq 300); do
		pg_running || break
		sleep 0.1
	done
	pg_running && return 1
	wait "$PG_PID" 2>/dev/null
	RT_BG_PIDS=("${RT_BG_PIDS[@]/#$PG_PID/}")
	return 0
}

pg_sql() {
	as_pg "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR/sock" \
		-p "$PORT" -U postgres -d postgres -c "$1"
}

pg_start
rt_ok "setup: postgres (pid $PG_PID) runs as $(ps -o user= -p "$PG_PID") on 127.0.0.1:$PORT, $($PG_BIN/postgres --version)"
pg_sql "CREATE ROLE \"$U\" LOGIN; CREATE ROLE \"$N\" LOGIN;" >/dev/null ||
	rt_bail "create the roles"

# pg_login ROLE CRED: psql over TCP with PGPASSWORD, as the shipped line
# wants it.  Sets PG_RC and PG_OUT (stdout), stderr in PG_ERR.
pg_login() {
	PG_OUT=$(env -i PATH=/usr/bin:/bin LANG=C PGPASSWORD="$2" \
		PGSSLMODE=disable PGCONNECT_TIMEOUT=20 \
		timeout -k 5 40 "$PG_BIN/psql" -X -w -A -t -h 127.0.0.1 -p "$PORT" \
		-U "$1" -d postgres -c 'select current_user' \
		</dev/null 2>"$PG_ERR")
	PG_RC=$?
}

# pg_ok DESCRIPTION ROLE CRED METHOD
pg_ok() {
	local d=$1 role=$2 cred=$3 m=$4
	rt_log_mark
	pg_login "$role" "$cred"
	if [ $PG_RC -eq 0 ] && [ "$PG_OUT" = "$role" ]; then
		rt_ok "$d: psql -U $role logs in, current_user is $role"
	else
		rt_not_ok "$d: psql -U $role logs in, current_user is $role" \
			"exit $PG_RC, stdout '$PG_OUT'" "$(cat "$PG_ERR")"
	fi
	rt_expect_log "$d: logged accepted user=$role method=$m reason=ok" \
		"$SVC" accepted "$role" "$m" "ok sub=$role"
}

# pg_refused DESCRIPTION ROLE CRED METHOD REASON [VERDICT]
pg_refused() {
	local d=$1 role=$2 cred=$3 m=$4 reason=$5 verdict=${6:-rejected}
	rt_log_mark
	pg_login "$role" "$cred"
	if [ $PG_RC -ne 0 ] && [ -z "$PG_OUT" ] &&
		grep -qF "PAM authentication failed for user \"$role\"" "$PG_ERR"; then
		rt_ok "$d: psql -U $role refused (exit $PG_RC, PAM authentication failed)"
	else
		rt_not_ok "$d: psql -U $role refused (PAM authentication failed)" \
			"exit $PG_RC, stdout '$PG_OUT'" "$(cat "$PG_ERR")"
	fi
	rt_expect_log "$d: logged $verdict user=$role reason=$reason" \
		"$SVC" "$verdict" "$role" "$m" "$reason"
}

# ------------------------------------------------------------- credentials
TOK_U=$(rt_jwt "$RT_SECRET_FILE" "$U" --ttl 600) || rt_bail "mint a token for $U"
TOK_N=$(rt_jwt "$RT_SECRET_FILE" "$N" --ttl 600) || rt_bail "mint a token for $N"
HMAC_U=$(rt_hmac "$RT_SECRET_FILE" "$U") || rt_bail "HMAC for $U"
HMAC_N=$(rt_hmac "$RT_SECRET_FILE" "$N") || rt_bail "HMAC for $N"
FORGED=$(rt_jwt "$RT_OTHER_SECRET" "$U" --ttl 600) || rt_bail "mint a forged token"
EXPIRED=$(rt_jwt "$RT_SECRET_FILE" "$N" --exp -1h 2>/dev/null) ||
	rt_bail "mint an expired token"

# ------------------------------------------------------------------ cases
pg_ok "JWT, Unix-user role" "$U" "$TOK_U" jwt
# The tag PostgreSQL's lines carry: pam_syslog() without openlog() uses
# glibc's program name, which points into argv[0], which the backend
# overwrites with its process title.
tag=$(grep -F "pam_agentictrust($SVC:auth): accepted user=$U " "$RT_SYSLOG" |
	head -n1 | sed -E 's/^<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} //; s/: pam_agentictrust\(.*//')
# Started as $PG_BIN/postgres, glibc's name is argv[0] from its 28th
# byte: the title "postgres: ROLE DB HOST(PORT) authentication" from
# there, so the tag changes with the role's and database's names.
title="postgres: $U postgres 127.0.0.1("
want=${title:${#PG_BIN}+1}
case $tag in
"$want"[0-9]*") authentication")
	rt_ok "the backend's syslog tag is its process title from byte $((${#PG_BIN} + 1)): '$tag'" ;;
*)
	rt_not_ok "the backend's syslog tag is its process title from byte $((${#PG_BIN} + 1))" \
		"tag '$tag', wanted '$want...) authentication'" ;;
esac
pg_ok "JWT, role with no passwd entry (accounts=any)" "$N" "$TOK_N" jwt
pg_ok "HMAC, Unix-user role" "$U" "$HMAC_U" hmac
pg_ok "HMAC, role with no passwd entry" "$N" "$HMAC_N" hmac

pg_refused "forged JWT (another secret)" "$U" "$FORGED" jwt bad_signature
pg_refused "expired JWT (exp an hour ago)" "$N" "$EXPIRED" jwt "expired sub=$N"
pg_refused "$U's valid JWT for role $N" "$N" "$TOK_U" jwt "user_mismatch sub=$U"
pg_refused "$N's valid JWT for role $U" "$U" "$TOK_N" jwt "user_mismatch sub=$N"
pg_refused "HMAC of $U for role $N" "$N" "$HMAC_U" hmac bad_signature

# The postgres role is a Unix system account: accounts=any keeps the check.
TOK_PG=$(rt_jwt "$RT_SECRET_FILE" postgres --ttl 600) || rt_bail "mint a token for postgres"
pg_refused "valid JWT for the postgres role (a system account)" postgres "$TOK_PG" jwt \
	"system_user sub=postgres"

chmod 0600 "$RT_SECRET_FILE"
chgrp root "$RT_SECRET_FILE"
pg_refused "secret root:root 0600 (postgres cannot read it)" "$U" "$TOK_U" \
	'[a-z]+' secret_unusable refused
chgrp postgres "$RT_SECRET_FILE"
chmod 0640 "$RT_SECRET_FILE"
pg_ok "secret root:postgres 0640 again" "$U" "$TOK_U" jwt

# ----------------------------------------------------------- account phase
# Variants of the stack (the shipped one is put back after them).
AUTH_LINE=$(grep -E '^auth[[:space:]]' /etc/pam.d/postgresql)
ACCT_LINE=$(grep -E '^account[[:space:]]' /etc/pam.d/postgresql)
if [ -z "$AUTH_LINE" ] || [ -z "$ACCT_LINE" ] ||
	[ "$(grep -cE '^(auth|account)[[:space:]]' /etc/pam.d/postgresql)" -ne 2 ] ||
	[ "$(grep -cEv '^[[:space:]]*(#|$)|^(auth|account)[[:space:]]|^(password|session)[[:space:]]+required[[:space:]]+pam_deny\.so$' \
		/etc/pam.d/postgresql)" -ne 0 ]; then
	rt_bail "conf/pam.d/postgresql is not one auth and one account line (and pam_deny.so password and session lines)"
fi
stack() {
	printf '%s\n' "# tests/real/postgresql.sh: a variant" "$@" >/etc/pam.d/postgresql
}

# account_line_re VERDICT ROLE REASON: the module's account-phase verdict.
account_line_re() {
	printf 'pam_agentictrust\\(%s:account\\): %s user=%s service=%s method=jwt reason=%s( |$)' \
		"$SVC" "$1" "$2" "$SVC" "$3"
}

# 0. The account line answers PAM_SUCCESS for what auth verified (its
# debug line says which case).
stack "$AUTH_LINE" "$ACCT_LINE debug"
for c in "$N:$TOK_N:jwt:JWT still valid" "$U:$HMAC_U:hmac:credential verified in this handle"; do
	IFS=: read -r role tok m why <<<"$c"
	pg_ok "debug on the account line, $m" "$role" "$tok" "$m"
	if rt_log_wait "pam_agentictrust\\($SVC:account\\): $why: success"; then
		rt_ok "debug on the account line, $m: the account phase answered success ($why)"
	else
		rt_not_ok "debug on the account line, $m: the account phase answered success ($why)" \
			"$(rt_log_new | grep -F pam_agentictrust)"
	fi
done

# 1. The account line decides on exp: a JWT valid at auth, expired by the
# account phase (a 9 s sleep between them, leeway=0 on the auth line).
# (6 s to reach auth on a loaded machine, 9 s asleep before account.)
stack "$AUTH_LINE leeway=0" "auth optional pam_exec.so quiet /bin/sleep 9" "$ACCT_LINE"
SHORT=$(rt_jwt "$RT_SECRET_FILE" "$N" --exp +6s 2>/dev/null) || rt_bail "mint a 6 s token"
rt_log_mark
pg_login "$N" "$SHORT"
if [ $PG_RC -ne 0 ] && [ -z "$PG_OUT" ]; then
	rt_ok "JWT expiring between auth and account: psql -U $N refused (exit $PG_RC)"
else
	rt_not_ok "JWT expiring between auth and account: psql -U $N refused" \
		"exit $PG_RC, stdout '$PG_OUT'" "$(cat "$PG_ERR")"
fi
rt_expect_log "JWT expiring between auth and account: auth accepted it" \
	"$SVC" accepted "$N" jwt "ok sub=$N"
if rt_log_wait "$(account_line_re rejected "$N" expired)"; then
	rt_ok "JWT expiring between auth and account: the account line logged rejected reason=expired"
else
	rt_not_ok "JWT expiring between auth and account: the account line logged rejected reason=expired" \
		"$(rt_log_new | grep -F pam_agentictrust)"
fi

# 2. The module's account line is libpam's only say: with a module that
# accepts anything on the auth line (pam_permit), the module verified
# nothing, returns PAM_IGNORE, and libpam refuses.  Control: the same
# with pam_permit as the account line logs in.
stack "auth required pam_permit.so" "$ACCT_LINE debug"
rt_log_mark
pg_login "$U" not-a-credential
if [ $PG_RC -ne 0 ] && [ -z "$PG_OUT" ]; then
	rt_ok "auth by pam_permit, the module's account line alone: psql -U $U refused"
else
	rt_not_ok "auth by pam_permit, the module's account line alone: psql -U $U refused" \
		"exit $PG_RC, stdout '$PG_OUT'"
fi
if rt_log_wait "pam_agentictrust\\($SVC:account\\): no credential verified in this handle: ignored"; then
	rt_ok "auth by pam_permit: the account line ran and found nothing verified (debug line)"
else
	rt_not_ok "auth by pam_permit: the account line ran and found nothing verified (debug line)" \
		"$(rt_log_new | grep -F pam_agentictrust)"
fi
stack "auth required pam_permit.so" "account required pam_permit.so"
pg_login "$U" not-a-credential
if [ $PG_RC -eq 0 ] && [ "$PG_OUT" = "$U" ]; then
	rt_ok "control: auth and account by pam_permit: psql -U $U logs in"
else
	rt_not_ok "control: auth and account by pam_permit: psql -U $U logs in" \
		"exit $PG_RC, stdout '$PG_OUT'" "$(cat "$PG_ERR")"
fi

# 3. Why no common-account: pam_unix's account phase refuses what the
# module accepted, for both roles.
stack "$AUTH_LINE" "$ACCT_LINE" "@include common-account"
for role in "$U" "$N"; do
	[ "$role" = "$U" ] && tok=$TOK_U || tok=$TOK_N
	rt_log_mark
	pg_login "$role" "$tok"
	if [ $PG_RC -ne 0 ] && [ -z "$PG_OUT" ] &&
		rt_log_wait "$(rt_module_line "$SVC" accepted "$role" jwt ok)"; then
		rt_ok "with @include common-account: $role's valid JWT accepted by auth, login refused"
	else
		rt_not_ok "with @include common-account: $role's valid JWT accepted by auth, login refused" \
			"exit $PG_RC, stdout '$PG_OUT'" "$(rt_log_new | grep -F pam_)"
	fi
	rt_diag "  logged besides the module's verdict:" \
		"$(rt_log_new | grep -vF 'pam_agentictrust(' | sed 's/^<[0-9]*>//' | head -n 3)"
done

install -m 0644 "$RT_SRC/conf/pam.d/postgresql" /etc/pam.d/postgresql
pg_ok "the shipped stack again" "$N" "$TOK_N" jwt

# ----------------------------------------------------------------- lengths
# PGPASSWORD: libpq sends it whole in the password message; the module
# takes up to 4096 bytes.
for len in 1024 2048 4096; do
	t=$(rt_jwt_len "$len" "$RT_SECRET_FILE" "$U" --ttl 600 2>/dev/null) ||
		rt_bail "mint a $len-byte token"
	pg_ok "PGPASSWORD, ${#t}-byte JWT" "$U" "$t" jwt
done
for len in 4097 8192; do
	t=$(rt_jwt_len "$len" "$RT_SECRET_FILE" "$U" --ttl 600 2>/dev/null) ||
		rt_bail "mint a $len-byte token"
	# Refused before anything is parsed: method=none.
	pg_refused "PGPASSWORD, ${#t}-byte JWT (reaches the module whole)" "$U" "$t" none too_long
done

# psql's own prompt (no PGPASSWORD) through a pty: the terminal's
# canonical mode keeps at most 4095 bytes of a line.
# pty_login ROLE CREDFILE [PSQL-OPTION...]: prints "rc=N out=LAST-LINE".
pty_login() {
	"$RT_PY" - "$PG_BIN/psql" "$PORT" "$@" <<'PY'
import os, pty, select, sys, time
psql, port, role, credfile = sys.argv[1:5]
extra = sys.argv[5:]
cred = open(credfile, "rb").read().strip()
pid, fd = pty.fork()
if pid == 0:
    os.execve(psql, [psql, "-X", "-A", "-t", "-h", "127.0.0.1", "-p", port,
                     "-U", role, "-d", "postgres", "-P", "pager=off",
                     "-c", "select current_user"] + extra,
              {"PATH": "/usr/bin:/bin", "LANG": "C", "PGSSLMODE": "disable"})
out = b""
deadline = time.monotonic() + 30
def read_some(t):
    global out
    r, _, _ = select.select([fd], [], [], t)
    if r:
        try:
            b = os.read(fd, 4096)
        except OSError:
            return False
        if not b:
            return False
        out += b
    return True
while b"Password" not in out and time.monotonic() < deadline:
    if not read_some(0.5):
        break
sent = 0
if b"Password" in out:
    out = b""
    data = cred + b"\n"
    while sent < len(data):
        sent += os.write(fd, data[sent:sent + 512])
while time.monotonic() < deadline and read_some(0.5):
    pass
if time.monotonic() >= deadline:
    os.kill(pid, 9)
_, st = os.waitpid(pid, 0)
rc = os.waitstatus_to_exitcode(st)
lines = [l.strip() for l in out.decode("ascii", "replace").splitlines() if l.strip()]
print("rc=%d out=%s" % (rc, lines[-1] if lines else ""))
PY
}

for len in 1024 4095 4096 8192; do
	t=$(rt_jwt_len "$len" "$RT_SECRET_FILE" "$U" --ttl 600 2>/dev/null) ||
		rt_bail "mint a $len-byte token"
	f=$(rt_cred_file "pty-$len" "$t")
	rt_log_mark
	res=$(pty_login "$U" "$f")
	# psql connects first without a password, the server asks for one
	# and psql hangs up to prompt: that first connection's conversation
	# fails (refused reason=conversation), then the second one counts.
	verdicts=$(rt_log_new | grep -oE "pam_agentictrust\\($SVC:auth\\): [a-z_]+ user=$U .*reason=[a-z0-9_]+" |
		sed -E 's/.*: ([a-z_]+) .*reason=([a-z0-9_]+)/\1 \2/' | paste -sd, -)
	hint=$(rt_log_new | grep -oE 'the credential is exactly [0-9]+ bytes' | head -n1)
	rt_diag "psql prompt, ${#t}-byte JWT: $res; module: ${verdicts:-nothing logged}${hint:+; hint: $hint}"
	[ "$len" = 1024 ] && rt_diag "  its lines:" \
		"$(rt_log_new | grep -F 'pam_agentictrust(' | sed 's/^<[0-9]*>//')"
	case ${#t} in
	1024|4095)
		if [ "$res" = "rc=0 out=$U" ] &&
			[ "$verdicts" = "refused conversation,accepted ok" ]; then
			rt_ok "psql prompt (pty), ${#t}-byte JWT: accepted (after the first connection's conversation refusal)"
		else
			rt_not_ok "psql prompt (pty), ${#t}-byte JWT: accepted" "$res; $verdicts"
		fi
		;;
	*)
		if [ "${res%% *}" != rc=0 ] &&
			[ "$hint" = "the credential is exactly 4095 bytes" ]; then
			rt_ok "psql prompt (pty), ${#t}-byte JWT: cut to 4095 bytes by the terminal, refused ($verdicts)"
		else
			rt_not_ok "psql prompt (pty), ${#t}-byte JWT: cut to 4095 bytes, refused" "$res; $verdicts; $hint"
		fi
		;;
	esac
done

# psql -W prompts before it connects: one connection, no conversation
# refusal.
t=$(rt_jwt_len 1024 "$RT_SECRET_FILE" "$U" --ttl 600 2>/dev/null) ||
	rt_bail "mint a 1024-byte token"
f=$(rt_cred_file pty-W "$t")
rt_log_mark
res=$(pty_login "$U" "$f" -W)
verdicts=$(rt_log_new | grep -oE "pam_agentictrust\\($SVC:auth\\): [a-z_]+ user=$U .*reason=[a-z0-9_]+" |
	sed -E 's/.*: ([a-z_]+) .*reason=([a-z0-9_]+)/\1 \2/' | paste -sd, -)
if [ "$res" = "rc=0 out=$U" ] && [ "$verdicts" = "accepted ok" ]; then
	rt_ok "psql -W prompt (pty), ${#t}-byte JWT: accepted, one verdict line"
else
	rt_not_ok "psql -W prompt (pty), ${#t}-byte JWT: accepted, one verdict line" "$res; $verdicts"
fi

# ------------------------------------------------------------------- end
if pg_stop; then
	rt_ok "postgres (pid $PG_PID) stopped by pid (fast shutdown)"
else
	rt_not_ok "postgres (pid $PG_PID) stopped by pid within 30 s"
fi
rt_check_service_lines "postgres reads /etc/pam.d/postgresql" "$SVC"
rt_check_no_leak "$RT_SYSLOG" "$PG_LOG"
