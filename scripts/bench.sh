#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench.sh [--quick] [--wall] [--pam-wrapper] [--builddir DIR]
#
# The comparison the README quotes (## Benchmark), in one run: a Markdown
# table in which every figure is a ratio to a baseline measured in the
# same run (medians of interleaved rounds), headed by the date, the
# machine and the git commit.  It never asserts speed: it exits non-zero
# only when something it measures fails to work (a credential that does
# not verify, a build that fails), since a fast refusal measures nothing.
#
#   (no option)     configure build-bench/ (--buildtype=release) beside
#                   this script's tree, build it, run everything (~2-4 min)
#   --quick         a few seconds, every row, figures meaningless: the
#                   smoke test (bench/meson.build) runs this
#   --builddir DIR  use an existing build instead (it must contain the
#                   module, the CLI and bench/bench_{compare,process})
#   --pam-wrapper   pamtester under pam_wrapper even as root
#   --wall          wall-clock time instead of CPU time (user + system of
#                   the measuring process, or of each pamtester process):
#                   CPU time is the default because a busy machine
#                   inflates it less; on an idle machine the two agree
#
# Needs pamtester, python3 with PyJWT (Debian: python3-jwt) and, for the
# jsonwebtoken row, node and npm (the pinned version of tests/interop is
# installed into the build directory with `npm ci`; not by --quick).
# Missing peers print "not installed".  As root, pamtester runs in a
# private mount namespace, where its /etc/pam.d is a bind mount of the
# benchmark's services (never the machine's); otherwise, or with
# --pam-wrapper, under pam_wrapper.  The long-lived-process rows use the
# real libpam (pam_start_confdir) either way.  The machine's /etc is never
# written.

set -u

usage() {
	echo "usage: $0 [--quick] [--wall] [--pam-wrapper] [--builddir DIR]" >&2
	exit 2
}

src=$(cd "$(dirname "$0")/.." && pwd) || exit 1
quick=0
pam_wrapper=0
builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--wall) export AT_BENCH_CLOCK=wall ;;
	--pam-wrapper) pam_wrapper=1 ;;
	--builddir)
		[ $# -ge 2 ] || usage
		builddir=$2
		shift
		;;
	-h | --help)
		sed -n '3,32s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) usage ;;
	esac
	shift
done

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

# ---- build ------------------------------------------------------------------
if [ -z "$builddir" ]; then
	builddir=$src/build-bench
	log=$(mktemp) || exit 1
	if [ ! -f "$builddir/build.ninja" ] &&
		! meson setup "$builddir" "$src" --buildtype=release \
			-Dtests=disabled -Dman=disabled >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "meson setup $builddir failed"
	fi
	if ! ninja -C "$builddir" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "the build in $builddir failed"
	fi
	rm -f "$log"
fi
builddir=$(cd "$builddir" && pwd) || die "no build directory"
module=$builddir/pam_agentictrust.so
cli=$builddir/tools/agentictrust
compare=$builddir/bench/bench_compare
process=$builddir/bench/bench_process
floor_module=$builddir/bench/pam_floor.so
for f in "$module" "$cli" "$compare" "$process" "$floor_module"; do
	[ -e "$f" ] || die "$f is missing (build it first)"
done

# ---- run sizes ----------------------------------------------------------------
if [ $quick -eq 1 ]; then
	rounds=3 txn_n=10 spawn_n=2 map_n=1 map_rounds=1 map_budget=5
	rss_n=10000 py_target=0.002 micro_arg=quick
else
	rounds=9 txn_n=1000 spawn_n=30 map_n=10 map_rounds=5 map_budget=10
	rss_n=1000000 py_target=0.04 micro_arg=
fi
map_sizes="10 1000 10000 100000 1000000"

tmp=
cleanup() {
	[ -n "$tmp" ] && [ -z "${AT_BENCH_KEEP:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/at-bench-XXXXXX") || exit 1

# ---- the header ---------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
cores=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
branch=$(git -C "$src" rev-parse --abbrev-ref HEAD 2>/dev/null || echo -)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]
then
	commit="$commit + uncommitted changes"
