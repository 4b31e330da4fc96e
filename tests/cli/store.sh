#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# store.sh - `agentictrust revoke`, `unrevoke`, `revoked`, `fingerprint`,
# and the store in `verify` and `check` (issue 8), against real stores: a
# SQLite file in a private temporary directory, and redis-server
# processes this script starts (unix socket in the temporary directory,
# --port 0) and stops by pid.
#
#   store.sh AGENTICTRUST_CLI
#
# TAP output; exit 1 if any check failed.  AT_CLI_WRAPPER (e.g. valgrind)
# is put in front of every CLI run, as in cli.sh; the local user atagent
# (uid 1500) comes from tests/data/nss through nss_wrapper.  At the end no
# token, secret or password-like input may appear in anything the CLI
# printed.  The Redis part is skipped (one "ok # SKIP") without
# redis-server.
set -u

CLI=${1:?usage: store.sh AGENTICTRUST_CLI}
# shellcheck source=tests/cli/tap.sh
. "$(dirname "$0")/tap.sh"

STDOUT=

# run [-i STDIN] ARG...: stdout and stderr in $OUT, stdout alone in
# $STDOUT, status in $RC.
run() {
	local in=

	if [ "$1" = -i ]; then
		in=$2
		shift 2
	fi
	printf '%s' "$in" | "${NSSW[@]}" "${WRAP[@]}" "$CLI" "$@" \
		>"$T/stdout" 2>"$T/stderr"
	RC=$?
	STDOUT=$(cat "$T/stdout")
	OUT=$(cat "$T/stdout" "$T/stderr")
	ALL+=$OUT$'\n'
	LAST="$*"
}

# same DESC GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3"
	fi
}

q() { printf '%s' "$1" | sed 's/[][\.*^$(){}?+|]/\\&/g'; }

