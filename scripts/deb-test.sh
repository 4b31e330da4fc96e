#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# deb-test.sh - the Debian packaging, built, installed and used (CI step).
#
#   1. Copy the working tree's source files (tracked, plus untracked ones
#      that are not ignored: uncommitted work is included, build dirs are
#      not) into a temporary directory and run "dpkg-buildpackage -us -uc
#      -b" there.  The .debs and the build log go to build-deb/.
#   2. Check each package's contents (dpkg -c) and dependencies.
#   3. dpkg -i the three packages, then:
#        a. the pam-auth-update profile is installed but not enabled;
#        b. pamtester through libpam and the INSTALLED module (bare module
#           name in a throwaway /etc/pam.d service), tokens minted by the
#           INSTALLED agentictrust CLI: good JWT accepted, forged JWT and
#           HMAC (mode=jwt) refused, account phase, a valid JWT for root
#           refused (system_user).  The PAM user is atdebagent (uid
#           1500) of a private user database read through cwrap's
#           nss_wrapper: no account is added to the machine;
#        c. "pam-auth-update --enable agentictrust" in a private mount
#           namespace over copies of /etc, /var/lib/pam and debconf's
#           database: the common-auth it writes, then logins through
#           common-auth/common-account with and without a configuration;
#        d. agentictrust-askpass answers from AGENTICTRUST_TOKEN_FILE;
#        e. man finds the installed pages;
#        f. a program builds against libagentictrust-dev and runs.
#   4. dpkg --purge, and check that /etc/pam.d/common-* and pam-auth-update's
#      state are as before and the files are gone.  The packages are purged
#      and the service file removed on failure too.
#
# Root only (dpkg -i, /etc/pam.d): otherwise prints SKIP and exits 77.
# TAP output; exit status 0 only when every check passed.
# DEB_TEST_LINTIAN=0 skips lintian even when it is installed.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: deb-test.sh needs root (dpkg -i, /etc/pam.d)"
	exit 77
fi

cd "$(dirname "$0")/.." || exit 1
top=$PWD
out=$top/build-deb
start=$(date +%s)
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

packages=(libpam-agentictrust libagentictrust1 libagentictrust-dev)
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $*"; }
diag() { sed 's/^/# /'; }

# dpkg_waiting ARGS...: dpkg, but while another process (apt-daily or
# unattended-upgrades on a freshly booted VM) holds the dpkg lock, wait
# and retry, up to 10 minutes, instead of failing the run.
dpkg_waiting() {
	local i out rc
	for i in $(seq 1 120); do
		out=$(dpkg "$@" 2>&1)
		rc=$?
		case $out in
		*"was locked by another process"*) [ "$i" -lt 120 ] && sleep 5 ;;
		*) break ;;
		esac
	done
	printf '%s\n' "$out"
	return "$rc"
}
# check DESCRIPTION COMMAND...: ok when COMMAND exits 0 (output hidden).
check() {
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}

for cmd in git dpkg-buildpackage dpkg-checkbuilddeps dh pamtester unshare \
	pam-auth-update nm cc pkg-config; do
	command -v "$cmd" >/dev/null 2>&1 ||
		bail "$cmd not found (bash scripts/install-deps.sh installs it)"
done
[ "$(dpkg-query -W -f='${Status}' libnss-wrapper 2>/dev/null)" = "install ok installed" ] ||
	bail "libnss-wrapper not installed (bash scripts/install-deps.sh installs it)"

# pkg_present PACKAGE: installed, half-installed or config-files left.
pkg_present() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != not-installed ]
}

# Never replace or purge something this script did not install.
for p in "${packages[@]}"; do
	if pkg_present "$p"; then
		bail "$p is already installed; purge it first: dpkg --purge ${packages[*]}"
	fi
done
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
module=/lib/$ma/security/pam_agentictrust.so
for f in "$module" /usr/bin/agentictrust "/usr/lib/$ma/libagentictrust.so.1" \
	/var/lib/agentictrust; do
	[ -e "$f" ] && bail "$f exists (installed by hand?); dpkg --purge would delete it"