fi
buildtype=$(meson introspect --buildoptions "$builddir" 2>/dev/null |
	python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' \
	2>/dev/null || echo unknown)
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo '?'; }
uver() { local v; v=$(ver "$1"); v=${v#*:}; echo "${v%%-*}"; }

echo "# pam_agentictrust benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: ${cpu:-unknown CPU}, ${cores:-?} cores ($(nproc) usable), $(uname -sr) $(uname -m)"
echo "- commit: $commit ($branch)"
echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "- build: $buildtype ($builddir); $(cc --version 2>/dev/null | head -n 1)"
echo "- libraries: OpenSSL $(ver libssl3), jansson $(ver libjansson4), libjwt $(ver libjwt0), Linux-PAM $(ver libpam0g)"
echo "- PAM stacks: an auth and an account line of the module (config= an empty file, secret_file= one secret; accounts=any for the PAM user bench-agent, which is no Unix account, or allow_system_users for root, which is) or of pam_permit"
if [ "${AT_BENCH_CLOCK:-}" = wall ]; then
	echo "- clock: wall time (--wall)"
else
	echo "- clock: CPU time, user + system, of the measuring process (of each pamtester process for those rows)"
fi
if [ $quick -eq 1 ]; then
	echo "- run: --quick (a smoke run: the figures mean nothing)"
else
	echo "- run: $rounds rounds (user-map rows: $map_rounds), medians"
fi

# ---- in-process rows ------------------------------------------------------------
"$compare" secret >"$tmp/secret" || die "bench_compare secret failed"
"$compare" token user-42 >"$tmp/token-209" || die "cannot mint a token"
declare -A row
# row[KEY]="NS BASE_NS RATIO"
micro_out=$("$compare" micro $micro_arg) || die "bench_compare micro failed"
while read -r tag key ns base ratio; do
	case $tag in
	row) row[$key]="$ns $base $ratio" ;;
	tokenlen) tokenlen=$key ;;
	nolibjwt) row[libjwt]=none ;;
	esac
done <<<"$micro_out"

# fmt NS: microseconds below 1 ms, else milliseconds; 3 significant digits.
fmt() {
	awk -v ns="$1" 'BEGIN {
		v = ns / 1000; u = "µs"
		if (v >= 1000) { v /= 1000; u = "ms" }
		if (v >= 100) printf "%.0f %s", v, u
		else if (v >= 10) printf "%.1f %s", v, u
		else printf "%.2f %s", v, u
	}'
}
ratio() { awk -v r="$1" 'BEGIN { printf "%.2f×", r }'; }
# line WHAT NS RATIO BASELINE_NAME BASELINE_NS
line() {
	printf '| %s | %s | %s | %s (%s) |\n' "$1" "$(fmt "$2")" \
		"$(ratio "$3")" "$4" "$(fmt "$5")"
}
# rowline WHAT KEY BASELINE_NAME
rowline() {
	local v=${row[$2]:-}
	if [ -z "$v" ] || [ "$v" = none ]; then
		printf '| %s | not built | - | %s |\n' "$1" "$3"
		return
	fi
	set -- "$1" $v "$3"
	line "$1" "$2" "$4" "$5" "$3"
}
# skip WHAT WHY BASELINE_NAME
skip() { printf '| %s | %s | - | %s |\n' "$1" "$2" "$3"; }

floor_ns=${row[floor_jwt]%% *}

echo
echo "| measurement | median | ratio | baseline (same run) |"
echo "|---|---|---|---|"
echo "| **verification in one process, ${tokenlen}-byte JWT** | | | |"
rowline "floor: pre-keyed HMAC-SHA256 + base64url + CRYPTO_memcmp (OpenSSL)" \
	floor_jwt "itself"
rowline "floor for an HMAC credential: same MAC of the id + hex + compare" \
	floor_hmac "itself"
rowline "libagentictrust at_verify_credential, JWT" lib_jwt "floor"
rowline "libagentictrust at_verify_credential, HMAC credential" lib_hmac \
	"floor, HMAC"
rowline "libjwt $(uver libjwt0) jwt_decode + alg + exp" libjwt "floor"