for tool in openssl basenc od python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/at-store.XXXXXX") || exit 1
REDIS_PIDS=()
cleanup() {
	local p

	for p in "${REDIS_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
umask 077
U=atagent

rand_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
S1=$(rand_hex)
S3=$(rand_hex) # in no secret file: signs forgeries
printf '%s\n' "$S1" >"$T/s1"
printf '%s\n' "$S3" >"$T/s3"
b64url() { basenc --base64url -w0 | tr -d '='; }
mint() {
	local key h p sig

	key=$(head -n1 "$1" | od -An -tx1 | tr -d ' \n')
	key=${key%0a}
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	sig=$(printf '%s' "$h.$p" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
		b64url)
	printf '%s.%s.%s' "$h" "$p" "$sig"
}
# The fingerprint as the module computes it: SHA-256 of the token, the
# first 16 bytes in hex.
fp_of() { printf '%s' "$1" | openssl dgst -sha256 -r | cut -c1-32; }
HDR='{"alg":"HS256","typ":"JWT"}'
NOW=$(date +%s)
TOKENS=()

DB=$T/db/state.db
mkdir "$T/db"
ST=(--store "sqlite:$DB")
# How many revocations the store lists.
count() {
	run revoked "$@" --json
	printf '%s' "$STDOUT" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# The library checks every directory above $T.
if ! pre=$("$CLI" revoked "${ST[@]}" 2>&1) && [[ $pre == *"directory "* ]]; then
	echo "Bail out! $T fails the library's directory rule:"
	printf '%s\n' "$pre" | sed 's/^/# /'
	exit 1
fi

# ------------------------------------------------------- revoke --sub
run revoke "${ST[@]}" --sub agent-7 --reason "leaked in a transcript"
rc_is "revoke --sub" 0
has "revoke --sub: says what, every credential, and why" '^revoked: sub=agent-7: every credential reason="leaked in a transcript"$'
run revoked "${ST[@]}"
rc_is "revoked" 0
has "revoked: a header" '^KIND +ID +CUT-OFF +EXPIRES +CREATED +SUB +REASON$'
has "revoked: the id, everything, created as ISO UTC, the reason" '^sub +agent-7 +everything +never +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +- +"leaked in a transcript"$'
run revoked "${ST[@]}" --json
rc_is "revoked --json" 0
if printf '%s' "$STDOUT" | python3 -c '
import json, sys
l = json.load(sys.stdin)
r = [x for x in l if x["id"] == "agent-7"][0]
assert r["kind"] == "sub" and r["before"] == 0 and r["reason"] == "leaked in a transcript"
assert r["sub"] is None and isinstance(r["created"], int)
'; then
	ok "revoked --json: parses, with kind, id, before, created, reason"
else
	not_ok "revoked --json: parses, with kind, id, before, created, reason" "$STDOUT"
fi
run unrevoke "${ST[@]}" --sub agent-7
rc_is "unrevoke --sub" 0
has "unrevoke: says what was removed" '^unrevoked: sub=agent-7$'
run unrevoke "${ST[@]}" --sub agent-7
rc_is "unrevoke of what is not revoked" 1
has "unrevoke: says there was none" 'sub=agent-7 is not revoked: nothing removed'
same "round trip: nothing left" "$(count "${ST[@]}")" 0

# ------------------------------------------------------------ --before
run revoke "${ST[@]}" --sub agent-8 --before 1700000000
rc_is "--before Unix seconds" 0
has "--before Unix seconds: shown as ISO UTC" '^revoked: sub=agent-8: JWTs issued before 2023-11-14T22:13:20Z, JWTs without iat and HMAC credentials$'
run revoke "${ST[@]}" --sub agent-8 --before 2030-01-02T03:04:05Z
rc_is "--before ISO 8601" 0
has "--before ISO: the same second back" 'issued before 2030-01-02T03:04:05Z,'
has "--before in the future: a note" 'note: the cut-off is in the future'
run revoke "${ST[@]}" --sub agent-8 --before 2024-02-29T23:59:59Z
rc_is "--before on a leap day" 0
t0=$(date +%s)
run revoke "${ST[@]}" --sub agent-8 --before now
rc_is "--before now" 0
t1=$(date +%s)
run revoked "${ST[@]}" --json
if printf '%s' "$STDOUT" | python3 -c "
import json, sys
l = [x for x in json.load(sys.stdin) if x['id'] == 'agent-8']
assert len(l) == 1, l
assert $t0 <= l[0]['before'] <= $t1, l
"; then
	ok "--before now: the cut-off is now, and replaced the earlier one"
else
	not_ok "--before now: the cut-off is now, and replaced the earlier one" "$STDOUT"
fi
before=$(count "${ST[@]}")
for bad in yesterday 0 -5 01700000000 1e9 "2030-02-30T00:00:00Z" \
	"2030-01-01 00:00:00" "2030-01-01T00:00:00" "2030-01-01T00:00:00+01:00" \
	"2030-01-01T24:00:00Z" "2030-01-01T23:59:60Z" "1969-12-31T23:59:59Z" \
	"2023-02-29T00:00:00Z" "99999999999999" "NOW" ""; do
	run revoke "${ST[@]}" --sub agent-9 --before "$bad"
	rc_is "--before '$bad' refused" 2
done
has "--before: says what it takes" '--before: now, Unix seconds .* or YYYY-MM-DDTHH:MM:SSZ \(UTC\)'
same "refused --before: nothing stored" "$(count "${ST[@]}")" "$before"
run revoke "${ST[@]}" --token - --before now
rc_is "--before without --sub" 2
run revoke "${ST[@]}" --sub a --fp 0123456789abcdef0123456789abcdef
rc_is "two targets" 2
run revoke "${ST[@]}"
rc_is "no target" 2

# ---------------------------------------------------- verify and --before
NOW=$(date +%s)
TOKOLD=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"iat\":$((NOW - 100)),\"exp\":$((NOW + 600))}")
TOKNEW=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"iat\":$((NOW + 20)),\"exp\":$((NOW + 600))}")
TOKNOIAT=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKOLD" "$TOKNEW" "$TOKNOIAT")
VARGS=(verify --user "$U" secret_file="$T/s1" mode=jwt store="sqlite:$DB")
run -i "$TOKOLD" "${VARGS[@]}"
rc_is "verify with a store, nothing revoked" 0
has "verify: the store says not revoked" "^  store sqlite:$(q "$DB"): neither the id nor this token is revoked$"
has "verify: the fingerprint of a verified JWT" "^  fp     $(fp_of "$TOKOLD")$"
run revoke "${ST[@]}" --sub "$U" --before "$NOW"
rc_is "revoke the user's JWTs issued before now" 0
run -i "$TOKOLD" "${VARGS[@]}"
rc_is "verify: a JWT issued before the cut-off" 1
has "verify: reason=revoked" '^rejected: reason=revoked '
has "verify: says the store refused it" 'the id or this token is revoked'
run -i "$TOKNOIAT" "${VARGS[@]}"
rc_is "verify: a JWT without iat counts as before" 1
run -i "$TOKNEW" "${VARGS[@]}"
rc_is "verify: a JWT issued after the cut-off" 0
run revoke "${ST[@]}" --sub "$U"
run -i "$TOKNEW" "${VARGS[@]}"
rc_is "verify: --sub without --before refuses every JWT of the id" 1
run unrevoke "${ST[@]}" --sub "$U"
rc_is "unrevoke the user" 0
run -i "$TOKOLD" "${VARGS[@]}"
rc_is "verify: accepted again after unrevoke" 0
run -i "$TOKOLD" "${VARGS[@]}" single_use
rc_is "verify with single_use: accepted" 0
has "verify: single_use is neither checked nor consumed" '^  single_use: not checked and not consumed'
run -i "$TOKOLD" "${VARGS[@]}" single_use
rc_is "verify with single_use: still accepted (nothing consumed)" 0

