#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# check-reasons.sh SRCDIR - the reason tags that README.md and
# pam_agentictrust(8) call stable are one list, and it holds every tag the
# code logs: lib's table (lib/at_util.c) and the tags the module writes
# itself (string literals in its log_result() and log_session() calls and
# "reason=TAG" in its format strings, the verdict words left out).
# Prints what is missing where.  Exit status: 0 same, 1 not.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 SRCDIR" >&2
	exit 2
fi
src=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# README: from "Reason tags are stable" to "The other lines are".
sed -n '/Reason tags are stable/,/The other lines are/p' "$src/README.md" |
	sed 's/The other lines are.*//' | grep -o '`[a-z_]*`' | tr -d '`' |
	sort -u >"$tmp/readme"
# The man page: the "*tag*" definition lines from "Reason tags are
# stable" to the next section.
sed -n '/^Reason tags are stable/,/^## /p' \
	"$src/man/pam_agentictrust.8.scd" |
	sed -n 's/^\*\([a-z\\_]*\)\*$/\1/p' | tr -d '\\' | sort -u >"$tmp/man"
# The code.
{
	sed -n 's/.*{ AT_[A-Z_]*, "\([a-z_]*\)".*/\1/p' "$src/lib/at_util.c"
	perl -0777 -ne '
		while (/\blog_(?:result|session)\s*\(([^;]*?)\)\s*;/gs) {
			my $call = $1;
			print "$1\n" while $call =~ /"([a-z_]+)"/g;
		}
		print "$1\n" while /reason=([a-z_]+)/g;
	' "$src/pam_agentictrust.c" |
		grep -Ev '^(accepted|rejected|refused|unchecked|first_pass_rejected|session)$'
} | sort -u >"$tmp/code"

rc=0
if [ ! -s "$tmp/readme" ] || [ ! -s "$tmp/man" ] || [ ! -s "$tmp/code" ]; then
	echo "check-reasons.sh: a list came out empty (README $(wc -l <"$tmp/readme"), man $(wc -l <"$tmp/man"), code $(wc -l <"$tmp/code"))"
	exit 1
fi
for pair in "readme man" "man readme" "code readme" "code man"; do
	set -- $pair
	missing=$(comm -23 "$tmp/$1" "$tmp/$2")
	if [ -n "$missing" ]; then
		echo "in $1, not in $2:" $missing
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "$(wc -l <"$tmp/readme") reason tags, the same in README.md, pam_agentictrust(8) and the code"
exit $rc
