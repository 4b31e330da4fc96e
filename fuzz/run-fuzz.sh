#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh FUZZER SEEDS WORKDIR SECONDS: a bounded libFuzzer session.
# New inputs go to WORKDIR/corpus and crash files to WORKDIR/, never into
# the seed directory of the source tree.  Exit status: libFuzzer's (non-zero
# on a crash, leak, timeout or sanitizer report).
set -eu
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