# ------------------------------------------------------- revoke --token
NOW=$(date +%s)
TOK=$("$CLI" token --secret-file "$T/s1" --sub "$U" --ttl 600)
TOKENS+=("$TOK")
FP=$(fp_of "$TOK")
run -i "$TOK" fingerprint --secret-file "$T/s1"
rc_is "fingerprint" 0
same "fingerprint: SHA-256 of the token, 16 bytes in hex" "$STDOUT" "$FP"
run -i "  $TOK"$'\n' fingerprint --secret-file "$T/s1"
same "fingerprint: surrounding white space trimmed, as the module" "$STDOUT" "$FP"
run -i "$TOK" "${VARGS[@]}"
has "fingerprint equals verify's fp line (the module's fp=)" "^  fp     $FP$"
run -i "$TOK" revoke "${ST[@]}" --secret-file "$T/s1" --token - --reason "agent misbehaved"
rc_is "revoke --token -" 0
has "revoke --token: fp, sub, until exp + 300 s" "^revoked: token fp=$FP sub=$U until [0-9T:-]{19}Z \\(exp \\+ 300 s\\) reason=\"agent misbehaved\"$"
run revoked "${ST[@]}"
has "revoked: the token with its fp, expiry and sub" "^token +$FP +- +[0-9T:-]{19}Z +[0-9T:-]{19}Z +$U +\"agent misbehaved\"$"
run revoked "${ST[@]}" --json
if printf '%s' "$STDOUT" | python3 -c "
import json, sys
r = [x for x in json.load(sys.stdin) if x['id'] == '$FP'][0]
assert r['kind'] == 'token' and r['sub'] == '$U', r
assert $NOW + 600 + 300 <= r['expires'] <= $NOW + 600 + 300 + 60, r
"; then
	ok "revoked --json: the token's expiry is exp + 300, its sub kept"
else
	not_ok "revoked --json: the token's expiry is exp + 300, its sub kept" "$STDOUT"
fi
run -i "$TOK" "${VARGS[@]}"
rc_is "verify: the revoked token" 1
has "verify: the revoked token, reason=revoked" '^rejected: reason=revoked '
TOK2=$("$CLI" token --secret-file "$T/s1" --sub "$U" --ttl 601)
TOKENS+=("$TOK2")
run -i "$TOK2" "${VARGS[@]}"
rc_is "verify: another token of the same id is not revoked" 0
run -i "$TOK" unrevoke "${ST[@]}" --secret-file "$T/s1" --token -
rc_is "unrevoke --token -" 0
has "unrevoke --token: by its fp" "^unrevoked: token fp=$FP$"
run revoke "${ST[@]}" --fp "$(printf '%s' "$FP" | tr a-f A-F)"
rc_is "revoke --fp (upper case accepted)" 0
has "revoke --fp: until unrevoked" "^revoked: token fp=$FP until unrevoked$"
run -i "$TOK" "${VARGS[@]}"
rc_is "verify: revoked by --fp" 1
run unrevoke "${ST[@]}" --fp "$FP"
rc_is "unrevoke --fp" 0
run revoke "${ST[@]}" --fp 0123
rc_is "revoke --fp: not 32 hex digits" 2

