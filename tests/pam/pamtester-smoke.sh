#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# pamtester-smoke.sh MODULE CLI PAM_PRELOAD [ASAN_PRELOAD]
#
# Drive the built module with pamtester(1), the token fed on stdin:
#   - under pam_wrapper (LD_PRELOAD=PAM_PRELOAD, a private service dir);
#   - when run as root, also through the real libpam, with the service
#     file in a private copy of /etc/pam.d bind-mounted inside a private
#     mount namespace (the script re-executes itself under unshare), so
#     the machine's /etc is never written.
# The users are those of tests/data/nss, served by nss_wrapper
# ($AT_NSS_WRAPPER, default libnss_wrapper.so; $NSS_WRAPPER_PASSWD and
# $NSS_WRAPPER_GROUP, default tests/data/nss/*): the PAM user is atagent
# (uid 1500), and root, atsys (uid 999), nobody (65534) and athigh
# (70000, above UID_MAX) show the system_user policy.
# The module reads the machine's /etc/login.defs (read only; Debian's
# UID_MAX is 60000: the athigh checks are skipped where it is higher).
# Tokens are minted with the CLI (CLI token / CLI hmac); when the CLI is
# not built, with python3-jwt.  ASAN_PRELOAD (may be empty) is libasan
# for a sanitizer build, which must come first in LD_PRELOAD.
# Ends with "N passed, M failed"; exits non-zero if anything failed.

set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 MODULE CLI PAM_PRELOAD [ASAN_PRELOAD]" >&2
	exit 2