done
grep -q pam_agentictrust /etc/pam.d/common-auth /etc/pam.d/common-account &&
	bail "/etc/pam.d/common-* already use pam_agentictrust"

tmp=
service=
installed=0
cleanup() {
	local p
	if [ -n "$service" ]; then
		rm -f "$service"
	fi
	if [ "$installed" -eq 1 ]; then
		echo "# cleanup: purging ${packages[*]}"
		dpkg_waiting --purge "${packages[@]}" >/dev/null 2>&1
		for p in "${packages[@]}"; do
			if pkg_present "$p"; then
				echo "# cleanup: WARNING: $p is still installed"
			fi
		done
	fi
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

umask 022
tmp=$(mktemp -d /tmp/at-deb-test-XXXXXX) || exit 1
chmod 700 "$tmp"

# Files the test must leave as they were.
state_sums() {
	sha256sum /etc/pam.d/common-* /var/lib/pam/* 2>/dev/null
	find /etc -name '*agentictrust*' ! -path '/etc/pam.d/agentictrust-smoke-*' 2>/dev/null | sort
}
state_sums >"$tmp/state.before"

# --- 1. build -------------------------------------------------------------
echo "# copying the working tree's source files"
src=$tmp/src/pam-agentictrust
mkdir -p "$src"
git ls-files -z -co --exclude-standard >"$tmp/files" ||
	bail "git ls-files failed (not a git checkout?)"
# Leave out what a local package build leaves in the tree (not in
# .gitignore) and anything tracked but deleted.
pkg_re=$(IFS='|'; echo "${packages[*]}")
tr '\0' '\n' <"$tmp/files" |
	grep -Ev "^(obj-[^/]*/|build-deb/|debian/(\.debhelper|tmp|($pkg_re)(-dbgsym)?)/|debian/(files|debhelper-build-stamp|.*\.substvars|.*\.debhelper\.log)$)" |
	while IFS= read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done >"$tmp/files.src"
tar --null -T "$tmp/files.src" -cf - | tar -C "$src" -xf - ||
	bail "cannot copy the source files"
echo "# $(tr -cd '\0' <"$tmp/files.src" | wc -c) files copied to $src"

rm -rf "$out"
mkdir -p "$out"
log=$out/dpkg-buildpackage.log
if ! (cd "$src" && dpkg-checkbuilddeps) >"$tmp/bdeps" 2>&1; then
	diag <"$tmp/bdeps"
	not_ok "build dependencies installed (dpkg-checkbuilddeps)"
	bail "missing build dependencies"
fi
ok "build dependencies installed (dpkg-checkbuilddeps)"

echo "# dpkg-buildpackage -us -uc -b (log: ${log#"$top"/})"
if (cd "$src" && dpkg-buildpackage -us -uc -b -Jauto) >"$log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	not_ok "dpkg-buildpackage -us -uc -b"
	echo "# last lines of $log:"
	tail -n 60 "$log" | diag
	bail "package build failed"
fi
cp "$tmp"/src/*.deb "$tmp"/src/*.buildinfo "$tmp"/src/*.changes "$out"/ ||
	bail "no .deb produced"
version=$(cd "$src" && dpkg-parsechangelog -SVersion)
arch=$(dpkg --print-architecture)
deb() { echo "$out/${1}_${version}_$arch.deb"; }
for p in "${packages[@]}"; do
	check "$(basename "$(deb "$p")") built" test -f "$(deb "$p")"
done

# Warnings of the build (compiler, debhelper, dpkg-gensymbols...).
grep -iE '(^|[^-])warning' "$log" >"$tmp/warnings" || true
if [ -s "$tmp/warnings" ]; then
	echo "# build warnings:"
	diag <"$tmp/warnings"
else
	echo "# build warnings: none"
fi
if grep -q 'dpkg-gensymbols: warning' "$log"; then
	not_ok "debian/libagentictrust1.symbols matches the library's symbols"
	sed -n '/dpkg-gensymbols: warning/,/^ *dh_/p' "$log" | head -n 40 | diag
else
	ok "debian/libagentictrust1.symbols matches the library's symbols"
fi

# --- 2. contents ----------------------------------------------------------
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
for p in "${packages[@]}"; do
	echo "# dpkg -c $(basename "$(deb "$p")"):"
	dpkg-deb -c "$(deb "$p")" | diag
	contents "$(deb "$p")" >"$tmp/$p.list"
done
# has PACKAGE PATH...
has() {
	local p=$1 f missing=
	shift
	for f in "$@"; do
		grep -qxF "$f" "$tmp/$p.list" || missing="$missing $f"
	done
	if [ -z "$missing" ]; then
		ok "$p contains $*"
	else
		not_ok "$p lacks$missing"
	fi
}
doc=/usr/share/doc/libpam-agentictrust
has libpam-agentictrust "$module" /usr/bin/agentictrust \
	/usr/bin/agentictrust-askpass /usr/share/pam-configs/agentictrust
has libpam-agentictrust /usr/share/man/man1/agentictrust.1.gz \
	/usr/share/man/man5/agentictrust.conf.5.gz \
	/usr/share/man/man8/pam_agentictrust.8.gz
has libpam-agentictrust /var/lib/agentictrust/
# The listing first, then grep: under pipefail, "dpkg-deb | grep -q" fails
# when grep stops reading early and dpkg-deb dies of SIGPIPE.
listing=$(dpkg-deb -c "$(deb libpam-agentictrust)")
if grep -qE '^drwx------ root/root .* \./var/lib/agentictrust/$' \
	<<<"$listing"; then
	ok "libpam-agentictrust: /var/lib/agentictrust is drwx------ root/root"
else
	not_ok "libpam-agentictrust: /var/lib/agentictrust is drwx------ root/root"
fi
has libpam-agentictrust "$doc/README.md.gz" "$doc/SECURITY.md.gz" "$doc/copyright" \
	"$doc/examples/pam.d/sshd" "$doc/examples/pam.d/sudo" \
	"$doc/examples/agentictrust.conf.example" \
	"$doc/examples/user_map.example" \
	"$doc/examples/sshd_config.d/agentictrust.conf" \
	"$doc/examples/redis/redis-agentictrust.conf"
has libagentictrust1 "/usr/lib/$ma/libagentictrust.so.1" \
	"/usr/lib/$ma/libagentictrust.so.1.0.0"
has libagentictrust-dev /usr/include/agentictrust.h \
	"/usr/lib/$ma/libagentictrust.so" "/usr/lib/$ma/pkgconfig/agentictrust.pc"
if grep -q '^/etc/' "$tmp"/*.list; then
	not_ok "no package ships files in /etc"
else
	ok "no package ships files in /etc"
fi
if grep -q 'libagentictrust\.so' "$tmp/libpam-agentictrust.list"; then
	not_ok "libpam-agentictrust does not ship the shared library"
else
	ok "libpam-agentictrust does not ship the shared library"
fi

for p in "${packages[@]}"; do
	echo "# $p Depends: $(dpkg-deb -f "$(deb "$p")" Depends)"
done
if dpkg-deb -f "$(deb libpam-agentictrust)" Depends | grep libagentictrust1 >/dev/null; then
	not_ok "libpam-agentictrust does not depend on libagentictrust1 (static lib)"
else
	ok "libpam-agentictrust does not depend on libagentictrust1 (static lib)"
fi
# dlopen()ed by the store backends, so declared by hand in debian/control.
for d in libsqlite3-0 libhiredis0.14; do
	if dpkg-deb -f "$(deb libpam-agentictrust)" Depends | grep -qF "$d"; then
		ok "libpam-agentictrust depends on $d (dlopen()ed)"
	else
		not_ok "libpam-agentictrust depends on $d (dlopen()ed)"
	fi
done
if dpkg-deb -f "$(deb libagentictrust-dev)" Depends |
	grep -qF "libagentictrust1 (= $version)"; then
	ok "libagentictrust-dev depends on libagentictrust1 (= $version)"
else
	not_ok "libagentictrust-dev depends on libagentictrust1 (= $version)"
fi

if [ "${DEB_TEST_LINTIAN:-1}" != 0 ] && command -v lintian >/dev/null 2>&1; then
	lintian -I --tag-display-limit 0 "$out"/*.changes 2>&1 |
		grep -v 'running with root privileges' >"$tmp/lintian.out"
	if [ -s "$tmp/lintian.out" ]; then
		echo "# lintian -I (informational, not a failure):"
		diag <"$tmp/lintian.out"
	else
		echo "# lintian -I: no tags"
	fi
fi

# --- 3. install -----------------------------------------------------------
installed=1
if dpkg_waiting -i "$(deb libagentictrust1)" "$(deb libagentictrust-dev)" \
	"$(deb libpam-agentictrust)" >"$tmp/dpkg-i.log" 2>&1; then
	ok "dpkg -i ${packages[*]}"
else
	not_ok "dpkg -i ${packages[*]}"
	diag <"$tmp/dpkg-i.log"
	bail "cannot install the packages"
fi
grep -i 'pam-auth-update\|warning' "$tmp/dpkg-i.log" | diag

# a. the profile is there and not enabled.
check "profile /usr/share/pam-configs/agentictrust installed" \
	test -f /usr/share/pam-configs/agentictrust
if grep -q pam_agentictrust /etc/pam.d/common-auth /etc/pam.d/common-account; then
	not_ok "profile not enabled on install (common-auth/-account untouched)"
else
	ok "profile not enabled on install (common-auth/-account untouched)"
fi
if sha256sum /etc/pam.d/common-* | cmp -s - <(grep '/etc/pam.d/' "$tmp/state.before"); then
	ok "installing changed no /etc/pam.d/common-* file"
else
	not_ok "installing changed no /etc/pam.d/common-* file"
fi
check "module installed at $module" test -f "$module"
exports=$(nm -D --defined-only "$module" | awk '{print $3}' | sed 's/@.*//' |
	sort | tr '\n' ' ')