# An expired token is still revocable: its MAC verifies.
NOW=$(date +%s)
TOKX=$(mint "$T/s1" "$HDR" "{\"sub\":\"$U\",\"iat\":$((NOW - 4000)),\"exp\":$((NOW - 400))}")
TOKENS+=("$TOKX")
run -i "$TOKX" revoke "${ST[@]}" --secret-file "$T/s1" --token -
rc_is "revoke --token: an expired token" 0
has "revoke --token: says it has expired" 'note: the token has expired'
run -i "$TOKX" fingerprint --secret-file "$T/s1"
rc_is "fingerprint: an expired token" 0
same "fingerprint: an expired token's fp" "$STDOUT" "$(fp_of "$TOKX")"
has "fingerprint: notes the refusal" 'note: the MAC verifies, but this configuration refuses the token \(reason=expired'

# Input whose MAC does not verify is never hashed, stored or printed.
before=$(count "${ST[@]}")
PW='correct horse battery staple'
PWDOT='hunter2.Secret.Pass'
TOKF=$(mint "$T/s3" "$HDR" "{\"sub\":\"$U\",\"exp\":$((NOW + 600))}")
TOKENS+=("$TOKF")
for input in "" "not.a.jwt" "$TOKF" "$PWDOT" "$PW"; do
	run -i "$input" revoke "${ST[@]}" --secret-file "$T/s1" --token -
	rc_is "revoke --token: input whose MAC does not verify refused" 1
	run -i "$input" fingerprint --secret-file "$T/s1"
	rc_is "fingerprint: input whose MAC does not verify refused" 1
	same "fingerprint: nothing on stdout" "$STDOUT" ""
done
has "fingerprint: says why, names the secret file" "refused: the input is not a JWT whose MAC verifies against jwt_secret_file $(q "$T/s1") \\(reason=.*\\): nothing was fingerprinted$"
run -i "$TOKF" unrevoke "${ST[@]}" --secret-file "$T/s1" --token -
rc_is "unrevoke --token: forged token refused" 1
same "refused input: nothing stored" "$(count "${ST[@]}")" "$before"
leak=
for input in "$PW" "$PWDOT" "$TOKF"; do
	f=$(fp_of "$input")
	if grep -qaF -e "$input" -e "$f" "$DB"* || [[ $ALL == *"$f"* ]] ||
		[[ $ALL == *"$input"* ]]; then
		leak+=" $input"
	fi
done
same "refused input: neither it nor its hash printed or stored" "$leak" ""
run -i "$PW" revoke "${ST[@]}" --token "$PW"
rc_is "--token with a value instead of -" 2
hasnt "--token VALUE: the value is not echoed" "$(q "$PW")"
run -i "$TOK" revoke "${ST[@]}" --token -
rc_is "revoke --token without a JWT secret" 2
has "revoke --token: says a JWT secret is needed" 'no JWT secret to verify the token with'

# ------------------------------------------------ hostile ids and reasons
HOSTILE=$'agent "x"=y \xe2\x80\xae\xe2\x81\xa6evil'
run revoke "${ST[@]}" --sub "$HOSTILE" --reason $'bidi \xe2\x80\xae reason "q" a=b'
rc_is "revoke: a printable but hostile id and reason" 0
run revoked "${ST[@]}"
rc_is "revoked with a hostile id" 0
has "revoked: the hostile id escaped" '^sub +"agent \\"x\\"=y \\xe2\\x80\\xae\\xe2\\x81\\xa6evil" +everything'
has "revoked: the hostile reason escaped" '"bidi \\xe2\\x80\\xae reason \\"q\\" a=b"$'
if printf '%s' "$OUT" | LC_ALL=C grep -q $'[\x80-\xff\x01-\x09\x0b-\x1f\x7f]'; then
	not_ok "revoked: printable ASCII only" "$OUT"
