#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# smoke.sh BENCH_SH BUILDDIR
#
# Runs `BENCH_SH --quick --builddir BUILDDIR` (a few seconds) and checks
# that it succeeds and prints the header and every row of the table the
# README quotes, each with a figure and a ratio, or, for the rows that
# depend on what is installed or built, a reason.  Never a speed: quick
# figures mean nothing.  Prints TAP-like "ok"/"not ok" lines and
# "N passed, M failed"; exits 1 if anything failed.

set -u

bench=${1:?usage: smoke.sh BENCH_SH BUILDDIR}
builddir=${2:?usage: smoke.sh BENCH_SH BUILDDIR}
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
}

out=$(bash "$bench" --quick --builddir "$builddir" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	ok "bench.sh --quick exits 0"
else
	not_ok "bench.sh --quick exits 0 (exit $rc)"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi

# header LABEL: a "- LABEL: ..." line with something after the colon.
for h in date machine commit build libraries; do
	if grep -Eq "^- $h: .+" <<<"$out"; then
		ok "header: $h"
	else
		not_ok "header: $h"
	fi
done

# rows PATTERN: the table rows whose first cell starts with PATTERN.
rows() {
	awk -v p="| $1" 'index($0, p) == 1' <<<"$out"
}

# figure PATTERN...: exactly one table row per pattern (a fixed string
# at the start of the row), each with a time, a ratio and a baseline.
figure() {
	local p n r

	for p in "$@"; do
		n=$(rows "$p" | grep -c .)
		r=$(rows "$p" | grep -cE \
			'\| [0-9.]+ (µs|ms|MiB) \| [0-9.]+× \| .+ \([0-9.]+ (µs|ms|MiB)\) \|$')
		if [ "$n" -ge 1 ] && [ "$n" -eq "$r" ]; then
			ok "row with a figure and a ratio: $p"
		else
			not_ok "row with a figure and a ratio: $p ($n rows, $r with figures)"
			rows "$p" | sed 's/^/#   /'
		fi
	done
}

# figure_or PATTERN REASON-ERE: the row has a figure, or says why not.
figure_or() {
	local p=$1 why=$2

	if rows "$p" | grep -Eq "\| ($why) \| - \|"; then
		ok "row (with its reason): $p"
	else
		figure "$p"
	fi
}

figure "floor: pre-keyed HMAC-SHA256" "floor for an HMAC credential" \
	"libagentictrust at_verify_credential, JWT |" \
	"libagentictrust at_verify_credential, HMAC credential |" \
	"one long-lived process (real libpam, pam_start_confdir): pam_agentictrust, a PAM user with no passwd entry (accounts=any) |" \
	"one long-lived process (real libpam, pam_start_confdir): pam_agentictrust, a Unix account (root) |" \
	"the same, the floor module (bench/pam_floor.c), a Unix account (root) |" \
	"the same, the floor module, a PAM user with no passwd entry |" \
	"library JWT verify, 200-byte token" \
	"library JWT verify, 4096-byte token" \
	"floor, 200-byte token" "floor, 512-byte token" \
	"floor, 1024-byte token" "floor, 2048-byte token" \
	"floor, 4096-byte token" \
	"library JWT verify, 1 secret(s)" "library JWT verify, 16 secret(s)" \
	"library HMAC verify, 1 secret(s)" "library HMAC verify, 16 secret(s)" \
	"after 10k JWT verifications"
# The token-size rows: each size against the smallest and the floor.
for b in 512 1024 2048; do
	n=$(rows "library JWT verify, $b-byte token |" | grep -c .)
	if [ "$n" -eq 2 ]; then
		ok "two library rows for the $b-byte token"
	else
		not_ok "two library rows for the $b-byte token ($n)"
	fi
done
figure_or "libjwt " "not built"
figure_or "PyJWT" "not installed"
figure_or "node" "not installed"
figure_or "a whole pamtester process" "pamtester not installed"
if command -v pamtester >/dev/null; then
	figure "the same, the floor module (loads libcrypto, one OpenSSL HMAC) |"
fi
figure_or "text map, 10 entries" "no figure \(is pamtester installed\?\)"
for m in 1k 10k 100k 1M; do
	figure_or "text map, $m entries" \
		"refused by the module \(pamtester exit [0-9]+\)|one login took over [0-9]+ s|no figure \(is pamtester installed\?\)"
done
if rows "compiled map (MAP.cdb) | not in this build" | grep -q .; then
	ok "row: compiled map (not in this build)"
else
	for m in 10 1k 10k 100k 1M; do
		figure_or "compiled map, $m entries" \
			"refused by the module \(pamtester exit [0-9]+\)|one login took over [0-9]+ s"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
