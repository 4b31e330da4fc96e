#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# meson install into a DESTDIR and check the tree: the module in the PAM
# module dir exporting only pam_sm_*, the shared library with its SONAME,
# header and pkg-config file, the CLI and its askpass name, man pages,
# examples under share/doc, nothing under /etc.  Then build a program
# against the installed header + .pc and verify credentials with it.
#
# usage: install.sh BUILDDIR PREFIX BINDIR LIBDIR INCLUDEDIR MANDIR DATADIR
#                   SECUREDIR MAN(true|false)
set -uo pipefail

build=$1 prefix=$2 bindir=$3 libdir=$4 includedir=$5 mandir=$6 datadir=$7
securedir=$8 with_man=$9
# meson gives dirs relative to the prefix, or absolute.
abs() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
bindir=$(abs "$bindir") libdir=$(abs "$libdir") includedir=$(abs "$includedir")
mandir=$(abs "$mandir") datadir=$(abs "$datadir") securedir=$(abs "$securedir")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # description command...
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}

if ! DESTDIR=$dest meson install -C "$build" --no-rebuild --quiet \
	>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	not_ok "meson install --destdir"
	echo "1 passed... aborting"
	exit 1
fi
ok "meson install into DESTDIR"

soname_of() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
exports_of() {
	nm -D --defined-only "$1" | awk '{print $3}' | sed 's/@.*//' |
		grep -v '^AGENTICTRUST_' | sort
}