else
	ok "revoked: printable ASCII only"
fi
run revoked "${ST[@]}" --json
if printf '%s' "$STDOUT" | python3 -c "
import json, sys
raw = sys.stdin.read()
assert all(32 <= ord(c) < 127 or c == '\n' for c in raw), 'not ASCII'
l = json.loads(raw)
assert any(x['id'] == 'agent \"x\"=y \u202e\u2066evil' for x in l), l
"; then
	ok "revoked --json: ASCII-only JSON, the id exact"
else
	not_ok "revoked --json: ASCII-only JSON, the id exact" "$STDOUT"
fi
run unrevoke "${ST[@]}" --sub "$HOSTILE"
rc_is "unrevoke the hostile id" 0
run revoke "${ST[@]}" --sub $'agent\e[31mred'
rc_is "revoke: an id with an escape sequence refused" 2
run revoke "${ST[@]}" --sub agent-1 --reason $'why\nfake line'
rc_is "revoke: a reason with a newline refused" 2
run revoke "${ST[@]}" --sub agent-1 --reason "$(printf 'r%.0s' $(seq 257))"
rc_is "revoke: a reason over 256 bytes refused" 2
run revoke "${ST[@]}" --sub "$(printf 'a%.0s' $(seq 257))"
rc_is "revoke: an id over 256 bytes refused" 2

# ------------------------------------------------- --config and --service
printf 'secret_file = %s\nmode = jwt\nstore = sqlite:%s\n' "$T/s1" "$DB" >"$T/conf"
run revoke --config "$T/conf" --sub agent-c
rc_is "revoke --config: the store of the file" 0
run -i "$TOK" revoke --config "$T/conf" --token -
rc_is "revoke --config --token: the JWT secret of the file" 0
mkdir "$T/pam.d"
printf 'auth required pam_agentictrust.so config=%s\n' "$T/conf" >"$T/pam.d/svc"
run revoked --service svc --pam-dir "$T/pam.d"
rc_is "revoked --service" 0
has "revoked --service: the store of the service's line" '^sub +agent-c '
run -i "$TOK" fingerprint --service svc --pam-dir "$T/pam.d"
same "fingerprint --service: the service's JWT secret" "$STDOUT" "$FP"
run unrevoke --config "$T/conf" --sub agent-c
rc_is "unrevoke --config" 0
printf 'secret_file = %s\n' "$T/s1" >"$T/nostore"
run revoked --config "$T/nostore"
rc_is "a configuration without store=" 2
has "says there is no store" 'no store: the configuration sets no store='
run revoked --config "$T/missing"
rc_is "a missing --config" 2
run revoked --store "sqlite:relative.db"
rc_is "a bad --store URL" 2
run revoked --store "redis://u:pw@localhost/"
rc_is "a --store URL with a password" 2
hasnt "the password of a refused URL is not echoed" ':pw@'

# ---------------------------------------------------------------- check
run check secret_file="$T/s1" mode=jwt store="sqlite:$DB" single_use
rc_is "check: a SQLite store" 0
has "check: store opened" "^ok: store sqlite:$(q "$DB"): opened \\(sqlite\\)$"
hasnt "check: no store warning for a fine SQLite file" '^warning: store'
run check secret_file="$T/s1" store="sqlite:$DB" single_use
rc_is "check: single_use with mode=any" 1
has "check: single_use with mode=any says to set mode=jwt" '^error: single_use=true with mode=any: .*set mode=jwt$'
mkdir "$T/bad"
BADDB=$T/bad/state.db
run revoke --store "sqlite:$BADDB" --sub x
chmod 0666 "$BADDB"
run check secret_file="$T/s1" mode=jwt store="sqlite:$BADDB"
rc_is "check: a world-writable SQLite file" 1
has "check: the store cannot be used" "^error: store sqlite:$(q "$BADDB"): cannot be used \\(reason="
run revoked --store "sqlite:$BADDB"
rc_is "revoked: a world-writable SQLite file refused" 1
chmod 0600 "$BADDB"
chmod 0777 "$T/bad"
run check secret_file="$T/s1" mode=jwt store="sqlite:$BADDB"
rc_is "check: a world-writable directory" 1
has "check: names the directory" "directory $(q "$T/bad")"
chmod 0700 "$T/bad"
run check secret_file="$T/s1" mode=jwt store="sqlite:$DB" store_unavailable=allow
rc_is "check: store_unavailable=allow is a warning" 0
has "check: store_unavailable=allow warned about" '^warning: store_unavailable=allow: while the store cannot be reached'