# PyJWT: per-op time from timeit in a subprocess, medians of rounds.
py=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if [ -n "$p" ] && "$p" -c 'import jwt' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -n "$py" ] && pyout=$("$py" - "$tmp/token-209" "$tmp/secret" \
	"$rounds" "$py_target" <<'EOF'
import os, statistics, sys, time, timeit
import jwt
tok = open(sys.argv[1]).read().strip()
key = open(sys.argv[2]).read().split("\n")[0]
rounds, target = int(sys.argv[3]), float(sys.argv[4])
jwt.decode(tok, key, algorithms=["HS256"])
clock = time.perf_counter if os.environ.get("AT_BENCH_CLOCK") == "wall" \
    else time.process_time
t = timeit.Timer(lambda: jwt.decode(tok, key, algorithms=["HS256"]),
                 timer=clock)
n = 1
while t.timeit(n) < target / 8:
    n *= 4
n = max(1, int(n * target / t.timeit(n)))
print(jwt.__version__, statistics.median(t.repeat(rounds, n)) / n * 1e9)
EOF
); then
	set -- $pyout
	line "PyJWT $1 jwt.decode (python3)" "$2" \
		"$(awk -v a="$2" -v b="$floor_ns" 'BEGIN { print a / b }')" \
		"floor" "$floor_ns"
else
	skip "PyJWT jwt.decode" "not installed" "floor"
fi

# jsonwebtoken: the version tests/interop pins, installed by npm ci into
# the build directory (a full run only; --quick uses an existing copy,
# also the interop test's in this build or in build/).
npm_dir=
for d in "$builddir/npm" "$builddir/tests/interop/npm" \
	"$src/build/tests/interop/npm"; do
	if [ -f "$d/node_modules/jsonwebtoken/package.json" ]; then
		npm_dir=$d
		break
	fi
done
if [ -z "$npm_dir" ] && [ $quick -eq 0 ] && command -v node >/dev/null &&
	command -v npm >/dev/null; then
	mkdir -p "$builddir/npm" &&
		cp "$src/tests/interop/package.json" \
			"$src/tests/interop/package-lock.json" "$builddir/npm/" &&
		(cd "$builddir/npm" && timeout 120 npm ci --prefer-offline \
			--no-audit --no-fund --loglevel=error >/dev/null 2>&1) &&
		npm_dir=$builddir/npm
fi
if [ -n "$npm_dir" ] && command -v node >/dev/null && nodeout=$(node - \
	"$npm_dir" "$tmp/token-209" "$tmp/secret" "$rounds" "$py_target" \
	2>/dev/null <<'EOF'
'use strict';
const [dir, tokf, keyf, roundsS, targetS] = process.argv.slice(2);
const fs = require('fs');
const jwt = require(dir + '/node_modules/jsonwebtoken');
const tok = fs.readFileSync(tokf, 'utf8').trim();
const key = fs.readFileSync(keyf, 'utf8').split('\n')[0];
const rounds = Number(roundsS), target = Number(targetS);
const opts = { algorithms: ['HS256'] };
// The vendor's recipe passes the secret as a string; jsonwebtoken 9 then
// tries createPublicKey() on it first and catches the error, every call.
// A KeyObject made once skips that.
const keyobj = require('crypto').createSecretKey(Buffer.from(key));
const wall = process.env.AT_BENCH_CLOCK === 'wall';
function now() {
	if (wall)
		return Number(process.hrtime.bigint()) / 1e9;
	const u = process.cpuUsage();
	return (u.user + u.system) / 1e6;
}
function loop(k, n) {
	const t0 = now();
	for (let i = 0; i < n; i++)
		jwt.verify(tok, k, opts);
	return now() - t0;
}
function measure(k) {
	loop(k, 20);
	let n = 1;
	while (loop(k, n) < target / 8)
		n *= 4;
	n = Math.max(1, Math.floor(n * target / loop(k, n)));
	const t = [];
	for (let r = 0; r < rounds; r++)
		t.push(loop(k, n) / n * 1e9);
	t.sort((a, b) => a - b);
	return rounds % 2 ? t[(rounds - 1) / 2] :
		(t[rounds / 2 - 1] + t[rounds / 2]) / 2;
}
console.log(require(dir + '/node_modules/jsonwebtoken/package.json').version,
	process.version, measure(key), measure(keyobj));
EOF
); then
	set -- $nodeout
	line "node $2 jsonwebtoken $1 jwt.verify, secret a string (the vendor's recipe)" \
		"$3" "$(awk -v a="$3" -v b="$floor_ns" 'BEGIN { print a / b }')" \
		"floor" "$floor_ns"
	line "node $2 jsonwebtoken $1 jwt.verify, secret a KeyObject made once" \
		"$4" "$(awk -v a="$4" -v b="$floor_ns" 'BEGIN { print a / b }')" \
		"floor" "$floor_ns"
