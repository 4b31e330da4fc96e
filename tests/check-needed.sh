#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# check-needed.sh FILE... - fail when an ELF file the package installs
# names libsqlite3 or libhiredis as DT_NEEDED.  They are dlopen()ed when a
# store= is first opened (lib/at_store.h, struct at_store_lib); linked,
# every process loading the module (sudo, su, sshd, each Apache worker)
# would map and relocate them for nothing.  Each file must list libc, so
# that a readelf that printed nothing cannot pass.
set -u
readelf=${READELF:-readelf}
passed=0
failed=0
for f in "$@"; do
	if ! out=$("$readelf" -d -W "$f" 2>&1); then
		echo "FAIL $f: readelf: $out" >&2
		failed=$((failed + 1))
		continue
	fi
	needed=$(grep '(NEEDED)' <<<"$out" | sed 's/.*\[\(.*\)\].*/\1/')
	if ! grep -q '^libc\.so' <<<"$needed"; then
		echo "FAIL $f: no libc among DT_NEEDED; readelf said:" >&2
		echo "$out" >&2
		failed=$((failed + 1))
	elif bad=$(grep -E '^lib(sqlite3|hiredis)' <<<"$needed"); then
		echo "FAIL $f: DT_NEEDED" $bad "(must be dlopen()ed" \
			"only when a store= is opened)" >&2
		failed=$((failed + 1))
	else
		echo "ok $f: DT_NEEDED" $needed
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