if [ "$exports" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ]; then
	ok "installed module exports only pam_sm_*"
else
	not_ok "installed module exports: $exports"
fi
if ldd "$module" /usr/bin/agentictrust | grep libagentictrust >/dev/null; then
	not_ok "module and CLI do not load libagentictrust.so.1"
else
	ok "module and CLI do not load libagentictrust.so.1"
fi

# b. pamtester through the installed module.
secret=$tmp/secret
other=$tmp/other-secret
(umask 077
 od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret"; echo >>"$secret"
 od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$other"; echo >>"$other")
cli=/usr/bin/agentictrust
# The PAM user: atdebagent, a normal account (uid 1500) that only the
# processes run through $nss see.  The module refuses root's credentials
# (system_user), so the test no longer authenticates the running user.
puser=atdebagent
printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:1500:1500::/nonexistent:/bin/sh\n' \
	"$puser" >"$tmp/passwd"
printf 'root:x:0:\n%s:x:1500:\n' "$puser" >"$tmp/group"
nss=(env LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD="$tmp/passwd"
	NSS_WRAPPER_GROUP="$tmp/group")
good=$("$cli" token --secret-file "$secret" --sub "$puser" --ttl 300)
forged=$("$cli" token --secret-file "$other" --sub "$puser" --ttl 300)
hmac=$("$cli" hmac --secret-file "$secret" "$puser")
roottok=$("$cli" token --secret-file "$secret" --sub root --ttl 300)
if [ -n "$good" ] && [ -n "$forged" ] && [ -n "$hmac" ] && [ -n "$roottok" ]; then
	ok "installed agentictrust CLI mints a JWT and an HMAC"
else
	not_ok "installed agentictrust CLI mints a JWT and an HMAC"
fi

svc=agentictrust-deb-test-$$
service=/etc/pam.d/$svc
cat >"$service" <<EOF
# deb-test.sh $$: removed when the test ends
auth     required  pam_agentictrust.so secret_file=$secret mode=jwt
account  required  pam_agentictrust.so secret_file=$secret mode=jwt
account  required  pam_permit.so
EOF
chmod 644 "$service"

# pam_check DESCRIPTION WANT(ok|fail) CREDENTIAL SERVICE USER OPERATION...
pam_check() {
	local d=$1 want=$2 cred=$3 s=$4 u=$5 o rc
	shift 5
	o=$(printf '%s\n' "$cred" | "${nss[@]}" pamtester -v "$s" "$u" "$@" 2>&1)
	rc=$?
	if { [ "$want" = ok ] && [ $rc -eq 0 ]; } ||
	   { [ "$want" = fail ] && [ $rc -ne 0 ]; }; then
		ok "$d (pamtester exit $rc)"
	else
		not_ok "$d (pamtester exit $rc, wanted $want)"
		printf '%s\n' "$o" | diag
	fi
	case $o in
	*"$cred"*)
		[ ${#cred} -ge 16 ] && not_ok "$d: the credential was printed" ;;
	esac
}
pam_check "installed module: good JWT accepted" ok "$good" "$svc" "$puser" authenticate
pam_check "installed module: JWT signed with another secret refused" fail "$forged" "$svc" "$puser" authenticate
pam_check "installed module: HMAC refused with mode=jwt" fail "$hmac" "$svc" "$puser" authenticate
pam_check "installed module: garbage refused" fail "not-a-token" "$svc" "$puser" authenticate
pam_check "installed module: authenticate + acct_mgmt with a good JWT" ok "$good" "$svc" "$puser" authenticate acct_mgmt
pam_check "installed module: valid JWT for root refused" fail "$roottok" "$svc" root authenticate
# Why: the installed CLI gives the module's verdict.
o=$(printf '%s\n' "$roottok" | "${nss[@]}" "$cli" verify --user root \
	secret_file="$secret" mode=jwt 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ $o == "rejected: reason=system_user "* ]]; then
	ok "installed CLI: a valid JWT for root is rejected as system_user"
else
	not_ok "installed CLI: a valid JWT for root is rejected as system_user (exit $rc)"
	printf '%s\n' "$o" | head -n 3 | diag
fi
o=$(printf '%s\n' "$roottok" | "${nss[@]}" "$cli" verify --user root \
	secret_file="$secret" mode=jwt allow_system_users 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	ok "installed CLI: the same JWT for root is accepted with allow_system_users"
else
	not_ok "installed CLI: the same JWT for root is accepted with allow_system_users (exit $rc)"
	printf '%s\n' "$o" | head -n 3 | diag
fi

# d. agentictrust-askpass from the package, and through pamtester.
tokfile=$tmp/token
(umask 077; printf '%s\n' "$good" >"$tokfile")
answer=$(AGENTICTRUST_TOKEN_FILE=$tokfile /usr/bin/agentictrust-askpass "Password: " 2>"$tmp/askpass.err")
if [ "$answer" = "$good" ]; then
	ok "agentictrust-askpass prints the token from AGENTICTRUST_TOKEN_FILE"
else
	not_ok "agentictrust-askpass prints the token from AGENTICTRUST_TOKEN_FILE"
	diag <"$tmp/askpass.err"
fi
if answer=$(AGENTICTRUST_TOKEN_FILE=$tokfile /usr/bin/agentictrust-askpass \
	"Are you sure you want to continue connecting (yes/no)? " 2>/dev/null) ||
	[ -n "$answer" ]; then
	not_ok "agentictrust-askpass refuses a yes/no host-key prompt"
else
	ok "agentictrust-askpass refuses a yes/no host-key prompt"
fi
pam_check "askpass answer accepted by the installed module" ok \
	"$(AGENTICTRUST_TOKEN_FILE=$tokfile /usr/bin/agentictrust-askpass 'Agentic Trust token: ')" \
	"$svc" "$puser" authenticate

# e. man pages.
if ! command -v man >/dev/null 2>&1; then
	skip "man pages (man-db not installed)"
else
	for page in "8 pam_agentictrust" "5 agentictrust.conf" "1 agentictrust" \
		"1 agentictrust-askpass"; do
		# shellcheck disable=SC2086
		set -- $page
		where=$(man -w "$1" "$2" 2>/dev/null)
		if [ -n "$where" ] &&
			MANWIDTH=80 man "$1" "$2" 2>/dev/null | grep '^NAME' >/dev/null; then
			ok "man $1 $2 renders ($where)"
		else
			not_ok "man $1 $2 renders (man -w: ${where:-nothing})"
		fi
	done
fi

# f. a program built against libagentictrust-dev: the install test's
# consumer (tests/install/consumer.c), this time against the package.
cp "$src/tests/install/consumer.c" "$tmp/consumer.c"
# shellcheck disable=SC2046
if cc -o "$tmp/consumer" "$tmp/consumer.c" $(pkg-config --cflags --libs agentictrust) \
	>"$tmp/cc.log" 2>&1; then
	ok "a program builds with pkg-config agentictrust (libagentictrust-dev)"
	# /lib is /usr/lib on a merged-/usr system: either path is the package's.
	# ldd's output first, then grep: under pipefail, "ldd | grep -q"
	# fails whenever grep exits before ldd has written its last line.
	libs=$(ldd "$tmp/consumer")
	if printf '%s\n' "$libs" |
		grep -Eq "libagentictrust\.so\.1 => (/usr)?/lib/$ma/libagentictrust\.so\.1 "; then
		ok "it loads the installed libagentictrust.so.1"
	else
		not_ok "it loads the installed libagentictrust.so.1"
		ldd "$tmp/consumer" | diag
	fi
	r1=$(printf '%s\n' "$good" | "$tmp/consumer" "$secret" "$puser")
	r2=$(printf '%s\n' "$forged" | "$tmp/consumer" "$secret" "$puser")
	case "$r1/$r2" in
	accepted*/rejected*) ok "libagentictrust1: good JWT accepted, forged refused ($r2)" ;;
	*) not_ok "libagentictrust1: good JWT accepted, forged refused ($r1 / $r2)" ;;
	esac
