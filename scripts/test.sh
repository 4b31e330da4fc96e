#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install dependencies, build, and run every test suite:
#   1. build/       -Dwerror=true: every suite: unit, pam, cli, interop,
#                   install (DESTDIR tree), man (rendering), and, as root,
#                   real (the Debian sshd and sudo in a private mount
#                   namespace)
#   2. build-asan/  -Db_sanitize=address,undefined: the same suites but real
#                   and install (a sanitized module cannot load into sshd)
#      build-tsan/  -Db_sanitize=thread: only the module, the CLI and
#                   tests/real/pam_threads, and only real-threads (8 threads
#                   x 1,000 transactions through the real libpam, as root);
#                   a ThreadSanitizer report fails it
#   3. build/       the unit and pam suites again under valgrind, and the
#                   cli suite with every CLI call under valgrind
#   4. build-fuzz/  clang + libFuzzer: each fuzz target for 20 s on its seeds
#   5. as root: scripts/deb-test.sh builds the .debs, installs them with
#      dpkg -i, authenticates through the installed module with pamtester,
#      then purges them
# Ends with one line "summary: N passed, M failed, K skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

setup() {
	configure "$@"
	ninja -C "$1"
}

status=0
setup build -Dwerror=true -Dtests=enabled
meson test -C build --print-errorlogs -v || status=1
cp build/meson-logs/testlog.json build/meson-logs/testlog-plain.json

setup build-asan -Dwerror=true -Dtests=enabled \
	-Db_sanitize=address,undefined -Db_lundef=false
meson test -C build-asan --print-errorlogs -v || status=1

# ThreadSanitizer: TSAN_OPTIONS and the suppressions (system libraries
# only) are set by tests/meson.build.
configure build-tsan -Dwerror=true -Dtests=enabled -Db_sanitize=thread \
	-Db_lundef=false
ninja -C build-tsan pam_agentictrust.so tools/agentictrust tests/pam_threads
meson test -C build-tsan --no-rebuild --print-errorlogs -v real-threads ||
	status=1

meson test -C build --setup valgrind --suite unit --suite pam \
	--print-errorlogs -v || status=1

# The CLI's C code under valgrind too: cli.sh puts AT_CLI_WRAPPER in front
# of every agentictrust call, and expects its exit codes (99 = a report).
AT_CLI_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect" \
	meson test -C build --suite cli --timeout-multiplier 3 \
	--print-errorlogs || status=1
cp build/meson-logs/testlog.json build/meson-logs/testlog-cli-valgrind.json

CC=clang setup build-fuzz -Dwerror=true -Dtests=disabled -Dfuzz=true \
	-Db_sanitize=address,undefined -Db_lundef=false
meson test -C build-fuzz --suite fuzz --print-errorlogs || status=1

# The Debian package, built, installed and used (root only: dpkg -i).
deb_result=build/deb-test.result
if bash scripts/deb-test.sh 2>&1 | tee build/deb-test.log; then
	echo OK >"$deb_result"
else
	case ${PIPESTATUS[0]} in
	77) echo SKIP >"$deb_result" ;;
	*) echo FAIL >"$deb_result"; status=1 ;;
	esac
fi

/usr/bin/python3 - "$deb_result" build/meson-logs/testlog-plain.json \
	build-asan/meson-logs/testlog.json \
	build-tsan/meson-logs/testlog.json \
	build/meson-logs/testlog-valgrind.json \
	build/meson-logs/testlog-cli-valgrind.json \
	build-fuzz/meson-logs/testlog.json <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
deb = open(sys.argv[1]).read().strip()
counts[{"OK": "passed", "SKIP": "skipped"}.get(deb, "failed")] += 1
if deb not in ("OK", "SKIP"):
    print("FAILED: scripts/deb-test.sh")
for path in sys.argv[2:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        counts["failed"] += 1
        print(f"missing test log {path}")
        continue
    for line in lines:
        t = json.loads(line)
        res = t["result"]
        if res in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif res == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
            print(f"FAILED: {path}: {t['name']} ({res})")
print(f"summary: {counts['passed']} passed, {counts['failed']} failed, "
      f"{counts['skipped']} skipped")
PY
exit $status