# ---------------------------------------------------------------- Redis
REDIS=$(command -v redis-server)
# redis_start NAME ARG...: a private redis-server on a unix socket in
# $T/NAME; its URL in $RURL.
redis_start() {
	local d=$T/$1 i

	shift
	mkdir "$d"
	redis-server --port 0 --unixsocket "$d/redis.sock" \
		--unixsocketperm 700 --dir "$d" --daemonize no "$@" \
		>"$d/log" 2>&1 &
	REDIS_PIDS+=($!)
	for i in $(seq 100); do
		[ -S "$d/redis.sock" ] && break
		sleep 0.05
	done
	RURL=redis+unix://$d/redis.sock
}
if [ -z "$REDIS" ]; then
	ok "redis # SKIP redis-server is not installed"
else
	redis_start r1 --save '' --appendonly no --maxmemory-policy allkeys-lru
	RST=(--store "$RURL")
	run revoke "${RST[@]}" --sub agent-7 --before 1700000000 --reason "why"
	rc_is "redis: revoke --sub --before" 0
	run -i "$TOK" revoke "${RST[@]}" --secret-file "$T/s1" --token -
	rc_is "redis: revoke --token -" 0
	run revoked "${RST[@]}"
	has "redis: revoked lists the id" '^sub +agent-7 +2023-11-14T22:13:20Z +never +.* why$'
	has "redis: revoked lists the token with its sub" "^token +$FP +- .* $U +-$"
	run -i "$TOK" verify --user "$U" secret_file="$T/s1" mode=jwt store="$RURL"
	rc_is "redis: verify, the revoked token" 1
	run unrevoke "${RST[@]}" --fp "$FP"
	rc_is "redis: unrevoke --fp" 0
	run unrevoke "${RST[@]}" --sub agent-7
	rc_is "redis: unrevoke --sub" 0
	run unrevoke "${RST[@]}" --sub agent-7
	rc_is "redis: unrevoke again" 1
	same "redis: round trip, nothing left" "$(count "${RST[@]}")" 0
	run check secret_file="$T/s1" mode=jwt store="$RURL"
	rc_is "redis check: warnings only" 0
	has "redis check: opened" "^ok: store $(q "$RURL"): opened \\(redis\\)$"
	has "redis check: maxmemory-policy allkeys-lru warned about" '^warning: store: .*maxmemory-policy.*allkeys-lru'
	has "redis check: no persistence warned about" '^warning: store: .*persistence'

	redis_start r2 --save '' --appendonly yes --maxmemory-policy noeviction
	run check secret_file="$T/s1" mode=jwt store="$RURL"
	rc_is "redis check: noeviction and AOF" 0
	hasnt "redis check: no store warning with noeviction and AOF" '^warning: store'
	has "redis check: AOF said" '^note: store: .*AOF'

	run check secret_file="$T/s1" mode=jwt store="redis+unix://$T/r3/none.sock"
	rc_is "redis check: no server" 1
	has "redis check: unavailable" "^error: store .*: cannot be used \\(reason=store_unavailable\\)"
	run revoke --store "redis+unix://$T/r3/none.sock" --sub x
	rc_is "redis: revoke without a server" 1
	has "redis: revoke says the store cannot be opened" 'cannot open the store .*\(reason=store_unavailable\)'
fi

# ------------------------------------------------------------ no leaks
leak=
for t in "${TOKENS[@]}"; do
	[[ $ALL == *"$t"* ]] && leak+=" token"
	[[ $ALL == *"${t##*.}"* ]] && leak+=" signature"
done
[[ $ALL == *"$S1"* ]] && leak+=" secret"
same "no token, signature or secret in anything the CLI printed" "$leak" ""

echo "1..$n"
[ "$failed" -eq 0 ]