else
	not_ok "a program builds with pkg-config agentictrust (libagentictrust-dev)"
	diag <"$tmp/cc.log"
fi

# c. pam-auth-update --enable in a private mount namespace.
cat >"$tmp/ns.sh" <<'NS'
# Runs in a private mount namespace; $1 = temp dir, $2 = secret,
# $3 = other secret, $4 = CLI.  Prints PASS/FAIL lines and # comments.
set -u
t=$1 secret=$2 other=$3 cli=$4
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
for d in /etc /var/lib/pam /var/cache/debconf; do
	mkdir -p "$t/ns$d"
	cp -a "$d/." "$t/ns$d/" && mount --bind "$t/ns$d" "$d" || {
		fail "bind-mount a copy of $d"
		exit 1
	}
done
pass "private copies of /etc, /var/lib/pam, /var/cache/debconf mounted"
before=$(sha256sum </etc/pam.d/common-auth)
if pam-auth-update --enable agentictrust >"$t/pau.log" 2>&1; then
	pass "pam-auth-update --enable agentictrust"
else
	fail "pam-auth-update --enable agentictrust"
	sed 's/^/# /' "$t/pau.log"
fi
echo "# common-auth after --enable:"
grep -v '^#' /etc/pam.d/common-auth | grep . | sed 's/^/#   /'
echo "# common-account after --enable:"
grep -v '^#' /etc/pam.d/common-account | grep . | sed 's/^/#   /'
if grep -Eq '^auth[[:space:]]+\[success=[0-9]+ default=ignore\][[:space:]]+pam_agentictrust\.so( .*)? mode=jwt( |$)' /etc/pam.d/common-auth; then
	pass "common-auth: [success=N default=ignore] pam_agentictrust.so ... mode=jwt"
