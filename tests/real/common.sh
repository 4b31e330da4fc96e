# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/real/common.sh - shared by sshd.sh, sudo.sh and su.sh (sourced,
# bash).
#
# The scripts run the REAL /usr/sbin/sshd and /usr/bin/sudo against the
# build's pam_agentictrust.so, as root, without touching the real system:
#
#   outer process   checks root (else exit 77), makes the temp dir, records
#                   the real system's state, re-runs the script inside
#                   "unshare --mount --propagation private --pid --fork
#                   --kill-child" under timeout(1), then checks that the
#                   real /etc, module dir, /dev and /run are unchanged and
#                   removes the temp dir (from outside the namespace, where
#                   none of the private mounts are visible).
#   inner process   (pid 1 of a new PID namespace: when it exits the kernel
#                   kills sshd, sessions and the syslog receiver) bind-mounts
#                   a copy of /etc over /etc and a copy of the PAM module
#                   dir (plus the build's module) over the module dir, lays
#                   an overlay over /dev holding a /dev/log socket served by
#                   syslog-capture.py, and mounts tmpfs on /run, /var/log,
#                   /var/mail and /var/lib/sudo (sshd's btmp, useradd's
#                   lastlog, sudo's timestamps and pam_motd stay private).
#
# Output: one "ok N - ..." / "not ok N - ..." line per check; the script
# exits 1 if any check failed.  Credentials, secrets and signatures are
# never printed (rt_redact masks them in diagnostics).

RT_TIMEOUT=${RT_TIMEOUT:-240}	# seconds for the whole namespace run
RT_PY=/usr/bin/python3		# Debian's python3 (not a pyenv one)
RT_UID_MIN=20000		# throwaway users get uids from here
RT_N=0				# checks so far
RT_FAILED=0			# of which failed

# ---------------------------------------------------------------- checks

rt_ok() {
	RT_N=$((RT_N + 1))
	echo "ok $RT_N - $1"
}

# rt_not_ok DESCRIPTION [DETAIL...]: details are printed as "# " lines.
rt_not_ok() {
	local d=$1
	shift
	RT_N=$((RT_N + 1))
	RT_FAILED=$((RT_FAILED + 1))
	echo "not ok $RT_N - $d"
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | rt_redact | sed 's/^/#   /'
	fi
}

# rt_check DESCRIPTION COMMAND...: ok when COMMAND exits 0.
rt_check() {
	local d=$1
	shift
	if "$@"; then
		rt_ok "$d"
	else
		rt_not_ok "$d"
	fi
}

# Mask anything that looks like a JWT, a JWT segment or a hex MAC/secret.
rt_redact() {
	sed -E -e 's/eyJ[A-Za-z0-9_.-]*/[jwt redacted]/g' \
		-e 's/[A-Za-z0-9_-]{40,}/[redacted]/g' \
		-e 's/[0-9a-fA-F]{32,}/[hex redacted]/g'
}

rt_diag() {
	printf '%s\n' "$@" | rt_redact | sed 's/^/# /'
}

# Stop the script: a setup step failed, the checks cannot run.
rt_bail() {
	rt_not_ok "setup: $1" "${@:2}"
	echo "Bail out! $1"
	exit 1
}

# --------------------------------------------------------------- outer

