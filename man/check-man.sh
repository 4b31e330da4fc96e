#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# check-man.sh PAGE - render a built man page the way man-db does and fail
# on any groff warning (lintian's check: man --warnings prints them on
# stderr), on a non-zero exit, or when the text lacks the NAME section or
# the page's own name.  PAGE is e.g. build/man/pam_agentictrust.8.
# Exit status: 0 clean, 1 problem, 77 (meson: skipped) without man(1).
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 PAGE" >&2
	exit 2
fi
page=$1
if ! command -v man >/dev/null 2>&1; then
	echo "check-man.sh: man(1) not found, skipping" >&2
	exit 77
fi
if [ ! -r "$page" ]; then
	echo "check-man.sh: $page: not readable" >&2
	exit 1
fi

# pam_agentictrust.8 -> name pam_agentictrust, section 8;
# agentictrust.conf.5 -> agentictrust.conf, 5.
base=${page##*/}
name=${base%.*}
section=${base##*.}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$page" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
fail=0
if [ "$rc" -ne 0 ]; then
	echo "check-man.sh: $page: man exited with status $rc" >&2
	fail=1
fi
if [ -s "$tmp/err" ]; then
	echo "check-man.sh: $page: warnings from man/groff:" >&2
	cat "$tmp/err" >&2
	fail=1
fi

# grotty overstrikes bold and underlined text (c BS c, _ BS c); SGR
# escapes appear instead when GROFF_SGR is set.  Strip both.
sed -e 's/.\x08//g' -e 's/\x1b\[[0-9;]*m//g' "$tmp/out" >"$tmp/text"

if ! grep -q '^NAME$' "$tmp/text"; then
	echo "check-man.sh: $page: no NAME section in the rendered text" >&2
	fail=1
fi
# The first line after NAME starts with the page's name ("name - ...").
first=$(awk '/^NAME$/ { getline; print; exit }' "$tmp/text")
case $first in
*"$name"*) ;;
*)
	echo "check-man.sh: $page: NAME line \"$first\" lacks \"$name\"" >&2
	fail=1
	;;
esac
if ! head -n 3 "$tmp/text" | grep -qF "$name($section)"; then
	echo "check-man.sh: $page: header does not name $name($section)" >&2
	fail=1
fi
if [ "$fail" -eq 0 ]; then
	echo "check-man.sh: $page: ok"
fi
exit "$fail"