else
	fail "common-auth: [success=N default=ignore] pam_agentictrust.so ... mode=jwt"
fi
if grep -Eq '^auth[[:space:]]+\[success=[0-9]+ default=ignore\][[:space:]]+pam_unix\.so' /etc/pam.d/common-auth; then
	pass "common-auth: the pam_unix password path is still there"
else
	fail "common-auth: the pam_unix password path is still there"
fi
# Every success=N jump of the Primary block lands on pam_permit.
if awk '
	$1 == "auth" { n++; line[n] = $0; mod[n] = $2 " " $3 }
	END {
		bad = 0
		for (i = 1; i <= n; i++)
			if (match(line[i], /success=[0-9]+/)) {
				j = i + substr(line[i], RSTART + 8, RLENGTH - 8) + 1
				if (line[j] !~ /^auth[ \t]+required[ \t]+pam_permit\.so/)
					bad = 1
			}
		exit bad
	}' /etc/pam.d/common-auth; then
	pass "common-auth: every success=N jumps to pam_permit"
else
	fail "common-auth: every success=N jumps to pam_permit"
fi
if awk '/pam_unix\.so/ { u = NR } /pam_agentictrust\.so/ { a = NR } END { exit !(u && a && u < a) }' /etc/pam.d/common-auth &&
	grep -q 'pam_agentictrust\.so.*use_first_pass' /etc/pam.d/common-auth; then
	pass "common-auth: pam_agentictrust after pam_unix, with use_first_pass"
