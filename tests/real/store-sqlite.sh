#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/real/store-sqlite.sh MODULE CLI SRCDIR
#
# Issue 8: the SQLite store's faults through the real libpam and the
# build's module (pamtester, "auth required pam_agentictrust.so" with
# mode=jwt single_use=true store=sqlite:PATH), in a private mount and PID
# namespace (common.sh); needs root, else exits 77.  Each fault is a
# database (or its directory) broken in one way:
#   - on a 512 KiB tmpfs filled up (SQLite needs ~100 KiB while a
#     connection is open: the 32 KiB -shm, the -wal, the file): denied as store_error, the auth
#     process ends normally (no SIGBUS from SQLite's mmap'd -shm), and the
#     token is not consumed: with space freed it is accepted once, then
#     replayed;
#   - on a read-only bind mount: store_error;
#   - group-writable file, group-writable directory: store_error, the log
#     names the file or the directory;
#   - garbage over the file: store_error;
#   - another writer holding the write lock past store_timeout_ms:
#     store_unavailable, decided within the timeout plus a margin.
# After each fault that can be repaired, the denied token is accepted
# exactly once: no fault consumed it, none lets it through twice.
set -u
# shellcheck disable=SC2034 # read by rt_main in common.sh
RT_NEEDS=(pamtester)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$(readlink -f "$0")")/common.sh"
RT_PRIVATE_PATHS+=(/etc/pam.d/store-sqlite-agentictrust)
rt_main store-sqlite "$@"

# ------------------------------------------ inside the private namespaces
SVC=store-sqlite-agentictrust
U=atfrank$RANDOM
CONF=/etc/security/agentictrust.conf
DBROOT=$RT_TMP/db	# 0700, root's: passes the directory rules

rt_useradd "$U"
rt_agentictrust_files jwt
cp "$CONF" "$RT_TMP/conf.base" || rt_bail "keep the base config"
cat >"/etc/pam.d/$SVC" <<EOF
# tests/real/store-sqlite.sh
auth     required pam_agentictrust.so config=$CONF
account  required pam_agentictrust.so config=$CONF
account  required pam_permit.so
EOF
mkdir -m 0700 "$DBROOT"

