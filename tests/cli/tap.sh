# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# tests/cli/tap.sh - what cli.sh and store.sh share (sourced, bash): the
# CLI's environment (nss_wrapper users of tests/data/nss, AT_CLI_WRAPPER)
# and the TAP checks.  The sourcing script sets CLI and defines its own
# run(), which fills OUT, RC, ALL (everything printed, for the leak
# checks) and LAST (the arguments, for failure messages).

NSS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/nss" && pwd) || exit 1
NSSW=(env "LD_PRELOAD=${AT_NSS_WRAPPER:-libnss_wrapper.so}"
	"NSS_WRAPPER_PASSWD=$NSS_DIR/passwd" "NSS_WRAPPER_GROUP=$NSS_DIR/group")
WRAP=()
if [ -n "${AT_CLI_WRAPPER:-}" ]; then
	read -r -a WRAP <<<"$AT_CLI_WRAPPER"
fi
export TZ=UTC LC_ALL=C

n=0
failed=0
OUT=
RC=0
ALL=
LAST=

ok() {
	n=$((n + 1))
	printf 'ok %d - %s\n' "$n" "$1"
}

# not_ok DESC [DETAIL...]: details are printed as "#   " lines.
not_ok() {
	local d=$1

	shift
	n=$((n + 1))
	failed=$((failed + 1))
	printf 'not ok %d - %s\n' "$n" "$d"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# rc_is DESC WANT
rc_is() {
	if [ "$RC" -eq "$2" ]; then
		ok "$1: exit $2"
	else
		not_ok "$1: exit $2" "got exit $RC for: $LAST" "$OUT"
	fi
}

# has DESC ERE: a line of $OUT matches.
has() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1" "no line matches: $2" "$OUT"
	fi
}

# hasnt DESC ERE: no line of $OUT matches.
hasnt() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$2"; then
		not_ok "$1" "a line matches: $2" "$OUT"
	else
		ok "$1"
	fi
}