else
	fail "common-auth: pam_agentictrust after pam_unix, with use_first_pass"
fi
if grep -Eq '^account[[:space:]]+\[perm_denied=bad default=ignore\][[:space:]]+pam_agentictrust\.so mode=jwt' /etc/pam.d/common-account &&
	grep -q '^account.*pam_unix\.so' /etc/pam.d/common-account; then
	pass "common-account: [perm_denied=bad default=ignore] pam_agentictrust.so, pam_unix kept"
else
	fail "common-account: [perm_denied=bad default=ignore] pam_agentictrust.so, pam_unix kept"
fi

# Logins through the enabled stack, as a throwaway local user (only in
# the copied /etc).
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP logins through common-auth (openssl not installed)"
	exit 0
fi
user=atdebtest
# A normal account: a uid inside UID_MIN..UID_MAX of login.defs (Debian:
# 1000..60000), or the module refuses it as system_user.
uid=29990
while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
pw=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
hash=$(openssl passwd -6 "$pw")
echo "$user:x:$uid:65534::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
echo "$user:$hash:19000:0:99999:7:::" >>/etc/shadow
printf '@include common-auth\n@include common-account\n' >/etc/pam.d/at-ns-test
tok=$("$cli" token --secret-file "$secret" --sub "$user" --ttl 300)
forged=$("$cli" token --secret-file "$other" --sub "$user" --ttl 300)
hmac=$("$cli" hmac --secret-file "$secret" "$user")
roottok=$("$cli" token --secret-file "$secret" --sub root --ttl 300)
login() { # DESCRIPTION WANT CREDENTIAL [USER]
	local o rc
	o=$(printf '%s\n' "$3" | pamtester -v at-ns-test "${4:-$user}" authenticate acct_mgmt 2>&1)
	rc=$?
	if { [ "$2" = ok ] && [ $rc -eq 0 ]; } || { [ "$2" = fail ] && [ $rc -ne 0 ]; }; then
		pass "$1 (exit $rc)"
	else
		fail "$1 (exit $rc, wanted $2)"
		printf '%s\n' "$o" | sed 's/^/#   /'
	fi
}
rm -f /etc/security/agentictrust.conf
login "enabled, no agentictrust.conf: password still works (no lockout)" ok "$pw"
login "enabled, no agentictrust.conf: wrong password refused" fail "x$pw"
login "enabled, no agentictrust.conf: token refused (module not configured)" fail "$tok"
printf 'secret_file = %s\n' "$secret" >/etc/security/agentictrust.conf
chmod 644 /etc/security/agentictrust.conf
login "configured: password works" ok "$pw"
login "configured: JWT at the Password prompt accepted" ok "$tok"
login "configured: forged JWT refused" fail "$forged"
login "configured: HMAC refused (mode=jwt on the profile line)" fail "$hmac"
login "configured: JWT for another user (root) refused" fail "$roottok"
login "configured: valid JWT for root, as root, refused (system_user)" fail "$roottok" root
rm -f /etc/security/agentictrust.conf /etc/pam.d/at-ns-test