# set_store PATH [EXTRA LINES...]: the module's config names PATH.
set_store() {
	local db=$1 l
	shift
	{
		cat "$RT_TMP/conf.base"
		echo
		echo "store = sqlite:$db"
		echo "single_use = true"
		for l in "$@"; do
			echo "$l"
		done
	} >"$CONF.tmp" || rt_bail "write $CONF"
	chmod 0600 "$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

# tok: a fresh token (a random name claim: two tokens of one second differ).
tok() {
	rt_jwt "$RT_SECRET_FILE" "$U" --ttl 600 --name "sq-$RANDOM$RANDOM"
}

# auth CRED: pamtester authenticate + acct_mgmt; sets PT_RC, PT_OUT, PT_MS.
auth() {
	local t0
	rt_log_mark
	t0=$(date +%s%N)
	PT_OUT=$(printf '%s\n' "$1" |
		timeout -k 5 30 pamtester "$SVC" "$U" authenticate acct_mgmt 2>&1)
	PT_RC=$?
	PT_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

verdict_re() {
	printf 'pam_agentictrust\\(%s:auth\\): %s user=%s service=%s method=jwt reason=%s ' \
		"$SVC" "$1" "$U" "$SVC" "$2"
}

module_lines() {
	rt_log_new | grep -o 'pam_agentictrust(.*'
}

# accepted DESCRIPTION CRED
accepted() {
	auth "$2"
	if [ $PT_RC -eq 0 ] && rt_log_wait "$(verdict_re accepted ok)" 2; then
		rt_ok "$1: accepted"
	else
		rt_not_ok "$1: accepted" "pamtester exit $PT_RC: $PT_OUT" "$(module_lines)"
	fi
}

# refused DESCRIPTION CRED REASON [LOG_FIXED_STRING]: pamtester fails
# normally (exit 1: not killed by a signal, no crash), the module logs
# REASON and no accepted line, and (when given) some module line names
# LOG_FIXED_STRING.
refused() {
	local d=$1 reason=$3 want=${4:-}
	auth "$2"
	if [ $PT_RC -ne 1 ]; then
		rt_not_ok "$d: denied, pamtester exits 1 (not a crash)" \
			"pamtester exit $PT_RC: $PT_OUT" "$(module_lines)"
		return 1
	fi
	if ! rt_log_wait "$(verdict_re '(rejected|refused)' "$reason")" 2; then
		rt_not_ok "$d: denied with reason=$reason" "$(module_lines)"
		return 1
	fi
	if rt_log_new | grep -Eq "$(verdict_re accepted ok)"; then
		rt_not_ok "$d: denied with reason=$reason" "the module also logged accepted"
		return 1
	fi
	if [ -n "$want" ] && ! module_lines | grep -qF -- "$want"; then
		rt_not_ok "$d: denied with reason=$reason, the log names $want" "$(module_lines)"
		return 1
	fi
	rt_ok "$d: denied with reason=$reason${want:+, the log names $want} (pamtester exit 1, ${PT_MS} ms)"
	if [ "${STORE_DIAG:-}" = 1 ]; then
		rt_diag "$(module_lines | grep -v "reason=$reason ")"
	fi
	return 0
}

# once DESCRIPTION CRED: accepted now, replayed the next time.
once() {
	accepted "$1" "$2"
	refused "$1, presented again" "$2" replayed
}

# ------------------------------------------------------------- baseline
mkdir -m 0700 "$DBROOT/ok"
set_store "$DBROOT/ok/state.db"
once "baseline, sqlite:$DBROOT/ok/state.db" "$(tok)"
rt_diag "a database after two authentications: $(du -k --apparent-size "$DBROOT/ok"/* | tr '\t\n' ': ')"
if [ "$(stat -c '%a %U' "$DBROOT/ok/state.db")" = "600 root" ]; then
	rt_ok "the module created the database 0600, owned by root"
else
	rt_not_ok "the module created the database 0600, owned by root" \
		"$(stat -c '%a %U' "$DBROOT/ok/state.db")"
fi

# ------------------------------------------------------ full filesystem
FULL=$DBROOT/full
mkdir -m 0700 "$FULL"
mount -t tmpfs -o size=512k,mode=0700 at-full "$FULL" || rt_bail "tmpfs on $FULL"
set_store "$FULL/state.db"
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
avail=$(df --output=avail -k "$FULL" | tail -n1 | tr -d ' ')
[ "$avail" -eq 0 ] || rt_bail "could not fill $FULL ($avail KiB left)"
T=$(tok)
STORE_DIAG=1 refused "full filesystem (512 KiB tmpfs, 0 left)" "$T" store_error
rm -f "$FULL/filler"
once "full filesystem, space freed: the denied token was not consumed" "$T"
# Fill it again now that the database exists, and use tokens until one
# needs a page the filesystem does not have: whatever happens, no token is
# accepted twice and nothing crashes.
# Left free: 0 KiB (the -shm cannot grow: refused at open), then a few
# pages more, so that the open succeeds and the commit runs out.
n_ok=0 n_err=0 n_other=0 DENIED='' DENIED_AT=''
for i in 0 36 40 44 48 52 56 64; do
	rm -f "$FULL/filler"
	avail=$(df --output=avail -k "$FULL" | tail -n1 | tr -d ' ')
	[ "$avail" -gt "$i" ] &&
		dd if=/dev/zero of="$FULL/filler" bs=1k count=$((avail - i)) 2>/dev/null
	T2=$(tok)
	auth "$T2"
	if [ $PT_RC -eq 0 ]; then
		n_ok=$((n_ok + 1))
	elif [ $PT_RC -eq 1 ] && rt_log_new | grep -Eq "$(verdict_re '(rejected|refused)' store_error)"; then
		n_err=$((n_err + 1))
		# Keep one denied while writing (the commit ran out of
		# space), else the first.
		if module_lines | grep -q ': commit: '; then
			DENIED=$T2 DENIED_AT=commit
		elif [ -z "$DENIED" ]; then
			DENIED=$T2 DENIED_AT=open
		fi
		rt_diag "$i KiB free: $(module_lines | grep -v 'reason=store_error ')"
	else
		n_other=$((n_other + 1))
	fi
	[ $PT_RC -eq 0 ] && rt_diag "$i KiB free: accepted"
done
if [ $n_other -eq 0 ]; then
	rt_ok "full filesystem with the database in it: 8 fresh tokens with 0..64 KiB free, $n_ok accepted, $n_err store_error, no other outcome"
else
	rt_not_ok "full filesystem with the database in it: $n_other of 8 ended otherwise ($n_ok accepted, $n_err store_error)"
fi
refused "full filesystem with the database in it: the first token again" "$T" '(replayed|store_error)'
rm -f "$FULL/filler"
if [ "$DENIED_AT" = commit ]; then
	rt_ok "full filesystem with the database in it: some token was denied at the commit (out of space while writing)"
else
	rt_not_ok "full filesystem with the database in it: some token was denied at the commit (out of space while writing)"
fi
if [ -n "$DENIED" ]; then
	once "full filesystem with the database in it, space freed: a token denied at the $DENIED_AT was not consumed" "$DENIED"
else
	rt_not_ok "full filesystem with the database in it: some token was denied (store_error)"
fi
umount "$FULL" || rt_bail "umount $FULL"

# ------------------------------------------------------------ read-only
RO=$DBROOT/ro
mkdir -m 0700 "$RO"
set_store "$RO/state.db"
accepted "read-only: database made" "$(tok)"
# shellcheck disable=SC2015 # rt_bail exits
mount --bind "$RO" "$RO" && mount -o remount,bind,ro "$RO" ||
	rt_bail "read-only bind mount on $RO"
T=$(tok)
STORE_DIAG=1 refused "database on a read-only bind mount" "$T" store_error
umount "$RO" || rt_bail "umount $RO"
once "read-only: writable again" "$T"

# ------------------------------------------------- group-writable file
GW=$DBROOT/gw
mkdir -m 0700 "$GW"
set_store "$GW/state.db"
accepted "group-writable file: database made" "$(tok)"
chmod 0660 "$GW/state.db"
T=$(tok)
refused "group-writable database file (0660)" "$T" store_error "$GW/state.db"
chmod 0600 "$GW/state.db"
once "group-writable file: 0600 again" "$T"

# -------------------------------------------- group-writable directory
GD=$DBROOT/gwdir
mkdir -m 0700 "$GD"
set_store "$GD/state.db"
accepted "group-writable directory: database made" "$(tok)"
chmod 0770 "$GD"
T=$(tok)
refused "group-writable directory (0770)" "$T" store_error "$GD"
chmod 0700 "$GD"
once "group-writable directory: 0700 again" "$T"

# ------------------------------------------------------------ corrupted
CO=$DBROOT/corrupt
mkdir -m 0700 "$CO"
set_store "$CO/state.db"
accepted "corrupted: database made" "$(tok)"
[ ! -e "$CO/state.db-wal" ] || rt_diag "a -wal file is left after the last connection"
head -c 8192 /dev/urandom | dd of="$CO/state.db" conv=notrunc 2>/dev/null
STORE_DIAG=1 refused "database file overwritten with random bytes" "$(tok)" store_error

# -------------------------------------------------------- locked (busy)
LK=$DBROOT/locked
mkdir -m 0700 "$LK"
set_store "$LK/state.db" "store_timeout_ms = 300"
accepted "locked: database made" "$(tok)"
"$RT_PY" - "$LK/state.db" "$RT_TMP/lock.ready" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(30)
PY
LOCKER=$!
RT_BG_PIDS+=("$LOCKER")
for i in $(seq 50); do
	[ -e "$RT_TMP/lock.ready" ] && break
	sleep 0.1
done
[ -e "$RT_TMP/lock.ready" ] || rt_bail "the locking writer did not start"
T=$(tok)
if ! refused "another writer holds the lock past store_timeout_ms=300" "$T" store_unavailable; then
	:	# no time to speak of
elif [ "$PT_MS" -lt 3000 ]; then
	rt_ok "locked: decided in $PT_MS ms (< 3000 with store_timeout_ms=300)"
else
	rt_not_ok "locked: decided in $PT_MS ms (want < 3000 with store_timeout_ms=300)"
fi
kill "$LOCKER"
wait "$LOCKER" 2>/dev/null
if kill -0 "$LOCKER" 2>/dev/null; then
	rt_not_ok "the locking writer stopped (pid $LOCKER)"
fi
once "locked: the writer gone" "$T"

rt_check_no_leak "$RT_SYSLOG"