else
	skip "node jsonwebtoken jwt.verify" "not installed" "floor"
fi

# ---- libpam ---------------------------------------------------------------------
# The PAM user is no Unix account (accounts=any, the Apache/PostgreSQL
# recipe): the module still asks the passwd database about it, and no
# test user is needed.  config= names an empty file, so that a machine's
# /etc/security/agentictrust.conf does not change what is measured.
user=bench-agent
pamd=$tmp/pam.d
mkdir "$pamd" "$tmp/maps" || exit 1
: >"$tmp/empty.conf"
args="config=$tmp/empty.conf accounts=any secret_file=$tmp/secret"
svc() { # svc NAME MODULE-ARGS...: auth and account through the module
	local name=$1

	shift
	printf 'auth\trequired\t%s %s\naccount\trequired\t%s %s\n' \
		"$module" "$*" "$module" "$*" >"$pamd/$name"
}
svc at-bench "$args"
# The same with a PAM user that is a Unix account: root, from the first
# line of /etc/passwd (allow_system_users, since root is refused
# otherwise), as on an sshd or sudo host; no test user is created.
svc at-bench-unix "config=$tmp/empty.conf allow_system_users secret_file=$tmp/secret"
# The floor module (bench/pam_floor.c): the least a module under issue
# 10's rules does (re-read both small files, the prompt, getpwnam_r, a
# pre-keyed OpenSSL HMAC, one syslog line; no parent directory walked, no
# JSON, no policy).  Never installed.
printf 'auth\trequired\t%s config=%s secret_file=%s\naccount\trequired\t%s\n' \
	"$floor_module" "$tmp/empty.conf" "$tmp/secret" "$floor_module" \
	>"$pamd/at-bench-floor"
printf 'auth\trequired\tpam_permit.so\naccount\trequired\tpam_permit.so\n' \
	>"$pamd/at-bench-permit"
printf 'auth\trequired\tpam_deny.so\naccount\trequired\tpam_deny.so\n' \
	>"$pamd/other"