if pam-auth-update --disable agentictrust >"$t/pau.log" 2>&1 &&
	[ "$(sha256sum </etc/pam.d/common-auth)" = "$before" ]; then
	pass "pam-auth-update --disable agentictrust restores common-auth"
else
	fail "pam-auth-update --disable agentictrust restores common-auth"
	sed 's/^/# /' "$t/pau.log"
fi
NS
unshare --mount --propagation private \
	bash "$tmp/ns.sh" "$tmp" "$secret" "$other" "$cli" >"$tmp/ns.out" 2>&1
ns_rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "namespace: ${line#PASS }" ;;
	"FAIL "*) not_ok "namespace: ${line#FAIL }" ;;
	"SKIP "*) skip "namespace: ${line#SKIP }" ;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$tmp/ns.out"
grep -q '^PASS pam-auth-update --enable' "$tmp/ns.out" ||
	not_ok "namespace script ran (exit $ns_rc)"
if grep -q pam_agentictrust /etc/pam.d/common-auth || getent passwd atdebtest >/dev/null; then
	not_ok "the namespace left the real /etc alone"
else
	ok "the namespace left the real /etc alone"
fi

# The state store's directory: root only, and a store file in it (what the
# module would create) goes with the purge, not with a remove.
if [ "$(stat -c '%a %u %g' /var/lib/agentictrust 2>/dev/null)" = "700 0 0" ]; then
	ok "/var/lib/agentictrust installed 0700 root:root"