fi
module=$1
cli=$2
pam_preload=$3
asan_preload=${4:-}
case $module in
/*) ;;
*)
	echo "$0: MODULE must be an absolute path (pam.d needs one)" >&2
	exit 2
	;;
esac
if [ ! -f "$module" ]; then
	echo "$0: no module at $module" >&2
	exit 2
fi

nss_dir=$(cd "$(dirname "$0")/../data/nss" && pwd) || exit 2
nss=${AT_NSS_WRAPPER:-libnss_wrapper.so}
NSS_WRAPPER_PASSWD=${NSS_WRAPPER_PASSWD:-$nss_dir/passwd}
NSS_WRAPPER_GROUP=${NSS_WRAPPER_GROUP:-$nss_dir/group}
export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
case $pam_preload in
*nss_wrapper*) ;;
*) pam_preload="$pam_preload $nss" ;;
esac

# The real libpam part preloads nss_wrapper alone, behind libasan in a
# sanitizer build ($AT_NSS_WRAPPER may already lead with it).
case $nss in
*libasan*) real_preload=$nss ;;
*) real_preload="${asan_preload:+$asan_preload }$nss" ;;
esac

# As root, run in a private mount namespace, where part 2 can put its
# service file into a private copy of /etc/pam.d.
if [ "$(id -u)" -eq 0 ] && [ -z "${AT_SMOKE_NS:-}" ] &&
	unshare --mount --propagation private true 2>/dev/null; then
	AT_SMOKE_NS=1 exec unshare --mount --propagation private \
		sh "$0" "$@"
fi

passed=0
failed=0
tmp=

cleanup() {
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/at-smoke-XXXXXX") || exit 1
secret=$tmp/secret
other=$tmp/other-secret
printf '%s\n' 'smoke-test-secret-0123456789-abcdefghijkl' >"$secret"
printf '%s\n' 'another-secret-not-in-the-file-0123456789' >"$other"
chmod 600 "$secret" "$other"
user=atagent
# The module checks every directory above the secret: name the one at
# fault when this machine's TMPDIR fails that rule.
if [ -x "$cli" ] && ! pre=$("$cli" check secret_file="$secret" 2>&1); then
	case $pre in
	*": directory "*)
		echo "Bail out! $tmp fails the module's directory rule (every directory from / down owned by root or uid $(id -u), not group or world writable, unless root's sticky one):"
		printf '%s\n' "$pre" | grep -F ': directory ' | sed 's/^/# /'
		exit 1
		;;
	esac
fi

# mint_token SECRET_FILE SUB / mint_hmac SECRET_FILE ID
if [ -x "$cli" ]; then
	minter="CLI $cli"
	mint_token() { "$cli" token --secret-file "$1" --sub "$2" --ttl 300; }
	mint_hmac() { "$cli" hmac --secret-file "$1" "$2"; }
else
	minter="python3-jwt (no CLI at $cli)"
	py=/usr/bin/python3
	mint_token() {
		"$py" -c 'import sys, time, jwt
key = open(sys.argv[1], "rb").read().split(b"\n")[0]
now = int(time.time())
print(jwt.encode({"sub": sys.argv[2], "iat": now, "exp": now + 300},
                 key, algorithm="HS256"))' "$1" "$2"
	}
	mint_hmac() {
		"$py" -c 'import sys, hmac, hashlib
key = open(sys.argv[1], "rb").read().split(b"\n")[0]
print(hmac.new(key, sys.argv[2].encode(), hashlib.sha256).hexdigest())' \
			"$1" "$2"
	}
fi
echo "# minting with $minter"

good=$(mint_token "$secret" "$user") || { echo "cannot mint a token" >&2; exit 1; }
hmac=$(mint_hmac "$secret" "$user") || { echo "cannot mint an HMAC" >&2; exit 1; }
forged=$(mint_token "$other" "$user") || exit 1
root_tok=$(mint_token "$secret" root) || exit 1
root_hmac=$(mint_hmac "$secret" root) || exit 1
sys_tok=$(mint_token "$secret" atsys) || exit 1
nobody_tok=$(mint_token "$secret" nobody) || exit 1
high_tok=$(mint_token "$secret" athigh) || exit 1
mapped_tok=$(mint_token "$secret" ops-root) || exit 1
[ -n "$good" ] && [ -n "$hmac" ] && [ -n "$forged" ] && [ -n "$root_tok" ] &&
	[ -n "$root_hmac" ] && [ -n "$sys_tok" ] && [ -n "$mapped_tok" ] &&
	[ -n "$nobody_tok" ] && [ -n "$high_tok" ] || {
	echo "minting printed nothing" >&2
	exit 1
}

# check NAME WANT CREDENTIAL COMMAND...: WANT is "ok" (exit 0) or "fail"
# (any other exit status); the credential goes to COMMAND's stdin.
check() {
	name=$1
	want=$2
	cred=$3
	shift 3
	out=$(printf '%s\n' "$cred" | "$@" 2>&1)
	rc=$?
	verdict
}

# check_nul NAME WANT CREDENTIAL JUNK COMMAND...: as check, stdin is the
# credential, a NUL byte, then JUNK and a newline.  The conversation
# hands the module a C string, so it sees the credential alone (and
# agentictrust verify judges the same bytes: tests/cli/cli.sh).
check_nul() {
	name=$1
	want=$2
	cred=$3
	junk=$4
	shift 4
	out=$({ printf '%s' "$cred"; printf '\000'; printf '%s\n' "$junk"; } |
		"$@" 2>&1)
	rc=$?
	verdict
}

# The verdict on $name $want $rc $out $cred.
verdict() {
	if { [ "$want" = ok ] && [ $rc -eq 0 ]; } ||
	   { [ "$want" = fail ] && [ $rc -ne 0 ]; }; then
		passed=$((passed + 1))
		echo "ok - $name (exit $rc)"
	else
		failed=$((failed + 1))
		echo "not ok - $name (exit $rc, wanted $want)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	if [ ${#cred} -ge 16 ]; then
		case $out in
		*"$cred"*)
			failed=$((failed + 1))
			echo "not ok - $name: the credential was printed"
			;;
		esac
	fi
}

# logged NAME ERE: the last check's output (pam_wrapper's debug log of
# the module's syslog lines) has a line matching ERE.
logged() {
	if printf '%s\n' "$out" | grep -Eq -- "$2"; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		echo "not ok - $1 (no line matches $2)"
		printf '%s\n' "$out" | grep -F 'SYSLOG(' | sed 's/^/#   /'
	fi
}

service_line="auth	required	$module secret_file=$secret"
# athigh (uid 70000) is above UID_MAX unless this machine raised it.
uid_max=$(awk '$1 == "UID_MAX" { print $2 }' /etc/login.defs 2>/dev/null)
high_above=yes
case ${uid_max:-60000} in
*[!0-9]*) high_above=no ;;
*) [ "${uid_max:-60000}" -lt 70000 ] || high_above=no ;;
esac
printf 'ops-root root\n' >"$tmp/user_map"

# 1. pam_wrapper: its own service dir, copied when pamtester starts.
mkdir "$tmp/services"
printf '%s\n' "$service_line" >"$tmp/services/agentictrust-smoke"
printf '%s allow_system_users\n' "$service_line" \
	>"$tmp/services/agentictrust-smoke-allow"
printf '%s user_map=%s\n' "$service_line" "$tmp/user_map" \
	>"$tmp/services/agentictrust-smoke-map"
printf 'auth\trequired\tpam_deny.so\n' >"$tmp/services/other"
# wrapped [SERVICE-SUFFIX [USER]]; PAM_WRAPPER_DEBUGLEVEL=2 puts the
# module's syslog lines on stderr as "SYSLOG(N): ...".
wrapped() {
	env LD_PRELOAD="$pam_preload" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$tmp/services" \
		PAM_WRAPPER_DEBUGLEVEL=2 \
		pamtester "agentictrust-smoke${1:-}" "${2:-$user}" authenticate
}
check "pam_wrapper: good JWT" ok "$good" wrapped
logged "pam_wrapper: good JWT: logged accepted user=$user" \
	"accepted user=$user service=agentictrust-smoke method=jwt reason=ok "
check "pam_wrapper: good HMAC" ok "$hmac" wrapped
check "pam_wrapper: JWT signed with another secret" fail "$forged" wrapped
check "pam_wrapper: garbage" fail "not-a-token" wrapped
check "pam_wrapper: empty line" fail "" wrapped
check "pam_wrapper: valid JWT for root refused" fail "$root_tok" wrapped "" root
logged "pam_wrapper: root: logged reason=system_user for a verified sub" \
	"rejected user=root service=agentictrust-smoke method=jwt reason=system_user sub=root kid=- secret=0 fp=[0-9a-f]{32}$"
check "pam_wrapper: valid HMAC for root refused" fail "$root_hmac" wrapped "" root
logged "pam_wrapper: root HMAC: logged reason=system_user" \
	"rejected user=root .*method=hmac reason=system_user sub=root .* fp=-$"
check "pam_wrapper: valid JWT for atsys (uid 999) refused" fail "$sys_tok" \
	wrapped "" atsys
logged "pam_wrapper: atsys: logged reason=system_user" \
	"rejected user=atsys .*reason=system_user sub=atsys "
check "pam_wrapper: valid JWT for nobody (uid 65534) refused" fail \
	"$nobody_tok" wrapped "" nobody
logged "pam_wrapper: nobody: logged reason=system_user" \
	"rejected user=nobody .*reason=system_user sub=nobody "
if [ "$high_above" = yes ]; then
	check "pam_wrapper: valid JWT for athigh (uid 70000 > UID_MAX) refused" \
		fail "$high_tok" wrapped "" athigh
	logged "pam_wrapper: athigh: logged reason=system_user" \
		"rejected user=athigh .*reason=system_user sub=athigh "
else
	echo "# skip athigh: /etc/login.defs has UID_MAX $uid_max"
fi
check "pam_wrapper: allow_system_users: valid JWT for nobody accepted" ok \
	"$nobody_tok" wrapped -allow nobody
check "pam_wrapper: allow_system_users: valid JWT for root accepted" ok \
	"$root_tok" wrapped -allow root
check "pam_wrapper: allow_system_users: valid JWT for atsys accepted" ok \
	"$sys_tok" wrapped -allow atsys
check "pam_wrapper: user_map ops-root -> root: accepted without the flag" ok \
	"$mapped_tok" wrapped -map root
logged "pam_wrapper: user_map: logged accepted user=root sub=ops-root" \
	"accepted user=root .*reason=ok sub=ops-root "
check "pam_wrapper: user_map: a JWT for sub root itself is not in the map" \
	fail "$root_tok" wrapped -map root
logged "pam_wrapper: user_map: sub root logged user_not_mapped" \
	"rejected user=root .*reason=user_not_mapped "
check_nul "pam_wrapper: good JWT, NUL, junk (the module sees the JWT)" ok \
	"$good" "junk-after-the-nul" wrapped
check_nul "pam_wrapper: garbage, NUL, good JWT (the module sees the garbage)" \
	fail "not-a-token" "$good" wrapped

# 2. The real libpam, only as root in the private mount namespace (it
# reads /etc/pam.d): a copy of /etc/pam.d with our service is bind-mounted
# over it there.
if [ "$(id -u)" -eq 0 ] && [ -n "${AT_SMOKE_NS:-}" ] && [ -d /etc/pam.d ] &&
	cp -a /etc/pam.d "$tmp/pam.d" &&
	printf '%s\n' "$service_line" >"$tmp/pam.d/agentictrust-smoke-$$" &&
	chmod 644 "$tmp/pam.d/agentictrust-smoke-$$" &&
	mount --bind "$tmp/pam.d" /etc/pam.d; then
	# real [USER]: nss_wrapper only (after libasan in a sanitizer build).
	real() {
		env LD_PRELOAD="$real_preload" \
			pamtester "agentictrust-smoke-$$" "${1:-$user}" \
			authenticate
	}
	check "libpam: good JWT" ok "$good" real
	check "libpam: good HMAC" ok "$hmac" real
	check "libpam: JWT signed with another secret" fail "$forged" real
	check "libpam: valid JWT for root refused (system_user)" fail \
		"$root_tok" real root
	check "libpam: valid JWT for atsys (uid 999) refused (system_user)" \
		fail "$sys_tok" real atsys
	check "libpam: valid JWT for nobody (uid 65534) refused (system_user)" \
		fail "$nobody_tok" real nobody
	if [ "$high_above" = yes ]; then
		check "libpam: valid JWT for athigh (uid 70000 > UID_MAX) refused" \
			fail "$high_tok" real athigh
	fi
	check_nul "libpam: good JWT, NUL, junk (the module sees the JWT)" ok \
		"$good" "junk-after-the-nul" real
	umount /etc/pam.d
else
	echo "# skip real libpam: not root, or no private mount namespace"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