chmod 755 "$tmp" "$pamd"
chmod 644 "$pamd"/*
"$compare" token "$user" >"$tmp/cred" || die "cannot mint a token"
"$compare" token root >"$tmp/cred-root" || die "cannot mint a token"
"$compare" token agent-last >"$tmp/cred-map" || die "cannot mint a token"

# Where pamtester's libpam finds the services.  As root: bench_process
# and its pamtesters run in a mount namespace that unshare(1) makes for
# them, in which the service directory is bind-mounted over /etc/pam.d.
# The mount is made inside that namespace or not at all, so the
# machine's /etc/pam.d is never covered.
in_ns=(unshare --mount --propagation private
	sh -c 'mount --bind "$0" /etc/pam.d && exec "$@"' "$pamd")
if [ "$(id -u)" -eq 0 ] && [ $pam_wrapper -eq 0 ] &&
	"${in_ns[@]}" true 2>/dev/null; then
	spawn_env=("${in_ns[@]}")
	how="real libpam; /etc/pam.d a bind mount in a private mount namespace"
else
	pw=$(cc -print-file-name=libpam_wrapper.so 2>/dev/null)
	case $pw in /*) ;; *) pw=libpam_wrapper.so ;; esac
	spawn_env=(env "LD_PRELOAD=$pw" PAM_WRAPPER=1
		"PAM_WRAPPER_SERVICE_DIR=$pamd")
	how="pam_wrapper $(uver libpam-wrapper) (LD_PRELOAD), private service directory"
fi
if [ -S /dev/log ]; then
	logto="/dev/log is a socket: the module's syslog lines are sent"
else
	logto="no /dev/log: syslog(3) calls fail fast"
fi

echo "| **libpam: pam_start, pam_authenticate (JWT), pam_acct_mgmt, pam_end; $logto** | | | |"
txn_out=$("$process" txn "$pamd" "$user" "$tmp/cred" "$txn_n" "$rounds" \
	at-bench at-bench-permit) || die "the libpam transaction failed"
set -- $txn_out
line "one long-lived process (real libpam, pam_start_confdir): pam_agentictrust, a PAM user with no passwd entry (accounts=any)" \
	"$3" "$5" "pam_permit" "$4"
txn_out=$("$process" txn "$pamd" root "$tmp/cred-root" "$txn_n" "$rounds" \
	at-bench-unix at-bench-permit) || die "the libpam transaction failed"
set -- $txn_out
line "one long-lived process (real libpam, pam_start_confdir): pam_agentictrust, a Unix account (root)" \
	"$3" "$5" "pam_permit" "$4"
txn_out=$("$process" txn "$pamd" root "$tmp/cred-root" "$txn_n" "$rounds" \
	at-bench-floor at-bench-permit) || die "the libpam transaction failed"
set -- $txn_out
line "the same, the floor module (bench/pam_floor.c), a Unix account (root)" \
	"$3" "$5" "pam_permit" "$4"
txn_out=$("$process" txn "$pamd" "$user" "$tmp/cred" "$txn_n" "$rounds" \
	at-bench-floor at-bench-permit) || die "the libpam transaction failed"
set -- $txn_out
line "the same, the floor module, a PAM user with no passwd entry" \
	"$3" "$5" "pam_permit" "$4"

# shellcheck disable=SC2046 # set -- $(...) splits into fields on purpose
if ! command -v pamtester >/dev/null; then
	skip "a whole pamtester process per authentication" \
		"pamtester not installed" "pam_permit"
elif spawn_out=$("${spawn_env[@]}" "$process" spawn "$tmp/cred" "$spawn_n" \
	"$rounds" 30 "$user" at-bench-permit at-bench at-bench-floor) &&
	set -- $(grep '^spawn at-bench ' <<<"$spawn_out") &&
	[ $# -eq 6 ]; then
	line "a whole pamtester process per authentication ($how): pam_agentictrust" \
		"$3" "$5" "pam_permit" "$4"
	# shellcheck disable=SC2046 # split into fields on purpose
	set -- $(grep '^spawn at-bench-floor ' <<<"$spawn_out")
	if [ $# -eq 6 ]; then
		line "the same, the floor module (loads libcrypto, one OpenSSL HMAC)" \
			"$3" "$5" "pam_permit" "$4"
	else
		die "pamtester and the floor module: $spawn_out"
	fi
else
	die "pamtester and the module: ${spawn_out:-}"
fi

# ---- scaling --------------------------------------------------------------------
echo "| **token size (a padded claim)** | | | |"
for k in "${!row[@]}"; do
	case $k in size_lib_*) echo "${k#size_lib_}" ;; esac
done | sort -n >"$tmp/sizes"
small=$(head -n 1 "$tmp/sizes")
while read -r b; do
	rowline "library JWT verify, $b-byte token" "size_lib_$b" \
		"library, $small bytes"
done <"$tmp/sizes"
while read -r b; do
	rowline "floor, $b-byte token" "size_floor_$b" "floor, $small bytes"
done <"$tmp/sizes"
while read -r b; do
	rowline "library JWT verify, $b-byte token" "size_libfloor_$b" \
		"floor, same token"
done <"$tmp/sizes"

echo "| **secrets in the file (the valid one last)** | | | |"
for n in 1 4 16; do
	rowline "library JWT verify, $n secret(s)" "secrets_jwt_$n" \
		"1 secret"
done
for n in 1 4 16; do
	rowline "library HMAC verify, $n secret(s)" "secrets_hmac_$n" \
		"1 secret"
done

# User map: lines "agent-NNNNNNN userNNNNNNN", the one that maps the
# token's sub to the PAM user last.  Compiled: `agentictrust map compile
# MAP` writes MAP.cdb beside MAP, which the module prefers when it was
# built from exactly that text; measured only when the CLI has `map`.
have_compiled=0
if "$cli" --help 2>&1 | grep -q 'agentictrust map'; then
	have_compiled=1
fi
map_svcs=()
for n in $map_sizes; do
	awk -v n="$n" 'BEGIN {
		for (i = 1; i < n; i++)
			printf "agent-%07d user%07d\n", i, i
		print "agent-last bench-agent"
	}' >"$tmp/maps/text-$n" || exit 1
	svc "at-bench-map-text-$n" "$args user_map=$tmp/maps/text-$n"
	map_svcs+=("at-bench-map-text-$n")
	if [ $have_compiled -eq 1 ]; then
		cp "$tmp/maps/text-$n" "$tmp/maps/cdb-$n"
		svc "at-bench-map-cdb-$n" "$args user_map=$tmp/maps/cdb-$n"
		map_svcs+=("at-bench-map-cdb-$n")
	fi
done
chmod 644 "$pamd"/* "$tmp/maps"/*
chmod 755 "$tmp/maps"
# Compiled last, more than 2 seconds after the text's last change (the
# chmod above changes its ctime): a map compiled sooner is not known to
# be unchanged by its identity alone, and every login hashes its text
# (README "Large user maps"), which is not the steady state measured here.
if [ $have_compiled -eq 1 ]; then
	sleep 3
	for n in $map_sizes; do
		"$cli" map compile "$tmp/maps/cdb-$n" >/dev/null 2>&1 ||
			die "agentictrust map compile failed for $n entries"
	done
fi
echo "| **user map, a whole pamtester process per login** | | | |"
map_out=
if command -v pamtester >/dev/null; then
	map_out=$("${spawn_env[@]}" "$process" spawn "$tmp/cred-map" \
		"$map_n" "$map_rounds" "$map_budget" "$user" \
		"${map_svcs[@]}") ||
		die "pamtester with a 10-entry map failed: $map_out"
fi
label() { awk -v n="$1" 'BEGIN {
	if (n >= 1000000) printf "%gM", n / 1000000
	else if (n >= 1000) printf "%gk", n / 1000
	else printf "%d", n }'; }
for kind in text cdb; do
	[ $kind = cdb ] && [ $have_compiled -eq 0 ] && {
		skip "compiled map (MAP.cdb)" \
			"not in this build (no \`agentictrust map\`)" \
			"text map, 10 entries"
		continue
	}
	for n in $map_sizes; do
		what="$kind map, $(label "$n") entries"
		[ $kind = cdb ] && what="compiled map, $(label "$n") entries"
		# shellcheck disable=SC2046 # split into fields on purpose
		set -- $(grep "^spawn at-bench-map-$kind-$n " <<<"$map_out")
		case ${3:-} in
		refused) skip "$what" "refused by the module (pamtester exit $4)" \
			"text map, 10 entries" ;;
		slow) skip "$what" "one login took over $4 s" \
			"text map, 10 entries" ;;
		'') skip "$what" "no figure (is pamtester installed?)" \
			"text map, 10 entries" ;;
		*) line "$what" "$3" "$5" "text map, 10 entries" "$4" ;;
		esac
	done
done

# ---- memory ---------------------------------------------------------------------
echo "| **peak RSS (getrusage ru_maxrss), one process** | | | |"
rss_jwt=$("$compare" rss jwt "$rss_n") || die "the RSS run failed"
rss_floor=$("$compare" rss floor "$rss_n") || die "the RSS run failed"
set -- $rss_jwt $rss_floor
printf '| after %s JWT verifications | %s MiB | %s | the same process doing %s floor operations (%s MiB) |\n' \
	"$(label "$rss_n")" "$(awk -v k="$2" 'BEGIN { printf "%.1f", k / 1024 }')" \
	"$(ratio "$(awk -v a="$2" -v b="$5" 'BEGIN { print a / b }')")" \
	"$(label "$rss_n")" "$(awk -v k="$5" 'BEGIN { printf "%.1f", k / 1024 }')"
echo
echo "Each round times a row and its baseline back to back; a row shows the round whose ratio is the median. Speed is never asserted."