# rt_main NAME MODULE CLI SRCDIR: returns only inside the namespace, with
# RT_TMP, RT_MODULE, RT_CLI, RT_SRC, RT_SYSLOG set and the private system
# ready (see rt_setup_namespace).  The outer process never returns.
rt_main() {
	RT_NAME=$1
	shift
	if [ $# -ne 3 ]; then
		echo "usage: $0 MODULE CLI SRCDIR" >&2
		exit 2
	fi
	RT_MODULE=$1
	RT_CLI=$2
	RT_SRC=$3
	if [ -n "${RT_INNER:-}" ]; then
		rt_inner_start
		return 0
	fi

	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (runs the real sshd/sudo in a private mount namespace; uid is $(id -u))"
		exit 77
	fi
	local p missing=
	for p in unshare timeout setsid setpriv useradd mount utmpdump dd readelf "$RT_PY" \
		"${RT_NEEDS[@]}"; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	# As root the test must run: a missing tool is a missing install
	# step (scripts/install-deps.sh), not a reason to skip quietly.
	if [ -n "$missing" ]; then
		echo "Bail out! not installed:$missing (bash scripts/install-deps.sh installs them)"
		exit 1
	fi
	for p in "$RT_MODULE" "$RT_CLI" "$RT_SRC"; do
		case $p in
		/*) ;;
		*) echo "$0: $p: need an absolute path" >&2; exit 2 ;;
		esac
	done
	[ -f "$RT_MODULE" ] || { echo "$0: no module at $RT_MODULE" >&2; exit 2; }
	[ -x "$RT_CLI" ] || { echo "$0: no CLI at $RT_CLI" >&2; exit 2; }
	[ -f "$RT_SRC/conf/pam.d/sshd" ] ||
		{ echo "$0: $RT_SRC is not the source tree" >&2; exit 2; }
	if ! unshare --mount --propagation private true 2>/dev/null; then
		echo "SKIP: cannot create a mount namespace (unshare --mount failed)"
		exit 77
	fi

	local start=$SECONDS rc
	RT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/at-real-$RT_NAME-XXXXXX") || exit 1
	# shellcheck disable=SC2064
	trap "rm -rf --one-file-system '$RT_TMP'" EXIT
	trap 'exit 130' HUP INT TERM
	# Users created inside must reach their homes and the askpass link.
	chmod 0711 "$RT_TMP"
	rt_state >"$RT_TMP/state.before"

	# The inner run's stdout is ours: its TAP lines come first.
	RT_INNER=1 RT_TMP=$RT_TMP RT_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) \
		timeout -k 5 "$RT_TIMEOUT" \
		unshare --mount --propagation private --pid --fork \
		--mount-proc --kill-child \
		/bin/bash "$0" "$RT_MODULE" "$RT_CLI" "$RT_SRC"
	rc=$?

	if [ -s "$RT_TMP/counts" ]; then
		read -r RT_N RT_FAILED <"$RT_TMP/counts"
	else
		rt_not_ok "the namespace run finished and recorded its results (exit $rc)"
	fi
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		rt_not_ok "the namespace run finished within ${RT_TIMEOUT}s (exit $rc)"
	fi
	rt_check_real_system
	echo "# $RT_NAME: $((RT_N - RT_FAILED)) passed, $RT_FAILED failed, $((SECONDS - start)) s"
	echo "1..$RT_N"
	[ "$RT_FAILED" -eq 0 ] && [ $rc -eq 0 ]
	exit $?
}

# Where libpam loads modules from: the directory holding pam_unix.so.
rt_module_dir() {
	local d
	for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
		/lib/*/security /usr/lib/*/security /lib/security /usr/lib/security \
		/lib64/security; do
		if [ -f "$d/pam_unix.so" ]; then
			readlink -f "$d"
			return 0
		fi
	done
	return 1
}

# Paths the inner run creates in its private views; none may exist (or
# change) on the real system.
RT_PRIVATE_PATHS=(
	/dev/log /run/sshd /run/sudo/ts
	/etc/pam.d/sshd-agentictrust /etc/pam.d/sudo-agentictrust
	/etc/security/agentictrust.conf /etc/security/agentictrust.secret
	/etc/sudoers.d/agentictrust-real-test
)

# A digest of what the tests could touch, compared before and after.
rt_state() {
	local f mdir
	for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/subuid \
		/etc/subgid /etc/sudoers /etc/pam.d/su; do
		if [ -e "$f" ]; then
			echo "$f $(sha256sum <"$f" | cut -c1-16)"
		else
			echo "$f absent"
		fi
	done
	# The login logs, only where our test users would show.  Not the
	# whole files: the machine's own sshd writes btmp for every failed
	# login from outside, and CI sessions write wtmp, while we run.
	for f in /var/log/btmp /var/log/wtmp; do
		[ -e "$f" ] || { echo "$f absent"; continue; }
		echo "$f records of test users: $(utmpdump "$f" 2>/dev/null |
			grep -cE '\[(atalice|atbob|atnobody|atcarol|atdave|ateve|atfrank|atsys)[0-9]+ *\]')"
	done
	# lastlog and faillog are arrays indexed by uid (292- and 32-byte
	# records); the test users get uids from RT_UID_MIN (rt_useradd).
	for f in /var/log/lastlog:292 /var/log/faillog:32; do
		[ -e "${f%:*}" ] || { echo "${f%:*} absent"; continue; }
		echo "${f%:*} uids $RT_UID_MIN+0..15 $(dd if="${f%:*}" \
			bs="${f#*:}" skip="$RT_UID_MIN" count=16 2>/dev/null |
			sha256sum | cut -c1-16)"
	done
	for f in "${RT_PRIVATE_PATHS[@]}"; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "$f $(stat -c '%F %s %Y' "$f")"
		else
			echo "$f absent"
		fi
	done
	# The module dir: what the private copy adds is the build's module.
	# (Only that, not the whole listing: other work may install a
	# package's pam_agentictrust.so there meanwhile.)
	mdir=$(rt_module_dir)
	if [ ! -e "$mdir/pam_agentictrust.so" ]; then
		echo "$mdir/pam_agentictrust.so absent"
	elif cmp -s "$RT_MODULE" "$mdir/pam_agentictrust.so"; then
		echo "$mdir/pam_agentictrust.so is the build's module"
	else
		echo "$mdir/pam_agentictrust.so is not the build's module"
	fi
	echo "sudoers.d $(find /etc/sudoers.d -mindepth 1 -maxdepth 1 -printf '%f\n' |
		sort | sha256sum | cut -c1-16)"
}

# Processes left behind by the inner run: the PID namespace's end kills
# them, so none may remain.  Found by their command line (sshd -f, the
# syslog receiver) or working directory (redis-server's "dir") naming the
# temp dir.  No grep: its own command line would name it.
rt_leftover_procs() {
	local f c d
	for f in /proc/[0-9]*; do
		[ "${f#/proc/}" = "$$" ] && continue
		c=$(tr '\0' ' ' 2>/dev/null <"$f/cmdline") || continue
		d=$(readlink "$f/cwd" 2>/dev/null)
		case "$c $d" in
		*"$RT_TMP"*) echo "pid ${f#/proc/}: $c (cwd $d)" ;;
		esac
	done
}

rt_check_real_system() {
	local u f left
	left=$(rt_leftover_procs)
	if [ -z "$left" ]; then
		rt_ok "no process left behind that names the temp dir (sshd, redis-server, syslog receiver)"
	else
		rt_not_ok "no process left behind that names the temp dir" "$left"
	fi
	rt_state >"$RT_TMP/state.after"
	if cmp -s "$RT_TMP/state.before" "$RT_TMP/state.after"; then
		rt_ok "real system unchanged: account files, sudoers, test users in lastlog/faillog/btmp/wtmp, our pam.d names, module, /dev/log, /run/sshd ($(wc -l <"$RT_TMP/state.before") items)"
	else
		rt_not_ok "real system unchanged" \
			"$(diff "$RT_TMP/state.before" "$RT_TMP/state.after")"
	fi
	if [ -s "$RT_TMP/users" ]; then
		while read -r u; do
			if getent passwd "$u" >/dev/null; then
				rt_not_ok "user $u does not exist outside the namespace"
			else
				rt_ok "user $u does not exist outside the namespace"
			fi
		done <"$RT_TMP/users"
	else
		rt_not_ok "the inner run recorded the users it created"
	fi
	for f in "${RT_PAMD_FILE:-/etc/pam.d/$RT_NAME-agentictrust}" \
		"$(rt_module_dir)/pam_agentictrust.so"; do
		if ! grep -qxF "$f absent" "$RT_TMP/state.before"; then
			rt_diag "$f existed before the run: only compared by state"
		elif [ -e "$f" ] || [ -L "$f" ]; then
			rt_not_ok "$f does not exist outside the namespace"
		else
			rt_ok "$f does not exist outside the namespace"
		fi
	done
}

# --------------------------------------------------------------- inner

rt_inner_start() {
	trap rt_inner_exit EXIT
	trap 'exit 130' HUP INT TERM
	RT_BG_PIDS=()
	RT_SYSLOG=$RT_TMP/syslog.txt
	umask 022
	rt_setup_namespace
	umask 077
	mkdir -m 0755 "$RT_TMP/bin"
	mkdir -m 0700 "$RT_TMP/cred"
	: >"$RT_TMP/users"
	: >"$RT_TMP/leak-patterns"
	chmod 0600 "$RT_TMP/leak-patterns"
}

rt_inner_exit() {
	local pid
	for pid in "${RT_BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${RT_BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	echo "$RT_N $RT_FAILED" >"$RT_TMP/counts"
	# The mounts and every remaining process go with the namespaces.
}

# Build the private system.  Every mutation below happens in this mount
# namespace only; the first step proves that we are in one.
rt_setup_namespace() {
	local mdir i

	[ -n "${RT_OUTER_MNTNS:-}" ] &&
		[ "$(readlink /proc/self/ns/mnt)" != "$RT_OUTER_MNTNS" ] ||
		rt_bail "not in a private mount namespace: refusing to touch /etc"
	[ "$$" -eq 1 ] || rt_bail "not pid 1 of a private PID namespace"

	# /etc: a private copy, so useradd, sudoers and pam.d edits stay here.
	cp -a /etc "$RT_TMP/etc" || rt_bail "cp -a /etc"
	mount --bind "$RT_TMP/etc" /etc || rt_bail "bind-mount the /etc copy"

	# The module dir: a copy plus the build's module.
	mdir=$(rt_module_dir) || rt_bail "no pam_unix.so: cannot find the PAM module dir"
	cp -a "$mdir" "$RT_TMP/security" || rt_bail "copy $mdir"
	install -m 0644 "$RT_MODULE" "$RT_TMP/security/pam_agentictrust.so" ||
		rt_bail "install the module"
	mount --bind "$RT_TMP/security" "$mdir" || rt_bail "bind-mount over $mdir"
	cmp -s "$RT_MODULE" "$mdir/pam_agentictrust.so" ||
		rt_bail "$mdir/pam_agentictrust.so is not the build's module"

	# /dev: an overlay (upper dir in the temp dir) so /dev/log can be
	# created without touching the real devtmpfs; /dev/pts and /dev/shm
	# are re-attached on top of it.
	mkdir "$RT_TMP/dev-upper" "$RT_TMP/dev-work" "$RT_TMP/dev-new" ||
		rt_bail "mkdir for the /dev overlay"
	mount -t overlay overlay \
		-o "lowerdir=/dev,upperdir=$RT_TMP/dev-upper,workdir=$RT_TMP/dev-work" \
		"$RT_TMP/dev-new" || rt_bail "overlay over /dev"
	for i in pts shm; do
		if mountpoint -q "/dev/$i"; then
			mount --rbind "/dev/$i" "$RT_TMP/dev-new/$i" ||
				rt_bail "re-attach /dev/$i"
		fi
	done
	mount --move "$RT_TMP/dev-new" /dev || rt_bail "move the overlay to /dev"
	rm -f /dev/log

	# Writable state that sshd, sudo, useradd and PAM session modules
	# would otherwise leave on the real system.
	for i in /run /var/log /var/mail /var/lib/sudo; do
		[ -d "$i" ] || continue
		mount -t tmpfs -o mode=0755,size=64m "rt-$(basename "$i")" "$i" ||
			rt_bail "tmpfs on $i"
	done
	mkdir -m 1777 /run/lock
	mkdir -m 0755 /run/sshd	# sshd's privilege separation directory
	chmod 2775 /var/mail 2>/dev/null
	chgrp mail /var/mail 2>/dev/null

	# The syslog receiver behind /dev/log.
	"$RT_PY" "$RT_SRC/tests/real/syslog-capture.py" /dev/log "$RT_SYSLOG" \
		"$RT_TIMEOUT" </dev/null 2>"$RT_TMP/syslog-capture.err" &
	RT_BG_PIDS+=($!)
	for i in $(seq 50); do
		[ -e "$RT_SYSLOG.ready" ] && break
		sleep 0.1
	done
	[ -S /dev/log ] || rt_bail "the syslog receiver did not bind /dev/log" \
		"$(cat "$RT_TMP/syslog-capture.err")"
	logger -p authpriv.info "at-real: syslog capture check" 2>/dev/null
	RT_MARK=0
	rt_log_wait 'at-real: syslog capture check' ||
		rt_bail "syslog(3) messages do not reach the receiver"
}

# rt_useradd NAME: a throwaway user in the private /etc, home in the temp
# dir, no password.
rt_useradd() {
	[ -d "$RT_TMP/home" ] || mkdir -m 0755 "$RT_TMP/home"
	useradd -m -d "$RT_TMP/home/$1" -s /bin/sh -K UID_MIN="$RT_UID_MIN" "$1" ||
		rt_bail "useradd $1"
	echo "$1" >>"$RT_TMP/users"
}

# rt_useradd_system NAME: a throwaway system account (useradd -r: a uid
# from SYS_UID_MIN..SYS_UID_MAX, below UID_MIN), with a home and a shell so
# that su and sudo can run commands as and for it.
rt_useradd_system() {
	[ -d "$RT_TMP/home" ] || mkdir -m 0755 "$RT_TMP/home"
	useradd -r -m -d "$RT_TMP/home/$1" -s /bin/sh "$1" ||
		rt_bail "useradd -r $1"
	echo "$1" >>"$RT_TMP/users"
}

# rt_make_secrets: a fresh secret in $RT_SECRET_FILE and another in
# $RT_OTHER_SECRET (for forged credentials), both 0600 and both in the
# leak patterns that no log may contain.
rt_make_secrets() {
	(umask 077; "$RT_PY" -c 'import secrets; print(secrets.token_hex(32))' \
		>"$RT_SECRET_FILE") || rt_bail "make the secret"
	(umask 077; "$RT_PY" -c 'import secrets; print(secrets.token_hex(32))' \
		>"$RT_OTHER_SECRET") || rt_bail "make the other secret"
	head -n1 "$RT_SECRET_FILE" >>"$RT_TMP/leak-patterns"
	head -n1 "$RT_OTHER_SECRET" >>"$RT_TMP/leak-patterns"
}

# rt_check_service_clean SERVICE: agentictrust check --service SERVICE
# finds no error in the installed stack and files (its warnings and notes
# go to the diagnostics).
rt_check_service_clean() {
	local out rc
	out=$("$RT_CLI" check --service "$1" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		rt_ok "agentictrust check --service $1: no errors"
	else
		rt_not_ok "agentictrust check --service $1: no errors (exit $rc)" "$out"
	fi
	rt_diag "$(printf '%s\n' "$out" | grep -E '^(warning|note)')"
}

# rt_agentictrust_files MODE: the secret and the config the shipped pam.d
# stacks name (config=/etc/security/agentictrust.conf), made from the
# shipped conf/agentictrust.conf.example with "mode = MODE".
rt_agentictrust_files() {
	local conf=/etc/security/agentictrust.conf
	RT_SECRET_FILE=/etc/security/agentictrust.secret
	RT_OTHER_SECRET=$RT_TMP/cred/other.secret
	mkdir -p /etc/security
	rt_make_secrets
	sed "s/^mode = jwt\$/mode = $1/" "$RT_SRC/conf/agentictrust.conf.example" \
		>"$conf" || rt_bail "write $conf"
	grep -q "^mode = $1\$" "$conf" ||
		rt_bail "conf/agentictrust.conf.example has no 'mode = jwt' line to change"
	grep -q '^secret_file = /etc/security/agentictrust.secret$' "$conf" ||
		rt_bail "conf/agentictrust.conf.example does not name /etc/security/agentictrust.secret"
	chown root:root "$conf" "$RT_SECRET_FILE"
	chmod 0600 "$conf" "$RT_SECRET_FILE"
}

# rt_service_files SERVICE GROUP: the shipped files of a non-root service,
# unchanged: conf/pam.d/SERVICE as /etc/pam.d/SERVICE (0644) and
# conf/SERVICE/agentictrust-SERVICE.conf as
# /etc/security/agentictrust-SERVICE.conf (root:root 0644), and the secret
# it names, /etc/security/agentictrust-SERVICE.secret, root:GROUP 0640 so
# that the service's processes (GROUP) read it.  Sets RT_SECRET_FILE and
# RT_OTHER_SECRET (a second secret, for forged credentials).
rt_service_files() {
	local svc=$1 grp=$2 conf=/etc/security/agentictrust-$1.conf
	RT_SECRET_FILE=/etc/security/agentictrust-$svc.secret
	RT_OTHER_SECRET=$RT_TMP/cred/other.secret
	grep -qxF "secret_file = $RT_SECRET_FILE" "$RT_SRC/conf/$svc/agentictrust-$svc.conf" ||
		rt_bail "conf/$svc/agentictrust-$svc.conf does not name $RT_SECRET_FILE"
	mkdir -p /etc/security
	install -m 0644 -o root -g root "$RT_SRC/conf/pam.d/$svc" "/etc/pam.d/$svc" ||
		rt_bail "install conf/pam.d/$svc"
	install -m 0644 -o root -g root "$RT_SRC/conf/$svc/agentictrust-$svc.conf" "$conf" ||
		rt_bail "install conf/$svc/agentictrust-$svc.conf"
	rt_make_secrets
	chown "root:$grp" "$RT_SECRET_FILE" || rt_bail "chown root:$grp $RT_SECRET_FILE"
	chmod 0640 "$RT_SECRET_FILE" || rt_bail "chmod 0640 $RT_SECRET_FILE"
}

# rt_askpass: $RT_ASKPASS, a link named agentictrust-askpass to a copy of
# the CLI, which is how SSH_ASKPASS/SUDO_ASKPASS run it (the installed
# symlink).  The throwaway users run it: the copy sits in $RT_TMP/bin,
# which they can reach, because the build directory may not be (a meson
# setup in a private 0700 directory).  The CLI needs nothing of the build
# tree (lib is linked in statically; no RUNPATH), which is checked.
rt_askpass() {
	local out rc cli=$RT_TMP/bin/agentictrust
	install -m 0755 "$RT_CLI" "$cli" || rt_bail "copy the CLI to $cli"
	if readelf -d "$cli" 2>/dev/null | grep -qE '\((RPATH|RUNPATH)\)'; then
		rt_bail "the CLI has an RPATH/RUNPATH: its copy would need the build tree" \
			"$(readelf -d "$cli" | grep -E 'RPATH|RUNPATH')"
	fi
	RT_ASKPASS=$RT_TMP/bin/agentictrust-askpass
	ln -s agentictrust "$RT_ASKPASS"
	out=$("$RT_ASKPASS" 2>&1 </dev/null)
	rc=$?
	case $out in
	*AGENTICTRUST_TOKEN_FILE*) ;;
	*)
		rt_bail "the CLI has no askpass subcommand (exit $rc)" "$out"
		;;
	esac
}

# ------------------------------------------------------------ credentials

# Remember a credential so rt_check_no_leak looks for it (and for each of
# its JWT segments) in the logs.
rt_register() {
	local c=$1 seg
	printf '%s\n' "$c" >>"$RT_TMP/leak-patterns"
	case $c in
	*.*.*)
		for seg in ${c//./ }; do
			[ ${#seg} -ge 16 ] && printf '%s\n' "$seg" >>"$RT_TMP/leak-patterns"
		done
		;;
	esac
	[ ${#c} -gt 1023 ] && printf '%s\n' "${c:0:1023}" >>"$RT_TMP/leak-patterns"
	return 0
}

# rt_jwt SECRET_FILE SUB [agentictrust token options]: print a token.
rt_jwt() {
	local s=$1 sub=$2 t
	shift 2
	t=$("$RT_CLI" token --secret-file "$s" --sub "$sub" "$@") || return 1
	rt_register "$t"
	printf '%s\n' "$t"
}

rt_hmac() {
	local t
	t=$("$RT_CLI" hmac --secret-file "$1" "$2") || return 1
	rt_register "$t"
	printf '%s\n' "$t"
}

# rt_jwt_expired SECRET_FILE SUB: exp an hour ago (beyond any leeway), iat
# two hours ago.  The CLI only mints --ttl >= 1, so python's stdlib signs.
rt_jwt_expired() {
	local t
	t=$("$RT_PY" - "$1" "$2" <<'PY'
import base64, hashlib, hmac, json, sys, time
key = open(sys.argv[1], "rb").read().split(b"\n")[0]
def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
h = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
p = b64(json.dumps({"sub": sys.argv[2], "iat": now - 7200, "exp": now - 3600},
                   separators=(",", ":")).encode())
sig = hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest()
print(h + "." + p + "." + b64(sig))
PY
) || return 1
	rt_register "$t"
	printf '%s\n' "$t"
}

# rt_jwt_len LENGTH SECRET_FILE SUB [options]: a valid token of exactly
# LENGTH bytes, padded with a --name claim.  Some lengths cannot exist
# (a base64url segment is never 1 mod 4 long): then the next one up.
rt_jwt_len() {
	local want=$1 s=$2 sub=$3 base t n
	shift 3
	base=$("$RT_CLI" token --secret-file "$s" --sub "$sub" "$@" --name x) ||
		return 1
	# Each byte of name adds 4/3 of a byte: start a little short.
	n=$(( (want - ${#base}) * 3 / 4 - 2 ))
	[ $n -ge 1 ] || n=1
	for _ in $(seq 16); do
		t=$("$RT_CLI" token --secret-file "$s" --sub "$sub" "$@" \
			--name "$(head -c "$n" /dev/zero | tr '\0' n)") || return 1
		[ ${#t} -ge "$want" ] && break
		n=$((n + 1))
	done
	rt_register "$t"
	printf '%s\n' "$t"
}

# rt_cred_file NAME CREDENTIAL [OWNER]: a 0600 file holding the credential
# (for AGENTICTRUST_TOKEN_FILE); prints its path.
rt_cred_file() {
	local f=$RT_TMP/cred/$1
	(umask 077; printf '%s\n' "$2" >"$f")
	if [ -n "${3:-}" ]; then
		chown "$3:" "$f"
	fi
	printf '%s\n' "$f"
}

# rt_cli_reason CREDENTIAL USER [MODULE ARGS]: the reason tag the CLI's
# verify (the module's code path) gives for CREDENTIAL.
rt_cli_reason() {
	local c=$1 u=$2
	shift 2
	printf '%s\n' "$c" | "$RT_CLI" verify --user "$u" "$@" 2>&1 |
		sed -n 's/.*reason=\([a-z0-9_]*\).*/\1/p' | head -n1
}

# ----------------------------------------------------------------- syslog

rt_log_mark() {
	RT_MARK=$(wc -l <"$RT_SYSLOG")
}

rt_log_new() {
	tail -n +"$((RT_MARK + 1))" "$RT_SYSLOG"
}

# rt_log_wait ERE [SECONDS]: wait until a line logged since the mark
# matches; 0 when one did.
rt_log_wait() {
	local i n=$(( ${2:-5} * 10 ))
	for i in $(seq "$n"); do
		rt_log_new | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# rt_module_line SERVICE VERDICT USER METHOD REASON: the ERE of the
# module's line (METHOD/REASON may be EREs).
rt_module_line() {
	printf 'pam_agentictrust\\(%s:auth\\): %s user=%s service=%s method=%s reason=%s( |$)' \
		"$1" "$2" "$3" "$1" "$4" "$5"
}

# rt_expect_log DESCRIPTION SERVICE VERDICT USER METHOD REASON: check that
# the module logged that verdict since the mark, at facility authpriv, and
# (for anything but "accepted") that it logged no "accepted" for USER.
rt_expect_log() {
	local d=$1 svc=$2 verdict=$3 u=$4 m=$5 reason=$6 re line pri
	re=$(rt_module_line "$svc" "$verdict" "$u" "$m" "$reason")
	if ! rt_log_wait "$re"; then
		rt_not_ok "$d" "wanted: $re" "module lines since the mark:" \
			"$(rt_log_new | grep 'pam_agentictrust' | sed 's/^<[0-9]*>//')"
		return 1
	fi
	line=$(rt_log_new | grep -E -- "$re" | head -n1)
	pri=${line#<}
	pri=${pri%%>*}
	# authpriv is facility 10: PRI 80..87.
	if ! [ "$pri" -ge 80 ] 2>/dev/null || ! [ "$pri" -le 87 ]; then
		rt_not_ok "$d" "not logged at facility authpriv: <$pri>"
		return 1
	fi
	if [ "$verdict" != accepted ] &&
		rt_log_new | grep -Eq -- "$(rt_module_line "$svc" accepted "$u" '[a-z]+' ok)"; then
		rt_not_ok "$d" "the module also logged accepted for $u"
		return 1
	fi
	rt_ok "$d"
}

# rt_expect_no_errors DESCRIPTION: nothing was logged since the mark, by
# any program, at severity err or worse.  The receiver keeps each
# message's "<PRI>" header: PRI = facility * 8 + severity, and severity
# 0..3 is emerg, alert, crit, err.  A line without a header counts as an
# error too (it cannot be shown to be harmless).  Waits for the session to
# close first (pam_unix's "session closed" line), so that what the end of
# the login logs is included.
rt_expect_no_errors() {
	local d=$1 bad
	rt_log_wait 'pam_unix\([^)]*:session\): session closed for user ' 5
	bad=$(rt_log_new | awk '
		match($0, /^<[0-9]+>/) {
			pri = substr($0, 2, RLENGTH - 2) + 0
			if (pri % 8 <= 3)
				printf "facility %d severity %d: %s\n", int(pri / 8), pri % 8, $0
			next
		}
		{ print "no <PRI> header: " $0 }')
	if [ -z "$bad" ]; then
		rt_ok "$d: nothing logged at err or worse ($(rt_log_new | wc -l) lines since the mark)"
	else
		rt_not_ok "$d: nothing logged at err or worse" "$bad"
	fi
}

# rt_check_no_leak FILE...: no registered credential, segment or secret,
# and nothing JWT-shaped, appears in FILE.
rt_check_no_leak() {
	local f n total=0
	sort -u -o "$RT_TMP/leak-patterns" "$RT_TMP/leak-patterns"
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(grep -c -F -f "$RT_TMP/leak-patterns" "$f")
		# JWT-shaped, not just "eyJ": a random mktemp name in a
		# logged path may contain those three letters.
		n=$((n + $(grep -cE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*' "$f")))
		total=$((total + n))
		if [ "$n" -eq 0 ]; then
			rt_ok "no credential text in $(basename "$f") ($(wc -l <"$f") lines, $(wc -l <"$RT_TMP/leak-patterns") credentials/segments/secrets checked)"
		else
			rt_not_ok "no credential text in $(basename "$f") ($n lines contain one; not printed)"
		fi
	done
}

# A free TCP port on 127.0.0.1 (bound once by the kernel's choice, then
# checked again with ss just before use by the caller).
rt_free_port() {
	"$RT_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

rt_port_is_free() {
	! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# rt_check_service_lines DESCRIPTION SERVICE: every line libpam logged for
# the module says pam_agentictrust(SERVICE:...), and every verdict line
# says service=SERVICE (there is at least one).
rt_check_service_lines() {
	local svc=$2 all other verdicts good
	all=$(grep -c 'pam_agentictrust(' "$RT_SYSLOG")
	other=$(grep 'pam_agentictrust(' "$RT_SYSLOG" | grep -vcF "pam_agentictrust($svc:")
	verdicts=$(grep -cE 'pam_agentictrust\([^)]*\): (accepted|rejected|refused|first_pass_rejected) ' "$RT_SYSLOG")
	good=$(grep -cE "pam_agentictrust\\($svc:(auth|account)\\): (accepted|rejected|refused|first_pass_rejected) user=[^ ]+ service=$svc " "$RT_SYSLOG")
	if [ "$verdicts" -gt 0 ] && [ "$good" -eq "$verdicts" ] && [ "$other" -eq 0 ]; then
		rt_ok "$1: all $all module lines are pam_agentictrust($svc:...), all $verdicts verdicts say service=$svc"
	else
		rt_not_ok "$1" "$other of $all lines name another service; $good of $verdicts verdicts say service=$svc" \
			"$(grep 'pam_agentictrust(' "$RT_SYSLOG" | grep -vF "pam_agentictrust($svc:" | head -n 3)"
	fi
}