else
	not_ok "/var/lib/agentictrust installed 0700 root:root ($(stat -c '%a %u %g' /var/lib/agentictrust 2>&1))"
fi
install -m 0600 /dev/null /var/lib/agentictrust/state.db

# --- 4. purge -------------------------------------------------------------
if dpkg_waiting --purge "${packages[@]}" >"$tmp/purge.log" 2>&1; then
	ok "dpkg --purge ${packages[*]}"
	installed=0
else
	not_ok "dpkg --purge ${packages[*]}"
	diag <"$tmp/purge.log"
fi
left=
for p in "${packages[@]}"; do
	if pkg_present "$p"; then left="$left $p"; fi
done
if [ -z "$left" ]; then ok "no package left installed"; else not_ok "still installed:$left"; fi
gone=
for f in "$module" /usr/bin/agentictrust /usr/bin/agentictrust-askpass \
	/usr/share/pam-configs/agentictrust "/usr/lib/$ma/libagentictrust.so.1" \
	/usr/include/agentictrust.h /usr/share/doc/libpam-agentictrust \
	/var/lib/agentictrust; do
	if [ -e "$f" ] || [ -L "$f" ]; then gone="$gone $f"; fi
done
if [ -z "$gone" ]; then ok "installed files removed"; else not_ok "left behind:$gone"; fi
pam_check "after purge the throwaway service fails (module gone)" fail "$good" "$svc" "$puser" authenticate
rm -f "$service"
check "throwaway service $service removed" test ! -e "$service"
service=
state_sums >"$tmp/state.after"
if cmp -s "$tmp/state.before" "$tmp/state.after"; then
	ok "/etc/pam.d/common-*, /var/lib/pam and /etc/*agentictrust* as before"
else
	not_ok "/etc/pam.d/common-*, /var/lib/pam and /etc/*agentictrust* as before"
	diff "$tmp/state.before" "$tmp/state.after" | diag
fi

echo "1..$n"
echo "# deb-test: $((n - failed)) passed, $failed failed in $(($(date +%s) - start)) s; packages in ${out#"$top"/}/"
[ "$failed" -eq 0 ]