mod=$dest$securedir/pam_agentictrust.so
check "module in the PAM module dir ($securedir)" test -f "$mod"
if [ "$(exports_of "$mod" | tr '\n' ' ')" = \
	"pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ]; then
	ok "module exports exactly pam_sm_acct_mgmt/authenticate/close_session/open_session/setcred"
else
	not_ok "module exports: $(exports_of "$mod" | tr '\n' ' ')"
fi

lib=$dest$libdir/libagentictrust.so
real=$(readlink -f "$lib")
check "libagentictrust.so dev symlink" test -L "$lib"
check "libagentictrust.so.1 symlink" test -L "$lib.1"
check "real library is a regular file" test -f "$real"
if [ "$(soname_of "$real")" = libagentictrust.so.1 ]; then
	ok "SONAME libagentictrust.so.1"
else
	not_ok "SONAME is '$(soname_of "$real")'"
fi

hdr=$dest$includedir/agentictrust.h
check "public header installed" test -f "$hdr"
check "internal header at.h not installed" test ! -e "$dest$includedir/at.h"
# The ABI is exactly the functions the public header declares.
grep -oE '^[a-z].*\b(at_[a-z0-9_]+)\(' "$hdr" |
	grep -oE 'at_[a-z0-9_]+\($' | tr -d '(' | sort >"$tmp/declared"
exports_of "$real" >"$tmp/exported"
if [ -s "$tmp/declared" ] && diff "$tmp/declared" "$tmp/exported" \
	>"$tmp/abi.diff"; then
	ok "library exports exactly the $(wc -l <"$tmp/declared") functions of agentictrust.h"
else
	cat "$tmp/abi.diff"
	not_ok "library exports differ from agentictrust.h"
fi
check "header compiles alone as C" \
	cc -fsyntax-only -Wall -Wextra -Werror -x c "$hdr"
if command -v g++ >/dev/null; then
	check "header compiles alone as C++" \
		g++ -fsyntax-only -Wall -Werror -x c++ "$hdr"
fi
# struct at_config and struct at_claims are opaque to programs (their
# fields can then grow without a SONAME change): sizeof must not compile,
# while it does for struct at_log, which stays public.
opaque() { # struct-tag
	printf '#include <agentictrust.h>\nunsigned long n = sizeof(struct %s);\n' \
		"$1" >"$tmp/opaque.c"
	cc -fsyntax-only -I"$dest$includedir" "$tmp/opaque.c" \
		>"$tmp/opaque.log" 2>&1
}
if opaque at_log; then
	for t in at_config at_claims; do
		if opaque "$t"; then
			not_ok "struct $t is complete in the installed header"
		elif grep -q 'incomplete type' "$tmp/opaque.log"; then
			ok "struct $t is opaque in the installed header"
		else
			cat "$tmp/opaque.log"
			not_ok "struct $t: sizeof failed for another reason"
		fi
	done
else
	cat "$tmp/opaque.log"
	not_ok "sizeof(struct at_log) does not compile"
fi

pc=$dest$libdir/pkgconfig/agentictrust.pc
check "agentictrust.pc installed" test -f "$pc"

check "CLI installed" test -x "$dest$bindir/agentictrust"
if [ "$(readlink "$dest$bindir/agentictrust-askpass")" = agentictrust ]; then
	ok "agentictrust-askpass -> agentictrust"
else
	not_ok "agentictrust-askpass symlink"
fi

if [ "$with_man" = true ]; then
	for page in man1/agentictrust.1 man5/agentictrust.conf.5 \
		man8/pam_agentictrust.8; do
		check "man page $page" test -s "$dest$mandir/$page"
	done
fi

doc=$dest$datadir/doc/pam_agentictrust
for f in README.md SECURITY.md examples/pam.d/sshd examples/pam.d/sudo \
	examples/agentictrust.conf.example examples/user_map.example \
	examples/sshd_config.d/agentictrust.conf examples/pam.d/apache2 \
	examples/apache2/agentictrust-apache2.conf \
	examples/apache2/agentictrust-site.conf examples/pam.d/postgresql \
	examples/postgresql/agentictrust-postgresql.conf \
	examples/postgresql/pg_hba.conf.example; do
	check "doc $f" test -f "$doc/$f"
done
if [ -z "$(find "$dest" -path "$dest/etc*" -print -quit)" ]; then
	ok "nothing installed under /etc"
else
	not_ok "files under DESTDIR/etc"
fi

# A consumer built only from what was installed.
export PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
if flags=$(pkg-config --cflags --libs agentictrust) &&
	cc -Wall -Werror -o "$tmp/consumer" "$(dirname "$0")/consumer.c" \
		$flags 2>"$tmp/cc.log"; then
	ok "consumer builds with pkg-config --cflags --libs agentictrust"
else
	cat "$tmp/cc.log"
	not_ok "consumer build"
fi
if readelf -d "$tmp/consumer" | grep 'NEEDED.*libagentictrust.so.1' >/dev/null; then
	ok "consumer links libagentictrust.so.1"
else
	not_ok "consumer does not need libagentictrust.so.1"
fi

head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$tmp/secret"
chmod 600 "$tmp/secret"
user=$(id -un)
cli=$dest$bindir/agentictrust
export LD_LIBRARY_PATH=$dest$libdir
tok=$("$cli" token --secret-file "$tmp/secret" --sub "$user" --ttl 300)
hex=$("$cli" hmac --secret-file "$tmp/secret" "$user")
out=$(printf '%s' "$tok" | "$tmp/consumer" "$tmp/secret" "$user")
[ "$out" = "accepted method=jwt sub=$user local=$user index=0 exp=yes secrets=1" ] &&
	ok "consumer accepts a JWT ($out)" || not_ok "consumer JWT: $out"
out=$(printf '%s' "$hex" | "$tmp/consumer" "$tmp/secret" "$user")
[ "$out" = "accepted method=hmac sub=$user local=$user index=0 exp=no secrets=1" ] &&
	ok "consumer accepts an HMAC" || not_ok "consumer HMAC: $out"
# Change the signature's first character, which carries 6 whole bits, to
# a different one; the old "replace the last character by A" left the
# token unchanged whenever it already ended in A (1 run in 64 failed).
sig=${tok##*.}
case $sig in A*) flip=B ;; *) flip=A ;; esac
tampered=${tok%.*}.$flip${sig#?}
[ "$tampered" != "$tok" ] || not_ok "tampering left the token unchanged"
out=$(printf '%s' "$tampered" | "$tmp/consumer" "$tmp/secret" "$user")
[ "$out" = "rejected reason=bad_signature" ] &&
	ok "consumer rejects a tampered JWT ($out)" ||
	not_ok "consumer tampered JWT: $out"
out=$(printf '%s' "$tok" | "$tmp/consumer" "$tmp/secret" "root-not-$user")
[ "$out" = "rejected reason=user_mismatch" ] &&
	ok "consumer rejects another user's JWT" || not_ok "other user: $out"

echo "# $n checks, $failed failed"
[ "$failed" -eq 0 ]
